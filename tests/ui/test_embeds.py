"""The renderer keeps every Discord limit, whatever the content (pure: no bot, no network)."""

from __future__ import annotations

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import DEFAULT_CONTENT_DIR
from bot.content_loader import load_library
from bot.core.dates import HistoricalDate
from bot.core.models import Article, ContextNote, Event, Library, Pack, Source, Summaries
from bot.ui.embeds import (
    about_embed,
    article_embeds,
    embed_size,
    event_embed,
    help_embed,
    message_embeds,
    note_embeds,
    select_options,
)
from bot.ui.layout import (
    Card,
    Field,
    Option,
    card_text,
    chunk_options,
    day_card,
    event_option,
    fit_message,
    join_lines,
    shorten,
)

WORD = "solidarity"
# Longer than any limit, including a 6,000+ character single "word" and Markdown links.
HUGE = " ".join([WORD] * 2000)
NO_SPACES = "x" * 9000
LINKY = " ".join(f"[source {i}](https://example.org/{i})" for i in range(400))


def assert_embed_limits(embeds: list[discord.Embed]) -> None:
    assert len(embeds) <= 10
    for embed in embeds:
        data = embed.to_dict()
        assert len(data.get("title", "")) <= 256
        assert len(data.get("description", "")) <= 4096
        assert len((data.get("footer") or {}).get("text", "")) <= 2048
        assert len((data.get("author") or {}).get("name", "")) <= 256
        fields = data.get("fields", [])
        assert len(fields) <= 25
        for field in fields:
            assert 0 < len(field["name"]) <= 256
            assert 0 < len(field["value"]) <= 1024
    assert embed_size(embeds) <= 6000


def _sources(n: int) -> tuple[Source, ...]:
    return tuple(Source(f"{WORD} " * 25, f"https://example.org/{'y' * 480}/{i}") for i in range(n))


def huge_library() -> tuple[Library, Article, Event]:
    pack = Pack("p", "N" * 100, "d", "en", ("c",), "l", "/p")
    related = {
        f"r-{i}": Event(
            f"r-{i}", "R" * 150, HistoricalDate(1900 + i, 1, 1), ("P",), ("C",), "d" * 80, ("t",), _sources(1), "p"
        )
        for i in range(60)
    }
    event = Event(
        id="huge",
        title=HUGE,
        date=HistoricalDate(1917, 3, 8),
        end_date=HistoricalDate(1917, 3, 12),
        old_style_date=(1917, 2, 23),
        places=tuple(f"Place {'z' * 40} {i}" for i in range(100)),
        countries=tuple(f"Country {i}" for i in range(40)),
        description=HUGE,
        tags=tuple(f"tag-{'q' * 70}-{i}" for i in range(30)),
        sources=_sources(50),
        pack="p",
        related_events=tuple(related),
        articles=("big",),
    )
    article = Article(
        id="big",
        title=NO_SPACES,
        authors=tuple("A" * 100 for _ in range(20)),
        publication="P" * 300,
        published=HistoricalDate(2003, 3, 8),
        summaries=Summaries(HUGE[:9000], LINKY, NO_SPACES),
        key_points=tuple(HUGE[:2000] for _ in range(30)),
        argument=HUGE,
        tags=("t",),
        events=("huge", *related),
        pack="p",
        issue="9" * 50,
        url="https://example.org/" + "u" * 3000,
        context_notes=tuple(ContextNote(HUGE, _sources(40), claim=HUGE) for _ in range(40)),
    )
    library = Library.build({"p": pack}, {"big": article}, {"huge": event, **related})
    return library, article, event


@pytest.mark.parametrize("length", ["short", "medium", "long"])
def test_article_embeds_keep_every_limit_with_the_longest_content(length: str) -> None:
    library, article, _ = huge_library()
    embeds = article_embeds(article, library, length)
    assert_embed_limits(embeds)
    assert embeds[0].title is not None
    assert embeds[0].title.endswith("…")
    assert embeds[0].url is None  # a URL over Discord's limit is left out rather than cut


def test_event_embed_keeps_every_limit_with_the_longest_content() -> None:
    library, _, event = huge_library()
    embed = event_embed(event, library)
    assert_embed_limits([embed])
    assert embed.description is not None
    assert embed.description.endswith("…")
    assert " solidarit…" not in embed.description  # cut between words, not inside one


def test_note_embeds_keep_every_limit_each() -> None:
    library, article, _ = huge_library()
    embeds = note_embeds(article, library)
    assert len(embeds) == 40
    for embed in embeds:
        assert_embed_limits([embed])


def test_help_and_about_fit() -> None:
    library, _, _ = huge_library()
    assert_embed_limits([help_embed()])
    about = about_embed(version="1", library=library, latency_ms=12.3, uptime_seconds=90061, source_url="https://x.org")
    assert_embed_limits([about])
    fields = {f.name: f.value for f in about.fields}
    assert fields["Uptime"] == "1d 1h 1m 1s"
    assert fields["Latency"] == "12 ms"
    assert "Shard" not in fields  # no shard known (the console): no field
    sharded = about_embed(version="1", library=library, latency_ms=None, uptime_seconds=5, source_url="", shard=(3, 16))
    assert_embed_limits([sharded])
    fields = {f.name: f.value for f in sharded.fields}
    assert fields["Shard"] == "3 of 16"
    assert fields["Latency"] == "not connected"


def test_select_options_are_capped_and_cut() -> None:
    library, article, _ = huge_library()
    options = [event_option(library.events[e]) for e in article.events]
    assert len(options) == 61
    menus = chunk_options(options)
    assert [len(m) for m in menus] == [25, 25, 11]
    rendered = select_options(options)
    assert len(rendered) == 25
    for option in rendered:
        assert 0 < len(option.label) <= 100
        assert len(option.value) <= 100
        assert option.description is None or len(option.description) <= 100


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("short", 10) == "short"
    assert shorten(NO_SPACES, 10) == "x" * 9 + "…"
    cut = shorten("see [the source](https://example.org/a) and more words here", 30)
    assert "](" not in cut or cut.count("(") == cut.count(")")


def test_join_lines_keeps_whole_lines_and_counts_the_rest() -> None:
    lines = [f"line {i}" for i in range(100)]
    joined = join_lines(lines, 60)
    assert len(joined) <= 60
    assert joined.startswith("line 0\nline 1")
    assert joined.endswith("more")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.builds(
            Card,
            title=st.text(max_size=400),
            description=st.text(max_size=6000),
            fields=st.lists(
                st.builds(Field, name=st.text(max_size=300), value=st.text(max_size=1500), inline=st.booleans()),
                max_size=30,
            ).map(tuple),
            footer=st.text(max_size=2500),
            author=st.text(max_size=300),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_fit_message_always_keeps_every_limit(cards: list[Card]) -> None:
    fitted = fit_message(cards)
    assert 1 <= len(fitted) <= 10
    assert sum(c.size for c in fitted) <= 6000
    assert_embed_limits(message_embeds(cards))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000), st.integers(min_value=2, max_value=2500))
def test_shorten_never_exceeds_the_limit(text: str, limit: int) -> None:
    cut = shorten(text, limit)
    assert len(cut) <= limit
    if len(text.strip()) <= limit:
        assert cut == text.strip()
    else:
        assert cut.endswith("…")


def day_embed(library, events, label, **kwargs):
    return message_embeds([day_card(library, events, label, **kwargs)])[0]


def test_day_embed_for_the_daily_post_names_the_day_and_the_pack() -> None:
    library, _, _ = huge_library()
    events = [library.events[f"r-{i}"] for i in range(8)]
    embed = day_embed(library, events, "1 January", timezone="Europe/Berlin", total=8)
    assert_embed_limits([embed])
    assert embed.title == "On this day: 1 January"
    assert embed.description is not None
    assert "8 events on 1 January (Europe/Berlin)." in embed.description
    assert embed.description.count("\n\n") == 5  # intro + 5 events (a post shows at most 5)
    assert embed.footer.text == f"Source pack: {'N' * 100}"
    nearby = day_embed(library, events[:1], "3 January", nearby=True)
    assert nearby.title == "This week in history: around 3 January"


def test_card_text_shows_what_the_embed_shows() -> None:
    card = Card(title="T", description="D", url="https://x.org", fields=(Field("F", "V"),), footer="P", author="A")
    assert card_text(card) == "A\nT\nhttps://x.org\n\nD\n\nF:\nV\n\n— P"


def test_every_shipped_article_and_event_renders_within_limits() -> None:
    library = load_library([DEFAULT_CONTENT_DIR]).library
    for article in library.articles.values():
        for length in ("short", "medium", "long"):
            embeds = article_embeds(article, library, length)
            assert_embed_limits(embeds)
            # The summary is shown whole: shipped summaries are written to fit.
            assert embeds[0].description == article.summaries.get(length)
        for embed in note_embeds(article, library):
            assert_embed_limits([embed])
    for event in library.events.values():
        embed = event_embed(event, library)
        assert_embed_limits([embed])
        assert embed.title == event.title


def test_chunk_options_drops_repeated_values_keeping_the_first() -> None:
    options = [Option("a", "x"), Option("b", "y"), Option("c", "x")]
    assert chunk_options(options) == [(Option("a", "x"), Option("b", "y"))]
