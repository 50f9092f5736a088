"""Errors the core raises. Each carries a message that is safe to show to a user."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.text import plural


class DomainError(Exception):
    """An error whose message can be shown to a user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StorageError(Exception):
    """The database cannot be used as it is (too new, broken migration, failed backup, ...).

    Raised by :mod:`bot.storage`; defined here so every layer can recognise it."""


class StorageUnavailableError(StorageError):
    """The database cannot be reached right now (server down, network cut, too many connections).

    Nothing was changed by the operation that raised it. Try again later.
    """


class ConnectionLostError(StorageUnavailableError):
    """The connection dropped in the middle of a transaction.

    ``saved`` is False when the transaction certainly rolled back (nothing was saved), None when
    the database could not be asked afterwards whether the commit went through.
    """

    def __init__(self, message: str, *, saved: bool | None = False) -> None:
        super().__init__(message)
        self.saved = saved


class UserInputError(DomainError):
    """Something a user typed cannot be understood (a date, a time, a timezone...)."""


class NotFoundError(DomainError):
    """A looked-up article, event or pack does not exist."""


@dataclass(frozen=True, slots=True)
class ContentIssue:
    """One problem found in a content file: where it is and what is wrong."""

    path: str
    line: int
    field: str
    message: str
    #: The file or folder could not be read at all (a symlink loop, no permission, not a folder):
    #: a problem of the installation, not of the content, so the bot refuses to start.
    unreadable: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ContentError(DomainError):
    """Content failed validation. Holds every issue found, not just the first."""

    def __init__(self, issues: list[ContentIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(str(i) for i in self.issues)
        super().__init__(f"{plural(len(self.issues), 'content error')}:\n{lines}")


class ValidationError(DomainError):
    """A single value failed validation (used by parsers of dates and ids)."""
