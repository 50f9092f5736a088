"""Timezones: what people type, what is stored, what is shown, and aware datetimes.

One module for every timezone question in the bot:

* :func:`resolve_timezone` turns what an admin types (``berlin``, ``New York``, ``UTC+2``,
  ``+05:30``, ``Etc/GMT+2``) into the name that is stored;
* :func:`get_zone` turns a stored name into a :class:`datetime.tzinfo`;
* :func:`timezone_label` shows a stored name to people, with the real UTC offset of fixed
  offsets (``Etc/GMT-2`` is shown as ``UTC+2``);
* :func:`timezone_choices` / :func:`timezone_options` feed autocomplete;
* :func:`ensure_utc` is the one check that a datetime is timezone-aware.

**Offsets mean what people mean.** In the tz database the ``Etc/GMT±N`` names have the sign
inverted (POSIX style): ``Etc/GMT+2`` is two hours *behind* UTC. People who type ``GMT+2``,
``UTC+2`` or ``+02:00`` mean two hours *ahead*, so those are stored as ``Etc/GMT-2``. Offsets in
whole hours are stored as the matching ``Etc/GMT`` zone; others (``UTC+5:30``) as a fixed-offset
name ``UTC+05:30`` that :func:`get_zone` reads back and :func:`resolve_timezone` accepts again.
An ``Etc/GMT+2`` typed as such is taken literally (UTC−2) and shown that way.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass

from bot.core.errors import UserInputError
from bot.core.text import quote_user

MINUS = "\N{MINUS SIGN}"
MAX_NAME_CHARS = 64

#: The offsets places actually use: UTC−12 (Baker Island) to UTC+14 (Line Islands).
MIN_OFFSET = dt.timedelta(hours=-12)
MAX_OFFSET = dt.timedelta(hours=14)

#: Areas of current, canonical IANA names; names outside them (``US/Eastern``, ``GB``,
#: ``Etc/GMT+5``) are old aliases and rank after them.
_CANONICAL_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)
_EXCLUDED_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_UTC_ALIASES = frozenset({"utc", "gmt", "z", "zulu", "universal", "etc/utc", "etc/gmt"})
#: Shown when the user has typed nothing yet.
POPULAR_TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)

#: What people type for an offset: ``UTC+2``, ``GMT-5``, ``+02:00``, ``utc+5:30``, ``+0530``.
_TYPED_OFFSET_RE = re.compile(r"^(?:utc|gmt|z)?([+-])(\d{1,2})(?:[:.h]?(\d{2}))?$")
#: The stored fixed-offset names (always with minutes): ``UTC+05:30``, ``UTC-03:30``.
_FIXED_NAME_RE = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
#: The tz database's inverted-sign zones: ``Etc/GMT-2`` is UTC+2.
_ETC_RE = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")


# --- aware datetimes -------------------------------------------------------------------------


def is_aware(value: dt.datetime) -> bool:
    """Whether ``value`` knows its offset from UTC."""
    return value.tzinfo is not None and value.utcoffset() is not None


def ensure_utc(value: dt.datetime, what: str = "the datetime") -> dt.datetime:
    """``value`` converted to UTC; :class:`ValueError` if it is naive (no timezone)."""
    if not is_aware(value):
        raise ValueError(f"{what} must be a timezone-aware datetime, got a naive one")
    return value.astimezone(dt.UTC)


def assume_utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, a naive one taken to be UTC already (stored or typed timestamps)."""
    return ensure_utc(value) if is_aware(value) else value.replace(tzinfo=dt.UTC)


# --- offsets ---------------------------------------------------------------------------------


def format_offset(offset: dt.timedelta) -> str:
    """``UTC+2``, ``UTC−5``, ``UTC+5:30``, ``UTC`` (with a real minus sign)."""
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else MINUS
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def offset_name(offset: dt.timedelta) -> str:
    """The stored name for a fixed offset: ``UTC``, ``Etc/GMT-2`` (UTC+2) or ``UTC+05:30``."""
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    if rest == 0:
        # The tz database inverts the sign: Etc/GMT-2 is two hours ahead of UTC.
        return f"Etc/GMT{'-' if minutes > 0 else '+'}{hours}"
    return f"UTC{'+' if minutes > 0 else '-'}{hours:02d}:{rest:02d}"


def fixed_offset(name: str) -> dt.timedelta | None:
    """The offset of a stored fixed-offset name (``Etc/GMT-2``, ``UTC+05:30``), else ``None``."""
    if m := _ETC_RE.match(name):
        hours = int(m.group(2))
        return dt.timedelta(hours=-hours if m.group(1) == "+" else hours)
    if m := _FIXED_NAME_RE.match(name):
        delta = dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return delta if m.group(1) == "+" else -delta
    return None


def _typed_offset(text: str) -> tuple[dt.timedelta, str] | None:
    """``(offset, shown)`` for text that is an offset as people write it, else ``None``.

    Raises :class:`UserInputError` for an offset no place uses (``UTC+15``, ``+02:75``).
    """
    compact = "".join(text.casefold().split()).replace(MINUS, "-").replace("\N{EN DASH}", "-")
    m = _TYPED_OFFSET_RE.match(compact)
    if m is None:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    shown = quote_user(text.strip(), 30)
    if minutes >= 60:
        raise UserInputError(f"{shown} is not an offset: minutes run from 00 to 59 (like UTC+5:30).")
    offset = dt.timedelta(hours=hours, minutes=minutes)
    if m.group(1) == "-":
        offset = -offset
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise UserInputError(
            f"{shown} is not an offset any place uses: they run from UTC{MINUS}12 to UTC+14. "
            "Please give your city instead, like Europe/Berlin."
        )
    return offset, shown


# --- names -----------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Casefold, strip accents, and write spaces as underscores: ``São Paulo`` -> ``sao_paulo``."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "_".join(stripped.replace("_", " ").split())


@dataclass(frozen=True, slots=True)
class _Zone:
    name: str
    folded: str
    city: str
    canonical: bool


@functools.cache
def _zones() -> tuple[_Zone, ...]:
    names = sorted(n for n in zoneinfo.available_timezones() if n not in _EXCLUDED_ZONES)
    return tuple(
        _Zone(
            name=n,
            folded=_fold(n),
            city=_fold(n.rsplit("/", 1)[-1]),
            canonical=n.split("/", 1)[0] in _CANONICAL_AREAS or n == "UTC",
        )
        for n in names
    )


def get_zone(name: str | dt.tzinfo) -> dt.tzinfo:
    """The tzinfo for a stored name (an IANA name or ``UTC+05:30``), or the tzinfo given.

    Raises :class:`UserInputError` if the name is not a timezone.
    """
    if isinstance(name, dt.tzinfo):
        return name
    return _named_zone(str(name).strip())


@functools.cache
def _named_zone(name: str) -> dt.tzinfo:
    if not name or len(name) > MAX_NAME_CHARS:
        raise UserInputError("Please give a timezone by its name, like Europe/Berlin or America/New_York.")
    if m := _FIXED_NAME_RE.match(name):
        offset = fixed_offset(name)
        if offset is not None and MIN_OFFSET <= offset <= MAX_OFFSET and int(m.group(3)) < 60:
            return dt.timezone(offset, name)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, KeyError):
        raise UserInputError(
            f"{quote_user(name, 60)} is not a timezone I know: use a name like Europe/Berlin or America/New_York."
        ) from None


def timezone_label(name: str) -> str:
    """A stored name as people read it: fixed offsets by their real offset (``UTC+2``)."""
    offset = fixed_offset(name)
    return format_offset(offset) if offset is not None else name


def cities_at_offset(offset: dt.timedelta, at: dt.datetime, limit: int = 2) -> list[str]:
    """Current IANA city zones whose UTC offset at ``at`` is ``offset``; common ones first."""
    instant = ensure_utc(at, "at")
    popular = [n for n in POPULAR_TIMEZONES if n != "UTC"]
    others = sorted(z.name for z in _zones() if z.canonical and z.name != "UTC" and z.name not in popular)
    found: list[str] = []
    for name in [*popular, *others]:
        if instant.astimezone(get_zone(name)).utcoffset() == offset:
            found.append(name)
            if len(found) >= limit:
                break
    return found


def _rank(zone: _Zone, query: str) -> int | None:
    """Lower is better; ``None`` when the zone does not match at all."""
    if zone.folded == query:
        return 0
    if zone.city == query:
        return 1
    if zone.folded.startswith(query):
        return 2
    if zone.city.startswith(query):
        return 3
    if any(part.startswith(query) for part in zone.folded.replace("/", "_").split("_")):
        return 4
    if query in zone.folded:
        return 5
    return None


def _matches(query: str) -> list[tuple[int, bool, int, str, str]]:
    """``(rank, not canonical, length, name, city)`` of every matching zone, best first."""
    found: list[tuple[int, bool, int, str, str]] = []
    for zone in _zones():
        rank = _rank(zone, query)
        if rank is not None:
            found.append((rank, not zone.canonical, len(zone.name), zone.name, zone.city))
    found.sort()
    return found


def _offset_query(text: str) -> dt.timedelta | None:
    """The offset meant by typed text, or ``None`` (also for an impossible offset)."""
    try:
        typed = _typed_offset(text)
    except UserInputError:
        return None
    return typed[0] if typed is not None else None


def timezone_choices(text: str, limit: int = 25, *, at: dt.datetime | None = None) -> list[str]:
    """Stored names matching what the user typed, best first, for autocomplete.

    Forgiving: case, accents, spaces for underscores, any part of the name (``berlin``,
    ``new york``, ``america/new``, ``sao paulo``) all match. Current names rank before old
    aliases such as ``US/Eastern``. With nothing typed, a list of common zones is returned. An
    offset (``UTC+2``, ``+05:30``) offers the fixed offset it means first, then (given ``at``)
    cities that are at that offset then.
    """
    if limit <= 0:
        return []
    query = _fold(text)[:MAX_NAME_CHARS]
    if not query:
        return list(POPULAR_TIMEZONES[:limit])
    offset = None if query.startswith("etc/") else _offset_query(text)
    if offset is not None:
        names = [offset_name(offset)]
        if at is not None and offset:
            names.extend(cities_at_offset(offset, at, limit=limit - 1))
        return names[:limit]
    if query in _UTC_ALIASES:
        return ["UTC", *[m[3] for m in _matches(query) if m[3] != "UTC"]][:limit]
    names = [m[3] for m in _matches(query)]
    if len(names) < limit:
        names.extend(n for n in _fuzzy(query, limit) if n not in names)
    return names[:limit]


def timezone_options(text: str, limit: int = 25, *, at: dt.datetime | None = None) -> list[tuple[str, str]]:
    """``(label, stored name)`` pairs for autocomplete; fixed offsets say their real offset.

    ``Etc/GMT-2`` is offered as ``UTC+2 (fixed offset, no daylight saving)``; a city at that
    offset as ``Europe/Berlin (now UTC+2)``.
    """
    offset = None if _fold(text).startswith("etc/") else _offset_query(text)
    options: list[tuple[str, str]] = []
    for name in timezone_choices(text, limit, at=at):
        fixed = fixed_offset(name)
        if fixed is not None:
            label = f"{format_offset(fixed)} (fixed offset, no daylight saving)"
            if name.startswith("Etc/"):
                label = f"{name} = {label}" if offset is None else label
        elif offset is not None and at is not None:
            label = f"{name} (now {format_offset(offset)}, follows local clock changes)"
        else:
            label = name
        options.append((label[:100], name))
    return options


def _fuzzy(query: str, limit: int) -> list[str]:
    """Close spellings of a city (``berln`` -> Europe/Berlin), for when nothing matches exactly."""
    from rapidfuzz import fuzz

    city_query = query.rsplit("/", 1)[-1]
    if len(city_query) < 3:
        return []
    scored: list[tuple[float, bool, str]] = []
    for zone in _zones():
        score = float(fuzz.ratio(city_query, zone.city))
        if score >= 75:
            scored.append((-score, not zone.canonical, zone.name))
    scored.sort()
    return [name for *_, name in scored[:limit]]


def resolve_timezone(text: str) -> str:
    """The stored name meant by ``text``, or :class:`UserInputError` saying what to type instead.

    Accepted: an exact name in any case (``europe/berlin``), a city (``berlin``,
    ``new york``), any part of a name that picks out one zone (``buenos``), or an offset as
    people write it (``UTC+2``, ``GMT-5``, ``+05:30``: see the module docstring). ``UTC``/``GMT``
    mean UTC. An ambiguous or unknown text is refused with suggestions; nothing is guessed
    from a misspelling.
    """
    query = _fold(text)[:MAX_NAME_CHARS]
    shown = quote_user(text.strip(), 60)
    if not query:
        raise UserInputError("Please give a timezone, like Europe/Berlin or America/New_York.")
    if query in _UTC_ALIASES:
        return "UTC"
    if not query.startswith("etc/") and (typed := _typed_offset(text)) is not None:
        return offset_name(typed[0])
    matches = _matches(query)
    if matches:
        best_rank = matches[0][0]
        best = [m for m in matches if m[0] == best_rank]
        # An exact name or an exact city decides; a partial match must be unambiguous, except
        # that old aliases give way to a single current name, and names of one city
        # ("buenos" -> America/Buenos_Aires and America/Argentina/Buenos_Aires) are links to
        # the same zone.
        canonical = [m for m in best if not m[1]] or best
        if best_rank <= 1 or len(canonical) == 1 or len({m[4] for m in canonical}) == 1:
            return canonical[0][3]
        options = ", ".join(m[3] for m in matches[:5])
        raise UserInputError(f"{shown} matches several timezones ({options}…). Please pick one from the list.")
    suggestions = _fuzzy(query, 3)
    hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
    raise UserInputError(
        f"{shown} is not a timezone I know.{hint} Use a name from the tz database such as Europe/Berlin, "
        "America/New_York or UTC, or an offset like UTC+2 (start typing a city to see the list)."
    )
