"""``part_of``: a detailed event names its multi-day overview; a day never shows both."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot.content_loader import load_library
from bot.core.models import Event
from bot.core.onthisday import events_on, on_this_day, select_for_post
from bot.core.posts import build_post
from bot.core.scheduling import Schedule
from bot.ui.layout import card_text, event_card, related_events
from tests.core.conftest import make_event, make_library

# --- the loader ----------------------------------------------------------------------------------

MANIFEST = """\
id: {pack}
name: Test pack
description: A pack written by the tests.
language: en
credits: [The tests]
licence: CC0
"""

TAGS = """\
topics:
  revolution: A revolution.
"""

EVENT = """\
  - id: {id}
    title: {title}
    date: {date}
{extra}    place: Timișoara
    country: Romania
    description: >-
      Crowds gathered in the city to defend a pastor threatened with eviction.
      The protest grew into a rising against the government within days.
    tags: [revolution]
    sources:
      - title: A source
        url: https://example.org/romania
"""


def event_yaml(id: str, date: str, *, end_date: str | None = None, part_of: str | None = None) -> str:
    extra = ""
    if end_date:
        extra += f"    end_date: {end_date}\n"
    if part_of:
        extra += f"    part_of: {part_of}\n"
    return EVENT.format(id=id, title=id.replace("-", " ").capitalize(), date=date, extra=extra)


OVERVIEW = event_yaml("romanian-revolution", "1989-12-16", end_date="1989-12-25")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tags.yaml").write_text(TAGS)
    return tmp_path


def write_pack(root: Path, pack: str, events: str) -> None:
    folder = root / pack
    (folder / "events").mkdir(parents=True)
    (folder / "pack.yaml").write_text(MANIFEST.format(pack=pack))
    (folder / "events" / "events.yaml").write_text("events:\n" + events)


def messages(root: Path) -> list[str]:
    return [str(i) for i in load_library([root]).issues]


def line_of(root: Path, pack: str, text: str) -> int:
    lines = (root / pack / "events" / "events.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_a_valid_part_of_loads_across_packs(root: Path) -> None:
    write_pack(root, "overviews", OVERVIEW)
    write_pack(root, "details", event_yaml("timisoara-massacre", "1989-12-17", part_of="romanian-revolution"))
    result = load_library([root])
    assert result.issues == ()
    assert result.library.events["timisoara-massacre"].part_of == "romanian-revolution"
    assert result.library.events["romanian-revolution"].part_of is None


def test_part_of_must_name_an_existing_event(root: Path) -> None:
    write_pack(root, "p", OVERVIEW + event_yaml("timisoara-massacre", "1989-12-17", part_of="romanian-revolutoin"))
    line = line_of(root, "p", "part_of:")
    assert messages(root) == [
        f"p/events/events.yaml:{line}: events[1](timisoara-massacre).part_of: no event has the id "
        "'romanian-revolutoin' (did you mean 'romanian-revolution'?)"
    ]


def test_part_of_must_not_name_the_event_itself(root: Path) -> None:
    write_pack(root, "p", event_yaml("romanian-revolution", "1989-12-16", part_of="romanian-revolution"))
    line = line_of(root, "p", "part_of:")
    assert messages(root) == [
        f"p/events/events.yaml:{line}: events[0](romanian-revolution).part_of: an event cannot be part of itself"
    ]


def test_part_of_is_one_level_only(root: Path) -> None:
    middle = event_yaml("timisoara-rising", "1989-12-16", end_date="1989-12-20", part_of="romanian-revolution")
    leaf = event_yaml("timisoara-massacre", "1989-12-17", part_of="timisoara-rising")
    write_pack(root, "p", OVERVIEW + middle + leaf)
    lines = (root / "p" / "events" / "events.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "part_of: timisoara-rising" in text)
    found = messages(root)
    assert len(found) == 1
    assert found[0].startswith(f"p/events/events.yaml:{line}: events[2](timisoara-massacre).part_of: ")
    assert "'timisoara-rising' is itself part of 'romanian-revolution'" in found[0]


@pytest.mark.parametrize(
    ("date", "end_date"),
    [("1989-12-15", None), ("1989-12-26", None), ("1989-12-24", "1989-12-27"), ("1989-12", None), ("1989", None)],
)
def test_a_part_must_lie_within_its_overview(root: Path, date: str, end_date: str | None) -> None:
    write_pack(root, "p", OVERVIEW + event_yaml("a-part", date, end_date=end_date, part_of="romanian-revolution"))
    line = line_of(root, "p", "part_of:")
    found = messages(root)
    assert len(found) == 1
    assert found[0].startswith(f"p/events/events.yaml:{line}: events[1](a-part).part_of: the event's dates (")
    assert "lie outside those of 'romanian-revolution' (16 December 1989 – 25 December 1989)" in found[0]


@pytest.mark.parametrize(
    ("date", "end_date"), [("1989-12-16", None), ("1989-12-25", None), ("1989-12-20", "1989-12-25")]
)
def test_a_part_may_touch_its_overviews_first_and_last_day(root: Path, date: str, end_date: str | None) -> None:
    write_pack(root, "p", OVERVIEW + event_yaml("a-part", date, end_date=end_date, part_of="romanian-revolution"))
    assert messages(root) == []


def test_part_of_must_be_a_slug(root: Path) -> None:
    write_pack(root, "p", OVERVIEW + event_yaml("a-part", "1989-12-17", part_of="Romanian Revolution"))
    found = messages(root)
    assert len(found) == 1
    assert found[0].startswith(f"p/events/events.yaml:{line_of(root, 'p', 'part_of:')}: events[1](a-part).part_of: ")


# --- the day's selection -------------------------------------------------------------------------


def part(event: Event, overview: str) -> Event:
    return dataclasses.replace(event, part_of=overview)


OVERVIEW_EVENT = make_event(
    "romanian-revolution-1989",
    "Romanian Revolution",
    "1989-12-16",
    end_date="1989-12-25",
    places=("Timișoara", "Bucharest"),
    countries=("Romania",),
)
MASSACRE = part(make_event("timisoara-massacre-1989", "Timișoara massacre", "1989-12-17"), "romanian-revolution-1989")
EXECUTED = part(make_event("ceausescu-executed-1989", "Ceaușescus executed", "1989-12-25"), "romanian-revolution-1989")
UNRELATED = make_event("unrelated-1905", "Something else on 17 December", "1905-12-17")


def ids(events: tuple[Event, ...] | list[Event]) -> list[str]:
    return [e.id for e in events]


def test_a_day_with_a_part_leaves_its_overview_out() -> None:
    library = make_library([OVERVIEW_EVENT, MASSACRE, EXECUTED, UNRELATED])
    assert ids(events_on(library, 12, 17)) == ["unrelated-1905", "timisoara-massacre-1989"]
    assert ids(events_on(library, 12, 25)) == ["ceausescu-executed-1989"]
    assert ids(on_this_day(library, 12, 17).events) == ["unrelated-1905", "timisoara-massacre-1989"]


def test_a_day_without_a_part_shows_the_overview() -> None:
    library = make_library([OVERVIEW_EVENT, MASSACRE, EXECUTED, UNRELATED])
    assert ids(events_on(library, 12, 16)) == ["romanian-revolution-1989"]
    assert ids(events_on(library, 12, 20)) == ["romanian-revolution-1989"]


def test_an_overview_without_parts_shows_on_every_day() -> None:
    library = make_library([OVERVIEW_EVENT, make_event("timisoara-massacre-1989", "Massacre", "1989-12-17")])
    assert ids(events_on(library, 12, 17)) == ["romanian-revolution-1989", "timisoara-massacre-1989"]


def test_a_part_filtered_out_by_pack_does_not_hide_its_overview() -> None:
    other_pack_part = dataclasses.replace(MASSACRE, pack="other")
    library = make_library([OVERVIEW_EVENT, other_pack_part])
    assert ids(events_on(library, 12, 17, packs={"test"})) == ["romanian-revolution-1989"]
    assert ids(events_on(library, 12, 17)) == ["timisoara-massacre-1989"]


def test_this_week_in_history_leaves_out_an_overview_whose_part_is_listed() -> None:
    overview = make_event("kengir-uprising-1954", "Kengir uprising", "1954-05-16", end_date="1954-06-26")
    crushed = part(make_event("kengir-crushed-1954", "Kengir uprising crushed", "1954-06-26"), "kengir-uprising-1954")
    library = make_library([overview, crushed])
    # 28 June is empty; 26 June (two days before) has both (a long span shows on its first and last day).
    entries = on_this_day(library, 6, 28)
    assert entries.nearby
    assert ids(entries.events) == ["kengir-crushed-1954"]


def test_the_daily_post_never_shows_an_overview_beside_its_part() -> None:
    library = make_library([OVERVIEW_EVENT, MASSACRE, EXECUTED, UNRELATED])
    for guild in range(20):
        picked = select_for_post(library, 2026, 12, 17, guild_id=guild).events
        assert "romanian-revolution-1989" not in ids(picked)
        schedule = Schedule(guild_id=guild, channel_id=1)
        post = build_post(library, schedule, dt.date(2026, 12, 17), (), False)
        assert post is not None
        assert "romanian-revolution-1989" not in ids(post.events)
        assert post.total == 2


# --- the card --------------------------------------------------------------------------------------


def test_the_card_of_a_part_names_its_overview() -> None:
    library = make_library([OVERVIEW_EVENT, MASSACRE])
    card = event_card(MASSACRE, library)
    field = next(f for f in card.fields if f.name == "Part of")
    assert field.value.startswith("Romanian Revolution (16 December 1989")
    assert "Part of:\nRomanian Revolution" in card_text(card)
    assert ids(related_events(MASSACRE, library)) == ["romanian-revolution-1989"]


def test_the_card_of_an_overview_or_an_orphan_has_no_part_of_line() -> None:
    library = make_library([OVERVIEW_EVENT, MASSACRE])
    assert all(f.name != "Part of" for f in event_card(OVERVIEW_EVENT, library).fields)
    alone = make_library([MASSACRE])  # the overview's pack is not loaded
    assert all(f.name != "Part of" for f in event_card(MASSACRE, alone).fields)
