"""Reading a calendar day from what people type: ``17 June``, ``June 17``, ``06-17``, ``today``.

Accepted forms (case and extra spaces do not matter):

* ``today``, ``tomorrow``, ``yesterday`` — in the given IANA timezone, at the given UTC instant;
* a day and an English month name or abbreviation, in either order, with an optional year and
  optional ordinal/filler words: ``17 June``, ``June 17``, ``17 jun``, ``17th of June 1953``,
  ``Jun 17, 1953``;
* ``MM-DD`` (``06-17``) and ISO ``YYYY-MM-DD`` (``1953-06-17``, also with ``/``);
* ``DD.MM`` or ``DD.MM.YYYY`` (``17.06.1953``), the dotted form used across Europe;
* ``A/B`` when only one reading is possible (``17/06`` is 17 June; ``06/05`` is ambiguous).

Anything else, or a day that does not exist (``31 February``, ``13-45``), raises
:class:`~bot.core.errors.UserInputError` with a message saying why.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from bot.core.dates import MONTH_NAMES
from bot.core.errors import UserInputError
from bot.core.text import quote_user
from bot.core.timezones import ensure_utc, get_zone

MAX_INPUT_CHARS = 100
_HINT = "try 17 June, June 17, 06-17, 1953-06-17, today or tomorrow."

_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(MONTH_NAMES, start=1):
    _MONTHS[_name.lower()] = _number
    _MONTHS[_name[:3].lower()] = _number
_MONTHS["sept"] = 9

_RELATIVE = {"today": 0, "tomorrow": 1, "yesterday": -1, "tmrw": 1, "tdy": 0}
_FILLER = frozenset({"of", "the", "on", "day"})
_ORDINAL_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")
_ISO_RE = re.compile(r"^(\d{3,4})[-/](\d{1,2})[-/](\d{1,2})$")
_MONTH_DAY_RE = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_DOTTED_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{3,4})?)?$")
_SLASH_RE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{3,4}))?$")
_TOKEN_RE = re.compile(r"[a-z]+|\d+")


@dataclass(frozen=True, slots=True)
class DayQuery:
    """A calendar day someone asked for; ``year`` is set only if they gave one (or said today)."""

    month: int
    day: int
    year: int | None = None

    @property
    def label(self) -> str:
        """``17 June`` or ``17 June 1953``."""
        base = f"{self.day} {MONTH_NAMES[self.month - 1]}"
        return f"{base} {self.year}" if self.year is not None else base

    def date(self, fallback_year: int) -> dt.date:
        """This day as a date, in ``year`` or else ``fallback_year`` (29 Feb -> 28 Feb if needed)."""
        year = self.year if self.year is not None else fallback_year
        day = self.day
        if (self.month, day) == (2, 29) and not calendar.isleap(year):
            day = 28
        return dt.date(year, self.month, day)


def local_today(tz: str | dt.tzinfo, now_utc: dt.datetime) -> dt.date:
    """The calendar date in ``tz`` at the instant ``now_utc`` (which must be timezone-aware)."""
    return ensure_utc(now_utc, "now_utc").astimezone(get_zone(tz)).date()


def parse_day(text: str, tz: str | dt.tzinfo, now_utc: dt.datetime) -> DayQuery:
    """The day described by ``text``; ``today``/``tomorrow`` are taken in ``tz`` at ``now_utc``.

    Raises :class:`UserInputError` with a reason for text that is not a day, or an impossible day.
    """
    raw = " ".join(str(text).split())[:MAX_INPUT_CHARS]
    lowered = raw.lower().strip(" .,")
    if not lowered:
        raise UserInputError(f"Which day? T{_HINT[1:]}")
    if lowered in _RELATIVE:
        day = local_today(tz, now_utc) + dt.timedelta(days=_RELATIVE[lowered])
        return DayQuery(day.month, day.day, day.year)
    compact = lowered.replace(" ", "")
    if m := _ISO_RE.match(compact):
        return _checked(int(m.group(2)), int(m.group(3)), int(m.group(1)), raw)
    if m := _MONTH_DAY_RE.match(compact):
        return _checked(int(m.group(1)), int(m.group(2)), None, raw)
    if m := _DOTTED_RE.match(compact):
        year = int(m.group(3)) if m.group(3) else None
        return _checked(int(m.group(2)), int(m.group(1)), year, raw)
    if m := _SLASH_RE.match(compact):
        return _slashed(int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None, raw)
    return _worded(lowered, raw)


def _worded(lowered: str, raw: str) -> DayQuery:
    month: int | None = None
    numbers: list[str] = []
    for token in _TOKEN_RE.findall(lowered):
        if token in _FILLER or token in {"st", "nd", "rd", "th"}:
            continue
        if token.isdigit():
            numbers.append(token)
        elif (ordinal := _ORDINAL_RE.match(token)) is not None:
            numbers.append(ordinal.group(1))
        elif token in _MONTHS and month is None:
            month = _MONTHS[token]
        else:
            raise UserInputError(f"I could not read {_shown(raw)} as a day: {_HINT}")
    if month is None:
        raise UserInputError(f"I could not read {_shown(raw)} as a day: {_HINT}")
    days = [n for n in numbers if len(n) <= 2]
    years = [n for n in numbers if len(n) >= 3]
    if not days:
        raise UserInputError(f"Which day of {MONTH_NAMES[month - 1]}? For example: 17 {MONTH_NAMES[month - 1]}.")
    if len(days) > 1 or len(years) > 1:
        raise UserInputError(f"I could not read {_shown(raw)} as a day: {_HINT}")
    return _checked(month, int(days[0]), int(years[0]) if years else None, raw)


def _slashed(first: int, second: int, year: int | None, raw: str) -> DayQuery:
    if first > 12 >= second:
        return _checked(second, first, year, raw)
    if second > 12 >= first:
        return _checked(first, second, year, raw)
    if first <= 12 and second <= 12 and first != second:
        raise UserInputError(
            f"{_shown(raw)} could be day/month or month/day: write it as 06-17 (month-day) or 17 June."
        )
    return _checked(first, second, year, raw)


def _checked(month: int, day: int, year: int | None, raw: str) -> DayQuery:
    if year is not None and not 1 <= year <= 9999:
        raise UserInputError(f"{_shown(raw)}: the year must be between 1 and 9999.")
    if not 1 <= month <= 12:
        raise UserInputError(f"{_shown(raw)}: there is no month {month} (months run from 1 to 12).")
    name = MONTH_NAMES[month - 1]
    if day < 1:
        raise UserInputError(f"{_shown(raw)}: there is no day {day} of a month.")
    most = calendar.monthrange(2000, month)[1]  # 2000 is a leap year: 29 February exists
    if day > most:
        most_text = "at most 29" if month == 2 else str(most)
        raise UserInputError(f"{_shown(raw)}: {name} has {most_text} days, so there is no {day} {name}.")
    if year is not None and (month, day) == (2, 29) and not calendar.isleap(year):
        raise UserInputError(f"{_shown(raw)}: {year} is not a leap year, so it has no 29 February.")
    return DayQuery(month, day, year)


def _shown(text: str) -> str:
    """User text quoted for a message: short, on one line, without backticks."""
    return quote_user(text, 40)
