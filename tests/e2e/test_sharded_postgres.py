"""Issue 12 end to end: several real bot processes (``python -m bot run``) on ONE PostgreSQL database.

The database is a fresh schema of ``FROM_BELOW_TEST_DATABASE_URL`` (``tests/pgtest.py``: skipped
with the reason when the variable is unset, an error when it is set and the server cannot be
reached). 200 servers in the sharding fake are all due in the same minute (a local time three
minutes ago, so no test waits for a minute boundary); the fan-out is slowed with
``FROM_BELOW_GLOBAL_RATE`` so that a kill or a reshard lands while it is under way.

* Two processes, shards 0 and 1 of 2: every server gets exactly one post, sent by the process that
  owns it; one process is killed with SIGKILL mid-fan-out and started again: still exactly one.
* Resharding from 2 to 4: the four new processes (shard ids 0..3 of 4) start while the two old ones
  are still posting, and both generations post side by side before the old ones stop: no server
  gets two posts, and every post is sent by a process that owns the server under its own plan.

The test covers one local day per server (the time zone is picked away from local midnight), so
"exactly one post" is "exactly one post per local day".
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from fakediscord import FakeDiscord
from fakediscord.sharding import shard_of

from bot.core.scheduling import Schedule
from bot.storage import Database, GuildsRepository, SettingsRepository

from .conftest import BotProcess, SpawnBot
from .test_sharded_bot import posts_per_guild, sent_by, tz_away_from_midnight

SERVERS = 200


async def seed_on(target: str, fake: FakeDiscord, guild_ids: list[int]) -> None:
    """Migrate the database at ``target`` and give every server a schedule due three minutes ago."""
    now = dt.datetime.now(dt.UTC)
    tz = tz_away_from_midnight(now)
    at = (now - dt.timedelta(minutes=3)).astimezone(ZoneInfo(tz)).time().replace(second=0, microsecond=0)
    db = await Database.open(target)
    try:
        guilds, settings = GuildsRepository(db), SettingsRepository(db)
        for gid in guild_ids:
            await guilds.joined(gid, at=now)
            channel = next(iter(fake.state.guilds[gid].channels))
            # "article" on a day without events: something is posted whatever day the test runs.
            await settings.save(
                Schedule(guild_id=gid, channel_id=channel, post_time=at, timezone=tz, empty_day="article"), at=now
            )
    finally:
        await db.close()


async def sent_rows(target: str) -> Counter[int]:
    """Rows marked sent in the shared database, per server."""
    db = await Database.open(target, migrate=False)
    try:
        rows = await db.fetchall("SELECT guild_id FROM post_log WHERE status = 'sent'")
    finally:
        await db.close()
    return Counter(int(r["guild_id"]) for r in rows)


def bulk_servers(fake: FakeDiscord) -> list[int]:
    fake.state.add_bulk_guilds(SERVERS)
    fake.max_concurrency = 16  # every shard in its own identify bucket: no 5 s waits between processes
    guild_ids = [g.id for g in fake.state.guilds.values() if g.name.startswith("Server ")]
    assert len(guild_ids) == SERVERS
    return guild_ids


def env_for(target: str, tmp_path: Path, count: int, shard: int, rate: str) -> dict[str, str]:
    return {
        "FROM_BELOW_DATABASE": target,
        "FROM_BELOW_STATE_DIR": str(tmp_path),  # heartbeats and caches under the test's folder
        "FROM_BELOW_SHARD_COUNT": str(count),
        "FROM_BELOW_SHARD_IDS": str(shard),
        "FROM_BELOW_GLOBAL_RATE": rate,
        "FROM_BELOW_POST_CONCURRENCY": "2",
        "FROM_BELOW_LOG_LEVEL": "DEBUG",  # names every post sent (``sent_by``)
    }


def logs(procs: list[BotProcess]) -> str:
    return "\n".join(f"--- {p.log_path.name}\n{p.log()[-2500:]}" for p in procs)


def assert_one_post_each(fake: FakeDiscord, guild_ids: list[int], sent: Mapping[int, int]) -> None:
    counts = posts_per_guild(fake, guild_ids)
    assert {g: n for g, n in counts.items() if n != 1} == {}, "servers posted to more than once"
    assert set(counts) == set(guild_ids)
    assert {g: n for g, n in sent.items() if n != 1} == {}, "a server's day recorded as sent more than once"
    assert set(sent) == set(guild_ids)


async def stop_all(procs: list[BotProcess]) -> None:
    for proc in procs:
        if proc.proc.returncode is None:
            assert await proc.stop(within=20) == 0, proc.log()[-3000:]
        assert "Traceback" not in proc.log(), proc.log()[-3000:]


async def test_two_processes_on_one_postgresql_post_to_200_servers_exactly_once_even_after_kill_9(
    fake: FakeDiscord, spawn_bot: SpawnBot, pg_target: str, tmp_path: Path
) -> None:
    guild_ids = bulk_servers(fake)
    owner = {g: shard_of(g, 2) for g in guild_ids}
    assert set(Counter(owner.values())) == {0, 1}
    await seed_on(pg_target, fake, guild_ids)
    # 10 requests/s for the bot, so 5/s each: about 20 s for each process's ~100 posts.
    first = await spawn_bot(env=env_for(pg_target, tmp_path, 2, 0, "10"))
    second = await spawn_bot(env=env_for(pg_target, tmp_path, 2, 1, "10"))
    try:
        await fake.wait_for_shards(2, within=90)
    except TimeoutError:
        raise AssertionError(logs([first, second])) from None

    # SIGKILL the first process a few posts into its share: mid-fan-out, claims possibly open.
    await fake.wait_for(lambda: len(sent_by(first.log())) >= 5, within=90, what="the first process's 5th post")
    first.proc.kill()
    await first.proc.wait()
    mine = [g for g in guild_ids if owner[g] == 0]
    assert len(sent_by(first.log())) < len(mine), "the kill came after the fan-out ended: slow it down"

    restarted = await spawn_bot(env=env_for(pg_target, tmp_path, 2, 0, "10"))
    try:
        await fake.wait_for(
            lambda: set(posts_per_guild(fake, guild_ids)) == set(guild_ids), within=180, what="a post in every server"
        )
    except TimeoutError:
        raise AssertionError(logs([restarted, second])) from None
    await asyncio.sleep(3)  # let anything that would post twice do so

    assert_one_post_each(fake, guild_ids, await sent_rows(pg_target))
    by_first = sent_by(first.log()) + sent_by(restarted.log())
    by_second = sent_by(second.log())
    assert all(owner[g] == 0 for g in by_first), by_first
    assert all(owner[g] == 1 for g in by_second), by_second
    assert sorted(by_second) == sorted(g for g in guild_ids if owner[g] == 1)
    # Whatever the killed process sent but could not record is found again, not sent again.
    assert len(set(by_first)) == len(by_first)
    assert set(by_first) <= set(mine)
    await stop_all([restarted, second])
    assert "Traceback" not in first.log()
    assert (tmp_path / "heartbeat-shards-0.json").exists()
    assert (tmp_path / "heartbeat-shards-1.json").exists()


async def test_resharding_from_2_to_4_while_the_old_processes_run_posts_to_no_server_twice(
    fake: FakeDiscord, spawn_bot: SpawnBot, pg_target: str, tmp_path: Path
) -> None:
    guild_ids = bulk_servers(fake)
    await seed_on(pg_target, fake, guild_ids)
    # 4 requests/s for the bot: 2/s for each old process, 1/s for each new one; 200 posts take
    # about 50 s, long enough for the new generation to start while the old one is posting.
    old = [await spawn_bot(env=env_for(pg_target, tmp_path, 2, i, "4")) for i in range(2)]
    try:
        await fake.wait_for_shards(2, within=90)
    except TimeoutError:
        raise AssertionError(logs(old)) from None
    await fake.wait_for(
        lambda: sum(len(sent_by(p.log())) for p in old) >= 10, within=90, what="the old processes' first posts"
    )

    new = [await spawn_bot(env=env_for(pg_target, tmp_path, 4, i, "4")) for i in range(4)]
    try:
        await fake.wait_for_shards(4, within=120)
        # Both generations post side by side: the new ones send a few while the old ones still run.
        await fake.wait_for(
            lambda: sum(len(sent_by(p.log())) for p in new) >= 4, within=120, what="the new processes' first posts"
        )
    except TimeoutError:
        raise AssertionError(logs(old + new)) from None
    assert all(p.proc.returncode is None for p in old), logs(old)
    assert len(posts_per_guild(fake, guild_ids)) < SERVERS, "the old processes finished first: slow the fan-out down"
    old_sent_while_overlapping = sum(len(sent_by(p.log())) for p in old)
    await stop_all(old)  # the end of the reshard: the old generation goes

    try:
        await fake.wait_for(
            lambda: set(posts_per_guild(fake, guild_ids)) == set(guild_ids), within=240, what="a post in every server"
        )
    except TimeoutError:
        raise AssertionError(logs(new)) from None
    await asyncio.sleep(3)  # let anything that would post twice do so

    assert_one_post_each(fake, guild_ids, await sent_rows(pg_target))
    for i, proc in enumerate(old):
        assert all(shard_of(g, 2) == i for g in sent_by(proc.log())), f"old process {i} of 2 posted another's server"
    for i, proc in enumerate(new):
        assert all(shard_of(g, 4) == i for g in sent_by(proc.log())), f"new process {i} of 4 posted another's server"
    by_old = [g for p in old for g in sent_by(p.log())]
    by_new = [g for p in new for g in sent_by(p.log())]
    assert old_sent_while_overlapping >= 10, "the old generation took part"
    assert by_new, "the new generation took part"
    assert sorted(by_old + by_new) == sorted(guild_ids)  # each post named once, by the one process that sent it
    await stop_all(new)
