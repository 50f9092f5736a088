"""The daily post as data: what one schedule posts on one local day, and how it is chosen.

Pure: the application layer (:mod:`bot.services.daily`) decides *when* and delivers it; the
ui (:mod:`bot.ui.daily`) draws it. Both see the same :class:`DailyPost`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from bot.core.models import Article, Event, Library
from bot.core.onthisday import POST_LIMIT, events_on, pick_for_day, select_for_post
from bot.core.scheduling import Schedule

#: Events posted to a server within this many days are avoided when the day has others.
RECENT_DAYS = 60

PostKind = Literal["events", "week", "article", "digest"]

#: Days a weekly digest covers (the post's day and the six after it).
DIGEST_DAYS = 7
#: Events a weekly digest lists at most (one line each; a select menu holds 25 options).
DIGEST_LIMIT = 25


# --- the post --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DailyPost:
    """What to post for one schedule on one local day. The adapter turns it into an embed."""

    guild_id: int
    schedule_id: int
    local_date: dt.date
    kind: PostKind
    #: Chronological; the day's events ("events") or the nearest days' ("week").
    events: tuple[Event, ...] = ()
    #: The article for an empty day with ``empty_day = "article"``.
    article: Article | None = None
    #: How many events there were to choose from (more than ``len(events)`` when some were left out).
    total: int = 0
    late: bool = False
    #: When the post was due (UTC), for the "late" note.
    scheduled_at: dt.datetime | None = None
    timezone: str = "UTC"
    #: Stable per (server, schedule, day), at most 25 characters: Discord's ``nonce`` with
    #: ``enforce_nonce`` makes a repeated send within a few minutes return the first message.
    nonce: str = ""
    #: A weekly digest: each day of the coming week that has events, with them (``events`` has them all).
    days: tuple[tuple[dt.date, tuple[Event, ...]], ...] = ()

    @property
    def entry_ids(self) -> tuple[str, ...]:
        if self.article is not None:
            return (self.article.id,)
        return tuple(e.id for e in self.events)


#: Discord's longest thread name.
THREAD_NAME_LIMIT = 100


def thread_name(post: DailyPost) -> str:
    """The discussion thread's name: the post's main event (or article), or the digest's week."""
    if post.kind == "digest":
        name = f"The week from {post.local_date.isoformat()}"
    elif post.article is not None:
        name = post.article.title
    elif post.events:
        name = post.events[0].title
    else:
        name = f"On this day, {post.local_date.isoformat()}"
    name = " ".join(name.split())
    return name if len(name) <= THREAD_NAME_LIMIT else name[: THREAD_NAME_LIMIT - 1].rstrip() + "…"


def post_nonce(guild_id: int, schedule_id: int, local_date: dt.date) -> str:
    """A 20-character nonce that is the same for every attempt at one day's post."""
    digest = hashlib.blake2b(f"{guild_id}:{schedule_id}:{local_date.isoformat()}".encode(), digest_size=9)
    return "fb" + digest.hexdigest()


def _seeded(schedule: Schedule, local_date: dt.date) -> random.Random:
    return random.Random(f"from-below:article:{schedule.guild_id}:{schedule.schedule_id}:{local_date.isoformat()}")


def pick_article(
    library: Library,
    packs: Collection[str] | None,
    recent_ids: Collection[str],
    rng: random.Random,
    tags: Collection[str] | None = None,
) -> Article | None:
    pool = sorted(
        (
            a
            for a in library.articles.values()
            if (packs is None or a.pack in packs) and (tags is None or any(t in tags for t in a.tags))
        ),
        key=lambda a: a.id,
    )
    fresh = [a for a in pool if a.id not in recent_ids]
    pool = fresh or pool
    return rng.choice(pool) if pool else None


def build_post(
    library: Library,
    schedule: Schedule,
    local_date: dt.date,
    recent_ids: Collection[str],
    late: bool,
    *,
    scheduled_at: dt.datetime | None = None,
    limit: int = POST_LIMIT,
) -> DailyPost | None:
    """The post for ``local_date``, or None when there is nothing to post (an empty day with ``skip``).

    The day's events come first (29 February events show on 28 February in other years).
    On a day with none, ``schedule.empty_day`` decides: ``skip`` posts nothing, ``week`` posts
    the nearest days' events (up to three days either side), ``article`` an article from the
    library. Anything in ``recent_ids`` is avoided whenever something else is available; the
    pick is deterministic per server and day, so a retry or a restart rebuilds the same post.
    """
    packs = schedule.packs

    def make(kind: PostKind, events: tuple[Event, ...], article: Article | None, total: int) -> DailyPost:
        return DailyPost(
            guild_id=schedule.guild_id,
            schedule_id=schedule.schedule_id,
            local_date=local_date,
            kind=kind,
            events=events,
            article=article,
            total=total,
            late=late,
            scheduled_at=scheduled_at,
            timezone=schedule.timezone,
            nonce=post_nonce(schedule.guild_id, schedule.schedule_id, local_date),
        )

    y, m, d = local_date.year, local_date.month, local_date.day
    day = select_for_post(
        library,
        y,
        m,
        d,
        guild_id=schedule.guild_id,
        recent_ids=recent_ids,
        packs=packs,
        limit=limit,
        tags=schedule.tags,
    )
    if day.events and not day.nearby:
        return make("events", day.events, None, day.total)
    if schedule.empty_day == "week":
        return make("week", day.events, None, day.total) if day.events else None
    if schedule.empty_day == "article":
        article = pick_article(library, packs, recent_ids, _seeded(schedule, local_date), schedule.tags)
        if article is None:
            return None
        return make("article", (), article, 1)
    return None


def _week_events(library: Library, schedule: Schedule, first: dt.date) -> list[tuple[dt.date, list[Event]]]:
    """The schedule's events on each of the seven days from ``first`` (an event only once)."""
    found: list[tuple[dt.date, list[Event]]] = []
    seen: set[str] = set()
    for offset in range(DIGEST_DAYS):
        day = first + dt.timedelta(days=offset)
        on_day = events_on(library, day.month, day.day, year=day.year, packs=schedule.packs, tags=schedule.tags)
        events = [e for e in on_day if e.id not in seen]
        seen.update(e.id for e in events)
        found.append((day, events))
    return found


def _round_robin_shares(sizes: list[int], limit: int) -> list[int]:
    """How many of each day's events a digest shows: one more for each day that has more, until
    ``limit`` in all, so a busy day does not crowd out the others."""
    shares = [0] * len(sizes)
    left = min(limit, sum(sizes))
    while left > 0:
        for i, size in enumerate(sizes):
            if left > 0 and shares[i] < size:
                shares[i] += 1
                left -= 1
    return shares


def build_digest(
    library: Library,
    schedule: Schedule,
    local_date: dt.date,
    recent_ids: Collection[str],
    late: bool,
    *,
    scheduled_at: dt.datetime | None = None,
    limit: int = DIGEST_LIMIT,
) -> DailyPost | None:
    """A weekly digest: the events of ``local_date`` and the six days after it, grouped by day,
    or None when the week has none.

    At most ``limit`` events in all (a select menu opens any of them, and holds 25), shared out
    day by day so a busy day does not crowd out the others; each day's are picked as a daily
    post picks them. The schedule's packs and tags apply; events it posted recently are avoided
    when a day has others. Deterministic per server, schedule and week, so a retry rebuilds it.
    """
    found = _week_events(library, schedule, local_date)
    total = sum(len(events) for _, events in found)
    shares = _round_robin_shares([len(events) for _, events in found], limit)
    days: list[tuple[dt.date, tuple[Event, ...]]] = []
    for (day, events), share in zip(found, shares, strict=True):
        picked = pick_for_day(
            events,
            year=day.year,
            month=day.month,
            day=day.day,
            guild_id=schedule.guild_id,
            recent_ids=recent_ids,
            limit=share,
        )
        if picked:
            days.append((day, picked))
    if not days:
        return None
    return DailyPost(
        guild_id=schedule.guild_id,
        schedule_id=schedule.schedule_id,
        local_date=local_date,
        kind="digest",
        events=tuple(e for _, events in days for e in events),
        total=total,
        late=late,
        scheduled_at=scheduled_at,
        timezone=schedule.timezone,
        nonce=post_nonce(schedule.guild_id, schedule.schedule_id, local_date),
        days=tuple(days),
    )
