"""Servers the bot is in, and departures.

When the bot leaves a server its settings are **not** deleted at once: the departure is
recorded, posting stops, and :meth:`GuildsRepository.purge_departed` deletes the server's
settings and post history once :data:`DEPARTURE_GRACE` (30 days) has passed. If the bot is
added back within the grace period, :meth:`GuildsRepository.joined` cancels the purge and
everything is as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from bot.storage.database import Database, Transaction, from_iso, to_iso

#: How long a server's settings are kept after the bot leaves it.
DEPARTURE_GRACE = dt.timedelta(days=30)


class GuildsRepository:
    """The servers the bot is in, and when it left those it is no longer in."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def joined(self, guild_id: int, *, at: dt.datetime) -> bool:
        """The bot is in this server (again). Returns True if a pending purge was cancelled."""

        async def work(tx: Transaction) -> bool:
            await tx.execute(
                "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (guild_id, to_iso(at))
            )
            returned = await tx.execute(
                "UPDATE guilds SET left_at = NULL WHERE guild_id = ? AND left_at IS NOT NULL", (guild_id,)
            )
            return returned > 0

        return await self._db.run_transaction(work)

    async def left(self, guild_id: int, *, at: dt.datetime) -> bool:
        """The bot left (or was removed from) a server. Returns True if it had settings to keep."""
        changed = await self._db.execute(
            "UPDATE guilds SET left_at = ? WHERE guild_id = ? AND left_at IS NULL", (to_iso(at), guild_id)
        )
        return changed > 0

    async def reconcile(
        self, present: Iterable[int], *, at: dt.datetime, only: Callable[[int], bool] | None = None
    ) -> tuple[list[int], list[int]]:
        """After connecting: mark stored servers the bot is no longer in as departed, and servers
        it is in again as returned. Returns ``(departed, returned)``.

        ``only`` limits both to the servers it accepts (a process that runs some of the shards
        knows only those shards' servers, and must not mark the others departed)."""
        present_ids = set(present)

        async def work(tx: Transaction) -> tuple[list[int], list[int]]:
            rows = await tx.fetchall("SELECT guild_id, left_at FROM guilds")
            if only is not None:
                rows = [r for r in rows if only(int(r["guild_id"]))]
            departed = sorted(
                int(r["guild_id"]) for r in rows if r["left_at"] is None and int(r["guild_id"]) not in present_ids
            )
            returned = sorted(
                int(r["guild_id"]) for r in rows if r["left_at"] is not None and int(r["guild_id"]) in present_ids
            )
            await tx.executemany(
                "UPDATE guilds SET left_at = ? WHERE guild_id = ?", [(to_iso(at), g) for g in departed]
            )
            await tx.executemany("UPDATE guilds SET left_at = NULL WHERE guild_id = ?", [(g,) for g in returned])
            return (departed, returned)

        return await self._db.run_transaction(work)

    async def departed(self) -> dict[int, dt.datetime]:
        """Servers the bot left, with when, whose settings are still kept."""
        rows = await self._db.fetchall("SELECT guild_id, left_at FROM guilds WHERE left_at IS NOT NULL")
        result: dict[int, dt.datetime] = {}
        for r in rows:
            left_at = from_iso(r["left_at"])
            assert left_at is not None
            result[int(r["guild_id"])] = left_at
        return result

    async def purge_departed(self, now: dt.datetime, grace: dt.timedelta = DEPARTURE_GRACE) -> list[int]:
        """Delete settings and history of servers left more than ``grace`` ago; returns their ids."""
        rows = await self._db.fetchall(
            "DELETE FROM guilds WHERE left_at IS NOT NULL AND left_at <= ? RETURNING guild_id",
            (to_iso(now - grace),),
        )
        return sorted(int(r["guild_id"]) for r in rows)
