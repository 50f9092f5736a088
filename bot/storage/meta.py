"""A small key/value table for the rest of the bot (e.g. the hash of the last synced command tree)."""

from __future__ import annotations

from bot.storage.database import Database


class MetaRepository:
    """Small values that survive restarts (e.g. the hash of the last synced command tree)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        return await self._db.get_meta(key)

    async def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        await self._db.set_meta(key, value)

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        await self._db.delete_meta(key)
