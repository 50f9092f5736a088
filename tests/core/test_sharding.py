"""The shard-ownership decision and the rate share (bot/core/sharding.py)."""

from __future__ import annotations

import pytest

from bot.core.sharding import (
    ShardPlan,
    ShardSpecError,
    format_shard_ids,
    parse_shard_ids,
    rate_share,
    shard_of,
)


def guild_on(shard: int, count: int, n: int = 0) -> int:
    """A server id on ``shard`` of ``count`` (the n-th such id)."""
    return ((n * count + shard) << 22) | 12345


def test_shard_of_is_discords_formula() -> None:
    assert shard_of(175928847299117063, 1) == 0
    # Discord's documented example: (175928847299117063 >> 22) % 16 == 7 ... computed, not guessed:
    assert shard_of(175928847299117063, 16) == (175928847299117063 >> 22) % 16
    assert [shard_of(g << 22, 3) for g in range(6)] == [0, 1, 2, 0, 1, 2]
    assert shard_of((5 << 22) | 0x3FFFFF, 4) == 1  # the low 22 bits do not matter
    with pytest.raises(ValueError, match="at least 1"):
        shard_of(1, 0)


def test_a_process_owns_exactly_the_servers_of_its_shards() -> None:
    first, second = ShardPlan(4, (0, 1)), ShardPlan(4, (2, 3))
    for shard in range(4):
        for n in range(5):
            g = guild_on(shard, 4, n)
            assert first.owns(g) == (shard in (0, 1))
            assert second.owns(g) == (shard in (2, 3))
            assert first.owns(g) != second.owns(g)  # never both, never neither


def test_after_a_restart_with_another_range_ownership_follows_the_new_range() -> None:
    g = guild_on(1, 2)
    assert ShardPlan(2, (1,)).owns(g)
    assert not ShardPlan(2, (0,)).owns(g)
    # Resharded from 2 to 4: the same server is now on shard 1 or 3 of 4 and only that process owns it.
    owners = [i for i in range(4) if ShardPlan(4, (i,)).owns(g)]
    assert owners == [shard_of(g, 4)]


def test_all_shards_own_everything() -> None:
    for plan in (ShardPlan(), ShardPlan(3), ShardPlan(2, (0, 1))):
        assert plan.all_shards
        assert all(plan.owns(guild_on(s, 7, 3)) for s in range(7))


def test_rate_share() -> None:
    assert rate_share(50, None, None) == 50
    assert rate_share(50, 1, 2) == 25
    assert rate_share(50, 4, 16) == 12.5
    assert rate_share(50, 16, 16) == 50
    assert ShardPlan().rate_share(50) == 50
    assert ShardPlan(8).rate_share(50) == 50
    assert ShardPlan(8, (0, 1, 2, 3)).rate_share(50) == 25
    assert ShardPlan(3, (2,)).rate_share(60) == 20
    with pytest.raises(ValueError, match="positive"):
        rate_share(0, 1, 2)
    with pytest.raises(ValueError, match="between 1 and 2"):
        rate_share(50, 3, 2)


def test_parse_shard_ids() -> None:
    assert parse_shard_ids("0-3", 8) == (0, 1, 2, 3)
    assert parse_shard_ids("4,5,6,7", 8) == (4, 5, 6, 7)
    assert parse_shard_ids("7, 0-1, 1", 8) == (0, 1, 7)
    assert parse_shard_ids("9") == (9,)  # without a count: the form only
    for bad, count in (("", 4), ("a", 4), ("1-", 4), ("3-1", 4), ("4", 4), ("0-4", 4), ("1.5", 4)):
        with pytest.raises(ShardSpecError):
            parse_shard_ids(bad, count)


def test_plan_checks_itself() -> None:
    with pytest.raises(ShardSpecError):
        ShardPlan(0)
    with pytest.raises(ShardSpecError):
        ShardPlan(None, (0,))
    with pytest.raises(ShardSpecError):
        ShardPlan(2, ())
    with pytest.raises(ShardSpecError):
        ShardPlan(2, (1, 0))


def test_describe_and_format() -> None:
    assert format_shard_ids([0, 1, 2, 3, 6, 8, 9]) == "0-3,6,8-9"
    assert ShardPlan().describe() == "all shards"
    assert ShardPlan(4).describe() == "all 4 shard(s)"
    assert ShardPlan(8, (4, 5, 6, 7)).describe() == "shards 4-7 of 8"
    assert ShardPlan(2, (1,)).describe() == "shard 1 of 2"
