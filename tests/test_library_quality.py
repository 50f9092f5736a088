"""The shipped library's quality rules (content/README.md): sentences and independent sources."""

from __future__ import annotations

import re

from bot.config import DEFAULT_CONTENT_DIR
from bot.content_loader import load_library
from bot.core.models import Event

LIBRARY = load_library([DEFAULT_CONTENT_DIR]).library
ARTICLE_EVENTS = {e for a in LIBRARY.articles.values() for e in a.events}
#: Abbreviations and initials whose full stop ends no sentence.
_NOT_AN_END = re.compile(r"\b(?:[A-Z]|St|Dr|Mr|Mrs|Gen|Lt|Col|Jr|Sr|No|vs|c|ca|U\.S|U\.K|e\.g|i\.e)\.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9“\"‘'(])")


def sentence_count(text: str) -> int:
    cleaned = _NOT_AN_END.sub(lambda m: m.group(0).replace(".", ""), text.strip())
    return len([s for s in _SENTENCE_END.split(cleaned) if s.strip()])


def has_independent_second_source(event: Event) -> bool:
    return len(event.sources) >= 2 and any("wikipedia.org" not in s.url for s in event.sources)


def test_sentence_counting_knows_initials() -> None:
    assert sentence_count("Led by J. B. Marks, they struck. Police fired.") == 2
    assert sentence_count("One. Two. Three. Four. Five.") == 5


def test_every_description_has_two_to_four_sentences() -> None:
    outside = {e.id: sentence_count(e.description) for e in LIBRARY.events.values()}
    assert {k: v for k, v in outside.items() if not 2 <= v <= 4} == {}


def test_every_event_the_article_discusses_has_an_independent_second_source() -> None:
    missing = [i for i in sorted(ARTICLE_EVENTS) if not has_independent_second_source(LIBRARY.events[i])]
    assert missing == []


def test_at_least_a_third_of_the_other_events_have_an_independent_second_source() -> None:
    rest = [e for e in LIBRARY.events.values() if e.id not in ARTICLE_EVENTS]
    assert sum(map(has_independent_second_source, rest)) * 3 >= len(rest)


def test_no_event_names_one_country_twice_under_two_names() -> None:
    """One country per event: 'Burma (now Myanmar)', never 'Burma' and 'Myanmar' side by side."""
    doubled = []
    for event in LIBRARY.events.values():
        later = {m.group(1) for c in event.countries if (m := re.search(r"\(now ([^)]+)\)", c))}
        doubled += [(event.id, c) for c in event.countries if c in later]
    assert doubled == []
