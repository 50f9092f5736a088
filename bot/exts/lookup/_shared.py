"""Helpers shared by the lookup cogs: resolving what a user typed, opening an event or an article."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.core.autocomplete import Choice
from bot.core.errors import NotFoundError
from bot.core.models import Article, Event
from bot.ui.embeds import article_embeds, event_embed, message_embeds, note_embeds
from bot.ui.layout import article_option, event_option, list_card
from bot.ui.pagination import MenuView, Page, send_message, send_pages

if TYPE_CHECKING:
    from bot.app import Bot

Interaction = discord.Interaction[Any]
LENGTH_CHOICES = [
    app_commands.Choice(name="Short: a sentence or two", value="short"),
    app_commands.Choice(name="Medium: a paragraph (default)", value="medium"),
    app_commands.Choice(name="Long: the whole argument", value="long"),
]


def bot_of(interaction: Interaction) -> Bot:
    from bot.app import Bot

    client = interaction.client
    assert isinstance(client, Bot)
    return client


def to_choices(choices: Sequence[Choice]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=c.name[:100], value=c.value[:100]) for c in choices[:25]]


def resolve_event(bot: Bot, text: str, packs: frozenset[str] | None) -> Event:
    """The event whose id was picked from autocomplete, or the best match for free text."""
    text = text.strip()
    event = bot.library.events.get(text)
    if event is not None and (packs is None or event.pack in packs):
        return event
    if text:
        best = bot.autocomplete.events(text, packs=packs, limit=1)
        if best:
            found = bot.library.events.get(best[0].value)
            if found is not None:
                return found
    raise NotFoundError(
        f"I couldn't find an event matching {text[:80]!r}. Start typing and pick one of the suggestions, "
        "or try `/event search`."
    )


def resolve_article(bot: Bot, text: str, packs: frozenset[str] | None) -> Article:
    text = text.strip()
    article = bot.library.articles.get(text)
    if article is not None and (packs is None or article.pack in packs):
        return article
    if text:
        best = bot.autocomplete.articles(text, packs=packs, limit=1)
        if best:
            found = bot.library.articles.get(best[0].value)
            if found is not None:
                return found
    raise NotFoundError(
        f"I couldn't find an article matching {text[:80]!r}. Start typing and pick one of the suggestions, "
        "or see `/article list`."
    )


# --- opening things ---------------------------------------------------------------------------


def event_view(bot: Bot, event: Event) -> MenuView | None:
    related = [bot.library.events[r] for r in event.related_events if r in bot.library.events]
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
    bot = bot_of(interaction)
    event = bot.library.events.get(event_id)
    if event is None:
        raise NotFoundError("That event is no longer in the library (it may have been updated). Try `/event search`.")
    await open_event(interaction, event, ephemeral=True)


def article_view(bot: Bot, article: Article) -> MenuView | None:
    mentioned = [bot.library.events[e] for e in article.events if e in bot.library.events]
    buttons = []
    if article.context_notes:

        async def show_notes(interaction: Interaction) -> None:
            await open_notes(interaction, article.id)

        buttons.append(("What the record says", show_notes))
    if not mentioned and not buttons:
        return None
    return MenuView(
        [event_option(e) for e in mentioned],
        open_event_callback,
        placeholder="Open an event the article mentions…",
        buttons=buttons,
        timeout=bot.view_timeout,
    )


async def open_article(interaction: Interaction, article: Article, length: str, *, ephemeral: bool) -> None:
    bot = bot_of(interaction)
    await send_message(
        interaction,
        article_embeds(article, bot.library, length),
        article_view(bot, article),
        ephemeral=ephemeral,
    )


async def open_article_callback(interaction: Interaction, article_id: str) -> None:
    bot = bot_of(interaction)
    article = bot.library.articles.get(article_id)
    if article is None:
        raise NotFoundError("That article is no longer in the library (it may have been updated).")
    await open_article(interaction, article, "medium", ephemeral=True)


async def open_notes(interaction: Interaction, article_id: str) -> None:
    """Every context note of an article, one per page, privately to whoever asked."""
    bot = bot_of(interaction)
    article = bot.library.articles.get(article_id)
    if article is None:
        raise NotFoundError("That article is no longer in the library (it may have been updated).")
    embeds = note_embeds(article, bot.library)
    if not embeds:
        embeds = message_embeds([list_card("What the record says", ["This article has no context notes."])])

    def source(index: int) -> Page:
        return Page((embeds[index],))

    await send_pages(interaction, source, len(embeds), ephemeral=True, view_timeout=bot.view_timeout)


def article_options(articles: Sequence[Article]) -> list[Any]:
    return [article_option(a) for a in articles]
