"""What ``/settings`` says: pure text and cards from core objects (no bot, no network, no discord.py).

Used by the ``/settings`` cog, the console and ``python -m bot preview``.

Times are shown as Discord timestamps (``<t:unix:F>``), which every member's client renders in
their own timezone, next to the server's local wall time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from bot.core.changes import Change
from bot.core.dates import MONTH_NAMES
from bot.core.models import Library
from bot.core.posts import DailyPost
from bot.core.scheduling import (
    DEFAULT_SCHEDULE_NAME,
    MAX_SCHEDULES,
    WEEKDAY_NAMES,
    EmptyDay,
    PostState,
    Schedule,
    ScheduleKind,
    ScheduleStatus,
    format_post_time,
    format_weekdays,
)
from bot.core.text import plural, shorten
from bot.core.timezones import cities_at_offset, fixed_offset, get_zone, timezone_label
from bot.ui.layout import Card, Field

ALL_DAYS = frozenset(range(7))
WORKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
EMPTY_DAY_TEXT: dict[EmptyDay, str] = {
    "skip": "post nothing",
    "week": "post that week in history instead",
    "article": "post an article from the library instead",
}
#: The "Empty days" field of ``/settings show``: what happens, then the setting's name.
EMPTY_DAY_FIELD: dict[EmptyDay, str] = {
    "skip": "Nothing is posted (`skip`)",
    "week": "That week in history (`week`)",
    "article": "An article from the library (`article`)",
}
#: The ``/settings`` section of ``/help`` (the cog declares it; the console shows it too).
HELP_SECTION = "Daily posts (needs Manage Server)"
HELP_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("/settings channel channel:#history", "where the daily post goes (checks my permissions there)"),
    ("/settings time time:09:00 · /settings timezone timezone:berlin", "when it goes out, in your local time"),
    ("/settings role role:@history-fans", "a role to ping with each post (leave empty for none)"),
    ("/settings days days:mon-fri · /settings empty-days", "which days, and what to do on a day with nothing"),
    ("/settings packs packs:all", "which content packs to post from"),
    ("/settings show · /settings preview · /settings test-post", "see everything, the next post, or post now"),
    ("/settings pause · /settings resume", "stop and start the daily post"),
)
#: Why a daily post never pings @everyone (the cog and the console refuse it alike).
NO_EVERYONE_PING = "The daily post can't ping @everyone. Choose a role members can opt into."
#: What the permission names look like in Discord's settings.
PERMISSION_NAMES = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
    "mention_everyone": "Mention @everyone, @here and All Roles",
}


def timestamp(when: dt.datetime, style: str = "F") -> str:
    """``<t:1781690400:F>``: shown by Discord in each reader's own timezone."""
    return f"<t:{int(when.timestamp())}:{style}>"


def when_text(when: dt.datetime) -> str:
    return f"{timestamp(when, 'F')} ({timestamp(when, 'R')})"


def local_date_text(day: dt.date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def message_link(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def weekdays_text(days: frozenset[int]) -> str:
    """The days for the ``Days`` field: ``every day``, ``Monday to Friday``, ``Monday, Wednesday and Friday``."""
    if days in (ALL_DAYS, WORKDAYS, WEEKEND):
        return format_weekdays(days)
    return join_names([WEEKDAY_NAMES[d] for d in sorted(days)])


def weekdays_phrase(days: frozenset[int]) -> str:
    """The days after "Daily posts will go out": ``every day``, ``Monday to Friday``, ``on weekends``,
    ``on Monday and Thursday``."""
    if days in (ALL_DAYS, WORKDAYS):
        return format_weekdays(days)
    if days == WEEKEND:
        return "on weekends"
    return f"on {weekdays_text(days)}"


def permission_list(missing: Sequence[str]) -> str:
    return join_names([PERMISSION_NAMES.get(p, p.replace("_", " ").title()) for p in missing])


def state_text(schedule: Schedule) -> str:
    """One line: is the daily post on, and if not, why."""
    if schedule.paused_reason is not None:
        return f"⏸️ Paused by the bot: {schedule.paused_reason}"
    if schedule.channel_id is None:
        return "Not set up yet: choose a channel with `/settings channel`."
    if not schedule.enabled:
        return "⏸️ Paused (with `/settings pause`). Start again with `/settings resume`."
    return "▶️ On"


def packs_text(packs: frozenset[str] | None, library: Library) -> str:
    if packs is None:
        return "all packs"
    names = [library.packs[p].name if p in library.packs else f"{p} (no longer installed)" for p in sorted(packs)]
    return join_names(names) or "none"


def last_post_text(state: PostState | None, schedule: Schedule) -> str:
    if state is None:
        return "Nothing posted yet."
    day = f"{local_date_text(state.local_date)} (local date)"
    if state.status == "sent":
        parts = [f"{day}: sent"]
        if state.message_id is not None:
            link = (
                f"[message {state.message_id}]({message_link(state.guild_id, schedule.channel_id, state.message_id)})"
                if schedule.channel_id is not None
                else f"message {state.message_id}"
            )
            parts.append(link)
        if state.posted_at is not None:
            parts.append(timestamp(state.posted_at, "f"))
        if state.late:
            parts.append("late (the bot was offline at the post time)")
        return ", ".join(parts)
    if state.status == "skipped":
        return f"{day}: skipped ({state.error})" if state.error else f"{day}: nothing to post that day"
    if state.status == "claimed":
        tries = f" (tried {plural(state.attempts, 'time')}: {state.error})" if state.attempts and state.error else ""
        return f"{day}: being sent{tries}"
    reason = f": {state.error}" if state.error else ""
    return f"{day}: not posted{reason}"


def settings_card(status: ScheduleStatus, library: Library) -> Card:
    """Every setting, the next post and the last one (``/settings show``)."""
    s = status.schedule
    fields = [
        Field("Status", state_text(s)),
        *schedule_fields(status, library),
        Field("Channel", f"<#{s.channel_id}>" if s.channel_id is not None else "not set", inline=True),
        Field("Time", f"{format_post_time(s.post_time)} ({timezone_label(s.timezone)})", inline=True),
        Field("Days", weekdays_text(s.weekdays), inline=True),
        Field("Role to ping", f"<@&{s.role_id}>" if s.role_id is not None else "nobody", inline=True),
        Field("Empty days", EMPTY_DAY_FIELD[s.empty_day], inline=True),
        Field("Packs", packs_text(s.packs, library), inline=True),
        Field("Next post", when_text(status.next_post_at) if status.next_post_at is not None else "none while off"),
        Field("Last post", last_post_text(status.last_post, s)),
    ]
    if status.last_error is not None:
        error, at = status.last_error
        fields.append(Field("Last error", f"{shorten(error, 900)} ({timestamp(at, 'f')})"))
    note = "" if status.stored else "These are the defaults: nothing has been set for this server yet.\n"
    return Card(
        title="Daily post settings" if s.name == DEFAULT_SCHEDULE_NAME else f"Schedule `{s.name}`",
        description=f"{note}Change them with the other `/settings` commands; `/settings preview` shows the next post.",
        fields=tuple(fields),
        footer="Times are shown in your own timezone.",
        kind="info",
    )


SCHEDULE_KIND_TEXT: dict[ScheduleKind, str] = {
    "daily": "the day's events",
    "weekly": "a digest of the coming seven days",
}


def tags_text(tags: frozenset[str] | None) -> str:
    return "any event" if tags is None else "events tagged " + " or ".join(sorted(tags))


def schedule_fields(status: ScheduleStatus, library: Library) -> list[Field]:
    """What only schedules other than a plain daily post have (kind, tags, thread, thread problems)."""
    s = status.schedule
    fields: list[Field] = []
    if s.name != DEFAULT_SCHEDULE_NAME or s.kind != "daily":
        fields.append(Field("Schedule", f"`{s.name}`: {s.kind} ({SCHEDULE_KIND_TEXT[s.kind]})", inline=True))
    if s.tags is not None:
        fields.append(Field("Tags", tags_text(s.tags), inline=True))
    if s.thread:
        fields.append(Field("Discussion thread", "opened on each post", inline=True))
    last = status.last_post
    if last is not None and last.thread_error is not None:
        fields.append(Field("Thread", f"not opened on the last post: {shorten(last.thread_error, 900)}"))
    return fields


def schedule_line(status: ScheduleStatus, library: Library) -> Field:
    """One schedule in the ``/settings show`` list: what, where, when, and its next post."""
    s = status.schedule
    where = f"<#{s.channel_id}>" if s.channel_id is not None else "no channel yet"
    when = f"{format_post_time(s.post_time)} {timezone_label(s.timezone)}, {weekdays_text(s.weekdays)}"
    what = f"{s.kind}, {when}, in {where}"
    filters = [packs_text(s.packs, library)]
    if s.tags is not None:
        filters.append(tags_text(s.tags))
    if s.thread:
        filters.append("with a discussion thread")
    if status.next_post_at is not None and s.active:
        upcoming = f"Next post: {timestamp(status.next_post_at, 'F')} ({timestamp(status.next_post_at, 'R')})"
    else:
        upcoming = state_text(s)
    return Field(f"{s.name}", shorten(f"{what}; {', '.join(filters)}.\n{upcoming}", 1000))


def schedules_card(statuses: Sequence[ScheduleStatus], library: Library) -> Card:
    """Every schedule of a server with its next post (``/settings show`` with several schedules)."""
    return Card(
        title=f"Scheduled posts ({len(statuses)} of {MAX_SCHEDULES})",
        description=(
            "Every other `/settings` command takes `schedule:` to change one of these "
            "(without it, the first). `/settings show schedule:` shows one in full."
        ),
        fields=tuple(schedule_line(s, library) for s in statuses),
        footer="Times are shown in your own timezone.",
        kind="info",
    )


def schedule_change_text(change: Change, library: Library) -> str | None:
    """What adding, renaming, a tag filter or the thread option did (None: another kind of change)."""
    s = change.schedule
    if change.kind == "add":
        where = (
            f"It posts in <#{s.channel_id}>."
            if s.channel_id is not None
            else f"Choose its channel with `/settings channel schedule:{s.name}`."
        )
        return (
            f"Added the {s.kind} schedule `{s.name}` ({SCHEDULE_KIND_TEXT[s.kind]}, {weekdays_phrase(s.weekdays)} at "
            f"{format_post_time(s.post_time)} {timezone_label(s.timezone)}). {where} "
            f"Change it with `schedule:{s.name}` on any `/settings` command."
        )
    if change.kind == "rename":
        return f"The schedule is now called `{s.name}`."
    if change.kind == "tags":
        return f"Schedule `{s.name}` will post {tags_text(s.tags)}."
    if change.kind == "thread":
        if s.thread:
            return f"Each post of `{s.name}` will open a public thread to talk about it, named after its main event."
        return f"Posts of `{s.name}` won't open a thread."
    return None


def removed_text(schedule: Schedule, remaining: Sequence[str]) -> str:
    others = ", ".join(f"`{n}`" for n in remaining)
    rest = f" The other schedules ({others}) keep posting." if others else " This server has no schedules now."
    return f"Removed the schedule `{schedule.name}` with its settings and post history.{rest}"


def missing_permissions(granted: Collection[str]) -> list[str]:
    """Which of the permissions a daily post needs are not in ``granted`` (names as in discord.py)."""
    return [p for p in ("view_channel", "send_messages", "embed_links") if p not in granted]


# --- confirmations ---------------------------------------------------------------------------


def change_text(change: Change, library: Library, now_utc: dt.datetime) -> str:
    """What a settings change did, in one sentence (or two)."""
    s = change.schedule
    named = schedule_change_text(change, library)
    if named is not None:
        return named
    if change.kind == "channel":
        text = f"Daily posts will go to <#{s.channel_id}>."
        return text + (" The earlier problem is cleared, so posting resumes." if change.resumed else "")
    if change.kind == "time":
        return f"Daily posts will go out at {format_post_time(s.post_time)} ({timezone_label(s.timezone)} time)."
    if change.kind == "timezone":
        return timezone_text(s, now_utc)
    if change.kind == "days":
        return f"Daily posts will go out {weekdays_phrase(s.weekdays)}."
    if change.kind == "packs":
        return f"Daily posts will use {packs_text(s.packs, library)}."
    if change.kind == "empty_days":
        return f"On a day with nothing in the library I'll {EMPTY_DAY_TEXT[s.empty_day]}."
    if change.kind == "role":
        return "Daily posts won't ping anyone." if s.role_id is None else f"Daily posts will ping <@&{s.role_id}>."
    if change.kind == "pause":
        already = "already paused" if change.unchanged else "paused"
        return f"Daily posts are {already}. `/settings resume` starts them again."
    return "Daily posts are on again." if change.resumed else "Daily posts are on."


def timezone_text(s: Schedule, now_utc: dt.datetime) -> str:
    """The answer to ``/settings timezone``: the zone, its time now, and for a fixed offset why a
    city is better (an offset does not follow daylight saving)."""
    local_now = now_utc.astimezone(get_zone(s.timezone))
    label = timezone_label(s.timezone)
    text = (
        f"Timezone set to {label} (it is {format_post_time(local_now.time())} there now). "
        f"Daily posts go out at {format_post_time(s.post_time)} {label} time."
    )
    offset = fixed_offset(s.timezone)
    if offset is None or not offset:
        return text
    if s.timezone.startswith("Etc/"):
        text += f" ({s.timezone} is the tz database's name for {label}: it writes the sign the other way round.)"
    cities = cities_at_offset(offset, now_utc)
    city = f" such as {' or '.join(cities)}" if cities else ", like Europe/Berlin"
    return (
        f"{text} A fixed offset does not follow daylight saving: if your clocks change in summer, "
        f"set your city instead{city}."
    )


def next_line(schedule: Schedule, next_post: dt.datetime | None) -> str:
    """The line after a confirmation: when the next post goes out, or why none will."""
    if not schedule.active or next_post is None:
        return state_text(schedule)
    return f"Next post: {when_text(next_post)} in <#{schedule.channel_id}>."


def confirmation(
    change: Change, next_post: dt.datetime | None, library: Library, now_utc: dt.datetime, notes: Sequence[str] = ()
) -> str:
    """The whole answer to a settings change: what changed, any notes, and the next post."""
    if change.kind == "pause":
        return change_text(change, library, now_utc)
    return "\n".join([change_text(change, library, now_utc), *notes, next_line(change.schedule, next_post)])


def preview_lines(schedule: Schedule, when: dt.datetime, post: DailyPost | None, library: Library) -> list[str]:
    """The lines above ``/settings preview``'s post: when, where, and whether it will go out."""
    ping = f", pinging <@&{schedule.role_id}>" if schedule.role_id is not None else ""
    if schedule.channel_id is None:
        lines = [
            "**No daily post yet:** choose a channel with `/settings channel` first.",
            f"With a channel, the next one would go out {when_text(when)}{ping}.",
        ]
    elif not schedule.active:
        lines = [
            state_text(schedule),
            f"Once posting is on, the next one would go out {when_text(when)} in <#{schedule.channel_id}>{ping}.",
        ]
    else:
        what = "Next weekly digest" if schedule.kind == "weekly" else "Next daily post"
        lines = [f"**{what}:** {when_text(when)} in <#{schedule.channel_id}>{ping}."]
    tagged = "" if schedule.tags is None else f" ({tags_text(schedule.tags)})"
    if post is None and schedule.kind == "weekly":
        lines.append(
            f"Nothing would be posted that week: nothing in {packs_text(schedule.packs, library)}{tagged} "
            "happened on any of those seven days."
        )
    elif post is None and schedule.tags is not None:
        lines.append(
            f"Nothing would be posted that day: there is nothing on it in {packs_text(schedule.packs, library)}"
            f"{tagged}, and empty days are set to skip (change that with `/settings empty-days`, or the tags "
            "with `/settings tags`)."
        )
    elif post is None:
        lines.append(
            "Nothing would be posted that day: there is nothing on it in "
            f"{packs_text(schedule.packs, library)}, and empty days are set to skip "
            "(change that with `/settings empty-days`)."
        )
    elif schedule.active:
        lines.append("This is exactly what it will look like:")
    else:
        lines.append("This is what it would look like:")
    return lines
