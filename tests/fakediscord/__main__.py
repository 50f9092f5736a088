"""Run the fake as a standalone process: ``python -m fakediscord`` (with ``tests/`` on ``sys.path``).

Prints one JSON line ``{"api_url", "gateway_url", "control_url", "token", "env"}`` on stdout once it
listens, then serves until SIGINT/SIGTERM. Drive it through ``/_fake/`` (see ``control.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

from .server import FakeDiscord
from .state import default_state


async def _main(args: argparse.Namespace) -> None:
    state = default_state(args.token)
    state.add_bulk_guilds(args.guilds)
    fake = FakeDiscord(
        state,
        port=args.port,
        heartbeat_interval_ms=args.heartbeat_ms,
        recommended_shards=args.shards,
        max_concurrency=args.max_concurrency,
        identify_window=args.identify_window,
    )
    await fake.start()
    info = {
        "api_url": fake.api_url,
        "gateway_url": fake.gateway_url,
        "control_url": fake.base_url + "/_fake",
        "token": args.token,
        "env": fake.env(),
    }
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await fake.close()


def main() -> None:
    p = argparse.ArgumentParser(prog="fakediscord", description=__doc__)
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = ephemeral)")
    p.add_argument("--token", default="fake-token", help="the bot token the fake accepts")
    p.add_argument("--heartbeat-ms", type=int, default=41250)
    p.add_argument("--guilds", type=int, default=0, help="bulk guilds to add to the default three")
    p.add_argument("--shards", type=int, default=None, help="GET /gateway/bot's shard count (default: guilds/1000)")
    p.add_argument("--max-concurrency", type=int, default=1, help="session_start_limit.max_concurrency")
    p.add_argument("--identify-window", type=float, default=5.0, help="seconds per identify bucket")
    asyncio.run(_main(p.parse_args()))


if __name__ == "__main__":
    main()
