"""``/event show`` and ``/event search``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NotFoundError
from bot.core.search import SearchFilters
from bot.exts.lookup._filters import Year, check_tag, place_autocomplete, tag_autocomplete, year_range
from bot.exts.lookup._shared import open_event, open_event_callback, resolve_event, to_choices
from bot.ui.embeds import message_embeds
from bot.ui.layout import describe_filters, escape_markdown, event_option, list_card, pack_footer, page_count
from bot.ui.pagination import Page, send_pages

if TYPE_CHECKING:
    from bot.app import Bot

PER_PAGE = 5


class Events(commands.GroupCog, group_name="event", group_description="Look up and search historical events"):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="An event: date, place, what happened, sources, related events")
    @app_commands.describe(event="Start typing a name, place or year and pick a suggestion")
    async def event_show(self, interaction: discord.Interaction[Any], event: str) -> None:
        packs = await self.bot.allowed_packs(interaction.guild_id)
        found = resolve_event(self.bot, event, packs)
        await open_event(interaction, found, ephemeral=False)

    @event_show.autocomplete("event")
    async def event_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        packs = await self.bot.allowed_packs(interaction.guild_id)
        return to_choices(self.bot.autocomplete.events(current, packs=packs))

    @app_commands.command(name="search", description="Search events by words, with optional year, place and tag")
    @app_commands.describe(
        query="Words to look for in titles, places and descriptions",
        year="Only events in this year",
        from_year="Only events from this year on",
        to_year="Only events up to this year",
        place="Only events in this place or country",
        tag="Only events with this tag",
    )
    @app_commands.autocomplete(place=place_autocomplete, tag=tag_autocomplete)
    async def event_search(
        self,
        interaction: discord.Interaction[Any],
        query: app_commands.Range[str, 1, 200],
        year: Year | None = None,
        from_year: Year | None = None,
        to_year: Year | None = None,
        place: app_commands.Range[str, 1, 100] | None = None,
        tag: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        library = self.bot.library
        lo, hi = year_range(year, from_year, to_year)
        packs = await self.bot.allowed_packs(interaction.guild_id)
        filters = SearchFilters(
            year_from=lo, year_to=hi, place=place, tag=check_tag(library, tag), packs=packs, kind="event"
        )
        index = self.bot.search
        first = index.search(query, filters, limit=PER_PAGE, offset=0)
        conditions = describe_filters(year=year, from_year=from_year, to_year=to_year, place=place, tag=tag)
        if first.is_empty:
            where = f" ({conditions})" if conditions else ""
            raise NotFoundError(f"No events match {first.query[:100]!r}{where}. Try fewer or different words.")
        total = first.total
        intro = f"{total} event(s) for **{escape_markdown(first.query)}**" + (f" · {conditions}" if conditions else "")

        def source(page: int) -> Page:
            results = first if page == 0 else index.search(query, filters, limit=PER_PAGE, offset=page * PER_PAGE)
            events = [library.events[h.id] for h in results.hits if h.id in library.events]
            lines = []
            for hit in results.hits:
                event = library.events.get(hit.id)
                if event is None:
                    continue
                place_label = f" · {event.place_label}" if event.place_label else ""
                lines.append(f"**{escape_markdown(event.title)}** — {event.date_label()}{place_label}\n{hit.snippet}")
            card = list_card(
                "Event search",
                lines,
                intro=intro,
                footer=pack_footer(library, [e.pack for e in events]),
                kind="list",
            )
            return Page(tuple(message_embeds([card])), tuple(event_option(e) for e in events))

        await send_pages(
            interaction,
            source,
            page_count(total, PER_PAGE),
            on_pick=open_event_callback,
            pick_placeholder="Open an event…",
            view_timeout=self.bot.view_timeout,
        )


async def setup(bot: Bot) -> None:
    await bot.add_cog(Events(bot))
