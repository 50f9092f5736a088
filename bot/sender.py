"""The :class:`~bot.services.daily.Sender` over discord.py: post a daily post to a channel, find it again.

Used by the scheduler (:mod:`bot.exts.daily`) and by ``/settings test-post``.

Errors are translated for the posting service, which never sees Discord:

* 403 (``50001`` Missing Access, ``50013`` Missing Permissions, any other 403) → :class:`PostForbidden`
* 404 on the channel (``10003`` Unknown Channel, or any 404 of these channel routes) → :class:`PostNotFound`
* 429, 5xx, timeouts and dropped connections → :class:`PostRetryable` (with Discord's ``retry_after``)

Anything else (a 400 for a malformed body, say) is a bug and is raised as it is: the service marks
the day failed instead of retrying blindly.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.core.posting_errors import PostError, PostForbidden, PostNotFound, PostRetryable
from bot.core.posts import DailyPost
from bot.ui.daily import role_mention
from bot.ui.digest import digest_view
from bot.ui.embeds import daily_post_buttons, daily_post_embeds

if TYPE_CHECKING:
    from bot.app import Bot

log = logging.getLogger(__name__)

UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
#: How many of the channel's newest messages after the claim are searched for a lost post.
HISTORY_LIMIT = 200


def post_mentions(role_id: int | None) -> discord.AllowedMentions:
    """Allow exactly one role to be pinged (or nobody)."""
    if role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)], replied_user=False)


def _retry_after(exc: discord.HTTPException) -> float | None:
    headers: Any = getattr(exc.response, "headers", None)
    if headers is None:
        return None
    raw = headers.get("Retry-After") or headers.get("X-RateLimit-Reset-After")
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _describe(exc: discord.HTTPException) -> str:
    detail = exc.text or getattr(exc.response, "reason", "") or ""
    code = f" (code {exc.code})" if exc.code else ""
    return f"Discord answered {exc.status}{code}: {detail}".strip().rstrip(":")


def map_error(exc: BaseException) -> PostError | None:
    """The posting error for a failure of a channel request, or None for "a bug: raise it as it is"."""
    if isinstance(exc, discord.RateLimited):
        return PostRetryable(f"rate limited for {exc.retry_after:.0f}s", exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        status = exc.status
        if status == 403:
            return PostForbidden(_describe(exc))
        if status == 404 or exc.code == UNKNOWN_CHANNEL:
            return PostNotFound(_describe(exc))
        if status == 429:
            return PostRetryable(_describe(exc), _retry_after(exc))
        if status >= 500:
            return PostRetryable(_describe(exc), _retry_after(exc))
        return None
    if isinstance(exc, TimeoutError):
        return PostRetryable("Discord did not answer in time")
    if isinstance(exc, (aiohttp.ClientError, OSError)):
        return PostRetryable(f"connection problem: {type(exc).__name__}")
    return None


_MAPPED = (discord.HTTPException, discord.RateLimited, TimeoutError, aiohttp.ClientError, OSError)


class DiscordSender:
    """Sends daily posts with the bot's HTTP client. Implements :class:`bot.services.daily.Sender`."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def channel(self, channel_id: int) -> discord.abc.Messageable:
        """The cached channel, or a partial one (one request, no cache needed)."""
        found = self.bot.get_channel(channel_id)
        if found is None:
            return self.bot.get_partial_messageable(channel_id)
        if not isinstance(found, discord.abc.Messageable):
            kind = str(getattr(found, "type", "channel")).replace("_", " ")
            raise PostNotFound(f"<#{channel_id}> is a {kind}, not a text channel")
        return found

    async def send(self, channel_id: int, role_id: int | None, payload: DailyPost) -> int:
        embeds = daily_post_embeds(payload, self.bot.library)
        view = digest_view(payload) or daily_post_buttons(payload, self.bot.library)
        return await self.send_embeds(channel_id, embeds, role_id=role_id, nonce=payload.nonce, view=view)

    async def send_embeds(
        self,
        channel_id: int,
        embeds: Sequence[discord.Embed],
        *,
        role_id: int | None,
        nonce: str,
        view: discord.ui.View | None = None,
    ) -> int:
        """Post ``embeds`` (pinging ``role_id`` only, if given) with ``view``'s buttons; returns the message id."""
        channel = self.channel(channel_id)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        try:
            message = await channel.send(
                content=role_mention(role_id),
                embeds=list(embeds),
                nonce=nonce,
                allowed_mentions=post_mentions(role_id),
                **extra,
            )
        except _MAPPED as exc:
            mapped = map_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        return message.id

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Open a public thread on the post (``POST /channels/{id}/messages/{id}/threads``); its id."""
        try:
            thread = await self.bot.http.start_thread_with_message(
                channel_id, message_id, name=name[:100], auto_archive_duration=1440, reason="discussion of a daily post"
            )
        except _MAPPED as exc:
            mapped = map_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        return int(thread["id"])

    async def find_sent(self, channel_id: int, payload: DailyPost, after: dt.datetime) -> int | None:
        """This post among the bot's own messages in the channel since ``after``, or None.

        A message matches by its nonce (when Discord returns it) or by the post's first embed
        (same title and footer; a test post's footer differs). Without Read Message History
        the search is impossible: None is returned and the resend relies on the nonce, which
        Discord enforces for a few minutes.
        """
        me = self.bot.user
        if me is None:
            return None
        expected = daily_post_embeds(payload, self.bot.library)[0]
        channel = self.channel(channel_id)
        try:
            async for message in channel.history(limit=HISTORY_LIMIT, after=after, oldest_first=True):
                if message.author.id != me.id:
                    continue
                if message.nonce is not None and str(message.nonce) == payload.nonce:
                    return message.id
                if message.embeds and _same_post(message.embeds[0], expected):
                    return message.id
        except discord.Forbidden as exc:
            log.warning(
                "cannot read the history of channel %s to look for a lost post (%s); resending with the same nonce",
                channel_id,
                _describe(exc),
            )
            return None
        except _MAPPED as exc:
            mapped = map_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        return None


def _same_post(found: discord.Embed, expected: discord.Embed) -> bool:
    return found.title == expected.title and found.footer.text == expected.footer.text
