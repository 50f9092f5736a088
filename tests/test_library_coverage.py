"""The shipped library covers every calendar day, and each pack's name tells its span truly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.config import DEFAULT_CONTENT_DIR
from bot.content_loader import load_library
from bot.core.dates import parse_historical_date
from bot.core.models import Event, Library

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = load_library([DEFAULT_CONTENT_DIR]).library


def test_every_day_of_the_year_has_a_day_precise_event_29_february_included() -> None:
    assert SHIPPED.missing_days == ()
    assert SHIPPED.day_count == 366


def test_missing_days_are_named_in_order() -> None:
    one = Event(
        id="only",
        title="Only event",
        date=parse_historical_date("1953-06-17"),
        places=("Berlin",),
        countries=("East Germany",),
        description="A test event. It has two sentences.",
        tags=("strike",),
        sources=(),
        pack="p",
    )
    lib = Library.build({}, {}, {"only": one})
    missing = lib.missing_days
    assert len(missing) == 365
    assert (6, 17) not in missing
    assert missing[:2] == ((1, 1), (1, 2))
    assert (2, 29) in missing


def test_check_content_reports_zero_missing_days() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-content", str(DEFAULT_CONTENT_DIR)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "on 366 distinct calendar days of 366" in result.stdout
    assert "0 days with no event" in result.stdout


def test_a_pack_name_that_gives_years_gives_its_events_true_span() -> None:
    for pack in SHIPPED.packs.values():
        years = [e.date.year for e in SHIPPED.events.values() if e.pack == pack.id]
        if not years:
            continue
        if m := re.search(r"(\d{4}) to today", pack.name):
            assert int(m.group(1)) == min(years), (pack.id, min(years))
        elif m := re.search(r"(\d{4})[–-](\d{4})", pack.name):
            assert (int(m.group(1)), int(m.group(2))) == (min(years), max(years)), (pack.id, min(years), max(years))
