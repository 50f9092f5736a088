"""``/settings`` through discord.py's real interaction machinery (see conftest.py).

The server is a real ``discord.Guild`` in the bot's cache, built from a GUILD_CREATE-shaped
payload (roles, channels with overwrites, the bot's own member), so channel permission checks
run discord.py's real ``permissions_for``. Interactions carry the member's computed permissions,
as Discord sends them. Posts made by ``test-post`` are recorded at the bot's HTTP client.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from conftest import (
    ALICE,
    APP_ID,
    CHANNEL_ID,
    GUILD_ID,
    NOW,
    Harness,
    RecordingAdapter,
    Sent,
    assert_message_within_limits,
    command_data,
    make_harness,
)
from test_daily import HttpRecorder, http_error

from bot.app import tree_payload
from bot.core.models import Library
from bot.core.packs import pack_choices, resolve_packs
from bot.core.scheduling import Schedule
from bot.storage import Database, PostsRepository, SettingsRepository, open_database

# Permission bits (https://discord.com/developers/docs/topics/permissions)
MANAGE_GUILD = 1 << 5
VIEW = 1 << 10
SEND = 1 << 11
EMBED = 1 << 14
READ_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
ADMINISTRATOR = 1 << 3
MEMBER = VIEW | SEND | EMBED
MANAGER = MEMBER | MANAGE_GUILD

HISTORY_ID = 222222222222222223
VOICE_ID = 222222222222222224
NO_EMBEDS_ID = 222222222222222225
ANNOUNCE_ID = 222222222222222226
BOT_ROLE_ID = 666000000000000001
FANS_ROLE_ID = 666000000000000002


def _role(role_id: int, name: str, permissions: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": 1 if role_id != GUILD_ID else 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        **extra,
    }


def _channel(
    channel_id: int, name: str, kind: int = 0, overwrites: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(channel_id),
        "type": kind,
        "name": name,
        "position": 0,
        "permission_overwrites": overwrites or [],
        "nsfw": False,
        "guild_id": str(GUILD_ID),
    }
    if kind == 2:
        data.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
    return data


ROLES = [
    _role(GUILD_ID, "@everyone", VIEW | SEND | EMBED | READ_HISTORY),
    _role(BOT_ROLE_ID, "From Below", 0, managed=True, tags={"bot_id": str(APP_ID)}),
    _role(FANS_ROLE_ID, "history-fans"),
]
CHANNELS = [
    _channel(CHANNEL_ID, "general"),
    _channel(HISTORY_ID, "history"),
    _channel(ANNOUNCE_ID, "announcements", 5),
    _channel(VOICE_ID, "Voice chat", 2),
    _channel(NO_EMBEDS_ID, "no-embeds", 0, [{"id": str(BOT_ROLE_ID), "type": 0, "allow": "0", "deny": str(EMBED)}]),
]


def add_guild(h: Harness) -> discord.Guild:
    """The server in the bot's cache, as GUILD_CREATE leaves it (with the bot's own member)."""
    payload = {
        "id": str(GUILD_ID),
        "name": "People's History Club",
        "owner_id": str(ALICE),
        "roles": ROLES,
        "channels": CHANNELS,
        "threads": [],
        "members": [
            {
                "user": {
                    "id": str(APP_ID),
                    "username": "From Below",
                    "discriminator": "0",
                    "avatar": None,
                    "bot": True,
                },
                "roles": [str(BOT_ROLE_ID)],
                "joined_at": "2024-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        ],
        "member_count": 3,
        "features": [],
        "emojis": [],
        "stickers": [],
        "large": False,
        "preferred_locale": "en-US",
    }
    guild = h.bot._connection._add_guild_from_data(payload)  # type: ignore[arg-type]
    assert guild.me is not None
    return guild


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "settings.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def world(
    test_library: Library, adapter: RecordingAdapter, tmp_path: Path, db: Database
) -> AsyncIterator[tuple[Harness, HttpRecorder]]:
    h = await make_harness(test_library, adapter, tmp_path, db=db)
    add_guild(h)
    recorder = HttpRecorder()
    h.bot.http.request = recorder.request  # type: ignore[method-assign]
    try:
        yield h, recorder
    finally:
        await h.bot.close()


def _resolved_channel(channel_id: int) -> dict[str, Any]:
    data = next(c for c in CHANNELS if c["id"] == str(channel_id))
    return {"channels": {str(channel_id): {**data, "permissions": str(MANAGER)}}}


async def settings(
    h: Harness,
    sub: str,
    *,
    perms: int = MANAGER,
    resolved: dict[str, Any] | None = None,
    **options: Any,
) -> list[Sent]:
    """Run ``/settings <sub>`` as a member with ``perms`` in the server's #general."""
    command = h.command(f"settings {sub}")
    data = command_data(command, options)
    if resolved is not None:
        data["resolved"] = resolved
    payload = h._payload(2, data, user_id=None, guild=True)
    payload["member"]["permissions"] = str(perms)
    return await h._run(payload)


async def reply(h: Harness, sub: str, **kwargs: Any) -> Sent:
    sent = await settings(h, sub, **kwargs)
    assert sent, f"/settings {sub} sent nothing"
    message = sent[-1]
    assert message.ephemeral, f"/settings {sub} answered publicly"
    assert_message_within_limits(message)
    return message


async def stored(db: Database) -> Schedule | None:
    return await SettingsRepository(db).get(GUILD_ID)


# --- who may use it ---------------------------------------------------------------------------------


async def test_the_group_is_for_server_managers_in_servers_only(world: tuple[Harness, HttpRecorder]) -> None:
    h, _ = world
    (command,) = [c for c in tree_payload(h.bot.tree, None) if c["name"] == "settings"]
    assert int(command["default_member_permissions"]) == MANAGE_GUILD
    assert command["contexts"] == [0]  # guild only
    subcommands = {o["name"] for o in command["options"]}
    assert subcommands == {
        "show",
        "channel",
        "time",
        "timezone",
        "role",
        "empty-days",
        "packs",
        "pause",
        "resume",
        "days",
        "preview",
        "test-post",
        "add",
        "remove",
        "rename",
        "tags",
        "thread",
    }
    (channel,) = [o for o in command["options"] if o["name"] == "channel"]
    assert sorted(channel["options"][0]["channel_types"]) == [0, 5]  # text and announcement channels
    # Every subcommand but add takes the schedule, autocompleted over the server's schedules.
    for sub in command["options"]:
        if sub["name"] == "add":
            continue
        (option,) = [o for o in sub["options"] if o["name"] == "schedule"]
        assert option["autocomplete"] is True
        assert option["required"] == (sub["name"] in ("remove", "rename"))


@pytest.mark.parametrize("sub", ["show", "pause", "preview"])
async def test_a_member_without_manage_server_is_refused_at_run_time(
    world: tuple[Harness, HttpRecorder], db: Database, sub: str
) -> None:
    h, _ = world
    message = await reply(h, sub, perms=MEMBER)
    assert message.content == "You need the Manage Server permission to do that."
    assert message.embeds == []
    assert await stored(db) is None


async def test_refused_values_change_nothing_for_non_managers(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, _ = world
    message = await reply(h, "time", perms=MEMBER, time="10:00")
    assert "Manage Server" in message.content
    assert await stored(db) is None
    # An administrator has every permission.
    message = await reply(h, "time", perms=ADMINISTRATOR, time="10:00")
    assert "10:00" in message.content


# --- show ---------------------------------------------------------------------------------------


def _fields(message: Sent) -> dict[str, str]:
    (embed,) = message.embeds
    return {f["name"]: f["value"] for f in embed["fields"]}


async def test_show_lists_every_setting_with_defaults(world: tuple[Harness, HttpRecorder]) -> None:
    h, _ = world
    message = await reply(h, "show")
    fields = _fields(message)
    assert "defaults" in message.embeds[0]["description"]
    assert fields["Channel"] == "not set"
    assert fields["Time"] == "09:00 (UTC)"
    assert fields["Days"] == "every day"
    assert fields["Role to ping"] == "nobody"
    assert fields["Empty days"] == "Nothing is posted (`skip`)"
    assert fields["Packs"] == "all packs"
    assert "choose a channel" in fields["Status"]
    assert fields["Last post"] == "Nothing posted yet."


async def test_show_reports_the_last_post_and_a_pause_after_403(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, _ = world
    schedule = Schedule(guild_id=GUILD_ID, channel_id=HISTORY_ID, post_time=dt.time(9, 0), timezone="Europe/Berlin")
    await SettingsRepository(db).save(schedule, at=NOW)
    posts = PostsRepository(db)
    day = dt.date(2026, 6, 17)
    assert await posts.claim(schedule.key, day, at=NOW, entry_ids=("east-berlin-1953",))
    await posts.record_sent(schedule.key, day, 987654321, at=NOW)
    reason = "I can't post in <#222222222222222223>: I'm missing access or permission there."
    await SettingsRepository(db).pause(schedule.key, reason, at=NOW + dt.timedelta(days=1))
    fields = _fields(await reply(h, "show"))
    assert fields["Status"].startswith("⏸️ Paused by the bot")
    assert reason in fields["Status"]
    assert "17 June 2026 (local date): sent" in fields["Last post"]
    assert f"https://discord.com/channels/{GUILD_ID}/{HISTORY_ID}/987654321" in fields["Last post"]
    assert f"<t:{int(NOW.timestamp())}:f>" in fields["Last post"]
    assert reason in fields["Last error"]
    assert f"<t:{int((NOW + dt.timedelta(days=1)).timestamp())}:f>" in fields["Last error"]
    assert fields["Time"] == "09:00 (Europe/Berlin)"
    assert fields["Next post"] == "none while off"


# --- channel ------------------------------------------------------------------------------------


async def test_channel_is_saved_when_the_bot_can_post_there(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    assert f"Daily posts will go to <#{HISTORY_ID}>." in message.content
    assert "Next post:" in message.content
    schedule = await stored(db)
    assert schedule is not None
    assert schedule.channel_id == HISTORY_ID
    # Announcement channels are fine too.
    await reply(h, "channel", channel=str(ANNOUNCE_ID), resolved=_resolved_channel(ANNOUNCE_ID))
    schedule = await stored(db)
    assert schedule is not None
    assert schedule.channel_id == ANNOUNCE_ID


async def test_a_voice_channel_is_refused(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "channel", channel=str(VOICE_ID), resolved=_resolved_channel(VOICE_ID))
    assert message.content.startswith(f"<#{VOICE_ID}> is a voice channel.")
    assert "nothing was changed" in message.content
    assert await stored(db) is None


async def test_a_channel_without_embed_links_is_refused_naming_the_permission(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, _ = world
    message = await reply(h, "channel", channel=str(NO_EMBEDS_ID), resolved=_resolved_channel(NO_EMBEDS_ID))
    assert "I'm missing the Embed Links permission" in message.content
    assert "Send Messages" not in message.content
    assert "Nothing was changed" in message.content
    assert await stored(db) is None


async def test_every_missing_permission_is_named(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    guild = h.bot.get_guild(GUILD_ID)
    assert guild is not None
    channel = guild.get_channel(HISTORY_ID)
    assert isinstance(channel, discord.TextChannel)
    # An overwrite for the bot's role, as a CHANNEL_UPDATE would leave it.
    channel._overwrites = [
        discord.abc._Overwrites({"id": str(BOT_ROLE_ID), "type": 0, "allow": "0", "deny": str(VIEW | SEND)})
    ]
    message = await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    # Without View Channel nothing else applies: Discord (and discord.py) count all three as missing.
    assert "missing the View Channel, Send Messages and Embed Links permissions" in message.content
    assert await stored(db) is None


async def test_setting_a_channel_clears_a_pause_after_404(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    schedule = Schedule(guild_id=GUILD_ID, channel_id=123, paused_reason="The channel no longer exists")
    await SettingsRepository(db).save(schedule, at=NOW)
    message = await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    assert "posting resumes" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.paused_reason is None
    assert saved.active


# --- time, timezone, days ----------------------------------------------------------------------------


async def test_time_accepts_24_hour_and_am_pm(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "time", time="21:30")
    assert "21:30 (UTC time)" in message.content
    message = await reply(h, "time", time="9am")
    assert "09:00" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.post_time == dt.time(9, 0)


async def test_time_25_00_is_refused_and_changes_nothing(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    await reply(h, "time", time="08:15")
    message = await reply(h, "time", time="25:00")
    assert "“25:00” is not a time of day: hours run from 00 to 23" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.post_time == dt.time(8, 15)


async def test_timezone_is_forgiving_and_autocompletes(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "timezone", timezone="berlin")
    assert "Timezone set to Europe/Berlin" in message.content
    assert "it is 14:00 there now" in message.content  # 12:00 UTC in June = CEST
    saved = await stored(db)
    assert saved is not None
    assert saved.timezone == "Europe/Berlin"
    choices = await h.autocomplete("settings timezone", "timezone", timezone="new york")
    assert choices[0] == {"name": "America/New_York", "value": "America/New_York"}
    choices = await h.autocomplete("settings timezone", "timezone", timezone="BERL")
    assert choices[0]["value"] == "Europe/Berlin"


async def test_timezone_gmt_plus_2_is_two_hours_ahead_and_says_so(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, _ = world
    choices = await h.autocomplete("settings timezone", "timezone", timezone="GMT+2")
    assert choices[0] == {"name": "UTC+2 (fixed offset, no daylight saving)", "value": "Etc/GMT-2"}
    assert {"name": "Europe/Berlin (now UTC+2, follows local clock changes)", "value": "Europe/Berlin"} in choices
    message = await reply(h, "timezone", timezone="GMT+2")
    assert "Timezone set to UTC+2 (it is 14:00 there now)" in message.content  # 12:00 UTC
    assert "does not follow daylight saving" in message.content
    assert "Europe/" in message.content  # a city to choose instead
    saved = await stored(db)
    assert saved is not None
    assert saved.timezone == "Etc/GMT-2"
    show = await reply(h, "show")
    time_field = next(f for f in show.embeds[0]["fields"] if f["name"] == "Time")
    assert time_field["value"] == "09:00 (UTC+2)"


async def test_timezone_mars_is_refused_and_changes_nothing(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "timezone", timezone="Mars/Olympus")
    assert "“Mars/Olympus” is not a timezone I know." in message.content
    assert "Europe/Berlin" in message.content  # says what to type instead
    assert await stored(db) is None


async def test_days(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "days", days="mon-fri")
    assert "Monday to Friday" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.weekdays == frozenset(range(5))
    message = await reply(h, "days", days="blursday")
    assert "I don't know the day" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.weekdays == frozenset(range(5))


# --- role, empty days, packs ---------------------------------------------------------------------------


def _resolved_role(role_id: int) -> dict[str, Any]:
    data = next(r for r in ROLES if r["id"] == str(role_id))
    return {"roles": {str(role_id): data}}


async def test_role_set_noted_when_unmentionable_and_cleared(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "role", role=str(FANS_ROLE_ID), resolved=_resolved_role(FANS_ROLE_ID))
    assert f"Daily posts will ping <@&{FANS_ROLE_ID}>." in message.content
    assert "isn't mentionable" in message.content
    assert message.data["allowed_mentions"] == {"parse": []}  # the confirmation itself pings nobody
    saved = await stored(db)
    assert saved is not None
    assert saved.role_id == FANS_ROLE_ID
    message = await reply(h, "role")
    assert "won't ping anyone" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.role_id is None


async def test_role_everyone_and_bot_roles_are_refused(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "role", role=str(GUILD_ID), resolved=_resolved_role(GUILD_ID))
    assert "can't ping @everyone" in message.content
    message = await reply(h, "role", role=str(BOT_ROLE_ID), resolved=_resolved_role(BOT_ROLE_ID))
    assert "belongs to a bot" in message.content
    assert await stored(db) is None


async def test_empty_days_choices(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    (command,) = [c for c in tree_payload(h.bot.tree, None) if c["name"] == "settings"]
    (empty,) = [o for o in command["options"] if o["name"] == "empty-days"]
    assert [c["value"] for c in empty["options"][0]["choices"]] == ["skip", "week", "article"]
    message = await reply(h, "empty-days", mode="week")
    assert "that week in history" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.empty_day == "week"


async def test_packs(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "packs", packs="Test pack")
    assert "Daily posts will use Test pack." in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.packs == frozenset({"test-pack"})
    message = await reply(h, "packs", packs="nope, test-pack")
    assert "I don't know a pack called “nope”" in message.content
    message = await reply(h, "packs", packs=" , ")
    assert "at least one pack" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.packs == frozenset({"test-pack"})
    await reply(h, "packs", packs="all")
    saved = await stored(db)
    assert saved is not None
    assert saved.packs is None
    choices = await h.autocomplete("settings packs", "packs", packs="te")
    assert {"name": "Test pack (test-pack)", "value": "test-pack"} in choices


def test_pack_parsing_and_completion(test_library: Library) -> None:
    assert resolve_packs("ALL", test_library) is None
    assert resolve_packs("test_pack", test_library) == frozenset({"test-pack"})
    assert pack_choices("", test_library)[0] == ("all packs", "all")
    assert pack_choices("test-pack, ", test_library) == []


# --- pause, resume -----------------------------------------------------------------------------------


async def test_pause_and_resume(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    message = await reply(h, "resume")
    assert "Choose a channel first" in message.content
    await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    message = await reply(h, "pause")
    assert "paused" in message.content
    saved = await stored(db)
    assert saved is not None
    assert not saved.enabled
    assert "already paused" in (await reply(h, "pause")).content
    message = await reply(h, "resume")
    assert "Daily posts are on again." in message.content
    assert "Next post:" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.active


async def test_resume_after_a_403_rechecks_the_channel(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    schedule = Schedule(guild_id=GUILD_ID, channel_id=NO_EMBEDS_ID, paused_reason="I can't post there")
    await SettingsRepository(db).save(schedule, at=NOW)
    message = await reply(h, "resume")
    assert "missing the Embed Links permission" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.paused_reason == "I can't post there"


# --- preview and test-post ------------------------------------------------------------------------------


async def test_preview_shows_the_post_and_a_discord_timestamp(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, _ = world
    schedule = Schedule(
        guild_id=GUILD_ID,
        channel_id=HISTORY_ID,
        post_time=dt.time(15, 0),
        timezone="Europe/Berlin",
        role_id=FANS_ROLE_ID,
    )
    await SettingsRepository(db).save(schedule, at=NOW)
    message = await reply(h, "preview")
    due = dt.datetime(2026, 6, 17, 13, 0, tzinfo=dt.UTC)  # 15:00 in Berlin (CEST)
    assert f"<t:{int(due.timestamp())}:F>" in message.content
    assert f"<t:{int(due.timestamp())}:R>" in message.content
    assert f"in <#{HISTORY_ID}>, pinging <@&{FANS_ROLE_ID}>" in message.content
    assert message.data["allowed_mentions"] == {"parse": []}
    (embed,) = message.embeds
    assert embed["title"] == "On this day: 17 June"
    assert re.search(r"East German uprising", " ".join(f["name"] for f in embed["fields"]))
    assert "Test post" not in embed["footer"]["text"]


async def test_preview_when_nothing_would_be_posted(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    # 1 January: nothing in the test library within three days either side, and empty days skip.
    h.clock.set(dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC))
    await SettingsRepository(db).save(Schedule(guild_id=GUILD_ID, channel_id=HISTORY_ID), at=NOW)
    message = await reply(h, "preview")
    assert "Nothing would be posted that day" in message.content
    assert message.embeds == []


async def test_test_post_sends_now_to_the_channel_without_pinging(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, http = world
    schedule = Schedule(guild_id=GUILD_ID, channel_id=HISTORY_ID, role_id=FANS_ROLE_ID)
    await SettingsRepository(db).save(schedule, at=NOW)
    sent = await settings(h, "test-post")
    assert sent[0].kind == "defer"
    assert sent[0].ephemeral
    message = sent[-1]
    assert message.ephemeral
    (call,) = http.calls
    assert call.method == "POST"
    assert call.path.endswith(f"/channels/{HISTORY_ID}/messages")
    assert call.json is not None
    assert call.json["content"] is None
    assert call.json["allowed_mentions"] == {"parse": []}
    (embed,) = call.json["embeds"]
    assert "Test post" in embed["footer"]["text"]
    assert re.search(rf"https://discord.com/channels/{GUILD_ID}/{HISTORY_ID}/\d+", message.content)
    assert "without the role ping" in message.content
    # Nothing is recorded: the real daily post still goes out.
    assert await PostsRepository(db).last_post(schedule.key) is None


async def test_test_post_with_the_role_and_after_a_403(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, http = world
    schedule = Schedule(guild_id=GUILD_ID, channel_id=HISTORY_ID, role_id=FANS_ROLE_ID)
    await SettingsRepository(db).save(schedule, at=NOW)
    await settings(h, "test-post", mention_role=True)
    assert http.calls[0].json is not None
    assert http.calls[0].json["content"] == f"<@&{FANS_ROLE_ID}>"
    assert http.calls[0].json["allowed_mentions"] == {"parse": [], "roles": [FANS_ROLE_ID]}
    http.errors.append(http_error(403, 50013, "Missing Permissions"))
    message = (await settings(h, "test-post"))[-1]
    assert "I couldn't post in" in message.content
    assert "Embed Links" in message.content
    http.errors.append(http_error(404, 10003, "Unknown Channel"))
    message = (await settings(h, "test-post"))[-1]
    assert "doesn't exist any more" in message.content


async def test_test_post_needs_a_channel(world: tuple[Harness, HttpRecorder]) -> None:
    h, http = world
    message = await reply(h, "test-post")
    assert "Choose a channel first" in message.content
    assert http.calls == []


async def test_help_lists_the_settings_commands(world: tuple[Harness, HttpRecorder]) -> None:
    h, _ = world
    (message,) = await h.invoke("help")
    text = " ".join(f["name"] + f["value"] for f in message.embeds[0]["fields"])
    assert "/settings channel" in text
    assert "/settings preview" in text


# --- changing the time after today's post time ------------------------------------------------------


async def test_a_first_channel_after_todays_post_time_waits_for_tomorrow(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, http = world
    # 12:00 UTC; the default post time 09:00 UTC passed three hours ago. Posting now would be a
    # "late" catch-up post claiming the bot had been offline.
    message = await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    tomorrow = dt.datetime(2026, 6, 18, 9, 0, tzinfo=dt.UTC)
    assert f"Next post: <t:{int(tomorrow.timestamp())}:F>" in message.content
    last = await PostsRepository(db).last_post((GUILD_ID, 1))
    assert last is not None
    assert last.status == "skipped"
    cog = h.bot.get_cog("DailyPosts")
    assert cog is not None
    await cog.tick()  # type: ignore[attr-defined]
    await cog.poster.wait_idle()  # type: ignore[attr-defined]
    assert http.calls == []
    # That skip is bookkeeping, not a post: /settings show does not call it the last post.
    assert _fields(await reply(h, "show"))["Last post"] == "Nothing posted yet."


async def test_a_time_just_passed_or_later_today_still_posts_today(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, http = world
    await SettingsRepository(db).save(Schedule(guild_id=GUILD_ID, channel_id=HISTORY_ID, enabled=True), at=NOW)
    message = await reply(h, "time", time="11:58")  # two minutes ago: the next tick posts it
    just_now = dt.datetime(2026, 6, 17, 11, 58, tzinfo=dt.UTC)
    assert f"Next post: <t:{int(just_now.timestamp())}:F>" in message.content
    assert await PostsRepository(db).last_post((GUILD_ID, 1)) is None
    cog = h.bot.get_cog("DailyPosts")
    assert cog is not None
    await cog.tick()  # type: ignore[attr-defined]
    await cog.poster.wait_idle()  # type: ignore[attr-defined]
    (call,) = http.calls
    assert call.json is not None
    assert "late" not in str(call.json["embeds"][0].get("description", ""))


async def test_resume_after_a_pause_by_the_bot_still_posts_todays_post(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, http = world
    schedule = Schedule(guild_id=GUILD_ID, channel_id=HISTORY_ID, paused_reason="I can't post there")
    await SettingsRepository(db).save(schedule, at=NOW)
    message = await reply(h, "resume")
    assert "Daily posts are on again." in message.content
    todays = dt.datetime(2026, 6, 17, 9, 0, tzinfo=dt.UTC)
    assert f"Next post: <t:{int(todays.timestamp())}:F>" in message.content
    cog = h.bot.get_cog("DailyPosts")
    assert cog is not None
    await cog.tick()  # type: ignore[attr-defined]
    await cog.poster.wait_idle()  # type: ignore[attr-defined]
    assert len(http.calls) == 1


async def test_without_the_guild_cache_app_permissions_or_a_note(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, _ = world
    guild = h.bot.get_guild(GUILD_ID)
    assert guild is not None
    h.bot._connection._remove_guild(guild)
    # The channel the command is used in: the interaction's app_permissions (all granted here).
    general = {"channels": {str(CHANNEL_ID): {**CHANNELS[0], "permissions": str(MANAGER)}}}
    message = await reply(h, "channel", channel=str(CHANNEL_ID), resolved=general)
    assert f"Daily posts will go to <#{CHANNEL_ID}>." in message.content
    assert "couldn't check" not in message.content
    # Another channel can't be checked: accepted, with a pointer to test-post.
    message = await reply(h, "channel", channel=str(HISTORY_ID), resolved=_resolved_channel(HISTORY_ID))
    assert "couldn't check my permissions" in message.content
    # The channel type comes with the resolved data: a voice channel is still refused.
    message = await reply(h, "channel", channel=str(VOICE_ID), resolved=_resolved_channel(VOICE_ID))
    assert "is a voice channel" in message.content
    saved = await stored(db)
    assert saved is not None
    assert saved.channel_id == HISTORY_ID
