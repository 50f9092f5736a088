"""Paged answers: lookup results (:mod:`bot.services.lookups`) drawn as cards, page by page.

A :class:`Listing` builds each page on demand; the cogs show it with
:func:`bot.ui.pagination.send_listing`, the console prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.dates import MONTH_NAMES
from bot.core.models import Article, Event, Library
from bot.core.results import DayResult, EventSearch, TimelineResult
from bot.core.text import end_at_boundary, escape_markdown, excerpt, plural
from bot.ui.layout import (
    BULLET,
    DAY_PAGE_SIZE,
    Card,
    Option,
    article_events,
    article_option,
    day_card,
    event_line,
    event_option,
    event_summary_line,
    list_card,
    pack_footer,
    page_count,
)

#: Page sizes, as the cogs and the console use them.
EVENT_SEARCH_PER_PAGE = 5
ARTICLE_LIST_PER_PAGE = 6
DAY_PER_PAGE = DAY_PAGE_SIZE
TIMELINE_PER_PAGE = 6


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of a listing: its cards, and the items a menu would let you open."""

    cards: tuple[Card, ...]
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class Listing:
    """A paged answer: ``page(i)`` builds page ``i`` (0-based) on demand.

    ``opens`` says what the options open (``"event"`` or ``"article"``); ``placeholder`` is the
    select menu's placeholder.
    """

    pages: int
    page: Callable[[int], ListPage]
    opens: str = "event"
    placeholder: str = "Open an event…"


def search_listing(library: Library, found: EventSearch, per_page: int = EVENT_SEARCH_PER_PAGE) -> Listing:
    """``/event search``: ranked results with a snippet each."""
    first = found.first
    noun = "event" if first.total_exact and first.total == 1 else "events"
    intro = f"{first.total_label} {noun} for **{escape_markdown(first.query)}**" + (
        f" · {found.conditions}" if found.conditions else ""
    )

    def page(number: int) -> ListPage:
        results = found.page(number * per_page, per_page)
        events = [library.events[h.id] for h in results.hits if h.id in library.events]
        lines = []
        for hit in results.hits:
            event = library.events.get(hit.id)
            if event is None:
                continue
            place_label = f" · {event.place_label}" if event.place_label else ""
            snippet = end_at_boundary(hit.snippet)
            lines.append(f"**{escape_markdown(event.title)}** — {event.date_label()}{place_label}\n{snippet}")
        card = list_card(
            "Event search", lines, intro=intro, footer=pack_footer(library, [e.pack for e in events]), kind="list"
        )
        return ListPage((card,), tuple(event_option(e) for e in events))

    return Listing(page_count(first.total, per_page), page)


def article_listing(library: Library, articles: Sequence[Article], per_page: int = ARTICLE_LIST_PER_PAGE) -> Listing:
    """``/article list``: every article, oldest first."""

    def page(number: int) -> ListPage:
        chunk = articles[number * per_page : (number + 1) * per_page]
        lines = [
            f"**{escape_markdown(a.title)}**\n{a.byline} · {a.publication}, {a.published.human()}\n"
            f"{BULLET} {excerpt(a.summaries.short, 200)}"
            for a in chunk
        ]
        card = list_card(
            "Articles",
            lines,
            intro=f"{plural(len(articles), 'article')}. Pick one below to read its summary.",
            footer=pack_footer(library, [a.pack for a in chunk]),
            kind="article",
        )
        return ListPage((card,), tuple(article_option(a) for a in chunk))

    return Listing(page_count(len(articles), per_page), page, opens="article", placeholder="Open an article…")


def day_listing(library: Library, day: DayResult, per_page: int = DAY_PER_PAGE) -> Listing:
    """``/onthisday``: a day's events (or that week in history), page by page."""
    label = f"{day.day} {MONTH_NAMES[day.month - 1]}"

    def page(number: int) -> ListPage:
        chunk = day.events[number * per_page : (number + 1) * per_page]
        card = day_card(
            library,
            day.events,
            label,
            nearby=day.nearby,
            timezone=day.timezone,
            page=number,
            per_page=per_page,
            year=day.year,
        )
        return ListPage((card,), tuple(event_option(e) for e in chunk))

    return Listing(page_count(len(day.events), per_page), page)


def timeline_listing(library: Library, found: TimelineResult, per_page: int = TIMELINE_PER_PAGE) -> Listing:
    """``/timeline``: events in chronological order."""
    events: Sequence[Event] = found.events
    title = f"Timeline · {found.conditions}" if found.conditions else "Timeline"
    first_year, last_year = events[0].date.year, events[-1].date.year
    if first_year == last_year:
        span = f"in {first_year}"
    else:
        span = f"from {events[0].date.human()} to {events[-1].date.human()}"

    def page(number: int) -> ListPage:
        chunk = events[number * per_page : (number + 1) * per_page]
        card = list_card(
            title,
            [event_summary_line(e) for e in chunk],
            intro=f"{plural(len(events), 'event')} {span}.",
            footer=pack_footer(library, [e.pack for e in chunk]),
            kind="list",
        )
        return ListPage((card,), tuple(event_option(e) for e in chunk))

    return Listing(page_count(len(events), per_page), page)


ARTICLE_EVENTS_PER_PAGE = 10


def article_events_listing(library: Library, article: Article, per_page: int = ARTICLE_EVENTS_PER_PAGE) -> Listing:
    """The events an article mentions, in its order, one line each (its "Events (N)" button)."""
    events = article_events(library=library, article=article)
    title = f"Events in “{escape_markdown(article.title)}”"

    def page(number: int) -> ListPage:
        chunk = events[number * per_page : (number + 1) * per_page]
        lines = [event_line(e) for e in chunk] or ["None of the events this article mentions is in the library."]
        card = list_card(
            title,
            lines,
            intro=f"The article mentions {plural(len(events), 'event')}. Pick one below to open it.",
            footer=pack_footer(library, [e.pack for e in chunk]),
            kind="list",
        )
        return ListPage((card,), tuple(event_option(e) for e in chunk))

    return Listing(page_count(len(events), per_page), page)


def option_lines(options: Sequence[Option]) -> list[str]:
    """Numbered menu entries, for showing a page's options as text."""
    return [f"{n}. {o.label}" + (f" — {o.description}" if o.description else "") for n, o in enumerate(options, 1)]
