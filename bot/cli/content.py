"""``python -m bot check-content [DIR...]``: validate content packs and print what loads."""

from __future__ import annotations

import argparse
import calendar
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say, settings_or_exit
from bot.config import DEFAULT_CONTENT_DIR
from bot.content_loader import load_library
from bot.services.startup import content_problems


def _day_name(month: int, day: int) -> str:
    return f"{day} {calendar.month_abbr[month]}"


def cmd_check_content(args: argparse.Namespace) -> int:
    dirs = [Path(d) for d in args.dirs] if args.dirs else list(settings_or_exit().content_dirs)
    # The shipped vocabulary always applies, so an operator's own pack can use its tags.
    result = load_library(dirs, vocabulary_files=[DEFAULT_CONTENT_DIR / "tags.yaml"])
    # What would stop `run` stops here too, with the same line and exit code: content that cannot
    # be read at all, and (for the configured folders) no events from the main one.
    problems = content_problems(result, None if args.dirs else dirs[0] if dirs else None)
    if problems:
        for line in problems:
            say(line, err=True)
        return EXIT_USAGE
    lib = result.library
    if result.issues:
        for issue in result.issues:
            print(str(issue))
        print(
            f"\n{len(result.issues)} error(s) in {len(result.rejected_packs) or 'no'} pack(s)"
            + (f" ({', '.join(result.rejected_packs)})" if result.rejected_packs else "")
            + f"; loaded anyway: {len(lib.packs)} pack(s), {len(lib.articles)} article(s), {len(lib.events)} event(s)."
        )
        return EXIT_FAILED
    day_precise = sum(1 for e in lib.events.values() if e.is_day_precise)
    print(f"OK: {len(lib.packs)} pack(s), {len(lib.articles)} article(s), {len(lib.events)} event(s)")
    for pack in sorted(lib.packs.values(), key=lambda p: p.id):
        n_events = sum(1 for e in lib.events.values() if e.pack == pack.id)
        n_articles = sum(1 for a in lib.articles.values() if a.pack == pack.id)
        print(f"  {pack.id}: {pack.name} — {n_articles} article(s), {n_events} event(s)")
    print(f"{day_precise} day-precise event(s) on {lib.day_count} distinct calendar day(s) of 366")
    missing = lib.missing_days
    print(f"{len(missing)} day(s) missing" + (": " + ", ".join(_day_name(m, d) for m, d in missing) if missing else ""))
    print(
        f"{len(lib.tags)} tag(s) in the vocabulary; read {result.files_read} file(s) from {', '.join(map(str, dirs))}"
    )
    return EXIT_OK


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("dirs", nargs="*", metavar="DIR", help="folders to check (default: the configured content)")
    parser.set_defaults(func=cmd_check_content)
