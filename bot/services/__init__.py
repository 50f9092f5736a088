"""The application layer: every use case of the bot, without Discord and without the ui.

The only place that combines storage, core and content. Front ends (the cogs in
:mod:`bot.exts`, the console and the CLI in :mod:`bot.cli`) call these services with plain
values and render the plain results with :mod:`bot.ui`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.content_loader import LoadResult
from bot.core.clock import Clock
from bot.core.errors import DomainError
from bot.core.models import Library
from bot.core.search import SearchIndex
from bot.services.library import build_search, load_content
from bot.services.lookups import Lookups
from bot.services.settings import ScheduleSettings
from bot.storage import Database

__all__ = ["Services"]


@dataclass(slots=True)
class Services:
    """Everything a front end needs, built once: the library's lookups and the settings store."""

    library: Library
    lookups: Lookups
    clock: Clock
    db: Database | None = None
    load_result: LoadResult | None = None
    _schedules: ScheduleSettings | None = None

    @classmethod
    def build(
        cls,
        library: Library | LoadResult,
        clock: Clock,
        *,
        search: SearchIndex | None = None,
        db: Database | None = None,
        cache_path: Path | None = None,
    ) -> Services:
        """The services around an already loaded library (its search index built unless given)."""
        result = library if isinstance(library, LoadResult) else None
        lib = library.library if isinstance(library, LoadResult) else library
        index = search if search is not None else build_search(lib, cache_path)
        schedules = ScheduleSettings(db, clock) if db is not None else None
        return cls(lib, Lookups(lib, index), clock, db, result, schedules)

    @classmethod
    async def load(
        cls,
        content_dirs: Sequence[Path],
        clock: Clock,
        *,
        db: Database | None = None,
        cache_path: Path | None = None,
        check: Callable[[LoadResult], None] | None = None,
    ) -> Services:
        """Load the content and build its search index (off the event loop), around ``db``.

        ``check`` sees the loaded content before the index is built, and may raise to stop there.
        """
        result = await asyncio.to_thread(load_content, content_dirs)
        if check is not None:
            check(result)
        index = await asyncio.to_thread(build_search, result.library, cache_path)
        return cls.build(result, clock, search=index, db=db)

    @property
    def schedules(self) -> ScheduleSettings:
        """The daily-post settings; a friendly error when running without a database."""
        if self._schedules is None:
            raise DomainError("Settings are unavailable: this bot was started without its database.")
        return self._schedules

    async def timezone_of(self, guild_id: int | None) -> str:
        """The server's timezone (its daily-post setting); ``UTC`` in DMs or without a database."""
        if guild_id is None or self._schedules is None:
            return "UTC"
        return await self._schedules.timezone(guild_id)

    def close(self) -> None:
        """Close the search index (the database is closed by whoever opened it)."""
        self.lookups.index.close()
