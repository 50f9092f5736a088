"""/article show and /article list, driven through the real command tree."""

from __future__ import annotations

from conftest import ALICE, BOB, Harness, assert_message_within_limits


async def test_article_show_renders_summary_notes_and_event_menu(harness: Harness) -> None:
    sent = await harness.invoke("article show", article="short-article", length="long")
    assert len(sent) == 1
    message = sent[0]
    assert message.kind == "message"
    assert not message.ephemeral
    assert_message_within_limits(message)
    main, notes = message.embeds
    assert main["title"] == "Tyranny toppled by its victims"
    assert main["url"] == "https://example.org/articles/short"
    assert "Hazel Croft" in main["author"]["name"]
    assert "Socialist Worker" in main["author"]["name"]
    assert "8 March 2003" in main["author"]["name"]
    assert main["description"].startswith("A long summary.")
    names = [f["name"] for f in main["fields"]]
    assert "Key points" in names
    assert "Original" in names
    assert "Source pack: Test pack" in main["footer"]["text"]
    assert notes["title"] == "What the record says"
    assert "The record says otherwise." in notes["fields"][0]["value"]
    (select,) = message.selects()
    assert [o["value"] for o in select["options"]] == ["east-berlin-1953", "hungary-1956"]
    assert message.button("What the record says")


async def test_article_show_picking_an_event_opens_it_privately(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="short-article")
    (select,) = message.selects()
    (opened,) = await harness.click(message, select["custom_id"], values=["hungary-1956"], user_id=BOB)
    assert opened.kind == "message"
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
        assert len(message.selects()) == 2  # 40 events: 25 + 15
        assert sum(len(s["options"]) for s in message.selects()) == 40


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
    assert "2 article(s)" in message.embeds[0]["description"]
    (select,) = message.selects()
    assert {o["value"] for o in select["options"]} == {"short-article", "long-article"}


async def test_article_show_does_not_guess(harness: Harness) -> None:
    (message,) = await harness.invoke("article show", article="o'brien")
    assert message.ephemeral
    assert not message.embeds
    assert message.content.startswith("No article matches “o'brien”.")
    (typo,) = await harness.invoke("article show", article="tyrany toppld")
    assert typo.embeds[0]["title"] == "Tyranny toppled by its victims"
