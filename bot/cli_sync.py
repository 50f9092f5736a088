"""``python -m bot sync [--guild ID]``: register the slash commands with Discord, on demand.

Kept apart from :mod:`bot.app` so that building the CLI parser does not import discord.py.
"""

from __future__ import annotations

import argparse
import sys


def _say(text: str, *, err: bool = False) -> None:
    """One line for the operator, on stderr for problems."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def _guild_id(text: str) -> int:
    if not (text.isdigit() and 15 <= len(text) <= 20):
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a server id (a number of 17-20 digits)")
    return int(text)


def cmd_sync(args: argparse.Namespace) -> int:
    from bot.cli import EXIT_USAGE, _settings_or_exit

    settings = _settings_or_exit()
    if not settings.token:
        _say("DISCORD_TOKEN is not set: put it in .env (see .env.example) or export it.", err=True)
        return EXIT_USAGE
    from bot.app import sync_main

    guild: int | None = args.guild
    return sync_main(settings, guild)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--guild",
        type=_guild_id,
        default=None,
        metavar="ID",
        help="sync to one server only (instant); without it, sync globally (may take up to an hour)",
    )
    parser.set_defaults(func=cmd_sync)
