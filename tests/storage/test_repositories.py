"""Settings, the post log (claim idempotency, history) and departures."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path

from bot.core.scheduling import Schedule
from bot.storage import DEPARTURE_GRACE, Database, GuildsRepository, MetaRepository, PostsRepository, SettingsRepository

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 6, 1)


def full_schedule(guild: int = 1, schedule_id: int = 1) -> Schedule:
    return Schedule(
        guild_id=guild,
        schedule_id=schedule_id,
        channel_id=1000 + guild,
        post_time=dt.time(21, 30),
        timezone="Australia/Lord_Howe",
        weekdays=frozenset({0, 2, 6}),
        enabled=True,
        paused_reason=None,
        role_id=42,
        empty_day="article",
        packs=frozenset({"core"}),
        name="daily" if schedule_id == 1 else f"schedule-{schedule_id}",
        tags=frozenset({"strike"}) if schedule_id > 1 else None,
        kind="weekly" if schedule_id == 3 else "daily",
        thread=schedule_id > 1,
    )


# --- settings ------------------------------------------------------------------------------


async def test_settings_round_trip(db: Database) -> None:
    repo = SettingsRepository(db)
    assert await repo.get(1) is None
    assert await repo.get_or_default(1) == Schedule(guild_id=1)
    schedule = full_schedule()
    await repo.save(schedule, at=NOW)
    assert await repo.get(1) == schedule
    changed = dataclasses.replace(schedule, packs=None, role_id=None, enabled=False, empty_day="skip")
    await repo.save(changed, at=NOW)
    assert await repo.get(1) == changed
    assert await repo.get_or_default(1) == changed


async def test_several_schedules_per_server_are_keyed_apart(db: Database) -> None:
    repo = SettingsRepository(db)
    await repo.save(full_schedule(1, 1), at=NOW)
    await repo.save(dataclasses.replace(full_schedule(1, 2), channel_id=9), at=NOW)
    assert [s.schedule_id for s in await repo.for_guild(1)] == [1, 2]
    assert (await repo.get(1, 2)).channel_id == 9  # type: ignore[union-attr]


async def test_active_lists_only_schedules_that_can_post(db: Database) -> None:
    repo = SettingsRepository(db)
    await repo.save(full_schedule(1), at=NOW)
    await repo.save(dataclasses.replace(full_schedule(2), enabled=False), at=NOW)
    await repo.save(dataclasses.replace(full_schedule(3), channel_id=None), at=NOW)
    await repo.save(full_schedule(4), at=NOW)
    await repo.pause((4, 1), "Missing access", at=NOW)
    await repo.save(full_schedule(5), at=NOW)
    await GuildsRepository(db).left(5, at=NOW)
    assert [s.guild_id for s in await repo.active()] == [1]


async def test_pause_keeps_settings_and_records_the_reason(db: Database) -> None:
    repo = SettingsRepository(db)
    await repo.save(full_schedule(), at=NOW)
    await repo.pause((1, 1), "I can't post in that channel", at=NOW)
    paused = await repo.get(1)
    assert paused == dataclasses.replace(full_schedule(), paused_reason="I can't post in that channel")
    assert await repo.last_error((1, 1)) == ("I can't post in that channel", NOW)
    assert await repo.resume((1, 1)) is True
    assert await repo.resume((1, 1)) is False
    assert await repo.get(1) == full_schedule()
    # The last error is still there for /settings show.
    assert await repo.last_error((1, 1)) is not None


# --- post log ------------------------------------------------------------------------------


async def test_claim_is_idempotent_even_when_raced(db: Database) -> None:
    await SettingsRepository(db).save(full_schedule(), at=NOW)
    posts = PostsRepository(db)
    results = await asyncio.gather(*(posts.claim((1, 1), DAY, at=NOW, entry_ids=["a"]) for _ in range(20)))
    assert results.count(True) == 1
    assert await posts.claim((1, 1), DAY + dt.timedelta(days=1), at=NOW) is True


async def test_claim_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path)
    await SettingsRepository(db).save(full_schedule(), at=NOW)
    assert await PostsRepository(db).claim((1, 1), DAY, at=NOW) is True
    await db.close()
    db = await Database.open(path)
    try:
        assert await PostsRepository(db).claim((1, 1), DAY, at=NOW) is False
        claims = await PostsRepository(db).open_claims()
        assert [(c.key, c.local_date, c.status) for c in claims] == [((1, 1), DAY, "claimed")]
    finally:
        await db.close()


async def test_post_lifecycle(db: Database) -> None:
    await SettingsRepository(db).save(full_schedule(), at=NOW)
    posts = PostsRepository(db)
    assert await posts.last_post((1, 1)) is None
    assert await posts.claim((1, 1), DAY, at=NOW, entry_ids=["b", "a", "b"], late=True)
    assert await posts.entry_ids((1, 1), DAY) == ("a", "b")
    assert await posts.record_attempt((1, 1), DAY, "HTTP 503", at=NOW) == 1
    assert await posts.record_attempt((1, 1), DAY, "HTTP 429", at=NOW) == 2
    later = NOW + dt.timedelta(seconds=30)
    await posts.record_sent((1, 1), DAY, 123456789012345678, at=later)
    state = await posts.last_post((1, 1))
    assert state is not None
    assert state.status == "sent"
    assert state.message_id == 123456789012345678
    assert state.posted_at == later
    assert state.attempts == 2
    assert state.late is True
    assert state.entry_id == "b"
    assert state.error == "HTTP 429"
    # A sent post can neither be released nor marked failed.
    assert await posts.release((1, 1), DAY) is False
    await posts.record_failed((1, 1), DAY, "nope", at=NOW)
    assert (await posts.get((1, 1), DAY)).status == "sent"  # type: ignore[union-attr]
    assert await posts.open_claims() == []


async def test_release_and_failure(db: Database) -> None:
    await SettingsRepository(db).save(full_schedule(), at=NOW)
    posts = PostsRepository(db)
    await posts.claim((1, 1), DAY, at=NOW, entry_ids=["a"])
    assert await posts.release((1, 1), DAY) is True
    assert await posts.get((1, 1), DAY) is None
    assert await posts.entry_ids((1, 1), DAY) == ()
    await posts.claim((1, 1), DAY, at=NOW, entry_ids=["a"])
    await posts.record_failed((1, 1), DAY, "gave up", at=NOW)
    state = await posts.get((1, 1), DAY)
    assert state is not None
    assert (state.status, state.error) == ("failed", "gave up")
    assert await posts.claim((1, 1), DAY, at=NOW) is False


async def test_skipped_day_counts_as_done(db: Database) -> None:
    await SettingsRepository(db).save(full_schedule(), at=NOW)
    posts = PostsRepository(db)
    assert await posts.mark_skipped((1, 1), DAY, at=NOW, reason="nothing on this day")
    assert await posts.mark_skipped((1, 1), DAY, at=NOW, reason="again") is False
    assert await posts.claim((1, 1), DAY, at=NOW) is False
    assert await posts.last_dates() == {(1, 1): DAY}


async def test_last_dates_and_recent_ids(db: Database) -> None:
    settings = SettingsRepository(db)
    for guild, schedule_id in [(1, 1), (1, 2), (2, 1)]:
        await settings.save(full_schedule(guild, schedule_id), at=NOW)
    posts = PostsRepository(db)
    for offset in range(0, 70, 5):
        day = DAY - dt.timedelta(days=offset)
        await posts.claim((1, 1), day, at=NOW, entry_ids=[f"e{offset}"])
        await posts.record_sent((1, 1), day, offset + 1, at=NOW)
    await posts.claim((1, 2), DAY - dt.timedelta(days=2), at=NOW, entry_ids=["other-schedule"])
    await posts.claim((1, 2), DAY - dt.timedelta(days=3), at=NOW, entry_ids=["failed-one"])
    await posts.record_failed((1, 2), DAY - dt.timedelta(days=3), "x", at=NOW)
    await posts.claim((2, 1), DAY - dt.timedelta(days=1), at=NOW, entry_ids=["other-server"])

    assert await posts.last_dates() == {
        (1, 1): DAY,
        (1, 2): DAY - dt.timedelta(days=2),
        (2, 1): DAY - dt.timedelta(days=1),
    }
    assert await posts.last_dates(since=DAY - dt.timedelta(days=1)) == {(1, 1): DAY, (2, 1): DAY - dt.timedelta(days=1)}
    recent = await posts.recent_entry_ids(1, DAY - dt.timedelta(days=60), DAY)
    assert recent == {f"e{o}" for o in range(5, 61, 5)} | {"other-schedule"}

    removed = await posts.prune(DAY - dt.timedelta(days=60))
    assert removed == 1  # only the day 65 days back is older than the cut-off
    assert await posts.entry_ids((1, 1), DAY - dt.timedelta(days=65)) == ()


# --- departures ----------------------------------------------------------------------------


async def test_departure_grace_period(db: Database) -> None:
    settings = SettingsRepository(db)
    guilds = GuildsRepository(db)
    posts = PostsRepository(db)
    for guild in (1, 2, 3):
        await settings.save(full_schedule(guild), at=NOW)
        await posts.claim((guild, 1), DAY, at=NOW, entry_ids=["x"])
    assert await guilds.left(1, at=NOW) is True
    assert await guilds.left(1, at=NOW + dt.timedelta(days=5)) is False  # the first departure counts
    assert await guilds.left(2, at=NOW) is True
    assert await guilds.departed() == {1: NOW, 2: NOW}
    # Server 2 comes back within the grace period: the purge is cancelled.
    assert await guilds.joined(2, at=NOW + dt.timedelta(days=10)) is True
    assert await guilds.purge_departed(NOW + DEPARTURE_GRACE - dt.timedelta(seconds=1)) == []
    assert await settings.get(1) is not None
    assert await guilds.purge_departed(NOW + DEPARTURE_GRACE) == [1]
    assert await settings.get(1) is None
    assert await posts.last_post((1, 1)) is None
    assert await settings.get(2) == full_schedule(2)
    assert await settings.get(3) == full_schedule(3)
    assert [s.guild_id for s in await settings.active()] == [2, 3]


async def test_reconcile_after_connecting(db: Database) -> None:
    settings = SettingsRepository(db)
    guilds = GuildsRepository(db)
    for guild in (1, 2, 3):
        await settings.save(full_schedule(guild), at=NOW)
    await guilds.left(3, at=NOW)
    departed, returned = await guilds.reconcile([2, 3, 4], at=NOW)
    assert (departed, returned) == ([1], [3])
    assert set(await guilds.departed()) == {1}
    assert await guilds.joined(4, at=NOW) is False


async def test_meta_repository(db: Database) -> None:
    meta = MetaRepository(db)
    assert await meta.get("tree") is None
    await meta.set("tree", "hash1")
    assert await meta.get("tree") == "hash1"
    await meta.delete("tree")
    assert await meta.get("tree") is None


async def test_two_connections_racing_claim_each_day_once(database_target: str) -> None:
    """Two separate connections (two processes' worth: two SQLite connections, or two asyncpg
    pools) race to claim the same 50 days for one server: each day is won exactly once."""
    first = await Database.open(database_target)
    second = await Database.open(database_target)
    try:
        await SettingsRepository(first).save(full_schedule(), at=NOW)
        days = [DAY + dt.timedelta(days=i) for i in range(50)]
        a, b = PostsRepository(first), PostsRepository(second)
        results = await asyncio.gather(
            *(repo.claim((1, 1), day, at=NOW, entry_ids=[f"e{day}"]) for day in days for repo in (a, b, a, b))
        )
        won = [sum(results[i * 4 : i * 4 + 4]) for i in range(len(days))]
        assert won == [1] * len(days)
        assert len(await b.open_claims()) == len(days)
        for day in days:
            assert await a.entry_ids((1, 1), day) == (f"e{day}",)
    finally:
        await first.close()
        await second.close()


async def test_last_post_can_pass_over_skips_written_for_a_reason(db: Database) -> None:
    await SettingsRepository(db).save(full_schedule(), at=NOW)
    posts = PostsRepository(db)
    assert await posts.claim((1, 1), DAY, at=NOW)
    await posts.record_sent((1, 1), DAY, 42, at=NOW)
    next_day = DAY + dt.timedelta(days=1)
    await posts.mark_skipped((1, 1), next_day, at=NOW, reason="moved by a settings change")
    assert (await posts.last_post((1, 1))).status == "skipped"  # type: ignore[union-attr]
    shown = await posts.last_post((1, 1), except_skipped_for="moved by a settings change")
    assert shown is not None
    assert (shown.local_date, shown.status, shown.message_id) == (DAY, "sent", 42)
    # A skip for any other reason (nothing to post that day) is still the last post.
    await posts.mark_skipped((1, 1), next_day + dt.timedelta(days=1), at=NOW, reason="nothing that day")
    other = await posts.last_post((1, 1), except_skipped_for="moved by a settings change")
    assert other is not None
    assert other.status == "skipped"
