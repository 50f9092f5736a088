"""``python -m bot console``: try the slash commands in a terminal, without Discord.

Type the commands as in Discord's client (``/onthisday 17 june``, ``/event search vorkuta
year:1956``, ``/settings time 09:00``): options are ``name:value``, and text before the first
option fills the first one. Answers are the same cards the embeds carry (:mod:`bot.ui.layout`,
built by :mod:`bot.queries`), drawn with rich in a terminal and as plain text otherwise. The
console is one pretend server (id 1) with one channel, ``#general``, and one role,
``@history-fans``; its settings live in a real SQLite database of its own: ``console.sqlite3``
beside the bot's (``FROM_BELOW_DATABASE``), or ``--database``. Never the bot's own file by
default, so the running bot never schedules the pretend server's daily post.

When standard input is not a terminal, commands are read line by line, each echoed before its
answer, and the console exits 0 at the end of input: ``python -m bot console < script.txt``.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import datetime as dt
import difflib
import functools
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import discord
from discord import app_commands

from bot import __version__
from bot.app import Bot
from bot.cli.common import content_warning, settings_or_exit
from bot.config import Settings, load_settings
from bot.core.clock import Clock, SystemClock
from bot.core.errors import DomainError, UserInputError
from bot.core.models import Library
from bot.core.results import Saved
from bot.core.text import plural, quote_user
from bot.core.timezones import assume_utc
from bot.services import Services
from bot.services.library import source_url
from bot.services.lookups import check_length
from bot.storage import Database, StorageError, StorageUnavailableError, open_database
from bot.ui.colours import for_kind
from bot.ui.daily import daily_post_cards
from bot.ui.layout import (
    Card,
    Option,
    about_card,
    article_card,
    article_parts,
    event_card,
    event_option,
    fit_message,
    help_card,
    key_points_card,
    note_cards,
    related_events,
)
from bot.ui.listing import (
    EVENT_SEARCH_PER_PAGE,
    Listing,
    ListPage,
    article_events_listing,
    article_listing,
    day_listing,
    option_lines,
    search_listing,
    timeline_listing,
)
from bot.ui.settings_text import (
    HELP_EXAMPLES,
    HELP_SECTION,
    NO_EVERYONE_PING,
    confirmation,
    preview_lines,
    removed_text,
    schedules_card,
    settings_card,
)
from bot.ui.terminal import card_plain, plain_markdown, resolve_markup, rich_markdown

log = logging.getLogger(__name__)

GUILD_ID = 1
CHANNEL_ID = 2
CHANNEL_NAME = "general"
ROLES = {"history-fans": 3}
PROMPT = "from-below> "

# --- output ----------------------------------------------------------------------------------------


class Screen:
    """Where answers go: rich panels in a terminal, plain text otherwise."""

    def __init__(self, out: TextIO, *, rich: bool, now: Callable[[], dt.datetime], width: int | None = None) -> None:
        self.out = out
        self.rich = rich
        self.now = now
        self._console: Any = None
        if rich:
            from rich.console import Console

            self._console = Console(file=out, width=width, highlight=False, soft_wrap=False)

    def _text(self, text: str) -> str:
        return resolve_markup(text, self.now(), {CHANNEL_ID: CHANNEL_NAME}, {v: k for k, v in ROLES.items()})

    def cards(self, cards: Sequence[Card], content: str = "") -> None:
        """One message: optional content above its cards, fitted to Discord's limits first."""
        if content:
            self.say(content)
        for card in fit_message(cards):
            if self.rich:
                self._rich_card(card)
            else:
                self.out.write(plain_markdown(self._text(card_plain(card))) + "\n\n")
        self.out.flush()

    def say(self, text: str) -> None:
        """A plain message (what the bot would answer without an embed)."""
        if self.rich:
            self._console.print(rich_markdown(self._text(text)))
        else:
            self.out.write(plain_markdown(self._text(text)) + "\n")
        self.out.flush()

    def error(self, text: str) -> None:
        if self.rich:
            self._console.print(rich_markdown(self._text(text), "bold red"))
        else:
            self.out.write(plain_markdown(self._text(text)) + "\n")
        self.out.flush()

    def hint(self, text: str) -> None:
        """Console help (not something the bot would say)."""
        if self.rich:
            self._console.print(rich_markdown(text, "dim"))
        else:
            self.out.write(f"[{plain_markdown(text)}]\n")
        self.out.flush()

    def echo(self, line: str) -> None:
        self.out.write(f"{PROMPT}{line}\n")
        self.out.flush()

    def _rich_card(self, card: Card) -> None:
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        parts: list[Any] = []
        if card.author:
            parts.append(Text(self._text(card.author), style="dim"))
        if card.url:
            parts.append(Text(card.url, style="dim underline"))
        if card.description:
            parts.append(rich_markdown(self._text(card.description)))
        pending: list[tuple[str, str]] = []

        def flush_inline() -> None:
            if not pending:
                return
            grid = Table.grid(padding=(0, 3))
            for _ in pending:
                grid.add_column()
            grid.add_row(*[rich_markdown(self._text(n), "bold") for n, _ in pending])
            grid.add_row(*[rich_markdown(self._text(v)) for _, v in pending])
            parts.append(Text(""))
            parts.append(grid)
            pending.clear()

        for item in card.fields:
            if item.inline:
                pending.append((item.name, item.value))
                if len(pending) == 3:
                    flush_inline()
                continue
            flush_inline()
            parts.append(Text(""))
            parts.append(rich_markdown(self._text(item.name), "bold"))
            parts.append(rich_markdown(self._text(item.value)))
        flush_inline()
        if card.footer:
            parts.append(Text(""))
            parts.append(Text(f"— {self._text(card.footer)}", style="dim"))
        colour = f"#{for_kind(card.kind):06x}"
        title = rich_markdown(self._text(card.title), "bold")
        self._console.print(Panel(Group(*parts), title=title, title_align="left", border_style=colour))


# --- parsing what was typed ----------------------------------------------------------------------

OptionKind = Literal["str", "int", "bool"]


@dataclass(frozen=True, slots=True)
class Opt:
    name: str
    kind: OptionKind = "str"
    required: bool = False
    max_length: int = 100
    low: int = 1
    high: int = 9999


@dataclass(frozen=True, slots=True)
class Command:
    path: str
    description: str
    options: tuple[Opt, ...] = ()
    usage: str = ""


#: An example for each command, shown by ``help`` and in "needs …" errors. Everything else a
#: command is (its name, description, options, limits) is read from the bot's real
#: ``app_commands`` tree, so the console can never drift from what Discord shows.
USAGE = {
    "onthisday": "/onthisday 17 june",
    "event show": "/event show vorkuta",
    "event search": "/event search vorkuta strike year:1953",
    "article show": "/article show tyranny length:long",
    "article list": "/article list",
    "timeline": "/timeline from_year:1953 to_year:1956",
    "help": "/help",
    "about": "/about",
    "settings show": "/settings show",
    "settings channel": f"/settings channel #{CHANNEL_NAME}",
    "settings time": "/settings time 09:00",
    "settings timezone": "/settings timezone berlin",
    "settings role": "/settings role @history-fans",
    "settings empty-days": "/settings empty-days week",
    "settings packs": "/settings packs all",
    "settings days": "/settings days mon-fri",
    "settings pause": "/settings pause",
    "settings resume": "/settings resume",
    "settings preview": "/settings preview",
    "settings test-post": "/settings test-post",
}
_KINDS: dict[discord.AppCommandOptionType, OptionKind] = {
    discord.AppCommandOptionType.integer: "int",
    discord.AppCommandOptionType.number: "int",
    discord.AppCommandOptionType.boolean: "bool",
}


def _option(parameter: app_commands.Parameter) -> Opt:
    is_text = parameter.type is discord.AppCommandOptionType.string
    max_length = parameter.max_value if is_text and isinstance(parameter.max_value, int) else 100
    low = parameter.min_value if isinstance(parameter.min_value, int) else 1
    high = parameter.max_value if isinstance(parameter.max_value, int) else 9999
    return Opt(
        parameter.name,
        _KINDS.get(parameter.type, "str"),
        required=parameter.required,
        max_length=max_length,
        low=low,
        high=high,
    )


async def _commands_from_tree() -> tuple[Command, ...]:
    """Every slash command of the real bot, as the console offers it (loads the extensions)."""
    services = Services.build(Library.empty(), SystemClock())
    bot = Bot(
        settings=load_settings({}, dotenv=False), services=services, sync_on_start=False, run_background_tasks=False
    )
    try:
        await bot.load_extensions()
        found = [c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)]
        order = list(USAGE)  # lookups first, as in /help; a command without an example goes last
        found.sort(key=lambda c: order.index(c.qualified_name) if c.qualified_name in order else len(order))
        return tuple(
            Command(
                c.qualified_name,
                c.description,
                tuple(_option(p) for p in c.parameters),
                USAGE.get(c.qualified_name, f"/{c.qualified_name}"),
            )
            for c in found
        )
    finally:
        bot.services.close()


@functools.cache
def command_table() -> CommandTable:
    """The console's commands, read once from the bot's command tree (on a loop of its own, so
    this works whether or not an event loop is running)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return CommandTable(pool.submit(asyncio.run, _commands_from_tree()).result())


class CommandTable:
    """The commands, by path (``event search``), and the group names (``event``, ``settings``)."""

    def __init__(self, commands: tuple[Command, ...]) -> None:
        self.commands = commands

    @functools.cached_property
    def by_path(self) -> dict[str, Command]:
        return {c.path: c for c in self.commands}

    @functools.cached_property
    def groups(self) -> list[str]:
        return sorted({c.path.split()[0] for c in self.commands if " " in c.path})


def __getattr__(name: str) -> Any:
    """``COMMANDS``, ``BY_PATH`` and ``GROUPS``, read from the command tree on first use."""
    table = command_table()
    if name == "COMMANDS":
        return table.commands
    if name == "BY_PATH":
        return table.by_path
    if name == "GROUPS":
        return table.groups
    raise AttributeError(name)


_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


@dataclass(frozen=True, slots=True)
class Invocation:
    command: Command
    values: dict[str, Any] = field(default_factory=dict)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _convert(opt: Opt, raw: str) -> Any:
    if len(raw) > opt.max_length:
        raise UserInputError(f"`{opt.name}` can be at most {opt.max_length} characters.")
    if opt.kind == "int":
        try:
            number = int(raw)
        except ValueError:
            raise UserInputError(
                f"`{opt.name}` must be a whole number, like 1953 (not {quote_user(raw, 30)})."
            ) from None
        if not opt.low <= number <= opt.high:
            raise UserInputError(f"`{opt.name}` must be between {opt.low} and {opt.high}.")
        return number
    if opt.kind == "bool":
        lowered = raw.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise UserInputError(f"`{opt.name}` is true or false.")
    return raw


def parse_command(line: str) -> Invocation:
    """What a typed slash command asks for; unknown commands and bad option values are friendly errors."""
    text = line.strip().removeprefix("/").strip()
    words = text.split(maxsplit=2)
    if not words:
        raise UserInputError("Type a command, like `/onthisday 17 june`, or `help` to see them all.")
    top = words[0].lower()
    table = command_table()
    if top in table.groups:
        subs = [c.path.split()[1] for c in table.commands if c.path.split()[0] == top]
        if len(words) < 2 or f"{top} {words[1].lower()}" not in table.by_path:
            given = f" `{words[1][:30]}`" if len(words) >= 2 else ""
            raise UserInputError(f"`/{top}` has no subcommand{given}: use one of {', '.join(subs)}.")
        command = table.by_path[f"{top} {words[1].lower()}"]
        rest = words[2] if len(words) > 2 else ""
    elif top in table.by_path:
        command = table.by_path[top]
        rest = text.split(maxsplit=1)[1] if len(words) > 1 else ""
    else:
        raise UserInputError(f"There is no command `/{top[:40]}`. Type `help` to see the commands.")
    return Invocation(command, parse_options(command, rest))


def parse_options(command: Command, rest: str) -> dict[str, Any]:
    names = [o.name for o in command.options]
    by_name = {o.name: o for o in command.options}
    raw: dict[str, str] = {}
    if names:
        pattern = re.compile(r"(?:^|(?<=\s))(" + "|".join(re.escape(n) for n in names) + r"):", re.IGNORECASE)
        matches = list(pattern.finditer(rest))
        head = rest[: matches[0].start()] if matches else rest
        if head.strip():
            raw[names[0]] = head
        for index, match in enumerate(matches):
            name = match.group(1).lower()
            end = matches[index + 1].start() if index + 1 < len(matches) else len(rest)
            if name in raw:
                raise UserInputError(f"`{name}` is given twice.")
            raw[name] = rest[match.end() : end]
    elif rest.strip():
        raise UserInputError(f"`/{command.path}` takes no options.")
    _refuse_unknown_options(command, raw)
    values: dict[str, Any] = {}
    for name, value in raw.items():
        cleaned = _unquote(value)
        if cleaned:
            values[name] = _convert(by_name[name], cleaned)
    for opt in command.options:
        if opt.required and opt.name not in values:
            raise UserInputError(f"`/{command.path}` needs `{opt.name}`: for example `{command.usage}`.")
    return values


#: ``name:`` in what was typed, where an option could start (``http://`` is not one).
_OPTION_LIKE_RE = re.compile(r"(?:^|(?<=\s))([A-Za-z_][A-Za-z0-9_-]*):(?!//)(\S?)")
#: How alike a word must be to an option name (0-1) to be taken for a misspelling of it when a
#: space follows its colon (``yaer: 1953``); ``yaer:1953`` is an option whatever the word.
_MISSPELT = 0.75


def _refuse_unknown_options(command: Command, raw: dict[str, str]) -> None:
    """An option name the command does not have is an error with a suggestion, never search text.

    ``/event search strike yaer:1953`` must not search for "strike yaer:1953". A word followed
    by a colon and a value (``yaer:1953``) is taken as an option; with a space after the colon
    (``the plan: x``) only when it is a near spelling of a real option name.
    """
    names = [o.name for o in command.options]
    for text in raw.values():
        for match in _OPTION_LIKE_RE.finditer(text):
            word = match.group(1).lower()
            if word in names:
                continue
            close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
            glued = bool(match.group(2))
            if not glued and not (close and difflib.SequenceMatcher(None, word, close[0]).ratio() >= _MISSPELT):
                continue
            hint = f" Did you mean `{close[0]}:`?" if close else ""
            listed = ", ".join(f"`{n}:`" for n in names)
            raise UserInputError(
                f"`/{command.path}` has no option `{match.group(1)[:30]}`.{hint} Its options are {listed}."
            )


BUILT_INS = ("help", "next", "prev", "page", "open", "back", "points", "notes", "events", "quit")


def completions(buffer: str) -> list[str]:
    """What Tab offers for the last word of ``buffer``: commands, subcommands, then ``option:`` names."""
    table = command_table()
    words = buffer.split(" ")
    last, head = words[-1], [w for w in words[:-1] if w]
    tops = sorted({c.path.split()[0] for c in table.commands})
    if not head:
        candidates = [f"/{t}" for t in tops] + list(BUILT_INS)
        return [c for c in candidates if c.startswith(last) or (not last.startswith("/") and c[1:].startswith(last))]
    top = head[0].lstrip("/").lower()
    if top in table.groups and len(head) == 1:
        return [
            c.path.split()[1] for c in table.commands if c.path.split()[0] == top and c.path.split()[1].startswith(last)
        ]
    path = f"{top} {head[1].lower()}" if top in table.groups and len(head) > 1 else top
    command = table.by_path.get(path)
    if command is None:
        return []
    names = {o.name for o in command.options}
    rest = head[len(path.split()) :]
    used = {w.split(":", 1)[0].lower() for w in rest if w.split(":", 1)[0].lower() in names and ":" in w}
    if rest and rest[0].split(":", 1)[0].lower() not in names and command.options:
        used.add(command.options[0].name)  # text before the first option fills the first one
    return [f"{o.name}:" for o in command.options if o.name not in used and f"{o.name}:".startswith(last.lower())]


def _enable_completion() -> None:
    """Tab completion and line editing at the prompt, where readline exists."""
    try:
        import readline
    except ImportError:  # pragma: no cover - not on every platform
        return

    def complete(text: str, state: int) -> str | None:
        buffer = readline.get_line_buffer()[: readline.get_endidx()]
        found = completions(buffer)
        if state >= len(found):
            return None
        choice = found[state]
        return choice if choice.endswith(":") else choice + " "

    readline.set_completer_delims(" ")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")


# --- the session -----------------------------------------------------------------------------------

Handler = Callable[[dict[str, Any]], Awaitable[None]]
#: How many earlier listings ``back`` can return to.
_BACK_STEPS = 20


@dataclass(slots=True)
class _Menu:
    options: tuple[Option, ...]
    opens: str


class Session:
    """One pretend server: runs typed commands through the same services as the bot."""

    def __init__(self, *, services: Services, screen: Screen, source_url: str = "") -> None:
        self.services = services
        self.lookups = services.lookups
        self.library = services.library
        self.clock = services.clock
        self.screen = screen
        self.source_url = source_url
        self.started_at = self.clock.now()
        self.listing: Listing | None = None
        self.page = 0
        #: Earlier listings (and the page shown), for ``back``.
        self.earlier: list[tuple[Listing, int]] = []
        self.menu: _Menu | None = None
        self.last_article: str | None = None
        self._handlers: dict[str, Handler] = {
            "onthisday": self.onthisday,
            "event show": self.event_show,
            "event search": self.event_search,
            "article show": self.article_show,
            "article list": self.article_list,
            "timeline": self.timeline,
            "help": self.help,
            "about": self.about,
            "settings show": self.settings_show,
            "settings channel": self.settings_channel,
            "settings time": self.settings_time,
            "settings timezone": self.settings_timezone,
            "settings role": self.settings_role,
            "settings empty-days": self.settings_empty_days,
            "settings packs": self.settings_packs,
            "settings days": self.settings_days,
            "settings pause": self.settings_pause,
            "settings resume": self.settings_resume,
            "settings preview": self.settings_preview,
            "settings test-post": self.settings_test_post,
            "settings add": self.settings_add,
            "settings remove": self.settings_remove,
            "settings rename": self.settings_rename,
            "settings tags": self.settings_tags,
            "settings thread": self.settings_thread,
        }

    async def close(self) -> None:
        if self.services.db is not None:
            await self.services.db.close()
        self.services.close()

    # -- the loop's entry point -------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Run one line. Returns False when the user asked to leave."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        word, _, rest = text.partition(" ")
        lowered = word.lower()
        try:
            if lowered in ("quit", "exit", "q"):
                return False
            if lowered in ("help", "?", "commands"):
                self.console_help()
            elif lowered in ("next", "n", "prev", "previous", "p", "page", "first", "last"):
                self.turn(lowered, rest.strip())
            elif lowered in ("open", "o") or lowered.isdigit():
                self.open_item(rest.strip() if not lowered.isdigit() else lowered)
            elif lowered in ("back", "b"):
                self.back()
            elif lowered in ("notes", "points", "events"):
                self.article_part(lowered, rest.strip())
            else:
                invocation = parse_command(text)
                await self._handlers[invocation.command.path](invocation.values)
        except DomainError as exc:
            self.screen.error(exc.message)
        except StorageUnavailableError as exc:
            self.screen.error(f"The database cannot be reached right now ({exc}); nothing was changed. Try again.")
        except Exception as exc:  # a bug: one line for the user, the traceback in the log
            log.debug("command %r failed", text, exc_info=True)
            what = f"{type(exc).__name__}: {str(exc)[:200]}"
            self.screen.error(f"Something went wrong ({what}); run with --debug for details.")
        return True

    def console_help(self) -> None:
        self.screen.hint("Slash commands (options as name:value; text before the first option fills the first one):")
        for command in command_table().commands:
            self.screen.say(f"  `{command.usage}` — {command.description}")
        self.screen.hint(
            "Console: next / prev / page N turn pages; open N opens item N of the menu shown; "
            "back returns to the list before; after /article show, points, notes and events show its key "
            "points, what the record says and the events it mentions (or name one: notes tyranny); "
            "help; quit (or Ctrl-D)."
        )

    # -- pages and menus --------------------------------------------------------------------

    def remember(self) -> None:
        """Keep the listing on screen for ``back`` (once, however many items are opened from it)."""
        if self.listing is None:
            return
        here = (self.listing, self.page)
        if not self.earlier or self.earlier[-1][0] is not here[0] or self.earlier[-1][1] != here[1]:
            self.earlier.append(here)
            del self.earlier[:-_BACK_STEPS]

    def back(self) -> None:
        if not self.earlier:
            raise UserInputError(
                "There is nothing to go back to: `back` returns to the list you were in "
                "before opening something or running another command."
            )
        listing, page = self.earlier.pop()
        self.show_listing(listing, page, remember=False)

    def show_listing(self, listing: Listing, page: int = 0, *, remember: bool = True) -> None:
        if remember and self.listing is not None and self.listing is not listing:
            self.remember()
        self.listing = listing
        self.page = max(0, min(page, listing.pages - 1))
        shown = listing.page(self.page)
        self.screen.cards(shown.cards)
        self.set_menu(shown.options, listing.opens, listing.placeholder)
        if listing.pages > 1:
            self.screen.hint(f"Page {self.page + 1} of {listing.pages}: next, prev or page N.")

    def set_menu(self, options: Sequence[Option], opens: str, placeholder: str) -> None:
        self.menu = _Menu(tuple(options), opens) if options else None
        if not options:
            return
        self.screen.hint(f"{placeholder.rstrip('…')} (open N):")
        for line in option_lines(options):
            self.screen.hint(f"  {line}")

    def turn(self, word: str, rest: str) -> None:
        if self.listing is None:
            raise UserInputError("There are no pages to turn: run a command that lists things first.")
        pages = self.listing.pages
        if word in ("next", "n"):
            target = self.page + 1
        elif word in ("prev", "previous", "p"):
            target = self.page - 1
        elif word == "first":
            target = 0
        elif word == "last":
            target = pages - 1
        else:
            if not rest.isdigit():
                raise UserInputError(f"Which page? Type `page 2` (there are {pages}).")
            target = int(rest) - 1
        if not 0 <= target < pages:
            raise UserInputError(f"There is no page {target + 1}: pages run from 1 to {pages}.")
        self.show_listing(self.listing, target)

    def open_item(self, rest: str) -> None:
        if self.menu is None:
            raise UserInputError("There is nothing to open here: run a command that lists events or articles first.")
        count = len(self.menu.options)
        which = "`open 1`" if count == 1 else f"`open 1` to `open {count}`"
        if not rest.isdigit():
            raise UserInputError(f"Open which one? Type {which}.")
        if not 1 <= int(rest) <= count:
            items = "1 item" if count == 1 else f"{count} items"
            raise UserInputError(f"There is no item {int(rest)} here: this list has {items}, so type {which}.")
        value = self.menu.options[int(rest) - 1].value
        if self.menu.opens == "article":
            self._show_article(self.lookups.article(value).id, "medium")
        else:
            self._show_event(self.lookups.event(value).id)

    def article_part(self, part: str, rest: str) -> None:
        """``points``, ``notes`` or ``events``: what the buttons under an article open in Discord."""
        if rest:
            article = self.lookups.find_article(rest)
        elif self.last_article is not None and self.last_article in self.library.articles:
            article = self.library.articles[self.last_article]
        else:
            raise UserInputError(f"Which article? Open one with `/article show` first, or type `{part} <title>`.")
        self.last_article = article.id
        if part == "points":
            self.remember()
            self.screen.cards([key_points_card(article, self.library)])
        elif part == "events":
            self.show_listing(article_events_listing(self.library, article))
        else:
            cards = note_cards(article, self.library)
            if not cards:
                self.screen.say("This article has no context notes.")
                return
            self.show_listing(Listing(len(cards), lambda i: ListPage((cards[i],))))

    # -- lookups ----------------------------------------------------------------------------

    async def onthisday(self, values: dict[str, Any]) -> None:
        timezone = await self.services.timezone_of(GUILD_ID)
        day = self.lookups.on_this_day(values.get("date"), timezone, self.clock.now())
        self.show_listing(day_listing(self.library, day))

    def _show_event(self, event_id: str) -> None:
        self.remember()
        event = self.library.events[event_id]
        self.screen.cards([event_card(event, self.library)])
        self.set_menu([event_option(e) for e in related_events(event, self.library)], "event", "Open a related event…")

    def _show_article(self, article_id: str, length: str) -> None:
        self.remember()
        article = self.library.articles[article_id]
        self.last_article = article.id
        self.screen.cards([article_card(article, self.library, length)])
        self.menu = None
        self._article_buttons(article.id)

    def _article_buttons(self, article_id: str) -> None:
        """What the buttons under an article would open, as the console's commands."""
        self.last_article = article_id
        parts = [f"`{p.key}` {p.label}" for p in article_parts(self.library.articles[article_id], self.library)]
        if parts:
            self.screen.hint("More (the buttons in Discord): " + " · ".join(parts))

    async def event_show(self, values: dict[str, Any]) -> None:
        self._show_event(self.lookups.find_event(values["event"]).id)

    async def event_search(self, values: dict[str, Any]) -> None:
        found = self.lookups.search_events(
            values["query"],
            year=values.get("year"),
            from_year=values.get("from_year"),
            to_year=values.get("to_year"),
            place=values.get("place"),
            tag=values.get("tag"),
            per_page=EVENT_SEARCH_PER_PAGE,
        )
        self.show_listing(search_listing(self.library, found))

    async def article_show(self, values: dict[str, Any]) -> None:
        length = check_length(values.get("length"))
        self._show_article(self.lookups.find_article(values["article"]).id, length)

    async def article_list(self, values: dict[str, Any]) -> None:
        self.show_listing(article_listing(self.library, self.lookups.articles()))

    async def timeline(self, values: dict[str, Any]) -> None:
        found = self.lookups.timeline(
            values.get("from_year"), values.get("to_year"), tag=values.get("tag"), place=values.get("place")
        )
        self.show_listing(timeline_listing(self.library, found))

    async def help(self, values: dict[str, Any]) -> None:
        self.screen.cards([help_card([(HELP_SECTION, list(HELP_EXAMPLES))])])

    async def about(self, values: dict[str, Any]) -> None:
        card = about_card(
            version=__version__,
            library=self.library,
            latency_ms=None,
            uptime_seconds=(self.clock.now() - self.started_at).total_seconds(),
            source_url=self.source_url,
        )
        self.screen.cards([card])

    # -- settings ---------------------------------------------------------------------------

    def _confirm(self, saved: Saved) -> None:
        now = self.clock.now()
        self.screen.say(confirmation(saved.change, saved.next_post_at, self.library, now))

    async def settings_show(self, values: dict[str, Any]) -> None:
        statuses = await self.services.schedules.statuses(GUILD_ID)
        wanted = values.get("schedule")
        if wanted is None and len(statuses) > 1:
            self.screen.cards([schedules_card(statuses, self.library)])
            return
        status = await self.services.schedules.status(GUILD_ID, schedule=wanted)
        self.screen.cards([settings_card(status, self.library)])

    async def settings_channel(self, values: dict[str, Any]) -> None:
        self._channel_id(values["channel"])
        self._confirm(await self.services.schedules.set_channel(GUILD_ID, CHANNEL_ID, values.get("schedule")))

    async def settings_time(self, values: dict[str, Any]) -> None:
        self._confirm(await self.services.schedules.set_time(GUILD_ID, values["time"], values.get("schedule")))

    async def settings_timezone(self, values: dict[str, Any]) -> None:
        self._confirm(await self.services.schedules.set_timezone(GUILD_ID, values["timezone"], values.get("schedule")))

    async def settings_role(self, values: dict[str, Any]) -> None:
        raw = values.get("role")
        if raw is None:
            self._confirm(await self.services.schedules.set_role(GUILD_ID, None, values.get("schedule")))
            return
        name = str(raw).strip().removeprefix("<@&").removesuffix(">").lstrip("@").lower()
        if name == "everyone":
            raise UserInputError(NO_EVERYONE_PING)
        role_id = ROLES.get(name) or next((i for i in ROLES.values() if str(i) == name), None)
        if role_id is None:
            known = ", ".join(f"@{r}" for r in ROLES)
            raise UserInputError(
                f"There is no role {quote_user(str(raw))} in this pretend server: its roles are {known}."
            )
        self._confirm(await self.services.schedules.set_role(GUILD_ID, role_id, values.get("schedule")))

    async def settings_empty_days(self, values: dict[str, Any]) -> None:
        self._confirm(await self.services.schedules.set_empty_days(GUILD_ID, values["mode"], values.get("schedule")))

    async def settings_packs(self, values: dict[str, Any]) -> None:
        self._confirm(
            await self.services.schedules.set_packs(GUILD_ID, values["packs"], self.library, values.get("schedule"))
        )

    async def settings_days(self, values: dict[str, Any]) -> None:
        self._confirm(await self.services.schedules.set_days(GUILD_ID, values["days"], values.get("schedule")))

    async def settings_pause(self, values: dict[str, Any]) -> None:
        self._confirm(await self.services.schedules.pause(GUILD_ID, values.get("schedule")))

    async def settings_resume(self, values: dict[str, Any]) -> None:
        self._confirm(await self.services.schedules.resume(GUILD_ID, values.get("schedule")))

    async def settings_preview(self, values: dict[str, Any]) -> None:
        shown = await self.services.schedules.preview(GUILD_ID, self.library, values.get("schedule"))
        lines = "\n".join(preview_lines(shown.schedule, shown.at, shown.post, self.library))
        if shown.post is None:
            self.screen.say(lines)
            return
        self.screen.cards(daily_post_cards(shown.post, self.library), content=lines)
        if shown.post.article is not None:
            self._article_buttons(shown.post.article.id)

    async def settings_test_post(self, values: dict[str, Any]) -> None:
        current, post = await self.services.schedules.test_post(GUILD_ID, self.library, values.get("schedule"))
        ping = f"<@&{current.role_id}> " if values.get("mention_role") and current.role_id is not None else ""
        self.screen.hint(f"In Discord this goes to #{CHANNEL_NAME} now (nothing is sent from the console):")
        self.screen.cards(daily_post_cards(post, self.library, test=True), content=ping.strip())
        if post.article is not None:
            self._article_buttons(post.article.id)

    def _channel_id(self, raw: Any) -> int:
        wanted = str(raw).strip().lstrip("#").lower()
        if wanted not in (CHANNEL_NAME, str(CHANNEL_ID), f"<{CHANNEL_ID}>"):
            raise UserInputError(
                f"There is no channel {quote_user(str(raw))} in this pretend server: "
                f"its one channel is #{CHANNEL_NAME}."
            )
        return CHANNEL_ID

    async def settings_add(self, values: dict[str, Any]) -> None:
        channel = values.get("channel")
        channel_id = self._channel_id(channel) if channel is not None else None
        kind = str(values.get("kind") or "daily")
        self._confirm(await self.services.schedules.add(GUILD_ID, values["name"], kind, channel_id))

    async def settings_remove(self, values: dict[str, Any]) -> None:
        removed = await self.services.schedules.remove(GUILD_ID, values["schedule"])
        remaining = [s.name for s in await self.services.schedules.all(GUILD_ID)]
        self.screen.say(removed_text(removed, remaining))
        self.screen.hint("(In Discord, a Remove button asks first.)")

    async def settings_rename(self, values: dict[str, Any]) -> None:
        self._confirm(await self.services.schedules.rename(GUILD_ID, values["schedule"], values["new_name"]))

    async def settings_tags(self, values: dict[str, Any]) -> None:
        saved = await self.services.schedules.set_tags(GUILD_ID, values["tags"], self.library, values.get("schedule"))
        self._confirm(saved)

    async def settings_thread(self, values: dict[str, Any]) -> None:
        self._confirm(await self.services.schedules.set_thread(GUILD_ID, bool(values["on"]), values.get("schedule")))


# --- running -----------------------------------------------------------------------------------------


class _ShiftedClock:
    """The system clock, moved so that it started at ``start``."""

    def __init__(self, start: dt.datetime) -> None:
        self._offset = dt.datetime.now(dt.UTC) - start

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) - self._offset


def parse_now(text: str) -> dt.datetime:
    """``--now``: an ISO instant (``2026-06-17T08:00Z``); a naive one is taken as UTC."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not an ISO date and time like 2026-06-17T08:00Z") from None
    return assume_utc(value)


def _read_line(stdin: TextIO, screen: Screen, *, interactive: bool) -> str | None:
    """The next line typed (None at the end of input); a script's lines are echoed."""
    if interactive:
        try:
            return input(PROMPT)
        except EOFError:  # Ctrl-D
            screen.out.write("\n")
            return None
        except KeyboardInterrupt:  # Ctrl-C clears the line, as in a shell
            screen.out.write("\n")
            return ""
    line = stdin.readline()
    if not line:
        return None
    line = line.rstrip("\n")
    if line.strip() and not line.lstrip().startswith("#"):
        screen.echo(line.strip())
    return line


async def open_session(
    settings: Settings, screen: Screen, *, database: Path | None, clock: Clock
) -> tuple[Session, Path]:
    """Load the library, build the search index, open (and migrate) the console's database."""
    # Its own file by default: the bot would otherwise schedule the pretend server's daily post.
    path = database or settings.console_database_path
    try:
        db: Database | None = await open_database(path)
    except (StorageError, OSError, sqlite3.Error) as exc:
        screen.error(f"Cannot open the database at {path}: {exc}. The /settings commands are off.")
        db = None
    services = await Services.load(settings.content_dirs, clock, db=db)
    unreadable = services.load_result.unreadable if services.load_result is not None else ()
    for issue in unreadable:
        screen.error(f"Cannot read the content: {issue}")
    if not unreadable and (warning := content_warning(services.load_result)) is not None:
        screen.error(warning)
    return Session(services=services, screen=screen, source_url=source_url(settings.source_url)), path


def run_console(
    settings: Settings,
    *,
    database: Path | None,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool,
    rich: bool,
    clock: Clock | None = None,
    width: int | None = None,
) -> int:
    """Read commands until ``quit`` or the end of input; always exits 0 (errors are answers)."""
    clock = clock or SystemClock()
    screen = Screen(stdout, rich=rich, now=clock.now, width=width)
    if database is not None and os.path.realpath(database) == os.path.realpath(settings.database_path):
        screen.error(
            f"{database} is the bot's own database: a bot running on it will try to post to this console's "
            "pretend server. Leave out --database to use console.sqlite3 instead."
        )
    # One event loop for the whole session (the database connection lives on it); input is
    # read between commands on the main thread, so Ctrl-C and Ctrl-D behave as in a shell.
    with asyncio.Runner() as runner:
        session, path = runner.run(open_session(settings, screen, database=database, clock=clock))
        if interactive:
            lib = session.library
            screen.hint(
                f"From Below console: {plural(len(lib.events), 'event')}, {plural(len(lib.articles), 'article')}; "
                f"pretend server {GUILD_ID} with #{CHANNEL_NAME}; settings in {path}. "
                "Type `help` for the commands, `quit` to leave."
            )
        try:
            while (line := _read_line(stdin, screen, interactive=interactive)) is not None:
                try:
                    if not runner.run(session.handle(line)):
                        break
                except KeyboardInterrupt:
                    screen.error("Interrupted.")
        finally:
            runner.run(session.close())
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING if not args.debug else logging.DEBUG, stream=sys.stderr)
    if not args.debug:
        logging.getLogger("bot").setLevel(logging.ERROR)
    settings = settings_or_exit()
    interactive = sys.stdin.isatty()
    rich = args.rich if args.rich is not None else sys.stdout.isatty()
    if interactive:
        _enable_completion()
    clock = _ShiftedClock(args.now) if args.now is not None else None
    try:
        return run_console(
            settings,
            database=args.database,
            stdin=sys.stdin,
            stdout=sys.stdout,
            interactive=interactive,
            rich=rich,
            clock=clock,
            width=args.width,
        )
    except KeyboardInterrupt:
        return 0


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        metavar="PATH",
        help="the SQLite file for the pretend server's settings (default: console.sqlite3 beside the bot's "
        "database, never the bot's own)",
    )
    style = parser.add_mutually_exclusive_group()
    style.add_argument("--rich", dest="rich", action="store_true", default=None, help="draw cards with colours")
    style.add_argument("--plain", dest="rich", action="store_false", help="plain text (default when not a terminal)")
    parser.add_argument("--width", type=int, default=None, help="columns for rich output (default: the terminal's)")
    parser.add_argument(
        "--now", type=parse_now, default=None, metavar="ISO", help="pretend the time is this (e.g. 2026-06-17T08:00Z)"
    )
    parser.add_argument("--debug", action="store_true", help="log details of unexpected errors to stderr")
    parser.set_defaults(func=cmd_console)
