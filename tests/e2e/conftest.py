"""Fixtures for end-to-end tests against the fake Discord (``tests/fakediscord``) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:  # make ``fakediscord`` importable however pytest was started
    sys.path.insert(0, _TESTS_DIR)

from fakediscord import FakeDiscord, point_discord_py_at  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A started fake on 127.0.0.1:<ephemeral> with a short heartbeat, closed after the test.

    Every body the bot sent must pass the fake's Discord limit checks; the fixture fails the test
    otherwise (``fake.state.problems`` lists them).
    """
    server = FakeDiscord(heartbeat_interval_ms=500)
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    problems = [f"{r.method} {r.path}: {p}" for r, p in server.state.problems]
    assert server.expect_invalid_bodies or not problems, "bodies that break Discord's documented limits:\n" + "\n".join(
        problems
    )


@pytest.fixture
def discord_py_at_fake(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point discord.py in this process at ``fake`` (REST base + gateway), restored afterwards."""
    undo = point_discord_py_at(fake.api_url, fake.gateway_url)
    try:
        yield fake
    finally:
        undo()


class BotProcess:
    """A bot subprocess pointed at the fake; output goes to a log file under ``tmp_path``."""

    def __init__(self, proc: asyncio.subprocess.Process, log_path: Path) -> None:
        self.proc = proc
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, within: float = 10.0) -> int:
        """Send ``sig`` (SIGTERM by default) and wait for the exit code; kill after ``within`` seconds."""
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
            try:
                await asyncio.wait_for(self.proc.wait(), within)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
                raise AssertionError(f"bot ignored signal {sig} for {within}s:\n{self.log()[-3000:]}") from None
        assert self.proc.returncode is not None
        return self.proc.returncode


SpawnBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def spawn_bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[SpawnBot]:
    """Start a bot subprocess against ``fake``: ``await spawn_bot()`` runs ``python -m bot run``.

    ``await spawn_bot("bench/trivial_bot.py", env={...})`` runs something else. The environment
    carries the fake's URLs (``fake.env()``), ``DISCORD_TOKEN`` and a fresh ``FROM_BELOW_DATABASE``
    under ``tmp_path``; ``cwd=`` runs it elsewhere than the repository (e.g. beside a ``.env``).
    Processes still running at teardown get SIGTERM.
    """
    started: list[BotProcess] = []

    async def spawn(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> BotProcess:
        argv = args or ("-m", "bot", "run")
        log_path = tmp_path / f"bot-{len(started)}.log"
        full_env = {
            **os.environ,
            **fake.env(),
            "DISCORD_TOKEN": fake.state.token,
            "FROM_BELOW_DATABASE": str(tmp_path / "from-below.sqlite3"),
            "FROM_BELOW_LOG_LEVEL": "INFO",
            **(env or {}),
        }
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, *argv, env=full_env, cwd=str(cwd or REPO_ROOT), stdout=log, stderr=log
            )
        bp = BotProcess(proc, log_path)
        started.append(bp)
        return bp

    yield spawn
    for bp in started:
        if bp.proc.returncode is None:
            with contextlib.suppress(AssertionError):
                await bp.stop()
