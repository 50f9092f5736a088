"""Storage tests on both engines: SQLite (always) and PostgreSQL (``FROM_BELOW_TEST_DATABASE_URL``).

``FROM_BELOW_TEST_DATABASE_URL`` names a scratch PostgreSQL database (CI and the README's test
command use ``postgresql://postgres@127.0.0.1:5432/test``). When it is unset the PostgreSQL
variants are skipped, saying why; when it is set but the server cannot be reached they ERROR,
so CI can never pass by skipping them. Each test gets a schema of its own (``search_path`` in
the URL), dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.storage import redact_url

ENV = "FROM_BELOW_TEST_DATABASE_URL"
SKIP_REASON = (
    f"{ENV} is not set: the PostgreSQL variants of the storage tests are skipped "
    "(set it to a scratch database, e.g. postgresql://postgres@127.0.0.1:5432/test, as .ci/run does)"
)
BACKENDS = ("sqlite", "postgresql")


def with_params(url: str, **params: str) -> str:
    joiner = "&" if "?" in url else "?"
    return url + joiner + "&".join(f"{k}={v}" for k, v in params.items())


async def _ping(url: str) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    await conn.close()


_reachable: dict[str, str | None] = {}


async def server_url() -> str:
    """The test server's URL; skips when unset, fails (an ERROR in a fixture) when unreachable."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        pytest.skip(SKIP_REASON)
    if url not in _reachable:
        try:
            await _ping(url)
            _reachable[url] = None
        except Exception as exc:  # any failure to connect is the same answer: not usable
            _reachable[url] = f"{type(exc).__name__}: {exc}"
    problem = _reachable[url]
    if problem is not None:
        pytest.fail(f"{ENV} is set to {redact_url(url)} but PostgreSQL cannot be used: {problem}", pytrace=False)
    return url


async def create_schema(url: str) -> str:
    name = f"fb_test_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE SCHEMA {name}")
    finally:
        await conn.close()
    return name


async def drop_schema(url: str, name: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def pg_target() -> AsyncIterator[str]:
    """A ``postgresql://`` URL whose ``search_path`` is a new, empty schema (dropped afterwards)."""
    url = await server_url()
    schema = await create_schema(url)
    try:
        yield with_params(url, search_path=schema)
    finally:
        await drop_schema(url, schema)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where a test's database is: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        yield str(tmp_path / "data" / "bot.sqlite3")
    else:
        yield request.getfixturevalue("pg_target")
