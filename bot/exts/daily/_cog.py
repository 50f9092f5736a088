"""The scheduler: a minute-aligned loop that hands due posts to :class:`~bot.services.daily.DailyPoster`.

* ``tick_loop`` runs at second 0 of every minute (UTC), after the bot is ready, plus once right
  away when it starts so a restart catches up at once. Each tick queues what is due
  (:meth:`DailyPoster.run_due` returns at once; workers send in the background) and writes the
  health heartbeat. A failing tick is logged and the loop goes on; should the loop itself ever
  die, its error handler logs it and starts it again a minute later.
* ``maintenance_loop`` runs hourly: purges servers the bot left long ago, prunes old history.
* Guild join/remove events and every READY keep the ``guilds`` table in step with Discord.
* On unload (``Bot.close`` unloads every extension) the loops stop and posts being sent are
  given a few seconds to finish; unfinished claims are recovered by the next run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands, tasks

from bot.core.text import plural
from bot.sender import DiscordSender
from bot.services.daily import DailyPoster
from bot.storage import StorageUnavailableError
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


class DailyPosts(commands.Cog):
    """Posts each server's daily "on this day" message at its local time."""

    def __init__(self, bot: Bot, *, poster: DailyPoster | None = None) -> None:
        self.bot = bot
        self.sender = DiscordSender(bot)
        self.poster: DailyPoster | None = poster
        #: The last tick that ran without an error (what the heartbeat reports).
        self.last_tick: dt.datetime | None = None
        self.ticks = 0
        self._unloaded = False
        self._restarts: list[asyncio.TimerHandle] = []

    # --- lifecycle -----------------------------------------------------------------------

    async def cog_load(self) -> None:
        if self.poster is None:
            self.poster = make_poster(self.bot, self.sender)
        if self.poster is None:
            log.warning("no database: daily posts are off")
        if self.bot.run_background_tasks:
            self.tick_loop.start()
            self.maintenance_loop.start()

    async def cog_unload(self) -> None:
        self._unloaded = True
        for handle in self._restarts:
            handle.cancel()
        self.tick_loop.cancel()
        self.maintenance_loop.cancel()
        if self.poster is not None:
            await self.poster.close(SHUTDOWN_GRACE)

    # --- the tick ------------------------------------------------------------------------

    async def tick(self) -> None:
        """One scheduler tick: queue the posts due now, then write the heartbeat. Never raises."""
        now = self.bot.clock.now()
        self.ticks += 1
        try:
            if self.poster is not None:
                await self.poster.run_due(now)
            self.last_tick = now
        except StorageUnavailableError as exc:
            log.warning("scheduler tick at %s skipped: %s; trying again next minute", now.isoformat(), exc)
        except Exception:
            log.exception("scheduler tick at %s failed; trying again next minute", now.isoformat())
        if self.bot.health is not None:
            # A failed tick still rewrites the file (so it is not "stale"), with the last good tick.
            await (self.bot.health.ticked(now) if self.last_tick == now else self.bot.health.write())

    @tasks.loop(time=EVERY_MINUTE, reconnect=True)
    async def tick_loop(self) -> None:
        await self.tick()

    @tick_loop.before_loop
    async def _before_tick(self) -> None:
        await self.bot.wait_until_ready()
        await self.reconcile()  # never raises: a busy database must not stop the loop from starting
        await self.tick()  # at once, not only at the next full minute

    @tick_loop.error
    async def _tick_error(self, error: BaseException) -> None:
        log.error("the scheduler loop stopped: %r; restarting it in %.0fs", error, RESTART_DELAY, exc_info=error)
        self._restart_later(self.tick_loop)

    # --- maintenance ---------------------------------------------------------------------

    async def maintenance(self) -> None:
        """Purge servers left long ago and prune old history. Never raises."""
        if self.poster is None:
            return
        try:
            _purged, pruned = await self.poster.maintenance(self.bot.clock.now())
            if pruned:
                log.info("pruned %s", plural(pruned, "old post record"))
        except StorageUnavailableError as exc:
            log.warning("daily-post maintenance skipped: %s; trying again in an hour", exc)
        except Exception:
            log.exception("daily-post maintenance failed; trying again in an hour")

    @tasks.loop(hours=1, reconnect=True)
    async def maintenance_loop(self) -> None:
        await self.maintenance()

    @maintenance_loop.before_loop
    async def _before_maintenance(self) -> None:
        await self.bot.wait_until_ready()

    @maintenance_loop.error
    async def _maintenance_error(self, error: BaseException) -> None:
        log.error("the maintenance loop stopped: %r; restarting it", error, exc_info=error)
        self._restart_later(self.maintenance_loop)

    def _restart_later(self, loop: tasks.Loop[Any]) -> None:
        def restart() -> None:
            if not self._unloaded and not loop.is_running():
                loop.start()

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
        except StorageUnavailableError as exc:
            log.warning("could not bring the servers table up to date (%s); retried at the next READY", exc)
            return
        except Exception:
            log.exception("could not bring the servers table up to date; posting goes on, retried at the next READY")
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
        if await GuildsRepository(self.bot.services.db).joined(guild.id, at=self.bot.clock.now()):
            log.info("back in server %s: its settings were kept", guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        if self.bot.services.db is None:
            return
        if await GuildsRepository(self.bot.services.db).left(guild.id, at=self.bot.clock.now()):
            log.info("left server %s: posting stops; its settings are kept for now", guild.id)
