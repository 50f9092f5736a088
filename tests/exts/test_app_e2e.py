"""The real Bot against the fake Discord on 127.0.0.1: sync CLI, startup sync, login failure, run and close."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from conftest import make_settings
from discord.gateway import DiscordWebSocket
from fakediscord import FakeDiscord, option

from bot import app
from bot.config import DEFAULT_CONTENT_DIR, Secret, Settings
from bot.core.models import Library
from bot.services.health import read_heartbeat
from bot.storage import Database

CLUB = "People's History Club"


@pytest.fixture
def restore_discord_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """``point_at_api`` changes discord.py globals; put them back after the test."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(heartbeat_interval_ms=500)
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    problems = [f"{r.method} {r.path}: {p}" for r, p in server.state.problems]
    assert not problems, "\n".join(problems)


def _settings(fake: FakeDiscord, tmp_path: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "token": Secret(fake.state.token),
        "discord_api_url": fake.api_url,
        "content_dirs": (DEFAULT_CONTENT_DIR,),
    }
    values.update(extra)
    return make_settings(tmp_path, **values)


async def test_sync_command_registers_in_one_guild_and_records_the_hash(
    fake: FakeDiscord, tmp_path: Path, restore_discord_urls: None, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(fake, tmp_path)
    guild_id = fake.state.guild(CLUB).id
    assert await app._sync(settings, guild_id) == 0
    puts = fake.state.find_requests("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    assert len(puts) == 1
    names = sorted(c["name"] for c in puts[0].body)
    assert {"article", "event", "onthisday", "timeline", "help", "about"} <= set(names)
    assert "Synced" in capsys.readouterr().out
    db = await Database.open(settings.database_path)
    try:
        stored = await db.get_meta(app.sync_key(fake.state.application_id, guild_id))
    finally:
        await db.close()
    assert stored is not None
    assert len(stored) == 64


async def test_startup_syncs_dev_guild_only_when_the_tree_changed(
    fake: FakeDiscord, tmp_path: Path, restore_discord_urls: None
) -> None:
    guild_id = fake.state.guild(CLUB).id
    settings = _settings(fake, tmp_path, dev_guild_id=guild_id)
    app.point_at_api(settings)
    route = "/applications/{application_id}/guilds/{guild_id}/commands"
    for expected_puts in (1, 1):  # first start syncs, second (same tree) does not
        db = await Database.open(settings.database_path)
        try:
            bot = await app.build_bot(settings, db=db)
            async with bot:
                await bot.login(settings.token.get())
            assert len(fake.state.find_requests("PUT", route)) == expected_puts
        finally:
            await db.close()
    assert not fake.state.find_requests("PUT", "/applications/{application_id}/commands")  # never global


async def test_invalid_token_is_one_clear_line_and_exit_1(
    fake: FakeDiscord, tmp_path: Path, restore_discord_urls: None, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(fake, tmp_path, token=Secret("not-the-token"))
    assert await app._run(settings) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "rejected the token" in err[0]
    assert "Traceback" not in err[0]


async def test_run_answers_a_slash_command_and_closes_gracefully_on_sigterm(
    fake: FakeDiscord, tmp_path: Path, restore_discord_urls: None
) -> None:
    settings = _settings(fake, tmp_path)
    running = asyncio.create_task(app._run(settings))
    try:
        await fake.wait_for_ready(within=20)
        record = await fake.slash("onthisday", option("date", "17 June"))
        callback = await fake.wait_for_callback(record, within=10)
        assert callback.body["type"] == 4
        assert callback.body["data"]["allowed_mentions"] == {"parse": []}
        assert callback.body["data"]["embeds"][0]["title"].endswith("17 June")
        for _ in range(100):  # on_ready comes after the guilds have streamed in
            if settings.heartbeat_path.exists() and read_heartbeat(settings.heartbeat_path).connected:
                break
            await asyncio.sleep(0.1)
        assert read_heartbeat(settings.heartbeat_path).connected
    finally:
        os.kill(os.getpid(), signal.SIGTERM)
        code = await asyncio.wait_for(running, timeout=20)
    assert code == 0
    assert not read_heartbeat(settings.heartbeat_path).connected  # closed gracefully
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.default_int_handler)


async def test_a_long_gateway_outage_ends_the_process_with_exit_1_after_capped_attempts(
    fake: FakeDiscord,
    tmp_path: Path,
    restore_discord_urls: None,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real discord.py connect loop with the bot's policy, scaled down (cap 0.4 s, give up after 3 s)."""
    scaled = functools.partial(app.ReconnectPolicy, cap=0.4, base=0.1, give_up_after=3.0)
    monkeypatch.setattr(app, "ReconnectPolicy", lambda give_up_after, label: scaled(label=label))
    real_init = app.Bot.__init__

    def init(bot: app.Bot, **kwargs: object) -> None:
        real_init(bot, **kwargs)  # type: ignore[arg-type]
        bot.give_up_after = 3.0

    monkeypatch.setattr(app.Bot, "__init__", init)
    settings = _settings(fake, tmp_path)
    caplog.set_level(logging.INFO)
    running = asyncio.create_task(app._run(settings))
    try:
        await fake.wait_for_ready(within=20)
        await fake.close()  # Discord goes away and stays away
        code = await asyncio.wait_for(running, timeout=30)
    finally:
        if not running.done():
            running.cancel()
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Discord unreachable for" in err[0]
    assert "exiting so the restart policy starts the bot afresh" in err[0]
    attempts = [r for r in caplog.records if "cannot reach Discord's gateway" in r.getMessage()]
    assert len(attempts) >= 4
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in attempts)
    waits = [float(r.getMessage().rsplit("trying again in ", 1)[1].rstrip("s")) for r in attempts]
    assert all(0 < w <= 0.4 for w in waits), waits
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.exc_info and r.levelno > logging.DEBUG]


async def test_unusable_database_is_one_clear_line_and_exit_1(
    tmp_path: Path, restore_discord_urls: None, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    settings = make_settings(tmp_path, database_path=blocker / "bot.sqlite3", content_dirs=(DEFAULT_CONTENT_DIR,))
    assert await app._run(settings) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("Cannot open the database")


async def test_one_health_reporter_keeps_the_tick_and_the_connection_state(tmp_path: Path) -> None:
    """The bot reports connects, the scheduler reports ticks; neither undoes the other."""
    import datetime as dt

    from bot.core.clock import FakeClock

    now = dt.datetime(2026, 6, 17, 12, 0, tzinfo=dt.UTC)
    settings = make_settings(tmp_path)
    bot = app.Bot(settings=settings, library=Library.empty(), clock=FakeClock(now), sync_on_start=False)
    assert bot.health is not None
    await bot.health.ticked(now)
    await bot.on_disconnect()
    beat = read_heartbeat(settings.heartbeat_path)
    assert beat.connected is False
    assert beat.scheduler_tick == now
    await bot.on_resumed()
    await bot.health.ticked(now + dt.timedelta(minutes=1))
    beat = read_heartbeat(settings.heartbeat_path)
    assert beat.connected is True
    assert beat.scheduler_tick == now + dt.timedelta(minutes=1)


async def test_the_outage_ends_at_ready_not_at_the_delayed_on_ready_and_a_long_one_gives_up(tmp_path: Path) -> None:
    """discord.py fires ``ready`` seconds after READY; if the connection dropped meanwhile, the bot
    must neither end the outage nor report itself connected. A shard down past the give-up time
    makes the bot give up."""
    settings = make_settings(tmp_path)
    bot = app.Bot(settings=settings, sync_on_start=False)
    gave_up: list[bool] = []
    bot.on_give_up = lambda: gave_up.append(True)
    assert bot.give_up_after == 15 * 60
    await bot.on_shard_disconnect(0)
    policy = bot.reconnect_policy(0)
    assert policy.outage_started is not None
    await bot.on_ready()  # no open gateway connection
    assert policy.outage_started is not None
    assert not read_heartbeat(settings.heartbeat_path).connected
    await bot.on_shard_connect(0)  # READY parsed: the connection is up
    assert policy.outage_started is None
    assert not bot.check_outage()
    # A long outage: the bot gives up (once).
    await bot.on_shard_disconnect(0)
    assert policy.outage_started is not None
    policy.outage_started -= 15 * 60
    assert bot.check_outage()
    assert gave_up == [True]
    assert bot.outage is not None
    assert "Discord unreachable for 15 min" in str(bot.outage)
    never = app.Bot(settings=make_settings(tmp_path, reconnect_give_up_minutes=0), sync_on_start=False)
    assert never.give_up_after is None
    assert never.reconnect_policy(0).give_up_after is None
