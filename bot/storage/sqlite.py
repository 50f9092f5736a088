"""The SQLite engine (the default): one aiosqlite connection, WAL, online backups.

* One :class:`aiosqlite.Connection` per process, in autocommit mode (``isolation_level=None``),
  with WAL journaling, ``synchronous = FULL`` (a claimed day survives a power cut, so it can
  never be posted twice), foreign keys on and a busy timeout.
* All statements go through :class:`SQLiteDatabase`, which serialises them with an
  :class:`asyncio.Lock`: on a shared connection, another task's statement must never land inside
  someone else's open transaction.
* Each migration is applied in its own ``BEGIN IMMEDIATE`` transaction together with
  ``PRAGMA user_version = NNNN``; the version is read again inside that transaction, so two
  processes migrating one file at once apply each migration exactly once. Before upgrading a
  database that already has data, a copy is saved next to it (``<name>.pre-vN.bak``) with SQLite's
  online backup, so an upgrade can never lose settings. A database newer than this code is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Awaitable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import aiosqlite

from bot.storage.database import (
    MEMORY,
    Database,
    Dialect,
    Params,
    Row,
    StorageError,
    StorageUnavailableError,
    T,
    Transaction,
    migrations,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


def _row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    return Row(zip([d[0] for d in cursor.description], values, strict=True))


def split_statements(script: str) -> list[str]:
    """The complete SQL statements of ``script``, in order (comments and blank lines dropped)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = pending.strip()
            if statement.rstrip(";").strip():
                statements.append(statement)
            pending = ""
    if pending.strip() and not all(part.strip().startswith("--") or not part.strip() for part in pending.splitlines()):
        statements.append(pending.strip())
    return statements


class SQLiteTransaction(Transaction):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._conn.execute(sql, params)
        count = cursor.rowcount
        await cursor.close()
        return count

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()  # type: ignore[assignment]
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())  # type: ignore[arg-type]


class SQLiteDatabase(Database):
    """The process's single SQLite connection."""

    dialect: ClassVar[Dialect] = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._tx = SQLiteTransaction(conn)
        self.path = path
        self.label = path
        self._lock = asyncio.Lock()
        self._closed = False

    # --- lifecycle -----------------------------------------------------------------------

    @classmethod
    async def _open(cls, target: str | os.PathLike[str], *, migrate: bool) -> Database:
        """Open (creating parent folders and the file) and, by default, migrate to the latest schema."""
        location = os.fspath(target)
        if location != MEMORY:
            location = await asyncio.to_thread(_prepare_path, location)
        conn = await aiosqlite.connect(location, isolation_level=None)
        try:
            conn.row_factory = _row  # type: ignore[assignment]
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

    # --- statements ----------------------------------------------------------------------

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._lock:
            return await _busy(self._tx.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self._lock:
            await _busy(self._tx.executemany(sql, rows))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        async with self._lock:
            return await _busy(self._tx.fetchone(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock:
            return await _busy(self._tx.fetchall(sql, params))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception, cancellation included)."""
        async with self._lock:
            await _busy(self._conn.execute("BEGIN IMMEDIATE"))
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
        steps = migrations(self.dialect)
        goal = len(steps) if target is None else target
        start = await self.user_version()
        self._check_not_newer(start, len(steps))
        pending = [m for m in steps if start < m.version <= goal]
        if not pending:
            return (start, start)
        if start > 0 and self.path != MEMORY:
            # A separate connection: in WAL mode it reads the last committed state without
            # waiting for (or blocking) another process that may be migrating right now.
            copy = await backup_database(self.path, f"{self.path}.pre-v{pending[-1].version}.bak")
            log.info("saved a copy of the database before upgrading: %s", copy)
        reached = start
        for migration in pending:
            async with self._lock:
                await _busy(self._conn.execute("BEGIN IMMEDIATE"))
                try:
                    # Read again under the write lock: another process may have migrated meanwhile.
                    async with self._conn.execute("PRAGMA user_version") as cursor:
                        row = await cursor.fetchone()
                    current = int(row[0]) if row is not None else 0
                    self._check_not_newer(current, len(steps))
                    if current >= migration.version:
                        await self._conn.execute("ROLLBACK")
                        reached = current
                        continue
                    for statement in split_statements(migration.sql):
                        await self._conn.execute(statement)
                    await self._conn.execute(f"PRAGMA user_version = {migration.version}")
                    await self._conn.execute("COMMIT")
                except BaseException as exc:
                    if self._conn.in_transaction:
                        await asyncio.shield(self._conn.execute("ROLLBACK"))
                    if isinstance(exc, sqlite3.Error):
                        raise StorageError(f"migration {migration.version:04d}_{migration.name} failed: {exc}") from exc
                    raise
            reached = migration.version
            log.info("database migrated to version %d (%s)", migration.version, migration.name)
        return (start, reached)

    # --- operations ----------------------------------------------------------------------

    async def table_names(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [str(r["name"]) for r in rows]

    async def foreign_keys(self, table: str) -> set[str]:
        """The tables ``table`` refers to."""
        rows = await self.fetchall(f"SELECT DISTINCT \"table\" FROM pragma_foreign_key_list('{table}')")
        return {str(r[0]) for r in rows}

    async def columns(self, table: str) -> list[str]:
        """The column names of ``table``, in order."""
        rows = await self.fetchall(f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
        return [str(r["name"]) for r in rows]

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


async def _busy(work: Awaitable[T]) -> T:
    """Await ``work``; a database still locked by another process after the busy timeout is
    :class:`StorageUnavailableError` (try again later), not a crash."""
    try:
        result: T = await work
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StorageUnavailableError(f"the database is busy (locked by another process): {exc}") from exc
        raise
    return result


def _finish_copy(copy: sqlite3.Connection) -> None:
    row = copy.execute("PRAGMA integrity_check").fetchone()
    if row is None or row[0] != "ok":
        raise StorageError(f"the backup copy failed its integrity check: {row[0] if row else 'no answer'}")
    # A single self-contained file: no -wal/-shm companions needed to read the copy.
    copy.execute("PRAGMA journal_mode = DELETE")


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
