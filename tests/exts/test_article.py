"""/article show and /article list, driven through the real command tree."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ALICE, BOB, Harness, RecordingAdapter, Sent, assert_message_within_limits, make_harness

from bot.core.models import Library
from bot.errors import ErrorReportingView


def first_answer_size(message: Sent) -> int:
    """Characters of a message's embeds a member reads: title, description, fields, footer (and author)."""
    total = 0
    for embed in message.embeds:
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += len((embed.get("footer") or {}).get("text", "")) + len((embed.get("author") or {}).get("name", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return total


async def test_article_show_is_one_screen_with_buttons_for_the_rest(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="short-article", length="long")
    assert message.kind == "message"
    assert not message.ephemeral
    assert_message_within_limits(message)
    (main,) = message.embeds  # one embed: no second "What the record says" embed
    assert main["title"] == "Tyranny toppled by its victims"
    assert main["url"] == "https://example.org/articles/short"
    assert "Hazel Croft" in main["author"]["name"]
    assert "Socialist Worker" in main["author"]["name"]
    assert "8 March 2003" in main["author"]["name"]
    assert main["description"].startswith("A long summary.")
    argument = ("The argument", "Revolts from below broke the empire.")
    assert [(f["name"], f["value"]) for f in main["fields"]] == [argument]
    assert "Source pack: Test pack" in main["footer"]["text"]
    assert "Long summary" in main["footer"]["text"]
    assert not message.selects()  # no menus on the first screen
    assert [b["label"] for b in message.buttons()] == ["Key points (2)", "What the record says (1)", "Events (2)"]


async def test_article_show_lengths_grow_short_medium_long_and_stay_one_screen(harness: Harness) -> None:
    for article in ("short-article", "long-article"):
        sizes = []
        for length in ("short", "medium", "long"):
            (message,) = await harness.invoke("article show", article=article, length=length)
            assert_message_within_limits(message)
            assert len(message.embeds) == 1
            sizes.append(first_answer_size(message))
        assert sizes[0] < sizes[1] < sizes[2], (article, sizes)
    (short,) = await harness.invoke("article show", article="short-article", length="short")
    assert first_answer_size(short) < 400


async def test_article_buttons_answer_privately_whoever_presses(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="short-article")
    (points,) = await harness.click(message, message.button("Key points")["custom_id"], user_id=BOB)
    assert points.ephemeral
    assert points.embeds[0]["title"] == "Key points (2)"
    assert points.embeds[0]["description"] == "• First point.\n• Second point."
    (notes,) = await harness.click(message, message.button("What the record says")["custom_id"], user_id=BOB)
    assert notes.ephemeral
    assert notes.embeds[0]["title"] == "What the record says (1/1)"
    assert "The record says otherwise." in notes.embeds[0]["description"]
    (events,) = await harness.click(message, message.button("Events (2)")["custom_id"], user_id=BOB)
    assert events.ephemeral
    assert_message_within_limits(events)
    description = events.embeds[0]["description"]
    assert "The article mentions 2 events." in description
    assert description.index("East Berlin builders' strike") < description.index("Hungarian Revolution")
    (select,) = events.selects()
    assert [o["value"] for o in select["options"]] == ["east-berlin-1953", "hungary-1956"]
    (opened,) = await harness.click(events, select["custom_id"], values=["hungary-1956"], user_id=BOB)
    assert opened.ephemeral
    assert opened.embeds[0]["title"] == "Hungarian Revolution"
    assert_message_within_limits(opened)


async def test_article_show_accepts_free_text_when_no_suggestion_was_picked(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="tyranny toppled")
    assert message.embeds[0]["title"] == "Tyranny toppled by its victims"


async def test_article_show_unknown_article_gets_friendly_ephemeral_error(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="zzzzqqqq")
    assert message.ephemeral
    assert "No article matches “zzzzqqqq”." in message.content
    assert "Traceback" not in message.content


async def test_article_show_longest_article_keeps_every_limit(harness: Harness) -> None:
    for length in ("short", "medium", "long"):
        (message,) = await harness.invoke("article show", article="long-article", length=length)
        assert_message_within_limits(message)
        assert len(message.embeds) == 1
        assert [b["label"] for b in message.buttons()] == [
            "Key points (10)",
            "What the record says (12)",
            "Events (40)",
        ]
    (events,) = await harness.click(message, message.button("Events")["custom_id"])
    assert_message_within_limits(events)
    assert len(events.selects()[0]["options"]) == 10
    assert events.button("1 / 4")
    (points,) = await harness.click(message, message.button("Key points")["custom_id"])
    assert_message_within_limits(points)


async def test_article_autocomplete_suggests_titles(harness: Harness) -> None:
    choices = await harness.autocomplete("article show", "article", article="tyran")
    assert choices[0]["value"] == "short-article"
    assert all(len(c["name"]) <= 100 for c in choices)


async def test_article_record_button_pages_through_notes(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="long-article")
    (notes,) = await harness.click(message, message.button("What the record says")["custom_id"])
    assert notes.ephemeral
    assert notes.embeds[0]["title"] == "What the record says (1/12)"
    assert_message_within_limits(notes)
    (page2,) = await harness.click(notes, notes.button("Next")["custom_id"], user_id=ALICE)
    assert page2.kind == "update"
    assert page2.embeds[0]["title"] == "What the record says (2/12)"


async def test_article_list_pages(harness: Harness) -> None:
    (message,) = await harness.invoke("article list")
    assert_message_within_limits(message)
    assert "2 articles. Pick one" in message.embeds[0]["description"]
    (select,) = message.selects()
    assert {o["value"] for o in select["options"]} == {"short-article", "long-article"}


async def test_article_show_does_not_guess(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="o'brien")
    assert message.ephemeral
    assert not message.embeds
    assert message.content.startswith("No article matches “o'brien”.")
    (typo,) = await harness.invoke("article show", article="tyrany toppld")
    assert typo.embeds[0]["title"] == "Tyranny toppled by its victims"


async def test_article_buttons_keep_working_after_the_views_time_out_and_a_restart(
    harness: Harness, test_library: Library, adapter: RecordingAdapter, tmp_path: Path
) -> None:
    (message,) = await harness.invoke("article show", article="short-article")
    custom_id = message.button("Key points")["custom_id"]
    assert custom_id == "fb:article:points:short-article"
    # Nothing is kept per message: no live view holds the button, and still it answers.
    assert custom_id not in ErrorReportingView.live_custom_ids()
    (points,) = await harness.click(message, custom_id, user_id=BOB)
    assert points.embeds[0]["title"] == "Key points (2)"
    # A new bot process (a restart) answers the buttons of an old message too.
    restarted = await make_harness(test_library, adapter, tmp_path / "restarted")
    try:
        (again,) = await restarted.click(message, message.button("Events")["custom_id"], user_id=ALICE)
        assert again.ephemeral
        assert "The article mentions 2 events." in again.embeds[0]["description"]
    finally:
        await restarted.bot.close()


async def test_a_button_for_an_article_no_longer_in_the_library_says_so(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="short-article")
    # An old message whose article was removed from the library since.
    old = json.loads(json.dumps(message.body).replace("short-article", "gone-article"))
    old_message = Sent(message.method, message.path, old, message.message_id)
    (answer,) = await harness.click(old_message, "fb:article:notes:gone-article", user_id=BOB)
    assert answer.ephemeral
    assert answer.content == "That article is no longer in the library (it may have been updated)."
    # A custom id the message does not carry (forged) is answered as stale, privately.
    (forged,) = await harness.click(message, "fb:article:notes:short-articlex", user_id=BOB)
    assert forged.ephemeral
    assert "no longer work" in forged.content
