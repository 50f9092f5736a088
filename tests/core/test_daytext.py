"""Reading the day people type, and saying why an impossible day is impossible."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.daytext import DayQuery, local_today, parse_day
from bot.core.errors import UserInputError
from bot.core.timezones import get_zone

UTC = dt.UTC
NOW = dt.datetime(2025, 6, 16, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17 June", DayQuery(6, 17)),
        ("June 17", DayQuery(6, 17)),
        ("17 jun", DayQuery(6, 17)),
        ("jun 17", DayQuery(6, 17)),
        ("17 JUNE", DayQuery(6, 17)),
        ("  17   june  ", DayQuery(6, 17)),
        ("17th June", DayQuery(6, 17)),
        ("the 17th of June", DayQuery(6, 17)),
        ("June 17th", DayQuery(6, 17)),
        ("17-jun", DayQuery(6, 17)),
        ("1 sept", DayQuery(9, 1)),
        ("1 Sep", DayQuery(9, 1)),
        ("June 17, 1953", DayQuery(6, 17, 1953)),
        ("17 June 1953", DayQuery(6, 17, 1953)),
        ("06-17", DayQuery(6, 17)),
        ("6-17", DayQuery(6, 17)),
        ("1953-06-17", DayQuery(6, 17, 1953)),
        ("1953/06/17", DayQuery(6, 17, 1953)),
        ("17.06.", DayQuery(6, 17)),
        ("17.6.1953", DayQuery(6, 17, 1953)),
        ("17/06", DayQuery(6, 17)),
        ("06/17", DayQuery(6, 17)),
        ("29 February", DayQuery(2, 29)),
        ("02-29", DayQuery(2, 29)),
        ("2024-02-29", DayQuery(2, 29, 2024)),
        ("1 January", DayQuery(1, 1)),
        ("31 December", DayQuery(12, 31)),
    ],
)
def test_accepted_forms(text: str, expected: DayQuery) -> None:
    assert parse_day(text, "UTC", NOW) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31 February", "February has at most 29 days"),
        ("30 feb", "February has at most 29 days"),
        ("31 April", "April has 30 days"),
        ("13-45", "there is no month 13"),
        ("00-10", "there is no month 0"),
        ("06-00", "there is no day 0"),
        ("1953-02-29", "1953 is not a leap year"),
        ("29 February 1900", "1900 is not a leap year"),
        ("32 January", "January has 31 days"),
        ("June", "Which day of June?"),
        ("17", "could not read"),
        ("next friday", "could not read"),
        ("17 June 18 June", "could not read"),
        ("06/05", "could be day/month or month/day"),
        ("", "Which day?"),
        ("🔥", "could not read"),
        ("0000-06-17", "year must be between 1 and 9999"),
    ],
)
def test_impossible_or_unreadable_days_say_why(text: str, reason: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_day(text, "UTC", NOW)
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("now_utc", "tz", "today", "tomorrow"),
    [
        # 23:30 UTC on 16 June is already 17 June in Berlin (UTC+2) but not in Los Angeles.
        (dt.datetime(2025, 6, 16, 23, 30, tzinfo=UTC), "Europe/Berlin", (6, 17, 2025), (6, 18, 2025)),
        (dt.datetime(2025, 6, 16, 23, 30, tzinfo=UTC), "America/Los_Angeles", (6, 16, 2025), (6, 17, 2025)),
        # 04:30 UTC on 1 January is still 31 December in New York (UTC-5); 05:00 is midnight.
        (dt.datetime(2025, 1, 1, 4, 30, tzinfo=UTC), "America/New_York", (12, 31, 2024), (1, 1, 2025)),
        (dt.datetime(2025, 1, 1, 5, 0, tzinfo=UTC), "America/New_York", (1, 1, 2025), (1, 2, 2025)),
        (dt.datetime(2025, 1, 1, 5, 0, tzinfo=UTC), "Asia/Tokyo", (1, 1, 2025), (1, 2, 2025)),
        # Leap years: tomorrow after 28 Feb.
        (dt.datetime(2024, 2, 28, 12, 0, tzinfo=UTC), "UTC", (2, 28, 2024), (2, 29, 2024)),
        (dt.datetime(2025, 2, 28, 12, 0, tzinfo=UTC), "UTC", (2, 28, 2025), (3, 1, 2025)),
        # The DST change in Berlin (30 March 2025, 02:00 -> 03:00).
        (dt.datetime(2025, 3, 29, 23, 30, tzinfo=UTC), "Europe/Berlin", (3, 30, 2025), (3, 31, 2025)),
        # Kathmandu is UTC+5:45; Pacific/Kiritimati is UTC+14.
        (dt.datetime(2025, 6, 16, 18, 20, tzinfo=UTC), "Asia/Kathmandu", (6, 17, 2025), (6, 18, 2025)),
        (dt.datetime(2025, 6, 16, 10, 0, tzinfo=UTC), "Pacific/Kiritimati", (6, 17, 2025), (6, 18, 2025)),
    ],
)
def test_today_and_tomorrow_are_local(
    now_utc: dt.datetime, tz: str, today: tuple[int, int, int], tomorrow: tuple[int, int, int]
) -> None:
    assert parse_day("today", tz, now_utc) == DayQuery(*today)
    assert parse_day("Tomorrow", ZoneInfo(tz), now_utc) == DayQuery(*tomorrow)


def test_yesterday() -> None:
    assert parse_day("yesterday", "UTC", dt.datetime(2025, 3, 1, tzinfo=UTC)) == DayQuery(2, 28, 2025)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_day("today", "UTC", dt.datetime(2025, 6, 16, 12, 0))  # noqa: DTZ001


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "Europe", "x" * 100])
def test_unknown_timezone_is_a_user_error(name: str) -> None:
    with pytest.raises(UserInputError):
        parse_day("today", name, NOW)


def test_get_zone_passes_tzinfo_through() -> None:
    zone = ZoneInfo("Europe/Berlin")
    assert get_zone(zone) is zone
    assert local_today("Europe/Berlin", dt.datetime(2025, 6, 16, 22, 30, tzinfo=UTC)) == dt.date(2025, 6, 17)


def test_label_and_date() -> None:
    assert DayQuery(6, 17).label == "17 June"
    assert DayQuery(6, 17, 1953).label == "17 June 1953"
    assert DayQuery(2, 29).date(2025) == dt.date(2025, 2, 28)
    assert DayQuery(2, 29).date(2024) == dt.date(2024, 2, 29)


def test_message_quotes_user_text_safely() -> None:
    with pytest.raises(UserInputError) as caught:
        parse_day("`@everyone` " + "x" * 300, "UTC", NOW)
    message = caught.value.message
    assert "`" not in message.replace("\\`", "")  # every backtick escaped: shown, never code
    assert "@everyone" not in message
    assert len(message) < 200


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_day_or_a_user_error(text: str) -> None:
    try:
        day = parse_day(text, "Europe/Berlin", NOW)
    except UserInputError as error:
        assert error.message
    else:
        dt.date(day.year or 2000, day.month, day.day)  # a real day


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_every_real_date_round_trips(date: dt.date) -> None:
    expected = DayQuery(date.month, date.day, date.year)
    assert parse_day(date.isoformat(), "UTC", NOW) == expected
    if date.year < 100:  # "1 January 99": a two-digit number is read as a day, so no year
        return
    assert parse_day(f"{date.day} {date.strftime('%B')} {date.year}", "UTC", NOW) == expected
    assert parse_day(f"{date.strftime('%b')} {date.day}, {date.year}", "UTC", NOW) == expected
