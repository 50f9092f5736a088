"""Looking things up: what ``/event``, ``/article``, ``/onthisday`` and ``/timeline`` find.

:class:`Lookups` resolves what someone typed against the library and its search index and
returns core objects or small result records; the ui (:mod:`bot.ui.listing`) turns those into
pages. Bad input raises a :class:`~bot.core.errors.DomainError` whose message is shown as is.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TypeVar

from bot.core.autocomplete import Autocompleter, article_choice_name, event_choice_name
from bot.core.daytext import local_today, parse_day
from bot.core.errors import NotFoundError, UserInputError
from bot.core.match import match_article, match_event, no_match_text
from bot.core.models import SUMMARY_LENGTHS, Article, Event, Library
from bot.core.onthisday import on_this_day, timeline
from bot.core.results import DayResult, EventSearch, TimelineResult
from bot.core.search import SearchFilters, SearchIndex, SearchResults, describe_filters, filters_phrase, query_terms
from bot.core.text import escape_markdown, quote_user
from bot.core.timezones import timezone_label

_Item = TypeVar("_Item", Event, Article)


def check_length(length: str | None) -> str:
    """``short``, ``medium`` (the default) or ``long``; anything else is a friendly error."""
    value = (length or "medium").strip().lower()
    if value not in SUMMARY_LENGTHS:
        raise UserInputError(f"The length can be short, medium or long, not {quote_user(value, 30)}.")
    return value


def year_range(year: int | None, from_year: int | None, to_year: int | None) -> tuple[int | None, int | None]:
    """``year`` alone, or ``from_year``/``to_year`` (either order); not both kinds at once."""
    if year is not None:
        if from_year is not None or to_year is not None:
            raise UserInputError("Give either `year`, or `from_year` and/or `to_year`, not both.")
        return year, year
    if from_year is not None and to_year is not None and from_year > to_year:
        return to_year, from_year
    return from_year, to_year


def _blank_is_none(text: str | None) -> str | None:
    """An optional filter typed as only spaces is not given."""
    return text.strip() if text is not None and text.strip() else None


class Lookups:
    """Every lookup over one library and its search index."""

    def __init__(self, library: Library, index: SearchIndex) -> None:
        self.library = library
        self.index = index

    @property
    def autocomplete(self) -> Autocompleter:
        """Name lookups for the library (event, article, place and tag suggestions)."""
        return self.index.autocompleter

    @cached_property
    def known_tags(self) -> frozenset[str]:
        """Every tag in the vocabulary or on an event."""
        return frozenset({t for e in self.library.events.values() for t in e.tags} | set(self.library.tags))

    # --- one item ------------------------------------------------------------------------

    def find_event(self, text: str, packs: frozenset[str] | None = None) -> Event:
        """The event whose id was picked from autocomplete, or that free text names well enough.

        Below :data:`bot.core.match.MATCH_THRESHOLD` nothing is opened: the answer says so and
        offers up to three suggestions.
        """
        found = match_event(self.library, self.autocomplete, text, packs)
        if found.best is None:
            labels = [escape_markdown(event_choice_name(e)) for e in found.suggestions]
            hint = "Start typing and pick one of the suggestions, or try `/event search`."
            raise NotFoundError(no_match_text("event", found.query, labels, hint))
        return found.best

    def find_article(self, text: str, packs: frozenset[str] | None = None) -> Article:
        """The article whose id was picked from autocomplete, or that free text names well enough."""
        found = match_article(self.library, self.autocomplete, text, packs)
        if found.best is None:
            labels = [escape_markdown(article_choice_name(a)) for a in found.suggestions]
            hint = "Start typing and pick one of the suggestions, or see `/article list`."
            raise NotFoundError(no_match_text("article", found.query, labels, hint))
        return found.best

    def event(self, event_id: str) -> Event:
        """The event a menu option opens (the library may have been reloaded since it was shown)."""
        event = self.library.events.get(event_id)
        if event is None:
            raise NotFoundError(
                "That event is no longer in the library (it may have been updated). Try `/event search`."
            )
        return event

    def article(self, article_id: str) -> Article:
        """The article a menu option or button opens (the library may have been reloaded since)."""
        article = self.library.articles.get(article_id)
        if article is None:
            raise NotFoundError("That article is no longer in the library (it may have been updated).")
        return article

    # --- lists ---------------------------------------------------------------------------

    def check_tag(self, tag: str | None) -> str | None:
        """A known tag, lowercased; an unknown one is a friendly error."""
        if tag is None or not tag.strip():
            return None
        value = tag.strip().lower()
        if value not in self.known_tags:
            raise UserInputError(
                f"There is no tag {quote_user(value, 50)} in the library. Start typing to see the tags there are."
            )
        return value

    def search_events(
        self,
        query: str,
        *,
        year: int | None = None,
        from_year: int | None = None,
        to_year: int | None = None,
        place: str | None = None,
        tag: str | None = None,
        packs: frozenset[str] | None = None,
        per_page: int = 5,
    ) -> EventSearch:
        """``/event search``: ranked results; nothing found is a :class:`NotFoundError`."""
        lo, hi = year_range(year, from_year, to_year)
        place, tag = _blank_is_none(place), _blank_is_none(tag)
        narrowed = lo is not None or hi is not None or place is not None or tag is not None
        if not query_terms(query) and not narrowed:
            # The index would browse every event; "524 events for **🔥**" answers nothing asked.
            raise UserInputError(
                f"There are no words to search for in {quote_user(query, 50)}. Type a word or two, like strike "
                "or Budapest, or add a year, place or tag; to browse every event, use `/timeline`."
            )
        filters = SearchFilters(
            year_from=lo, year_to=hi, place=place, tag=self.check_tag(tag), packs=packs, kind="event"
        )
        # A place with no letters or digits ("*", "🔥") names no place; the index would ignore it.
        nameless_place = place is not None and not any(ch.isalnum() for ch in place)
        first = self.index.search(query, filters, limit=per_page, offset=0)
        conditions = describe_filters(year=year, from_year=from_year, to_year=to_year, place=place, tag=tag)
        if first.is_empty or nameless_place:
            where = f" ({conditions})" if conditions else ""
            raise NotFoundError(f"No events match {quote_user(first.query, 100)}{where}. Try fewer or different words.")

        def fetch(offset: int, limit: int) -> SearchResults:
            """Another page of the same search."""
            return self.index.search(query, filters, limit=limit, offset=offset)

        return EventSearch(first, conditions, fetch)

    def articles(self, packs: frozenset[str] | None = None) -> list[Article]:
        """``/article list``: every article, oldest first."""
        found = sorted(
            (a for a in self.library.articles.values() if packs is None or a.pack in packs),
            key=lambda a: (a.published.sort_key, a.title),
        )
        if not found:
            raise NotFoundError("There are no articles in the library yet.")
        return found

    def on_this_day(
        self, date_text: str | None, timezone: str, now_utc: dt.datetime, packs: frozenset[str] | None = None
    ) -> DayResult:
        """``/onthisday [date]``: a day's events (``today`` in ``timezone``), or that week in history."""
        text = (date_text or "today").strip()
        day = parse_day(text, timezone, now_utc)
        entries = on_this_day(self.library, day.month, day.day, year=day.year, packs=packs)
        relative = not any(ch.isdigit() for ch in text)
        where = timezone_label(timezone) if relative else ""
        year = local_today(timezone, now_utc).year
        return DayResult(day.month, day.day, tuple(entries.events), entries.nearby, where, year)

    def timeline(
        self,
        from_year: int | None = None,
        to_year: int | None = None,
        tag: str | None = None,
        place: str | None = None,
        packs: frozenset[str] | None = None,
    ) -> TimelineResult:
        """``/timeline``: events in chronological order, filtered by years, tag and place."""
        lo, hi = year_range(None, from_year, to_year)
        place, tag = _blank_is_none(place), _blank_is_none(tag)
        events = timeline(self.library, lo, hi, tag=self.check_tag(tag), place=place, packs=packs)
        conditions = describe_filters(from_year=lo, to_year=hi, place=place, tag=tag)
        if not events:
            phrase = filters_phrase(from_year=lo, to_year=hi, place=place, tag=tag)
            where = f" {phrase}" if phrase else ""
            raise NotFoundError(f"No events{where}. Try a wider range of years, or another place or tag.")
        return TimelineResult(tuple(events), conditions)
