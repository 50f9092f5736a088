"""The PostgreSQL engine: a pool of asyncpg connections, for more than one process or host.

``FROM_BELOW_DATABASE=postgresql://user:password@host:5432/dbname`` selects it. Extra query
parameters of the URL are PostgreSQL settings for every connection (asyncpg's rule), e.g.
``?search_path=from_below`` keeps the bot's tables in their own schema.

* Statements use the repositories' ``?`` placeholders, rewritten once to ``$1, $2, ...``.
* Instants and local dates are stored as ISO-8601 text, as in SQLite (they sort the same way and
  the repositories stay engine-agnostic); Discord ids are ``BIGINT``.
* Migrations run under a session advisory lock (one per schema), each in its own transaction
  with its row in ``schema_migrations``: processes starting together apply each one exactly once.
* A connection that fails is dropped by the pool and a new one is made on the next use. A lone
  statement is sent again (for up to :attr:`PostgresDatabase.retry_for` seconds, with backoff);
  a transaction that lost its connection before ``COMMIT`` is rolled back by the server and
  :meth:`PostgresDatabase.run_transaction` runs it again; one that lost it *during* ``COMMIT`` is
  settled by asking the server (``txid_status``) whether it committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias
from urllib.parse import urlsplit

import asyncpg

from bot.storage.database import (
    ConnectionLostError,
    Database,
    Dialect,
    Params,
    Row,
    StorageError,
    StorageUnavailableError,
    T,
    Transaction,
    migrations,
    redact_url,
)

log = logging.getLogger(__name__)

#: Errors that mean "the connection (or the server) is gone", not "the statement is wrong".
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,  # 08xxx, including ConnectionDoesNotExistError
    asyncpg.InterfaceError,  # "connection is closed", "connection was closed in the middle of operation"
    asyncpg.CannotConnectNowError,  # 57P03: the server is starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: terminating connection due to administrator command
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,  # 53300
)

#: Errors at connect time that waiting will not fix (wrong password, no such database or user).
CONFIGURATION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.InvalidAuthorizationSpecificationError,  # 28000, 28P01 (bad password)
    asyncpg.InvalidCatalogNameError,  # 3D000: the database does not exist
)

#: A connection: a pooled one (what the pool hands out) or a plain one (bulk copies, tests).
if TYPE_CHECKING:  # asyncpg's classes are generic only in its stubs
    from asyncpg.pool import PoolConnectionProxy

    Pooled: TypeAlias = PoolConnectionProxy[asyncpg.Record]
    Conn: TypeAlias = Pooled | asyncpg.Connection[asyncpg.Record]
_CLEANUP_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, asyncpg.PostgresError)

_ROWS_CHANGED = re.compile(r"(\d+)$")
_PLACEHOLDER_SCAN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?")


@functools.lru_cache(maxsize=1024)
def to_numbered(sql: str) -> str:
    """``?`` placeholders as ``$1, $2, ...``; question marks inside quotes and comments stay."""
    counter = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal counter
        if match.group(0) != "?":
            return match.group(0)
        counter += 1
        return f"${counter}"

    return _PLACEHOLDER_SCAN.sub(replace, sql)


def _changed(status: str) -> int:
    """Rows changed, from a command tag such as ``INSERT 0 1`` or ``UPDATE 3``."""
    m = _ROWS_CHANGED.search(status or "")
    return int(m.group(1)) if m else 0


def _row(record: asyncpg.Record) -> Row:
    return Row(record.items())


def endpoint(url: str) -> str:
    """``host:port/dbname`` of ``url``, for messages (never the user or password)."""
    try:
        split = urlsplit(url)
        host = split.hostname or "localhost"
        port = split.port or 5432
        name = split.path.lstrip("/") or "postgres"
    except (ValueError, AttributeError):
        return "the PostgreSQL server"
    return f"{host}:{port}/{name}"


def explain(exc: BaseException) -> str:
    """A short reason for a connection failure (``connection refused``, ``timed out``...)."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


class PostgresTransaction(Transaction):
    def __init__(self, conn: Conn) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _changed(await self._conn.execute(to_numbered(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            await self._conn.executemany(to_numbered(sql), batch)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        record = await self._conn.fetchrow(to_numbered(sql), *params)
        return None if record is None else _row(record)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return [_row(r) for r in await self._conn.fetch(to_numbered(sql), *params)]


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database (and schema)."""

    dialect: ClassVar[Dialect] = "postgresql"

    #: How long (seconds) a statement keeps trying to reach the server before giving up with
    #: :class:`StorageUnavailableError`.
    retry_for: float = 15.0
    #: Seconds to wait for a new connection, and for any one statement's answer.
    connect_timeout: float = 5.0
    command_timeout: float = 30.0
    pool_size: int = 10

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._url = url
        self.label = redact_url(url)
        self.endpoint = endpoint(url)
        self._closed = False
        self._outage_since: float | None = None

    # --- lifecycle -----------------------------------------------------------------------

    @classmethod
    async def _open(cls, target: str | os.PathLike[str], *, migrate: bool) -> Database:
        url = os.fspath(target)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=cls.pool_size,
                timeout=cls.connect_timeout,
                command_timeout=cls.command_timeout,
            )
        except CONFIGURATION_ERRORS as exc:
            raise StorageError(f"PostgreSQL at {endpoint(url)} refused the connection: {explain(exc)}") from exc
        except CONNECTION_ERRORS as exc:
            raise StorageUnavailableError(f"cannot reach PostgreSQL at {endpoint(url)}: {explain(exc)}") from exc
        except (asyncpg.PostgresError, ValueError) as exc:
            raise StorageError(f"cannot use PostgreSQL at {endpoint(url)}: {explain(exc)}") from exc
        db = cls(pool, url)
        try:
            if migrate:
                await db.migrate()
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.wait_for(self._pool.close(), 5.0)
        except CONNECTION_ERRORS:
            self._pool.terminate()

    # --- connections ---------------------------------------------------------------------

    def _unavailable(self, exc: BaseException) -> StorageUnavailableError:
        return StorageUnavailableError(f"cannot reach PostgreSQL at {self.endpoint}: {explain(exc)}")

    def _note_failure(self, exc: BaseException) -> None:
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            log.warning("lost the connection to PostgreSQL at %s (%s); reconnecting", self.endpoint, explain(exc))

    def _note_success(self) -> None:
        if self._outage_since is not None:
            log.info(
                "connected to PostgreSQL at %s again after %.1fs", self.endpoint, time.monotonic() - self._outage_since
            )
            self._outage_since = None

    async def _retrying(self, op: Callable[[Conn], Awaitable[T]]) -> T:
        """``op(conn)`` on a pooled connection, again on a new one while the server cannot be reached."""
        if self._closed:
            raise StorageUnavailableError("the database is closed")
        deadline = time.monotonic() + self.retry_for
        delay = 0.05
        while True:
            try:
                async with self._pool.acquire(timeout=self.connect_timeout) as conn:
                    result = await op(conn)
            except CONNECTION_ERRORS as exc:
                self._note_failure(exc)
                if self._closed or time.monotonic() + delay > deadline:
                    raise self._unavailable(exc) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            self._note_success()
            return result

    # --- statements ----------------------------------------------------------------------

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._retrying(lambda conn: PostgresTransaction(conn).execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(r) for r in rows]
        await self._retrying(lambda conn: PostgresTransaction(conn).executemany(sql, batch))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await self._retrying(lambda conn: PostgresTransaction(conn).fetchone(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._retrying(lambda conn: PostgresTransaction(conn).fetchall(sql, params))

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One transaction on one connection. Raises :class:`ConnectionLostError` when the
        connection dropped: ``saved=False`` when nothing was committed, ``None`` when the server
        could not be asked afterwards."""

        async def begin(conn: Conn) -> int:
            await conn.execute("BEGIN")
            txid: int = await conn.fetchval("SELECT txid_current()")
            return txid

        if self._closed:
            raise StorageUnavailableError("the database is closed")
        deadline = time.monotonic() + self.retry_for
        delay = 0.05
        while True:
            conn: Pooled | None = None
            try:
                conn = await self._pool.acquire(timeout=self.connect_timeout)
                txid = await begin(conn)
                break
            except CONNECTION_ERRORS as exc:
                if conn is not None:
                    await self._release(conn)
                self._note_failure(exc)
                if self._closed or time.monotonic() + delay > deadline:
                    raise self._unavailable(exc) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        self._note_success()
        try:
            try:
                yield PostgresTransaction(conn)
            except BaseException as exc:
                with contextlib.suppress(*_CLEANUP_ERRORS):
                    await asyncio.shield(conn.execute("ROLLBACK"))
                if isinstance(exc, CONNECTION_ERRORS):
                    self._note_failure(exc)
                    raise ConnectionLostError(
                        f"lost the connection to PostgreSQL at {self.endpoint} during a transaction "
                        f"({explain(exc)}); nothing was saved",
                        saved=False,
                    ) from exc
                raise
            try:
                await conn.execute("COMMIT")
            except CONNECTION_ERRORS as exc:
                self._note_failure(exc)
                status = await self._commit_status(txid)
                if status == "committed":
                    log.info("the transaction committed before the connection dropped")
                    return
                raise ConnectionLostError(
                    f"lost the connection to PostgreSQL at {self.endpoint} while committing ({explain(exc)}); "
                    + ("nothing was saved" if status == "aborted" else "it may or may not have been saved"),
                    saved=False if status == "aborted" else None,
                ) from exc
        finally:
            await self._release(conn)

    async def _release(self, conn: Pooled) -> None:
        try:
            await self._pool.release(conn, timeout=self.connect_timeout)
        except _CLEANUP_ERRORS:
            conn.terminate()

    async def _commit_status(self, txid: int) -> str | None:
        """Whether transaction ``txid`` committed (``committed``, ``aborted``), asked on a new
        connection; None if the server cannot be reached within :attr:`retry_for`."""
        try:
            status: str | None = await self._retrying(lambda conn: conn.fetchval("SELECT txid_status($1)", txid))
        except StorageUnavailableError:
            return None
        if status == "in progress":  # the server has not noticed the dead connection yet
            return None
        return status

    async def run_transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        deadline = time.monotonic() + self.retry_for
        delay = 0.05
        while True:
            try:
                async with self.transaction() as tx:
                    return await work(tx)
            except ConnectionLostError as exc:
                if exc.saved is not False or self._closed or time.monotonic() + delay > deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    # --- migrations ----------------------------------------------------------------------

    async def user_version(self) -> int:
        async def read(conn: Conn) -> int:
            exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
            if not exists:
                return 0
            version: int | None = await conn.fetchval("SELECT max(version) FROM schema_migrations")
            return version or 0

        return await self._retrying(read)

    async def migrate(self, target: int | None = None) -> tuple[int, int]:
        steps = migrations(self.dialect)
        goal = len(steps) if target is None else target
        try:
            async with self._pool.acquire(timeout=self.connect_timeout) as conn:
                schema = await conn.fetchval("SELECT current_schema()")
                if schema is None:
                    raise StorageError(
                        "PostgreSQL has no schema to create the bot's tables in: create the schema named in "
                        "search_path (CREATE SCHEMA ...) or remove search_path from the URL"
                    )
                # One migrator per schema at a time; the others wait here, then find nothing to do.
                await conn.execute("SELECT pg_advisory_lock(hashtext('from_below.migrate.' || current_schema()))")
                try:
                    return await self._migrate_locked(conn, steps, goal)
                finally:
                    with contextlib.suppress(*CONNECTION_ERRORS):
                        await conn.execute(
                            "SELECT pg_advisory_unlock(hashtext('from_below.migrate.' || current_schema()))"
                        )
        except CONNECTION_ERRORS as exc:
            raise self._unavailable(exc) from exc

    async def _migrate_locked(self, conn: Conn, steps: tuple[Any, ...], goal: int) -> tuple[int, int]:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        start: int = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
        self._check_not_newer(start, len(steps))
        reached = start
        for migration in steps:
            if not start < migration.version <= goal:
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        migration.version,
                        migration.name,
                    )
            except asyncpg.PostgresError as exc:
                if isinstance(exc, CONNECTION_ERRORS):
                    raise
                raise StorageError(f"migration {migration.version:04d}_{migration.name} failed: {exc}") from exc
            reached = migration.version
            log.info("database migrated to version %d (%s)", migration.version, migration.name)
        return (start, reached)

    # --- operations ----------------------------------------------------------------------

    async def table_names(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name"
        )
        return [str(r["table_name"]) for r in rows]

    async def columns(self, table: str) -> list[str]:
        """The column names of ``table``, in order."""
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [str(r["column_name"]) for r in rows]

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Conn]:
        """A raw pooled connection (for bulk copies)."""
        try:
            async with self._pool.acquire(timeout=self.connect_timeout) as conn:
                yield conn
        except CONNECTION_ERRORS as exc:
            raise self._unavailable(exc) from exc

    async def backup(self, dest: str | os.PathLike[str]) -> Path:
        raise StorageError(
            "the database is PostgreSQL: back it up with pg_dump (e.g. pg_dump --format=custom "
            '--file=from_below.dump "$FROM_BELOW_DATABASE"), and restore with pg_restore'
        )
