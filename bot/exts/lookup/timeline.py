"""``/timeline [from_year] [to_year] [tag] [place]``: events in chronological order, page by page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NotFoundError
from bot.core.onthisday import timeline
from bot.exts.lookup._filters import Year, check_tag, place_autocomplete, tag_autocomplete, year_range
from bot.exts.lookup._shared import open_event_callback
from bot.ui.embeds import message_embeds
from bot.ui.layout import describe_filters, event_option, event_summary_line, list_card, pack_footer, page_count
from bot.ui.pagination import Page, send_pages

if TYPE_CHECKING:
    from bot.app import Bot

PER_PAGE = 6


class Timeline(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline", description="Events in chronological order, optionally filtered")
    @app_commands.describe(
        from_year="Start at this year",
        to_year="End at this year",
        tag="Only events with this tag",
        place="Only events in this place or country",
    )
    @app_commands.autocomplete(place=place_autocomplete, tag=tag_autocomplete)
    async def timeline(
        self,
        interaction: discord.Interaction[Any],
        from_year: Year | None = None,
        to_year: Year | None = None,
        tag: app_commands.Range[str, 1, 60] | None = None,
        place: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        library = self.bot.library
        lo, hi = year_range(None, from_year, to_year)
        packs = await self.bot.allowed_packs(interaction.guild_id)
        events = timeline(library, lo, hi, tag=check_tag(library, tag), place=place, packs=packs)
        conditions = describe_filters(from_year=lo, to_year=hi, place=place, tag=tag)
        if not events:
            where = f" for {conditions}" if conditions else ""
            raise NotFoundError(f"No events{where}. Try a wider range of years, or another place or tag.")
        title = f"Timeline · {conditions}" if conditions else "Timeline"
        span = f"{events[0].date.human()} to {events[-1].date.human()}"

        def source(page: int) -> Page:
            chunk = events[page * PER_PAGE : (page + 1) * PER_PAGE]
            card = list_card(
                title,
                [event_summary_line(e) for e in chunk],
                intro=f"{len(events)} event(s), {span}.",
                footer=pack_footer(library, [e.pack for e in chunk]),
                kind="list",
            )
            return Page(tuple(message_embeds([card])), tuple(event_option(e) for e in chunk))

        await send_pages(
            interaction,
            source,
            page_count(len(events), PER_PAGE),
            on_pick=open_event_callback,
            pick_placeholder="Open an event…",
            view_timeout=self.bot.view_timeout,
        )


async def setup(bot: Bot) -> None:
    await bot.add_cog(Timeline(bot))
