"""The daily-post service with a controllable clock and a fake sender: exactly once, catch-up,
DST, each failure class, retries, ordering and bounded concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import random
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.core.clock import FakeClock, SystemClock
from bot.core.dates import parse_historical_date
from bot.core.models import Article, Event, Library, Pack, Source, Summaries
from bot.core.posting_errors import PostForbidden, PostNotFound, PostRetryable
from bot.core.posts import DailyPost, build_post, post_nonce
from bot.core.scheduling import Schedule, ScheduleStatus, parse_post_time
from bot.core.sharding import ShardPlan
from bot.services.daily import STORAGE_RETRY_DELAY, DailyPoster, PostOutcome, summarize
from bot.services.settings import ScheduleSettings
from bot.storage import (
    Database,
    GuildsRepository,
    PostsRepository,
    SettingsRepository,
    StorageUnavailableError,
)
from bot.ui.daily import late_note, post_heading

UTC = dt.UTC
SOURCE = (Source("A source", "https://example.org"),)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def event(id: str, date: str, pack: str = "core", end: str | None = None) -> Event:
    return Event(
        id=id,
        title=id.replace("-", " ").title(),
        date=parse_historical_date(date),
        places=("Berlin",),
        countries=("Germany",),
        description=f"{id} happened.",
        tags=("strike",),
        sources=SOURCE,
        pack=pack,
        end_date=parse_historical_date(end) if end else None,
    )


def article(id: str, pack: str = "core") -> Article:
    return Article(
        id=id,
        title=id.title(),
        authors=("A. Writer",),
        publication="Paper",
        published=parse_historical_date("2000-01-01"),
        summaries=Summaries("s", "m", "l"),
        key_points=("k",),
        argument="a",
        tags=("strike",),
        events=(),
        pack=pack,
    )


def library(events: Sequence[Event], articles: Sequence[Article] = ()) -> Library:
    packs = {e.pack for e in events} | {a.pack for a in articles}
    return Library.build(
        {p: Pack(p, p.title(), "", "en", (), "CC-BY", p) for p in packs},
        {a.id: a for a in articles},
        {e.id: e for e in events},
    )


# Events on every day of the year, so ordinary tests always have something to post.
def everyday_library() -> Library:
    events = []
    day = dt.date(2000, 1, 1)
    while day.year == 2000:
        events.append(event(f"e-{day:%m-%d}", f"1950-{day:%m-%d}" if day != dt.date(2000, 2, 29) else "1952-02-29"))
        day += dt.timedelta(days=1)
    return library(events)


class SimulatedCrash(BaseException):
    """The process dies: nothing after this point runs (it is not an Exception)."""


@dataclasses.dataclass
class Delivered:
    message_id: int
    channel_id: int
    role_id: int | None
    post: DailyPost


class FakeSender:
    """Records deliveries; scripted failures per guild; can 'crash' before or after delivering."""

    def __init__(self) -> None:
        self.delivered: list[Delivered] = []
        self.calls: list[int] = []  # guild ids in call order
        self.script: dict[int, list[BaseException | None]] = {}
        self.crash: str | None = None  # "before" or "after" delivery, once
        self.delay: float = 0.0
        self.active = 0
        self.max_active = 0
        # When set, sends wait (up to 5 s) until this many are in flight at once, so a
        # concurrency test does not depend on how fast a loaded machine schedules workers.
        self.gather_until: int = 0
        self._gathered = asyncio.Event()
        self.find_calls = 0
        self._next_id = 10_000

    async def send(self, channel_id: int, role_id: int | None, payload: DailyPost) -> int:
        self.calls.append(payload.guild_id)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            if self.gather_until and not self._gathered.is_set():
                if self.active >= self.gather_until:
                    self._gathered.set()
                else:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._gathered.wait(), 5)
            if self.delay:
                await asyncio.sleep(self.delay)
            planned = self.script.get(payload.guild_id)
            if planned:
                failure = planned.pop(0)
                if failure is not None:
                    raise failure
            if self.crash == "before":
                self.crash = None
                raise SimulatedCrash
            self._next_id += 1
            self.delivered.append(Delivered(self._next_id, channel_id, role_id, payload))
            if self.crash == "after":
                self.crash = None
                raise SimulatedCrash
            return self._next_id
        finally:
            self.active -= 1

    async def find_sent(self, channel_id: int, payload: DailyPost, after: dt.datetime) -> int | None:
        self.find_calls += 1
        for d in self.delivered:
            if d.channel_id == channel_id and d.post.nonce == payload.nonce:
                return d.message_id
        return None

    def per_day(self) -> dict[tuple[int, dt.date], int]:
        counts: dict[tuple[int, dt.date], int] = {}
        for d in self.delivered:
            k = (d.post.guild_id, d.post.local_date)
            counts[k] = counts.get(k, 0) + 1
        return counts


class Harness:
    """A bot process: database + poster. ``restart()`` simulates a crash and a fresh start."""

    def __init__(
        self, path: Path | str, clock: FakeClock, sender: FakeSender, lib: Library, **poster_kw: object
    ) -> None:
        self.path = path
        self.clock = clock
        self.sender = sender
        self.lib = lib
        self.poster_kw = poster_kw
        self.sleeps: list[float] = []
        self.db: Database
        self.poster: DailyPoster

    async def fake_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)

    async def start(self) -> None:
        self.db = await Database.open(self.path)
        kw: dict[str, object] = {"rate": None, "concurrency": 4}
        kw.update(self.poster_kw)
        self.poster = DailyPoster(self.db, self.sender, self.lib, clock=self.clock, sleep=self.fake_sleep, **kw)  # type: ignore[arg-type]

    async def stop(self) -> None:
        await self.poster.close(grace=0.1)
        await self.db.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def tick(self, at: dt.datetime | None = None) -> list[PostOutcome]:
        if at is not None:
            self.clock.set(at)
        before = len(self.poster.outcomes)
        await self.poster.run_due()
        await self.poster.wait_idle()
        return list(self.poster.outcomes)[before:]

    async def save(self, schedule: Schedule) -> None:
        await SettingsRepository(self.db).save(schedule, at=self.clock.now())


def sched(guild: int = 1, tz: str = "Europe/Berlin", at: str = "09:00", **kw: object) -> Schedule:
    return Schedule(guild_id=guild, channel_id=500 + guild, post_time=parse_post_time(at), timezone=tz, **kw)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 6, 1, 5, 0))


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
async def h(database_target: str, clock: FakeClock, sender: FakeSender) -> AsyncIterator[Harness]:
    """A poster on each engine: a SQLite file, and a fresh PostgreSQL schema when
    ``FROM_BELOW_TEST_DATABASE_URL`` is set (see tests/pgtest.py)."""
    harness = Harness(database_target, clock, sender, everyday_library())
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


# --- the ordinary day ----------------------------------------------------------------------


async def test_posts_once_at_the_local_time(h: Harness) -> None:
    await h.save(sched(role_id=777))
    assert await h.tick(utc(2026, 6, 1, 6, 59)) == []
    (outcome,) = await h.tick(utc(2026, 6, 1, 7, 0))
    assert outcome.kind == "sent"
    (d,) = h.sender.delivered
    assert (d.channel_id, d.role_id) == (501, 777)
    assert d.post.local_date == dt.date(2026, 6, 1)
    assert [e.id for e in d.post.events] == ["e-06-01"]
    assert not d.post.late
    assert late_note(d.post) is None
    assert d.post.nonce == post_nonce(1, 1, dt.date(2026, 6, 1))
    assert len(d.post.nonce) <= 25
    for minute in range(1, 30):
        await h.tick(utc(2026, 6, 1, 7, minute))
    assert len(h.sender.delivered) == 1
    state = await PostsRepository(h.db).last_post((1, 1))
    assert state is not None
    assert (state.status, state.message_id) == ("sent", d.message_id)


async def test_two_ticks_at_once_post_once(h: Harness) -> None:
    await h.save(sched())
    h.clock.set(utc(2026, 6, 1, 7, 0))
    await asyncio.gather(h.poster.run_due(), h.poster.run_due(), h.poster.run_due())
    await h.poster.wait_idle()
    assert len(h.sender.delivered) == 1


async def test_two_processes_on_one_database_post_once(h: Harness, tmp_path: Path) -> None:
    await h.save(sched())
    other_db = await Database.open(h.path)
    other = DailyPoster(other_db, h.sender, h.lib, clock=h.clock, rate=None)
    try:
        h.clock.set(utc(2026, 6, 1, 7, 0))
        await asyncio.gather(h.poster.run_due(), other.run_due())
        await asyncio.gather(h.poster.wait_idle(), other.wait_idle())
        h.clock.set(utc(2026, 6, 1, 7, 1))
        await asyncio.gather(h.poster.run_due(), other.run_due())
        await asyncio.gather(h.poster.wait_idle(), other.wait_idle())
    finally:
        await other.close()
        await other_db.close()
    assert len(h.sender.delivered) == 1


async def test_a_week_of_days_posts_once_a_day_on_allowed_weekdays(h: Harness) -> None:
    await h.save(sched(weekdays=frozenset({0, 2, 4})))  # Mon, Wed, Fri; 1 June 2026 is a Monday
    now = utc(2026, 6, 1, 0, 0)
    while now < utc(2026, 6, 8):
        await h.tick(now)
        now += dt.timedelta(minutes=10)
    assert sorted(h.sender.per_day()) == [(1, dt.date(2026, 6, d)) for d in (1, 3, 5)]
    assert set(h.sender.per_day().values()) == {1}


# --- catch-up ------------------------------------------------------------------------------


async def test_catch_up_inside_the_window_says_it_is_late(h: Harness) -> None:
    await h.save(sched())
    await h.restart()  # the bot was down from before 09:00 until 14:30 Berlin time
    (outcome,) = await h.tick(utc(2026, 6, 1, 12, 30))
    assert outcome.kind == "sent"
    assert outcome.late
    (d,) = h.sender.delivered
    assert d.post.late
    assert late_note(d.post) is not None
    assert "late" in late_note(d.post)
    assert "09:00 (Europe/Berlin)" in late_note(d.post)
    assert (await PostsRepository(h.db).last_post((1, 1))).late  # type: ignore[union-attr]


async def test_catch_up_outside_the_window_waits_for_the_next_day(h: Harness) -> None:
    await h.save(sched())
    assert await h.tick(utc(2026, 6, 1, 13, 1)) == []  # 6 h 1 min after 09:00 Berlin
    assert await h.tick(utc(2026, 6, 1, 21, 0)) == []
    (outcome,) = await h.tick(utc(2026, 6, 2, 7, 0))
    assert (outcome.kind, outcome.local_date, outcome.late) == ("sent", dt.date(2026, 6, 2), False)


async def test_catch_up_window_is_configurable(tmp_path: Path, clock: FakeClock, sender: FakeSender) -> None:
    harness = Harness(tmp_path / "b.sqlite3", clock, sender, everyday_library(), catchup=dt.timedelta(hours=1))
    await harness.start()
    try:
        await harness.save(sched())
        assert await harness.tick(utc(2026, 6, 1, 8, 1)) == []
        await harness.save(sched(guild=2))
        assert len(await harness.tick(utc(2026, 6, 2, 7, 59))) == 2
    finally:
        await harness.stop()


# --- DST -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "at", "start", "expected"),
    [
        ("Europe/London", "01:30", utc(2026, 3, 28, 20), utc(2026, 3, 29, 1, 0)),
        ("Europe/London", "01:30", utc(2026, 10, 24, 20), utc(2026, 10, 25, 0, 30)),
        ("America/New_York", "02:30", utc(2026, 3, 8, 0), utc(2026, 3, 8, 7, 0)),
        ("America/New_York", "01:30", utc(2026, 11, 1, 0), utc(2026, 11, 1, 5, 30)),
        ("Australia/Lord_Howe", "02:15", utc(2026, 10, 3, 10), utc(2026, 10, 3, 15, 30)),
        ("Australia/Lord_Howe", "01:45", utc(2026, 4, 4, 10), utc(2026, 4, 4, 14, 45)),
    ],
)
async def test_dst_days_post_once_at_the_first_valid_minute(
    h: Harness, tz: str, at: str, start: dt.datetime, expected: dt.datetime
) -> None:
    await h.save(sched(tz=tz, at=at))
    now = start
    sent_at = []
    while now < start + dt.timedelta(hours=10):
        for outcome in await h.tick(now):
            if outcome.kind == "sent":
                sent_at.append(now)
        now += dt.timedelta(minutes=1)
    assert sent_at == [expected]
    assert len(h.sender.delivered) == 1


# --- crashes and restarts ------------------------------------------------------------------


@pytest.mark.parametrize("crash", ["before", "after"])
async def test_crash_between_claim_and_send_then_restart_posts_exactly_once(h: Harness, crash: str) -> None:
    await h.save(sched())
    h.sender.crash = crash
    await h.tick(utc(2026, 6, 1, 7, 0))
    claim = await PostsRepository(h.db).get((1, 1), dt.date(2026, 6, 1))
    assert claim is not None
    assert claim.status == "claimed"  # the process died before recording anything
    assert len(h.sender.delivered) == (1 if crash == "after" else 0)

    await h.restart()
    outcomes = await h.tick(utc(2026, 6, 1, 7, 3))
    assert [o.kind for o in outcomes] == (["recovered"] if crash == "after" else ["sent"])
    for minute in range(4, 20):
        await h.tick(utc(2026, 6, 1, 7, minute))
    await h.restart()
    await h.tick(utc(2026, 6, 1, 9, 0))
    assert h.sender.per_day() == {(1, dt.date(2026, 6, 1)): 1}
    state = await PostsRepository(h.db).get((1, 1), dt.date(2026, 6, 1))
    assert state is not None
    assert state.status == "sent"
    assert state.message_id == h.sender.delivered[0].message_id


async def test_crash_after_send_returned_but_before_recording(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await h.save(sched())

    async def die(*args: object, **kwargs: object) -> None:
        raise SimulatedCrash

    monkeypatch.setattr(h.poster.posts, "record_sent", die)
    await h.tick(utc(2026, 6, 1, 7, 0))
    assert len(h.sender.delivered) == 1
    await h.restart()
    (outcome,) = await h.tick(utc(2026, 6, 1, 7, 1))
    assert outcome.kind == "recovered"
    assert h.sender.per_day() == {(1, dt.date(2026, 6, 1)): 1}


async def test_database_away_after_sending_records_later_without_sending_again(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The post went out, then the database could not be reached to record it: the claim is kept,
    the job waits and records the message id once the database answers; nothing is sent twice."""
    await h.save(sched())
    real = h.poster.posts.record_sent
    failures = 0

    async def away_twice(*args: object, **kwargs: object) -> None:
        nonlocal failures
        if failures < 2:
            failures += 1
            raise StorageUnavailableError("cannot reach PostgreSQL at 127.0.0.1:5432/test: connection refused")
        await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(h.poster.posts, "record_sent", away_twice)
    outcomes = await h.tick(utc(2026, 6, 1, 7, 0))
    assert [o.kind for o in outcomes] == ["sent"]
    assert h.sleeps == [STORAGE_RETRY_DELAY, STORAGE_RETRY_DELAY]
    assert h.sender.per_day() == {(1, dt.date(2026, 6, 1)): 1}
    state = await PostsRepository(h.db).get((1, 1), dt.date(2026, 6, 1))
    assert state is not None
    assert (state.status, state.message_id) == ("sent", h.sender.delivered[0].message_id)


async def test_database_away_before_claiming_leaves_the_post_due(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await h.save(sched())
    real = h.poster.posts.claim

    async def away(*args: object, **kwargs: object) -> bool:
        raise StorageUnavailableError("cannot reach PostgreSQL at 127.0.0.1:5432/test: connection refused")

    monkeypatch.setattr(h.poster.posts, "claim", away)
    assert await h.tick(utc(2026, 6, 1, 7, 0)) == []
    assert h.sender.delivered == []
    monkeypatch.setattr(h.poster.posts, "claim", real)
    (outcome,) = await h.tick(utc(2026, 6, 1, 7, 1))
    assert outcome.kind == "sent"
    assert h.sender.per_day() == {(1, dt.date(2026, 6, 1)): 1}


async def test_restart_after_the_window_does_not_send_an_interrupted_post(h: Harness) -> None:
    await h.save(sched())
    h.sender.crash = "before"
    await h.tick(utc(2026, 6, 1, 7, 0))
    await h.restart()
    (outcome,) = await h.tick(utc(2026, 6, 1, 14, 0))  # 7 hours later
    assert outcome.kind == "failed"
    assert h.sender.delivered == []
    state = await PostsRepository(h.db).get((1, 1), dt.date(2026, 6, 1))
    assert state is not None
    assert state.status == "failed"
    # The next day is unaffected.
    await h.tick(utc(2026, 6, 2, 7, 0))
    assert h.sender.per_day() == {(1, dt.date(2026, 6, 2)): 1}


async def test_restart_while_waiting_to_retry_recovers_the_claim(h: Harness) -> None:
    await h.save(sched())
    h.sender.script[1] = [PostRetryable("HTTP 503", retry_after=None)]

    async def never(seconds: float) -> None:
        await asyncio.Event().wait()  # the retry timer never fires before the 'crash'

    h.poster._sleep = never
    h.clock.set(utc(2026, 6, 1, 7, 0))
    await h.poster.run_due()
    for _ in range(50):
        await asyncio.sleep(0)
    assert h.sender.delivered == []
    await h.restart()
    (outcome,) = await h.tick(utc(2026, 6, 1, 7, 2))
    assert outcome.kind == "sent"
    assert h.sender.per_day() == {(1, dt.date(2026, 6, 1)): 1}


async def test_random_crashes_and_restarts_never_post_twice(h: Harness) -> None:
    rng = random.Random(6)
    for guild in range(1, 6):
        await h.save(
            sched(
                guild=guild,
                tz=["Europe/Berlin", "UTC", "Asia/Tokyo", "America/New_York", "Australia/Lord_Howe"][guild - 1],
            )
        )
    now = utc(2026, 6, 1, 0, 0)
    while now < utc(2026, 6, 11):
        crashing = rng.random() < 0.3
        if crashing:
            h.sender.crash = rng.choice(["before", "after"])
        await h.tick(now)
        if crashing or rng.random() < 0.1:
            h.sender.crash = None
            await h.restart()
        now += dt.timedelta(minutes=rng.choice([1, 5, 20, 45]))
    counts = h.sender.per_day()
    assert h.sender.find_calls > 5  # crashes happened and were recovered
    assert max(counts.values()) == 1
    for guild in range(1, 6):
        for day in range(2, 11):
            assert counts.get((guild, dt.date(2026, 6, day))) == 1, (guild, day)


# --- failure classes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "says"),
    [(PostForbidden("Missing Access"), "missing access"), (PostNotFound("Unknown Channel"), "no longer exists")],
)
async def test_forbidden_and_not_found_pause_and_keep_settings(h: Harness, error: Exception, says: str) -> None:
    await h.save(sched(role_id=9))
    h.sender.script[1] = [error]
    (outcome,) = await h.tick(utc(2026, 6, 1, 7, 0))
    assert outcome.kind == "paused"
    settings = SettingsRepository(h.db)
    stored = await settings.get(1)
    assert stored is not None
    assert stored.paused_reason is not None
    assert says in stored.paused_reason
    assert dataclasses.replace(stored, paused_reason=None) == sched(role_id=9)
    last_error = await settings.last_error((1, 1))
    assert last_error is not None
    assert last_error[1] == utc(2026, 6, 1, 7, 0)
    # Nothing was posted, so the claim is released; a paused server is not retried.
    assert await PostsRepository(h.db).get((1, 1), dt.date(2026, 6, 1)) is None
    assert await h.tick(utc(2026, 6, 1, 7, 5)) == []
    status = await schedule_status(h.db, 1, h.clock.now())
    assert status.schedule.paused_reason == stored.paused_reason
    assert status.next_post_at is None
    # An admin fixes the channel and resumes: the day's post goes out, marked late.
    assert await settings.resume((1, 1))
    (outcome,) = await h.tick(utc(2026, 6, 1, 8, 0))
    assert (outcome.kind, outcome.late) == ("sent", True)
    assert h.sender.per_day() == {(1, dt.date(2026, 6, 1)): 1}


async def test_retryable_errors_back_off_and_then_post(h: Harness) -> None:
    await h.save(sched())
    h.sender.script[1] = [PostRetryable("HTTP 502"), PostRetryable("rate limited", retry_after=30.0), None]
    outcomes = await h.tick(utc(2026, 6, 1, 7, 0))
    assert [o.kind for o in outcomes] == ["retrying", "retrying", "sent"]
    assert h.sleeps == [2.0, 30.0]  # 2 s, then max(4 s, retry_after 30 s)
    assert len(h.sender.delivered) == 1
    state = await PostsRepository(h.db).last_post((1, 1))
    assert state is not None
    assert (state.status, state.attempts) == ("sent", 2)


async def test_retryable_errors_give_up_after_max_attempts(h: Harness) -> None:
    await h.save(sched())
    h.sender.script[1] = [PostRetryable("HTTP 503") for _ in range(20)]
    outcomes = await h.tick(utc(2026, 6, 1, 7, 0))
    assert [o.kind for o in outcomes] == ["retrying"] * 7 + ["failed"]
    assert h.sleeps == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]
    state = await PostsRepository(h.db).last_post((1, 1))
    assert state is not None
    assert (state.status, state.attempts) == ("failed", 8)
    assert "HTTP 503" in (state.error or "")
    stored = await SettingsRepository(h.db).get(1)
    assert stored is not None
    assert stored.paused_reason is None  # transient errors never pause
    # No second try the same day; the next day posts.
    h.sender.script[1] = []
    assert await h.tick(utc(2026, 6, 1, 9, 0)) == []
    (outcome,) = await h.tick(utc(2026, 6, 2, 7, 0))
    assert outcome.kind == "sent"


async def test_retries_stop_at_the_end_of_the_local_day(h: Harness) -> None:
    await h.save(sched(at="23:58"))
    h.sender.script[1] = [PostRetryable("HTTP 500", retry_after=60.0), PostRetryable("HTTP 500", retry_after=60.0)]
    outcomes = await h.tick(utc(2026, 6, 1, 21, 58))  # 23:58 in Berlin
    assert [o.kind for o in outcomes] == ["retrying", "failed"]
    assert h.sender.delivered == []


async def test_an_unexpected_error_marks_the_day_failed_without_retrying(h: Harness) -> None:
    await h.save(sched())
    h.sender.script[1] = [RuntimeError("adapter bug")]
    (outcome,) = await h.tick(utc(2026, 6, 1, 7, 0))
    assert outcome.kind == "failed"
    assert await h.tick(utc(2026, 6, 1, 7, 5)) == []
    assert h.sender.calls == [1]


# --- content of the post -------------------------------------------------------------------


async def test_empty_day_skip_week_and_article(tmp_path: Path, clock: FakeClock, sender: FakeSender) -> None:
    lib = library([event("near", "1920-06-03")], [article("an-article")])
    harness = Harness(tmp_path / "c.sqlite3", clock, sender, lib)
    await harness.start()
    try:
        await harness.save(sched(guild=1, empty_day="skip"))
        await harness.save(sched(guild=2, empty_day="week"))
        await harness.save(sched(guild=3, empty_day="article"))
        outcomes = await harness.tick(utc(2026, 6, 1, 7, 0))
        assert sorted((o.guild_id, o.kind) for o in outcomes) == [(1, "skipped"), (2, "sent"), (3, "sent")]
        posts = {d.post.guild_id: d.post for d in sender.delivered}
        assert posts[2].kind == "week"
        assert [e.id for e in posts[2].events] == ["near"]
        assert "This week in history" in post_heading(posts[2])
        assert posts[3].kind == "article"
        assert posts[3].article is not None
        assert posts[3].entry_ids == ("an-article",)
        # A skipped day is not looked at again.
        assert await harness.tick(utc(2026, 6, 1, 7, 5)) == []
    finally:
        await harness.stop()


def test_build_post_avoids_recent_events_when_the_day_has_others() -> None:
    lib = library([event("a", "1919-06-01"), event("b", "1936-06-01")])
    schedule = sched()
    day = dt.date(2026, 6, 1)
    post = build_post(lib, schedule, day, frozenset({"a"}), False)
    assert post is not None
    assert [e.id for e in post.events] == ["b"]
    both = build_post(lib, schedule, day, frozenset({"a", "b"}), False)
    assert both is not None
    assert [e.id for e in both.events] == ["a", "b"]  # no alternative: post anyway
    assert build_post(lib, schedule, dt.date(2026, 6, 2), frozenset(), False) is None
    only_other_pack = build_post(lib, dataclasses.replace(schedule, packs=frozenset({"other"})), day, (), False)
    assert only_other_pack is None


async def test_service_avoids_events_posted_in_the_last_60_days(h: Harness) -> None:
    h.poster.library = library([event("long-strike", "1950-06-01", end="1950-06-10"), event("other", "1921-06-02")])
    await h.save(sched())
    for day in (1, 2, 3):
        await h.tick(utc(2026, 6, day, 7, 0))
    posted = [[e.id for e in d.post.events] for d in h.sender.delivered]
    # Day 2 has an alternative to the strike posted on day 1; day 3 has none.
    assert posted == [["long-strike"], ["other"], ["long-strike"]]


def test_29_february_events_show_on_28_february_in_other_years() -> None:
    lib = library([event("leap", "1952-02-29")])
    post = build_post(lib, sched(), dt.date(2027, 2, 28), (), False)
    assert post is not None
    assert [e.id for e in post.events] == ["leap"]


# --- many servers --------------------------------------------------------------------------


async def test_bounded_concurrency_in_the_order_they_became_due(
    tmp_path: Path, clock: FakeClock, sender: FakeSender
) -> None:
    harness = Harness(tmp_path / "d.sqlite3", clock, sender, everyday_library(), concurrency=3)
    await harness.start()
    try:
        # Due at 12, 11, 10 and 09 UTC respectively.
        zones = [
            ("America/New_York", "08:00"),
            ("Europe/Berlin", "13:00"),
            ("Europe/London", "11:00"),
            ("UTC", "09:00"),
        ]
        for guild in range(1, 41):
            tz, at = zones[guild % 4]
            await harness.save(sched(guild=guild, tz=tz, at=at))
        sender.gather_until = 3
        sender.delay = 0.002
        outcomes = await harness.tick(utc(2026, 6, 1, 13, 30))
        assert summarize(outcomes) == {"sent": 40}
        assert sender.max_active == 3
        # Queued in the order they became due; three workers can reorder neighbours
        # (a post is overtaken only by one dequeued while it was in flight), never more.
        expected = sorted(range(1, 41), key=lambda g: (-(g % 4), g))
        assert sorted(sender.calls) == sorted(expected)
        assert all(abs(sender.calls.index(g) - i) < 3 for i, g in enumerate(expected))
        assert [g % 4 for g in sender.calls[:3]] == [3, 3, 3]
        assert [g % 4 for g in sender.calls[-3:]] == [0, 0, 0]
    finally:
        await harness.stop()


async def test_departed_servers_are_not_posted_to(h: Harness) -> None:
    await h.save(sched(guild=1))
    await h.save(sched(guild=2))
    await GuildsRepository(h.db).left(2, at=h.clock.now())
    outcomes = await h.tick(utc(2026, 6, 1, 7, 0))
    assert [o.guild_id for o in outcomes] == [1]
    purged, _ = await h.poster.maintenance(utc(2026, 7, 2))
    assert purged == [2]


async def test_status_for_settings_show(h: Harness) -> None:
    status = await schedule_status(h.db, 1, h.clock.now())
    assert not status.stored
    assert status.next_post_at is None  # no channel yet
    await h.save(sched())
    status = await schedule_status(h.db, 1, utc(2026, 6, 1, 5, 0))
    assert status.stored
    assert status.next_post_at == utc(2026, 6, 1, 7, 0)
    await h.tick(utc(2026, 6, 1, 7, 0))
    status = await schedule_status(h.db, 1, h.clock.now())
    assert status.last_post is not None
    assert status.last_post.status == "sent"
    assert status.next_post_at == utc(2026, 6, 2, 7, 0)


def test_the_scheduler_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / "scheduler_bench.py"
    spec = importlib.util.spec_from_file_location("scheduler_bench", path)
    assert spec is not None
    assert spec.loader is not None
    scheduler_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scheduler_bench)
    figures = scheduler_bench.main(["--servers", "60", "--rate", "1000", "--latency", "4", "--jitter", "1"])
    assert figures["sent"] == 60
    out = capsys.readouterr().out
    assert "ratio" in out
    assert "event-loop lag" in out
    split = scheduler_bench.main(
        ["--servers", "60", "--rate", "1000", "--latency", "4", "--jitter", "1", "--processes", "2"]
    )
    assert split["sent"] == 60  # each server once, over the two shards' posters
    assert "sent per poster [30, 30]" in capsys.readouterr().out


async def schedule_status(db: Database, guild_id: int, now: dt.datetime) -> ScheduleStatus:
    return await ScheduleSettings(db, SystemClock()).status(guild_id, now)


# --- shards (issue 12) ---------------------------------------------------------------------------


def on_shard(shard: int, count: int, n: int) -> int:
    """The n-th server id on ``shard`` of ``count``."""
    return ((n * count + shard) << 22) | 7


async def test_each_process_posts_only_for_servers_on_its_own_shards(h: Harness) -> None:
    guilds = [on_shard(s, 2, n) for s in (0, 1) for n in range(3)]
    for g in guilds:
        await h.save(Schedule(guild_id=g, channel_id=g + 1, post_time=parse_post_time("09:00"), timezone="UTC"))
    first_sender, second_sender = FakeSender(), FakeSender()
    other_db = await Database.open(h.path)
    first = DailyPoster(h.db, first_sender, h.lib, clock=h.clock, rate=None, owns=ShardPlan(2, (0,)).owns)
    second = DailyPoster(other_db, second_sender, h.lib, clock=h.clock, rate=None, owns=ShardPlan(2, (1,)).owns)
    try:
        h.clock.set(utc(2026, 6, 1, 9, 0))
        # Each one alone first: a process never takes another's servers, even when it is idle.
        await first.run_due()
        await first.wait_idle()
        assert sorted(d.post.guild_id for d in first_sender.delivered) == guilds[:3]
        h.clock.set(utc(2026, 6, 1, 9, 5))
        await first.run_due()
        await first.wait_idle()
        assert len(first_sender.delivered) == 3
        await second.run_due()
        await second.wait_idle()
        assert sorted(d.post.guild_id for d in second_sender.delivered) == guilds[3:]
    finally:
        await first.close()
        await second.close()
        await other_db.close()


async def test_a_restarted_process_leaves_another_shards_open_claims_alone(h: Harness) -> None:
    mine, theirs = on_shard(0, 2, 1), on_shard(1, 2, 1)
    for g in (mine, theirs):
        await h.save(Schedule(guild_id=g, channel_id=g + 1, post_time=parse_post_time("09:00"), timezone="UTC"))
    # Both claims are left open (as if the process(es) holding them died mid-send).
    h.clock.set(utc(2026, 6, 1, 9, 0))
    posts = PostsRepository(h.db)
    for g in (mine, theirs):
        assert await posts.claim((g, 1), dt.date(2026, 6, 1), at=h.clock.now(), entry_ids=(), late=False)
    h.clock.set(utc(2026, 6, 1, 9, 2))
    restarted = DailyPoster(h.db, h.sender, h.lib, clock=h.clock, rate=None, owns=ShardPlan(2, (0,)).owns)
    try:
        await restarted.run_due()
        await restarted.wait_idle()
    finally:
        await restarted.close()
    assert [d.post.guild_id for d in h.sender.delivered] == [mine]
    still_open = await posts.get((theirs, 1), dt.date(2026, 6, 1))
    assert still_open is not None
    assert still_open.status == "claimed"  # the other shard's process recovers it, not this one


async def test_reconcile_on_some_shards_does_not_mark_other_shards_servers_departed(h: Harness) -> None:
    mine, theirs = on_shard(0, 2, 1), on_shard(1, 2, 1)
    repo = GuildsRepository(h.db)
    for g in (mine, theirs):
        await repo.joined(g, at=h.clock.now())
    departed, returned = await repo.reconcile([], at=h.clock.now(), only=ShardPlan(2, (0,)).owns)
    assert (departed, returned) == ([mine], [])
    assert set(await repo.departed()) == {mine}
