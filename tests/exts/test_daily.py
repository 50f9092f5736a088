"""The scheduler cog and the Discord sender of daily posts.

Discord is recorded at the bot's HTTP client: ``bot.http.request`` is replaced by a recorder that
keeps the route and JSON discord.py built and answers like Discord (a message payload), or raises
the real ``discord.HTTPException`` subclasses built from a fake aiohttp response, as discord.py's
own tests do. Everything between the cog and that edge (``Messageable.send``, ``history``, message
parsing) is the real discord.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import aiohttp
import discord
import pytest
from conftest import APP_ID, BOB, CHANNEL_ID, GUILD_ID, NOW, Harness, RecordingAdapter, Sent, make_harness
from discord.http import Route

from bot.core.models import Library
from bot.core.posting_errors import PostForbidden, PostNotFound, PostRetryable
from bot.core.posts import DailyPost, build_post
from bot.core.scheduling import DuePost, Schedule
from bot.exts.daily import DailyPosts
from bot.exts.daily._cog import EVERY_MINUTE
from bot.sender import DiscordSender, map_error
from bot.services.health import check_health, read_heartbeat
from bot.storage import Database, GuildsRepository, PostsRepository, SettingsRepository, open_database
from bot.storage.database import from_iso
from bot.ui.embeds import daily_post_embeds

ROLE_ID = 777000000000000001
_message_ids = itertools.count(880000000000000000)


# --- a recorded Discord at the HTTP client -------------------------------------------------------


class FakeResponse:
    """What discord.HTTPException reads from an aiohttp response."""

    def __init__(self, status: int, reason: str = "", headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def http_error(status: int, code: int = 0, message: str = "", headers: dict[str, str] | None = None) -> Exception:
    response = FakeResponse(status, message, headers)
    data = {"code": code, "message": message}
    if status == 403:
        return discord.Forbidden(response, data)
    if status == 404:
        return discord.NotFound(response, data)
    if status >= 500:
        return discord.DiscordServerError(response, data)
    return discord.HTTPException(response, data)


def message_payload(
    channel_id: int, body: dict[str, Any], message_id: int, *, author_id: int = APP_ID
) -> dict[str, Any]:
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 0,
        "content": body.get("content") or "",
        "embeds": body.get("embeds") or [],
        "components": [],
        "attachments": [],
        "author": {"id": str(author_id), "username": "From Below", "discriminator": "0", "avatar": None, "bot": True},
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": "2026-06-17T12:00:00+00:00",
        "edited_timestamp": None,
        "flags": 0,
        "nonce": body.get("nonce"),
    }


@dataclass
class Call:
    method: str
    path: str
    json: dict[str, Any] | None
    params: dict[str, Any] | None


@dataclass
class HttpRecorder:
    """Stands in for ``HTTPClient.request``: records, then answers or raises."""

    calls: list[Call] = field(default_factory=list)
    #: Exceptions to raise, in order, before answering normally again.
    errors: list[BaseException] = field(default_factory=list)
    #: What ``GET /channels/{id}/messages`` returns.
    history: list[dict[str, Any]] = field(default_factory=list)

    async def request(self, route: Route, **kwargs: Any) -> Any:
        body = kwargs.get("json")
        self.calls.append(Call(route.method, route.url, body, kwargs.get("params")))
        if self.errors:
            raise self.errors.pop(0)
        if route.method == "POST" and route.path == "/channels/{channel_id}/messages":
            assert route.channel_id is not None
            return message_payload(int(route.channel_id), body or {}, next(_message_ids))
        if route.method == "GET" and route.path == "/channels/{channel_id}/messages":
            return list(self.history)
        raise AssertionError(f"unexpected request {route.method} {route.path}")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "daily.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def world(
    test_library: Library, adapter: RecordingAdapter, tmp_path: Path, db: Database
) -> AsyncIterator[tuple[Harness, HttpRecorder]]:
    h = await make_harness(test_library, adapter, tmp_path, db=db)
    recorder = HttpRecorder()
    h.bot.http.request = recorder.request  # type: ignore[method-assign]
    try:
        yield h, recorder
    finally:
        await h.bot.close()


def cog_of(h: Harness) -> DailyPosts:
    # Extensions are imported afresh on each load, so the class is compared by name.
    cog = h.bot.get_cog("DailyPosts")
    assert type(cog).__name__ == "DailyPosts"
    return cast(DailyPosts, cog)


def sample_post(library: Library, *, role: bool = False) -> DailyPost:
    schedule = Schedule(guild_id=GUILD_ID, channel_id=CHANNEL_ID, role_id=ROLE_ID if role else None)
    post = build_post(library, schedule, dt.date(2026, 6, 17), frozenset(), False)
    assert post is not None
    return post


# --- the sender ----------------------------------------------------------------------------------


async def test_send_posts_embeds_with_the_nonce_and_pings_only_the_role(world: tuple[Harness, HttpRecorder]) -> None:
    h, http = world
    post = sample_post(h.bot.library, role=True)
    message_id = await DiscordSender(h.bot).send(CHANNEL_ID, ROLE_ID, post)
    (call,) = http.calls
    assert call.method == "POST"
    assert call.path.endswith(f"/channels/{CHANNEL_ID}/messages")
    body = call.json
    assert body is not None
    assert body["nonce"] == post.nonce
    assert body["enforce_nonce"] is True
    assert body["content"] == f"<@&{ROLE_ID}>"
    assert body["allowed_mentions"] == {"parse": [], "roles": [ROLE_ID]}
    (embed,) = body["embeds"]
    assert embed["title"] == "On this day: 17 June"
    assert any("East German uprising" in f["name"] for f in embed["fields"])
    # Text from the YAML never pings: it is inside the embed, and only the one role is allowed.
    assert "@everyone" not in body["content"]
    assert message_id > 0


async def test_an_article_post_is_one_embed_with_buttons_that_answer_whoever_presses(
    world: tuple[Harness, HttpRecorder],
) -> None:
    h, http = world
    schedule = Schedule(guild_id=GUILD_ID, channel_id=CHANNEL_ID, empty_day="article")
    post = build_post(h.bot.library, schedule, dt.date(2026, 12, 2), frozenset(), False)
    assert post is not None
    assert post.kind == "article"
    await DiscordSender(h.bot).send(CHANNEL_ID, None, post)
    body = http.calls[0].json
    assert body is not None
    (embed,) = body["embeds"]  # one embed: no second "What the record says" embed
    assert embed["description"].startswith("*Nothing in the library happened on 2 December")
    assert [f["name"] for f in embed["fields"]] == ["The argument"]
    buttons = [c for row in body["components"] for c in row["components"]]
    labels = [b["label"] for b in buttons]
    assert post.article is not None
    assert labels[0].startswith("Key points (")
    assert any(label.startswith("What the record says (") for label in labels)
    # A member presses a button on the channel message: the answer is private to them.
    sent = Sent("POST", "/channels/x/messages", body, message_id=987654321)
    (opened,) = await h.click(sent, buttons[0]["custom_id"], user_id=BOB)
    assert opened.ephemeral
    assert opened.embeds[0]["title"].startswith("Key points (")


async def test_send_without_a_role_pings_nobody(world: tuple[Harness, HttpRecorder]) -> None:
    h, http = world
    await DiscordSender(h.bot).send(CHANNEL_ID, None, sample_post(h.bot.library))
    body = http.calls[0].json
    assert body is not None
    assert body["content"] is None
    assert body["allowed_mentions"] == {"parse": []}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (http_error(403, 50013, "Missing Permissions"), PostForbidden),
        (http_error(403, 50001, "Missing Access"), PostForbidden),
        (http_error(404, 10003, "Unknown Channel"), PostNotFound),
        (http_error(429, 0, "You are being rate limited.", {"Retry-After": "7.5"}), PostRetryable),
        (http_error(500, 0, "Internal Server Error"), PostRetryable),
        (http_error(503, 0, "Service Unavailable"), PostRetryable),
        (TimeoutError(), PostRetryable),
        (aiohttp.ClientConnectionError("reset"), PostRetryable),
        (discord.RateLimited(42.0), PostRetryable),
    ],
)
async def test_send_maps_discord_errors(
    world: tuple[Harness, HttpRecorder], error: BaseException, expected: type[Exception]
) -> None:
    h, http = world
    http.errors.append(error)
    with pytest.raises(expected) as caught:
        await DiscordSender(h.bot).send(CHANNEL_ID, None, sample_post(h.bot.library))
    assert caught.value.__cause__ is error


def test_error_mapping_details() -> None:
    limited = map_error(http_error(429, 0, "slow down", {"Retry-After": "7.5"}))
    assert isinstance(limited, PostRetryable)
    assert limited.retry_after == 7.5
    assert isinstance(map_error(discord.RateLimited(42.0)), PostRetryable)
    global_limit = map_error(discord.RateLimited(42.0))
    assert isinstance(global_limit, PostRetryable)
    assert global_limit.retry_after == 42.0
    forbidden = map_error(http_error(403, 50013, "Missing Permissions"))
    assert isinstance(forbidden, PostForbidden)
    assert "403" in forbidden.reason
    assert "50013" in forbidden.reason
    # A malformed body is a bug, not something to pause or retry over.
    assert map_error(http_error(400, 50035, "Invalid Form Body")) is None
    assert map_error(ValueError("nope")) is None


async def test_a_bad_request_is_raised_as_it_is(world: tuple[Harness, HttpRecorder]) -> None:
    h, http = world
    error = http_error(400, 50035, "Invalid Form Body")
    http.errors.append(error)
    with pytest.raises(discord.HTTPException) as caught:
        await DiscordSender(h.bot).send(CHANNEL_ID, None, sample_post(h.bot.library))
    assert caught.value is error


async def test_find_sent_matches_the_bots_own_post_not_a_test_post(world: tuple[Harness, HttpRecorder]) -> None:
    h, http = world
    post = sample_post(h.bot.library)
    real = daily_post_embeds(post, h.bot.library)
    test = daily_post_embeds(post, h.bot.library, test=True)
    other_user = message_payload(CHANNEL_ID, {"embeds": [e.to_dict() for e in real]}, 1001, author_id=12345)
    test_post = message_payload(CHANNEL_ID, {"embeds": [e.to_dict() for e in test]}, 1002)
    the_post = message_payload(CHANNEL_ID, {"embeds": [e.to_dict() for e in real]}, 1003)
    http.history = [the_post, test_post, other_user]  # Discord returns newest first
    after = NOW - dt.timedelta(minutes=3)
    found = await DiscordSender(h.bot).find_sent(CHANNEL_ID, post, after)
    assert found == 1003
    (call,) = http.calls
    assert call.method == "GET"
    assert call.params is not None
    assert "after" in call.params
    assert discord.utils.snowflake_time(int(call.params["after"])) <= after


async def test_find_sent_by_nonce_and_nothing_found(world: tuple[Harness, HttpRecorder]) -> None:
    h, http = world
    post = sample_post(h.bot.library)
    http.history = [message_payload(CHANNEL_ID, {"content": "hi", "nonce": post.nonce}, 2001)]
    assert await DiscordSender(h.bot).find_sent(CHANNEL_ID, post, NOW) == 2001
    http.history = [message_payload(CHANNEL_ID, {"content": "unrelated"}, 2002)]
    assert await DiscordSender(h.bot).find_sent(CHANNEL_ID, post, NOW) is None


async def test_find_sent_maps_errors_and_tolerates_missing_history_permission(
    world: tuple[Harness, HttpRecorder],
) -> None:
    h, http = world
    post = sample_post(h.bot.library)
    http.errors.append(http_error(404, 10003, "Unknown Channel"))
    with pytest.raises(PostNotFound):
        await DiscordSender(h.bot).find_sent(CHANNEL_ID, post, NOW)
    http.errors.append(http_error(502, 0, "Bad Gateway"))
    with pytest.raises(PostRetryable):
        await DiscordSender(h.bot).find_sent(CHANNEL_ID, post, NOW)
    http.errors.append(http_error(403, 50001, "Missing Access"))
    assert await DiscordSender(h.bot).find_sent(CHANNEL_ID, post, NOW) is None


# --- the scheduler cog ----------------------------------------------------------------------------


async def save_schedule(db: Database, **changes: Any) -> Schedule:
    schedule = Schedule(guild_id=GUILD_ID, channel_id=CHANNEL_ID, post_time=dt.time(12, 0), **changes)
    await SettingsRepository(db).save(schedule, at=NOW)
    return schedule


async def test_tick_sends_the_due_post_records_it_and_writes_the_heartbeat(
    world: tuple[Harness, HttpRecorder], db: Database
) -> None:
    h, http = world
    schedule = await save_schedule(db, role_id=ROLE_ID)
    cog = cog_of(h)
    assert cog.poster is not None
    await cog.tick()
    await cog.poster.wait_idle()
    (call,) = http.calls
    assert call.json is not None
    assert call.json["content"] == f"<@&{ROLE_ID}>"
    last = await PostsRepository(db).last_post(schedule.key)
    assert last is not None
    assert last.status == "sent"
    assert last.local_date == dt.date(2026, 6, 17)
    assert last.message_id is not None
    # The next tick finds nothing due: exactly once per local day.
    h.clock.advance(60)
    await cog.tick()
    await cog.poster.wait_idle()
    assert len(http.calls) == 1
    beat = read_heartbeat(h.bot.settings.heartbeat_path)
    assert beat.scheduler_tick == h.clock.now()
    assert beat.connected is False  # the harness never connected to a gateway
    assert not check_health(h.bot.settings.heartbeat_path, h.clock.now()).healthy


async def test_tick_pauses_the_server_on_403_and_keeps_going(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, http = world
    schedule = await save_schedule(db)
    http.errors.append(http_error(403, 50013, "Missing Permissions"))
    cog = cog_of(h)
    assert cog.poster is not None
    await cog.tick()
    await cog.poster.wait_idle()
    stored = await SettingsRepository(db).get(GUILD_ID)
    assert stored is not None
    assert stored.paused_reason is not None
    assert "Embed Links" in stored.paused_reason
    assert await PostsRepository(db).last_post(schedule.key) is None  # the claim was released


async def test_a_failing_tick_is_logged_and_the_heartbeat_keeps_the_last_good_tick(
    world: tuple[Harness, HttpRecorder], caplog: pytest.LogCaptureFixture
) -> None:
    h, _ = world
    cog = cog_of(h)
    assert cog.poster is not None
    await cog.tick()
    good = cog.last_tick
    assert good == NOW

    async def broken(now_utc: dt.datetime | None = None) -> list[DuePost]:
        raise RuntimeError("database is locked")

    cog.poster.run_due = broken  # type: ignore[method-assign]
    h.clock.advance(60)
    with caplog.at_level("ERROR", logger="bot.exts.daily._cog"):
        await cog.tick()  # does not raise
    assert any("scheduler tick" in r.getMessage() for r in caplog.records)
    beat = read_heartbeat(h.bot.settings.heartbeat_path)
    assert beat.scheduler_tick == good
    assert beat.written_at == h.clock.now()


async def test_the_loop_is_minute_aligned_waits_for_ready_and_ticks_at_once(
    world: tuple[Harness, HttpRecorder],
) -> None:
    h, _ = world
    cog = cog_of(h)
    assert len(EVERY_MINUTE) == 1440
    assert all(t.second == 0 and t.tzinfo is dt.UTC for t in EVERY_MINUTE)
    assert cog.tick_loop.time is not None
    assert len(cog.tick_loop.time) == 1440
    calls: list[dt.datetime | None] = []
    assert cog.poster is not None
    real = cog.poster.run_due

    async def counting(now_utc: dt.datetime | None = None) -> list[DuePost]:
        calls.append(now_utc)
        return await real(now_utc)

    cog.poster.run_due = counting  # type: ignore[method-assign]
    cog.tick_loop.start()
    try:
        await asyncio.sleep(0.05)
        assert calls == []  # not ready yet: before_loop waits
        h.bot._ready.set()  # what discord.py does on READY
        for _ in range(100):
            if calls:
                break
            await asyncio.sleep(0.01)
        assert calls == [NOW]
        # The loop sets its next iteration once the start-up tick has returned.
        for _ in range(200):
            if cog.tick_loop.next_iteration is not None:
                break
            await asyncio.sleep(0.01)
        next_run = cog.tick_loop.next_iteration
        assert next_run is not None
        assert next_run.second == 0
        assert next_run.microsecond == 0
    finally:
        cog.tick_loop.cancel()


async def test_unload_stops_the_loops_and_closes_the_poster(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, http = world
    await save_schedule(db)
    cog = cog_of(h)
    poster = cog.poster
    assert poster is not None
    closed: list[float] = []
    real_close = poster.close

    async def close(grace: float = 10.0) -> None:
        closed.append(grace)
        await real_close(grace)

    poster.close = close  # type: ignore[method-assign]
    await cog.tick()
    await h.bot.remove_cog("DailyPosts")  # what Bot.close does for every cog
    assert closed == [10.0]
    assert not cog.tick_loop.is_running()
    # The in-flight post finished before close returned.
    assert len(http.calls) == 1
    assert poster.in_flight == 0


async def test_guild_join_remove_and_ready_reconcile(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    await save_schedule(db)
    cog = cog_of(h)
    guilds = GuildsRepository(db)
    guild = discord.Object(GUILD_ID)
    await cog.on_guild_remove(guild)  # type: ignore[arg-type]
    assert GUILD_ID in await guilds.departed()
    assert await SettingsRepository(db).active() == []
    await cog.on_guild_join(guild)  # type: ignore[arg-type]
    assert await guilds.departed() == {}
    # READY without the server: it was removed while the bot was offline.
    await cog.on_ready()
    departed = await guilds.departed()
    assert GUILD_ID in departed
    assert departed[GUILD_ID] == from_iso(NOW.isoformat())


async def test_maintenance_purges_servers_left_long_ago(world: tuple[Harness, HttpRecorder], db: Database) -> None:
    h, _ = world
    await save_schedule(db)
    cog = cog_of(h)
    await GuildsRepository(db).left(GUILD_ID, at=NOW - dt.timedelta(days=31))
    await cog.maintenance()
    assert await SettingsRepository(db).get(GUILD_ID) is None


async def test_without_a_database_the_cog_loads_and_only_beats(
    test_library: Library, adapter: RecordingAdapter, tmp_path: Path
) -> None:
    h = await make_harness(test_library, adapter, tmp_path)
    try:
        cog = cog_of(h)
        assert cog.poster is None
        await cog.tick()
        beat = json.loads(h.bot.settings.heartbeat_path.read_text())
        assert beat["scheduler_tick"] is not None
    finally:
        await h.bot.close()


# --- the scheduler cannot die (issue 16) -----------------------------------------------------------


def locked() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked")


async def wait_until(predicate: Any, what: str, within: float = 3.0) -> None:
    for _ in range(int(within / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def test_the_loop_starts_even_when_its_start_up_step_fails(
    world: tuple[Harness, HttpRecorder], caplog: pytest.LogCaptureFixture
) -> None:
    """An error in ``before_loop`` (which discord.py's loop error handler never sees) does not stop it."""
    h, _ = world
    cog = cog_of(h)
    assert cog.poster is not None

    async def reconcile() -> None:
        raise locked()

    cog.reconcile = reconcile  # type: ignore[method-assign]
    cog._start(cog.tick_loop)
    try:
        h.bot._ready.set()
        await wait_until(lambda: cog.last_tick == NOW, "the first tick")
        assert cog.tick_loop.is_running()
        assert any("the scheduler starts anyway" in r.getMessage() for r in caplog.records)
    finally:
        cog.tick_loop.cancel()


async def test_a_loop_that_dies_is_logged_once_and_started_again(
    world: tuple[Harness, HttpRecorder], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, _ = world
    cog = cog_of(h)
    monkeypatch.setattr(sys.modules[type(cog).__module__], "RESTART_DELAY", 0.05)
    calls: list[int] = []
    real_tick = cog.tick

    async def tick() -> None:
        calls.append(1)
        if len(calls) == 1:  # the first tick runs in before_loop: outside the loop's error handler
            raise RuntimeError("boom in the start-up tick")
        if len(calls) == 3:  # inside the loop body: through the loop's error handler
            raise KeyError("boom in a tick")
        await real_tick()

    cog.tick = tick  # type: ignore[method-assign]
    cog.tick_loop.change_interval(seconds=0.05)  # not a minute: let the loop body run soon
    cog._start(cog.tick_loop)
    h.bot._ready.set()
    try:
        # call 1 (before_loop) fails, call 2 (before_loop again) works, call 3 (the body) fails,
        # call 4 (before_loop) works and call 5 is the body ticking on.
        await wait_until(lambda: len(calls) >= 5, "two restarts", within=5)
        stopped = [r for r in caplog.records if "the scheduler loop stopped" in r.getMessage()]
        assert len(stopped) == 2, [r.getMessage() for r in stopped]
        assert "boom in the start-up tick" in stopped[0].getMessage()
        assert "starting it again in" in stopped[0].getMessage()
        assert "boom in a tick" in stopped[1].getMessage()
        assert cog.tick_loop.is_running()
    finally:
        await h.bot.remove_cog("DailyPosts")
    assert not cog.tick_loop.is_running()


async def test_a_tick_survives_a_failing_heartbeat_and_a_poster_that_cannot_be_built(
    world: tuple[Harness, HttpRecorder], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, _ = world
    cog = cog_of(h)
    health = h.bot.health
    assert health is not None

    async def broken_write() -> None:
        raise RuntimeError("heartbeat broke")

    monkeypatch.setattr(health, "write", broken_write)
    monkeypatch.setattr(health, "ticked", lambda at: broken_write())
    await cog.tick()  # does not raise
    assert cog.last_tick == NOW
    assert any("could not write the health heartbeat" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()

    module = sys.modules[type(cog).__module__]
    real_make = module.make_poster

    def failing_make(*args: Any) -> None:
        raise RuntimeError("cannot build")

    cog.poster = None
    monkeypatch.setattr(module, "make_poster", failing_make)
    h.clock.advance(60)
    await cog.tick()
    assert cog.last_tick == NOW  # this tick failed
    assert cog.failed_ticks == 1
    monkeypatch.setattr(module, "make_poster", real_make)
    h.clock.advance(60)
    await cog.tick()  # builds the poster now
    assert cog.poster is not None
    assert cog.last_tick == h.clock.now()
    assert cog.failed_ticks == 0


async def test_a_failing_tick_says_once_when_health_turns_unhealthy_and_why(
    world: tuple[Harness, HttpRecorder], caplog: pytest.LogCaptureFixture
) -> None:
    h, _ = world
    cog = cog_of(h)
    assert cog.poster is not None
    caplog.set_level("INFO", logger="bot.exts.daily._cog")
    await cog.tick()
    real_run_due = cog.poster.run_due

    async def busy(now_utc: dt.datetime | None = None) -> list[DuePost]:
        raise locked()

    cog.poster.run_due = busy  # type: ignore[method-assign]
    for _ in range(6):
        h.clock.advance(60)
        await cog.tick()
    failures = [r for r in caplog.records if "failed: database is locked; trying again" in r.getMessage()]
    assert len(failures) == 6
    assert all(r.exc_info is None for r in failures)  # an expected error: one line, no traceback
    unhealthy = [r for r in caplog.records if "now reports the bot unhealthy" in r.getMessage()]
    assert len(unhealthy) == 1
    assert "database is locked" in unhealthy[0].getMessage()
    assert not check_health(h.bot.settings.heartbeat_path, h.clock.now()).healthy
    cog.poster.run_due = real_run_due  # type: ignore[method-assign]
    h.clock.advance(60)
    await cog.tick()
    assert any("succeeded after 6 failed ticks" in r.getMessage() for r in caplog.records)


async def test_a_locked_database_during_a_guild_event_or_maintenance_is_one_line(
    world: tuple[Harness, HttpRecorder], db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """With another connection holding the write lock past the busy timeout, nothing raises."""
    h, _ = world
    cog = cog_of(h)
    await save_schedule(db)
    await db._conn.execute("PRAGMA busy_timeout = 50")  # the real 5 s, shortened for the test
    other = sqlite3.connect(db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        guild = discord.Object(GUILD_ID)
        await cog.on_guild_remove(guild)  # type: ignore[arg-type]
        await cog.on_guild_join(guild)  # type: ignore[arg-type]
        await cog.on_ready()
        await cog.maintenance()
        h.clock.advance(60)
        await cog.tick()  # reads only: still ticks
    finally:
        other.execute("ROLLBACK")
        other.close()
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    expected = [
        (f"could not record leaving server {GUILD_ID}: ", "; the next READY brings the servers table up to date"),
        (f"could not record joining server {GUILD_ID}: ", "; the next READY brings the servers table up to date"),
        ("could not bring the servers table up to date: ", "; posting goes on, retried at the next READY"),
        ("daily-post maintenance failed: ", "; trying again in an hour"),
    ]
    assert len(messages) == len(expected), messages
    for message, (start, end) in zip(messages, expected, strict=True):
        assert message.startswith(start), message
        assert message.endswith(end), message
        assert "database is locked" in message
        assert "\n" not in message
    assert all(r.exc_info is None for r in caplog.records)
    assert cog.last_tick == h.clock.now()
