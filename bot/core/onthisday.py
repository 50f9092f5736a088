"""What happened on a day of the year, the daily post's pick, and the timeline filter.

Rules:

* Only day-precise events appear on a day; an event spanning several days appears on each day
  it covers (on its first and last day only when it lasts longer than 15 days; see
  :attr:`Library.by_month_day`). Events are listed in chronological order.
* **29 February**: an event dated 29 February appears on 29 February in leap years and on
  28 February in other years (when ``year`` is given and is not a leap year). Asked for
  29 February directly, its events are shown.
* **Overviews and their parts**: an overview event spanning several days (the Romanian
  Revolution, 16–25 December 1989) is left out of a day on which one of its own parts (an event
  whose ``part_of`` names it, such as the Timișoara massacre) is shown, so a day never lists the
  overview beside its detail. On days with no part shown, the overview appears as usual.
* **This week in history**: when a day has nothing, the events of the nearest days up to three
  days either side are used instead (nearest days first, then chronologically).
* **The daily pick**: when a day has more events than a post holds, :func:`pick_for_day` picks
  at random, seeded by ``(year, month, day, guild id)``: the same server gets the same pick all
  day (and after a restart), and a different pick on the same day next year. Recently posted
  event ids are avoided whenever the day has any other event to show.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.autocomplete import fold_key, place_key
from bot.core.models import Event, Library

#: How many events a daily post shows at most.
POST_LIMIT = 5
#: How far either side of an empty day to look for "this week in history".
NEARBY_DAYS = 3
#: A leap year used for day arithmetic when no year is given (so 29 February exists).
_LEAP_REFERENCE_YEAR = 2000


@dataclass(frozen=True, slots=True)
class DayEntries:
    """The events for one day of the year."""

    month: int
    day: int
    events: tuple[Event, ...]
    #: True when the day itself had nothing and ``events`` come from up to 3 days either side.
    nearby: bool = False
    #: How many events there were to choose from (more than ``len(events)`` after a pick).
    total: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.events


def _allowed(
    events: Iterable[Event], packs: Collection[str] | None, tags: Collection[str] | None = None
) -> list[Event]:
    """``events`` in one of ``packs`` and with any of ``tags`` (None: no restriction)."""
    if packs is None and tags is None:
        return list(events)
    return [
        e for e in events if (packs is None or e.pack in packs) and (tags is None or any(t in tags for t in e.tags))
    ]


def without_covered_overviews(events: Sequence[Event]) -> list[Event]:
    """``events`` less every overview one of whose parts (``part_of``) is among them, order kept."""
    covered = {e.part_of for e in events if e.part_of is not None}
    if not covered:
        return list(events)
    return [e for e in events if e.id not in covered]


def events_on(
    library: Library,
    month: int,
    day: int,
    *,
    year: int | None = None,
    packs: Collection[str] | None = None,
    tags: Collection[str] | None = None,
) -> tuple[Event, ...]:
    """Day-precise events on (or spanning) ``month``-``day``, chronologically.

    With ``year`` a non-leap year and the day 28 February, the events of 29 February are
    included too. ``packs`` restricts the result to those packs, ``tags`` to events with any of
    those tags. An overview is left out when
    one of its parts is in the result (see :func:`without_covered_overviews`).
    """
    found = _allowed(library.by_month_day.get((month, day), ()), packs, tags)
    if (month, day) == (2, 28) and year is not None and not calendar.isleap(year):
        leap_day = _allowed(library.by_month_day.get((2, 29), ()), packs, tags)
        if leap_day:
            seen = {e.id for e in found}
            found.extend(e for e in leap_day if e.id not in seen)
            found.sort(key=lambda e: e.sort_key)
    return tuple(without_covered_overviews(found))


def _shift(month: int, day: int, year: int | None, offset: int) -> tuple[int, int]:
    reference = year if year is not None else _LEAP_REFERENCE_YEAR
    if (month, day) == (2, 29) and not calendar.isleap(reference):
        reference = _LEAP_REFERENCE_YEAR
    moved = dt.date(reference, month, day) + dt.timedelta(days=offset)
    return (moved.month, moved.day)


def on_this_day(
    library: Library,
    month: int,
    day: int,
    *,
    year: int | None = None,
    packs: Collection[str] | None = None,
    window: int = NEARBY_DAYS,
    tags: Collection[str] | None = None,
) -> DayEntries:
    """Every event for the day; if there is none, those of the nearest days within ``window``.

    ``year`` is the year the day is being shown in (for the 29 February rule and for which days
    are neighbours); leave it out to treat the day as in a leap year.
    """
    exact = events_on(library, month, day, year=year, packs=packs, tags=tags)
    if exact:
        return DayEntries(month, day, exact, nearby=False, total=len(exact))
    nearby: list[Event] = []
    seen: set[str] = set()
    for distance in range(1, window + 1):
        for offset in (-distance, distance):
            shifted = _shift(month, day, year, offset)
            for event in events_on(library, *shifted, year=year, packs=packs, tags=tags):
                if event.id not in seen:
                    seen.add(event.id)
                    nearby.append(event)
    nearby = without_covered_overviews(nearby)
    return DayEntries(month, day, tuple(nearby), nearby=bool(nearby), total=len(nearby))


def pick_for_day(
    events: Sequence[Event],
    *,
    year: int,
    month: int,
    day: int,
    guild_id: int | None = None,
    recent_ids: Collection[str] = frozenset(),
    packs: Collection[str] | None = None,
    limit: int = POST_LIMIT,
) -> tuple[Event, ...]:
    """At most ``limit`` of ``events`` for a post, chronologically; deterministic per day and server.

    Events in ``recent_ids`` are left out when any other event is available (if every event is
    recent, they are used rather than posting nothing). ``packs`` restricts to those packs.
    The choice depends only on the set of events and on ``(year, month, day, guild_id)``, not
    on the order the events are given in.
    """
    pool = _allowed(events, packs)
    fresh = [e for e in pool if e.id not in recent_ids]
    if fresh:
        pool = fresh
    pool = sorted({e.id: e for e in pool}.values(), key=lambda e: e.id)
    if limit <= 0 or not pool:
        return ()
    if len(pool) > limit:
        rng = random.Random(f"from-below:{year:04d}-{month:02d}-{day:02d}:{guild_id or 0}")
        pool = rng.sample(pool, limit)
    return tuple(sorted(pool, key=lambda e: e.sort_key))


def select_for_post(
    library: Library,
    year: int,
    month: int,
    day: int,
    *,
    guild_id: int | None = None,
    recent_ids: Collection[str] = frozenset(),
    packs: Collection[str] | None = None,
    limit: int = POST_LIMIT,
    tags: Collection[str] | None = None,
) -> DayEntries:
    """The events a daily post shows on ``year``-``month``-``day``: :func:`on_this_day` then a pick."""
    entries = on_this_day(library, month, day, year=year, packs=packs, tags=tags)
    picked = pick_for_day(
        entries.events, year=year, month=month, day=day, guild_id=guild_id, recent_ids=recent_ids, limit=limit
    )
    return DayEntries(month, day, picked, nearby=entries.nearby, total=entries.total)


def timeline(
    library: Library,
    from_year: int | None = None,
    to_year: int | None = None,
    tag: str | None = None,
    place: str | None = None,
    packs: Collection[str] | None = None,
) -> list[Event]:
    """Events (of any precision) from ``from_year`` to ``to_year`` inclusive, chronologically.

    ``tag`` must be one of the event's tags; ``place`` one of its places or countries (compared
    folded, so ``gdansk`` matches ``Gdańsk``); ``packs`` restricts to those packs. A reversed
    range is read the right way round.
    """
    events = library.chronological
    if from_year is not None and to_year is not None and from_year > to_year:
        from_year, to_year = to_year, from_year
    lo = 0 if from_year is None else bisect.bisect_left(events, from_year, key=lambda e: e.date.year)
    hi = len(events) if to_year is None else bisect.bisect_right(events, to_year, key=lambda e: e.date.year)
    tag_key = tag.strip().lower() if tag else None
    at_place = _place_index(library).get(fold_key(place), frozenset()) if place else None
    found = []
    for event in events[lo:hi]:
        if packs is not None and event.pack not in packs:
            continue
        if tag_key is not None and tag_key not in event.tags:
            continue
        if at_place is not None and event.id not in at_place:
            continue
        found.append(event)
    return found


_place_cache: tuple[Library, Mapping[str, frozenset[str]]] | None = None


def _place_index(library: Library) -> Mapping[str, frozenset[str]]:
    """Folded place or country -> ids of the events there; built once per library."""
    global _place_cache
    cached = _place_cache
    if cached is not None and cached[0] is library:
        return cached[1]
    index: dict[str, set[str]] = {}
    for event in library.events.values():
        for name in (*event.places, *event.countries):
            index.setdefault(place_key(name), set()).add(event.id)
    frozen = {k: frozenset(v) for k, v in index.items()}
    _place_cache = (library, frozen)
    return frozen
