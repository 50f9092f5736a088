"""The operator commands on PostgreSQL: ``migrate``, ``migrate --copy-to``, ``backup`` (pg_dump),
and ``run`` waiting for an unreachable server. Real processes, a real server (see tests/pgtest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core.scheduling import Schedule
from bot.storage import (
    Database,
    GuildsRepository,
    MetaRepository,
    PostsRepository,
    SettingsRepository,
    latest_version,
)
from tests.pgtest import server_url
from tests.tcpproxy import TcpProxy

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    base["PYTHONPATH"] = str(ROOT)
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=base, cwd=cwd, timeout=60, check=False
    )


async def _fill_sqlite(path: Path) -> None:
    """A SQLite database with a bit of everything: servers, settings, claims, history, meta."""
    db = await Database.open(path)
    try:
        settings, posts = SettingsRepository(db), PostsRepository(db)
        for guild in range(1, 31):
            await settings.save(
                Schedule(guild_id=10**17 + guild, channel_id=10**18 + guild, post_time=dt.time(7, guild % 60)), at=NOW
            )
            for day in range(3):
                local = dt.date(2026, 5, 1) + dt.timedelta(days=day)
                await posts.claim((10**17 + guild, 1), local, at=NOW, entry_ids=[f"e{guild}", f"f{guild}"])
                await posts.record_sent((10**17 + guild, 1), local, 9 * 10**17 + guild, at=NOW)
        await GuildsRepository(db).left(10**17 + 1, at=NOW)
        await MetaRepository(db).set("tree-hash", "abc")
    finally:
        await db.close()


async def test_migrate_and_copy_to_an_empty_postgres_then_refuse_a_second_copy(pg_target: str, tmp_path: Path) -> None:
    source = tmp_path / "data" / "bot.sqlite3"
    await _fill_sqlite(source)

    migrated = await asyncio.to_thread(run_cli, "migrate", env={"FROM_BELOW_DATABASE": pg_target}, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert f"from schema version 0 to {latest_version()}" in migrated.stdout
    assert "secret" not in migrated.stdout
    again = await asyncio.to_thread(run_cli, "migrate", env={"FROM_BELOW_DATABASE": pg_target}, cwd=tmp_path)
    assert f"is up to date (schema version {latest_version()})" in again.stdout

    copied = await asyncio.to_thread(
        run_cli, "migrate", "--copy-to", pg_target, env={"FROM_BELOW_DATABASE": str(source)}, cwd=tmp_path
    )
    assert copied.returncode == 0, copied.stderr
    assert "row counts verified" in copied.stdout
    for counted in ("guilds 30", "schedules 30", "meta 1", "post_log 90", "post_entries 180"):
        assert counted in copied.stdout

    db = await Database.open(pg_target)
    try:
        schedule = await SettingsRepository(db).get(10**17 + 7)
        assert schedule is not None
        assert (schedule.channel_id, schedule.post_time) == (10**18 + 7, dt.time(7, 7))
        assert await PostsRepository(db).claim((10**17 + 7, 1), dt.date(2026, 5, 1), at=NOW) is False
        assert await PostsRepository(db).entry_ids((10**17 + 7, 1), dt.date(2026, 5, 2)) == ("e7", "f7")
        assert set(await GuildsRepository(db).departed()) == {10**17 + 1}
        assert await MetaRepository(db).get("tree-hash") == "abc"
    finally:
        await db.close()

    again = await asyncio.to_thread(
        run_cli, "migrate", "--copy-to", pg_target, env={"FROM_BELOW_DATABASE": str(source)}, cwd=tmp_path
    )
    assert again.returncode == 1
    assert "not empty" in again.stderr
    assert "nothing was copied" in again.stderr
    assert "Traceback" not in again.stderr


async def test_copy_to_refuses_a_database_with_other_tables(pg_target: str, tmp_path: Path) -> None:
    source = tmp_path / "bot.sqlite3"
    await _fill_sqlite(source)
    db = await Database.open(pg_target, migrate=False)
    await db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    await db.close()
    result = await asyncio.to_thread(
        run_cli, "migrate", "--copy-to", pg_target, env={"FROM_BELOW_DATABASE": str(source)}, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "tables this bot did not create (invoices)" in result.stderr


def test_copy_to_needs_a_postgres_url_and_a_sqlite_source(tmp_path: Path) -> None:
    source = tmp_path / "bot.sqlite3"
    wrong = run_cli("migrate", "--copy-to", "mysql://x@y/z", env={"FROM_BELOW_DATABASE": str(source)}, cwd=tmp_path)
    assert wrong.returncode == 2
    assert "postgresql:// URL" in wrong.stderr
    missing = run_cli(
        "migrate", "--copy-to", "postgresql://u@127.0.0.1:1/x", env={"FROM_BELOW_DATABASE": str(source)}, cwd=tmp_path
    )
    assert missing.returncode == 2
    assert "No database at" in missing.stderr
    from_pg = run_cli(
        "migrate",
        "--copy-to",
        "postgresql://u@127.0.0.1:1/x",
        env={"FROM_BELOW_DATABASE": "postgresql://u:secret@127.0.0.1:1/y"},
        cwd=tmp_path,
    )
    assert from_pg.returncode == 2
    assert "copies a SQLite database" in from_pg.stderr
    assert "secret" not in from_pg.stderr


def test_backup_on_postgres_says_pg_dump_and_exits_2(tmp_path: Path) -> None:
    result = run_cli(
        "backup", str(tmp_path / "x"), env={"FROM_BELOW_DATABASE": "postgresql://u:secret@127.0.0.1:1/db"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "pg_dump" in result.stderr
    assert "secret" not in result.stderr + result.stdout


def test_a_database_url_of_another_kind_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"FROM_BELOW_DATABASE": "mysql://u:secret@h/db"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "FROM_BELOW_DATABASE must be a file path (SQLite) or a postgresql:// URL" in result.stderr
    assert "secret" not in result.stderr


async def test_run_waits_for_an_unreachable_postgres_unhealthy_meanwhile(tmp_path: Path) -> None:
    """PostgreSQL down at start: one clear line, retries, ``health`` unhealthy saying why; when the
    server answers the bot goes on to Discord (here: a refused token, exit 1, proving it got past
    the database); SIGTERM while waiting exits 0."""
    url = await server_url()
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    proxy = await TcpProxy(host or "127.0.0.1", int(port or 5432)).start()
    proxy.cut()
    through = url.replace(host_port, f"127.0.0.1:{proxy.port}", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        FROM_BELOW_DATABASE=through,
        FROM_BELOW_STATE_DIR=str(tmp_path / "data"),
        DISCORD_TOKEN="not-a-real-token",
        FROM_BELOW_DISCORD_API_URL="http://127.0.0.1:9/api/v10",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        heartbeat = tmp_path / "data" / "heartbeat.json"
        deadline = time.monotonic() + 30
        while not heartbeat.exists() and time.monotonic() < deadline:  # noqa: ASYNC110 - another process writes it
            await asyncio.sleep(0.2)
        assert json.loads(heartbeat.read_text())["waiting"].startswith("waiting for the database")
        health = await asyncio.to_thread(
            run_cli, "health", "--file", str(heartbeat), env={"FROM_BELOW_DATABASE": through}, cwd=tmp_path
        )
        assert health.returncode == 1
        assert health.stdout.startswith("unhealthy: waiting for the database: cannot reach PostgreSQL at 127.0.0.1:")
        await asyncio.sleep(2.5)  # a few retries
        assert proc.returncode is None
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await proxy.close()
    assert proc.returncode == 0
    lines = [line for line in err.decode().splitlines() if "Cannot reach the database" in line]
    assert len(lines) == 1, err.decode()
    assert "connection refused" in lines[0] or "connection" in lines[0]
    assert "Traceback" not in err.decode()


async def test_run_goes_on_once_postgres_answers(pg_target: str, tmp_path: Path) -> None:
    url = await server_url()
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    proxy = await TcpProxy(host or "127.0.0.1", int(port or 5432)).start()
    proxy.cut()
    through = pg_target.replace(host_port, f"127.0.0.1:{proxy.port}", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        FROM_BELOW_DATABASE=through,
        FROM_BELOW_STATE_DIR=str(tmp_path / "data"),
        DISCORD_TOKEN="not-a-real-token",
        FROM_BELOW_DISCORD_API_URL="http://127.0.0.1:9/api/v10",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        await asyncio.sleep(3)
        assert proc.returncode is None
        proxy.restore()
        out, err = await asyncio.wait_for(proc.communicate(), 40)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await proxy.close()
    text = out.decode() + err.decode()
    assert "Connected to the database" in text
    assert "Could not reach Discord" in text  # it went on to Discord (nothing listens on port 9)
    assert proc.returncode == 1
    db = await Database.open(pg_target)
    try:
        assert await db.user_version() == latest_version()  # migrated at start
    finally:
        await db.close()


@pytest.mark.parametrize("name", ["migrate", "backup"])
def test_help_mentions_postgres(name: str, tmp_path: Path) -> None:
    result = run_cli(name, "--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert "FROM_BELOW_DATABASE" in result.stdout
