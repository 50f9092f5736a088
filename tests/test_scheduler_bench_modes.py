"""The scheduler benchmark's PostgreSQL and real-process modes run on a small scale (figures printed, not asserted)."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import pytest

from bench import scheduler_bench
from tests.pgtest import server_url

QUICK = ["--servers", "40", "--rate", "1000", "--latency", "4", "--jitter", "1"]


def test_the_fan_out_split_over_two_real_processes_posts_each_server_once(capsys: pytest.CaptureFixture[str]) -> None:
    figures = scheduler_bench.main([*QUICK, "--processes", "2", "--spawn"])
    assert figures["sent"] == 40
    out = capsys.readouterr().out
    assert "2 real processes (shard i of 2 each)" in out
    assert "sent per poster [20, 20]" in out
    assert "worker process 0 of 2" in out
    assert "worker process 1 of 2" in out
    assert "429s received" in out


async def test_the_fan_out_runs_on_postgresql_alone_and_split(capsys: pytest.CaptureFixture[str]) -> None:
    url = await server_url()
    figures = await asyncio.to_thread(scheduler_bench.main, [*QUICK, "--database", url])
    assert figures["sent"] == 40
    out = capsys.readouterr().out
    assert "database                       : PostgreSQL at" in out
    schema = re.search(r"\(schema (fb_bench_[0-9a-f]+)\)", out)
    assert schema is not None, out
    assert "ratio" in out
    split = await asyncio.to_thread(scheduler_bench.main, [*QUICK, "--database", url, "--processes", "2", "--spawn"])
    assert split["sent"] == 40
    assert "sent per poster [20, 20]" in capsys.readouterr().out
    # The run's schema is dropped afterwards.
    conn = await asyncpg.connect(url)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", schema.group(1)
        )
    finally:
        await conn.close()
    assert left == 0
