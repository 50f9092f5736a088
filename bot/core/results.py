"""What the application layer returns: plain records the ui draws and the front ends pass on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.changes import Change
from bot.core.models import Event
from bot.core.posts import DailyPost
from bot.core.scheduling import Schedule
from bot.core.search import SearchResults


@dataclass(frozen=True, slots=True)
class EventSearch:
    """``/event search``: the first page of hits, the filters in words, and how to fetch more."""

    first: SearchResults
    conditions: str
    fetch: Callable[[int, int], SearchResults]

    def page(self, offset: int, limit: int) -> SearchResults:
        return self.first if offset == 0 and limit == len(self.first.hits) else self.fetch(offset, limit)


@dataclass(frozen=True, slots=True)
class DayResult:
    """``/onthisday``: the day asked for, its events (or the nearest days'), and the timezone
    named when the day was relative (``today``)."""

    month: int
    day: int
    events: tuple[Event, ...]
    nearby: bool
    timezone: str
    #: The year it is where the day was asked for (events show how long ago they were); None: not shown.
    year: int | None = None


@dataclass(frozen=True, slots=True)
class TimelineResult:
    events: tuple[Event, ...]
    conditions: str


@dataclass(frozen=True, slots=True)
class Saved:
    """A change that was stored, and when the next post goes out after it (None: none while off)."""

    change: Change
    next_post_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Preview:
    """``/settings preview``: the schedule, when its next post goes out, and that post (None: nothing)."""

    schedule: Schedule
    at: dt.datetime
    post: DailyPost | None
