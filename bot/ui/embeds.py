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
    article_card,
    article_parts,
    event_card,
    fit_card,
    fit_message,
    help_card,
    note_cards,
)

__all__ = [
    "about_embed",
    "article_buttons",
    "article_embeds",
    "card_embed",
    "daily_post_buttons",
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
    """An article's first screen: one embed with the chosen summary and the argument."""
    return message_embeds([article_card(article, library, length)])


def article_buttons(article: Article, library: Library) -> discord.ui.View | None:
    """The buttons under an article (key points, what the record says, events, with their counts).

    Their custom ids say what they open (:data:`bot.ui.layout.ARTICLE_PART_ID`), so a handler
    registered once answers them on any message, however old; the view is stopped before it is
    sent, so nothing is kept per message and nothing times out.
    """
    parts = article_parts(article, library)
    if not parts:
        return None
    view = discord.ui.View(timeout=None)
    for part in parts:
        view.add_item(
            discord.ui.Button(label=part.label[:80], custom_id=part.custom_id, style=discord.ButtonStyle.secondary)
        )
    view.stop()
    return view


def daily_post_buttons(post: DailyPost, library: Library) -> discord.ui.View | None:
    """The buttons under a daily post: an article's, for the ``article`` empty-day mode; else none."""
    if post.kind == "article" and post.article is not None:
        return article_buttons(post.article, library)
    return None


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
