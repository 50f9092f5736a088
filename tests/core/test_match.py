"""Lookups never guess: typos open the right event, nonsense opens nothing (with suggestions).

The tables run real queries against the shipped library, on both sides of MATCH_THRESHOLD.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.autocomplete import Autocompleter, article_choice_name, event_choice_name
from bot.core.match import (
    MATCH_THRESHOLD,
    Match,
    allowed_edits,
    content_words,
    match_article,
    match_event,
    no_match_text,
    word_score,
)
from bot.core.models import Article, Event, Library
from bot.core.search import SearchFilters, SearchIndex


def opened(found: Match[Event] | Match[Article]) -> str | None:
    """The id a lookup opens, or None."""
    return found.best.id if found.best is not None else None


@pytest.fixture(scope="module")
def shipped_completer(shipped_library: Library) -> Autocompleter:
    return Autocompleter.build(shipped_library)


#: Misspellings, word order, short years, place names, other word forms: each opens its event.
OPENS = [
    ("hungarain 1956", "hungarian-revolution-1956"),  # swapped letters
    ("hungarain revolutoin", "hungarian-revolution-1956"),
    ("revolution hungarian 1956", "hungarian-revolution-1956"),  # word order
    ("1956 hungary revolution", "hungarian-revolution-1956"),
    ("berlin 53 uprising", "east-german-uprising-1953"),  # place, short year, title word
    ("17 june 1953", "east-german-uprising-1953"),
    ("june 17 uprising", "east-german-uprising-1953"),
    ("prague sprng", "prague-spring-1968"),
    ("solidarnosc", "solidarity-founded-1980"),  # the Polish name: another form of the word
    ("solidarity founded", "solidarity-founded-1980"),
    ("tiananmen 89", "june-fourth-massacre-1989"),
    ("tianamen", "june-fourth-massacre-1989"),
    ("tiananmen square massacre", "june-fourth-massacre-1989"),
    ("hunger strike tiananmen", "tiananmen-hunger-strike-1989"),
    ("velvet revolution", "velvet-revolution-1989"),
    ("armenian velvet revolution", "armenian-velvet-revolution-2018"),
    ("vorkta", "vorkuta-uprising-1953"),  # a place with two events; one an article discusses
    ("vorkuta uprisng", "vorkuta-uprising-1953"),
    ("paris comune", "paris-commune-1871"),  # the whole id, not "Bloody Week crushes the Commune"
    ("bloody week", "bloody-week-paris-1871"),
    ("charter 77", "charter-77"),
    ("charta 77", "charter-77"),
    ("jan palah", "jan-palach-1969"),  # not "Jan Zajíc follows Palach"
    ("berlin wall opend", "berlin-wall-opened-1989"),
    ("berlin wall built 1961", "berlin-wall-built-1961"),
    ("wenceslas sqaure", "wenceslas-square-1989"),
    ("kronstad rebellion", "kronstadt-rebellion-1921"),
    ("gdansk shipyard strik", "gdansk-shipyard-strike-1980"),
    ("gdansk agreement", "gdansk-agreement-1980"),
    ("martial law poland", "martial-law-poland-1981"),
    ("poznan 1956", "poznan-uprising-1956"),
    ("poznań uprising", "poznan-uprising-1956"),
    ("romanian revolution", "romanian-revolution-1989"),
    ("death of stalin", "death-of-stalin-1953"),
    ("stalin death", "death-of-stalin-1953"),
    ("pan european picnic", "pan-european-picnic-1989"),
    ("kapp putsch", "kapp-putsch-general-strike-1920"),
    ("rosa luxemburg murdered", "luxemburg-liebknecht-murdered-1919"),
    ("bloody thursday", "kossuth-square-massacre-1956"),
    ("kossuth square", "kossuth-square-massacre-1956"),
    ("salgotarjan", "salgotarjan-massacre-1956"),
    ("warsaw pact invasion", "warsaw-pact-invasion-czechoslovakia-1968"),
    ("czechoslovakia invasion 1968", "warsaw-pact-invasion-czechoslovakia-1968"),
    ("prague embasy", "prague-embassy-refugees-1989"),
    ("nagy reburial", "nagy-reburial-1989"),
    ("EAST GERMAN UPRISING", "east-german-uprising-1953"),
    ("The uprising of 17 June in East Germany", "east-german-uprising-1953"),  # the exact title
    ("east-german-uprising-1953", "east-german-uprising-1953"),  # an autocomplete choice (the id)
]


@pytest.mark.parametrize(("typed", "expected"), OPENS)
def test_typos_open_the_right_event(
    shipped_library: Library, shipped_completer: Autocompleter, typed: str, expected: str
) -> None:
    found = match_event(shipped_library, shipped_completer, typed)
    assert found.best is not None, (typed, found.score, [e.id for e in found.suggestions])
    assert found.best.id == expected
    assert found.score >= MATCH_THRESHOLD


def test_every_shipped_id_title_and_choice_name_opens_its_event(
    shipped_library: Library, shipped_completer: Autocompleter
) -> None:
    missed = [
        (text, opened(match_event(shipped_library, shipped_completer, text)))
        for event in shipped_library.events.values()
        for text in (event.id, event.title, event.title.upper(), event_choice_name(event))
        if opened(match_event(shipped_library, shipped_completer, text)) != event.id
    ]
    assert not missed, missed[:10]
    for article in shipped_library.articles.values():
        for text in (article.id, article.title, article_choice_name(article)):
            assert opened(match_article(shipped_library, shipped_completer, text)) == article.id, text


#: Nonsense, a bare year or a bare place fits no event, or dozens equally: nothing opens.
#: The second column is the first "did you mean" suggestion (None: no suggestion makes sense).
REFUSED = [
    ("o'brien", None),
    ("obrien", None),
    ("huge", None),
    ("xyzzy", None),
    ("pizza", None),
    ("hello world", None),
    ("the", None),
    ("of the", None),
    ("a", None),
    ("x", None),
    ("q", None),
    ("*", None),
    ("", None),
    ("1953", "gulag-amnesty-march-1953"),  # a year says when, not which: an article's events first
    ("1989", "revolutions-of-1989"),
    ("budapest", "hungarian-revolution-1956"),  # a place with 25 events
    ("east berlin", "berlin-wall-opened-1989"),
    ("timisoara", "romanian-revolution-1989"),  # two events an article discusses, equally
    ("prague 1968", "prague-spring-1968"),
    ("hungary 1956", "hungarian-revolution-1956"),
    ("strike", None),  # a word in dozens of titles
    ("uprising", None),
    ("revolution", None),
    ("huge strike", None),  # half the words found nowhere: below the threshold
    ("hungarian uprising 1956", "hungarian-revolution-1956"),  # two words in three: just below
]


@pytest.mark.parametrize(("typed", "first_suggestion"), REFUSED)
def test_nonsense_opens_nothing(
    shipped_library: Library, shipped_completer: Autocompleter, typed: str, first_suggestion: str | None
) -> None:
    found = match_event(shipped_library, shipped_completer, typed)
    assert found.best is None, (typed, found.best.id if found.best else None, found.score)
    assert len(found.suggestions) <= 3
    if first_suggestion is not None:
        assert found.suggestions[0].id == first_suggestion


def test_the_threshold_lies_between_the_two_tables(shipped_library: Library, shipped_completer: Autocompleter) -> None:
    """The lowest typo that opens and the highest near miss, measured (see MATCH_THRESHOLD)."""
    opened = [match_event(shipped_library, shipped_completer, typed).score for typed, _ in OPENS]
    assert min(opened) == pytest.approx(75.0)  # "solidarnosc"
    near_misses = ["hungarian uprising 1956", "huge strike", "hungarian pizza 1956"]
    missed = [match_event(shipped_library, shipped_completer, typed).score for typed in near_misses]
    assert max(missed) == pytest.approx(200 / 3)
    assert max(missed) < MATCH_THRESHOLD <= min(opened)


def test_packs_restrict_the_match(shipped_library: Library, shipped_completer: Autocompleter) -> None:
    pack = shipped_library.events["hungarian-revolution-1956"].pack
    others = frozenset(shipped_library.packs) - {pack}
    assert match_event(shipped_library, shipped_completer, "hungarian-revolution-1956", others).best is None
    assert match_event(shipped_library, shipped_completer, "hungarain 1956", others).best is None
    found = match_event(shipped_library, shipped_completer, "hungarain 1956", frozenset({pack}))
    assert opened(found) == "hungarian-revolution-1956"


def test_articles_are_matched_the_same_way(shipped_library: Library, shipped_completer: Autocompleter) -> None:
    (article_id,) = shipped_library.articles
    for typed in ("tyranny toppled", "tyrany topled", "tyranny", article_id):
        found = match_article(shipped_library, shipped_completer, typed)
        assert opened(found) == article_id, typed
    for typed in ("o'brien", "huge", "the", "2003"):
        assert match_article(shipped_library, shipped_completer, typed).best is None, typed


# --- the tie-break: what an article discusses ---------------------------------------------------


def _twins(
    build_event: Callable[..., Event], build_article: Callable[..., Article], *, discussed: tuple[str, ...]
) -> tuple[list[Event], list[Article]]:
    events = [
        build_event("dock-strike-hull", "Dock strike", "1911-06-14", places=("Hull",), countries=("United Kingdom",)),
        build_event("dock-strike-leith", "Dock strike", "1913-06-14", places=("Leith",), countries=("United Kingdom",)),
    ]
    return events, [build_article("on-the-docks", "On the docks", events=discussed)]


@pytest.mark.parametrize("discussed", ["dock-strike-hull", "dock-strike-leith"])
def test_an_event_an_article_discusses_wins_a_tie(
    build_event: Callable[..., Event],
    build_article: Callable[..., Article],
    build_library: Callable[..., Library],
    discussed: str,
) -> None:
    library = build_library(*_twins(build_event, build_article, discussed=(discussed,)))
    completer = Autocompleter.build(library)
    found = match_event(library, completer, "dock strke")
    assert opened(found) == discussed
    assert completer.events("dock strike")[0].value == discussed  # autocomplete too
    index = SearchIndex.build(library)
    assert index.search("dock strike", SearchFilters(kind="event")).hits[0].id == discussed  # and search


def test_a_tie_nobody_discusses_opens_nothing(
    build_event: Callable[..., Event], build_article: Callable[..., Article], build_library: Callable[..., Library]
) -> None:
    library = build_library(*_twins(build_event, build_article, discussed=()))
    found = match_event(library, Autocompleter.build(library), "dock strke")
    assert found.best is None
    assert {e.id for e in found.suggestions} == {"dock-strike-hull", "dock-strike-leith"}


def test_discussed_events_survive_the_cache_file(
    build_event: Callable[..., Event],
    build_article: Callable[..., Article],
    build_library: Callable[..., Library],
    tmp_path: Path,
) -> None:
    library = build_library(*_twins(build_event, build_article, discussed=("dock-strike-leith",)))
    SearchIndex.build(library, tmp_path / "index.sqlite3").close()
    reloaded = SearchIndex.build(library, tmp_path / "index.sqlite3")
    assert reloaded.from_cache
    assert reloaded.autocompleter.discussed_events == {"dock-strike-leith"}
    found = match_event(library, reloaded.autocompleter, "dock strke")
    assert opened(found) == "dock-strike-leith"
    # Discussing another event changes the content hash: the cache is rebuilt, not reused.
    moved = build_library(*_twins(build_event, build_article, discussed=("dock-strike-hull",)))
    rebuilt = SearchIndex.build(moved, tmp_path / "index.sqlite3")
    assert not rebuilt.from_cache
    assert rebuilt.autocompleter.discussed_events == {"dock-strike-hull"}


# --- the pieces -----------------------------------------------------------------------------------


def test_word_scores() -> None:
    assert word_score("prague", ["prague"]) == 1.0
    assert word_score("vork", ["vorkuta"]) == 0.9  # the beginning of a word
    assert word_score("hungarain", ["hungarian"]) == pytest.approx(1 - 1 / 9)  # a swap is one edit
    assert word_score("solidarnosc", ["solidarity"]) == 0.75  # another form of the word
    assert word_score("huge", ["hunger"]) == 0.0  # two edits in four letters is another word
    assert word_score("53", ["1953"]) == 0.0  # numbers match exactly or not at all
    assert [allowed_edits(w) for w in ("the", "huge", "vorkuta", "hungarain")] == [0, 1, 1, 2]


def test_content_words_drop_stopwords_and_single_letters() -> None:
    assert content_words("The o'Brien of the Łódź") == ["brien", "lodz"]
    assert content_words("the a of") == []


def test_no_match_text() -> None:
    assert no_match_text("event", "huge", [], "Try `/event search`.") == "No event matches “huge”. Try `/event search`."
    text = no_match_text("event", "1953", ["A (1953)", "B (1953)", "C", "D"], "Hint.")
    assert text == "No event matches “1953”. Did you mean:\n• A (1953)\n• B (1953)\n• C\nHint."
