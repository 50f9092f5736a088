"""/onthisday and /timeline through the real command tree."""

from __future__ import annotations

import datetime as dt

from conftest import ALICE, Harness, assert_message_within_limits


async def test_onthisday_today_uses_utc_in_dms(harness: Harness) -> None:
    # 17 June 2026 23:30 UTC is still 17 June in UTC.
    harness.clock.set(dt.datetime(2026, 6, 17, 23, 30, tzinfo=dt.UTC))
    (message,) = await harness.invoke("onthisday", guild=False)
    assert_message_within_limits(message)
    (embed,) = message.embeds
    assert embed["title"] == "On this day: 17 June"
    assert "(UTC)" in embed["description"]
    # The builders' strike spans 16-17 June; the uprising is on the 17th.
    assert "East Berlin builders' strike" in embed["description"]
    assert "East German uprising" in embed["description"]


async def test_onthisday_given_date(harness: Harness) -> None:
    (message,) = await harness.invoke("onthisday", date="8 March")
    (embed,) = message.embeds
    assert embed["title"] == "On this day: 8 March"
    assert "Bread riots in Petrograd" in embed["description"]
    assert "(old style: 23 February 1917)" in embed["description"]
    (select,) = message.selects()
    assert select["options"][0]["value"] == "petrograd-1917"


async def test_onthisday_empty_day_falls_back_to_the_week(harness: Harness) -> None:
    (message,) = await harness.invoke("onthisday", date="10 March")
    (embed,) = message.embeds
    assert embed["title"] == "This week in history: around 10 March"
    assert "Bread riots in Petrograd" in embed["description"]


async def test_onthisday_nothing_nearby_says_so(harness: Harness) -> None:
    (message,) = await harness.invoke("onthisday", date="25 December")
    assert "Nothing in the library for 25 December" in message.embeds[0]["description"]
    assert message.selects() == []


async def test_onthisday_bad_date_is_a_friendly_private_error(harness: Harness) -> None:
    (message,) = await harness.invoke("onthisday", date="31 February")
    assert message.ephemeral
    assert "February" in message.content


async def test_timeline_is_chronological_and_paged(harness: Harness) -> None:
    (message,) = await harness.invoke("timeline", from_year=1953, to_year=1970)
    assert_message_within_limits(message)
    description = message.embeds[0]["description"]
    assert description.index("East Berlin builders") < description.index("Hungarian Revolution")
    assert "1953–1970" in message.embeds[0]["title"]
    (everything,) = await harness.invoke("timeline")
    assert everything.button("/ 11")["label"] == "1 / 11"  # 66 events, 6 a page
    (page,) = await harness.click(everything, everything.button("Last")["custom_id"], user_id=ALICE)
    assert_message_within_limits(page)


async def test_timeline_filters_by_tag_and_place(harness: Harness) -> None:
    (message,) = await harness.invoke("timeline", tag="revolution")
    description = message.embeds[0]["description"]
    assert "Petrograd" in description
    assert "Dockers" not in description
    (poland,) = await harness.invoke("timeline", place="gdansk")
    assert "Strike wave in Poland" in poland.embeds[0]["description"]


async def test_timeline_nothing_found_is_friendly(harness: Harness) -> None:
    (message,) = await harness.invoke("timeline", from_year=1000, to_year=1100)
    assert message.ephemeral
    assert "No events" in message.content
