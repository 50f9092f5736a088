"""The layering holds: front ends → services → storage and core; ui → core; core imports nothing.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked here by
running ``lint-imports`` on the real package, and once on a copy with a deliberately wrong
import, so a broken contract is known to fail.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_import_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("ui/layout.py", "from bot.services.lookups import Lookups", "ui renders core objects"),
        ("services/lookups.py", "import discord", "services combine storage"),
        ("core/models.py", "from bot.storage import Database", "core is pure"),
    ],
)
def test_a_wrong_import_breaks_its_contract(tmp_path: Path, module: str, wrong_import: str, contract: str) -> None:
    shutil.copytree(BOT, tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "bot" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{wrong_import}  # noqa\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout
    assert "BROKEN" in result.stdout


def _local_bot_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found.extend(f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] == "bot")
    return found


def test_no_module_of_the_bot_is_imported_inside_a_function() -> None:
    """Imports hidden in functions hide cycles; with one-way layers there is no need for them."""
    hidden = [line for path in sorted(BOT.rglob("*.py")) for line in _local_bot_imports(path)]
    assert hidden == []


def test_preview_health_and_check_content_do_not_load_discord() -> None:
    code = (
        "import sys\n"
        "import bot.cli.preview, bot.cli.health, bot.cli.content, bot.services\n"
        "from bot.config import load_settings\n"
        "from bot.services.library import load_content\n"
        "load_content(load_settings({}, dotenv=False).content_dirs)\n"
        "assert 'discord' not in sys.modules, 'discord was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


#: The longest a function in ``bot/`` may be, in lines (a longer one does several things).
MAX_FUNCTION_LINES = 60


def test_no_function_is_longer_than_sixty_lines() -> None:
    long = []
    for path in sorted(BOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


def test_every_public_service_and_storage_function_and_class_has_a_docstring() -> None:
    """Methods count as documented when the method they implement is (``inspect.getdoc``)."""
    import importlib
    import inspect
    import pkgutil

    import bot.services
    import bot.storage

    missing = []
    for package in (bot.services, bot.storage):
        modules = [package.__name__] + [
            info.name for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        ]
        for module in map(importlib.import_module, modules):
            for name, obj in vars(module).items():
                if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                    continue
                if (inspect.isfunction(obj) or inspect.isclass(obj)) and not inspect.getdoc(obj):
                    missing.append(f"{module.__name__}.{name}")
                if inspect.isclass(obj):
                    for attr, member in vars(obj).items():
                        if attr.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                            continue
                        documented = inspect.getdoc(member if isinstance(member, property) else getattr(obj, attr))
                        if not documented:
                            missing.append(f"{module.__name__}.{name}.{attr}")
    assert missing == []


def test_no_import_cycle_between_modules_of_the_bot() -> None:
    """Tarjan's strongly connected components over the import graph (``TYPE_CHECKING`` blocks,
    which only serve annotations, left out): every component must be a single module."""
    import grimp

    graph = grimp.build_graph("bot", exclude_type_checking_imports=True)
    modules = sorted(graph.modules)
    edges = {m: sorted(set(graph.find_modules_directly_imported_by(m)) & set(modules)) for m in modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for other in edges[module]:
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in order:
            visit(module)
    assert cycles == []
