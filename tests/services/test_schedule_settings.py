"""The settings service: changes are saved once and worded by the ui; the timezone is cached."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import UserInputError
from bot.services import settings as settings_module
from bot.services.settings import ScheduleSettings
from bot.storage import Database, SettingsRepository, open_database

NOW = dt.datetime(2026, 6, 17, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(tmp_path / "db.sqlite3")
    try:
        yield database
    finally:
        await database.close()


async def test_a_change_is_saved_and_says_when_the_next_post_goes(db: Database) -> None:
    service = ScheduleSettings(db, FakeClock(NOW))
    await service.set_channel(1, 2)
    saved = await service.set_time(1, "9am")
    assert saved.change.kind == "time"
    assert saved.next_post_at == dt.datetime(2026, 6, 17, 9, 0, tzinfo=dt.UTC)
    stored = await SettingsRepository(db).get(1)
    assert stored is not None
    assert stored.post_time == dt.time(9, 0)


async def test_bad_input_changes_nothing(db: Database) -> None:
    service = ScheduleSettings(db, FakeClock(NOW))
    with pytest.raises(UserInputError):
        await service.set_time(1, "25:99")
    assert await SettingsRepository(db).get(1) is None


async def test_pausing_twice_saves_once_and_says_so(db: Database) -> None:
    service = ScheduleSettings(db, FakeClock(NOW))
    await service.set_channel(1, 2)
    assert not (await service.pause(1)).change.unchanged
    again = await service.pause(1)
    assert again.change.unchanged
    assert again.next_post_at is None


async def test_the_timezone_is_served_from_memory_and_follows_changes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(NOW)
    ours, other_process = ScheduleSettings(db, clock), ScheduleSettings(db, clock)
    assert await ours.timezone(1) == "UTC"
    await ours.set_timezone(1, "berlin")
    assert await ours.timezone(1) == "Europe/Berlin"  # our own change: at once
    await other_process.set_timezone(1, "Asia/Tokyo")
    assert await ours.timezone(1) == "Europe/Berlin"  # another process's change: cached for a while
    later = settings_module.time.monotonic() + settings_module.TIMEZONE_TTL + 1
    monkeypatch.setattr(settings_module.time, "monotonic", lambda: later)
    assert await ours.timezone(1) == "Asia/Tokyo"
