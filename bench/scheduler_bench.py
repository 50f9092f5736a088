"""Benchmark: thousands of servers due in the same minute, against Discord's global rate limit.

    .venv/bin/python -m bench.scheduler_bench                          # 2,000 servers, 50 req/s
    .venv/bin/python -m bench.scheduler_bench --servers 200 --rate 500 # a quick run
    .venv/bin/python -m bench.scheduler_bench --processes 2            # split over two shards' posters
    .venv/bin/python -m bench.scheduler_bench --processes 2 --spawn    # ... in two real processes
    .venv/bin/python -m bench.scheduler_bench --database postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.scheduler_bench --schedules 3            # 2,000 servers x 3 schedules

``--processes N`` splits the servers as N processes would (shard ``i`` of ``N`` each, issue 12): N
posters, each with its own connection to the one database file, each posting only the servers on
its shard (``ShardPlan.owns``) at its share of the rate (``ShardPlan.rate_share``), all against the
one fake sender, whose global limit is the bot's (as Discord's is). They run in one process,
sharing one CPU, unless ``--spawn`` is given: then each poster is a real process of its own
(``python -m bench.scheduler_bench --worker ...``) and the rate-limited fake sender is a small HTTP
server on 127.0.0.1 in the parent, shared by them all as Discord's global limit is; the time to
finish runs from the moment every worker is ready (imports, database open) until the last is done.

``--database`` chooses the engine: a file path (SQLite) or a ``postgresql://`` URL, in which a
fresh schema is made for the run and dropped afterwards. Default: a temporary SQLite file.

A real SQLite file (WAL) holds ``--servers`` servers spread over many timezones, each with
``--schedules`` schedules (the first a daily post of every event, the second tag-filtered with a
discussion thread, the third a weekly digest, then more daily posts), all due in the same UTC
minute. :class:`DailyPoster` posts them through a fake sender that behaves like
Discord's REST API for this purpose: every request takes ``--latency`` ms (± jitter), and a
request arriving when ``--rate`` requests have already arrived in the last second is refused
with a 429 (``PostRetryable`` with ``retry_after``), as Discord's global limit of 50 requests per
second does. While it runs, a probe measures event-loop lag (how late a 10 ms sleep wakes up)
and a "command" reads settings every 50 ms, to show that commands keep answering.

Printed: the time to finish, the floor set by the rate limit (requests / rate: 40 s for 2,000
posts at 50/s; a thread is one more request) and the ratio to it, the 429s received, the
event-loop lag p50/p99/max and the command latency p99. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web

from bot.core.clock import FakeClock
from bot.core.dates import HistoricalDate
from bot.core.models import Event, Library, Pack, Source
from bot.core.posting_errors import PostRetryable
from bot.core.posts import DailyPost
from bot.core.sharding import ShardPlan
from bot.core.timezones import get_zone
from bot.services.daily import DailyPoster, summarize
from bot.storage import Database, SettingsRepository, redact_url
from bot.storage.settings import weekdays_to_mask

REPO_ROOT = str(Path(__file__).resolve().parents[1])
#: The instant every server is due (a Monday in June: no DST transitions anywhere near).
DUE_AT = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Athens",
    "Europe/Moscow",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "America/New_York",
    "America/Chicago",
    "America/Sao_Paulo",
    "America/St_Johns",
    "Pacific/Honolulu",
)


class RateLimitedSender:
    """A fake Discord: fixed latency with jitter, and a global limit of ``rate`` requests per second."""

    def __init__(self, rate: float, latency_ms: float, jitter_ms: float, seed: int = 1) -> None:
        self.rate = rate
        self.latency = latency_ms / 1000
        self.jitter = jitter_ms / 1000
        self.rng = random.Random(seed)
        self.arrivals: collections.deque[float] = collections.deque()
        self.accepted = 0
        self.rejected = 0
        self._next_id = 1

    def _half(self) -> float:
        return max(0.0, self.latency + self.rng.uniform(-self.jitter, self.jitter)) / 2

    async def send(self, channel_id: int, role_id: int | None, payload: DailyPost) -> int:
        await asyncio.sleep(self._half())  # the request travels
        now = time.perf_counter()
        while self.arrivals and self.arrivals[0] <= now - 1.0:
            self.arrivals.popleft()
        if len(self.arrivals) >= self.rate:
            self.rejected += 1
            retry_after = self.arrivals[0] + 1.0 - now
            await asyncio.sleep(self._half())
            raise PostRetryable("429: global rate limit", retry_after=retry_after)
        self.arrivals.append(now)
        self.accepted += 1
        await asyncio.sleep(self._half())  # the answer travels back
        self._next_id += 1
        return self._next_id

    async def find_sent(self, channel_id: int, payload: DailyPost, after: dt.datetime) -> int | None:
        return None

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        return await self.send(channel_id, None, _THREAD)

    async def handle(self, request: web.Request) -> web.Response:
        """The same, over HTTP (``--spawn``): 200 with the message id, or 429 with ``retry_after``."""
        try:
            message_id = await self.send(0, None, None)  # type: ignore[arg-type]
        except PostRetryable as exc:
            return web.json_response({"retry_after": exc.retry_after}, status=429)
        return web.json_response({"id": message_id})


class HttpSender:
    """A worker's sender (``--spawn``): each post is one request to the parent's shared fake."""

    def __init__(self, url: str, concurrency: int) -> None:
        self.url = url
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency * 2))
        self.accepted = 0

    async def send(self, channel_id: int, role_id: int | None, payload: DailyPost) -> int:
        async with self.session.post(self.url, json={"channel_id": channel_id}) as response:
            body = await response.json()
        if response.status == 429:
            raise PostRetryable("429: global rate limit", retry_after=float(body["retry_after"]))
        self.accepted += 1
        return int(body["id"])

    async def find_sent(self, channel_id: int, payload: DailyPost, after: dt.datetime) -> int | None:
        return None

    async def close(self) -> None:
        await self.session.close()

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        return await self.send(channel_id, None, _THREAD)


#: What a thread request looks like to the fake (only its arrival counts).
_THREAD = DailyPost(guild_id=0, schedule_id=0, local_date=DUE_AT.date(), kind="events")


def synthetic_library(per_day: int = 6) -> Library:
    events: dict[str, Event] = {}
    day = dt.date(2000, 1, 1)
    source = (Source("Source", "https://example.org"),)
    while day.year == 2000:
        for i in range(per_day):
            year = 1850 + (i * 23 + day.toordinal()) % 150
            if day.month == 2 and day.day == 29:
                year = 1952
            eid = f"e-{day:%m-%d}-{i}"
            events[eid] = Event(
                id=eid,
                title=f"Event {i} of {day:%d %B}",
                date=HistoricalDate(year, day.month, day.day),
                places=("Somewhere",),
                countries=("Someland",),
                description="Workers did something worth remembering. " * 5,
                tags=("strike",) if i % 2 == 0 else ("protest",),
                sources=source,
                pack="core",
            )
        day += dt.timedelta(days=1)
    pack = Pack("core", "Core", "", "en", (), "CC-BY-SA-4.0", "core")
    return Library.build({"core": pack}, {}, events)


def guild_id(n: int) -> int:
    """The n-th server's id: a real-looking snowflake, consecutive ones on consecutive shards."""
    return ((100_000_000_000 + n) << 22) | 1


#: Schedule n of a server (from 1): (name, kind, tags, thread).
_SHAPES = (("daily", "daily", None, 0), ("labour", "daily", '["strike"]', 1), ("weekly", "weekly", None, 0))


async def populate(db: Database, servers: int, schedules: int = 1) -> None:
    """``servers`` servers with ``schedules`` schedules each, all due at :data:`DUE_AT` in the
    server's timezone; one transaction."""
    SettingsRepository(db)  # schema check only
    now = DUE_AT.isoformat()
    rows = []
    guild_rows = []
    for n in range(servers):
        zone = ZONES[n % len(ZONES)]
        local = DUE_AT.astimezone(get_zone(zone))
        guild_rows.append((guild_id(n), now))
        for schedule_id in range(1, schedules + 1):
            name, kind, tags, thread = (
                _SHAPES[schedule_id - 1] if schedule_id <= len(_SHAPES) else (f"daily-{schedule_id}", "daily", None, 0)
            )
            rows.append(
                (
                    guild_id(n),
                    schedule_id,
                    900_000_000_000_000_000 + n * 16 + schedule_id,
                    f"{local.hour:02d}:{local.minute:02d}",
                    zone,
                    weekdays_to_mask(frozenset(range(7))),
                    now,
                    (800_000_000_000_000_000 + n) if n % 3 == 0 else None,
                    name,
                    kind,
                    tags,
                    thread,
                )
            )
    async with db.transaction() as tx:
        await tx.executemany("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", guild_rows)
        await tx.executemany(
            "INSERT INTO schedules (guild_id, schedule_id, channel_id, post_time, timezone, weekdays, updated_at, "
            "role_id, name, kind, tags, thread) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@contextlib.asynccontextmanager
async def database_target(args: argparse.Namespace) -> AsyncIterator[tuple[str, str]]:
    """Where the run's database is, and how to name it: a SQLite file, or a fresh PostgreSQL schema."""
    url = args.database or args.db
    if url.startswith(("postgresql://", "postgres://")):
        schema = f"fb_bench_{secrets.token_hex(4)}"
        admin = await asyncpg.connect(url)
        await admin.execute(f"CREATE SCHEMA {schema}")
        try:
            joiner = "&" if "?" in url else "?"
            yield f"{url}{joiner}search_path={schema}", f"PostgreSQL at {redact_url(url)} (schema {schema})"
        finally:
            await admin.execute(f"DROP SCHEMA {schema} CASCADE")
            await admin.close()
        return
    with tempfile.TemporaryDirectory(prefix="scheduler-bench-") as tmp:
        path = Path(url) if url else Path(tmp) / "bench.sqlite3"
        yield str(path), f"SQLite file {path.name} (WAL)"


def make_poster(
    db: Database, sender: object, library: Library, args: argparse.Namespace, plan: ShardPlan | None
) -> DailyPoster:
    return DailyPoster(
        db,
        sender,  # type: ignore[arg-type]
        library,
        clock=FakeClock(DUE_AT + dt.timedelta(seconds=5)),
        concurrency=args.concurrency,
        rate=(plan.rate_share(args.rate) if plan is not None else args.rate) * args.pace,
        backoff_base=0.5,
        owns=plan.owns if plan is not None else None,
    )


async def lag_probe(stop: asyncio.Event, lags: list[float]) -> None:
    """How late a 10 ms sleep wakes up: the event loop's lag."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - start - 0.01)


async def command_probe(db: Database, servers: int, stop: asyncio.Event, latencies: list[float]) -> None:
    """A "command" reading a server's settings every 50 ms."""
    settings = SettingsRepository(db)
    n = 0
    while not stop.is_set():
        start = time.perf_counter()
        await settings.get(guild_id(n % servers))
        latencies.append(time.perf_counter() - start)
        n += 1
        await asyncio.sleep(0.05)


async def in_process(
    args: argparse.Namespace, db: Database, target: str, lags: list[float]
) -> tuple[float, float, int, list[int], str]:
    """Every poster in this process. Returns (elapsed, decide, queued, sent per poster, outcomes)."""
    sender = RateLimitedSender(args.rate, args.latency, args.jitter)
    library = synthetic_library()
    plans: list[ShardPlan | None] = (
        [ShardPlan(args.processes, (i,)) for i in range(args.processes)] if args.processes > 1 else [None]
    )
    others = [await Database.open(target) for _ in plans[1:]]
    posters = [make_poster(conn, sender, library, args, plan) for conn, plan in zip([db, *others], plans, strict=True)]
    stop = asyncio.Event()
    probe = asyncio.create_task(lag_probe(stop, lags))
    t0 = time.perf_counter()
    queued = [due for batch in await asyncio.gather(*(p.run_due() for p in posters)) for due in batch]
    decide = time.perf_counter() - t0
    await asyncio.gather(*(p.wait_idle() for p in posters))
    elapsed = time.perf_counter() - t0
    stop.set()
    await probe
    for p in posters:
        await p.close()
    for conn in others:
        await conn.close()
    outcomes = summarize([o for p in posters for o in p.outcomes])
    per_poster = [sum(1 for o in p.outcomes if o.kind == "sent") for p in posters]
    args.rejected = sender.rejected
    return elapsed, decide, len(queued), per_poster, str(outcomes)


async def spawned(args: argparse.Namespace, target: str, lags: list[float]) -> tuple[float, float, int, list[int], str]:
    """Every poster a real process (``--worker``), all against one rate-limited fake over HTTP."""
    sender = RateLimitedSender(args.rate, args.latency, args.jitter)
    app = web.Application()
    app.router.add_post("/send", sender.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    workers: list[asyncio.subprocess.Process] = []
    try:
        for i in range(args.processes):
            argv = [
                *("-m", "bench.scheduler_bench", "--worker", str(i), "--processes", str(args.processes)),
                *("--sender-url", f"http://127.0.0.1:{port}/send", "--database", target),
                *("--servers", str(args.servers), "--rate", str(args.rate), "--pace", str(args.pace)),
                *("--concurrency", str(args.concurrency), "--schedules", str(args.schedules)),
            ]
            workers.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    *argv,
                    cwd=REPO_ROOT,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
            )
        for w in workers:  # each has imported, opened the database and built its library
            assert w.stdout is not None
            line = await asyncio.wait_for(w.stdout.readline(), 120)
            if line.strip() != b"ready":
                raise SystemExit(f"a worker did not start: {line!r}")
        stop = asyncio.Event()
        probe = asyncio.create_task(lag_probe(stop, lags))
        t0 = time.perf_counter()
        for w in workers:
            assert w.stdin is not None
            w.stdin.write(b"go\n")
            await w.stdin.drain()

        async def result(w: asyncio.subprocess.Process) -> dict[str, object]:
            assert w.stdout is not None
            data: dict[str, object] = json.loads(await w.stdout.readline())
            return data

        results = await asyncio.gather(*(result(w) for w in workers))
        elapsed = time.perf_counter() - t0
        stop.set()
        await probe
        for w in workers:
            await w.wait()
    finally:
        for w in workers:
            if w.returncode is None:
                w.kill()
                await w.wait()
        await runner.cleanup()
    args.rejected = sender.rejected
    for i, r in enumerate(results):
        print(
            f"worker process {i} of {args.processes}            : sent {r['sent']:,} "
            f"in {float(str(r['elapsed'])):.2f} s "
            f"(its share's floor {float(str(r['floor'])):.2f} s -> ratio {float(str(r['ratio'])):.3f}); "
            f"loop lag p99 {float(str(r['lag_p99_ms'])):.2f} ms"
        )
    decide = max(float(str(r["decide"])) for r in results)
    queued = sum(int(str(r["queued"])) for r in results)
    per_worker = [int(str(r["sent"])) for r in results]
    return elapsed, decide, queued, per_worker, "; ".join(str(r["outcomes"]) for r in results)


async def worker(args: argparse.Namespace) -> None:
    """One spawned poster: shard ``--worker`` of ``--processes``; says ready, waits for go, prints JSON."""
    db = await Database.open(args.database, migrate=False)
    sender = HttpSender(args.sender_url, args.concurrency)
    plan = ShardPlan(args.processes, (args.worker,))
    poster = make_poster(db, sender, synthetic_library(), args, plan)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("ready", flush=True)
    await reader.readline()
    lags: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(lag_probe(stop, lags))
    t0 = time.perf_counter()
    queued = await poster.run_due()
    decide = time.perf_counter() - t0
    await poster.wait_idle()
    elapsed = time.perf_counter() - t0
    stop.set()
    await probe
    await poster.close()
    await sender.close()
    await db.close()
    sent = sum(1 for o in poster.outcomes if o.kind == "sent")
    floor = sender.accepted / plan.rate_share(args.rate)  # its requests (posts and threads) at its share
    print(
        json.dumps(
            {
                "sent": sent,
                "queued": len(queued),
                "decide": decide,
                "elapsed": elapsed,
                "floor": floor,
                "ratio": elapsed / floor if floor else float("nan"),
                "lag_p99_ms": percentile(lags, 99) * 1000,
                "outcomes": str(summarize(poster.outcomes)),
            }
        ),
        flush=True,
    )


async def run(args: argparse.Namespace) -> dict[str, float]:
    async with database_target(args) as (target, label):
        db = await Database.open(target)
        try:
            t0 = time.perf_counter()
            await populate(db, args.servers, args.schedules)
            setup = time.perf_counter() - t0
            stop = asyncio.Event()
            lags: list[float] = []
            command_latencies: list[float] = []
            probe = asyncio.create_task(command_probe(db, args.servers, stop, command_latencies))
            try:
                if args.spawn and args.processes > 1:
                    elapsed, decide, queued, per_poster, outcomes = await spawned(args, target, lags)
                else:
                    elapsed, decide, queued, per_poster, outcomes = await in_process(args, db, target, lags)
            finally:
                stop.set()
                await probe
            sent_rows = await db.fetchone("SELECT count(*) FROM post_log WHERE status = 'sent'")
            sent = int(sent_rows[0]) if sent_rows else 0
        finally:
            await db.close()

    threads = args.servers if args.schedules >= 2 else 0
    requests = args.servers * args.schedules + threads
    floor = requests / args.rate
    figures = {
        "servers": args.servers,
        "schedules": args.servers * args.schedules,
        "requests": requests,
        "rate": args.rate,
        "elapsed": elapsed,
        "floor": floor,
        "ratio": elapsed / floor if floor else float("nan"),
        "rejected_429": args.rejected,
        "sent": sent,
        "lag_p50_ms": percentile(lags, 50) * 1000,
        "lag_p99_ms": percentile(lags, 99) * 1000,
        "lag_max_ms": max(lags, default=float("nan")) * 1000,
        "command_p99_ms": percentile(command_latencies, 99) * 1000,
    }
    print(f"database                       : {label}")
    print(
        f"posts due in the same minute   : {args.servers:,} servers x {args.schedules} schedule(s) "
        f"(queued {queued:,} in {decide * 1000:.0f} ms); {requests:,} requests with {threads:,} threads"
    )
    print(f"fake Discord global limit      : {args.rate:g} requests/s; poster paced at {args.rate * args.pace:g}/s")
    if args.processes > 1:
        share = args.rate * args.pace / args.processes
        how = "real processes" if args.spawn else "posters in this process"
        print(
            f"split                          : {args.processes} {how} (shard i of {args.processes} each) "
            f"at {share:g}/s each; sent per poster {per_poster}"
        )
    print(
        f"sender latency                 : {args.latency:g} ms ± {args.jitter:g} ms; "
        f"{args.concurrency} concurrent workers"
    )
    print(f"database setup                 : {setup:.2f} s (one transaction)")
    print(f"time to finish                 : {elapsed:.2f} s")
    print(f"rate-limit floor               : {floor:.2f} s  -> ratio {figures['ratio']:.3f}")
    print(f"outcomes                       : {outcomes}; rows marked sent: {sent:,}")
    print(f"429s received                  : {args.rejected}")
    print(
        f"event-loop lag                 : p50 {figures['lag_p50_ms']:.2f} ms, p99 {figures['lag_p99_ms']:.2f} ms, "
        f"max {figures['lag_max_ms']:.2f} ms ({len(lags):,} samples{', parent process' if args.spawn else ''})"
    )
    print(
        f"settings read while posting    : p50 {statistics.median(command_latencies) * 1000:.2f} ms, "
        f"p99 {figures['command_p99_ms']:.2f} ms ({len(command_latencies):,} reads)"
        if command_latencies
        else "settings read while posting    : no samples"
    )
    return figures


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--servers", type=int, default=2000, help="servers due in the same minute (default 2000)")
    parser.add_argument("--rate", type=float, default=50.0, help="the fake's global limit, requests/s (default 50)")
    parser.add_argument(
        "--pace", type=float, default=0.97, help="the poster's own pace as a fraction of --rate (default 0.97)"
    )
    parser.add_argument(
        "--schedules", type=int, default=1, help="schedules per server, all due at once (default 1; at most 16)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent send workers (default 16)")
    parser.add_argument("--latency", type=float, default=60.0, help="round-trip time of a request in ms (default 60)")
    parser.add_argument("--jitter", type=float, default=10.0, help="± jitter of the round trip in ms (default 10)")
    parser.add_argument("--processes", type=int, default=1, help="split the servers over N shards' posters (default 1)")
    parser.add_argument(
        "--database",
        default="",
        help="a SQLite file or a postgresql:// URL (a fresh schema is made and dropped); default: a temporary file",
    )
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)  # the older name of --database
    parser.add_argument("--spawn", action="store_true", help="with --processes N: N real processes, not N posters")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)  # a spawned poster's shard
    parser.add_argument("--sender-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.rejected = 0
    if args.servers < 1 or args.rate <= 0 or not 0 < args.pace <= 1 or args.concurrency < 1 or args.processes < 1:
        parser.error("--servers, --concurrency and --processes must be positive, --rate > 0, 0 < --pace <= 1")
    if not 1 <= args.schedules <= 16:
        parser.error("--schedules must be 1 to 16")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    args = parse_args(argv)
    if args.worker is not None:
        asyncio.run(worker(args))
        return {}
    return asyncio.run(run(args))


if __name__ == "__main__":
    main(sys.argv[1:])
