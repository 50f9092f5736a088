"""A small HTTP control API under ``/_fake/`` so a test or benchmark in another process can drive the fake.

``GET  /_fake/info``                      urls, users, guilds with channel ids, sessions (with shard)
``GET  /_fake/identifies``                the identify log and the IDENTIFYs that broke the rate limit
``POST /_fake/guilds``                    {"count", "name"} add bulk guilds (see ``FakeState.add_bulk_guilds``)
``POST /_fake/slash``                     {"name", "options": [...], "guild", "channel", "user", "wait", "timeout"}
``POST /_fake/autocomplete``              same as slash; mark one option ``"focused": true``
``POST /_fake/click``                     {"message_id", "custom_id", "user", "values", "component_type"}
``GET  /_fake/requests?since=N``          recorded requests with seq > N
``POST /_fake/faults``                    {"method", "route", "status", "times", "retry_after", "global"}
``DELETE /_fake/faults``                  clear faults
``POST /_fake/drop``                      {"code": null | int} drop gateway connections
``GET  /_fake/messages?channel_id=N``     messages the fake stored
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import FakeDiscord
    from .state import InteractionRecord, RecordedRequest


def request_json(r: RecordedRequest) -> dict[str, Any]:
    return dataclasses.asdict(r)


def interaction_json(rec: InteractionRecord) -> dict[str, Any]:
    return {
        "id": str(rec.id),
        "type": rec.type,
        "callback": request_json(rec.callback) if rec.callback else None,
        "latency": rec.latency if rec.callback else None,
        "response_message_id": str(rec.response_message_id) if rec.response_message_id else None,
    }


def _info(fake: FakeDiscord) -> dict[str, Any]:
    st = fake.state
    return {
        "api_url": fake.api_url,
        "gateway_url": fake.gateway_url,
        "token": st.token,
        "application_id": str(st.application_id),
        "users": {u.username: str(u.id) for u in st.users.values()},
        "guilds": {
            g.name: {"id": str(g.id), "channels": {c.name: str(c.id) for c in g.channels.values()}}
            for g in st.guilds.values()
        },
        "sessions": [
            {"id": s.id, "connected": s.conn is not None, "seq": s.seq, "shard": list(s.shard)}
            for s in fake.sessions.values()
        ],
    }


async def _interaction(fake: FakeDiscord, tail: str, body: dict[str, Any]) -> web.Response:
    try:  # the bot may still be logging in: give it time to finish the gateway handshake
        await fake.wait_for_ready(within=float(body.get("ready_timeout", 10.0)))
    except TimeoutError as exc:
        return web.json_response({"error": str(exc)}, status=409)
    if tail == "click":
        rec = await fake.click(
            int(body["message_id"]),
            body["custom_id"],
            user=body.get("user", "owner"),
            component_type=int(body.get("component_type", 2)),
            values=body.get("values"),
        )
    else:
        send = fake.slash if tail == "slash" else fake.autocomplete
        rec = await send(
            body["name"],
            *body.get("options", []),
            guild=body.get("guild", "People's History Club"),
            channel=body.get("channel", "general"),
            user=body.get("user", "owner"),
        )
    if body.get("wait", True):
        try:
            await fake.wait_for_callback(rec, within=float(body.get("timeout", 5.0)))
        except TimeoutError as exc:
            return web.json_response({"error": str(exc), **interaction_json(rec)}, status=504)
    return web.json_response(interaction_json(rec))


async def handle_control(fake: FakeDiscord, request: web.Request) -> web.StreamResponse:
    tail = request.match_info["tail"]
    method = request.method
    body: dict[str, Any] = await request.json() if request.can_read_body else {}
    st = fake.state
    if (method, tail) == ("GET", "info"):
        return web.json_response(_info(fake))
    if method == "POST" and tail in ("slash", "autocomplete", "click"):
        return await _interaction(fake, tail, body)
    if (method, tail) == ("GET", "identifies"):
        late = {id(r) for r in fake.identify_violations()}
        return web.json_response([{**dataclasses.asdict(r), "violation": id(r) in late} for r in fake.identify_log])
    if (method, tail) == ("POST", "guilds"):
        added = st.add_bulk_guilds(int(body.get("count", 1)), name=str(body.get("name", "Server {i}")))
        return web.json_response({"added": len(added), "guilds": len(st.guilds)})
    if (method, tail) == ("GET", "requests"):
        since = int(request.query.get("since", "0"))
        return web.json_response([request_json(r) for r in st.requests if r.seq > since])
    if (method, tail) == ("POST", "faults"):
        fake.fail(
            body.get("method"),
            body["route"],
            int(body["status"]),
            times=body.get("times", 1),
            retry_after=float(body.get("retry_after", 0.05)),
            is_global=bool(body.get("global", False)),
            body=body.get("body"),
        )
        return web.json_response({"faults": len(st.faults)})
    if (method, tail) == ("DELETE", "faults"):
        fake.clear_faults()
        return web.json_response({"faults": 0})
    if (method, tail) == ("POST", "drop"):
        await fake.drop_gateway(body.get("code"))
        return web.json_response({"dropped": True})
    if (method, tail) == ("GET", "messages"):
        cid = request.query.get("channel_id")
        msgs = [m for m in st.messages.values() if cid is None or m["channel_id"] == cid]
        return web.json_response(msgs)
    return web.json_response({"message": f"unknown control route {method} /_fake/{tail}"}, status=404)
