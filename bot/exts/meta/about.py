"""``/about``: version, library size, latency, uptime and where the source lives.

The latency is that of the shard this conversation is on (its server's shard; shard 0 in DMs),
and the card says which shard that is.
"""

from __future__ import annotations

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
        guild = interaction.guild
        shard_id = guild.shard_id if guild is not None else 0  # DMs arrive on shard 0
        latency = bot.shard_latency(shard_id)
        embed = about_embed(
            version=bot.version,
            library=bot.library,
            latency_ms=latency * 1000 if latency is not None else None,
            uptime_seconds=bot.uptime.total_seconds(),
            source_url=bot.source_url,
            servers=len(bot.guilds) if bot.is_ready() else None,
            shard=(shard_id, bot.shard_count) if bot.shard_count else None,
        )
        await send_message(interaction, [embed])


async def setup(bot: Bot) -> None:
    await bot.add_cog(About(bot))
