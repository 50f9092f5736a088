"""Shared helpers for the issue-7 scenarios (``test_scenarios_*.py``): the real bot against the fake.

* :func:`start_bot` runs ``python -m bot run`` unchanged, with the fake's URLs in the environment
  (the same way ``spawn_bot`` in ``conftest.py`` does), for fixtures wider than one test.
* :func:`answer` invokes a command and returns the callback body, failing with the bot's log on timeout.
* :func:`assert_user_safe` checks what a user would see: no traceback text, no mentions allowed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakediscord import FakeDiscord, InteractionRecord

from .conftest import REPO_ROOT, BotProcess

GLOBAL_COMMANDS = "/applications/{application_id}/commands"
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
EPHEMERAL = 1 << 6
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "', "Error:", "Exception")

Json = dict[str, Any]


async def start_bot(fake: FakeDiscord, database: Path, log_path: Path, env: dict[str, str] | None = None) -> BotProcess:
    """Start ``python -m bot run`` against ``fake`` with the given database file."""
    full_env = {
        **os.environ,
        **fake.env(),
        "DISCORD_TOKEN": fake.state.token,
        "FROM_BELOW_DATABASE": str(database),
        "FROM_BELOW_LOG_LEVEL": "INFO",
        **(env or {}),
    }
    with log_path.open("ab") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=full_env, cwd=str(REPO_ROOT), stdout=log, stderr=log
        )
    return BotProcess(proc, log_path)


async def wait_until_ready(fake: FakeDiscord, bot: BotProcess, *, sessions: int = 1, within: float = 60.0) -> None:
    """Wait until ``sessions`` sessions have been IDENTIFYed and sent READY + GUILD_CREATEs."""
    try:
        await fake.wait_for(lambda: len(fake.received_ops(2)) >= sessions, within, f"{sessions} IDENTIFY(s)")
        await fake.wait_for_ready(within=within)
    except TimeoutError:
        raise AssertionError(f"the bot did not get ready:\n{bot.log()[-4000:]}") from None


@dataclass
class Running:
    """A fake Discord with the real bot connected to it (see :func:`running_bot`)."""

    fake: FakeDiscord
    bot: BotProcess
    database: Path
    exit_code: int | None = None


@asynccontextmanager
async def running_bot(tmp: Path, env: dict[str, str] | None = None) -> AsyncIterator[Running]:
    """Start a fake and ``python -m bot run`` against it, ready and with its commands registered.

    On exit the bot gets SIGTERM (its exit code is kept in ``exit_code``) and the fake closes.
    """
    fake = FakeDiscord(heartbeat_interval_ms=500)
    await fake.start()
    database = tmp / "from-below.sqlite3"
    bot = await start_bot(fake, database, tmp / "bot.log", env=env)
    running = Running(fake, bot, database)
    try:
        await wait_until_ready(fake, bot)
        await fake.wait_for_request("PUT", GLOBAL_COMMANDS, within=20)
        yield running
    finally:
        running.exit_code = await bot.stop()
        await fake.close()


async def answer(fake: FakeDiscord, rec: InteractionRecord, bot: BotProcess | None = None, within: float = 5.0) -> Json:
    """The callback body the bot sent for ``rec`` (a dict), after checking it was accepted."""
    try:
        cb = await fake.wait_for_callback(rec, within=within)
    except TimeoutError:
        log = bot.log()[-4000:] if bot is not None else ""
        raise AssertionError(f"no callback for interaction {rec.id} within {within}s\n{log}") from None
    assert cb.status in (200, 204), (cb.status, cb.problems, cb.body)
    assert not cb.problems, cb.problems
    assert not rec.late_callbacks, "answered after Discord's 3 s deadline"
    assert isinstance(cb.body, dict)
    return cb.body


def message_data(body: Json) -> Json:
    data = body.get("data")
    assert isinstance(data, dict), body
    return data


def texts(value: Any) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from texts(v)


def embed_text(data: Json) -> str:
    """Titles, descriptions, fields, footers and authors of a message's embeds, one string."""
    parts: list[str] = []
    for embed in data.get("embeds") or []:
        parts.append(str(embed.get("title") or ""))
        parts.append(str(embed.get("description") or ""))
        for field in embed.get("fields") or []:
            parts.extend([str(field.get("name")), str(field.get("value"))])
        parts.append(str((embed.get("footer") or {}).get("text") or ""))
        parts.append(str((embed.get("author") or {}).get("name") or ""))
    return "\n".join(parts)


def visible_text(data: Json) -> str:
    """What a user reads: content plus embed text."""
    return (str(data.get("content") or "") + "\n" + embed_text(data)).strip()


def assert_no_traceback(data: Json) -> None:
    """No traceback or exception text anywhere in a body a user sees."""
    blob = "\n".join(texts(data))
    for marker in TRACEBACK_MARKERS:
        assert marker not in blob, f"{marker!r} shown to a user: {blob[:1500]}"


def assert_user_safe(data: Json) -> None:
    """No traceback text; mentions are off (``allowed_mentions.parse`` empty, no users or roles)."""
    assert_no_traceback(data)
    mentions = data.get("allowed_mentions")
    assert mentions is not None, f"no allowed_mentions in {json.dumps(data)[:500]}"
    assert mentions.get("parse") == [], mentions
    assert not mentions.get("users"), mentions
    assert not mentions.get("roles"), mentions


def is_ephemeral(data: Json) -> bool:
    return bool(int(data.get("flags") or 0) & EPHEMERAL)


def buttons(message: Json) -> dict[str, Json]:
    """The message's buttons by label."""
    out: dict[str, Json] = {}
    for row in message.get("components") or []:
        for comp in row.get("components") or []:
            if comp.get("type") == 2 and comp.get("label"):
                out[str(comp["label"])] = comp
    return out


def selects(message: Json) -> list[Json]:
    return [c for row in message.get("components") or [] for c in row.get("components") or [] if c.get("type") == 3]
