"""What every operator command shares: exit codes, settings, one-line messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings
from bot.log import say

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "content_warning", "say", "settings_or_exit"]

if TYPE_CHECKING:
    from bot.content_loader import LoadResult

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def settings_or_exit(*, warn: bool = True) -> Settings:
    """The settings from the environment and ``.env``; a bad one prints why and exits 2.

    With ``warn``, each of the settings' warnings (a misspelt variable) goes to stderr as
    ``warning: ...``; ``run`` logs them instead.
    """
    try:
        settings = load_settings()
    except ConfigError as exc:
        say(exc.message, err=True)
        raise SystemExit(EXIT_USAGE) from None
    if warn:
        for warning in settings.warnings:
            say(f"warning: {warning}", err=True)
    return settings


def content_warning(result: LoadResult | None) -> str | None:
    """One line saying which content was left out at start (a broken pack, a missing folder)."""
    if result is None or not result.issues:
        return None
    rejected = result.rejected_packs
    if rejected:
        one = len(rejected) == 1
        names = ", ".join(rejected)
        what = f"Left out the content {'pack' if one else 'packs'} {names}: {'it has' if one else 'they have'} errors"
    else:
        first = str(result.issues[0])
        more = len(result.issues) - 1
        what = f"Some content was not loaded: {first}" + (f" (and {more} more)" if more else "")
    return f"{what}; `python -m bot check-content` lists every error."
