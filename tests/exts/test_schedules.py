"""Several schedules per server through ``/settings`` (the real command tree; see conftest.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import test_settings
from conftest import GUILD_ID, NOW, Harness
from test_daily import HttpRecorder
from test_settings import ANNOUNCE_ID, HISTORY_ID, _resolved_channel, reply

from bot.core.scheduling import Schedule
from bot.storage import Database, PostsRepository, SettingsRepository

# The server, its channels and the bot's database, as in test_settings.
db = test_settings.db
world = test_settings.world


async def schedules(db: Database) -> dict[str, Schedule]:
    return {s.name: s for s in await SettingsRepository(db).for_guild(GUILD_ID)}


async def test_a_server_with_one_schedule_uses_settings_as_before(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, _ = world
    message = await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    assert message.content.startswith(f"Daily posts will go to <#{HISTORY_ID}>.")
    await reply(h, "time", time="08:00")
    (only,) = (await schedules(db)).values()
    assert (only.name, only.schedule_id, only.channel_id, only.post_time) == ("daily", 1, HISTORY_ID, dt.time(8))
    # The named default works too, and show gives the one card as before.
    await reply(h, "days", days="mon-fri", schedule="daily")
    assert (await schedules(db))["daily"].weekdays == frozenset(range(5))
    shown = await reply(h, "show")
    assert shown.embeds[0]["title"] == "Daily post settings"


async def test_add_configure_show_rename_and_remove(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    await reply(h, "timezone", timezone="Europe/Berlin")
    added = await reply(
        h, "add", name="Labour History", channel=str(ANNOUNCE_ID), resolved=_resolved_channel(ANNOUNCE_ID)
    )
    assert "Added the daily schedule `labour-history`" in added.content
    assert f"<#{ANNOUNCE_ID}>" in added.content
    weekly = await reply(h, "add", name="weekly", kind="weekly")
    assert "Added the weekly schedule `weekly`" in weekly.content
    assert "/settings channel schedule:weekly" in weekly.content
    stored = await schedules(db)
    assert list(stored) == ["daily", "labour-history", "weekly"]
    labour = stored["labour-history"]
    # A new schedule takes the server's timezone; the weekly digest goes out on Mondays.
    assert (labour.schedule_id, labour.timezone, labour.channel_id) == (2, "Europe/Berlin", ANNOUNCE_ID)
    assert stored["weekly"].kind == "weekly"
    assert stored["weekly"].weekdays == frozenset({0})

    # Autocomplete offers the server's schedules.
    choices = await h.autocomplete("settings time", "schedule", time="10:00", schedule="lab")
    assert [c["value"] for c in choices] == ["labour-history"]
    all_names = await h.autocomplete("settings pause", "schedule", schedule="")
    assert [c["value"] for c in all_names] == ["daily", "labour-history", "weekly"]

    # A change names the schedule it made; the others are untouched.
    changed = await reply(h, "time", time="17:30", schedule="labour-history")
    assert changed.content.startswith("Schedule `labour-history`: Daily posts will go out at 17:30")
    tagged = await reply(h, "tags", tags="strike, revolution", schedule="labour-history")
    assert "events tagged revolution or strike" in tagged.content
    stored = await schedules(db)
    assert stored["labour-history"].post_time == dt.time(17, 30)
    assert stored["labour-history"].tags == frozenset({"strike", "revolution"})
    assert stored["daily"].post_time == dt.time(9)
    assert stored["daily"].tags is None

    # Show lists every schedule with its next post as a Discord timestamp.
    shown = await reply(h, "show")
    (embed,) = shown.embeds
    assert embed["title"] == "Scheduled posts (3 of 10)"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert list(fields) == ["daily", "labour-history", "weekly"]
    # Added at 14:00 Berlin time with the 09:00 default, today counted as passed (as for a first
    # channel); 17:30 in Berlin (CEST) is 15:30 UTC, so tomorrow's.
    due = dt.datetime(2026, 6, 18, 15, 30, tzinfo=dt.UTC)
    assert f"<t:{int(due.timestamp())}:F>" in fields["labour-history"]
    assert "events tagged revolution or strike" in fields["labour-history"]
    assert "choose a channel" in fields["weekly"]
    one = await reply(h, "show", schedule="labour-history")
    assert one.embeds[0]["title"] == "Schedule `labour-history`"

    renamed = await reply(h, "rename", schedule="labour-history", new_name="labour")
    assert "now called `labour`" in renamed.content
    assert list(await schedules(db)) == ["daily", "labour", "weekly"]
    clash = await reply(h, "rename", schedule="labour", new_name="daily")
    assert "already has a schedule called `daily`" in clash.content
    assert list(await schedules(db)) == ["daily", "labour", "weekly"]

    # Remove asks first; "Keep it" keeps it, "Remove" removes only that schedule and its history.
    posts = PostsRepository(db)
    day = dt.date(2026, 6, 10)
    for schedule in (await schedules(db)).values():
        assert await posts.claim(schedule.key, day, at=NOW, entry_ids=("east-berlin-1953",))
    ask = await reply(h, "remove", schedule="labour")
    assert "Remove the schedule `labour`" in ask.content
    keep = ask.button("Keep")
    kept = await h.click(ask, keep["custom_id"])
    assert "Nothing was removed" in kept[-1].content
    assert "labour" in await schedules(db)
    ask = await reply(h, "remove", schedule="labour")
    done = await h.click(ask, ask.button("Remove")["custom_id"])
    assert "Removed the schedule `labour`" in done[-1].content
    assert "`daily`, `weekly`" in done[-1].content
    remaining = await schedules(db)
    assert list(remaining) == ["daily", "weekly"]
    assert await posts.get((GUILD_ID, 2), day) is None
    assert await posts.get(remaining["daily"].key, day) is not None
    assert await posts.get(remaining["weekly"].key, day) is not None


async def test_bad_schedule_input_changes_nothing(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    unknown = await reply(h, "time", time="10:00", schedule="nope")
    assert "no schedule called" in unknown.content
    assert "`daily`" in unknown.content
    assert "bad name" not in (await reply(h, "add", name="bad/name")).content
    assert "can't be a schedule name" in (await reply(h, "add", name="bad/name")).content
    assert "already has a schedule called `daily`" in (await reply(h, "add", name="Daily")).content
    for i in range(9):
        await reply(h, "add", name=f"extra-{i}")
    full = await reply(h, "add", name="one-too-many")
    assert "at most 10 schedules" in full.content
    assert len(await schedules(db)) == 10
    bad_tag = await reply(h, "tags", tags="strikez")
    assert "I don't know the tag(s) 'strikez'" in bad_tag.content
    assert (await schedules(db))["daily"].tags is None
    stored = await schedules(db)
    assert stored["daily"].post_time == dt.time(9)


async def test_thread_option_says_which_permissions_are_missing(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, _ = world
    await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    # @everyone has View, Send, Embed and Read History in the test server, but no thread permissions.
    message = await reply(h, "thread", on=True)
    assert "missing Create Public Threads and Send Messages in Threads" in message.content
    assert (await schedules(db))["daily"].thread is True
    off = await reply(h, "thread", on=False)
    assert "won't open a thread" in off.content
    assert (await schedules(db))["daily"].thread is False
    assert dataclasses.replace((await schedules(db))["daily"], thread=False) == (await schedules(db))["daily"]


async def test_preview_and_test_post_take_the_schedule(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, recorder = world
    await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    await reply(
        h, "add", name="weekly", kind="weekly", channel=str(ANNOUNCE_ID), resolved=_resolved_channel(ANNOUNCE_ID)
    )
    await reply(h, "time", time="23:00", schedule="weekly")
    await reply(h, "days", days="wed", schedule="weekly")  # 17 June 2026 is a Wednesday
    shown = await reply(h, "preview", schedule="weekly")
    due = dt.datetime(2026, 6, 17, 23, 0, tzinfo=dt.UTC)
    assert f"**Next weekly digest:** <t:{int(due.timestamp())}:F>" in shown.content
    (embed,) = shown.embeds
    assert embed["title"] == "The week ahead in history: 17 June to 23 June"
    assert "East Berlin builders' strike" in str(embed["fields"])
    daily = await reply(h, "preview")
    assert "**Next daily post:**" in daily.content

    sent = await reply(h, "test-post", schedule="weekly")
    assert f"Test post sent to <#{ANNOUNCE_ID}>" in sent.content
    (post,) = [c for c in recorder.calls if c.method == "POST"]
    assert f"/channels/{ANNOUNCE_ID}/messages" in post.path
    assert post.json is not None
    assert post.json["embeds"][0]["title"] == "The week ahead in history: 17 June to 23 June"
    (row,) = post.json["components"]
    assert row["components"][0]["custom_id"] == "fb:digest"
    assert "east-berlin-1953" in {o["value"] for o in row["components"][0]["options"]}
