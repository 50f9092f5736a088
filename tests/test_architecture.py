"""The layering holds: the core, storage and the Discord-free services never import discord."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
DISCORD_FREE = [
    *sorted((BOT / "core").rglob("*.py")),
    *sorted((BOT / "storage").rglob("*.py")),
    BOT / "content_loader.py",
    BOT / "posting.py",
    BOT / "queries.py",
    BOT / "config.py",
    BOT / "health.py",
    BOT / "resources.py",
    BOT / "console.py",
    BOT / "preview.py",
]
CORE_FORBIDDEN = {"discord", "aiosqlite", "yaml", "aiohttp"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("bot.exts") or node.module.startswith("bot.ui.embeds"):
                roots.add("bot.exts")
    return roots


@pytest.mark.parametrize("path", DISCORD_FREE, ids=lambda p: str(p.relative_to(BOT)))
def test_module_does_not_import_discord(path: Path) -> None:
    roots = imported_roots(path)
    assert "discord" not in roots
    assert "bot.exts" not in roots


@pytest.mark.parametrize("path", sorted((BOT / "core").rglob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_the_standard_library_and_small_pure_libraries(path: Path) -> None:
    assert not (imported_roots(path) & CORE_FORBIDDEN)


def test_console_and_preview_do_not_load_discord() -> None:
    import subprocess
    import sys

    code = (
        "import sys, asyncio\n"
        "from bot import console, preview, resources\n"
        "from bot.config import load_settings\n"
        "resources.load_content(load_settings({}, dotenv=False))\n"
        "assert 'discord' not in sys.modules, 'discord was imported'\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
