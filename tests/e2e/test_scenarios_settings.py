"""Issue 7, startup and settings scenarios: command registration, who may use ``/settings``, the
settings themselves, and a clean shutdown on SIGTERM — the real bot (``python -m bot run``)
against the fake Discord on 127.0.0.1, one bot process for the module.

The last test stops the bot with SIGTERM and checks the database it leaves behind.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from fakediscord import FakeDiscord, option, payloads, subcommand

from .conftest import BotProcess
from .scenario_support import (
    GLOBAL_COMMANDS,
    Json,
    answer,
    assert_user_safe,
    embed_text,
    is_ephemeral,
    message_data,
    running_bot,
    visible_text,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CLUB = "People's History Club"
TOP_LEVEL = {"article", "event", "onthisday", "timeline", "help", "about", "settings"}
MANAGE_GUILD = 1 << 5
GUILD_CONTEXT = 0


@dataclass
class World:
    fake: FakeDiscord
    bot: BotProcess
    database: Path

    async def settings(self, sub: str, *options: Json, user: str = "owner", guild: str | None = CLUB) -> Json:
        """Run ``/settings <sub>`` and return the (user-safe, ephemeral) message data."""
        rec = await self.fake.slash(
            "settings", subcommand(sub, *options), user=user, guild=guild, channel="general" if guild else None
        )
        body = await answer(self.fake, rec, self.bot)
        assert body["type"] == 4, body
        data = message_data(body)
        assert_user_safe(data)
        assert is_ephemeral(data), f"/settings {sub} answered in public: {data}"
        return data

    def channel_option(self, name: str, guild: str = CLUB) -> Json:
        ch = self.fake.state.guild(guild).channel(name)
        return option("channel", str(ch.id), type=payloads.OPT_CHANNEL)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with running_bot(tmp_path_factory.mktemp("settings")) as running:
        yield World(running.fake, running.bot, running.database)
    assert not running.fake.state.problems


@pytest.fixture(autouse=True)
def no_new_problems(world: World) -> Iterator[None]:
    before = len(world.fake.state.problems)
    yield
    new = world.fake.state.problems[before:]
    assert not new, "\n".join(f"{r.method} {r.path}: {p}" for r, p in new)
    assert "Traceback" not in world.bot.log(), world.bot.log()[-4000:]


# --- 1. startup and command registration ------------------------------------------------------


async def test_registers_exactly_the_commands_with_valid_bodies(world: World) -> None:
    puts = world.fake.state.find_requests("PUT", GLOBAL_COMMANDS)
    assert len(puts) == 1, "the tree is bulk-overwritten once at first start"
    put = puts[0]
    assert put.status == 200
    assert not put.problems, put.problems  # names, descriptions, option order/limits: the fake's checks
    commands = {c["name"]: c for c in put.body}
    assert set(commands) == TOP_LEVEL
    assert {c["name"] for c in world.fake.state.global_commands} == TOP_LEVEL

    def subcommands(name: str) -> set[str]:
        return {o["name"] for o in commands[name]["options"] if o["type"] == payloads.OPT_SUB_COMMAND}

    assert subcommands("article") == {"show", "list"}
    assert subcommands("event") == {"show", "search"}
    assert {"show", "channel", "time", "timezone", "role"} <= subcommands("settings")
    for command in put.body:
        assert 1 <= len(command["description"]) <= 100, command["name"]

    settings = commands["settings"]
    # discord.py sends the bit field as a number (Discord documents a string and accepts both)
    assert str(settings["default_member_permissions"]) == str(MANAGE_GUILD), settings
    assert settings["contexts"] == [GUILD_CONTEXT], settings
    assert settings["dm_permission"] is False, settings
    for name in TOP_LEVEL - {"settings"}:
        assert commands[name]["default_member_permissions"] is None, name

    # the event search options carry their limits, optional after required
    search = next(o for o in commands["event"]["options"] if o["name"] == "search")
    kinds = {o["name"]: o for o in search["options"]}
    assert kinds["query"]["required"] is True
    assert kinds["year"]["type"] == payloads.OPT_INTEGER
    assert kinds["place"]["autocomplete"] is True


async def test_startup_syncs_the_seven_commands_once(world: World) -> None:
    """(A restart with the same tree does not sync again: see test_scenarios_daily.)"""
    log = world.bot.log()
    assert re.search(r"synced 7 commands", log), log[-2000:]


# --- 5. who may use /settings -----------------------------------------------------------------


async def test_settings_refused_without_manage_server(world: World) -> None:
    fake = world.fake
    assert fake.command_allowed("settings", "owner", CLUB)
    assert fake.command_allowed("settings", "moderator", CLUB)  # Moderators have Manage Server
    assert not fake.command_allowed("settings", "reader", CLUB)
    assert not fake.command_allowed("settings", "newcomer", CLUB)
    assert fake.command_allowed("onthisday", "newcomer", CLUB)

    # invoked anyway (a server admin widened who sees it, or Discord sent it): refused at run time
    for who in ("reader", "newcomer"):
        data = await world.settings("show", user=who)
        assert "Manage Server" in visible_text(data), data
        assert not data.get("embeds")
        data = await world.settings("channel", world.channel_option("history"), user=who)
        assert "Manage Server" in visible_text(data), data
    # nothing was stored by the refused attempt
    con = sqlite3.connect(world.database)
    try:
        assert con.execute("SELECT COUNT(*) FROM schedules").fetchone() == (0,)
    finally:
        con.close()

    # a moderator (Manage Server through a role) may
    data = await world.settings("show", user="moderator")
    assert "Status" in embed_text(data)


# --- the settings ---------------------------------------------------------------------------------


async def test_settings_set_and_show(world: World) -> None:
    fake = world.fake
    club = fake.state.guild(CLUB)
    history = club.channel("history")
    readers = club.role("Readers")

    data = await world.settings("channel", world.channel_option("history"))
    assert f"<#{history.id}>" in visible_text(data)

    data = await world.settings("timezone", option("timezone", "berlin"))
    assert "Europe/Berlin" in visible_text(data)

    data = await world.settings("time", option("time", "7:30 pm"))
    assert "19:30" in visible_text(data)
    assert "Next post" in visible_text(data)

    data = await world.settings("role", option("role", str(readers.id), type=payloads.OPT_ROLE))
    assert f"<@&{readers.id}>" in visible_text(data)

    data = await world.settings("show")
    fields = {f["name"]: f["value"] for f in data["embeds"][0]["fields"]}
    assert fields["Channel"] == f"<#{history.id}>"
    assert fields["Time"] == "19:30 (Europe/Berlin)"
    assert fields["Role to ping"] == f"<@&{readers.id}>"
    assert "On" in fields["Status"]
    assert re.search(r"<t:\d+:F>", fields["Next post"]), fields["Next post"]


async def test_settings_bad_values_change_nothing(world: World) -> None:
    before = await world.settings("show")

    data = await world.settings("time", option("time", "25:99"))
    assert "HH:MM" in visible_text(data) or "24-hour" in visible_text(data), data
    data = await world.settings("timezone", option("timezone", "Mars/Olympus_Mons"))
    assert "timezone" in visible_text(data).lower(), data

    # a channel the bot can't send in, and a category, are refused with what to fix
    data = await world.settings("channel", world.channel_option("no-bot"))
    assert "Send Messages" in visible_text(data), data
    assert "Nothing was changed" in visible_text(data)
    data = await world.settings("channel", world.channel_option("Text"))
    assert "category" in visible_text(data), data

    # @everyone can't be the role to ping
    club = world.fake.state.guild(CLUB)
    data = await world.settings("role", option("role", str(club.id), type=payloads.OPT_ROLE))
    assert "@everyone" in visible_text(data), data

    after = await world.settings("show")
    assert embed_text(after) == embed_text(before)


async def test_timezone_autocomplete(world: World) -> None:
    rec = await world.fake.autocomplete("settings", subcommand("timezone", option("timezone", "berl", focused=True)))
    body = await answer(world.fake, rec, world.bot)
    choices = message_data(body)["choices"]
    assert 1 <= len(choices) <= 25
    assert "Europe/Berlin" in [c["value"] for c in choices]


# --- 9. SIGTERM: a clean exit, an intact database ---------------------------------------------


async def test_sigterm_exits_cleanly_and_leaves_the_database_intact(world: World) -> None:
    """Runs last in this module: stops the shared bot."""
    club = world.fake.state.guild(CLUB)
    code = await world.bot.stop()
    assert code == 0, world.bot.log()[-3000:]
    assert "SIGTERM received: closing" in world.bot.log()
    await world.fake.wait_for(lambda: not world.fake.connections, 5, "the gateway connection closed")
    con = sqlite3.connect(world.database)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = con.execute("SELECT guild_id, channel_id, post_time, timezone, role_id FROM schedules").fetchall()
    finally:
        con.close()
    assert rows == [(club.id, club.channel("history").id, "19:30", "Europe/Berlin", club.role("Readers").id)], rows
