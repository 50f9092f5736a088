"""The daily "on this day" post: the scheduler cog, the Discord sender and the post's look.

Loaded by extension discovery like every feature; it builds the :class:`~bot.posting.DailyPoster`
from the bot's database, library, clock and settings, so ``python -m bot run`` needs no wiring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.daily._cog import DailyPosts, make_poster
from bot.exts.daily._render import daily_post_cards, daily_post_embeds, post_mentions, role_mention
from bot.exts.daily._sender import DiscordSender, map_error

if TYPE_CHECKING:
    from bot.app import Bot

__all__ = [
    "DailyPosts",
    "DiscordSender",
    "daily_post_cards",
    "daily_post_embeds",
    "make_poster",
    "map_error",
    "post_mentions",
    "role_mention",
    "setup",
]


async def setup(bot: Bot) -> None:
    await bot.add_cog(DailyPosts(bot))
