"""Discord goes away: the health check says so, and SIGTERM still stops the bot at once."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from fakediscord import FakeDiscord

REPO_ROOT = Path(__file__).resolve().parents[2]


def heartbeat(path: Path) -> dict[str, object] | None:
    try:
        data: dict[str, object] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data


async def test_outage_is_reported_unhealthy_and_sigterm_is_prompt(fake: FakeDiscord, spawn_bot, tmp_path: Path) -> None:
    bot = await spawn_bot()
    await fake.wait_for_ready(within=30)
    beat_file = tmp_path / "heartbeat.json"
    await fake.wait_for(lambda: (heartbeat(beat_file) or {}).get("connected") is True, within=30, what="connected")

    # Discord disappears: connections are closed and new ones refused.
    outage_started = time.time()
    await fake.close()

    # Wait for a scheduler tick after the outage began: the tick must not report "connected".
    def ticked_after_outage() -> bool:
        data = heartbeat(beat_file) or {}
        tick = data.get("scheduler_tick")
        if not isinstance(tick, str):
            return False
        from datetime import datetime

        return datetime.fromisoformat(tick).timestamp() > outage_started + 1

    deadline = time.monotonic() + 75
    while not ticked_after_outage():
        assert time.monotonic() < deadline, bot.log()[-2000:]
        await asyncio.sleep(0.5)
    assert (heartbeat(beat_file) or {}).get("connected") is False

    health = await asyncio.to_thread(
        subprocess.run,
        # No shard grace: the outage may be only seconds old (the default tolerates a 60 s RESUME).
        [sys.executable, "-m", "bot", "health", "--file", str(beat_file), "--shard-grace", "0"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert health.returncode == 1
    assert "disconnected" in health.stdout + health.stderr

    # discord.py is now sleeping between reconnect attempts; a stop must not wait for that.
    started = time.monotonic()
    code = await bot.stop(within=10)
    assert code == 0, bot.log()[-3000:]
    assert time.monotonic() - started < 5
    assert "Traceback (most recent call last)" not in bot.log().split("SIGTERM received")[-1]
