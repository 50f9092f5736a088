"""Migration 0003 (named schedules) on a database made by the schema before it (version 2), on
each engine (SQLite, and PostgreSQL when ``FROM_BELOW_TEST_DATABASE_URL`` is set)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

import asyncpg
import pytest

from bot.core.scheduling import Schedule
from bot.storage import Database, PostsRepository, SettingsRepository, latest_version

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
JOINED = "2026-01-01T00:00:00+00:00"


async def _version_2_database(path: str) -> None:
    """Two servers as version 2 left them: settings (one paused by the bot), a post log, entries."""
    db = await Database.open(path, migrate=False)
    try:
        assert await db.migrate(target=2) == (0, 2)
        for guild in (10, 20):
            await db.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (guild, JOINED))
        await db.execute(
            "INSERT INTO schedules (guild_id, schedule_id, channel_id, post_time, timezone, weekdays, enabled, "
            "role_id, empty_day, packs, last_error, last_error_at, updated_at) VALUES (10, 1, 555, '07:45', "
            "'Europe/Berlin', 31, 1, 777, 'week', '[\"core\", \"strikes\"]', 'Discord was busy', ?, ?)",
            (JOINED, JOINED),
        )
        await db.execute(
            "INSERT INTO schedules (guild_id, schedule_id, channel_id, post_time, timezone, weekdays, enabled, "
            "paused_reason, empty_day, updated_at) VALUES (20, 1, 666, '21:00', 'America/New_York', 127, 1, "
            "'The channel is gone', 'skip', ?)",
            (JOINED,),
        )
        await db.execute(
            "INSERT INTO post_log (guild_id, schedule_id, local_date, status, entry_id, message_id, claimed_at, "
            "posted_at, attempts, late) VALUES (10, 1, '2026-05-31', 'sent', 'kronstadt-1921', 999, "
            "'2026-05-31T05:45:00+00:00', '2026-05-31T05:45:01+00:00', 2, 1)"
        )
        await db.execute(
            "INSERT INTO post_entries (guild_id, schedule_id, local_date, entry_id) VALUES "
            "(10, 1, '2026-05-31', 'kronstadt-1921'), (10, 1, '2026-05-31', 'gdansk-1980')"
        )
        assert await db.user_version() == 2
    finally:
        await db.close()


async def test_every_server_keeps_its_settings_as_its_first_schedule_named_daily(database_target: str) -> None:
    await _version_2_database(database_target)
    db = await Database.open(database_target)
    try:
        assert await db.user_version() == latest_version() >= 3
        settings, posts = SettingsRepository(db), PostsRepository(db)
        assert await settings.for_guild(10) == [
            Schedule(
                guild_id=10,
                schedule_id=1,
                channel_id=555,
                post_time=dt.time(7, 45),
                timezone="Europe/Berlin",
                weekdays=frozenset(range(5)),
                role_id=777,
                empty_day="week",
                packs=frozenset({"core", "strikes"}),
                name="daily",
                kind="daily",
                tags=None,
                thread=False,
            )
        ]
        (other,) = await settings.for_guild(20)
        assert (other.name, other.paused_reason, other.timezone) == ("daily", "The channel is gone", "America/New_York")
        assert await settings.last_error((10, 1)) == ("Discord was busy", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        last = await posts.last_post((10, 1))
        assert last is not None
        assert (last.status, last.message_id, last.attempts, last.late) == ("sent", 999, 2, True)
        assert (last.thread_id, last.thread_error) == (None, None)
        assert await posts.entry_ids((10, 1), dt.date(2026, 5, 31)) == ("gdansk-1980", "kronstadt-1921")

        # A second schedule fits beside the first; names are unique within a server only.
        assert await settings.next_id(10) == 2
        labour = dataclasses.replace(
            (await settings.for_guild(10))[0], schedule_id=2, name="labour", tags=frozenset({"strike"}), thread=True
        )
        await settings.save(labour, at=NOW)
        await settings.save(Schedule(guild_id=20, schedule_id=2, name="labour"), at=NOW)
        with pytest.raises((sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)):
            await settings.save(Schedule(guild_id=10, schedule_id=3, name="labour"), at=NOW)
        assert [s.name for s in await settings.for_guild(10)] == ["daily", "labour"]
        assert (await settings.get(10, 2)) == labour

        # Removing one schedule takes its history with it and leaves the other alone.
        assert await posts.claim((10, 2), dt.date(2026, 6, 1), at=NOW, entry_ids=("kronstadt-1921",))
        assert await settings.delete((10, 2))
        assert await posts.get((10, 2), dt.date(2026, 6, 1)) is None
        assert await posts.get((10, 1), dt.date(2026, 5, 31)) is not None
        assert [s.name for s in await settings.for_guild(10)] == ["daily"]
    finally:
        await db.close()


async def test_one_schedule_never_repeats_an_event_but_two_schedules_may_share_one(db: Database) -> None:
    settings, posts = SettingsRepository(db), PostsRepository(db)
    await settings.save(Schedule(guild_id=1, channel_id=5), at=NOW)
    await settings.save(Schedule(guild_id=1, schedule_id=2, name="labour", channel_id=6), at=NOW)
    day = dt.date(2026, 5, 1)
    assert await posts.claim((1, 1), day, at=NOW, entry_ids=("a",))
    assert await posts.claim((1, 2), day, at=NOW, entry_ids=("b",))
    later = dt.date(2026, 6, 1)
    since = later - dt.timedelta(days=60)
    assert await posts.recent_entry_ids(1, since, later, 1) == {"a"}
    assert await posts.recent_entry_ids(1, since, later, 2) == {"b"}
    assert await posts.recent_entry_ids(1, since, later) == {"a", "b"}
