"""``python -m bot preview``: print the daily post for a day, without a token or a database.

The post is made by :func:`bot.core.posts.build_post`, the function the scheduler uses, and
rendered from the same cards as the embeds (:func:`bot.ui.daily.daily_post_cards`)::

    python -m bot preview --date "17 june" --timezone Europe/Berlin --packs revolts-against-stalinism
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.cli.common import EXIT_OK, EXIT_USAGE, content_warning, settings_or_exit
from bot.core.daytext import local_today, parse_day
from bot.core.errors import DomainError
from bot.core.models import Library
from bot.core.packs import resolve_packs, resolve_tags
from bot.core.posts import DailyPost, build_digest, build_post
from bot.core.scheduling import SCHEDULE_KINDS, EmptyDay, Schedule, ScheduleKind
from bot.core.timezones import resolve_timezone
from bot.services.library import load_content
from bot.ui.daily import daily_post_cards, late_note
from bot.ui.layout import card_text, fit_message
from bot.ui.terminal import plain_markdown

#: The pretend server the preview is for (the daily pick depends on the server).
DEFAULT_GUILD = 1


def preview_date(text: str | None, timezone: str, now_utc: dt.datetime) -> dt.date:
    """The local date to preview: ``text`` (``17 june``, ``2026-06-17``, ``tomorrow``), or today.

    A day given without a year is in the current year of ``timezone``. 29 February without a
    year, in a year that has none, is 28 February: that day's post carries the 29 February
    events, as the daily post does in common years (:func:`leap_day_note` says so).
    """
    today = local_today(timezone, now_utc)
    if text is None or not text.strip():
        return today
    day = parse_day(text, timezone, now_utc)
    return day.date(today.year)


def leap_day_note(text: str | None, local_date: dt.date) -> str | None:
    """The line explaining that ``29 feb`` is previewed as 28 February in a common year."""
    if not text or (local_date.month, local_date.day) != (2, 28) or calendar.isleap(local_date.year):
        return None
    words = " ".join(text.casefold().split())
    if not any(name in words for name in ("29", "feb")) or "28" in words:
        return None
    return (
        f"{local_date.year} has no 29 February, so this is the post of 28 February {local_date.year}: "
        "in years without a 29 February, the daily post of 28 February also carries the events of "
        f"29 February. For a 29 February post, give a leap year: --date {_next_leap(local_date.year)}-02-29."
    )


def _next_leap(year: int) -> int:
    return next(y for y in range(year + 1, year + 9) if calendar.isleap(y))


def render_post(post: DailyPost | None, library: Library, *, local_date: dt.date, empty_day: str) -> str:
    """The post as plain text (what its embeds show), or a line saying nothing would be posted."""
    if post is None:
        return (
            f"Nothing would be posted on {local_date.isoformat()}: nothing in the chosen packs happened on that day, "
            f"and empty days are set to {empty_day} (try --empty-days week or article)."
        )
    parts = []
    if (note := late_note(post)) is not None:
        parts.append(note)
    parts.extend(plain_markdown(card_text(c)) for c in fit_message(daily_post_cards(post, library)))
    return "\n\n".join(parts)


def build_preview(
    library: Library,
    *,
    date_text: str | None,
    timezone: str,
    packs_text: str | None,
    empty_day: EmptyDay,
    guild_id: int,
    now_utc: dt.datetime,
    tags_text: str | None = None,
    kind: ScheduleKind = "daily",
) -> tuple[dt.date, DailyPost | None]:
    zone = resolve_timezone(timezone)
    packs = resolve_packs(packs_text, library) if packs_text else None
    tags = resolve_tags(tags_text, library) if tags_text else None
    local_date = preview_date(date_text, zone, now_utc)
    schedule = Schedule(guild_id=guild_id, timezone=zone, packs=packs, empty_day=empty_day, tags=tags, kind=kind)
    if kind == "weekly":
        return local_date, build_digest(library, schedule, local_date, (), False)
    return local_date, build_post(library, schedule, local_date, (), False)


def run_preview(args: argparse.Namespace, out: TextIO, err: TextIO, now_utc: dt.datetime | None = None) -> int:
    settings = settings_or_exit()
    result = load_content(settings.content_dirs)
    if (warning := content_warning(result)) is not None:
        err.write(plain_markdown(warning) + "\n")
    now = now_utc or dt.datetime.now(dt.UTC)
    try:
        local_date, post = build_preview(
            result.library,
            date_text=args.date,
            timezone=args.timezone,
            packs_text=args.packs,
            empty_day=args.empty_days,
            guild_id=args.guild,
            now_utc=now,
            tags_text=args.tags,
            kind=args.kind,
        )
    except DomainError as exc:
        err.write(plain_markdown(exc.message) + "\n")
        return EXIT_USAGE
    if (note := leap_day_note(args.date, local_date)) is not None:
        out.write(note + "\n\n")
    out.write(render_post(post, result.library, local_date=local_date, empty_day=args.empty_days) + "\n")
    out.flush()
    return EXIT_OK


def cmd_preview(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    return run_preview(args, sys.stdout, sys.stderr)


def configure(parser: argparse.ArgumentParser, name: str, choices: Sequence[str] = ("skip", "week", "article")) -> None:
    parser.add_argument(
        "--date",
        default=None,
        metavar="DAY",
        help="the day: 2026-06-17, '17 june', tomorrow... (default: today in the timezone)",
    )
    parser.add_argument("--timezone", default="UTC", help="the server's timezone, e.g. Europe/Berlin (default: UTC)")
    parser.add_argument("--packs", default=None, metavar="A,B", help="only these packs, by id or name (default: all)")
    parser.add_argument(
        "--tags", default=None, metavar="A,B", help="only events with any of these tags (default: any event)"
    )
    parser.add_argument(
        "--kind",
        choices=list(SCHEDULE_KINDS),
        default="daily",
        help="daily: the day's post; weekly: the digest of the seven days from --date (default: daily)",
    )
    parser.add_argument(
        "--empty-days",
        dest="empty_days",
        choices=list(choices),
        default="skip",
        help="what a day with nothing posts (default: skip, as a new server)",
    )
    parser.add_argument(
        "--guild",
        type=int,
        default=DEFAULT_GUILD,
        metavar="ID",
        help="the server the pick is for (the choice among many events depends on it)",
    )
    parser.set_defaults(func=cmd_preview)
