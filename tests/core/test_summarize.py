"""Extractive summaries for articles with a body and no curated summaries."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content_loader import load_library
from bot.core.errors import ValidationError
from bot.core.models import SUMMARY_LIMITS, Summaries
from bot.core.summarize import split_sentences, summarize

# Written for these tests (not copied from any source).
BODY = """\
# The June days

In June 1953 the building workers of East Berlin downed tools against a ten per cent rise in work norms. \
Dr. Otto Nuschke, a deputy prime minister, was briefly held by the crowd. The strike began on Stalinallee, \
the showpiece avenue of the new regime.

By the morning of 17 June strikes had spread to more than 500 towns across East Germany. Workers demanded \
free elections, the release of political prisoners and the resignation of the government. In some towns, \
e.g. Bitterfeld and Halle, strike committees took over the running of affairs.

The Soviet army declared martial law at one in the afternoon. Tanks were sent into Berlin, Leipzig and other \
cities. Dozens were killed and thousands arrested in the weeks that followed.

The rising showed that the regime's claim to rule on behalf of the workers was hollow. It was the first of a \
series of revolts across the Eastern bloc, followed by Poland and Hungary in 1956. Workers' councils would \
return in Budapest three years later, and the strike committees of 1953 were remembered there.
"""


def long_body(paragraphs: int = 30) -> str:
    topics = ["strike", "council", "shipyard", "prison camp", "railway", "union", "march", "occupation"]
    out = []
    for p in range(paragraphs):
        sentences = [
            f"The {topics[(p + k) % len(topics)]} in town {p} grew as workers from shop {k} joined it."
            for k in range(6)
        ]
        out.append(" ".join(sentences))
    return "\n\n".join(out)


def test_lengths_fit_the_limits() -> None:
    for body in (BODY, long_body(), long_body(300)):
        summaries = summarize(body)
        for name, limit in SUMMARY_LIMITS.items():
            text = summaries.get(name)
            assert 0 < len(text) <= limit, name
        assert len(summaries.short) <= len(summaries.medium) <= len(summaries.long)


def test_summaries_are_sentences_of_the_body_in_order() -> None:
    sentences = split_sentences(BODY)
    summaries = summarize(BODY)
    for text in (summaries.short, summaries.medium, summaries.long):
        positions = []
        rest = text
        for sentence in sentences:
            if sentence in rest:
                positions.append(sentences.index(sentence))
                rest = rest.replace(sentence, "", 1)
        assert rest.strip() == "", text
        assert positions == sorted(positions)


def test_the_lead_sentence_leads() -> None:
    summaries = summarize(BODY)
    assert summaries.short.startswith("In June 1953 the building workers of East Berlin")
    assert summaries.medium.startswith("In June 1953")
    assert "17 June" in summaries.medium  # the spread of the strike is central


def test_headings_are_left_out() -> None:
    assert "#" not in summarize(BODY).long
    assert "The June days" not in summarize(BODY).long


def test_a_short_body_is_its_own_summary() -> None:
    body = "Workers struck at the Lenin Shipyard. They won."
    assert summarize(body) == Summaries(body, body, body)


def test_one_enormous_sentence_is_cut_at_a_word() -> None:
    body = " ".join(f"word{n}" for n in range(2000))
    summaries = summarize(body)
    assert len(summaries.short) <= 200
    assert summaries.short.endswith("…")
    assert summaries.short[:-1].split()[-1].startswith("word")
    assert len(summaries.long) <= 2000


def test_deterministic() -> None:
    assert summarize(long_body()) == summarize(long_body())


@pytest.mark.parametrize("body", ["", "   ", "\n\n\t"])
def test_empty_body_is_an_error(body: str) -> None:
    with pytest.raises(ValidationError, match="nothing to summarise"):
        summarize(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "He met J. Smith in the U.S. in 1953. Then he left!",
            ["He met J. Smith in the U.S. in 1953.", "Then he left!"],
        ),
        ("Dr. Nagy spoke. Mr. Rajk did not.", ["Dr. Nagy spoke.", "Mr. Rajk did not."]),
        ("It cost 3.5 marks. Prices rose.", ["It cost 3.5 marks.", "Prices rose."]),
        ('"Down with norms!" they shouted. Police came.', ['"Down with norms!" they shouted.', "Police came."]),
        ("Towns, e.g. Halle, rose. Others waited.", ["Towns, e.g. Halle, rose.", "Others waited."]),
        ("First paragraph\n\nSecond one.", ["First paragraph", "Second one."]),
        ("Did they win? Yes. In 1956. Then:", ["Did they win?", "Yes.", "In 1956.", "Then:"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


sentence = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=60))
def test_any_body_gives_summaries_within_limits(parts: list[str]) -> None:
    body = ". ".join(parts)
    if not body.strip():
        with pytest.raises(ValidationError):
            summarize(body)
        return
    summaries = summarize(body)
    for name, limit in SUMMARY_LIMITS.items():
        assert 0 < len(summaries.get(name)) <= limit


# --- through the real loader -----------------------------------------------------------------------------

TAGS = "topics:\n  strike: A strike.\n"
MANIFEST = "id: own\nname: Own\ndescription: An operator's pack.\nlanguage: en\ncredits: [Me]\nlicence: CC0\n"


def write_article(root: Path, article: dict[str, object]) -> None:
    (root / "tags.yaml").write_text(TAGS)
    pack = root / "own"
    (pack / "articles").mkdir(parents=True)
    (pack / "pack.yaml").write_text(MANIFEST)
    (pack / "articles" / "a.yaml").write_text(yaml.safe_dump({"articles": [article]}, allow_unicode=True))


def base_article() -> dict[str, object]:
    return {
        "id": "june-days",
        "title": "The June days",
        "authors": ["An Operator"],
        "publication": "Our bulletin",
        "published": "2023-06-17",
        "key_points": ["The strike spread."],
        "argument": "The rising came from below.",
        "tags": ["strike"],
        "events": [],
    }


def test_loader_summarises_an_article_with_only_a_body(tmp_path: Path) -> None:
    write_article(tmp_path, {**base_article(), "body": BODY})
    result = load_library([tmp_path])
    assert result.issues == ()
    article = result.library.articles["june-days"]
    assert article.summaries_generated
    assert article.summaries == summarize(article.body)


def test_loader_keeps_curated_summaries_as_written(tmp_path: Path) -> None:
    curated = {"short": "Curated short.", "medium": "Curated medium.", "long": "Curated long."}
    write_article(tmp_path, {**base_article(), "body": BODY, "summaries": curated})
    article = load_library([tmp_path]).library.articles["june-days"]
    assert not article.summaries_generated
    assert article.summaries == Summaries(**curated)
