"""Structural checks on the real command tree: names, descriptions, limits, contexts, sync hash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
from conftest import Harness
from discord import app_commands

from bot.app import Bot, sync_key, tree_hash, tree_payload, walk_extensions


def _all_commands(bot: Bot) -> list[app_commands.Command[Any, ..., Any]]:
    found = []
    for command in bot.tree.get_commands():
        if isinstance(command, app_commands.Group):
            found.extend(c for c in command.walk_commands() if isinstance(c, app_commands.Command))
        elif isinstance(command, app_commands.Command):
            found.append(command)
    return found


def test_walk_extensions_finds_every_feature_and_skips_private_modules() -> None:
    names = list(walk_extensions())
    for expected in (
        "bot.exts.lookup.article",
        "bot.exts.lookup.event",
        "bot.exts.lookup.onthisday",
        "bot.exts.lookup.timeline",
        "bot.exts.meta.help",
        "bot.exts.meta.about",
    ):
        assert expected in names
    assert not any(part.startswith("_") for name in names for part in name.split("."))
    assert len(names) == len(set(names))


async def test_every_command_fits_discord_rules(harness: Harness) -> None:
    payload = tree_payload(harness.bot.tree, None)
    names = [c["name"] for c in payload]
    assert len(names) == len(set(names))

    def check(node: dict[str, Any]) -> None:
        assert 1 <= len(node["name"]) <= 32
        assert node["name"] == node["name"].lower()
        assert 1 <= len(node["description"]) <= 100
        assert node["description"] != "…", f"{node['name']} has no description"
        for option in node.get("options", []):
            check(option)
        for choice in node.get("choices", []):
            assert 1 <= len(choice["name"]) <= 100

    for command in payload:
        check(command)


async def test_lookups_work_in_servers_and_dms(harness: Harness) -> None:
    for command in tree_payload(harness.bot.tree, None):
        if command["name"] in {"article", "event", "onthisday", "timeline", "help", "about"}:
            assert sorted(command["contexts"]) == [0, 1], command["name"]


def test_bot_asks_for_no_privileged_intent_and_pings_nobody(tmp_path: Path, test_library: Any) -> None:
    from conftest import make_settings

    bot = Bot(settings=make_settings(tmp_path), library=test_library, sync_on_start=False)
    assert not bot.intents.members
    assert not bot.intents.presences
    assert not bot.intents.message_content
    assert bot.allowed_mentions is not None
    assert bot.allowed_mentions.to_dict() == {"parse": []}


async def test_tree_hash_is_stable_and_changes_with_the_commands(harness: Harness) -> None:
    tree = harness.bot.tree
    first = tree_hash(tree)
    assert first == tree_hash(tree)

    @app_commands.command(name="extra", description="A new command")
    async def extra(interaction: discord.Interaction[Any]) -> None: ...

    tree.add_command(extra)
    assert tree_hash(tree) != first
    tree.remove_command("extra")
    assert tree_hash(tree) == first
    assert sync_key(1, None) != sync_key(1, 2)
