"""On this day: the day's events, 29 February, this week in history, the daily pick, timelines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.models import Event, Library
from bot.core.onthisday import (
    NEARBY_DAYS,
    POST_LIMIT,
    events_on,
    on_this_day,
    pick_for_day,
    select_for_post,
    timeline,
)


def ids(events: tuple[Event, ...] | list[Event]) -> list[str]:
    return [e.id for e in events]


# --- a day's events ------------------------------------------------------------------------------


def test_day_precise_events_only(small_library: Library) -> None:
    assert ids(events_on(small_library, 6, 17)) == ["east-german-uprising-1953"]
    assert ids(events_on(small_library, 6, 22)) == ["lodz-insurrection-1905"]
    assert ids(events_on(small_library, 6, 1)) == []  # the month-precise June 1953 event never shows


def test_multi_day_event_shows_on_every_day_it_covers(small_library: Library) -> None:
    # Vorkuta: 19 July - 1 August 1953 (14 days).
    for day in [dt.date(1953, 7, 19) + dt.timedelta(days=n) for n in range(14)]:
        assert "vorkuta-uprising-1953" in ids(events_on(small_library, day.month, day.day))
    assert "vorkuta-uprising-1953" not in ids(events_on(small_library, 7, 18))
    assert "vorkuta-uprising-1953" not in ids(events_on(small_library, 8, 2))


def test_long_event_shows_on_first_and_last_day(small_library: Library) -> None:
    # Gdańsk: 14-31 August 1980 (18 days) is listed on its first and last day only.
    assert "gdansk-shipyard-strike-1980" in ids(events_on(small_library, 8, 14))
    assert "gdansk-shipyard-strike-1980" in ids(events_on(small_library, 8, 31))
    assert "gdansk-shipyard-strike-1980" not in ids(events_on(small_library, 8, 20))


def test_events_are_ordered_by_year(build_event: Callable[..., Event], build_library: Callable[..., Library]) -> None:
    library = build_library(
        [
            build_event("c-1989", "C", "1989-11-09"),
            build_event("a-1918", "A", "1918-11-09"),
            build_event("b-1938", "B", "1938-11-09"),
        ]
    )
    assert ids(events_on(library, 11, 9)) == ["a-1918", "b-1938", "c-1989"]


def test_packs_restrict_the_day(small_library: Library) -> None:
    assert ids(events_on(small_library, 10, 23, packs={"other"})) == ["hungarian-revolution-1956"]
    assert ids(events_on(small_library, 10, 23, packs={"test"})) == []


# --- 29 February -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "day", "year", "shown"),
    [
        (2, 28, 2025, True),  # non-leap year: 29 Feb events are shown on 28 Feb
        (2, 28, 2100, True),  # 2100 is not a leap year
        (2, 28, 2024, False),  # leap year: they wait for 29 Feb
        (2, 29, 2024, True),
        (2, 28, None, False),  # no year: 28 Feb is just 28 Feb
        (2, 29, None, True),  # asked for directly
        (3, 1, 2025, False),
    ],
)
def test_leap_day_rule(small_library: Library, month: int, day: int, year: int | None, shown: bool) -> None:
    assert ("leap-day-strike-1960" in ids(events_on(small_library, month, day, year=year))) is shown


def test_leap_day_events_merge_in_year_order(
    build_event: Callable[..., Event], build_library: Callable[..., Library]
) -> None:
    library = build_library(
        [
            build_event("feb28-1990", "Late", "1990-02-28"),
            build_event("feb29-1960", "Leap", "1960-02-29"),
            build_event("feb28-1900", "Early", "1900-02-28"),
        ]
    )
    assert ids(events_on(library, 2, 28, year=2025)) == ["feb28-1900", "feb29-1960", "feb28-1990"]
    assert ids(events_on(library, 2, 28, year=2024)) == ["feb28-1900", "feb28-1990"]


# --- this week in history ------------------------------------------------------------------------------


def test_exact_day_is_not_nearby(small_library: Library) -> None:
    entries = on_this_day(small_library, 6, 17)
    assert not entries.nearby
    assert ids(entries.events) == ["east-german-uprising-1953"]
    assert entries.total == 1
    assert (entries.month, entries.day) == (6, 17)


def test_empty_day_falls_back_to_nearest_days(small_library: Library) -> None:
    entries = on_this_day(small_library, 6, 19)  # 17 June is 2 days before, 22 June 3 days after
    assert entries.nearby
    assert ids(entries.events) == ["east-german-uprising-1953", "lodz-insurrection-1905"]


def test_nothing_within_three_days_is_empty(small_library: Library) -> None:
    entries = on_this_day(small_library, 4, 10)
    assert entries.is_empty
    assert not entries.nearby
    assert NEARBY_DAYS == 3
    assert on_this_day(small_library, 6, 13).is_empty  # 17 June is four days away
    assert not on_this_day(small_library, 6, 14).is_empty  # three days away


def test_nearby_crosses_month_and_year_ends(
    build_event: Callable[..., Event], build_library: Callable[..., Library]
) -> None:
    library = build_library([build_event("new-year-1919", "January", "1919-01-01")])
    assert ids(on_this_day(library, 12, 30).events) == ["new-year-1919"]
    leap = build_library([build_event("march-1921", "March", "1921-03-02")])
    # 27 Feb -> 2 March is 3 days in a non-leap year but 4 in a leap year.
    assert ids(on_this_day(leap, 2, 27, year=2025).events) == ["march-1921"]
    assert on_this_day(leap, 2, 27, year=2024).is_empty
    assert on_this_day(leap, 2, 27).is_empty  # without a year, February has 29 days


def test_nearby_respects_packs(small_library: Library) -> None:
    assert ids(on_this_day(small_library, 10, 21, packs={"other"}).events) == ["hungarian-revolution-1956"]
    assert on_this_day(small_library, 10, 21, packs={"test"}).is_empty


# --- the daily pick -------------------------------------------------------------------------------------


def many_on_one_day(build_event: Callable[..., Event], n: int = 40) -> list[Event]:
    return [
        build_event(f"event-{k:02d}", f"Event {k}", f"{1850 + k}-05-01", pack="a" if k % 2 else "b") for k in range(n)
    ]


def test_pick_is_deterministic_and_chronological(build_event: Callable[..., Event]) -> None:
    events = many_on_one_day(build_event)
    first = pick_for_day(events, year=2025, month=5, day=1, guild_id=42)
    assert len(first) == POST_LIMIT
    assert first == pick_for_day(list(reversed(events)), year=2025, month=5, day=1, guild_id=42)
    assert [e.sort_key for e in first] == sorted(e.sort_key for e in first)


def test_pick_changes_from_year_to_year_and_server_to_server(build_event: Callable[..., Event]) -> None:
    events = many_on_one_day(build_event)
    by_year = {str(ids(pick_for_day(events, year=y, month=5, day=1))) for y in range(2020, 2030)}
    assert len(by_year) > 5
    by_guild = {str(ids(pick_for_day(events, year=2025, month=5, day=1, guild_id=g))) for g in range(10)}
    assert len(by_guild) > 5


def test_pick_avoids_recent_events(build_event: Callable[..., Event]) -> None:
    events = many_on_one_day(build_event, 8)
    recent = {e.id for e in events[:6]}
    picked = pick_for_day(events, year=2025, month=5, day=1, recent_ids=recent)
    assert ids(picked) == ["event-06", "event-07"]  # only the fresh ones, though fewer than the limit


def test_pick_falls_back_to_recent_when_nothing_else(build_event: Callable[..., Event]) -> None:
    events = many_on_one_day(build_event, 3)
    picked = pick_for_day(events, year=2025, month=5, day=1, recent_ids={e.id for e in events})
    assert ids(picked) == ["event-00", "event-01", "event-02"]


def test_pick_respects_packs_and_limit(build_event: Callable[..., Event]) -> None:
    events = many_on_one_day(build_event)
    picked = pick_for_day(events, year=2025, month=5, day=1, packs={"a"}, limit=3)
    assert len(picked) == 3
    assert {e.pack for e in picked} == {"a"}
    assert pick_for_day(events, year=2025, month=5, day=1, packs=set()) == ()
    assert pick_for_day(events, year=2025, month=5, day=1, limit=0) == ()
    assert pick_for_day([], year=2025, month=5, day=1) == ()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    year=st.integers(1, 9999),
    guild=st.none() | st.integers(0, 2**63),
    recent=st.sets(st.integers(0, 39)),
    limit=st.integers(1, 10),
)
def test_pick_properties(
    build_event: Callable[..., Event], year: int, guild: int | None, recent: set[int], limit: int
) -> None:
    events = many_on_one_day(build_event)
    recent_ids = {f"event-{k:02d}" for k in recent}
    picked = pick_for_day(events, year=year, month=5, day=1, guild_id=guild, recent_ids=recent_ids, limit=limit)
    fresh = 40 - len(recent)
    assert len(picked) == min(limit, fresh if fresh else 40)
    assert len(set(ids(picked))) == len(picked)
    if fresh:
        assert not set(ids(picked)) & recent_ids


def test_select_for_post(small_library: Library) -> None:
    post = select_for_post(small_library, 2025, 6, 19, guild_id=1)
    assert post.nearby
    assert ids(post.events) == ["lodz-insurrection-1905", "east-german-uprising-1953"]  # chronological
    post = select_for_post(small_library, 2025, 6, 19, recent_ids={"lodz-insurrection-1905"})
    assert ids(post.events) == ["east-german-uprising-1953"]
    assert post.total == 2
    leap = select_for_post(small_library, 2025, 2, 28)
    assert ids(leap.events) == ["leap-day-strike-1960"]
    assert not leap.nearby


# --- timeline -----------------------------------------------------------------------------------------


def test_timeline_is_chronological_and_inclusive(small_library: Library) -> None:
    found = timeline(small_library, 1953, 1956)
    assert ids(found) == [
        "june-1953-month",
        "east-german-uprising-1953",
        "vorkuta-uprising-1953",
        "hungarian-revolution-1956",
    ]
    assert ids(timeline(small_library, 1956, 1953)) == ids(found)


def test_timeline_filters(small_library: Library) -> None:
    assert ids(timeline(small_library, tag="famine")) == ["year-only-1921"]
    assert ids(timeline(small_library, place="gdansk")) == ["uprising-mentioned-1970", "gdansk-shipyard-strike-1980"]
    assert ids(timeline(small_library, place="Poland", from_year=1971)) == ["gdansk-shipyard-strike-1980"]
    assert ids(timeline(small_library, packs={"other"})) == ["hungarian-revolution-1956"]
    assert timeline(small_library, 2000, 2100) == []
    assert len(timeline(small_library)) == len(small_library.events)


# --- the shipped library ---------------------------------------------------------------------------------


def test_every_shipped_day_precise_event_is_on_its_day(shipped_library: Library) -> None:
    for event in shipped_library.events.values():
        if event.is_day_precise:
            day = event.date.first_day()
            shown = events_on(shipped_library, day.month, day.day, year=2024)
            # An overview gives way to one of its own parts (part_of) on a day they share.
            assert event in shown or any(e.part_of == event.id for e in shown)


def test_every_shipped_overview_still_shows_on_some_day_of_its_span(shipped_library: Library) -> None:
    overviews = {e.part_of for e in shipped_library.events.values() if e.part_of is not None}
    for overview_id in overviews:
        event = shipped_library.events[overview_id]
        span = event.span_days()
        assert span is not None
        days = [span[0] + dt.timedelta(days=i) for i in range((span[1] - span[0]).days + 1)]
        assert any(event in events_on(shipped_library, d.month, d.day, year=2024) for d in days), overview_id


def test_every_day_of_the_year_works_on_the_shipped_library(shipped_library: Library) -> None:
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        entries = select_for_post(shipped_library, day.year, day.month, day.day, guild_id=7)
        assert len(entries.events) <= POST_LIMIT
        assert all(e.is_day_precise for e in entries.events)
        day += dt.timedelta(days=1)
    everything = timeline(shipped_library)
    assert [e.sort_key for e in everything] == sorted(e.sort_key for e in everything)


def test_timeline_place_lookup_follows_the_library(
    build_event: Callable[..., Event], build_library: Callable[..., Library]
) -> None:
    first = build_library([build_event("one", "One", "1980-08-14", places=("Gdańsk",), countries=("Poland",))])
    second = build_library([build_event("two", "Two", "1981-12-13", places=("Gdansk",), countries=("Poland",))])
    assert ids(timeline(first, place="GDANSK")) == ["one"]
    assert ids(timeline(second, place="gdańsk")) == ["two"]
    assert ids(timeline(first, place="poland")) == ["one"]
    assert timeline(first, place="Nowhere") == []
