"""The fake Discord's world: users, guilds, channels, roles, members, overwrites, and the request record.

Everything here is plain data. The server (``server.py``) mutates it; tests read it.
Snowflakes are real Discord-style snowflakes (milliseconds since the Discord epoch << 22), so
``discord.utils.snowflake_time`` gives sensible datetimes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

EVERYONE_DEFAULT = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | MENTION_EVERYONE
    | USE_EXTERNAL_EMOJIS
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)

# Channel types.
GUILD_TEXT = 0
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5

# Overwrite target types.
OVERWRITE_ROLE = 0
OVERWRITE_MEMBER = 1

BOT_ROLE_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS

_counter = itertools.count()
_bulk_cursor_ms: int | None = None  # the next millisecond ``bulk_id_block`` hands out (in the past)
BULK_WORKER = 2  # snowflake worker bits for bulk ids; ``snowflake()`` uses worker 1


def snowflake() -> int:
    """A fresh, unique, time-ordered snowflake."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (1 << 17) | (next(_counter) & 0xFFF)


def bulk_id_block(count: int) -> int:
    """Reserve ``count`` consecutive milliseconds (starting ~400 days ago) for bulk-built objects.

    Returns the first millisecond (since the Discord epoch). Object ``i`` of the block builds its
    ids as ``((first + i) << 22) | (BULK_WORKER << 17) | k``, so ids never collide with each other or
    with ``snowflake()`` (a different worker, and times long past), and ``(id >> 22) % n`` spreads
    consecutive guilds evenly over ``n`` shards, as Discord's formula does for real guilds.
    """
    global _bulk_cursor_ms
    if _bulk_cursor_ms is None:
        _bulk_cursor_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS - 400 * 86_400_000
    first = _bulk_cursor_ms
    _bulk_cursor_ms += count
    return first


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 1
    managed: bool = False
    color: int = 0
    bot_id: int | None = None  # for a bot's managed role


@dataclass
class Overwrite:
    id: int
    type: int  # OVERWRITE_ROLE or OVERWRITE_MEMBER
    allow: int = 0
    deny: int = 0


@dataclass
class FakeChannel:
    id: int
    guild_id: int
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)


@dataclass
class FakeMember:
    user: FakeUser
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = "2024-01-01T00:00:00.000000+00:00"


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    preferred_locale: str = "en-US"

    # -- lookups by name, for readable tests --
    def channel(self, name: str) -> FakeChannel:
        for ch in self.channels.values():
            if ch.name == name:
                return ch
        raise KeyError(f"no channel {name!r} in guild {self.name!r}")

    def role(self, name: str) -> FakeRole:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role {name!r} in guild {self.name!r}")

    @property
    def everyone(self) -> FakeRole:
        return self.roles[self.id]

    def member(self, user_id: int) -> FakeMember:
        return self.members[user_id]

    def add_role(self, name: str, permissions: int, **kw: Any) -> FakeRole:
        role = FakeRole(id=snowflake(), name=name, permissions=permissions, position=len(self.roles), **kw)
        self.roles[role.id] = role
        return role

    def add_channel(self, name: str, *, type: int = GUILD_TEXT, **kw: Any) -> FakeChannel:
        ch = FakeChannel(id=snowflake(), guild_id=self.id, name=name, type=type, position=len(self.channels), **kw)
        self.channels[ch.id] = ch
        return ch

    def add_member(self, user: FakeUser, *roles: FakeRole, nick: str | None = None) -> FakeMember:
        m = FakeMember(user=user, role_ids=[r.id for r in roles], nick=nick)
        self.members[user.id] = m
        return m

    def base_permissions(self, user_id: int) -> int:
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone.permissions
        member = self.members.get(user_id)
        if member is not None:
            for rid in member.role_ids:
                role = self.roles.get(rid)
                if role is not None:
                    perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def permissions_in(self, user_id: int, channel_id: int | None) -> int:
        """Discord's permission algorithm: base role permissions, then channel overwrites."""
        perms = self.base_permissions(user_id)
        if perms == ALL_PERMISSIONS or channel_id is None:
            return perms
        ch = self.channels.get(channel_id)
        if ch is None:
            return perms
        by_id = {ow.id: ow for ow in ch.overwrites}
        everyone_ow = by_id.get(self.id)
        if everyone_ow is not None:
            perms = (perms & ~everyone_ow.deny) | everyone_ow.allow
        member = self.members.get(user_id)
        role_ids = member.role_ids if member else []
        allow = deny = 0
        for rid in role_ids:
            ow = by_id.get(rid)
            if ow is not None and ow.type == OVERWRITE_ROLE:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        member_ow = by_id.get(user_id)
        if member_ow is not None and member_ow.type == OVERWRITE_MEMBER:
            perms = (perms & ~member_ow.deny) | member_ow.allow
        if not perms & VIEW_CHANNEL:
            return 0
        return perms


@dataclass
class RecordedRequest:
    """One REST request the bot made, as the fake saw it."""

    seq: int
    method: str
    path: str  # after the API prefix, e.g. "/channels/123/messages"
    route: str | None  # the matched template, e.g. "/channels/{channel_id}/messages"; None if unknown
    params: dict[str, str]  # query string
    path_args: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON (or the payload_json part of a multipart body); None if empty
    files: list[str]
    at: float  # time.perf_counter() when the request arrived
    status: int = 0  # the status the fake answered with
    problems: list[str] = field(default_factory=list)  # body-check findings (see checks.py)
    fault: bool = False  # answered by an injected fault

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}{' FAULT' if self.fault else ''}>"


@dataclass
class Fault:
    """An injected failure for matching requests (see ``FakeDiscord.fail``)."""

    method: str | None
    route: str  # a template ("/channels/{channel_id}/messages") or a concrete path ("/channels/1/messages")
    status: int
    times: int | None  # None = forever
    retry_after: float = 0.05
    is_global: bool = False
    body: dict[str, Any] | None = None
    hits: int = 0

    def matches(self, method: str, path: str, route: str | None) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.route in (path, route)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


@dataclass
class InteractionRecord:
    """An interaction the fake sent, and how the bot answered it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    sent_at: float = 0.0  # perf_counter when INTERACTION_CREATE was written to the socket
    callback: RecordedRequest | None = None
    callback_at: float = 0.0
    response_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    late_callbacks: list[RecordedRequest] = field(default_factory=list)  # refused: past the 3 s deadline
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def latency(self) -> float:
        """Seconds from INTERACTION_CREATE sent to callback request received."""
        if self.callback is None:
            raise ValueError("no callback yet")
        return self.callback_at - self.sent_at

    @property
    def callback_type(self) -> int | None:
        if self.callback is None or not isinstance(self.callback.body, dict):
            return None
        value = self.callback.body.get("type")
        return value if isinstance(value, int) else None


@dataclass
class FakeState:
    bot: FakeUser
    application_id: int
    owner: FakeUser
    token: str = "fake-token"
    users: dict[int, FakeUser] = field(default_factory=dict)
    guilds: dict[int, FakeGuild] = field(default_factory=dict)
    global_commands: list[dict[str, Any]] = field(default_factory=list)
    guild_commands: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # message id -> message payload
    threads: dict[int, dict[str, Any]] = field(default_factory=dict)  # thread id -> thread channel payload
    interactions: dict[int, InteractionRecord] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    _channel_guild: dict[int, int] = field(default_factory=dict, repr=False)  # channel id -> guild id, a cache

    def user(self, username: str) -> FakeUser:
        for u in self.users.values():
            if u.username == username:
                return u
        raise KeyError(f"no user {username!r}")

    def guild(self, name: str) -> FakeGuild:
        for g in self.guilds.values():
            if g.name == name:
                return g
        raise KeyError(f"no guild {name!r}")

    def add_user(self, username: str, *, bot: bool = False) -> FakeUser:
        u = FakeUser(id=snowflake(), username=username, bot=bot, global_name=None if bot else username.title())
        self.users[u.id] = u
        return u

    def add_guild(self, name: str, owner: FakeUser, *, everyone_permissions: int = EVERYONE_DEFAULT) -> FakeGuild:
        gid = snowflake()
        g = FakeGuild(id=gid, name=name, owner_id=owner.id)
        g.roles[gid] = FakeRole(id=gid, name="@everyone", permissions=everyone_permissions, position=0)
        g.add_member(owner)
        bot_role = g.add_role(self.bot.username, BOT_ROLE_PERMISSIONS, managed=True, bot_id=self.bot.id)
        g.add_member(self.bot, bot_role)
        self.guilds[gid] = g
        return g

    def add_bulk_guilds(
        self,
        count: int,
        *,
        owner: FakeUser | None = None,
        name: str = "Server {i}",
        channel_name: str = "general",
    ) -> list[FakeGuild]:
        """Add ``count`` small guilds cheaply: @everyone, the bot's role, one text channel, owner + bot.

        For worlds of thousands of guilds (sharding, start-up benchmarks). ``name`` is formatted
        with ``i`` (0-based). Ids are spread so ``(id >> 22) % n`` deals the guilds round-robin
        over ``n`` shards (see ``bulk_id_block``). Returns the new guilds in order.
        """
        owner = owner or self.owner
        first_ms = bulk_id_block(count)
        worker = BULK_WORKER << 17
        added: list[FakeGuild] = []
        for i in range(count):
            base = ((first_ms + i) << 22) | worker
            gid, role_id, channel_id = base, base | 1, base | 2
            g = FakeGuild(id=gid, name=name.format(i=i), owner_id=owner.id)
            g.roles[gid] = FakeRole(id=gid, name="@everyone", permissions=EVERYONE_DEFAULT, position=0)
            g.roles[role_id] = FakeRole(
                id=role_id, name=self.bot.username, permissions=BOT_ROLE_PERMISSIONS, managed=True, bot_id=self.bot.id
            )
            g.members[owner.id] = FakeMember(user=owner)
            g.members[self.bot.id] = FakeMember(user=self.bot, role_ids=[role_id])
            g.channels[channel_id] = FakeChannel(id=channel_id, guild_id=gid, name=channel_name)
            self.guilds[gid] = g
            added.append(g)
        return added

    def channel(self, channel_id: int) -> FakeChannel | None:
        """The channel with this id in any guild (a remembered guild is tried first)."""
        gid = self._channel_guild.get(channel_id)
        if gid is not None:
            g = self.guilds.get(gid)
            ch = g.channels.get(channel_id) if g is not None else None
            if ch is not None:
                return ch
        for g in self.guilds.values():
            ch = g.channels.get(channel_id)
            if ch is not None:
                self._channel_guild[channel_id] = g.id
                return ch
        return None

    def messages_in(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]

    def find_requests(self, method: str | None = None, route: str | None = None) -> list[RecordedRequest]:
        """Recorded requests filtered by method and route template or concrete path."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method.upper()) and (route is None or route in (r.route, r.path))
        ]

    @property
    def problems(self) -> list[tuple[RecordedRequest, str]]:
        """Every body-check finding over all recorded requests (empty = every body was valid)."""
        return [(r, p) for r in self.requests for p in r.problems]


def default_state(token: str = "fake-token") -> FakeState:
    """Three guilds with channels, roles and overwrites that exercise the permission paths.

    - "People's History Club" (owner: ``owner``): roles Moderators (Manage Server) and Readers;
      members ``owner``, ``moderator`` (Moderators), ``reader`` (Readers), ``newcomer`` (no role).
      Channels: category "Text", #general, #history, #announcements (@everyone cannot send, the
      bot's role can), #mods-only (@everyone cannot view, Moderators can), #no-bot (bot denied send).
    - "Reading Circle" (owner: ``owner``): #general, #daily; ``reader`` is a member.
    - "Archive Room" (owner: ``moderator``): #general.
    """
    bot_id = snowflake()
    bot = FakeUser(id=bot_id, username="From Below", bot=True)
    owner = FakeUser(id=snowflake(), username="owner", global_name="Owner")
    st = FakeState(bot=bot, application_id=bot_id, owner=owner, token=token)
    st.users[bot.id] = bot
    st.users[owner.id] = owner
    moderator = st.add_user("moderator")
    reader = st.add_user("reader")
    newcomer = st.add_user("newcomer")

    club = st.add_guild("People's History Club", owner)
    mods = club.add_role("Moderators", MANAGE_GUILD | MANAGE_MESSAGES, color=0x3498DB)
    readers = club.add_role("Readers", 0)
    club.add_member(moderator, mods)
    club.add_member(reader, readers)
    club.add_member(newcomer)
    bot_role = next(r for r in club.roles.values() if r.bot_id == bot.id)
    cat = club.add_channel("Text", type=GUILD_CATEGORY)
    club.add_channel("general", parent_id=cat.id, topic="Chat")
    club.add_channel("history", parent_id=cat.id, topic="On this day")
    club.add_channel(
        "announcements",
        parent_id=cat.id,
        overwrites=[
            Overwrite(id=club.id, type=OVERWRITE_ROLE, deny=SEND_MESSAGES),
            Overwrite(id=bot_role.id, type=OVERWRITE_ROLE, allow=SEND_MESSAGES),
        ],
    )
    club.add_channel(
        "mods-only",
        parent_id=cat.id,
        overwrites=[
            Overwrite(id=club.id, type=OVERWRITE_ROLE, deny=VIEW_CHANNEL),
            Overwrite(id=mods.id, type=OVERWRITE_ROLE, allow=VIEW_CHANNEL),
        ],
    )
    club.add_channel(
        "no-bot",
        parent_id=cat.id,
        overwrites=[Overwrite(id=bot.id, type=OVERWRITE_MEMBER, deny=SEND_MESSAGES)],
    )

    circle = st.add_guild("Reading Circle", owner)
    circle.add_member(reader)
    circle.add_channel("general")
    circle.add_channel("daily")

    archive = st.add_guild("Archive Room", moderator)
    archive.add_member(owner)
    archive.add_channel("general")
    return st
