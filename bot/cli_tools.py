"""Operator commands beyond run and check-content. Each entry: (name, help, configure(parser))."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot import cli_sync, health

COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = []
COMMANDS.append(("health", "exit 0 if the bot is connected and its scheduler ticking", health.configure))
COMMANDS.append(("sync", "register the slash commands with Discord (globally or in one server)", cli_sync.configure))
