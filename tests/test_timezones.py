"""Timezones: what admins type, what is stored, what is shown, and the one aware-datetime check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.core import daytext, scheduling
from bot.core.changes import set_timezone
from bot.core.errors import UserInputError
from bot.core.models import Library
from bot.core.scheduling import Schedule, ScheduleStatus, local_to_utc
from bot.core.timezones import (
    MINUS,
    ensure_utc,
    get_zone,
    resolve_timezone,
    timezone_choices,
    timezone_label,
    timezone_options,
)
from bot.ui.settings_text import change_text, settings_card

ROOT = Path(__file__).resolve().parents[1]
EMPTY = Library({}, {}, {})
WINTER = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 6, 17, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("BERLIN", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("são paulo", "America/Sao_Paulo"),
        ("lord howe", "Australia/Lord_Howe"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("kolkata", "Asia/Kolkata"),
        ("ho chi", "Asia/Ho_Chi_Minh"),
        ("US/Eastern", "US/Eastern"),
    ],
)
def test_resolve_timezone(text: str, expected: str) -> None:
    assert resolve_timezone(text) == expected


def test_resolve_timezone_links_of_one_city_are_not_ambiguous() -> None:
    name = resolve_timezone("buenos")
    assert name in {"America/Buenos_Aires", "America/Argentina/Buenos_Aires"}


@pytest.mark.parametrize(("text", "says"), [("Mars/Olympus", "not a timezone"), ("", "give a timezone")])
def test_resolve_timezone_refuses_unknown(text: str, says: str) -> None:
    with pytest.raises(UserInputError) as info:
        resolve_timezone(text)
    assert says in info.value.message


def test_resolve_timezone_refuses_ambiguous_with_options() -> None:
    with pytest.raises(UserInputError) as info:
        resolve_timezone("america")
    assert "several" in info.value.message
    assert "America/" in info.value.message


def test_resolve_timezone_suggests_a_close_spelling_but_does_not_guess() -> None:
    with pytest.raises(UserInputError) as info:
        resolve_timezone("berln")
    assert "Did you mean Europe/Berlin" in info.value.message


def test_timezone_choices() -> None:
    assert timezone_choices("berlin") == ["Europe/Berlin"]
    assert timezone_choices("BerLin")[0] == "Europe/Berlin"
    assert timezone_choices("berln")[0] == "Europe/Berlin"
    assert timezone_choices("new")[0] == "America/New_York"
    assert timezone_choices("utc")[0] == "UTC"
    assert len(timezone_choices("")) == 25
    assert len(timezone_choices("a")) == 25
    assert len(timezone_choices("a", limit=5)) == 5
    assert timezone_choices("x" * 500) == []
    # Current names come before old aliases.
    eastern = timezone_choices("america/new_york")
    assert eastern[0] == "America/New_York"
    for name in timezone_choices("", limit=25):
        get_zone(name)


# --- offsets as people type them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored", "hours_ahead"),
    [
        ("GMT+2", "Etc/GMT-2", 2),
        ("UTC+2", "Etc/GMT-2", 2),
        ("gmt +2", "Etc/GMT-2", 2),
        ("+02:00", "Etc/GMT-2", 2),
        ("+2", "Etc/GMT-2", 2),
        ("UTC-5", "Etc/GMT+5", -5),
        ("utc−5", "Etc/GMT+5", -5),  # a typographic minus sign
        ("-05:00", "Etc/GMT+5", -5),
        ("UTC+14", "Etc/GMT-14", 14),
        ("UTC-12", "Etc/GMT+12", -12),
        ("utc+5:30", "UTC+05:30", 5.5),
        ("+0530", "UTC+05:30", 5.5),
        ("UTC+5:45", "UTC+05:45", 5.75),
        ("UTC-3:30", "UTC-03:30", -3.5),
        ("UTC+0", "UTC", 0),
        ("+00:00", "UTC", 0),
    ],
)
def test_offsets_mean_what_people_mean(text: str, stored: str, hours_ahead: float) -> None:
    name = resolve_timezone(text)
    assert name == stored
    # The stored name is two hours ahead for GMT+2, whatever the tz database's sign says.
    assert WINTER.astimezone(get_zone(name)).utcoffset() == dt.timedelta(hours=hours_ahead)
    assert SUMMER.astimezone(get_zone(name)).utcoffset() == dt.timedelta(hours=hours_ahead)
    # It round-trips: typed again (as autocomplete sends it back), it is the same zone.
    assert resolve_timezone(name) == name


def test_a_post_at_nine_in_gmt_plus_2_goes_out_at_seven_utc() -> None:
    zone = get_zone(resolve_timezone("GMT+2"))
    assert local_to_utc(dt.date(2026, 12, 3), dt.time(9, 0), zone) == dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.UTC)
    zone = get_zone(resolve_timezone("UTC+5:30"))
    assert local_to_utc(dt.date(2026, 12, 3), dt.time(9, 0), zone) == dt.datetime(2026, 12, 3, 3, 30, tzinfo=dt.UTC)


def test_etc_names_typed_as_such_are_taken_literally_and_shown_with_their_real_offset() -> None:
    assert resolve_timezone("Etc/GMT+2") == "Etc/GMT+2"
    assert resolve_timezone("etc/gmt+2") == "Etc/GMT+2"
    assert WINTER.astimezone(get_zone("Etc/GMT+2")).utcoffset() == dt.timedelta(hours=-2)
    assert timezone_label("Etc/GMT+2") == f"UTC{MINUS}2"
    assert timezone_label("Etc/GMT-2") == "UTC+2"
    assert timezone_label("UTC+05:30") == "UTC+5:30"
    assert timezone_label("Europe/Berlin") == "Europe/Berlin"
    assert timezone_label("UTC") == "UTC"


@pytest.mark.parametrize("text", ["UTC+15", "GMT-13", "+02:75", "UTC+99"])
def test_offsets_no_place_uses_are_refused(text: str) -> None:
    with pytest.raises(UserInputError) as info:
        resolve_timezone(text)
    assert "offset" in info.value.message


@pytest.mark.parametrize("name", ["UTC+15:00", "UTC+05:99", "UTC+5:30"])
def test_only_stored_fixed_offset_names_are_zones(name: str) -> None:
    with pytest.raises(UserInputError):
        get_zone(name)


def test_the_answer_shows_the_real_offset_warns_about_daylight_saving_and_suggests_a_city() -> None:
    change = set_timezone(Schedule(guild_id=1), "GMT+2")
    text = change_text(change, EMPTY, WINTER)
    assert "Timezone set to UTC+2 (it is 14:00 there now)" in text
    assert "Daily posts go out at 09:00 UTC+2 time" in text
    assert "does not follow daylight saving" in text
    assert "Europe/Athens" in text  # a city at UTC+2 in December
    assert "GMT-2" not in text.replace("Etc/GMT-2", "")
    summer = change_text(change, EMPTY, SUMMER)
    assert "Europe/Paris" in summer or "Europe/Berlin" in summer  # a city at UTC+2 in June
    india = change_text(set_timezone(Schedule(guild_id=1), "utc+5:30"), EMPTY, WINTER)
    assert "UTC+5:30" in india
    assert "Asia/Kolkata" in india


def test_an_explicit_etc_name_is_explained() -> None:
    text = change_text(set_timezone(Schedule(guild_id=1), "Etc/GMT+2"), EMPTY, WINTER)
    assert f"Timezone set to UTC{MINUS}2 (it is 10:00 there now)" in text
    assert "Etc/GMT+2" in text
    assert "other way round" in text


def test_a_city_gets_no_daylight_saving_warning() -> None:
    text = change_text(set_timezone(Schedule(guild_id=1), "berlin"), EMPTY, WINTER)
    assert (
        text == "Timezone set to Europe/Berlin (it is 13:00 there now). Daily posts go out at 09:00 Europe/Berlin time."
    )


def test_settings_show_gives_the_real_offset() -> None:
    schedule = Schedule(guild_id=1, timezone=resolve_timezone("GMT+2"))
    card = settings_card(ScheduleStatus(schedule, True, None, None, None), EMPTY)
    time_field = next(f for f in card.fields if f.name == "Time")
    assert time_field.value == "09:00 (UTC+2)"


def test_autocomplete_offers_the_offset_first_then_cities_at_that_offset() -> None:
    options = timezone_options("GMT+2", at=WINTER)
    assert options[0] == ("UTC+2 (fixed offset, no daylight saving)", "Etc/GMT-2")
    assert ("Europe/Athens (now UTC+2, follows local clock changes)", "Europe/Athens") in options
    assert all(WINTER.astimezone(get_zone(v)).utcoffset() == dt.timedelta(hours=2) for _, v in options)
    assert timezone_choices("utc+5:30", at=WINTER)[:2] == ["UTC+05:30", "Asia/Kolkata"]
    assert timezone_choices("-5")[0] == "Etc/GMT+5"
    # Typing the tz database's own names shows what they mean.
    etc = dict((v, label) for label, v in timezone_options("etc/gmt+", limit=25))
    assert etc["Etc/GMT+2"] == f"Etc/GMT+2 = UTC{MINUS}2 (fixed offset, no daylight saving)"
    # Every value offered is accepted as it is sent back.
    for _, value in [*options, *timezone_options("", at=WINTER), *timezone_options("berl", at=WINTER)]:
        assert resolve_timezone(value) == value
        assert len(value) <= 100


# --- one module ------------------------------------------------------------------------------


def test_one_resolve_timezone_and_one_aware_check() -> None:
    assert not hasattr(daytext, "resolve_timezone")
    assert not hasattr(scheduling, "resolve_timezone")
    where = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "bot").rglob("*.py")
        for needle in ("utcoffset() is", "def resolve_timezone", "ZoneInfo(", "tzinfo is None")
        if needle in path.read_text(encoding="utf-8")
    }
    assert where == {"bot/core/timezones.py"}


def test_ensure_utc() -> None:
    berlin = dt.datetime(2026, 6, 17, 11, 0, tzinfo=get_zone("Europe/Berlin"))
    assert ensure_utc(berlin) == dt.datetime(2026, 6, 17, 9, 0, tzinfo=dt.UTC)
    assert ensure_utc(berlin).tzinfo is dt.UTC
    with pytest.raises(ValueError, match="now must be a timezone-aware datetime"):
        ensure_utc(dt.datetime(2026, 6, 17), "now")  # noqa: DTZ001 - naive on purpose
