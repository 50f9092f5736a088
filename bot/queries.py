"""What each slash command computes, without Discord: resolve, filter, page, and say.

The cogs in :mod:`bot.exts` and the offline console (:mod:`bot.console`) answer the same
questions. Everything here takes core objects (the library, the search index, the
autocompleter, the database) and returns layout :class:`~bot.ui.layout.Card` objects, select
options and plain text; bad input raises a :class:`~bot.core.errors.DomainError` whose message
is shown as it is. Nothing here imports discord or :mod:`bot.exts`: neither the lookups nor the
settings helpers load discord.py (the wording comes from :mod:`bot.ui.settings_text` and the
post's cards from :mod:`bot.ui.daily`, both Discord-free).

* Lookups: :func:`resolve_event`, :func:`resolve_article`, :func:`event_by_id`,
  :func:`article_by_id`, :func:`event_search`, :func:`article_list`,
  :func:`on_this_day_listing`, :func:`timeline_listing`; filters: :func:`year_range`,
  :func:`check_tag`. The cogs show a :class:`Listing` with :func:`bot.ui.pagination.send_listing`.
* Daily-post settings: :func:`set_time`, :func:`set_timezone`, :func:`set_days`,
  :func:`set_packs`, :func:`set_empty_days`, :func:`pause`, :func:`resume`, :func:`next_line`,
  :func:`preview`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.autocomplete import article_choice_name, event_choice_name
from bot.core.dates import MONTH_NAMES
from bot.core.daytext import parse_day
from bot.core.errors import NotFoundError, UserInputError
from bot.core.match import match_article, match_event, no_match_text
from bot.core.models import Article, Event, Library
from bot.core.onthisday import on_this_day, timeline
from bot.core.scheduling import (
    EMPTY_DAY_CHOICES,
    EmptyDay,
    Schedule,
    format_post_time,
    format_weekdays,
    get_zone,
    local_date_at,
    next_post_at,
    parse_post_time,
    parse_weekdays,
    resolve_timezone,
)
from bot.core.search import SearchFilters, SearchIndex, query_terms
from bot.core.text import quote_user
from bot.ui.layout import (
    BULLET,
    DAY_PAGE_SIZE,
    Card,
    Option,
    article_option,
    day_card,
    describe_filters,
    escape_markdown,
    event_option,
    event_summary_line,
    list_card,
    pack_footer,
    page_count,
    shorten,
)

if TYPE_CHECKING:
    from bot.core.autocomplete import Autocompleter
    from bot.posting import DailyPost
    from bot.storage import Database

#: Page sizes, as the cogs use them.
EVENT_SEARCH_PER_PAGE = 5
ARTICLE_LIST_PER_PAGE = 6
DAY_PER_PAGE = DAY_PAGE_SIZE
TIMELINE_PER_PAGE = 6
LENGTHS = ("short", "medium", "long")
YEAR_MIN, YEAR_MAX = 1, 9999


# --- paged answers -----------------------------------------------------------------------------


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


# --- resolving what someone typed ----------------------------------------------------------------


def resolve_event(library: Library, autocomplete: Autocompleter, text: str, packs: frozenset[str] | None) -> Event:
    """The event whose id was picked from autocomplete, or that free text names well enough."""
    found = match_event(library, autocomplete, text, packs)
    if found.best is None:
        labels = [escape_markdown(event_choice_name(e)) for e in found.suggestions]
        hint = "Start typing and pick one of the suggestions, or try `/event search`."
        raise NotFoundError(no_match_text("event", found.query, labels, hint))
    return found.best


def resolve_article(library: Library, autocomplete: Autocompleter, text: str, packs: frozenset[str] | None) -> Article:
    """The article whose id was picked from autocomplete, or that free text names well enough."""
    found = match_article(library, autocomplete, text, packs)
    if found.best is None:
        labels = [escape_markdown(article_choice_name(a)) for a in found.suggestions]
        hint = "Start typing and pick one of the suggestions, or see `/article list`."
        raise NotFoundError(no_match_text("article", found.query, labels, hint))
    return found.best


def event_by_id(library: Library, event_id: str) -> Event:
    """The event a menu option opens (the library may have been reloaded since it was shown)."""
    event = library.events.get(event_id)
    if event is None:
        raise NotFoundError("That event is no longer in the library (it may have been updated). Try `/event search`.")
    return event


def article_by_id(library: Library, article_id: str) -> Article:
    """The article a menu option or button opens (the library may have been reloaded since)."""
    article = library.articles.get(article_id)
    if article is None:
        raise NotFoundError("That article is no longer in the library (it may have been updated).")
    return article


def check_length(length: str | None) -> str:
    """``short``, ``medium`` (the default) or ``long``; anything else is a friendly error."""
    value = (length or "medium").strip().lower()
    if value not in LENGTHS:
        raise UserInputError(f"The length can be short, medium or long, not {quote_user(value, 30)}.")
    return value


# --- filters shared by /event search and /timeline ----------------------------------------------


def year_range(year: int | None, from_year: int | None, to_year: int | None) -> tuple[int | None, int | None]:
    """``year`` alone, or ``from_year``/``to_year`` (either order); not both kinds at once."""
    if year is not None:
        if from_year is not None or to_year is not None:
            raise UserInputError("Give either `year`, or `from_year` and/or `to_year`, not both.")
        return year, year
    if from_year is not None and to_year is not None and from_year > to_year:
        return to_year, from_year
    return from_year, to_year


_known: list[tuple[Library, frozenset[str]]] = []


def known_tags(library: Library) -> frozenset[str]:
    """Every tag in the vocabulary or on an event, computed once per library."""
    if _known and _known[0][0] is library:
        return _known[0][1]
    tags = frozenset({t for e in library.events.values() for t in e.tags} | set(library.tags))
    _known[:] = [(library, tags)]
    return tags


def _blank_is_none(text: str | None) -> str | None:
    """An optional filter typed as only spaces is not given."""
    return text.strip() if text is not None and text.strip() else None


def check_tag(library: Library, tag: str | None) -> str | None:
    """A known tag, lowercased; an unknown one is a friendly error."""
    if tag is None or not tag.strip():
        return None
    value = tag.strip().lower()
    if value not in known_tags(library):
        raise UserInputError(
            f"There is no tag {quote_user(value, 50)} in the library. Start typing to see the tags there are."
        )
    return value


# --- lookups -------------------------------------------------------------------------------------


def event_search(
    library: Library,
    index: SearchIndex,
    query: str,
    *,
    year: int | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    place: str | None = None,
    tag: str | None = None,
    packs: frozenset[str] | None = None,
    per_page: int = EVENT_SEARCH_PER_PAGE,
) -> Listing:
    """``/event search``: ranked results, page by page; nothing found is a :class:`NotFoundError`."""
    lo, hi = year_range(year, from_year, to_year)
    place, tag = _blank_is_none(place), _blank_is_none(tag)
    narrowed = lo is not None or hi is not None or place is not None or tag is not None
    if not query_terms(query) and not narrowed:
        # The index would browse every event; "524 event(s) for **🔥**" answers nothing asked.
        raise UserInputError(
            f"There are no words to search for in {query.strip()[:50]!r}. Type a word or two, like strike "
            "or Budapest, or add a year, place or tag; to browse every event, use `/timeline`."
        )
    filters = SearchFilters(
        year_from=lo, year_to=hi, place=place, tag=check_tag(library, tag), packs=packs, kind="event"
    )
    # A place with no letters or digits ("*", "🔥") names no place; the index would ignore it.
    nameless_place = place is not None and not any(ch.isalnum() for ch in place)
    first = index.search(query, filters, limit=per_page, offset=0)
    conditions = describe_filters(year=year, from_year=from_year, to_year=to_year, place=place, tag=tag)
    if first.is_empty or nameless_place:
        where = f" ({conditions})" if conditions else ""
        raise NotFoundError(f"No events match {quote_user(first.query, 100)}{where}. Try fewer or different words.")
    total = first.total
    intro = f"{first.total_label} event(s) for **{escape_markdown(first.query)}**" + (
        f" · {conditions}" if conditions else ""
    )

    def page(number: int) -> ListPage:
        results = first if number == 0 else index.search(query, filters, limit=per_page, offset=number * per_page)
        events = [library.events[h.id] for h in results.hits if h.id in library.events]
        lines = []
        for hit in results.hits:
            event = library.events.get(hit.id)
            if event is None:
                continue
            place_label = f" · {event.place_label}" if event.place_label else ""
            lines.append(f"**{escape_markdown(event.title)}** — {event.date_label()}{place_label}\n{hit.snippet}")
        card = list_card(
            "Event search", lines, intro=intro, footer=pack_footer(library, [e.pack for e in events]), kind="list"
        )
        return ListPage((card,), tuple(event_option(e) for e in events))

    return Listing(page_count(total, per_page), page)


def sorted_articles(library: Library, packs: frozenset[str] | None) -> list[Article]:
    return sorted(
        (a for a in library.articles.values() if packs is None or a.pack in packs),
        key=lambda a: (a.published.sort_key, a.title),
    )


def article_list(library: Library, packs: frozenset[str] | None, per_page: int = ARTICLE_LIST_PER_PAGE) -> Listing:
    """``/article list``: every article, oldest first."""
    articles = sorted_articles(library, packs)
    if not articles:
        raise NotFoundError("There are no articles in the library yet.")

    def page(number: int) -> ListPage:
        chunk = articles[number * per_page : (number + 1) * per_page]
        lines = [
            f"**{escape_markdown(a.title)}**\n{a.byline} · {a.publication}, {a.published.human()}\n"
            f"{BULLET} {shorten(a.summaries.short, 200)}"
            for a in chunk
        ]
        card = list_card(
            "Articles",
            lines,
            intro=f"{len(articles)} article(s). Pick one below to read its summary.",
            footer=pack_footer(library, [a.pack for a in chunk]),
            kind="article",
        )
        return ListPage((card,), tuple(article_option(a) for a in chunk))

    return Listing(page_count(len(articles), per_page), page, opens="article", placeholder="Open an article…")


def on_this_day_listing(
    library: Library,
    date_text: str | None,
    timezone: str,
    now_utc: dt.datetime,
    packs: frozenset[str] | None = None,
    per_page: int = DAY_PER_PAGE,
) -> Listing:
    """``/onthisday [date]``: a day's events (``today`` in ``timezone``), or that week in history."""
    text = (date_text or "today").strip()
    day = parse_day(text, timezone, now_utc)
    entries = on_this_day(library, day.month, day.day, year=day.year, packs=packs)
    relative = not any(ch.isdigit() for ch in text)
    label = f"{day.day} {MONTH_NAMES[day.month - 1]}"
    shown_tz = timezone if relative else ""

    def page(number: int) -> ListPage:
        chunk = entries.events[number * per_page : (number + 1) * per_page]
        card = day_card(
            library, entries.events, label, nearby=entries.nearby, timezone=shown_tz, page=number, per_page=per_page
        )
        return ListPage((card,), tuple(event_option(e) for e in chunk))

    return Listing(page_count(len(entries.events), per_page), page)


def timeline_listing(
    library: Library,
    from_year: int | None = None,
    to_year: int | None = None,
    tag: str | None = None,
    place: str | None = None,
    packs: frozenset[str] | None = None,
    per_page: int = TIMELINE_PER_PAGE,
) -> Listing:
    """``/timeline``: events in chronological order, filtered by years, tag and place."""
    lo, hi = year_range(None, from_year, to_year)
    place, tag = _blank_is_none(place), _blank_is_none(tag)
    events = timeline(library, lo, hi, tag=check_tag(library, tag), place=place, packs=packs)
    conditions = describe_filters(from_year=lo, to_year=hi, place=place, tag=tag)
    if not events:
        where = f" for {conditions}" if conditions else ""
        raise NotFoundError(f"No events{where}. Try a wider range of years, or another place or tag.")
    title = f"Timeline · {conditions}" if conditions else "Timeline"
    span = f"{events[0].date.human()} to {events[-1].date.human()}"

    def page(number: int) -> ListPage:
        chunk = events[number * per_page : (number + 1) * per_page]
        card = list_card(
            title,
            [event_summary_line(e) for e in chunk],
            intro=f"{len(events)} event(s), {span}.",
            footer=pack_footer(library, [e.pack for e in chunk]),
            kind="list",
        )
        return ListPage((card,), tuple(event_option(e) for e in chunk))

    return Listing(page_count(len(events), per_page), page)


# --- daily-post settings ---------------------------------------------------------------------------
#
# Each ``set_*`` takes the server's current schedule and what was typed, and returns a
# :class:`Change`: the new schedule, the confirmation to show, and whether it moves the post
# time. Nothing is saved by them: the caller calls :func:`save_schedule`, then adds
# :func:`next_line`. Bad values raise :class:`UserInputError` and change nothing.

#: Why today's post was skipped when a change moved the post time to before now.
SKIPPED_AFTER_CHANGE = "the post time had already passed when the settings were changed"


@dataclass(frozen=True, slots=True)
class Change:
    schedule: Schedule
    text: str
    #: A new time, timezone, days or first channel: a post time already passed today is not "missed".
    reschedule: bool = False


async def save_schedule(db: Database, schedule: Schedule, now_utc: dt.datetime, *, reschedule: bool = False) -> None:
    """Store ``schedule``. With ``reschedule``, a post time that has already passed today no
    longer counts as missed: without this the scheduler's catch-up would post at once, saying
    the post was late."""
    from bot.core.scheduling import DEFAULT_LATE_AFTER, scheduled_instant
    from bot.storage import PostsRepository, SettingsRepository

    await SettingsRepository(db).save(schedule, at=now_utc)
    if not reschedule:
        return
    today = local_date_at(schedule, now_utc)
    if today.weekday() in schedule.weekdays and now_utc - scheduled_instant(schedule, today) > DEFAULT_LATE_AFTER:
        await PostsRepository(db).mark_skipped(schedule.key, today, at=now_utc, reason=SKIPPED_AFTER_CHANGE)


def set_time(current: Schedule, text: str) -> Change:
    post_time = parse_post_time(text)
    schedule = dataclasses.replace(current, post_time=post_time)
    return Change(
        schedule, f"Daily posts will go out at {format_post_time(post_time)} ({schedule.timezone} time).", True
    )


def set_timezone(current: Schedule, text: str, now_utc: dt.datetime) -> Change:
    timezone = resolve_timezone(text)
    schedule = dataclasses.replace(current, timezone=timezone)
    local_now = now_utc.astimezone(get_zone(timezone))
    text = (
        f"Timezone set to {timezone} (it is {format_post_time(local_now.time())} there now). "
        f"Daily posts go out at {format_post_time(schedule.post_time)} {timezone} time."
    )
    return Change(schedule, text, True)


def set_days(current: Schedule, text: str) -> Change:
    weekdays = parse_weekdays(text)
    schedule = dataclasses.replace(current, weekdays=weekdays)
    return Change(schedule, f"Daily posts will go out {format_weekdays(weekdays)}.", True)


def set_packs(current: Schedule, text: str, library: Library) -> Change:
    from bot.ui.settings_text import packs_text, resolve_packs

    chosen = resolve_packs(text, library)
    schedule = dataclasses.replace(current, packs=chosen)
    return Change(schedule, f"Daily posts will use {packs_text(chosen, library)}.")


def set_empty_days(current: Schedule, mode: str) -> Change:
    from bot.ui.settings_text import EMPTY_DAY_TEXT

    choices: dict[str, EmptyDay] = {m: m for m in EMPTY_DAY_CHOICES}
    empty_day = choices.get(mode.strip().lower().split(":")[0].strip())
    if empty_day is None:
        raise UserInputError("Choose skip, week or article.")
    schedule = dataclasses.replace(current, empty_day=empty_day)
    return Change(schedule, f"On a day with nothing in the library I'll {EMPTY_DAY_TEXT[empty_day]}.")


def set_channel(current: Schedule, channel_id: int) -> Change:
    """Point the post at ``channel_id`` (already checked by the caller); clears a pause by the bot."""
    resumed = current.paused_reason is not None
    schedule = dataclasses.replace(current, channel_id=channel_id, paused_reason=None)
    text = f"Daily posts will go to <#{channel_id}>."
    if resumed:
        text += " The earlier problem is cleared, so posting resumes."
    return Change(schedule, text, reschedule=current.channel_id is None)


def set_role(current: Schedule, role_id: int | None, mention: str = "") -> Change:
    schedule = dataclasses.replace(current, role_id=role_id)
    if role_id is None:
        return Change(schedule, "Daily posts won't ping anyone.")
    return Change(schedule, f"Daily posts will ping {mention or f'<@&{role_id}>'}.")


def pause(current: Schedule) -> tuple[Schedule | None, str]:
    """The paused schedule (None if it was paused already: nothing to save) and what to say."""
    if not current.enabled:
        return None, "Daily posts are already paused. `/settings resume` starts them again."
    return dataclasses.replace(current, enabled=False), "Daily posts are paused. `/settings resume` starts them again."


def resume(current: Schedule) -> Change:
    if current.channel_id is None:
        raise UserInputError("Choose a channel first with `/settings channel`; then daily posts start.")
    schedule = dataclasses.replace(current, enabled=True, paused_reason=None)
    text = "Daily posts are on." if current.active else "Daily posts are on again."
    # After an admin's pause, a post time that passed meanwhile is not "missed"; after a pause
    # by the bot (403/404) the day's post is still wanted and goes out now.
    return Change(schedule, text, reschedule=not current.enabled and current.paused_reason is None)


async def next_line(db: Database, schedule: Schedule, now_utc: dt.datetime) -> str:
    """The line after a confirmation: when the next post goes out, or why none will."""
    from bot.posting import schedule_status
    from bot.ui.settings_text import state_text, when_text

    if not schedule.active:
        return state_text(schedule)
    status = await schedule_status(db, schedule.guild_id, now_utc)
    if status.next_post_at is None:
        return state_text(schedule)
    return f"Next post: {when_text(status.next_post_at)} in <#{schedule.channel_id}>."


async def settings_show(db: Database, library: Library, guild_id: int, now_utc: dt.datetime) -> Card:
    """``/settings show``: every setting, the next post and the last one."""
    from bot.posting import schedule_status
    from bot.ui.settings_text import settings_card

    return settings_card(await schedule_status(db, guild_id, now_utc), library)


async def post_for(
    db: Database, library: Library, schedule: Schedule, local_date: dt.date, at: dt.datetime | None
) -> DailyPost | None:
    """The post ``schedule`` would send on ``local_date``, avoiding what it posted recently."""
    from bot.posting import RECENT_DAYS, build_post
    from bot.storage import PostsRepository

    since = local_date - dt.timedelta(days=RECENT_DAYS)
    recent = await PostsRepository(db).recent_entry_ids(schedule.guild_id, since, local_date)
    return build_post(library, schedule, local_date, recent, False, scheduled_at=at)


@dataclass(frozen=True, slots=True)
class Preview:
    """``/settings preview``: the lines above the post, and the post (None: nothing that day)."""

    lines: tuple[str, ...]
    post: DailyPost | None


async def preview(db: Database, library: Library, guild_id: int, now_utc: dt.datetime) -> Preview:
    """Exactly what the next daily post will be, and when."""
    from bot.posting import schedule_status
    from bot.ui.daily import role_mention
    from bot.ui.settings_text import packs_text, state_text, when_text

    status = await schedule_status(db, guild_id, now_utc)
    schedule = status.schedule
    last = status.last_post.local_date if status.last_post is not None else None
    when = status.next_post_at or next_post_at(schedule, now_utc, last)
    post = await post_for(db, library, schedule, local_date_at(schedule, when), when)
    lines = [f"**Next daily post:** {when_text(when)}"]
    where = f"in <#{schedule.channel_id}>" if schedule.channel_id is not None else "(no channel set yet)"
    ping = f", pinging {role_mention(schedule.role_id)}" if schedule.role_id is not None else ""
    lines.append(f"{where}{ping}.")
    if not schedule.active:
        lines.append(f"It will only go out once posting is on: {state_text(schedule)}")
    if post is None:
        lines.append(
            "Nothing would be posted that day: there is nothing on it in "
            f"{packs_text(schedule.packs, library)}, and empty days are set to skip "
            "(change that with `/settings empty-days`)."
        )
    else:
        lines.append("This is exactly what it will look like:")
    return Preview(tuple(lines), post)


def require_channel(current: Schedule) -> int:
    """The channel a test post goes to; without one, a friendly error."""
    if current.channel_id is None:
        raise UserInputError("Choose a channel first with `/settings channel`.")
    return current.channel_id


async def test_post(db: Database, library: Library, current: Schedule, now_utc: dt.datetime) -> DailyPost:
    """Today's post for ``/settings test-post``: falls back to that week, then an article."""
    require_channel(current)
    today = local_date_at(current, now_utc)
    post = await post_for(db, library, current, today, None)
    for fallback in ("week", "article"):
        if post is not None:
            break
        post = await post_for(db, library, dataclasses.replace(current, empty_day=fallback), today, None)
    if post is None:
        raise UserInputError("There is nothing in the chosen packs to post. Check `/settings packs`.")
    return post


def option_lines(options: Sequence[Option]) -> list[str]:
    """Numbered menu entries, for showing a page's options as text."""
    return [f"{n}. {o.label}" + (f" — {o.description}" if o.description else "") for n, o in enumerate(options, 1)]
