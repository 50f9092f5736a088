"""Historical dates with a precision, and the Julian (old style) calendar.

A date in content is written ``YYYY-MM-DD`` (day precision), ``YYYY-MM`` (month) or
``YYYY`` (year). Years run from 1 to 9999; BCE dates are out of scope for this library.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import re
from dataclasses import dataclass

from bot.core.errors import ValidationError

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class Precision(enum.Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True, order=True)
class HistoricalDate:
    """A Gregorian date known to the day, the month or only the year."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def first_day(self) -> dt.date:
        """The first calendar day this date can mean."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        """The last calendar day this date can mean."""
        if self.day is not None:
            assert self.month is not None
            return dt.date(self.year, self.month, self.day)
        if self.month is not None:
            return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return dt.date(self.year, 12, 31)

    def iso(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def human(self) -> str:
        """``17 June 1953``, ``June 1953`` or ``1953``."""
        if self.day is not None and self.month is not None:
            return f"{self.day} {MONTH_NAMES[self.month - 1]} {self.year}"
        if self.month is not None:
            return f"{MONTH_NAMES[self.month - 1]} {self.year}"
        return str(self.year)

    def __str__(self) -> str:
        return self.iso()


def parse_historical_date(text: object) -> HistoricalDate:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Raises :class:`ValidationError` (and nothing else) for anything that is not a real date.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValidationError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {type(text).__name__}")
    raw = str(text).strip()
    m = _DATE_RE.match(raw)
    if not m:
        raise ValidationError(f"{raw[:40]!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY")
    year = int(m.group(1))
    if year < 1:
        raise ValidationError(f"{raw!r}: year must be between 1 and 9999")
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    if month is not None and not 1 <= month <= 12:
        raise ValidationError(f"{raw!r}: there is no month {month}")
    if day is not None:
        assert month is not None
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValidationError(f"{raw!r}: {MONTH_NAMES[month - 1]} {year} has {last} days, not {day}")
    return HistoricalDate(year, month, day)


# --- Julian calendar -------------------------------------------------------------------------

#: Soviet Russia switched to the Gregorian calendar: 31 January 1918 (old style) was followed
#: by 14 February 1918 (new style). Russian dates before this carry both calendars.
RUSSIA_GREGORIAN_SWITCH = dt.date(1918, 2, 14)


def _julian_to_jdn(year: int, month: int, day: int) -> int:
    a = (14 - month) // 12
    y = year + 4800 - a
    m = month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083


def _jdn_to_gregorian(jdn: int) -> dt.date:
    a = jdn + 32044
    b = (4 * a + 3) // 146097
    c = a - 146097 * b // 4
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    year = 100 * b + d - 4800 + m // 10
    return dt.date(year, month, day)


def julian_is_valid(year: int, month: int, day: int) -> bool:
    """Whether the day exists in the Julian calendar (every fourth year is leap)."""
    if not 1 <= month <= 12 or day < 1:
        return False
    days = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days


def julian_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """Convert an old-style (Julian) date to the Gregorian calendar."""
    if not julian_is_valid(year, month, day):
        raise ValidationError(f"{year:04d}-{month:02d}-{day:02d} is not a day in the Julian calendar")
    return _jdn_to_gregorian(_julian_to_jdn(year, month, day))


def gregorian_to_julian(date: dt.date) -> tuple[int, int, int]:
    """Convert a Gregorian date to the Julian (old style) calendar as (year, month, day)."""
    jdn = date.toordinal() + 1721425
    c = jdn + 32082
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    year = d - 4800 + m // 10
    return (year, month, day)


def parse_julian_date(text: object) -> tuple[int, int, int]:
    """Parse an old-style date written ``YYYY-MM-DD`` in the Julian calendar."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValidationError("expected an old-style date as YYYY-MM-DD")
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", text.strip())
    if not m:
        raise ValidationError(f"{text[:40]!r} is not an old-style date: write YYYY-MM-DD")
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y < 1 or not julian_is_valid(y, mo, d):
        raise ValidationError(f"{text!r} is not a day in the Julian calendar")
    return (y, mo, d)


# --- ids -------------------------------------------------------------------------------------

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 80


def parse_slug(value: object) -> str:
    """An id: lowercase letters, digits and single hyphens, at most 80 characters."""
    if not isinstance(value, str):
        raise ValidationError(f"an id must be text, got {type(value).__name__}")
    if not value:
        raise ValidationError("an id cannot be empty")
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(f"an id is at most {MAX_ID_LENGTH} characters (this one has {len(value)})")
    if not _SLUG_RE.match(value):
        raise ValidationError(
            f"{value[:40]!r} is not a valid id: use lowercase letters, digits and single hyphens"
            " (like 'east-berlin-1953')"
        )
    return value
