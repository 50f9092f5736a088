"""The operator's command line, run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    base["PYTHONPATH"] = str(ROOT)
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=base,
        cwd=cwd or ROOT,
        timeout=60,
        check=False,
    )


def test_run_without_token_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_every_command_has_help() -> None:
    import argparse

    from bot.cli import build_parser

    top = run_cli("--help")
    assert top.returncode == 0
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = list(sub.choices)
    assert "run" in commands
    assert "check-content" in commands
    for command in commands:
        result = run_cli(command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "usage:" in result.stdout


def test_version_is_printed() -> None:
    from bot import __version__

    result = run_cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_bad_config_is_one_clear_message(tmp_path: Path) -> None:
    result = run_cli("run", env={"DISCORD_TOKEN": "x", "FROM_BELOW_LOG_LEVEL": "LOUD"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "FROM_BELOW_LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_content_fails_with_file_line_field(tmp_path: Path) -> None:
    pack = tmp_path / "mypack"
    (pack / "events").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "id: mypack\nname: Mine\ndescription: Mine.\nlanguage: en\ncredits: [me]\nlicence: CC0\n"
    )
    (pack / "events" / "e.yaml").write_text("events:\n  - id: x\n    date: 1953-02-30\n")
    result = run_cli("check-content", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert "mypack/events/e.yaml:3: events[0](x).date:" in result.stdout
    assert "February 1953 has 28 days" in result.stdout


def test_check_content_passes_on_a_good_pack(tmp_path: Path) -> None:
    pack = tmp_path / "mypack"
    (pack / "events").mkdir(parents=True)
    (tmp_path / "tags.yaml").write_text("topics:\n  strike: A strike.\n")
    (pack / "pack.yaml").write_text(
        "id: mypack\nname: Mine\ndescription: Mine.\nlanguage: en\ncredits: [me]\nlicence: CC0\n"
    )
    (pack / "events" / "e.yaml").write_text(
        "events:\n  - id: x\n    title: A strike\n    date: 1953-06-16\n    place: Berlin\n    country: East Germany\n"
        "    description: Builders on the Stalinallee downed tools over raised work quotas. They marched to the"
        " government offices.\n    tags: [strike]\n    sources: [{title: S, url: 'https://example.org'}]\n"
    )
    result = run_cli("check-content", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 pack, 0 articles, 1 event" in result.stdout
    assert "on 1 distinct calendar day of 366" in result.stdout


def test_token_never_appears_in_logs() -> None:
    import logging

    from bot.log import RedactingFilter

    token = "MTIzNDU2Nzg5.secret.token-value"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "connecting with %s", (token,), None)
    RedactingFilter([token]).filter(record)
    assert token not in record.getMessage()
    from bot.config import Secret

    assert token not in repr(Secret(token))
    assert token not in str(Secret(token))


def test_migrate_then_backup_makes_a_consistent_copy(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "data" / "bot.sqlite3"
    env = {"FROM_BELOW_DATABASE": str(db)}
    migrated = run_cli("migrate", env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "schema version" in migrated.stdout
    assert db.is_file()
    again = run_cli("migrate", env=env, cwd=tmp_path)
    assert "up to date" in again.stdout

    dest = tmp_path / "copy.sqlite3"
    backup = run_cli("backup", str(dest), env=env, cwd=tmp_path)
    assert backup.returncode == 0, backup.stderr
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version >= 1


def test_backup_without_a_database_says_so(tmp_path: Path) -> None:
    result = run_cli(
        "backup", str(tmp_path / "x"), env={"FROM_BELOW_DATABASE": str(tmp_path / "none.db")}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "No database" in result.stderr
    assert "Traceback" not in result.stderr


def test_output_piped_into_a_closed_reader_is_not_an_error() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "check-content"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()  # like `| head` that stopped reading before the bot wrote anything
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in stderr
    assert "BrokenPipe" not in stderr
