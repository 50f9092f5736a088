"""The Discord application: :class:`Bot`, extension discovery, hash-based command sync, ``run_bot``.

Resources (settings, the content library, the search index, the database, the clock) are built
in :func:`run_bot` and injected through the constructor, as in discord.py's
``examples/advanced_startup.py``. Async setup happens in :meth:`Bot.setup_hook`: extensions are
loaded and the command tree is synced only when its hash differs from the last synced one.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import gc
import hashlib
import importlib
import inspect
import json
import logging
import pkgutil
import random
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import discord
import discord.client
import discord.shard
import yarl
from discord.backoff import ExponentialBackoff
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot import __version__
from bot.config import Settings, is_loopback_url
from bot.content_loader import LoadResult
from bot.core.clock import Clock, SystemClock
from bot.core.models import Library
from bot.core.search import SearchIndex
from bot.core.text import plural
from bot.errors import BotTree, answer_stale_component
from bot.log import say, setup_logging
from bot.services import Services
from bot.services.health import HealthReporter, record_problem, write_heartbeat
from bot.services.library import source_url
from bot.services.startup import StartupError, check_content, remove_stale_files
from bot.storage import Database, MetaRepository, StorageError, StorageUnavailableError, open_database

log = logging.getLogger(__name__)

EXTENSIONS_PACKAGE = "bot.exts"
EXIT_OK = 0
EXIT_FAILED = 1
#: A problem of the installation or configuration (no token, unreadable content): as ``bot.cli``.
EXIT_USAGE = 2


# --- extensions ------------------------------------------------------------------------------


def _is_private(module_name: str) -> bool:
    return any(part.startswith("_") for part in module_name.split("."))


def walk_extensions(package: str = EXTENSIONS_PACKAGE) -> Iterator[str]:
    """Every extension under ``package``: a module or package with an ``async def setup(bot)``.

    Names starting with ``_`` are private helpers and are skipped (as in python-discord's
    ``walk_extensions``). A package that is itself an extension owns its submodules: they are not
    loaded on their own. A package without ``setup`` is just a folder of extensions.
    """
    root = importlib.import_module(package)
    owned: list[str] = []
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        name = info.name
        if _is_private(name.removeprefix(f"{package}.")):
            continue
        if any(name.startswith(f"{parent}.") for parent in owned):
            continue
        module = importlib.import_module(name)
        setup = getattr(module, "setup", None)
        if setup is None or not inspect.iscoroutinefunction(setup):
            continue
        if info.ispkg:
            owned.append(name)
        yield name


# --- command tree hashing --------------------------------------------------------------------


def tree_payload(tree: discord.app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> list[Any]:
    """The JSON Discord would receive for this scope, in a stable order."""
    commands_ = [cmd.to_dict(tree) for cmd in tree.get_commands(guild=guild)]
    return sorted(commands_, key=lambda c: (int(c.get("type", 1)), str(c.get("name"))))


def tree_hash(tree: discord.app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None = None) -> str:
    """A hash of the command tree's payload for one scope (global, or one guild)."""
    blob = json.dumps(tree_payload(tree, guild), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def sync_key(application_id: int | None, guild_id: int | None) -> str:
    scope = f"guild:{guild_id}" if guild_id is not None else "global"
    return f"command_tree_hash:{application_id or 0}:{scope}"


# --- gateway reconnects ----------------------------------------------------------------------

#: The longest wait between two gateway reconnect attempts (seconds); jitter only shortens it.
RECONNECT_CAP = 60.0
#: The first wait (seconds); it doubles with each failed attempt up to :data:`RECONNECT_CAP`.
RECONNECT_BASE = 1.0


def _short(exc: BaseException | None) -> str:
    """One line naming an error (no traceback): its message, or its type when it has none."""
    if exc is None:
        return "connection lost"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds}s"
    return f"{seconds // 60} min {seconds % 60:02d}s"


class GatewayOutageError(Exception):
    """Discord's gateway stayed unreachable longer than the give-up time: the process should exit."""

    def __init__(self, down_for: float, attempts: int) -> None:
        super().__init__(f"Discord unreachable for {_duration(down_for)} ({attempts} attempts)")
        self.down_for = down_for
        self.attempts = attempts


class ReconnectPolicy:
    """How long one gateway connection (one shard) waits between reconnect attempts.

    discord.py's own :class:`discord.backoff.ExponentialBackoff` lets the wait grow to 1024 s
    (491 s was seen in an outage), so a bot could stay away for minutes after Discord came back.
    This one doubles the wait from :data:`RECONNECT_BASE` and caps it at :data:`RECONNECT_CAP`,
    with "equal jitter" (a random wait between half the ceiling and the ceiling), so the waits of
    many bots spread out but never exceed the cap: the bot is back within a minute of Discord.

    discord.py calls :meth:`delay` after a failed attempt (see :meth:`Bot.connect` for how it gets
    this object), while handling the error, so :meth:`delay` also logs the attempt: one WARNING
    line naming the error (discord.py's own ERROR line with a traceback is kept only at DEBUG, see
    :class:`_ReconnectLogFilter`). The bot reports disconnects and reconnects (:meth:`disconnected`,
    :meth:`connected`), so :meth:`down_for` says how long the current outage has lasted;
    :meth:`Bot.check_outage` gives up after ``give_up_after`` seconds (``None``: never).
    """

    def __init__(
        self,
        *,
        cap: float = RECONNECT_CAP,
        base: float = RECONNECT_BASE,
        give_up_after: float | None = 15 * 60.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        label: str = "",
    ) -> None:
        if not 0 < base <= cap:
            raise ValueError("need 0 < base <= cap")
        self.cap = cap
        self.base = base
        self.give_up_after = give_up_after
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        #: Names the connection in the log ("shard 3 ", or nothing for a bot with one shard).
        self.label = label
        #: Failed attempts in the current outage.
        self.attempts = 0
        #: When the current outage began (``clock`` time), or None while connected.
        self.outage_started: float | None = None

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (1, 2, ...)."""
        return min(self.cap, self.base * 2.0 ** min(attempt - 1, 60))

    def disconnected(self) -> None:
        """The connection was lost: the outage starts now (unless it already had)."""
        if self.outage_started is None:
            self.outage_started = self._clock()

    def down_for(self) -> float | None:
        """Seconds since the current outage began, or None while connected."""
        return None if self.outage_started is None else self._clock() - self.outage_started

    def gave_up(self) -> bool:
        """The current outage has lasted ``give_up_after`` seconds."""
        down = self.down_for()
        return self.give_up_after is not None and down is not None and down >= self.give_up_after

    def connected(self) -> float | None:
        """READY or RESUMED: the outage is over. Returns how long it lasted, if there was one."""
        started, attempts = self.outage_started, self.attempts
        self.outage_started = None
        self.attempts = 0
        if started is None or attempts == 0:
            return None
        down = self._clock() - started
        log.info(
            "%sreconnected to Discord after %s down (%s)",
            self.label,
            _duration(down),
            plural(attempts, "failed attempt"),
        )
        return down

    def delay(self) -> float:
        """Seconds to wait before the next attempt (never more than the cap); logs the attempt."""
        self.disconnected()
        self.attempts += 1
        down = self.down_for() or 0.0
        ceiling = self.ceiling(self.attempts)
        wait = self._rng.uniform(ceiling / 2, ceiling)
        log.warning(
            "%scannot reach Discord's gateway (attempt %d, down %s): %s; trying again in %.1fs",
            self.label,
            self.attempts,
            _duration(down),
            _short(sys.exc_info()[1]),
            wait,
        )
        return wait


#: The bot whose ``connect`` is running in this context (see :meth:`Bot.connect`).
_connecting_bot: contextvars.ContextVar[Bot | None] = contextvars.ContextVar("from_below_connecting_bot", default=None)
_library_backoff = ExponentialBackoff  # discord.backoff's own class, whatever discord.shard holds


def _gateway_backoff(*args: Any, **kwargs: Any) -> Any:
    """What ``discord.shard`` (and ``discord.client``) build reconnect backoffs with: a new
    :class:`ReconnectPolicy` of the bot inside :meth:`Bot.connect`, else discord.py's own."""
    bot = _connecting_bot.get()
    return bot.new_reconnect_policy() if bot is not None else _library_backoff(*args, **kwargs)


class _ReconnectLogFilter(logging.Filter):
    """discord.py logs every failed reconnect at ERROR with a traceback ("Attempting a reconnect
    ..."); :meth:`ReconnectPolicy.delay` already logged one WARNING line for it. Keep discord.py's
    record only when DEBUG is on, and then at DEBUG."""

    MESSAGES = ("Attempting a reconnect in %.2fs", "Attempting a reconnect for shard ID %s in %.2fs")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg not in self.MESSAGES:
            return True
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


_RECONNECT_LOG_FILTER = _ReconnectLogFilter()


def install_reconnect_policy() -> None:
    """Route discord.py's gateway backoffs through :func:`_gateway_backoff`; quiet its log (idempotent)."""
    # Each ``Shard`` builds ``ExponentialBackoff()`` when it is created (in ``launch_shard``, inside
    # ``AutoShardedClient.connect``); a plain ``Client.connect`` builds one on entry.
    setattr(discord.shard, "ExponentialBackoff", _gateway_backoff)  # noqa: B010
    setattr(discord.client, "ExponentialBackoff", _gateway_backoff)  # noqa: B010
    for name in ("discord.client", "discord.shard"):
        logger = logging.getLogger(name)
        if _RECONNECT_LOG_FILTER not in logger.filters:
            logger.addFilter(_RECONNECT_LOG_FILTER)


# --- the bot ---------------------------------------------------------------------------------


# The bot never joins voice: don't warn operators about voice libraries it does not need.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def shard_options(settings: Settings) -> dict[str, Any]:
    """``shard_count``/``shard_ids`` for ``AutoShardedBot`` (neither: Discord's recommendation, all here)."""
    options: dict[str, Any] = {}
    if settings.shards.count is not None:
        options["shard_count"] = settings.shards.count
    if settings.shards.ids is not None:
        options["shard_ids"] = list(settings.shards.ids)
    return options


class Bot(commands.AutoShardedBot):
    """From Below. Every resource is injected; nothing is read from the environment here.

    ``services`` (:class:`bot.services.Services`) is what every cog calls; for tests and tools,
    ``library``/``search``/``db``/``clock`` build one.

    Sharded, like the bots that run at scale (Red, RoboDanny): with no shard settings it runs
    every shard in this process, as many as Discord's ``GET /gateway/bot`` recommends (one for a
    small bot); ``settings.shards`` (``FROM_BELOW_SHARD_COUNT``/``FROM_BELOW_SHARD_IDS``) gives it
    some of the shards of a bot split over several processes.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        services: Services | None = None,
        library: Library | LoadResult | None = None,
        search: SearchIndex | None = None,
        db: Database | None = None,
        clock: Clock | None = None,
        health: HealthReporter | None = None,
        sync_on_start: bool = True,
        run_background_tasks: bool = True,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents.default(),  # no members, presences or message content
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotTree,
            # Lookups work in servers and in DMs with the bot; the app is installed to servers.
            allowed_contexts=discord.app_commands.AppCommandContext(guild=True, dm_channel=True),
            allowed_installs=discord.app_commands.AppInstallationType(guild=True),
            **shard_options(settings),
        )
        self.settings = settings
        if services is None:
            services = Services.build(
                library if library is not None else Library.empty(),
                clock if clock is not None else SystemClock(),
                search=search,
                db=db,
            )
        self.services = services
        self.clock: Clock = services.clock
        self.health = (
            health
            if health is not None
            else (HealthReporter(settings.heartbeat_path, services.clock) if run_background_tasks else None)
        )
        self.sync_on_start = sync_on_start
        self.run_background_tasks = run_background_tasks
        self.started_at: dt.datetime = self.clock.now()
        self.version = __version__
        self.source_url = source_url(settings.source_url)
        self.synced: list[str] = []
        #: Seconds before buttons and menus stop working (and are shown disabled).
        self.view_timeout: float = 180.0
        #: Seconds a shard may stay disconnected before the bot gives up (None: never).
        self.give_up_after: float | None = settings.reconnect_give_up_minutes * 60.0 or None
        #: Each shard's reconnect policy (see :meth:`connect`), by shard id.
        self.reconnect_policies: dict[int, ReconnectPolicy] = {}
        self._policies_made = 0
        self._outage_timer: asyncio.TimerHandle | None = None
        #: Set when the bot gave up on a long outage (:meth:`check_outage`); ``run`` then exits 1.
        self.outage: GatewayOutageError | None = None
        #: Called when the bot gives up (``run`` closes the bot and stops waiting for discord.py).
        self.on_give_up: Callable[[], None] | None = None

    @property
    def library(self) -> Library:
        return self.services.library

    @property
    def db(self) -> Database | None:
        return self.services.db

    # -- lifecycle ------------------------------------------------------------------------

    async def load_extensions(self) -> list[str]:
        loaded: list[str] = []
        for name in walk_extensions():
            await self.load_extension(name)
            loaded.append(name)
        log.info("loaded %s: %s", plural(len(loaded), "extension"), ", ".join(loaded))
        return loaded

    async def setup_hook(self) -> None:
        await self.load_extensions()
        if self.sync_on_start:
            await self.sync_if_changed()
        if self.health is not None:
            await self.health.write()

    async def connect(self, *, reconnect: bool = True) -> None:
        """discord.py's gateway loop, with a :class:`ReconnectPolicy` as each shard's backoff.

        Why this hook: discord.py has no setting for the reconnect backoff. Each ``Shard`` builds
        ``ExponentialBackoff()`` (a name looked up in the ``discord.shard`` module) when
        ``AutoShardedClient.connect`` launches it, and only ever calls its ``delay()``, while
        handling a failed connection. So :func:`install_reconnect_policy` points that name at a
        factory that returns :meth:`new_reconnect_policy` of the ``Bot`` whose ``connect`` is
        running in the current context (a ``ContextVar`` set here), and discord.py's own class
        for any other client. Everything else (RESUME, close codes, fatal errors, ``close()``)
        stays discord.py's code. The alternatives were worse: copying the shard's reconnect
        logic would silently drop fixes in later discord.py releases, and patching
        ``ExponentialBackoff`` itself would also change ``discord.ext.tasks`` loops and voice.
        The long-outage exit is ours (:meth:`check_outage`), driven by the shard events.
        """
        install_reconnect_policy()
        token = _connecting_bot.set(self)
        try:
            await super().connect(reconnect=reconnect)
        finally:
            _connecting_bot.reset(token)

    def _owned_shards(self) -> list[int]:
        return list(self.shard_ids if self.shard_ids is not None else range(self.shard_count or 1))

    def new_reconnect_policy(self) -> ReconnectPolicy:
        """The next shard's policy. discord.py creates its shards one by one in id order."""
        owned = self._owned_shards()
        index = self._policies_made
        self._policies_made += 1
        shard_id = owned[index] if index < len(owned) else index
        return self.reconnect_policy(shard_id)

    def reconnect_policy(self, shard_id: int) -> ReconnectPolicy:
        """The reconnect policy of one of this process's shards (made on first use)."""
        policy = self.reconnect_policies.get(shard_id)
        if policy is None:
            label = f"shard {shard_id}: " if len(self._owned_shards()) > 1 else ""
            policy = ReconnectPolicy(give_up_after=self.give_up_after, label=label)
            self.reconnect_policies[shard_id] = policy
        return policy

    def check_outage(self) -> bool:
        """Give up if a shard has been disconnected for ``give_up_after`` seconds; else check
        again when the longest current outage would reach it. Returns True on giving up."""
        self._outage_timer = None
        if self.give_up_after is None or self.outage is not None or self.is_closed():
            return self.outage is not None
        down = [(p.down_for() or 0.0, p) for p in self.reconnect_policies.values() if p.outage_started is not None]
        if not down:
            return False
        longest, policy = max(down, key=lambda item: item[0])
        if longest < self.give_up_after:
            self._outage_timer = asyncio.get_running_loop().call_later(
                self.give_up_after - longest + 0.05, self.check_outage
            )
            return False
        self.outage = GatewayOutageError(longest, policy.attempts)
        if self.on_give_up is not None:
            self.on_give_up()  # ``run`` says why, closes and exits 1
        else:
            log.error("%s%s: giving up, closing", policy.label, self.outage)
            asyncio.get_running_loop().create_task(self.close())
        return True

    def _shard_down(self, shard_id: int) -> None:
        self.reconnect_policy(shard_id).disconnected()
        if self.give_up_after is not None and self._outage_timer is None:
            self.check_outage()

    def _shard_up(self, shard_id: int) -> None:
        self.reconnect_policy(shard_id).connected()

    # -- health heartbeat (read by ``python -m bot health``) -------------------------------

    async def _report_connected(self, connected: bool) -> None:
        if self.health is not None:
            await self.health.set_connected(connected)

    def _gateway_open(self) -> bool:
        """Some shard of this process has an open gateway connection."""
        return any(not info.is_closed() for info in self.shards.values())

    async def on_shard_connect(self, shard_id: int) -> None:
        # discord.py dispatches this as soon as READY arrives (``ready`` only after the guilds
        # have streamed in, a few seconds later, when the connection may be gone again).
        self._shard_up(shard_id)

    async def on_ready(self) -> None:
        log.info("connected as %s to %s", self.user, plural(len(self.guilds), "server"))
        # ``ready`` comes a couple of seconds after READY: the connection may have dropped since.
        await self._report_connected(self._gateway_open())

    async def on_resumed(self) -> None:
        await self._report_connected(True)

    async def on_disconnect(self) -> None:
        await self._report_connected(False)

    async def _report_shard(self, shard_id: int | None, connected: bool) -> None:
        if self.health is not None and shard_id is not None:
            owned = self.shard_ids if self.shard_ids is not None else range(self.shard_count or 0)
            await self.health.set_shard(shard_id, connected, owned=list(owned))

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("shard %d of %s ready", shard_id, self.shard_count)
        await self._report_shard(shard_id, True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._shard_up(shard_id)
        await self._report_shard(shard_id, True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._shard_down(shard_id)
        await self._report_shard(shard_id, False)

    def shard_latency(self, shard_id: int) -> float | None:
        """Seconds of gateway latency of one of this process's shards (None: not connected)."""
        shard = self.get_shard(shard_id)
        if shard is None or shard.is_closed():
            return None
        latency = shard.latency
        return latency if latency == latency and latency != float("inf") else None

    async def sync_commands(self, guild_id: int | None = None) -> int:
        """Sync now (global, or one guild with the global commands copied to it); record the hash.

        If the hash cannot be recorded (a full disk, a locked database) the sync still counts:
        one WARNING says so, and the next start syncs again.
        """
        guild = discord.Object(id=guild_id) if guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        digest = tree_hash(self.tree, guild)
        if self.db is not None:
            try:
                await MetaRepository(self.db).set(sync_key(self.application_id, guild_id), digest)
            except (StorageError, sqlite3.Error, OSError) as exc:
                log.warning("could not record the command sync in the database (%s): the next start syncs again", exc)
        self.synced.append(f"guild:{guild_id}" if guild_id is not None else "global")
        log.info("synced %s to %s", plural(len(synced), "command"), f"guild {guild_id}" if guild_id else "all servers")
        return len(synced)

    async def sync_if_changed(self) -> bool:
        """Sync the dev guild (if configured) or the global tree, only when its hash changed."""
        guild_id = self.settings.dev_guild_id
        guild = discord.Object(id=guild_id) if guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = tree_hash(self.tree, guild)
        if self.db is None:
            if guild_id is not None:
                log.info("no database to remember the last sync: syncing the development server")
                await self.sync_commands(guild_id)
                return True
            log.info("command sync skipped (nothing records the last sync): run `python -m bot sync`")
            return False
        last = await MetaRepository(self.db).get(sync_key(self.application_id, guild_id))
        if last == digest:
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        if guild_id is None:
            await self.sync_commands(None)
            return True
        try:
            await self.sync_commands(guild_id)
        except discord.Forbidden as exc:
            # Not a member of that server (or not allowed to add commands there): the bot works
            # everywhere else, so say what to fix and carry on.
            log.warning(
                "FROM_BELOW_DEV_GUILD_ID is %d, but Discord refused the command sync there (%s %s): "
                "the bot is probably not in that server. Invite it there, or unset FROM_BELOW_DEV_GUILD_ID; "
                "the bot keeps running",
                guild_id,
                exc.status,
                exc.text or "Forbidden",
            )
            return False
        return True

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A button or menu that no live view handles gets a private "run it again" (not silence)."""
        await answer_stale_component(self, interaction)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("unhandled error in event %s", event_method)

    async def close(self) -> None:
        # commands.Bot.close unloads the extensions, so each cog's cog_unload stops its loops.
        if self._outage_timer is not None:
            self._outage_timer.cancel()
            self._outage_timer = None
        await super().close()
        await self._report_connected(False)
        self.services.close()

    @property
    def uptime(self) -> dt.timedelta:
        return self.clock.now() - self.started_at


# --- running ---------------------------------------------------------------------------------


def point_at_api(settings: Settings) -> None:
    """Send REST requests to ``FROM_BELOW_DISCORD_API_URL`` instead of discord.com.

    In production that is a rate-limiting REST proxy shared by several processes (such as
    nirn-proxy), set the way such proxies document for discord.py (``Route.BASE``); the
    gateway stays Discord's. In tests it is the fake Discord on loopback, whose gateway is
    ``FROM_BELOW_DISCORD_GATEWAY_URL`` or, when that is unset, ``ws://<same host>/gateway``.
    """
    if not settings.discord_api_url:
        return
    api = yarl.URL(settings.discord_api_url.rstrip("/"))
    discord.http.Route.BASE = str(api)
    gateway = settings.discord_gateway_url
    if gateway is None and is_loopback_url(settings.discord_api_url):
        gateway = str(api.with_scheme("wss" if api.scheme == "https" else "ws").with_path("/gateway"))
    if gateway is not None:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


#: What each close code that discord.py does not retry means for the operator.
FATAL_CLOSES = {
    4004: "Discord rejected the token (DISCORD_TOKEN): check it in the Developer Portal.",
    4010: (
        "Discord refused the shard settings (invalid shard): check FROM_BELOW_SHARD_COUNT and "
        "FROM_BELOW_SHARD_IDS, or unset both to let Discord choose."
    ),
    4011: (
        "Discord requires more shards (sharding required: too many servers for {shards}): raise "
        "FROM_BELOW_SHARD_COUNT (about one shard per 1,000 servers), or unset FROM_BELOW_SHARD_COUNT "
        "and FROM_BELOW_SHARD_IDS to use Discord's recommendation."
    ),
    4012: "Discord refused the gateway API version this bot uses; please report this.",
    4013: "Discord refused the gateway intents this bot asked for; please report this.",
    4014: "Discord refused an intent this bot did not ask for; please report this.",
}


def fatal_close_message(code: int, shard_id: int | None, settings: Settings) -> str:
    """One line for a gateway close discord.py does not retry (4004, 4010-4014, ...)."""
    where = f"shard {shard_id}" if shard_id is not None else "the gateway"
    text = FATAL_CLOSES.get(code, "Discord ended the gateway session and does not allow a retry.")
    return f"Discord closed {where} with code {code}: " + text.format(shards=settings.shards.describe())


async def _open_database(settings: Settings) -> Database:
    """Open (creating folders) and migrate the database."""
    return await open_database(settings.database_target)


#: Seconds between attempts to reach a database server that does not answer at start: doubling
#: from the first to the last, then every ``DB_RETRY_MAX`` seconds until it answers or we are stopped.
DB_RETRY_FIRST = 1.0
DB_RETRY_MAX = 30.0


async def _wait_for_database(settings: Settings, stopping: asyncio.Event) -> Database | None:
    """Open the database; while its server cannot be reached, say so once, mark the bot unhealthy
    and try again with backoff. ``None`` after one line saying why it cannot be used (or when
    stopped while waiting)."""
    delay = DB_RETRY_FIRST
    waited = False
    while True:
        try:
            db = await _open_database(settings)
        except StorageUnavailableError as exc:
            if not waited:
                say(
                    f"Cannot reach the database ({settings.database_label}): {exc}. "
                    f"Retrying with backoff (up to every {DB_RETRY_MAX:g}s) until it answers; Ctrl-C or SIGTERM stops.",
                    err=True,
                )
                waited = True
            else:
                log.info("database still unreachable (%s); next try in %gs", exc, delay)
            await _write_waiting_heartbeat(settings, f"waiting for the database: {exc}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
            if stopping.is_set():
                return None
            delay = min(delay * 2, DB_RETRY_MAX)
            continue
        except (StorageError, OSError, sqlite3.Error) as exc:
            say(f"Cannot open the database at {settings.database_label}: {exc}{_full_disk_hint(settings)}", err=True)
            return None
        if waited:
            say(f"Connected to the database ({settings.database_label}).")
        return db


async def _write_waiting_heartbeat(settings: Settings, problem: str) -> None:
    """Tell ``python -m bot health`` why the bot is not up yet (a fresh heartbeat saying so)."""
    try:
        await asyncio.to_thread(
            write_heartbeat, settings.heartbeat_path, False, None, dt.datetime.now(dt.UTC), waiting=problem
        )
    except OSError as exc:
        log.warning("could not write the heartbeat file %s: %s", settings.heartbeat_path, exc)


async def _close_database(db: Database | None) -> None:
    if db is not None:
        await db.close()


async def build_bot(settings: Settings, *, sync_on_start: bool = True, db: Database | None = None) -> Bot:
    """Load the library (raising :class:`StartupError` if it cannot be served) and build the bot."""
    main_folder = settings.content_dirs[0] if settings.content_dirs else None
    services = await Services.load(
        settings.content_dirs,
        SystemClock(),
        db=db,
        cache_path=settings.search_cache_path,
        check=lambda result: check_content(result, main_folder),
    )
    # The library and its indexes live as long as the process: move them out of the collector's
    # reach so its full collections stay short (they would otherwise walk every event each time).
    gc.freeze()
    return Bot(settings=settings, services=services, sync_on_start=sync_on_start)


async def _open_or_explain(settings: Settings) -> Database | None:
    """The database, or ``None`` after printing one line saying why it cannot be opened."""
    try:
        return await _open_database(settings)
    except (StorageError, OSError, sqlite3.Error) as exc:
        say(f"Cannot open the database at {settings.database_label}: {exc}{_full_disk_hint(settings)}", err=True)
        return None


#: Less free space than this beside the database is reported as a full disk.
FULL_DISK_BYTES = 1024 * 1024


def _full_disk_hint(settings: Settings) -> str:
    """`` (the disk is full: ...)`` when the database's folder has (almost) no room left, else ""."""
    if settings.database_url:  # a database server: its disk is not ours to see
        return ""
    folder = settings.database_path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    if free >= FULL_DISK_BYTES:
        return ""
    return f" (the disk is full: {free // 1024} KB free in {folder}; free some space and start again)"


def log_start(settings: Settings) -> None:
    """The settings' warnings, then where the bot keeps its data and reads its library (INFO)."""
    for warning in settings.warnings:
        log.warning("%s", warning)
    if settings.database_url:
        log.info("database: %s", settings.database_label)
    else:
        log.info("database file: %s", settings.database_path.absolute())
    for i, folder in enumerate(settings.content_dirs):
        log.info("content folder (%s): %s", "main" if i == 0 else "extra", folder.absolute())


def _outage_line(outage: GatewayOutageError, settings: Settings) -> str:
    return (
        f"{outage}: exiting so the restart policy starts the bot afresh "
        f"(FROM_BELOW_RECONNECT_GIVE_UP_MINUTES={settings.reconnect_give_up_minutes})."
    )


async def _stop_for(settings: Settings, lines: list[str] | tuple[str, ...], code: int) -> int:
    """Say why the bot cannot run (one line each, on stderr), record it for ``health``; ``code``."""
    for line in lines:
        say(line, err=True)
    await asyncio.to_thread(record_problem, settings.heartbeat_path, " ".join(lines), dt.datetime.now(dt.UTC))
    return code


class _Run:
    """One ``python -m bot run``: signals, the database, the bot, and the exit code."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.closing: list[asyncio.Task[None]] = []
        self.bot: Bot | None = None
        self.runners: list[asyncio.Task[None]] = []

    async def close_then_cancel(self, bot: Bot) -> None:
        await bot.close()
        # discord.py notices a close only after its current reconnect back-off (up to a minute,
        # see ReconnectPolicy): once everything is closed, stop waiting for it.
        for runner in self.runners:
            if not runner.done():
                runner.cancel()

    def stop(self, signame: str) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info("%s received: closing", signame)
        if self.bot is not None:
            self.closing.append(self.loop.create_task(self.close_then_cancel(self.bot)))

    def signals(self, *, install: bool) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                if install:
                    self.loop.add_signal_handler(sig, self.stop, sig.name)
                else:
                    self.loop.remove_signal_handler(sig)

    async def run(self) -> int:
        settings = self.settings
        point_at_api(settings)
        log_start(settings)
        log.info("running %s", settings.shards.describe())
        await asyncio.to_thread(
            remove_stale_files, settings.database_path, settings.search_cache_path, settings.heartbeat_path
        )
        # Handlers go in before the database opens and the library loads, so a stop while
        # waiting for the database or during start-up is clean too.
        self.signals(install=True)
        db: Database | None = None
        try:
            db = await _wait_for_database(settings, self.stopping)
            if db is None:
                return EXIT_OK if self.stopping.is_set() else EXIT_FAILED
            try:
                self.bot = await build_bot(settings, db=db)
            except StartupError as exc:
                return await _stop_for(settings, exc.lines, EXIT_USAGE)
            if self.stopping.is_set():
                return EXIT_OK
            return await self.connect(self.bot)
        finally:
            self.signals(install=False)
            await _close_database(db)

    async def connect(self, bot: Bot) -> int:
        """Run the bot until it closes; the exit code, with one line for whatever stopped it."""
        settings = self.settings

        def give_up() -> None:
            self.closing.append(self.loop.create_task(self.close_then_cancel(bot)))

        bot.on_give_up = give_up
        try:
            async with bot:
                self.runners.append(asyncio.create_task(bot.start(settings.token.get())))
                await self.runners[0]
        except asyncio.CancelledError:
            # SIGTERM while still logging in or connecting: the close we asked for, not a crash.
            if bot.outage is not None and not self.stopping.is_set():
                return await _stop_for(settings, [_outage_line(bot.outage, settings)], EXIT_FAILED)
            if self.stopping.is_set():
                return EXIT_OK
            raise
        except Exception as exc:
            return await self.failed(exc)
        if bot.outage is not None and not self.stopping.is_set():
            return await _stop_for(settings, [_outage_line(bot.outage, settings)], EXIT_FAILED)
        return EXIT_OK

    async def failed(self, exc: Exception) -> int:
        """The exit code (and one line) for an error that ended the connection."""
        settings = self.settings
        if isinstance(exc, discord.LoginFailure):
            message = "Discord rejected the token (DISCORD_TOKEN): check it in the Developer Portal."
            return await _stop_for(settings, [message], EXIT_FAILED)
        if isinstance(exc, discord.PrivilegedIntentsRequired):
            say("Discord refused an intent this bot did not ask for; please report this.", err=True)
            return EXIT_FAILED
        if self.stopping.is_set():  # the connection was torn down by our own close
            return EXIT_OK
        if isinstance(exc, discord.ConnectionClosed):
            return await _stop_for(settings, [fatal_close_message(exc.code, exc.shard_id, settings)], EXIT_FAILED)
        if isinstance(exc, (discord.GatewayNotFound, discord.DiscordServerError, aiohttp.ClientError, OSError)):
            say(f"Could not reach Discord: {exc}", err=True)
            return EXIT_FAILED
        log.exception("the bot stopped on an unexpected error")
        return EXIT_FAILED


async def _run(settings: Settings) -> int:
    return await _Run(settings).run()


def run_bot(settings: Settings) -> int:
    """Run until closed or signalled. Returns the process exit code."""
    setup_logging(settings.log_level, [settings.token.get()])
    try:
        return asyncio.run(_run(settings))
    except KeyboardInterrupt:
        return EXIT_OK


async def _sync(settings: Settings, guild_id: int | None) -> int:
    point_at_api(settings)
    db = await _open_or_explain(settings)
    if db is None:
        return EXIT_FAILED
    try:
        try:
            bot = await build_bot(settings, sync_on_start=False, db=db)
        except StartupError as exc:
            for line in exc.lines:
                say(line, err=True)
            return EXIT_USAGE
        bot.run_background_tasks = False
        async with bot:
            try:
                await bot.login(settings.token.get())
            except discord.LoginFailure:
                say("Discord rejected the token (DISCORD_TOKEN): check it and try again.", err=True)
                return EXIT_FAILED
            count = await bot.sync_commands(guild_id)
        where = f"server {guild_id}" if guild_id is not None else "every server (global; may take up to an hour)"
        say(f"Synced {plural(count, 'command')} to {where}.")
        return EXIT_OK
    except discord.HTTPException as exc:
        say(f"Sync failed: Discord answered {exc.status}: {exc.text or exc}", err=True)
        return EXIT_FAILED
    except (discord.GatewayNotFound, aiohttp.ClientError, OSError, TimeoutError) as exc:
        say(f"Could not reach Discord: {exc or type(exc).__name__}. Nothing was synced; try again later.", err=True)
        return EXIT_FAILED
    finally:
        await _close_database(db)


def sync_main(settings: Settings, guild_id: int | None) -> int:
    """``python -m bot sync [--guild ID]``."""
    setup_logging(settings.log_level, [settings.token.get()])
    return asyncio.run(_sync(settings, guild_id))
