"""Choosing packs by id, by name (names may have commas), or by the start of either."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_CONTENT_DIR
from bot.content_loader import load_library
from bot.core.errors import UserInputError
from bot.core.models import Library
from bot.core.packs import resolve_packs


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([DEFAULT_CONTENT_DIR]).library


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("Revolts against Stalinism, 1917–1991", {"revolts-against-stalinism"}),
        ("revolts against stalinism, 1917–1991", {"revolts-against-stalinism"}),
        (
            "Revolts against Stalinism, 1917–1991, Strikes and protest in democracies, 1907 to today",
            {"revolts-against-stalinism", "struggles-in-democracies"},
        ),
        ("revolts", {"revolts-against-stalinism"}),
        ("revolts, toppled", {"revolts-against-stalinism", "toppled-from-below"}),
        ("Tyranny", {"tyranny-toppled"}),
        ("struggles in democracies", {"struggles-in-democracies"}),
        ("revolts-against-stalinism, tyranny-toppled", {"revolts-against-stalinism", "tyranny-toppled"}),
    ],
)
def test_packs_by_name_with_commas_or_by_the_start_of_an_id(library: Library, text: str, chosen: set[str]) -> None:
    assert resolve_packs(text, library) == frozenset(chosen)


def test_all_is_every_pack(library: Library) -> None:
    assert resolve_packs("All", library) is None


def test_an_ambiguous_start_asks_for_more(library: Library) -> None:
    with pytest.raises(UserInputError) as info:
        resolve_packs("t", library)
    assert info.value.message == "“t” could be toppled-from-below or tyranny-toppled: please give more of the name."


def test_unknown_packs_are_named_without_markdown(library: Library) -> None:
    with pytest.raises(UserInputError) as info:
        resolve_packs("nope, zilch", library)
    message = info.value.message
    assert message.startswith("I don't know packs called “nope” or “zilch”. Packs: revolts-against-stalinism")
    assert "`" not in message
    assert "(s)" not in message


def test_a_long_list_of_commas_is_quick_and_refused(library: Library) -> None:
    with pytest.raises(UserInputError, match="at least one pack"):
        resolve_packs("," * 10_000, library)
