"""Handler + rendering time of every slash command on the shipped library (p50/p99 per command).

Each sample is one real ``discord.Interaction`` built from a gateway payload and run through
the bot's real ``CommandTree`` (option parsing, transformers, our callback, the renderer, and
discord.py turning the embeds and views into the JSON body). Only the HTTP request at the very
end is replaced: discord.py's webhook adapter is swapped for one that answers at once, so the
figures are the bot's own work, not the network's.

    python -m bench.commands_bench                 # shipped library, 200 samples per command
    python -m bench.commands_bench --n 50 --synthetic-events 20000   # a bigger, made-up library

The issue's budget is 50 ms p99 per command; the table marks any command over it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.app import Bot
from bot.config import DEFAULT_CONTENT_DIR, Secret, Settings
from bot.content_loader import load_library
from bot.core.clock import FakeClock
from bot.core.models import Library
from bot.errors import _watchdogs

BUDGET_MS = 50.0
APP_ID = 424242424242424242
GUILD_ID = 111111111111111111
CHANNEL_ID = 222222222222222222
USER_ID = 500000000000000001
_ids = itertools.count(900000000000000000)


class InstantAdapter(AsyncWebhookAdapter):
    """Answers every interaction request at once, the way Discord would (no network)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self.bytes = 0
        #: Responses that carried neither embeds nor choices (an error message).
        self.failures = 0

    async def request(self, route: Any, session: Any, *, payload: Any = None, **_: Any) -> Any:
        self.requests += 1
        if payload is not None:
            self.bytes += len(discord.utils._to_json(payload))
            data = payload.get("data") or {}
            if not data.get("embeds") and not data.get("choices"):
                self.failures += 1
        if route.path.endswith("/callback"):
            return {"interaction": {"id": str(route.webhook_id), "type": 2, "response_message_id": str(next(_ids))}}
        return _message(next(_ids))


def _message(message_id: int) -> dict[str, Any]:
    return {
        "id": str(message_id),
        "channel_id": str(CHANNEL_ID),
        "type": 20,
        "content": "",
        "embeds": [],
        "attachments": [],
        "author": {"id": str(APP_ID), "username": "From Below", "discriminator": "0", "avatar": None},
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "tts": False,
        "timestamp": "2026-06-17T12:00:00+00:00",
        "edited_timestamp": None,
        "flags": 0,
    }


def _payload(data: dict[str, Any], kind: int = 2) -> dict[str, Any]:
    user = {"id": str(USER_ID), "username": "bench", "discriminator": "0", "avatar": None}
    return {
        "id": str(next(_ids)),
        "application_id": str(APP_ID),
        "type": kind,
        "token": "bench-token",
        "version": 1,
        "data": data,
        "locale": "en-US",
        "app_permissions": str((1 << 41) - 1),
        "attachment_size_limit": 8 * 1024 * 1024,
        "guild_id": str(GUILD_ID),
        "guild": {"id": str(GUILD_ID), "locale": "en-US", "features": []},
        "channel": {
            "id": str(CHANNEL_ID),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
        },
        "member": {
            "user": user,
            "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        },
    }


def _data(command: str, options: dict[str, Any], focused: str | None = None) -> dict[str, Any]:
    parts = command.split()
    opts = []
    for name, value in options.items():
        kind = 4 if isinstance(value, int) else 3
        option: dict[str, Any] = {"name": name, "type": kind, "value": value}
        if name == focused:
            option["focused"] = True
        opts.append(option)
    if len(parts) == 1:
        return {"id": "1", "name": parts[0], "type": 1, "options": opts}
    return {"id": "1", "name": parts[0], "type": 1, "options": [{"name": parts[1], "type": 1, "options": opts}]}


@dataclass
class Case:
    label: str
    make: Callable[[random.Random], dict[str, Any]]
    kind: int = 2
    samples: list[float] = field(default_factory=list)
    failures: int = 0


def _timeline_filters(rng: random.Random, tagged: list[Any]) -> dict[str, Any]:
    """A year range and tag that match at least one event (an empty result is not a timing)."""
    if not tagged:
        return _data("timeline", {"from_year": 1900})
    event = rng.choice(tagged)
    return _data("timeline", {"from_year": max(1, event.year - rng.randint(0, 50)), "tag": rng.choice(event.tags)})


def build_cases(library: Library) -> list[Case]:
    events = sorted(library.events)
    articles = sorted(library.articles)
    tagged = [e for e in library.chronological if e.tags]
    places = sorted({p for e in library.events.values() for p in (*e.places, *e.countries)}) or ["Berlin"]
    words = ["strike", "uprising", "revolution", "workers", "general strike", "berlin 1953", "mutiny", "council"]
    months = ["January", "March", "May", "June", "August", "October", "December"]
    cases = [
        Case("event show", lambda r: _data("event show", {"event": r.choice(events)})),
        Case("event search", lambda r: _data("event search", {"query": r.choice(words)})),
        Case(
            "event search +filters",
            lambda r: _data("event search", {"query": r.choice(words), "from_year": 1900, "to_year": 1990}),
        ),
        Case("onthisday", lambda r: _data("onthisday", {"date": f"{r.randint(1, 28)} {r.choice(months)}"})),
        Case("onthisday (today)", lambda r: _data("onthisday", {})),
        Case("timeline", lambda r: _data("timeline", {})),
        Case("timeline +filters", lambda r: _timeline_filters(r, tagged)),
        Case("timeline place", lambda r: _data("timeline", {"place": r.choice(places)})),
        Case("help", lambda r: _data("help", {})),
        Case("about", lambda r: _data("about", {})),
        Case(
            "autocomplete event",
            lambda r: _data("event show", {"event": r.choice(words)[: r.randint(2, 8)]}, focused="event"),
            kind=4,
        ),
    ]
    if articles:
        cases[:0] = [
            Case(
                "article show",
                lambda r: _data(
                    "article show", {"article": r.choice(articles), "length": r.choice(["short", "medium", "long"])}
                ),
            ),
            Case("article list", lambda r: _data("article list", {})),
        ]
    return cases


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def run(library: Library, n: int, warmup: int, seed: int) -> list[Case]:
    adapter = InstantAdapter()
    token = async_context.set(adapter)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            token=Secret("bench"), database_path=Path(tmp) / "bench.sqlite3", content_dirs=(DEFAULT_CONTENT_DIR,)
        )
        bot = Bot(settings=settings, library=library, clock=FakeClock(_now()), sync_on_start=False)
        await bot._async_setup_hook()
        await bot.load_extensions()
        state = bot._connection
        state.user = discord.ClientUser(
            state=state, data={"id": str(APP_ID), "username": "From Below", "discriminator": "0", "avatar": None}
        )
        state.application_id = APP_ID
        tree = bot.tree
        rng = random.Random(seed)
        cases = build_cases(library)
        try:
            for case in cases:
                for i in range(warmup + n):
                    payload = _payload(case.make(rng), case.kind)
                    failures = adapter.failures
                    started = time.perf_counter()
                    interaction: discord.Interaction[Any] = discord.Interaction(data=payload, state=state)  # type: ignore[arg-type]
                    await tree._call(interaction)
                    elapsed = (time.perf_counter() - started) * 1000
                    case.failures += adapter.failures - failures
                    if i >= warmup:
                        case.samples.append(elapsed)
                    for task in list(_watchdogs):
                        task.cancel()
                    _stop_views(state)
            cases.append(await _page_turns(tree, state, adapter, rng, n, warmup))
        finally:
            for task in list(_watchdogs):
                task.cancel()
            await bot.close()
            async_context.reset(token)
    return cases


async def _page_turns(tree: Any, state: Any, adapter: InstantAdapter, rng: random.Random, n: int, warmup: int) -> Case:
    """Button presses on a /timeline message: the next page is rendered and the message updated."""
    case = Case("page turn (timeline)", lambda r: {})
    await tree._call(discord.Interaction(data=_payload(_data("timeline", {})), state=state))  # type: ignore[arg-type]
    for task in list(_watchdogs):
        task.cancel()
    store = state._view_store
    paginator = next(item.view for items in store._views.values() for item in items.values() if item.view)
    message_id = next(k for k in store._views if k is not None)
    buttons = [paginator.next, paginator.previous, paginator.last, paginator.first]
    for i in range(warmup + n):
        button = rng.choice([b for b in buttons if not b.disabled] or [paginator.first])
        payload = _payload({"custom_id": button.custom_id, "component_type": 2}, kind=3)
        payload["message"] = _message(message_id)
        failures = adapter.failures
        started = time.perf_counter()
        interaction: discord.Interaction[Any] = discord.Interaction(data=payload, state=state)  # type: ignore[arg-type]
        task = paginator._dispatch_item(button, interaction)
        if task is not None:
            await task
        elapsed = (time.perf_counter() - started) * 1000
        case.failures += adapter.failures - failures
        if i >= warmup:
            case.samples.append(elapsed)
    paginator.stop()
    return case


def _stop_views(state: Any) -> None:
    """Stop the views the last command stored (they would otherwise wait for their timeout)."""
    store = state._view_store
    views = {id(item.view): item.view for items in store._views.values() for item in items.values() if item.view}
    for view in views.values():
        view.stop()


def _now() -> Any:
    import datetime as dt

    return dt.datetime(2026, 6, 17, 12, 0, tzinfo=dt.UTC)


def report(cases: list[Case], library: Library) -> bool:
    print(f"library: {len(library.packs)} pack(s), {len(library.articles)} article(s), {len(library.events)} event(s)")
    print(f"{'command':<24}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'errors':>8}")
    ok = True
    for case in cases:
        p50 = statistics.median(case.samples)
        p99 = _percentile(case.samples, 0.99)
        flag = "" if p99 <= BUDGET_MS else f"  over the {BUDGET_MS:.0f} ms budget"
        ok = ok and not flag and not case.failures
        print(
            f"{case.label:<24}{len(case.samples):>6}{p50:>10.2f}{p99:>10.2f}{max(case.samples):>10.2f}"
            f"{case.failures:>8}{flag}"
        )
    return ok


def load(args: argparse.Namespace) -> Library:
    if args.synthetic_events:
        from bench.synthetic import write_library

        out = Path(tempfile.mkdtemp(prefix="commands-bench-"))
        write_library(out, events=args.synthetic_events, articles=max(1, args.synthetic_events // 100))
        return load_library([out]).library
    return load_library([DEFAULT_CONTENT_DIR]).library


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="samples per command (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured runs per command first (default 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--synthetic-events", type=int, default=0, help="use a made-up library of this many events")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    library = load(args)
    cases = asyncio.run(run(library, args.n, args.warmup, args.seed))
    return 0 if report(cases, library) else 1


if __name__ == "__main__":
    sys.exit(main())
