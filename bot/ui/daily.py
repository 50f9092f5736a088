"""The daily post as cards: one look for the scheduled post, ``/settings preview``,
``/settings test-post``, the console and ``python -m bot preview``.

Pure and Discord-free (no bot, no network, no discord.py). It builds :class:`~bot.ui.layout.Card`
objects with the shared layout helpers; :func:`bot.ui.embeds.daily_post_embeds` turns them into
embeds, so every limit of Discord is respected the same way as everywhere else.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.dates import MONTH_NAMES
from bot.core.models import Event, Library
from bot.core.posts import DailyPost
from bot.core.scheduling import format_post_time
from bot.core.text import escape_markdown, shorten
from bot.core.timezones import get_zone, timezone_label
from bot.ui.layout import (
    BULLET,
    FIELD_VALUE_LIMIT,
    Card,
    Field,
    article_cards,
    link,
    pack_footer,
)

#: Added to the footer of a test post; :meth:`DiscordSender.find_sent` never mistakes a test
#: post for the real one because of it.
TEST_POST_NOTE = "Test post (sent with /settings test-post)"
#: Characters of an event's description shown in the post.
DESCRIPTION_WIDTH = 420


def _day_label(post: DailyPost) -> str:
    return f"{post.local_date.day} {MONTH_NAMES[post.local_date.month - 1]}"


def event_field(event: Event) -> Field:
    """One event of the post: date and place, the start of its description, its first source."""
    place = event.place_label
    lines = [f"*{event.date_label()}{f' · {place}' if place else ''}*", shorten(event.description, DESCRIPTION_WIDTH)]
    if event.sources:
        lines.append(f"{BULLET} {link(event.sources[0])}")
    value = "\n".join(lines)
    if len(value) > FIELD_VALUE_LIMIT:  # a very long source link: leave it out rather than cut it
        value = "\n".join(lines[:2])
    return Field(escape_markdown(event.title), value)


def post_heading(post: DailyPost) -> str:
    """The post's title: the day, that week, or the library."""
    date_text = f"{post.local_date.day} {MONTH_NAMES[post.local_date.month - 1]}"
    if post.kind == "events":
        return f"On this day, {date_text}"
    if post.kind == "week":
        return f"This week in history (around {date_text})"
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


def daily_post_cards(post: DailyPost, library: Library, *, test: bool = False) -> tuple[Card, ...]:
    """The cards of one daily post (the first card carries the heading)."""
    notes: list[str] = []
    if (late := late_note(post)) is not None:
        notes.append(f"*{late}*")
    day = _day_label(post)
    if post.kind == "article" and post.article is not None:
        cards = list(article_cards(post.article, library, "medium"))
        intro = f"*Nothing in the library happened on {day}, so here is something to read.*"
        head = "\n".join([*notes, intro])
        main = cards[0]
        cards[0] = replace(main, description=f"{head}\n\n{main.description}" if main.description else head)
        if test:
            cards[0] = replace(cards[0], footer=f"{cards[0].footer} · {TEST_POST_NOTE}")
        return tuple(cards)
    if post.kind == "week":
        notes.append(f"Nothing in the library happened on {day} itself, so here is that week in history.")
    shown = len(post.events)
    if post.total > shown:
        notes.append(f"{post.total - shown} more on this day: see `/onthisday`.")
    footer = pack_footer(library, [e.pack for e in post.events])
    if test:
        footer = f"{footer} · {TEST_POST_NOTE}"
    card = Card(
        title=post_heading(post),
        description="\n".join(notes),
        fields=tuple(event_field(e) for e in post.events),
        footer=footer,
        kind="day",
    )
    return (card,)


def role_mention(role_id: int | None) -> str | None:
    """The message content of a post: the role to ping (outside the embed), or nothing."""
    return f"<@&{role_id}>" if role_id is not None else None
