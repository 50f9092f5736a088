"""``python -m bot backup``: where the copy goes, and that nothing is ever overwritten."""

from __future__ import annotations

import datetime as dt
import sqlite3
import types
from pathlib import Path

import pytest

from bot.storage import StorageError, backup_database, migrate_database
from bot.storage import sqlite as sqlite_engine

SECOND = dt.datetime(2026, 12, 3, 2, 30, 15, tzinfo=dt.UTC)


class _FrozenDatetime(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _FrozenDatetime:  # type: ignore[override]
        return cls.fromtimestamp(SECOND.timestamp(), tz)


@pytest.fixture
def one_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backup in this test happens in the same second."""
    monkeypatch.setattr(sqlite_engine, "dt", types.SimpleNamespace(UTC=dt.UTC, datetime=_FrozenDatetime))


@pytest.fixture
async def source(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "from_below.sqlite3"
    await migrate_database(path)
    return path


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    return version


async def test_a_folder_with_a_slash_is_made_and_gets_a_dated_name(
    source: Path, tmp_path: Path, one_second: None
) -> None:
    written = await backup_database(source, f"{tmp_path / 'backups'}/")
    assert (tmp_path / "backups").is_dir()
    assert written == tmp_path / "backups" / "from_below-20261203T023015Z.sqlite3"
    assert _version(written) >= 1


async def test_backups_in_the_same_second_never_overwrite_each_other(
    source: Path, tmp_path: Path, one_second: None
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    written = [await backup_database(source, folder) for _ in range(3)]
    assert [p.name for p in written] == [
        "from_below-20261203T023015Z.sqlite3",
        "from_below-20261203T023015Z-2.sqlite3",
        "from_below-20261203T023015Z-3.sqlite3",
    ]
    assert _names(folder) == sorted(p.name for p in written)  # no .partial left
    for path in written:
        assert _version(path) >= 1


async def test_an_existing_file_is_never_overwritten(source: Path, tmp_path: Path) -> None:
    earlier = tmp_path / "backup.sqlite3"
    earlier.write_text("my earlier backup\n", encoding="utf-8")
    with pytest.raises(StorageError, match="already exists and is never overwritten"):
        await backup_database(source, earlier)
    assert earlier.read_text(encoding="utf-8") == "my earlier backup\n"
    assert _names(tmp_path) == ["backup.sqlite3", "data"]


async def test_a_new_file_name_is_written(source: Path, tmp_path: Path) -> None:
    written = await backup_database(source, tmp_path / "new" / "copy.sqlite3")
    assert written == tmp_path / "new" / "copy.sqlite3"
    assert _version(written) >= 1


async def test_a_file_that_is_not_a_database_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("not a database\n", encoding="utf-8")
    with pytest.raises(StorageError, match="could not be copied as a SQLite database"):
        await backup_database(notes, f"{tmp_path / 'out'}/")
    assert _names(tmp_path / "out") == []
    with pytest.raises(StorageError, match="is not a SQLite database"):
        await migrate_database(notes)
    assert notes.read_text(encoding="utf-8") == "not a database\n"
