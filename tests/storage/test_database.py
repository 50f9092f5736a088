"""Opening, pragmas, migrations (including from the first schema), transactions and backups."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

import bot.storage.database as database_module
from bot.core.scheduling import Schedule
from bot.storage import (
    Database,
    SettingsRepository,
    StorageError,
    backup_database,
    latest_version,
    migrate_database,
)
from bot.storage.database import Migration, load_migrations, migrations
from bot.storage.posts import PostsRepository

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


async def test_open_creates_folders_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "bot.sqlite3"
    db = await Database.open(path)
    try:
        assert path.is_file()
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
        assert (await db.fetchone("PRAGMA busy_timeout"))[0] == 5000  # type: ignore[index]
        assert (await db.fetchone("PRAGMA synchronous"))[0] == 2  # type: ignore[index]  # FULL
        assert await db.user_version() == latest_version() >= 2
    finally:
        await db.close()


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
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


async def _first_schema_database(path: Path) -> None:
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


async def test_upgrade_from_the_first_schema_keeps_settings(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await _first_schema_database(path)

    db = await Database.open(path)  # migrates at startup
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

    # A copy of the version-1 database was kept before upgrading.
    saved = tmp_path / f"bot.sqlite3.pre-v{latest_version()}.bak"
    with sqlite3.connect(saved) as copy:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == 1
        assert copy.execute("SELECT channel_id FROM schedules").fetchone()[0] == 555


async def test_reopening_a_current_database_changes_nothing(db: Database, tmp_path: Path) -> None:
    assert await db.migrate() == (latest_version(), latest_version())


async def test_migrate_database_for_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "new" / "bot.sqlite3"
    assert await migrate_database(path) == (0, latest_version())
    assert await migrate_database(path) == (latest_version(), latest_version())


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    await db.execute("PRAGMA user_version = 99")
    await db.close()
    with pytest.raises(StorageError, match="newer"):
        await Database.open(path)


async def test_a_failing_migration_rolls_back_completely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    await SettingsRepository(db).save(Schedule(guild_id=1, channel_id=2), at=NOW)
    await db.close()
    broken = Migration(latest_version() + 1, "broken", "CREATE TABLE half_done (x INTEGER);\nSELECT * FROM nowhere;")
    monkeypatch.setattr(database_module, "migrations", lambda: (*load_migrations(), broken))
    with pytest.raises(StorageError, match="broken"):
        await Database.open(path)
    monkeypatch.undo()
    db = await Database.open(path)
    try:
        assert await db.user_version() == latest_version()
        assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'half_done'") is None
        assert await SettingsRepository(db).get(1) is not None
    finally:
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


async def test_backup_while_writing_is_consistent(db: Database, tmp_path: Path) -> None:
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


async def test_backup_into_a_folder_and_from_the_open_connection(db: Database, tmp_path: Path) -> None:
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


async def test_backup_refuses_a_missing_database_or_itself(tmp_path: Path, db: Database) -> None:
    with pytest.raises(StorageError, match="no database"):
        await backup_database(tmp_path / "missing.sqlite3", tmp_path / "copy.sqlite3")
    with pytest.raises(StorageError, match="itself"):
        await backup_database(db.path, db.path)
