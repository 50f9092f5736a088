"""Per-server daily-post settings (:class:`~bot.core.scheduling.Schedule`) in the ``schedules`` table."""

from __future__ import annotations

import datetime as dt
import json

from bot.core.scheduling import (
    DEFAULT_SCHEDULE_ID,
    EMPTY_DAY_CHOICES,
    Schedule,
    ScheduleKey,
    format_post_time,
)
from bot.storage.database import Database, Row, Transaction, from_iso, to_iso

_COLUMNS = (
    "guild_id, schedule_id, channel_id, post_time, timezone, weekdays, enabled, paused_reason, role_id, "
    "empty_day, packs, name, kind, tags, thread"
)


def weekdays_to_mask(days: frozenset[int]) -> int:
    """Weekdays (0 = Monday) as the stored bit mask."""
    return sum(1 << d for d in days)


def mask_to_weekdays(mask: int) -> frozenset[int]:
    """The stored bit mask as weekdays (0 = Monday)."""
    return frozenset(d for d in range(7) if mask & (1 << d))


def _packs_to_text(packs: frozenset[str] | None) -> str | None:
    """Packs or tags as a JSON list (sorted), or NULL for "any"."""
    return None if packs is None else json.dumps(sorted(packs))


def _packs_from_text(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    value = json.loads(text)
    return frozenset(str(p) for p in value)


def row_to_schedule(row: Row) -> Schedule:
    """A settings row as a :class:`Schedule`."""
    hour, minute = (int(part) for part in str(row["post_time"]).split(":"))
    empty_day: str = row["empty_day"]
    return Schedule(
        guild_id=int(row["guild_id"]),
        schedule_id=int(row["schedule_id"]),
        channel_id=None if row["channel_id"] is None else int(row["channel_id"]),
        post_time=dt.time(hour, minute),
        timezone=str(row["timezone"]),
        weekdays=mask_to_weekdays(int(row["weekdays"])),
        enabled=bool(row["enabled"]),
        paused_reason=row["paused_reason"],
        role_id=None if row["role_id"] is None else int(row["role_id"]),
        empty_day=empty_day if empty_day in EMPTY_DAY_CHOICES else "skip",
        packs=_packs_from_text(row["packs"]),
        name=str(row["name"]),
        kind="weekly" if row["kind"] == "weekly" else "daily",
        tags=_packs_from_text(row["tags"]),
        thread=bool(row["thread"]),
    )


async def ensure_guild(tx: Transaction, guild_id: int, at: dt.datetime) -> None:
    """Make sure the server has a row in the servers table."""
    await tx.execute(
        "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (guild_id, to_iso(at))
    )


class SettingsRepository:
    """Read and write schedules. Every method returns core dataclasses, never rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int, schedule_id: int = DEFAULT_SCHEDULE_ID) -> Schedule | None:
        """The server's stored schedule, or None if it was never set up."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM schedules WHERE guild_id = ? AND schedule_id = ?", (guild_id, schedule_id)
        )
        return None if row is None else row_to_schedule(row)

    async def get_or_default(self, guild_id: int, schedule_id: int = DEFAULT_SCHEDULE_ID) -> Schedule:
        """The stored schedule, or the defaults (not stored) for a server that has none yet."""
        found = await self.get(guild_id, schedule_id)
        return found if found is not None else Schedule(guild_id=guild_id, schedule_id=schedule_id)

    async def for_guild(self, guild_id: int) -> list[Schedule]:
        """Every schedule of one server."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM schedules WHERE guild_id = ? ORDER BY schedule_id", (guild_id,)
        )
        return [row_to_schedule(r) for r in rows]

    async def active(self) -> list[Schedule]:
        """Schedules that may post: enabled, not paused, with a channel, in a server the bot is still in."""
        rows = await self._db.fetchall(
            f"SELECT {', '.join('s.' + c.strip() for c in _COLUMNS.split(','))} FROM schedules AS s "
            "JOIN guilds AS g USING (guild_id) "
            "WHERE s.enabled = 1 AND s.paused_reason IS NULL AND s.channel_id IS NOT NULL AND g.left_at IS NULL "
            "ORDER BY s.guild_id, s.schedule_id"
        )
        return [row_to_schedule(r) for r in rows]

    async def save(self, schedule: Schedule, *, at: dt.datetime | None = None) -> None:
        """Insert or replace every setting of ``schedule`` (the server row is created if needed)."""
        now = at or dt.datetime.now(dt.UTC)

        async def work(tx: Transaction) -> None:
            await ensure_guild(tx, schedule.guild_id, now)
            await tx.execute(
                "INSERT INTO schedules (guild_id, schedule_id, channel_id, post_time, timezone, weekdays, enabled, "
                "paused_reason, role_id, empty_day, packs, name, kind, tags, thread, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, schedule_id) DO UPDATE SET channel_id = excluded.channel_id, "
                "post_time = excluded.post_time, timezone = excluded.timezone, weekdays = excluded.weekdays, "
                "enabled = excluded.enabled, paused_reason = excluded.paused_reason, role_id = excluded.role_id, "
                "empty_day = excluded.empty_day, packs = excluded.packs, name = excluded.name, kind = excluded.kind, "
                "tags = excluded.tags, thread = excluded.thread, updated_at = excluded.updated_at",
                (
                    schedule.guild_id,
                    schedule.schedule_id,
                    schedule.channel_id,
                    format_post_time(schedule.post_time),
                    schedule.timezone,
                    weekdays_to_mask(schedule.weekdays),
                    int(schedule.enabled),
                    schedule.paused_reason,
                    schedule.role_id,
                    schedule.empty_day,
                    _packs_to_text(schedule.packs),
                    schedule.name,
                    schedule.kind,
                    _packs_to_text(schedule.tags),
                    int(schedule.thread),
                    to_iso(now),
                ),
            )

        await self._db.run_transaction(work)

    async def pause(self, key: ScheduleKey, reason: str, *, at: dt.datetime) -> None:
        """Stop posting on its own (settings are kept); ``reason`` is what ``/settings show`` says."""
        await self._db.execute(
            "UPDATE schedules SET paused_reason = ?, last_error = ?, last_error_at = ?, updated_at = ? "
            "WHERE guild_id = ? AND schedule_id = ?",
            (reason, reason, to_iso(at), to_iso(at), *key),
        )

    async def resume(self, key: ScheduleKey, *, at: dt.datetime | None = None) -> bool:
        """Clear a pause; returns whether the schedule was paused."""
        now = at or dt.datetime.now(dt.UTC)
        changed = await self._db.execute(
            "UPDATE schedules SET paused_reason = NULL, updated_at = ? "
            "WHERE guild_id = ? AND schedule_id = ? AND paused_reason IS NOT NULL",
            (to_iso(now), *key),
        )
        return changed > 0

    async def record_error(self, key: ScheduleKey, error: str, *, at: dt.datetime) -> None:
        """Remember the last error of a schedule, for ``/settings show``."""
        await self._db.execute(
            "UPDATE schedules SET last_error = ?, last_error_at = ? WHERE guild_id = ? AND schedule_id = ?",
            (error, to_iso(at), *key),
        )

    async def last_error(self, key: ScheduleKey) -> tuple[str, dt.datetime] | None:
        """The last posting error and when it happened (kept after later successes; compare times)."""
        row = await self._db.fetchone(
            "SELECT last_error, last_error_at FROM schedules WHERE guild_id = ? AND schedule_id = ?", key
        )
        if row is None or row["last_error"] is None:
            return None
        at = from_iso(row["last_error_at"])
        assert at is not None
        return (str(row["last_error"]), at)

    async def delete(self, key: ScheduleKey) -> bool:
        """Remove one schedule with its post history (the server's other schedules are untouched)."""
        return await self._db.execute("DELETE FROM schedules WHERE guild_id = ? AND schedule_id = ?", key) > 0

    async def next_id(self, guild_id: int) -> int:
        """The id a new schedule of this server gets (never one in use)."""
        row = await self._db.fetchone("SELECT MAX(schedule_id) FROM schedules WHERE guild_id = ?", (guild_id,))
        return DEFAULT_SCHEDULE_ID if row is None or row[0] is None else int(row[0]) + 1

    async def delete_guild(self, guild_id: int) -> None:
        """Forget a server entirely (its schedules and post log go with it)."""
        await self._db.execute("DELETE FROM guilds WHERE guild_id = ?", (guild_id,))
