"""The post log: the exactly-once claim for each schedule and local day, and the post history.

The claim is an ``INSERT ... ON CONFLICT DO NOTHING`` on the primary key ``(guild_id, schedule_id, local_date)``:
whoever inserts the row owns that day's post; nobody else, in this process, after a restart or
in another process sharing the database, can claim it again. The row then records what happened
(sent with its message id, failed, skipped), and ``post_entries`` keeps the ids of every event in the post for the
"don't repeat within 60 days" rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import cast

from bot.core.scheduling import PostState, PostStatus, ScheduleKey
from bot.storage.database import Database, Row, Transaction, from_iso, to_iso

_COLUMNS = (
    "guild_id, schedule_id, local_date, status, entry_id, message_id, claimed_at, posted_at, error, error_at, "
    "attempts, late, thread_id, thread_error"
)


def row_to_state(row: Row) -> PostState:
    """A post-history row as a :class:`PostState`."""
    claimed_at = from_iso(row["claimed_at"])
    assert claimed_at is not None
    return PostState(
        guild_id=int(row["guild_id"]),
        schedule_id=int(row["schedule_id"]),
        local_date=dt.date.fromisoformat(row["local_date"]),
        status=cast(PostStatus, row["status"]),
        claimed_at=claimed_at,
        entry_id=row["entry_id"],
        message_id=None if row["message_id"] is None else int(row["message_id"]),
        posted_at=from_iso(row["posted_at"]),
        error=row["error"],
        error_at=from_iso(row["error_at"]),
        attempts=int(row["attempts"]),
        late=bool(row["late"]),
        thread_id=None if row["thread_id"] is None else int(row["thread_id"]),
        thread_error=row["thread_error"],
    )


class PostsRepository:
    """Each schedule's post history: claims, sends, skips and failures, one row per local day."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- the claim -----------------------------------------------------------------------

    async def claim(
        self,
        key: ScheduleKey,
        local_date: dt.date,
        *,
        at: dt.datetime,
        entry_ids: Sequence[str] = (),
        late: bool = False,
    ) -> bool:
        """Claim the day's post. True if this call claimed it; False if the day was already taken."""
        day = local_date.isoformat()

        async def work(tx: Transaction) -> bool:
            # The insert is the lock: of any number of racing callers, in any process, exactly one
            # inserts the row; the others change nothing and get False.
            inserted = await tx.execute(
                "INSERT INTO post_log "
                "(guild_id, schedule_id, local_date, status, entry_id, claimed_at, late) "
                "VALUES (?, ?, ?, 'claimed', ?, ?, ?) ON CONFLICT DO NOTHING",
                (*key, day, entry_ids[0] if entry_ids else None, to_iso(at), int(late)),
            )
            if inserted != 1:
                return False
            await tx.executemany(
                "INSERT INTO post_entries (guild_id, schedule_id, local_date, entry_id) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [(*key, day, entry) for entry in dict.fromkeys(entry_ids)],
            )
            return True

        return await self._db.run_transaction(work)

    async def mark_skipped(self, key: ScheduleKey, local_date: dt.date, *, at: dt.datetime, reason: str) -> bool:
        """Record that there was nothing to post that day (so it is not looked at again)."""
        inserted = await self._db.execute(
            "INSERT INTO post_log (guild_id, schedule_id, local_date, status, claimed_at, error, error_at) "
            "VALUES (?, ?, ?, 'skipped', ?, ?, ?) ON CONFLICT DO NOTHING",
            (*key, local_date.isoformat(), to_iso(at), reason, to_iso(at)),
        )
        return inserted == 1

    async def record_sent(self, key: ScheduleKey, local_date: dt.date, message_id: int, *, at: dt.datetime) -> None:
        """Record the message that carried the day's post, closing its claim."""
        await self._db.execute(
            "UPDATE post_log SET status = 'sent', message_id = ?, posted_at = ? "
            "WHERE guild_id = ? AND schedule_id = ? AND local_date = ?",
            (message_id, to_iso(at), *key, local_date.isoformat()),
        )

    async def record_thread(
        self, key: ScheduleKey, local_date: dt.date, *, thread_id: int | None = None, error: str | None = None
    ) -> None:
        """The discussion thread opened on the day's post, or why it could not be opened."""
        await self._db.execute(
            "UPDATE post_log SET thread_id = ?, thread_error = ? "
            "WHERE guild_id = ? AND schedule_id = ? AND local_date = ?",
            (thread_id, error, *key, local_date.isoformat()),
        )

    async def record_attempt(self, key: ScheduleKey, local_date: dt.date, error: str, *, at: dt.datetime) -> int:
        """Count a failed attempt (the claim stays); returns the number of attempts so far."""
        row = await self._db.fetchone(
            "UPDATE post_log SET attempts = attempts + 1, error = ?, error_at = ? "
            "WHERE guild_id = ? AND schedule_id = ? AND local_date = ? RETURNING attempts",
            (error, to_iso(at), *key, local_date.isoformat()),
        )
        return 0 if row is None else int(row["attempts"])

    async def record_failed(self, key: ScheduleKey, local_date: dt.date, error: str, *, at: dt.datetime) -> None:
        """Give up on the day: the claim stays (nothing more is posted that day), with the reason."""
        await self._db.execute(
            "UPDATE post_log SET status = 'failed', error = ?, error_at = ? "
            "WHERE guild_id = ? AND schedule_id = ? AND local_date = ? AND status = 'claimed'",
            (error, to_iso(at), *key, local_date.isoformat()),
        )

    async def release(self, key: ScheduleKey, local_date: dt.date) -> bool:
        """Drop a claim whose post certainly was not sent (403/404), so the day can be posted later."""
        removed = await self._db.execute(
            "DELETE FROM post_log WHERE guild_id = ? AND schedule_id = ? AND local_date = ? AND message_id IS NULL "
            "AND status IN ('claimed', 'failed')",
            (*key, local_date.isoformat()),
        )
        return removed > 0

    # --- queries -------------------------------------------------------------------------

    async def get(self, key: ScheduleKey, local_date: dt.date) -> PostState | None:
        """The history row of one schedule on one local day, or None."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM post_log WHERE guild_id = ? AND schedule_id = ? AND local_date = ?",
            (*key, local_date.isoformat()),
        )
        return None if row is None else row_to_state(row)

    async def last_post(self, key: ScheduleKey, *, except_skipped_for: str | None = None) -> PostState | None:
        """The most recent day's record (claimed, sent, failed or skipped).

        With ``except_skipped_for``, days skipped for that reason are passed over (a skip written
        by a settings change is bookkeeping, not a post).
        """
        if except_skipped_for is None:
            row = await self._db.fetchone(
                f"SELECT {_COLUMNS} FROM post_log WHERE guild_id = ? AND schedule_id = ? "
                "ORDER BY local_date DESC LIMIT 1",
                key,
            )
        else:
            row = await self._db.fetchone(
                f"SELECT {_COLUMNS} FROM post_log WHERE guild_id = ? AND schedule_id = ? "
                "AND (status <> 'skipped' OR error IS NULL OR error <> ?) ORDER BY local_date DESC LIMIT 1",
                (*key, except_skipped_for),
            )
        return None if row is None else row_to_state(row)

    async def last_dates(self, since: dt.date | None = None) -> dict[ScheduleKey, dt.date]:
        """The latest claimed local date of each schedule (only days from ``since`` on, if given).

        For the due-posts rule only "today or not" matters, so passing a ``since`` a couple of
        days back keeps this query small however long the log grows.
        """
        if since is None:
            rows = await self._db.fetchall(
                "SELECT guild_id, schedule_id, MAX(local_date) AS last_date FROM post_log "
                "GROUP BY guild_id, schedule_id"
            )
        else:
            rows = await self._db.fetchall(
                "SELECT guild_id, schedule_id, MAX(local_date) AS last_date FROM post_log WHERE local_date >= ? "
                "GROUP BY guild_id, schedule_id",
                (since.isoformat(),),
            )
        return {(int(r["guild_id"]), int(r["schedule_id"])): dt.date.fromisoformat(r["last_date"]) for r in rows}

    async def open_claims(self) -> list[PostState]:
        """Claims not yet resolved (sent, failed or released), oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM post_log WHERE status = 'claimed' ORDER BY claimed_at, guild_id, schedule_id"
        )
        return [row_to_state(r) for r in rows]

    async def recent_entry_ids(
        self, guild_id: int, since: dt.date, before: dt.date, schedule_id: int | None = None
    ) -> frozenset[str]:
        """Ids of everything posted on local days ``since <= day < before``, by one schedule if
        ``schedule_id`` is given, else by any schedule of the server."""
        query = (
            "SELECT DISTINCT e.entry_id FROM post_entries AS e JOIN post_log AS p "
            "USING (guild_id, schedule_id, local_date) "
            "WHERE e.guild_id = ? AND e.local_date >= ? AND e.local_date < ? AND p.status IN ('claimed', 'sent')"
        )
        args: tuple[object, ...] = (guild_id, since.isoformat(), before.isoformat())
        if schedule_id is not None:
            query += " AND e.schedule_id = ?"
            args = (*args, schedule_id)
        rows = await self._db.fetchall(query, args)
        return frozenset(str(r[0]) for r in rows)

    async def entry_ids(self, key: ScheduleKey, local_date: dt.date) -> tuple[str, ...]:
        """The events (or article) a day's post carried."""
        rows = await self._db.fetchall(
            "SELECT entry_id FROM post_entries WHERE guild_id = ? AND schedule_id = ? AND local_date = ? "
            "ORDER BY entry_id",
            (*key, local_date.isoformat()),
        )
        return tuple(str(r[0]) for r in rows)

    async def prune(self, before: dt.date) -> int:
        """Delete records of local days before ``before`` (keep at least the 60-day history)."""
        return await self._db.execute("DELETE FROM post_log WHERE local_date < ?", (before.isoformat(),))
