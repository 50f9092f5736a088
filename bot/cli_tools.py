"""Operator commands beyond run and check-content. Each entry: (name, help, configure(parser))."""

from __future__ import annotations

import argparse
from collections.abc import Callable

COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = []
