"""The fake's body checks accept what Discord accepts and name what it would reject."""

from __future__ import annotations

from typing import Any

import pytest
from fakediscord import checks


def cmd(**kw: Any) -> dict[str, Any]:
    return {"name": "today", "description": "What happened on this day", "type": 1, **kw}


def opt(name: str = "query", otype: int = 3, **kw: Any) -> dict[str, Any]:
    return {"name": name, "description": "An option", "type": otype, **kw}


@pytest.mark.parametrize(
    "name",
    ["today", "on-this-day", "event_search", "история", "día", "x", "a" * 32, "l'histoire", "२०२४"],
)
def test_valid_command_names(name: str) -> None:
    assert checks.valid_command_name(name)


@pytest.mark.parametrize("name", ["", "Today", "on this day", "a" * 33, "what?", "emoji🙂", "ИСТОРИЯ"])
def test_invalid_command_names(name: str) -> None:
    assert not checks.valid_command_name(name)


def test_good_command_passes() -> None:
    good = cmd(
        default_member_permissions="32",
        contexts=[0],
        integration_types=[0],
        options=[
            opt("query", required=True, autocomplete=True, max_length=100),
            opt("year", 4, min_value=-3000, max_value=2100),
            opt("kind", 3, choices=[{"name": "Strike", "value": "strike"}, {"name": "Riot", "value": "riot"}]),
            opt("channel", 7, channel_types=[0]),
        ],
    )
    assert checks.check_command(good) == []
    sub = cmd(options=[{"name": "show", "description": "Show", "type": 1, "options": [opt(required=True)]}])
    assert checks.check_command(sub) == []
    group = cmd(options=[{"name": "g", "description": "G", "type": 2, "options": [sub["options"][0]]}])
    assert checks.check_command(group) == []


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        (cmd(name="Today"), "does not match"),
        (cmd(description=""), "description: length 0"),
        (cmd(description="d" * 101), "description: length 101"),
        (cmd(options=[opt(f"o{i}") for i in range(26)]), "26 options > 25"),
        (cmd(options=[opt(choices=[{"name": f"c{i}", "value": f"v{i}"} for i in range(26)])]), "26 choices > 25"),
        (cmd(options=[opt(choices=[{"name": "", "value": "v"}])]), "choices[0].name: length 0"),
        (cmd(options=[opt(choices=[{"name": "n", "value": "v" * 101}])]), "choices[0].value: length 101"),
        (cmd(options=[opt(autocomplete=True, choices=[{"name": "n", "value": "v"}])]), "autocomplete cannot"),
        (cmd(options=[opt("a"), opt("b", required=True)]), "required option 'b' after an optional one"),
        (cmd(options=[opt("a"), opt("a")]), "duplicate option name"),
        (cmd(options=[opt("Query")]), "does not match"),
        (cmd(options=[opt(description="")]), "description: length 0"),
        (cmd(options=[opt(max_length=6001)]), "max_length"),
        (cmd(options=[opt(), {"name": "s", "description": "S", "type": 1}]), "cannot be mixed"),
        (cmd(default_member_permissions="manage_guild"), "default_member_permissions"),
        (cmd(contexts=[]), "contexts"),
        (cmd(options=[opt(otype=12)]), "unknown option type"),
        ({"name": "Context Menu", "type": 2, "description": "no"}, "must be empty"),
        (cmd(options=[opt(choices=[{"name": f"{i:02}" + "n" * 98, "value": "v" * 100} for i in range(25)])]),
         "combined"),
    ],
)  # fmt: skip
def test_bad_commands_are_named(command: dict[str, Any], fragment: str) -> None:
    problems = checks.check_command(command)
    assert any(fragment in p for p in problems), problems


def test_command_list_limits() -> None:
    assert checks.check_command_list([cmd(name=f"c{i}") for i in range(100)]) == []
    assert any("> 100" in p for p in checks.check_command_list([cmd(name=f"c{i}") for i in range(101)]))
    assert any("duplicate command" in p for p in checks.check_command_list([cmd(), cmd()]))
    # the same name may be reused across command types
    assert checks.check_command_list([cmd(), {"name": "today", "type": 3}]) == []
    assert checks.check_command_list({"name": "x"}) == ["commands: expected a list of commands"]


def embed(**kw: Any) -> dict[str, Any]:
    return {"title": "On this day", "description": "1871: the Paris Commune", "color": 0xB22222, **kw}


def button(custom_id: str = "page:next", **kw: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "Next", "custom_id": custom_id, **kw}


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def test_good_message_passes() -> None:
    body = {
        "content": "x" * 2000,
        "embeds": [
            embed(
                fields=[{"name": "Where", "value": "Paris", "inline": True}] * 25,
                footer={"text": "From Below"},
                author={"name": "archive"},
                url="https://example.org/commune",
                timestamp="1871-03-18T00:00:00+00:00",
            )
        ],
        "allowed_mentions": {"parse": [], "replied_user": False},
        "components": [
            row(button("a"), button("b"), {"type": 2, "style": 5, "label": "Read", "url": "https://example.org"}),
            row({"type": 3, "custom_id": "pick", "options": [{"label": "One", "value": "1"}], "max_values": 1}),
        ],
        "flags": 64,
    }
    assert checks.check_message(body) == []
    assert checks.check_message({"content": "edited"}, edit=True) == []
    assert checks.check_message({"content": None, "embeds": []}, edit=True) == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"content": "x" * 2001}, "content: length 2001 > 2000"),
        ({}, "empty message"),
        ({"content": ""}, "empty message"),
        ({"embeds": [embed()] * 11}, "11 embeds > 10"),
        ({"embeds": [embed(title="t" * 257)]}, "title: length 257 > 256"),
        ({"embeds": [embed(description="d" * 4097)]}, "description: length 4097 > 4096"),
        ({"embeds": [embed(fields=[{"name": "n", "value": "v"}] * 26)]}, "26 fields > 25"),
        ({"embeds": [embed(fields=[{"name": "n", "value": "v" * 1025}])]}, "value: length 1025"),
        ({"embeds": [embed(fields=[{"name": "", "value": "v"}])]}, "name: length 0"),
        ({"embeds": [embed(footer={"text": "f" * 2049})]}, "footer.text"),
        ({"embeds": [embed(author={"name": "a" * 257})]}, "author.name"),
        ({"embeds": [embed(description="d" * 4000), embed(description="d" * 2100)]}, "> 6000"),
        ({"embeds": [embed(color=0x1000000)]}, "color"),
        ({"embeds": [embed(url="javascript:alert(1)")]}, "url"),
        ({"embeds": [embed(timestamp="yesterday")]}, "ISO8601"),
        ({"content": "x", "allowed_mentions": {"parse": ["here"]}}, "parse"),
        ({"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}, "mutually exclusive"),
        ({"content": "x", "allowed_mentions": {"users": [str(i) for i in range(101)]}}, "at most 100"),
        ({"content": "x", "components": [row(button())] * 6}, "6 action rows > 5"),
        ({"content": "x", "components": [row(*[button(str(i)) for i in range(6)])]}, "1..5 components"),
        ({"content": "x", "components": [row()]}, "1..5 components"),
        ({"content": "x", "components": [button()]}, "must be action rows"),
        ({"content": "x", "components": [row(button("a"), button("a"))]}, "duplicate custom_id"),
        ({"content": "x", "components": [row(button("c" * 101))]}, "custom_id: length 101"),
        ({"content": "x", "components": [row(button(label="l" * 81))]}, "label: length 81 > 80"),
        ({"content": "x", "components": [row(button(style=7))]}, "button style"),
        ({"content": "x", "components": [row({"type": 2, "style": 5, "label": "L"})]}, "needs an http(s) url"),
        ({"content": "x", "components": [row({"type": 2, "style": 5, "label": "L", "url": "https://a.b",
                                                "custom_id": "c"})]}, "cannot have a custom_id"),
        ({"content": "x", "components": [row({"type": 2, "style": 1, "custom_id": "c"})]}, "label or an emoji"),
        ({"content": "x", "components": [row({"type": 3, "custom_id": "s", "options": []})]}, "1..25 options"),
        ({"content": "x", "components": [row({"type": 3, "custom_id": "s",
                                                "options": [{"label": "a", "value": "v"}] * 26})]}, "1..25 options"),
        ({"content": "x", "components": [row({"type": 3, "custom_id": "s", "placeholder": "p" * 151,
                                                "options": [{"label": "a", "value": "v"}]})]}, "placeholder"),
        ({"content": "x", "components": [row({"type": 3, "custom_id": "s", "max_values": 2,
                                                "options": [{"label": "a", "value": "v"}]})]}, "max_values: 2 >"),
        ({"content": "x", "components": [row(button(), {"type": 3, "custom_id": "s",
                                                         "options": [{"label": "a", "value": "v"}]})]}, "alone"),
        ({"content": "x", "flags": 1 << 1}, "flags"),
    ],
)  # fmt: skip
def test_bad_messages_are_named(body: dict[str, Any], fragment: str) -> None:
    problems = checks.check_message(body)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize(
    ("interaction_type", "body", "ok"),
    [
        (2, {"type": 4, "data": {"content": "ok"}}, True),
        (2, {"type": 5}, True),
        (2, {"type": 5, "data": {"flags": 64}}, True),
        (2, {"type": 9, "data": {"custom_id": "m", "title": "Settings", "components": [row(button())]}}, True),
        (2, {"type": 6}, False),
        (2, {"type": 7, "data": {"content": "x"}}, False),
        (2, {"type": 8, "data": {"choices": []}}, False),
        (2, {"type": 4, "data": {"content": ""}}, False),
        (2, {"type": 4}, False),
        (2, {"type": 9, "data": {"custom_id": "m", "title": "t" * 46, "components": [row(button())]}}, False),
        (3, {"type": 7, "data": {"content": "page 2"}}, True),
        (3, {"type": 6}, True),
        (3, {"type": 4, "data": {"content": "new"}}, True),
        (3, {"type": 8, "data": {"choices": []}}, False),
        (4, {"type": 8, "data": {"choices": [{"name": "1871", "value": "1871"}]}}, True),
        (4, {"type": 8, "data": {"choices": [{"name": "n", "value": i} for i in range(25)]}}, True),
        (4, {"type": 8, "data": {"choices": [{"name": "n", "value": i} for i in range(26)]}}, False),
        (4, {"type": 8, "data": {"choices": [{"name": "n" * 101, "value": "v"}]}}, False),
        (4, {"type": 8, "data": {}}, False),
        (4, {"type": 4, "data": {"content": "x"}}, False),
        (5, {"type": 4, "data": {"content": "saved"}}, True),
        (5, {"type": 9, "data": {}}, False),
    ],
)
def test_interaction_callbacks(interaction_type: int, body: dict[str, Any], ok: bool) -> None:
    problems = checks.check_interaction_callback(body, interaction_type)
    assert (problems == []) is ok, problems
