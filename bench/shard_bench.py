"""Start-up of a sharded bot in a big world: a bare discord.py ``AutoShardedClient`` next to the bot.

The harness runs the fake Discord (``tests/fakediscord``) in this process with ``--guilds`` guilds
(default 10,000: each with one text channel and the bot as a member; ``GET /gateway/bot`` then
recommends ``ceil(guilds / 1000)`` shards) and, for each client, starts it as a subprocess pointed
at the fake (``DISCORD_TOKEN``, ``FROM_BELOW_DISCORD_API_URL``, ``FROM_BELOW_DISCORD_GATEWAY_URL``,
a temporary ``FROM_BELOW_DATABASE``), then measures from process start:

- every shard READY + all its GUILD_CREATEs written by the fake (fake's clock);
- the client's own "ready" (the bare client prints it; the bot logs ``connected as ...``);
- the peak RSS of the client process (``VmHWM``) and its CPU time; the fake's CPU time.

    .venv/bin/python -m bench.shard_bench                  # 10,000 guilds, bare client and bot
    .venv/bin/python -m bench.shard_bench --guilds 2000 --only bare
    .venv/bin/python -m bench.shard_bench --only bot --shards 4,10,20   # the bot with N shards each

``--shards N[,M...]`` makes the fake's ``GET /gateway/bot`` recommend N shards (both clients follow
the recommendation, as the bot does when ``FROM_BELOW_SHARD_COUNT`` is unset) and repeats the run
for each N; without it the fake recommends ``ceil(guilds / 1000)``.

The fake's GUILD_CREATE bodies are built and encoded before the clock starts
(``FakeDiscord.prepare_guild_creates``), so the fake's own cost during start-up is framing and
compression only (its CPU time is printed). discord.py's default ``before_identify_hook`` sleeps
5 s before every IDENTIFY but the first, so ``(shards - 1) * 5`` seconds of the start-up are that
sleep. A client the fake refuses (4011 Sharding required: an unsharded bot in more than 2,500
guilds) is reported as such; every wait has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shlex
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))

from fakediscord import FakeDiscord, default_state  # noqa: E402

BARE_CMD = f"{shlex.quote(sys.executable)} {shlex.quote(str(REPO_ROOT / 'bench' / 'bare_sharded_client.py'))}"
BOT_CMD = f"{shlex.quote(sys.executable)} -m bot run"
BOT_READY = re.compile(r"connected as .* to (\d+) server")
POLL = 0.05


@dataclass
class ShardTiming:
    shard_id: int
    guilds: int
    identify: float  # seconds after process start
    done: float  # READY + every GUILD_CREATE written, seconds after process start
    fake_cpu: float  # CPU seconds the fake spent on this shard's READY + GUILD_CREATEs


@dataclass
class RunResult:
    label: str
    outcome: str = "timed out"
    shards: int = 0
    all_shards_done: float | None = None  # s from start until the last shard's last GUILD_CREATE was written
    client_ready: float | None = None  # s from start until the client said it was ready
    peak_rss_mb: float | None = None
    client_cpu: float | None = None
    fake_cpu: float = 0.0
    per_shard: list[ShardTiming] = field(default_factory=list)
    log_tail: str = ""
    requested_shards: int | None = None  # what the fake recommended (None: ceil(guilds / 1000))


def build_fake(
    guilds: int, max_concurrency: int, prepare: bool = True, shards: int | None = None
) -> tuple[FakeDiscord, float]:
    """A fake with exactly ``guilds`` guilds (the default three + bulk ones), bodies prepared."""
    state = default_state()
    state.add_bulk_guilds(max(0, guilds - len(state.guilds)))
    fake = FakeDiscord(state, max_concurrency=max_concurrency)
    fake.recommended_shards = shards  # None: ceil(guilds / 1000), as Discord does
    return fake, fake.prepare_guild_creates() if prepare else 0.0


def proc_status(pid: int) -> tuple[float | None, float | None]:
    """(peak RSS in MB, CPU seconds) of a live process, from /proc; (None, None) once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None, None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    fields = stat.rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return (int(match.group(1)) / 1024 if match else None), cpu


def client_ready_at(log_text: str, t0: float, seen_at: float) -> float | None:
    """When the client said it was ready (bare client: its JSON line; the bot: its log line)."""
    for line in log_text.splitlines():
        if line.startswith('{"event": "ready"'):
            return float(json.loads(line)["t"]) - t0
    if BOT_READY.search(log_text):
        return seen_at - t0  # the bot's log has no perf_counter: when the harness saw the line
    return None


def shard_timings(fake: FakeDiscord, t0: float) -> tuple[int, list[ShardTiming]]:
    """(shard count the client chose, timings of the shards that got READY + GUILD_CREATEs)."""
    counts = {r.num_shards for r in fake.identify_log if r.outcome == "ready"}
    shards = max(counts) if counts else 0
    done = [
        ShardTiming(s.shard_id, s.guild_count, s.identified_at - t0, s.initial_done_at - t0, s.initial_cpu)
        for s in fake.sessions.values()
        if s.initial_done and s.shard[1] == shards
    ]
    return shards, sorted(done, key=lambda t: t.shard_id)


def refusal(fake: FakeDiscord) -> str | None:
    for r in fake.identify_log:
        if r.outcome != "ready":
            code = dict(fake.closed).get(r.conn_id)
            return f"refused {code} {r.outcome} (shard {r.shard}, {r.guilds} guilds)"
    return None


def read_log(log: Path) -> str:
    return log.read_text(errors="replace")


async def watch(fake: FakeDiscord, proc: asyncio.subprocess.Process, log: Path, t0: float, within: float) -> RunResult:
    """Poll until the client is ready on every shard, is refused, exits, or ``within`` seconds pass."""
    res = RunResult(label="")
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        await asyncio.sleep(POLL)
        rss, cpu = proc_status(proc.pid)
        res.peak_rss_mb, res.client_cpu = rss or res.peak_rss_mb, cpu or res.client_cpu
        res.shards, res.per_shard = shard_timings(fake, t0)
        if res.client_ready is None:
            res.client_ready = client_ready_at(read_log(log), t0, time.perf_counter())
        if res.shards and len(res.per_shard) == res.shards:
            res.all_shards_done = max(t.done for t in res.per_shard)
        if res.client_ready is not None and res.all_shards_done is not None:
            res.outcome = "ready"
            break
        refused = refusal(fake)
        if refused is not None:
            res.outcome = refused
            break
        if proc.returncode is not None:
            res.outcome = f"exited {proc.returncode} before ready"
            break
    return res


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def run_one(label: str, cmd: str, args: argparse.Namespace, shards: int | None = None) -> RunResult:
    """Start ``cmd`` against a fresh fake with ``args.guilds`` guilds and measure its start-up."""
    fake, _ = build_fake(args.guilds, args.max_concurrency, not args.no_prepare, shards)
    await fake.start()
    with tempfile.TemporaryDirectory(prefix="shard-bench-") as tmp:
        log = Path(tmp) / "client.log"
        env = {
            **os.environ,
            **fake.env(),
            "DISCORD_TOKEN": fake.state.token,
            "FROM_BELOW_DATABASE": str(Path(tmp) / "from-below.sqlite3"),
            "FROM_BELOW_LOG_LEVEL": "INFO",
        }
        cpu0 = time.process_time()
        with log.open("wb") as out:
            t0 = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(
                *shlex.split(cmd), env=env, cwd=str(REPO_ROOT), stdout=out, stderr=out
            )
        try:
            res = await watch(fake, proc, log, t0, args.timeout)
            await asyncio.sleep(1.0)  # let the high-water mark settle after the burst
            rss, _ = proc_status(proc.pid)
            res.peak_rss_mb = rss or res.peak_rss_mb
            res.fake_cpu = time.process_time() - cpu0
            if res.outcome != "ready" and res.outcome.startswith("refused"):
                await asyncio.wait_for(proc.wait(), 15)  # a refused client should give up by itself
        except TimeoutError:
            res.outcome += "; then did not exit within 15 s"
        finally:
            await stop(proc)
            await fake.close()
        res.label = label
        res.log_tail = read_log(log)[-1500:]
    return res


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def report(results: list[RunResult], args: argparse.Namespace, prepare_s: float) -> str:
    prepared = "built during the handshake" if args.no_prepare else f"prepared beforehand in {prepare_s:.2f} s"
    lines = [
        f"shard start-up: {args.guilds} guilds, fake Discord on 127.0.0.1 (max_concurrency {args.max_concurrency}); "
        f"seconds from process start; GUILD_CREATE bodies {prepared}",
        f"{'client':<27}{'outcome':<16}{'shards':>7}{'all shards sent s':>19}{'client ready s':>16}"
        f"{'peak RSS MB':>13}{'client CPU s':>14}{'fake CPU s':>12}",
    ]
    for r in results:
        outcome = r.outcome if len(r.outcome) <= 15 else r.outcome[:14] + "…"
        lines.append(
            f"{r.label:<27}{outcome:<16}{r.shards:>7}{fmt(r.all_shards_done):>19}{fmt(r.client_ready):>16}"
            f"{fmt(r.peak_rss_mb):>13}{fmt(r.client_cpu):>14}{r.fake_cpu:>12.1f}"
        )
    for r in results:
        if r.per_shard:
            work = [t.done - t.identify for t in r.per_shard]
            lines.append(
                f"  {r.label}: per shard IDENTIFY -> last GUILD_CREATE written: min {min(work):.2f} s, "
                f"max {max(work):.2f} s; IDENTIFYs from {r.per_shard[0].identify:.1f} s to "
                f"{max(t.identify for t in r.per_shard):.1f} s (discord.py sleeps 5 s before each but the first); "
                f"fake CPU for all READY + GUILD_CREATEs {sum(t.fake_cpu for t in r.per_shard):.2f} s"
            )
        if r.outcome != "ready":
            lines.append(f"  {r.label}: {r.outcome}")
    counts = sorted({r.shards for r in results if r.outcome == "ready"})
    if len(counts) > 1 and not args.shards:
        lines.append("  note: the clients ran different shard counts, so their figures are not like for like")
    for n in args.shards or [None]:
        same = [r for r in results if n is None or r.requested_shards == n]
        prefix = f"  {n} shards: " if n is not None else ""
        lines.append(prefix + ratio_line(same))
    return "\n".join(lines)


def ratio_line(results: list[RunResult]) -> str:
    by_label = {r.label.split(" (")[0]: r for r in results}
    bare, bot = by_label.get("bare AutoSharded"), by_label.get("From Below bot")
    if bare is None or bot is None:
        return "RSS(bot)/RSS(bare): n/a (run both)"
    if bot.outcome != "ready" or bare.outcome != "ready" or not bare.peak_rss_mb or not bot.peak_rss_mb:
        hint = ""
        if "4011" in bot.outcome:
            hint = " - a shard of more than 2,500 guilds: Discord requires more shards"
        return f"RSS(bot)/RSS(bare): n/a: the bot did not get ready ({bot.outcome}){hint}"
    ratio = bot.peak_rss_mb / bare.peak_rss_mb
    return f"RSS(bot)/RSS(bare) = {ratio:.2f} (target <= 1.3: {'met' if ratio <= 1.3 else 'NOT met'})"


async def main_async(args: argparse.Namespace) -> int:
    _, prepare_s = build_fake(args.guilds, args.max_concurrency, not args.no_prepare)  # timed, then thrown away
    targets = [("bare AutoSharded", args.bare_cmd), ("From Below bot", args.bot_cmd)]
    if args.only != "both":
        targets = [targets[0] if args.only == "bare" else targets[1]]
    results = []
    for shards in args.shards or [None]:
        for label, cmd in targets:
            name = f"{label} ({shards})" if shards is not None else label
            sys.stderr.write(f"running {name}: {cmd}\n")
            res = await run_one(name, cmd, args, shards)
            res.requested_shards = shards
            if res.outcome != "ready" and args.verbose:
                sys.stderr.write(f"--- {name} output (tail) ---\n{res.log_tail}\n")
            results.append(res)
    print(report(results, args, prepare_s))
    return 0 if all(r.outcome == "ready" for r in results) else 1


def main() -> None:
    p = argparse.ArgumentParser(prog="shard_bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--guilds", type=int, default=10_000, help="guilds in the fake world (default 10000)")
    p.add_argument("--only", choices=("both", "bare", "bot"), default="both")
    p.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for each client (default 240)")
    p.add_argument(
        "--max-concurrency",
        type=int,
        default=1,
        help="GET /gateway/bot max_concurrency (default 1; discord.py 2.7 ignores it)",
    )
    p.add_argument(
        "--shards",
        type=lambda raw: [int(x) for x in raw.split(",") if x.strip()],
        default=None,
        metavar="N[,M...]",
        help="shard counts the fake recommends, one run each (default: ceil(guilds / 1000))",
    )
    p.add_argument("--no-prepare", action="store_true", help="build GUILD_CREATE bodies during the handshake")
    p.add_argument("--bare-cmd", default=BARE_CMD)
    p.add_argument("--bot-cmd", default=BOT_CMD)
    p.add_argument("-v", "--verbose", action="store_true", help="print the output tail of a client that failed")
    sys.exit(asyncio.run(main_async(p.parse_args())))


if __name__ == "__main__":
    main()
