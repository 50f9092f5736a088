"""Helpers shared by the lookup cogs: opening an event or an article, showing a listing.

What a lookup finds comes from :class:`bot.services.lookups.Lookups` (the console uses the same);
the pages come from :mod:`bot.ui.listing`; this module only puts them on Discord.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.app import Bot
from bot.core.autocomplete import Choice
from bot.core.models import Article, Event
from bot.errors import handle_persistently, report_error
from bot.ui.embeds import article_buttons, article_embeds, event_embed, message_embeds, note_embeds
from bot.ui.layout import ARTICLE_PART_ID, event_option, key_points_card, list_card, related_events
from bot.ui.listing import Listing, article_events_listing
from bot.ui.pagination import MenuView, Page, send_listing, send_message, send_pages

Interaction = discord.Interaction[Any]
#: Opens one part of an article (by id) for whoever pressed its button.
ArticleOpener = Callable[[Interaction, str], Awaitable[None]]
LENGTH_CHOICES = [
    app_commands.Choice(name="Short: a sentence or two", value="short"),
    app_commands.Choice(name="Medium: a paragraph (default)", value="medium"),
    app_commands.Choice(name="Long: the whole argument", value="long"),
]


def bot_of(interaction: Interaction) -> Bot:
    client = interaction.client
    assert isinstance(client, Bot)
    return client


def to_choices(choices: Sequence[Choice]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=c.name[:100], value=c.value[:100]) for c in choices[:25]]


async def send_lookup(interaction: Interaction, listing: Listing) -> None:
    """Show a lookup's listing page by page; its menu opens what the listing lists."""
    on_pick = open_article_callback if listing.opens == "article" else open_event_callback
    await send_listing(interaction, listing, on_pick=on_pick, view_timeout=bot_of(interaction).view_timeout)


# --- opening things ---------------------------------------------------------------------------


def event_view(bot: Bot, event: Event) -> MenuView | None:
    related = related_events(event, bot.library)
    if not related:
        return None
    return MenuView(
        [event_option(e) for e in related],
        open_event_callback,
        placeholder="Open a related event…",
        timeout=bot.view_timeout,
    )


async def open_event(interaction: Interaction, event: Event, *, ephemeral: bool) -> None:
    bot = bot_of(interaction)
    await send_message(interaction, [event_embed(event, bot.library)], event_view(bot, event), ephemeral=ephemeral)


async def open_event_callback(interaction: Interaction, event_id: str) -> None:
    """A select menu picked an event: show it to whoever picked, privately."""
    event = bot_of(interaction).services.lookups.event(event_id)
    await open_event(interaction, event, ephemeral=True)


class ArticlePartButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ARTICLE_PART_ID.pattern):
    """Any article button (``fb:article:<part>:<id>``), on any message, however old: what it opens
    goes privately to whoever pressed. Registered once with :func:`register_article_buttons`."""

    def __init__(self, part: str, article_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=f"fb:article:{part}:{article_id}"))
        self.part = part
        self.article_id = article_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ArticlePartButton:
        return cls(match["part"], match["article"])

    async def callback(self, interaction: Interaction) -> None:
        opener = ARTICLE_PARTS[self.part]
        try:
            await opener(interaction, self.article_id)
        except Exception as exc:  # the one error handler, as for every other button
            await report_error(interaction, exc)


def register_article_buttons(bot: Bot) -> None:
    """Answer article buttons from now on (on /article show answers and on daily posts)."""
    bot.add_dynamic_items(ArticlePartButton)
    handle_persistently(ARTICLE_PART_ID)


async def open_article(interaction: Interaction, article: Article, length: str, *, ephemeral: bool) -> None:
    bot = bot_of(interaction)
    await send_message(
        interaction,
        article_embeds(article, bot.library, length),
        article_buttons(article, bot.library),
        ephemeral=ephemeral,
    )


async def open_article_callback(interaction: Interaction, article_id: str) -> None:
    article = bot_of(interaction).services.lookups.article(article_id)
    await open_article(interaction, article, "medium", ephemeral=True)


async def open_notes(interaction: Interaction, article_id: str) -> None:
    """Every context note of an article, one per page, privately to whoever asked."""
    bot = bot_of(interaction)
    article = bot.services.lookups.article(article_id)
    embeds = note_embeds(article, bot.library)
    if not embeds:
        embeds = message_embeds([list_card("What the record says", ["This article has no context notes."])])

    def source(index: int) -> Page:
        return Page((embeds[index],))

    await send_pages(interaction, source, len(embeds), ephemeral=True, view_timeout=bot.view_timeout)


async def open_key_points(interaction: Interaction, article_id: str) -> None:
    """An article's key points, privately to whoever asked."""
    bot = bot_of(interaction)
    article = bot.services.lookups.article(article_id)
    await send_message(interaction, message_embeds([key_points_card(article, bot.library)]), ephemeral=True)


async def open_article_events(interaction: Interaction, article_id: str) -> None:
    """The events an article mentions, page by page with a menu to open one, privately to whoever asked."""
    bot = bot_of(interaction)
    article = bot.services.lookups.article(article_id)
    await send_listing(
        interaction,
        article_events_listing(bot.library, article),
        on_pick=open_event_callback,
        ephemeral=True,
        view_timeout=bot.view_timeout,
    )


#: What each article button opens.
ARTICLE_PARTS: dict[str, ArticleOpener] = {
    "points": open_key_points,
    "notes": open_notes,
    "events": open_article_events,
}
