"""Interaction latency through the fake Discord: a bot under test next to a trivial discord.py bot.

For each bot the harness starts the fake (``tests/fakediscord``) on 127.0.0.1, launches the bot as a
subprocess with the test-only switch (``FROM_BELOW_DISCORD_API_URL`` / ``..._GATEWAY_URL``) in its
environment, waits for READY and a first answered interaction, then sends ``--n`` interactions one
at a time and measures, on the fake's clock, the time from writing INTERACTION_CREATE to the socket
to receiving the bot's ``POST /interactions/{id}/{token}/callback``. Both bots run under the same
fake, the same loopback and the same machine, so the ratio is the bot's own overhead.

    .venv/bin/python bench/interaction_bench.py                      # trivial vs trivial (sanity)
    .venv/bin/python bench/interaction_bench.py --n 1000 \\
        --bot-cmd ".venv/bin/python -m bot run" --command onthisday

``--options`` takes the interaction's options as JSON, e.g. ``'[{"name": "query", "type": 3, "value": "commune"}]'``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shlex
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))

from fakediscord import FakeDiscord  # noqa: E402

TRIVIAL_CMD = f"{shlex.quote(sys.executable)} {shlex.quote(str(REPO_ROOT / 'bench' / 'trivial_bot.py'))}"


@dataclass
class BenchResult:
    label: str
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0  # callbacks the fake answered with a non-2xx status, or that never came
    startup: float = 0.0  # seconds from launch to the first answered interaction

    def pct(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else math.nan


@dataclass
class Scenario:
    command: str = "ok"
    options: list[dict[str, Any]] = field(default_factory=list)
    guild: str = "People's History Club"
    channel: str = "general"
    user: str = "owner"


async def _send(fake: FakeDiscord, sc: Scenario) -> Any:
    return await fake.slash(sc.command, *sc.options, guild=sc.guild, channel=sc.channel, user=sc.user)


class BotRun:
    """One bot subprocess attached to its own fake; ``one()`` measures a single interaction."""

    def __init__(
        self,
        label: str,
        cmd: str,
        sc: Scenario,
        *,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        ready_timeout: float = 60.0,
        answer_timeout: float = 5.0,
        token: str = "fake-token",
    ) -> None:
        self.result = BenchResult(label)
        self.cmd, self.sc, self.env, self.cwd = cmd, sc, env or {}, cwd
        self.ready_timeout, self.answer_timeout, self.token = ready_timeout, answer_timeout, token
        self.fake = FakeDiscord()
        self.fake.state.token = token
        self.proc: asyncio.subprocess.Process | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()

    async def start(self) -> None:
        await self.fake.start()
        t0 = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *shlex.split(self.cmd),
            env={**os.environ, **self.fake.env(), "DISCORD_TOKEN": self.token, **self.env},
            cwd=self.cwd or str(REPO_ROOT),
            stdout=self.log,
            stderr=self.log,
        )
        try:
            await _wait_ready(self.fake, self.proc, self.sc, self.ready_timeout, self.answer_timeout)
        except BaseException:
            self.dump_log()
            raise
        self.result.startup = time.perf_counter() - t0

    def dump_log(self) -> None:
        self.log.seek(0)
        tail = self.log.read()[-3000:].decode(errors="replace")
        sys.stderr.write(f"--- {self.result.label} output (tail) ---\n{tail}\n")

    async def one(self, record: bool = True) -> None:
        rec = await _send(self.fake, self.sc)
        try:
            cb = await self.fake.wait_for_callback(rec, within=self.answer_timeout)
        except TimeoutError:
            self.result.errors += record
            return
        if not 200 <= cb.status < 300:
            self.result.errors += record
        if record:
            self.result.latencies.append(rec.latency)

    async def stop(self) -> None:
        proc = self.proc
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        problems = self.fake.state.problems
        if problems:
            sys.stderr.write(f"{self.result.label}: {len(problems)} body-check problem(s); first: {problems[0][1]}\n")
        await self.fake.close()
        self.log.close()


async def compare(baseline: BotRun, bot: BotRun, *, n: int, warmup: int) -> tuple[BenchResult, BenchResult]:
    """Measure both bots in lockstep, alternating which goes first, so machine noise hits both alike."""
    try:
        await baseline.start()
        await bot.start()
        for _ in range(warmup):
            await baseline.one(record=False)
            await bot.one(record=False)
        for i in range(n):
            pair = (baseline, bot) if i % 2 == 0 else (bot, baseline)
            for run in pair:
                await run.one()
    finally:
        await bot.stop()
        await baseline.stop()
    return baseline.result, bot.result


async def _wait_ready(
    fake: FakeDiscord, proc: asyncio.subprocess.Process, sc: Scenario, ready_timeout: float, answer_timeout: float
) -> None:
    deadline = time.monotonic() + ready_timeout
    ready = asyncio.ensure_future(fake.wait_for_ready(within=ready_timeout))
    exited = asyncio.ensure_future(proc.wait())
    done, _ = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
    if exited in done:
        ready.cancel()
        raise RuntimeError(f"bot exited with {proc.returncode} before connecting")
    exited.cancel()
    ready.result()
    # The bot may still be in setup (syncing commands, loading data): retry until one is answered.
    while True:
        rec = await _send(fake, sc)
        try:
            await fake.wait_for_callback(rec, within=min(answer_timeout, max(0.1, deadline - time.monotonic())))
            return
        except TimeoutError:
            if time.monotonic() > deadline or proc.returncode is not None:
                raise RuntimeError(f"bot never answered /{sc.command} within {ready_timeout}s") from None


def report(baseline: BenchResult, bot: BenchResult, n: int) -> str:
    lines = [
        f"interaction latency: INTERACTION_CREATE written by the fake -> callback received by the fake; "
        f"n={n} each, one at a time, the two bots alternating, 127.0.0.1",
        f"{'bot':<28}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}{'max ms':>9}{'errors':>8}{'startup s':>11}",
    ]
    for r in (baseline, bot):
        mx = max(r.latencies) * 1000 if r.latencies else math.nan
        lines.append(
            f"{r.label:<28}{r.pct(50):>9.2f}{r.pct(99):>9.2f}{r.mean_ms:>9.2f}{mx:>9.2f}{r.errors:>8}{r.startup:>11.2f}"
        )
    lines.append(
        f"{'ratio bot / trivial':<28}{bot.pct(50) / baseline.pct(50):>8.2f}x{bot.pct(99) / baseline.pct(99):>8.2f}x"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1000, help="measured interactions per bot (default 1000)")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--bot-cmd", default=TRIVIAL_CMD, help="command that starts the bot under test")
    p.add_argument("--bot-label", default="bot under test")
    p.add_argument("--command", default="ok", help="slash command to invoke on the bot under test")
    p.add_argument("--options", default="[]", help="JSON list of interaction options for --command")
    p.add_argument("--guild", default="People's History Club")
    p.add_argument("--channel", default="general")
    p.add_argument("--user", default="owner")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra env for the bot under test")
    p.add_argument("--cwd", default=None, help="working directory for the bot under test")
    p.add_argument("--baseline-cmd", default=TRIVIAL_CMD, help="the trivial bot (answers /ok with 'ok')")
    p.add_argument("--ready-timeout", type=float, default=60.0)
    return p.parse_args(argv)


async def amain(args: argparse.Namespace) -> tuple[BenchResult, BenchResult]:
    extra = dict(kv.split("=", 1) for kv in args.env)
    sc = Scenario(args.command, json.loads(args.options), args.guild, args.channel, args.user)
    baseline = BotRun("trivial discord.py (/ok)", args.baseline_cmd, Scenario(), ready_timeout=args.ready_timeout)
    bot = BotRun(
        f"{args.bot_label} (/{args.command})", args.bot_cmd, sc, env=extra, cwd=args.cwd,
        ready_timeout=args.ready_timeout,
    )  # fmt: skip
    return await compare(baseline, bot, n=args.n, warmup=args.warmup)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    baseline, bot = asyncio.run(amain(args))
    print(report(baseline, bot, args.n))
    return 1 if bot.errors or baseline.errors else 0


if __name__ == "__main__":
    sys.exit(main())
