"""Issue 16, operators' bad days against the real bot (``python -m bot run``) and the fake Discord.

**The database is write-locked while the bot becomes ready.** Another connection takes SQLite's
write lock (``BEGIN IMMEDIATE``, what a backup or the console holds) just before the fake sends
READY and keeps it for a fixed time. The bot must still post at the scheduled minute.

Two bots run side by side (two fakes, two databases) so they share one wait for the minute:

* 10 s exactly, the issue's scenario. At READY the bot queues three writes on its one connection
  (hourly maintenance, the READY reconcile, the scheduler start-up's reconcile); with a busy
  timeout of 5 s the first of them fails and the lock is gone before the others give up.
* 20 s: every start-up write fails, including the scheduler's own start-up step. Before the fix
  (``reconcile`` without its ``try``), that error escaped discord.py's ``before_loop``, the loop
  task ended and no post ever went out; this half fails on that code.

The scheduler is minute-aligned on the real clock, so the test waits for a minute boundary at
least 45 s away: a minute and three quarters at most.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from fakediscord import FakeDiscord

from bot.content_loader import load_library
from bot.core.scheduling import Schedule
from bot.storage import SettingsRepository, open_database

from .conftest import REPO_ROOT, BotProcess, SpawnBot
from .scenario_support import start_bot, wait_until_ready
from .test_scenarios_daily import timezone_with_events

CLUB = "People's History Club"
#: The lock times (seconds, from just before READY) the two bots meet.
LOCK_TIMES = (10.0, 20.0)
#: How far ahead the post minute is (at least): start-up plus the longest lock, with room to spare.
LEAD_SECONDS = 45


def minute_at_least(seconds: float) -> dt.datetime:
    """The first full minute at least ``seconds`` from now (UTC)."""
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return soon.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


@dataclass
class LockedStart:
    """One bot whose database another connection locks for ``seconds`` just before READY."""

    seconds: float
    fake: FakeDiscord
    database: Path
    locked_at: float | None = None
    released_at: float | None = None
    handles: list[asyncio.TimerHandle] = field(default_factory=list)

    async def lock(self) -> None:
        if self.locked_at is not None:
            return  # only the first READY
        conn = sqlite3.connect(self.database, isolation_level=None, timeout=5)
        conn.execute("BEGIN IMMEDIATE")  # the write lock; readers still read (WAL)
        self.locked_at = time.time()
        self.handles.append(asyncio.get_running_loop().call_later(self.seconds, self.release, conn))

    def release(self, conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")
        conn.close()
        self.released_at = time.time()


async def save_schedule(database: Path, guild_id: int, channel_id: int, target: dt.datetime) -> None:
    tz = timezone_with_events(load_library([REPO_ROOT / "content"]).library, target)
    local = target.astimezone(ZoneInfo(tz))
    db = await open_database(database)
    try:
        schedule = Schedule(guild_id=guild_id, channel_id=channel_id, post_time=local.time(), timezone=tz)
        await SettingsRepository(db).save(schedule, at=dt.datetime.now(dt.UTC))
    finally:
        await db.close()


async def run_locked_start(case: LockedStart, bot: BotProcess, channel_id: int, target: dt.datetime) -> None:
    fake = case.fake
    await wait_until_ready(fake, bot)
    assert case.locked_at is not None
    assert case.locked_at + case.seconds < target.timestamp() - 5, "the bot took too long to start for this test"
    # The lock bit: a start-up write failed while the bot got ready.
    await fake.wait_for(lambda: "database is locked" in bot.log(), within=case.seconds + 5, what="the lock")
    await fake.wait_for(lambda: case.released_at is not None, within=case.seconds + 5, what="the lock's end")
    wait = target.timestamp() - time.time() + 30
    try:
        await fake.wait_for_request("POST", f"/channels/{channel_id}/messages", within=wait)
    except TimeoutError:
        raise AssertionError(
            f"{case.seconds:g} s lock: no daily post by {target:%H:%M:%S} + 30 s:\n{bot.log()[-5000:]}"
        ) from None
    posted_at = time.time()
    assert target.timestamp() <= posted_at < target.timestamp() + 30, (case.seconds, posted_at, target)
    if case.seconds >= 20:
        # Every start-up write failed: the READY reconcile and the scheduler's own start-up step.
        assert bot.log().count("could not bring the servers table up to date") == 2, bot.log()[-5000:]


async def test_database_locked_while_the_bot_becomes_ready_and_the_post_still_goes_out(tmp_path: Path) -> None:
    target = minute_at_least(LEAD_SECONDS)
    cases: list[LockedStart] = []
    bots: list[BotProcess] = []
    try:
        for seconds in LOCK_TIMES:
            folder = tmp_path / f"lock-{seconds:g}s"
            folder.mkdir()
            fake = FakeDiscord(heartbeat_interval_ms=500)
            await fake.start()
            case = LockedStart(seconds, fake, folder / "from-below.sqlite3")
            cases.append(case)
            club = fake.state.guild(CLUB)
            await save_schedule(case.database, club.id, club.channel("history").id, target)
            fake.before_ready = case.lock
        for case in cases:
            bots.append(await start_bot(case.fake, case.database, case.database.parent / "bot.log"))
        await asyncio.gather(
            *(
                run_locked_start(case, bot, case.fake.state.guild(CLUB).channel("history").id, target)
                for case, bot in zip(cases, bots, strict=True)
            )
        )
        for case, bot in zip(cases, bots, strict=True):
            posts = [r for r in case.fake.state.find_requests("POST", "/channels/{channel_id}/messages")]
            assert len(posts) == 1, (case.seconds, posts)
            assert posts[0].status == 200, posts[0]
            assert "Task exception was never retrieved" not in bot.log()
    finally:
        codes = []
        for case in cases:
            for handle in case.handles:
                handle.cancel()
        for bot in bots:
            codes.append(await bot.stop())
        for case in cases:
            await case.fake.close()
    assert codes == [0] * len(bots), [bot.log()[-3000:] for bot in bots]
    for bot in bots:
        assert "Task exception was never retrieved" not in bot.log()


# --- a long gateway outage ---------------------------------------------------------------------

#: How long Discord stays down. The issue's scenario is 3 minutes; set E2E_OUTAGE_SECONDS to run
#: shorter (at 130 s or more the waits still reach the 60 s cap, which the test checks).
OUTAGE_SECONDS = float(os.environ.get("E2E_OUTAGE_SECONDS", "180"))
#: The bot's cap on the wait between reconnect attempts (bot.app.RECONNECT_CAP).
CAP = 60.0
#: Room for an attempt's own duration and for scheduling on a loaded machine.
SLACK = 2.0
ATTEMPT_LINE = "cannot reach Discord's gateway"


class DeadDiscord:
    """What the bot finds at Discord's address during the outage: every connection is accepted
    and dropped at once. Records when each one came (REST and gateway alike)."""

    def __init__(self) -> None:
        self.connections: list[float] = []
        self._server: asyncio.Server | None = None

    async def start(self, port: int) -> None:
        async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections.append(time.monotonic())
            writer.transport.abort()

        self._server = await asyncio.start_server(drop, "127.0.0.1", port)

    def attempts(self) -> list[float]:
        """When the bot tried: aiohttp opens a second connection at once after a drop, so
        connections less than 0.3 s apart are one attempt (the shortest wait is 0.5 s)."""
        attempts: list[float] = []
        for at in self.connections:
            if not attempts or at - attempts[-1] >= 0.3:
                attempts.append(at)
        return attempts

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def log_lines_after(log: str, marker: str) -> list[str]:
    """Lines of ``log`` from the first line containing ``marker`` on."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if marker in line:
            return lines[i:]
    return []


async def test_discord_down_for_minutes_and_the_bot_is_back_within_a_minute_of_its_return(
    fake: FakeDiscord, spawn_bot: SpawnBot, tmp_path: Path
) -> None:
    assert OUTAGE_SECONDS >= 130, "shorter outages never reach the cap this test is about"
    bot = await spawn_bot()
    await wait_until_ready(fake, bot)
    port = fake.port
    sessions_before = len(fake.received_ops(2)) + len(fake.received_ops(6))

    # Discord goes away: its connections close, and every new one is dropped for OUTAGE_SECONDS.
    dead = DeadDiscord()
    await fake.close()
    await dead.start(port)
    await asyncio.sleep(OUTAGE_SECONDS)
    await dead.close()
    await fake.start()
    assert fake.port == port
    returned = time.monotonic()
    attempts = dead.attempts()
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    sys.stdout.write(  # the numbers for the report (pytest -s)
        f"\noutage {OUTAGE_SECONDS:.0f}s: {len(attempts)} dropped attempts, gaps (s) "
        + ", ".join(f"{g:.1f}" for g in gaps)
        + (f"; last attempt {returned - attempts[-1]:.1f}s before Discord returned\n" if attempts else "\n")
    )

    # It comes back: the bot RESUMEs (or IDENTIFYs) within a minute.
    try:
        await fake.wait_for(
            lambda: len(fake.received_ops(2)) + len(fake.received_ops(6)) > sessions_before,
            within=CAP + SLACK + 10,
            what="RESUME or IDENTIFY after the outage",
        )
    except TimeoutError:
        raise AssertionError(f"the bot did not come back:\n{bot.log()[-5000:]}") from None
    back = time.monotonic()
    back_event = [e for e in fake.gateway_log if e.direction == "recv" and e.op in (2, 6)][-1]
    assert back - returned <= CAP + SLACK, f"back {back - returned:.1f}s after Discord"
    assert bot.proc.returncode is None
    await fake.wait_for(lambda: "reconnected to Discord after" in bot.log(), within=10, what="the 'back' line")

    kind = "RESUME" if back_event.op == 6 else "IDENTIFY"
    sys.stdout.write(f"back ({kind}) {back - returned:.1f}s after Discord returned\n")

    # During the outage, attempts came at most a capped wait apart.
    assert len(attempts) >= 7, attempts
    assert max(gaps) <= CAP + SLACK, gaps
    assert max(gaps) >= CAP / 2, gaps  # the waits did grow to the capped range
    # The log: one WARNING line per failed attempt, nothing louder, no traceback.
    outage_log = log_lines_after(bot.log(), ATTEMPT_LINE)
    warnings = [line for line in outage_log if " WARNING " in line]
    louder = [line for line in outage_log if " ERROR " in line or " CRITICAL " in line]
    attempt_lines = [line for line in warnings if ATTEMPT_LINE in line]
    assert not louder, louder
    assert warnings == attempt_lines, [w for w in warnings if ATTEMPT_LINE not in w]
    # Each attempt the fake saw is one line (plus, at most, one refused before the drop began).
    assert len(attempts) <= len(attempt_lines) <= len(attempts) + 1, (len(attempts), attempt_lines)
    assert "Traceback" not in bot.log()

    code = await bot.stop()
    assert code == 0, bot.log()[-3000:]
