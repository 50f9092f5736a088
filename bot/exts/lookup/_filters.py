"""Autocomplete of the year/place/tag options shared by /event search and /timeline.

Checking them is the lookup service's job (:mod:`bot.services.lookups`).
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.exts.lookup._shared import bot_of, to_choices

#: Years an option accepts (the library has no BCE dates).
Year = app_commands.Range[int, 1, 9999]


async def place_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    return to_choices(bot_of(interaction).services.lookups.autocomplete.complete_places(current))


async def tag_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
    return to_choices(bot_of(interaction).services.lookups.autocomplete.complete_tags(current))
