"""The daily "on this day" post, without Discord: choose, claim, send, record.

The Discord adapter (the ``tasks.loop`` cog) calls :meth:`DailyPoster.run_due` once a minute and
implements :class:`Sender`. Everything else is here and tested with a fake clock and sender.

Exactly once per server and local day
    Each due post is **claimed** in the database (``INSERT ... ON CONFLICT DO NOTHING`` on
    ``(guild, schedule, local_date)``, the same on SQLite and PostgreSQL) before it is sent, and
    its message id recorded after. A second tick, a second task, a restarted process or another
    process on the same PostgreSQL database can never claim the same day again. The message carries a
    ``nonce`` derived from the day, which the adapter sends with ``enforce_nonce`` so Discord
    itself drops a repeat within a few minutes.

Crash between claim and send
    A claim left open by a previous run (the process died while sending, or while waiting to
    retry) is found on the next tick. The sender is asked whether the post is already in the
    channel (:meth:`Sender.find_sent`); if it is, its id is recorded; if not, it is sent now,
    with the same nonce, if still within the catch-up window of that local day. Otherwise the
    day is marked failed: a lost post is preferred to a duplicate.

Failures
    :class:`PostForbidden` (403) and :class:`PostNotFound` (404) release the claim (nothing was
    posted) and **pause** the schedule with a reason ``/settings show`` displays; the settings
    are kept. :class:`PostRetryable` (429, 5xx, timeouts) is retried with exponential backoff
    (at least the server's ``retry_after``) while the claim is held, until ``max_attempts`` or
    the end of the local day. Any other exception is a bug somewhere: the day is marked failed
    (never retried blindly, as the message may have gone out).

Throughput
    Due posts are queued in the order they became due and sent by ``concurrency`` workers
    (bounded concurrency), each send paced by a :class:`RateLimiter` so that a burst of
    thousands of servers stays under Discord's global limit of 50 requests per second while
    commands keep being answered. With several processes each paces to its share of that
    limit (:func:`bot.core.sharding.rate_share`).

Shards
    A process started for some of the bot's shards posts only for the servers on them (``owns``,
    from :meth:`bot.core.sharding.ShardPlan.owns`): another process's schedules and open claims
    are never touched. The claim still makes each post exactly once if two processes overlap.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.core.clock import Clock
from bot.core.models import Library
from bot.core.posting_errors import PostForbidden, PostNotFound, PostRetryable
from bot.core.posts import RECENT_DAYS, DailyPost, build_digest, build_post, thread_name
from bot.core.scheduling import (
    DEFAULT_CATCHUP,
    DEFAULT_LATE_AFTER,
    DuePost,
    PostState,
    Schedule,
    ScheduleKey,
    due_posts,
    local_to_utc,
    scheduled_instant,
)
from bot.core.text import plural
from bot.storage.database import Database, StorageUnavailableError
from bot.storage.guilds import DEPARTURE_GRACE, GuildsRepository
from bot.storage.posts import PostsRepository
from bot.storage.settings import SettingsRepository

log = logging.getLogger(__name__)

#: Post history older than this is pruned by :meth:`DailyPoster.maintenance`.
HISTORY_DAYS = 120
#: Requests to open a post's discussion thread, at most (after 429s, 5xx or timeouts).
THREAD_ATTEMPTS = 3
#: Seconds waited at most between two of them.
THREAD_RETRY_MAX = 30.0
#: Seconds before a claimed post whose database went away is tried again.
STORAGE_RETRY_DELAY = 30.0

OutcomeKind = Literal["sent", "recovered", "skipped", "already", "paused", "failed", "retrying"]


# --- ports -----------------------------------------------------------------------------------


class Sender(Protocol):
    """Posts to a channel. Implemented by the Discord adapter; faked in tests.

    ``send`` returns the new message's id. It puts a mention of ``role_id`` (if any) in the
    message content, outside the embed, allowing that one role only to be pinged, and passes
    ``payload.nonce`` as the message nonce. It raises :class:`PostForbidden` (403),
    :class:`PostNotFound` (404, unknown channel) or :class:`PostRetryable` (429, 5xx, timeout).

    ``find_sent`` looks for this post among the bot's own messages in the channel created after
    ``after`` (used after a crash) and returns its id, or None. It may raise the same errors.
    """

    async def send(self, channel_id: int, role_id: int | None, payload: DailyPost) -> int:
        """Post ``payload`` to the channel (pinging ``role_id`` if any); the new message's id."""
        ...

    async def find_sent(self, channel_id: int, payload: DailyPost, after: dt.datetime) -> int | None:
        """The id of this post if it is already in the channel (sent after ``after``), else None."""
        ...

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Open a public thread named ``name`` on the message; the thread's id. Raises the same errors."""
        ...


class RateLimiter:
    """Spaces calls at least ``1/rate`` seconds apart, first come first served (no bursts)."""

    def __init__(
        self,
        rate: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._next = 0.0

    async def acquire(self) -> None:
        """Wait for the next free slot."""
        now = self._monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)


# --- the service -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostOutcome:
    """What happened to one due post (kept in :attr:`DailyPoster.outcomes`, newest last)."""

    guild_id: int
    schedule_id: int
    local_date: dt.date
    kind: OutcomeKind
    at: dt.datetime
    message_id: int | None = None
    attempts: int = 0
    late: bool = False
    detail: str = ""


@dataclass(slots=True)
class _Job:
    due: DuePost
    #: Set once the claim is ours (or, for a recovered claim, from the start).
    claimed: bool = False
    claimed_at: dt.datetime | None = None
    recovering: bool = False
    post: DailyPost | None = None
    attempts: int = 0
    #: The message id once Discord accepted the post (kept if recording it failed, so a retry
    #: records it instead of sending again).
    sent_id: int | None = None

    @property
    def key(self) -> ScheduleKey:
        """The schedule this job posts for."""
        return self.due.schedule.key


def forbidden_reason(channel_id: int | None) -> str:
    """Why posting paused after a 403, as ``/settings show`` says it."""
    return (
        f"I can't post in <#{channel_id}>: I'm missing access or permission there. Give me View Channel, "
        "Send Messages and Embed Links in that channel, then resume posting in /settings."
    )


def not_found_reason(channel_id: int | None) -> str:
    """Why posting paused after a 404 on the channel, as ``/settings show`` says it."""
    return f"The channel <#{channel_id}> no longer exists (or I can't see it). Choose a channel in /settings."


class DailyPoster:
    """Runs due daily posts: bounded concurrency, claim-then-send-then-record, retries.

    Call :meth:`run_due` every minute; it queues what is due and returns at once. Use
    :meth:`wait_idle` to wait for the queue to drain (tests, benchmarks) and :meth:`close`
    on shutdown.
    """

    def __init__(
        self,
        db: Database,
        sender: Sender,
        library: Library,
        *,
        clock: Clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        concurrency: int = 16,
        rate: float | None = 45.0,
        catchup: dt.timedelta = DEFAULT_CATCHUP,
        late_after: dt.timedelta = DEFAULT_LATE_AFTER,
        max_attempts: int = 8,
        backoff_base: float = 2.0,
        backoff_max: float = 300.0,
        recent_days: int = RECENT_DAYS,
        departure_grace: dt.timedelta = DEPARTURE_GRACE,
        on_outcome: Callable[[PostOutcome], None] | None = None,
        owns: Callable[[int], bool] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.settings = SettingsRepository(db)
        self.posts = PostsRepository(db)
        self.guilds = GuildsRepository(db)
        self.sender = sender
        self.library = library
        self.clock = clock
        self._sleep = sleep
        self.concurrency = concurrency
        self.limiter = RateLimiter(rate, sleep=sleep) if rate else None
        self.catchup = catchup
        self.late_after = late_after
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.recent_days = recent_days
        self.departure_grace = departure_grace
        self.on_outcome = on_outcome
        #: Which servers this process posts for (those on its own shards); None: every server.
        self.owns = owns
        self.outcomes: collections.deque[PostOutcome] = collections.deque(maxlen=5000)
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._in_flight: dict[ScheduleKey, _Job] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._timers: dict[asyncio.Task[None], _Job] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False
        #: Claims made before this moment and still open were left by an earlier run (a crash).
        self.started_at = clock.now()

    # --- public API ----------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """How many posts are queued, sending or waiting to retry."""
        return len(self._in_flight)

    async def run_due(self, now_utc: dt.datetime | None = None) -> list[DuePost]:
        """Queue every post due at ``now_utc`` (default: the clock) and open claims left by a crash.

        Returns what was queued, in order. Sending happens in the background.
        """
        if self._closed:
            return []
        now = now_utc if now_utc is not None else self.clock.now()
        owns = self.owns
        schedules = [s for s in await self.settings.active() if owns is None or owns(s.guild_id)]
        by_key = {s.key: s for s in schedules}
        queued: list[DuePost] = []
        # Claims left open by an earlier run first: they became due before anything new. Another
        # process's claims (servers on its shards) are its own to settle, even after a reshard.
        for claim in await self.posts.open_claims():
            if claim.key in self._in_flight or claim.claimed_at > self.started_at:
                continue
            if owns is not None and not owns(claim.key[0]):
                continue
            job = await self._recovery_job(claim, by_key.get(claim.key), now)
            if job is not None:
                self._enqueue(job)
                queued.append(job.due)
        last = await self.posts.last_dates(since=(now - dt.timedelta(days=2)).date())
        for due in due_posts(schedules, last, now, self.catchup, late_after=self.late_after):
            if due.schedule.key in self._in_flight:
                continue
            self._enqueue(_Job(due))
            queued.append(due)
        if queued:
            log.info("daily posts: %d queued (%d in flight)", len(queued), len(self._in_flight))
        return queued

    async def wait_idle(self) -> None:
        """Wait until nothing is queued, sending or waiting to retry."""
        await self._idle.wait()

    async def close(self, grace: float = 10.0) -> None:
        """Stop: let sends in progress finish (up to ``grace`` seconds), then cancel the rest.

        Claims of posts that did not finish stay open and are recovered by the next run.
        """
        self._closed = True
        timers = list(self._timers.items())
        for timer, job in timers:
            timer.cancel()
            self._finish(job)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wait_idle(), grace)
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, *(t for t, _ in timers), return_exceptions=True)
        self._workers.clear()
        self._in_flight.clear()
        self._idle.set()

    async def maintenance(self, now: dt.datetime | None = None) -> tuple[list[int], int]:
        """Purge servers left more than ``departure_grace`` ago and prune old history.

        Returns ``(purged guild ids, pruned post records)``. Run it hourly or daily.
        """
        at = now if now is not None else self.clock.now()
        purged = await self.guilds.purge_departed(at, self.departure_grace)
        pruned = await self.posts.prune((at - dt.timedelta(days=HISTORY_DAYS)).date())
        if purged:
            log.info("purged settings of %s left more than %s ago", plural(len(purged), "server"), self.departure_grace)
        return (purged, pruned)

    # --- queueing ------------------------------------------------------------------------

    def _enqueue(self, job: _Job) -> None:
        self._in_flight[job.key] = job
        self._idle.clear()
        self._ensure_workers()
        self._queue.put_nowait(job)

    def _ensure_workers(self) -> None:
        self._workers = [w for w in self._workers if not w.done()]
        while len(self._workers) < self.concurrency:
            self._workers.append(asyncio.create_task(self._worker(), name=f"daily-post-worker-{len(self._workers)}"))

    def _finish(self, job: _Job) -> None:
        if self._in_flight.get(job.key) is job:
            del self._in_flight[job.key]
        if not self._in_flight:
            self._idle.set()

    async def _worker(self) -> None:
        while True:
            job = await self._queue.get()
            retry_in: float | None = None
            try:
                # After close(), queued work that holds no claim is dropped (the next run
                # finds it due again).
                if not (self._closed and not job.claimed):
                    retry_in = await self._process(job)
            except StorageUnavailableError as exc:
                # The database is away. A job holding a claim keeps it and tries again (a sent post
                # is then only recorded, never sent twice); one without a claim is due again at
                # the next tick.
                guild = job.due.schedule.guild_id
                if job.claimed and not self._closed:
                    retry_in = STORAGE_RETRY_DELAY
                    log.warning(
                        "daily post for server %s waits for the database (%s); retry in %.0fs", guild, exc, retry_in
                    )
                else:
                    log.warning("daily post for server %s skipped: %s; due again at the next tick", guild, exc)
            except Exception:
                log.exception("daily post for server %s failed unexpectedly", job.due.schedule.guild_id)
                try:
                    await self._give_up(job, "unexpected error while posting (logged)")
                except Exception:
                    log.exception("could not record the failure of server %s's post", job.due.schedule.guild_id)
            finally:
                self._queue.task_done()
                if retry_in is None:
                    self._finish(job)
            if retry_in is not None:
                self._schedule_retry(job, retry_in)

    def _schedule_retry(self, job: _Job, delay: float) -> None:
        async def later() -> None:
            """Requeue the job after ``delay`` seconds."""
            # Cancelled by close(): the claim stays open and the next run recovers it.
            await self._sleep(delay)
            self._queue.put_nowait(job)

        task = asyncio.create_task(later(), name=f"daily-post-retry-{job.due.schedule.guild_id}")
        self._timers[task] = job
        task.add_done_callback(self._timers_done)

    def _timers_done(self, task: asyncio.Task[None]) -> None:
        self._timers.pop(task, None)

    # --- one post ------------------------------------------------------------------------

    def _outcome(self, job: _Job, kind: OutcomeKind, *, message_id: int | None = None, detail: str = "") -> None:
        outcome = PostOutcome(
            guild_id=job.due.schedule.guild_id,
            schedule_id=job.due.schedule.schedule_id,
            local_date=job.due.local_date,
            kind=kind,
            at=self.clock.now(),
            message_id=message_id,
            attempts=job.attempts,
            late=job.due.late,
            detail=detail,
        )
        self.outcomes.append(outcome)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    async def _recovery_job(self, claim: PostState, schedule: Schedule | None, now: dt.datetime) -> _Job | None:
        """A job for a claim left open by an earlier run, or None after closing the claim as failed."""
        reason = (
            "the bot stopped while sending this post and posting is now off for this server; "
            "it may not have gone out, and was not retried to avoid posting twice"
        )
        if schedule is None:
            await self.posts.record_failed(claim.key, claim.local_date, reason, at=now)
            return None
        at = scheduled_instant(schedule, claim.local_date)
        delay = now - at
        # Even when it is too late to send, the sender is asked whether the post went out.
        return _Job(
            DuePost(schedule, claim.local_date, at, late=delay > self.late_after, delay=delay),
            claimed=True,
            claimed_at=claim.claimed_at,
            recovering=True,
            attempts=claim.attempts,
        )

    async def _build(self, job: _Job) -> DailyPost | None:
        due = job.due
        return await post_for(
            self.posts,
            self.library,
            due.schedule,
            due.local_date,
            late=due.late,
            scheduled_at=due.scheduled_at_utc,
            recent_days=self.recent_days,
        )

    async def _process(self, job: _Job) -> float | None:
        """Run one attempt. Returns a delay in seconds to retry after, or None when done."""
        if job.sent_id is not None:  # sent earlier; only recording it failed
            await self.posts.record_sent(job.key, job.due.local_date, job.sent_id, at=self.clock.now())
            self._outcome(job, "sent", message_id=job.sent_id)
            return None
        if job.post is None:
            job.post = await self._build(job)
        if not job.claimed and not await self._claim(job):
            return None
        try:
            if job.recovering and await self._settle_recovered(job):
                return None
            if job.post is None:  # a recovered claim whose content can no longer be built
                await self._give_up(job, "nothing to post any more (the content changed)")
                return None
            message_id = await self._send(job, job.post)
            job.sent_id = message_id
        except (PostForbidden, PostNotFound) as exc:
            await self._pause(job, exc)
            return None
        except PostRetryable as exc:
            return await self._retry_or_give_up(job, exc)
        await self.posts.record_sent(job.key, job.due.local_date, message_id, at=self.clock.now())
        self._outcome(job, "sent", message_id=message_id)
        log.debug("daily post for server %s on %s sent: message %s", job.key[0], job.due.local_date, message_id)
        await self._open_thread(job, job.post, message_id)
        return None

    async def _open_thread(self, job: _Job, post: DailyPost, message_id: int) -> None:
        """Open the discussion thread on a sent post, once: a failure is recorded, never retried
        (the post itself is out; posting it again for a thread would be worse)."""
        schedule = job.due.schedule
        if not schedule.thread or schedule.channel_id is None:
            return
        error: str | None = None
        thread_id: int | None = None
        try:
            thread_id = await self._thread_request(schedule.channel_id, message_id, thread_name(post))
        except PostForbidden:
            error = (
                f"I'm missing Create Public Threads or Send Messages in Threads in <#{schedule.channel_id}>; "
                "the post went out without its thread"
            )
        except PostNotFound:
            error = "the post was gone before its thread could be opened"
        except PostRetryable as exc:
            error = f"Discord was busy ({exc.reason or 'temporary error'}); the post went out without its thread"
        except Exception:
            log.exception("opening the thread on server %s's post failed unexpectedly", schedule.guild_id)
            error = "unexpected error while opening the thread (logged); the post went out without it"
        await self.posts.record_thread(job.key, job.due.local_date, thread_id=thread_id, error=error)
        if error is not None:
            log.warning("no thread on server %s's post of %s: %s", schedule.guild_id, job.due.local_date, error)

    async def _claim(self, job: _Job) -> bool:
        """Claim the day (the insert is the lock); False when there is nothing to do."""
        due, post = job.due, job.post
        if post is None:
            await self.posts.mark_skipped(job.key, due.local_date, at=self.clock.now(), reason="nothing to post")
            self._outcome(job, "skipped", detail="nothing on this day in the chosen packs")
            return False
        claimed = await self.posts.claim(
            job.key, due.local_date, at=self.clock.now(), entry_ids=post.entry_ids, late=due.late
        )
        if not claimed:
            self._outcome(job, "already")
            return False
        job.claimed, job.claimed_at = True, self.clock.now()
        return True

    async def _settle_recovered(self, job: _Job) -> bool:
        """For a claim left by a crash: True when it is settled (found posted, or too late)."""
        due, post, schedule = job.due, job.post, job.due.schedule
        assert schedule.channel_id is not None
        assert job.claimed_at is not None
        if post is not None:
            if self.limiter is not None:
                await self.limiter.acquire()
            since = job.claimed_at - dt.timedelta(minutes=1)
            found = await self.sender.find_sent(schedule.channel_id, post, since)
            if found is not None:
                await self.posts.record_sent(job.key, due.local_date, found, at=self.clock.now())
                self._outcome(job, "recovered", message_id=found, detail="found already posted")
                await self._open_thread(job, post, found)
                return True
        job.recovering = False
        now = self.clock.now()
        too_late = now.astimezone(schedule.zone).date() != due.local_date or now - due.scheduled_at_utc > self.catchup
        if post is not None and too_late:
            await self._give_up(job, "the bot stopped while sending this post and the day's window has passed")
            return True
        return False

    async def _send(self, job: _Job, post: DailyPost) -> int:
        schedule = job.due.schedule
        assert schedule.channel_id is not None
        if self.limiter is not None:
            await self.limiter.acquire()
        job.attempts += 1
        return await self.sender.send(schedule.channel_id, schedule.role_id, post)

    async def _thread_request(self, channel_id: int, message_id: int, name: str) -> int:
        """Open the thread, waiting out up to :data:`THREAD_ATTEMPTS` - 1 rate limits or outages
        (asking again cannot post anything twice: a message has at most one thread)."""
        for attempt in range(1, THREAD_ATTEMPTS + 1):
            if self.limiter is not None:
                await self.limiter.acquire()
            try:
                return await self.sender.open_thread(channel_id, message_id, name)
            except PostRetryable as exc:
                if attempt == THREAD_ATTEMPTS:
                    raise
                await self._sleep(min(THREAD_RETRY_MAX, max(exc.retry_after or 0.0, self.backoff_base * attempt)))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _pause(self, job: _Job, exc: PostForbidden | PostNotFound) -> None:
        """403 or 404: release the claim (nothing was posted) and pause with a reason."""
        schedule = job.due.schedule
        forbidden = isinstance(exc, PostForbidden)
        reason = forbidden_reason(schedule.channel_id) if forbidden else not_found_reason(schedule.channel_id)
        await self.posts.release(job.key, job.due.local_date)
        await self.settings.pause(job.key, reason, at=self.clock.now())
        log.warning("daily posts paused for server %s: %s", schedule.guild_id, exc.reason or type(exc).__name__)
        self._outcome(job, "paused", detail=reason)

    async def _retry_or_give_up(self, job: _Job, exc: PostRetryable) -> float | None:
        due = job.due
        now = self.clock.now()
        error = exc.reason or "temporary error"
        attempts = await self.posts.record_attempt(due.schedule.key, due.local_date, error, at=now)
        job.attempts = max(job.attempts, attempts)
        delay = min(self.backoff_max, self.backoff_base * 2.0 ** max(0, job.attempts - 1))
        if exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        end_of_day = local_to_utc(due.local_date + dt.timedelta(days=1), dt.time(0, 0), due.schedule.zone)
        if job.attempts >= self.max_attempts or now + dt.timedelta(seconds=delay) >= end_of_day:
            await self._give_up(job, f"gave up after {plural(job.attempts, 'attempt')}: {error}")
            return None
        self._outcome(job, "retrying", detail=f"{error}; next try in {delay:.0f}s")
        return delay

    async def _give_up(self, job: _Job, reason: str) -> None:
        due = job.due
        now = self.clock.now()
        if job.claimed:
            await self.posts.record_failed(due.schedule.key, due.local_date, reason, at=now)
        await self.settings.record_error(due.schedule.key, reason, at=now)
        log.warning("daily post for server %s on %s failed: %s", due.schedule.guild_id, due.local_date, reason)
        self._outcome(job, "failed", detail=reason)


# --- /settings show ----------------------------------------------------------------------------


async def post_for(
    posts: PostsRepository,
    library: Library,
    schedule: Schedule,
    local_date: dt.date,
    *,
    late: bool = False,
    scheduled_at: dt.datetime | None = None,
    recent_days: int = RECENT_DAYS,
) -> DailyPost | None:
    """The post ``schedule`` sends on ``local_date`` (a weekly digest for a ``weekly`` schedule),
    avoiding what it posted in the last ``recent_days``."""
    since = local_date - dt.timedelta(days=recent_days)
    recent = await posts.recent_entry_ids(schedule.guild_id, since, local_date, schedule.schedule_id)
    if schedule.kind == "weekly":
        return build_digest(library, schedule, local_date, recent, late, scheduled_at=scheduled_at)
    return build_post(library, schedule, local_date, recent, late, scheduled_at=scheduled_at)


def summarize(outcomes: Sequence[PostOutcome]) -> dict[str, int]:
    """Count outcomes by kind (for logs and the benchmark)."""
    return dict(collections.Counter(o.kind for o in outcomes))
