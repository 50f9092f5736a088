"""Storage: one :class:`Database` interface over SQLite (the default) or PostgreSQL, numbered
migrations, typed repositories.

Repositories take the :class:`Database` and return core dataclasses, never rows or Discord
objects::

    db = await open_database(settings.database_target)   # a file path or a postgresql:// URL; migrates
    schedules = SettingsRepository(db)
    posts = PostsRepository(db)
"""

from bot.storage.database import (
    ConnectionLostError,
    Database,
    Row,
    StorageError,
    StorageUnavailableError,
    Transaction,
    describe_target,
    is_database_url,
    latest_version,
    migrate_database,
    open_database,
    redact_url,
)
from bot.storage.guilds import DEPARTURE_GRACE, GuildsRepository
from bot.storage.meta import MetaRepository
from bot.storage.postgres import PostgresDatabase
from bot.storage.posts import PostsRepository
from bot.storage.settings import SettingsRepository
from bot.storage.sqlite import SQLiteDatabase, backup_database

__all__ = [
    "DEPARTURE_GRACE",
    "ConnectionLostError",
    "Database",
    "GuildsRepository",
    "MetaRepository",
    "PostgresDatabase",
    "PostsRepository",
    "Row",
    "SQLiteDatabase",
    "SettingsRepository",
    "StorageError",
    "StorageUnavailableError",
    "Transaction",
    "backup_database",
    "describe_target",
    "is_database_url",
    "latest_version",
    "migrate_database",
    "open_database",
    "redact_url",
]
