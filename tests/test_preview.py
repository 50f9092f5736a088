"""``python -m bot preview``: the daily post for a day, from build_post, without token or database."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import preview as preview_cli
from bot.cli.preview import build_preview, preview_date, render_post
from bot.config import load_settings
from bot.content_loader import LoadResult
from bot.core.errors import UserInputError

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def run_preview(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env["PYTHONPATH"] = str(ROOT)
    # Point the database somewhere that does not exist: the preview must not need it.
    env["FROM_BELOW_DATABASE"] = str(cwd / "missing" / "never.sqlite3")
    return subprocess.run(
        [sys.executable, "-m", "bot", "preview", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def loaded() -> LoadResult:
    from bot.services.library import load_content

    return load_content(load_settings({}, dotenv=False).content_dirs)


def test_preview_prints_the_days_post_without_token_or_database(tmp_path: Path) -> None:
    result = run_preview("--date", "17 june", "--timezone", "Europe/Berlin", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert out.startswith("On this day: 17 June")
    assert "The uprising of 17 June in East Germany" in out
    assert "17 June 1953" in out
    assert "Source pack" in out
    assert "**" not in out
    assert not (tmp_path / "missing").exists()


def test_preview_packs_and_empty_days(tmp_path: Path) -> None:
    only_stalinism = run_preview("--date", "2026-06-17", "--packs", "revolts-against-stalinism", cwd=tmp_path)
    assert only_stalinism.returncode == 0, only_stalinism.stderr
    assert "East Germany" in only_stalinism.stdout
    assert "Boipatong" not in only_stalinism.stdout  # another pack's event that day
    # Every day has an event in the whole library; 3 February has none in this pack.
    packs = ("--packs", "revolts-against-stalinism, tyranny-toppled")
    nothing = run_preview("--date", "2026-02-03", *packs, cwd=tmp_path)
    assert nothing.returncode == 0
    assert "Nothing would be posted on 2026-02-03" in nothing.stdout
    week = run_preview("--date", "2026-02-03", *packs, "--empty-days", "week", cwd=tmp_path)
    assert week.stdout.startswith("This week in history: around 3 February")
    article = run_preview("--date", "2026-02-03", *packs, "--empty-days", "article", cwd=tmp_path)
    assert "Tyranny toppled by its victims" in article.stdout
    assert "so here is something to read" in article.stdout


def test_preview_bad_values_are_one_friendly_line(tmp_path: Path) -> None:
    for args, expected in (
        (("--date", "31 february"), "February has at most 29 days"),
        (("--timezone", "nowhere-at-all"), "is not a timezone I know"),
        (("--packs", "nope"), "I don't know a pack called “nope”"),
    ):
        result = run_preview(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_preview_date_defaults_to_today_in_the_timezone() -> None:
    late = dt.datetime(2026, 6, 16, 23, 30, tzinfo=dt.UTC)
    assert preview_date(None, "UTC", late) == dt.date(2026, 6, 16)
    assert preview_date(None, "Pacific/Kiritimati", late) == dt.date(2026, 6, 17)
    assert preview_date("tomorrow", "UTC", late) == dt.date(2026, 6, 17)
    assert preview_date("17 june", "UTC", late) == dt.date(2026, 6, 17)
    assert preview_date("17 june 1953", "UTC", late) == dt.date(1953, 6, 17)
    assert preview_date("29 february", "UTC", dt.datetime(2028, 1, 1, tzinfo=dt.UTC)) == dt.date(2028, 2, 29)
    # 29 February without a year, in a year that has none: the post of 28 February, which
    # carries the 29 February events (as the daily post does); with that year, it is refused.
    assert preview_date("29 february", "UTC", late) == dt.date(2026, 2, 28)
    with pytest.raises(UserInputError, match="not a leap year"):
        preview_date("29 february 2026", "UTC", late)


@pytest.mark.parametrize("text", ["29 feb", "29 February", "02-29", "feb 29th"])
def test_preview_29_february_in_a_common_year_is_the_28_february_post(text: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(
        date=text, timezone="UTC", packs=None, empty_days="skip", guild=1, tags=None, kind="daily"
    )
    assert preview_cli.run_preview(args, out, err, now_utc=NOW) == 0, err.getvalue()
    assert err.getvalue() == ""
    note, _, post = out.getvalue().partition("\n\n")
    assert note.startswith("2026 has no 29 February, so this is the post of 28 February 2026")
    assert "--date 2028-02-29" in note
    assert "28 February" in post.splitlines()[0]
    assert "29 February 1968" in post  # a 29 February event, in the 28 February post
    assert preview_cli.leap_day_note("28 feb", dt.date(2026, 2, 28)) is None
    assert preview_cli.leap_day_note(text, dt.date(2028, 2, 29)) is None


def test_build_preview_is_the_schedulers_post(loaded: LoadResult) -> None:
    from bot.core.posts import build_post
    from bot.core.scheduling import Schedule

    library = loaded.library
    day, post = build_preview(
        library,
        date_text="16 december",
        timezone="utc",
        packs_text=None,
        empty_day="skip",
        guild_id=1,
        now_utc=NOW,
    )
    assert day == dt.date(2026, 12, 16)
    assert post is not None
    assert post == build_post(library, Schedule(guild_id=1), day, (), False)
    # A busy day: at most five events, and the text says how many more there were.
    assert len(post.events) == 5
    assert post.total > 5
    text = render_post(post, library, local_date=day, empty_day="skip")
    assert f"{post.total - 5} more on this day: see /onthisday." in text
    for event in post.events:
        assert event.title in text


def test_preview_takes_a_schedules_tags_and_kind(tmp_path: Path) -> None:
    everything = run_preview("--date", "2026-06-17", cwd=tmp_path)
    strikes = run_preview("--date", "2026-06-17", "--tags", "strike", cwd=tmp_path)
    assert strikes.returncode == 0, strikes.stderr
    assert strikes.stdout != everything.stdout
    weekly = run_preview("--date", "2026-06-22", "--kind", "weekly", cwd=tmp_path)
    assert weekly.returncode == 0, weekly.stderr
    assert weekly.stdout.startswith("The week ahead in history: 22 June to 28 June")
    assert "Sunday 28 June" in weekly.stdout
    bad = run_preview("--tags", "strikez", cwd=tmp_path)
    assert bad.returncode == 2
    assert "I don't know the tag(s) 'strikez'. Did you mean strike?" in bad.stderr
    assert "Traceback" not in bad.stderr
