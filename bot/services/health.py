"""Liveness heartbeat: the running bot writes it, ``python -m bot health`` reads it.

The bot's :class:`HealthReporter` rewrites it whenever the connection state changes and on
every scheduler tick. The file is a small JSON object::

    {"pid": 7, "connected": true,
     "scheduler_tick": "2026-11-27T06:00:00+00:00", "written_at": "2026-11-27T06:00:00+00:00"}

When the bot stops because it cannot run at all (no token, a token Discord rejected, content it
cannot read), it writes the reason as ``"problem"``, so ``health`` (and so ``docker compose ps``,
``up --wait`` and ``docker inspect``) says why instead of only "stale".

A bot started with shards (every bot is an ``AutoShardedBot``; a small one runs one shard) adds
the state of each shard this process runs, and since when::

    "shards": {"0": {"connected": true, "since": "2026-11-27T05:00:00+00:00"},
               "1": {"connected": false, "since": "2026-11-27T05:59:40+00:00"}}

Then health goes by the shards instead of ``connected``: it is unhealthy once any of them has been
disconnected for longer than the shard grace (:data:`DEFAULT_SHARD_GRACE`, 60 s, or
``--shard-grace``), so a shard that is only resuming (Discord asks for that now and then; it
takes a second or two) does not make the whole process unhealthy.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.clock import Clock
from bot.core.timezones import assume_utc, ensure_utc

log = logging.getLogger(__name__)

#: How old (seconds) the heartbeat and the scheduler tick may be before the bot counts as unhealthy.
DEFAULT_MAX_AGE = 180.0
#: How long (seconds) one shard may be disconnected (resuming, reconnecting) before the process
#: counts as unhealthy. A RESUME takes a second or two; a minute means Discord is unreachable.
DEFAULT_SHARD_GRACE = 60.0


class HeartbeatError(Exception):
    """The heartbeat file is missing or cannot be understood."""


@dataclass(frozen=True)
class ShardState:
    """One shard: connected (READY or RESUMED) or not, since when."""

    connected: bool
    since: datetime


@dataclass(frozen=True)
class Heartbeat:
    """What the heartbeat file says: who wrote it, connected or not, the last tick, when."""

    pid: int
    connected: bool
    scheduler_tick: datetime | None
    written_at: datetime
    #: Each shard this process runs, by id (empty in a heartbeat written without shards).
    shards: Mapping[int, ShardState] = field(default_factory=dict)
    #: Why the bot stopped, when it stopped because it cannot run (see the module docstring).
    problem: str | None = None
    #: What the running bot is waiting for before it can start, e.g. "waiting for the database:
    #: cannot reach PostgreSQL at db:5432/from_below: connection refused" (it has not stopped).
    waiting: str | None = None


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
    shards: Mapping[int, ShardState] | None = None,
    problem: str | None = None,
    waiting: str | None = None,
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
    if shards:
        payload["shards"] = {
            str(i): {"connected": bool(st.connected), "since": _iso(st.since)} for i, st in sorted(shards.items())
        }
    if problem:
        payload["problem"] = problem
    if waiting:
        payload["waiting"] = waiting[:300]
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
    waiting = data.get("waiting")
    if waiting is not None and not isinstance(waiting, str):
        raise HeartbeatError(f"{path}: 'waiting' must be text")
    shards = _parse_shards(path, data.get("shards"))
    return Heartbeat(
        pid=pid,
        connected=connected,
        scheduler_tick=tick,
        written_at=written_at,
        problem=problem or None,
        waiting=waiting or None,
        shards=shards,
    )


def _parse_shards(path: Path, raw: Any) -> dict[int, ShardState]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise HeartbeatError(f"{path}: 'shards' must be an object")
    shards: dict[int, ShardState] = {}
    for key, value in raw.items():
        if not (isinstance(key, str) and key.isdigit()) or not isinstance(value, dict):
            raise HeartbeatError(f"{path}: 'shards' must map shard ids to objects")
        if not isinstance(value.get("connected"), bool):
            raise HeartbeatError(f"{path}: shard {key}: 'connected' must be true or false")
        try:
            since = _parse_time(value, "since", optional=False)
        except HeartbeatError as exc:
            raise HeartbeatError(f"{path}: shard {key}: {exc}") from None
        assert since is not None
        shards[int(key)] = ShardState(value["connected"], since)
    return shards


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f}s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def _shard_list(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
    return f"shard{'s' if len(ids) > 1 else ''} {shown}"


def _shards_verdict(beat: Heartbeat, now: datetime, grace: float) -> tuple[HealthStatus | None, str]:
    """(unhealthy status or None, a note for the healthy line) from the per-shard states."""
    down = {i: (now - st.since).total_seconds() for i, st in sorted(beat.shards.items()) if not st.connected}
    too_long = [i for i, seconds in down.items() if seconds > grace]
    if too_long:
        longest = max(down[i] for i in too_long)
        return (
            HealthStatus(
                False,
                f"unhealthy: {_shard_list(too_long)} of {len(beat.shards)} disconnected from Discord for "
                f"{_ago(longest).removesuffix(' ago')} (shard grace {grace:g}s)",
            ),
            "",
        )
    up = len(beat.shards) - len(down)
    note = f"{up} of {len(beat.shards)} shard(s) connected"
    if down:
        note += f", {_shard_list(list(down))} reconnecting for {_ago(max(down.values())).removesuffix(' ago')}"
        note += f" (shard grace {grace:g}s)"
    return None, note


def check_health(
    path: Path, now: datetime, max_age: float = DEFAULT_MAX_AGE, shard_grace: float = DEFAULT_SHARD_GRACE
) -> HealthStatus:
    """Decide health from the heartbeat file at ``path`` as seen at ``now`` (aware).

    With per-shard states, a shard disconnected for up to ``shard_grace`` seconds is tolerated."""
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
    if beat.waiting:
        one_line = " ".join(beat.waiting.split())[:300]
        return HealthStatus(False, f"unhealthy: {one_line} (heartbeat {_ago(written_age)})")
    shards_note = ""
    if beat.shards:
        verdict, shards_note = _shards_verdict(beat, now, shard_grace)
        if verdict is not None:
            return verdict
    elif not beat.connected:
        return HealthStatus(False, f"unhealthy: disconnected from Discord (heartbeat {_ago(written_age)})")
    if beat.scheduler_tick is None:
        return HealthStatus(False, "unhealthy: connected, but the scheduler has not ticked yet")
    tick_age = (now - beat.scheduler_tick).total_seconds()
    if tick_age > max_age:
        return HealthStatus(False, f"unhealthy: connected, but the scheduler last ticked {_ago(tick_age)} ({limit})")
    connected = f"connected ({shards_note})" if shards_note else "connected"
    return HealthStatus(True, f"healthy: {connected}, scheduler ticked {_ago(tick_age)} (pid {beat.pid})")


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
        #: Each shard of this process: connected or not, since when (empty until one reports).
        self.shards: dict[int, ShardState] = {}
        self._lock = asyncio.Lock()

    async def set_shard(self, shard_id: int, connected: bool, *, owned: Sequence[int] = ()) -> None:
        """Record a shard's READY/RESUMED (connected) or disconnect; rewrite the file if it changed.

        ``owned`` lists every shard of this process: those not heard from yet are recorded as
        disconnected since now, so a shard that never connects is noticed too."""
        now = self.clock.now()
        for other in owned:
            self.shards.setdefault(other, ShardState(False, now))
        current = self.shards.get(shard_id)
        if current is not None and current.connected == connected:
            return  # a failed reconnect attempt: still down since the first disconnect
        self.shards[shard_id] = ShardState(connected, now)
        await self.write()

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
                        shards=dict(self.shards),
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
