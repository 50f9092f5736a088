"""``/onthisday [date]``: a day's events in the server's timezone, or that week in history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import queries
from bot.exts.lookup._shared import send_lookup

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
        bot = self.bot
        timezone = await bot.guild_timezone(interaction.guild_id)
        packs = await bot.allowed_packs(interaction.guild_id)
        listing = queries.on_this_day_listing(bot.library, date, timezone, bot.clock.now(), packs)
        await send_lookup(interaction, listing)


async def setup(bot: Bot) -> None:
    await bot.add_cog(OnThisDay(bot))
