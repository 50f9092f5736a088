"""The typed, immutable library model. Built by the content loader; queried by everything else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.core.dates import MONTH_NAMES, HistoricalDate, Precision

#: Length limits that keep every summary displayable in one Discord embed.
SUMMARY_LIMITS: Mapping[str, int] = MappingProxyType({"short": 200, "medium": 700, "long": 2000})
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 1000
KEY_POINT_LIMIT = 300
NOTE_LIMIT = 700

#: The summary lengths an article has, shortest first.
SUMMARY_LENGTHS = ("short", "medium", "long")


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class ContextNote:
    """Where the historical record differs from (or adds to) an article's claim."""

    note: str
    sources: tuple[Source, ...]
    claim: str = ""


@dataclass(frozen=True, slots=True)
class Summaries:
    short: str
    medium: str
    long: str

    def get(self, length: str) -> str:
        if length == "short":
            return self.short
        if length == "long":
            return self.long
        return self.medium


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    date: HistoricalDate
    places: tuple[str, ...]
    countries: tuple[str, ...]
    description: str
    tags: tuple[str, ...]
    sources: tuple[Source, ...]
    pack: str
    end_date: HistoricalDate | None = None
    old_style_date: tuple[int, int, int] | None = None
    related_events: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    #: The id of the multi-day overview event this event is a part of (one level only).
    part_of: str | None = None

    @property
    def kind(self) -> str:
        return "event"

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def is_day_precise(self) -> bool:
        return self.date.precision is Precision.DAY

    @property
    def sort_key(self) -> tuple[tuple[int, int, int], str]:
        return (self.date.sort_key, self.id)

    def span_days(self) -> tuple[dt.date, dt.date] | None:
        """The first and last day of a day-precise event (equal for a one-day event)."""
        if not self.is_day_precise:
            return None
        start = self.date.first_day()
        if self.end_date is None:
            return (start, start)
        return (start, self.end_date.last_day())

    def date_label(self) -> str:
        """``17 June 1953``, ``17–19 June 1953``, with the old style added where known."""
        label = self.date.human()
        if self.end_date is not None:
            label = f"{label} – {self.end_date.human()}"
        if self.old_style_date is not None:
            y, m, d = self.old_style_date
            label = f"{label} (old style: {d} {MONTH_NAMES[m - 1]} {y})"
        return label

    @property
    def place_label(self) -> str:
        places = ", ".join(self.places)
        countries = ", ".join(c for c in self.countries if c not in self.places)
        return f"{places}, {countries}" if countries else places


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    authors: tuple[str, ...]
    publication: str
    published: HistoricalDate
    summaries: Summaries
    key_points: tuple[str, ...]
    argument: str
    tags: tuple[str, ...]
    events: tuple[str, ...]
    pack: str
    issue: str = ""
    url: str = ""
    context_notes: tuple[ContextNote, ...] = ()
    body: str = ""
    summaries_generated: bool = False

    @property
    def kind(self) -> str:
        return "article"

    @property
    def year(self) -> int:
        return self.published.year

    @property
    def byline(self) -> str:
        return " and ".join(self.authors) if len(self.authors) <= 2 else ", ".join(self.authors)


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    name: str
    description: str
    language: str
    credits: tuple[str, ...]
    licence: str
    path: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Library:
    """Every loaded pack, article and event, indexed by id. Immutable once built."""

    packs: Mapping[str, Pack]
    articles: Mapping[str, Article]
    events: Mapping[str, Event]
    tags: frozenset[str] = frozenset()
    #: Events sorted chronologically (date, then id).
    chronological: tuple[Event, ...] = field(default=())
    #: (month, day) -> day-precise events on (or spanning) that day, chronologically.
    by_month_day: Mapping[tuple[int, int], tuple[Event, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        packs: Mapping[str, Pack],
        articles: Mapping[str, Article],
        events: Mapping[str, Event],
        tags: frozenset[str] = frozenset(),
    ) -> Library:
        chronological = tuple(sorted(events.values(), key=lambda e: e.sort_key))
        days: dict[tuple[int, int], list[Event]] = {}
        for event in chronological:
            span = event.span_days()
            if span is None:
                continue
            start, end = span
            # A long span (a months-long strike) is listed on its first and last day only;
            # day-by-day listing is for events of at most two weeks.
            if (end - start).days > 14:
                covered = [start, end]
            else:
                covered = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
            seen: set[tuple[int, int]] = set()
            for day in covered:
                key = (day.month, day.day)
                if key not in seen:
                    seen.add(key)
                    days.setdefault(key, []).append(event)
        return cls(
            packs=MappingProxyType(dict(packs)),
            articles=MappingProxyType(dict(articles)),
            events=MappingProxyType(dict(events)),
            tags=tags,
            chronological=chronological,
            by_month_day=MappingProxyType({k: tuple(v) for k, v in days.items()}),
        )

    @classmethod
    def empty(cls) -> Library:
        return cls.build({}, {}, {})

    def __iter__(self) -> Iterator[Event]:
        return iter(self.chronological)

    @property
    def day_count(self) -> int:
        """How many calendar days (month-day) have at least one day-precise event starting on them."""
        return len({(e.date.month, e.date.day) for e in self.events.values() if e.is_day_precise})

    @property
    def missing_days(self) -> tuple[tuple[int, int], ...]:
        """The (month, day) pairs of a leap year on which no day-precise event starts, in order."""
        covered = {(e.date.month, e.date.day) for e in self.events.values() if e.is_day_precise}
        leap_year = (dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(366))
        return tuple((d.month, d.day) for d in leap_year if (d.month, d.day) not in covered)

    def restricted_to(self, pack_ids: frozenset[str] | set[str]) -> Library:
        """The same library with only the given packs' articles and events."""
        return Library.build(
            {k: v for k, v in self.packs.items() if k in pack_ids},
            {k: v for k, v in self.articles.items() if v.pack in pack_ids},
            {k: v for k, v in self.events.items() if v.pack in pack_ids},
            self.tags,
        )
