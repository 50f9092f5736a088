"""``python -m bot check-content [DIR...]``: validate content packs and print what loads."""

from __future__ import annotations

import argparse
import calendar
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, say, settings_or_exit
from bot.config import DEFAULT_CONTENT_DIR
from bot.content_loader import MANIFEST_NAME, find_manifests, load_library

#: Days without an event listed by name; the rest are counted.
_MAX_MISSING_SHOWN = 40


def _day_name(month: int, day: int) -> str:
    return f"{day} {calendar.month_abbr[month]}"


def _count(n: int, word: str, plural: str | None = None) -> str:
    """``1 pack``, ``2 packs``, ``no errors``."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def folder_problem(folder: Path) -> str | None:
    """Why ``folder`` has nothing to check (missing, a file, no pack in it), or ``None``."""
    if not folder.exists():
        return f"{folder}: there is no such folder."
    if not folder.is_dir():
        return f"{folder}: this is a file, not a folder; give the folder that holds your packs."
    if not find_manifests([folder]):
        return (
            f"{folder}: no content packs in this folder (a pack is a folder with a {MANIFEST_NAME}; "
            "see content/README.md)."
        )
    return None


def cmd_check_content(args: argparse.Namespace) -> int:
    dirs = [Path(d) for d in args.dirs] if args.dirs else list(settings_or_exit().content_dirs)
    problems = [p for p in map(folder_problem, dirs) if p is not None]
    for problem in problems:
        say(problem, err=True)
    dirs = [d for d in dirs if folder_problem(d) is None]
    if not dirs:
        say("Nothing to check: no content packs were found.", err=True)
        return EXIT_FAILED
    # The shipped vocabulary always applies, so an operator's own pack can use its tags.
    result = load_library(dirs, vocabulary_files=[DEFAULT_CONTENT_DIR / "tags.yaml"])
    lib = result.library
    loaded = (
        f"{_count(len(lib.packs), 'pack')}, {_count(len(lib.articles), 'article')}, {_count(len(lib.events), 'event')}"
    )
    if result.issues:
        for issue in result.issues:
            print(str(issue))
        rejected = result.rejected_packs
        where = f" in {_count(len(rejected), 'pack')} ({', '.join(rejected)})" if rejected else ""
        print(f"\n{_count(len(result.issues), 'error')}{where}; loaded anyway: {loaded}.")
        return EXIT_FAILED
    day_precise = sum(1 for e in lib.events.values() if e.is_day_precise)
    print(f"OK: {loaded}")
    for pack in sorted(lib.packs.values(), key=lambda p: p.id):
        n_events = sum(1 for e in lib.events.values() if e.pack == pack.id)
        n_articles = sum(1 for a in lib.articles.values() if a.pack == pack.id)
        print(f"  {pack.id}: {pack.name} — {_count(n_articles, 'article')}, {_count(n_events, 'event')}")
    days = _count(lib.day_count, "distinct calendar day")
    print(f"{_count(day_precise, 'day-precise event')} on {days} of 366")
    missing = lib.missing_days
    shown = ", ".join(_day_name(m, d) for m, d in missing[:_MAX_MISSING_SHOWN])
    more = f" and {len(missing) - _MAX_MISSING_SHOWN} more" if len(missing) > _MAX_MISSING_SHOWN else ""
    print(f"{_count(len(missing), 'day')} with no event" + (f": {shown}{more}" if missing else ""))
    print(
        f"{_count(len(lib.tags), 'tag')} in the vocabulary; read {_count(result.files_read, 'file')} "
        f"from {', '.join(map(str, dirs))}"
    )
    return EXIT_FAILED if problems else EXIT_OK


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("dirs", nargs="*", metavar="DIR", help="folders to check (default: the configured content)")
    parser.set_defaults(func=cmd_check_content)
