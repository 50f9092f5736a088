"""Hostile input, the way Discord would deliver it: the real bot (``python -m bot run``) against the
fake Discord on 127.0.0.1, one bot process for the module.

Every string option of every command, every autocomplete, integer options out of range, forged and
stale component custom_ids, and every lookup in a DM. For each case: the bot answers within
Discord's 3 s (the fake accepted the callback), the body passes the fake's Discord-limit checks,
nothing a user sees carries traceback text, mentions are off, and errors are private (flags 64)
and friendly (never the "something went wrong" of an unexpected exception).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from fakediscord import FakeDiscord, InteractionRecord, option, payloads, subcommand

from .conftest import BotProcess
from .scenario_support import (
    Json,
    answer,
    assert_user_safe,
    buttons,
    is_ephemeral,
    message_data,
    running_bot,
    selects,
    visible_text,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CLUB = "People's History Club"
UNEXPECTED = "Something went wrong"

HOSTILE: dict[str, str] = {
    "empty": "",
    "space": " ",
    "300-chars": "revolution " * 27 + "abc",
    "2000-chars": ("x" * 99 + " ") * 20,
    "fts-unbalanced-quote": '"unbalanced',
    "fts-near": "NEAR(a b)",
    "fts-and-or-not": "a AND OR NOT",
    "fts-star": "*",
    "fts-minus": "-x",
    "fts-column": "col:val",
    "fts-parens": "(((",
    "sql": "'; DROP TABLE x; --",
    "emoji": "🔥",
    "lodz": "Łódź",
    "moskva": "Москва",
    "beijing": "北京",
    "everyone": "@everyone",
    "role-mention": "<@&123>",
    "markdown-bold": "**x**",
    "backtick": "`",
    "control-chars": "a\x00b\x07c\x1b[31m\u200b\u202e",
    "strike-reversed": "strike \u202egnirts",
    "missing-id": "no-such-id-0000",
    "not-a-choice": "huge",
}
assert len(HOSTILE["300-chars"]) == 300
assert len(HOSTILE["2000-chars"]) == 2000


@dataclass(frozen=True)
class Slot:
    """Where a string option sits: the command, its subcommand, the option, and options it needs."""

    command: str
    sub: str | None
    name: str
    needs: tuple[tuple[str, Any], ...] = ()
    user: str = "reader"

    @property
    def id(self) -> str:
        return "/".join(p for p in (self.command, self.sub, self.name) if p)

    def options(self, value: Any, *, focused: bool = False) -> list[Json]:
        opts = [option(k, v) for k, v in self.needs]
        opts.append(option(self.name, value, focused=focused))
        if self.sub is None:
            return opts
        return [subcommand(self.sub, *opts)]


STRING_SLOTS = [
    Slot("article", "show", "article"),
    Slot("article", "show", "length", needs=(("article", "tyranny-toppled-by-its-victims"),)),
    Slot("event", "show", "event"),
    Slot("event", "search", "query"),
    Slot("event", "search", "place", needs=(("query", "strike"),)),
    Slot("event", "search", "tag", needs=(("query", "strike"),)),
    Slot("onthisday", None, "date"),
    Slot("timeline", None, "tag"),
    Slot("timeline", None, "place"),
    Slot("settings", "time", "time", user="moderator"),
    Slot("settings", "timezone", "timezone", user="moderator"),
    Slot("settings", "days", "days", user="moderator"),
    Slot("settings", "packs", "packs", user="moderator"),
]

AUTOCOMPLETE_SLOTS = [
    Slot("article", "show", "article"),
    Slot("event", "show", "event"),
    Slot("event", "search", "place", needs=(("query", "strike"),)),
    Slot("event", "search", "tag", needs=(("query", "strike"),)),
    Slot("timeline", None, "tag"),
    Slot("timeline", None, "place"),
    Slot("settings", "timezone", "timezone", user="moderator"),
    Slot("settings", "packs", "packs", user="moderator"),
]

INTEGER_SLOTS = [
    Slot("event", "search", "year", needs=(("query", "strike"),)),
    Slot("event", "search", "from_year", needs=(("query", "strike"),)),
    Slot("event", "search", "to_year", needs=(("query", "strike"),)),
    Slot("timeline", None, "from_year"),
    Slot("timeline", None, "to_year"),
]
BAD_YEARS = [0, -5, 99999, 2**53 - 1, -(2**53) + 1]


@dataclass
class World:
    fake: FakeDiscord
    bot: BotProcess

    async def reply(self, rec: InteractionRecord) -> tuple[int, Json]:
        """(callback type, what the user sees) for a command or component, checked user-safe."""
        body = await answer(self.fake, rec, self.bot, within=5.0)
        kind = int(body["type"])
        assert kind in (4, 5, 6, 7), body
        if kind == 5:  # deferred: the answer is an edit of @original or a follow-up
            await self.fake.wait_for(
                lambda: bool(rec.followup_ids) or self._original_has_content(rec), 10, "the deferred answer"
            )
            msg_id = rec.followup_ids[0] if rec.followup_ids else rec.response_message_id
            assert msg_id is not None
            data = self.fake.state.messages[msg_id]
        elif kind == 6:
            data = {}
        else:
            data = message_data(body)
        if kind in (4, 7):
            assert_user_safe(data)
        return kind, data

    def _original_has_content(self, rec: InteractionRecord) -> bool:
        msg = self.fake.original_message(rec)
        return msg is not None and bool(msg.get("content") or msg.get("embeds"))

    async def choices(self, rec: InteractionRecord) -> list[Json]:
        body = await answer(self.fake, rec, self.bot, within=5.0)
        assert body["type"] == 8, body
        choices = message_data(body)["choices"]
        assert isinstance(choices, list)
        assert len(choices) <= 25, len(choices)
        for choice in choices:
            assert 1 <= len(choice["name"]) <= 100, choice
            assert len(str(choice["value"])) <= 100, choice
            assert "Traceback" not in choice["name"], choice
        return choices


def assert_friendly(kind: int, data: Json) -> None:
    """A result in public, or a private, friendly error; never the unexpected-failure message."""
    text = visible_text(data)
    assert UNEXPECTED not in text, text[:500]
    assert "error id" not in text, text[:500]
    if not is_ephemeral(data):  # what everyone sees carries no control or direction-override characters
        garbling = [c for c in text if (ord(c) < 0x20 and c not in "\t\n") or c in "\u202a\u202b\u202c\u202d\u202e"]
        assert not garbling, (garbling, text[:300])
    if kind == 4 and not data.get("embeds"):  # a plain-text answer is an error or a note: private
        assert is_ephemeral(data), data
        assert text, data


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with running_bot(tmp_path_factory.mktemp("hostile")) as running:
        yield World(running.fake, running.bot)
    assert running.exit_code == 0, running.bot.log()[-3000:]
    assert not running.fake.state.problems


@pytest.fixture(autouse=True)
def no_new_problems(world: World) -> Iterator[None]:
    """No invalid body, and no traceback or unexpected error logged, while the test ran."""
    before = len(world.fake.state.problems)
    log_before = len(world.bot.log())
    yield
    new = world.fake.state.problems[before:]
    assert not new, "\n".join(f"{r.method} {r.path}: {p}" for r, p in new)
    log = world.bot.log()[log_before:]
    assert "Traceback" not in log, log[-4000:]
    assert " ERROR " not in log, log[-4000:]
    assert "error id" not in log, log[-4000:]


# --- string options ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("slot", STRING_SLOTS, ids=[s.id for s in STRING_SLOTS])
async def test_string_option(world: World, slot: Slot, value: str) -> None:
    rec = await world.fake.slash(slot.command, *slot.options(value), user=slot.user, channel="general")
    kind, data = await world.reply(rec)
    assert_friendly(kind, data)
    if slot.command == "settings":
        assert is_ephemeral(data), data


NO_WORDS = {"star": "*", "emoji": "🔥", "parens": "(((", "backtick": "`", "dashes": "--", "zero-width": "\u200b"}


@pytest.mark.parametrize("value", list(NO_WORDS.values()), ids=list(NO_WORDS))
@pytest.mark.parametrize(("command", "name"), [("article", "article"), ("event", "event")])
async def test_show_text_without_words_finds_nothing(world: World, command: str, name: str, value: str) -> None:
    """Text with no letters or digits is not a match for some arbitrary item: a private "not found"."""
    rec = await world.fake.slash(command, subcommand("show", option(name, value)), user="reader")
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), visible_text(data)[:300]
    assert f"No {command} matches" in visible_text(data), visible_text(data)
    assert not data.get("embeds"), data


@pytest.mark.parametrize("value", list(NO_WORDS.values()), ids=list(NO_WORDS))
async def test_event_search_without_words(world: World, value: str) -> None:
    """No words and no filter: a private hint, not every event "for **🔥**"; with a filter, the filter browses."""
    rec = await world.fake.slash("event", subcommand("search", option("query", value)), user="reader")
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), visible_text(data)[:300]
    assert "no words to search for" in visible_text(data), visible_text(data)
    rec = await world.fake.slash(
        "event", subcommand("search", option("query", value), option("tag", "strike")), user="reader"
    )
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert not is_ephemeral(data), visible_text(data)[:300]
    assert "tag `strike`" in visible_text(data), visible_text(data)[:300]


@pytest.mark.parametrize(
    ("command", "name"),
    [("event", "place"), ("event", "tag"), ("timeline", "place"), ("timeline", "tag")],
)
async def test_blank_filter_is_no_filter(world: World, command: str, name: str) -> None:
    """A filter of only spaces is as if it were not given: same listing, no "place ` `" in it."""

    async def listing(*extra: Json) -> Json:
        opts: list[Json] = [option("query", "strike"), *extra] if command == "event" else list(extra)
        rec = await world.fake.slash(command, *([subcommand("search", *opts)] if command == "event" else opts))
        kind, data = await world.reply(rec)
        assert kind == 4, data
        assert not is_ephemeral(data), visible_text(data)[:300]
        return data

    plain, blank = await listing(), await listing(option(name, "   "))
    assert visible_text(blank) == visible_text(plain)


@pytest.mark.parametrize("place", ["*", "🔥", "((("])
@pytest.mark.parametrize("command", ["event", "timeline"])
async def test_place_without_letters_matches_nothing(world: World, command: str, place: str) -> None:
    """Both commands answer a place that names nothing the same way: a private "no events"."""
    if command == "event":
        rec = await world.fake.slash(command, subcommand("search", option("query", "strike"), option("place", place)))
    else:
        rec = await world.fake.slash(command, option("place", place))
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), visible_text(data)[:300]
    assert "No events" in visible_text(data), visible_text(data)


@pytest.mark.parametrize("length", ["huge", "", "SHORT ", "medium; DROP"])
async def test_article_length_not_a_choice(world: World, length: str) -> None:
    """Discord only sends the offered choices; anything else is a friendly error, any case/space is read."""
    rec = await world.fake.slash(
        "article",
        subcommand("show", option("article", "tyranny-toppled-by-its-victims"), option("length", length)),
        user="reader",
    )
    kind, data = await world.reply(rec)
    assert_friendly(kind, data)
    if length.strip().lower() in ("", "short"):
        assert not is_ephemeral(data), data
        assert data["embeds"], data
    else:
        assert is_ephemeral(data), data
        assert "short, medium or long" in visible_text(data), visible_text(data)


LOOKUP_SLOTS = [s for s in STRING_SLOTS if s.command != "settings"]


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("slot", LOOKUP_SLOTS, ids=[s.id for s in LOOKUP_SLOTS])
async def test_string_option_in_a_dm(world: World, slot: Slot, value: str) -> None:
    rec = await world.fake.slash(slot.command, *slot.options(value), guild=None, channel=None, user="reader")
    kind, data = await world.reply(rec)
    assert_friendly(kind, data)


# --- integer options out of range -------------------------------------------------------------


@pytest.mark.parametrize("year", BAD_YEARS, ids=[f"year={y}" for y in BAD_YEARS])
@pytest.mark.parametrize("slot", INTEGER_SLOTS, ids=[s.id for s in INTEGER_SLOTS])
async def test_integer_option_out_of_range(world: World, slot: Slot, year: int) -> None:
    rec = await world.fake.slash(slot.command, *slot.options(year), user="reader")
    kind, data = await world.reply(rec)
    assert_friendly(kind, data)


# --- autocomplete -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("slot", AUTOCOMPLETE_SLOTS, ids=[s.id for s in AUTOCOMPLETE_SLOTS])
async def test_autocomplete(world: World, slot: Slot, value: str) -> None:
    rec = await world.fake.autocomplete(slot.command, *slot.options(value, focused=True), user=slot.user)
    await world.choices(rec)


@pytest.mark.parametrize("slot", AUTOCOMPLETE_SLOTS[:6], ids=[s.id for s in AUTOCOMPLETE_SLOTS[:6]])
async def test_autocomplete_in_a_dm(world: World, slot: Slot) -> None:
    rec = await world.fake.autocomplete(
        slot.command, *slot.options("rev", focused=True), guild=None, channel=None, user="reader"
    )
    await world.choices(rec)


# --- components -------------------------------------------------------------------------------


async def listing_message(world: World, user: str = "reader") -> Json:
    """A fresh /event search listing with pages and a menu, owned by ``user``."""
    rec = await world.fake.slash("event", subcommand("search", option("query", "strike")), user=user)
    kind, _ = await world.reply(rec)
    assert kind == 4
    message = world.fake.original_message(rec)
    assert message is not None
    assert "Next ›" in buttons(message), message
    assert selects(message), message
    return message


FORGED_IDS = {
    "never-sent": "not-a-custom-id-the-bot-sent",
    "looks-like-page": "page:next",
    "settings-like": "settings:channel",
    "100-chars": "z" * 100,
    "unicode": "🔥Москва北京",
}


@pytest.mark.parametrize("custom_id", list(FORGED_IDS.values()), ids=list(FORGED_IDS))
async def test_forged_button(world: World, custom_id: str) -> None:
    message = await listing_message(world)
    rec = await world.fake.click(int(message["id"]), custom_id, user="reader")
    kind, data = await world.reply(rec)
    assert kind == 4, (kind, data)
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


async def test_forged_select(world: World) -> None:
    message = await listing_message(world)
    rec = await world.fake.click(
        int(message["id"]), "forged-select", user="reader", component_type=payloads.STRING_SELECT, values=["x"]
    )
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


async def test_page_button_from_another_user(world: World) -> None:
    message = await listing_message(world, user="reader")
    rec = await world.fake.click(int(message["id"]), buttons(message)["Next ›"]["custom_id"], user="newcomer")
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert "Only the person who ran this command" in visible_text(data)
    assert_friendly(kind, data)


async def test_stale_page_button_after_the_page_moved(world: World) -> None:
    """The select is replaced on every page turn: the old menu's custom_id is stale."""
    message = await listing_message(world)
    old_menu = selects(message)[0]
    turn = await world.fake.click(int(message["id"]), buttons(message)["Next ›"]["custom_id"], user="reader")
    kind, _ = await world.reply(turn)
    assert kind == 7
    old_value = str(old_menu["options"][0]["value"])
    rec = await world.fake.click(
        int(message["id"]),
        old_menu["custom_id"],
        user="reader",
        component_type=payloads.STRING_SELECT,
        values=[old_value],
    )
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


SELECT_VALUES = {
    "gone-event": "no-such-event-0000",
    "empty": "",
    "sql": "'; DROP TABLE x; --",
    "100-chars": "q" * 100,
    "emoji": "🔥",
}


@pytest.mark.parametrize("value", list(SELECT_VALUES.values()), ids=list(SELECT_VALUES))
async def test_select_value_that_no_longer_exists(world: World, value: str) -> None:
    message = await listing_message(world)
    menu = selects(message)[0]
    rec = await world.fake.click(
        int(message["id"]), menu["custom_id"], user="newcomer", component_type=payloads.STRING_SELECT, values=[value]
    )
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


async def test_select_with_no_values(world: World) -> None:
    message = await listing_message(world)
    menu = selects(message)[0]
    rec = await world.fake.click(
        int(message["id"]), menu["custom_id"], user="reader", component_type=payloads.STRING_SELECT, values=[]
    )
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


async def test_article_notes_button_twice_and_forged(world: World) -> None:
    rec = await world.fake.slash(
        "article", subcommand("show", option("article", "tyranny-toppled-by-its-victims")), user="reader"
    )
    kind, _ = await world.reply(rec)
    assert kind == 4
    message = world.fake.original_message(rec)
    assert message is not None
    notes = buttons(message).get("What the record says (6)")
    assert notes is not None, buttons(message)
    for user in ("reader", "newcomer"):
        click = await world.fake.click(int(message["id"]), notes["custom_id"], user=user)
        kind, data = await world.reply(click)
        assert is_ephemeral(data), data
        assert_friendly(kind, data)
        # the private notes turn their pages for whoever opened them (not "these no longer work")
        private = world.fake.original_message(click)
        assert private is not None
        turn = await world.fake.click(int(private["id"]), buttons(private)["Next ›"]["custom_id"], user=user)
        kind, data = await world.reply(turn)
        assert kind == 7, data
        assert "(2/" in visible_text(data), visible_text(data)[:200]
    forged = await world.fake.click(int(message["id"]), notes["custom_id"] + "x", user="reader")
    kind, data = await world.reply(forged)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


# --- channel and role options that name nothing ------------------------------------------------

# (A snowflake that is not a number never comes from Discord; discord.py itself fails to parse one.)
MISSING_IDS = {"unknown-snowflake": "123456789012345678", "zero": "0"}


@pytest.mark.parametrize("value", list(MISSING_IDS.values()), ids=list(MISSING_IDS))
@pytest.mark.parametrize(("sub", "kind"), [("channel", payloads.OPT_CHANNEL), ("role", payloads.OPT_ROLE)])
async def test_settings_id_that_does_not_exist(world: World, sub: str, kind: int, value: str) -> None:
    rec = await world.fake.slash("settings", subcommand(sub, option(sub, value, type=kind)), user="moderator")
    kind_, data = await world.reply(rec)
    assert kind_ == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind_, data)


async def test_forged_button_on_a_message_without_components(world: World) -> None:
    rec = await world.fake.slash("about", user="reader")
    kind, _ = await world.reply(rec)
    assert kind == 4
    message = world.fake.original_message(rec)
    assert message is not None
    click = await world.fake.click(int(message["id"]), "about:refresh", user="newcomer")
    kind, data = await world.reply(click)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


async def test_hostile_burst_is_answered_in_time(world: World) -> None:
    """Twenty-five hostile commands at once: every one answered inside Discord's 3 s."""
    values = list(HOSTILE.values())[:25]
    recs = [
        await world.fake.slash(slot.command, *slot.options(value), user=slot.user)
        for slot, value in zip(STRING_SLOTS * 3, values, strict=False)
    ]
    for rec in recs:
        kind, data = await world.reply(rec)
        assert_friendly(kind, data)
        assert rec.latency < 3.0, rec.latency


async def test_rapid_page_clicks(world: World) -> None:
    """Five Next clicks at once: each is answered in time, and the counter stays within the pages."""
    message = await listing_message(world)
    next_id = buttons(message)["Next ›"]["custom_id"]
    clicks = [await world.fake.click(int(message["id"]), next_id, user="reader") for _ in range(5)]
    for click in clicks:
        kind, _ = await world.reply(click)
        assert kind == 7
    counter = next(label for label in buttons(world.fake.state.messages[int(message["id"])]) if " / " in label)
    shown, pages = (int(n) for n in counter.split(" / "))
    assert 1 <= shown <= pages, counter


@pytest.mark.parametrize("user", ["reader", "newcomer"])
@pytest.mark.parametrize("label", ["« First", "‹ Previous"])
async def test_disabled_and_counter_buttons_forged(world: World, label: str, user: str) -> None:
    """Discord never sends a click on a disabled button; a forged one is still answered."""
    message = await listing_message(world)
    for custom_id in (
        buttons(message)[label]["custom_id"],
        next(b for t, b in buttons(message).items() if " / " in t)["custom_id"],
    ):
        rec = await world.fake.click(int(message["id"]), custom_id, user=user)
        kind, data = await world.reply(rec)
        assert kind in (4, 6, 7), (kind, data)
        assert_friendly(kind, data)
        if user == "newcomer":
            assert kind == 4, data
            assert is_ephemeral(data), data


@pytest.mark.parametrize("mode", ["huge", "", "skip; DROP"])
async def test_settings_empty_days_not_a_choice(world: World, mode: str) -> None:
    rec = await world.fake.slash("settings", subcommand("empty-days", option("mode", mode)), user="moderator")
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


# --- commands Discord still shows after an update ----------------------------------------------


def command_id(world: World, name: str) -> int:
    return next(int(c["id"]) for c in world.fake.state.global_commands if c["name"] == name)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("event", [subcommand("frobnicate", option("event", "x"))]),
        ("event", [subcommand("show", option("no_such_option", "x"))]),
        ("article", [subcommand("show")]),
    ],
    ids=["unknown-subcommand", "unknown-option", "missing-required"],
)
async def test_command_shape_that_changed(world: World, name: str, options: list[Json]) -> None:
    rec = await world.fake.slash(name, *options, command_id=command_id(world, name), user="reader")
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert_friendly(kind, data)


async def test_command_that_no_longer_exists(world: World) -> None:
    rec = await world.fake.slash("oldcommand", command_id=command_id(world, "event") + 1, user="reader")
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert_friendly(kind, data)


async def test_autocomplete_for_a_command_that_no_longer_exists(world: World) -> None:
    rec = await world.fake.autocomplete("oldcommand", option("thing", "x", focused=True), user="reader")
    await world.choices(rec)


# --- DMs --------------------------------------------------------------------------------------

DM_COMMANDS: dict[str, tuple[str, list[Json]]] = {
    "article-show": ("article", [subcommand("show", option("article", "tyranny"))]),
    "article-show-hostile": ("article", [subcommand("show", option("article", '"unbalanced'))]),
    "article-list": ("article", [subcommand("list")]),
    "event-show": ("event", [subcommand("show", option("event", "east-german-uprising-1953"))]),
    "event-show-missing": ("event", [subcommand("show", option("event", "no-such-id-0000"))]),
    "event-search": ("event", [subcommand("search", option("query", "strike"))]),
    "event-search-hostile": ("event", [subcommand("search", option("query", "NEAR(a b)"), option("tag", "((("))]),
    "onthisday": ("onthisday", []),
    "onthisday-date": ("onthisday", [option("date", "17 June")]),
    "onthisday-bad-date": ("onthisday", [option("date", "🔥")]),
    "timeline": ("timeline", []),
    "timeline-filtered": ("timeline", [option("tag", "strike"), option("place", "Москва")]),
    "help": ("help", []),
    "about": ("about", []),
    "settings-show": ("settings", [subcommand("show")]),
    "settings-time": ("settings", [subcommand("time", option("time", "09:00"))]),
}


@pytest.mark.parametrize("case", list(DM_COMMANDS.values()), ids=list(DM_COMMANDS))
async def test_in_a_dm(world: World, case: tuple[str, list[Json]]) -> None:
    name, options = case
    rec = await world.fake.slash(name, *options, guild=None, channel=None, user="reader")
    kind, data = await world.reply(rec)
    assert_friendly(kind, data)
    if name == "settings":
        assert is_ephemeral(data)
        assert re.search(r"server", visible_text(data)), visible_text(data)


async def test_dm_page_turn(world: World) -> None:
    rec = await world.fake.slash(
        "event", subcommand("search", option("query", "strike")), guild=None, channel=None, user="reader"
    )
    kind, _ = await world.reply(rec)
    assert kind == 4
    message = world.fake.original_message(rec)
    assert message is not None
    turn = await world.fake.click(int(message["id"]), buttons(message)["Next ›"]["custom_id"], user="reader")
    kind, _ = await world.reply(turn)
    assert kind == 7


# --- settings for someone without Manage Server -----------------------------------------------


@pytest.mark.parametrize("sub", ["time", "timezone", "days", "packs"])
async def test_settings_refused_for_a_reader(world: World, sub: str) -> None:
    rec = await world.fake.slash("settings", subcommand(sub, option(sub, "@everyone")), user="reader")
    kind, data = await world.reply(rec)
    assert kind == 4, data
    assert is_ephemeral(data), data
    assert "Manage Server" in visible_text(data), visible_text(data)
    assert_friendly(kind, data)
