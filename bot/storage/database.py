"""The one SQLite connection: opening, numbered migrations, transactions, backups.

* One :class:`aiosqlite.Connection` per process, in autocommit mode (``isolation_level=None``),
  with WAL journaling, ``synchronous = FULL`` (a claimed day survives a power cut, so it can
  never be posted twice), foreign keys on and a busy timeout.
* All statements go through :class:`Database`, which serialises them with an
  :class:`asyncio.Lock`: on a shared connection, another task's statement must never land inside
  someone else's open transaction.
* Migrations are ``migrations/NNNN_name.sql``, numbered from 1 without gaps, each applied in
  its own transaction together with ``PRAGMA user_version = NNNN``. Before upgrading a database
  that already has data, a copy is saved next to it (``<name>.pre-vN.bak``) with SQLite's online
  backup, so an upgrade can never lose settings. A database newer than this code is refused.
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
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.timezones import assume_utc, ensure_utc

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
BUSY_TIMEOUT_MS = 5000
MEMORY = ":memory:"

Params = Sequence[Any]


class StorageError(Exception):
    """The database cannot be used as it is (too new, broken migration, failed backup)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """The migration files in order; raises :class:`StorageError` on a gap or a bad name."""
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


@functools.cache
def migrations() -> tuple[Migration, ...]:
    """The migrations shipped with the package (read once)."""
    return load_migrations()


def latest_version() -> int:
    return len(migrations())


def to_iso(value: dt.datetime) -> str:
    """An aware datetime as ISO-8601 UTC text."""
    return ensure_utc(value, "a stored datetime").isoformat(timespec="microseconds")


def from_iso(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    return assume_utc(dt.datetime.fromisoformat(value))


class Transaction:
    """Statements inside :meth:`Database.transaction` (the lock is already held)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows changed."""
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, params) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())


class Database:
    """The process's single SQLite connection. Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._tx = Transaction(conn)
        self.path = path
        self._lock = asyncio.Lock()
        self._closed = False

    # --- lifecycle -----------------------------------------------------------------------

    @classmethod
    async def open(cls, path: str | os.PathLike[str], *, migrate: bool = True) -> Database:
        """Open (creating parent folders and the file) and, by default, migrate to the latest schema."""
        location = str(path)
        if location != MEMORY:
            location = await asyncio.to_thread(_prepare_path, location)
        conn = await aiosqlite.connect(location, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if location != MEMORY:
                async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
                    row = await cursor.fetchone()
                if row is None or str(row[0]).lower() != "wal":
                    log.warning("could not switch %s to WAL journaling (got %r)", location, row and row[0])
            await conn.execute("PRAGMA synchronous = FULL")
            db = cls(conn, location)
            if migrate:
                await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        async with self._lock:
            await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- statements ----------------------------------------------------------------------

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own (autocommit) transaction; returns the rows changed."""
        async with self._lock:
            return await self._tx.execute(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._lock:
            return await self._tx.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._lock:
            return await self._tx.fetchall(sql, params)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception, cancellation included)."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._tx
            except BaseException:
                if self._conn.in_transaction:
                    await asyncio.shield(self._conn.execute("ROLLBACK"))
                raise
            await self._conn.execute("COMMIT")

    # --- migrations ----------------------------------------------------------------------

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row is not None else 0

    async def migrate(self, target: int | None = None) -> tuple[int, int]:
        """Apply pending migrations (up to ``target``); returns ``(from_version, to_version)``."""
        steps = migrations()
        goal = len(steps) if target is None else target
        current = await self.user_version()
        if current > len(steps):
            raise StorageError(
                f"the database is at schema version {current}, newer than this bot knows ({len(steps)}); "
                "run a newer version of the bot, or restore a backup"
            )
        pending = [m for m in steps if current < m.version <= goal]
        if not pending:
            return (current, current)
        if current > 0 and self.path != MEMORY:
            copy = Path(f"{self.path}.pre-v{pending[-1].version}.bak")
            await self.backup(copy)
            log.info("saved a copy of the database before upgrading: %s", copy)
        for migration in pending:
            script = f"BEGIN IMMEDIATE;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
            async with self._lock:
                try:
                    await self._conn.executescript(script)
                except sqlite3.Error as exc:
                    if self._conn.in_transaction:
                        await self._conn.execute("ROLLBACK")
                    raise StorageError(f"migration {migration.version:04d}_{migration.name} failed: {exc}") from exc
            log.info("database migrated to version %d (%s)", migration.version, migration.name)
        return (current, pending[-1].version)

    # --- key/value (the bot's MetaStore protocol) ----------------------------------------

    async def get_meta(self, key: str) -> str | None:
        row = await self.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def set_meta(self, key: str, value: str) -> None:
        await self.execute(
            "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, to_iso(dt.datetime.now(dt.UTC))),
        )

    async def delete_meta(self, key: str) -> None:
        await self.execute("DELETE FROM meta WHERE key = ?", (key,))

    # --- backup --------------------------------------------------------------------------

    async def backup(self, dest: str | os.PathLike[str]) -> Path:
        """A consistent copy of this database at ``dest`` (written beside it, then renamed)."""
        target = Path(await asyncio.to_thread(_prepare_path, os.fspath(dest)))
        partial = target.with_name(target.name + ".partial")
        try:
            copy = await asyncio.to_thread(sqlite3.connect, str(partial), check_same_thread=False)
            try:
                async with self._lock:
                    await self._conn.backup(copy)
                await asyncio.to_thread(_finish_copy, copy)
            finally:
                await asyncio.to_thread(copy.close)
            await asyncio.to_thread(os.replace, partial, target)
        except BaseException:
            _discard(partial)  # a full disk or an interrupt: no half copy left behind
            raise
        return target


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _finish_copy(copy: sqlite3.Connection) -> None:
    row = copy.execute("PRAGMA integrity_check").fetchone()
    if row is None or row[0] != "ok":
        raise StorageError(f"the backup copy failed its integrity check: {row[0] if row else 'no answer'}")
    # A single self-contained file: no -wal/-shm companions needed to read the copy.
    copy.execute("PRAGMA journal_mode = DELETE")


def _is_folder(path: str | os.PathLike[str]) -> bool:
    return Path(path).expanduser().is_dir()


def _prepare_path(location: str) -> str:
    """Expand ``~`` and create the parent folders of a database file."""
    path = Path(location).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


#: How many backups one folder may get in the same second before the next one is refused.
_MAX_SAME_SECOND = 100


def _backup_file(source_path: str, target_path: str) -> Path:
    source = Path(source_path).expanduser()
    target = Path(target_path).expanduser()
    if not source.is_file():
        raise StorageError(f"there is no database at {source}")
    # ``backups/`` (with its slash) or an existing folder: a dated name inside it, never an
    # existing file. Otherwise the file named, which must not exist yet.
    if target_path.endswith(("/", os.sep)) or target.is_dir():
        if target.exists() and not target.is_dir():
            raise StorageError(f"{target} is a file, not a folder")
        target.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        base = f"{source.stem}-{stamp}"
        names = [target / f"{base}.sqlite3", *(target / f"{base}-{n}.sqlite3" for n in range(2, _MAX_SAME_SECOND))]
    else:
        if target.resolve() == source.resolve():
            raise StorageError("the backup cannot overwrite the database itself")
        if target.exists():
            raise StorageError(
                f"{target} already exists and is never overwritten: remove it, choose another name, "
                "or give a folder (a dated name is chosen)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        names = [target]
    fd, partial_name = tempfile.mkstemp(dir=names[0].parent, prefix=f".{names[0].name}.", suffix=".partial")
    os.close(fd)
    partial = Path(partial_name)
    try:
        src = sqlite3.connect(str(source), timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            dst = sqlite3.connect(str(partial))
            try:
                # One step (pages=-1): the whole database from a single read snapshot. In WAL
                # mode the running bot keeps writing meanwhile; its later writes are not in the copy.
                src.backup(dst, pages=-1)
                _finish_copy(dst)
            finally:
                dst.close()
        finally:
            src.close()
        return _place(partial, names)
    finally:
        partial.unlink(missing_ok=True)


def _place(partial: Path, names: Sequence[Path]) -> Path:
    """Give ``partial`` the first of ``names`` that does not exist yet, atomically (never overwriting)."""
    for name in names:
        try:
            os.link(partial, name)  # fails if ``name`` exists, even if another backup just made it
        except FileExistsError:
            continue
        except OSError:  # a filesystem without hard links: check, then rename
            if name.exists():
                continue
            os.replace(partial, name)
        return name
    if len(names) == 1:
        raise StorageError(f"{names[0]} already exists and is never overwritten")
    raise StorageError(f"{len(names)} backups in one second already in {names[0].parent}; try again")


async def backup_database(db_path: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """``python -m bot backup PATH``: copy the database with SQLite's online backup, safely while the bot runs.

    ``dest`` may be a new file, or a folder (an existing one, or any path ending in ``/``, which
    is created): a dated name is chosen in it, with a counter if that name is taken. An existing
    file is never overwritten. The copy is written to a hidden ``.partial`` file beside it,
    checked with ``PRAGMA integrity_check``, then linked into place.
    Returns the path written. Raises :class:`StorageError` with a plain message on failure.
    """
    try:
        return await asyncio.to_thread(_backup_file, os.fspath(db_path), os.fspath(dest))
    except sqlite3.Error as exc:
        raise StorageError(f"{db_path} could not be copied as a SQLite database: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"could not write the backup: {exc.strerror or exc} ({exc.filename or dest})") from exc


async def migrate_database(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``python -m bot migrate``: bring the database at ``path`` to the latest schema.

    Returns ``(from_version, to_version)``. Creates the file (and folders) if missing. Raises
    :class:`StorageError` with a plain message for a file that is not a SQLite database, a
    folder, or a path that cannot be written.
    """
    if await asyncio.to_thread(_is_folder, path):
        raise StorageError(f"{path} is a folder: give the database file, like {Path(path) / 'from_below.sqlite3'}")
    try:
        db = await Database.open(path, migrate=False)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} is not a SQLite database ({exc})") from exc
    except (sqlite3.Error, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StorageError(f"{path} cannot be opened: {reason}") from exc
    try:
        return await db.migrate()
    finally:
        await db.close()


async def open_database(path: str | os.PathLike[str]) -> Database:
    """Open and migrate the database at ``path`` (what :mod:`bot.app` calls at startup)."""
    return await Database.open(path)
