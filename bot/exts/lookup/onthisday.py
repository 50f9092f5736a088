"""``/onthisday [date]``: a day's events in the server's timezone, or that week in history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.dates import MONTH_NAMES
from bot.core.daytext import parse_day
from bot.core.onthisday import on_this_day
from bot.exts.lookup._shared import open_event_callback
from bot.ui.embeds import message_embeds
from bot.ui.layout import DAY_PAGE_SIZE, day_card, event_option, page_count
from bot.ui.pagination import Page, send_pages

if TYPE_CHECKING:
    from bot.app import Bot

PER_PAGE = DAY_PAGE_SIZE


class OnThisDay(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name="onthisday", description="What happened on a day of the year (default: today)")
    @app_commands.describe(date="A day like 17 June, June 17, 06-17 or tomorrow (default: today here)")
    async def onthisday(
        self, interaction: discord.Interaction[Any], date: app_commands.Range[str, 1, 100] | None = None
    ) -> None:
        bot = self.bot
        timezone = await bot.guild_timezone(interaction.guild_id)
        packs = await bot.allowed_packs(interaction.guild_id)
        text = (date or "today").strip()
        day = parse_day(text, timezone, bot.clock.now())
        library = bot.library
        entries = on_this_day(library, day.month, day.day, year=day.year, packs=packs)
        relative = not any(ch.isdigit() for ch in text)
        label = f"{day.day} {MONTH_NAMES[day.month - 1]}"
        shown_tz = timezone if relative else ""

        def source(page: int) -> Page:
            chunk = entries.events[page * PER_PAGE : (page + 1) * PER_PAGE]
            card = day_card(
                library, entries.events, label, nearby=entries.nearby, timezone=shown_tz, page=page, per_page=PER_PAGE
            )
            return Page(tuple(message_embeds([card])), tuple(event_option(e) for e in chunk))

        await send_pages(
            interaction,
            source,
            page_count(len(entries.events), PER_PAGE),
            on_pick=open_event_callback,
            pick_placeholder="Open an event…",
            view_timeout=bot.view_timeout,
        )


async def setup(bot: Bot) -> None:
    await bot.add_cog(OnThisDay(bot))
