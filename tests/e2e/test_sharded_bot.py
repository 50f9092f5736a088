"""Issue 12, sharding end to end: the real bot (``python -m bot run``) against the sharding fake.

* One process, two shards (Discord's recommendation): both connect, each answers its own servers'
  commands, ``/about`` names the shard, ``health`` reports both.
* Two processes (``FROM_BELOW_SHARD_IDS`` 0 and 1 of 2) over one SQLite file: every server's
  daily post goes out exactly once, sent by the process that owns the server; one process is
  killed with SIGKILL mid-fan-out and restarted with the same range: still exactly once.
* Bad shard settings stop the bot at once with one line and exit 2; a shard count Discord refuses
  (close 4011) is one line and exit 1, not a traceback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from fakediscord import FakeDiscord
from fakediscord.sharding import shard_of

from bot.core.scheduling import Schedule
from bot.storage import GuildsRepository, SettingsRepository, open_database

from .conftest import REPO_ROOT, SpawnBot
from .scenario_support import CHANNEL_MESSAGES, GLOBAL_COMMANDS, answer, assert_user_safe, message_data

SENT = re.compile(r"daily post for server (\d+) on \S+ sent: message (\d+)")


def fields(body: dict[str, object]) -> dict[str, str]:
    data = message_data(body)  # type: ignore[arg-type]
    assert_user_safe(data)
    return {f["name"]: f["value"] for f in data["embeds"][0]["fields"]}


def heartbeat(path: Path) -> dict[str, object]:
    try:
        data: dict[str, object] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data


def health(beat: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "health", "--file", str(beat)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


async def test_a_small_bot_runs_one_shard_as_discord_recommends(fake: FakeDiscord, spawn_bot: SpawnBot) -> None:
    bot = await spawn_bot()
    try:
        await fake.wait_for_shards(1, within=30)
    except TimeoutError:
        raise AssertionError(bot.log()[-3000:]) from None
    assert fake.state.find_requests("GET", "/gateway/bot")  # asked Discord how many shards
    assert [(r.shard, r.outcome) for r in fake.identify_log] == [([0, 1], "ready")]
    await fake.wait_for_request("PUT", GLOBAL_COMMANDS, within=30)
    guild = fake.state.guild("Reading Circle")
    rec = await fake.slash("about", guild=guild, channel=guild.channel("general").id, user="reader")
    assert fields(await answer(fake, rec, bot))["Shard"] == "0 of 1"
    assert await bot.stop() == 0, bot.log()[-3000:]


async def test_one_process_runs_both_recommended_shards_and_answers_on_each(
    fake: FakeDiscord, spawn_bot: SpawnBot, tmp_path: Path
) -> None:
    fake.state.add_bulk_guilds(20)
    fake.recommended_shards = 2
    bot = await spawn_bot()
    try:
        await fake.wait_for_shards(2, within=60)  # discord.py waits 5 s before the second IDENTIFY
    except TimeoutError:
        raise AssertionError(bot.log()[-3000:]) from None
    assert fake.state.find_requests("GET", "/gateway/bot")
    assert sorted((r.shard_id, r.num_shards) for r in fake.identify_log if r.outcome == "ready") == [(0, 2), (1, 2)]
    await fake.wait_for_request("PUT", GLOBAL_COMMANDS, within=30)

    for shard in (0, 1):
        guild = fake.guilds_of_shard(shard, 2)[0]
        rec = await fake.slash("about", guild=guild, channel=next(iter(guild.channels)), user="owner")
        card = fields(await answer(fake, rec, bot))
        assert card["Shard"] == f"{shard} of 2"
        assert re.fullmatch(r"\d+ ms", card["Latency"]), card["Latency"]
        # The interaction came on the owning shard's connection, and was answered from there.
        session = fake.session_for_guild(guild.id)
        assert session is not None
        assert session.shard == (shard, 2)
        assert fake.dispatched("INTERACTION_CREATE")[-1].conn_id == session.conn.id
    rec = await fake.slash("about", guild=None, channel=None, user="reader")  # a DM: shard 0
    assert fields(await answer(fake, rec, bot))["Shard"] == "0 of 2"

    beat = tmp_path / "heartbeat.json"  # all shards in one process: the usual file
    await fake.wait_for(
        lambda: (
            heartbeat(beat).get("scheduler_tick") is not None
            and all(s.get("connected") for s in dict(heartbeat(beat).get("shards") or {}).values())  # type: ignore[union-attr]
            and len(dict(heartbeat(beat).get("shards") or {})) == 2
        ),  # type: ignore[arg-type]
        within=30,
        what="both shards and a scheduler tick in the heartbeat",
    )
    probe = await asyncio.to_thread(health, beat)
    assert probe.returncode == 0, probe.stdout
    assert "2 of 2 shard(s) connected" in probe.stdout

    assert await bot.stop() == 0, bot.log()[-3000:]
    assert "Traceback" not in bot.log()


# ---------------------------------------------------------------- two processes, one database


def tz_away_from_midnight(now: dt.datetime) -> str:
    """A timezone whose local time is not within 15 minutes after midnight (so "3 minutes ago" is today)."""
    for name in ("UTC", "Asia/Tokyo", "America/New_York"):
        local = now.astimezone(ZoneInfo(name))
        if local.hour or local.minute >= 15:
            return name
    raise AssertionError("unreachable: three timezones cannot all be just past midnight")


async def seed_schedules(database: Path, fake: FakeDiscord, guild_ids: list[int]) -> None:
    """Every given server posts in its #general at a local time 3 minutes ago: due at once."""
    now = dt.datetime.now(dt.UTC)
    tz = tz_away_from_midnight(now)
    at = (now - dt.timedelta(minutes=3)).astimezone(ZoneInfo(tz)).time().replace(second=0, microsecond=0)
    db = await open_database(database)
    try:
        for gid in guild_ids:
            guild = fake.state.guilds[gid]
            await GuildsRepository(db).joined(gid, at=now)
            channel = next(iter(guild.channels))
            # "article" on a day without events: something is posted whatever day the test runs.
            schedule = Schedule(guild_id=gid, channel_id=channel, post_time=at, timezone=tz, empty_day="article")
            await SettingsRepository(db).save(schedule, at=now)
    finally:
        await db.close()


def posts_per_guild(fake: FakeDiscord, guild_ids: list[int]) -> Counter[int]:
    """Messages created in each server's #general (successful POSTs only)."""
    channel_guild = {next(iter(fake.state.guilds[g].channels)): g for g in guild_ids}
    counts: Counter[int] = Counter()
    for req in fake.state.find_requests("POST", CHANNEL_MESSAGES):
        channel = int(req.path_args.get("channel_id", 0))
        if channel in channel_guild and req.status == 200:
            counts[channel_guild[channel]] += 1
    return counts


def sent_by(log: str) -> list[int]:
    return [int(m.group(1)) for m in SENT.finditer(log)]


async def test_two_processes_each_post_only_their_own_servers_exactly_once_even_after_kill_9(
    fake: FakeDiscord, spawn_bot: SpawnBot, tmp_path: Path
) -> None:
    fake.state.add_bulk_guilds(30)
    fake.max_concurrency = 2  # shards 0 and 1 are in separate identify buckets
    guild_ids = [g.id for g in fake.state.guilds.values() if g.name.startswith("Server ")]
    assert len(guild_ids) == 30
    owner = {g: shard_of(g, 2) for g in guild_ids}
    assert set(owner.values()) == {0, 1}
    database = tmp_path / "from-below.sqlite3"
    await seed_schedules(database, fake, guild_ids)
    # A slow fan-out (2 requests/s for the bot, so 0.9/s each) so that a kill lands mid-way.
    env = {
        "FROM_BELOW_SHARD_COUNT": "2",
        "FROM_BELOW_GLOBAL_RATE": "2",
        "FROM_BELOW_LOG_LEVEL": "DEBUG",
        "FROM_BELOW_POST_CONCURRENCY": "2",
    }
    first = await spawn_bot(env={**env, "FROM_BELOW_SHARD_IDS": "0"})
    second = await spawn_bot(env={**env, "FROM_BELOW_SHARD_IDS": "1"})
    procs = {0: first, 1: second}
    try:
        await fake.wait_for_shards(2, within=60)
    except TimeoutError:
        raise AssertionError(first.log()[-2000:] + second.log()[-2000:]) from None
    assert sorted((r.shard_id, r.num_shards) for r in fake.identify_log if r.outcome == "ready") == [(0, 2), (1, 2)]

    # Kill the first process with SIGKILL after a few of its posts: mid-fan-out.
    await fake.wait_for(lambda: len(sent_by(first.log())) >= 3, within=60, what="the first process's 3rd post")
    first.proc.kill()
    await first.proc.wait()
    killed_after = sent_by(first.log())
    mine = [g for g in guild_ids if owner[g] == 0]
    assert len(killed_after) < len(mine), "the kill came after the fan-out ended: slow it down"

    restarted = await spawn_bot(env={**env, "FROM_BELOW_SHARD_IDS": "0"})
    procs[0] = restarted

    def all_posted() -> bool:
        return set(posts_per_guild(fake, guild_ids)) == set(guild_ids)

    try:
        await fake.wait_for(all_posted, within=90, what="a post in every server")
    except TimeoutError:
        raise AssertionError(restarted.log()[-3000:] + second.log()[-3000:]) from None
    await asyncio.sleep(3)  # let anything that would post twice do so

    counts = posts_per_guild(fake, guild_ids)
    assert {g: n for g, n in counts.items() if n != 1} == {}, "servers posted to more than once"
    # Each process sent only its own servers' posts (its log names each one it sent).
    by_first = sent_by(first.log()) + sent_by(restarted.log())
    by_second = sent_by(second.log())
    assert all(owner[g] == 0 for g in by_first), by_first
    assert all(owner[g] == 1 for g in by_second), by_second
    assert sorted(by_second) == sorted(g for g in guild_ids if owner[g] == 1)
    # A post the killed process sent but could not record is found again, not sent again.
    assert set(by_first) <= set(mine)
    assert len(set(by_first)) == len(by_first)
    for proc in procs.values():
        assert await proc.stop() == 0, proc.log()[-3000:]
        assert "Traceback" not in proc.log()
    # Each process wrote its own heartbeat file.
    assert (tmp_path / "heartbeat-shards-0.json").exists()
    assert (tmp_path / "heartbeat-shards-1.json").exists()


# ---------------------------------------------------------------- settings and refusals


async def test_bad_shard_settings_exit_2_with_one_line(fake: FakeDiscord, spawn_bot: SpawnBot) -> None:
    cases = [
        ({"FROM_BELOW_SHARD_COUNT": "2", "FROM_BELOW_SHARD_IDS": "2"}, "shard id 2 does not exist with 2 shard(s)"),
        ({"FROM_BELOW_SHARD_COUNT": "4", "FROM_BELOW_SHARD_IDS": "3-1"}, "is empty"),
        ({"FROM_BELOW_SHARD_COUNT": "4", "FROM_BELOW_SHARD_IDS": "all"}, "'all' is not a shard id"),
        ({"FROM_BELOW_SHARD_IDS": "0-1"}, "FROM_BELOW_SHARD_IDS needs FROM_BELOW_SHARD_COUNT"),
    ]
    for env, words in cases:
        bot = await spawn_bot(env=env)
        code = await asyncio.wait_for(bot.proc.wait(), 30)
        out = bot.log()
        assert code == 2, out
        problems = [line for line in out.splitlines() if line.startswith("  - ")]
        assert len(problems) == 1, out
        assert words in problems[0]
        assert "Traceback" not in out
    assert not fake.identify_log  # none of them got as far as Discord


async def test_a_shard_count_discord_refuses_is_one_line_and_exit_1(
    fake: FakeDiscord, spawn_bot: SpawnBot, tmp_path: Path
) -> None:
    fake.state.add_bulk_guilds(2_501 - len(fake.state.guilds))
    bot = await spawn_bot(env={"FROM_BELOW_SHARD_COUNT": "1"})
    try:
        code = await asyncio.wait_for(bot.proc.wait(), 60)
    except TimeoutError:
        await bot.stop(signal.SIGKILL)
        raise AssertionError(bot.log()[-3000:]) from None
    out = bot.log()
    assert code == 1, out
    assert [(r.shard, r.outcome) for r in fake.identify_log] == [([0, 1], "sharding required")]
    lines = [line for line in out.splitlines() if "4011" in line]
    assert len(lines) == 1, out
    assert lines[0].startswith("Discord closed shard 0 with code 4011: Discord requires more shards"), lines
    assert "FROM_BELOW_SHARD_COUNT" in lines[0]
    assert "Traceback" not in out
    probe = await asyncio.to_thread(health, tmp_path / "heartbeat.json")  # health says why it stopped
    assert probe.returncode == 1
    assert "code 4011" in probe.stdout
