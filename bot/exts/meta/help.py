"""``/help``: what the bot can do, grouped, with examples.

Other extensions can add a section: give the cog ``help_section = "Daily posts"`` and
``help_examples = [("/settings channel channel:#history", "where the daily post goes"), ...]``.
Commands of cogs without examples are still listed, with their descriptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.ui.embeds import message_embeds
from bot.ui.layout import HELP_SECTIONS, help_card
from bot.ui.pagination import send_message

if TYPE_CHECKING:
    from bot.app import Bot

#: Top-level commands described by the built-in sections.
BUILT_IN = frozenset({"article", "event", "onthisday", "timeline", "help", "about"})


def extra_sections(bot: Bot) -> list[tuple[str, list[tuple[str, str]]]]:
    """Sections contributed by other cogs, then any command not described anywhere."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    described: set[str] = set(BUILT_IN)
    for cog in bot.cogs.values():
        examples = getattr(cog, "help_examples", None)
        section = getattr(cog, "help_section", None)
        if examples and section:
            sections.append((str(section), [(str(u), str(w)) for u, w in examples]))
            described.update(c.name for c in cog.get_app_commands())
    others: list[tuple[str, str]] = []
    for command in sorted(bot.tree.get_commands(), key=lambda c: c.name):
        if command.name in described or not isinstance(command, (app_commands.Command, app_commands.Group)):
            continue
        if isinstance(command, app_commands.Group):
            for sub in command.walk_commands():
                if isinstance(sub, app_commands.Command):
                    others.append((f"/{sub.qualified_name}", sub.description))
        else:
            others.append((f"/{command.name}", command.description))
    if others:
        sections.append(("More", others))
    return sections


class Help(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What this bot can do, with examples")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        card = help_card(extra_sections(self.bot))
        await send_message(interaction, message_embeds([card]), ephemeral=True)


async def setup(bot: Bot) -> None:
    await bot.add_cog(Help(bot))


__all__ = ["HELP_SECTIONS", "Help", "extra_sections", "setup"]
