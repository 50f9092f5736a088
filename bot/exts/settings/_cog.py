"""``/settings``: the daily post's settings for a server, for members who may manage it.

The group carries ``default_permissions(manage_guild=True)`` (Discord hides it from everyone
else) and ``guild_only``; :meth:`ServerSettings.interaction_check` checks Manage Server again at
run time, because server admins can override who sees a command. Every answer is ephemeral.
Bad values change nothing and say what to type instead.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import AppCommandOptionType, ChannelType, app_commands
from discord.ext import commands

from bot.core.errors import UserInputError
from bot.core.packs import pack_choices, tag_choices
from bot.core.posting_errors import PostForbidden, PostNotFound, PostRetryable
from bot.core.results import Saved
from bot.core.scheduling import (
    EMPTY_DAY_CHOICES,
    MAX_SCHEDULES,
    Schedule,
    find_schedule,
)
from bot.core.timezones import resolve_timezone, timezone_options
from bot.errors import ErrorReportingView, claim_response, send_ephemeral
from bot.sender import DiscordSender
from bot.services.settings import ScheduleSettings, require_channel
from bot.ui.digest import digest_view
from bot.ui.embeds import daily_post_buttons, daily_post_embeds, message_embeds
from bot.ui.pagination import send_message
from bot.ui.settings_text import (
    EMPTY_DAY_TEXT,
    HELP_EXAMPLES,
    HELP_SECTION,
    NO_EVERYONE_PING,
    PERMISSION_NAMES,
    confirmation,
    join_names,
    message_link,
    missing_permissions,
    permission_list,
    preview_lines,
    removed_text,
    schedules_card,
    settings_card,
)

if TYPE_CHECKING:
    from bot.app import Bot

Interaction = discord.Interaction[Any]

#: Channel types a daily post can go to (text and announcement channels).
POST_CHANNEL_TYPES = (ChannelType.text, ChannelType.news)
_KIND_NAMES = {
    ChannelType.voice: "a voice channel",
    ChannelType.stage_voice: "a stage channel",
    ChannelType.category: "a category",
    ChannelType.forum: "a forum",
    ChannelType.media: "a media channel",
    ChannelType.public_thread: "a thread",
    ChannelType.private_thread: "a thread",
    ChannelType.news_thread: "a thread",
}


# --- option types ------------------------------------------------------------------------------


class TimezoneOption(app_commands.Transformer):
    """An IANA timezone: autocompletes over the tz database, forgiving of case and partial names."""

    async def transform(self, interaction: Interaction, value: Any, /) -> str:
        return resolve_timezone(str(value))

    async def autocomplete(  # type: ignore[override]
        self, interaction: Interaction, value: int | float | str, /
    ) -> list[app_commands.Choice[str]]:
        clock = getattr(interaction.client, "clock", None)
        now = clock.now() if clock is not None else dt.datetime.now(dt.UTC)
        return [app_commands.Choice(name=label, value=name) for label, name in timezone_options(str(value), at=now)]


class PostChannelOption(app_commands.Transformer):
    """A channel option offering only text and announcement channels. Passes on what Discord sent
    (resolved data or a bare id); the command checks the channel again at run time."""

    @property
    def type(self) -> AppCommandOptionType:
        return AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[ChannelType]:
        return list(POST_CHANNEL_TYPES)

    async def transform(self, interaction: Interaction, value: Any, /) -> Any:
        return value


class ScheduleOption(app_commands.Transformer):
    """A schedule's name: autocompletes over the server's schedules; checked by the service."""

    async def transform(self, interaction: Interaction, value: Any, /) -> str:
        return str(value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: Interaction, value: int | float | str, /
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        names = await interaction.client.services.schedules.names(interaction.guild_id, str(value))
        return [app_commands.Choice(name=name, value=name) for name in names]


#: The optional ``schedule`` option every ``/settings`` command takes.
ScheduleName = app_commands.Transform[str, ScheduleOption]
SCHEDULE_HELP = "Which schedule (default: this server's first one)"


class ConfirmRemove(ErrorReportingView):
    """Remove / Keep buttons under ``/settings remove``; only the member who asked can press them."""

    def __init__(self, cog: ServerSettings, owner_id: int, guild_id: int, name: str) -> None:
        super().__init__(timeout=120)
        self.cog, self.owner_id, self.guild_id, self.name = cog, owner_id, guild_id, name

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        if interaction.user.id != self.owner_id:
            await send_ephemeral(interaction, "Only the member who asked to remove the schedule can confirm it.")
            return False
        return True

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def remove(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        # Answered before stopping: a stopped view's buttons count as stale (see bot.errors).
        removed = await self.cog.schedules.remove(self.guild_id, self.name)
        remaining = [s.name for s in await self.cog.schedules.all(self.guild_id)]
        await interaction.response.edit_message(content=removed_text(removed, remaining), view=None)
        self.stop()

    @discord.ui.button(label="Keep it", style=discord.ButtonStyle.secondary)
    async def keep(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content=f"Nothing was removed: `{self.name}` keeps posting.", view=None)
        self.stop()


# --- helpers -----------------------------------------------------------------------------------


def _guild_id(interaction: Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def bot_permissions(
    interaction: Interaction, channel: discord.abc.GuildChannel | None, channel_id: int | None = None
) -> discord.Permissions | None:
    """The bot's permissions in a channel, or None when they can't be known.

    From the cached channel and ``guild.me`` (sent in GUILD_CREATE, no members intent needed);
    else, for the channel the command was used in, the interaction's ``app_permissions``.
    """
    guild = interaction.guild
    me = guild.me if guild is not None else None
    if channel is not None and me is not None:
        return channel.permissions_for(me)
    wanted = channel.id if channel is not None else channel_id
    if wanted is not None and wanted == interaction.channel_id:
        return interaction.app_permissions
    return None


def _granted(perms: discord.Permissions) -> set[str]:
    # Iterating Permissions yields canonical names only (read_messages, not view_channel).
    return {name for name in PERMISSION_NAMES if getattr(perms, name)}


def _channel_kind(channel: Any) -> ChannelType | None:
    kind = getattr(channel, "type", None)
    return kind if isinstance(kind, ChannelType) else None


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
# Explicitly not in DMs: the tree's default contexts (servers and DMs, for lookups) would merge in.
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
class ServerSettings(
    commands.GroupCog,
    group_name="settings",
    group_description="The daily post in this server: channel, time, timezone, role, packs (Manage Server)",
):
    """The daily post's settings, one server at a time."""

    help_section = HELP_SECTION
    help_examples: ClassVar[tuple[tuple[str, str], ...]] = HELP_EXAMPLES

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.sender = DiscordSender(bot)

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        """Manage Server, checked again at run time (server admins can change who sees commands)."""
        _guild_id(interaction)
        perms = interaction.permissions
        if not (perms.manage_guild or perms.administrator):
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    # --- plumbing ------------------------------------------------------------------------

    @property
    def schedules(self) -> ScheduleSettings:
        return self.bot.services.schedules

    async def _confirm(self, interaction: Interaction, saved: Saved, notes: Sequence[str] = ()) -> None:
        """Say what changed (and ``notes``) and when the next post goes out; with several
        schedules, which one."""
        now = self.bot.clock.now()
        text = confirmation(saved.change, saved.next_post_at, self.bot.library, now, notes)
        schedule = saved.change.schedule
        if len(await self.schedules.all(schedule.guild_id)) > 1 and saved.change.kind not in ("add", "rename"):
            text = f"Schedule `{schedule.name}`: {text}"
        await send_ephemeral(interaction, text)

    def _check_channel(self, interaction: Interaction, value: Any) -> tuple[int, list[str]]:
        """The channel id, after refusing channels a post can't go to; plus notes for the reply."""
        guild = interaction.guild
        channel_id = int(value.id)
        cached = guild.get_channel(channel_id) if guild is not None else None
        kind = _channel_kind(cached) or _channel_kind(value)
        mention = f"<#{channel_id}>"
        if kind is not None and kind not in POST_CHANNEL_TYPES:
            what = _KIND_NAMES.get(kind, f"a {kind.name} channel")
            raise UserInputError(
                f"{mention} is {what}. Daily posts need a text or announcement channel; nothing was changed."
            )
        notes: list[str] = []
        perms = bot_permissions(interaction, cached, channel_id)
        if perms is None:
            notes.append("I couldn't check my permissions there: use `/settings test-post` to make sure I can post.")
            return channel_id, notes
        missing = missing_permissions(_granted(perms))
        if missing:
            raise UserInputError(
                f"I can't post in {mention}: I'm missing the {permission_list(missing)} permission"
                f"{'s' if len(missing) > 1 else ''} there. Give my role {permission_list(missing)} in that "
                "channel (Edit Channel → Permissions), then try again. Nothing was changed."
            )
        if not perms.read_message_history:
            notes.append(
                "Tip: give me Read Message History there too, so after a crash I can check whether "
                "a post already went out."
            )
        return channel_id, notes

    # --- commands ------------------------------------------------------------------------

    @app_commands.command(name="show", description="Every schedule with its next post, or one schedule in full")
    @app_commands.describe(schedule="Show this schedule in full (default: the list, or the only schedule)")
    async def show(self, interaction: Interaction, schedule: ScheduleName | None = None) -> None:
        guild_id = _guild_id(interaction)
        statuses = await self.schedules.statuses(guild_id)
        if schedule is None and len(statuses) > 1:
            card = schedules_card(statuses, self.bot.library)
        else:
            chosen = find_schedule([s.schedule for s in statuses if s.stored], schedule, guild_id)
            status = next((s for s in statuses if s.schedule.key == chosen.key), statuses[0])
            card = settings_card(status, self.bot.library)
        await send_message(interaction, message_embeds([card]), ephemeral=True)

    @app_commands.command(name="channel", description="Where the daily post goes")
    @app_commands.describe(
        channel="A text or announcement channel I can view, send messages and embed links in", schedule=SCHEDULE_HELP
    )
    async def channel(
        self,
        interaction: Interaction,
        channel: app_commands.Transform[Any, PostChannelOption],
        schedule: ScheduleName | None = None,
    ) -> None:
        channel_id, notes = self._check_channel(interaction, channel)
        saved = await self.schedules.set_channel(_guild_id(interaction), channel_id, schedule)
        if saved.change.schedule.thread:
            notes = [*notes, *self._thread_notes(interaction, channel_id)]
        await self._confirm(interaction, saved, notes)

    @app_commands.command(name="time", description="When the daily post goes out (server's local time)")
    @app_commands.describe(time="24-hour HH:MM like 09:00 or 21:30, or like 9am or 9:30 pm", schedule=SCHEDULE_HELP)
    async def time(
        self, interaction: Interaction, time: app_commands.Range[str, 1, 40], schedule: ScheduleName | None = None
    ) -> None:
        await self._confirm(interaction, await self.schedules.set_time(_guild_id(interaction), time, schedule))

    @app_commands.command(name="timezone", description="The timezone the post time is in")
    @app_commands.describe(
        timezone="A city or tz database name, like Europe/Berlin, berlin or America/New_York", schedule=SCHEDULE_HELP
    )
    async def timezone(
        self,
        interaction: Interaction,
        timezone: app_commands.Transform[str, TimezoneOption],
        schedule: ScheduleName | None = None,
    ) -> None:
        await self._confirm(interaction, await self.schedules.set_timezone(_guild_id(interaction), timezone, schedule))

    @app_commands.command(name="role", description="A role to ping with each daily post (leave empty for none)")
    @app_commands.describe(role="The role to mention; leave this out to stop pinging", schedule=SCHEDULE_HELP)
    async def role(
        self, interaction: Interaction, role: discord.Role | None = None, schedule: ScheduleName | None = None
    ) -> None:
        guild_id = _guild_id(interaction)
        if role is None:
            await self._confirm(interaction, await self.schedules.set_role(guild_id, None, schedule))
            return
        if not isinstance(role, discord.Role):  # no resolved data: discord.py passes a bare Object
            raise UserInputError("I can't find that role in this server. Pick one from the list Discord offers.")
        if role.is_default():
            raise UserInputError(NO_EVERYONE_PING)
        if role.managed:
            raise UserInputError(f"{role.mention} belongs to a bot or an integration; choose a role people have.")
        current = await self.schedules.current(guild_id, schedule)
        notes = []
        if not role.mentionable and not self._can_mention_any_role(interaction, current):
            notes.append(
                "Note: the role isn't mentionable, so Discord won't ping it unless you make it mentionable "
                "(Server Settings → Roles) or give me Mention @everyone, @here and All Roles."
            )
        await self._confirm(interaction, await self.schedules.set_role(guild_id, role.id, schedule), notes)

    def _can_mention_any_role(self, interaction: Interaction, schedule: Schedule) -> bool:
        guild = interaction.guild
        if guild is None:
            return False
        channel = guild.get_channel(schedule.channel_id) if schedule.channel_id is not None else None
        perms = bot_permissions(interaction, channel)
        if perms is None and guild.me is not None:
            perms = guild.me.guild_permissions
        return perms is not None and perms.mention_everyone

    @app_commands.command(name="empty-days", description="What to post on a day with nothing in the library")
    @app_commands.describe(mode="Skip the day, post that week in history, or post an article", schedule=SCHEDULE_HELP)
    @app_commands.choices(
        mode=[app_commands.Choice(name=f"{m}: {EMPTY_DAY_TEXT[m]}", value=m) for m in EMPTY_DAY_CHOICES]
    )
    async def empty_days(
        self, interaction: Interaction, mode: app_commands.Choice[str], schedule: ScheduleName | None = None
    ) -> None:
        saved = await self.schedules.set_empty_days(_guild_id(interaction), mode.value, schedule)
        await self._confirm(interaction, saved)

    @app_commands.command(name="packs", description="Which content packs the daily post uses")
    @app_commands.describe(packs="all, or pack ids or names separated by commas", schedule=SCHEDULE_HELP)
    async def packs(
        self, interaction: Interaction, packs: app_commands.Range[str, 1, 400], schedule: ScheduleName | None = None
    ) -> None:
        saved = await self.schedules.set_packs(_guild_id(interaction), packs, self.bot.library, schedule)
        await self._confirm(interaction, saved)

    @packs.autocomplete("packs")
    async def _packs_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=v) for n, v in pack_choices(current, self.bot.library)]

    @app_commands.command(name="days", description="Which days of the week the daily post goes out")
    @app_commands.describe(days="Like every day, weekdays, weekends, mon-fri or mon,wed,fri", schedule=SCHEDULE_HELP)
    async def days(
        self, interaction: Interaction, days: app_commands.Range[str, 1, 100], schedule: ScheduleName | None = None
    ) -> None:
        await self._confirm(interaction, await self.schedules.set_days(_guild_id(interaction), days, schedule))

    @app_commands.command(name="pause", description="Stop the daily post (settings are kept)")
    @app_commands.describe(schedule=SCHEDULE_HELP)
    async def pause(self, interaction: Interaction, schedule: ScheduleName | None = None) -> None:
        await self._confirm(interaction, await self.schedules.pause(_guild_id(interaction), schedule))

    @app_commands.command(name="resume", description="Start the daily post again (also after a channel problem)")
    @app_commands.describe(schedule=SCHEDULE_HELP)
    async def resume(self, interaction: Interaction, schedule: ScheduleName | None = None) -> None:
        current = await self.schedules.current(_guild_id(interaction), schedule)
        channel_id = require_channel(current)  # refuses when no channel is set
        guild = interaction.guild
        cached = guild.get_channel(channel_id) if guild is not None and channel_id is not None else None
        notes: list[str] = []
        if cached is not None:
            _, notes = self._check_channel(interaction, cached)
        elif guild is not None and guild.me is not None:
            raise UserInputError(f"I can't find <#{channel_id}> any more. Choose a channel with `/settings channel`.")
        await self._confirm(interaction, await self.schedules.resume(current.guild_id, current.name), notes)

    # --- preview and test ----------------------------------------------------------------

    @app_commands.command(name="preview", description="Exactly what the next daily post will be, and when")
    @app_commands.describe(schedule=SCHEDULE_HELP)
    async def preview(self, interaction: Interaction, schedule: ScheduleName | None = None) -> None:
        shown = await self.schedules.preview(_guild_id(interaction), self.bot.library, schedule)
        content = "\n".join(preview_lines(shown.schedule, shown.at, shown.post, self.bot.library))
        if shown.post is None:
            await send_ephemeral(interaction, content)
            return
        await send_message(
            interaction,
            daily_post_embeds(shown.post, self.bot.library),
            daily_post_buttons(shown.post, self.bot.library),
            ephemeral=True,
            content=content,
        )

    @app_commands.command(name="test-post", description="Post today's daily post now to the chosen channel")
    @app_commands.describe(mention_role="Also ping the chosen role (default: no ping)", schedule=SCHEDULE_HELP)
    async def test_post(
        self, interaction: Interaction, mention_role: bool = False, schedule: ScheduleName | None = None
    ) -> None:
        require_channel(await self.schedules.current(_guild_id(interaction), schedule))
        if await claim_response(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
        current, post = await self.schedules.test_post(_guild_id(interaction), self.bot.library, schedule)
        channel_id = require_channel(current)
        embeds = daily_post_embeds(post, self.bot.library, test=True)
        role_id = current.role_id if mention_role else None
        channel = f"<#{channel_id}>"
        try:
            message_id = await self.sender.send_embeds(
                channel_id,
                embeds,
                role_id=role_id,
                nonce=f"t{secrets.token_hex(8)}",
                view=digest_view(post) or daily_post_buttons(post, self.bot.library),
            )
        except PostForbidden as exc:
            raise UserInputError(
                f"I couldn't post in {channel}: Discord says I'm missing access or a permission there "
                f"({exc.reason}). I need {join_names(['View Channel', 'Send Messages', 'Embed Links'])}."
            ) from exc
        except PostNotFound as exc:
            raise UserInputError(
                f"{channel} doesn't exist any more (or I can't see it). Choose one with `/settings channel`."
            ) from exc
        except PostRetryable as exc:
            raise UserInputError(f"Discord is busy ({exc.reason}). Please try again in a minute.") from exc
        link = message_link(current.guild_id, channel_id, message_id)
        note = "" if mention_role or current.role_id is None else " (without the role ping)"
        await send_ephemeral(interaction, f"Test post sent to {channel}{note}: {link}")

    # --- several schedules ---------------------------------------------------------------

    @app_commands.command(name="add", description=f"A new scheduled post (up to {MAX_SCHEDULES} per server)")
    @app_commands.describe(
        name="A short name for it, like labour or weekly (letters, digits, - and _)",
        kind="daily: the day's events; weekly: a digest of the coming seven days",
        channel="Where it posts (you can choose later with /settings channel)",
    )
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="daily: the day's events", value="daily"),
            app_commands.Choice(name="weekly: a digest of the coming seven days", value="weekly"),
        ]
    )
    async def add(
        self,
        interaction: Interaction,
        name: app_commands.Range[str, 1, 40],
        kind: app_commands.Choice[str] | None = None,
        channel: app_commands.Transform[Any, PostChannelOption] | None = None,
    ) -> None:
        notes: list[str] = []
        channel_id = None
        if channel is not None:
            channel_id, notes = self._check_channel(interaction, channel)
        chosen = kind.value if kind is not None else "daily"  # the service refuses anything else
        saved = await self.schedules.add(_guild_id(interaction), name, chosen, channel_id)
        await self._confirm(interaction, saved, notes)

    @app_commands.command(name="remove", description="Remove a schedule with its settings and history (asks first)")
    @app_commands.describe(schedule="The schedule to remove")
    async def remove(self, interaction: Interaction, schedule: ScheduleName) -> None:
        guild_id = _guild_id(interaction)
        stored = await self.schedules.all(guild_id)
        if not stored:
            raise UserInputError("This server has no schedules to remove.")
        found = find_schedule(stored, schedule, guild_id)
        view = ConfirmRemove(self, interaction.user.id, guild_id, found.name)
        where = f" in <#{found.channel_id}>" if found.channel_id is not None else ""
        await interaction.response.send_message(
            f"Remove the schedule `{found.name}`{where}? Its settings and post history go with it; "
            "other schedules are not touched.",
            view=view,
            ephemeral=True,
        )

    @app_commands.command(name="rename", description="Give a schedule a new name")
    @app_commands.describe(schedule="The schedule to rename", new_name="Its new name (letters, digits, - and _)")
    async def rename(
        self, interaction: Interaction, schedule: ScheduleName, new_name: app_commands.Range[str, 1, 40]
    ) -> None:
        await self._confirm(interaction, await self.schedules.rename(_guild_id(interaction), schedule, new_name))

    @app_commands.command(name="tags", description="Post only events with any of these tags (any: every event)")
    @app_commands.describe(
        tags="any, or tags separated by commas, like strike, workers-councils", schedule=SCHEDULE_HELP
    )
    async def tags(
        self, interaction: Interaction, tags: app_commands.Range[str, 1, 400], schedule: ScheduleName | None = None
    ) -> None:
        saved = await self.schedules.set_tags(_guild_id(interaction), tags, self.bot.library, schedule)
        await self._confirm(interaction, saved)

    @tags.autocomplete("tags")
    async def _tags_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=v, value=v) for v in tag_choices(current, self.bot.library)]

    @app_commands.command(name="thread", description="Open a public thread on each post to talk about it")
    @app_commands.describe(on="Open a thread on each post (False: stop)", schedule=SCHEDULE_HELP)
    async def thread(self, interaction: Interaction, on: bool, schedule: ScheduleName | None = None) -> None:
        saved = await self.schedules.set_thread(_guild_id(interaction), on, schedule)
        channel_id = saved.change.schedule.channel_id
        notes = self._thread_notes(interaction, channel_id) if on and channel_id is not None else []
        await self._confirm(interaction, saved, notes)

    def _thread_notes(self, interaction: Interaction, channel_id: int) -> list[str]:
        """What the bot lacks to open threads in the channel (posts still go out without them)."""
        guild = interaction.guild
        cached = guild.get_channel(channel_id) if guild is not None else None
        perms = bot_permissions(interaction, cached, channel_id)
        if perms is None:
            return [
                "I couldn't check my thread permissions there; if a thread can't be opened, the post still goes out."
            ]
        missing = [
            label
            for name, label in (
                ("create_public_threads", "Create Public Threads"),
                ("send_messages_in_threads", "Send Messages in Threads"),
            )
            if not getattr(perms, name)
        ]
        if not missing:
            return []
        return [
            f"I'm missing {join_names(missing)} in <#{channel_id}>, so no thread can be opened yet: the posts "
            "still go out, and `/settings show` says why the thread is missing. Give my role "
            f"{join_names(missing)} there to fix it."
        ]
