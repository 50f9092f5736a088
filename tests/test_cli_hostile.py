"""Every operator command, given bad arguments, bad files and no network: one clear message,
the documented exit code (0 done, 1 failed, 2 bad usage or configuration), never a traceback.

"No network" is a closed port on 127.0.0.1 given as ``FROM_BELOW_DISCORD_API_URL``: the bot
tries to reach Discord there and is refused at once.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def not_a_database(folder: Path) -> Path:
    path = folder / "notes.sqlite3"
    path.write_text("these are my notes, not a database\n", encoding="utf-8")
    return path


def a_database(folder: Path) -> Path:
    path = folder / "real.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    return path


def broken_pack(folder: Path) -> Path:
    pack = folder / "packs" / "broken"
    (pack / "events").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "id: broken\nname: Broken pack\ndescription: A pack with a broken file.\nlanguage: en\n"
        "credits: [me]\nlicence: CC0\n",
        encoding="utf-8",
    )
    (pack / "events" / "x.yaml").write_text("events:\n  - id: [unclosed\n", encoding="utf-8")
    return folder / "packs"


@dataclass
class Case:
    args: tuple[str, ...]
    code: int
    says: str
    env: dict[str, str] = field(default_factory=dict)
    stdin: str = ""
    #: Makes the files the case needs in the test's folder; returns a value for ``{file}`` in args/env.
    setup: Callable[[Path], Path] | None = None
    not_says: tuple[str, ...] = ()


TOKEN = {"DISCORD_TOKEN": "MTIz.not-a-real-token.abc"}

CASES: dict[str, Case] = {
    # the command line itself
    "no command": Case((), EXIT_USAGE, "usage: python -m bot"),
    "unknown command": Case(("frobnicate",), EXIT_USAGE, "invalid choice: 'frobnicate'"),
    "bad setting": Case(
        ("run",), EXIT_USAGE, "FROM_BELOW_CATCHUP_HOURS must be a number", {"FROM_BELOW_CATCHUP_HOURS": "x"}
    ),
    # run
    "run without token": Case(("run",), EXIT_USAGE, "DISCORD_TOKEN is not set"),
    "run without network": Case(("run",), EXIT_FAILED, "Could not reach Discord", TOKEN),
    "run on a file that is not a database": Case(
        ("run",),
        EXIT_FAILED,
        "Cannot open the database",
        {**TOKEN, "FROM_BELOW_DATABASE": "{file}"},
        setup=not_a_database,
    ),
    "run with an unknown option": Case(("run", "--fast"), EXIT_USAGE, "unrecognized arguments: --fast"),
    # sync
    "sync without token": Case(("sync",), EXIT_USAGE, "DISCORD_TOKEN is not set"),
    "sync without network": Case(("sync",), EXIT_FAILED, "Could not reach Discord", TOKEN),
    "sync to one server without network": Case(
        ("sync", "--guild", "123456789012345678"), EXIT_FAILED, "Could not reach Discord", TOKEN
    ),
    "sync to a server id that is not one": Case(("sync", "--guild", "my-server"), EXIT_USAGE, "is not a server id"),
    "sync on a file that is not a database": Case(
        ("sync",),
        EXIT_FAILED,
        "Cannot open the database",
        {**TOKEN, "FROM_BELOW_DATABASE": "{file}"},
        setup=not_a_database,
    ),
    # check-content
    "check a folder that does not exist": Case(
        ("check-content", "no-such-folder"), EXIT_FAILED, "there is no such folder"
    ),
    "check an empty folder": Case(
        ("check-content", "{file}"), EXIT_FAILED, "no content packs in this folder", setup=lambda d: _mkdir(d / "empty")
    ),
    "check a file": Case(
        ("check-content", "{file}"), EXIT_FAILED, "this is a file, not a folder", setup=not_a_database
    ),
    "check a broken pack": Case(
        ("check-content", "{file}"), EXIT_FAILED, "broken/events/x.yaml:3: YAML syntax error", setup=broken_pack
    ),
    # console
    "console on a file that is not a database": Case(
        ("console", "--database", "{file}"),
        EXIT_OK,
        "Cannot open the database",
        stdin="/onthisday 17 june\n",
        setup=not_a_database,
    ),
    "console with a broken extra pack": Case(
        ("console",),
        EXIT_OK,
        "Left out the content pack broken: it has errors",
        {"FROM_BELOW_EXTRA_CONTENT_DIRS": "{file}"},
        stdin="/help\n",
        setup=broken_pack,
    ),
    "console with a missing extra folder": Case(
        ("console",),
        EXIT_OK,
        "content folder does not exist",
        {"FROM_BELOW_EXTRA_CONTENT_DIRS": "/no/such/folder"},
        "/help\n",
    ),
    "console at a time that is not one": Case(("console", "--now", "noon"), EXIT_USAGE, "is not an ISO date and time"),
    "console with a width that is not a number": Case(("console", "--width", "wide"), EXIT_USAGE, "invalid int value"),
    # preview
    "preview an impossible day": Case(("preview", "--date", "31 february"), EXIT_USAGE, "February has at most 29 days"),
    "preview in an unknown timezone": Case(
        ("preview", "--timezone", "Mars/Olympus"), EXIT_USAGE, "not a timezone I know"
    ),
    "preview an unknown pack": Case(
        ("preview", "--packs", "nope"), EXIT_USAGE, "I don't know a pack called “nope”", not_says=("`",)
    ),
    "preview an ambiguous pack": Case(
        ("preview", "--packs", "t"), EXIT_USAGE, "could be toppled-from-below or tyranny-toppled"
    ),
    "preview an unknown empty-days mode": Case(
        ("preview", "--empty-days", "never"), EXIT_USAGE, "invalid choice: 'never'"
    ),
    "preview with a broken extra pack": Case(
        ("preview", "--date", "17 june"),
        EXIT_OK,
        "Left out the content pack broken: it has errors",
        {"FROM_BELOW_EXTRA_CONTENT_DIRS": "{file}"},
        setup=broken_pack,
    ),
    # health
    "health before the bot ever ran": Case(("health",), EXIT_FAILED, "unhealthy: no heartbeat"),
    "health from a file that is not a heartbeat": Case(
        ("health", "--file", "{file}"), EXIT_FAILED, "is not valid JSON", setup=not_a_database
    ),
    "health with a negative age": Case(("health", "--max-age", "-5"), EXIT_USAGE, "must be more than 0 seconds"),
    # backup
    "backup with nothing to back up": Case(("backup", "copy.sqlite3"), EXIT_USAGE, "No database at"),
    "backup to an empty name": Case(
        ("backup", "--database", "{file}", ""), EXIT_USAGE, "Give the backup a file name", setup=a_database
    ),
    "backup without a destination": Case(("backup",), EXIT_USAGE, "the following arguments are required: PATH"),
    "backup of a file that is not a database": Case(
        ("backup", "--database", "{file}", "copy.sqlite3"),
        EXIT_FAILED,
        "could not be copied as a SQLite database",
        setup=not_a_database,
    ),
    "backup over an existing file": Case(
        ("backup", "--database", "{file}", "{file}.again"),
        EXIT_FAILED,
        "already exists and is never overwritten",
        setup=lambda d: _touch(a_database(d), ".again"),
    ),
    "backup into a file given as a folder": Case(
        ("backup", "--database", "{file}", "{file}/"), EXIT_FAILED, "is a file, not a folder", setup=a_database
    ),
    # migrate
    "migrate a file that is not a database": Case(
        ("migrate", "--database", "{file}"), EXIT_FAILED, "is not a SQLite database", setup=not_a_database
    ),
    "migrate a folder": Case(
        ("migrate", "--database", "{file}"), EXIT_FAILED, "is a folder", setup=lambda d: _mkdir(d / "db")
    ),
    "migrate where no folder can be made": Case(
        ("migrate", "--database", "{file}/data/bot.sqlite3"), EXIT_FAILED, "cannot be opened", setup=not_a_database
    ),
}


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _touch(path: Path, suffix: str) -> Path:
    Path(f"{path}{suffix}").write_text("my earlier backup\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def no_network() -> str:
    return f"http://127.0.0.1:{closed_port()}/api/v10"


@pytest.mark.parametrize("name", list(CASES))
def test_every_command_fails_clearly_without_a_traceback(name: str, tmp_path: Path, no_network: str) -> None:
    case = CASES[name]
    made = case.setup(tmp_path) if case.setup is not None else None

    def fill(text: str) -> str:
        return text.replace("{file}", str(made)) if made is not None else text

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["FROM_BELOW_DATABASE"] = str(tmp_path / "data" / "from_below.sqlite3")
    env["FROM_BELOW_DISCORD_API_URL"] = no_network
    env.update({k: fill(v) for k, v in case.env.items()})
    result = subprocess.run(
        [sys.executable, "-m", "bot", *map(fill, case.args)],
        input=case.stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == case.code, output
    assert case.says in output, output
    for unwanted in case.not_says:
        assert unwanted not in output, output
    if case.code != EXIT_OK:
        assert result.stderr.strip() or name.startswith("health"), "a failure says why on stderr"
    if case.setup is not None and "{file}" in " ".join(case.args) and case.args[0] in {"backup", "migrate"}:
        # Nothing the operator had was changed or removed.
        assert made is not None
        assert made.exists()


def test_the_hostile_cases_cover_every_command() -> None:
    from bot.cli import COMMANDS

    covered = {case.args[0] for case in CASES.values() if case.args} - {"frobnicate"}
    assert covered == set(COMMANDS)


def test_a_file_that_is_not_a_database_is_left_as_it_was(tmp_path: Path) -> None:
    notes = not_a_database(tmp_path)
    before = notes.read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate", "--database", str(notes)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_FAILED
    assert result.stderr.strip() == (f"Migration failed: {notes} is not a SQLite database (file is not a database)")
    assert notes.read_bytes() == before
