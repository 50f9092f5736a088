"""``python -m bot sync [--guild ID]``: register the slash commands with Discord, on demand.

Imported (with discord.py) only when this command is chosen.
"""

from __future__ import annotations

import argparse

from bot.app import sync_main
from bot.cli.common import EXIT_USAGE, say, settings_or_exit
from bot.config import is_snowflake


def _guild_id(text: str) -> int:
    if not is_snowflake(text):
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a server id (a number of 17-20 digits)")
    return int(text)


def cmd_sync(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if not settings.token:
        say("DISCORD_TOKEN is not set: put it in .env (see .env.example) or export it.", err=True)
        return EXIT_USAGE
    guild: int | None = args.guild
    return sync_main(settings, guild)


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--guild",
        type=_guild_id,
        default=None,
        metavar="ID",
        help="sync to one server only (instant); without it, sync globally (may take up to an hour)",
    )
    parser.set_defaults(func=cmd_sync)
