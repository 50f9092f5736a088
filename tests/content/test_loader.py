"""The content engine: every class of bad input is reported as file:line: field: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content_loader import load_library
from bot.core.dates import Precision

MANIFEST = """\
id: {pack}
name: Test pack
description: A pack written by the tests.
language: en
credits: [The tests]
licence: CC0
"""

GOOD_EVENT = """\
  - id: {id}
    title: A general strike
    date: {date}
    place: Gdańsk
    country: Poland
    description: >-
      Workers at the shipyard stopped work and elected a strike committee.
      Within days the strike spread along the coast.
    tags: [strike, poland]
    sources:
      - title: A source
        url: https://example.org/strike
"""

TAGS = """\
topics:
  strike: A strike.
  revolution: A revolution.
countries:
  poland: Poland.
  russia: Russia.
"""


def write_pack(root: Path, pack: str, events: str = "", articles: str = "", manifest: str | None = None) -> Path:
    folder = root / pack
    (folder / "events").mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(manifest if manifest is not None else MANIFEST.format(pack=pack))
    if events:
        (folder / "events" / "events.yaml").write_text("events:\n" + events)
    if articles:
        (folder / "articles").mkdir(exist_ok=True)
        (folder / "articles" / "articles.yaml").write_text("articles:\n" + articles)
    return folder


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tags.yaml").write_text(TAGS)
    return tmp_path


def messages(root: Path) -> list[str]:
    return [str(i) for i in load_library([root]).issues]


def test_load_library_reads_a_good_pack(root: Path) -> None:
    write_pack(root, "good", GOOD_EVENT.format(id="gdansk-1980", date="1980-08-14"))
    result = load_library([root])
    assert result.issues == ()
    event = result.library.events["gdansk-1980"]
    assert event.date.precision is Precision.DAY
    assert event.places == ("Gdańsk",)
    assert event.countries == ("Poland",)
    assert result.library.by_month_day[(8, 14)] == (event,)
    assert result.library.day_count == 1


@pytest.mark.parametrize(
    ("date", "precision"),
    [("1980-08-14", Precision.DAY), ("1980-08", Precision.MONTH), ("1980", Precision.YEAR), ("'1980'", Precision.YEAR)],
)
def test_load_library_accepts_each_precision(root: Path, date: str, precision: Precision) -> None:
    write_pack(root, "good", GOOD_EVENT.format(id="e", date=date))
    result = load_library([root])
    assert result.issues == ()
    assert result.library.events["e"].date.precision is precision


def test_unknown_field_is_reported_with_line_and_hint(root: Path) -> None:
    events = GOOD_EVENT.format(id="e", date="1980-08-14").replace("    place:", "    palce: x\n    place:")
    write_pack(root, "p", events)
    errs = messages(root)
    assert len(errs) == 1
    assert errs[0].startswith("p/events/events.yaml:5: events[0](e).palce: unknown field (did you mean 'place'?)")


def test_missing_required_field_is_reported(root: Path) -> None:
    events = GOOD_EVENT.format(id="e", date="1980-08-14").replace("    title: A general strike\n", "")
    write_pack(root, "p", events)
    errs = messages(root)
    assert errs == ["p/events/events.yaml:2: events[0](e).title: required field is missing"]


@pytest.mark.parametrize(
    ("date", "needle"),
    [
        ("1953-02-30", "February 1953 has 28 days, not 30"),
        ("1953-13-01", "there is no month 13"),
        ("17 June 1953", "is not a date"),
        ("1900-02-29", "February 1900 has 28 days, not 29"),
    ],
)
def test_impossible_date_is_reported(root: Path, date: str, needle: str) -> None:
    write_pack(root, "p", GOOD_EVENT.format(id="e", date=date))
    errs = messages(root)
    assert len(errs) == 1
    assert errs[0].startswith("p/events/events.yaml:4: events[0](e).date:")
    assert needle in errs[0]


def test_end_before_start_is_reported(root: Path) -> None:
    events = GOOD_EVENT.format(id="e", date="1953-06-17").replace("    place:", "    end_date: 1953-06-16\n    place:")
    write_pack(root, "p", events)
    errs = messages(root)
    assert errs == ["p/events/events.yaml:5: events[0](e).end_date: ends (1953-06-16) before it starts (1953-06-17)"]


def test_duplicate_id_across_packs_is_reported(root: Path) -> None:
    write_pack(root, "a", GOOD_EVENT.format(id="same", date="1953-06-17"))
    write_pack(root, "b", GOOD_EVENT.format(id="same", date="1956-10-23"))
    errs = messages(root)
    assert len(errs) == 1
    assert "b/events/events.yaml:2: id: duplicate id 'same' (also at a/events/events.yaml:2)" in errs[0]


def test_duplicate_id_within_a_file_is_reported(root: Path) -> None:
    write_pack(
        root, "a", GOOD_EVENT.format(id="same", date="1953-06-17") + GOOD_EVENT.format(id="same", date="1953-06-18")
    )
    errs = messages(root)
    assert len(errs) == 1
    assert "a/events/events.yaml:14: events[1].id: duplicate id 'same'" in errs[0]


def test_reference_to_missing_id_is_reported(root: Path) -> None:
    events = GOOD_EVENT.format(id="e", date="1953-06-17") + "    related_events: [no-such-event]\n"
    write_pack(root, "p", events)
    errs = messages(root)
    assert errs == ["p/events/events.yaml:14: events[0](e).related_events: no event has the id 'no-such-event'"]


ARTICLE = """\
  - id: art
    title: An article
    authors: [A. Writer]
    publication: A paper
    published: 2003-03
    summaries:
      short: {short}
      medium: A medium summary.
      long: A long summary.
    key_points: [One point]
    argument: Things change from below.
    tags: [revolution]
    events: [e]
"""


def test_summary_longer_than_discord_can_show_is_reported(root: Path) -> None:
    write_pack(root, "p", GOOD_EVENT.format(id="e", date="1953-06-17"), ARTICLE.format(short="x" * 201))
    errs = messages(root)
    assert errs == ["p/articles/articles.yaml:8: articles[0](art).summaries.short: is too long (201 > 200 characters)"]


def test_article_loads_and_links_events(root: Path) -> None:
    write_pack(root, "p", GOOD_EVENT.format(id="e", date="1953-06-17"), ARTICLE.format(short="Short."))
    result = load_library([root])
    assert result.issues == ()
    article = result.library.articles["art"]
    assert article.events == ("e",)
    assert article.summaries.get("short") == "Short."


def test_unknown_tag_is_reported(root: Path) -> None:
    events = GOOD_EVENT.format(id="e", date="1953-06-17").replace("[strike, poland]", "[strikes, poland]")
    write_pack(root, "p", events)
    errs = messages(root)
    assert len(errs) == 1
    assert errs[0].startswith(
        "p/events/events.yaml:10: events[0](e).tags[0]: unknown tag 'strikes' (did you mean 'strike'?)"
    )


def test_broken_yaml_is_reported_and_other_packs_still_load(root: Path) -> None:
    write_pack(root, "good", GOOD_EVENT.format(id="ok", date="1953-06-17"))
    bad = write_pack(root, "bad")
    (bad / "events" / "broken.yaml").write_text("events:\n  - id: x\n    title: [unclosed\n")
    result = load_library([root])
    assert [i.path for i in result.issues] == ["bad/events/broken.yaml"]
    assert "YAML syntax error" in result.issues[0].message
    assert result.issues[0].line >= 3
    assert "ok" in result.library.events
    assert result.rejected_packs == ("bad",)


def test_old_style_date_must_convert_to_date(root: Path) -> None:
    october = GOOD_EVENT.format(id="oct", date="1917-11-07").replace(
        "    place:", "    old_style_date: 1917-10-25\n    place:"
    )
    write_pack(root, "p", october)
    assert messages(root) == []
    wrong = october.replace("1917-10-25", "1917-10-24")
    write_pack(root, "p", wrong)
    errs = messages(root)
    assert len(errs) == 1
    assert "old style 1917-10-24 is 1917-11-06 new style, but date is 1917-11-07" in errs[0]


def test_missing_source_is_reported(root: Path) -> None:
    events = GOOD_EVENT.format(id="e", date="1953-06-17").split("    sources:")[0]
    write_pack(root, "p", events)
    errs = messages(root)
    assert errs == [
        "p/events/events.yaml:2: events[0](e).sources: "
        "required field is missing: give at least one source (title and url)"
    ]


def test_every_error_is_reported_at_once(root: Path) -> None:
    bad = GOOD_EVENT.format(id="Bad Id", date="1953-02-30").replace("    title: A general strike\n", "")
    write_pack(root, "p", bad)
    errs = messages(root)
    fields = sorted(e.split(": ")[1] for e in errs)
    assert fields == ["events[0].date", "events[0].id", "events[0].title"]


def test_bad_manifest_is_reported(root: Path) -> None:
    write_pack(root, "p", GOOD_EVENT.format(id="e", date="1953-06-17"), manifest="id: p\nname: x\n")
    errs = messages(root)
    assert any("pack.yaml:1: description: required field is missing" in e for e in errs)


def test_multi_day_event_is_listed_on_each_day(root: Path) -> None:
    events = GOOD_EVENT.format(id="e", date="1980-08-14").replace("    place:", "    end_date: 1980-08-16\n    place:")
    write_pack(root, "p", events)
    lib = load_library([root]).library
    assert [k for k, v in lib.by_month_day.items() if v] == [(8, 14), (8, 15), (8, 16)]


def test_missing_content_folder_is_reported(tmp_path: Path) -> None:
    result = load_library([tmp_path / "nope"])
    assert str(result.issues[0]).endswith("content folder does not exist")


def test_text_is_stripped_and_yaml_block_scalars_work(root: Path) -> None:
    event = GOOD_EVENT.format(id="e", date="1980-08-14").replace(
        "    description: Workers", "    description: >-\n      Workers"
    )
    write_pack(root, "p", event)
    result = load_library([root])
    assert result.issues == ()
    assert result.library.events["e"].description.startswith("Workers at the shipyard")


def test_loader_never_raises_on_garbage(root: Path) -> None:
    folder = write_pack(root, "p")
    for i, text in enumerate(
        ["", "[1, 2", "events: 3", "events:\n  - 7\n", "- a\n- b\n", "\x00\x01", "events: {a: 1}"]
    ):
        (folder / "events" / f"f{i}.yaml").write_text(text)
    result = load_library([root])
    assert len(result.issues) == 7
    assert all(i.path.startswith("p/events/f") for i in result.issues)
