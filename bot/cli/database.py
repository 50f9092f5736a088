"""``python -m bot backup PATH`` and ``python -m bot migrate [--copy-to URL]``: database operations
for operators, on SQLite (a file path) and PostgreSQL (a ``postgresql://`` URL)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say, settings_or_exit
from bot.storage import StorageError, backup_database, describe_target, is_database_url, migrate_database
from bot.storage.copy import copy_sqlite_to_postgres

PG_DUMP_HINT = (
    "The database is PostgreSQL: back it up with PostgreSQL's own tools, e.g. "
    'pg_dump --format=custom --file=from_below-$(date +%F).dump "$FROM_BELOW_DATABASE" '
    "(restore with pg_restore --clean --dbname=...)."
)


def _target(args: argparse.Namespace) -> str | Path:
    if args.database:
        return str(args.database) if is_database_url(str(args.database)) else Path(args.database)
    return settings_or_exit().database_target


def cmd_backup(args: argparse.Namespace) -> int:
    source = _target(args)
    if isinstance(source, str):
        say(PG_DUMP_HINT, err=True)
        return EXIT_USAGE
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
    target = _target(args)
    if args.copy_to:
        return _copy(target, args.copy_to)
    label = describe_target(target)
    try:
        before, after = asyncio.run(migrate_database(target))
    except StorageError as exc:
        say(f"Migration failed: {exc}", err=True)
        return EXIT_FAILED
    if before == after:
        say(f"{label} is up to date (schema version {after}).")
    else:
        say(f"Migrated {label} from schema version {before} to {after}.")
    return EXIT_OK


def _copy(source: str | Path, destination: str) -> int:
    if isinstance(source, str):
        say(
            f"--copy-to copies a SQLite database, but the database is {describe_target(source)}: "
            "point FROM_BELOW_DATABASE (or --database) at the SQLite file.",
            err=True,
        )
        return EXIT_USAGE
    if not destination.startswith(("postgresql://", "postgres://")):
        say(f"--copy-to needs a postgresql:// URL, got {describe_target(destination)[:60]!r}.", err=True)
        return EXIT_USAGE
    if not source.is_file():
        say(f"No database at {source}: nothing to copy (set FROM_BELOW_DATABASE or pass --database).", err=True)
        return EXIT_USAGE
    where = describe_target(destination)
    try:
        report = asyncio.run(copy_sqlite_to_postgres(source, destination))
    except StorageError as exc:
        say(f"Copy to {where} failed: {exc}", err=True)
        return EXIT_FAILED
    counts = ", ".join(f"{table} {n}" for table, n in report.tables.items())
    say(
        f"Copied {source} to {where}: {report.rows} row(s) in {len(report.tables)} table(s), schema version "
        f"{report.schema_version}; row counts verified ({counts})."
    )
    say("Next: stop the bot, set FROM_BELOW_DATABASE to the PostgreSQL URL, and start it again.")
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
    parser.add_argument("--database", metavar="FILE|URL", help="database to migrate (default: FROM_BELOW_DATABASE)")
    parser.add_argument(
        "--copy-to",
        metavar="URL",
        help="copy every table of the (SQLite) database into this EMPTY PostgreSQL database "
        "(postgresql://user:password@host:5432/dbname) and verify the row counts",
    )
    parser.set_defaults(func=cmd_migrate)
