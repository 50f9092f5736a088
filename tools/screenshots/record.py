"""Record the bot's real answers to a fixed script of interactions, for screenshots.

Starts the project's fake Discord (``tests/fakediscord``) and the real bot (``python -m bot run``)
against it with the e2e helpers (``tests/e2e/scenario_support.running_bot``), plays :data:`SCRIPT`,
and writes what the fake stored (each answer's messages: content, embeds, components, flags,
timestamps; who invoked which command where) to ``tools/screenshots/out/answers.json``.

    .venv/bin/python tools/screenshots/record.py [--out PATH] [--only SLUG,SLUG] [--no-daily]

Adding a screenshot is one line in :data:`SCRIPT`: a slug (the PNG's name) and the command as a
member would type it, ``/event show event:paris-commune``. Channel options take ``#name``, role
options ``@Name``; ``{timezone}`` and ``{time}`` are the daily-post plan (a timezone whose local
date has events and the next whole minute there), so the scheduler's real post can be recorded
too (``Daily`` waits for it on the real clock, as ``tests/e2e/test_scenarios_daily.py`` does).
Development tooling only: the bot and its tests never need it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[2]
for _path in (REPO_ROOT, REPO_ROOT / "tests"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fakediscord import FakeDiscord, FakeGuild, InteractionRecord, payloads  # noqa: E402

from bot.content_loader import load_library  # noqa: E402
from tests.e2e.scenario_support import running_bot  # noqa: E402
from tests.e2e.test_scenarios_daily import post_minute, timezone_with_events  # noqa: E402

Json = dict[str, Any]
OUT_DIR = Path(__file__).resolve().parent / "out"
CLUB = "People's History Club"
ARTICLE = "tyranny-toppled-by-its-victims"
LOADING = 1 << 7


@dataclass(frozen=True)
class Slash:
    """A slash command typed by ``user`` in ``guild``/#``channel``; ``title`` captions the PNG."""

    slug: str
    line: str
    user: str = "reader"
    guild: str = CLUB
    channel: str = "general"
    title: str = ""


@dataclass(frozen=True)
class Daily:
    """The daily post the scheduler sends to #``channel`` at the planned minute (real clock)."""

    slug: str
    channel: str = "history"
    guild: str = CLUB
    title: str = "The daily post, sent by the scheduler at its minute"


Step = Slash | Daily

#: The script, in order. The settings come first so the planned minute is still ahead when the
#: channel makes the schedule live; the daily post is collected last.
SCRIPT: list[Step] = [
    Slash("settings-timezone", "/settings timezone timezone:{timezone}", user="owner"),
    Slash("settings-time", "/settings time time:{time}", user="owner"),
    Slash("settings-channel", "/settings channel channel:#history", user="owner"),
    Slash("settings-show", "/settings show", user="owner"),
    Slash("onthisday-17-june", "/onthisday date:17 june"),
    Slash("article-short", f"/article show article:{ARTICLE} length:short"),
    Slash("article-medium", f"/article show article:{ARTICLE} length:medium"),
    Slash("article-long", f"/article show article:{ARTICLE} length:long"),
    Slash("event-show", "/event show event:hungarian-revolution-1956"),
    Slash("event-search", "/event search query:strike"),
    Slash("timeline", "/timeline from_year:1953 to_year:1956"),
    Slash("help", "/help"),
    Slash("error-unknown-event", "/event show event:xyzzy", title="An error answer: an event that does not exist"),
    Daily("daily-post"),
]


@dataclass
class Plan:
    """When and where the daily post should go out: filled in at the first ``{time}``."""

    at: dt.datetime | None = None
    timezone: str = "UTC"

    def fill(self, line: str) -> str:
        if "{" not in line:
            return line
        if self.at is None:
            library = load_library([REPO_ROOT / "content"]).library
            self.at = post_minute(dt.datetime.now(dt.UTC))
            self.timezone = timezone_with_events(library, self.at)
        local = self.at.astimezone(ZoneInfo(self.timezone))
        return line.format(timezone=self.timezone, time=local.strftime("%H:%M"))


@dataclass
class Recorder:
    """Plays the script against a running fake + bot and collects what the fake stored."""

    fake: FakeDiscord
    plan: Plan = field(default_factory=Plan)
    answers: list[Json] = field(default_factory=list)

    async def play(self, step: Step) -> None:
        """Run one step and append its record to :attr:`answers`."""
        started = time.monotonic()
        record = await (self.slash(step) if isinstance(step, Slash) else self.daily(step))
        record["seconds"] = round(time.monotonic() - started, 2)
        self.answers.append(record)
        say(f"  {step.slug}: {len(record['messages'])} message(s){problems_note(record)}")

    async def slash(self, step: Slash) -> Json:
        """Invoke the command line, wait for the answer (and any edit or follow-up), record it."""
        line = self.plan.fill(step.line)
        guild = self.fake.state.guild(step.guild)
        name, options = parse_command(line, self.fake.state.global_commands, guild)
        rec = await self.fake.slash(name, *options, guild=guild, channel=step.channel, user=step.user)
        await self.settle(rec)
        callback = rec.callback
        return {
            **self.header(step.slug, step.title or line, guild, step.channel),
            "kind": "slash",
            "command": line,
            "command_name": command_path(name, options),
            "invoker": payloads.user(self.fake.state.user(step.user)),
            "callback": None if callback is None else {"status": callback.status, "body": callback.body},
            "problems": [] if callback is None else list(callback.problems),
            "late": bool(rec.late_callbacks),
            "latency_s": None if callback is None else round(rec.latency, 3),
            "messages": self.messages_of(rec),
        }

    async def settle(self, rec: InteractionRecord, within: float = 15.0) -> None:
        """Wait for the callback, for a deferred answer's edit, then for a quiet moment."""
        try:
            await self.fake.wait_for_callback(rec, within=within)
            if rec.callback_type == 5:
                await self.fake.wait_for(lambda: not self.loading(rec), within, "the deferred answer's edit")
        except TimeoutError:
            say(f"  (no complete answer to interaction {rec.id} within {within} s)")
        seen, quiet_since = len(self.fake.state.requests), time.monotonic()
        while time.monotonic() - quiet_since < 0.7:
            await asyncio.sleep(0.1)
            if len(self.fake.state.requests) != seen:
                seen, quiet_since = len(self.fake.state.requests), time.monotonic()

    def loading(self, rec: InteractionRecord) -> bool:
        message = self.fake.original_message(rec)
        return message is not None and bool(int(message.get("flags") or 0) & LOADING)

    def messages_of(self, rec: InteractionRecord) -> list[Json]:
        ids = ([rec.response_message_id] if rec.response_message_id else []) + list(rec.followup_ids)
        return [self.fake.state.messages[i] for i in ids if i in self.fake.state.messages]

    async def daily(self, step: Daily) -> Json:
        """Wait (on the real clock) for the scheduler's post to #channel and record it."""
        guild = self.fake.state.guild(step.guild)
        channel = guild.channel(step.channel)
        record = {**self.header(step.slug, step.title, guild, step.channel), "kind": "daily", "planned": None}
        if self.plan.at is None:
            say("  (no /settings time in the script before the daily post: nothing planned)")
            return {**record, "messages": [], "problems": ["no daily post was planned"]}
        record["planned"] = self.plan.at.isoformat()
        wait = max(0.0, (self.plan.at - dt.datetime.now(dt.UTC)).total_seconds()) + 40
        say(f"  waiting up to {wait:.0f} s for the daily post at {self.plan.at:%H:%M} UTC ...")
        route = f"/channels/{channel.id}/messages"
        try:
            posted = await self.fake.wait_for_request("POST", route, within=wait)
        except TimeoutError:
            return {**record, "messages": [], "problems": [f"no post to #{step.channel} within {wait:.0f} s"]}
        await asyncio.sleep(1.0)
        return {**record, "messages": self.fake.state.messages_in(channel.id), "problems": list(posted.problems)}

    def header(self, slug: str, title: str, guild: FakeGuild, channel: str) -> Json:
        return {"slug": slug, "title": title, "guild": guild.name, "channel": channel_info(guild, channel)}

    def world(self) -> Json:
        """Names for the ids that mentions in the answers may carry (channels, roles, users)."""
        st = self.fake.state
        channels = {str(c.id): c.name for g in st.guilds.values() for c in g.channels.values()}
        roles = {str(r.id): {"name": r.name, "color": r.color} for g in st.guilds.values() for r in g.roles.values()}
        users = {str(u.id): u.global_name or u.username for u in st.users.values()}
        return {"bot": payloads.user(st.bot), "channels": channels, "roles": roles, "users": users}


def channel_info(guild: FakeGuild, name: str) -> Json:
    return {"id": str(guild.channel(name).id), "name": name}


OPTION_START = re.compile(r"\s+(?=[a-z_]+:)")


def parse_command(line: str, commands: list[Json], guild: FakeGuild) -> tuple[str, list[Json]]:
    """``/event search query:strike year:1956`` -> ("event", [subcommand("search", option(...), ...)]).

    Option types come from the registered commands: integers become ints, ``#name`` channels and
    ``@Name`` roles become ids (the fake adds the resolved objects).
    """
    head, *pairs = OPTION_START.split(line.strip().removeprefix("/"))
    name, *path = head.split()
    spec = next((c for c in commands if c["name"] == name), None)
    if spec is None:
        raise SystemExit(f"no registered command /{name} (registered: {sorted(c['name'] for c in commands)})")
    for part in path:
        spec = next((o for o in spec.get("options") or [] if o["name"] == part and o["type"] in (1, 2)), None)
        if spec is None:
            raise SystemExit(f"/{name}: no subcommand {part!r} in {line!r}")
    options = [typed_option(spec, pair, guild, line) for pair in pairs]
    for part, kind in reversed(list(zip(path, kinds(commands, name, path), strict=True))):
        options = [payloads.subcommand(part, *options, group=kind == 2)]
    return name, options


def kinds(commands: list[Json], name: str, path: list[str]) -> list[int]:
    spec = next(c for c in commands if c["name"] == name)
    out = []
    for part in path:
        spec = next(o for o in spec["options"] if o["name"] == part)
        out.append(int(spec["type"]))
    return out


def typed_option(spec: Json, pair: str, guild: FakeGuild, line: str) -> Json:
    key, _, raw = pair.partition(":")
    opt = next((o for o in spec.get("options") or [] if o["name"] == key), None)
    if opt is None:
        raise SystemExit(f"{line!r}: no option {key!r} (options: {[o['name'] for o in spec.get('options') or []]})")
    kind = int(opt["type"])
    raw = raw.strip()
    if kind == payloads.OPT_INTEGER:
        return payloads.option(key, int(raw))
    if kind == payloads.OPT_NUMBER:
        return payloads.option(key, float(raw))
    if kind == payloads.OPT_BOOLEAN:
        return payloads.option(key, raw.lower() in ("true", "yes", "1"))
    if kind == payloads.OPT_CHANNEL:
        return payloads.option(key, str(guild.channel(raw.removeprefix("#")).id), type=kind)
    if kind == payloads.OPT_ROLE:
        return payloads.option(key, str(guild.role(raw.removeprefix("@")).id), type=kind)
    return payloads.option(key, raw, type=kind)


def command_path(name: str, options: list[Json]) -> str:
    """``event search`` for /event search ...: what Discord shows after "used"."""
    parts = [name]
    while options and options[0].get("type") in (1, 2):
        parts.append(options[0]["name"])
        options = options[0].get("options") or []
    return " ".join(parts)


def problems_note(record: Json) -> str:
    return f"  PROBLEMS: {record['problems']}" if record.get("problems") else ""


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def record(script: list[Step]) -> Json:
    """Play ``script`` against a fresh fake and bot; everything the screenshots need, as JSON."""
    with tempfile.TemporaryDirectory(prefix="from-below-shots-") as tmp:
        async with running_bot(Path(tmp)) as running:
            say(f"bot ready on {running.fake.base_url}; playing {len(script)} step(s)")
            recorder = Recorder(running.fake)
            for step in script:
                await recorder.play(step)
            world = recorder.world()
            body_problems = [f"{r.method} {r.path}: {p}" for r, p in running.fake.state.problems]
            log_tail = running.bot.log()[-3000:]
    if "Traceback" in log_tail:
        say("the bot logged a traceback:\n" + log_tail)
    return {
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(),
        "viewer_timezone": recorder.plan.timezone,
        "world": world,
        "answers": recorder.answers,
        "body_problems": body_problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR / "answers.json", help="where to write the JSON")
    parser.add_argument("--only", default="", help="comma-separated slugs to play (default: the whole script)")
    parser.add_argument("--no-daily", action="store_true", help="skip the daily post (no wait for the minute)")
    args = parser.parse_args(argv)
    wanted = {s for s in args.only.split(",") if s}
    script = [s for s in SCRIPT if (not wanted or s.slug in wanted) and not (args.no_daily and isinstance(s, Daily))]
    unknown = wanted - {s.slug for s in SCRIPT}
    if unknown:
        parser.error(f"unknown slug(s): {', '.join(sorted(unknown))}")
    data = asyncio.run(record(script))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    say(f"wrote {args.out} ({len(data['answers'])} answers)")
    answers = data["answers"]
    return 1 if data["body_problems"] or any(a.get("problems") or not a["messages"] for a in answers) else 0


if __name__ == "__main__":
    raise SystemExit(main())
