"""The operator's command line: ``python -m bot <command>``.

Each command lives in its own module with a ``configure(parser)`` that adds its arguments and
sets ``func``. Only the chosen command's module is imported, so ``health`` (run by Docker every
30 seconds) and ``check-content`` start without loading discord.py.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli.common import EXIT_USAGE

#: name → (module, one-line help), in the order ``--help`` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bot.cli.run", "connect to Discord and run the bot (needs DISCORD_TOKEN)"),
    "check-content": ("bot.cli.content", "validate content packs and print what loads"),
    "console": ("bot.cli.console", "try the slash commands in a terminal, without Discord"),
    "preview": ("bot.cli.preview", "print the daily post for a day (no token or database needed)"),
    "health": ("bot.cli.health", "exit 0 if the bot is connected and its scheduler ticking"),
    "backup": ("bot.cli.database", "copy the database safely while the bot runs (SQLite online backup)"),
    "migrate": (
        "bot.cli.database",
        "bring the database to the latest schema (the bot also does this at start); --copy-to moves it to PostgreSQL",
    ),
    "sync": ("bot.cli.sync", "register the slash commands with Discord (globally or in one server)"),
}


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser, with the arguments of the command named in ``argv`` (or of every command
    when ``argv`` names none, e.g. for ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="From Below: a Discord bot for people's history."
    )
    parser.add_argument("--version", action="version", version=f"From Below {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if chosen is None or chosen == name:
            importlib.import_module(module).configure(command, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into something that stopped reading (``| head``): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return result
