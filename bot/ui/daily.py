"""The daily post as cards: one look for the scheduled post, ``/settings preview``,
``/settings test-post``, the console and ``python -m bot preview``.

Pure and Discord-free (no bot, no network, no discord.py). It builds :class:`~bot.ui.layout.Card`
objects with the shared layout helpers; :func:`bot.ui.embeds.daily_post_embeds` turns them into
embeds, so every limit of Discord is respected the same way as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.core.dates import MONTH_NAMES
from bot.core.models import Event, Library
from bot.core.posts import DailyPost
from bot.core.scheduling import WEEKDAY_NAMES, format_post_time
from bot.core.text import escape_markdown, excerpt, shorten
from bot.core.timezones import get_zone, timezone_label
from bot.ui.layout import (
    BULLET,
    FIELD_VALUE_LIMIT,
    OPTION_LABEL_LIMIT,
    Card,
    Field,
    Option,
    article_card,
    day_title,
    event_option,
    link,
    pack_footer,
    years_ago,
)

#: Added to the footer of a test post; :meth:`DiscordSender.find_sent` never mistakes a test
#: post for the real one because of it.
TEST_POST_NOTE = "Test post (sent with /settings test-post)"
#: Characters of an event's description shown in the post.
DESCRIPTION_WIDTH = 420


def _day_label(post: DailyPost) -> str:
    return f"{post.local_date.day} {MONTH_NAMES[post.local_date.month - 1]}"


def event_field(event: Event, year: int | None = None, when: str = "today") -> Field:
    """One event of the post: date, how long ago, place, the start of its description, its first source.

    ``year`` is the post's year (``73 years ago today``, or ``when`` instead of ``today``).
    """
    place = event.place_label
    ago = years_ago(event, year, when)
    head = " · ".join(p for p in (event.date_label(), ago, place) if p)
    lines = [f"*{head}*", excerpt(event.description, DESCRIPTION_WIDTH)]
    if event.sources:
        lines.append(f"{BULLET} {link(event.sources[0])}")
    value = "\n".join(lines)
    if len(value) > FIELD_VALUE_LIMIT:  # a very long source link: leave it out rather than cut it
        value = "\n".join(lines[:2])
    return Field(escape_markdown(event.title), value)


def post_heading(post: DailyPost) -> str:
    """The post's title: the day or that week (worded as ``/onthisday`` words them), the week
    ahead (a weekly digest), or the library."""
    if post.kind in ("events", "week"):
        return day_title(_day_label(post), post.kind == "week")
    if post.kind == "digest":
        date_text = f"{post.local_date.day} {MONTH_NAMES[post.local_date.month - 1]}"
        end = post.local_date + dt.timedelta(days=6)
        return f"The week ahead in history: {date_text} to {end.day} {MONTH_NAMES[end.month - 1]}"
    return "From the library"


def late_note(post: DailyPost) -> str | None:
    """A line saying the post is late (a catch-up after downtime or a pause), or None."""
    if not post.late:
        return None
    if post.scheduled_at is None:
        return "This post is late: it could not be sent at the scheduled time."
    local = post.scheduled_at.astimezone(get_zone(post.timezone))
    due = format_post_time(local.time())
    return f"This post is late: it was due at {due} ({timezone_label(post.timezone)}) but could not be sent then."


#: Characters of one line of a weekly digest (seven days of lines stay within an embed's 6,000).
DIGEST_LINE_WIDTH = 110


def digest_line(event: Event) -> str:
    """One event of a weekly digest: its year, title and place, on one line."""
    place = f" · {event.places[0]}" if event.places else ""
    return shorten(f"`{event.date.year}` {escape_markdown(event.title)}{place}", DIGEST_LINE_WIDTH)


def digest_card(post: DailyPost, library: Library, notes: list[str], footer: str) -> Card:
    """A weekly digest: one field per day of the coming week, one line per event."""
    fields: list[Field] = []
    for day, events in post.days:
        name = f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"
        chunk: list[str] = []
        for line in map(digest_line, events):
            if chunk and len("\n".join([*chunk, line])) > FIELD_VALUE_LIMIT:  # a busy day goes on in a second field
                fields.append(Field(name, "\n".join(chunk)))
                name, chunk = f"{name} (continued)", []
            chunk.append(line)
        fields.append(Field(name, "\n".join(chunk)))
    shown = len(post.events)
    if post.total > shown:
        notes.append(f"{post.total - shown} more this week: see `/onthisday`.")
    notes.append("Pick an event from the menu below to read it.")
    return Card(title=post_heading(post), description="\n".join(notes), fields=tuple(fields), footer=footer, kind="day")


def digest_options(post: DailyPost) -> list[Option]:
    """The menu under a weekly digest: every event in it, labelled with its day."""
    options = []
    for day, events in post.days:
        for event in events:
            option = event_option(event)
            label = shorten(f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.day}: {event.title}", OPTION_LABEL_LIMIT)
            options.append(replace(option, label=label))
    return options[:25]


def daily_post_cards(post: DailyPost, library: Library, *, test: bool = False) -> tuple[Card, ...]:
    """The cards of one daily post (the first card carries the heading)."""
    notes: list[str] = []
    if (late := late_note(post)) is not None:
        notes.append(f"*{late}*")
    if post.kind == "digest":
        footer = pack_footer(library, [e.pack for e in post.events])
        return (digest_card(post, library, notes, f"{footer} · {TEST_POST_NOTE}" if test else footer),)
    day = _day_label(post)
    if post.kind == "article" and post.article is not None:
        intro = f"*Nothing in the library happened on {day}, so here is something to read.*"
        # Its key points, notes and events are behind the post's buttons (bot.ui.embeds.daily_post_buttons).
        card = article_card(post.article, library, "medium", intro="\n".join([*notes, intro]))
        if test:
            card = replace(card, footer=f"{card.footer} · {TEST_POST_NOTE}")
        return (card,)
    if post.kind == "week":
        notes.append(f"Nothing in the library happened on {day} itself, so here is that week in history.")
    shown = len(post.events)
    if post.kind == "events" and post.total > shown:
        notes.append(f"{post.total - shown} more on this day: see `/onthisday`.")
    elif post.kind == "week" and post.total > shown:
        notes.append(f"{post.total - shown} more that week: see `/onthisday`.")
    footer = pack_footer(library, [e.pack for e in post.events])
    if test:
        footer = f"{footer} · {TEST_POST_NOTE}"
    card = Card(
        title=post_heading(post),
        description="\n".join(notes),
        fields=tuple(
            event_field(e, _anniversary_year(e, post.local_date), "today" if post.kind == "events" else "this week")
            for e in post.events
        ),
        footer=footer,
        kind="day",
    )
    return (card,)


def _anniversary_year(event: Event, local_date: dt.date) -> int:
    """The year of the event's anniversary nearest ``local_date`` (a week post can cross New Year)."""
    month = event.date.month or local_date.month
    if local_date.month == 12 and month == 1:
        return local_date.year + 1
    if local_date.month == 1 and month == 12:
        return local_date.year - 1
    return local_date.year


def role_mention(role_id: int | None) -> str | None:
    """The message content of a post: the role to ping (outside the embed), or nothing."""
    return f"<@&{role_id}>" if role_id is not None else None
