"""What text goes where: Discord-free message layouts ("cards") built from core objects.

A :class:`Card` is the plain-data shape of one embed: title, description, fields, footer. The
builders here decide the wording and the order; :func:`fit_card` and :func:`fit_message` make
every card respect Discord's limits by cutting at word boundaries with an ellipsis (or leaving
whole lines/fields out, saying how many). :mod:`bot.ui.embeds` turns cards into
``discord.Embed`` objects; the offline console can print the same cards as text.

Nothing here imports discord.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.core.models import SUMMARY_LENGTHS, Article, Event, Library, Pack, Source
from bot.core.text import escape_markdown, excerpt, plural, shorten

# --- Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
MESSAGE_EMBEDS_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10
CONTENT_LIMIT = 2000
SELECT_OPTIONS_LIMIT = 25
OPTION_LABEL_LIMIT = 100
OPTION_DESCRIPTION_LIMIT = 100
OPTION_VALUE_LIMIT = 100
PLACEHOLDER_LIMIT = 150
BUTTON_LABEL_LIMIT = 80
CHOICE_NAME_LIMIT = 100
URL_LIMIT = 2048

BRAND = "From Below"
BULLET = "•"


# --- cutting text --------------------------------------------------------------------------


def join_lines(lines: Sequence[str], limit: int, *, more: str = "…and {n} more", separator: str = "\n") -> str:
    """As many whole lines as fit in ``limit``, then a note of how many were left out."""
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        extra = len(line) + (len(separator) if out else 0)
        remaining = len(lines) - index - 1
        tail = len(separator) + len(more.format(n=remaining + 1)) + 2 if remaining else 0
        if used + extra + tail > limit:
            note = more.format(n=len(lines) - index)
            if not out:
                # Not even one whole line fits: show a shortened first line and the note.
                room = limit - len(separator) - len(note)
                return (shorten(line, room) + separator + note) if room > 10 else shorten(note, limit)
            if used + len(separator) + len(note) <= limit:
                return separator.join(out) + separator + note
            return separator.join(out)
        out.append(line)
        used += extra
    return separator.join(out)


# --- cards --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    """One embed's content. ``kind`` picks the colour (see :mod:`bot.ui.colours`)."""

    title: str
    description: str = ""
    url: str = ""
    fields: tuple[Field, ...] = ()
    footer: str = ""
    author: str = ""
    kind: str = "info"
    #: What the footer says when fields had to be left out to fit (``{n}`` is how many).
    overflow_note: str = "{n} more not shown."

    @property
    def size(self) -> int:
        """Characters Discord counts towards the 6,000 per message."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + len(self.author)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


@dataclass(frozen=True, slots=True)
class Option:
    """One select-menu option: ``value`` is an id sent back when picked."""

    label: str
    value: str
    description: str = ""


def fit_card(card: Card) -> Card:
    """The card with every part within its own limit (and at most 25 non-empty fields)."""
    fields = [
        Field(shorten(f.name, FIELD_NAME_LIMIT) or "\u200b", shorten(f.value, FIELD_VALUE_LIMIT) or "\u200b", f.inline)
        for f in card.fields
    ]
    footer = card.footer
    if len(fields) > FIELD_COUNT_LIMIT:
        left_out = len(fields) - FIELD_COUNT_LIMIT + 1
        fields = [*fields[: FIELD_COUNT_LIMIT - 1], Field("More", f"{left_out} more not shown.")]
    url = card.url if card.url.startswith(("http://", "https://")) and len(card.url) <= URL_LIMIT else ""
    return Card(
        title=shorten(card.title, TITLE_LIMIT),
        description=shorten(card.description, DESCRIPTION_LIMIT),
        url=url,
        fields=tuple(fields),
        footer=shorten(footer, FOOTER_LIMIT),
        author=shorten(card.author, AUTHOR_LIMIT),
        kind=card.kind,
        overflow_note=card.overflow_note,
    )


_NOTE_RESERVE = 80  # the longest overflow note, with its separator


def fit_message(cards: Sequence[Card], total: int = MESSAGE_EMBEDS_TOTAL) -> tuple[Card, ...]:
    """Cards for one message: each within its limits, at most 10, and 6,000 characters in all.

    When the whole is too long, the last fields are shortened or left out first (later cards
    before earlier ones), then later cards, then the first card's description is shortened.
    """
    fitted = [fit_card(c) for c in cards[:EMBEDS_PER_MESSAGE]]
    over = sum(c.size for c in fitted) - total
    index = len(fitted) - 1
    while over > 0 and index >= 0:
        card = fitted[index]
        fields = list(card.fields)
        dropped = 0
        while over > 0 and fields:
            last = fields[-1]
            room = len(last.value) - over
            if room >= 120:
                shortened = shorten(last.value, room)
                over -= len(last.value) - len(shortened)
                fields[-1] = Field(last.name, shortened, last.inline)
                break
            fields.pop()
            over -= len(last.name) + len(last.value)
            if not dropped:
                over += _NOTE_RESERVE  # room for the "N more not shown" note added below
            dropped += 1
        if dropped:
            note = card.overflow_note.format(n=dropped)
            footer = f"{card.footer} · {note}" if card.footer else note
            if len(footer) > FOOTER_LIMIT:
                footer = card.footer
            over -= _NOTE_RESERVE - (len(footer) - len(card.footer))
            card = replace(card, fields=tuple(fields), footer=footer)
        else:
            card = replace(card, fields=tuple(fields))
        fitted[index] = card
        if over > 0 and index > 0 and not card.fields:
            over -= card.size
            fitted.pop(index)
        index -= 1
    if over > 0 and fitted:
        first = fitted[0]
        room = max(0, len(first.description) - over)
        fitted[0] = replace(first, description=shorten(first.description, room))
        over = sum(c.size for c in fitted) - total
        if over > 0:
            fitted[0] = replace(fitted[0], footer=shorten(fitted[0].footer, max(0, len(fitted[0].footer) - over)))
    return tuple(fitted)


# --- small pieces ----------------------------------------------------------------------------------


def link(source: Source) -> str:
    """A Markdown link, with characters that would break the link text escaped."""
    title = source.title.replace("[", "(").replace("]", ")")
    url = source.url.replace(")", "%29").replace(" ", "%20")
    return f"[{title}]({url})"


def source_lines(sources: Iterable[Source]) -> list[str]:
    return [f"{BULLET} {link(s)}" for s in sources]


def pack_footer(library: Library, pack_ids: Iterable[str], extra: str = "") -> str:
    """``Source pack: Name`` (or ``Source packs: A, B``), with an optional extra note."""
    names: list[str] = []
    for pack_id in dict.fromkeys(pack_ids):
        pack: Pack | None = library.packs.get(pack_id)
        names.append(pack.name if pack is not None else pack_id)
    label = ""
    if len(names) == 1:
        label = f"Source pack: {names[0]}"
    elif 1 < len(names) <= 3:
        label = f"Source packs: {', '.join(names)}"
    elif names:
        label = f"Source packs: {', '.join(names[:3])} and {len(names) - 3} more"
    parts = [p for p in (label, extra) if p]
    return " · ".join(parts) if parts else BRAND


def years_ago(event: Event, year: int | None, when: str = "") -> str:
    """``73 years ago`` (then ``when``: ``today``, ``this week``) from ``year``; "" for none or a future year."""
    if year is None or event.date.year > year:
        return ""
    count = year - event.date.year
    text = "this year" if count == 0 else f"{plural(count, 'year')} ago"
    return f"{text} {when}" if when and count else text


def event_line(event: Event, year: int | None = None) -> str:
    """``**Title** — 17 June 1953, 73 years ago · East Berlin, East Germany`` for lists.

    With ``year`` (the year it is now), how long ago the event was follows its date.
    """
    place = event.place_label
    ago = years_ago(event, year)
    date = f"{event.date_label()}, {ago}" if ago else event.date_label()
    tail = f"{date} · {place}" if place else date
    return f"**{escape_markdown(event.title)}** — {tail}"


def event_summary_line(event: Event, width: int = 160, year: int | None = None) -> str:
    """An event line with the start of its description underneath (whole sentences or clauses)."""
    return f"{event_line(event, year)}\n{excerpt(event.description, width)}"


def event_option(event: Event) -> Option:
    label = shorten(event.title, OPTION_LABEL_LIMIT)
    place = event.place_label
    description = f"{event.date.human()} · {place}" if place else event.date.human()
    return Option(label, event.id[:OPTION_VALUE_LIMIT], shorten(description, OPTION_DESCRIPTION_LIMIT))


def article_option(article: Article) -> Option:
    label = shorten(article.title, OPTION_LABEL_LIMIT)
    description = f"{article.byline} · {article.publication}, {article.year}"
    return Option(label, article.id[:OPTION_VALUE_LIMIT], shorten(description, OPTION_DESCRIPTION_LIMIT))


def chunk_options(options: Sequence[Option], size: int = SELECT_OPTIONS_LIMIT) -> list[tuple[Option, ...]]:
    """Options split into menus of at most 25 (a value appears once: Discord rejects repeats)."""
    seen: set[str] = set()
    unique: list[Option] = []
    for option in options:
        if option.value not in seen:
            seen.add(option.value)
            unique.append(option)
    return [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]


# --- events -----------------------------------------------------------------------------------------


def related_lines(event: Event, library: Library) -> list[str]:
    lines = []
    for related_id in event.related_events:
        related = library.events.get(related_id)
        if related is not None:
            lines.append(f"{BULLET} {escape_markdown(related.title)} ({related.date.human()})")
    return lines


def part_of_line(event: Event, library: Library) -> str:
    """The overview an event is part of, as ``Romanian Revolution (16–25 December 1989)``, or ""."""
    if event.part_of is None:
        return ""
    overview = library.events.get(event.part_of)
    if overview is None:  # its pack is not loaded here
        return ""
    return f"{escape_markdown(overview.title)} ({overview.date_label()})"


def event_card(event: Event, library: Library) -> Card:
    """The full card for one event: date (both calendars), part of, place, description, tags, sources, related."""
    fields = [Field("Date", event.date_label(), inline=True)]
    overview = part_of_line(event, library)
    if overview:
        fields.append(Field("Part of", overview, inline=True))
    if event.place_label:
        fields.append(Field("Place", event.place_label, inline=True))
    if event.tags:
        fields.append(Field("Tags", ", ".join(f"`{t}`" for t in event.tags), inline=True))
    if event.sources:
        fields.append(Field("Sources", join_lines(source_lines(event.sources), FIELD_VALUE_LIMIT)))
    related = related_lines(event, library)
    if related:
        fields.append(Field("Related events", join_lines(related, FIELD_VALUE_LIMIT)))
    articles = [library.articles[a] for a in event.articles if a in library.articles]
    articles += [a for a in library.articles.values() if event.id in a.events and a.id not in event.articles]
    if articles:
        lines = [f"{BULLET} {escape_markdown(a.title)} ({a.publication}, {a.year})" for a in articles]
        fields.append(Field("In articles", join_lines(lines, FIELD_VALUE_LIMIT)))
    return Card(
        title=event.title,
        description=event.description,
        fields=tuple(fields),
        footer=pack_footer(library, [event.pack]),
        kind="event",
    )


def related_events(event: Event, library: Library) -> list[Event]:
    """The events a card's menu can open: the overview it is part of (if any), then its related events."""
    ids = [event.part_of] if event.part_of is not None else []
    ids += [r for r in event.related_events if r not in ids]
    return [library.events[r] for r in ids if r in library.events]


# --- articles ---------------------------------------------------------------------------------------


def article_byline(article: Article) -> str:
    issue = f" no. {article.issue}" if article.issue else ""
    return f"{article.byline} · {article.publication}{issue} · {article.published.human()}"


def article_card(article: Article, library: Library, length: str = "medium", *, intro: str = "") -> Card:
    """An article's first screen: the chosen summary and the argument, in one card.

    The key points, the context notes and the events it mentions are not on it: buttons (or the
    console's ``points``, ``notes`` and ``events``) open them on demand, see :func:`article_parts`.
    ``intro`` (the daily post's note) goes above the summary.
    """
    if length not in SUMMARY_LENGTHS:
        length = "medium"
    fields: list[Field] = []
    if article.argument:
        fields.append(Field("The argument", article.argument))
    footer_note = f"{length.capitalize()} summary"
    if article.summaries_generated:
        footer_note += " (generated automatically from the text)"
    summary = article.summaries.get(length)
    return Card(
        title=article.title,
        url=article.url,
        author=article_byline(article),
        description=f"{intro}\n\n{summary}" if intro and summary else (intro or summary),
        fields=tuple(fields),
        footer=pack_footer(library, [article.pack], footer_note),
        kind="article",
    )


def article_events(article: Article, library: Library) -> list[Event]:
    """The events an article mentions that are in the library, oldest first."""
    found = [library.events[e] for e in dict.fromkeys(article.events) if e in library.events]
    return sorted(found, key=lambda e: e.sort_key)


#: The custom id of an article's buttons: they carry what they open, so they work for anyone at
#: any time, after a restart too (article ids are at most 80 characters: 98 of Discord's 100).
ARTICLE_PART_ID = re.compile(r"fb:article:(?P<part>points|notes|events):(?P<article>[a-z0-9-]{1,80})")


@dataclass(frozen=True, slots=True)
class ArticlePart:
    """One thing an article's first screen opens on demand: ``key`` names it, ``label`` is its button."""

    key: str
    label: str
    count: int
    article_id: str = ""

    @property
    def custom_id(self) -> str:
        return f"fb:article:{self.key}:{self.article_id}"[:100]


def article_parts(article: Article, library: Library) -> tuple[ArticlePart, ...]:
    """What the buttons under an article open: key points, what the record says, the events (with counts)."""
    parts = []
    if article.key_points:
        count = len(article.key_points)
        parts.append(ArticlePart("points", f"Key points ({count})", count, article.id))
    if article.context_notes:
        count = len(article.context_notes)
        parts.append(ArticlePart("notes", f"What the record says ({count})", count, article.id))
    events = article_events(article, library)
    if events:
        parts.append(ArticlePart("events", f"Events ({len(events)})", len(events), article.id))
    return tuple(parts)


def key_points_card(article: Article, library: Library) -> Card:
    """An article's key points, as one card."""
    points = [f"{BULLET} {p}" for p in article.key_points] or ["This article has no key points."]
    return Card(
        title=f"Key points ({len(article.key_points)})" if article.key_points else "Key points",
        description=join_lines(points, DESCRIPTION_LIMIT),
        author=shorten(article.title, AUTHOR_LIMIT),
        footer=pack_footer(library, [article.pack]),
        kind="article",
    )


def note_cards(article: Article, library: Library) -> list[Card]:
    """One card per context note, with its full text and every source (for paging through)."""
    cards = []
    total = len(article.context_notes)
    for number, note in enumerate(article.context_notes, start=1):
        body = note.note
        if note.claim:
            body = f"**The article:** {note.claim}\n\n**The record:** {note.note}"
        sources = source_lines(note.sources)
        fields = (Field("Sources", join_lines(sources, FIELD_VALUE_LIMIT)),) if sources else ()
        cards.append(
            Card(
                title=f"What the record says ({number}/{total})",
                description=body,
                fields=fields,
                author=article.title,
                footer=pack_footer(library, [article.pack]),
                kind="record",
            )
        )
    return cards


# --- lists and pages ---------------------------------------------------------------------------------


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def list_card(
    title: str,
    lines: Sequence[str],
    *,
    intro: str = "",
    footer: str = "",
    kind: str = "list",
) -> Card:
    """A card listing ``lines`` (one page of results) under an optional intro."""
    head = f"{intro}\n\n" if intro else ""
    body = join_lines(lines, DESCRIPTION_LIMIT - len(head), separator="\n\n")
    return Card(title=title, description=head + body, footer=footer, kind=kind)


DAY_PAGE_SIZE = 5


def day_title(label: str, nearby: bool) -> str:
    """The one title of a day's events, for ``/onthisday``, the daily post and its previews."""
    return f"This week in history: around {label}" if nearby else f"On this day: {label}"


def day_card(
    library: Library,
    events: Sequence[Event],
    label: str,
    *,
    nearby: bool = False,
    timezone: str = "",
    total: int | None = None,
    page: int = 0,
    per_page: int = DAY_PAGE_SIZE,
    year: int | None = None,
) -> Card:
    """One page of a day's events: the /onthisday answer, and the daily post (page 0).

    ``label`` is the day (``17 June``); ``nearby`` marks the this-week fallback; ``timezone``
    (when given) is named in the intro; ``total`` is how many events there were before a pick;
    ``year`` (the year it is) adds how long ago each event was.
    """
    chunk = list(events[page * per_page : (page + 1) * per_page])
    count = len(events) if total is None else total
    return list_card(
        day_title(label, nearby),
        [event_summary_line(e, year=year) for e in chunk],
        intro=onthisday_intro(label, count, nearby, timezone),
        footer=pack_footer(library, [e.pack for e in chunk]),
        kind="day",
    )


def onthisday_intro(label: str, count: int, nearby: bool, timezone: str) -> str:
    where = f" ({timezone})" if timezone else ""
    if count == 0:
        return f"Nothing in the library for {label}{where}, or the three days either side."
    if nearby:
        return (
            f"Nothing on {label} itself{where}, so here is this week in history: "
            f"{plural(count, 'event')} within three days."
        )
    return f"{plural(count, 'event')} on {label}{where}."


# --- plain text (the offline console) ---------------------------------------------------------------


def card_text(card: Card) -> str:
    """A card as plain text: what an embed would show, for terminals and logs."""
    lines = []
    if card.author:
        lines.append(card.author)
    lines.append(card.title)
    if card.url:
        lines.append(card.url)
    if card.description:
        lines += ["", card.description]
    for item in card.fields:
        lines += ["", f"{item.name}:", item.value]
    if card.footer:
        lines += ["", f"— {card.footer}"]
    return "\n".join(lines)


# --- help and about ------------------------------------------------------------------------------------

HELP_SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Articles",
        (
            (
                "/article show article:<title> length:short|medium|long",
                "a summary and its argument; buttons open the key points, what the record says and the events",
            ),
            ("/article list", "every article, page by page"),
        ),
    ),
    (
        "Events",
        (
            ("/event show event:<name>", "date, place, description, sources, related events"),
            ("/event search query:strike year:1953", "ranked search with year, place and tag filters"),
        ),
    ),
    (
        "Days and timelines",
        (
            ("/onthisday", "what happened today (your server's timezone; UTC in DMs)"),
            ("/onthisday date:17 June", "any other day; empty days show that week in history"),
            ("/timeline from_year:1953 to_year:1956 place:Hungary", "events in order"),
        ),
    ),
    (
        "About",
        (
            ("/help", "this message"),
            ("/about", "version, library size, latency, uptime and source"),
        ),
    ),
)


def help_card(extra_sections: Sequence[tuple[str, Sequence[tuple[str, str]]]] = ()) -> Card:
    fields = []
    for name, entries in (*HELP_SECTIONS, *extra_sections):
        value = "\n".join(f"`{usage}`\n{what}" for usage, what in entries)
        fields.append(Field(name, value))
    return Card(
        title=f"{BRAND}: people's history on Discord",
        description=(
            "Summaries of articles about history from below, the events they mention, "
            "and what happened on any day of the year. Every command works in servers and in DMs; "
            "start typing an option to get suggestions."
        ),
        fields=tuple(fields),
        footer=BRAND,
        kind="info",
    )


def format_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if days or hours:
        parts.append(f"{hours}h")
    if days or hours or minutes:
        parts.append(f"{minutes}m")
    parts.append(f"{secs}s")
    return " ".join(parts)


_sizes: list[tuple[Library, str]] = []


def library_size(library: Library) -> str:
    """``3 packs, 1 article, 524 events`` and day coverage; computed once per library."""
    if _sizes and _sizes[0][0] is library:
        return _sizes[0][1]
    day_precise = sum(1 for e in library.events.values() if e.is_day_precise)
    text = (
        f"{plural(len(library.packs), 'pack')}, {plural(len(library.articles), 'article')}, "
        f"{plural(len(library.events), 'event')}\n"
        f"{day_precise} dated to the day, covering {library.day_count} of 366 days"
    )
    _sizes[:] = [(library, text)]
    return text


def about_card(
    *,
    version: str,
    library: Library,
    latency_ms: float | None,
    uptime_seconds: float,
    source_url: str,
    servers: int | None = None,
    shard: tuple[int, int] | None = None,
) -> Card:
    """``shard`` is (this conversation's shard id, the bot's shard count); ``latency_ms`` is that shard's."""
    size = library_size(library)
    latency = f"{latency_ms:.0f} ms" if latency_ms is not None and latency_ms == latency_ms else "not connected"
    fields = [
        Field("Version", version, inline=True),
        Field("Latency", latency, inline=True),
        *([Field("Shard", f"{shard[0]} of {shard[1]}", inline=True)] if shard is not None else []),
        Field("Uptime", format_duration(uptime_seconds), inline=True),
        Field("Library", size),
    ]
    if servers is not None:
        fields.append(Field("Servers", str(servers), inline=True))
    packs = [f"{BULLET} {p.name}" for p in sorted(library.packs.values(), key=lambda p: p.name)]
    if packs:
        fields.append(Field("Packs", join_lines(packs, FIELD_VALUE_LIMIT)))
    fields.append(
        Field(
            "Source",
            f"[Code and issue tracker]({source_url})"
            if source_url
            else "This server's operator has not published a link.",
        )
    )
    return Card(
        title=f"About {BRAND}",
        description="A self-hosted bot for people's history: article summaries, events and on-this-day posts.",
        fields=tuple(fields),
        footer=BRAND,
        kind="info",
    )
