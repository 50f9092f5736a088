"""The real bot, started through ``python -m bot run`` unchanged, against the fake: a first smoke scenario.

(The full scenario list of issue 7 comes later; this proves the harness drives the real entry point.)
"""

from __future__ import annotations

from fakediscord import FakeDiscord

from .conftest import SpawnBot

GLOBAL_COMMANDS = "/applications/{application_id}/commands"


async def test_starts_registers_answers_help_and_stops_on_sigterm(fake: FakeDiscord, spawn_bot: SpawnBot) -> None:
    bot = await spawn_bot()
    try:
        await fake.wait_for_ready(within=30)
        put = await fake.wait_for_request("PUT", GLOBAL_COMMANDS, within=10)
    except TimeoutError:
        raise AssertionError(bot.log()[-3000:]) from None
    assert put.status == 200, put.problems
    names = [c["name"] for c in put.body]
    assert len(names) == len(set(names))
    assert "help" in names

    rec = await fake.slash("help", user="newcomer")
    cb = await fake.wait_for_callback(rec, within=5)
    assert cb.status == 200
    assert cb.body["type"] == 4
    assert cb.body["data"]["embeds"], cb.body

    assert await bot.stop() == 0, bot.log()[-3000:]
    await fake.wait_for(lambda: not fake.connections, 2, "gateway closed")
    # every body the bot sent is checked against Discord's limits by the ``fake`` fixture at teardown
