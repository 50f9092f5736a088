"""SIGTERM while the bot is still logging in ends it cleanly (exit 0, no traceback)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_sigterm_while_connecting_exits_cleanly(tmp_path: Path) -> None:
    # A loopback server that accepts connections and never answers: login hangs on it.
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": "test-token-not-real",
            "FROM_BELOW_DATABASE": str(tmp_path / "bot.sqlite3"),
            "FROM_BELOW_DISCORD_API_URL": f"http://127.0.0.1:{port}/api/v10",
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Wait until it is connecting (the hanging server sees the login request's connection).
        server.settimeout(30)
        conn, _ = server.accept()
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        elapsed = time.monotonic() - started
        conn.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        server.close()
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    assert "SIGTERM received" in out
    assert elapsed < 15
