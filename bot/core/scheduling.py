"""Daily-post schedules: settings, parsing of what admins type, and the pure "what is due" rule.

Nothing here touches Discord, SQLite or the real clock: the caller passes the schedules, the
last posted local date of each, and the current instant, and gets back what to post.

The rules (see :func:`due_posts`):

* A schedule posts at most once per **local calendar day** of its timezone, on the weekdays it
  allows (``0`` = Monday ... ``6`` = Sunday, as :meth:`datetime.date.weekday`).
* It is due once the local post time has passed and nothing was posted (or claimed) that day.
* **Catch-up**: if the bot was down at the post time, the post still goes out when it returns,
  as long as that is within ``catchup`` (default 6 hours) and still the same local day. Such a
  post is marked ``late`` (more than ``late_after`` behind, default 5 minutes).
* **DST**: a post time that does not exist that day (clocks spring forward over it) is moved
  to the first valid minute after it (``02:30`` in New York on the spring-forward day posts at
  ``03:00``); a post time that happens twice (clocks fall back) posts at its first occurrence,
  and the once-per-local-day rule keeps the second occurrence from posting again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from bot.core.errors import UserInputError
from bot.core.text import quote_user
from bot.core.timezones import ensure_utc, get_zone

EmptyDay = Literal["skip", "week", "article"]
EMPTY_DAY_CHOICES: tuple[EmptyDay, ...] = get_args(EmptyDay)
PostStatus = Literal["claimed", "sent", "failed", "skipped"]
ScheduleKind = Literal["daily", "weekly"]
SCHEDULE_KINDS: tuple[ScheduleKind, ...] = get_args(ScheduleKind)

#: A server's first schedule (and the one every server had before schedules had names).
DEFAULT_SCHEDULE_ID = 1
DEFAULT_SCHEDULE_NAME = "daily"
#: Schedules one server may have.
MAX_SCHEDULES = 10
SCHEDULE_NAME_MAX = 32
#: A weekly digest goes out on Mondays unless the server chooses other days.
WEEKLY_DEFAULT_DAYS: frozenset[int] = frozenset({0})
DEFAULT_POST_TIME = dt.time(9, 0)
DEFAULT_TIMEZONE = "UTC"
ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))
DEFAULT_CATCHUP = dt.timedelta(hours=6)
DEFAULT_LATE_AFTER = dt.timedelta(minutes=5)

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

ScheduleKey = tuple[int, int]
"""``(guild_id, schedule_id)``."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """One of a server's scheduled posts (up to :data:`MAX_SCHEDULES`, each with its own name)."""

    guild_id: int
    schedule_id: int = DEFAULT_SCHEDULE_ID
    channel_id: int | None = None
    post_time: dt.time = DEFAULT_POST_TIME
    timezone: str = DEFAULT_TIMEZONE
    weekdays: frozenset[int] = ALL_WEEKDAYS
    enabled: bool = True
    #: Set when posting stopped on its own (the channel is gone or the bot lost access); the
    #: text is shown by ``/settings show``. Cleared when an admin resumes posting.
    paused_reason: str | None = None
    role_id: int | None = None
    empty_day: EmptyDay = "skip"
    #: Pack ids whose events may be posted; ``None`` means every pack.
    packs: frozenset[str] | None = None
    #: The name the server calls it by (unique within the server, see :func:`parse_schedule_name`).
    name: str = DEFAULT_SCHEDULE_NAME
    #: ``daily``: the day's events; ``weekly``: a digest of the coming seven days.
    kind: ScheduleKind = "daily"
    #: An event is posted only if it has any of these tags; ``None`` means any event.
    tags: frozenset[str] | None = None
    #: Open a public discussion thread on each post.
    thread: bool = False

    def __post_init__(self) -> None:
        if not self.weekdays:
            raise ValueError("a schedule needs at least one weekday")
        if not self.weekdays <= ALL_WEEKDAYS:
            raise ValueError(f"weekdays must be 0 (Monday) to 6 (Sunday), got {sorted(self.weekdays)}")
        if self.empty_day not in EMPTY_DAY_CHOICES:
            raise ValueError(f"empty_day must be one of {EMPTY_DAY_CHOICES}, got {self.empty_day!r}")
        if self.post_time.tzinfo is not None:
            raise ValueError("post_time is a local wall-clock time without tzinfo")
        if self.kind not in SCHEDULE_KINDS:
            raise ValueError(f"kind must be one of {SCHEDULE_KINDS}, got {self.kind!r}")

    @property
    def key(self) -> ScheduleKey:
        return (self.guild_id, self.schedule_id)

    @property
    def active(self) -> bool:
        """Whether this schedule can post at all: enabled, not paused, and a channel is set."""
        return self.enabled and self.paused_reason is None and self.channel_id is not None

    @property
    def zone(self) -> dt.tzinfo:
        return get_zone(self.timezone)


@dataclass(frozen=True, slots=True)
class PostState:
    """What happened to one schedule's post on one local day (the last one is in ``/settings show``)."""

    guild_id: int
    schedule_id: int
    local_date: dt.date
    status: PostStatus
    claimed_at: dt.datetime
    entry_id: str | None = None
    message_id: int | None = None
    posted_at: dt.datetime | None = None
    error: str | None = None
    error_at: dt.datetime | None = None
    attempts: int = 0
    late: bool = False
    #: The discussion thread opened on the post (schedules with ``thread`` on).
    thread_id: int | None = None
    #: Why the thread could not be opened (the post itself went out).
    thread_error: str | None = None

    @property
    def key(self) -> ScheduleKey:
        return (self.guild_id, self.schedule_id)


@dataclass(frozen=True, slots=True)
class DuePost:
    """A schedule whose post for ``local_date`` should go out now."""

    schedule: Schedule
    local_date: dt.date
    scheduled_at_utc: dt.datetime
    late: bool = False
    #: How long after the (DST-adjusted) post time this was found due.
    delay: dt.timedelta = field(default=dt.timedelta(0), compare=False)


# --- names ---------------------------------------------------------------------------------

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def parse_schedule_name(text: str) -> str:
    """A schedule name as stored: lowercase letters, digits, ``-`` and ``_``, at most 32 characters.

    Spaces become hyphens (``Labour History`` -> ``labour-history``). Raises
    :class:`UserInputError` saying what to type instead.
    """
    name = "-".join(text.strip().lower().split())
    if not name:
        raise UserInputError("Please give the schedule a name, like `labour` or `weekly`.")
    if len(name) > SCHEDULE_NAME_MAX:
        raise UserInputError(
            f"Schedule names are at most {SCHEDULE_NAME_MAX} characters; {quote_user(text, 40)} is longer."
        )
    if not _NAME_RE.match(name):
        raise UserInputError(
            f"{quote_user(text, 40)} can't be a schedule name: use letters, digits, `-` and `_` "
            "(like `labour-history`)."
        )
    return name


def find_schedule(schedules: Sequence[Schedule], name: str | None, guild_id: int) -> Schedule:
    """The schedule called ``name`` (any case), or with no name the server's first one.

    A server with no stored schedule gets the defaults (named ``daily``, not stored). An unknown
    name raises :class:`UserInputError` listing the server's schedules.
    """
    if name is None or not name.strip():
        return schedules[0] if schedules else Schedule(guild_id=guild_id)
    wanted = "-".join(name.strip().lower().split())
    for schedule in schedules:
        if schedule.name == wanted:
            return schedule
    if not schedules and wanted == DEFAULT_SCHEDULE_NAME:
        return Schedule(guild_id=guild_id)
    known = ", ".join(f"`{s.name}`" for s in schedules) or f"`{DEFAULT_SCHEDULE_NAME}`"
    raise UserInputError(
        f"This server has no schedule called {quote_user(name, 40)}. Its schedules: {known} "
        "(`/settings add` makes a new one)."
    )


def schedule_name_choices(schedules: Sequence[Schedule], text: str, limit: int = 25) -> list[str]:
    """Names for autocomplete: those starting with what was typed first, then those containing it."""
    query = "-".join(text.strip().lower().split())
    names = [s.name for s in schedules] or [DEFAULT_SCHEDULE_NAME]
    starts = [n for n in names if n.startswith(query)]
    contains = [n for n in names if query in n and n not in starts]
    return (starts + contains)[:limit]


# --- time of day ---------------------------------------------------------------------------

_TIME_24_RE = re.compile(r"^(\d{1,2})\s*[:.h]\s*(\d{2})$")
_TIME_12_RE = re.compile(r"^(\d{1,2})(?:\s*[:.]\s*(\d{2}))?\s*([ap])\.?\s*(?:m\.?)?$")
_TIME_HELP = "Write the time as 24-hour HH:MM (like 09:00 or 21:30) or like 9am or 9:30 pm."


def parse_post_time(text: str) -> dt.time:
    """Parse ``HH:MM`` (24-hour), ``9am``, ``9:30 pm``, ``noon`` or ``midnight``.

    Raises :class:`UserInputError` with a message that says what to type instead.
    """
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise UserInputError(f"Please give a time. {_TIME_HELP}")
    shown = quote_user(text.strip(), 40)
    if raw == "noon":
        return dt.time(12, 0)
    if raw == "midnight":
        return dt.time(0, 0)
    if m := _TIME_24_RE.match(raw):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23:
            raise UserInputError(f"{shown} is not a time of day: hours run from 00 to 23. {_TIME_HELP}")
        if minute > 59:
            raise UserInputError(f"{shown} is not a time of day: minutes run from 00 to 59. {_TIME_HELP}")
        return dt.time(hour, minute)
    if m := _TIME_12_RE.match(raw):
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if not 1 <= hour <= 12:
            raise UserInputError(f"{shown} is not a time: with am/pm the hour runs from 1 to 12. {_TIME_HELP}")
        if minute > 59:
            raise UserInputError(f"{shown} is not a time of day: minutes run from 00 to 59. {_TIME_HELP}")
        hour %= 12
        if m.group(3) == "p":
            hour += 12
        return dt.time(hour, minute)
    raise UserInputError(f"I can't read {shown} as a time. {_TIME_HELP}")


def format_post_time(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


# --- weekdays ------------------------------------------------------------------------------

_DAY_ALIASES: dict[str, int] = {}
for _i, _name in enumerate(WEEKDAY_NAMES):
    _low = _name.lower()
    for _n in range(2, len(_low) + 1):
        _DAY_ALIASES.setdefault(_low[:_n], _i)
for _ambiguous in ("t", "s"):
    _DAY_ALIASES.pop(_ambiguous, None)
_DAY_ALIASES.update({"tues": 1, "thur": 3, "thurs": 3})
_WEEKDAY_GROUPS: dict[str, frozenset[int]] = {
    "every day": ALL_WEEKDAYS,
    "everyday": ALL_WEEKDAYS,
    "daily": ALL_WEEKDAYS,
    "all": ALL_WEEKDAYS,
    "weekdays": frozenset(range(5)),
    "workdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse ``mon,wed,fri``, ``mon-fri``, ``weekdays``, ``weekends`` or ``every day``."""
    raw = " ".join(text.strip().lower().split())
    if raw in _WEEKDAY_GROUPS:
        return _WEEKDAY_GROUPS[raw]
    days: set[int] = set()
    for part in re.split(r"[,;\s]+", raw):
        if not part:
            continue
        if "-" in part or "–" in part:
            start_text, _, end_text = part.replace("–", "-").partition("-")
            start, end = _DAY_ALIASES.get(start_text), _DAY_ALIASES.get(end_text)
            if start is None or end is None:
                raise UserInputError(f"I can't read {quote_user(part, 30)} as a range of days; write it like mon-fri.")
            day = start
            days.add(day)
            while day != end:
                day = (day + 1) % 7
                days.add(day)
            continue
        day_number = _DAY_ALIASES.get(part.rstrip("s")) if part not in _DAY_ALIASES else _DAY_ALIASES[part]
        if day_number is None:
            raise UserInputError(
                f"I don't know the day {quote_user(part, 30)}. Use day names like mon, wed, fri, a range like mon-fri, "
                "or weekdays, weekends or every day."
            )
        days.add(day_number)
    if not days:
        raise UserInputError("Please name at least one day, like mon-fri or every day.")
    return frozenset(days)


def format_weekdays(days: frozenset[int]) -> str:
    if days == ALL_WEEKDAYS:
        return "every day"
    if days == frozenset(range(5)):
        return "Monday to Friday"
    if days == frozenset({5, 6}):
        return "weekends"
    return ", ".join(WEEKDAY_NAMES[d] for d in sorted(days))


# --- the decision --------------------------------------------------------------------------


def _exists(naive: dt.datetime, zone: dt.tzinfo) -> bool:
    aware = naive.replace(tzinfo=zone, fold=0)
    return aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == naive


def local_to_utc(day: dt.date, at: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant of local wall time ``at`` on ``day``, with the DST rules of this module.

    A wall time skipped by a spring-forward transition becomes the first valid minute after it;
    a repeated one (fall back) is its first occurrence.
    """
    naive = dt.datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None))
    candidate = naive
    # Gaps are at most a few hours in practice; a whole skipped day (Samoa, 2011) never has a
    # local "today" in which to ask, so the loop is bounded by one day of minutes.
    for _ in range(24 * 60):
        if _exists(candidate, zone):
            return candidate.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
        candidate += dt.timedelta(minutes=1)
    return naive.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def scheduled_instant(schedule: Schedule, local_date: dt.date) -> dt.datetime:
    """When ``schedule`` should post on ``local_date`` (its local calendar day), in UTC."""
    return local_to_utc(local_date, schedule.post_time, schedule.zone)


def local_date_at(schedule: Schedule, instant: dt.datetime) -> dt.date:
    """The schedule's local calendar date at ``instant``."""
    return ensure_utc(instant, "instant").astimezone(schedule.zone).date()


def due_posts(
    schedules: Iterable[Schedule],
    last_dates: Mapping[ScheduleKey, dt.date | None],
    now_utc: dt.datetime,
    catchup: dt.timedelta = DEFAULT_CATCHUP,
    *,
    late_after: dt.timedelta = DEFAULT_LATE_AFTER,
) -> list[DuePost]:
    """The posts that should go out at ``now_utc``, in the order they became due.

    ``last_dates`` maps a schedule's key to the last local date posted *or claimed* (a missing
    key means never). Inactive schedules (disabled, paused, no channel) are never due, nor are
    schedules whose timezone is no longer in the tz database.
    """
    now = ensure_utc(now_utc, "now_utc")
    due: list[DuePost] = []
    for schedule in schedules:
        if not schedule.active:
            continue
        try:
            zone = schedule.zone
        except UserInputError:
            continue
        today = now.astimezone(zone).date()
        if today.weekday() not in schedule.weekdays:
            continue
        last = last_dates.get(schedule.key)
        if last is not None and last >= today:
            continue
        at = local_to_utc(today, schedule.post_time, zone)
        delay = now - at
        if delay < dt.timedelta(0) or delay > catchup:
            continue
        due.append(DuePost(schedule, today, at, late=delay > late_after, delay=delay))
    due.sort(key=lambda d: (d.scheduled_at_utc, d.schedule.guild_id, d.schedule.schedule_id))
    return due


def next_post_at(
    schedule: Schedule,
    now_utc: dt.datetime,
    last_date: dt.date | None,
    catchup: dt.timedelta = DEFAULT_CATCHUP,
) -> dt.datetime:
    """When the next post would go out, for the ``/settings`` preview (UTC).

    This ignores whether the schedule is enabled or paused (the preview says that separately).
    If today's post is due but not yet sent, its (past, at most ``catchup`` old) time is
    returned: it goes out on the next tick.
    """
    now = ensure_utc(now_utc, "now_utc")
    zone = schedule.zone
    today = now.astimezone(zone).date()
    for offset in range(8):
        day = today + dt.timedelta(days=offset)
        if day.weekday() not in schedule.weekdays:
            continue
        if last_date is not None and last_date >= day:
            continue
        at = local_to_utc(day, schedule.post_time, zone)
        if now - at > catchup:
            continue
        return at
    # Unreachable with a non-empty weekday set: eight days always contain an allowed weekday
    # after today.
    raise AssertionError("no post day found in a week")


@dataclass(frozen=True, slots=True)
class ScheduleStatus:
    """Everything ``/settings show`` displays about a server's daily post."""

    schedule: Schedule
    stored: bool
    last_post: PostState | None
    last_error: tuple[str, dt.datetime] | None
    next_post_at: dt.datetime | None
    #: The latest local day with any record (a skip written by a settings change included), for
    #: working out the next post; ``last_post`` leaves such skips out, as they are not posts.
    last_day: dt.date | None = None
