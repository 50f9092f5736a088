"""Several schedules of one server over a simulated week: two daily posts (one tag-filtered, in
another channel and timezone, across its DST change, with a discussion thread) and a weekly
digest, with a crash and restart in the middle of a fan-out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_posting import Delivered, FakeSender, Harness, event, library, utc

from bot.core.clock import FakeClock
from bot.core.models import Event, Library
from bot.core.posting_errors import PostForbidden, PostRetryable
from bot.core.posts import DailyPost, thread_name
from bot.core.scheduling import Schedule, parse_post_time
from bot.services.settings import ScheduleSettings
from bot.storage import PostsRepository, SettingsRepository
from bot.ui.settings_text import settings_card

GUILD = 1
MAIN, LABOUR, DIGEST = 501, 502, 503
#: Days (of March) with a strike on them; the labour schedule posts only those.
STRIKE_DAYS = (7, 8, 10, 14)


def tagged(base: Event, *tags: str) -> Event:
    return Event(**{**{f: getattr(base, f) for f in base.__slots__}, "tags": tags})  # type: ignore[arg-type]


def march_library() -> Library:
    events = [tagged(event(f"rising-{d:02d}", f"1917-03-{d:02d}"), "revolution") for d in range(1, 32)]
    events += [tagged(event(f"strike-{d:02d}", f"1905-03-{d:02d}"), "strike") for d in STRIKE_DAYS]
    return library(events)


class ThreadSender(FakeSender):
    """Also opens threads (or is refused them), and notes when each post went out."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.sent_at: dict[int, dt.datetime] = {}
        self.threads: list[tuple[int, int, str]] = []
        self.refuse_threads_on: set[dt.date] = set()
        self.last_post: dict[int, DailyPost] = {}
        self.thread_errors: list[BaseException] = []
        self.thread_calls = 0

    async def send(self, channel_id: int, role_id: int | None, payload: DailyPost) -> int:
        message_id = await super().send(channel_id, role_id, payload)
        self.sent_at[message_id] = self.clock.now()
        self.last_post[message_id] = payload
        return message_id

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        self.thread_calls += 1
        if self.thread_errors:
            raise self.thread_errors.pop(0)
        post = self.last_post[message_id]
        if post.local_date in self.refuse_threads_on:
            raise PostForbidden("Missing Permissions")
        self.threads.append((channel_id, message_id, name))
        return 900_000 + message_id


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 3, 7, 0, 0))


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path / "bot.sqlite3", clock, ThreadSender(clock), march_library())
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def by_channel(sender: FakeSender, channel: int) -> list[Delivered]:
    return [d for d in sender.delivered if d.channel_id == channel]


async def test_three_schedules_over_a_week_with_dst_and_a_restart_mid_fan_out(h: Harness) -> None:
    sender = h.sender
    assert isinstance(sender, ThreadSender)
    await h.save(Schedule(GUILD, 1, MAIN, parse_post_time("08:00"), "Europe/London"))
    await h.save(
        Schedule(
            GUILD, 2, LABOUR, parse_post_time("02:30"), "America/New_York", name="labour",
            tags=frozenset({"strike"}), thread=True,
        )
    )  # fmt: skip
    await h.save(
        Schedule(
            GUILD, 3, DIGEST, parse_post_time("09:00"), "Europe/Berlin", weekdays=frozenset({0}), name="weekly",
            kind="weekly",
        )
    )  # fmt: skip
    sender.refuse_threads_on = {dt.date(2026, 3, 10)}

    now = utc(2026, 3, 7, 0, 0)
    while now < utc(2026, 3, 16, 0, 0):
        if now == utc(2026, 3, 9, 8, 0):
            # Monday 08:00 UTC: the London daily (08:00 GMT) and the Berlin digest (09:00 CET)
            # are due together; the process dies right after the first one is delivered.
            sender.crash = "after"
            await h.tick(now)
            # Two posts on Saturday and on Sunday, and both of these: the worker that crashed
            # never recorded its message id, so its claim is still open when the process restarts.
            assert len(sender.delivered) == 6
            assert len(await PostsRepository(h.db).open_claims()) == 1
            await h.restart()
        await h.tick(now)
        now += dt.timedelta(minutes=15)
    await h.restart()
    await h.tick(utc(2026, 3, 16, 0, 0))

    # The main daily post: every day, exactly once, at 08:00 London time, never late.
    main = by_channel(sender, MAIN)
    assert [d.post.local_date.day for d in main] == list(range(7, 16))
    assert all(d.post.kind == "events" and not d.post.late for d in main)
    assert all(sender.sent_at[d.message_id].time() == dt.time(8, 0) for d in main if d.post.local_date.day != 9)

    # The labour schedule: only days with a strike, only strikes, at 02:30 New York time; on the
    # day the clocks spring forward over 02:30 it posts at 03:00 EDT (07:00 UTC).
    labour = by_channel(sender, LABOUR)
    assert [d.post.local_date.day for d in labour] == list(STRIKE_DAYS)
    assert all({e.id for e in d.post.events} == {f"strike-{d.post.local_date.day:02d}"} for d in labour)
    sent_times = {d.post.local_date.day: sender.sent_at[d.message_id] for d in labour}
    assert sent_times[7] == utc(2026, 3, 7, 7, 30)  # 02:30 EST
    assert sent_times[8] == utc(2026, 3, 8, 7, 0)  # 02:30 does not exist: 03:00 EDT
    assert sent_times[10] == utc(2026, 3, 10, 6, 30)  # 02:30 EDT
    # The same event may go out from two schedules on the same day (different channels).
    assert "strike-07" in {e.id for d in main if d.post.local_date.day == 7 for e in d.post.events}

    # Threads: opened on each labour post, named after its main event; refused on the 10th,
    # where the post still went out once and the reason is kept for /settings show.
    assert [(c, name) for c, _, name in sender.threads] == [
        (LABOUR, "Strike 07"),
        (LABOUR, "Strike 08"),
        (LABOUR, "Strike 14"),
    ]
    posts = PostsRepository(h.db)
    refused = await posts.get((GUILD, 2), dt.date(2026, 3, 10))
    assert refused is not None
    assert refused.status == "sent"
    assert refused.thread_id is None
    assert refused.thread_error is not None
    assert "Create Public Threads" in refused.thread_error
    opened = await posts.get((GUILD, 2), dt.date(2026, 3, 14))
    assert opened is not None
    assert opened.thread_id == 900_000 + by_channel(sender, LABOUR)[3].message_id
    assert not any(c == MAIN for c, _, _ in sender.threads)

    # The weekly digest: Monday only, once (despite the crash), the coming seven days grouped by day.
    (digest,) = by_channel(sender, DIGEST)
    assert digest.post.kind == "digest"
    assert digest.post.local_date == dt.date(2026, 3, 9)
    assert [day.day for day, _ in digest.post.days] == list(range(9, 16))
    assert [e.id for _, events in digest.post.days for e in events][:3] == ["rising-09", "strike-10", "rising-10"]
    assert thread_name(digest.post) == "The week from 2026-03-09"

    # Exactly once per schedule and local day, across the crash and restarts.
    counts: dict[tuple[int, int, dt.date], int] = {}
    for d in sender.delivered:
        key = (d.post.guild_id, d.post.schedule_id, d.post.local_date)
        counts[key] = counts.get(key, 0) + 1
    assert set(counts.values()) == {1}
    assert sender.find_calls >= 1  # the crashed send was found in the channel, not sent again

    # Status: the labour schedule shows its thread problem; every schedule has its own next post.
    service = ScheduleSettings(h.db, h.clock)
    statuses = {s.schedule.name: s for s in await service.statuses(GUILD, utc(2026, 3, 10, 12, 0))}
    assert set(statuses) == {"daily", "labour", "weekly"}
    labour_status = statuses["labour"]
    assert labour_status.last_post is not None
    assert (labour_status.last_post.local_date, labour_status.last_post.status) == (dt.date(2026, 3, 15), "skipped")
    assert labour_status.next_post_at == utc(2026, 3, 16, 6, 30)
    card = settings_card(dataclasses.replace(labour_status, last_post=refused), h.lib)
    fields = {f.name: f.value for f in card.fields}
    assert "Create Public Threads" in fields["Thread"]
    assert fields["Tags"] == "events tagged strike"
    assert fields["Discussion thread"] == "opened on each post"
    assert card.title == "Schedule `labour`"


async def test_removing_a_schedule_leaves_the_others_posting(h: Harness) -> None:
    sender = h.sender
    await h.save(Schedule(GUILD, 1, MAIN, parse_post_time("08:00"), "Europe/London"))
    await h.save(Schedule(GUILD, 2, LABOUR, parse_post_time("08:00"), "Europe/London", name="labour"))
    await h.tick(utc(2026, 3, 7, 8, 0))
    assert sorted(d.channel_id for d in sender.delivered) == [MAIN, LABOUR]
    service = ScheduleSettings(h.db, h.clock)
    removed = await service.remove(GUILD, "labour")
    assert removed.channel_id == LABOUR
    assert await PostsRepository(h.db).get((GUILD, 2), dt.date(2026, 3, 7)) is None
    assert await PostsRepository(h.db).get((GUILD, 1), dt.date(2026, 3, 7)) is not None
    await h.tick(utc(2026, 3, 8, 8, 0))
    assert [d.channel_id for d in sender.delivered][2:] == [MAIN]
    assert [s.name for s in await SettingsRepository(h.db).for_guild(GUILD)] == ["daily"]


def test_the_scheduler_benchmark_runs_with_three_schedules_per_server(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / "scheduler_bench.py"
    spec = importlib.util.spec_from_file_location("scheduler_bench_schedules", path)
    assert spec is not None
    assert spec.loader is not None
    scheduler_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scheduler_bench)
    args = ["--servers", "40", "--rate", "1000", "--latency", "4", "--jitter", "1", "--schedules", "3"]
    figures = scheduler_bench.main(args)
    assert figures["sent"] == 120  # every schedule of every server: daily, tag-filtered with a thread, weekly
    assert figures["requests"] == 160  # and one thread each for the 40 tag-filtered posts
    assert "40 servers x 3 schedule(s)" in capsys.readouterr().out


async def test_a_rate_limited_thread_is_asked_again_but_the_post_never_is(h: Harness) -> None:
    sender = h.sender
    assert isinstance(sender, ThreadSender)
    await h.save(Schedule(GUILD, 1, LABOUR, parse_post_time("08:00"), "UTC", thread=True))
    sender.thread_errors = [PostRetryable("429", retry_after=2.0)]
    await h.tick(utc(2026, 3, 7, 8, 0))
    assert sender.thread_calls == 2
    assert len(sender.threads) == 1
    assert 2.0 in h.sleeps  # waited out Discord's retry_after
    sender.thread_errors = [PostRetryable("502")] * 3
    await h.tick(utc(2026, 3, 8, 8, 0))
    assert sender.thread_calls == 5  # three tries, then given up
    assert len(sender.delivered) == 2  # one post a day, whatever happened to the thread
    state = await PostsRepository(h.db).get((GUILD, 1), dt.date(2026, 3, 8))
    assert state is not None
    assert state.status == "sent"
    assert state.thread_error is not None
    assert "Discord was busy (502)" in state.thread_error
