from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage import Database


@pytest.fixture
async def db(database_target: str) -> AsyncIterator[Database]:
    """A migrated database on each engine: a real SQLite file (WAL needs a file), and a fresh
    PostgreSQL schema when ``FROM_BELOW_TEST_DATABASE_URL`` is set."""
    database = await Database.open(database_target)
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
