"""Autocomplete and checking of the year/place/tag options shared by /event search and /timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.core.errors import UserInputError
from bot.exts.lookup._shared import bot_of, to_choices

if TYPE_CHECKING:
    from bot.core.models import Library

#: Years an option accepts (the library has no BCE dates).
Year = app_commands.Range[int, 1, 9999]


async def place_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    return to_choices(bot_of(interaction).autocomplete.complete_places(current))


async def tag_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    return to_choices(bot_of(interaction).autocomplete.complete_tags(current))


def year_range(year: int | None, from_year: int | None, to_year: int | None) -> tuple[int | None, int | None]:
    """``year`` alone, or ``from_year``/``to_year`` (either order); not both kinds at once."""
    if year is not None:
        if from_year is not None or to_year is not None:
            raise UserInputError("Give either `year`, or `from_year` and/or `to_year`, not both.")
        return year, year
    if from_year is not None and to_year is not None and from_year > to_year:
        return to_year, from_year
    return from_year, to_year


_known: list[tuple[Library, frozenset[str]]] = []


def known_tags(library: Library) -> frozenset[str]:
    """Every tag in the vocabulary or on an event, computed once per library."""
    if _known and _known[0][0] is library:
        return _known[0][1]
    tags = frozenset({t for e in library.events.values() for t in e.tags} | set(library.tags))
    _known[:] = [(library, tags)]
    return tags


def check_tag(library: Library, tag: str | None) -> str | None:
    """A known tag, lowercased; an unknown one is a friendly error."""
    if tag is None or not tag.strip():
        return None
    value = tag.strip().lower()
    if value not in known_tags(library):
        raise UserInputError(f"There is no tag {value[:50]!r} in the library. Start typing to see the tags there are.")
    return value
