"""Full-text search: ranking, filters, pagination, hostile input, and the on-disk cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.autocomplete import fold_key
from bot.core.errors import UserInputError
from bot.core.models import Event, Library
from bot.core.search import (
    MAX_QUERY_CHARS,
    SearchFilters,
    SearchIndex,
    SearchResults,
    content_hash,
    fts_query,
    query_terms,
)


@pytest.fixture(scope="module")
def index(small_library: Library) -> Iterator[SearchIndex]:
    built = SearchIndex.build(small_library)
    yield built
    built.close()


def ids(results: SearchResults) -> list[str]:
    return [hit.id for hit in results.hits]


def allowed_ids(library: Library, packs: frozenset[str]) -> set[str]:
    return {e.id for e in library.events.values() if e.pack in packs} | {
        a.id for a in library.articles.values() if a.pack in packs
    }


# --- ranking and matching ------------------------------------------------------------------------


def test_title_match_ranks_above_tag_and_description_match(index: SearchIndex) -> None:
    found = ids(index.search("uprising"))
    # Two events have "uprising" in the title, one as a tag, one only in its description.
    assert set(found[:2]) == {"east-german-uprising-1953", "vorkuta-uprising-1953"}
    assert found[2:] == ["lodz-insurrection-1905", "uprising-mentioned-1970"]


def test_all_words_must_match_first(index: SearchIndex) -> None:
    results = index.search("hungarian revolution 1956")
    assert ids(results) == ["hungarian-revolution-1956"]
    assert results.total == 1
    hit = results.hits[0]
    assert (hit.kind, hit.title, hit.year) == ("event", "Hungarian Revolution begins", 1956)
    assert hit.score > 0


def test_commonest_word_is_dropped_when_no_result_has_all(index: SearchIndex) -> None:
    # No document has both; "strike" is the commoner word, so it is dropped.
    assert ids(index.search("budapest strike")) == ["hungarian-revolution-1956"]
    assert ids(index.search("strike budapest")) == ["hungarian-revolution-1956"]


def test_unknown_words_are_dropped(index: SearchIndex) -> None:
    assert ids(index.search("vorkuta xyzzyq")) == ["vorkuta-uprising-1953"]
    assert index.search("xyzzyq").total == 0


def test_stopwords_alone_are_not_a_query(index: SearchIndex) -> None:
    assert index.search("the and of").is_empty
    assert index.search("AND OR NOT").is_empty


def test_prefix_when_no_whole_word_matches(index: SearchIndex) -> None:
    assert "vorkuta-uprising-1953" in ids(index.search("vorku"))


@pytest.mark.parametrize("query", ["lodz", "Łódź", "ŁÓDŹ", "LODZ insurrection"])
def test_accents_and_case_do_not_matter(index: SearchIndex, query: str) -> None:
    assert ids(index.search(query))[0] == "lodz-insurrection-1905"


def test_other_scripts(index: SearchIndex) -> None:
    assert ids(index.search("五四运动")) == ["may-fourth-1919"]
    assert ids(index.search("北京")) == ["may-fourth-1919"]


def test_places_dates_and_tags_are_searchable(index: SearchIndex) -> None:
    assert ids(index.search("Budapest")) == ["hungarian-revolution-1956"]
    assert "east-german-uprising-1953" in ids(index.search("17 June 1953"))
    assert set(ids(index.search("famine"))) == {"year-only-1921"}


def test_articles_are_searchable(index: SearchIndex) -> None:
    results = index.search("tyranny toppled")
    assert results.hits[0].kind == "article"
    assert results.hits[0].id == "tyranny-toppled"


def test_snippet_marks_matched_words(index: SearchIndex) -> None:
    hit = index.search("shipyard lenin").hits[0]
    assert hit.id == "gdansk-shipyard-strike-1980"
    assert "**Lenin**" in hit.snippet
    assert "**Shipyard**" in hit.snippet


def test_snippet_falls_back_to_the_description(index: SearchIndex) -> None:
    hit = index.search("Uprising in East Germany").hits[0]  # no word of it is in the description
    assert hit.id == "east-german-uprising-1953"
    assert hit.snippet.startswith("Building workers on Stalinallee")
    assert "**" not in hit.snippet


# --- filters -----------------------------------------------------------------------------------------


def test_year_range_filter(index: SearchIndex) -> None:
    results = index.search("strike", SearchFilters(year_from=1950, year_to=1960))
    assert set(ids(results)) == {
        "east-german-uprising-1953",
        "vorkuta-uprising-1953",
        "leap-day-strike-1960",
        "june-1953-month",
    }
    assert all(1950 <= hit.year <= 1960 for hit in results.hits)


def test_reversed_year_range_is_read_the_right_way_round(index: SearchIndex) -> None:
    assert ids(index.search("strike", SearchFilters(1960, 1950))) == ids(
        index.search("strike", SearchFilters(1950, 1960))
    )


def test_single_year(index: SearchIndex) -> None:
    found = index.search("strike", SearchFilters(year_from=1980, year_to=1980))
    assert ids(found) == ["gdansk-shipyard-strike-1980"]


@pytest.mark.parametrize("place", ["Gdańsk", "gdansk", "GDANSK ", "Poland"])
def test_place_or_country_filter(index: SearchIndex, place: str) -> None:
    found = set(ids(index.search("strike", SearchFilters(place=place))))
    assert {"gdansk-shipyard-strike-1980", "uprising-mentioned-1970"} <= found
    assert "east-german-uprising-1953" not in found


def test_tag_filter(index: SearchIndex) -> None:
    assert ids(index.search("uprising", SearchFilters(tag="prison-camp"))) == ["vorkuta-uprising-1953"]


def test_pack_filter(index: SearchIndex) -> None:
    assert ids(index.search("revolution", SearchFilters(packs=frozenset({"test"})))) == []
    assert ids(index.search("revolution", SearchFilters(packs=frozenset({"other"})))) == ["hungarian-revolution-1956"]
    assert index.search("strike", SearchFilters(packs=frozenset())).total == 0


def test_kind_filter(index: SearchIndex) -> None:
    assert {h.kind for h in index.search("east berlin", SearchFilters(kind="article")).hits} == {"article"}
    assert {h.kind for h in index.search("strike", SearchFilters(kind="event")).hits} == {"event"}
    with pytest.raises(UserInputError):
        index.search("strike", SearchFilters(kind="podcast"))


def test_filters_alone_browse_chronologically(index: SearchIndex) -> None:
    results = index.search("", SearchFilters(tag="strike"))
    years = [h.year for h in results.hits]
    assert years == sorted(years)
    assert results.total == 6
    assert all(h.snippet for h in results.hits)


def test_no_words_and_no_filters_is_nothing_found(index: SearchIndex) -> None:
    results = index.search("   ")
    assert results.is_empty
    assert results.hits == ()


# --- pagination --------------------------------------------------------------------------------------


def test_pages_are_disjoint_and_cover_everything(index: SearchIndex) -> None:
    everything = index.search("strike", limit=50)
    pages = [index.search("strike", limit=2, offset=o) for o in range(0, everything.total, 2)]
    assert all(p.total == everything.total for p in pages)
    assert [i for p in pages for i in ids(p)] == ids(everything)
    assert pages[0].has_more
    assert not pages[-1].has_more


def test_offset_past_the_end_still_counts(index: SearchIndex) -> None:
    results = index.search("strike", offset=100)
    assert results.hits == ()
    assert results.total >= 6
    assert not results.has_more


def test_limit_is_clamped(index: SearchIndex) -> None:
    assert len(index.search("strike", limit=0).hits) == 1
    assert index.search("strike", limit=10_000).limit == 50


# --- hostile input -----------------------------------------------------------------------------------

HOSTILE = [
    "",
    '"',
    '"unterminated',
    "*",
    "-",
    "-strike",
    "NEAR",
    "NEAR(strike uprising)",
    "strike AND",
    "AND OR NOT",
    "(",
    ")",
    "((strike)",
    "title:strike",
    "{title}: strike",
    "^strike",
    "strike*",
    "🔥🚩",
    "✊ strike ✊",
    "Забастовка",
    "ストライキ",
    "إضراب",
    "x" * 500,
    "strike " * 100,
    "\x00\x01",
    "'; DROP TABLE items; --",
    "_",
    "__init__",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_just_text(index: SearchIndex, text: str) -> None:
    results = index.search(text)
    assert isinstance(results, SearchResults)
    assert len(results.query) <= MAX_QUERY_CHARS
    assert results.total >= len(results.hits)


def test_operators_are_searched_as_words(index: SearchIndex) -> None:
    assert "east-german-uprising-1953" in ids(index.search("NEAR(strike uprising)"))
    assert "east-german-uprising-1953" in ids(index.search("-strike"))
    assert index.search("'; DROP TABLE items; --").total == 0
    assert index.search("uprising").total == 4  # still there


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(max_size=600),
    year_from=st.none() | st.integers(-10_000, 10_000),
    tag=st.none() | st.text(max_size=20),
    place=st.none() | st.text(max_size=20),
    offset=st.integers(-5, 50),
    limit=st.integers(-5, 100),
    kind=st.sampled_from([None, "event", "article"]),
    packs=st.none() | st.frozensets(st.sampled_from(["test", "other", "nope"])),
)
def test_any_text_gives_results_or_nothing(
    index: SearchIndex,
    text: str,
    year_from: int | None,
    tag: str | None,
    place: str | None,
    offset: int,
    limit: int,
    kind: str | None,
    packs: frozenset[str] | None,
) -> None:
    filters = SearchFilters(year_from=year_from, tag=tag, place=place, kind=kind, packs=packs)
    results = index.search(text, filters, limit=limit, offset=offset)
    assert isinstance(results, SearchResults)
    assert 0 <= len(results.hits) <= 50
    assert results.total >= len(results.hits)
    for hit in results.hits:
        assert kind is None or hit.kind == kind
        assert packs is None or hit.id in allowed_ids(index.library, packs)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_fts_query_quotes_every_term(text: str) -> None:
    terms = query_terms(text)
    assert len(terms) <= 16
    for term in terms:
        assert term
        assert '"' not in term
        assert len(term) <= 64
    query = fts_query(terms, prefix=True, any_term=True)
    assert query.count('"') == 2 * len(terms)


# --- the cache -----------------------------------------------------------------------------------------


def test_memory_index(small_library: Library) -> None:
    built = SearchIndex.build(small_library, ":memory:")
    assert not built.from_cache
    assert built.search("vorkuta").total == 1
    assert len(built) == 11


def test_cache_is_reused_when_content_is_unchanged(small_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "deep" / "search.sqlite3"
    first = SearchIndex.build(small_library, path)
    assert not first.from_cache
    assert path.is_file()
    first.close()
    stamp = path.stat().st_mtime_ns
    second = SearchIndex.build(small_library, path)
    assert second.from_cache
    assert path.stat().st_mtime_ns == stamp
    assert ids(second.search("vorkuta")) == ["vorkuta-uprising-1953"]
    second.close()


def test_cache_is_rebuilt_when_content_changes(
    small_library: Library, tmp_path: Path, build_event: Callable[..., Event], build_library: Callable[..., Library]
) -> None:
    path = tmp_path / "search.sqlite3"
    SearchIndex.build(small_library, path).close()
    changed = build_library(
        [*small_library.events.values(), build_event("kronstadt-1921", "Kronstadt rising", "1921-03-01")],
        small_library.articles.values(),
    )
    assert content_hash(changed) != content_hash(small_library)
    rebuilt = SearchIndex.build(changed, path)
    assert not rebuilt.from_cache
    assert ids(rebuilt.search("kronstadt")) == ["kronstadt-1921"]
    rebuilt.close()
    assert SearchIndex.build(changed, path).from_cache


def test_edited_description_changes_the_hash(
    small_library: Library, build_event: Callable[..., Event], build_library: Callable[..., Library]
) -> None:
    events = dict(small_library.events)
    old = events["vorkuta-uprising-1953"]
    events[old.id] = build_event(old.id, old.title, "1953-07-19", end_date="1953-08-01", description="Different.")
    assert content_hash(build_library(events.values(), small_library.articles.values())) != content_hash(small_library)


def test_damaged_cache_is_rebuilt(small_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    built = SearchIndex.build(small_library, path)
    assert not built.from_cache
    assert built.search("vorkuta").total == 1
    built.close()


# --- the shipped library -------------------------------------------------------------------------------


def test_every_shipped_event_is_found_by_its_title(shipped_library: Library) -> None:
    built = SearchIndex.build(shipped_library)
    missed = [e.id for e in shipped_library.events.values() if e.id not in ids(built.search(e.title, limit=10))]
    assert missed == []
    for article in shipped_library.articles.values():
        assert article.id in ids(built.search(article.title, SearchFilters(kind="article")))


def test_shipped_filters_agree_with_the_model(shipped_library: Library) -> None:
    built = SearchIndex.build(shipped_library)
    for tag in sorted({t for e in shipped_library.events.values() for t in e.tags})[:10]:
        expected = {e.id for e in shipped_library.events.values() if tag in e.tags}
        got = built.search("", SearchFilters(tag=tag, kind="event"), limit=50)
        assert got.total == len(expected)
        assert {h.id for h in got.hits} <= expected


# --- large result sets and the cache's autocomplete ---------------------------------------------------


def test_huge_result_sets_rank_title_matches_then_go_by_date(
    small_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = SearchIndex.build(small_library)
    full = ids(built.search("strike", limit=50))
    monkeypatch.setattr("bot.core.search.RANK_LIMIT", 2)
    capped = built.search("strike", limit=50)
    assert (capped.total, capped.total_exact, capped.total_label) == (2, False, "2+")
    assert sorted(ids(capped)) == sorted(full)
    # "strike" is in one title: that comes first; the rest follow in chronological order.
    assert ids(capped)[0] == "gdansk-shipyard-strike-1980"
    rest = [small_library.events[i].sort_key for i in ids(capped)[1:]]
    assert rest == sorted(rest)
    pages = [built.search("strike", limit=3, offset=o) for o in (0, 3)]
    assert [i for p in pages for i in ids(p)] == ids(capped)[:6]
    built.close()


def test_year_range_applies_to_articles_too(index: SearchIndex) -> None:
    assert ids(index.search("tyranny", SearchFilters(year_from=2003, year_to=2003))) == ["tyranny-toppled"]
    assert index.search("tyranny", SearchFilters(year_from=1900, year_to=2002)).total == 0
    assert index.search("", SearchFilters(year_from=2000)).total == 1
    assert index.search("", SearchFilters(year_from=1, year_to=9999)).total == len(index)
    assert index.search("", SearchFilters(year_from=3000)).total == 0


def test_cached_autocomplete_matches_a_fresh_one(small_library: Library, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    fresh = SearchIndex.build(small_library, path)
    fresh.close()
    cached = SearchIndex.build(small_library, path)
    assert cached.from_cache
    for typed in ["", "hungarain 1956", "berlin 53 uprising", "lodz", "tyranny", "zzz"]:
        for kind in (None, "event", "article"):
            assert cached.autocompleter.complete(typed, kind=kind) == fresh.autocompleter.complete(typed, kind=kind)
    assert cached.autocompleter.complete("", packs={"other"}) == fresh.autocompleter.complete("", packs={"other"})
    assert cached.autocompleter.complete_places("gdansk") == fresh.autocompleter.complete_places("gdansk")
    assert cached.autocompleter.tags == fresh.autocompleter.tags
    cached.close()


def test_snippet_bolds_accented_matches(index: SearchIndex) -> None:
    assert "**Łódź**" in index.search("lodz").hits[0].snippet
    assert "**Łódź**" in index.search("łódź textile").hits[0].snippet


def test_snippet_is_a_window_around_the_first_match(
    build_event: Callable[..., Event], build_library: Callable[..., Library]
) -> None:
    words_before = " ".join(f"word{n}" for n in range(150))
    event = build_event("long", "Long one", "1900-01-01", description=f"{words_before} the barricades went up. End.")
    built = SearchIndex.build(build_library([event]))
    snippet = built.search("barricades").hits[0].snippet
    assert "**barricades**" in snippet
    assert snippet.startswith("…")
    assert len(snippet) <= 210
    built.close()


def test_a_closed_index_finds_nothing(small_library: Library) -> None:
    built = SearchIndex.build(small_library)
    built.close()
    assert built.search("vorkuta").is_empty


def test_unwritable_cache_falls_back_to_memory(small_library: Library, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    built = SearchIndex.build(small_library, blocker / "search.sqlite3")
    assert not built.from_cache
    assert ids(built.search("vorkuta")) == ["vorkuta-uprising-1953"]
    assert built.autocompleter.events("vorkuta")[0].value == "vorkuta-uprising-1953"
    built.close()


def test_common_words_are_ordered_cheaply_with_an_exact_total(
    small_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = SearchIndex.build(small_library)
    ranked = built.search("strike", limit=50)
    monkeypatch.setattr("bot.core.search.RANK_COST_LIMIT", 0)
    cheap = built.search("strike", limit=50)
    assert (cheap.total, cheap.total_exact) == (ranked.total, True)
    assert sorted(ids(cheap)) == sorted(ids(ranked))
    assert ids(cheap)[0] == "gdansk-shipyard-strike-1980"  # the only title with "strike"
    rest = [small_library.events[i].sort_key for i in ids(cheap)[1:]]
    assert rest == sorted(rest)
    assert ids(built.search("strike", SearchFilters(kind="event", packs=frozenset({"test"})))) == ids(
        built.search("strike", SearchFilters(kind="event"))
    )
    built.close()


def test_negative_filters(index: SearchIndex) -> None:
    # "events" is written as "not articles"; one pack of two as "not the other pack".
    assert {h.kind for h in index.search("", SearchFilters(kind="event"), limit=50).hits} == {"event"}
    assert index.search("", SearchFilters(kind="event")).total == 10
    assert index.search("", SearchFilters(packs=frozenset({"test"}))).total == 10
    assert index.search("", SearchFilters(packs=frozenset({"test", "other"}))).is_empty
    assert index.search("", SearchFilters(kind="article", packs=frozenset({"test"}))).total == 1


def expected_ids(library: Library, filters: SearchFilters) -> set[str]:
    lo, hi = filters.year_from, filters.year_to
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    found = set()
    for item in [*library.events.values(), *library.articles.values()]:
        if lo is not None and item.year < lo:
            continue
        if hi is not None and item.year > hi:
            continue
        if filters.kind is not None and item.kind != filters.kind:
            continue
        if filters.tag is not None and filters.tag not in item.tags:
            continue
        if filters.packs is not None and item.pack not in filters.packs:
            continue
        if filters.place is not None:
            places = (*item.places, *item.countries) if isinstance(item, Event) else ()
            if fold_key(filters.place) not in {fold_key(p) for p in places}:
                continue
        found.add(item.id)
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    year_from=st.none() | st.integers(1890, 2010),
    year_to=st.none() | st.integers(1890, 2010),
    tag=st.none() | st.sampled_from(["strike", "uprising", "students", "famine", "stalinism", "none-such"]),
    place=st.none() | st.sampled_from(["Gdańsk", "poland", "Berlin", "北京", "Nowhere"]),
    kind=st.sampled_from([None, "event", "article"]),
    packs=st.none() | st.frozensets(st.sampled_from(["test", "other", "nope"]), min_size=1),
)
def test_filters_select_exactly_what_the_model_says(
    index: SearchIndex,
    year_from: int | None,
    year_to: int | None,
    tag: str | None,
    place: str | None,
    kind: str | None,
    packs: frozenset[str] | None,
) -> None:
    filters = SearchFilters(year_from, year_to, place, tag, packs, kind)
    expected = expected_ids(index.library, filters)
    results = index.search("", filters, limit=50)
    if filters.is_empty or (
        filters == SearchFilters(packs=packs) and expected == allowed_ids(index.library, packs or frozenset())
    ):
        return  # no effective filter: browsing everything is not offered
    assert set(ids(results)) == expected
    assert results.total == len(expected)
    years = [h.year for h in results.hits]
    assert years == sorted(years)
    with_word = index.search("the strike", filters, limit=50)  # "the" is a stopword
    assert set(ids(with_word)) <= expected


def test_snippet_starts_at_the_description_when_the_title_matches(
    build_event: Callable[..., Event], build_library: Callable[..., Library]
) -> None:
    words_before = " ".join(f"word{n}" for n in range(150))
    event = build_event(
        "camp", "Barricades in the camp", "1900-01-01", description=f"{words_before} the barricades went up. End."
    )
    built = SearchIndex.build(build_library([event]))
    snippet = built.search("barricades").hits[0].snippet
    assert snippet.startswith("word0 word1")
    built.close()
