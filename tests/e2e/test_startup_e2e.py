"""Start-up faults that let the bot run, seen through the real ``python -m bot run`` and the fake Discord.

Issue 16: a dev server the bot is not in, misspelt variables, a full disk and stale temporary
files each cost one clear log line, never the start; the database and content folders are
logged; a rejected token is what ``python -m bot health`` reports.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from fakediscord import FakeDiscord, option

REPO_ROOT = Path(__file__).resolve().parents[2]
#: A well-formed server id of a server the bot is not in (the fake answers 403 Missing Access).
STRANGER_SERVER = "123456789012345678"


def heartbeat(path: Path) -> dict[str, object]:
    try:
        data: dict[str, object] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data


async def wait_connected(fake: FakeDiscord, bot, beat: Path) -> None:  # type: ignore[no-untyped-def]
    await fake.wait_for_ready(within=60)
    await fake.wait_for(lambda: heartbeat(beat).get("connected") is True, within=30, what="connected heartbeat")
    # The start is over once the scheduler has ticked (its READY work done): a stop before that
    # would test shutdown in the middle of start-up, which is not what these tests are about.
    await fake.wait_for(lambda: heartbeat(beat).get("scheduler_tick") is not None, within=60, what="scheduler tick")
    assert bot.proc.returncode is None, bot.log()[-3000:]


def search_files(folder: Path) -> list[str]:
    """The search cache and its temporary files in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if "search-index" in p.name)


def health(beat: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "health", "--file", str(beat)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


async def test_a_dev_server_the_bot_is_not_in_is_a_warning_and_the_bot_runs(
    fake: FakeDiscord, spawn_bot, tmp_path: Path
) -> None:
    assert int(STRANGER_SERVER) not in fake.state.guilds
    bot = await spawn_bot(env={"FROM_BELOW_DEV_GUILD_ID": STRANGER_SERVER})
    await wait_connected(fake, bot, tmp_path / "heartbeat.json")
    route = "/applications/{application_id}/guilds/{guild_id}/commands"
    assert fake.state.find_requests("PUT", route), "the bot did not try the dev server's sync"
    await asyncio.sleep(1)  # anything the refusal would break comes right after it
    assert bot.proc.returncode is None
    code = await bot.stop()
    log = bot.log()
    assert code == 0, log[-3000:]
    assert "Traceback" not in log
    warnings = [line for line in log.splitlines() if "FROM_BELOW_DEV_GUILD_ID" in line]
    assert len(warnings) == 1, log[-3000:]
    assert "WARNING" in warnings[0]
    assert f"FROM_BELOW_DEV_GUILD_ID is {STRANGER_SERVER}" in warnings[0]
    assert "403" in warnings[0]
    assert "Missing Access" in warnings[0]
    assert "the bot keeps running" in warnings[0]


async def test_misspelt_variables_warn_and_paths_are_logged(fake: FakeDiscord, spawn_bot, tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / ".env").write_text("FROM_BELOW_LOGLEVEL=DEBUG\n")
    database = tmp_path / "from-below.sqlite3"
    bot = await spawn_bot(env={"FROM_BELOW_DB_PATH": str(tmp_path / "x.sqlite3")}, cwd=workdir)
    await wait_connected(fake, bot, tmp_path / "heartbeat.json")
    assert await bot.stop() == 0
    lines = bot.log().splitlines()
    assert "Traceback" not in bot.log()

    def the(fragment: str) -> str:
        found = [line for line in lines if fragment in line]
        assert len(found) == 1, (fragment, found)
        return found[0]

    db_path = the("FROM_BELOW_DB_PATH")
    assert " WARNING " in db_path
    assert "FROM_BELOW_DB_PATH (in the environment) is not a From Below setting and is ignored" in db_path
    assert "did you mean FROM_BELOW_DATABASE?" in db_path
    log_level = the("FROM_BELOW_LOGLEVEL")
    assert "(in .env)" in log_level
    assert "did you mean FROM_BELOW_LOG_LEVEL?" in log_level
    # Where the data lives and what the library is read from: one INFO line each, absolute.
    assert the("database file: ").endswith(f"database file: {database}")
    assert " INFO " in the("database file: ")
    assert the("content folder (main): ").endswith(f"content folder (main): {REPO_ROOT / 'content'}")
    assert not (tmp_path / "x.sqlite3").exists()


async def test_stale_temporary_files_of_the_bot_are_removed_at_start(
    fake: FakeDiscord, spawn_bot, tmp_path: Path
) -> None:
    finished = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await finished.wait()
    dead_pid = finished.pid
    stale = [
        tmp_path / "from-below.sqlite3.pre-v2.bak.partial",  # a migration killed while copying
        tmp_path / f".search-index.sqlite3.{dead_pid}.139872.tmp",  # an index build killed
        tmp_path / ".heartbeat.json.x81kq0_z.tmp",  # a heartbeat write killed
    ]
    kept = [
        tmp_path / "backup.sqlite3.partial",  # `python -m bot backup` may be writing it right now
        tmp_path / f".search-index.sqlite3.{os.getpid()}.1.tmp",  # a live process (this test) builds it
        tmp_path / "console.sqlite3.pre-v2.bak.partial",  # the console's database, not the bot's
        tmp_path / "notes.tmp",
    ]
    for path in stale + kept:
        path.write_bytes(b"left over")
    bot = await spawn_bot()
    await wait_connected(fake, bot, tmp_path / "heartbeat.json")
    assert await bot.stop() == 0
    log = bot.log()
    assert "Traceback" not in log
    for path in stale:
        assert not path.exists(), path
        assert f"removed a stale temporary file left by an interrupted run: {path}" in log
    for path in kept:
        assert path.read_bytes() == b"left over", path


FULL_DISK = """
import sqlite3
import sys

sys.path.insert(0, {root!r})

import bot.core.search as search
from bot.storage import MetaRepository

real_fill = search._fill


def fill(conn, *args, **kwargs):
    # The index file gets its first pages, then the disk is full (SQLite's own error); in memory
    # there is room.
    if conn.execute("PRAGMA database_list").fetchone()[2]:
        conn.execute("CREATE TABLE filler (x)")
        conn.execute("INSERT INTO filler VALUES (zeroblob(300000))")
        raise sqlite3.OperationalError("database or disk is full")
    real_fill(conn, *args, **kwargs)


async def full(self, key, value):
    raise sqlite3.OperationalError("database or disk is full")


search._fill = fill
MetaRepository.set = full

from bot.cli import main

sys.exit(main(["run"]))
"""


async def test_a_full_disk_at_start_cleans_up_and_says_so(fake: FakeDiscord, spawn_bot, tmp_path: Path) -> None:
    script = tmp_path / "full_disk.py"
    script.write_text(textwrap.dedent(FULL_DISK.format(root=str(REPO_ROOT))))
    bot = await spawn_bot(str(script))
    await wait_connected(fake, bot, tmp_path / "heartbeat.json")
    # Lookups still work: the index lives in memory.
    record = await fake.slash("onthisday", option("date", "17 June"))
    callback = await fake.wait_for_callback(record, within=15)
    assert callback.body["data"]["embeds"][0]["title"].endswith("17 June")
    assert await bot.stop() == 0
    log = bot.log()
    assert "Traceback" not in log
    assert search_files(tmp_path) == []
    cache_lines = [line for line in log.splitlines() if "search cache" in line]
    assert len(cache_lines) == 1, log[-3000:]
    assert "WARNING" in cache_lines[0]
    assert "database or disk is full" in cache_lines[0]
    assert "searching from memory this time (the temporary file was removed)" in cache_lines[0]
    sync_lines = [line for line in log.splitlines() if "could not record the command sync" in line]
    assert len(sync_lines) == 1, log[-3000:]
    assert "database or disk is full" in sync_lines[0]


async def test_a_rejected_token_is_what_health_reports(fake: FakeDiscord, spawn_bot, tmp_path: Path) -> None:
    bot = await spawn_bot(env={"DISCORD_TOKEN": "not-the-fake-token"})
    code = await asyncio.wait_for(bot.proc.wait(), 60)
    assert code == 1, bot.log()[-3000:]
    assert "Traceback" not in bot.log()
    assert "not-the-fake-token" not in bot.log()
    result = await asyncio.to_thread(health, tmp_path / "heartbeat.json")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    assert lines[0].startswith("unhealthy: the bot stopped ")
    assert "Discord rejected the token (DISCORD_TOKEN)" in lines[0]
    assert "not-the-fake-token" not in result.stdout
