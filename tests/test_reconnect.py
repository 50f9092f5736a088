"""The gateway reconnect policy (issue 16): capped, jittered waits, one WARNING per attempt, give up.

discord.py's own backoff lets the wait grow to 1024 s; ``ReconnectPolicy`` caps it at 60 s. Its
clock and random source are injected, so these tests run in no time.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import discord.shard
import pytest
from discord.backoff import ExponentialBackoff

from bot import app
from bot.app import RECONNECT_CAP, GatewayOutageError, ReconnectPolicy
from bot.config import ConfigError, Secret, Settings, load_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def policy(clock: Clock, *, seed: int = 1, give_up_after: float | None = 900.0) -> ReconnectPolicy:
    return ReconnectPolicy(clock=clock, rng=random.Random(seed), give_up_after=give_up_after)


def failed_attempt(p: ReconnectPolicy, error: BaseException | None = None) -> float:
    """What discord.py does: call ``delay()`` inside the ``except`` of a failed attempt."""
    try:
        raise error or ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 9)")
    except Exception:
        return p.delay()


def test_the_wait_doubles_from_one_second_and_stops_at_sixty() -> None:
    p = policy(Clock())
    assert [p.ceiling(n) for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert p.ceiling(10_000) == RECONNECT_CAP == 60.0


@pytest.mark.parametrize("seed", range(20))
def test_every_wait_is_jittered_between_half_the_ceiling_and_the_ceiling_never_above_the_cap(seed: int) -> None:
    clock = Clock()
    p = policy(clock, seed=seed, give_up_after=None)
    waits = []
    for attempt in range(1, 60):
        wait = failed_attempt(p)
        ceiling = p.ceiling(attempt)
        assert ceiling / 2 <= wait <= ceiling <= RECONNECT_CAP
        waits.append(wait)
        clock.now += wait
    assert len(set(waits)) == len(waits)  # jittered, not a fixed ladder
    assert max(waits) > 45  # and the cap is reached


def test_discord_pys_own_backoff_would_wait_far_longer() -> None:
    """The problem this policy fixes: 10 failures in, discord.py's ceiling is 1024 s."""
    backoff: ExponentialBackoff[bool] = ExponentialBackoff()
    backoff._randfunc = lambda low, high: high  # type: ignore[assignment]  # its ceiling
    ceilings = [backoff.delay() for _ in range(10)]
    assert ceilings[-1] == 1024
    assert sum(c > RECONNECT_CAP for c in ceilings) == 5


def test_it_gives_up_once_the_outage_has_lasted_the_give_up_time() -> None:
    clock = Clock()
    p = policy(clock, give_up_after=900.0)
    assert not p.gave_up()
    p.disconnected()  # the outage starts at the disconnect, before the first failed attempt
    while clock.now - 1000.0 < 899.0:
        clock.now += 0.01  # the attempt itself
        clock.now += min(failed_attempt(p), 1000.0 + 899.0 - clock.now)
        assert not p.gave_up()
    clock.now = 1000.0 + 900.0
    assert p.gave_up()
    assert p.down_for() == 900.0
    assert "Discord unreachable for 15 min" in str(GatewayOutageError(900.0, p.attempts))
    p.connected()
    assert not p.gave_up()
    assert p.down_for() is None


def test_without_a_give_up_time_it_never_gives_up() -> None:
    clock = Clock()
    p = policy(clock, give_up_after=None)
    for _ in range(3000):
        clock.now += failed_attempt(p)
    assert clock.now - 1000.0 > 24 * 3600
    assert not p.gave_up()


def test_reconnecting_ends_the_outage_and_starts_the_ladder_again(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    p = policy(clock)
    p.disconnected()
    for _ in range(8):
        clock.now += failed_attempt(p)
    assert p.attempts == 8
    with caplog.at_level(logging.INFO, logger="bot.app"):
        down = p.connected()
    assert down is not None
    assert down == clock.now - 1000.0
    assert p.attempts == 0
    assert p.outage_started is None
    assert any("reconnected to Discord after" in r.getMessage() for r in caplog.records)
    # The next outage starts from a one-second wait and a fresh give-up clock.
    clock.now += 3600
    assert failed_attempt(p) <= 1.0
    assert p.outage_started == clock.now
    # A quick RESUME with no failed attempt logs nothing.
    p.connected()
    caplog.clear()
    p.disconnected()
    assert p.connected() is None
    assert caplog.records == []


def test_each_attempt_is_one_warning_line_naming_the_error_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    p = policy(clock)
    p.disconnected()
    clock.now += 37
    with caplog.at_level(logging.DEBUG, logger="bot.app"):
        wait = failed_attempt(p, OSError("Cannot connect to host 127.0.0.1:9 ssl:default [Connect call failed]"))
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    message = record.getMessage()
    assert "\n" not in message
    assert "attempt 1, down 37s" in message
    assert "OSError: Cannot connect to host 127.0.0.1:9" in message
    assert f"trying again in {wait:.1f}s" in message


def test_discord_pys_own_reconnect_error_is_kept_only_at_debug() -> None:
    app.install_reconnect_policy()
    client_log = logging.getLogger("discord.client")
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    client_log.addHandler(handler)
    try:
        for root_level in (logging.INFO, logging.DEBUG):
            root.setLevel(root_level)
            try:
                raise OSError("refused")
            except OSError:
                client_log.exception("Attempting a reconnect in %.2fs", 3.0)
            client_log.warning("something else")
    finally:
        client_log.removeHandler(handler)
        root.setLevel(level)
    assert [(r.levelname, r.getMessage()) for r in seen] == [
        ("WARNING", "something else"),
        ("DEBUG", "Attempting a reconnect in 3.00s"),  # with its traceback, at DEBUG only
        ("WARNING", "something else"),
    ]
    assert seen[1].exc_info is not None


def test_the_sharded_clients_reconnect_error_is_kept_only_at_debug_too() -> None:
    app.install_reconnect_policy()
    shard_log = logging.getLogger("discord.shard")
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Keep(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    shard_log.addHandler(handler)
    try:
        for root_level in (logging.INFO, logging.DEBUG):
            root.setLevel(root_level)
            shard_log.error("Attempting a reconnect for shard ID %s in %.2fs", 0, 3.0, exc_info=OSError("refused"))
    finally:
        shard_log.removeHandler(handler)
        root.setLevel(level)
    kept = [(r.levelname, r.getMessage()) for r in seen]
    assert kept == [("DEBUG", "Attempting a reconnect for shard ID 0 in 3.00s")]


async def test_only_a_bots_connect_gets_its_policies_one_per_shard(tmp_path: Path) -> None:
    app.install_reconnect_policy()
    assert isinstance(discord.shard.ExponentialBackoff(), ExponentialBackoff)  # any other client
    settings = Settings(
        token=Secret("x"), database_path=tmp_path / "db.sqlite3", content_dirs=(), shard_count=4, shard_ids="2-3"
    )
    bot = app.Bot(settings=settings, sync_on_start=False, run_background_tasks=False)
    token = app._connecting_bot.set(bot)
    try:
        # What AutoShardedClient.connect does for each of its shards, in id order.
        first, second = discord.shard.ExponentialBackoff(), discord.shard.ExponentialBackoff()
    finally:
        app._connecting_bot.reset(token)
    assert first is bot.reconnect_policy(2)
    assert second is bot.reconnect_policy(3)
    assert first is not second
    assert first.label == "shard 2: "
    assert first.give_up_after == 15 * 60


def test_the_give_up_time_is_configurable_in_whole_minutes() -> None:
    assert load_settings({}, dotenv=False).reconnect_give_up_minutes == 15
    assert load_settings({"FROM_BELOW_RECONNECT_GIVE_UP_MINUTES": "0"}, dotenv=False).reconnect_give_up_minutes == 0
    assert load_settings({"FROM_BELOW_RECONNECT_GIVE_UP_MINUTES": "60"}, dotenv=False).reconnect_give_up_minutes == 60
    for bad in ("1.5", "-1", "many", "100000"):
        with pytest.raises(ConfigError) as info:
            load_settings({"FROM_BELOW_RECONNECT_GIVE_UP_MINUTES": bad}, dotenv=False)
        assert "FROM_BELOW_RECONNECT_GIVE_UP_MINUTES" in info.value.message
