"""The operator's command line: ``python -m bot <command>``."""

from __future__ import annotations

import argparse
import calendar
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.config import ConfigError, Settings, load_settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        print(exc.message, file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def _day_name(month: int, day: int) -> str:
    return f"{day} {calendar.month_abbr[month]}"


def cmd_check_content(args: argparse.Namespace) -> int:
    from bot.content_loader import load_library

    dirs = [Path(d) for d in args.dirs] if args.dirs else list(_settings_or_exit().content_dirs)
    from bot.config import DEFAULT_CONTENT_DIR

    # The shipped vocabulary always applies, so an operator's own pack can use its tags.
    result = load_library(dirs, vocabulary_files=[DEFAULT_CONTENT_DIR / "tags.yaml"])
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


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if not settings.token:
        print(
            "DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in a .env file here "
            "(see .env.example) or export it, then run again.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from bot.app import run_bot

    return run_bot(settings)


def build_parser(
    extra: Sequence[tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = (),
) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="From Below: a Discord bot for people's history.",
    )
    parser.add_argument("--version", action="version", version=f"From Below {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")

    p = sub.add_parser("run", help="connect to Discord and run the bot (needs DISCORD_TOKEN)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check-content", help="validate content packs and print what loads")
    p.add_argument("dirs", nargs="*", metavar="DIR", help="folders to check (default: the configured content)")
    p.set_defaults(func=cmd_check_content)

    for name, help_text, configure in extra:
        configure(sub.add_parser(name, help=help_text))
    return parser


def _extra_commands() -> list[tuple[str, str, Callable[[argparse.ArgumentParser], None]]]:
    """Commands defined in their own modules (each registers itself via ``configure``)."""
    from bot import cli_tools

    return list(cli_tools.COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_extra_commands())
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into something that stopped reading (``| head``): not an error.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return result
