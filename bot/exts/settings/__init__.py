"""``/settings``: the daily post's settings for a server (Manage Server only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.settings._cog import PostChannelOption, ServerSettings, TimezoneOption, bot_permissions

if TYPE_CHECKING:
    from bot.app import Bot

__all__ = ["PostChannelOption", "ServerSettings", "TimezoneOption", "bot_permissions", "setup"]


async def setup(bot: Bot) -> None:
    await bot.add_cog(ServerSettings(bot))
