"""Issue 15 end to end: the real bot (``python -m bot run``) against the fake Discord, with several
schedules set up through ``/settings``: in one server a daily post, a tag-filtered daily post with a
discussion thread in another channel, and a weekly digest whose menu opens an event; in another
server a thread the bot may not open, where the post still goes out once and ``/settings show``
says why the thread is missing.

Minute-aligned on the real clock like the daily-post scenario: about a minute and a half.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from fakediscord import FakeDiscord, option, payloads, subcommand
from fakediscord.state import CREATE_PUBLIC_THREADS, OVERWRITE_ROLE, SEND_MESSAGES_IN_THREADS, Overwrite

from bot.content_loader import load_library
from bot.core.onthisday import events_on
from bot.core.scheduling import WEEKDAY_NAMES

from .conftest import REPO_ROOT, SpawnBot
from .scenario_support import (
    GLOBAL_COMMANDS,
    Json,
    answer,
    assert_user_safe,
    is_ephemeral,
    message_data,
    wait_until_ready,
)
from .test_scenarios_daily import (
    CIRCLE,
    CLUB,
    post_minute,
    settings,
    settings_fields,
    sleep_until,
    timezone_with_events,
)


async def test_several_schedules_threads_and_a_weekly_digest(
    fake: FakeDiscord, spawn_bot: SpawnBot, tmp_path: Path
) -> None:
    library = load_library([REPO_ROOT / "content"]).library
    state = fake.state
    club, circle = state.guild(CLUB), state.guild(CIRCLE)
    general, history, daily = club.channel("general"), club.channel("history"), circle.channel("daily")
    bot_role = next(r for r in club.roles.values() if r.bot_id == state.bot.id)
    # The club lets the bot open threads in #history; the circle does not (no Create Public Threads).
    history.overwrites.append(
        Overwrite(bot_role.id, OVERWRITE_ROLE, allow=CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS)
    )

    bot = await spawn_bot()
    await wait_until_ready(fake, bot)
    await fake.wait_for_request("PUT", GLOBAL_COMMANDS, within=20)
    await fake.channel_changed(history.id)

    target = post_minute(dt.datetime.now(dt.UTC))
    tz = timezone_with_events(library, target)
    local = target.astimezone(ZoneInfo(tz))
    hhmm, weekday = local.strftime("%H:%M"), WEEKDAY_NAMES[local.weekday()][:3].lower()
    todays = events_on(library, local.month, local.day, year=local.year)
    tag = todays[0].tags[0]
    tagged = {e.title for e in todays if tag in e.tags}

    async def club_settings(sub: str, *options: Json) -> str:
        return await settings(fake, bot, CLUB, sub, *options)

    channel_of = {"general": general.id, "history": history.id}

    def channel(name: str) -> Json:
        return option("channel", str(channel_of[name]), type=payloads.OPT_CHANNEL)

    # --- the club: its first schedule as before, then two more
    assert tz in await club_settings("timezone", option("timezone", tz))
    assert hhmm in await club_settings("time", option("time", hhmm))
    assert f"<#{general.id}>" in await club_settings("channel", channel("general"))
    text = await club_settings("add", option("name", "Labour"), channel("history"))
    assert "Added the daily schedule `labour`" in text, text
    text = await club_settings("time", option("time", hhmm), option("schedule", "labour"))
    assert text.startswith("Schedule `labour`:"), text
    assert "events tagged" in await club_settings("tags", option("tags", tag), option("schedule", "labour"))
    text = await club_settings("thread", option("on", True), option("schedule", "labour"))
    assert "open a public thread" in text, text
    assert "missing" not in text, text
    text = await club_settings("add", option("name", "weekly"), option("kind", "weekly"), channel("general"))
    assert "Added the weekly schedule `weekly`" in text, text
    await club_settings("days", option("days", weekday), option("schedule", "weekly"))
    await club_settings("time", option("time", hhmm), option("schedule", "weekly"))
    choices = await fake.autocomplete(
        "settings", subcommand("pause", option("schedule", "", focused=True)), guild=CLUB, user="owner"
    )
    assert [c["value"] for c in await choices_of(fake, choices, bot)] == ["daily", "labour", "weekly"]
    listed = await settings_list(fake, bot)
    assert set(listed) == {"daily", "labour", "weekly"}
    assert all(f"<t:{int(target.timestamp())}:F>" in value for value in listed.values()), listed

    # --- the circle: one schedule with a thread the bot may not open
    for sub, opt in (("timezone", option("timezone", tz)), ("time", option("time", hhmm))):
        await settings(fake, bot, CIRCLE, sub, opt)
    await settings(fake, bot, CIRCLE, "channel", option("channel", str(daily.id), type=payloads.OPT_CHANNEL))
    text = await settings(fake, bot, CIRCLE, "thread", option("on", True))
    assert "missing Create Public Threads" in text, text

    # --- the posts at the minute
    assert dt.datetime.now(dt.UTC) < target, "setup took too long"
    await sleep_until(target)
    await fake.wait_for(
        lambda: len([m for m in state.messages_in(general.id) if "webhook_id" not in m]) >= 2,
        60,
        "the club's daily post and digest",
    )
    await fake.wait_for(lambda: len(state.messages_in(history.id)) >= 1, 30, "the labour post")
    await fake.wait_for(lambda: len(state.messages_in(daily.id)) >= 1, 30, "the circle's post")
    await fake.wait_for(lambda: state.find_requests("POST", THREADS), 20, "thread requests")
    await asyncio.sleep(3.0)  # anything else queued would have gone out by now

    labour_posts = state.messages_in(history.id)
    assert len(labour_posts) == 1
    fields = {f["name"] for f in labour_posts[0]["embeds"][0]["fields"]}
    assert fields, labour_posts[0]
    assert fields <= tagged, (fields, tagged)
    (thread,) = [t for t in state.threads.values() if t["parent_id"] == str(history.id)]
    assert thread["id"] == labour_posts[0]["id"]
    assert thread["name"] == labour_posts[0]["embeds"][0]["fields"][0]["name"].replace("\\", "")

    # (#general also holds the answers to the commands used there, sent through the interaction webhook.)
    general_posts = [m for m in state.messages_in(general.id) if "webhook_id" not in m]
    assert len(general_posts) == 2
    (digest,) = [m for m in general_posts if m["embeds"][0]["title"].startswith("The week ahead")]
    (row,) = digest["components"]
    (menu,) = row["components"]
    assert menu["custom_id"] == "fb:digest"
    assert 1 <= len(menu["options"]) <= 25
    picked = menu["options"][0]["value"]
    rec = await fake.click(int(digest["id"]), "fb:digest", user="reader", component_type=3, values=[picked])
    opened = message_data(await answer(fake, rec, bot))
    assert is_ephemeral(opened)
    assert_user_safe(opened)
    assert opened["embeds"][0]["title"].replace("\\", "") == library.events[picked].title

    # The circle: posted once without a thread; the reason is in /settings show.
    assert len(state.messages_in(daily.id)) == 1
    refused = [r for r in state.find_requests("POST", THREADS) if r.path_args["channel_id"] == str(daily.id)]
    assert [r.status for r in refused] == [403]
    circle_fields = await settings_fields(fake, bot, CIRCLE)
    assert "Create Public Threads" in circle_fields["Thread"], circle_fields
    assert circle_fields["Discussion thread"] == "opened on each post"

    # --- removing the labour schedule leaves the others
    rec = await fake.slash("settings", subcommand("remove", option("schedule", "labour")), guild=CLUB, user="owner")
    ask = message_data(await answer(fake, rec, bot))
    assert "Remove the schedule `labour`" in ask["content"]
    button = next(c for r in ask["components"] for c in r["components"] if c.get("label") == "Remove")
    asked = fake.original_message(rec)
    assert asked is not None
    done = await fake.click(int(asked["id"]), button["custom_id"], user="owner")
    assert "Removed the schedule `labour`" in message_data(await answer(fake, done, bot))["content"]
    assert set(await settings_list(fake, bot)) == {"daily", "weekly"}

    assert await bot.stop() == 0, bot.log()[-3000:]
    assert "Traceback" not in bot.log(), bot.log()[-4000:]
    con = sqlite3.connect(tmp_path / "from-below.sqlite3")
    try:
        rows = con.execute(
            "SELECT s.name, p.status, p.thread_id, p.thread_error FROM post_log AS p JOIN schedules AS s "
            "USING (guild_id, schedule_id) WHERE p.guild_id = ? ORDER BY s.schedule_id",
            (club.id,),
        ).fetchall()
    finally:
        con.close()
    assert [(r[0], r[1]) for r in rows] == [("daily", "sent"), ("weekly", "sent")], rows


THREADS = "/channels/{channel_id}/messages/{message_id}/threads"


async def choices_of(fake: FakeDiscord, rec: object, bot: object) -> list[Json]:
    body = await answer(fake, rec, bot)  # type: ignore[arg-type]
    assert body["type"] == 8, body
    return list(body["data"]["choices"])


async def settings_list(fake: FakeDiscord, bot: object) -> dict[str, str]:
    rec = await fake.slash("settings", subcommand("show"), guild=CLUB, user="owner")
    data = message_data(await answer(fake, rec, bot))  # type: ignore[arg-type]
    assert is_ephemeral(data)
    return {f["name"]: f["value"] for f in data["embeds"][0]["fields"]}
