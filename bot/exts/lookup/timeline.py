"""``/timeline [from_year] [to_year] [tag] [place]``: events in chronological order, page by page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.exts.lookup._filters import Year, place_autocomplete, tag_autocomplete
from bot.exts.lookup._shared import send_lookup
from bot.ui.listing import timeline_listing

if TYPE_CHECKING:
    from bot.app import Bot


class Timeline(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline", description="Events in chronological order, optionally filtered")
    @app_commands.describe(
        from_year="Start at this year",
        to_year="End at this year",
        tag="Only events with this tag",
        place="Only events in this place or country",
    )
    @app_commands.autocomplete(place=place_autocomplete, tag=tag_autocomplete)
    async def timeline(
        self,
        interaction: discord.Interaction[Any],
        from_year: Year | None = None,
        to_year: Year | None = None,
        tag: app_commands.Range[str, 1, 60] | None = None,
        place: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        found = self.bot.services.lookups.timeline(from_year, to_year, tag=tag, place=place)
        await send_lookup(interaction, timeline_listing(self.bot.library, found))


async def setup(bot: Bot) -> None:
    await bot.add_cog(Timeline(bot))
