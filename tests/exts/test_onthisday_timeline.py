"""/onthisday and /timeline through the real command tree."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import ALICE, GUILD_ID, Harness, RecordingAdapter, assert_message_within_limits, make_harness

from bot.core.models import Library
from bot.core.scheduling import Schedule
from bot.storage import Database, SettingsRepository


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


async def test_onthisday_today_uses_the_server_timezone_from_storage(
    test_library: Library, adapter: RecordingAdapter, tmp_path: Path
) -> None:
    db = await Database.open(tmp_path / "tz.sqlite3")
    try:
        await SettingsRepository(db).save(Schedule(guild_id=GUILD_ID, timezone="Pacific/Auckland"))
        harness = await make_harness(test_library, adapter, tmp_path, db=db)
        try:
            # 16 June 2026 13:00 UTC is already 17 June (01:00) in Auckland, still 16 June in UTC.
            harness.clock.set(dt.datetime(2026, 6, 16, 13, 0, tzinfo=dt.UTC))
            (in_server,) = await harness.invoke("onthisday", guild=True)
            assert in_server.embeds[0]["title"] == "On this day: 17 June"
            assert "(Pacific/Auckland)" in in_server.embeds[0]["description"]
            (in_dm,) = await harness.invoke("onthisday", guild=False)
            assert in_dm.embeds[0]["title"] == "On this day: 16 June"
        finally:
            await harness.bot.close()
    finally:
        await db.close()


async def test_onthisday_lines_say_how_long_ago_and_count_in_words(harness: Harness) -> None:
    (message,) = await harness.invoke("onthisday", date="8 March")
    description = message.embeds[0]["description"]
    assert description.startswith("1 event on 8 March.")
    assert "8 March 1917 (old style: 23 February 1917), 109 years ago · Petrograd, Russia" in description
    assert "(s)" not in description


async def test_timeline_of_one_year_and_of_nothing_reads_as_english(harness: Harness) -> None:
    (message,) = await harness.invoke("timeline", from_year=1970, to_year=1970)
    embed = message.embeds[0]
    assert embed["title"] == "Timeline · 1970"
    assert embed["description"].startswith("12 events in 1970.")
    (none,) = await harness.invoke("timeline", from_year=3000)
    assert none.ephemeral
    assert none.content.startswith("No events from 3000 on. Try a wider range")
