"""The menu under a weekly digest: pick an event to read it, privately, even after a restart.

The menu is a :class:`discord.ui.DynamicItem`: its custom id (``fb:digest``) is matched by
pattern, so it works on every digest ever posted, not only those sent by this process. The
daily cog calls :func:`register_digest_menu`, which also tells
:func:`bot.errors.component_has_handler` about the pattern, so a pick is never answered as a
stale menu.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.models import Library
from bot.core.posts import DailyPost
from bot.errors import handle_persistently, report_error, send_ephemeral
from bot.ui.daily import digest_options
from bot.ui.embeds import event_embed, select_options
from bot.ui.pagination import NO_MENTIONS

DIGEST_MENU_ID = "fb:digest"
DIGEST_MENU_PATTERN = re.compile(re.escape(DIGEST_MENU_ID))
DIGEST_PLACEHOLDER = "Open an event from this week…"


class DigestMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=DIGEST_MENU_PATTERN.pattern):
    """A select menu of a digest's events; a pick shows that event to whoever picked it."""

    def __init__(self, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=DIGEST_MENU_ID,
                placeholder=DIGEST_PLACEHOLDER,
                options=options or [discord.SelectOption(label="…", value="-")],
                min_values=1,
                max_values=1,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DigestMenu:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            data: dict[str, Any] = dict(interaction.data) if isinstance(interaction.data, dict) else {}
            values = data.get("values") or []
            event_id = str(values[0]) if values else ""
            library = getattr(interaction.client, "library", None)
            event = library.events.get(event_id) if isinstance(library, Library) else None
            if event is None or not isinstance(library, Library):
                await send_ephemeral(interaction, "That event is no longer in the library. Try `/event search`.")
                return
            await interaction.response.send_message(
                embed=event_embed(event, library), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
        except Exception as exc:  # the one friendly answer, as for every other menu
            await report_error(interaction, exc)


def register_digest_menu(bot: discord.Client) -> None:
    """Answer picks in the menu of every digest ever posted (call once, at start-up)."""
    bot.add_dynamic_items(DigestMenu)
    handle_persistently(DIGEST_MENU_PATTERN)


def digest_view(post: DailyPost) -> discord.ui.View | None:
    """The view to send under a digest (stopped: the dynamic item answers picks, not this object)."""
    options = digest_options(post)
    if post.kind != "digest" or not options:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(DigestMenu(select_options(options)))
    view.stop()
    return view
