"""Discord's sharding rules, as the fake applies them.

- A guild belongs to shard ``(guild_id >> 22) % num_shards``; DMs belong to shard 0.
- ``GET /gateway/bot`` recommends ``max(1, ceil(guilds / 1000))`` shards.
- A session may hold at most 2,500 guilds: an IDENTIFY (sharded or not) whose shard would hold
  more is closed with 4011 "Sharding required"; ``shard: [i, n]`` with ``n < 1`` or ``i`` outside
  ``0..n-1`` is closed with 4010 "Invalid shard".
- Identify rate limit: shards are put in buckets ``shard_id % max_concurrency``; each bucket may
  IDENTIFY once per 5 seconds. The fake does **not** refuse or delay an IDENTIFY that breaks this
  (Discord's exact answer to that is not documented precisely enough to copy); it records every
  IDENTIFY (``FakeDiscord.identify_log``) and ``identify_violations`` lists those that came too soon,
  so a test can assert that the client kept to the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

GUILDS_PER_RECOMMENDED_SHARD = 1000
MAX_GUILDS_PER_SESSION = 2500

CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011


def shard_of(guild_id: int | None, num_shards: int) -> int:
    """The shard that receives a guild's events (``None``, a DM, goes to shard 0)."""
    if guild_id is None:
        return 0
    return (guild_id >> 22) % num_shards


def recommended_shards(guild_count: int) -> int:
    """What ``GET /gateway/bot`` recommends: one shard per 1,000 guilds, at least one."""
    return max(1, math.ceil(guild_count / GUILDS_PER_RECOMMENDED_SHARD))


def parse_shard(value: Any) -> tuple[int, int] | None:
    """The ``shard`` field of an IDENTIFY as ``(shard_id, num_shards)``; ``None`` if it is invalid.

    A missing ``shard`` means ``(0, 1)``.
    """
    if value is None:
        return (0, 1)
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    shard_id, num_shards = value
    if type(shard_id) is not int or type(num_shards) is not int:
        return None
    if num_shards < 1 or not 0 <= shard_id < num_shards:
        return None
    return (shard_id, num_shards)


@dataclass
class IdentifyRecord:
    """One IDENTIFY the fake received, and what it did with it."""

    at: float  # time.perf_counter() when the frame arrived
    conn_id: int
    shard: Any  # the ``shard`` field as sent (None when the client sent none)
    shard_id: int  # parsed; -1 when the field was invalid
    num_shards: int  # parsed; -1 when the field was invalid
    outcome: str = "ready"  # "ready", "invalid shard" (4010), "sharding required" (4011), or another refusal
    session_id: str | None = None
    guilds: int = 0  # guilds the shard holds (READY + GUILD_CREATE count when outcome == "ready")

    def bucket(self, max_concurrency: int) -> int:
        """The identify rate-limit bucket (``shard_id % max_concurrency``)."""
        return max(self.shard_id, 0) % max(1, max_concurrency)


def identify_violations(log: list[IdentifyRecord], max_concurrency: int, window: float) -> list[IdentifyRecord]:
    """IDENTIFYs that came less than ``window`` seconds after an earlier one in the same bucket.

    Only IDENTIFYs the fake answered with READY count (a refused one did not start a session).
    """
    last: dict[int, float] = {}
    late: list[IdentifyRecord] = []
    for rec in sorted((r for r in log if r.outcome == "ready"), key=lambda r: r.at):
        bucket = rec.bucket(max_concurrency)
        prev = last.get(bucket)
        if prev is not None and rec.at - prev < window:
            late.append(rec)  # Discord would not have let it open a new window: ``last`` stays
        else:
            last[bucket] = rec.at
    return late
