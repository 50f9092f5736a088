"""Benchmark: settings reads and day claims on PostgreSQL (over loopback), next to SQLite.

    .venv/bin/python -m bench.postgres_bench --url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.postgres_bench --url ... --servers 2000 --reads 5000 --claims 2000

``--servers`` schedules are written to a fresh schema (dropped afterwards) and to a temporary
SQLite file. Then, through the bot's own repositories:

* settings read: ``SettingsRepository.get`` of a random server, one at a time (what a
  ``/settings`` command or a post does);
* claim: ``PostsRepository.claim`` of a new (server, day) with three entry ids, one at a time
  (the exactly-once insert and its history rows, in one transaction);
* concurrent claims: the same claims from ``--concurrency`` tasks at once (a daily fan-out),
  throughput and per-claim latency;
* the due-posts queries of one scheduler tick (``active`` + ``last_dates``).

Printed: p50 / p99 / max in milliseconds for each. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import asyncpg

from bot.core.scheduling import Schedule
from bot.storage import Database, PostsRepository, SettingsRepository, redact_url

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _line(label: str, samples_ms: Sequence[float]) -> str:
    return (
        f"  {label:<34} p50 {statistics.median(samples_ms):7.3f} ms   p99 {_pct(samples_ms, 0.99):7.3f} ms   "
        f"max {max(samples_ms):7.3f} ms   (n={len(samples_ms)})"
    )


async def _timed(op: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await op()
    return (time.perf_counter() - start) * 1000


async def _fill(db: Database, servers: int) -> list[int]:
    guilds = [10**17 + i for i in range(servers)]
    repo = SettingsRepository(db)
    for g in guilds:
        await repo.save(Schedule(guild_id=g, channel_id=g + 1, post_time=dt.time(9, 0)), at=NOW)
    return guilds


async def _measure(db: Database, guilds: list[int], reads: int, claims: int, concurrency: int) -> list[str]:
    settings, posts = SettingsRepository(db), PostsRepository(db)
    rng = random.Random(7)
    for _ in range(50):  # warm the pool and the statement caches
        await settings.get(rng.choice(guilds))
    read_ms = [await _timed(lambda: settings.get(rng.choice(guilds))) for _ in range(reads)]

    day = dt.date(2026, 6, 1)
    keys = [(g, 1) for g in guilds]
    claim_ms: list[float] = []
    for i in range(claims):
        key = keys[i % len(keys)]
        local = day + dt.timedelta(days=i // len(keys))
        claim_ms.append(
            await _timed(lambda key=key, local=local: posts.claim(key, local, at=NOW, entry_ids=["a", "b", "c"]))
        )

    # A fan-out: every server claims the next free day, ``concurrency`` at a time.
    fan_day = day + dt.timedelta(days=1 + claims // len(keys))
    semaphore = asyncio.Semaphore(concurrency)
    fan_ms: list[float] = []

    async def one(key: tuple[int, int]) -> None:
        async with semaphore:
            fan_ms.append(await _timed(lambda: posts.claim(key, fan_day, at=NOW, entry_ids=["a", "b", "c"])))

    start = time.perf_counter()
    await asyncio.gather(*(one(k) for k in keys))
    fan_s = time.perf_counter() - start

    tick_ms = [await _timed(lambda: _tick(settings, posts)) for _ in range(20)]
    return [
        _line("settings read", read_ms),
        _line("claim (one at a time)", claim_ms),
        _line(f"claim ({concurrency} at once)", fan_ms),
        f"  {'fan-out throughput':<34} {len(keys) / fan_s:7.0f} claims/s ({len(keys)} servers in {fan_s:.2f} s)",
        _line("scheduler tick queries", tick_ms),
    ]


async def _tick(settings: SettingsRepository, posts: PostsRepository) -> None:
    await settings.active()
    await posts.last_dates(since=dt.date(2026, 5, 30))


async def run(url: str, servers: int, reads: int, claims: int, concurrency: int) -> list[str]:
    out = [f"servers {servers}, reads {reads}, claims {claims}, concurrency {concurrency}"]
    schema = f"fb_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        joiner = "&" if "?" in url else "?"
        db = await Database.open(f"{url}{joiner}search_path={schema}")
        try:
            version = await db.fetchone("SELECT current_setting('server_version') AS v")
            out.append(f"PostgreSQL {version['v'] if version else '?'} at {redact_url(url)} (loopback):")
            guilds = await _fill(db, servers)
            out.extend(await _measure(db, guilds, reads, claims, concurrency))
        finally:
            await db.close()
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "bench.sqlite3")
        try:
            out.append("SQLite (WAL, synchronous=FULL), for comparison:")
            guilds = await _fill(db, servers)
            out.extend(await _measure(db, guilds, reads, claims, concurrency))
        finally:
            await db.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("FROM_BELOW_TEST_DATABASE_URL", ""),
        help="a scratch PostgreSQL database (default: FROM_BELOW_TEST_DATABASE_URL); a schema is made and dropped",
    )
    parser.add_argument("--servers", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    if not args.url.startswith(("postgresql://", "postgres://")):
        sys.stderr.write("give --url postgresql://... (or set FROM_BELOW_TEST_DATABASE_URL)\n")
        return 2
    for line in asyncio.run(run(args.url, args.servers, args.reads, args.claims, args.concurrency)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
