"""``/event show`` and ``/event search``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.exts.lookup._filters import Year, place_autocomplete, tag_autocomplete
from bot.exts.lookup._shared import open_event, send_lookup, to_choices
from bot.ui.listing import EVENT_SEARCH_PER_PAGE, search_listing

if TYPE_CHECKING:
    from bot.app import Bot


class Events(commands.GroupCog, group_name="event", group_description="Look up and search historical events"):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="An event: date, place, what happened, sources, related events")
    @app_commands.describe(event="Start typing a name, place or year and pick a suggestion")
    async def event_show(self, interaction: discord.Interaction[Any], event: str) -> None:
        found = self.bot.services.lookups.find_event(event)
        await open_event(interaction, found, ephemeral=False)

    @event_show.autocomplete("event")
    async def event_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return to_choices(self.bot.services.lookups.autocomplete.events(current))

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
        found = self.bot.services.lookups.search_events(
            query, year=year, from_year=from_year, to_year=to_year, place=place, tag=tag, per_page=EVENT_SEARCH_PER_PAGE
        )
        await send_lookup(interaction, search_listing(self.bot.library, found))


async def setup(bot: Bot) -> None:
    await bot.add_cog(Events(bot))
