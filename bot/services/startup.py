"""Checks and housekeeping before the bot connects: what ``python -m bot run`` does first.

* :func:`check_content` refuses a start that would serve nothing or half an installation:
  content that cannot be read (a symlink loop, no permission), or no events from the main
  content folder. The caller prints the lines and exits 2, like any configuration problem.
* :func:`remove_stale_files` deletes the temporary files the bot itself leaves behind when it
  is killed mid-write, and nothing else.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.content_loader import LoadResult, find_manifests
from bot.core.errors import DomainError

log = logging.getLogger(__name__)


class StartupError(DomainError):
    """The bot must not start. ``lines`` says why, one line per problem, for the operator."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = tuple(lines)


def content_problems(result: LoadResult, main_folder: Path | None) -> list[str]:
    """One line per reason the loaded content cannot be served (empty when it can).

    ``main_folder`` is the shipped library's folder (``FROM_BELOW_CONTENT_DIR``): a start with
    no events from it is refused, since every lookup and daily post would come out empty.
    """
    if result.unreadable:
        return [f"Cannot read the content: {issue}" for issue in result.unreadable]
    if main_folder is None or not result.folders or result.events_per_folder[0] > 0:
        return []
    folder = result.folders[0]
    if not os.path.lexists(folder):
        reason = "it does not exist"
    elif not folder.is_dir():
        reason = "it is a file, not a folder"
    elif not find_manifests([folder]):
        reason = "it holds no content pack (a folder with a pack.yaml)"
    else:
        reason = "every pack in it has errors; `python -m bot check-content` lists them"
    return [
        f"No events loaded from the main content folder {folder}: {reason}. "
        "Set FROM_BELOW_CONTENT_DIR to the folder of the shipped packs (content/ in a checkout)."
    ]


def check_content(result: LoadResult, main_folder: Path | None) -> None:
    """Raise :class:`StartupError` if :func:`content_problems` finds any."""
    problems = content_problems(result, main_folder)
    if problems:
        raise StartupError(problems)


# --- stale temporary files -----------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a file from an earlier process that had our pid (pids restart in a container)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    except OSError:
        return False
    return True


def stale_files(database_path: Path, search_cache_path: Path, heartbeat_path: Path) -> list[Path]:
    """The bot's own leftovers beside its database, from a process killed mid-write.

    * ``<database>.pre-vN.bak.partial`` — the copy made before a schema upgrade
      (:meth:`bot.storage.Database.migrate`), interrupted;
    * ``.<search cache>.<pid>.<thread>.tmp`` — a search index being built
      (:func:`bot.core.search.temp_cache_path`), unless that process is still running (the console
      or a second command may be building one right now);
    * ``.heartbeat.json.<random>.tmp`` — the heartbeat being replaced
      (:func:`bot.services.health.write_heartbeat`; only the running bot writes it).

    SQLite's own ``-wal``/``-journal`` files, an operator's ``backup`` in progress and anything
    else are never touched.
    """
    found: list[Path] = []
    folder = database_path.parent
    found += folder.glob(f"{_glob_escape(database_path.name)}.pre-v*.bak.partial")
    for tmp in search_cache_path.parent.glob(f".{_glob_escape(search_cache_path.name)}.*.tmp"):
        pid_text = tmp.name.removeprefix(f".{search_cache_path.name}.").split(".", 1)[0]
        if not (pid_text.isdigit() and _pid_alive(int(pid_text))):
            found.append(tmp)
    found += heartbeat_path.parent.glob(f".{_glob_escape(heartbeat_path.name)}.*.tmp")
    return sorted(p for p in found if p.is_file() and not p.is_symlink())


def remove_stale_files(database_path: Path, search_cache_path: Path, heartbeat_path: Path) -> list[Path]:
    """Delete :func:`stale_files`; log one INFO line per file removed. Returns what was removed."""
    removed: list[Path] = []
    try:
        candidates = stale_files(database_path, search_cache_path, heartbeat_path)
    except OSError as exc:
        log.warning("could not look for stale temporary files beside %s: %s", database_path, exc)
        return removed
    for path in candidates:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the stale temporary file %s: %s", path, exc.strerror or exc)
            continue
        removed.append(path)
        log.info("removed a stale temporary file left by an interrupted run: %s", path)
    return removed


def _glob_escape(name: str) -> str:
    """``name`` with glob's special characters made literal."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
