"""What every operator command shares: exit codes, settings, one-line messages."""

from __future__ import annotations

from bot.config import ConfigError, Settings, load_settings
from bot.log import say

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "say", "settings_or_exit"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def settings_or_exit() -> Settings:
    """The settings from the environment and ``.env``; a bad one prints why and exits 2."""
    try:
        return load_settings()
    except ConfigError as exc:
        say(exc.message, err=True)
        raise SystemExit(EXIT_USAGE) from None
