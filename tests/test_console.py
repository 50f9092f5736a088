"""``python -m bot console``: driven through standard input, as a real subprocess."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli.console import (
    BY_PATH,
    CHANNEL_ID,
    CHANNEL_NAME,
    ROLES,
    Screen,
    parse_command,
    parse_options,
)
from bot.core.errors import UserInputError
from bot.ui.layout import Card, Field
from bot.ui.terminal import plain_markdown
from bot.ui.terminal import resolve_markup as resolve_with

ROOT = Path(__file__).resolve().parents[1]


def run_console(script: str, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--database", str(database), *args],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=next(p for p in database.parents if p.is_dir()),
        timeout=120,
        check=False,
    )


def answers(output: str) -> dict[str, str]:
    """Each echoed command and the output that follows it (until the next command).

    A command typed again is keyed ``"<command> #2"``, ``"<command> #3"``...
    """
    found: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []

    def keep() -> None:
        if current is None:
            return
        key, n = current, 1
        while key in found:
            n += 1
            key = f"{current} #{n}"
        found[key] = "\n".join(lines)

    for line in output.splitlines():
        if line.startswith("from-below> "):
            keep()
            current, lines = line.removeprefix("from-below> "), []
        else:
            lines.append(line)
    keep()
    return found


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# --- through standard input -------------------------------------------------------------------


def test_lookups_show_the_same_content_as_the_embeds(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/onthisday 17 june",
            "/event search vorkuta",
            "open 2",
            "/event search vorkuta strike year:1953",
            "/event show Prisoners' strike in the Vorkuta camps",
            "/article show tyranny length:long",
            "notes",
            "/article list",
            "/help",
            "/about",
        ]
    )
    result = run_console(script + "\n", tmp_path / "db.sqlite3")
    assert_clean(result)
    out = answers(result.stdout)
    assert "The uprising of 17 June in East Germany" in out["/onthisday 17 june"]
    assert "events on 17 June." in out["/onthisday 17 june"]
    search = out["/event search vorkuta"]
    assert "Prisoners' strike in the Vorkuta camps" in search
    assert "events for vorkuta" in search
    # The menu, as numbered options; the event the article discusses comes first among equals.
    assert "1. Prisoners' strike in the Vorkuta camps" in search
    assert "2. Troops fire on striking prisoners at Vorkuta's Mine 29" in search
    opened = out["open 2"]
    assert opened.splitlines()[0] == "Troops fire on striking prisoners at Vorkuta's Mine 29"
    assert "Sources:" in opened
    assert "Date:" in opened
    # Positional text fills the first option up to the next name:value.
    assert "2 events for vorkuta strike · in 1953" in out["/event search vorkuta strike year:1953"]
    assert out["/event show Prisoners' strike in the Vorkuta camps"].splitlines()[0] == (
        "Prisoners' strike in the Vorkuta camps"
    )
    article = out["/article show tyranny length:long"]
    assert "Tyranny toppled by its victims" in article
    assert "Long summary" in article
    assert "What the record says" in article
    assert "What the record says (1/" in out["notes"]
    assert "Tyranny toppled by its victims" in out["/article list"]
    help_text = out["/help"]
    assert "/event search query:strike year:1953" in help_text
    assert "Daily posts" in help_text  # the /settings section, as the cog declares it
    about = out["/about"]
    assert "About From Below" in about
    assert "not connected" in about
    assert "1 article, " in about
    assert " events\n" in about
    # Markdown markers are gone in plain text.
    assert "**" not in result.stdout


def test_pages_turn_with_next_prev_and_page(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/timeline from_year:1953 to_year:1956",
            "next",
            "prev",
            "page 3",
            "page 99",
            "last",
            "open 1",
        ]
    )
    result = run_console(script + "\n", tmp_path / "db.sqlite3")
    assert_clean(result)
    out = answers(result.stdout)
    first = out["/timeline from_year:1953 to_year:1956"]
    assert "Timeline · 1953–1956" in first
    total = int(first.split("Page 1 of ")[1].split(":")[0])
    assert total > 2
    assert "Death of Stalin" in first
    assert f"Page 2 of {total}" in out["next"]
    assert "Death of Stalin" not in out["next"]
    assert f"Page 1 of {total}" in out["prev"]
    assert "Death of Stalin" in out["prev"]
    assert f"Page 3 of {total}" in out["page 3"]
    assert f"There is no page 99: pages run from 1 to {total}." in out["page 99"]
    assert f"Page {total} of {total}" in out["last"]
    assert "Sources:" in out["open 1"]


def test_bad_input_gets_friendly_messages_and_no_traceback(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/bogus",
            "/event",
            "/event frobnicate",
            "/event search",
            "/timeline from_year:abc",
            "/timeline from_year:1953 to_year:1953 tag:nonsense-tag",
            "/event search zzzzqqqq",
            "/onthisday 31 february",
            "/article show tyranny length:huge",
            "/event show xqzxqzxqz",
            "next",
            "open 4",
            "/about extra",
        ]
    )
    result = run_console(script + "\n", tmp_path / "db.sqlite3")
    assert_clean(result)
    out = answers(result.stdout)
    assert "There is no command /bogus" in out["/bogus"]
    assert "/event has no subcommand: use one of show, search." in out["/event"]
    assert "no subcommand frobnicate" in out["/event frobnicate"]
    assert "/event search needs query" in out["/event search"]
    assert "from_year must be a whole number" in out["/timeline from_year:abc"]
    assert "There is no tag “nonsense-tag”" in out["/timeline from_year:1953 to_year:1953 tag:nonsense-tag"]
    assert "No events match “zzzzqqqq”" in out["/event search zzzzqqqq"]
    assert "February has at most 29 days" in out["/onthisday 31 february"]
    assert "short, medium or long" in out["/article show tyranny length:huge"]
    assert "No event matches “xqzxqzxqz”." in out["/event show xqzxqzxqz"]
    assert "no pages to turn" in out["next"]
    assert "nothing to open" in out["open 4"]
    assert "takes no options" in out["/about extra"]


def test_settings_are_checked_saved_and_persist_across_runs(tmp_path: Path) -> None:
    database = tmp_path / "data" / "console.sqlite3"
    first = run_console(
        "\n".join(
            [
                "/settings time 21:30",
                "/settings time 25:00",
                "/settings show",
                "/settings time 09:00",
                "/settings timezone berlin",
                "/settings timezone nowhere-at-all",
                "/settings days mon-fri",
                "/settings packs revolts-against-stalinism",
                "/settings packs nope",
                "/settings show",
            ]
        )
        + "\n",
        database,
    )
    assert_clean(first)
    out = answers(first.stdout)
    assert "Daily posts will go out at 21:30 (UTC time)." in out["/settings time 21:30"]
    assert "“25:00” is not a time of day: hours run from 00 to 23." in out["/settings time 25:00"]
    # Unchanged by the bad value.
    assert "21:30 (UTC)" in out["/settings show"]
    assert "Daily posts will go out at 09:00 (UTC time)." in out["/settings time 09:00"]
    assert "Timezone set to Europe/Berlin" in out["/settings timezone berlin"]
    assert "is not a timezone I know" in out["/settings timezone nowhere-at-all"]
    assert "Monday to Friday" in out["/settings days mon-fri"]
    assert "I don't know a pack called “nope”" in out["/settings packs nope"]
    assert database.is_file()

    second = run_console("/settings show\n", database)
    assert_clean(second)
    shown = answers(second.stdout)["/settings show"]
    assert "09:00 (Europe/Berlin)" in shown
    assert "Monday to Friday" in shown
    assert "Revolts against Stalinism" in shown
    assert "These are the defaults" not in shown


def test_channel_role_pause_resume_preview_and_onthisday_timezone(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/settings resume",
            "/settings channel #random",
            "/settings channel #general",
            "/settings role @everyone",
            "/settings role @history-fans",
            "/settings empty-days week",
            "/settings empty-days sometimes",
            "/settings pause",
            "/settings pause",
            "/settings resume",
            # Every day has an event in the whole library; 18 June has none in this pack.
            "/settings packs revolts-against-stalinism",
            "/settings timezone Pacific/Kiritimati",
            "/onthisday",
            "/settings preview",
            "/settings test-post mention_role:yes",
            "/settings show",
        ]
    )
    # 23:30 UTC on 16 June is already 17 June in Kiritimati (UTC+14).
    result = run_console(script + "\n", tmp_path / "db.sqlite3", "--now", "2026-06-16T23:30Z")
    assert_clean(result)
    out = answers(result.stdout)
    assert "Choose a channel first" in out["/settings resume"]
    assert "no channel “#random”" in out["/settings channel #random"]
    assert "Daily posts will go to #general." in out["/settings channel #general"]
    assert "Next post:" in out["/settings channel #general"]
    assert "can't ping @everyone" in out["/settings role @everyone"]
    assert "Daily posts will ping @history-fans." in out["/settings role @history-fans"]
    assert "post that week in history instead" in out["/settings empty-days week"]
    assert "Choose skip, week or article." in out["/settings empty-days sometimes"]
    assert "Daily posts are paused." in out["/settings pause"]
    assert "already paused" in out["/settings pause #2"]
    assert "Daily posts are on again." in out["/settings resume #2"]
    assert "(Pacific/Kiritimati)" in out["/onthisday"]
    assert "On this day: 17 June" in out["/onthisday"]
    preview = out["/settings preview"]
    assert "Next daily post:" in preview
    assert "in #general, pinging @history-fans." in preview
    # Changing the timezone after 09:00 Kiritimati time skipped today's post: the next is tomorrow's.
    assert "Wednesday, 17 June 2026 19:00 UTC" in preview
    assert "This week in history: around 18 June" in preview  # empty-days week: nothing on 18 June itself
    test_post = out["/settings test-post mention_role:yes"]
    assert "Test post (sent with /settings test-post)" in test_post
    assert "@history-fans" in test_post
    shown = out["/settings show"]
    assert "#general" in shown
    assert "@history-fans" in shown
    assert "That week in history (week)" in shown
    assert "<t:" not in result.stdout  # Discord timestamps are written out


def test_quit_stops_and_comments_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    result = run_console("# a comment\n\n/onthisday 17 june\nquit\n/event search vorkuta\n", tmp_path / "db.sqlite3")
    assert_clean(result)
    assert "East Germany" in result.stdout
    assert "Vorkuta" not in result.stdout
    assert "a comment" not in result.stdout


def test_console_help_lists_every_command(tmp_path: Path) -> None:
    result = run_console("help\n", tmp_path / "db.sqlite3")
    assert_clean(result)
    for path in BY_PATH:
        assert f"/{path}" in result.stdout
    assert "quit" in result.stdout


# --- in-process pieces ------------------------------------------------------------------------


def test_parse_options_like_discords_client() -> None:
    search = parse_command("/event search east berlin strike year:1953 place:East Berlin")
    assert search.command.path == "event search"
    assert search.values == {"query": "east berlin strike", "year": 1953, "place": "East Berlin"}
    assert parse_command("/settings time 09:00").values == {"time": "09:00"}
    assert parse_command("/settings time time:9:30 pm").values == {"time": "9:30 pm"}
    assert parse_command("/ONTHISDAY date:17 June").values == {"date": "17 June"}
    assert parse_command("onthisday").values == {}
    # A word with a colon that is not an option name stays part of the value.
    assert parse_options(BY_PATH["event search"], "note: strike")["query"] == "note: strike"
    assert parse_options(BY_PATH["event show"], 'event:"Death of Stalin"') == {"event": "Death of Stalin"}
    with pytest.raises(UserInputError, match="given twice"):
        parse_command("/event search strike query:again")
    with pytest.raises(UserInputError, match="between 1 and 9999"):
        parse_command("/timeline from_year:0")
    with pytest.raises(UserInputError, match="at most 200 characters"):
        parse_command("/event search " + "x" * 201)


def test_markup_is_written_out() -> None:
    now = dt.datetime(2026, 6, 17, 8, 0, tzinfo=dt.UTC)
    at = int(dt.datetime(2026, 6, 17, 9, 0, tzinfo=dt.UTC).timestamp())
    text = resolve_with(
        f"Next: <t:{at}:F> (<t:{at}:R>) in <#{CHANNEL_ID}>, pinging <@&3>",
        now,
        {CHANNEL_ID: CHANNEL_NAME},
        {v: k for k, v in ROLES.items()},
    )
    assert text == "Next: Wednesday, 17 June 2026 09:00 UTC (in 1 hour) in #general, pinging @history-fans"
    assert plain_markdown(r"**Bold** *it* `code` [Wiki](https://x.org/a) \*star\*") == (
        "Bold it code Wiki <https://x.org/a> *star*"
    )


def test_rich_screen_draws_cards_without_markdown_markers() -> None:
    buffer = io.StringIO()
    screen = Screen(buffer, rich=True, now=lambda: dt.datetime(2026, 6, 17, tzinfo=dt.UTC), width=100)
    card = Card(
        title="The uprising of 17 June",
        description="**Strikes** swept [East Berlin](https://example.org/berlin).",
        fields=(Field("Date", "17 June 1953", inline=True), Field("Place", "East Berlin", inline=True)),
        footer="Source pack: Revolts",
        kind="event",
    )
    screen.cards([card])
    drawn = buffer.getvalue()
    assert "The uprising of 17 June" in drawn
    assert "Strikes swept East Berlin" in drawn
    assert "**" not in drawn
    assert "17 June 1953" in drawn
    assert "Source pack: Revolts" in drawn
    assert "╭" in drawn or "┌" in drawn  # a panel


def test_rich_output_from_the_subprocess(tmp_path: Path) -> None:
    result = run_console("/onthisday 17 june\n", tmp_path / "db.sqlite3", "--rich", "--width", "120")
    assert_clean(result)
    assert "The uprising of 17 June in East Germany" in result.stdout
    assert "On this day: 17 June" in result.stdout


def test_a_change_after_todays_post_time_waits_for_tomorrow(tmp_path: Path) -> None:
    # 12:00 UTC: the default 09:00 UTC post time has passed, so the first channel starts tomorrow.
    script = "/settings channel general\n/settings show\n/settings time 15:00\n"
    result = run_console(script, tmp_path / "db.sqlite3", "--now", "2026-06-17T12:00Z")
    assert_clean(result)
    out = answers(result.stdout)
    assert "Next post: Thursday, 18 June 2026 09:00 UTC" in out["/settings channel general"]
    shown = out["/settings show"]
    assert "Last post:\nNothing posted yet." in shown
    assert "skipped" not in shown
    # Today's post was already skipped; a later time today does not bring it back.
    assert "Next post: Thursday, 18 June 2026 15:00 UTC" in out["/settings time 15:00"]


#: What each "does not load discord" check starts with: the services, the ui's listings and the
#: shipped library ``lib`` (with its lookups ``lookups``).
QUERIES_PRELUDE = (
    "import sys, datetime as dt\n"
    "from bot.config import load_settings\n"
    "from bot.content_loader import load_library\n"
    "from bot.core.search import SearchIndex\n"
    "from bot.services.lookups import Lookups\n"
    "from bot.ui import listing\n"
    "lib = load_library(load_settings({}, dotenv=False).content_dirs).library\n"
    "lookups = Lookups(lib, SearchIndex.build(lib))\n"
)


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """``QUERIES_PRELUDE`` and ``code`` in a fresh interpreter (nothing imported yet), without secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", QUERIES_PRELUDE + code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_the_lookup_services_do_not_load_discord() -> None:
    code = (
        "now = dt.datetime(2026, 6, 17, tzinfo=dt.UTC)\n"
        "assert listing.day_listing(lib, lookups.on_this_day('17 june', 'UTC', now)).page(0).cards\n"
        "assert listing.search_listing(lib, lookups.search_events('vorkuta')).page(0).options\n"
        "assert listing.timeline_listing(lib, lookups.timeline(1953, 1956)).pages > 1\n"
        "assert listing.article_listing(lib, lookups.articles()).page(0).cards\n"
        "assert lookups.find_event('vorkuta')\n"
        "print('discord' in sys.modules)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_settings_service_does_not_load_discord(tmp_path: Path) -> None:
    code = (
        "import asyncio\n"
        "from bot.core.clock import FakeClock\n"
        "from bot.services.settings import ScheduleSettings\n"
        "from bot.storage import open_database\n"
        "from bot.ui.settings_text import confirmation, preview_lines, settings_card\n"
        "now = dt.datetime(2026, 6, 17, 8, tzinfo=dt.UTC)\n"
        "async def main():\n"
        f"    db = await open_database({str(tmp_path / 'db.sqlite3')!r})\n"
        "    try:\n"
        "        settings = ScheduleSettings(db, FakeClock(now))\n"
        "        await settings.set_channel(1, 2)\n"
        "        await settings.set_packs(1, 'all', lib)\n"
        "        saved = await settings.set_empty_days(1, 'week')\n"
        "        assert 'Next post' in confirmation(saved.change, saved.next_post_at, lib, now)\n"
        "        assert settings_card(await settings.status(1), lib).fields\n"
        "        shown = await settings.preview(1, lib)\n"
        "        assert preview_lines(shown.schedule, shown.at, shown.post, lib)\n"
        "        assert await settings.test_post(1, lib)\n"
        "    finally:\n"
        "        await db.close()\n"
        "asyncio.run(main())\n"
        "print('discord' in sys.modules)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_tab_completion_offers_commands_subcommands_and_unused_options() -> None:
    from bot.cli.console import completions

    assert completions("/ev") == ["/event"]
    assert completions("/event ") == ["show", "search"]
    assert completions("/settings ti") == ["time", "timezone"]
    assert completions("/event search vorkuta y") == ["year:"]
    # query is filled by the text, year by name: neither is offered again.
    assert completions("/event search vorkuta year:1953 ") == ["from_year:", "to_year:", "place:", "tag:"]
    assert completions("ne") == ["next"]
    assert completions("/nothing ") == []


def test_an_unexpected_error_is_one_line_and_the_session_goes_on(tmp_path: Path) -> None:
    import asyncio

    from bot.cli.console import open_session
    from bot.config import load_settings

    async def scenario() -> str:
        buffer = io.StringIO()
        screen = Screen(buffer, rich=False, now=lambda: dt.datetime(2026, 6, 17, tzinfo=dt.UTC))
        settings = load_settings({}, dotenv=False)
        from bot.core.clock import FakeClock

        session, _ = await open_session(
            settings, screen, database=tmp_path / "db.sqlite3", clock=FakeClock(dt.datetime(2026, 6, 17, tzinfo=dt.UTC))
        )

        async def broken(values: dict[str, Any]) -> None:
            raise RuntimeError("boom")

        session._handlers["about"] = broken
        try:
            assert await session.handle("/about")
            assert await session.handle("/onthisday 17 june")
            assert not await session.handle("exit")
        finally:
            await session.close()
        return buffer.getvalue()

    out = asyncio.run(scenario())
    assert "Something went wrong (RuntimeError: boom); run with --debug for details." in out
    assert "Traceback" not in out
    assert "East Germany" in out


def test_article_show_is_the_same_first_screen_with_points_notes_and_events_on_demand(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/article show tyranny length:short",
            "points",
            "events",
            "open 1",
            "notes",
            "events tyranny",
            "/onthisday 17 june",
            "points",
        ]
    )
    result = run_console(script + "\n", tmp_path / "db.sqlite3", "--plain")
    assert_clean(result)
    out = answers(result.stdout)
    first = out["/article show tyranny length:short"]
    assert "The argument:" in first
    assert "Key points:" not in first  # not on the first screen
    assert "The article says" not in first  # nor the context notes
    assert "`points` Key points (8)" not in first  # plain text: no backticks
    assert "points Key points (8) · notes What the record says (6) · events Events (27)" in first
    assert out["points"].count("• ") == 8
    assert "The article mentions 27 events." in out["events"]
    assert "Page 1 of 3" in out["events"]
    # The events page's menu opens an event; the article is still the one `notes` means.
    assert "International Women's Day strike opens the February Revolution" in out["open 1"]
    assert "What the record says (1/6)" in out["notes"]
    assert "The article mentions 27 events." in out["events tyranny"]
    # `points` after another command still means the last article opened.
    assert out["points #2"].count("• ") == 8


def test_the_command_table_is_the_real_command_tree() -> None:
    """Every slash command, description and option limit comes from the bot's app_commands tree."""
    import asyncio

    from discord import app_commands

    from bot.app import Bot
    from bot.cli.console import command_table
    from bot.config import load_settings
    from bot.core.clock import SystemClock
    from bot.core.models import Library
    from bot.services import Services

    async def tree() -> dict[str, app_commands.Command[Any, ..., Any]]:
        services = Services.build(Library.empty(), SystemClock())
        bot = Bot(settings=load_settings({}, dotenv=False), services=services, run_background_tasks=False)
        await bot.load_extensions()
        services.close()
        return {c.qualified_name: c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)}

    real = asyncio.run(tree())
    table = command_table()
    assert set(table.by_path) == set(real)
    for path, command in table.by_path.items():
        assert command.description == real[path].description
        assert [o.name for o in command.options] == [p.name for p in real[path].parameters]
        assert [o.required for o in command.options] == [p.required for p in real[path].parameters]
    search = table.by_path["event search"]
    assert next(o for o in search.options if o.name == "query").max_length == 200
    assert next(o for o in search.options if o.name == "year").kind == "int"


def test_several_schedules_in_the_console(tmp_path: Path) -> None:
    database = tmp_path / "data" / "console.sqlite3"
    script = [
        "/settings add labour kind:weekly",
        "/settings time 07:00 schedule:labour",
        "/settings tags strike schedule:labour",
        "/settings show",
        "/settings rename labour new_name:digest",
        "/settings preview schedule:digest",
        "/settings time 08:00 schedule:nope",
        "/settings remove digest",
    ]
    result = run_console("\n".join(script) + "\n", database, "--now", "2026-06-17T08:00Z")
    assert_clean(result)
    out = answers(result.stdout)
    assert "Added the weekly schedule labour" in out["/settings add labour kind:weekly"]
    assert "07:00" in out["/settings time 07:00 schedule:labour"]
    assert "events tagged strike" in out["/settings tags strike schedule:labour"]
    shown = out["/settings show"]
    assert "Scheduled posts (2 of 10)" in shown
    assert "daily" in shown
    assert "labour" in shown
    assert "The week ahead in history: 22 June to 28 June" in out["/settings preview schedule:digest"]
    assert "no schedule called “nope”" in out["/settings time 08:00 schedule:nope"]
    assert "The other schedules (daily) keep posting." in out["/settings remove digest"]
