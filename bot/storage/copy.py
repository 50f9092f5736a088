"""``python -m bot migrate --copy-to postgresql://...``: move a SQLite database to PostgreSQL.

The operator's path off one machine. Both sides are brought to the latest schema first; then, in
one PostgreSQL transaction (under an advisory lock, so two copies cannot interleave), every table
of the SQLite database is copied in foreign-key order with ``COPY``, and the row count of each
table is compared with the source before committing. A target that already holds the bot's data
(or tables of something else) is refused: the copy never merges into or overwrites anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg

from bot.storage.database import Database, StorageError
from bot.storage.postgres import CONNECTION_ERRORS, PostgresDatabase, explain
from bot.storage.sqlite import SQLiteDatabase

if TYPE_CHECKING:
    from bot.storage.postgres import Conn


@dataclass(frozen=True, slots=True)
class CopyReport:
    #: Rows copied per table, in the order they were copied.
    tables: dict[str, int]
    schema_version: int

    @property
    def rows(self) -> int:
        """Rows copied, by table."""
        return sum(self.tables.values())


async def _in_dependency_order(source: SQLiteDatabase) -> list[str]:
    """The source's tables, each after the tables it refers to."""
    names = await source.table_names()
    refers = {name: await source.foreign_keys(name) for name in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and refers[n] <= {*ordered, n}]
        if not ready:  # pragma: no cover - a foreign-key cycle; none in the bot's schema
            ready = [n for n in names if n not in ordered]
        ordered.extend(sorted(ready))
    return ordered


async def copy_sqlite_to_postgres(source_path: str | os.PathLike[str], target_url: str) -> CopyReport:
    """Copy the SQLite database at ``source_path`` into the empty PostgreSQL database at
    ``target_url``. Raises :class:`StorageError` (nothing copied) with a plain message."""
    source = await Database.open(source_path)
    try:
        assert isinstance(source, SQLiteDatabase)
        target = await Database.open(target_url)
        try:
            assert isinstance(target, PostgresDatabase)
            return await _copy(source, target)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(source: SQLiteDatabase, target: PostgresDatabase) -> CopyReport:
    version = await source.user_version()
    if version != await target.user_version():  # pragma: no cover - both were just migrated
        raise StorageError("the source and the target are at different schema versions")
    tables = await _in_dependency_order(source)
    source_columns = {table: await source.columns(table) for table in tables}
    ours = set(tables)
    counts: dict[str, int] = {}
    try:
        async with target.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('from_below.copy.' || current_schema()))")
            present = await target_tables(conn)
            foreign = sorted(set(present) - ours)
            if foreign:
                raise StorageError(
                    f"the target database has tables this bot did not create ({', '.join(foreign[:5])}): "
                    "copy into an empty database (or its own schema, with ?search_path=... in the URL)"
                )
            missing = sorted(ours - set(present))
            if missing:  # pragma: no cover - the same migrations made both
                raise StorageError(f"the target has no table {missing[0]}: is it the same version of the bot?")
            filled = {t: n for t in tables if (n := await conn.fetchval(f'SELECT count(*) FROM "{t}"'))}
            if filled:
                summary = ", ".join(f"{t}: {n} row(s)" for t, n in filled.items())
                raise StorageError(
                    f"the target database is not empty ({summary}); --copy-to only copies into an empty database, "
                    "so nothing was copied"
                )
            async with source.transaction() as read:  # one consistent snapshot of the source
                for table in tables:
                    columns = source_columns[table]
                    target_columns = set(await _target_columns(conn, table))
                    if not set(columns) <= target_columns:  # pragma: no cover - same migrations
                        raise StorageError(f"the target's table {table} lacks columns of the source")
                    quoted = ", ".join(f'"{c}"' for c in columns)
                    rows = await read.fetchall(f'SELECT {quoted} FROM "{table}"')
                    records = [tuple(r.values()) for r in rows]
                    if records:
                        await conn.copy_records_to_table(table, records=records, columns=columns)
                    copied = await conn.fetchval(f'SELECT count(*) FROM "{table}"')
                    if copied != len(records):  # pragma: no cover - COPY is all or nothing
                        raise StorageError(f"{table}: copied {copied} row(s) of {len(records)}; nothing was kept")
                    counts[table] = int(copied)
    except CONNECTION_ERRORS as exc:
        raise StorageError(
            f"lost the connection to PostgreSQL during the copy ({explain(exc)}); nothing was kept"
        ) from exc
    except asyncpg.PostgresError as exc:
        raise StorageError(f"PostgreSQL refused the copy ({explain(exc)}); nothing was kept") from exc
    return CopyReport(tables=counts, schema_version=version)


async def target_tables(conn: Conn) -> list[str]:
    """The tables the bot made in the target database (to refuse a target that is not empty)."""
    rows = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'"
    )
    return [str(r["table_name"]) for r in rows]


async def _target_columns(conn: Conn, table: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
        table,
    )
    return [str(r["column_name"]) for r in rows]
