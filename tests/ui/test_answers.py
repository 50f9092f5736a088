"""Answers a member reads on one screen, in one wording: daily posts, previews, settings, lists."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

from discord import AppCommandOptionType, app_commands

from bot.core.dates import HistoricalDate
from bot.core.models import Event, Source
from bot.core.posts import DailyPost
from bot.core.results import TimelineResult
from bot.core.scheduling import PostState, Schedule, ScheduleStatus
from bot.core.search import describe_filters, filters_phrase
from bot.errors import describe
from bot.ui.daily import daily_post_cards, post_heading
from bot.ui.embeds import daily_post_buttons
from bot.ui.layout import day_title, years_ago
from bot.ui.listing import timeline_listing
from bot.ui.settings_text import confirmation, preview_lines, settings_card, weekdays_phrase

# The awkward test library of tests/exts (its conftest is not a package module: load it by path).
_spec = importlib.util.spec_from_file_location(
    "exts_test_library", Path(__file__).resolve().parents[1] / "exts" / "conftest.py"
)
assert _spec is not None
assert _spec.loader is not None
_exts = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _exts
_spec.loader.exec_module(_exts)
LIBRARY = _exts.build_test_library()
NOW = dt.datetime(2026, 6, 17, 12, 0, tzinfo=dt.UTC)


def _post(kind: str, day: dt.date, events: tuple[Event, ...] = (), total: int = 0, **kw: object) -> DailyPost:
    return DailyPost(1, 1, day, kind, events=events, total=total or len(events), **kw)  # type: ignore[arg-type]


def _size(cards: tuple[object, ...]) -> int:
    return sum(c.size for c in cards)  # type: ignore[attr-defined]


# --- the daily post --------------------------------------------------------------------------------


async def test_article_post_is_one_card_with_summary_argument_and_buttons_for_the_rest() -> None:
    article = LIBRARY.articles["long-article"]
    post = _post("article", dt.date(2026, 6, 2), article=article)
    cards = daily_post_cards(post, LIBRARY)
    (card,) = cards  # no second "What the record says" card
    assert card.description.startswith("*Nothing in the library happened on 2 June, so here is something to read.*")
    assert [f.name for f in card.fields] == ["The argument"]
    assert _size(cards) < 2500  # it was two cards, about 6,000 characters
    view = daily_post_buttons(post, LIBRARY)
    assert view is not None
    assert view.is_finished()  # drawn, not kept (on the bot's loop): a persistent handler answers the ids
    assert [(b.label, b.custom_id) for b in view.children] == [  # type: ignore[attr-defined]
        ("Key points (10)", "fb:article:points:long-article"),
        ("What the record says (12)", "fb:article:notes:long-article"),
        ("Events (40)", "fb:article:events:long-article"),
    ]
    assert daily_post_buttons(_post("events", dt.date(2026, 6, 17)), LIBRARY) is None


def test_week_post_does_not_point_to_more_on_this_day() -> None:
    events = tuple(LIBRARY.events[i] for i in ("east-berlin-1953", "east-german-uprising-1953"))
    (card,) = daily_post_cards(_post("week", dt.date(2026, 6, 14), events, total=9), LIBRARY)
    assert "Nothing in the library happened on 14 June itself, so here is that week in history." in card.description
    assert "more on this day" not in card.description
    assert "7 more that week: see `/onthisday`." in card.description
    assert "73 years ago this week" in card.fields[0].value


def test_day_post_says_how_many_years_ago_today() -> None:
    events = (LIBRARY.events["east-german-uprising-1953"],)
    (card,) = daily_post_cards(_post("events", dt.date(2026, 6, 17), events, total=3), LIBRARY)
    assert card.fields[0].value.startswith("*17 June 1953 · 73 years ago today · Berlin, East Germany*")
    assert "2 more on this day: see `/onthisday`." in card.description


def test_years_ago_reads_naturally() -> None:
    event = LIBRARY.events["east-german-uprising-1953"]
    assert years_ago(event, 2026, "today") == "73 years ago today"
    assert years_ago(event, 1954, "today") == "1 year ago today"
    assert years_ago(event, 1953, "today") == "this year"
    assert years_ago(event, 1900) == ""
    assert years_ago(event, None) == ""


def test_week_post_across_new_year_counts_to_the_nearest_anniversary() -> None:
    event = Event(
        id="new-year",
        title="A strike at New Year",
        date=HistoricalDate(1954, 1, 2),
        places=("Berlin",),
        countries=(),
        description="Workers struck.",
        tags=(),
        sources=(Source("Archive", "https://example.org/x"),),
        pack="test-pack",
    )
    (card,) = daily_post_cards(_post("week", dt.date(2026, 12, 30), (event,)), LIBRARY)
    assert "73 years ago this week" in card.fields[0].value


def test_the_day_has_one_title_in_the_post_and_in_onthisday() -> None:
    events = (LIBRARY.events["east-german-uprising-1953"],)
    assert post_heading(_post("events", dt.date(2026, 6, 17), events)) == day_title("17 June", False)
    assert post_heading(_post("events", dt.date(2026, 6, 17), events)) == "On this day: 17 June"
    assert post_heading(_post("week", dt.date(2026, 6, 14), events)) == "This week in history: around 14 June"


# --- settings --------------------------------------------------------------------------------------


def test_preview_without_a_channel_does_not_contradict_itself() -> None:
    lines = preview_lines(Schedule(guild_id=1), NOW, None, LIBRARY)
    text = "\n".join(lines)
    assert "(no channel set yet)." not in text
    assert "once posting is on: Not set up yet" not in text
    assert lines[0] == "**No daily post yet:** choose a channel with `/settings channel` first."
    assert "With a channel, the next one would go out <t:" in lines[1]


def test_preview_of_a_paused_schedule_says_so_once() -> None:
    paused = Schedule(guild_id=1, channel_id=5, enabled=False)
    lines = preview_lines(paused, NOW, None, LIBRARY)
    assert lines[0].startswith("⏸️ Paused")
    assert lines[1].startswith("Once posting is on, the next one would go out <t:")
    assert lines[1].endswith(" in <#5>.")


def test_preview_of_an_active_schedule() -> None:
    lines = preview_lines(Schedule(guild_id=1, channel_id=5, role_id=7), NOW, None, LIBRARY)
    assert lines[0].startswith("**Next daily post:** <t:")
    assert lines[0].endswith(" in <#5>, pinging <@&7>.")


def test_days_read_as_english_in_every_sentence() -> None:
    assert weekdays_phrase(frozenset({5, 6})) == "on weekends"
    assert weekdays_phrase(frozenset(range(7))) == "every day"
    assert weekdays_phrase(frozenset(range(5))) == "Monday to Friday"
    assert weekdays_phrase(frozenset({0, 2, 4})) == "on Monday, Wednesday and Friday"
    from bot.core.changes import set_days

    change = set_days(Schedule(guild_id=1, channel_id=5), "weekends")
    assert confirmation(change, None, LIBRARY, NOW).startswith("Daily posts will go out on weekends.")


def test_settings_show_fields_read_as_sentences() -> None:
    status = ScheduleStatus(Schedule(guild_id=1, weekdays=frozenset({0, 3})), False, None, None, None)
    fields = {f.name: f.value for f in settings_card(status, LIBRARY).fields}
    assert fields["Empty days"] == "Nothing is posted (`skip`)"
    assert fields["Days"] == "Monday and Thursday"
    assert fields["Last post"] == "Nothing posted yet."


def test_claimed_post_says_tried_once_not_times() -> None:
    state = PostState(
        guild_id=1,
        schedule_id=1,
        local_date=dt.date(2026, 6, 17),
        status="claimed",
        claimed_at=NOW,
        attempts=1,
        error="Discord answered 503",
    )
    status = ScheduleStatus(Schedule(guild_id=1, channel_id=5), True, state, None, None)
    fields = {f.name: f.value for f in settings_card(status, LIBRARY).fields}
    assert "(tried 1 time: Discord answered 503)" in fields["Last post"]


# --- lists and errors --------------------------------------------------------------------------------


def test_a_one_year_timeline_says_in_that_year() -> None:
    events = tuple(sorted((e for e in LIBRARY.events.values() if e.date.year == 1970), key=lambda e: e.sort_key))
    listing = timeline_listing(LIBRARY, TimelineResult(events, describe_filters(from_year=1970, to_year=1970)))
    (card,) = listing.page(0).cards
    assert card.title == "Timeline · 1970"
    assert card.description.startswith(f"{len(events)} events in 1970.")


def test_filters_as_words_after_no_events() -> None:
    assert filters_phrase(from_year=3000) == "from 3000 on"
    assert filters_phrase(from_year=1989, to_year=1989) == "in 1989"
    assert filters_phrase(from_year=1953, to_year=1956, tag="strike") == "between 1953 and 1956, tagged `strike`"
    assert filters_phrase(to_year=1900, place="Berlin") == "up to 1900, in Berlin"


def test_an_option_discord_could_not_read_is_quoted_literally() -> None:
    class Years(app_commands.Transformer):
        async def transform(self, interaction: object, value: object) -> object:
            return value

    error = app_commands.TransformerError("\x00\x07null", AppCommandOptionType.string, Years())
    message = describe(error).message
    assert message == "I couldn't understand “null” for that option."
    assert "\\x" not in message
