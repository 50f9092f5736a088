"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text, flags=re.S)


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_readme_run_command_uses_the_real_entry_point() -> None:
    run_command = next(c for c in readme_commands() if c.endswith("-m bot run"))
    assert run_command.startswith("python3 -m venv .venv && ")


def test_ci_runs_the_storage_tests_on_postgres_too() -> None:
    """CI sets the test server's URL before the README's command, so the PostgreSQL variants run
    there (and error if the server is missing); the README says how to do the same."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    export = "export FROM_BELOW_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test"
    test_command = next(c for c in readme_commands() if "pytest" in c)
    assert export in ci
    assert ci.index(export) < ci.index(test_command)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "FROM_BELOW_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test" in readme


# --- a newcomer can follow it ----------------------------------------------------------------


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_discord_application_is_set_up_before_the_run_command() -> None:
    text = readme()
    run_command = next(c for c in readme_commands() if c.endswith("-m bot run"))
    run_at = text.index(run_command)
    for step in (
        "Developer Portal",
        "Reset Token",
        "DISCORD_TOKEN=",
        "scope=bot+applications.commands",
        "permissions=",
    ):
        assert -1 < text.find(step) < run_at, step


def test_every_plain_install_example_uses_the_virtualenv_python() -> None:
    bare = [
        line
        for line in readme().splitlines()
        if re.search(r"(?<![/\w])python3? -m bot\b", line) and "docker" not in line
    ]
    assert bare == []


def test_how_to_find_a_server_id() -> None:
    text = readme()
    assert "Developer Mode" in text
    assert "Copy Server ID" in text


def test_what_is_stored_and_where() -> None:
    text = readme()
    section = text[text.index("## What the bot stores") :]
    section = section[: section.index("\n## ", 1)]
    for thing in ("data/from_below.sqlite3", "server", "channel id", "role id", "post history", "heartbeat.json"):
        assert thing in section, thing


def test_the_licence_file_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.splitlines()[0] == f"{project['license']['text']} License"
    assert "[LICENSE](LICENSE)" in readme()


def test_the_readme_pack_example_loads_beside_the_shipped_library(tmp_path: Path) -> None:
    from bot.config import DEFAULT_CONTENT_DIR
    from bot.content_loader import load_library

    files = re.findall(r"`my-packs/union-history/([^`]+)`:\n\n```yaml\n(.+?)```", readme(), flags=re.S)
    assert [name for name, _ in files] == ["pack.yaml", "events/strikes.yaml"]
    for name, text in files:
        path = tmp_path / "my-packs" / "union-history" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = load_library([DEFAULT_CONTENT_DIR, tmp_path / "my-packs"])
    assert result.issues == ()
    assert "union-history" in result.library.packs
    assert "our-town-general-strike-1926" in result.library.events


def test_screenshots_are_shown_and_exist() -> None:
    shown = re.findall(r"!\[[^\]]+\]\((docs/screenshots/[^)]+\.png)\)", readme())
    assert len(shown) >= 3
    for path in shown:
        assert (ROOT / path).is_file(), path


def test_every_setting_the_docs_name_is_one_the_code_reads() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    docs = [ROOT / "README.md", ROOT / "content" / "README.md", ROOT / ".env.example", ROOT / "docker-compose.yml"]
    named = {name for doc in docs for name in re.findall(r"\bFROM_BELOW_[A-Z_]+\b", doc.read_text(encoding="utf-8"))}
    assert "FROM_BELOW_EXTRA_CONTENT_DIRS" in named
    # Read by the tests, not the bot: the PostgreSQL server the storage tests also run on.
    test_only = {"FROM_BELOW_TEST_DATABASE_URL"}
    assert '"FROM_BELOW_TEST_DATABASE_URL"' in (ROOT / "tests" / "pgtest.py").read_text(encoding="utf-8")
    assert {name for name in named if f'"{name}"' not in code} - test_only == set()
