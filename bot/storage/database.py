"""The storage interface: one :class:`Database`, two engines, one set of numbered migrations.

``FROM_BELOW_DATABASE`` is either a file path (SQLite, the default: :mod:`bot.storage.sqlite`) or a
``postgresql://`` URL (a pool of asyncpg connections: :mod:`bot.storage.postgres`).
:func:`open_database` picks the engine from the target. Repositories are written once, against
this interface:

* SQL uses ``?`` placeholders and the dialect both engines share (``INSERT ... ON CONFLICT DO
  NOTHING``, ``RETURNING``); the PostgreSQL engine rewrites ``?`` to ``$1, $2, ...``.
* Rows come back as :class:`Row`, a ``dict`` keyed by column name (an integer index also works).
* :meth:`Database.run_transaction` runs a function in one transaction and, on PostgreSQL, runs it
  again on a fresh connection when the connection dropped before anything was committed.
* Failures to reach the database are :class:`StorageUnavailableError`; a connection that dropped
  in the middle of a transaction is :class:`ConnectionLostError` (which says whether it was
  saved). Front ends turn both into a friendly message.

Migrations are ``migrations/NNNN_name.sql``, numbered from 1 without gaps, the same numbers for
both engines. Where PostgreSQL needs different SQL (column types), ``migrations/postgres/`` has a
file with the same number and name, used instead; otherwise the shared file is used for both.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from bot.core.errors import ConnectionLostError as ConnectionLostError
from bot.core.errors import StorageError as StorageError
from bot.core.errors import StorageUnavailableError as StorageUnavailableError
from bot.core.timezones import assume_utc, ensure_utc

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
MEMORY = ":memory:"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

Dialect = Literal["sqlite", "postgresql"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql")
#: The folder under ``migrations/`` with a dialect's own versions of migrations that must differ.
DIALECT_FOLDERS: dict[Dialect, str] = {"sqlite": "sqlite", "postgresql": "postgres"}
Params = Sequence[Any]
T = TypeVar("T")


# --- errors --------------------------------------------------------------------------------------


# StorageError, StorageUnavailableError and ConnectionLostError live in bot.core.errors (front
# ends that may not import storage still recognise them); they are re-exported from here.


# --- rows ----------------------------------------------------------------------------------------


class Row(dict[str, Any]):
    """One result row: a mapping of column name to value; ``row[0]`` is the first column."""

    __slots__ = ()

    def __getitem__(self, key: str | int) -> Any:
        if isinstance(key, int):
            return list(self.values())[key]
        return super().__getitem__(key)


# --- migrations ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """The migration files in ``directory`` in order; raises :class:`StorageError` on a gap or a bad name."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        m = _MIGRATION_RE.match(path.name)
        if not m:
            raise StorageError(f"migration file {path.name!r} is not named NNNN_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StorageError(
                f"migrations must be numbered 0001, 0002, ... without gaps; found {migration.version:04d}"
            )
    return tuple(found)


def load_dialect_migrations(dialect: Dialect, directory: Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """The shared migrations, with ``<directory>/<folder>/NNNN_name.sql`` (``postgres/`` for
    PostgreSQL) replacing the shared file of the same number where it exists. A dialect file
    without a shared counterpart (or with another name) is an error: both engines always have
    the same versions."""
    shared = load_migrations(directory)
    folder = DIALECT_FOLDERS[dialect]
    special = directory / folder
    if not special.is_dir():
        return shared
    by_version = {m.version: m for m in shared}
    for path in sorted(special.glob("*.sql")):
        m = _MIGRATION_RE.match(path.name)
        if not m:
            raise StorageError(f"migration file {folder}/{path.name!r} is not named NNNN_name.sql")
        version, name = int(m.group(1)), m.group(2)
        counterpart = by_version.get(version)
        if counterpart is None or counterpart.name != name:
            raise StorageError(
                f"{folder}/{path.name} has no shared counterpart {version:04d}_{name}.sql: "
                "every engine has the same numbered migrations"
            )
        by_version[version] = Migration(version, name, path.read_text(encoding="utf-8"))
    return tuple(by_version[v] for v in sorted(by_version))


@functools.cache
def migrations(dialect: Dialect = "sqlite") -> tuple[Migration, ...]:
    """The migrations shipped with the package for ``dialect`` (read once)."""
    return load_dialect_migrations(dialect)


def latest_version() -> int:
    """The highest migration number shipped with the bot."""
    return len(migrations())


# --- values --------------------------------------------------------------------------------------


def to_iso(value: dt.datetime) -> str:
    """An aware datetime as ISO-8601 UTC text (how both engines store instants)."""
    return ensure_utc(value, "a stored datetime").isoformat(timespec="microseconds")


def from_iso(value: str | None) -> dt.datetime | None:
    """An ISO-8601 text from the database as an aware UTC datetime (None stays None)."""
    if value is None:
        return None
    return assume_utc(dt.datetime.fromisoformat(value))


def is_database_url(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` names a database server (``scheme://...``) rather than a file."""
    return isinstance(target, str) and "://" in target.split("?", 1)[0][:20]


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe to print and log)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a malformed database URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))


def describe_target(target: str | os.PathLike[str]) -> str:
    """A database target for messages: a path as it is, a URL without its password."""
    return redact_url(target) if isinstance(target, str) and is_database_url(target) else os.fspath(target)


# --- the interface -------------------------------------------------------------------------------


class Transaction(ABC):
    """Statements inside :meth:`Database.transaction` (all on one connection, committed together)."""

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each set of parameters."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, or None."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query."""


class Database(ABC):
    """A database the repositories use. Open with :meth:`open` (or :func:`open_database`), close
    with :meth:`close`.

    Single statements run in their own (autocommit) transaction. Writes that belong together go
    through :meth:`run_transaction` (or :meth:`transaction`).
    """

    dialect: ClassVar[Dialect]
    #: Engines by dialect; each engine module registers itself (``bot/storage/__init__`` imports both).
    engines: ClassVar[dict[str, type[Database]]] = {}

    #: Where the database is, safe to print (a URL without its password).
    label: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "dialect" in cls.__dict__:
            Database.engines[cls.dialect] = cls

    # --- lifecycle -----------------------------------------------------------------------

    @classmethod
    async def open(cls, target: str | os.PathLike[str], *, migrate: bool = True) -> Database:
        """Open the database at ``target`` (a file path or a ``postgresql://`` URL) and, by default,
        migrate it to the latest schema. Raises :class:`StorageUnavailableError` when a database
        server cannot be reached, :class:`StorageError` for anything else that keeps it closed."""
        if cls is not Database:
            return await cls._open(target, migrate=migrate)
        return await engine_for(target)._open(target, migrate=migrate)

    @classmethod
    @abstractmethod
    async def _open(cls, target: str | os.PathLike[str], *, migrate: bool) -> Database: ...

    @abstractmethod
    async def close(self) -> None:
        """Close the connection (or pool); safe to call twice."""

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- statements ----------------------------------------------------------------------

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own transaction; returns the rows changed. On PostgreSQL it is
        sent again on a new connection if the connection drops, so it must be idempotent in
        effect (every statement the repositories run alone is)."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for each set of parameters, in one transaction."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, or None."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query."""

    @abstractmethod
    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """``BEGIN`` ... ``COMMIT`` (``ROLLBACK`` on any exception, cancellation included)."""

    async def run_transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """``work(tx)`` in one transaction; returns its result. Engines that can lose a
        connection run ``work`` again when nothing of the first run was committed."""
        async with self.transaction() as tx:
            return await work(tx)

    # --- migrations ----------------------------------------------------------------------

    @abstractmethod
    async def user_version(self) -> int:
        """The schema version: the number of the last migration applied (0 for a new database)."""

    @abstractmethod
    async def migrate(self, target: int | None = None) -> tuple[int, int]:
        """Apply pending migrations (up to ``target``); returns ``(from_version, to_version)``.
        Safe when several processes migrate the same database at once."""

    def _check_not_newer(self, current: int, known: int) -> None:
        if current > known:
            raise StorageError(
                f"the database is at schema version {current}, newer than this bot knows ({known}); "
                "run a newer version of the bot, or restore a backup"
            )

    # --- key/value (the bot's MetaStore protocol) ----------------------------------------

    async def get_meta(self, key: str) -> str | None:
        """A value of the small key/value table, or None."""
        row = await self.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set_meta(self, key: str, value: str) -> None:
        """Store a value in the small key/value table."""
        await self.execute(
            "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, to_iso(dt.datetime.now(dt.UTC))),
        )

    async def delete_meta(self, key: str) -> None:
        """Remove a key from the small key/value table."""
        await self.execute("DELETE FROM meta WHERE key = ?", (key,))

    # --- operations ----------------------------------------------------------------------

    @abstractmethod
    async def backup(self, dest: str | os.PathLike[str]) -> Path:
        """A consistent copy of the database at ``dest`` (SQLite only; PostgreSQL uses pg_dump)."""

    @abstractmethod
    async def table_names(self) -> list[str]:
        """The tables of the bot's schema (not the engine's own bookkeeping)."""


def engine_for(target: str | os.PathLike[str]) -> type[Database]:
    """The engine class for ``target``: PostgreSQL for a ``postgresql://`` URL, SQLite for a path."""
    if is_database_url(target):
        assert isinstance(target, str)
        if not target.startswith(POSTGRES_SCHEMES):
            raise StorageError(
                f"unsupported database URL {redact_url(target)!r}: use a file path (SQLite) or a postgresql:// URL"
            )
        dialect: Dialect = "postgresql"
    else:
        dialect = "sqlite"
    engine = Database.engines.get(dialect)
    if engine is None:  # pragma: no cover - bot/storage/__init__ imports every engine
        raise StorageError(f"the {dialect} engine is not loaded")
    return engine


async def open_database(target: str | os.PathLike[str]) -> Database:
    """Open and migrate the database at ``target`` (what :mod:`bot.app` calls at startup)."""
    return await Database.open(target)


async def migrate_database(target: str | os.PathLike[str]) -> tuple[int, int]:
    """``python -m bot migrate``: bring the database at ``target`` to the latest schema.

    Returns ``(from_version, to_version)``. Creates a SQLite file (and folders) if missing. Raises
    :class:`StorageError` with a plain message for a file that is not a SQLite database, a
    folder, a path that cannot be written, or a server that cannot be reached.
    """
    if not is_database_url(target) and await asyncio.to_thread(_is_folder, target):
        raise StorageError(f"{target} is a folder: give the database file, like {Path(target) / 'from_below.sqlite3'}")
    try:
        db = await Database.open(target, migrate=False)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{target} is not a SQLite database ({exc})") from exc
    except (sqlite3.Error, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StorageError(f"{describe_target(target)} cannot be opened: {reason}") from exc
    try:
        return await db.migrate()
    finally:
        await db.close()


def _is_folder(path: str | os.PathLike[str]) -> bool:
    return Path(path).expanduser().is_dir()
