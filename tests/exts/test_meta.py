"""/help and /about."""

from __future__ import annotations

import datetime as dt

from conftest import Harness, assert_message_within_limits

from bot import __version__


async def test_help_lists_every_command_privately(harness: Harness) -> None:
    (message,) = await harness.invoke("help")
    assert message.ephemeral
    assert_message_within_limits(message)
    (embed,) = message.embeds
    text = embed["description"] + "".join(f["name"] + f["value"] for f in embed["fields"])
    for command in harness.bot.tree.get_commands():
        assert f"/{command.name}" in text, command.name
    assert "/event search query:strike year:1953" in text


async def test_about_reports_version_library_and_uptime(harness: Harness) -> None:
    harness.clock.advance(dt.timedelta(hours=2, minutes=3, seconds=4))
    harness.bot.source_url = "https://example.org/code"
    (message,) = await harness.invoke("about", guild=False)
    assert_message_within_limits(message)
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert fields["Version"] == __version__
    assert fields["Uptime"] == "2h 3m 4s"
    assert fields["Latency"] == "not connected"
    library = harness.bot.library
    assert f"{len(library.events)} events" in fields["Library"]
    assert f"{len(library.articles)} articles" in fields["Library"]
    assert fields["Source"] == "[Code and issue tracker](https://example.org/code)"
