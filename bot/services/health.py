"""Liveness heartbeat: the running bot writes it, ``python -m bot health`` reads it.

The bot's :class:`HealthReporter` rewrites it whenever the connection state changes and on
every scheduler tick. The file is a small JSON object::

    {"pid": 7, "connected": true,
     "scheduler_tick": "2026-11-27T06:00:00+00:00", "written_at": "2026-11-27T06:00:00+00:00"}

When the bot stops because it cannot run at all (no token, a token Discord rejected, content it
cannot read), it writes the reason as ``"problem"``, so ``health`` (and so ``docker compose ps``,
``up --wait`` and ``docker inspect``) says why instead of only "stale".

``python -m bot health`` (:mod:`bot.cli.health`, the Docker ``HEALTHCHECK``) exits 0 only while the bot is connected and
both the heartbeat and the scheduler tick are recent; otherwise it exits 1. Either way it prints
exactly one line saying why. This module is imported by the health probe every 30 seconds, so it
must stay cheap: no discord, no database.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.clock import Clock
from bot.core.timezones import assume_utc, ensure_utc

log = logging.getLogger(__name__)

#: How old (seconds) the heartbeat and the scheduler tick may be before the bot counts as unhealthy.
DEFAULT_MAX_AGE = 180.0


class HeartbeatError(Exception):
    """The heartbeat file is missing or cannot be understood."""


@dataclass(frozen=True)
class Heartbeat:
    """What the heartbeat file says: who wrote it, connected or not, the last tick, when."""

    pid: int
    connected: bool
    scheduler_tick: datetime | None
    written_at: datetime
    #: Why the bot stopped, when it stopped because it cannot run (see the module docstring).
    problem: str | None = None


@dataclass(frozen=True)
class HealthStatus:
    """Healthy or not, and one line saying why."""

    healthy: bool
    #: One line for the operator (and ``docker inspect``'s health log).
    reason: str


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def write_heartbeat(
    path: Path,
    connected: bool,
    scheduler_tick: datetime | None,
    now: datetime,
    *,
    pid: int | None = None,
    problem: str | None = None,
) -> None:
    """Atomically replace the heartbeat file (temp file in the same folder + ``os.replace``).

    A reader never sees a half-written file. ``now`` and ``scheduler_tick`` must be aware
    datetimes; they are stored as ISO 8601 in UTC. The folder is created if needed.
    """
    ensure_utc(now, "now")
    if scheduler_tick is not None:
        ensure_utc(scheduler_tick, "scheduler_tick")
    payload: dict[str, object] = {
        "pid": os.getpid() if pid is None else pid,
        "connected": bool(connected),
        "scheduler_tick": None if scheduler_tick is None else _iso(scheduler_tick),
        "written_at": _iso(now),
    }
    if problem:
        payload["problem"] = problem
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
            handle.write("\n")
        os.chmod(tmp_name, 0o644)  # no secrets inside; readable by an operator's shell too
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _parse_time(data: dict[str, Any], key: str, *, optional: bool) -> datetime | None:
    raw = data.get(key)
    if raw is None:
        if optional:
            return None
        raise HeartbeatError(f"'{key}' is missing")
    if not isinstance(raw, str):
        raise HeartbeatError(f"'{key}' is not a timestamp")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise HeartbeatError(f"'{key}' is not an ISO timestamp: {raw[:40]!r}") from None
    return assume_utc(value)  # the writer always stores UTC


def read_heartbeat(path: Path) -> Heartbeat:
    """Read and validate the heartbeat file. Raises :class:`HeartbeatError` with a short reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HeartbeatError(
            f"no heartbeat file yet at {path} (the bot is not running or has not started yet)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise HeartbeatError(f"cannot read {path}: {reason}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HeartbeatError(f"{path} is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise HeartbeatError(f"{path} does not hold a JSON object")
    connected = data.get("connected")
    if not isinstance(connected, bool):
        raise HeartbeatError(f"{path}: 'connected' must be true or false")
    pid = data.get("pid", 0)
    if not isinstance(pid, int) or isinstance(pid, bool):
        raise HeartbeatError(f"{path}: 'pid' must be a number")
    try:
        written_at = _parse_time(data, "written_at", optional=False)
        tick = _parse_time(data, "scheduler_tick", optional=True)
    except HeartbeatError as exc:
        raise HeartbeatError(f"{path}: {exc}") from None
    assert written_at is not None
    problem = data.get("problem")
    if problem is not None and not isinstance(problem, str):
        raise HeartbeatError(f"{path}: 'problem' must be text")
    return Heartbeat(pid=pid, connected=connected, scheduler_tick=tick, written_at=written_at, problem=problem or None)


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f}s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def check_health(path: Path, now: datetime, max_age: float = DEFAULT_MAX_AGE) -> HealthStatus:
    """Decide health from the heartbeat file at ``path`` as seen at ``now`` (aware)."""
    ensure_utc(now, "now")
    try:
        beat = read_heartbeat(path)
    except HeartbeatError as exc:
        return HealthStatus(False, f"unhealthy: {exc}")
    limit = f"limit {max_age:g}s"
    written_age = (now - beat.written_at).total_seconds()
    if beat.problem:
        one_line = " ".join(beat.problem.split())[:300]
        return HealthStatus(False, f"unhealthy: the bot stopped {_ago(written_age)} (pid {beat.pid}): {one_line}")
    if written_age > max_age:
        return HealthStatus(
            False,
            f"unhealthy: heartbeat is stale, last written {_ago(written_age)} ({limit}) by pid {beat.pid}; "
            "the bot has stopped or hung",
        )
    if not beat.connected:
        return HealthStatus(False, f"unhealthy: disconnected from Discord (heartbeat {_ago(written_age)})")
    if beat.scheduler_tick is None:
        return HealthStatus(False, "unhealthy: connected, but the scheduler has not ticked yet")
    tick_age = (now - beat.scheduler_tick).total_seconds()
    if tick_age > max_age:
        return HealthStatus(False, f"unhealthy: connected, but the scheduler last ticked {_ago(tick_age)} ({limit})")
    return HealthStatus(True, f"healthy: connected, scheduler ticked {_ago(tick_age)} (pid {beat.pid})")


class HealthReporter:
    """The one writer of the heartbeat file: the connection state and the scheduler's last tick.

    The bot reports connects and disconnects, the daily scheduler reports its ticks; every report
    rewrites the file (off the event loop), so neither undoes the other.
    """

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock
        self.connected = False
        self.scheduler_tick: datetime | None = None
        self._lock = asyncio.Lock()

    async def set_connected(self, connected: bool) -> None:
        """Record a connect or disconnect, and rewrite the file."""
        self.connected = connected
        await self.write()

    async def ticked(self, at: datetime) -> None:
        """Record a scheduler tick that ran without an error, and rewrite the file."""
        self.scheduler_tick = at
        await self.write()

    async def stopped(self, problem: str) -> None:
        """The bot cannot run: record why, for ``python -m bot health``."""
        self.connected = False
        await self.write(problem=problem)

    async def write(self, *, problem: str | None = None) -> None:
        """Write the file now; a failure is logged (health will then say the heartbeat is stale)."""
        async with self._lock:
            try:
                await asyncio.to_thread(
                    functools.partial(
                        write_heartbeat,
                        self.path,
                        self.connected,
                        self.scheduler_tick,
                        self.clock.now(),
                        problem=problem,
                    )
                )
            except OSError as exc:
                log.warning("could not write the heartbeat file %s: %s", self.path, exc)


def record_problem(path: Path, problem: str, now: datetime) -> None:
    """Write a heartbeat saying the bot stopped because of ``problem`` (best effort: a failure is
    logged, since the caller is already on its way out with a clearer message)."""
    try:
        write_heartbeat(path, False, None, now, problem=problem)
    except OSError as exc:
        log.warning("could not write the heartbeat file %s: %s", path, exc)
