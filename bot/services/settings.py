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
    ALL_WEEKDAYS,
    DEFAULT_CATCHUP,
    DEFAULT_LATE_AFTER,
    MAX_SCHEDULES,
    SCHEDULE_KINDS,
    WEEKLY_DEFAULT_DAYS,
    EmptyDay,
    Schedule,
    ScheduleStatus,
    find_schedule,
    local_date_at,
    next_post_at,
    parse_schedule_name,
    schedule_name_choices,
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

    async def current(self, guild_id: int, schedule: str | None = None) -> Schedule:
        """The schedule called ``schedule`` (default: the server's only or first one), or the
        defaults for a server never set up. An unknown name is a :class:`UserInputError`."""
        return find_schedule(await self._settings.for_guild(guild_id), schedule, guild_id)

    async def all(self, guild_id: int) -> list[Schedule]:
        """The server's stored schedules, first one first (empty for a server never set up)."""
        return await self._settings.for_guild(guild_id)

    async def names(self, guild_id: int, typed: str = "") -> list[str]:
        """Schedule names for autocomplete, matching what was typed."""
        return schedule_name_choices(await self._settings.for_guild(guild_id), typed)

    # --- several schedules ---------------------------------------------------------------

    async def add(self, guild_id: int, name: str, kind: str = "daily", channel_id: int | None = None) -> Saved:
        """A new schedule called ``name``: a ``daily`` post or a ``weekly`` digest. It takes the
        server's timezone (from its first schedule) and posts once it has a channel."""
        wanted = parse_schedule_name(name)
        if kind not in SCHEDULE_KINDS:
            raise UserInputError("Choose daily or weekly.")
        existing = await self._settings.for_guild(guild_id)
        if any(s.name == wanted for s in existing):
            raise UserInputError(f"This server already has a schedule called `{wanted}`. Choose another name.")
        if len(existing) >= MAX_SCHEDULES:
            raise UserInputError(
                f"A server can have at most {MAX_SCHEDULES} schedules. Remove one with `/settings remove` first."
            )
        if not existing:
            # The server's first schedule is the one every /settings command meant until now:
            # keep it (unset, as it was), so the new schedule is the second, not a replacement.
            first = Schedule(guild_id=guild_id)
            await self._settings.save(first, at=self.clock.now())
        else:
            first = existing[0]
        schedule = Schedule(
            guild_id=guild_id,
            schedule_id=await self._settings.next_id(guild_id),
            name=wanted,
            kind="weekly" if kind == "weekly" else "daily",
            timezone=first.timezone,
            weekdays=WEEKLY_DEFAULT_DAYS if kind == "weekly" else ALL_WEEKDAYS,
            channel_id=channel_id,
        )
        return await self.apply(changes.Change(schedule, "add", reschedule=True))

    async def remove(self, guild_id: int, schedule: str) -> Schedule:
        """Delete one schedule with its post history; the server's other schedules are untouched."""
        found = await self._stored(guild_id, schedule)
        await self._settings.delete(found.key)
        self._timezones.pop(guild_id, None)
        return found

    async def rename(self, guild_id: int, schedule: str, new_name: str) -> Saved:
        """Call a schedule by a new name (its settings and history stay)."""
        found = await self._stored(guild_id, schedule)
        wanted = parse_schedule_name(new_name)
        others = await self._settings.for_guild(guild_id)
        if any(s.name == wanted and s.schedule_id != found.schedule_id for s in others):
            raise UserInputError(f"This server already has a schedule called `{wanted}`. Choose another name.")
        changed = dataclasses.replace(found, name=wanted)
        return await self.apply(changes.Change(changed, "rename", unchanged=changed == found))

    async def _stored(self, guild_id: int, schedule: str | None) -> Schedule:
        stored = await self._settings.for_guild(guild_id)
        if not stored:
            raise UserInputError("This server has no schedules yet: set one up with `/settings channel`.")
        return find_schedule(stored, schedule, guild_id)

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

    async def status(
        self, guild_id: int, now_utc: dt.datetime | None = None, schedule: str | None = None
    ) -> ScheduleStatus:
        """Everything ``/settings show`` displays about one schedule: its settings, next post and last one."""
        now = now_utc if now_utc is not None else self.clock.now()
        stored = await self._settings.for_guild(guild_id)
        return await self._status(find_schedule(stored, schedule, guild_id), bool(stored), now)

    async def statuses(self, guild_id: int, now_utc: dt.datetime | None = None) -> list[ScheduleStatus]:
        """The status of every schedule of the server (the defaults for a server never set up)."""
        now = now_utc if now_utc is not None else self.clock.now()
        stored = await self._settings.for_guild(guild_id)
        if not stored:
            return [await self._status(Schedule(guild_id=guild_id), False, now)]
        return [await self._status(s, True, now) for s in stored]

    async def _status(self, schedule: Schedule, stored: bool, now: dt.datetime) -> ScheduleStatus:
        last = await self._posts.last_post(schedule.key)
        error = await self._settings.last_error(schedule.key)
        after = last.local_date if last else None
        upcoming = next_post_at(schedule, now, after, self.catchup) if schedule.active else None
        if last is not None and last.status == "skipped" and last.error == SKIPPED_AFTER_CHANGE:
            # Today's passed post time skipped by a change (a first channel, say) is not a post.
            last = await self._posts.last_post(schedule.key, except_skipped_for=SKIPPED_AFTER_CHANGE)
        return ScheduleStatus(schedule, stored, last, error, upcoming, after)

    # --- changes -------------------------------------------------------------------------

    async def apply(self, change: Change) -> Saved:
        """Store ``change`` (unless it changes nothing) and say when the next post goes out.

        A change that moves the post time (``reschedule``) makes a time already passed today not
        count as missed: without this the scheduler's catch-up would post at once, saying late.
        """
        schedule, now = change.schedule, self.clock.now()
        if not change.unchanged:
            await self._settings.save(schedule, at=now)
            # Lookups use the first schedule's timezone: read it again on the next lookup.
            self._timezones.pop(schedule.guild_id, None)
            if change.reschedule:
                await self._skip_passed_today(schedule, now)
        upcoming = (await self._status(schedule, True, now)).next_post_at if schedule.active else None
        return Saved(change, upcoming)

    async def _skip_passed_today(self, schedule: Schedule, now: dt.datetime) -> None:
        today = local_date_at(schedule, now)
        if today.weekday() in schedule.weekdays and now - scheduled_instant(schedule, today) > DEFAULT_LATE_AFTER:
            await self._posts.mark_skipped(schedule.key, today, at=now, reason=SKIPPED_AFTER_CHANGE)

    async def set_channel(self, guild_id: int, channel_id: int, schedule: str | None = None) -> Saved:
        """Post to ``channel_id`` (checked by the caller); clears a pause by the bot."""
        return await self.apply(changes.set_channel(await self.current(guild_id, schedule), channel_id))

    async def set_time(self, guild_id: int, text: str, schedule: str | None = None) -> Saved:
        """Post at the local time typed (``09:00``, ``9am``)."""
        return await self.apply(changes.set_time(await self.current(guild_id, schedule), text))

    async def set_timezone(self, guild_id: int, text: str, schedule: str | None = None) -> Saved:
        """Take the post time in the timezone typed (a city or tz database name)."""
        return await self.apply(changes.set_timezone(await self.current(guild_id, schedule), text))

    async def set_days(self, guild_id: int, text: str, schedule: str | None = None) -> Saved:
        """Post on the days typed (``weekdays``, ``mon-fri``, ``mon,wed,fri``)."""
        return await self.apply(changes.set_days(await self.current(guild_id, schedule), text))

    async def set_packs(self, guild_id: int, text: str, library: Library, schedule: str | None = None) -> Saved:
        """Post from the packs typed (``all``, or ids or names separated by commas)."""
        return await self.apply(changes.set_packs(await self.current(guild_id, schedule), text, library))

    async def set_tags(self, guild_id: int, text: str, library: Library, schedule: str | None = None) -> Saved:
        """Post only events with any of the tags typed (``any``: every event)."""
        return await self.apply(changes.set_tags(await self.current(guild_id, schedule), text, library))

    async def set_thread(self, guild_id: int, on: bool, schedule: str | None = None) -> Saved:
        """Open (or stop opening) a discussion thread on each post."""
        return await self.apply(changes.set_thread(await self.current(guild_id, schedule), on))

    async def set_empty_days(self, guild_id: int, mode: str, schedule: str | None = None) -> Saved:
        """What to post on a day with nothing: ``skip``, ``week`` or ``article``."""
        return await self.apply(changes.set_empty_days(await self.current(guild_id, schedule), mode))

    async def set_role(self, guild_id: int, role_id: int | None, schedule: str | None = None) -> Saved:
        """Ping ``role_id`` with each post (None: ping nobody)."""
        return await self.apply(changes.set_role(await self.current(guild_id, schedule), role_id))

    async def pause(self, guild_id: int, schedule: str | None = None) -> Saved:
        """Stop posting; the settings are kept."""
        return await self.apply(changes.pause(await self.current(guild_id, schedule)))

    async def resume(self, guild_id: int, schedule: str | None = None) -> Saved:
        """Start posting again (needs a channel)."""
        return await self.apply(changes.resume(await self.current(guild_id, schedule)))

    # --- the next post -------------------------------------------------------------------

    async def preview(self, guild_id: int, library: Library, schedule: str | None = None) -> Preview:
        """Exactly what the schedule's next post will be, and when."""
        now = self.clock.now()
        status = await self.status(guild_id, now, schedule)
        chosen = status.schedule
        when = status.next_post_at or next_post_at(chosen, now, status.last_day, self.catchup)
        post = await post_for(self._posts, library, chosen, local_date_at(chosen, when), scheduled_at=when)
        return Preview(chosen, when, post)

    async def test_post(
        self, guild_id: int, library: Library, schedule: str | None = None
    ) -> tuple[Schedule, DailyPost]:
        """Today's post for ``/settings test-post``: on an empty day, that week, then an article."""
        current = await self.current(guild_id, schedule)
        require_channel(current)
        today = local_date_at(current, self.clock.now())
        fallbacks: tuple[EmptyDay, ...] = (current.empty_day, "week", "article")
        for empty_day in fallbacks:
            post = await post_for(self._posts, library, dataclasses.replace(current, empty_day=empty_day), today)
            if post is not None:
                return current, post
        raise UserInputError("There is nothing in the chosen packs to post. Check `/settings packs`.")
