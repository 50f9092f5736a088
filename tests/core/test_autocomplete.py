"""Autocomplete forgives typos and word order and always fits Discord's limits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.autocomplete import (
    CHOICE_NAME_LIMIT,
    MAX_CHOICES,
    Autocompleter,
    Choice,
    clip,
    fold,
    fold_key,
    list_places,
    list_tags,
    tag_counts,
)
from bot.core.models import Event, Library


@pytest.fixture(scope="module")
def completer(small_library: Library) -> Autocompleter:
    return Autocompleter.build(small_library)


def values(choices: list[Choice]) -> list[str]:
    return [c.value for c in choices]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hungarain 1956", "hungarian-revolution-1956"),  # transposed letters
        ("hungarian revolution", "hungarian-revolution-1956"),
        ("1956 revolution hungarian", "hungarian-revolution-1956"),  # any word order
        ("hungarian rev", "hungarian-revolution-1956"),  # half-typed last word
        ("berlin 53 uprising", "east-german-uprising-1953"),  # place, short year, title word
        ("uprisng east germany", "east-german-uprising-1953"),  # missing letter
        ("EAST GERMANY", "east-german-uprising-1953"),
        ("vork", "vorkuta-uprising-1953"),
        ("vorkuta 1953", "vorkuta-uprising-1953"),
        ("lodz", "lodz-insurrection-1905"),
        ("Łódź 1905", "lodz-insurrection-1905"),
        ("gdansk shipyard", "gdansk-shipyard-strike-1980"),
        ("gdańsk shipyard strik", "gdansk-shipyard-strike-1980"),
        ("五四运动", "may-fourth-1919"),
        ("may fourth", "may-fourth-1919"),
        ("leap day dockers", "leap-day-strike-1960"),
        ("east-german-uprising-1953", "east-german-uprising-1953"),  # the id itself
    ],
)
def test_forgiving_event_lookup(completer: Autocompleter, typed: str, expected: str) -> None:
    assert values(completer.events(typed))[0] == expected


def test_article_lookup(completer: Autocompleter) -> None:
    assert values(completer.articles("tyrany toppled")) == ["tyranny-toppled"]
    assert values(completer.articles("croft")) == ["tyranny-toppled"]
    assert completer.articles("vorkuta") == []


def test_complete_mixes_kinds_only_when_asked(completer: Autocompleter) -> None:
    assert "tyranny-toppled" in values(completer.complete("tyranny"))
    assert "tyranny-toppled" not in values(completer.complete("tyranny", kind="event"))
    assert values(completer.complete("vorkuta", kind="event")) == ["vorkuta-uprising-1953"]
    assert values(completer.complete("tyranny", kind="article")) == ["tyranny-toppled"]


def test_choice_names_show_the_date(completer: Autocompleter) -> None:
    choice = completer.events("vorkuta")[0]
    assert choice.name == "Vorkuta uprising (19 July 1953)"
    article = completer.articles("tyranny")[0]
    assert article.name == "Tyranny toppled by its victims — Socialist Worker, 2003"


def test_empty_input_offers_a_first_page(completer: Autocompleter, small_library: Library) -> None:
    choices = completer.events("")
    assert len(choices) == len(small_library.events)
    assert [c.name.casefold() for c in choices] == sorted(c.name.casefold() for c in choices)


def test_nothing_matches(completer: Autocompleter) -> None:
    assert completer.events("zzzzqqqq") == []


def test_text_without_words_is_like_empty_input(completer: Autocompleter) -> None:
    assert completer.events("🔥 — !!") == completer.events("")


def test_packs_restrict_choices(completer: Autocompleter) -> None:
    assert values(completer.events("revolution", packs={"other"})) == ["hungarian-revolution-1956"]
    assert completer.events("revolution", packs={"test"}) == [] or "hungarian-revolution-1956" not in values(
        completer.events("revolution", packs={"test"})
    )
    assert completer.events("", packs=set()) == []
    assert all(c.value != "hungarian-revolution-1956" for c in completer.events("", packs={"test"}))


def test_limit_is_capped_at_25(completer: Autocompleter) -> None:
    assert len(completer.events("", limit=1000)) <= MAX_CHOICES
    assert len(completer.events("strike", limit=2)) == 2
    assert completer.events("strike", limit=0) == []


def test_many_long_titles_fit_discord(build_event: Callable[..., Event], build_library: Callable[..., Library]) -> None:
    long_title = "The very long and winding general strike of the united dockers and shipyard workers " * 2
    events = [
        build_event(f"strike-{n}", f"{long_title[:140]} number {n}", f"{1900 + n % 100}-05-{1 + n % 28:02d}")
        for n in range(300)
    ]
    completer = Autocompleter.build(build_library(events))
    for typed in ["", "strike", "dockers 1950", "genral strik", "number 17"]:
        choices = completer.events(typed)
        assert 0 < len(choices) <= MAX_CHOICES
        assert all(len(c.name) <= CHOICE_NAME_LIMIT for c in choices)
        assert all(c.value.startswith("strike-") for c in choices)
    assert "strike-17" in values(completer.events("number 17 1917"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), kind=st.sampled_from([None, "event", "article"]))
def test_any_text_gives_valid_choices(completer: Autocompleter, small_library: Library, text: str, kind: str) -> None:
    choices = completer.complete(text, kind=kind)
    assert len(choices) <= MAX_CHOICES
    known = set(small_library.events) | set(small_library.articles)
    for choice in choices:
        assert 0 < len(choice.name) <= CHOICE_NAME_LIMIT
        assert choice.value in known


# --- tags and places ---------------------------------------------------------------------------------


def test_list_tags_and_places(small_library: Library) -> None:
    tags = list_tags(small_library)
    assert tags == tuple(sorted(tags))
    assert {"strike", "prison-camp", "stalinism", "famine"} <= set(tags)
    places = list_places(small_library)
    assert {"Gdańsk", "Poland", "Łódź", "East Berlin", "北京"} <= set(places)
    assert len(places) == len({fold_key(p) for p in places})
    assert tag_counts(small_library)["strike"] == 6


def test_complete_tags(completer: Autocompleter) -> None:
    assert values(completer.complete_tags("stri"))[0] == "strike"
    assert values(completer.complete_tags("prison"))[0] == "prison-camp"
    assert values(completer.complete_tags("camp"))[0] == "prison-camp"
    assert values(completer.complete_tags("strikke"))[0] == "strike"
    assert len(completer.complete_tags("")) == min(MAX_CHOICES, len(completer.tags))


def test_complete_places(completer: Autocompleter) -> None:
    assert values(completer.complete_places("gdansk")) == ["Gdańsk"]
    assert values(completer.complete_places("lodz"))[0] == "Łódź"
    assert values(completer.complete_places("berlin"))[:2] == ["Berlin", "East Berlin"]
    assert values(completer.complete_places("hungray"))[0] == "Hungary"


# --- text helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Łódź", "lodz"), ("Straße", "strasse"), ("Ærøskøbing", "aeroskobing"), ("Gdańsk", "gdansk"), ("ABC", "abc")],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_key_drops_punctuation() -> None:
    assert fold_key("  Workers' councils — Budapest, 1956!  ") == "workers councils budapest 1956"


@settings(max_examples=200)
@given(st.text(max_size=300), st.integers(2, 150))
def test_clip_fits(text: str, limit: int) -> None:
    assert len(clip(text, limit)) <= limit


# --- the shipped library -------------------------------------------------------------------------------


def test_every_shipped_event_is_found_by_its_title(shipped_library: Library) -> None:
    completer = Autocompleter.build(shipped_library)
    for event in shipped_library.events.values():
        assert event.id in values(completer.events(event.title))[:3], event.title


def test_shipped_events_are_found_with_a_typo(shipped_library: Library) -> None:
    completer = Autocompleter.build(shipped_library)
    missed = []
    for event in shipped_library.events.values():
        word = max(event.title.split(), key=len)
        if len(word) < 6:
            continue
        typo = word[:2] + word[3] + word[2] + word[4:]  # swap two letters
        typed = event.title.replace(word, typo, 1) + f" {event.year}"
        if event.id not in values(completer.events(typed)):
            missed.append(typed)
    assert missed == []
