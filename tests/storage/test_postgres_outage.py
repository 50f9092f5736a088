"""PostgreSQL going away and coming back, through a real TCP proxy on loopback that is cut and
restored: nothing already saved is lost, work in progress during a short cut completes, a long
cut is a clear :class:`StorageUnavailableError`, and the pool reconnects by itself."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from bot.core.scheduling import Schedule
from bot.storage import (
    ConnectionLostError,
    Database,
    PostgresDatabase,
    PostsRepository,
    SettingsRepository,
    StorageError,
    StorageUnavailableError,
    Transaction,
)
from tests.pgtest import create_schema, drop_schema, server_url, with_params
from tests.tcpproxy import TcpProxy

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 6, 1)


def through(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return parts._replace(netloc=f"{userinfo}127.0.0.1:{port}").geturl()


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[TcpProxy, str]]:
    """A proxy in front of the test server, and a URL (with a fresh schema) through it."""
    url = await server_url()
    parts = urlsplit(url)
    proxy = await TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    schema = await create_schema(url)
    try:
        yield proxy, with_params(through(url, proxy.port), search_path=schema)
    finally:
        await proxy.close()
        await drop_schema(url, schema)


def schedule(guild: int) -> Schedule:
    return Schedule(guild_id=guild, channel_id=1000 + guild, post_time=dt.time(7, 30), timezone="Europe/Berlin")


async def test_a_cut_connection_is_reestablished_and_loses_nothing(proxied: tuple[TcpProxy, str]) -> None:
    proxy, url = proxied
    db = await Database.open(url)
    try:
        settings, posts = SettingsRepository(db), PostsRepository(db)
        await settings.save(schedule(1), at=NOW)
        assert await posts.claim((1, 1), DAY, at=NOW, entry_ids=["a"]) is True

        # Cut: every pooled connection dies. Work started now waits for the network to return.
        proxy.cut()
        saving = asyncio.create_task(settings.save(schedule(2), at=NOW))
        claiming = asyncio.create_task(posts.claim((1, 1), DAY + dt.timedelta(days=1), at=NOW, entry_ids=["b"]))
        reading = asyncio.create_task(settings.get(1))
        await asyncio.sleep(0.5)
        assert [saving.done(), claiming.done(), reading.done()] == [False, False, False]
        proxy.restore()
        await asyncio.wait_for(asyncio.gather(saving, claiming, reading), 10)
        assert claiming.result() is True
        assert reading.result() == schedule(1)

        # Nothing was lost or doubled: both settings, both claims, and the old claim still holds.
        assert await settings.get(1) == schedule(1)
        assert await settings.get(2) == schedule(2)
        assert await posts.claim((1, 1), DAY, at=NOW) is False
        claims = await posts.open_claims()
        assert [(c.key, c.local_date) for c in claims] == [((1, 1), DAY), ((1, 1), DAY + dt.timedelta(days=1))]
        assert await posts.entry_ids((1, 1), DAY + dt.timedelta(days=1)) == ("b",)
    finally:
        await db.close()


async def test_a_long_cut_is_storage_unavailable_then_recovers(proxied: tuple[TcpProxy, str]) -> None:
    proxy, url = proxied
    db = await Database.open(url)
    assert isinstance(db, PostgresDatabase)
    db.retry_for = 0.6
    try:
        await SettingsRepository(db).save(schedule(1), at=NOW)
        proxy.cut()
        with pytest.raises(StorageUnavailableError, match=r"cannot reach PostgreSQL at 127\.0\.0\.1:\d+/"):
            await SettingsRepository(db).get(1)
        with pytest.raises(StorageUnavailableError):
            await PostsRepository(db).claim((1, 1), DAY, at=NOW)
        proxy.restore()
        # The failed claim saved nothing, so the day can still be claimed, once.
        assert await PostsRepository(db).claim((1, 1), DAY, at=NOW) is True
        assert await PostsRepository(db).claim((1, 1), DAY, at=NOW) is False
        assert await SettingsRepository(db).get(1) == schedule(1)
    finally:
        await db.close()


async def test_a_transaction_cut_before_commit_is_rolled_back_and_run_again(proxied: tuple[TcpProxy, str]) -> None:
    proxy, url = proxied
    db = await Database.open(url)
    runs = 0
    try:
        await SettingsRepository(db).save(schedule(1), at=NOW)

        async def work(tx: Transaction) -> int:
            nonlocal runs
            runs += 1
            await tx.execute("UPDATE schedules SET timezone = 'Asia/Tokyo' WHERE guild_id = 1")
            if runs == 1:  # the link drops in the middle of the first run
                proxy.cut()
                asyncio.get_running_loop().call_later(0.3, proxy.restore)
            return await tx.execute("UPDATE schedules SET post_time = '06:15' WHERE guild_id = 1")

        assert await db.run_transaction(work) == 1
        assert runs == 2
        saved = await SettingsRepository(db).get(1)
        assert saved is not None
        assert (saved.timezone, saved.post_time) == ("Asia/Tokyo", dt.time(6, 15))

        # A plain transaction cannot be re-run: it says so, and nothing of it was saved.
        async def cut_inside_a_transaction() -> None:
            async with db.transaction() as tx:
                await tx.execute("UPDATE schedules SET timezone = 'UTC' WHERE guild_id = 1")
                proxy.cut()
                asyncio.get_running_loop().call_later(0.3, proxy.restore)
                await tx.execute("UPDATE schedules SET post_time = '23:00' WHERE guild_id = 1")

        with pytest.raises(ConnectionLostError) as lost:
            await cut_inside_a_transaction()
        assert lost.value.saved is False
        assert "nothing was saved" in str(lost.value)
        again = await SettingsRepository(db).get(1)
        assert again is not None
        assert again.timezone == "Asia/Tokyo"
    finally:
        await db.close()


async def test_unreachable_at_open_is_storage_unavailable(proxied: tuple[TcpProxy, str]) -> None:
    proxy, url = proxied
    proxy.cut()
    with pytest.raises(StorageUnavailableError, match="cannot reach PostgreSQL"):
        await Database.open(url)
    proxy.restore()
    db = await Database.open(url)
    await db.close()


async def test_a_wrong_database_name_is_a_configuration_error_not_an_outage() -> None:
    url = await server_url()
    parts = urlsplit(url)
    wrong = parts._replace(path="/no_such_database_for_from_below").geturl()
    with pytest.raises(StorageError, match="refused the connection") as caught:
        await Database.open(wrong)
    assert not isinstance(caught.value, StorageUnavailableError)
