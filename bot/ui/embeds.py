"""The renderer: core objects in, ``discord.Embed`` objects out, always within Discord's limits.

Every function here is pure (no bot, no network), so the daily post, the slash commands and any
other sender share one look. Layout decisions live in :mod:`bot.ui.layout`; this module only
turns :class:`~bot.ui.layout.Card` objects into embeds and select options.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.models import Article, Event, Library
from bot.core.posts import DailyPost
from bot.ui import colours
from bot.ui.daily import daily_post_cards
from bot.ui.layout import (
    Card,
    Option,
    about_card,
    article_cards,
    event_card,
    fit_card,
    fit_message,
    help_card,
    note_cards,
)

__all__ = [
    "about_embed",
    "article_embeds",
    "card_embed",
    "daily_post_embeds",
    "embed_size",
    "event_embed",
    "help_embed",
    "message_embeds",
    "note_embeds",
    "select_options",
]


def card_embed(card: Card) -> discord.Embed:
    """One card as an embed (the card is fitted to the per-part limits first)."""
    card = fit_card(card)
    embed = discord.Embed(
        title=card.title or None,
        description=card.description or None,
        url=card.url or None,
        colour=discord.Colour(colours.for_kind(card.kind)),
    )
    if card.author:
        embed.set_author(name=card.author)
    for field in card.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    if card.footer:
        embed.set_footer(text=card.footer)
    return embed


def message_embeds(cards: Sequence[Card]) -> list[discord.Embed]:
    """Embeds for one message: at most 10 and 6,000 characters in all."""
    return [card_embed(c) for c in fit_message(cards)]


def embed_size(embeds: Sequence[discord.Embed]) -> int:
    """Characters Discord counts towards a message's 6,000 (``len(embed)`` summed)."""
    return sum(len(e) for e in embeds)


def event_embed(event: Event, library: Library) -> discord.Embed:
    return message_embeds([event_card(event, library)])[0]


def article_embeds(article: Article, library: Library, length: str = "medium") -> list[discord.Embed]:
    return message_embeds(article_cards(article, library, length))


def note_embeds(article: Article, library: Library) -> list[discord.Embed]:
    """One embed per context note (for paging through them one at a time)."""
    return [card_embed(c) for c in note_cards(article, library)]


def daily_post_embeds(post: DailyPost, library: Library, *, test: bool = False) -> list[discord.Embed]:
    """The embeds of one daily post, within Discord's limits (at most 10, 6,000 characters)."""
    return message_embeds(daily_post_cards(post, library, test=test))


def help_embed() -> discord.Embed:
    return message_embeds([help_card()])[0]


def about_embed(
    *,
    version: str,
    library: Library,
    latency_ms: float | None,
    uptime_seconds: float,
    source_url: str,
    servers: int | None = None,
    shard: tuple[int, int] | None = None,
) -> discord.Embed:
    card = about_card(
        version=version,
        library=library,
        latency_ms=latency_ms,
        uptime_seconds=uptime_seconds,
        source_url=source_url,
        servers=servers,
        shard=shard,
    )
    return message_embeds([card])[0]


def select_options(options: Sequence[Option]) -> list[discord.SelectOption]:
    """At most 25 select options, each label/description/value within 100 characters."""
    return [
        discord.SelectOption(label=o.label[:100], value=o.value[:100], description=(o.description[:100] or None))
        for o in options[:25]
    ]
