"""Adapter-side error handling: one tree handler, and one way to answer a user privately.

Every failure of a slash command, a button or a select menu ends here. The user always gets a
short, friendly, ephemeral message; unexpected failures also get an error id, which is logged
together with the traceback so an operator can find it. Users never see a stack trace.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import secrets
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands

from bot.core.errors import ConnectionLostError, DomainError, StorageUnavailableError
from bot.core.text import quote_user
from bot.ui.layout import CONTENT_LIMIT

if TYPE_CHECKING:
    from discord.ui import Item

log = logging.getLogger(__name__)

#: Discord rejects message content longer than this.
NO_MENTIONS = discord.AllowedMentions.none()


@dataclass(frozen=True, slots=True)
class UserFacingError:
    """What to tell the user about an error, and whether it was unexpected (and so logged)."""

    message: str
    error_id: str | None = None

    @property
    def unexpected(self) -> bool:
        return self.error_id is not None


def new_error_id() -> str:
    """A short id to quote in the user's message and the log line."""
    return secrets.token_hex(4)


def _permissions(names: list[str]) -> str:
    pretty = [n.replace("_", " ").replace("guild", "server").title() for n in names]
    return ", ".join(pretty) or "a permission"


def unwrap(error: BaseException) -> BaseException:
    """The exception that actually went wrong (inside CommandInvokeError / TransformerError)."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, DomainError):
        return error.__cause__
    return error


def describe(error: BaseException, *, now: dt.datetime | None = None) -> UserFacingError:
    """Map an error to the message a user sees. Pure apart from minting an id for the unexpected."""
    original = unwrap(error)
    if isinstance(original, DomainError):
        return UserFacingError(_clip(original.message))
    if isinstance(original, app_commands.TransformerError):
        return UserFacingError(_clip(f"I couldn't understand {quote_user(str(original.value), 100)} for that option."))
    if isinstance(original, app_commands.NoPrivateMessage):
        return UserFacingError("This command only works in a server, not in direct messages.")
    if isinstance(original, app_commands.MissingPermissions):
        return UserFacingError(f"You need the {_permissions(original.missing_permissions)} permission to do that.")
    if isinstance(original, app_commands.BotMissingPermissions):
        return UserFacingError(
            f"I need the {_permissions(original.missing_permissions)} permission in this channel to do that."
        )
    if isinstance(original, app_commands.CommandOnCooldown):
        when = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=original.retry_after)
        return UserFacingError(f"Slow down a little: you can use this again {discord.utils.format_dt(when, 'R')}.")
    if isinstance(original, app_commands.CheckFailure):
        return UserFacingError("You can't use this command here.")
    if isinstance(original, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
        return UserFacingError(
            "This command has changed since Discord last heard about it. Please try again in a minute."
        )
    if isinstance(original, discord.Forbidden):
        return UserFacingError(
            "Discord didn't let me do that here: I may be missing a permission in this channel.",
            new_error_id(),
        )
    if isinstance(original, ConnectionLostError) and original.saved is None:
        return UserFacingError(
            "I lost the connection to my database while saving, so I can't tell whether that was saved. "
            "Please check (for settings: `/settings show`) and try again if needed."
        )
    if isinstance(original, StorageUnavailableError):
        return UserFacingError(
            "I can't reach my database right now, so nothing was changed. Please try again in a minute."
        )
    return UserFacingError("Something went wrong on my side. It has been logged.", new_error_id())


def _clip(text: str) -> str:
    if len(text) <= 1800:
        return text
    cut = text[:1800].rsplit(" ", 1)[0]
    return cut + "…"


#: Seconds after which a command that has not answered yet is deferred ("thinking…"), well
#: inside Discord's 3-second window for the first response.
DEFER_AFTER = 2.0


async def claim_response(interaction: discord.Interaction[Any]) -> bool:
    """Whether to answer with ``interaction.response`` (True) or with a followup (False).

    Coordinates with the deferral watchdog: once a sender has claimed the response the watchdog
    leaves it alone, and if the watchdog is already deferring, the sender waits for that and
    then uses a followup.
    """
    deferring = interaction.extras.get("deferring")
    if isinstance(deferring, asyncio.Task):
        await asyncio.shield(deferring)
    if interaction.response.is_done():
        return False
    interaction.extras["responding"] = True
    return True


async def _defer_if_slow(interaction: discord.Interaction[Any], after: float) -> None:
    await asyncio.sleep(after)
    if interaction.response.is_done() or interaction.extras.get("responding"):
        return
    task = asyncio.current_task()
    interaction.extras["deferring"] = task
    try:
        await interaction.response.defer(thinking=True)
        log.info("deferred slow command %s after %.1fs", _where(interaction), after)
    except discord.HTTPException as exc:
        log.warning("could not defer a slow command (%s): %s", _where(interaction), exc)
    except discord.InteractionResponded:
        pass  # answered in the meantime: nothing to do


def start_deferral_watchdog(interaction: discord.Interaction[Any], after: float = DEFER_AFTER) -> None:
    """Defer the interaction if nothing has answered it within ``after`` seconds."""
    if interaction.type is not discord.InteractionType.application_command:
        return
    task = asyncio.get_running_loop().create_task(_defer_if_slow(interaction, after), name="defer-watchdog")
    _watchdogs.add(task)
    task.add_done_callback(_watchdogs.discard)


_watchdogs: set[asyncio.Task[None]] = set()


async def send_ephemeral(
    interaction: discord.Interaction[Any], content: str, *, embed: discord.Embed | None = None
) -> None:
    """Answer privately, whether or not the interaction has been answered (or deferred) already."""
    content = content[:CONTENT_LIMIT]
    if not await claim_response(interaction):
        if embed is None:
            await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(content, embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)
    elif embed is None:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(content, embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)


def _where(interaction: discord.Interaction[Any]) -> str:
    command = interaction.command.qualified_name if interaction.command is not None else None
    custom_id = None
    if interaction.data is not None and isinstance(interaction.data, dict):
        custom_id = interaction.data.get("custom_id")
    try:
        options = dict(interaction.namespace) if interaction.command is not None else {}
    except (AttributeError, TypeError, KeyError):  # a component interaction has no namespace to show
        options = {}
    return (
        f"command={command!r} custom_id={custom_id!r} guild={interaction.guild_id} "
        f"user={interaction.user.id if interaction.user else None} options={options!r}"
    )


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> UserFacingError:
    """Log (if unexpected) and tell the user. Never raises: a failure to answer is logged."""
    described = describe(error)
    original = unwrap(error)
    if described.unexpected:
        log.error(
            "error id %s: unexpected %s in %s",
            described.error_id,
            type(original).__name__,
            _where(interaction),
            exc_info=(type(original), original, original.__traceback__),
        )
        text = f"{described.message} (error id `{described.error_id}`)"
    else:
        log.debug("user-facing error in %s: %s", _where(interaction), described.message)
        text = described.message
    if interaction.type is discord.InteractionType.autocomplete:
        # Discord accepts only choices for an autocomplete (a message is 400 Invalid Form Body): offer none.
        try:
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
        except discord.HTTPException as exc:
            log.warning("could not answer a failed autocomplete (%s): %s", _where(interaction), exc)
        return described
    try:
        await send_ephemeral(interaction, text)
    except discord.HTTPException as exc:
        # Most often the interaction expired (Discord's 3-second window, or 15 minutes for a followup).
        log.warning("could not tell the user about an error (%s): %s", _where(interaction), exc)
    return described


class BotTree(app_commands.CommandTree[Any]):
    """The command tree: routes every app-command error through :func:`report_error`, and
    defers any command that has not answered within :data:`DEFER_AFTER` seconds."""

    defer_after: float = DEFER_AFTER

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        start_deferral_watchdog(interaction, self.defer_after)
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)


async def view_on_error(interaction: discord.Interaction[Any], error: Exception, item: Item[Any]) -> None:
    """Shared ``View.on_error``: the same friendly answer for buttons and select menus."""
    await report_error(interaction, error)


class ErrorReportingView(discord.ui.View):
    """A view whose errors go through the one error handler.

    Every such view is remembered (weakly) while it lives, so the bot can tell a click that a
    live view handles from one nothing handles any more (:func:`component_has_handler`), using
    only discord.py's public ``View`` API.
    """

    _live: ClassVar[weakref.WeakSet[ErrorReportingView]] = weakref.WeakSet()

    def __init__(self, *, timeout: float | None = 180.0) -> None:
        super().__init__(timeout=timeout)
        ErrorReportingView._live.add(self)

    @classmethod
    def live_custom_ids(cls) -> set[str]:
        """The custom ids of every item of every view that has not stopped or timed out."""
        return {
            item.custom_id
            for view in list(cls._live)
            if not view.is_finished()
            for item in view.children
            if isinstance(item, discord.ui.Button | discord.ui.Select) and item.custom_id is not None
        }

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, item: Item[Any]) -> None:
        await view_on_error(interaction, error, item)


#: What someone who clicks a button or menu no view handles any more is told.
STALE_COMPONENT = (
    "These buttons and menus no longer work: they stop after a few minutes, and when I restart. Run the command again."
)


#: Custom ids that handlers registered for the bot's lifetime answer (discord.py ``DynamicItem``s,
#: like an article's buttons), whatever message they are on.
_PERSISTENT: list[re.Pattern[str]] = []


def handle_persistently(pattern: re.Pattern[str]) -> None:
    """Note that custom ids matching ``pattern`` always have a handler (see :func:`component_has_handler`)."""
    if pattern not in _PERSISTENT:
        _PERSISTENT.append(pattern)


def component_has_handler(client: discord.Client, interaction: discord.Interaction[Any]) -> bool:
    """Whether a live view of this bot, or a persistent handler, handles this component interaction.

    Anything else (a view that timed out, a bot restart, a menu replaced by a page turn, a
    forged custom_id) reaches no callback and would fail silently for the user.
    """
    data: dict[str, Any] = dict(interaction.data) if isinstance(interaction.data, dict) else {}
    custom_id = str(data.get("custom_id") or "")
    if any(p.fullmatch(custom_id) for p in _PERSISTENT) and custom_id in _message_custom_ids(interaction):
        return True
    return custom_id in ErrorReportingView.live_custom_ids()


def _message_custom_ids(interaction: discord.Interaction[Any]) -> set[str]:
    """The custom ids of the components on the message a component interaction came from.

    discord.py answers a persistent item only when the message really carries it.
    """
    message = interaction.message
    if message is None:
        return set()
    found: set[str] = set()
    for row in message.components:
        for child in getattr(row, "children", (row,)):
            custom_id = getattr(child, "custom_id", None)
            if custom_id:
                found.add(str(custom_id))
    return found


async def answer_stale_component(client: discord.Client, interaction: discord.Interaction[Any]) -> None:
    """Tell whoever clicked a button or menu that nothing handles any more, privately."""
    if interaction.type is not discord.InteractionType.component or component_has_handler(client, interaction):
        return
    if interaction.response.is_done():
        return
    log.info("stale or unknown component: %s", _where(interaction))
    try:
        await send_ephemeral(interaction, STALE_COMPONENT)
    except (discord.HTTPException, discord.InteractionResponded) as exc:
        log.warning("could not answer a stale component (%s): %s", _where(interaction), exc)
