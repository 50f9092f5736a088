"""The heartbeat writer/reader and ``python -m bot health`` (the Docker HEALTHCHECK command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.clock import FakeClock
from bot.services.health import (
    DEFAULT_MAX_AGE,
    HealthReporter,
    HeartbeatError,
    ShardState,
    check_health,
    read_heartbeat,
    write_heartbeat,
)

NOW = datetime(2026, 11, 27, 6, 0, 0, tzinfo=UTC)
PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture
def beat(tmp_path: Path) -> Path:
    return tmp_path / "data" / "heartbeat.json"


# --- writer ----------------------------------------------------------------------------------


def test_write_creates_folder_and_exact_json(beat: Path) -> None:
    write_heartbeat(beat, True, NOW - timedelta(seconds=30), NOW, pid=42)
    assert json.loads(beat.read_text(encoding="utf-8")) == {
        "pid": 42,
        "connected": True,
        "scheduler_tick": "2026-11-27T05:59:30+00:00",
        "written_at": "2026-11-27T06:00:00+00:00",
    }
    assert os.listdir(beat.parent) == ["heartbeat.json"]  # no temp file left behind


def test_write_defaults_pid_and_normalises_to_utc(beat: Path) -> None:
    east = timezone(timedelta(hours=5, minutes=30))
    write_heartbeat(beat, False, None, datetime(2026, 11, 27, 11, 30, tzinfo=east))
    data = json.loads(beat.read_text(encoding="utf-8"))
    assert data["pid"] == os.getpid()
    assert data["written_at"] == "2026-11-27T06:00:00+00:00"
    assert data["scheduler_tick"] is None
    assert data["connected"] is False


def test_round_trip(beat: Path) -> None:
    tick = NOW - timedelta(seconds=5)
    write_heartbeat(beat, True, tick, NOW, pid=7)
    got = read_heartbeat(beat)
    assert (got.pid, got.connected, got.scheduler_tick, got.written_at) == (7, True, tick, NOW)


def test_write_replaces_previous_heartbeat(beat: Path) -> None:
    write_heartbeat(beat, True, NOW, NOW, pid=1)
    write_heartbeat(beat, False, NOW, NOW + timedelta(seconds=60), pid=1)
    got = read_heartbeat(beat)
    assert got.connected is False
    assert got.written_at == NOW + timedelta(seconds=60)


def test_failed_replace_keeps_old_file_and_removes_temp(beat: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_heartbeat(beat, True, NOW, NOW, pid=1)
    before = beat.read_bytes()

    def boom(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space"):
        write_heartbeat(beat, False, None, NOW + timedelta(seconds=1), pid=1)
    assert beat.read_bytes() == before
    assert os.listdir(beat.parent) == ["heartbeat.json"]


@pytest.mark.parametrize(
    ("tick", "now"),
    [
        (None, datetime(2026, 11, 27, 6, 0)),  # noqa: DTZ001 - a naive datetime on purpose
        (datetime(2026, 11, 27, 6, 0), NOW),  # noqa: DTZ001
    ],
)
def test_write_rejects_naive_datetimes(beat: Path, tick: datetime | None, now: datetime) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        write_heartbeat(beat, True, tick, now)
    assert not beat.exists()


# --- reader / decision -----------------------------------------------------------------------


def test_healthy_when_connected_and_ticking(beat: Path) -> None:
    write_heartbeat(beat, True, NOW - timedelta(seconds=12), NOW - timedelta(seconds=2), pid=9)
    status = check_health(beat, NOW)
    assert status.healthy
    assert status.reason == "healthy: connected, scheduler ticked 12s ago (pid 9)"


def test_missing_file(beat: Path) -> None:
    status = check_health(beat, NOW)
    assert not status.healthy
    assert status.reason.startswith(f"unhealthy: no heartbeat file yet at {beat}")


def test_disconnected(beat: Path) -> None:
    write_heartbeat(beat, False, NOW - timedelta(seconds=10), NOW - timedelta(seconds=3), pid=9)
    status = check_health(beat, NOW)
    assert not status.healthy
    assert status.reason == "unhealthy: disconnected from Discord (heartbeat 3s ago)"


def test_scheduler_not_ticked_yet(beat: Path) -> None:
    write_heartbeat(beat, True, None, NOW, pid=9)
    status = check_health(beat, NOW)
    assert not status.healthy
    assert "scheduler has not ticked yet" in status.reason


def test_scheduler_tick_stale(beat: Path) -> None:
    write_heartbeat(beat, True, NOW - timedelta(minutes=10), NOW, pid=9)
    status = check_health(beat, NOW)
    assert not status.healthy
    assert status.reason == "unhealthy: connected, but the scheduler last ticked 10 min ago (limit 180s)"


def test_heartbeat_itself_stale_beats_connected_flag(beat: Path) -> None:
    """A frozen process leaves connected=true behind; the age of the file must still fail it."""
    old = NOW - timedelta(hours=3)
    write_heartbeat(beat, True, old, old, pid=9)
    status = check_health(beat, NOW)
    assert not status.healthy
    assert "heartbeat is stale, last written 3.0 h ago (limit 180s) by pid 9" in status.reason


@pytest.mark.parametrize(("age", "healthy"), [(DEFAULT_MAX_AGE, True), (DEFAULT_MAX_AGE + 1, False)])
def test_max_age_boundary(beat: Path, age: float, healthy: bool) -> None:
    write_heartbeat(beat, True, NOW - timedelta(seconds=age), NOW, pid=9)
    assert check_health(beat, NOW).healthy is healthy


def test_custom_max_age(beat: Path) -> None:
    write_heartbeat(beat, True, NOW - timedelta(seconds=60), NOW, pid=9)
    assert check_health(beat, NOW, max_age=300).healthy
    assert not check_health(beat, NOW, max_age=30).healthy


def test_future_tick_from_clock_skew_is_not_negative(beat: Path) -> None:
    write_heartbeat(beat, True, NOW + timedelta(seconds=3), NOW, pid=9)
    assert check_health(beat, NOW).reason == "healthy: connected, scheduler ticked 0s ago (pid 9)"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "not valid JSON"),
        ('{"connected": tru', "not valid JSON"),
        ("[1, 2]", "does not hold a JSON object"),
        ('{"connected": "yes", "written_at": "2026-11-27T06:00:00+00:00"}', "'connected' must be true or false"),
        ('{"connected": true}', "'written_at' is missing"),
        ('{"connected": true, "written_at": "yesterday"}', "'written_at' is not an ISO timestamp"),
        ('{"connected": true, "written_at": 5}', "'written_at' is not a timestamp"),
        ('{"connected": true, "pid": "x", "written_at": "2026-11-27T06:00:00+00:00"}', "'pid' must be a number"),
    ],
)
def test_malformed_file_is_unhealthy_with_reason(beat: Path, content: str, fragment: str) -> None:
    beat.parent.mkdir(parents=True)
    beat.write_text(content, encoding="utf-8")
    with pytest.raises(HeartbeatError, match=fragment):
        read_heartbeat(beat)
    status = check_health(beat, NOW)
    assert not status.healthy
    assert fragment in status.reason
    assert "\n" not in status.reason


def test_naive_timestamp_in_file_is_read_as_utc(beat: Path) -> None:
    beat.parent.mkdir(parents=True)
    beat.write_text(
        '{"pid": 3, "connected": true, "scheduler_tick": "2026-11-27T05:59:50", "written_at": "2026-11-27T06:00:00"}',
        encoding="utf-8",
    )
    assert check_health(beat, NOW).reason == "healthy: connected, scheduler ticked 10s ago (pid 3)"


# --- the CLI command ---------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings pointing at tmp_path; cwd moved so no real .env is read. Returns the heartbeat path."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("FROM_BELOW_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.setenv("FROM_BELOW_DATABASE", str(tmp_path / "vol" / "from_below.sqlite3"))
    return tmp_path / "vol" / "heartbeat.json"


def test_cli_healthy(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    write_heartbeat(env, True, now, now, pid=5)
    assert main(["health"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("healthy: connected, scheduler ticked")
    assert out.count("\n") == 1


def test_cli_unhealthy_without_heartbeat_and_no_token_needed(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert out == f"unhealthy: no heartbeat file yet at {env} (the bot is not running or has not started yet)\n"


def test_cli_max_age_and_file_options(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "elsewhere.json"
    now = datetime.now(UTC)
    write_heartbeat(other, True, now - timedelta(seconds=100), now, pid=5)
    assert main(["health", "--file", str(other)]) == 0
    assert main(["health", "--file", str(other), "--max-age", "50"]) == 1
    assert "scheduler last ticked" in capsys.readouterr().out.splitlines()[-1]


def test_cli_rejects_bad_max_age(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["health", "--max-age", "0"])
    assert exc.value.code == 2
    assert "must be more than 0 seconds" in capsys.readouterr().err


def test_cli_config_problem_is_unhealthy_not_usage(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Docker reserves exit code 2, so a bad setting must still give 1 and one line."""
    monkeypatch.setenv("FROM_BELOW_LOG_LEVEL", "LOUD")
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("unhealthy: configuration problem: FROM_BELOW_LOG_LEVEL must be one of")
    assert out.count("\n") == 1


def test_real_process_as_docker_runs_it(tmp_path: Path) -> None:
    """The exact HEALTHCHECK command, in a fresh interpreter: exit code and a single stdout line."""
    db = tmp_path / "from_below.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FROM_BELOW_") and k != "DISCORD_TOKEN"}
    env["FROM_BELOW_DATABASE"] = str(db)
    env["PYTHONPATH"] = str(PROJECT)
    cmd = [sys.executable, "-m", "bot", "health"]
    missing = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (missing.returncode, missing.stderr) == (1, "")
    assert missing.stdout.startswith("unhealthy: no heartbeat file yet")

    now = datetime.now(UTC)
    write_heartbeat(tmp_path / "heartbeat.json", True, now, now, pid=1)
    ok = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (ok.returncode, ok.stderr) == (0, "")
    assert ok.stdout.startswith("healthy: connected")


# --- shards (issue 12) -----------------------------------------------------------------------------


def shard_beat(beat: Path, states: dict[int, tuple[bool, float]], connected: bool = True) -> None:
    """A heartbeat with per-shard states, each (connected, seconds since its last change)."""
    shards = {i: ShardState(up, NOW - timedelta(seconds=ago)) for i, (up, ago) in states.items()}
    write_heartbeat(beat, connected, NOW - timedelta(seconds=10), NOW, pid=3, shards=shards)


def test_shard_states_round_trip(beat: Path) -> None:
    shard_beat(beat, {0: (True, 300), 1: (False, 20)})
    data = json.loads(beat.read_text())
    assert data["shards"] == {
        "0": {"connected": True, "since": "2026-11-27T05:55:00+00:00"},
        "1": {"connected": False, "since": "2026-11-27T05:59:40+00:00"},
    }
    got = read_heartbeat(beat)
    assert got.shards == {
        0: ShardState(True, NOW - timedelta(seconds=300)),
        1: ShardState(False, NOW - timedelta(seconds=20)),
    }


def test_every_shard_connected_is_healthy_and_says_so(beat: Path) -> None:
    shard_beat(beat, {0: (True, 300), 1: (True, 300)})
    status = check_health(beat, NOW)
    assert status.healthy
    assert status.reason == "healthy: connected (2 of 2 shard(s) connected), scheduler ticked 10s ago (pid 3)"


def test_a_shard_resuming_within_the_grace_is_healthy(beat: Path) -> None:
    shard_beat(beat, {0: (True, 300), 1: (False, 20)}, connected=False)
    status = check_health(beat, NOW)
    assert status.healthy, status.reason
    assert "shard 1 reconnecting for 20s (shard grace 60s)" in status.reason


def test_a_shard_down_longer_than_the_grace_is_unhealthy(beat: Path) -> None:
    shard_beat(beat, {0: (True, 300), 1: (False, 61), 2: (False, 5)})
    status = check_health(beat, NOW)
    assert not status.healthy
    assert status.reason == "unhealthy: shard 1 of 3 disconnected from Discord for 61s (shard grace 60s)"
    shard_beat(beat, {0: (False, 400), 1: (False, 90)})
    assert check_health(beat, NOW).reason == (
        "unhealthy: shards 0, 1 of 2 disconnected from Discord for 7 min (shard grace 60s)"
    )
    shard_beat(beat, {0: (True, 300), 1: (False, 20)})
    assert not check_health(beat, NOW, shard_grace=10).healthy
    assert check_health(beat, NOW, shard_grace=30).healthy


@pytest.mark.parametrize(
    ("shards", "fragment"),
    [
        ("[1, 2]", "'shards' must be an object"),
        ('{"x": {}}', "must map shard ids"),
        ('{"0": {"connected": "yes", "since": "2026-11-27T06:00:00+00:00"}}', "shard 0: 'connected'"),
        ('{"0": {"connected": true}}', "shard 0: 'since' is missing"),
    ],
)
def test_malformed_shard_states_are_unhealthy_with_a_reason(beat: Path, shards: str, fragment: str) -> None:
    beat.parent.mkdir(parents=True)
    beat.write_text(
        '{"pid": 1, "connected": true, "scheduler_tick": null, "written_at": "2026-11-27T06:00:00+00:00", '
        f'"shards": {shards}}}'
    )
    status = check_health(beat, NOW)
    assert not status.healthy
    assert fragment in status.reason


async def test_reporter_keeps_the_first_disconnect_time_and_seeds_unheard_shards(beat: Path) -> None:
    clock = FakeClock(NOW)
    reporter = HealthReporter(beat, clock)
    await reporter.set_shard(0, True, owned=[0, 1])
    assert reporter.shards == {0: ShardState(True, NOW), 1: ShardState(False, NOW)}
    clock.advance(30)
    await reporter.set_shard(0, False)
    clock.advance(30)
    await reporter.set_shard(0, False)  # a failed reconnect attempt: still down since the first
    assert reporter.shards[0] == ShardState(False, NOW + timedelta(seconds=30))
    assert read_heartbeat(beat).shards[0] == ShardState(False, NOW + timedelta(seconds=30))


def test_cli_shard_grace_option(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    shards = {0: ShardState(False, now - timedelta(seconds=30))}
    write_heartbeat(env, False, now, now, pid=5, shards=shards)
    assert main(["health"]) == 0
    assert main(["health", "--shard-grace", "10"]) == 1
    assert "shard 0 of 1 disconnected from Discord for 30s (shard grace 10s)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["health", "--shard-grace", "-1"])
