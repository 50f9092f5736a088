"""The shipped article "Tyranny toppled by its victims", loaded through the real content loader.

These tests read the YAML under ``content/`` exactly as the bot does. The article links events
that live in another pack (``revolts-against-stalinism``); until that pack is present, the loader
rejects this pack (its event references dangle) and these tests fail with the loader's issues.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content_loader import LoadResult, load_library
from bot.core.dates import HistoricalDate
from bot.core.models import KEY_POINT_LIMIT, NOTE_LIMIT, SUMMARY_LIMITS, Article, Library

CONTENT = Path(__file__).resolve().parents[1] / "content"
PACK_ID = "tyranny-toppled"
ARTICLE_ID = "tyranny-toppled-by-its-victims"
URL_RE = re.compile(r"^https?://\S+$")

#: Every event the article mentions, by the fixed ids of the revolts-against-stalinism pack.
EXPECTED_EVENTS = frozenset(
    {
        "russian-february-revolution-1917",
        "russian-october-revolution-1917",
        "german-revolution-november-1918",
        "forced-collectivisation-1930",
        "moscow-show-trials-1936",
        "gulag-system-established-1930",
        "death-of-stalin-1953",
        "gulag-amnesty-march-1953",
        "east-berlin-builders-strike-1953",
        "east-german-uprising-1953",
        "norilsk-uprising-1953",
        "vorkuta-uprising-1953",
        "poznan-uprising-1956",
        "polish-october-1956",
        "hungarian-revolution-1956",
        "soviet-intervention-hungary-1956",
        "prague-spring-1968",
        "warsaw-pact-invasion-czechoslovakia-1968",
        "gdansk-shipyard-strike-1980",
        "gdansk-agreement-1980",
        "solidarity-founded-1980",
        "martial-law-poland-1981",
        "polish-elections-june-1989",
        "berlin-wall-opened-1989",
        "velvet-revolution-1989",
        "romanian-revolution-1989",
        "revolutions-of-1989",
    }
)


@pytest.fixture(scope="module")
def result() -> LoadResult:
    return load_library([CONTENT])


@pytest.fixture(scope="module")
def library(result: LoadResult) -> Library:
    return result.library


@pytest.fixture(scope="module")
def article(result: LoadResult) -> Article:
    found = result.library.articles.get(ARTICLE_ID)
    if found is None:
        ours = [str(i) for i in result.issues if f"/{PACK_ID}/" in i.path.replace("\\", "/")]
        shown = "\n".join(ours[:30]) or "(no issues reported for this pack)"
        pytest.fail(f"article {ARTICLE_ID!r} did not load; issues in pack {PACK_ID!r}:\n{shown}")
    return found


def test_pack_loads_without_issues(result: LoadResult) -> None:
    ours = [str(i) for i in result.issues if f"/{PACK_ID}/" in i.path.replace("\\", "/")]
    assert ours == []
    assert PACK_ID not in result.rejected_packs
    pack = result.library.packs[PACK_ID]
    assert pack.language == "en"
    assert pack.licence
    assert any("Hazel Croft" in c and "Tyranny toppled by its victims" in c for c in pack.credits)


def test_article_metadata(article: Article) -> None:
    assert article.pack == PACK_ID
    assert article.title == "Tyranny toppled by its victims"
    assert article.authors == ("Hazel Croft",)
    assert article.publication == "Socialist Worker"
    assert article.issue == "1841"
    # Issue 1841 was the Saturday issue of 8 March 2003 (1840: 1 March, 1842: 15 March).
    assert article.published == HistoricalDate(2003, 3, 8)
    assert article.url.startswith("https://socialistworker.co.uk/")


def test_summaries_are_within_limits(article: Article) -> None:
    assert not article.summaries_generated
    for length, limit in SUMMARY_LIMITS.items():
        text = article.summaries.get(length)
        assert text.strip(), f"{length} summary is empty"
        assert len(text) <= limit, f"{length} summary has {len(text)} > {limit} characters"
    short, medium, long_ = (article.summaries.get(n) for n in ("short", "medium", "long"))
    assert len(short) < len(medium) < len(long_)


def test_key_points_and_argument(article: Article) -> None:
    assert 5 <= len(article.key_points) <= 8
    for point in article.key_points:
        assert point.strip()
        assert len(point) <= KEY_POINT_LIMIT
    assert len(set(article.key_points)) == len(article.key_points)
    assert article.argument.strip()
    assert "\n" not in article.argument
    assert len(article.argument) <= 300


def test_context_notes_are_sourced(article: Article) -> None:
    assert len(article.context_notes) >= 4
    for note in article.context_notes:
        assert note.claim.strip()
        assert note.note.strip()
        assert len(note.note) <= NOTE_LIMIT
        assert note.sources, f"context note on {note.claim!r} has no source"
        for source in note.sources:
            assert source.title.strip()
            assert URL_RE.match(source.url), source.url


def _note_about(article: Article, word: str) -> str:
    matches = [n.note for n in article.context_notes if word.lower() in (n.claim + " " + n.note).lower()]
    assert matches, f"no context note mentions {word!r}"
    return " ".join(matches)


def test_context_notes_cover_the_disputed_claims(article: Article) -> None:
    amnesty = _note_about(article, "amnesty")
    assert "27 March 1953" in amnesty
    assert "1.2 million" in amnesty
    assert "1960" in amnesty
    norilsk = _note_about(article, "Norilsk")
    assert "16,000" in norilsk
    assert "20,000" in norilsk
    assert "disputed" in norilsk
    vorkuta = _note_about(article, "Vorkuta")
    assert "1 August 1953" in vorkuta
    assert "Mine 29" in vorkuta
    assert "53" in vorkuta
    invasion = _note_about(article, "Warsaw Pact")
    assert "20–21 August 1968" in invasion
    for country in ("Poland", "Hungary", "Bulgaria", "East German"):
        assert country in invasion


def test_article_links_every_event_it_mentions(article: Article, library: Library) -> None:
    linked = set(article.events)
    assert len(linked) == len(article.events), "an event is linked twice"
    missing_links = sorted(EXPECTED_EVENTS - linked)
    assert missing_links == [], f"article does not link: {missing_links}"
    missing_events = sorted(e for e in linked if e not in library.events)
    assert missing_events == [], f"events not in the library: {missing_events}"


def test_expected_events_exist_in_library(library: Library) -> None:
    missing = sorted(EXPECTED_EVENTS - set(library.events))
    assert missing == [], f"events not in the library: {missing}"


def test_every_event_in_library_has_a_web_source(library: Library) -> None:
    assert library.events, "the shipped library has no events"
    for event in library.events.values():
        assert event.sources, f"event {event.id} has no source"
        assert any(URL_RE.match(s.url) for s in event.sources), f"event {event.id} has no http(s) source"
