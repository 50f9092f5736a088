"""Spec-shaped Discord API v10 objects built from the fake's state.

Shapes follow https://discord.com/developers/docs (user, guild, channel, role, guild member,
message, application, interaction). discord.py reads some keys unconditionally (for example
``attachment_size_limit`` on interactions and ``verify_key`` on applications), so those are
always present.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from .state import (
    GUILD_ANNOUNCEMENT,
    GUILD_TEXT,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeState,
    FakeUser,
    snowflake,
)

# Interaction types.
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Application command option types.
OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10

# Component types.
BUTTON = 2
STRING_SELECT = 3


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def user(u: FakeUser) -> dict[str, Any]:
    return {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": None,
        "bot": u.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def bot_self(st: FakeState) -> dict[str, Any]:
    """GET /users/@me for the bot."""
    d = user(st.bot)
    d.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
    return d


def application(st: FakeState) -> dict[str, Any]:
    """GET /oauth2/applications/@me."""
    return {
        "id": str(st.application_id),
        "name": st.bot.username,
        "icon": None,
        "description": "A fake application for end-to-end tests",
        "summary": "",
        "type": None,
        "cover_image": None,
        "primary_sku_id": None,
        "bot": user(st.bot),
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED
        "owner": user(st.owner),
        "team": None,
        "rpc_origins": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "integration_types_config": {"0": {}},
        "approximate_guild_count": len(st.guilds),
    }


def role(r: FakeRole) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": False,
        "flags": 0,
    }
    if r.bot_id is not None:
        d["tags"] = {"bot_id": str(r.bot_id)}
    return d


def channel(ch: FakeChannel, *, with_guild_id: bool = True) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": str(ch.id),
        "type": ch.type,
        "position": ch.position,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)} for o in ch.overwrites
        ],
        "name": ch.name,
        "parent_id": str(ch.parent_id) if ch.parent_id else None,
        "flags": 0,
    }
    if with_guild_id:
        d["guild_id"] = str(ch.guild_id)
    if ch.type == GUILD_TEXT:
        d.update({"topic": ch.topic, "nsfw": False, "last_message_id": None, "rate_limit_per_user": 0})
    return d


def thread(
    state: FakeState, *, parent: FakeChannel, thread_id: int, name: str, auto_archive_duration: int
) -> dict[str, Any]:
    """A public thread channel (type 11; 10 in an announcement channel), as Start Thread returns it."""
    return {
        "id": str(thread_id),
        "type": 10 if parent.type == GUILD_ANNOUNCEMENT else 11,
        "guild_id": str(parent.guild_id),
        "parent_id": str(parent.id),
        "owner_id": str(state.bot.id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": auto_archive_duration,
            "archive_timestamp": "2026-01-01T00:00:00.000000+00:00",
            "locked": False,
            "create_timestamp": "2026-01-01T00:00:00.000000+00:00",
        },
        "member": {
            "id": str(thread_id),
            "user_id": str(state.bot.id),
            "join_timestamp": "2026-01-01T00:00:00+00:00",
            "flags": 0,
        },
    }


def member(m: FakeMember, *, with_user: bool = True) -> dict[str, Any]:
    d: dict[str, Any] = {
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in m.role_ids],
        "joined_at": m.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        d["user"] = user(m.user)
    return d


def guild(g: FakeGuild, st: FakeState) -> dict[str, Any]:
    """A guild object (as GET /guilds/{id} returns it)."""
    text = [c for c in g.channels.values() if c.type == GUILD_TEXT]
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "icon_hash": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": str(text[0].id) if text else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": g.preferred_locale,
        "public_updates_channel_id": None,
        "max_video_channel_users": 25,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
    }


def guild_create(g: FakeGuild, st: FakeState) -> dict[str, Any]:
    """The GUILD_CREATE dispatch body: a guild plus the gateway-only fields."""
    d = guild(g, st)
    bot_member = g.members.get(st.bot.id)
    d.update(
        {
            "joined_at": bot_member.joined_at if bot_member else iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(g.members),
            "voice_states": [],
            "members": [member(m) for m in g.members.values()],
            "channels": [channel(c, with_guild_id=False) for c in g.channels.values()],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    return d


def ready(
    st: FakeState,
    session_id: str,
    resume_gateway_url: str,
    shard: list[int] | None = None,
    *,
    guilds: list[FakeGuild] | None = None,
) -> dict[str, Any]:
    """The READY dispatch body; ``guilds`` (default: all) are listed as unavailable stubs."""
    listed = list(st.guilds.values()) if guilds is None else guilds
    d: dict[str, Any] = {
        "v": 10,
        "user": bot_self(st),
        "guilds": [{"id": str(g.id), "unavailable": True} for g in listed],
        "session_id": session_id,
        "resume_gateway_url": resume_gateway_url,
        "application": {"id": str(st.application_id), "flags": 1 << 19},
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "guild_join_requests": [],
        "_trace": ['["fakediscord",{"micros":0}]'],
    }
    if shard is not None:
        d["shard"] = shard
    return d


def message(
    st: FakeState,
    *,
    channel_id: int,
    body: dict[str, Any],
    author: FakeUser | None = None,
    message_id: int | None = None,
    webhook_id: int | None = None,
    interaction: dict[str, Any] | None = None,
    msg_type: int = 0,
) -> dict[str, Any]:
    """A message object as Discord returns it after a create, built from the request body."""
    ch = st.channel(channel_id)
    d: dict[str, Any] = {
        "id": str(message_id or snowflake()),
        "channel_id": str(channel_id),
        "author": user(author or st.bot),
        "content": body.get("content") or "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": [_embed_out(e) for e in body.get("embeds") or []],
        "reactions": [],
        "pinned": False,
        "type": msg_type,
        "flags": int(body.get("flags") or 0),
        "components": _components_out(body.get("components") or []),
        "position": 0,
    }
    if ch is not None:
        d["guild_id"] = str(ch.guild_id)
    if webhook_id is not None:
        d["webhook_id"] = str(webhook_id)
        d["application_id"] = str(st.application_id)
    if interaction is not None:
        d["interaction_metadata"] = interaction
    return d


def _embed_out(e: dict[str, Any]) -> dict[str, Any]:
    out = dict(e)
    out.setdefault("type", "rich")
    out.setdefault("content_scan_version", 0)
    return out


def _components_out(rows: list[Any]) -> list[Any]:
    # Discord echoes components back, adding numeric ids.
    out: list[Any] = []
    counter = 1
    for row in rows:
        if not isinstance(row, dict):
            continue
        r = dict(row)
        r.setdefault("id", counter)
        counter += 1
        children = []
        for child in row.get("components") or []:
            if isinstance(child, dict):
                c = dict(child)
                c.setdefault("id", counter)
                counter += 1
                children.append(c)
        if children:
            r["components"] = children
        out.append(r)
    return out


def application_command(body: dict[str, Any], st: FakeState, guild_id: int | None = None) -> dict[str, Any]:
    """The stored/returned form of a registered command (ids and version added)."""
    d = dict(body)
    d["id"] = str(snowflake())
    d["application_id"] = str(st.application_id)
    d["version"] = str(snowflake())
    d.setdefault("type", 1)
    d.setdefault("description", "")
    d.setdefault("default_member_permissions", None)
    d.setdefault("nsfw", False)
    d.setdefault("contexts", None)
    d.setdefault("integration_types", [0])
    if guild_id is not None:
        d["guild_id"] = str(guild_id)
    return d


# ---------------------------------------------------------------- interactions


def option(name: str, value: Any, *, type: int | None = None, focused: bool = False) -> dict[str, Any]:
    """An application command interaction data option; the type is inferred from the Python value."""
    if type is None:
        if isinstance(value, bool):
            type = OPT_BOOLEAN
        elif isinstance(value, int):
            type = OPT_INTEGER
        elif isinstance(value, float):
            type = OPT_NUMBER
        else:
            type = OPT_STRING
    d: dict[str, Any] = {"name": name, "type": type, "value": value}
    if focused:
        d["focused"] = True
    return d


def subcommand(name: str, *options: dict[str, Any], group: bool = False) -> dict[str, Any]:
    return {"name": name, "type": OPT_SUB_COMMAND_GROUP if group else OPT_SUB_COMMAND, "options": list(options)}


def _base_interaction(
    st: FakeState,
    itype: int,
    *,
    guild: FakeGuild | None,
    channel_id: int | None,
    invoker: FakeUser,
    data: dict[str, Any] | None,
    locale: str = "en-US",
) -> dict[str, Any]:
    iid = snowflake()
    d: dict[str, Any] = {
        "id": str(iid),
        "application_id": str(st.application_id),
        "type": itype,
        "token": "itok-" + secrets.token_urlsafe(24),
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "app_permissions": "0",
    }
    if data is not None:
        d["data"] = data
    if guild is not None:
        mem = guild.members.get(invoker.id)
        if mem is None:
            raise KeyError(f"{invoker.username!r} is not a member of {guild.name!r}")
        m = member(mem)
        m["permissions"] = str(guild.permissions_in(invoker.id, channel_id))
        d["member"] = m
        d["guild_id"] = str(guild.id)
        d["guild"] = {"id": str(guild.id), "locale": guild.preferred_locale, "features": []}
        d["guild_locale"] = guild.preferred_locale
        d["app_permissions"] = str(guild.permissions_in(st.bot.id, channel_id))
        d["authorizing_integration_owners"] = {"0": str(guild.id)}
        d["context"] = 0
        if channel_id is not None:
            ch = guild.channels[channel_id]
            c = channel(ch)
            c["permissions"] = m["permissions"]
            d["channel"] = c
            d["channel_id"] = str(ch.id)
    else:
        d["user"] = user(invoker)
        d["authorizing_integration_owners"] = {"1": str(invoker.id)}
        d["context"] = 1
    return d


def command_interaction(
    st: FakeState,
    name: str,
    options: list[dict[str, Any]] | None = None,
    *,
    guild: FakeGuild | None,
    channel_id: int | None,
    invoker: FakeUser,
    command_id: int | None = None,
    autocomplete: bool = False,
    locale: str = "en-US",
) -> dict[str, Any]:
    """An APPLICATION_COMMAND (2) or, with ``autocomplete``, APPLICATION_COMMAND_AUTOCOMPLETE (4) interaction."""
    if command_id is None:
        command_id = _registered_command_id(st, name, guild)
    data: dict[str, Any] = {"id": str(command_id), "name": name, "type": 1}
    if options:
        data["options"] = options
        resolved = _resolve(st, guild, channel_id, invoker, options)
        if resolved:
            data["resolved"] = resolved
    if guild is not None:
        data["guild_id"] = str(guild.id)
    itype = APPLICATION_COMMAND_AUTOCOMPLETE if autocomplete else APPLICATION_COMMAND
    return _base_interaction(st, itype, guild=guild, channel_id=channel_id, invoker=invoker, data=data, locale=locale)


def component_interaction(
    st: FakeState,
    message: dict[str, Any],
    custom_id: str,
    *,
    invoker: FakeUser,
    component_type: int = BUTTON,
    values: list[str] | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    """A MESSAGE_COMPONENT (3) interaction on ``message`` (a stored message payload)."""
    channel_id = int(message["channel_id"])
    ch = st.channel(channel_id)
    g = st.guilds.get(ch.guild_id) if ch is not None else None
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if component_type != BUTTON:
        data["values"] = list(values or [])
        resolved = _resolve_select(st, g, channel_id, invoker, component_type, data["values"])
        if resolved:
            data["resolved"] = resolved
    d = _base_interaction(
        st,
        MESSAGE_COMPONENT,
        guild=g,
        channel_id=channel_id if g is not None else None,
        invoker=invoker,
        data=data,
        locale=locale,
    )
    d["message"] = message
    return d


def _resolve(
    st: FakeState,
    guild: FakeGuild | None,
    channel_id: int | None,
    invoker: FakeUser,
    options: list[dict[str, Any]],
) -> dict[str, Any]:
    """The ``resolved`` map Discord adds for user (6), channel (7), role (8) and mentionable (9) options."""
    out: dict[str, dict[str, Any]] = {}

    def add_user(uid: int) -> None:
        u = st.users.get(uid)
        if u is None:
            return
        out.setdefault("users", {})[str(uid)] = user(u)
        if guild is not None and uid in guild.members:
            m = member(guild.members[uid], with_user=False)
            m["permissions"] = str(guild.permissions_in(uid, channel_id))
            out.setdefault("members", {})[str(uid)] = m

    def walk(opts: list[dict[str, Any]]) -> None:
        for o in opts:
            if o.get("type") in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
                walk(o.get("options") or [])
                continue
            if o.get("focused") or "value" not in o:
                continue
            try:
                oid = int(o["value"])
            except (TypeError, ValueError):
                continue
            otype = o.get("type")
            if otype in (OPT_USER, OPT_MENTIONABLE):
                add_user(oid)
            if otype in (OPT_ROLE, OPT_MENTIONABLE) and guild is not None and oid in guild.roles:
                out.setdefault("roles", {})[str(oid)] = role(guild.roles[oid])
            if otype == OPT_CHANNEL and guild is not None and oid in guild.channels:
                c = channel(guild.channels[oid])
                c["permissions"] = str(guild.permissions_in(invoker.id, oid))
                out.setdefault("channels", {})[str(oid)] = c

    walk(options)
    return out


# select menu types whose values are snowflakes, mapped to the option type that resolves them
_SELECT_RESOLVE = {5: OPT_USER, 6: OPT_ROLE, 7: OPT_MENTIONABLE, 8: OPT_CHANNEL}


def _resolve_select(
    st: FakeState,
    guild: FakeGuild | None,
    channel_id: int | None,
    invoker: FakeUser,
    component_type: int,
    values: list[str],
) -> dict[str, Any]:
    otype = _SELECT_RESOLVE.get(component_type)
    if otype is None:
        return {}
    as_options = [{"name": "v", "type": otype, "value": v} for v in values]
    return _resolve(st, guild, channel_id, invoker, as_options)


def modal_submit_interaction(
    st: FakeState,
    opened: dict[str, Any],
    modal: dict[str, Any],
    values: dict[str, Any],
    *,
    invoker: FakeUser,
) -> dict[str, Any]:
    """A MODAL_SUBMIT (5) for ``modal`` (the ``data`` of the bot's type-9 callback) opened by ``opened``.

    ``values`` maps each input's custom_id to a string (text inputs) or a list of strings (selects).
    The submitted components mirror the modal's layout (action rows or labels), as Discord sends them.
    """
    guild_id = opened.get("guild_id")
    g = st.guilds.get(int(guild_id)) if guild_id else None
    channel_id = int(opened["channel_id"]) if opened.get("channel_id") else None
    resolved: dict[str, Any] = {}

    def submit(c: dict[str, Any]) -> dict[str, Any]:
        ctype = c.get("type")
        if ctype == 1:
            return {"type": 1, "components": [submit(x) for x in c.get("components") or []]}
        if ctype == 18:
            out = {"type": 18, "component": submit(c.get("component") or {})}
            if "id" in c:
                out["id"] = c["id"]
            return out
        cid = c.get("custom_id")
        if ctype == 4:
            return {"type": 4, "custom_id": cid, "value": str(values.get(str(cid), c.get("value") or ""))}
        if ctype in (3, 5, 6, 7, 8):
            picked = [str(v) for v in values.get(str(cid), [])]
            for kind, entries in _resolve_select(st, g, channel_id, invoker, ctype, picked).items():
                resolved.setdefault(kind, {}).update(entries)
            return {"type": ctype, "custom_id": cid, "values": picked}
        return {"type": ctype}

    data: dict[str, Any] = {
        "custom_id": modal["custom_id"],
        "components": [submit(c) for c in modal.get("components") or []],
    }
    d = _base_interaction(st, MODAL_SUBMIT, guild=g, channel_id=channel_id, invoker=invoker, data=data)
    if resolved:
        d["data"]["resolved"] = resolved
    return d


def _registered_command_id(st: FakeState, name: str, guild: FakeGuild | None) -> int:
    pools = [st.guild_commands.get(guild.id, [])] if guild is not None else []
    pools.append(st.global_commands)
    for pool in pools:
        for cmd in pool:
            if cmd.get("name") == name:
                return int(cmd["id"])
    return snowflake()
