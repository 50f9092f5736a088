"""``python -m bot check-content [DIR...]``: validate content packs and print what loads."""

from __future__ import annotations

import argparse
import calendar
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say, settings_or_exit
from bot.config import DEFAULT_CONTENT_DIR
from bot.content_loader import MANIFEST_NAME, find_manifests, folder_issue, load_library
from bot.core.text import plural
from bot.services.startup import content_problems

#: Days without an event listed by name; the rest are counted.
_MAX_MISSING_SHOWN = 40


def _day_name(month: int, day: int) -> str:
    return f"{day} {calendar.month_abbr[month]}"


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
    # Content that cannot be read at all (a symlink loop, no permission) stops here as it stops
    # `run`: one line each, exit 2.
    unreadable = [issue for issue in map(folder_issue, dirs) if issue is not None and issue.unreadable]
    if unreadable:
        for issue in unreadable:
            say(f"Cannot read the content: {issue}", err=True)
        return EXIT_USAGE
    # The configured main folder must give events, as for `run` (checked on what loads, exit 2);
    # a folder given here, or an extra one, must hold packs (exit 1).
    main = dirs[0] if not args.dirs and dirs else None
    problems = [p for p in (folder_problem(d) for d in dirs if d != main) if p is not None]
    for problem in problems:
        say(problem, err=True)
    dirs = [d for d in dirs if d == main or folder_problem(d) is None]
    if not dirs:
        say("Nothing to check: no content packs were found.", err=True)
        return EXIT_FAILED
    # The shipped vocabulary always applies, so an operator's own pack can use its tags.
    result = load_library(dirs, vocabulary_files=[DEFAULT_CONTENT_DIR / "tags.yaml"])
    stops_run = content_problems(result, main)
    if stops_run:
        for line in stops_run:
            say(line, err=True)
        return EXIT_USAGE
    lib = result.library
    loaded = (
        f"{plural(len(lib.packs), 'pack')}, {plural(len(lib.articles), 'article')}, {plural(len(lib.events), 'event')}"
    )
    if result.issues:
        for issue in result.issues:
            print(str(issue))
        rejected = result.rejected_packs
        where = f" in {plural(len(rejected), 'pack')} ({', '.join(rejected)})" if rejected else ""
        print(f"\n{plural(len(result.issues), 'error')}{where}; loaded anyway: {loaded}.")
        return EXIT_FAILED
    day_precise = sum(1 for e in lib.events.values() if e.is_day_precise)
    print(f"OK: {loaded}")
    for pack in sorted(lib.packs.values(), key=lambda p: p.id):
        n_events = sum(1 for e in lib.events.values() if e.pack == pack.id)
        n_articles = sum(1 for a in lib.articles.values() if a.pack == pack.id)
        print(f"  {pack.id}: {pack.name} — {plural(n_articles, 'article')}, {plural(n_events, 'event')}")
    days = plural(lib.day_count, "distinct calendar day")
    print(f"{plural(day_precise, 'day-precise event')} on {days} of 366")
    missing = lib.missing_days
    shown = ", ".join(_day_name(m, d) for m, d in missing[:_MAX_MISSING_SHOWN])
    more = f" and {len(missing) - _MAX_MISSING_SHOWN} more" if len(missing) > _MAX_MISSING_SHOWN else ""
    print(f"{plural(len(missing), 'day')} with no event" + (f": {shown}{more}" if missing else ""))
    print(
        f"{plural(len(lib.tags), 'tag')} in the vocabulary; read {plural(result.files_read, 'file')} "
        f"from {', '.join(map(str, dirs))}"
    )
    return EXIT_FAILED if problems else EXIT_OK


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("dirs", nargs="*", metavar="DIR", help="folders to check (default: the configured content)")
    parser.set_defaults(func=cmd_check_content)
