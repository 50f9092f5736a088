"""Property tests: the date and id parsers raise nothing but the project's ValidationError."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bot.core.dates import (
    gregorian_to_julian,
    julian_to_gregorian,
    parse_historical_date,
    parse_julian_date,
    parse_slug,
)
from bot.core.errors import ValidationError

anything = st.one_of(
    st.text(max_size=40),
    st.integers(),
    st.floats(allow_nan=True),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True),
    st.from_regex(r"\d{1,5}(-\d{1,3}){0,3}", fullmatch=True),
)


@given(anything)
def test_parse_historical_date_raises_only_validation_error(value: object) -> None:
    try:
        date = parse_historical_date(value)
    except ValidationError as exc:
        assert exc.message
    else:
        assert 1 <= date.year <= 9999
        assert date.first_day() <= date.last_day()
        assert parse_historical_date(date.iso()) == date


@given(anything)
def test_parse_julian_date_raises_only_validation_error(value: object) -> None:
    try:
        y, m, d = parse_julian_date(value)
    except ValidationError as exc:
        assert exc.message
    else:
        assert gregorian_to_julian(julian_to_gregorian(y, m, d)) == (y, m, d)


@given(anything)
def test_parse_slug_raises_only_validation_error(value: object) -> None:
    try:
        slug = parse_slug(value)
    except ValidationError as exc:
        assert exc.message
    else:
        assert slug == value
        assert slug == slug.lower().strip()


@given(st.dates(min_value=dt.date(1583, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_julian_round_trip(date: dt.date) -> None:
    assert julian_to_gregorian(*gregorian_to_julian(date)) == date


def test_known_old_style_dates() -> None:
    # 25 October 1917 (old style) was 7 November; 23 February 1917 was 8 March.
    assert julian_to_gregorian(1917, 10, 25) == dt.date(1917, 11, 7)
    assert julian_to_gregorian(1917, 2, 23) == dt.date(1917, 3, 8)
    # Bloody Sunday, 9 January 1905 (old style) = 22 January 1905.
    assert julian_to_gregorian(1905, 1, 9) == dt.date(1905, 1, 22)
    # The switch: 31 January 1918 old style was followed by 14 February 1918.
    assert julian_to_gregorian(1918, 1, 31) == dt.date(1918, 2, 13)
