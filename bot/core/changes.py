"""A change to a server's daily-post settings, decided from what someone typed.

Each ``set_*`` takes the current :class:`~bot.core.scheduling.Schedule` and the typed value and
returns a :class:`Change`: the new schedule and what kind of change it was. Nothing is saved
here (the application layer does that) and nothing is worded here (the ui does that, from
``kind``). Bad values raise :class:`~bot.core.errors.UserInputError` and change nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from bot.core.errors import UserInputError
from bot.core.models import Library
from bot.core.packs import resolve_packs, resolve_tags
from bot.core.scheduling import (
    EMPTY_DAY_CHOICES,
    EmptyDay,
    Schedule,
    parse_post_time,
    parse_weekdays,
)
from bot.core.timezones import resolve_timezone

ChangeKind = Literal[
    "channel",
    "time",
    "timezone",
    "days",
    "packs",
    "empty_days",
    "role",
    "pause",
    "resume",
    "add",
    "rename",
    "tags",
    "thread",
]


@dataclass(frozen=True, slots=True)
class Change:
    """The schedule after a change, and what changed."""

    schedule: Schedule
    kind: ChangeKind
    #: A new time, timezone, days or first channel: a post time already passed today is not "missed".
    reschedule: bool = False
    #: Posting was paused (by the bot, or by an admin) before this change and now is not.
    resumed: bool = False
    #: Nothing changed (e.g. pausing a paused schedule): nothing needs saving.
    unchanged: bool = False


def set_time(current: Schedule, text: str) -> Change:
    return Change(dataclasses.replace(current, post_time=parse_post_time(text)), "time", reschedule=True)


def set_timezone(current: Schedule, text: str) -> Change:
    return Change(dataclasses.replace(current, timezone=resolve_timezone(text)), "timezone", reschedule=True)


def set_days(current: Schedule, text: str) -> Change:
    return Change(dataclasses.replace(current, weekdays=parse_weekdays(text)), "days", reschedule=True)


def set_packs(current: Schedule, text: str, library: Library) -> Change:
    return Change(dataclasses.replace(current, packs=resolve_packs(text, library)), "packs")


def set_tags(current: Schedule, text: str, library: Library) -> Change:
    return Change(dataclasses.replace(current, tags=resolve_tags(text, library)), "tags")


def set_thread(current: Schedule, on: bool) -> Change:
    return Change(dataclasses.replace(current, thread=on), "thread", unchanged=current.thread == on)


def set_empty_days(current: Schedule, mode: str) -> Change:
    choices: dict[str, EmptyDay] = {m: m for m in EMPTY_DAY_CHOICES}
    empty_day = choices.get(mode.strip().lower().split(":")[0].strip())
    if empty_day is None:
        raise UserInputError("Choose skip, week or article.")
    return Change(dataclasses.replace(current, empty_day=empty_day), "empty_days")


def set_channel(current: Schedule, channel_id: int) -> Change:
    """Point the post at ``channel_id`` (already checked by the caller); clears a pause by the bot."""
    schedule = dataclasses.replace(current, channel_id=channel_id, paused_reason=None)
    return Change(schedule, "channel", reschedule=current.channel_id is None, resumed=current.paused_reason is not None)


def set_role(current: Schedule, role_id: int | None) -> Change:
    return Change(dataclasses.replace(current, role_id=role_id), "role")


def pause(current: Schedule) -> Change:
    if not current.enabled:
        return Change(current, "pause", unchanged=True)
    return Change(dataclasses.replace(current, enabled=False), "pause")


def resume(current: Schedule) -> Change:
    if current.channel_id is None:
        raise UserInputError("Choose a channel first with `/settings channel`; then daily posts start.")
    schedule = dataclasses.replace(current, enabled=True, paused_reason=None)
    # After an admin's pause, a post time that passed meanwhile is not "missed"; after a pause
    # by the bot (403/404) the day's post is still wanted and goes out now.
    return Change(
        schedule,
        "resume",
        reschedule=not current.enabled and current.paused_reason is None,
        resumed=not current.active,
    )
