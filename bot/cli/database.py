"""``python -m bot backup PATH`` and ``python -m bot migrate``: database operations for operators."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say, settings_or_exit
from bot.storage.database import StorageError, backup_database, migrate_database


def cmd_backup(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    source = Path(args.database) if args.database else settings.database_path
    if not source.is_file():
        say(f"No database at {source}: nothing to back up (set FROM_BELOW_DATABASE or pass --database).", err=True)
        return EXIT_USAGE
    if not str(args.path).strip():
        say("Give the backup a file name or a folder, like backups/ (a dated name is chosen in it).", err=True)
        return EXIT_USAGE
    try:
        written = asyncio.run(backup_database(source, args.path))
    except StorageError as exc:
        say(f"Backup failed: {exc}", err=True)
        return EXIT_FAILED
    say(f"Backed up {source} to {written} (online backup, integrity checked).")
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    path = Path(args.database) if args.database else settings.database_path
    try:
        before, after = asyncio.run(migrate_database(path))
    except StorageError as exc:
        say(f"Migration failed: {exc}", err=True)
        return EXIT_FAILED
    if before == after:
        say(f"{path} is up to date (schema version {after}).")
    else:
        say(f"Migrated {path} from schema version {before} to {after}.")
    return EXIT_OK


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "backup":
        _configure_backup(parser)
    else:
        _configure_migrate(parser)


def _configure_backup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        metavar="PATH",
        help="a new file to write, or a folder (existing, or ending in /): a dated name is chosen in it. "
        "An existing file is never overwritten",
    )
    parser.add_argument("--database", metavar="FILE", help="database to copy (default: FROM_BELOW_DATABASE)")
    parser.set_defaults(func=cmd_backup)


def _configure_migrate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", metavar="FILE", help="database to migrate (default: FROM_BELOW_DATABASE)")
    parser.set_defaults(func=cmd_migrate)
