"""Opening, pragmas, migrations (including from the first schema), transactions and backups."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import asyncpg
import pytest

import bot.storage.postgres as postgres_module
import bot.storage.sqlite as sqlite_module
from bot.core.scheduling import Schedule
from bot.storage import (
    Database,
    SettingsRepository,
    StorageError,
    backup_database,
    latest_version,
    migrate_database,
)
from bot.storage.database import (
    MIGRATIONS_DIR,
    Dialect,
    Migration,
    load_dialect_migrations,
    load_migrations,
    migrations,
)
from bot.storage.posts import PostsRepository

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


async def test_open_creates_folders_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "bot.sqlite3"
    db = await Database.open(path)
    try:
        assert path.is_file()
        assert (await db.fetchone("PRAGMA journal_mode"))["journal_mode"] == "wal"  # type: ignore[index]
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
        assert (await db.fetchone("PRAGMA busy_timeout"))[0] == 5000  # type: ignore[index]
        assert (await db.fetchone("PRAGMA synchronous"))[0] == 2  # type: ignore[index]  # FULL
        assert await db.user_version() == latest_version() >= 2
    finally:
        await db.close()


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises((sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)):
        await PostsRepository(db).claim((1, 1), dt.date(2026, 6, 1), at=NOW)


def test_migration_files_are_numbered_without_gaps(tmp_path: Path) -> None:
    assert [m.version for m in migrations()] == list(range(1, latest_version() + 1))
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(StorageError, match="without gaps"):
        load_migrations(tmp_path)
    (tmp_path / "2_bad.sql").write_text("")
    with pytest.raises(StorageError, match="NNNN_name"):
        load_migrations(tmp_path)


def test_every_engine_has_the_same_migrations() -> None:
    """The PostgreSQL folder only replaces shared files (same number, same name): both engines
    always reach the same version. Add a new migration to migrations/ (and migrations/postgres/
    with the same name when PostgreSQL needs other SQL)."""
    sqlite_steps = migrations("sqlite")
    postgres_steps = migrations("postgresql")
    assert [(m.version, m.name) for m in postgres_steps] == [(m.version, m.name) for m in sqlite_steps]
    for special in (MIGRATIONS_DIR / "postgres").glob("*.sql"):
        assert (MIGRATIONS_DIR / special.name).is_file(), special.name


def test_a_dialect_file_without_a_shared_counterpart_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / "0001_a.sql").write_text("SELECT 2;")
    assert [m.sql for m in load_dialect_migrations("postgresql", tmp_path)] == ["SELECT 2;"]
    assert [m.sql for m in load_dialect_migrations("sqlite", tmp_path)] == ["SELECT 1;"]
    (tmp_path / "postgres" / "0002_b.sql").write_text("SELECT 3;")
    with pytest.raises(StorageError, match="no shared counterpart"):
        load_dialect_migrations("postgresql", tmp_path)


async def test_discord_ids_are_64_bit_on_postgres(pg_target: str) -> None:
    """A migration shared with SQLite that says INTEGER would make a 32-bit id column here."""
    db = await Database.open(pg_target)
    try:
        rows = await db.fetchall(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name IN "
            "('guild_id', 'channel_id', 'role_id', 'message_id', 'user_id')"
        )
        assert rows
        assert {(r["table_name"], r["column_name"]): r["data_type"] for r in rows} == {
            (r["table_name"], r["column_name"]): "bigint" for r in rows
        }
    finally:
        await db.close()


async def _first_schema_database(path: str) -> None:
    """A database as the first release made it, with settings and history in it."""
    db = await Database.open(path, migrate=False)
    try:
        assert await db.migrate(target=1) == (0, 1)
        assert await db.user_version() == 1
        await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (10, '2026-01-01T00:00:00+00:00')")
        await db.execute(
            "INSERT INTO schedules (guild_id, schedule_id, channel_id, post_time, timezone, weekdays, enabled, "
            "role_id, empty_day, packs, updated_at) VALUES (10, 1, 555, '07:45', 'Europe/Berlin', 31, 1, 777, "
            "'week', '[\"core\", \"strikes\"]', '2026-01-01T00:00:00+00:00')"
        )
        await db.execute(
            "INSERT INTO post_log (guild_id, schedule_id, local_date, status, entry_id, message_id, claimed_at, "
            "posted_at) VALUES (10, 1, '2026-05-31', 'sent', 'kronstadt-1921', 999, "
            "'2026-05-31T05:45:00+00:00', '2026-05-31T05:45:01+00:00')"
        )
        await db.set_meta("tree-hash", "abc")
    finally:
        await db.close()


async def test_upgrade_from_the_first_schema_keeps_settings(database_target: str, backend: str) -> None:
    await _first_schema_database(database_target)

    db = await Database.open(database_target)  # migrates at startup
    try:
        assert await db.user_version() == latest_version()
        schedule = await SettingsRepository(db).get(10)
        assert schedule == Schedule(
            guild_id=10,
            schedule_id=1,
            channel_id=555,
            post_time=dt.time(7, 45),
            timezone="Europe/Berlin",
            weekdays=frozenset(range(5)),
            enabled=True,
            role_id=777,
            empty_day="week",
            packs=frozenset({"core", "strikes"}),
        )
        posts = PostsRepository(db)
        last = await posts.last_post((10, 1))
        assert last is not None
        assert (last.status, last.message_id, last.entry_id, last.attempts) == ("sent", 999, "kronstadt-1921", 0)
        # History moved into the new table.
        recent = await posts.recent_entry_ids(10, dt.date(2026, 4, 1), dt.date(2026, 6, 1))
        assert recent == {"kronstadt-1921"}
        assert await db.get_meta("tree-hash") == "abc"
    finally:
        await db.close()

    if backend == "sqlite":
        # A copy of the version-1 database was kept before upgrading.
        saved = Path(f"{database_target}.pre-v{latest_version()}.bak")
        with sqlite3.connect(saved) as copy:
            assert copy.execute("PRAGMA user_version").fetchone()[0] == 1
            assert copy.execute("SELECT channel_id FROM schedules").fetchone()[0] == 555


async def test_reopening_a_current_database_changes_nothing(db: Database, tmp_path: Path) -> None:
    assert await db.migrate() == (latest_version(), latest_version())


async def test_migrate_database_for_the_cli(database_target: str) -> None:
    assert await migrate_database(database_target) == (0, latest_version())
    assert await migrate_database(database_target) == (latest_version(), latest_version())


async def _set_version(db: Database, version: int) -> None:
    if db.dialect == "sqlite":
        await db.execute(f"PRAGMA user_version = {version}")
    else:
        await db.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'from_the_future')", (version,))


async def test_a_newer_database_is_refused(database_target: str) -> None:
    db = await Database.open(database_target)
    await _set_version(db, 99)
    await db.close()
    with pytest.raises(StorageError, match="newer"):
        await Database.open(database_target)


async def _table_exists(db: Database, name: str) -> bool:
    return name in await db.table_names()


async def test_a_failing_migration_rolls_back_completely(
    database_target: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await Database.open(database_target)
    await SettingsRepository(db).save(Schedule(guild_id=1, channel_id=2), at=NOW)
    await db.close()
    broken = Migration(latest_version() + 1, "broken", "CREATE TABLE half_done (x INTEGER);\nSELECT * FROM nowhere;")

    def with_broken(dialect: Dialect = "sqlite") -> tuple[Migration, ...]:
        return (*load_dialect_migrations(dialect), broken)

    engine = sqlite_module if backend == "sqlite" else postgres_module
    monkeypatch.setattr(engine, "migrations", with_broken)
    with pytest.raises(StorageError, match="broken"):
        await Database.open(database_target)
    monkeypatch.undo()
    db = await Database.open(database_target)
    try:
        assert await db.user_version() == latest_version()
        assert not await _table_exists(db, "half_done")
        assert await SettingsRepository(db).get(1) is not None
    finally:
        await db.close()


async def test_two_processes_migrating_at_once_apply_each_migration_once(database_target: str) -> None:
    """Four connections (as four processes starting together) open and migrate one new database."""
    await (await Database.open(database_target, migrate=False)).close()  # the file exists (SQLite)
    opened = await asyncio.gather(*(Database.open(database_target) for _ in range(4)))
    try:
        for db in opened:
            assert await db.user_version() == latest_version()
        await SettingsRepository(opened[0]).save(Schedule(guild_id=1, channel_id=2), at=NOW)
        assert await SettingsRepository(opened[3]).get(1) is not None
        if opened[0].dialect == "postgresql":
            rows = await opened[0].fetchall("SELECT version FROM schema_migrations ORDER BY version")
            assert [r["version"] for r in rows] == list(range(1, latest_version() + 1))
    finally:
        for db in opened:
            await db.close()


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    async def fail_inside() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta (key, value, updated_at) VALUES ('k', 'v', 'now')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail_inside()
    assert await db.get_meta("k") is None
    await db.set_meta("k", "v1")
    await db.set_meta("k", "v2")
    assert await db.get_meta("k") == "v2"
    await db.delete_meta("k")
    assert await db.get_meta("k") is None


async def test_memory_database_works(memory_db: Database) -> None:
    assert await memory_db.user_version() == latest_version()


async def test_backup_while_writing_is_consistent(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "data" / "bot.sqlite3")
    try:
        await _backup_while_writing(db, tmp_path)
    finally:
        await db.close()


async def _backup_while_writing(db: Database, tmp_path: Path) -> None:
    settings = SettingsRepository(db)
    for guild in range(1, 51):
        await settings.save(Schedule(guild_id=guild, channel_id=guild * 10), at=NOW)
    stop = asyncio.Event()

    async def keep_writing() -> int:
        n = 0
        while not stop.is_set():
            await db.set_meta(f"k{n}", "x" * 100)
            n += 1
            await asyncio.sleep(0)
        return n

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    target = await backup_database(db.path, tmp_path / "backups" / "copy.sqlite3")
    stop.set()
    written = await writer
    assert written > 0
    assert target == tmp_path / "backups" / "copy.sqlite3"
    assert not (tmp_path / "backups" / "copy.sqlite3.partial").exists()
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("PRAGMA user_version").fetchone()[0] == latest_version()
        assert copy.execute("SELECT count(*) FROM schedules").fetchone()[0] == 50


async def test_backup_into_a_folder_and_from_the_open_connection(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "data" / "bot.sqlite3") as db:
        await _backup_into_a_folder(db, tmp_path)


async def test_backup_on_postgres_points_at_pg_dump(pg_target: str, tmp_path: Path) -> None:
    async with await Database.open(pg_target) as db:
        with pytest.raises(StorageError, match="pg_dump"):
            await db.backup(tmp_path / "copy.sqlite3")


async def _backup_into_a_folder(db: Database, tmp_path: Path) -> None:
    await SettingsRepository(db).save(Schedule(guild_id=1, channel_id=2), at=NOW)
    folder = tmp_path / "backups"
    folder.mkdir()
    target = await backup_database(db.path, folder)
    assert target.parent == folder
    assert target.name.endswith(".sqlite3")
    second = await db.backup(tmp_path / "second.sqlite3")
    for copy_path in (target, second):
        copy = await Database.open(copy_path)
        try:
            assert await SettingsRepository(copy).get(1) is not None
        finally:
            await copy.close()


async def test_backup_refuses_a_missing_database_or_itself(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no database"):
        await backup_database(tmp_path / "missing.sqlite3", tmp_path / "copy.sqlite3")
    async with await Database.open(tmp_path / "bot.sqlite3") as db:
        with pytest.raises(StorageError, match="itself"):
            await backup_database(db.path, db.path)
