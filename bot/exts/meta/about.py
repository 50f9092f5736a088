"""``/about``: version, library size, latency, uptime and where the source lives."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.ui.embeds import about_embed
from bot.ui.pagination import send_message

if TYPE_CHECKING:
    from bot.app import Bot


class About(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="Version, library size, latency, uptime and source code")
    async def about(self, interaction: discord.Interaction[Any]) -> None:
        bot = self.bot
        latency = bot.latency * 1000
        embed = about_embed(
            version=bot.version,
            library=bot.library,
            latency_ms=latency if math.isfinite(latency) else None,
            uptime_seconds=bot.uptime.total_seconds(),
            source_url=bot.source_url,
            servers=len(bot.guilds) if bot.is_ready() else None,
        )
        await send_message(interaction, [embed])


async def setup(bot: Bot) -> None:
    await bot.add_cog(About(bot))
