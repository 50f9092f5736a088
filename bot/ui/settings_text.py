"""What ``/settings`` says: pure text and cards from core objects (no bot, no network, no discord.py).

Used by the ``/settings`` cog, :mod:`bot.queries` (so the offline console) and ``python -m bot preview``.

Times are shown as Discord timestamps (``<t:unix:F>``), which every member's client renders in
their own timezone, next to the server's local wall time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from bot.core.dates import MONTH_NAMES
from bot.core.errors import UserInputError
from bot.core.models import Library
from bot.core.scheduling import EmptyDay, PostState, Schedule, format_post_time, format_weekdays
from bot.posting import ScheduleStatus
from bot.ui.layout import Card, Field, shorten

EMPTY_DAY_TEXT: dict[EmptyDay, str] = {
    "skip": "post nothing",
    "week": "post that week in history instead",
    "article": "post an article from the library instead",
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
        tries = f" (tried {state.attempts} time(s): {state.error})" if state.attempts and state.error else ""
        return f"{day}: being sent{tries}"
    reason = f": {state.error}" if state.error else ""
    return f"{day}: not posted{reason}"


def settings_card(status: ScheduleStatus, library: Library) -> Card:
    """Every setting, the next post and the last one (``/settings show``)."""
    s = status.schedule
    fields = [
        Field("Status", state_text(s)),
        Field("Channel", f"<#{s.channel_id}>" if s.channel_id is not None else "not set", inline=True),
        Field("Time", f"{format_post_time(s.post_time)} ({s.timezone})", inline=True),
        Field("Days", format_weekdays(s.weekdays), inline=True),
        Field("Role to ping", f"<@&{s.role_id}>" if s.role_id is not None else "nobody", inline=True),
        Field("Empty days", f"{s.empty_day}: {EMPTY_DAY_TEXT[s.empty_day]}", inline=True),
        Field("Packs", packs_text(s.packs, library), inline=True),
        Field("Next post", when_text(status.next_post_at) if status.next_post_at is not None else "none while off"),
        Field("Last post", last_post_text(status.last_post, s)),
    ]
    if status.last_error is not None:
        error, at = status.last_error
        fields.append(Field("Last error", f"{shorten(error, 900)} ({timestamp(at, 'f')})"))
    note = "" if status.stored else "These are the defaults: nothing has been set for this server yet.\n"
    return Card(
        title="Daily post settings",
        description=f"{note}Change them with the other `/settings` commands; `/settings preview` shows the next post.",
        fields=tuple(fields),
        footer="Times are shown in your own timezone.",
        kind="info",
    )


# --- packs -----------------------------------------------------------------------------------

ALL_PACKS = ("all", "every", "everything", "*")


def _pack_key(text: str) -> str:
    return " ".join(text.strip().casefold().replace("-", " ").replace("_", " ").split())


def resolve_packs(text: str, library: Library) -> frozenset[str] | None:
    """``all`` (None: every pack, including ones installed later) or a comma-separated list of
    pack ids or names. An empty choice is refused: a post needs at least one pack."""
    raw = text.strip()
    if _pack_key(raw) in ALL_PACKS:
        return None
    by_key: dict[str, str] = {}
    for pack in library.packs.values():
        by_key.setdefault(_pack_key(pack.id), pack.id)
        by_key.setdefault(_pack_key(pack.name), pack.id)
    chosen: set[str] = set()
    unknown: list[str] = []
    for part in raw.split(","):
        key = _pack_key(part)
        if not key:
            continue
        if key in by_key:
            chosen.add(by_key[key])
        else:
            unknown.append(part.strip()[:60])
    available = ", ".join(sorted(library.packs)) or "none installed"
    if unknown:
        raise UserInputError(
            f"I don't know the pack(s) {', '.join(repr(u) for u in unknown)}. Packs: {available} (or `all`)."
        )
    if not chosen:
        raise UserInputError(f"Please choose at least one pack (or `all`). Packs: {available}.")
    return frozenset(chosen)


def pack_choices(text: str, library: Library, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete for a comma-separated list: complete the last item, keep the ones before."""
    head, _, last = text.rpartition(",")
    done = [p.strip() for p in head.split(",") if p.strip()] if head else []
    done_keys = {_pack_key(p) for p in done}
    query = _pack_key(last)
    prefix = ", ".join(done)
    out: list[tuple[str, str]] = []
    if not done and (not query or "all".startswith(query)):
        out.append(("all packs", "all"))
    for pack in sorted(library.packs.values(), key=lambda p: p.name):
        if _pack_key(pack.id) in done_keys or _pack_key(pack.name) in done_keys:
            continue
        if query and query not in _pack_key(pack.id) and query not in _pack_key(pack.name):
            continue
        value = f"{prefix}, {pack.id}" if prefix else pack.id
        name = f"{prefix}, {pack.name}" if prefix else f"{pack.name} ({pack.id})"
        if len(value) <= 100:
            out.append((shorten(name, 100), value))
    return out[:limit]


def missing_permissions(granted: Collection[str]) -> list[str]:
    """Which of the permissions a daily post needs are not in ``granted`` (names as in discord.py)."""
    return [p for p in ("view_channel", "send_messages", "embed_links") if p not in granted]
