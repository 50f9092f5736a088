"""The pure scheduling rules: parsing, timezone lookup, and which posts are due when."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.errors import UserInputError
from bot.core.scheduling import (
    ALL_WEEKDAYS,
    Schedule,
    due_posts,
    local_to_utc,
    next_post_at,
    parse_post_time,
    parse_weekdays,
    scheduled_instant,
)
from bot.core.timezones import get_zone

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def sched(tz: str = "UTC", at: str = "09:00", guild: int = 1, **kw: object) -> Schedule:
    return Schedule(guild_id=guild, channel_id=100 + guild, post_time=parse_post_time(at), timezone=tz, **kw)  # type: ignore[arg-type]


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", dt.time(9, 0)),
        ("9:00", dt.time(9, 0)),
        ("00:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        ("21.30", dt.time(21, 30)),
        ("9am", dt.time(9, 0)),
        ("9 AM", dt.time(9, 0)),
        ("9:30 pm", dt.time(21, 30)),
        ("9:30pm", dt.time(21, 30)),
        ("9 p.m.", dt.time(21, 0)),
        ("12am", dt.time(0, 0)),
        ("12:15 am", dt.time(0, 15)),
        ("12pm", dt.time(12, 0)),
        ("noon", dt.time(12, 0)),
        ("  midnight ", dt.time(0, 0)),
    ],
)
def test_parse_post_time_accepts(text: str, expected: dt.time) -> None:
    assert parse_post_time(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("25:00", "hours run from 00 to 23"),
        ("24:00", "hours run from 00 to 23"),
        ("12:60", "minutes run from 00 to 59"),
        ("13pm", "1 to 12"),
        ("0am", "1 to 12"),
        ("soon", "can't read"),
        ("9", "can't read"),
        ("", "give a time"),
    ],
)
def test_parse_post_time_refuses_with_a_clear_message(text: str, says: str) -> None:
    with pytest.raises(UserInputError) as info:
        parse_post_time(text)
    assert says in info.value.message
    assert "HH:MM" in info.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every day", ALL_WEEKDAYS),
        ("weekdays", frozenset(range(5))),
        ("mon-fri", frozenset(range(5))),
        ("weekends", frozenset({5, 6})),
        ("sat, sun", frozenset({5, 6})),
        ("Mon Wed Fri", frozenset({0, 2, 4})),
        ("fri-mon", frozenset({4, 5, 6, 0})),
        ("tuesdays", frozenset({1})),
        ("thurs", frozenset({3})),
    ],
)
def test_parse_weekdays(text: str, expected: frozenset[int]) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize("text", ["", "funday", "mon-xyz", "t"])
def test_parse_weekdays_refuses(text: str) -> None:
    with pytest.raises(UserInputError):
        parse_weekdays(text)


def test_schedule_refuses_no_weekdays_and_bad_empty_day() -> None:
    with pytest.raises(ValueError, match="weekday"):
        Schedule(guild_id=1, weekdays=frozenset())
    with pytest.raises(ValueError, match="empty_day"):
        Schedule(guild_id=1, empty_day="never")  # type: ignore[arg-type]


# --- DST resolution ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "day", "at", "expected_utc"),
    [
        # Europe/London, spring forward 01:00 GMT -> 02:00 BST on 2026-03-29: 01:30 does not
        # exist and posts at 02:00 BST.
        ("Europe/London", dt.date(2026, 3, 29), "01:30", utc(2026, 3, 29, 1, 0)),
        ("Europe/London", dt.date(2026, 3, 29), "02:00", utc(2026, 3, 29, 1, 0)),
        # Fall back 02:00 BST -> 01:00 GMT on 2026-10-25: 01:30 happens twice; the first counts.
        ("Europe/London", dt.date(2026, 10, 25), "01:30", utc(2026, 10, 25, 0, 30)),
        # America/New_York: 02:00 -> 03:00 on 2026-03-08, and 02:00 -> 01:00 on 2026-11-01.
        ("America/New_York", dt.date(2026, 3, 8), "02:30", utc(2026, 3, 8, 7, 0)),
        ("America/New_York", dt.date(2026, 3, 8), "01:59", utc(2026, 3, 8, 6, 59)),
        ("America/New_York", dt.date(2026, 11, 1), "01:30", utc(2026, 11, 1, 5, 30)),
        # Australia/Lord_Howe moves by 30 minutes: 02:00 -> 02:30 (+11) on 2026-10-04 and
        # 02:00 -> 01:30 (+10:30) on 2026-04-05.
        ("Australia/Lord_Howe", dt.date(2026, 10, 4), "02:15", utc(2026, 10, 3, 15, 30)),
        ("Australia/Lord_Howe", dt.date(2026, 10, 4), "02:30", utc(2026, 10, 3, 15, 30)),
        ("Australia/Lord_Howe", dt.date(2026, 4, 5), "01:45", utc(2026, 4, 4, 14, 45)),
        # Ordinary days, east and west of UTC.
        ("Asia/Tokyo", dt.date(2026, 6, 1), "09:00", utc(2026, 6, 1, 0, 0)),
        ("America/Los_Angeles", dt.date(2026, 6, 1), "23:30", utc(2026, 6, 2, 6, 30)),
    ],
)
def test_local_to_utc(tz: str, day: dt.date, at: str, expected_utc: dt.datetime) -> None:
    assert local_to_utc(day, parse_post_time(at), get_zone(tz)) == expected_utc


def simulate_ticks(
    schedule: Schedule, start: dt.datetime, end: dt.datetime, step: dt.timedelta = dt.timedelta(minutes=1)
) -> list[tuple[dt.datetime, dt.date, bool]]:
    """Tick like the minute loop, 'posting' whatever is due; returns (tick, local_date, late)."""
    last: dict[tuple[int, int], dt.date | None] = {}
    posts = []
    now = start
    while now <= end:
        for due in due_posts([schedule], last, now):
            posts.append((now, due.local_date, due.late))
            last[due.schedule.key] = due.local_date
        now += step
    return posts


@pytest.mark.parametrize(
    ("tz", "at", "start", "expected_tick"),
    [
        ("Europe/London", "01:30", utc(2026, 3, 28, 12), utc(2026, 3, 29, 1, 0)),
        ("Europe/London", "01:30", utc(2026, 10, 24, 12), utc(2026, 10, 25, 0, 30)),
        ("America/New_York", "02:30", utc(2026, 3, 7, 12), utc(2026, 3, 8, 7, 0)),
        ("America/New_York", "01:30", utc(2026, 10, 31, 12), utc(2026, 11, 1, 5, 30)),
        ("Australia/Lord_Howe", "02:15", utc(2026, 10, 3, 0), utc(2026, 10, 3, 15, 30)),
        ("Australia/Lord_Howe", "01:45", utc(2026, 4, 4, 0), utc(2026, 4, 4, 14, 45)),
    ],
)
def test_dst_days_post_exactly_once_at_the_right_minute(
    tz: str, at: str, start: dt.datetime, expected_tick: dt.datetime
) -> None:
    schedule = sched(tz, at)
    posts = simulate_ticks(schedule, start, start + dt.timedelta(hours=24))
    expected_date = expected_tick.astimezone(get_zone(tz)).date()
    on_day = [p for p in posts if p[1] == expected_date]
    assert on_day == [(expected_tick, expected_date, False)]


def test_every_day_of_a_year_posts_once_in_lord_howe() -> None:
    schedule = sched("Australia/Lord_Howe", "02:15")
    posts = simulate_ticks(schedule, utc(2026, 1, 1), utc(2027, 1, 1), step=dt.timedelta(minutes=15))
    dates = [p[1] for p in posts]
    assert len(dates) == len(set(dates))
    assert len(dates) == 365


def test_two_ticks_in_one_minute_post_once() -> None:
    schedule = sched("Europe/Berlin", "09:00")
    last: dict[tuple[int, int], dt.date | None] = {}
    first = due_posts([schedule], last, utc(2026, 6, 1, 7, 0, 1))
    assert len(first) == 1
    last[schedule.key] = first[0].local_date
    assert due_posts([schedule], last, utc(2026, 6, 1, 7, 0, 30)) == []


# --- due_posts -----------------------------------------------------------------------------


def test_not_due_before_post_time_and_due_at_it() -> None:
    schedule = sched("Europe/Berlin", "09:00")
    assert due_posts([schedule], {}, utc(2026, 6, 1, 6, 59, 59)) == []
    (due,) = due_posts([schedule], {}, utc(2026, 6, 1, 7, 0))
    assert due.local_date == dt.date(2026, 6, 1)
    assert due.scheduled_at_utc == utc(2026, 6, 1, 7, 0)
    assert not due.late


def test_catch_up_inside_window_is_late() -> None:
    schedule = sched("Europe/Berlin", "09:00")
    (due,) = due_posts([schedule], {}, utc(2026, 6, 1, 12, 30))
    assert due.late
    assert due.delay == dt.timedelta(hours=5, minutes=30)


def test_catch_up_outside_window_is_skipped_until_next_day() -> None:
    schedule = sched("Europe/Berlin", "09:00")
    assert due_posts([schedule], {}, utc(2026, 6, 1, 13, 0, 1)) == []
    assert len(due_posts([schedule], {}, utc(2026, 6, 1, 13, 0, 1), catchup=dt.timedelta(hours=7))) == 1
    (due,) = due_posts([schedule], {}, utc(2026, 6, 2, 7, 0))
    assert due.local_date == dt.date(2026, 6, 2)


def test_catch_up_never_crosses_into_the_next_local_day() -> None:
    schedule = sched("UTC", "22:00")
    assert len(due_posts([schedule], {}, utc(2026, 6, 1, 23, 59))) == 1
    assert due_posts([schedule], {}, utc(2026, 6, 2, 1, 0)) == []


def test_a_little_behind_is_not_late() -> None:
    schedule = sched("UTC", "09:00")
    (due,) = due_posts([schedule], {}, utc(2026, 6, 1, 9, 4))
    assert not due.late


def test_already_posted_today_is_not_due_but_yesterday_is_no_obstacle() -> None:
    schedule = sched("Asia/Tokyo", "09:00")
    now = utc(2026, 6, 1, 1, 0)  # 10:00 in Tokyo on 1 June
    assert due_posts([schedule], {schedule.key: dt.date(2026, 6, 1)}, now) == []
    assert len(due_posts([schedule], {schedule.key: dt.date(2026, 5, 31)}, now)) == 1


def test_local_day_not_utc_day_decides() -> None:
    # 23:30 in Los Angeles on 1 June is 06:30 UTC on 2 June.
    schedule = sched("America/Los_Angeles", "23:30")
    (due,) = due_posts([schedule], {schedule.key: dt.date(2026, 5, 31)}, utc(2026, 6, 2, 6, 31))
    assert due.local_date == dt.date(2026, 6, 1)


def test_weekdays() -> None:
    schedule = sched("UTC", "09:00", weekdays=frozenset({0}))  # Mondays only
    assert len(due_posts([schedule], {}, utc(2026, 6, 1, 9, 0))) == 1  # a Monday
    assert due_posts([schedule], {}, utc(2026, 6, 2, 9, 0)) == []


@pytest.mark.parametrize(
    "changes",
    [{"enabled": False}, {"paused_reason": "Missing access"}, {"channel_id": None}],
)
def test_inactive_schedules_are_never_due(changes: dict[str, object]) -> None:
    import dataclasses

    schedule = dataclasses.replace(sched("UTC", "09:00"), **changes)  # type: ignore[arg-type]
    assert due_posts([schedule], {}, utc(2026, 6, 1, 9, 0)) == []


def test_ordered_by_when_they_became_due() -> None:
    schedules = [
        sched("UTC", "09:00", guild=3),
        sched("Europe/London", "09:00", guild=2),  # 08:00 UTC in June
        sched("Europe/Berlin", "09:00", guild=1),  # 07:00 UTC
        sched("UTC", "09:00", guild=0),
    ]
    due = due_posts(schedules, {}, utc(2026, 6, 1, 9, 0))
    assert [d.schedule.guild_id for d in due] == [1, 2, 0, 3]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_posts([sched()], {}, dt.datetime(2026, 6, 1, 9, 0))  # noqa: DTZ001


def test_unknown_timezone_in_storage_is_never_due() -> None:
    assert due_posts([sched("Mars/Olympus")], {}, utc(2026, 6, 1, 9, 0)) == []


# --- next_post_at --------------------------------------------------------------------------


def test_next_post_at() -> None:
    schedule = sched("Europe/Berlin", "09:00")
    assert next_post_at(schedule, utc(2026, 6, 1, 6, 0), None) == utc(2026, 6, 1, 7, 0)
    # Posted today: tomorrow.
    assert next_post_at(schedule, utc(2026, 6, 1, 8, 0), dt.date(2026, 6, 1)) == utc(2026, 6, 2, 7, 0)
    # Due and pending: today's (past) time, it goes out on the next tick.
    assert next_post_at(schedule, utc(2026, 6, 1, 8, 0), None) == utc(2026, 6, 1, 7, 0)
    # Missed beyond catch-up: tomorrow.
    assert next_post_at(schedule, utc(2026, 6, 1, 20, 0), None) == utc(2026, 6, 2, 7, 0)


def test_next_post_at_skips_to_an_allowed_weekday_and_handles_dst() -> None:
    schedule = sched("Europe/London", "01:30", weekdays=frozenset({6}))  # Sundays
    # Saturday 28 March 2026; Sunday is the spring-forward day.
    assert next_post_at(schedule, utc(2026, 3, 28, 12), None) == utc(2026, 3, 29, 1, 0)
    assert scheduled_instant(schedule, dt.date(2026, 3, 29)) == utc(2026, 3, 29, 1, 0)
