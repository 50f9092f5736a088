"""What a sender of daily posts may raise, without naming Discord.

The Discord adapter translates ``discord.Forbidden`` (403: missing access or permissions) into
:class:`PostForbidden`, ``discord.NotFound`` (404: unknown channel) into :class:`PostNotFound`,
and rate limits (429), server errors (5xx) and timeouts into :class:`PostRetryable`. The posting
service pauses a server on the first two (its settings are kept) and retries the third with
backoff within the same local day.
"""

from __future__ import annotations


class PostError(Exception):
    """Sending a daily post failed. ``reason`` is short, plain text, safe to show to admins."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class PostForbidden(PostError):  # noqa: N818 (names fixed by issue 6)
    """The bot may not see or post in the channel (HTTP 403). Not retried; posting is paused."""


class PostNotFound(PostError):  # noqa: N818
    """The channel no longer exists (HTTP 404). Not retried; posting is paused."""


class PostRetryable(PostError):  # noqa: N818
    """A transient failure (429, 5xx, timeout). ``retry_after`` is the server's hint in seconds."""

    def __init__(self, reason: str = "", retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
