"""Changing a server's daily-post settings, and seeing what the next post will be.

One :class:`ScheduleSettings` serves the ``/settings`` cog and the console alike: each use case
reads the stored schedule, applies a :mod:`bot.core.changes` change, saves it and returns a
:class:`Saved` (the change and the post time that follows from it). Wording is the ui's job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

from bot.core import changes
from bot.core.changes import Change
from bot.core.clock import Clock
from bot.core.errors import UserInputError
from bot.core.models import Library
from bot.core.posts import DailyPost
from bot.core.results import Preview, Saved
from bot.core.scheduling import (
    DEFAULT_CATCHUP,
    DEFAULT_LATE_AFTER,
    EmptyDay,
    Schedule,
    ScheduleStatus,
    local_date_at,
    next_post_at,
    scheduled_instant,
)
from bot.services.daily import post_for
from bot.storage import Database, PostsRepository, SettingsRepository

#: Seconds a server's timezone is served from memory (another process may have changed it).
TIMEZONE_TTL = 60.0
#: Servers whose timezone is kept in memory at most.
TIMEZONE_CACHE_SIZE = 100_000

#: Why today's post was skipped when a change moved the post time to before now.
SKIPPED_AFTER_CHANGE = "the post time had already passed when the settings were changed"


def require_channel(current: Schedule) -> int:
    """The channel a test post goes to; without one, a friendly error."""
    if current.channel_id is None:
        raise UserInputError("Choose a channel first with `/settings channel`.")
    return current.channel_id


class ScheduleSettings:
    """The daily-post settings of every server, read and changed through storage."""

    def __init__(self, db: Database, clock: Clock, catchup: dt.timedelta = DEFAULT_CATCHUP) -> None:
        self.db = db
        self.clock = clock
        self.catchup = catchup
        self._settings = SettingsRepository(db)
        self._posts = PostsRepository(db)
        #: guild id → (timezone, when the cached value expires); kept fresh by this process's own
        #: changes, and re-read after :data:`TIMEZONE_TTL` for changes made by another process.
        self._timezones: dict[int, tuple[str, float]] = {}

    async def current(self, guild_id: int) -> Schedule:
        """The server's stored schedule, or the defaults for a server never set up."""
        return await self._settings.get_or_default(guild_id)

    async def timezone(self, guild_id: int) -> str:
        """The server's timezone, from memory when read in the last :data:`TIMEZONE_TTL` seconds.

        Every lookup in a server asks for it (``/onthisday`` without a date means today *there*),
        so it must not cost a database round trip each time.
        """
        now = time.monotonic()
        cached = self._timezones.get(guild_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        timezone = (await self.current(guild_id)).timezone or "UTC"
        self._remember_timezone(guild_id, timezone, now)
        return timezone

    def _remember_timezone(self, guild_id: int, timezone: str, now: float) -> None:
        if len(self._timezones) >= TIMEZONE_CACHE_SIZE:
            self._timezones.clear()  # simple and bounded; refilled by the next lookups
        self._timezones[guild_id] = (timezone, now + TIMEZONE_TTL)

    async def status(self, guild_id: int, now_utc: dt.datetime | None = None) -> ScheduleStatus:
        """Everything ``/settings show`` displays: the settings, the next post and the last one."""
        now = now_utc if now_utc is not None else self.clock.now()
        stored = await self._settings.get(guild_id)
        schedule = stored if stored is not None else Schedule(guild_id=guild_id)
        last = await self._posts.last_post(schedule.key)
        error = await self._settings.last_error(schedule.key)
        after = last.local_date if last else None
        upcoming = next_post_at(schedule, now, after, self.catchup) if schedule.active else None
        if last is not None and last.status == "skipped" and last.error == SKIPPED_AFTER_CHANGE:
            # Today's passed post time skipped by a change (a first channel, say) is not a post.
            last = await self._posts.last_post(schedule.key, except_skipped_for=SKIPPED_AFTER_CHANGE)
        return ScheduleStatus(schedule, stored is not None, last, error, upcoming, after)

    # --- changes -------------------------------------------------------------------------

    async def apply(self, change: Change) -> Saved:
        """Store ``change`` (unless it changes nothing) and say when the next post goes out.

        A change that moves the post time (``reschedule``) makes a time already passed today not
        count as missed: without this the scheduler's catch-up would post at once, saying late.
        """
        schedule, now = change.schedule, self.clock.now()
        if not change.unchanged:
            await self._settings.save(schedule, at=now)
            self._remember_timezone(schedule.guild_id, schedule.timezone, time.monotonic())
            if change.reschedule:
                await self._skip_passed_today(schedule, now)
        upcoming = (await self.status(schedule.guild_id, now)).next_post_at if schedule.active else None
        return Saved(change, upcoming)

    async def _skip_passed_today(self, schedule: Schedule, now: dt.datetime) -> None:
        today = local_date_at(schedule, now)
        if today.weekday() in schedule.weekdays and now - scheduled_instant(schedule, today) > DEFAULT_LATE_AFTER:
            await self._posts.mark_skipped(schedule.key, today, at=now, reason=SKIPPED_AFTER_CHANGE)

    async def set_channel(self, guild_id: int, channel_id: int) -> Saved:
        """Post to ``channel_id`` (checked by the caller); clears a pause by the bot."""
        return await self.apply(changes.set_channel(await self.current(guild_id), channel_id))

    async def set_time(self, guild_id: int, text: str) -> Saved:
        """Post at the local time typed (``09:00``, ``9am``)."""
        return await self.apply(changes.set_time(await self.current(guild_id), text))

    async def set_timezone(self, guild_id: int, text: str) -> Saved:
        """Take the post time in the timezone typed (a city or tz database name)."""
        return await self.apply(changes.set_timezone(await self.current(guild_id), text))

    async def set_days(self, guild_id: int, text: str) -> Saved:
        """Post on the days typed (``weekdays``, ``mon-fri``, ``mon,wed,fri``)."""
        return await self.apply(changes.set_days(await self.current(guild_id), text))

    async def set_packs(self, guild_id: int, text: str, library: Library) -> Saved:
        """Post from the packs typed (``all``, or ids or names separated by commas)."""
        return await self.apply(changes.set_packs(await self.current(guild_id), text, library))

    async def set_empty_days(self, guild_id: int, mode: str) -> Saved:
        """What to post on a day with nothing: ``skip``, ``week`` or ``article``."""
        return await self.apply(changes.set_empty_days(await self.current(guild_id), mode))

    async def set_role(self, guild_id: int, role_id: int | None) -> Saved:
        """Ping ``role_id`` with each post (None: ping nobody)."""
        return await self.apply(changes.set_role(await self.current(guild_id), role_id))

    async def pause(self, guild_id: int) -> Saved:
        """Stop posting; the settings are kept."""
        return await self.apply(changes.pause(await self.current(guild_id)))

    async def resume(self, guild_id: int) -> Saved:
        """Start posting again (needs a channel)."""
        return await self.apply(changes.resume(await self.current(guild_id)))

    # --- the next post -------------------------------------------------------------------

    async def preview(self, guild_id: int, library: Library) -> Preview:
        """Exactly what the next daily post will be, and when."""
        now = self.clock.now()
        status = await self.status(guild_id, now)
        schedule = status.schedule
        when = status.next_post_at or next_post_at(schedule, now, status.last_day, self.catchup)
        post = await post_for(self._posts, library, schedule, local_date_at(schedule, when), scheduled_at=when)
        return Preview(schedule, when, post)

    async def test_post(self, guild_id: int, library: Library) -> tuple[Schedule, DailyPost]:
        """Today's post for ``/settings test-post``: on an empty day, that week, then an article."""
        current = await self.current(guild_id)
        require_channel(current)
        today = local_date_at(current, self.clock.now())
        fallbacks: tuple[EmptyDay, ...] = (current.empty_day, "week", "article")
        for empty_day in fallbacks:
            post = await post_for(self._posts, library, dataclasses.replace(current, empty_day=empty_day), today)
            if post is not None:
                return current, post
        raise UserInputError("There is nothing in the chosen packs to post. Check `/settings packs`.")
