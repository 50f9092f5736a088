"""The library as the application sees it: loaded from content folders, indexed, credited.

Shared by ``python -m bot run``, the console and ``preview`` (none of which need Discord).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from bot.content_loader import LoadResult, load_library
from bot.core.models import Library
from bot.core.search import SearchIndex
from bot.core.text import plural

log = logging.getLogger(__name__)

#: Fallback for /about's source link: none. An operator who publishes their copy sets
#: FROM_BELOW_SOURCE_URL; a package built with ``[project.urls] Source`` uses that.
DEFAULT_SOURCE_URL = ""


def source_url(configured: str | None = None) -> str:
    """Where the code lives: the ``FROM_BELOW_SOURCE_URL`` setting if there is one, else the
    package's ``Source`` (or ``Homepage``) project URL, else :data:`DEFAULT_SOURCE_URL`."""
    if configured:
        return str(configured)
    try:
        urls = metadata.metadata("from-below").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    found = dict(u.split(", ", 1) for u in urls if ", " in u)
    return found.get("Source") or found.get("Homepage") or DEFAULT_SOURCE_URL


def load_content(content_dirs: Sequence[Path]) -> LoadResult:
    """Load the content folders; log every issue (packs with issues are left out)."""
    result = load_library(content_dirs)
    if result.unreadable:
        # The installation is broken (the caller says so and stops): a folder that cannot be read
        # makes every other issue (e.g. each unknown tag after tags.yaml) noise.
        return result
    for issue in result.issues:
        log.warning("content: %s", issue)
    lib = result.library
    log.info(
        "library: %s, %s, %s",
        plural(len(lib.packs), "pack"),
        plural(len(lib.articles), "article"),
        plural(len(lib.events), "event"),
    )
    return result


def build_search(library: Library, cache_path: Path | None = None) -> SearchIndex:
    """The FTS5 index (with its autocompleter) of ``library``, cached at ``cache_path`` if given.

    A cache that cannot be written (a full disk, a read-only folder) costs nothing but time: the
    index is built in memory, its temporary file is removed, and one WARNING line says so.
    """
    index = SearchIndex.build(library, cache_path)
    if index.cache_problem:
        log.warning("%s: searching from memory this time (the temporary file was removed)", index.cache_problem)
    return index
