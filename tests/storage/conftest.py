from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A real file database (WAL needs a file), migrated to the latest schema."""
    database = await Database.open(tmp_path / "data" / "bot.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def memory_db() -> AsyncIterator[Database]:
    database = await Database.open(":memory:")
    try:
        yield database
    finally:
        await database.close()
