"""Operator commands beyond run and check-content. Each entry: (name, help, configure(parser))."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot import health

COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = []
COMMANDS.append(("health", "exit 0 if the bot is connected and its scheduler ticking", health.configure))
