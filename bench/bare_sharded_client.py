"""The baseline for the shard benchmark: a bare discord.py ``AutoShardedClient`` with default intents.

It does nothing but connect: it asks ``GET /gateway/bot`` for the shard count and gateway URL (as
every ``AutoShardedClient`` does), launches the shards with discord.py's own defaults (including
the 5-second ``before_identify_hook`` sleep between shards) and keeps its guild cache.

Run it against the fake (``bench/shard_bench.py`` does)::

    FROM_BELOW_DISCORD_API_URL=http://127.0.0.1:PORT/api/v10 \\
    FROM_BELOW_DISCORD_GATEWAY_URL=ws://127.0.0.1:PORT/gateway \\
    DISCORD_TOKEN=fake-token python bench/bare_sharded_client.py

It prints one JSON line per milestone on stdout: ``{"event": "shard_ready", "shard": i, "t": ...}``
and ``{"event": "ready", "guilds": n, "shards": n, "t": ...}``, where ``t`` is ``time.perf_counter()``
(CLOCK_MONOTONIC on Linux, so comparable with the harness's clock). SIGTERM/SIGINT close it cleanly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time

import discord
from trivial_bot import apply_test_switch  # this script's folder is on sys.path


def emit(event: str, **fields: object) -> None:
    sys.stdout.write(json.dumps({"event": event, "t": time.perf_counter(), **fields}) + "\n")
    sys.stdout.flush()


class BareShardedClient(discord.AutoShardedClient):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())

    async def on_shard_ready(self, shard_id: int) -> None:
        emit("shard_ready", shard=shard_id)

    async def on_ready(self) -> None:
        emit("ready", guilds=len(self.guilds), shards=self.shard_count)


async def main() -> int:
    apply_test_switch(os.environ)
    client = BareShardedClient()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(client.close()))
    try:
        async with client:
            await client.start(os.environ.get("DISCORD_TOKEN", "fake-token"))
    except discord.ConnectionClosed as exc:
        emit("closed", code=exc.code)
        return 1
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("BARE_CLIENT_LOG", "WARNING"), stream=sys.stderr)
    sys.exit(asyncio.run(main()))
