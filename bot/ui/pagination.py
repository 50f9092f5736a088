"""Views: pages turned with buttons, and select menus that open an item.

* :class:`Paginator` shows one :class:`Page` at a time with First / Previous / page counter /
  Next / Last buttons. Only the member who asked can turn pages; anyone else gets a short
  ephemeral note. A page may carry select-menu options ("open one of these").
* :class:`MenuView` is a message's select menus (and optional buttons) without pages.
* :func:`listing_source` and :func:`send_listing` show a :class:`bot.ui.listing.Listing` (what a
  lookup computes, shared with the offline console) with these pages.

Both disable their components when they time out, and send errors to the one error handler.
Pages are produced on demand by a ``source(index)`` callable, so a result set of thousands of
entries costs nothing until a page is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.errors import ErrorReportingView, claim_response, send_ephemeral
from bot.ui.embeds import message_embeds, select_options
from bot.ui.layout import PLACEHOLDER_LIMIT, SELECT_OPTIONS_LIMIT, Option, chunk_options

if TYPE_CHECKING:
    from bot.ui.listing import Listing

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
DEFAULT_TIMEOUT = 180.0
NOT_YOURS = "Only the person who ran this command can turn its pages. Run the command yourself to browse."

PickHandler = Callable[[discord.Interaction[Any], str], Awaitable[None]]
ClickHandler = Callable[[discord.Interaction[Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Page:
    """What one page shows: its embeds, and (optionally) options for an "open one" menu."""

    embeds: tuple[discord.Embed, ...]
    options: tuple[Option, ...] = ()


PageSource = Callable[[int], Page]


def listing_source(listing: Listing) -> PageSource:
    """A listing's pages as :class:`Page` objects: its cards as embeds, its options for the menu."""

    def source(index: int) -> Page:
        shown = listing.page(index)
        return Page(tuple(message_embeds(shown.cards)), shown.options)

    return source


class _BoundView(ErrorReportingView):
    """A view that remembers where it was sent, so it can disable itself on timeout."""

    def __init__(self, *, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self._interaction: discord.Interaction[Any] | None = None
        self._message: discord.Message | None = None

    def bind(self, interaction: discord.Interaction[Any], message: discord.Message | None = None) -> None:
        self._interaction = interaction
        self._message = message

    def disable_all(self) -> None:
        for item in self.children:
            if isinstance(item, (discord.ui.Button, discord.ui.Select)):
                item.disabled = True

    async def on_timeout(self) -> None:
        self.disable_all()
        try:
            if self._message is not None:
                await self._message.edit(view=self)
            elif self._interaction is not None:
                await self._interaction.edit_original_response(view=self)
        except discord.HTTPException as exc:
            # The message may be gone, or the interaction token expired: nothing left to update.
            log.debug("could not disable a timed-out view: %s", exc)


class _PickSelect(discord.ui.Select[Any]):
    def __init__(self, options: Sequence[Option], placeholder: str, handler: PickHandler, row: int) -> None:
        super().__init__(
            placeholder=placeholder[:PLACEHOLDER_LIMIT],
            options=select_options(options),
            min_values=1,
            max_values=1,
            row=row,
        )
        self._handler = handler

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if not self.values:  # Discord enforces min_values=1; a forged interaction may not
            await send_ephemeral(interaction, "Pick one of the options in the menu.")
            return
        await self._handler(interaction, self.values[0])


class _ActionButton(discord.ui.Button[Any]):
    def __init__(self, label: str, handler: ClickHandler, row: int) -> None:
        super().__init__(label=label[:80], style=discord.ButtonStyle.secondary, row=row)
        self._handler = handler

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await self._handler(interaction)


class Paginator(_BoundView):
    """Pages with First / Previous / counter / Next / Last buttons, turned only by ``owner_id``."""

    def __init__(
        self,
        source: PageSource,
        count: int,
        *,
        owner_id: int,
        on_pick: PickHandler | None = None,
        pick_placeholder: str = "Open one of these…",
        timeout: float | None = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> None:
        super().__init__(timeout=timeout)
        self.source = source
        self.count = max(1, count)
        self.owner_id = owner_id
        self.on_pick = on_pick
        self.pick_placeholder = pick_placeholder
        self.index = min(max(0, start), self.count - 1)
        self.page = source(self.index)
        self._select: _PickSelect | None = None
        if self.count == 1:
            for button in (self.first, self.previous, self.counter, self.next, self.last):
                self.remove_item(button)
        self._update_items()

    @property
    def is_trivial(self) -> bool:
        """One page and nothing to pick: no view needs to be attached."""
        return self.count == 1 and not (self.on_pick and self.page.options)

    def _update_items(self) -> None:
        at_start = self.index == 0
        at_end = self.index >= self.count - 1
        self.first.disabled = at_start
        self.previous.disabled = at_start
        self.next.disabled = at_end
        self.last.disabled = at_end
        self.counter.label = f"{self.index + 1} / {self.count}"
        if self._select is not None:
            self.remove_item(self._select)
            self._select = None
        if self.on_pick is not None and self.page.options:
            self._select = _PickSelect(
                self.page.options[:SELECT_OPTIONS_LIMIT], self.pick_placeholder, self.on_pick, row=1
            )
            self.add_item(self._select)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        data: dict[str, Any] = dict(interaction.data) if isinstance(interaction.data, dict) else {}
        turning = data.get("custom_id") in self._turn_ids
        if turning and interaction.user.id != self.owner_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return False
        return True

    @property
    def _turn_ids(self) -> set[str]:
        return {b.custom_id for b in (self.first, self.previous, self.counter, self.next, self.last) if b.custom_id}

    async def show(self, interaction: discord.Interaction[Any], index: int) -> None:
        self.index = min(max(0, index), self.count - 1)
        self.page = self.source(self.index)
        self._update_items()
        await interaction.response.edit_message(embeds=list(self.page.embeds), view=self)

    @discord.ui.button(label="« First", style=discord.ButtonStyle.secondary, row=0)
    async def first(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Paginator]) -> None:
        await self.show(interaction, 0)

    @discord.ui.button(label="‹ Previous", style=discord.ButtonStyle.secondary, row=0)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Paginator]) -> None:
        await self.show(interaction, self.index - 1)

    @discord.ui.button(label="1 / 1", style=discord.ButtonStyle.primary, row=0, disabled=True)
    async def counter(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Paginator]) -> None:
        await interaction.response.defer()  # never enabled; here for completeness

    @discord.ui.button(label="Next ›", style=discord.ButtonStyle.secondary, row=0)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Paginator]) -> None:
        await self.show(interaction, self.index + 1)

    @discord.ui.button(label="Last »", style=discord.ButtonStyle.secondary, row=0)
    async def last(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Paginator]) -> None:
        await self.show(interaction, self.count - 1)


class MenuView(_BoundView):
    """Select menus (25 options each, up to 4 menus) and optional buttons, usable by anyone."""

    def __init__(
        self,
        options: Sequence[Option],
        on_pick: PickHandler,
        *,
        placeholder: str = "Open one…",
        buttons: Sequence[tuple[str, ClickHandler]] = (),
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(timeout=timeout)
        groups = chunk_options(options)[:4]
        for row, group in enumerate(groups):
            label = placeholder
            if len(groups) > 1:
                first = row * SELECT_OPTIONS_LIMIT + 1
                label = f"{placeholder} ({first}–{first + len(group) - 1})"
            self.add_item(_PickSelect(group, label, on_pick, row=row))
        button_row = min(len(groups), 4)
        for label, handler in buttons[:5]:
            self.add_item(_ActionButton(label, handler, row=button_row))

    @property
    def is_empty(self) -> bool:
        return not self.children


# --- sending ------------------------------------------------------------------------------------


async def send_message(
    interaction: discord.Interaction[Any],
    embeds: Sequence[discord.Embed],
    view: discord.ui.View | None = None,
    *,
    ephemeral: bool = False,
    content: str | None = None,
) -> None:
    """Send embeds (and a view) as the answer, or as a followup if already answered/deferred.

    Mentions are always off. A view of ours is bound to the sent message so it can disable itself
    on timeout (a stopped view, like an article's persistent buttons, is only drawn).
    """
    if view is not None and not view.children:
        view = None
    kwargs: dict[str, Any] = {"embeds": list(embeds), "ephemeral": ephemeral, "allowed_mentions": NO_MENTIONS}
    if content:
        kwargs["content"] = content[:2000]
    if view is not None:
        kwargs["view"] = view
    if await claim_response(interaction):
        await interaction.response.send_message(**kwargs)
        if isinstance(view, _BoundView):
            view.bind(interaction)
        return
    message = await interaction.followup.send(wait=True, **kwargs)
    if isinstance(view, _BoundView):
        view.bind(interaction, message)


async def send_pages(
    interaction: discord.Interaction[Any],
    source: PageSource,
    count: int,
    *,
    on_pick: PickHandler | None = None,
    pick_placeholder: str = "Open one of these…",
    ephemeral: bool = False,
    view_timeout: float | None = DEFAULT_TIMEOUT,
) -> Paginator:
    """Send the first page with pagination (owned by the user who asked)."""
    paginator = Paginator(
        source,
        count,
        owner_id=interaction.user.id,
        on_pick=on_pick,
        pick_placeholder=pick_placeholder,
        timeout=view_timeout,
    )
    view = None if paginator.is_trivial else paginator
    if view is None:
        paginator.stop()
    await send_message(interaction, paginator.page.embeds, view, ephemeral=ephemeral)
    return paginator


async def send_listing(
    interaction: discord.Interaction[Any],
    listing: Listing,
    *,
    on_pick: PickHandler | None = None,
    ephemeral: bool = False,
    view_timeout: float | None = DEFAULT_TIMEOUT,
) -> Paginator:
    """Send a :class:`~bot.ui.listing.Listing` with pagination; its menu opens with ``on_pick``."""
    return await send_pages(
        interaction,
        listing_source(listing),
        listing.pages,
        on_pick=on_pick,
        pick_placeholder=listing.placeholder,
        ephemeral=ephemeral,
        view_timeout=view_timeout,
    )
