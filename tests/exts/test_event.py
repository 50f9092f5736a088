"""/event show and /event search through the real command tree."""

from __future__ import annotations

from conftest import ALICE, BOB, Harness, assert_message_within_limits


async def test_event_show_gives_both_calendars_place_sources_and_related(harness: Harness) -> None:
    (message,) = await harness.invoke("event show", event="petrograd-1917")
    assert_message_within_limits(message)
    (embed,) = message.embeds
    assert embed["title"] == "Bread riots in Petrograd"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Date"] == "8 March 1917 (old style: 23 February 1917)"
    assert fields["Place"] == "Petrograd, Russia"
    assert "`revolution`" in fields["Tags"]
    assert "[Archive](https://example.org/petrograd-1917)" in fields["Sources"]
    assert embed["footer"]["text"] == "Source pack: Test pack"


async def test_event_show_related_events_open_from_the_menu(harness: Harness) -> None:
    (message,) = await harness.invoke("event show", event="east-berlin-1953")
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert "East German uprising" in fields["Related events"]
    assert "16 June 1953 – 17 June 1953" in fields["Date"]
    (select,) = message.selects()
    (opened,) = await harness.click(message, select["custom_id"], values=["east-german-uprising-1953"], user_id=BOB)
    assert opened.ephemeral
    assert opened.embeds[0]["title"].startswith("East German uprising")


async def test_event_show_cannot_ping_anyone(harness: Harness) -> None:
    (message,) = await harness.invoke("event show", event="east-german-uprising-1953")
    assert "@everyone" in message.embeds[0]["description"]  # shown as text...
    assert message.data["allowed_mentions"] == {"parse": []}  # ...but never a ping


async def test_event_show_longest_event_keeps_every_limit(harness: Harness) -> None:
    (message,) = await harness.invoke("event show", event="very-long")
    assert_message_within_limits(message)
    (embed,) = message.embeds
    assert embed["title"].endswith("…")
    assert embed["description"].endswith("…")
    sources = next(f["value"] for f in embed["fields"] if f["name"] == "Sources")
    assert "more" in sources  # whole links only, then how many were left out
    assert len(message.selects()) == 3  # 60 related events: 25 + 25 + 10


async def test_event_show_works_in_dms(harness: Harness) -> None:
    (message,) = await harness.invoke("event show", event="hungary-1956", guild=False)
    assert message.embeds[0]["title"] == "Hungarian Revolution"


async def test_event_autocomplete(harness: Harness) -> None:
    choices = await harness.autocomplete("event show", "event", event="hungarain")
    assert choices[0]["value"] == "hungary-1956"
    assert len(choices) <= 25


async def test_event_search_ranks_and_pages(harness: Harness) -> None:
    (message,) = await harness.invoke("event search", query="dockers strike")
    assert_message_within_limits(message)
    assert "60 events" in message.embeds[0]["description"]
    assert message.button("1 / 12")["disabled"] is True
    assert message.button("Previous")["disabled"] is True
    (page2,) = await harness.click(message, message.button("Next")["custom_id"], user_id=ALICE)
    assert page2.kind == "update"
    assert_message_within_limits(page2)
    assert "2 / 12" in page2.button("/ 12")["label"]
    (last,) = await harness.click(page2, page2.button("Last")["custom_id"], user_id=ALICE)
    assert "12 / 12" in last.button("/ 12")["label"]
    assert last.button("Next")["disabled"] is True


async def test_event_search_only_the_asker_turns_pages(harness: Harness) -> None:
    (message,) = await harness.invoke("event search", query="strike")
    (note,) = await harness.click(message, message.button("Next")["custom_id"], user_id=BOB)
    assert note.kind == "message"
    assert note.ephemeral
    assert "Only the person who ran this command" in note.content


async def test_event_search_filters(harness: Harness) -> None:
    (message,) = await harness.invoke("event search", query="strike", year=1953)
    description = message.embeds[0]["description"]
    assert "in 1953" in description
    assert "Dockers" not in description
    (message,) = await harness.invoke("event search", query="revolution", place="Hungary")
    assert "Hungarian Revolution" in message.embeds[0]["description"]
    assert "Petrograd" not in message.embeds[0]["description"]


async def test_event_search_bad_input_is_friendly(harness: Harness) -> None:
    (none_found,) = await harness.invoke("event search", query="xyzzyplugh")
    assert none_found.ephemeral
    assert "No events match" in none_found.content
    (both,) = await harness.invoke("event search", query="strike", year=1953, from_year=1950)
    assert both.ephemeral
    assert "either `year`" in both.content
    (tag,) = await harness.invoke("event search", query="strike", tag="nonsense")
    assert "no tag" in tag.content


async def test_event_search_year_out_of_range_is_rejected_by_the_tree(harness: Harness) -> None:
    (message,) = await harness.invoke("event search", query="strike", year=0)
    assert message.ephemeral
    assert "Traceback" not in message.content


async def test_event_search_place_and_tag_autocomplete(harness: Harness) -> None:
    places = await harness.autocomplete("event search", "place", query="x", place="gdan")
    assert places[0]["value"] == "Gdańsk"
    tags = await harness.autocomplete("event search", "tag", query="x", tag="dock")
    assert tags[0]["value"] == "dockers"


async def test_event_show_does_not_guess(harness: Harness) -> None:
    """Nonsense opens nothing; a bare year suggests up to three events; a typo still opens."""
    (nonsense,) = await harness.invoke("event show", event="o'brien")
    assert nonsense.ephemeral
    assert not nonsense.embeds
    assert nonsense.content.startswith("No event matches “o'brien”. Start typing")
    (year,) = await harness.invoke("event show", event="1953")
    assert year.content.startswith("No event matches “1953”. Did you mean:\n• ")
    assert "• East Berlin builders' strike (16 June 1953)" in year.content
    assert year.content.count("• ") <= 3
    (typo,) = await harness.invoke("event show", event="hungarain revolutoin")
    assert typo.embeds[0]["title"] == "Hungarian Revolution"
