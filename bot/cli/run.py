"""``python -m bot run``: connect to Discord and run the bot."""

from __future__ import annotations

import argparse

from bot.app import run_bot
from bot.cli.common import EXIT_USAGE, say, settings_or_exit


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if not settings.token:
        say(
            "DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in a .env file here "
            "(see .env.example) or export it, then run again.",
            err=True,
        )
        return EXIT_USAGE
    return run_bot(settings)


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.set_defaults(func=cmd_run)
