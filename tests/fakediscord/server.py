"""A fake Discord (REST API v10 + Gateway v10) on 127.0.0.1, for end-to-end tests and benchmarks.

Start it::

    async with FakeDiscord() as fake:          # binds 127.0.0.1 on an ephemeral port
        env = fake.env()                       # FROM_BELOW_DISCORD_API_URL / ..._GATEWAY_URL for a subprocess
        point_discord_py_at(fake.api_url, fake.gateway_url)   # or, in-process
        ...
        rec = await fake.slash("ping")         # sends INTERACTION_CREATE
        await fake.wait_for_callback(rec)      # the bot's POST /interactions/{id}/{token}/callback
        fake.state.find_requests("PUT", "/applications/{application_id}/commands")
        fake.fail("POST", "/channels/{channel_id}/messages", 429, times=1, retry_after=0.1)
        await fake.drop_gateway()              # the bot reconnects and RESUMEs

What discord.py 2.7 needs, read from its source: ``Client.login`` calls ``GET /users/@me`` and
``GET /oauth2/applications/@me``; ``Client.connect`` opens ``DiscordWebSocket.DEFAULT_GATEWAY``
(``wss://gateway.discord.gg/``; only ``AutoShardedClient`` asks ``GET /gateway/bot``) with
``?v=10&encoding=json&compress=zlib-stream``; it needs HELLO, then READY carrying ``session_id``
and ``resume_gateway_url`` (where it reconnects to RESUME), and zlib-stream frames ending in the
Z_SYNC_FLUSH suffix ``00 00 ff ff``. A 429 is retried only if the response has a ``Via`` header and a
JSON body with ``retry_after`` (seconds) and ``global``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import re
import secrets
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import yarl
from aiohttp import BodyPartReader, WSMsgType, web

from . import checks, payloads, sharding
from .sharding import IdentifyRecord
from .state import (
    CREATE_PUBLIC_THREADS,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    FakeGuild,
    FakeState,
    FakeUser,
    Fault,
    InteractionRecord,
    RecordedRequest,
    default_state,
)

API_PREFIX = "/api/v10"
ENV_API_URL = "FROM_BELOW_DISCORD_API_URL"
ENV_GATEWAY_URL = "FROM_BELOW_DISCORD_GATEWAY_URL"

GUILDS_INTENT = 1 << 0

_ENCODER = json.JSONEncoder(separators=(",", ":"))  # one instance: json.dumps(..., separators=) builds one per call

Json = dict[str, Any]
Handler = Callable[[RecordedRequest], Awaitable[tuple[int, Any]]]
Checker = Callable[[RecordedRequest], list[str]]


def install_discord_url_env(api_url: str, gateway_url: str | None = None) -> dict[str, str]:
    """The environment a bot subprocess needs to talk to the fake instead of discord.com.

    ``api_url`` is the fake's REST base (``http://127.0.0.1:PORT/api/v10``). The gateway URL
    defaults to ``ws://127.0.0.1:PORT/gateway`` on the same server.
    """
    if gateway_url is None:
        u = yarl.URL(api_url)
        gateway_url = str(u.with_scheme("ws" if u.scheme == "http" else "wss").with_path("/gateway"))
    return {ENV_API_URL: api_url.rstrip("/"), ENV_GATEWAY_URL: gateway_url}


def point_discord_py_at(api_url: str, gateway_url: str) -> Callable[[], None]:
    """Point discord.py (in this process) at the fake; returns a function that undoes it.

    This mirrors what the bot's test-only switch does: ``discord.http.Route.BASE`` for REST and
    ``DiscordWebSocket.DEFAULT_GATEWAY`` for the gateway (plain ``Client`` never asks /gateway/bot).
    """
    import discord.gateway
    import discord.http

    old_base = discord.http.Route.BASE
    old_gw = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def undo() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gw

    return undo


# ====================================================================== gateway


@dataclass
class GatewayEvent:
    """A gateway frame, in either direction, as the fake saw it."""

    direction: str  # "send" (fake -> bot) or "recv" (bot -> fake)
    op: int
    t: str | None
    s: int | None
    d: Any
    at: float
    conn_id: int


class _Conn:
    def __init__(self, conn_id: int, ws: web.WebSocketResponse, request: web.Request, compress: bool) -> None:
        self.id = conn_id
        self.ws = ws
        self.request = request
        self.path = request.path
        self.compressor = zlib.compressobj() if compress else None
        self.lock = asyncio.Lock()
        self.session: _Session | None = None
        self.heartbeats = 0
        self.close_sent: int | None = None  # the close code the fake sent, if it closed first

    async def close(self, code: int, reason: str = "") -> None:
        """Close with ``code`` (remembered in ``close_sent``: the peer answers with a code of its own)."""
        if self.close_sent is None:
            self.close_sent = code
        await self.ws.close(code=code, message=reason.encode())

    async def send(self, payload: Json, raw: bytes | None = None) -> float:
        """Encode (unless ``raw`` is the frame already encoded), compress and write one frame.

        Returns perf_counter just before the write.
        """
        if raw is None:
            raw = _ENCODER.encode(payload).encode()
        async with self.lock:
            if self.compressor is not None:
                frame = self.compressor.compress(raw) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                t = time.perf_counter()
                await self.ws.send_bytes(frame)
            else:
                t = time.perf_counter()
                await self.ws.send_str(raw.decode())
        return t


@dataclass
class _Session:
    id: str
    intents: int
    seq: int = 0
    buffer: list[Json] = field(default_factory=list)
    conn: _Conn | None = None
    resumes: int = 0
    shard: tuple[int, int] = (0, 1)  # (shard_id, num_shards); an unsharded IDENTIFY is (0, 1)
    guild_count: int = 0  # guilds the shard held at IDENTIFY (READY lists them, one GUILD_CREATE each)
    identified_at: float = 0.0  # perf_counter: IDENTIFY received
    ready_at: float = 0.0  # perf_counter: READY written
    initial_done_at: float = 0.0  # perf_counter: READY and every initial GUILD_CREATE written (0 = not yet)
    # CPU seconds of the fake's thread from IDENTIFY to initial_done_at (with anything else its loop ran meanwhile)
    initial_cpu: float = 0.0

    @property
    def shard_id(self) -> int:
        return self.shard[0]

    @property
    def initial_done(self) -> bool:
        return self.initial_done_at > 0

    def owns(self, guild_id: int | None) -> bool:
        """Does this session's shard receive events of ``guild_id`` (``None``: a DM, shard 0)?"""
        return sharding.shard_of(guild_id, self.shard[1]) == self.shard[0]


# ====================================================================== server


@dataclass
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    checker: Checker | None
    auth: bool


class FakeDiscord:
    """The fake Discord server. See the module docstring for a tour."""

    def __init__(
        self,
        state: FakeState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_interval_ms: int = 41250,
        strict: bool = True,
        guild_create_delay: float = 0.0,
        recommended_shards: int | None = None,
        max_concurrency: int = 1,
        identify_window: float = 5.0,
        max_guilds_per_session: int = sharding.MAX_GUILDS_PER_SESSION,
        session_start_total: int = 1000,
    ) -> None:
        if host != "127.0.0.1":
            raise ValueError("the fake binds to 127.0.0.1 only")
        self.state = state or default_state()
        self.host = host
        self.port = port
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.strict = strict  # answer invalid bodies with 400 Invalid Form Body, like Discord
        self.guild_create_delay = guild_create_delay
        # Sharding (see sharding.py). ``recommended_shards`` None: max(1, ceil(guilds / 1000)), like Discord.
        self.recommended_shards = recommended_shards
        self.max_concurrency = max_concurrency
        self.identify_window = identify_window  # seconds per identify bucket (Discord: 5)
        self.max_guilds_per_session = max_guilds_per_session
        self.session_start_total = session_start_total
        self.identify_log: list[IdentifyRecord] = []
        self.undelivered: list[tuple[str, Json]] = []  # events for a shard no session holds
        self.cache_guild_creates = False  # see prepare_guild_creates()
        self._guild_create_cache: dict[int, tuple[Json, bytes]] = {}
        self.ack_heartbeats = True
        #: Awaited after an accepted IDENTIFY, just before READY is sent: lets a test act at the
        #: moment the client becomes ready (e.g. lock the bot's database). Keep it short.
        self.before_ready: Callable[[], Awaitable[None]] | None = None
        # Discord invalidates an interaction token if the first callback comes later than 3 s.
        self.interaction_deadline: float | None = 3.0
        self.expect_invalid_bodies = False  # set by tests that send bad bodies on purpose (fixtures check this)
        self.gateway_log: list[GatewayEvent] = []
        self.sessions: dict[str, _Session] = {}
        self.connections: list[_Conn] = []  # currently open
        self.connection_count = 0
        # (connection id, close code) of ended connections: the code the fake sent if it closed first
        self.closed: list[tuple[int, int | None]] = []
        self._routes: list[_Route] = []
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self._ws_handlers: set[asyncio.Task[Any]] = set()
        self._register_routes()

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway-resume", self._gateway)
        app.router.add_route("*", "/_fake/{tail:.*}", self._control)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway-resume"

    def env(self) -> dict[str, str]:
        """Environment variables for a bot subprocess (see ``install_discord_url_env``)."""
        return install_discord_url_env(self.api_url, self.gateway_url)

    # ------------------------------------------------------------ waiting

    def _bump(self) -> None:
        ev, self._changed = self._changed, asyncio.Event()
        ev.set()

    async def wait_for(self, predicate: Callable[[], Any], within: float = 5.0, what: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every request or frame, and every 20 ms)."""
        deadline = time.monotonic() + within
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"fake discord: timed out after {within}s waiting for {what}")
            ev = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ev.wait(), timeout=min(remaining, 0.02))

    async def wait_for_request(
        self, method: str | None = None, route: str | None = None, *, count: int = 1, within: float = 5.0
    ) -> RecordedRequest:
        """Wait until at least ``count`` matching requests were recorded; returns the ``count``-th."""
        found = await self.wait_for(
            lambda: len(self.state.find_requests(method, route)) >= count,
            within,
            what=f"{count}x {method or '*'} {route or '*'}",
        )
        assert found
        return self.state.find_requests(method, route)[count - 1]

    async def wait_for_ready(self, within: float = 5.0) -> _Session:
        """Wait until some connected session has been sent READY and its GUILD_CREATEs."""

        def ready() -> _Session | None:
            for s in self.sessions.values():
                if s.conn is not None and s.initial_done:
                    return s
            return None

        sess: _Session = await self.wait_for(ready, within, what="READY + GUILD_CREATE sent")
        return sess

    async def wait_for_shards(
        self, num_shards: int, shard_ids: list[int] | None = None, within: float = 10.0
    ) -> dict[int, _Session]:
        """Wait until each shard (default: all ``num_shards``) has a connected session sent READY + GUILD_CREATEs.

        Returns shard id -> session.
        """
        wanted = list(range(num_shards)) if shard_ids is None else list(shard_ids)

        def ready() -> dict[int, _Session] | None:
            found: dict[int, _Session] = {}
            for s in self.sessions.values():
                if s.conn is not None and s.initial_done and s.shard[1] == num_shards:
                    found[s.shard[0]] = s
            return found if all(i in found for i in wanted) else None

        done: dict[int, _Session] = await self.wait_for(ready, within, what=f"shards {wanted} of {num_shards} ready")
        return {i: done[i] for i in wanted}

    async def wait_for_resume(self, count: int = 1, within: float = 5.0) -> None:
        await self.wait_for(
            lambda: sum(s.resumes for s in self.sessions.values()) >= count, within, what=f"{count} RESUME(s)"
        )

    async def wait_for_callback(self, rec: InteractionRecord, within: float = 5.0) -> RecordedRequest:
        """Wait for the bot's interaction callback; returns the recorded request."""
        await self.wait_for(lambda: rec.callback is not None, within, what=f"callback for interaction {rec.id}")
        assert rec.callback is not None
        return rec.callback

    # ------------------------------------------------------------ faults

    def fail(
        self,
        method: str | None,
        route: str,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        body: Json | None = None,
    ) -> Fault:
        """Answer matching requests with ``status`` (403, 404, 429, 5xx...) ``times`` times (None = forever).

        ``route`` is a template as listed by ``routes()`` (``"/channels/{channel_id}/messages"``) or a
        concrete path (``f"/channels/{cid}/messages"``). Faults are checked in the order added.
        """
        fault = Fault(method, route, status, times, retry_after, is_global, body)
        self.state.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def routes(self) -> list[tuple[str, str]]:
        return [(r.method, r.template) for r in self._routes]

    # ------------------------------------------------------------ gateway control

    def active_session(self, shard_id: int | None = None) -> _Session:
        """The newest connected session (of ``shard_id`` if given), else the newest session at all."""
        pool = [s for s in self.sessions.values() if shard_id is None or s.shard_id == shard_id]
        live = [s for s in pool if s.conn is not None]
        if live:
            return live[-1]
        if pool:
            return pool[-1]
        raise RuntimeError("fake discord: no gateway session (has the bot identified?)")

    def session_for_guild(self, guild_id: int | None) -> _Session | None:
        """The session whose shard receives events of ``guild_id`` (``None``: DMs, shard 0).

        The newest connected one; else the newest disconnected one (its events wait for RESUME);
        ``None`` if no session holds that shard.
        """
        owners = [s for s in self.sessions.values() if s.owns(guild_id)]
        live = [s for s in owners if s.conn is not None]
        if live:
            return live[-1]
        return owners[-1] if owners else None

    def guilds_of_shard(self, shard_id: int, num_shards: int) -> list[FakeGuild]:
        """The guilds whose events go to shard ``shard_id`` of ``num_shards``."""
        return [g for g in self.state.guilds.values() if (g.id >> 22) % num_shards == shard_id]

    async def dispatch(self, event: str, data: Json, session: _Session | None = None) -> float:
        """Send a DISPATCH (op 0) event; buffered for RESUME if the bot is disconnected.

        Without ``session`` the event goes to the shard that owns its guild (``data["guild_id"]``, or
        ``data["id"]`` for GUILD_* events; DMs to shard 0). If no session holds that shard, the event
        is kept in ``undelivered`` instead.
        """
        if session is None:
            if not self.sessions:
                raise RuntimeError("fake discord: no gateway session (has the bot identified?)")
            session = self.session_for_guild(_event_guild_id(event, data))
            if session is None:
                self.undelivered.append((event, data))
                self._bump()
                return time.perf_counter()
        return await self._dispatch(session, event, data)

    async def _dispatch(self, sess: _Session, event: str, data: Json, encoded_data: bytes | None = None) -> float:
        """Send op 0 ``event`` on ``sess`` (``encoded_data``: ``data`` already as JSON bytes, to save time)."""
        sess.seq += 1
        frame = {"op": 0, "t": event, "s": sess.seq, "d": data}
        sess.buffer.append(frame)
        t = time.perf_counter()
        conn = sess.conn
        if conn is not None:
            raw = None
            if encoded_data is not None:
                raw = b'{"op":0,"t":"%s","s":%d,"d":%s}' % (event.encode(), sess.seq, encoded_data)
            try:
                t = await self._send(conn, frame, raw)
            except ConnectionResetError:  # the socket died under us; the frame waits in the buffer for RESUME
                if sess.conn is conn:
                    sess.conn = None
        self._bump()
        return t

    async def _send(self, conn: _Conn, frame: Json, raw: bytes | None = None) -> float:
        t = await conn.send(frame, raw)
        self.gateway_log.append(
            GatewayEvent("send", frame["op"], frame.get("t"), frame.get("s"), frame.get("d"), t, conn.id)
        )
        return t

    async def drop_gateway(self, code: int | None = None, *, shard_id: int | None = None) -> None:
        """Drop every gateway connection (or those of ``shard_id``): abruptly or with a close ``code``.

        discord.py then reconnects to ``resume_gateway_url`` and sends RESUME (codes 4004, 4010-4014
        and a 1000 it sent itself are not resumable).
        """
        for conn in list(self.connections):
            if shard_id is not None and (conn.session is None or conn.session.shard_id != shard_id):
                continue
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            if code is None:
                transport = conn.request.transport
                if transport is not None:
                    transport.abort()
            else:
                await conn.close(code)
        self._bump()

    async def send_reconnect(self, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT on the live connection (of ``shard_id`` if given)."""
        sess = self.active_session(shard_id)
        if sess.conn is not None:
            await self._send(sess.conn, {"op": 7, "d": None})

    async def invalidate_session(self, resumable: bool = False, shard_id: int | None = None) -> None:
        """Send op 9 INVALID_SESSION on the live connection (of ``shard_id`` if given)."""
        sess = self.active_session(shard_id)
        if sess.conn is not None:
            await self._send(sess.conn, {"op": 9, "d": resumable})

    def dispatched(self, event: str) -> list[GatewayEvent]:
        """Every DISPATCH of ``event`` the fake wrote to a socket (replays included)."""
        return [e for e in self.gateway_log if e.direction == "send" and e.t == event]

    def received_ops(self, op: int) -> list[GatewayEvent]:
        return [e for e in self.gateway_log if e.direction == "recv" and e.op == op]

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        q = request.query
        if q.get("v") != "10" or q.get("encoding", "json") != "json":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        compress = q.get("compress")
        if compress not in (None, "zlib-stream"):
            await ws.close(code=4000, message=b"fake supports only zlib-stream")
            return ws
        self.connection_count += 1
        conn = _Conn(self.connection_count, ws, request, compress == "zlib-stream")
        self.connections.append(conn)
        task = asyncio.current_task()
        if task is not None:
            self._ws_handlers.add(task)
        try:
            await self._send(
                conn, {"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        frame = json.loads(msg.data)
                    except ValueError:
                        await conn.close(4002, "Decode error")
                        break
                    self.gateway_log.append(
                        GatewayEvent(
                            "recv", frame.get("op", -1), None, None, frame.get("d"), time.perf_counter(), conn.id
                        )
                    )
                    await self._on_op(conn, frame)
                    self._bump()
                elif msg.type == WSMsgType.BINARY:
                    await conn.close(4002, "Decode error")
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.closed.append((conn.id, conn.close_sent or ws.close_code))
            self.connections.remove(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            if task is not None:
                self._ws_handlers.discard(task)
            self._bump()
        return ws

    async def _on_op(self, conn: _Conn, frame: Json) -> None:
        op = frame.get("op")
        d: Any = frame.get("d")
        if op == 1:  # HEARTBEAT
            conn.heartbeats += 1
            if self.ack_heartbeats:
                await self._send(conn, {"op": 11, "d": None})
        elif op == 2:  # IDENTIFY
            await self._identify(conn, d)
        elif op == 6:  # RESUME
            resumed = self.sessions.get(str(d.get("session_id"))) if isinstance(d, dict) else None
            if resumed is None or d.get("token") != self.state.token:
                await self._send(conn, {"op": 9, "d": False})
                return
            if resumed.conn is not None and resumed.conn is not conn:
                with contextlib.suppress(Exception):
                    await resumed.conn.close(4000)
            resumed.conn = conn
            conn.session = resumed
            last = d.get("seq") or 0
            for old in resumed.buffer:
                if old["s"] > last:
                    await self._send(conn, old)
            resumed.resumes += 1
            await self._dispatch(resumed, "RESUMED", {"_trace": ['["fakediscord",{"micros":0}]']})
        elif op == 8:  # REQUEST_GUILD_MEMBERS
            current = conn.session
            if current is None or not isinstance(d, dict):
                return
            guild_ids = d.get("guild_id")
            ids = guild_ids if isinstance(guild_ids, list) else [guild_ids]
            for gid in ids:
                wanted = self.state.guilds.get(_int(gid))
                if wanted is None:
                    continue
                chunk: Json = {
                    "guild_id": str(wanted.id),
                    "members": [payloads.member(m) for m in wanted.members.values()],
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "not_found": [],
                }
                if d.get("nonce") is not None:
                    chunk["nonce"] = d["nonce"]
                await self._dispatch(current, "GUILD_MEMBERS_CHUNK", chunk)
        # op 3 (presence) and 4 (voice state) are accepted and ignored.

    async def _identify(self, conn: _Conn, d: Any) -> None:
        """IDENTIFY: check it, then READY with the shard's guilds and one GUILD_CREATE per guild."""
        raw_shard = d.get("shard") if isinstance(d, dict) else None
        parsed = sharding.parse_shard(raw_shard)
        rec = IdentifyRecord(time.perf_counter(), conn.id, raw_shard, *(parsed or (-1, -1)))
        self.identify_log.append(rec)
        refusal = self._identify_refusal(conn, d, parsed)
        if refusal is None:
            assert parsed is not None
            guilds = self.guilds_of_shard(*parsed)
            rec.guilds = len(guilds)
            if len(guilds) > self.max_guilds_per_session:
                refusal = (sharding.CLOSE_SHARDING_REQUIRED, "Sharding required")
        if refusal is not None:
            rec.outcome = refusal[1].lower()
            await conn.close(*refusal)
            return
        assert parsed is not None
        cpu0 = time.thread_time()
        sess = _Session(id=secrets.token_hex(16), intents=d["intents"], conn=conn, shard=parsed)
        sess.identified_at, sess.guild_count = rec.at, len(guilds)
        rec.session_id = sess.id
        conn.session = sess
        self.sessions[sess.id] = sess
        shard_field = list(parsed) if raw_shard is not None else None
        if self.before_ready is not None:
            await self.before_ready()
        ready = payloads.ready(self.state, sess.id, self.resume_gateway_url, shard_field, guilds=guilds)
        sess.ready_at = await self._dispatch(sess, "READY", ready)
        if sess.intents & GUILDS_INTENT:
            for g in guilds:
                if self.guild_create_delay:
                    await asyncio.sleep(self.guild_create_delay)
                cached = self._guild_create_cache.get(g.id) if self.cache_guild_creates else None
                if cached is None:
                    await self._dispatch(sess, "GUILD_CREATE", payloads.guild_create(g, self.state))
                else:
                    await self._dispatch(sess, "GUILD_CREATE", *cached)
        sess.initial_done_at = time.perf_counter()
        sess.initial_cpu = time.thread_time() - cpu0

    def prepare_guild_creates(self) -> float:
        """Build and encode every guild's start-up GUILD_CREATE now, and reuse them from then on.

        For benchmarks of big worlds: an IDENTIFY then costs the fake only framing and compression.
        Sets ``cache_guild_creates``. A guild's cached body is dropped when a world-change helper
        announces a change in it (``channel_changed``, ``role_changed``, ``guild_join``...); after
        editing ``state`` any other way call ``forget_guild_creates()``. Returns the seconds spent.
        """
        started = time.perf_counter()
        self.cache_guild_creates = True
        for g in self.state.guilds.values():
            data = payloads.guild_create(g, self.state)
            self._guild_create_cache[g.id] = (data, _ENCODER.encode(data).encode())
        return time.perf_counter() - started

    def forget_guild_creates(self, guild_id: int | None = None) -> None:
        """Drop the cached GUILD_CREATE of ``guild_id`` (default: all); see ``prepare_guild_creates``."""
        if guild_id is None:
            self._guild_create_cache.clear()
        else:
            self._guild_create_cache.pop(guild_id, None)

    def _identify_refusal(self, conn: _Conn, d: Any, shard: tuple[int, int] | None) -> tuple[int, str] | None:
        """(close code, reason) if this IDENTIFY must be refused, else None."""
        if conn.session is not None:
            return 4005, "Already authenticated"
        if not isinstance(d, dict) or d.get("token") != self.state.token:
            return 4004, "Authentication failed"
        if not isinstance(d.get("intents"), int):
            return 4013, "Invalid intent(s)"
        if shard is None:
            return sharding.CLOSE_INVALID_SHARD, "Invalid shard"
        return None

    def identify_violations(self) -> list[IdentifyRecord]:
        """IDENTIFYs that broke the identify rate limit (same ``shard_id % max_concurrency`` bucket
        within ``identify_window`` seconds). The fake accepts them; tests assert this is empty."""
        return sharding.identify_violations(self.identify_log, self.max_concurrency, self.identify_window)

    # ------------------------------------------------------------ interactions

    def _guild(self, guild: str | FakeGuild | None) -> FakeGuild | None:
        if guild is None or isinstance(guild, FakeGuild):
            return guild
        return self.state.guild(guild)

    def _user(self, who: str | FakeUser) -> FakeUser:
        return who if isinstance(who, FakeUser) else self.state.user(who)

    async def send_interaction(self, payload: Json) -> InteractionRecord:
        """Dispatch INTERACTION_CREATE with a ready-made payload (see ``payloads``)."""
        rec = InteractionRecord(id=int(payload["id"]), token=payload["token"], type=payload["type"], payload=payload)
        self.state.interactions[rec.id] = rec
        rec.sent_at = await self.dispatch("INTERACTION_CREATE", payload)
        return rec

    async def slash(
        self,
        name: str,
        *options: Json,
        guild: str | FakeGuild | None = "People's History Club",
        channel: str | int | None = "general",
        user: str | FakeUser = "owner",
        command_id: int | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """Invoke a slash command as ``user`` in ``guild``/``channel`` (names or objects).

        Options are built with ``payloads.option(name, value)`` / ``payloads.subcommand(...)``.
        """
        g = self._guild(guild)
        ch_id = self._channel_id(g, channel)
        payload = payloads.command_interaction(
            self.state,
            name,
            list(options),
            guild=g,
            channel_id=ch_id,
            invoker=self._user(user),
            command_id=command_id,
            locale=locale,
        )
        return await self.send_interaction(payload)

    async def autocomplete(
        self,
        name: str,
        *options: Json,
        guild: str | FakeGuild | None = "People's History Club",
        channel: str | int | None = "general",
        user: str | FakeUser = "owner",
        locale: str = "en-US",
    ) -> InteractionRecord:
        """An APPLICATION_COMMAND_AUTOCOMPLETE; mark the typed option with ``option(..., focused=True)``."""
        g = self._guild(guild)
        payload = payloads.command_interaction(
            self.state,
            name,
            list(options),
            guild=g,
            channel_id=self._channel_id(g, channel),
            invoker=self._user(user),
            autocomplete=True,
            locale=locale,
        )
        return await self.send_interaction(payload)

    async def click(
        self,
        message: int | Json,
        custom_id: str,
        *,
        user: str | FakeUser = "owner",
        component_type: int = payloads.BUTTON,
        values: list[str] | None = None,
    ) -> InteractionRecord:
        """Press a button (or pick select ``values``) on a message the bot sent (id or payload)."""
        msg = self.state.messages[int(message)] if isinstance(message, int | str) else message
        payload = payloads.component_interaction(
            self.state, msg, custom_id, invoker=self._user(user), component_type=component_type, values=values
        )
        return await self.send_interaction(payload)

    async def submit_modal(
        self, opened: InteractionRecord, values: dict[str, Any], *, user: str | FakeUser | None = None
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot opened (callback type 9) in answer to ``opened``.

        ``values`` maps input custom_ids to text (or to a list of values for selects). The submitter
        defaults to whoever triggered ``opened`` (discord.py only accepts it from that user).
        """
        body = opened.callback.body if opened.callback is not None else None
        if not isinstance(body, dict) or body.get("type") != 9:
            raise ValueError(f"interaction {opened.id} was not answered with a modal (callback type 9)")
        if user is None:
            raw: Any = opened.payload.get("member", {}).get("user") or opened.payload.get("user")
            who = self.state.users[int(raw["id"])]
        else:
            who = self._user(user)
        payload = payloads.modal_submit_interaction(self.state, opened.payload, body["data"], values, invoker=who)
        return await self.send_interaction(payload)

    def command_allowed(self, name: str, user: str | FakeUser, guild: str | FakeGuild) -> bool:
        """Would Discord let ``user`` invoke ``name`` in ``guild``, given its default_member_permissions?

        (Discord hides such commands and never sends their interactions; ``slash`` sends them anyway.)
        """
        g = self._guild(guild)
        assert g is not None
        who = self._user(user)
        for cmd in [*self.state.guild_commands.get(g.id, []), *self.state.global_commands]:
            if cmd.get("name") == name:
                needed = cmd.get("default_member_permissions")
                if needed is None:
                    return True
                perms = g.base_permissions(who.id)
                return int(needed) & perms == int(needed)
        raise KeyError(f"no command {name!r} registered for {g.name!r}")

    def _channel_id(self, g: FakeGuild | None, channel: str | int | None) -> int | None:
        if g is None or channel is None:
            return None
        if isinstance(channel, int):
            return channel
        return g.channel(channel).id

    # ------------------------------------------------------------ world changes, announced on the gateway

    async def guild_join(self, guild: FakeGuild) -> None:
        """Add ``guild`` (built with ``FakeGuild``/``state.add_guild``) and dispatch its GUILD_CREATE."""
        self.state.guilds[guild.id] = guild
        self.forget_guild_creates(guild.id)
        data = payloads.guild_create(guild, self.state)
        del data["unavailable"]  # a join (as opposed to an outage ending) carries no "unavailable"
        await self.dispatch("GUILD_CREATE", data)

    async def guild_leave(self, guild: FakeGuild) -> None:
        """The bot was removed from ``guild``: drop it and dispatch GUILD_DELETE."""
        self.state.guilds.pop(guild.id, None)
        self.state.guild_commands.pop(guild.id, None)
        self.forget_guild_creates(guild.id)
        await self.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    async def channel_changed(self, channel_id: int) -> None:
        """Dispatch CHANNEL_UPDATE after a test edited a channel (name, overwrites...) in ``state``."""
        ch = self.state.channel(channel_id)
        if ch is None:
            raise KeyError(channel_id)
        self.forget_guild_creates(ch.guild_id)
        await self.dispatch("CHANNEL_UPDATE", payloads.channel(ch))

    async def channel_deleted(self, channel_id: int) -> None:
        """Remove a channel and dispatch CHANNEL_DELETE; later posts to it get 404 Unknown Channel."""
        ch = self.state.channel(channel_id)
        if ch is None:
            raise KeyError(channel_id)
        del self.state.guilds[ch.guild_id].channels[channel_id]
        self.forget_guild_creates(ch.guild_id)
        await self.dispatch("CHANNEL_DELETE", payloads.channel(ch))

    async def role_changed(self, guild: FakeGuild, role_id: int) -> None:
        """Dispatch GUILD_ROLE_UPDATE after a test edited a role's permissions in ``state``."""
        self.forget_guild_creates(guild.id)
        await self.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": payloads.role(guild.roles[role_id])}
        )

    def original_message(self, rec: InteractionRecord) -> Json | None:
        """The message the interaction's response created or edited (None if none)."""
        if rec.response_message_id is None:
            return None
        return self.state.messages.get(rec.response_message_id)

    # ------------------------------------------------------------ REST plumbing

    def _add(
        self, method: str, template: str, handler: Handler, checker: Checker | None = None, *, auth: bool = True
    ) -> None:
        pattern = (
            "^"
            + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
            + "$"
        )
        self._routes.append(_Route(method, template, re.compile(pattern), handler, checker, auth))

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        """(route, path args, path_known) — path_known is True if the path exists for another method."""
        known = False
        for r in self._routes:
            m = r.regex.match(path)
            if m is None:
                continue
            known = True
            if r.method == method:
                return r, m.groupdict(), True
        return None, {}, known

    async def _read_body(self, request: web.Request) -> tuple[Any, list[str]]:
        files: list[str] = []
        if not request.can_read_body:
            return None, files
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if isinstance(part, BodyPartReader):
                    name = part.name
                    data = await part.read()
                    if name == "payload_json":
                        body = json.loads(bytes(data).decode())
                    else:
                        files.append(part.filename or str(name))
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            return raw.decode(errors="replace"), files

    def _ratelimit_headers(self, template: str, remaining: int = 49) -> dict[str, str]:
        reset_after = 1.0
        return {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.md5(template.encode()).hexdigest(),
        }

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        arrived = time.perf_counter()
        path = "/" + request.match_info["tail"]
        method = request.method
        route, args, known = self._match(method, path)
        body, files = await self._read_body(request)
        rec = RecordedRequest(
            seq=len(self.state.requests) + 1,
            method=method,
            path=path,
            route=route.template if route else None,
            params=dict(request.query),
            path_args=args,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            body=body,
            files=files,
            at=arrived,
        )
        self.state.requests.append(rec)
        try:
            return await self._answer(request, rec, route, known)
        finally:
            self._bump()

    async def _answer(
        self, request: web.Request, rec: RecordedRequest, route: _Route | None, known: bool
    ) -> web.StreamResponse:
        template = route.template if route else rec.path
        if route is None:
            if known:
                return self._json(rec, 405, {"message": "405: Method Not Allowed", "code": 0}, template)
            return self._json(rec, 404, {"message": "404: Not Found", "code": 0}, template)
        if route.auth and request.headers.get("Authorization") != f"Bot {self.state.token}":
            return self._json(rec, 401, {"message": "401: Unauthorized", "code": 0}, template)
        if route.checker is not None:
            rec.problems = route.checker(rec)
        for fault in self.state.faults:
            if not fault.exhausted and fault.matches(rec.method, rec.path, rec.route):
                fault.hits += 1
                rec.fault = True
                return self._fault_response(rec, fault, template)
        if self.strict and rec.problems:
            errors = {"_fake_checks": {"_errors": [{"code": "FAKE_CHECK", "message": p} for p in rec.problems]}}
            return self._json(rec, 400, {"code": 50035, "message": "Invalid Form Body", "errors": errors}, template)
        status, out = await route.handler(rec)
        return self._json(rec, status, out, template)

    def _json(self, rec: RecordedRequest, status: int, out: Any, template: str) -> web.Response:
        rec.status = status
        headers = self._ratelimit_headers(template)
        if status == 204 or out is None:
            rec.status = 204 if status < 300 else status
            return web.Response(status=rec.status, headers=headers)
        return _json_response(out, status=status, headers=headers)

    def _fault_response(self, rec: RecordedRequest, fault: Fault, template: str) -> web.Response:
        status = fault.status
        rec.status = status
        if status == 429:
            scope = "global" if fault.is_global else "user"
            headers = self._ratelimit_headers(template, remaining=0)
            headers.update(
                {
                    "Retry-After": str(max(1, math.ceil(fault.retry_after))),
                    "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
                    "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
                    "X-RateLimit-Scope": scope,
                    "Via": "1.1 google",
                }
            )
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
                for k in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Bucket"):
                    headers.pop(k, None)
            body = fault.body or {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
                "code": 0,
            }
            return _json_response(body, status=429, headers=headers)
        defaults = {
            400: {"message": "400: Bad Request", "code": 0},
            401: {"message": "401: Unauthorized", "code": 0},
            403: {"message": "Missing Permissions", "code": 50013},
            404: {"message": "404: Not Found", "code": 0},
        }
        body = fault.body or defaults.get(status) or {"message": f"{status}: Server Error", "code": 0}
        return _json_response(body, status=status, headers=self._ratelimit_headers(template))

    # ------------------------------------------------------------ REST routes

    def _register_routes(self) -> None:
        a = self._add
        a("GET", "/users/@me", self._h_me)
        a("GET", "/oauth2/applications/@me", self._h_application)
        a("GET", "/applications/@me", self._h_application)
        a("GET", "/gateway", self._h_gateway)
        a("GET", "/gateway/bot", self._h_gateway_bot)
        a("GET", "/users/{user_id}", self._h_user)
        # application commands
        a("GET", "/applications/{application_id}/commands", self._h_cmds_get)
        a("PUT", "/applications/{application_id}/commands", self._h_cmds_put, _check_cmd_list)
        a("POST", "/applications/{application_id}/commands", self._h_cmd_post, _check_cmd)
        a("GET", "/applications/{application_id}/commands/{command_id}", self._h_cmd_get)
        a("PATCH", "/applications/{application_id}/commands/{command_id}", self._h_cmd_patch)
        a("DELETE", "/applications/{application_id}/commands/{command_id}", self._h_cmd_delete)
        a("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self._h_cmds_get)
        a("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self._h_cmds_put, _check_cmd_list)
        a("POST", "/applications/{application_id}/guilds/{guild_id}/commands", self._h_cmd_post, _check_cmd)
        a("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self._h_cmd_get)
        a("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self._h_cmd_patch)
        a("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self._h_cmd_delete)
        # interactions and their webhooks (no bot auth, like Discord)
        a(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            self._h_callback,
            self._check_callback,
            auth=False,
        )
        a("POST", "/webhooks/{webhook_id}/{webhook_token}", self._h_followup, _check_msg_create, auth=False)
        a("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self._h_wh_get, auth=False)
        a(
            "PATCH",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            self._h_wh_patch,
            _check_msg_edit,
            auth=False,
        )
        a("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self._h_wh_delete, auth=False)
        # channels, messages, guilds
        a("GET", "/channels/{channel_id}", self._h_channel)
        a("GET", "/channels/{channel_id}/messages", self._h_msgs_list)
        a("POST", "/channels/{channel_id}/messages", self._h_msg_post, _check_msg_create)
        a("GET", "/channels/{channel_id}/messages/{message_id}", self._h_msg_get)
        a("PATCH", "/channels/{channel_id}/messages/{message_id}", self._h_msg_patch, _check_msg_edit)
        a("DELETE", "/channels/{channel_id}/messages/{message_id}", self._h_msg_delete)
        a("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._h_thread_from_msg, _check_thread_create)
        a("GET", "/guilds/{guild_id}", self._h_guild)
        a("GET", "/guilds/{guild_id}/channels", self._h_guild_channels)
        a("GET", "/guilds/{guild_id}/roles", self._h_guild_roles)
        a("GET", "/guilds/{guild_id}/members/{user_id}", self._h_guild_member)

    # -- identity

    async def _h_me(self, rec: RecordedRequest) -> tuple[int, Any]:
        return 200, payloads.bot_self(self.state)

    async def _h_application(self, rec: RecordedRequest) -> tuple[int, Any]:
        return 200, payloads.application(self.state)

    async def _h_gateway(self, rec: RecordedRequest) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _h_gateway_bot(self, rec: RecordedRequest) -> tuple[int, Any]:
        shards = self.recommended_shards
        if shards is None:
            shards = sharding.recommended_shards(len(self.state.guilds))
        started = sum(1 for r in self.identify_log if r.outcome == "ready")
        limit = {
            "total": self.session_start_total,
            "remaining": max(0, self.session_start_total - started),
            "reset_after": 14_400_000 if started else 0,
            "max_concurrency": self.max_concurrency,
        }
        return 200, {"url": self.gateway_url, "shards": shards, "session_start_limit": limit}

    async def _h_user(self, rec: RecordedRequest) -> tuple[int, Any]:
        u = self.state.users.get(_int(rec.path_args["user_id"]))
        if u is None:
            return 404, {"message": "Unknown User", "code": 10013}
        return 200, payloads.user(u)

    # -- commands

    def _cmd_pool(self, rec: RecordedRequest) -> list[Json] | None:
        if _int(rec.path_args["application_id"]) != self.state.application_id:
            return None
        gid = rec.path_args.get("guild_id")
        if gid is None:
            return self.state.global_commands
        g = _int(gid)
        if g not in self.state.guilds:
            return None
        return self.state.guild_commands.setdefault(g, [])

    def _unknown_app(self) -> tuple[int, Any]:
        return 403, {"message": "Missing Access", "code": 50001}

    async def _h_cmds_get(self, rec: RecordedRequest) -> tuple[int, Any]:
        pool = self._cmd_pool(rec)
        return (200, list(pool)) if pool is not None else self._unknown_app()

    async def _h_cmds_put(self, rec: RecordedRequest) -> tuple[int, Any]:
        pool = self._cmd_pool(rec)
        if pool is None:
            return self._unknown_app()
        gid = rec.path_args.get("guild_id")
        old = {(c.get("type", 1), c["name"]): c for c in pool}
        new = []
        for body in rec.body or []:
            cmd = payloads.application_command(body, self.state, _int(gid) if gid else None)
            prev = old.get((cmd.get("type", 1), cmd["name"]))
            if prev is not None:
                cmd["id"] = prev["id"]  # Discord keeps ids for commands that survive an overwrite
            new.append(cmd)
        pool[:] = new
        return 200, new

    async def _h_cmd_post(self, rec: RecordedRequest) -> tuple[int, Any]:
        pool = self._cmd_pool(rec)
        if pool is None:
            return self._unknown_app()
        gid = rec.path_args.get("guild_id")
        cmd = payloads.application_command(rec.body, self.state, _int(gid) if gid else None)
        for i, c in enumerate(pool):
            if c["name"] == cmd["name"] and c.get("type", 1) == cmd.get("type", 1):
                cmd["id"] = c["id"]
                pool[i] = cmd
                return 200, cmd
        pool.append(cmd)
        return 201, cmd

    def _find_cmd(self, rec: RecordedRequest) -> tuple[list[Json] | None, int]:
        pool = self._cmd_pool(rec)
        if pool is None:
            return None, -1
        for i, c in enumerate(pool):
            if c["id"] == rec.path_args["command_id"]:
                return pool, i
        return pool, -1

    async def _h_cmd_get(self, rec: RecordedRequest) -> tuple[int, Any]:
        pool, i = self._find_cmd(rec)
        if pool is None or i < 0:
            return 404, {"message": "Unknown application command", "code": 10063}
        return 200, pool[i]

    async def _h_cmd_patch(self, rec: RecordedRequest) -> tuple[int, Any]:
        pool, i = self._find_cmd(rec)
        if pool is None or i < 0:
            return 404, {"message": "Unknown application command", "code": 10063}
        pool[i] = {**pool[i], **(rec.body or {})}
        return 200, pool[i]

    async def _h_cmd_delete(self, rec: RecordedRequest) -> tuple[int, Any]:
        pool, i = self._find_cmd(rec)
        if pool is None or i < 0:
            return 404, {"message": "Unknown application command", "code": 10063}
        del pool[i]
        return 204, None

    # -- interactions

    def _check_callback(self, rec: RecordedRequest) -> list[str]:
        irec = self.state.interactions.get(_int(rec.path_args["interaction_id"]))
        itype = irec.type if irec is not None else checks.APPLICATION_COMMAND
        return checks.check_interaction_callback(rec.body, itype, has_files=bool(rec.files))

    async def _h_callback(self, rec: RecordedRequest) -> tuple[int, Any]:
        irec = self.state.interactions.get(_int(rec.path_args["interaction_id"]))
        if irec is None or irec.token != rec.path_args["interaction_token"]:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if irec.callback is not None:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        if self.interaction_deadline is not None and rec.at - irec.sent_at > self.interaction_deadline:
            irec.late_callbacks.append(rec)
            return 404, {"message": "Unknown interaction", "code": 10062}
        irec.callback = rec
        irec.callback_at = rec.at
        body = rec.body if isinstance(rec.body, dict) else {}
        ctype = body.get("type")
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        assert isinstance(data, dict)
        message: Json | None = None
        channel_id = _int(irec.payload.get("channel_id") or irec.payload.get("channel", {}).get("id") or 0)
        meta = {
            "id": str(irec.id),
            "type": irec.type,
            "user": irec.payload.get("member", {}).get("user") or irec.payload.get("user"),
            "authorizing_integration_owners": irec.payload.get("authorizing_integration_owners", {}),
        }
        if ctype in (4, 5):
            flags = int(data.get("flags") or 0) | (1 << 7 if ctype == 5 else 0)  # LOADING for deferred
            message = payloads.message(
                self.state,
                channel_id=channel_id,
                body={**data, "flags": flags},
                webhook_id=self.state.application_id,
                interaction=meta,
                msg_type=20 if irec.type == checks.APPLICATION_COMMAND else 0,
            )
            self.state.messages[int(message["id"])] = message
            irec.response_message_id = int(message["id"])
        elif ctype in (6, 7):
            target = irec.payload.get("message")
            if target is not None:
                irec.response_message_id = int(target["id"])
                stored = self.state.messages.get(int(target["id"]))
                if ctype == 7 and stored is not None:
                    _apply_edit(stored, data)
                message = stored
        irec.done.set()
        if rec.params.get("with_response") in ("1", "true", "True"):
            resource: Json = {"type": ctype}
            if message is not None and ctype in (4, 5, 7):
                resource["message"] = message
            return 200, {
                "interaction": {
                    "id": str(irec.id),
                    "type": irec.type,
                    "response_message_id": str(irec.response_message_id) if irec.response_message_id else None,
                    "response_message_loading": ctype == 5,
                    "response_message_ephemeral": bool(int(data.get("flags") or 0) & (1 << 6)),
                },
                "resource": resource,
            }
        return 204, None

    def _irec_by_token(self, rec: RecordedRequest) -> InteractionRecord | None:
        if _int(rec.path_args["webhook_id"]) != self.state.application_id:
            return None
        token = rec.path_args["webhook_token"]
        for irec in reversed(list(self.state.interactions.values())):
            if irec.token == token:
                return irec
        return None

    def _wh_message(self, rec: RecordedRequest) -> tuple[InteractionRecord | None, int | None]:
        irec = self._irec_by_token(rec)
        if irec is None:
            return None, None
        mid = rec.path_args["message_id"]
        if mid == "@original":
            return irec, irec.response_message_id
        m = _int(mid)
        if m in irec.followup_ids or m == irec.response_message_id:
            return irec, m
        return irec, None

    async def _h_followup(self, rec: RecordedRequest) -> tuple[int, Any]:
        irec = self._irec_by_token(rec)
        if irec is None or irec.callback is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        channel_id = _int(irec.payload.get("channel_id") or 0)
        body = rec.body if isinstance(rec.body, dict) else {}
        msg = payloads.message(self.state, channel_id=channel_id, body=body, webhook_id=self.state.application_id)
        self.state.messages[int(msg["id"])] = msg
        irec.followup_ids.append(int(msg["id"]))
        if rec.params.get("wait") in ("1", "true", "True"):
            return 200, msg
        return 204, None

    async def _h_wh_get(self, rec: RecordedRequest) -> tuple[int, Any]:
        _, mid = self._wh_message(rec)
        if mid is None or mid not in self.state.messages:
            return 404, {"message": "Unknown Message", "code": 10008}
        return 200, self.state.messages[mid]

    async def _h_wh_patch(self, rec: RecordedRequest) -> tuple[int, Any]:
        _, mid = self._wh_message(rec)
        if mid is None or mid not in self.state.messages:
            return 404, {"message": "Unknown Message", "code": 10008}
        msg = self.state.messages[mid]
        _apply_edit(msg, rec.body if isinstance(rec.body, dict) else {})
        msg["flags"] = int(msg.get("flags") or 0) & ~(1 << 7)  # no longer loading
        return 200, msg

    async def _h_wh_delete(self, rec: RecordedRequest) -> tuple[int, Any]:
        _, mid = self._wh_message(rec)
        if mid is None or mid not in self.state.messages:
            return 404, {"message": "Unknown Message", "code": 10008}
        del self.state.messages[mid]
        return 204, None

    # -- channels and messages

    def _channel_or_error(self, rec: RecordedRequest, need: int = VIEW_CHANNEL) -> tuple[Any, tuple[int, Any] | None]:
        ch = self.state.channel(_int(rec.path_args["channel_id"]))
        if ch is None:
            return None, (404, {"message": "Unknown Channel", "code": 10003})
        g = self.state.guilds[ch.guild_id]
        perms = g.permissions_in(self.state.bot.id, ch.id)
        if not perms & VIEW_CHANNEL:
            return ch, (403, {"message": "Missing Access", "code": 50001})
        if perms & need != need:
            return ch, (403, {"message": "Missing Permissions", "code": 50013})
        return ch, None

    async def _h_channel(self, rec: RecordedRequest) -> tuple[int, Any]:
        ch, err = self._channel_or_error(rec)
        return err or (200, payloads.channel(ch))

    async def _h_msgs_list(self, rec: RecordedRequest) -> tuple[int, Any]:
        ch, err = self._channel_or_error(rec)
        if err:
            return err
        msgs = sorted(self.state.messages_in(ch.id), key=lambda m: int(m["id"]), reverse=True)
        limit = min(100, _int(rec.params.get("limit", "50")))
        return 200, msgs[:limit]

    async def _h_msg_post(self, rec: RecordedRequest) -> tuple[int, Any]:
        ch, err = self._channel_or_error(rec, VIEW_CHANNEL | SEND_MESSAGES)
        if err:
            return err
        body = rec.body if isinstance(rec.body, dict) else {}
        msg = payloads.message(self.state, channel_id=ch.id, body=body)
        self.state.messages[int(msg["id"])] = msg
        return 200, msg

    def _stored_msg(self, rec: RecordedRequest) -> Json | None:
        msg = self.state.messages.get(_int(rec.path_args["message_id"]))
        if msg is None or msg["channel_id"] != rec.path_args["channel_id"]:
            return None
        return msg

    async def _h_msg_get(self, rec: RecordedRequest) -> tuple[int, Any]:
        _, err = self._channel_or_error(rec)
        if err:
            return err
        msg = self._stored_msg(rec)
        return (200, msg) if msg else (404, {"message": "Unknown Message", "code": 10008})

    async def _h_msg_patch(self, rec: RecordedRequest) -> tuple[int, Any]:
        _, err = self._channel_or_error(rec)
        if err:
            return err
        msg = self._stored_msg(rec)
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        if msg["author"]["id"] != str(self.state.bot.id):
            return 403, {"message": "Cannot edit a message authored by another user", "code": 50005}
        _apply_edit(msg, rec.body if isinstance(rec.body, dict) else {})
        return 200, msg

    async def _h_msg_delete(self, rec: RecordedRequest) -> tuple[int, Any]:
        _, err = self._channel_or_error(rec)
        if err:
            return err
        msg = self._stored_msg(rec)
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        del self.state.messages[int(msg["id"])]
        return 204, None

    async def _h_thread_from_msg(self, rec: RecordedRequest) -> tuple[int, Any]:
        """Start Thread from Message: needs Create Public Threads; one thread per message."""
        ch, err = self._channel_or_error(rec, VIEW_CHANNEL | CREATE_PUBLIC_THREADS)
        if err:
            return err
        msg = self._stored_msg(rec)
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        if msg.get("thread") is not None:
            return 400, {"message": "A thread has already been created for this message", "code": 160004}
        body = rec.body if isinstance(rec.body, dict) else {}
        thread = payloads.thread(
            self.state,
            parent=ch,
            thread_id=int(msg["id"]),  # as on Discord: a thread started from a message has the message's id
            name=str(body.get("name", "")),
            auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
        )
        self.state.threads[int(thread["id"])] = thread
        msg["thread"] = thread
        return 201, thread

    def _guild_or_error(self, rec: RecordedRequest) -> tuple[FakeGuild | None, tuple[int, Any] | None]:
        g = self.state.guilds.get(_int(rec.path_args["guild_id"]))
        if g is None:
            return None, (404, {"message": "Unknown Guild", "code": 10004})
        return g, None

    async def _h_guild(self, rec: RecordedRequest) -> tuple[int, Any]:
        g, err = self._guild_or_error(rec)
        return err or (200, payloads.guild(g, self.state))  # type: ignore[arg-type]

    async def _h_guild_channels(self, rec: RecordedRequest) -> tuple[int, Any]:
        g, err = self._guild_or_error(rec)
        return err or (200, [payloads.channel(c) for c in g.channels.values()])  # type: ignore[union-attr]

    async def _h_guild_roles(self, rec: RecordedRequest) -> tuple[int, Any]:
        g, err = self._guild_or_error(rec)
        return err or (200, [payloads.role(r) for r in g.roles.values()])  # type: ignore[union-attr]

    async def _h_guild_member(self, rec: RecordedRequest) -> tuple[int, Any]:
        g, err = self._guild_or_error(rec)
        if err:
            return err
        assert g is not None
        m = g.members.get(_int(rec.path_args["user_id"]))
        if m is None:
            return 404, {"message": "Unknown Member", "code": 10007}
        return 200, payloads.member(m)

    # ------------------------------------------------------------ control API (standalone use)

    async def _control(self, request: web.Request) -> web.StreamResponse:
        from .control import handle_control

        return await handle_control(self, request)


def _json_response(body: Any, *, status: int, headers: dict[str, str]) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``, as Discord sends it.

    (discord.py parses a body as JSON only on that exact header; aiohttp's json_response adds a charset.)
    """
    return web.Response(
        body=json.dumps(body).encode(), status=status, headers={**headers, "Content-Type": "application/json"}
    )


def _event_guild_id(event: str, data: Json) -> int | None:
    """The guild an event belongs to (decides its shard); ``None`` for DMs and guild-less events."""
    raw = data.get("guild_id")
    if raw is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        raw = data.get("id")
    return _int(raw) if raw is not None else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _apply_edit(msg: Json, body: Json) -> None:
    for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
        if key in body:
            if key == "components":
                msg[key] = payloads._components_out(body[key] or [])
            elif key == "embeds":
                msg[key] = [payloads._embed_out(e) for e in body[key] or []]
            elif key == "allowed_mentions":
                continue
            else:
                msg[key] = body[key] if body[key] is not None else ("" if key == "content" else 0)
    msg["edited_timestamp"] = payloads.iso_now()


def _check_cmd(rec: RecordedRequest) -> list[str]:
    return checks.check_command(rec.body)


def _check_cmd_list(rec: RecordedRequest) -> list[str]:
    return checks.check_command_list(rec.body)


def _check_msg_create(rec: RecordedRequest) -> list[str]:
    return checks.check_message(rec.body, has_files=bool(rec.files))


def _check_thread_create(rec: RecordedRequest) -> list[str]:
    return checks.check_thread_from_message(rec.body)


def _check_msg_edit(rec: RecordedRequest) -> list[str]:
    return checks.check_message(rec.body, edit=True)
