"""``/article show`` and ``/article list``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NotFoundError
from bot.exts.lookup._shared import (
    LENGTH_CHOICES,
    open_article,
    open_article_callback,
    resolve_article,
    to_choices,
)
from bot.ui.embeds import message_embeds
from bot.ui.layout import BULLET, article_option, escape_markdown, list_card, pack_footer, page_count, shorten
from bot.ui.pagination import Page, send_pages

if TYPE_CHECKING:
    from bot.app import Bot

PER_PAGE = 6


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
        packs = await self.bot.allowed_packs(interaction.guild_id)
        found = resolve_article(self.bot, article, packs)
        await open_article(interaction, found, length, ephemeral=False)

    @article_show.autocomplete("article")
    async def article_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        packs = await self.bot.allowed_packs(interaction.guild_id)
        return to_choices(self.bot.autocomplete.articles(current, packs=packs))

    @app_commands.command(name="list", description="Every article in the library, page by page")
    async def article_list(self, interaction: discord.Interaction[Any]) -> None:
        packs = await self.bot.allowed_packs(interaction.guild_id)
        library = self.bot.library
        articles = sorted(
            (a for a in library.articles.values() if packs is None or a.pack in packs),
            key=lambda a: (a.published.sort_key, a.title),
        )
        if not articles:
            raise NotFoundError("There are no articles in the library yet.")
        pages = page_count(len(articles), PER_PAGE)

        def source(index: int) -> Page:
            chunk = articles[index * PER_PAGE : (index + 1) * PER_PAGE]
            lines = [
                f"**{escape_markdown(a.title)}**\n{a.byline} · {a.publication}, {a.published.human()}\n"
                f"{BULLET} {shorten(a.summaries.short, 200)}"
                for a in chunk
            ]
            card = list_card(
                "Articles",
                lines,
                intro=f"{len(articles)} article(s). Pick one below to read its summary.",
                footer=pack_footer(library, [a.pack for a in chunk]),
                kind="article",
            )
            return Page(tuple(message_embeds([card])), tuple(article_option(a) for a in chunk))

        await send_pages(
            interaction,
            source,
            pages,
            on_pick=open_article_callback,
            pick_placeholder="Open an article…",
            view_timeout=self.bot.view_timeout,
        )


async def setup(bot: Bot) -> None:
    await bot.add_cog(Articles(bot))
