"""The fake Discord shards like Discord does, proven with real discord.py ``AutoShardedClient``s.

Guild ``g`` belongs to shard ``(g >> 22) % n``; each shard's session gets READY and GUILD_CREATE
for its own guilds only, and the guild's later events (interactions, joins, leaves) on that
session; DMs go to shard 0. ``GET /gateway/bot`` recommends a shard count; bad ``shard`` fields
are closed with 4010 and a session that would hold more than 2,500 guilds with 4011.

Which shard *received* an event is read on both sides: the fake knows the connection it wrote to,
and the ``received`` fixture wraps each discord.py websocket's parsers (test-only instrumentation
of discord.py internals) to log ``(client, shard_id, event, guild_id)`` as discord.py parses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.gateway import DiscordWebSocket
from fakediscord import FakeDiscord
from fakediscord.sharding import IdentifyRecord, identify_violations, parse_shard, recommended_shards, shard_of

from .conftest import REPO_ROOT, SpawnBot

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
TOKEN = "fake-token"


# ---------------------------------------------------------------- client-side instrumentation


@dataclass(frozen=True)
class Received:
    client: int  # id() of the discord.py client
    shard_id: int | None  # the websocket (shard) that parsed the event
    event: str
    guild_id: int | None


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[Received]:
    """Log every GUILD_CREATE / GUILD_DELETE / INTERACTION_CREATE with the shard that parsed it."""
    log: list[Received] = []
    original = DiscordWebSocket.from_client.__func__  # type: ignore[attr-defined]

    async def from_client(cls: type[DiscordWebSocket], client: discord.Client, **kwargs: Any) -> DiscordWebSocket:
        ws = await original(cls, client, **kwargs)
        parsers = dict(ws._discord_parsers)
        for name in ("GUILD_CREATE", "GUILD_DELETE", "INTERACTION_CREATE"):
            parse = parsers[name]

            def logged(data: dict[str, Any], _parse: Callable[..., None] = parse, _name: str = name) -> None:
                raw = data.get("guild_id") if _name == "INTERACTION_CREATE" else data.get("id")
                log.append(Received(id(client), ws.shard_id, _name, int(raw) if raw is not None else None))
                _parse(data)

            parsers[name] = logged
        ws._discord_parsers = parsers
        return ws

    monkeypatch.setattr(DiscordWebSocket, "from_client", classmethod(from_client))
    return log


class IdentifyLimiter:
    """Keeps IDENTIFYs to Discord's rule: one per bucket (``shard_id % max_concurrency``) per ``window`` s.

    Shared by every client of a test, as an IPC identify queue would be shared by processes.
    ``margin`` absorbs the time between this hook returning and the frame reaching the fake.
    """

    def __init__(self, max_concurrency: int, window: float, margin: float = 0.1) -> None:
        self.max_concurrency = max_concurrency
        self.window = window + margin
        self.last: dict[int, float] = {}
        self.locks: dict[int, asyncio.Lock] = {}
        self.waited = 0

    async def wait(self, shard_id: int) -> None:
        bucket = shard_id % self.max_concurrency
        async with self.locks.setdefault(bucket, asyncio.Lock()):
            loop = asyncio.get_running_loop()
            prev = self.last.get(bucket)
            if prev is not None and loop.time() - prev < self.window:
                self.waited += 1
                await asyncio.sleep(self.window - (loop.time() - prev))
            self.last[bucket] = loop.time()


class ShardedClient(discord.AutoShardedClient):
    """An AutoShardedClient with one global ``/where`` command that says which shard answered."""

    def __init__(self, limiter: IdentifyLimiter | None, **kwargs: Any) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1, **kwargs)
        self.limiter = limiter
        self.tree = app_commands.CommandTree(self)
        self.ready_event = asyncio.Event()
        self.answered: list[tuple[int | None, int | None]] = []  # (guild id, guild.shard_id) per /where
        self.joined: list[int] = []
        self.removed: list[int] = []

        @self.tree.command(name="where", description="Names the shard")
        async def where(interaction: discord.Interaction) -> None:
            shard = interaction.guild.shard_id if interaction.guild is not None else None
            self.answered.append((interaction.guild_id, shard))
            await interaction.response.send_message(f"shard {shard}")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if self.limiter is None:  # identify at once: breaks the rate limit on purpose
            return
        await self.limiter.wait(shard_id or 0)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        self.ready_event.set()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.joined.append(guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.removed.append(guild.id)


@contextlib.asynccontextmanager
async def running(*clients: ShardedClient, within: float = 20.0) -> AsyncIterator[None]:
    """Start the clients, wait for every one's on_ready, close them at the end."""
    tasks = [asyncio.create_task(c.start(TOKEN)) for c in clients]
    try:
        for c, task in zip(clients, tasks, strict=True):
            waiter = asyncio.create_task(c.ready_event.wait())
            await asyncio.wait([task, waiter], timeout=within, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if not c.ready_event.is_set():
                raise AssertionError(f"client not ready: {task.exception() if task.done() else 'timed out'}")
        yield
    finally:
        for c in clients:
            await c.close()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, discord.ConnectionClosed):
                await asyncio.wait_for(t, 5)


def shard_sessions(fake: FakeDiscord) -> dict[int, Any]:
    """Connected session per shard id."""
    return {s.shard_id: s for s in fake.sessions.values() if s.conn is not None}


def sent_on(fake: FakeDiscord, event: str, session: Any) -> list[int]:
    """Guild ids of ``event`` dispatches the fake wrote on ``session``'s current connection."""
    key = "guild_id" if event == "INTERACTION_CREATE" else "id"
    assert session.conn is not None
    return [int(e.d[key]) for e in fake.dispatched(event) if e.conn_id == session.conn.id]


@pytest.fixture
def world(discord_py_at_fake: FakeDiscord) -> FakeDiscord:
    """The default three guilds plus 20 bulk ones; /gateway/bot recommends 2 shards; fast identify."""
    fake = discord_py_at_fake
    fake.state.add_bulk_guilds(20)
    fake.recommended_shards = 2
    fake.max_concurrency = 16
    fake.identify_window = 0.3
    return fake


# ---------------------------------------------------------------- pure rules


def test_shard_rules() -> None:
    assert [shard_of(g << 22, 3) for g in range(6)] == [0, 1, 2, 0, 1, 2]
    assert shard_of(None, 5) == 0  # DMs: shard 0
    assert [recommended_shards(n) for n in (0, 1, 1000, 1001, 10_000, 10_003)] == [1, 1, 1, 2, 10, 11]
    assert parse_shard(None) == (0, 1)
    assert parse_shard([1, 2]) == (1, 2)
    for bad in ([2, 2], [-1, 2], [0, 0], [0], "0,1", [0.0, 1], [True, 2]):
        assert parse_shard(bad) is None, bad


def test_identify_violations_by_bucket() -> None:
    def rec(at: float, shard_id: int, outcome: str = "ready") -> IdentifyRecord:
        return IdentifyRecord(at=at, conn_id=0, shard=[shard_id, 4], shard_id=shard_id, num_shards=4, outcome=outcome)

    # max_concurrency 2: shards 0 and 2 share bucket 0; 1 and 3 share bucket 1.
    log = [rec(0.0, 0), rec(0.1, 1), rec(5.0, 2), rec(5.2, 3), rec(5.3, 1, "invalid shard")]
    assert identify_violations(log, max_concurrency=2, window=5.0) == []
    late = rec(1.0, 2)
    assert identify_violations([*log, late], max_concurrency=2, window=5.0) == [late]
    assert identify_violations(log, max_concurrency=4, window=5.0) == []
    assert [r.shard_id for r in identify_violations(log, max_concurrency=1, window=5.0)] == [1, 3]


def test_bulk_guilds_are_cheap_complete_and_spread_over_shards(fake: FakeDiscord) -> None:
    st = fake.state
    before = len(st.guilds)
    added = st.add_bulk_guilds(1000, name="Bulk {i}")
    assert len(st.guilds) == before + 1000
    assert len({g.id for g in added}) == 1000
    g = added[7]
    assert g.name == "Bulk 7"
    (ch,) = g.channels.values()
    assert ch.name == "general"
    assert st.channel(ch.id) is ch
    assert set(g.members) == {st.owner.id, st.bot.id}
    assert g.permissions_in(st.bot.id, ch.id) & (1 << 11)  # the bot can send in its channel
    ids = {g.id for g in added} | {c for g in added for c in g.channels} | {r for g in added for r in g.roles}
    assert len(ids) == 3000  # guild, bot role and channel ids never collide
    per_shard = [sum(1 for g in added if shard_of(g.id, 4) == i) for i in range(4)]
    assert per_shard == [250, 250, 250, 250]
    assert st.add_bulk_guilds(5)[0].id not in {g.id for g in added}


# ---------------------------------------------------------------- GET /gateway/bot


async def test_gateway_bot_recommends_shards_and_reports_session_limits(fake: FakeDiscord) -> None:
    async def gateway_bot() -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as http,
            http.get(fake.api_url + "/gateway/bot", headers={"Authorization": f"Bot {TOKEN}"}) as resp,
        ):
            assert resp.status == 200
            body: dict[str, Any] = await resp.json()
            return body

    body = await gateway_bot()
    assert body == {
        "url": fake.gateway_url,
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
    }
    fake.state.add_bulk_guilds(2_498)  # 2,501 guilds
    assert (await gateway_bot())["shards"] == 3
    fake.recommended_shards, fake.max_concurrency = 7, 16
    body = await gateway_bot()
    assert body["shards"] == 7
    assert body["session_start_limit"]["max_concurrency"] == 16


# ---------------------------------------------------------------- one client, several shards


async def test_two_shard_client_gets_every_guild_once_each_shard_its_own(
    world: FakeDiscord, received: list[Received]
) -> None:
    fake = world
    client = ShardedClient(IdentifyLimiter(fake.max_concurrency, fake.identify_window))
    async with running(client):
        # discord.py asked GET /gateway/bot and connected where it said, with the count it said.
        assert fake.state.find_requests("GET", "/gateway/bot")
        assert client.shard_count == 2
        sessions = shard_sessions(fake)
        assert sorted(sessions) == [0, 1]
        all_ids = set(fake.state.guilds)
        seen: list[int] = []
        for shard_id, sess in sessions.items():
            own = {g.id for g in fake.guilds_of_shard(shard_id, 2)}
            assert own, "both shards must hold guilds for this test to mean anything"
            assert sess.shard == (shard_id, 2)
            ready = next(e for e in fake.dispatched("READY") if e.conn_id == sess.conn.id)
            assert ready.d["shard"] == [shard_id, 2]
            assert {int(g["id"]) for g in ready.d["guilds"]} == own
            assert sorted(sent_on(fake, "GUILD_CREATE", sess)) == sorted(own)
            parsed = [r.guild_id for r in received if r.event == "GUILD_CREATE" and r.shard_id == shard_id]
            assert sorted(parsed) == sorted(own)  # type: ignore[type-var]
            seen += sent_on(fake, "GUILD_CREATE", sess)
        assert sorted(seen) == sorted(all_ids)  # every guild exactly once across the shards
        assert {g.id for g in client.guilds} == all_ids
        assert all(g.shard_id == shard_of(g.id, 2) for g in client.guilds)
        assert fake.identify_violations() == []


async def test_interactions_arrive_on_the_owning_shard_and_dms_on_shard_0(
    world: FakeDiscord, received: list[Received]
) -> None:
    fake = world
    client = ShardedClient(IdentifyLimiter(fake.max_concurrency, fake.identify_window))
    async with running(client):
        sessions = shard_sessions(fake)
        for shard_id in (0, 1):
            guild = fake.guilds_of_shard(shard_id, 2)[0]
            rec = await fake.slash("where", guild=guild, channel=next(iter(guild.channels)), user="owner")
            await fake.wait_for_callback(rec)
            assert rec.callback_type == 4
            assert sent_on(fake, "INTERACTION_CREATE", sessions[shard_id])[-1] == guild.id
            assert received[-1] == Received(id(client), shard_id, "INTERACTION_CREATE", guild.id)
            assert client.answered[-1] == (guild.id, shard_id)
        rec = await fake.slash("where", guild=None, channel=None, user="reader")  # a DM
        await fake.wait_for_callback(rec)
        last = fake.dispatched("INTERACTION_CREATE")[-1]
        assert last.conn_id == sessions[0].conn.id
        assert received[-1] == Received(id(client), 0, "INTERACTION_CREATE", None)
        assert client.answered[-1] == (None, None)


async def test_guild_join_and_leave_go_to_the_owning_shard(world: FakeDiscord, received: list[Received]) -> None:
    fake = world
    st = fake.state
    client = ShardedClient(IdentifyLimiter(fake.max_concurrency, fake.identify_window))
    async with running(client):
        sessions = shard_sessions(fake)
        newcomers = []
        for _ in range(6):  # real snowflakes: shards by creation time; six give both shards a good chance
            g = st.add_guild("Newcomers", st.owner)
            g.add_channel("general")
            newcomers.append(g)
            await fake.guild_join(g)
        await fake.wait_for(lambda: len(client.joined) == 6, within=5, what="6 on_guild_join")
        for g in newcomers:
            owner = shard_of(g.id, 2)
            assert g.id in sent_on(fake, "GUILD_CREATE", sessions[owner])
            assert g.id not in sent_on(fake, "GUILD_CREATE", sessions[1 - owner])
            assert Received(id(client), owner, "GUILD_CREATE", g.id) in received
        gone = newcomers[0]
        await fake.guild_leave(gone)
        await fake.wait_for(lambda: client.removed == [gone.id], within=5, what="on_guild_remove")
        assert sent_on(fake, "GUILD_DELETE", sessions[shard_of(gone.id, 2)]) == [gone.id]
        assert client.get_guild(gone.id) is None


async def test_resume_keeps_the_shard(world: FakeDiscord, received: list[Received]) -> None:
    fake = world
    client = ShardedClient(IdentifyLimiter(fake.max_concurrency, fake.identify_window))
    async with running(client):
        before = {i: s.id for i, s in shard_sessions(fake).items()}
        await fake.drop_gateway()
        await fake.wait_for_resume(count=2, within=10)
        await fake.wait_for(lambda: len(shard_sessions(fake)) == 2, within=5, what="both shards back")
        after = shard_sessions(fake)
        assert {i: s.id for i, s in after.items()} == before  # the same sessions, same shards
        assert len(fake.received_ops(2)) == 2  # no new IDENTIFY
        guild = fake.guilds_of_shard(1, 2)[0]
        rec = await fake.slash("where", guild=guild, channel=next(iter(guild.channels)))
        await fake.wait_for_callback(rec)
        assert sent_on(fake, "INTERACTION_CREATE", after[1])[-1] == guild.id
        assert received[-1].shard_id == 1


# ---------------------------------------------------------------- several clients (processes), some shards each


async def test_two_clients_each_owning_one_shard_split_the_guilds(world: FakeDiscord, received: list[Received]) -> None:
    fake = world
    fake.max_concurrency = 1  # one bucket: the shared limiter must space the two IDENTIFYs
    limiter = IdentifyLimiter(fake.max_concurrency, fake.identify_window)
    first = ShardedClient(limiter, shard_ids=[0], shard_count=2)
    second = ShardedClient(limiter, shard_ids=[1], shard_count=2)
    async with running(first, second):
        assert limiter.waited >= 1
        assert fake.identify_violations() == []
        own = {i: {g.id for g in fake.guilds_of_shard(i, 2)} for i in (0, 1)}
        assert {g.id for g in first.guilds} == own[0]
        assert {g.id for g in second.guilds} == own[1]
        assert own[0]
        assert own[1]
        assert not own[0] & own[1]
        assert own[0] | own[1] == set(fake.state.guilds)

        guild = fake.guilds_of_shard(1, 2)[0]
        rec = await fake.slash("where", guild=guild, channel=next(iter(guild.channels)))
        await fake.wait_for_callback(rec)
        assert second.answered == [(guild.id, 1)]
        assert first.answered == []
        assert received[-1] == Received(id(second), 1, "INTERACTION_CREATE", guild.id)
        rec = await fake.slash("where", guild=None, channel=None, user="reader")
        await fake.wait_for_callback(rec)
        assert first.answered == [(None, None)]
        assert len(second.answered) == 1


async def test_events_for_a_shard_nobody_holds_are_kept_undelivered(world: FakeDiscord) -> None:
    fake = world
    client = ShardedClient(IdentifyLimiter(fake.max_concurrency, fake.identify_window), shard_ids=[0], shard_count=2)
    async with running(client):
        guild = fake.guilds_of_shard(1, 2)[0]
        rec = await fake.slash("where", guild=guild, channel=next(iter(guild.channels)))
        assert [e for e, d in fake.undelivered] == ["INTERACTION_CREATE"]
        assert rec.callback is None
        assert not fake.dispatched("INTERACTION_CREATE")


# ---------------------------------------------------------------- identify rate limit


async def test_ten_shards_start_fast_with_high_max_concurrency(world: FakeDiscord) -> None:
    fake = world
    fake.recommended_shards = 10
    limiter = IdentifyLimiter(fake.max_concurrency, fake.identify_window)
    client = ShardedClient(limiter)
    async with running(client):
        assert client.shard_count == 10
        assert sorted(shard_sessions(fake)) == list(range(10))
        assert limiter.waited == 0  # 16 buckets: no IDENTIFY had to wait
        assert fake.identify_violations() == []
        assert len(client.guilds) == len(fake.state.guilds)


async def test_identify_spacing_is_recorded_and_a_hasty_client_is_caught(world: FakeDiscord) -> None:
    fake = world
    fake.max_concurrency = 1
    fake.identify_window = 5.0  # Discord's window: the hasty client's two IDENTIFYs are surely inside it
    client = ShardedClient(None)  # no limiter: identifies shard 1 right after shard 0
    async with running(client):
        assert [(r.shard_id, r.num_shards, r.outcome) for r in fake.identify_log] == [(0, 2, "ready"), (1, 2, "ready")]
        (late,) = fake.identify_violations()
        assert late.shard_id == 1
        fake.max_concurrency = 2  # in separate buckets the same two IDENTIFYs are fine
        assert fake.identify_violations() == []


# ---------------------------------------------------------------- refusals: 4010 and 4011


async def test_unsharded_client_with_more_than_2500_guilds_is_closed_4011(discord_py_at_fake: FakeDiscord) -> None:
    fake = discord_py_at_fake
    fake.state.add_bulk_guilds(2_501 - len(fake.state.guilds))
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.ConnectionClosed) as caught:
        async with client:
            await asyncio.wait_for(client.start(TOKEN), 20)
    assert caught.value.code == 4011
    assert [(r.shard, r.outcome, r.guilds) for r in fake.identify_log] == [(None, "sharding required", 2_501)]
    assert fake.closed[-1][1] == 4011
    assert not fake.sessions
    assert client.is_closed()


async def test_a_shard_of_one_is_held_to_2500_guilds_too(discord_py_at_fake: FakeDiscord) -> None:
    fake = discord_py_at_fake
    fake.state.add_bulk_guilds(2_501 - len(fake.state.guilds))
    client = ShardedClient(None, shard_count=1)
    with pytest.raises(discord.ConnectionClosed) as caught:
        async with client:
            await asyncio.wait_for(client.start(TOKEN), 20)
    assert caught.value.code == 4011
    assert fake.identify_log[-1].shard == [0, 1]


async def test_2500_guilds_unsharded_still_connect(discord_py_at_fake: FakeDiscord) -> None:
    fake = discord_py_at_fake
    fake.state.add_bulk_guilds(2_500 - len(fake.state.guilds))
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)
    task = asyncio.create_task(client.start(TOKEN))
    try:
        sess = await fake.wait_for_ready(within=30)
        assert sess.guild_count == 2_500
        assert sess.shard == (0, 1)
        ready = fake.dispatched("READY")[-1]
        assert "shard" not in ready.d  # only a sharded IDENTIFY gets its shard echoed
    finally:
        await client.close()
        await asyncio.wait_for(task, 5)


async def test_shard_id_out_of_range_is_closed_4010(world: FakeDiscord) -> None:
    fake = world
    client = ShardedClient(None, shard_ids=[2], shard_count=2)
    with pytest.raises(discord.ConnectionClosed) as caught:
        async with client:
            await asyncio.wait_for(client.start(TOKEN), 20)
    assert caught.value.code == 4010
    assert [(r.shard, r.outcome) for r in fake.identify_log] == [([2, 2], "invalid shard")]


@pytest.mark.parametrize("shard", [[0, 0], [-1, 2], [3, 2], [0], "0,1", [0.5, 2]])
async def test_malformed_shard_fields_are_closed_4010(fake: FakeDiscord, shard: Any) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["op"] == 10
        identify = {"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}, "shard": shard}}
        await ws.send_str(json.dumps(identify))
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 4010
    assert fake.identify_log[-1].outcome == "invalid shard"
    assert not fake.sessions


# ---------------------------------------------------------------- cached GUILD_CREATE bodies (benchmarks)


async def test_prepared_guild_creates_are_what_the_client_gets_and_are_refreshed_on_change(
    world: FakeDiscord,
) -> None:
    fake = world
    fake.prepare_guild_creates()
    club = fake.state.guild("People's History Club")
    club.name = "Renamed Club"
    fake.forget_guild_creates(club.id)  # an edit not announced by a helper must be forgotten by hand
    channel = fake.state.guild("Reading Circle").channel("daily")
    client = ShardedClient(IdentifyLimiter(fake.max_concurrency, fake.identify_window))
    async with running(client):
        assert {g.id for g in client.guilds} == set(fake.state.guilds)
        assert client.get_guild(club.id).name == "Renamed Club"  # type: ignore[union-attr]
        channel.name = "daily-history"
        await fake.channel_changed(channel.id)  # announced: the cached body is dropped
        await fake.wait_for(
            lambda: client.get_channel(channel.id).name == "daily-history",  # type: ignore[union-attr]
            within=5,
            what="CHANNEL_UPDATE applied",
        )
        owner = shard_of(channel.guild_id, 2)
        await fake.invalidate_session(shard_id=owner)  # discord.py re-IDENTIFYs that shard
        await fake.wait_for(lambda: len(fake.received_ops(2)) == 3, within=10, what="a third IDENTIFY")
        await fake.wait_for_shards(2)
        last = [e for e in fake.dispatched("GUILD_CREATE") if int(e.d["id"]) == channel.guild_id][-1]
        assert [c["name"] for c in last.d["channels"]] == ["general", "daily-history"]


# ---------------------------------------------------------------- the standalone fake and the benchmark's client


async def test_standalone_fake_shard_options_and_control_routes() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fakediscord",
        *("--guilds", "2600", "--shards", "2", "--max-concurrency", "2", "--identify-window", "0.5"),
        cwd=str(REPO_ROOT / "tests"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(await asyncio.wait_for(proc.stdout.readline(), 15))
        control = info["control_url"]
        auth = {"Authorization": f"Bot {info['token']}"}
        async with aiohttp.ClientSession() as http:
            async with http.get(info["api_url"] + "/gateway/bot", headers=auth) as r:
                body = await r.json()
            assert body["shards"] == 2
            assert body["session_start_limit"]["max_concurrency"] == 2
            async with http.post(control + "/guilds", json={"count": 10}) as r:
                assert (await r.json())["guilds"] == 2613
            async with http.ws_connect(info["gateway_url"] + "?v=10&encoding=json") as ws:
                await ws.receive_json(timeout=5)  # HELLO
                identify = {"op": 2, "d": {"token": info["token"], "intents": 1, "properties": {}, "shard": [1, 2]}}
                await ws.send_str(json.dumps(identify))
                ready = await ws.receive_json(timeout=10)
                assert ready["t"] == "READY"
                assert ready["d"]["shard"] == [1, 2]
                async with http.get(control + "/info") as r:
                    (session,) = (await r.json())["sessions"]
                assert session["shard"] == [1, 2]
            async with http.get(control + "/identifies") as r:
                (ident,) = await r.json()
        assert (ident["shard"], ident["outcome"], ident["violation"]) == ([1, 2], "ready", False)
        assert ident["guilds"] == len(ready["d"]["guilds"])
        assert 1200 < ident["guilds"] < 1400  # about half of 2,613
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 10)


async def test_bench_bare_sharded_client_reports_ready(fake: FakeDiscord, spawn_bot: SpawnBot) -> None:
    fake.state.add_bulk_guilds(50)
    bare = await spawn_bot("bench/bare_sharded_client.py")  # one shard: no 5-s identify sleep
    await fake.wait_for_shards(1, within=20)
    await fake.wait_for(lambda: '"event": "ready"' in bare.log(), within=15, what="the client's ready line")
    lines = [json.loads(x) for x in bare.log().splitlines() if x.startswith('{"event"')]
    assert [(x["event"], x.get("shard")) for x in lines] == [("shard_ready", 0), ("ready", None)]
    assert (lines[-1]["guilds"], lines[-1]["shards"]) == (53, 1)
    assert fake.state.find_requests("GET", "/gateway/bot")
    assert await bare.stop() == 0, bare.log()[-2000:]
