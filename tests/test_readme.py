"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
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
