"""Start-up faults an operator meets, through the real command line (issue 16).

Each fault ends in one clear line and the documented exit code (2 for a problem of the
installation or configuration), never a traceback. The bot's ``run`` is pointed at a loopback
port where nothing listens: these faults must stop it before it would try to connect.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import app
from bot.config import VARIABLES, load_settings, unknown_variables, variable_warnings
from bot.content_loader import load_library
from bot.core import search as search_module
from bot.core.search import SearchIndex
from bot.services.startup import remove_stale_files, stale_files
from bot.storage import Database, StorageError
from bot.storage import sqlite as sqlite_engine

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "content"
#: Nothing listens here: a bot that got as far as connecting would fail with exit 1, not 2.
NOWHERE = "http://127.0.0.1:9/api/v10"


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    base["PYTHONPATH"] = str(ROOT)
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=base,
        cwd=cwd or ROOT,
        input=stdin,
        timeout=120,
        check=False,
    )


def run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": "a-token-that-is-never-sent",
        "FROM_BELOW_DISCORD_API_URL": NOWHERE,
        "FROM_BELOW_DATABASE": str(tmp_path / "data" / "bot.sqlite3"),
        **extra,
    }


def problem_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines on stderr (where the operator's messages go)."""
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A copy of the shipped library to break."""
    target = tmp_path / "content"
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns("schema", "README.md"))
    return target


def loop_at(path: Path) -> Path:
    """Make ``path`` a symlink that points at itself."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(path.name)
    return path


# --- symlink loops and unreadable content ---------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "check-content"])
def test_a_symlink_loop_as_the_content_folder_is_one_line_and_exit_2(command: str, tmp_path: Path) -> None:
    folder = loop_at(tmp_path / "content")
    result = run_cli(command, env=run_env(tmp_path, FROM_BELOW_CONTENT_DIR=str(folder)))
    assert_no_traceback(result)
    assert result.returncode == 2, result.stdout + result.stderr
    assert problem_lines(result) == [
        f"Cannot read the content: {folder}: cannot read this folder: a symlink loop (the link leads back to itself)"
    ]


def test_check_content_with_a_symlink_loop_as_its_argument_is_one_line_and_exit_2(tmp_path: Path) -> None:
    folder = loop_at(tmp_path / "packs")
    result = run_cli("check-content", str(folder))
    assert_no_traceback(result)
    assert result.returncode == 2
    assert len(problem_lines(result)) == 1
    assert "symlink loop" in problem_lines(result)[0]
    assert str(folder) in problem_lines(result)[0]


@pytest.mark.parametrize("command", ["run", "check-content"])
def test_a_symlink_loop_as_tags_yaml_is_one_line_and_exit_2(command: str, tmp_path: Path, content_copy: Path) -> None:
    tags = loop_at(content_copy / "tags.yaml")
    result = run_cli(command, env=run_env(tmp_path, FROM_BELOW_CONTENT_DIR=str(content_copy)))
    assert_no_traceback(result)
    assert result.returncode == 2, result.stdout + result.stderr
    # One line: not one more per tag the packs could then not find.
    assert problem_lines(result) == [
        f"Cannot read the content: {tags}: cannot read this file: a symlink loop (the link leads back to itself)"
    ]


@pytest.mark.parametrize("command", ["run", "check-content"])
def test_an_unreadable_event_file_is_one_line_and_exit_2(command: str, tmp_path: Path, content_copy: Path) -> None:
    # A file the bot cannot open (here a link to nowhere; a file without read permission is the
    # same error path, which a test running as root cannot produce).
    events = content_copy / "toppled-from-below" / "events" / "asia.yaml"
    events.unlink()
    events.symlink_to(tmp_path / "gone.yaml")
    result = run_cli(command, env=run_env(tmp_path, FROM_BELOW_CONTENT_DIR=str(content_copy)))
    assert_no_traceback(result)
    assert result.returncode == 2, result.stdout + result.stderr
    assert problem_lines(result) == [
        f"Cannot read the content: {events}: cannot read this file: No such file or directory"
    ]


def test_loader_reports_loops_at_every_level_without_raising(tmp_path: Path, content_copy: Path) -> None:
    loop_at(content_copy / "struggles-in-democracies")  # a pack folder
    loop_at(content_copy / "revolts-against-stalinism" / "articles")  # a pack's articles folder
    (content_copy / "toppled-from-below" / "events" / "more.yaml").symlink_to("more.yaml")
    result = load_library([content_copy, loop_at(tmp_path / "extra")])
    reported = sorted(issue.path for issue in result.unreadable)
    assert reported == sorted(
        [
            str(content_copy / "struggles-in-democracies"),
            str(content_copy / "toppled-from-below" / "events" / "more.yaml"),
            str(tmp_path / "extra"),
        ]
    )  # the articles link is a symlinked folder: not followed, as before
    assert all("symlink loop" in issue.message for issue in result.unreadable)


# --- no events from the main content folder -------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "check-content"])
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p, "it does not exist"),
        (lambda p: p.mkdir() or p, "it holds no content pack (a folder with a pack.yaml)"),
        (lambda p: p.write_text("not a folder\n") and p, "it is a file, not a folder"),
    ],
    ids=["missing", "empty", "file"],
)
def test_no_events_from_the_main_folder_is_exit_2_naming_it(command: str, make, reason: str, tmp_path: Path) -> None:
    folder = make(tmp_path / "library")
    result = run_cli(command, env=run_env(tmp_path, FROM_BELOW_CONTENT_DIR=str(folder)))
    assert_no_traceback(result)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = problem_lines(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"No events loaded from the main content folder {folder}: {reason}.")
    assert "FROM_BELOW_CONTENT_DIR" in lines[0]


def test_a_main_folder_whose_packs_all_fail_is_exit_2(tmp_path: Path, content_copy: Path) -> None:
    for pack in content_copy.glob("*/pack.yaml"):
        pack.write_text("id: Not A Slug\n")
    result = run_cli("run", env=run_env(tmp_path, FROM_BELOW_CONTENT_DIR=str(content_copy)))
    assert_no_traceback(result)
    assert result.returncode == 2
    assert problem_lines(result)[-1].startswith(
        f"No events loaded from the main content folder {content_copy}: every pack in it has errors"
    )


def test_check_content_of_an_explicit_pack_without_events_still_passes(tmp_path: Path) -> None:
    # Only the configured main folder must hold events; a pack checked on its own need not.
    pack = tmp_path / "pack"
    (pack / "articles").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "id: mine\nname: Mine\ndescription: Nothing yet.\nlanguage: en\ncredits: me\nlicence: CC0\n"
    )
    result = run_cli("check-content", str(pack))
    assert_no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr


# --- misspelt variables -------------------------------------------------------------------------


def test_unknown_variables_name_the_closest_known_one() -> None:
    env = {
        "FROM_BELOW_DB_PATH": "x",
        "FROM_BELOW_LOGLEVEL": "DEBUG",
        "FROM_BELOW_TOKEN": "t",
        "FROM_BELOW_XYZZY": "1",
        "FROM_BELOW_DATABASE": "ok",
        "FROM_BELOW_DISCORD_GATEWAY_URL": "ws://127.0.0.1:1/gateway",  # set by the fake Discord's tests
        "PATH": "/bin",
    }
    assert unknown_variables(env) == [
        ("FROM_BELOW_DB_PATH", "FROM_BELOW_DATABASE"),
        ("FROM_BELOW_LOGLEVEL", "FROM_BELOW_LOG_LEVEL"),
        ("FROM_BELOW_TOKEN", "DISCORD_TOKEN"),
        ("FROM_BELOW_XYZZY", None),
    ]
    warnings = variable_warnings(env, frozenset({"FROM_BELOW_LOGLEVEL"}))
    assert warnings == [
        "FROM_BELOW_DB_PATH (in the environment) is not a From Below setting and is ignored: "
        "did you mean FROM_BELOW_DATABASE? .env.example lists every setting",
        "FROM_BELOW_LOGLEVEL (in .env) is not a From Below setting and is ignored: "
        "did you mean FROM_BELOW_LOG_LEVEL? .env.example lists every setting",
        "FROM_BELOW_TOKEN (in the environment) is not a From Below setting and is ignored: "
        "did you mean DISCORD_TOKEN? .env.example lists every setting",
        "FROM_BELOW_XYZZY (in the environment) is not a From Below setting and is ignored: "
        ".env.example lists every setting",
    ]
    assert load_settings(env, dotenv=False).warnings == tuple(variable_warnings(env))


def test_the_known_variables_are_the_ones_in_env_example() -> None:
    example = (ROOT / ".env.example").read_text()
    known = {name for name in VARIABLES if name.startswith("FROM_BELOW_")}
    assert known == set(re.findall(r"(?m)^#?(FROM_BELOW_[A-Z_]+)=", example))


def test_a_misspelt_variable_in_dot_env_is_a_warning_and_the_command_goes_on(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("FROM_BELOW_DB_PATH=data/elsewhere.sqlite3\n")
    result = run_cli("check-content", cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert problem_lines(result) == [
        "warning: FROM_BELOW_DB_PATH (in .env) is not a From Below setting and is ignored: "
        "did you mean FROM_BELOW_DATABASE? .env.example lists every setting"
    ]
    assert result.stdout.startswith("OK:")


# --- a full disk: the search cache ---------------------------------------------------------------


@pytest.mark.parametrize("error", [sqlite3.OperationalError("database or disk is full"), KeyboardInterrupt()])
def test_a_failed_search_cache_build_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    library = load_library([SHIPPED]).library
    real_fill = search_module._fill

    def failing(conn: sqlite3.Connection, *args: object, **kwargs: object) -> None:
        if conn.execute("PRAGMA database_list").fetchone()[2]:
            conn.execute("CREATE TABLE filler (x)")
            conn.execute("INSERT INTO filler VALUES (zeroblob(200000))")
            raise error
        real_fill(conn, *args, **kwargs)

    monkeypatch.setattr(search_module, "_fill", failing)
    cache = tmp_path / "search-index.sqlite3"
    if isinstance(error, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            SearchIndex.build(library, cache)
    else:
        index = SearchIndex.build(library, cache)
        assert index.cache_problem == f"could not write the search cache {cache} (database or disk is full)"
        assert index.search("vorkuta").total > 0  # served from memory
        index.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --- stale temporary files -------------------------------------------------------------------------


def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_only_the_bots_own_stale_files_are_found(tmp_path: Path) -> None:
    db = tmp_path / "from_below.sqlite3"
    cache = tmp_path / "search-index.sqlite3"
    beat = tmp_path / "heartbeat.json"
    stale = [
        tmp_path / "from_below.sqlite3.pre-v2.bak.partial",
        tmp_path / f".search-index.sqlite3.{dead_pid()}.140211.tmp",
        tmp_path / f".search-index.sqlite3.{os.getpid()}.2.tmp.partial",  # not the pattern: kept
        tmp_path / ".heartbeat.json.k2j3h4a_.tmp",
        # Our own pid counts as dead: after a restart in a container, an old file may carry it.
        tmp_path / f".search-index.sqlite3.{os.getpid()}.7.tmp",
    ]
    kept = [
        tmp_path / "backup.sqlite3.partial",  # an operator's backup in progress
        tmp_path / "console.sqlite3.pre-v2.bak.partial",  # the console's database, not the bot's
        tmp_path / f".search-index.sqlite3.{os.getppid()}.1.tmp",  # a live process is building it
        tmp_path / "notes.tmp",
        tmp_path / "from_below.sqlite3-journal",
        tmp_path / "from_below.sqlite3.pre-v2.bak",
    ]
    for path in stale + kept:
        path.write_bytes(b"x")
    found = stale_files(db, cache, beat)
    assert found == sorted([stale[0], stale[1], stale[3], stale[4]])
    assert remove_stale_files(db, cache, beat) == found
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in [*kept, stale[2]])


# --- the console keeps to its own database ----------------------------------------------------------


def test_the_console_uses_its_own_database_not_the_bots(tmp_path: Path) -> None:
    bot_db = tmp_path / "data" / "from_below.sqlite3"
    result = run_cli(
        "console",
        env={"FROM_BELOW_DATABASE": str(bot_db)},
        cwd=tmp_path,
        stdin="/settings channel #general\n/settings time 09:00\n",
    )
    assert_no_traceback(result)
    assert result.returncode == 0
    console_db = bot_db.parent / "console.sqlite3"
    assert console_db.is_file()
    assert not bot_db.exists()  # the bot would schedule (and post to) the console's pretend server
    conn = sqlite3.connect(console_db)
    try:
        assert conn.execute("SELECT guild_id, channel_id FROM schedules").fetchall() != []
    finally:
        conn.close()


# --- health says why the bot is not running ---------------------------------------------------------


def test_run_without_a_token_tells_health_why(tmp_path: Path) -> None:
    env = {"FROM_BELOW_DATABASE": str(tmp_path / "data" / "bot.sqlite3")}
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    health = run_cli("health", env=env, cwd=tmp_path)
    assert_no_traceback(health)
    assert health.returncode == 1
    lines = health.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("unhealthy: the bot stopped ")
    assert "DISCORD_TOKEN is not set" in lines[0]
    beat = json.loads((tmp_path / "data" / "heartbeat.json").read_text())
    assert beat["connected"] is False
    assert datetime.fromisoformat(beat["written_at"]) <= datetime.now(UTC)


def test_content_that_stops_the_bot_is_reported_by_health(tmp_path: Path) -> None:
    env = run_env(tmp_path, FROM_BELOW_CONTENT_DIR=str(tmp_path / "missing"))
    assert run_cli("run", env=env).returncode == 2
    health = run_cli("health", env=env)
    assert health.returncode == 1
    assert "No events loaded from the main content folder" in health.stdout


async def test_a_full_disk_during_the_pre_upgrade_copy_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    db = await Database.open(path, migrate=False)
    try:
        await db.migrate(target=1)

        def disk_full(copy: sqlite3.Connection) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(sqlite_engine, "_finish_copy", disk_full)
        with pytest.raises((sqlite3.OperationalError, StorageError), match="disk is full"):
            await db.migrate()
        assert await db.user_version() == 1  # nothing changed
    finally:
        await db.close()
    assert [name for name in os.listdir(tmp_path) if "pre-v" in name] == []


def test_a_misspelt_token_variable_is_named_when_the_token_is_missing(tmp_path: Path) -> None:
    result = run_cli("run", env={"FROM_BELOW_TOKEN": "abc"}, cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert problem_lines(result) == [
        "warning: FROM_BELOW_TOKEN (in the environment) is not a From Below setting and is ignored: "
        "did you mean DISCORD_TOKEN? .env.example lists every setting",
        "DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in a .env file here "
        "(see .env.example) or export it, then run again.",
    ]


async def test_a_database_that_cannot_open_on_a_full_disk_says_the_disk_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings({"FROM_BELOW_DATABASE": str(tmp_path / "data" / "bot.sqlite3")}, dotenv=False)

    async def cannot_open(settings: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")  # what SQLite says when not even -shm fits

    monkeypatch.setattr(app, "_open_database", cannot_open)
    monkeypatch.setattr(app.shutil, "disk_usage", lambda folder: SimpleNamespace(free=8192))
    assert await app._open_or_explain(settings) is None
    assert capsys.readouterr().err.splitlines() == [
        f"Cannot open the database at {settings.database_path}: disk I/O error "
        f"(the disk is full: 8 KB free in {tmp_path}; free some space and start again)"
    ]
    monkeypatch.setattr(app.shutil, "disk_usage", lambda folder: SimpleNamespace(free=9 * 10**8))
    assert await app._open_or_explain(settings) is None
    assert capsys.readouterr().err.splitlines() == [
        f"Cannot open the database at {settings.database_path}: disk I/O error"
    ]


def test_content_without_read_permission_is_unreadable(
    tmp_path: Path, content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The error a file or folder without permission gives (a test running as root never sees it).
    tags = content_copy / "tags.yaml"
    events = content_copy / "struggles-in-democracies" / "events"
    real_read_text = Path.read_text
    real_scandir = os.scandir

    def read_text(self: Path, *args: object, **kwargs: object) -> str:
        if self.name == "tags.yaml" and self.parent.name == "content":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)  # type: ignore[arg-type]

    def scandir(path: object = ".") -> object:
        if os.fspath(path) == str(events):  # type: ignore[call-overload]
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "read_text", read_text)
    monkeypatch.setattr(os, "scandir", scandir)
    result = load_library([content_copy])
    assert [str(issue) for issue in result.unreadable] == [
        f"{tags}: cannot read this file: Permission denied",
        f"{events}: cannot read this folder: Permission denied",
    ]


def test_the_console_warns_when_told_to_use_the_bots_database(tmp_path: Path) -> None:
    bot_db = tmp_path / "data" / "from_below.sqlite3"
    result = run_cli(
        "console", "--database", str(bot_db), env={"FROM_BELOW_DATABASE": str(bot_db)}, cwd=tmp_path, stdin="/help\n"
    )
    assert_no_traceback(result)
    assert result.returncode == 0
    assert f"{bot_db} is the bot's own database: a bot running on it will try to post" in result.stdout
    assert bot_db.is_file()  # --database still decides
