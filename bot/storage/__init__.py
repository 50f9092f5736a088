"""SQLite storage (aiosqlite): one connection, numbered migrations, typed repositories.

Repositories take the :class:`Database` and return core dataclasses, never rows or Discord
objects::

    db = await Database.open(settings.database_path)   # creates folders, migrates
    schedules = SettingsRepository(db)
    posts = PostsRepository(db)
"""

from bot.storage.database import (
    Database,
    StorageError,
    backup_database,
    latest_version,
    migrate_database,
    open_database,
)
from bot.storage.guilds import DEPARTURE_GRACE, GuildsRepository
from bot.storage.meta import MetaRepository
from bot.storage.posts import PostsRepository
from bot.storage.settings import SettingsRepository

__all__ = [
    "DEPARTURE_GRACE",
    "Database",
    "GuildsRepository",
    "MetaRepository",
    "PostsRepository",
    "SettingsRepository",
    "StorageError",
    "backup_database",
    "latest_version",
    "migrate_database",
    "open_database",
]
