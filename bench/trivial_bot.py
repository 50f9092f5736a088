"""The baseline for the interaction benchmark: a minimal discord.py bot whose one command answers "ok".

Run it against the fake::

    FROM_BELOW_DISCORD_API_URL=http://127.0.0.1:PORT/api/v10 \\
    FROM_BELOW_DISCORD_GATEWAY_URL=ws://127.0.0.1:PORT/gateway \\
    DISCORD_TOKEN=fake-token python bench/trivial_bot.py

It uses the same test-only switch as the real bot (REST base and gateway address from the
environment), registers ``/ok`` with one bulk overwrite in ``setup_hook`` and stops cleanly on
SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands


def apply_test_switch(environ: dict[str, str] | os._Environ[str]) -> None:
    """Point discord.py at a fake Discord when the test-only variables are set."""
    api = environ.get("FROM_BELOW_DISCORD_API_URL")
    if api:
        discord.http.Route.BASE = api.rstrip("/")
    gateway = environ.get("FROM_BELOW_DISCORD_GATEWAY_URL")
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


@app_commands.command(name="ok", description="Answers ok")
async def ok(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("ok")


class TrivialBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.2)
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(ok)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def main() -> int:
    apply_test_switch(os.environ)
    token = os.environ.get("DISCORD_TOKEN", "fake-token")
    bot = TrivialBot()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(token)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("TRIVIAL_BOT_LOG", "WARNING"), stream=sys.stderr)
    sys.exit(asyncio.run(main()))
