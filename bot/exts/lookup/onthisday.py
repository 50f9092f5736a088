"""``/onthisday [date]``: a day's events in the server's timezone, or that week in history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.exts.lookup._shared import send_lookup
from bot.ui.listing import day_listing

if TYPE_CHECKING:
    from bot.app import Bot


class OnThisDay(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name="onthisday", description="What happened on a day of the year (default: today)")
    @app_commands.describe(date="A day like 17 June, June 17, 06-17 or tomorrow (default: today here)")
    async def onthisday(
        self, interaction: discord.Interaction[Any], date: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        services = self.bot.services
        timezone = await services.timezone_of(interaction.guild_id)
        day = services.lookups.on_this_day(date, timezone, services.clock.now())
        await send_lookup(interaction, day_listing(services.library, day))


async def setup(bot: Bot) -> None:
    await bot.add_cog(OnThisDay(bot))
