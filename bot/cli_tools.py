"""Operator commands beyond run and check-content. Each entry: (name, help, configure(parser))."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot import cli_db, cli_sync, health

COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = []
COMMANDS.append(("health", "exit 0 if the bot is connected and its scheduler ticking", health.configure))
COMMANDS.append(
    ("backup", "copy the database safely while the bot runs (SQLite online backup)", cli_db.configure_backup)
)
COMMANDS.append(
    ("migrate", "bring the database to the latest schema (the bot also does this at start)", cli_db.configure_migrate)
)
COMMANDS.append(("sync", "register the slash commands with Discord (globally or in one server)", cli_sync.configure))


def _configure_console(parser: argparse.ArgumentParser) -> None:
    from bot import console

    console.configure(parser)


def _configure_preview(parser: argparse.ArgumentParser) -> None:
    from bot import preview

    preview.configure(parser)


COMMANDS.append(("console", "try the slash commands in a terminal, without Discord", _configure_console))
COMMANDS.append(("preview", "print the daily post for a day (no token or database needed)", _configure_preview))
