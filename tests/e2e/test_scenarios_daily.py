"""Issue 7, the daily post end to end: the real bot (``python -m bot run``) is set up through
``/settings`` in two servers, posts at the configured minute on the real clock, survives a gateway
drop and a restart without posting twice, pauses on a 403 with the reason in ``/settings show``,
and shuts down cleanly on SIGTERM leaving an intact database.

The scheduler is minute-aligned on the real clock, so this one test waits for the next minute
(or the one after, if fewer than 10 s are left): about a minute and a half in all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from fakediscord import FakeDiscord, option, payloads, subcommand
from fakediscord.state import OVERWRITE_MEMBER, SEND_MESSAGES, Overwrite

from bot.content_loader import load_library
from bot.core.dates import MONTH_NAMES
from bot.core.models import Library
from bot.core.onthisday import events_on

from .conftest import REPO_ROOT, BotProcess, SpawnBot
from .scenario_support import (
    GLOBAL_COMMANDS,
    Json,
    answer,
    assert_user_safe,
    is_ephemeral,
    message_data,
    visible_text,
    wait_until_ready,
)

CLUB = "People's History Club"
CIRCLE = "Reading Circle"
#: Timezones tried in turn: the first whose local date at the post minute has events is used, so
#: the post is never skipped as an empty day whatever day the test runs.
TIMEZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles", "UTC")
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"


def post_minute(now: dt.datetime) -> dt.datetime:
    """The next full minute, or the one after if fewer than 10 s are left in this one."""
    target = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if (target - now).total_seconds() < 10:
        target += dt.timedelta(minutes=1)
    return target


def timezone_with_events(library: Library, at: dt.datetime) -> str:
    for name in TIMEZONES:
        local = at.astimezone(ZoneInfo(name)).date()
        if events_on(library, local.month, local.day, year=local.year):
            return name
    raise AssertionError(f"no timezone in {TIMEZONES} has events on its local date at {at}")


async def sleep_until(when: dt.datetime) -> None:
    delay = (when - dt.datetime.now(dt.UTC)).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)


async def settings(
    fake: FakeDiscord, bot: BotProcess, guild: str, sub: str, *options: Json, channel: str = "general"
) -> str:
    rec = await fake.slash("settings", subcommand(sub, *options), guild=guild, channel=channel, user="owner")
    body = await answer(fake, rec, bot)
    assert body["type"] == 4, body
    data = message_data(body)
    assert_user_safe(data)
    assert is_ephemeral(data)
    return visible_text(data)


async def settings_fields(fake: FakeDiscord, bot: BotProcess, guild: str) -> dict[str, str]:
    rec = await fake.slash("settings", subcommand("show"), guild=guild, user="owner")
    data = message_data(await answer(fake, rec, bot))
    assert_user_safe(data)
    assert is_ephemeral(data)
    return {f["name"]: f["value"] for f in data["embeds"][0]["fields"]}


def scheduler_tick(heartbeat: Path) -> dt.datetime | None:
    try:
        raw = json.loads(heartbeat.read_text()).get("scheduler_tick")
    except (OSError, ValueError):
        return None
    return dt.datetime.fromisoformat(raw) if raw else None


async def test_daily_post_once_through_drop_restart_and_a_403(
    fake: FakeDiscord, spawn_bot: SpawnBot, tmp_path: Path
) -> None:
    library = load_library([REPO_ROOT / "content"]).library
    state = fake.state
    club, circle = state.guild(CLUB), state.guild(CIRCLE)
    history, daily = club.channel("history"), circle.channel("daily")
    readers = club.role("Readers")

    bot = await spawn_bot()
    await wait_until_ready(fake, bot)
    await fake.wait_for_request("PUT", GLOBAL_COMMANDS, within=20)

    # --- set up through /settings: time first, channel last (a channel makes the schedule live)
    target = post_minute(dt.datetime.now(dt.UTC))
    tz = timezone_with_events(library, target)
    local = target.astimezone(ZoneInfo(tz))
    hhmm = local.strftime("%H:%M")
    for guild, channel in ((CLUB, history), (CIRCLE, daily)):
        text = await settings(fake, bot, guild, "timezone", option("timezone", tz))
        assert tz in text, text
        text = await settings(fake, bot, guild, "time", option("time", hhmm))
        assert hhmm in text, text
        if guild == CLUB:
            text = await settings(fake, bot, guild, "role", option("role", str(readers.id), type=payloads.OPT_ROLE))
            assert f"<@&{readers.id}>" in text, text
        text = await settings(
            fake, bot, guild, "channel", option("channel", str(channel.id), type=payloads.OPT_CHANNEL)
        )
        assert f"<#{channel.id}>" in text, text
        assert "Next post" in text, text
    fields = await settings_fields(fake, bot, CLUB)
    assert fields["Channel"] == f"<#{history.id}>"
    assert fields["Time"] == f"{hhmm} ({tz})"
    assert f"<t:{int(target.timestamp())}:F>" in fields["Next post"], (fields["Next post"], target)

    # --- the Reading Circle takes Send Messages away from the bot in #daily (after setup)
    daily.overwrites.append(Overwrite(state.bot.id, OVERWRITE_MEMBER, deny=SEND_MESSAGES))
    await fake.channel_changed(daily.id)

    # --- the gateway drops 3 s before the post minute and is resumed
    assert dt.datetime.now(dt.UTC) < target - dt.timedelta(seconds=3), "setup took too long"
    await sleep_until(target - dt.timedelta(seconds=3))
    await fake.drop_gateway()
    await fake.wait_for_resume(count=1, within=15)

    # --- the post arrives at the configured minute
    posted = await fake.wait_for_request("POST", f"/channels/{history.id}/messages", within=130)
    arrived = dt.datetime.now(dt.UTC)
    assert posted.status == 200, (posted.status, posted.body)
    assert target <= arrived < target + dt.timedelta(seconds=20), (target, arrived)
    body = posted.body
    assert body["content"] == f"<@&{readers.id}>"
    assert body["allowed_mentions"]["parse"] == []
    assert [str(r) for r in body["allowed_mentions"]["roles"]] == [str(readers.id)]
    assert body["nonce"]
    assert len(body["embeds"]) >= 1
    embed = body["embeds"][0]
    assert embed["title"] == f"On this day: {local.day} {MONTH_NAMES[local.month - 1]}", embed["title"]
    assert embed["fields"], embed
    titles = {e.title for e in events_on(library, local.month, local.day, year=local.year)}
    assert {f["name"] for f in embed["fields"]} & titles, (embed["fields"], titles)

    # the 403 in the Reading Circle: tried once, refused, posting paused with the reason shown
    refused = await fake.wait_for_request("POST", f"/channels/{daily.id}/messages", within=20)
    assert refused.status == 403
    await fake.wait_for(lambda: "Paused" in bot.log() or "paused" in bot.log(), 10, "the pause logged")
    circle_fields = await settings_fields(fake, bot, CIRCLE)
    assert "Paused by the bot" in circle_fields["Status"], circle_fields
    assert f"<#{daily.id}>" in circle_fields["Status"]
    assert "Send Messages" in circle_fields["Status"]
    assert not state.messages_in(daily.id)

    # the club's settings show the post that went out
    club_fields = await settings_fields(fake, bot, CLUB)
    message = state.messages_in(history.id)
    assert len(message) == 1
    assert message[0]["id"] in club_fields["Last post"], club_fields["Last post"]

    # --- another drop right after the post, resumed: still one message
    await fake.drop_gateway()
    await fake.wait_for_resume(count=2, within=15)

    # --- restart the process on the same database (SIGTERM, then spawn again)
    assert await bot.stop() == 0, bot.log()[-3000:]
    restarted_at = dt.datetime.now(dt.UTC)
    bot2 = await spawn_bot()
    await wait_until_ready(fake, bot2, sessions=2)
    heartbeat = tmp_path / "heartbeat.json"
    await fake.wait_for(
        lambda: (tick := scheduler_tick(heartbeat)) is not None and tick >= restarted_at,
        30,
        "the restarted bot's first scheduler tick",
    )
    await asyncio.sleep(2.0)  # time for anything that tick queued to be sent
    assert len(state.messages_in(history.id)) == 1, "posted twice"
    posts = [r for r in state.find_requests("POST", CHANNEL_MESSAGES) if r.path_args["channel_id"] == str(history.id)]
    assert len(posts) == 1, [p.at for p in posts]
    assert len(state.find_requests("POST", f"/channels/{daily.id}/messages")) == 1, "a paused server was posted to"
    assert "slash commands unchanged since the last sync" in bot2.log()
    assert len(state.find_requests("PUT", GLOBAL_COMMANDS)) == 1

    # --- SIGTERM: exit 0, database intact with both servers' settings
    assert await bot2.stop() == 0, bot2.log()[-3000:]
    for process in (bot, bot2):
        assert "Traceback" not in process.log(), process.log()[-4000:]
    con = sqlite3.connect(tmp_path / "from-below.sqlite3")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        schedules = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT guild_id, channel_id, post_time, timezone, role_id, paused_reason FROM schedules"
            )
        }
        log_rows = con.execute("SELECT guild_id, local_date, status, message_id FROM post_log").fetchall()
    finally:
        con.close()
    assert schedules[club.id] == (history.id, hhmm, tz, readers.id, None)
    assert schedules[circle.id][:4] == (daily.id, hhmm, tz, None)
    assert schedules[circle.id][4], "the pause reason is stored"
    assert log_rows == [(club.id, local.date().isoformat(), "sent", int(message[0]["id"]))], log_rows
