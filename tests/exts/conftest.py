"""Drive the real bot through discord.py's own interaction machinery, with Discord recorded.

The approach follows discord.py's ``tests/test_app_commands_invoke.py``: real
``discord.Interaction`` objects are built from gateway payloads and handed to the real
``ConnectionState.parse_interaction_create`` (the path a live gateway event takes), so the real
``CommandTree`` parses options, runs transformers and autocomplete, and calls our callbacks.
Nothing is mocked on our side. At the edge, discord.py's webhook adapter (the object that turns
``interaction.response.send_message`` into an HTTP request) is replaced by a recorder that keeps
the exact JSON Discord would have received and answers like Discord does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import AppCommandOptionType
from discord.app_commands import Command, Group
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.app import Bot
from bot.config import Secret, Settings
from bot.core.clock import FakeClock
from bot.core.dates import HistoricalDate
from bot.core.models import Article, ContextNote, Event, Library, Pack, Source, Summaries
from bot.errors import _watchdogs
from bot.services.health import HealthReporter

_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:  # make ``fakediscord`` importable however pytest was started
    sys.path.insert(0, _TESTS_DIR)

APP_ID = 424242424242424242
GUILD_ID = 111111111111111111
CHANNEL_ID = 222222222222222222
DM_CHANNEL_ID = 333333333333333333
ALICE = 500000000000000001
BOB = 500000000000000002
NOW = dt.datetime(2026, 6, 17, 12, 0, tzinfo=dt.UTC)

_ids = itertools.count(900000000000000000)


@dataclass
class Sent:
    """One request the bot made to Discord's interaction/webhook endpoints."""

    method: str
    path: str
    body: dict[str, Any] | None
    #: The id of the message this request created or changed (0 when none).
    message_id: int = 0

    @property
    def kind(self) -> str:
        if self.path.endswith("/callback"):
            return {4: "message", 5: "defer", 6: "defer-update", 7: "update", 8: "autocomplete"}.get(
                int((self.body or {}).get("type", 0)), "callback"
            )
        if self.method == "PATCH":
            return "edit"
        if self.method == "POST":
            return "followup"
        return self.method.lower()

    @property
    def data(self) -> dict[str, Any]:
        """The message part of the request (callback ``data``, or the webhook body itself)."""
        if self.body is None:
            return {}
        if self.path.endswith("/callback"):
            inner = self.body.get("data") or {}
            return dict(inner)
        return self.body

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & 64)

    @property
    def content(self) -> str:
        return str(self.data.get("content") or "")

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list(self.data.get("choices") or [])

    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.components for c in row.get("components", []) if c.get("type") == 2]

    def selects(self) -> list[dict[str, Any]]:
        return [c for row in self.components for c in row.get("components", []) if c.get("type") == 3]

    def button(self, label_part: str) -> dict[str, Any]:
        for b in self.buttons():
            if label_part in str(b.get("label", "")):
                return b
        raise AssertionError(f"no button with {label_part!r} in {[b.get('label') for b in self.buttons()]}")


def _message_payload(body: dict[str, Any] | None, message_id: int, channel_id: int) -> dict[str, Any]:
    body = body or {}
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 20,
        "content": body.get("content") or "",
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "attachments": [],
        "author": {"id": str(APP_ID), "username": "From Below", "discriminator": "0", "avatar": None, "bot": True},
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": "2026-06-17T12:00:00+00:00",
        "edited_timestamp": None,
        "flags": int(body.get("flags") or 0),
        "webhook_id": str(APP_ID),
        "application_id": str(APP_ID),
    }


class RecordingAdapter(AsyncWebhookAdapter):
    """discord.py's webhook adapter with the network replaced by a record of what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.channel_id = CHANNEL_ID
        self.last_message_id = 0
        #: The message whose component is being used (set by Harness.click).
        self.component_message_id = 0

    async def request(self, route: Any, session: Any, *, payload: Any = None, multipart: Any = None, **_: Any) -> Any:
        body = payload
        if body is None and multipart:
            import json

            body = json.loads(multipart[0]["value"])
        path: str = route.path
        method: str = route.method
        sent = Sent(method, path, body)
        self.sent.append(sent)
        if path.endswith("/callback"):
            kind = int(body["type"]) if body else 0
            flags = int(((body or {}).get("data") or {}).get("flags") or 0)
            message_id = next(_ids)
            if kind in (4, 5):
                self.messages["@original"] = _message_payload((body or {}).get("data"), message_id, self.channel_id)
                self.last_message_id = message_id
                sent.message_id = message_id
            elif kind in (6, 7):
                sent.message_id = self.component_message_id
            return {
                "interaction": {
                    "id": str(route.webhook_id),
                    "type": 2,
                    "response_message_id": str(message_id),
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(flags & 64),
                }
            }
        if method == "DELETE":
            return None
        if method == "GET":
            return self.messages.get("@original") or _message_payload({}, next(_ids), self.channel_id)
        message_id = next(_ids)
        sent.message_id = message_id
        message = _message_payload(body, message_id, self.channel_id)
        if path.endswith("@original"):
            self.messages["@original"] = message
        else:
            self.last_message_id = message_id
        return message

    def clear(self) -> None:
        self.sent.clear()


def _user(user_id: int, name: str = "alice") -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "avatar": None, "global_name": name}


def _context(user_id: int, *, guild: bool) -> dict[str, Any]:
    if guild:
        return {
            "guild_id": str(GUILD_ID),
            "guild": {"id": str(GUILD_ID), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "channel_id": str(CHANNEL_ID),
            "channel": {
                "id": str(CHANNEL_ID),
                "type": 0,
                "guild_id": str(GUILD_ID),
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
            },
            "member": {
                "user": _user(user_id),
                "roles": [],
                "joined_at": "2024-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": str(0x0000_0000_0000_0800 | 0x4000 | 0x0400),
            },
            "context": 0,
        }
    return {
        "channel_id": str(DM_CHANNEL_ID),
        "channel": {"id": str(DM_CHANNEL_ID), "type": 1, "recipients": [_user(user_id)]},
        "user": _user(user_id),
        "context": 1,
    }


def _option_type(command: Command[Any, ..., Any], name: str, value: Any) -> int:
    for parameter in command.parameters:
        if parameter.display_name == name or parameter.name == name:
            return int(parameter.type.value)
    # Unknown on purpose (tests of signature mismatches): guess from the value.
    if isinstance(value, bool):
        return AppCommandOptionType.boolean.value
    if isinstance(value, int):
        return AppCommandOptionType.integer.value
    return AppCommandOptionType.string.value


def command_data(
    command: Command[Any, ..., Any], options: dict[str, Any], focused: str | None = None
) -> dict[str, Any]:
    opts: list[dict[str, Any]] = []
    for name, value in options.items():
        option: dict[str, Any] = {"name": name, "type": _option_type(command, name, value), "value": value}
        if name == focused:
            option["focused"] = True
        opts.append(option)
    parent: Group | None = command.parent
    if parent is None:
        return {"id": str(APP_ID + 1), "name": command.name, "type": 1, "options": opts}
    node: dict[str, Any] = {"name": command.name, "type": 1, "options": opts}  # SUB_COMMAND
    while parent.parent is not None:
        node = {"name": parent.name, "type": 2, "options": [node]}  # SUB_COMMAND_GROUP
        parent = parent.parent
    return {"id": str(APP_ID + 1), "name": parent.name, "type": 1, "options": [node]}


@dataclass
class Harness:
    bot: Bot
    adapter: RecordingAdapter
    clock: FakeClock
    user_id: int = ALICE
    in_guild: bool = True

    def command(self, qualified_name: str) -> Command[Any, ..., Any]:
        found = self.bot.tree.get_command(qualified_name.split()[0])
        for part in qualified_name.split()[1:]:
            assert isinstance(found, Group), f"{qualified_name}: {part} is not under a group"
            found = found.get_command(part)
        assert isinstance(found, Command), f"no command {qualified_name!r}"
        return found

    def _payload(self, kind: int, data: dict[str, Any], *, user_id: int | None, guild: bool | None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(next(_ids)),
            "application_id": str(APP_ID),
            "type": kind,
            "token": f"token-{next(_ids)}",
            "version": 1,
            "data": data,
            "locale": "en-US",
            "app_permissions": str((1 << 41) - 1),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        payload.update(_context(user_id or self.user_id, guild=self.in_guild if guild is None else guild))
        return payload

    async def _run(self, payload: dict[str, Any]) -> list[Sent]:
        before = len(self.adapter.sent)
        existing = set(asyncio.all_tasks())
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        for _ in range(200):
            pending = [
                t
                for t in asyncio.all_tasks() - existing
                if not t.done()
                and not (t.get_name() or "").startswith(("discord-ui-view-timeout", "defer-watchdog"))
                and "__timeout_task_impl" not in repr(t.get_coro())
            ]
            if not pending:
                break
            await asyncio.wait(pending, timeout=5)
        return self.adapter.sent[before:]

    async def invoke(
        self, qualified_name: str, *, user_id: int | None = None, guild: bool | None = None, **options: Any
    ) -> list[Sent]:
        """Run a slash command as Discord would deliver it; returns what the bot sent."""
        command = self.command(qualified_name)
        return await self._run(self._payload(2, command_data(command, options), user_id=user_id, guild=guild))

    async def autocomplete(self, qualified_name: str, focused: str, **options: Any) -> list[dict[str, Any]]:
        command = self.command(qualified_name)
        sent = await self._run(self._payload(4, command_data(command, options, focused), user_id=None, guild=None))
        assert len(sent) == 1, sent
        assert sent[0].kind == "autocomplete", sent
        return sent[0].choices

    async def click(
        self, message: Sent, custom_id: str, *, values: list[str] | None = None, user_id: int | None = None
    ) -> list[Sent]:
        """Press a button (or pick select values) on a message the bot sent."""
        message_id = message.message_id or self.adapter.last_message_id
        self.adapter.component_message_id = message_id
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 3 if values is not None else 2}
        if values is not None:
            data["values"] = values
        payload = self._payload(3, data, user_id=user_id, guild=None)
        payload["message"] = _message_payload(message.data, message_id, CHANNEL_ID)
        return await self._run(payload)


def make_settings(tmp: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "token": Secret("test-token-not-real"),
        "database_path": tmp / "bot.sqlite3",
        "content_dirs": (tmp / "content",),
    }
    base.update(overrides)
    return Settings(**base)


# --- a library with awkward content -------------------------------------------------------------

LONG_WORDS = " ".join(["solidarity"] * 400)


def _event(
    event_id: str,
    title: str,
    date: HistoricalDate,
    *,
    description: str = "",
    places: tuple[str, ...] = ("Berlin",),
    countries: tuple[str, ...] = ("East Germany",),
    tags: tuple[str, ...] = ("strike",),
    pack: str = "test-pack",
    **extra: Any,
) -> Event:
    return Event(
        id=event_id,
        title=title,
        date=date,
        places=places,
        countries=countries,
        description=description or f"{title}: workers walked out and the movement spread across the city.",
        tags=tags,
        sources=(Source("Archive", f"https://example.org/{event_id}"),),
        pack=pack,
        **extra,
    )


def build_test_library() -> Library:
    packs = {
        "test-pack": Pack("test-pack", "Test pack", "Events for tests.", "en", ("Tests",), "CC0", "/tmp/test-pack"),
    }
    events: dict[str, Event] = {}

    def add(event: Event) -> None:
        events[event.id] = event

    add(
        _event(
            "east-berlin-1953",
            "East Berlin builders' strike",
            HistoricalDate(1953, 6, 16),
            end_date=HistoricalDate(1953, 6, 17),
            related_events=("east-german-uprising-1953",),
            articles=("long-article",),
        )
    )
    add(
        _event(
            "east-german-uprising-1953",
            "East German uprising @everyone <@&123> <@456>",
            HistoricalDate(1953, 6, 17),
            description="Strikes spread to hundreds of towns. @everyone @here <@&123456789012345678> were there.",
            related_events=("east-berlin-1953",),
        )
    )
    add(
        _event(
            "petrograd-1917",
            "Bread riots in Petrograd",
            HistoricalDate(1917, 3, 8),
            old_style_date=(1917, 2, 23),
            places=("Petrograd",),
            countries=("Russia",),
            tags=("revolution",),
        )
    )
    add(
        _event(
            "hungary-1956",
            "Hungarian Revolution",
            HistoricalDate(1956, 10, 23),
            places=("Budapest",),
            countries=("Hungary",),
            tags=("revolution",),
        )
    )
    add(
        _event(
            "year-only-1980", "Strike wave in Poland", HistoricalDate(1980), places=("Gdańsk",), countries=("Poland",)
        )
    )
    # Many events for paging (a timeline of 60 strikes, one a month in 1970-1974).
    for i in range(60):
        year, month = 1970 + i // 12, i % 12 + 1
        add(_event(f"strike-{i:02d}", f"Dockers' strike number {i}", HistoricalDate(year, month, 5), tags=("dockers",)))
    # The longest content the limits allow and more: titles and descriptions far over Discord's.
    add(
        _event(
            "very-long",
            "A" * 10 + " " + "very long title " * 30,
            HistoricalDate(1968, 8, 20),
            description=LONG_WORDS,
            places=tuple(f"Place {i}" for i in range(40)),
            tags=tuple(f"tag-{i}" for i in range(8)),
            related_events=tuple(f"strike-{i:02d}" for i in range(60)),
        )
    )
    long_sources = tuple(Source("Source title " * 20, f"https://example.org/{'x' * 400}/{i}") for i in range(30))
    events["very-long"] = replace(events["very-long"], sources=long_sources)

    article_events = tuple(sorted(events))[:40]
    articles = {
        "long-article": Article(
            id="long-article",
            title="T" * 300,
            authors=tuple(f"Author {i} " + "x" * 40 for i in range(10)),
            publication="P" * 200,
            published=HistoricalDate(2003, 3, 8),
            summaries=Summaries("Short summary @everyone.", "M " * 350, LONG_WORDS[:4000]),
            key_points=tuple(("Key point " * 30)[:300] for _ in range(10)),
            argument="An argument " * 25,
            tags=("strike",),
            events=article_events,
            pack="test-pack",
            issue="1841",
            url="https://example.org/articles/long",
            context_notes=tuple(
                ContextNote("Note text " * 70, tuple(long_sources[:12]), claim="The claim " * 40) for _ in range(12)
            ),
        ),
        "short-article": Article(
            id="short-article",
            title="Tyranny toppled by its victims",
            authors=("Hazel Croft",),
            publication="Socialist Worker",
            published=HistoricalDate(2003, 3, 8),
            summaries=Summaries("Short.", "A medium summary of the article.", "A long summary. " * 20),
            key_points=("First point.", "Second point."),
            argument="Revolts from below broke the empire.",
            tags=("revolution",),
            events=("east-berlin-1953", "hungary-1956"),
            pack="test-pack",
            url="https://example.org/articles/short",
            context_notes=(
                ContextNote("The record says otherwise.", (Source("Wiki", "https://example.org/w"),), "Claim"),
            ),
        ),
    }
    return Library.build(packs, articles, events, frozenset({"strike", "revolution", "dockers"}))


@pytest.fixture(scope="session")
def test_library() -> Library:
    return build_test_library()


@pytest.fixture
def adapter() -> Iterator[RecordingAdapter]:
    recorder = RecordingAdapter()
    token = async_context.set(recorder)
    yield recorder
    async_context.reset(token)


async def make_harness(
    library: Library, adapter: RecordingAdapter, tmp_path: Path, *, db: Any = None, **settings: Any
) -> Harness:
    clock = FakeClock(NOW)
    made = make_settings(tmp_path, **settings)
    bot = Bot(
        settings=made,
        library=library,
        clock=clock,
        db=db,
        health=HealthReporter(made.heartbeat_path, clock),
        sync_on_start=False,
        run_background_tasks=False,
    )
    bot.view_timeout = 5.0
    await bot._async_setup_hook()
    await bot.load_extensions()
    bot._connection.user = discord.ClientUser(
        state=bot._connection,
        data={**_user(APP_ID, "From Below"), "bot": True},  # type: ignore[typeddict-item]
    )
    bot._connection.application_id = APP_ID
    return Harness(bot=bot, adapter=adapter, clock=clock)


@pytest.fixture
async def harness(test_library: Library, adapter: RecordingAdapter, tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(test_library, adapter, tmp_path)
    try:
        yield h
    finally:
        for task in list(_watchdogs):
            task.cancel()
        await h.bot.close()


# --- limits ------------------------------------------------------------------------------------------


def assert_message_within_limits(sent: Sent) -> None:
    """Every Discord limit on one sent message (embeds, components, content, mentions)."""
    data = sent.data
    assert data.get("allowed_mentions") == {"parse": []}, f"mentions not disabled: {data.get('allowed_mentions')}"
    assert len(sent.content) <= 2000
    embeds = sent.embeds
    assert len(embeds) <= 10
    total = 0
    for embed in embeds:
        title = embed.get("title", "")
        description = embed.get("description", "")
        footer = (embed.get("footer") or {}).get("text", "")
        author = (embed.get("author") or {}).get("name", "")
        fields = embed.get("fields", [])
        assert len(title) <= 256, len(title)
        assert len(description) <= 4096, len(description)
        assert len(footer) <= 2048
        assert len(author) <= 256
        assert len(fields) <= 25
        for f in fields:
            assert 0 < len(f["name"]) <= 256, f["name"]
            assert 0 < len(f["value"]) <= 1024, len(f["value"])
        total += len(title) + len(description) + len(footer) + len(author)
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= 6000, total
    rows = sent.components
    assert len(rows) <= 5
    for row in rows:
        assert len(row["components"]) <= 5
        for component in row["components"]:
            assert len(component.get("custom_id", "")) <= 100
            if component["type"] == 2:
                assert len(component.get("label", "")) <= 80
            if component["type"] == 3:
                assert 1 <= len(component["options"]) <= 25
                assert len(component.get("placeholder", "")) <= 150
                for option in component["options"]:
                    assert 0 < len(option["label"]) <= 100
                    assert len(option["value"]) <= 100
                    assert len(option.get("description") or "") <= 100
