"""The PostgreSQL benchmark runs end to end on a small scale (figures are printed, not asserted)."""

from __future__ import annotations

import asyncio

import pytest

from bench import postgres_bench
from tests.pgtest import server_url


async def test_postgres_benchmark_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    url = await server_url()
    code = await asyncio.to_thread(
        postgres_bench.main, ["--url", url, "--servers", "20", "--reads", "30", "--claims", "30"]
    )
    assert code == 0
    out = capsys.readouterr().out
    for label in ("PostgreSQL", "SQLite", "settings read", "claim (one at a time)", "fan-out throughput", "p99"):
        assert label in out


def test_postgres_benchmark_needs_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert postgres_bench.main(["--url", "mysql://nope"]) == 2
    assert "postgresql://" in capsys.readouterr().err
