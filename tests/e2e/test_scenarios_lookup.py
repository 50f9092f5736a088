"""Issue 7, lookup scenarios: the real bot (``python -m bot run``) answers every lookup command,
autocomplete and page turn through the fake Discord on 127.0.0.1.

One bot process and one fake serve the whole module (module-scoped fixtures on a module-scoped
event loop). Every JSON body the bot sends is checked by the fake's Discord-limit checks; a test
that made the bot send an invalid body fails (``no_new_problems``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from fakediscord import FakeDiscord, option, subcommand

from .conftest import BotProcess
from .scenario_support import (
    Json,
    answer,
    assert_no_traceback,
    assert_user_safe,
    buttons,
    embed_text,
    is_ephemeral,
    message_data,
    running_bot,
    selects,
    visible_text,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE_URL = "https://example.org/from-below/source"
NOT_YOURS = "Only the person who ran this command can turn its pages"


@dataclass
class World:
    fake: FakeDiscord
    bot: BotProcess

    async def run(self, name: str, *options: Json, **where: object) -> tuple[Json, Json]:
        """Invoke ``/name`` and return (callback body, its message data), checked user-safe."""
        rec = await self.fake.slash(name, *options, **where)  # type: ignore[arg-type]
        body = await answer(self.fake, rec, self.bot)
        assert body["type"] == 4, body
        data = message_data(body)
        assert_user_safe(data)
        return body, data

    async def complete(self, name: str, *options: Json) -> list[Json]:
        rec = await self.fake.autocomplete(name, *options)
        body = await answer(self.fake, rec, self.bot)
        assert body["type"] == 8, body
        choices = message_data(body)["choices"]
        assert isinstance(choices, list)
        assert len(choices) <= 25
        for choice in choices:
            assert 1 <= len(choice["name"]) <= 100, choice
            assert 1 <= len(str(choice["value"])) <= 100, choice
        return choices


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with running_bot(tmp_path_factory.mktemp("lookup"), env={"FROM_BELOW_SOURCE_URL": SOURCE_URL}) as running:
        yield World(running.fake, running.bot)
    assert running.exit_code == 0, running.bot.log()[-3000:]
    assert not running.fake.state.problems


@pytest.fixture(autouse=True)
def no_new_problems(world: World) -> Iterator[None]:
    """Fail the test if the bot sent a body that breaks Discord's limits while it ran."""
    before = len(world.fake.state.problems)
    yield
    new = world.fake.state.problems[before:]
    assert not new, "\n".join(f"{r.method} {r.path}: {p}" for r, p in new)
    assert "Traceback" not in world.bot.log(), world.bot.log()[-4000:]


# --- /article ---------------------------------------------------------------------------------


async def test_article_show_each_length_and_list(world: World) -> None:
    article_id = "tyranny-toppled-by-its-victims"
    sizes = {}
    for length in ("short", "medium", "long"):
        _, data = await world.run(
            "article", subcommand("show", option("article", article_id), option("length", length))
        )
        assert not is_ephemeral(data)
        assert data["embeds"], data
        text = embed_text(data)
        assert "Tyranny" in text, text[:300]
        assert "toppled" in text, text[:300]
        main = data["embeds"][0]
        assert f"{length.capitalize()} summary" in main["footer"]["text"], main["footer"]
        sizes[length] = len(main["description"])
    assert sizes["short"] < sizes["medium"] < sizes["long"], sizes

    # free text (no autocomplete pick) resolves to the best match
    _, data = await world.run("article", subcommand("show", option("article", "tyranny toppled")))
    assert "Tyranny" in embed_text(data)

    # an article nothing resembles: a friendly, private "not found"
    _, data = await world.run("article", subcommand("show", option("article", "zzzzqqqq xylophone")))
    assert is_ephemeral(data)
    assert "No article matches “zzzzqqqq xylophone”." in visible_text(data)

    _, data = await world.run("article", subcommand("list"))
    text = embed_text(data)
    assert "Articles" in text, text[:500]
    assert "Tyranny toppled by its victims" in text, text[:500]
    assert any(o["value"] == article_id for s in selects(data) for o in s["options"])


async def test_article_autocomplete(world: World) -> None:
    choices = await world.complete("article", subcommand("show", option("article", "tyrany", focused=True)))
    assert "tyranny-toppled-by-its-victims" in [c["value"] for c in choices], choices


# --- /event -----------------------------------------------------------------------------------


async def test_event_show(world: World) -> None:
    _, data = await world.run("event", subcommand("show", option("event", "east-german-uprising-1953")))
    assert not is_ephemeral(data)
    text = embed_text(data)
    assert "The uprising of 17 June in East Germany" in text
    assert "1953" in text
    assert "East Berlin" in text
    embed = data["embeds"][0]
    assert any("Source" in f["name"] for f in embed.get("fields", [])), embed

    # a typo still finds the event
    _, data = await world.run("event", subcommand("show", option("event", "hungarain revolution 1956")))
    assert "Hungarian revolution" in embed_text(data)


async def test_event_autocomplete_forgives_a_typo(world: World) -> None:
    choices = await world.complete("event", subcommand("show", option("event", "hungarain 1956", focused=True)))
    assert "hungarian-revolution-1956" in [c["value"] for c in choices], choices
    hungarian = next(c for c in choices if c["value"] == "hungarian-revolution-1956")
    assert "Hungarian revolution" in hungarian["name"]
    # an empty query offers something, never more than 25
    assert await world.complete("event", subcommand("show", option("event", "", focused=True)))


def listed(data: Json) -> list[tuple[str, str]]:
    """(event id, "date · place") of each event on the page, from its "open one" menu."""
    return [(str(o["value"]), str(o.get("description") or "")) for s in selects(data) for o in s["options"]]


def first_year(date_and_place: str) -> int:
    found = re.search(r"\b(\d{4})\b", date_and_place)
    assert found, date_and_place
    return int(found.group(1))


async def test_event_search_with_filters(world: World) -> None:
    _, data = await world.run("event", subcommand("search", option("query", "revolution"), option("year", 1956)))
    assert "The Hungarian revolution begins" in embed_text(data), embed_text(data)[:800]
    assert "hungarian-revolution-1956" in [i for i, _ in listed(data)]
    assert {first_year(d) for _, d in listed(data)} == {1956}, listed(data)

    _, data = await world.run(
        "event",
        subcommand("search", option("query", "uprising"), option("from_year", 1953), option("to_year", 1953)),
    )
    assert "east-german-uprising-1953" in [i for i, _ in listed(data)], listed(data)
    assert {first_year(d) for _, d in listed(data)} == {1953}, listed(data)

    _, data = await world.run("event", subcommand("search", option("query", "strike"), option("place", "Poland")))
    assert listed(data)
    assert all("Poland" in d for _, d in listed(data)), listed(data)

    _, data = await world.run("event", subcommand("search", option("query", "workers"), option("tag", "hungary")))
    assert listed(data)
    assert all("Hungary" in d for _, d in listed(data)), listed(data)

    # year together with from_year is a friendly, private error
    _, data = await world.run(
        "event", subcommand("search", option("query", "strike"), option("year", 1956), option("from_year", 1950))
    )
    assert is_ephemeral(data)
    assert "either `year`" in visible_text(data)

    # an unknown tag: friendly, private
    _, data = await world.run("event", subcommand("search", option("query", "strike"), option("tag", "no-such-tag")))
    assert is_ephemeral(data)
    assert "There is no tag" in visible_text(data)

    # nothing found: friendly, private
    _, data = await world.run("event", subcommand("search", option("query", "qqqzzzxxyy")))
    assert is_ephemeral(data)
    assert "No events match" in visible_text(data)


async def test_place_and_tag_autocomplete(world: World) -> None:
    places = await world.complete(
        "event", subcommand("search", option("query", "strike"), option("place", "hung", focused=True))
    )
    assert any("Hungary" in c["name"] for c in places), places
    tags = await world.complete("timeline", option("tag", "stri", focused=True))
    assert "strike" in [c["value"] for c in tags], tags


# --- /onthisday -------------------------------------------------------------------------------


async def test_onthisday_with_a_date_and_a_bad_date(world: World) -> None:
    _, data = await world.run("onthisday", option("date", "17 june"))
    assert not is_ephemeral(data)
    text = embed_text(data)
    assert "17 June" in text
    assert "The uprising of 17 June in East Germany" in text, text[:800]
    assert "east-german-uprising-1953" in [o["value"] for s in selects(data) for o in s["options"]]

    for typed in ("06-17", "June 17"):
        _, again = await world.run("onthisday", option("date", typed))
        assert "The uprising of 17 June in East Germany" in embed_text(again)

    body, data = await world.run("onthisday", option("date", "31 February"))
    assert body["type"] == 4
    assert is_ephemeral(data)
    assert "31 February" in visible_text(data), data
    assert "29 days" in visible_text(data), data
    assert not data.get("embeds")

    _, data = await world.run("onthisday", option("date", "the day after never"))
    assert is_ephemeral(data)
    assert "17 June" in visible_text(data)  # the hint lists forms that work

    # without a date, today (UTC: no server timezone set); and in a DM
    _, data = await world.run("onthisday")
    assert data["embeds"], embed_text(data)[:500]
    assert "UTC" in embed_text(data), embed_text(data)[:500]
    _, data = await world.run("onthisday", option("date", "17 June"), guild=None, channel=None, user="reader")
    assert "East Germany" in embed_text(data)


# --- /timeline --------------------------------------------------------------------------------


async def test_timeline_with_filters(world: World) -> None:
    _, data = await world.run(
        "timeline", option("from_year", 1956), option("to_year", 1956), option("place", "Hungary")
    )
    text = embed_text(data)
    assert "Timeline" in text
    assert "1956" in text
    assert "Hungary" in text or "Budapest" in text, text[:800]
    assert listed(data), text[:800]
    assert all(first_year(d) == 1956 for _, d in listed(data)), listed(data)
    assert all("Hungary" in d for _, d in listed(data)), listed(data)

    _, data = await world.run("timeline", option("tag", "strike"), option("from_year", 1980), option("to_year", 1981))
    text = embed_text(data)
    assert "strike" in text.lower(), text[:800]
    assert listed(data), text[:800]
    assert {first_year(d) for _, d in listed(data)} <= {1980, 1981}, listed(data)

    # to_year before from_year is read as the range in order
    _, swapped = await world.run(
        "timeline", option("from_year", 1981), option("to_year", 1980), option("tag", "strike")
    )
    assert embed_text(swapped) == text

    _, data = await world.run("timeline", option("from_year", 1700), option("to_year", 1701))
    assert is_ephemeral(data)
    assert "No events" in visible_text(data)


# --- /help and /about -------------------------------------------------------------------------


async def test_help_and_about(world: World) -> None:
    _, data = await world.run("help", user="newcomer")
    assert is_ephemeral(data)
    text = embed_text(data)
    for usage in ("/article show", "/event search", "/onthisday", "/timeline", "/about"):
        assert usage in text, usage

    _, data = await world.run("about")
    embed = data["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", fields["Version"]), fields
    assert re.search(r"\d+ packs, 1 article, \d+ events\n", fields["Library"]), fields
    assert "ms" in fields["Latency"]
    assert SOURCE_URL in fields["Source"], fields["Source"]  # from the operator's configuration


# --- pages and menus --------------------------------------------------------------------------


async def test_turning_pages_with_buttons(world: World) -> None:
    fake = world.fake
    rec = await fake.slash("event", subcommand("search", option("query", "strike")), user="reader")
    await answer(fake, rec, world.bot)
    message = fake.original_message(rec)
    assert message is not None
    first_page = embed_text(message)
    turn = buttons(message)
    assert turn["Next ›"]["disabled"] is False
    assert turn["« First"]["disabled"] is True
    counter = next(label for label in turn if re.fullmatch(r"1 / \d+", label))
    pages = int(counter.split(" / ")[1])
    assert pages >= 2

    # the person who asked turns the page: the message is edited in place (callback type 7)
    click = await fake.click(int(message["id"]), turn["Next ›"]["custom_id"], user="reader")
    body = await answer(fake, click, world.bot)
    assert body["type"] == 7, body
    assert_no_traceback(message_data(body))
    assert message_data(body).get("allowed_mentions", {"parse": []})["parse"] == []
    edited = fake.state.messages[int(message["id"])]
    assert f"2 / {pages}" in buttons(edited)
    assert embed_text(edited) != first_page
    assert buttons(edited)["« First"]["disabled"] is False

    # someone else clicking gets a private note, and the page does not move
    other = await fake.click(int(message["id"]), buttons(edited)["Next ›"]["custom_id"], user="newcomer")
    body = await answer(fake, other, world.bot)
    assert body["type"] == 4, body
    data = message_data(body)
    assert is_ephemeral(data)
    assert NOT_YOURS in visible_text(data)
    assert_user_safe(data)
    assert f"2 / {pages}" in buttons(fake.state.messages[int(message["id"])])

    # Last, then the select menu opens one of the listed events privately, for anyone
    last = await fake.click(int(message["id"]), buttons(edited)["Last »"]["custom_id"], user="reader")
    assert (await answer(fake, last, world.bot))["type"] == 7
    menu = selects(fake.state.messages[int(message["id"])])[0]
    picked = menu["options"][0]["value"]
    pick = await fake.click(
        int(message["id"]), menu["custom_id"], user="newcomer", component_type=3, values=[str(picked)]
    )
    body = await answer(fake, pick, world.bot)
    data = message_data(body)
    assert body["type"] == 4, body
    assert is_ephemeral(data), body
    assert_user_safe(data)
    assert menu["options"][0]["label"] in embed_text(data)


async def test_timeline_pages_turn(world: World) -> None:
    fake = world.fake
    rec = await fake.slash("timeline", option("from_year", 1917), option("to_year", 1991))
    await answer(fake, rec, world.bot)
    message = fake.original_message(rec)
    assert message is not None
    turn = buttons(message)
    click = await fake.click(int(message["id"]), turn["Next ›"]["custom_id"])
    body = await answer(fake, click, world.bot)
    assert body["type"] == 7
    assert any(label.startswith("2 / ") for label in buttons(fake.state.messages[int(message["id"])]))
