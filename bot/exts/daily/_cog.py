"""The scheduler: a minute-aligned loop that hands due posts to :class:`~bot.services.daily.DailyPoster`.

* ``tick_loop`` runs at second 0 of every minute (UTC), after the bot is ready, plus once right
  away when it starts so a restart catches up at once. Each tick queues what is due
  (:meth:`DailyPoster.run_due` returns at once; workers send in the background) and writes the
  health heartbeat.
* The scheduler cannot die. Its start-up step (wait for READY, bring the servers table up to date,
  the first tick), every tick and the hourly maintenance catch their own errors, log one line
  saying what happens next, and are retried (the next READY, the next minute, the next hour). A
  tick that keeps failing for longer than ``health``'s limit is logged once more, saying that
  ``python -m bot health`` now reports the bot unhealthy and why. Should a loop's task end on an
  error anyway (including one raised before its first iteration, which discord.py's ``error``
  handler never sees), a done-callback logs it and starts the loop again a minute later.
* ``maintenance_loop`` runs hourly: purges servers the bot left long ago, prunes old history.
* Guild join/remove events and every READY keep the ``guilds`` table in step with Discord.
* On unload (``Bot.close`` unloads every extension) the loops stop and posts being sent are
  given a few seconds to finish; unfinished claims are recovered by the next run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands, tasks

from bot.core.text import plural
from bot.sender import DiscordSender
from bot.services.daily import DailyPoster
from bot.services.health import DEFAULT_MAX_AGE
from bot.storage import StorageError, StorageUnavailableError
from bot.storage.guilds import GuildsRepository

if TYPE_CHECKING:
    from bot.app import Bot
    from bot.config import Settings

log = logging.getLogger(__name__)

#: Every minute of the day, so the loop wakes at hh:mm:00 UTC (discord.ext.tasks ``time=``).
EVERY_MINUTE = [dt.time(h, m, tzinfo=dt.UTC) for h in range(24) for m in range(60)]
#: Seconds a post being sent may take to finish when the bot shuts down.
SHUTDOWN_GRACE = 10.0
#: Seconds before a loop that died is started again.
RESTART_DELAY = 60.0
#: The part of this process's rate share the daily fan-out may use (50/s → 45/s, as before sharding).
FANOUT_HEADROOM = 0.9


def fanout_rate(settings: Settings) -> float:
    """Requests per second for this process's daily fan-out: its share of the bot's global rate
    (``FROM_BELOW_GLOBAL_RATE`` x owned shards / shard count), less :data:`FANOUT_HEADROOM` for
    everything else the process sends meanwhile (command syncs, look-ups after a crash)."""
    return settings.shards.rate_share(settings.global_rate) * FANOUT_HEADROOM


def _minute(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def make_poster(bot: Bot, sender: DiscordSender) -> DailyPoster | None:
    """The posting service for this bot, or None without a database."""
    db = bot.services.db
    if db is None:
        return None
    settings = bot.settings
    plan = settings.shards
    return DailyPoster(
        db,
        sender,
        bot.library,
        clock=bot.clock,
        concurrency=max(1, settings.post_concurrency),
        rate=fanout_rate(settings),
        owns=None if plan.all_shards else plan.owns,
        catchup=dt.timedelta(hours=settings.catchup_hours),
        departure_grace=dt.timedelta(days=settings.guild_grace_days),
    )


def _reason(exc: BaseException) -> str:
    """One line for the log: the error's message, or its type when it has none."""
    text = " ".join(str(exc).split())
    return text[:300] if text else type(exc).__name__


#: Errors the scheduler expects from a busy or broken database or a full disk: logged as one line.
#: Anything else is a bug and is logged with its traceback.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, StorageError, StorageUnavailableError, OSError)


class DailyPosts(commands.Cog):
    """Posts each server's daily "on this day" message at its local time."""

    def __init__(self, bot: Bot, *, poster: DailyPoster | None = None) -> None:
        self.bot = bot
        self.sender = DiscordSender(bot)
        self.poster: DailyPoster | None = poster
        #: The last tick that ran without an error (what the heartbeat reports).
        self.last_tick: dt.datetime | None = None
        self.ticks = 0
        #: Ticks that failed in a row, and when the first of them ran.
        self.failed_ticks = 0
        self._failing_since: dt.datetime | None = None
        self._reported_unhealthy = False
        self._unloaded = False
        self._restarts: list[asyncio.TimerHandle] = []

    # --- lifecycle -----------------------------------------------------------------------

    async def cog_load(self) -> None:
        if self.bot.services.db is None:
            log.warning("no database: daily posts are off")
        else:
            self._ensure_poster()
        if self.bot.run_background_tasks:
            self._start(self.tick_loop)
            self._start(self.maintenance_loop)

    async def cog_unload(self) -> None:
        self._unloaded = True
        for handle in self._restarts:
            handle.cancel()
        self.tick_loop.cancel()
        self.maintenance_loop.cancel()
        if self.poster is not None:
            await self.poster.close(SHUTDOWN_GRACE)

    def _ensure_poster(self) -> DailyPoster | None:
        """The poster, built on first use; a failure is logged and retried at the next tick."""
        if self.poster is None and self.bot.services.db is not None:
            try:
                self.poster = make_poster(self.bot, self.sender)
            except Exception:
                log.exception("could not set up daily posting; trying again at the next minute")
        return self.poster

    # --- the tick ------------------------------------------------------------------------

    async def tick(self) -> None:
        """One scheduler tick: queue the posts due now, then write the heartbeat. Never raises."""
        try:
            now = self.bot.clock.now()
            self.ticks += 1
        except Exception:
            log.exception("scheduler tick failed: cannot read the clock; trying again next minute")
            return
        try:
            if self.bot.services.db is not None:
                poster = self._ensure_poster()
                if poster is None:
                    raise RuntimeError("daily posting could not be set up")
                await poster.run_due(now)
        except Exception as exc:
            self._tick_failed(now, exc)
        else:
            self._tick_succeeded(now)
        try:
            if self.bot.health is not None:
                # A failed tick still rewrites the file (so it is not "stale"), with the last good tick.
                await (self.bot.health.ticked(now) if self.last_tick == now else self.bot.health.write())
        except Exception:
            log.exception("could not write the health heartbeat; trying again next minute")

    def _tick_succeeded(self, now: dt.datetime) -> None:
        if self.failed_ticks:
            log.info("scheduler tick at %s succeeded after %s", _minute(now), plural(self.failed_ticks, "failed tick"))
        self.last_tick = now
        self.failed_ticks = 0
        self._failing_since = None
        self._reported_unhealthy = False

    def _tick_failed(self, now: dt.datetime, exc: Exception) -> None:
        self.failed_ticks += 1
        if self._failing_since is None:
            self._failing_since = now
        message = "scheduler tick at %s failed: %s; trying again at the next minute"
        if isinstance(exc, EXPECTED_ERRORS):
            log.error(message, _minute(now), _reason(exc))
        else:
            log.exception(message, _minute(now), _reason(exc))
        # ``health`` counts the bot unhealthy once the last good tick is older than its limit:
        # say so once, with the cause, so the operator reading the log knows why.
        since = self.last_tick or self._failing_since
        if not self._reported_unhealthy and (now - since).total_seconds() > DEFAULT_MAX_AGE:
            self._reported_unhealthy = True
            log.error(
                "the scheduler has not completed a tick since %s (%d failed in a row, the last with: %s): "
                "`python -m bot health` now reports the bot unhealthy; it keeps trying every minute",
                _minute(since) if self.last_tick else f"{_minute(since)} (none since the start)",
                self.failed_ticks,
                _reason(exc),
            )

    @tasks.loop(time=EVERY_MINUTE, reconnect=True)
    async def tick_loop(self) -> None:
        await self.tick()

    @tick_loop.before_loop
    async def _before_tick(self) -> None:
        # discord.py runs this outside the loop's error handling: an error here would end the
        # loop before its first tick, so nothing may escape (the done-callback is the last net).
        await self.bot.wait_until_ready()
        try:
            await self.reconcile()  # never raises: a busy database must not stop the loop from starting
        except Exception:
            log.exception("could not bring the servers table up to date; the scheduler starts anyway")
        await self.tick()  # at once, not only at the next full minute; never raises

    @tick_loop.error
    async def _tick_error(self, error: BaseException) -> None:
        """Logged and restarted by :meth:`_loop_ended` (defined so discord.py prints no traceback)."""

    # --- maintenance ---------------------------------------------------------------------

    async def maintenance(self) -> None:
        """Purge servers left long ago and prune old history. Never raises."""
        try:
            poster = self._ensure_poster()
            if poster is None:
                return
            _purged, pruned = await poster.maintenance(self.bot.clock.now())
            if pruned:
                log.info("pruned %s", plural(pruned, "old post record"))
        except Exception as exc:
            if isinstance(exc, EXPECTED_ERRORS):
                log.error("daily-post maintenance failed: %s; trying again in an hour", _reason(exc))
            else:
                log.exception("daily-post maintenance failed; trying again in an hour")

    @tasks.loop(hours=1, reconnect=True)
    async def maintenance_loop(self) -> None:
        await self.maintenance()

    @maintenance_loop.before_loop
    async def _before_maintenance(self) -> None:
        await self.bot.wait_until_ready()

    @maintenance_loop.error
    async def _maintenance_error(self, error: BaseException) -> None:
        """Logged and restarted by :meth:`_loop_ended` (defined so discord.py prints no traceback)."""

    # --- keeping the loops alive -----------------------------------------------------------

    def _start(self, loop: tasks.Loop[Any]) -> None:
        """Start ``loop`` and watch its task: if it ever ends on an error, start it again."""
        task = loop.start()
        task.add_done_callback(lambda done: self._loop_ended(loop, done))

    def _loop_ended(self, loop: tasks.Loop[Any], task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        error = task.exception()  # retrieved, so asyncio never prints "exception was never retrieved"
        if error is None or self._unloaded:
            return
        name = "scheduler" if loop is self.tick_loop else "maintenance"
        log.error(
            "the %s loop stopped: %s; starting it again in %.0fs",
            name,
            _reason(error),
            RESTART_DELAY,
            exc_info=None if isinstance(error, EXPECTED_ERRORS) else error,
        )
        self._restart_later(loop)

    def _restart_later(self, loop: tasks.Loop[Any]) -> None:
        def restart() -> None:
            if self._unloaded or loop.is_running():
                return
            try:
                self._start(loop)
            except Exception:
                log.exception("could not restart a loop; trying again in %.0fs", RESTART_DELAY)
                self._restart_later(loop)

        self._restarts.append(asyncio.get_running_loop().call_later(RESTART_DELAY, restart))

    # --- servers -------------------------------------------------------------------------

    async def reconcile(self) -> None:
        """Mark servers the bot is no longer in as departed, and those it is back in as present.

        Never raises: on failure (a locked database, say) it logs and the next READY tries again;
        until then the servers table is one restart behind, which posting tolerates.
        """
        db = self.bot.services.db
        if db is None:
            return
        present = [g.id for g in self.bot.guilds]
        plan = self.bot.settings.shards
        try:
            departed, returned = await GuildsRepository(db).reconcile(
                present, at=self.bot.clock.now(), only=None if plan.all_shards else plan.owns
            )
        except Exception as exc:
            message = "could not bring the servers table up to date: %s; posting goes on, retried at the next READY"
            if isinstance(exc, EXPECTED_ERRORS):
                log.error(message, _reason(exc))
            else:
                log.exception(message, _reason(exc))
            return
        if departed or returned:
            log.info("servers: %d left while offline, %d back", len(departed), len(returned))

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.reconcile()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        if self.bot.services.db is None:
            return
        try:
            back = await GuildsRepository(self.bot.services.db).joined(guild.id, at=self.bot.clock.now())
        except Exception as exc:
            self._guild_event_failed("joining", guild.id, exc)
            return
        if back:
            log.info("back in server %s: its settings were kept", guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        if self.bot.services.db is None:
            return
        try:
            left = await GuildsRepository(self.bot.services.db).left(guild.id, at=self.bot.clock.now())
        except Exception as exc:
            self._guild_event_failed("leaving", guild.id, exc)
            return
        if left:
            log.info("left server %s: posting stops; its settings are kept for now", guild.id)

    def _guild_event_failed(self, what: str, guild_id: int, exc: Exception) -> None:
        message = "could not record %s server %s: %s; the next READY brings the servers table up to date"
        if isinstance(exc, EXPECTED_ERRORS):
            log.error(message, what, guild_id, _reason(exc))
        else:
            log.exception(message, what, guild_id, _reason(exc))
