"""Which shards a process runs, which servers it owns, and its share of the global rate. Pure.

Discord deals servers to gateway shards by ``(guild_id >> 22) % shard_count``. A process runs
some shards (``FROM_BELOW_SHARD_IDS`` of ``FROM_BELOW_SHARD_COUNT``) or, when neither is set,
every shard Discord recommends. A process acts for a server (posts its daily post, recovers its
claims, records that the bot left it) only when the server is on one of its own shards, so two
processes never both act for one server, whatever ranges they were started with.

Discord's global REST limit (50 requests per second by default) is per bot, not per process:
each process's daily fan-out keeps to its share, ``global_rate * owned shards / shard count``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Discord's global REST limit for a bot, requests per second.
DEFAULT_GLOBAL_RATE = 50.0
#: The most shards a setting may name (Discord's largest bots run a few thousand).
MAX_SHARD_COUNT = 65_536
#: Servers above which Discord refuses an unsharded (or too coarsely sharded) session: close 4011.
MAX_GUILDS_PER_SHARD = 2_500


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries ``guild_id`` among ``shard_count`` shards (Discord's formula)."""
    if shard_count < 1:
        raise ValueError("shard_count must be at least 1")
    return (guild_id >> 22) % shard_count


class ShardSpecError(ValueError):
    """A shard setting that does not fit; the message says what is wrong (no variable name)."""


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """This process's shards: ``count`` total (None: as Discord recommends) and ``ids`` (None: all)."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.count is not None and not 1 <= self.count <= MAX_SHARD_COUNT:
            raise ShardSpecError(f"the shard count must be between 1 and {MAX_SHARD_COUNT}, got {self.count}")
        if self.ids is not None:
            if self.count is None:
                raise ShardSpecError("shard ids need a shard count")
            if not self.ids:
                raise ShardSpecError("no shard ids")
            if list(self.ids) != sorted(set(self.ids)):
                raise ShardSpecError("shard ids must be sorted and distinct")
            out = [i for i in self.ids if not 0 <= i < self.count]
            if out:
                raise ShardSpecError(
                    f"shard id {out[0]} does not exist with {self.count} shard(s) (ids run from 0 to {self.count - 1})"
                )

    @property
    def all_shards(self) -> bool:
        """True when this process runs every shard (so it owns every server)."""
        return self.ids is None or (self.count is not None and len(self.ids) == self.count)

    def owns(self, guild_id: int) -> bool:
        """True when ``guild_id`` is on one of this process's shards."""
        if self.all_shards:
            return True
        assert self.count is not None
        assert self.ids is not None
        return shard_of(guild_id, self.count) in self.ids

    def rate_share(self, global_rate: float) -> float:
        """This process's part of the bot-wide REST rate: ``global_rate * owned / count``."""
        return rate_share(global_rate, len(self.ids) if self.ids is not None else None, self.count)

    def describe(self) -> str:
        """``all shards``, ``shards 0-3 of 8`` or ``shards 0, 2 of 4`` (for logs)."""
        if self.ids is None:
            return "all shards" if self.count is None else f"all {self.count} shard(s)"
        return f"shard{'s' if len(self.ids) > 1 else ''} {format_shard_ids(self.ids)} of {self.count}"


def rate_share(global_rate: float, owned: int | None, count: int | None) -> float:
    """``global_rate * owned / count``; the whole rate when ``owned`` or ``count`` is None (all shards)."""
    if global_rate <= 0:
        raise ValueError("global_rate must be positive")
    if owned is None or count is None:
        return global_rate
    if not 1 <= owned <= count:
        raise ValueError(f"owned shards must be between 1 and {count}, got {owned}")
    return global_rate * owned / count


def parse_shard_ids(text: str, count: int | None = None) -> tuple[int, ...]:
    """``0-3``, ``4,5,6,7`` or ``0-1,6`` as sorted distinct ids, checked against ``count`` if given.

    Raises :class:`ShardSpecError` saying what does not fit: a word, an empty or reversed range,
    an id not below ``count``.
    """
    ids: set[int] = set()
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise ShardSpecError("no shard ids")
    for part in parts:
        if not part:
            raise ShardSpecError(f"an empty item in {text[:40]!r}")
        low_text, dash, high_text = part.partition("-")
        low_text, high_text = low_text.strip(), high_text.strip()
        if not low_text.isdigit() or (dash and not high_text.isdigit()):
            raise ShardSpecError(f"{part[:20]!r} is not a shard id or a range like 0-3")
        low = int(low_text)
        high = int(high_text) if dash else low
        if high < low:
            raise ShardSpecError(f"the range {part[:20]!r} is empty (write the lower id first)")
        if high - low > MAX_SHARD_COUNT:
            raise ShardSpecError(f"the range {part[:20]!r} is too large")
        ids.update(range(low, high + 1))
    result = tuple(sorted(ids))
    if count is not None:
        ShardPlan(count=count, ids=result)  # checks each id against the count
    return result


def format_shard_ids(ids: Iterable[int]) -> str:
    """``0-3,6`` for ``(0, 1, 2, 3, 6)``: runs of consecutive ids as ranges."""
    runs: list[list[int]] = []
    for i in sorted(set(ids)):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
