"""``/article show`` and ``/article list``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.exts.lookup._shared import LENGTH_CHOICES, open_article, register_article_buttons, send_lookup, to_choices
from bot.services.lookups import check_length
from bot.ui.listing import article_listing

if TYPE_CHECKING:
    from bot.app import Bot


class Articles(commands.GroupCog, group_name="article", group_description="Summaries of articles on people's history"):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="An article's summary, key points and what the record says")
    @app_commands.describe(
        article="Start typing a title, author or publication and pick a suggestion",
        length="How long a summary to show (default: medium)",
    )
    @app_commands.choices(length=LENGTH_CHOICES)
    async def article_show(self, interaction: discord.Interaction[Any], article: str, length: str = "medium") -> None:
        length = check_length(length)  # Discord enforces the choices; a forged value is not
        found = self.bot.services.lookups.find_article(article)
        await open_article(interaction, found, length, ephemeral=False)

    @article_show.autocomplete("article")
    async def article_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return to_choices(self.bot.services.lookups.autocomplete.articles(current))

    @app_commands.command(name="list", description="Every article in the library, page by page")
    async def article_list(self, interaction: discord.Interaction[Any]) -> None:
        articles = self.bot.services.lookups.articles()
        await send_lookup(interaction, article_listing(self.bot.library, articles))


async def setup(bot: Bot) -> None:
    register_article_buttons(bot)
    await bot.add_cog(Articles(bot))
