"""The daily "on this day" post: the scheduler cog (the Discord sender is :mod:`bot.sender`).

The post's look is Discord-free and lives in :mod:`bot.ui.daily` (cards) and
:func:`bot.ui.embeds.daily_post_embeds` (embeds).

Loaded by extension discovery like every feature; it builds the :class:`~bot.services.daily.DailyPoster`
from the bot's database, library, clock and settings, so ``python -m bot run`` needs no wiring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.daily._cog import DailyPosts, make_poster
from bot.ui.digest import register_digest_menu

if TYPE_CHECKING:
    from bot.app import Bot

__all__ = [
    "DailyPosts",
    "make_poster",
    "setup",
]


async def setup(bot: Bot) -> None:
    # The menu under every weekly digest ever posted (it outlives this process).
    register_digest_menu(bot)
    await bot.add_cog(DailyPosts(bot))
