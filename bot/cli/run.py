"""``python -m bot run``: connect to Discord and run the bot."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.app import run_bot
from bot.cli.common import EXIT_USAGE, say, settings_or_exit
from bot.services.health import record_problem

NO_TOKEN = (
    "DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in a .env file here "
    "(see .env.example) or export it, then run again."
)


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_or_exit(warn=False)  # the bot logs them, with its other start-up lines
    if not settings.token:
        for warning in settings.warnings:  # FROM_BELOW_TOKEN=... is answered "did you mean DISCORD_TOKEN?"
            say(f"warning: {warning}", err=True)
        say(NO_TOKEN, err=True)
        # For `python -m bot health` (and so `docker compose ps`): why the bot is not running.
        record_problem(settings.heartbeat_path, NO_TOKEN, datetime.now(UTC))
        return EXIT_USAGE
    return run_bot(settings)


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.set_defaults(func=cmd_run)
