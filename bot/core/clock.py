"""Time as a dependency: everything that needs "now" takes a :class:`Clock`."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from bot.core.timezones import ensure_utc


class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> dt.datetime:
        """The current instant as an aware UTC datetime."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FakeClock:
    """A clock that only moves when told to (tests and benchmarks)."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, value: dt.datetime) -> None:
        self._now = ensure_utc(value)

    def advance(self, delta: dt.timedelta | float) -> dt.datetime:
        """Move forward by a timedelta or a number of seconds; returns the new instant."""
        step = delta if isinstance(delta, dt.timedelta) else dt.timedelta(seconds=delta)
        if step < dt.timedelta(0):
            raise ValueError("a clock does not go backwards")
        self._now += step
        return self._now
