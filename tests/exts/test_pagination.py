"""Pagination and menus: buttons, owner-only page turning, disabling on timeout."""

from __future__ import annotations

import asyncio

from conftest import ALICE, BOB, Harness, assert_message_within_limits


async def test_buttons_are_disabled_when_the_view_times_out(harness: Harness) -> None:
    harness.bot.view_timeout = 0.1
    (message,) = await harness.invoke("timeline")
    assert message.button("Next")["disabled"] is False
    for _ in range(50):
        await asyncio.sleep(0.05)
        if harness.adapter.sent[-1].kind == "edit":
            break
    edit = harness.adapter.sent[-1]
    assert edit.kind == "edit"
    assert edit.path.endswith("/messages/@original")
    assert edit.components
    for row in edit.components:
        for component in row["components"]:
            assert component["disabled"] is True
    assert_message_within_limits(edit)


async def test_first_previous_next_last_move_through_pages(harness: Harness) -> None:
    (page1,) = await harness.invoke("timeline")
    (page2,) = await harness.click(page1, page1.button("Next")["custom_id"], user_id=ALICE)
    assert page2.button("/ 11")["label"] == "2 / 11"
    assert page2.button("Previous")["disabled"] is False
    (last,) = await harness.click(page2, page2.button("Last")["custom_id"], user_id=ALICE)
    assert last.button("/ 11")["label"] == "11 / 11"
    (back,) = await harness.click(last, last.button("Previous")["custom_id"], user_id=ALICE)
    assert back.button("/ 11")["label"] == "10 / 11"
    (first,) = await harness.click(back, back.button("First")["custom_id"], user_id=ALICE)
    assert first.button("/ 11")["label"] == "1 / 11"
    assert first.embeds == page1.embeds
    # Each page's menu lists that page's events.
    assert first.selects()[0]["options"] != page2.selects()[0]["options"]


async def test_someone_else_can_open_items_but_not_turn_pages(harness: Harness) -> None:
    (page1,) = await harness.invoke("timeline")
    (refused,) = await harness.click(page1, page1.button("Last")["custom_id"], user_id=BOB)
    assert refused.ephemeral
    assert "Only the person who ran this command" in refused.content
    select = page1.selects()[0]
    (opened,) = await harness.click(page1, select["custom_id"], values=[select["options"][0]["value"]], user_id=BOB)
    assert opened.ephemeral
    assert opened.embeds


async def test_single_page_has_no_page_buttons(harness: Harness) -> None:
    (message,) = await harness.invoke("onthisday", date="8 March")
    labels = [b["label"] for b in message.buttons()]
    assert labels == []
    assert len(message.selects()) == 1


def test_a_listing_page_becomes_a_page_of_embeds_built_on_demand() -> None:
    from bot.ui.embeds import message_embeds
    from bot.ui.layout import Card, Option
    from bot.ui.listing import Listing, ListPage
    from bot.ui.pagination import listing_source

    asked: list[int] = []

    def page(number: int) -> ListPage:
        asked.append(number)
        card = Card(title=f"Page {number + 1}", description="Some events", kind="list")
        return ListPage((card,), (Option(label=f"Event {number}", value=f"e{number}"),))

    source = listing_source(Listing(3, page))
    assert asked == []
    shown = source(2)
    assert asked == [2]
    assert [e.to_dict() for e in shown.embeds] == [e.to_dict() for e in message_embeds(page(2).cards)]
    assert shown.options == (Option(label="Event 2", value="e2"),)
