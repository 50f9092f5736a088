"""One error handler: friendly, private messages; error ids and tracebacks only in the log."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import Any

import discord
import pytest
from conftest import Harness, assert_message_within_limits
from discord import app_commands

from bot.core.errors import ConnectionLostError, NotFoundError, StorageUnavailableError, UserInputError
from bot.errors import describe
from bot.ui.pagination import send_message


def _add(harness: Harness, name: str, body: Any) -> None:
    @app_commands.command(name=name, description=f"test command {name}")
    async def command(interaction: discord.Interaction[Any]) -> None:
        await body(interaction)

    harness.bot.tree.add_command(command)


async def test_unexpected_error_gives_an_error_id_and_logs_the_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(interaction: discord.Interaction[Any]) -> None:
        raise RuntimeError("secret internal detail")

    _add(harness, "boom", boom)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        (message,) = await harness.invoke("boom")
    assert message.ephemeral
    assert_message_within_limits(message)
    assert "secret internal detail" not in message.content
    assert "Traceback" not in message.content
    match = re.search(r"error id `([0-9a-f]{8})`", message.content)
    assert match is not None
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError
    assert "command='boom'" in record.getMessage()


async def test_domain_error_after_a_defer_goes_to_a_private_followup(harness: Harness) -> None:
    async def deferred_then_fails(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True)
        raise NotFoundError("No such thing.")

    _add(harness, "later", deferred_then_fails)
    defer, followup = await harness.invoke("later")
    assert defer.kind == "defer"
    assert followup.kind == "followup"
    assert followup.ephemeral
    assert followup.content == "No such thing."


async def test_slow_command_is_deferred_within_the_window_then_answered(harness: Harness) -> None:
    harness.bot.tree.defer_after = 0.05  # type: ignore[attr-defined]

    async def slow(interaction: discord.Interaction[Any]) -> None:
        await asyncio.sleep(0.3)
        await send_message(interaction, [discord.Embed(title="done")])

    _add(harness, "slow", slow)
    defer, answer = await harness.invoke("slow")
    assert defer.kind == "defer"
    assert answer.kind == "followup"
    assert answer.embeds[0]["title"] == "done"


async def test_fast_command_is_not_deferred(harness: Harness) -> None:
    harness.bot.tree.defer_after = 0.05  # type: ignore[attr-defined]
    (message,) = await harness.invoke("event show", event="hungary-1956")
    await asyncio.sleep(0.1)
    assert message.kind == "message"
    assert [s.kind for s in harness.adapter.sent] == ["message"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (UserInputError("Try 17 June."), "Try 17 June."),
        (app_commands.NoPrivateMessage(), "only works in a server"),
        (app_commands.MissingPermissions(["manage_guild"]), "Manage Server"),
        (app_commands.CheckFailure(), "can't use this command here"),
    ],
)
def test_describe_maps_known_errors_to_friendly_text(error: Exception, expected: str) -> None:
    described = describe(error)
    assert expected in described.message
    assert not described.unexpected


def test_describe_cooldown_uses_a_relative_timestamp() -> None:
    cooldown = app_commands.CommandOnCooldown(app_commands.Cooldown(1, 30), 30)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert f"<t:{int(now.timestamp()) + 30}:R>" in describe(cooldown, now=now).message


def test_describe_unknown_error_is_unexpected_with_an_id() -> None:
    described = describe(ValueError("x"))
    assert described.unexpected
    assert described.error_id
    assert "x" not in described.message


def test_an_unreachable_database_gets_a_friendly_message_without_details() -> None:
    described = describe(
        StorageUnavailableError("cannot reach PostgreSQL at 10.0.0.5:5432/from_below: connection refused")
    )
    assert described.message == (
        "I can't reach my database right now, so nothing was changed. Please try again in a minute."
    )
    assert not described.unexpected
    lost = describe(ConnectionLostError("lost while committing", saved=None))
    assert "can't tell whether that was saved" in lost.message
    rolled_back = describe(ConnectionLostError("lost; nothing was saved", saved=False))
    assert "nothing was changed" in rolled_back.message
