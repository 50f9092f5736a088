"""Full-text search over the library with SQLite FTS5, ranked by BM25.

This is the one module in the core that does I/O: the index is an SQLite database, either in
memory or in a cache file whose path the caller passes in. The cache is keyed by a hash of the
indexed content (:func:`content_hash`), so a restart with unchanged content opens the file
instead of rebuilding it; changed content (or a damaged file) is rebuilt and replaced atomically.

User text never reaches FTS5 as query syntax: :func:`query_terms` folds it and splits it into
words, and :func:`fts_query` quotes every word. ``NEAR``, ``AND``, ``*``, quotes and parentheses
are just words (or nothing), so any text gives results or "nothing found", never an error.

Ranking: BM25 with the title weighted 10, places/dates and tags 3, the description 1. A query
first requires every word; if nothing matches, every word as a prefix; then any word.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.autocomplete import Autocompleter, clip, fold_key, words
from bot.core.errors import UserInputError
from bot.core.models import Article, Event, Library

#: Bump when the index layout or what is indexed changes; old caches are then rebuilt.
SCHEMA_VERSION = 1
MAX_QUERY_CHARS = 500
MAX_TERMS = 16
MAX_TERM_CHARS = 64
MAX_LIMIT = 50
MAX_OFFSET = 10_000
SNIPPET_CHARS = 200
#: Column weights for bm25(): title, body, extra (places, countries, dates, authors), tags, alt.
_WEIGHTS = (10.0, 1.0, 3.0, 3.0, 2.0)
KINDS = ("event", "article")

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "was",
        "were",
        "with",
    ]
)


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Optional restrictions on a search. ``None`` means "any"."""

    year_from: int | None = None
    year_to: int | None = None
    #: A place or a country (compared folded: ``gdansk`` matches ``Gdańsk``).
    place: str | None = None
    tag: str | None = None
    #: Only these packs (a server's allowed packs).
    packs: frozenset[str] | None = None
    #: ``"event"`` or ``"article"``.
    kind: str | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.year_from is None
            and self.year_to is None
            and not self.place
            and not self.tag
            and self.packs is None
            and self.kind is None
        )


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: str  # "event" or "article"
    id: str
    title: str
    year: int
    #: Higher is better (the negated BM25 score; 0 when browsing by filters alone).
    score: float
    #: A short excerpt of the description or summary; matched words are in ``**bold**``.
    snippet: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    hits: tuple[SearchHit, ...]
    #: How many results there are in all (for "page 2 of 7").
    total: int
    #: The query as it was understood (whitespace collapsed, cut to 500 characters).
    query: str
    offset: int = 0
    limit: int = 10

    @property
    def is_empty(self) -> bool:
        return self.total == 0

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


def query_terms(text: str) -> list[str]:
    """The words of a user's query, folded, without duplicates or common stopwords.

    At most 16 words of at most 64 characters; stopwords are kept only if nothing else is left.
    """
    terms = list(dict.fromkeys(w[:MAX_TERM_CHARS] for w in words(text[:MAX_QUERY_CHARS])))
    meaningful = [t for t in terms if t not in _STOPWORDS]
    return (meaningful or terms)[:MAX_TERMS]


def fts_query(terms: Sequence[str], *, prefix: bool = False, any_term: bool = False) -> str:
    """An FTS5 query in which every term is a quoted string (never syntax).

    ``prefix`` lets terms of three or more characters match as prefixes; ``any_term`` joins
    them with OR instead of AND.
    """
    parts = []
    for term in terms:
        quoted = '"' + term.replace('"', '""') + '"'
        if prefix and len(term) >= 3:
            quoted += "*"
        parts.append(quoted)
    return (" OR " if any_term else " ").join(parts)


def _event_fields(event: Event) -> tuple[str, str, str, str]:
    extra = " ".join((*event.places, *event.countries, event.date_label()))
    return event.title, event.description, extra, " ".join(event.tags)


def _article_fields(article: Article) -> tuple[str, str, str, str]:
    body = "\n".join((article.summaries.medium, article.argument, *article.key_points, article.body))
    extra = " ".join((*article.authors, article.publication, article.issue, article.published.human()))
    return article.title, body, extra, " ".join(article.tags)


def _alt_words(*texts: str) -> str:
    """Folded forms of words that FTS5's own folding keeps apart (``ł``, ``ß``, ``ø``...)."""
    extra: dict[str, None] = {}
    for text in texts:
        if text.isascii():
            continue
        for word in text.split():
            if not word.isascii():
                for folded in words(word):
                    if folded not in extra and folded != word.lower():
                        extra[folded] = None
    return " ".join(extra)


def _ordered_articles(library: Library) -> list[Article]:
    return sorted(library.articles.values(), key=lambda a: (a.published.sort_key, a.id))


def content_hash(library: Library) -> str:
    """A hash of everything the index holds; equal hashes mean the cached index is current."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"from-below-search-v{SCHEMA_VERSION}\n".encode())
    sep = "\x1f"
    chunk: list[str] = []
    for e in library.chronological:
        chunk.append(
            sep.join(
                (
                    "E",
                    e.id,
                    e.title,
                    e.description,
                    "\x1e".join(e.places),
                    "\x1e".join(e.countries),
                    "\x1e".join(e.tags),
                    e.pack,
                    e.date.iso(),
                    e.end_date.iso() if e.end_date else "",
                    repr(e.old_style_date) if e.old_style_date else "",
                )
            )
        )
        if len(chunk) >= 4096:
            digest.update("\x1d".join(chunk).encode("utf-8", "surrogatepass"))
            chunk.clear()
    for a in _ordered_articles(library):
        chunk.append(
            sep.join(
                (
                    "A",
                    a.id,
                    a.title,
                    a.summaries.medium,
                    a.argument,
                    "\x1e".join(a.key_points),
                    a.body,
                    "\x1e".join(a.authors),
                    a.publication,
                    a.issue,
                    "\x1e".join(a.tags),
                    a.pack,
                    a.published.iso(),
                )
            )
        )
    digest.update("\x1d".join(chunk).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
    rid INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    year INTEGER NOT NULL,
    pack TEXT NOT NULL,
    lead TEXT NOT NULL
);
CREATE INDEX items_year ON items (year);
CREATE TABLE item_tags (tag TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (tag, rid)) WITHOUT ROWID;
CREATE TABLE item_places (place TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (place, rid)) WITHOUT ROWID;
CREATE VIRTUAL TABLE docs USING fts5 (
    title, body, extra, tags, alt,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""


def _fill(conn: sqlite3.Connection, library: Library, hash_value: str) -> None:
    conn.executescript(_SCHEMA)
    items: list[tuple[int, str, str, str, int, str, str]] = []
    docs: list[tuple[int, str, str, str, str, str]] = []
    tags: list[tuple[str, int]] = []
    places: set[tuple[str, int]] = set()
    rid = 0
    for event in library.chronological:
        rid += 1
        title, body, extra, tag_text = _event_fields(event)
        items.append((rid, "event", event.id, event.title, event.year, event.pack, clip(body, SNIPPET_CHARS)))
        docs.append((rid, title, body, extra, tag_text, _alt_words(title, body, extra)))
        tags.extend((t, rid) for t in set(event.tags))
        places.update((fold_key(p), rid) for p in (*event.places, *event.countries))
    for article in _ordered_articles(library):
        rid += 1
        title, body, extra, tag_text = _article_fields(article)
        lead = clip(article.summaries.short or article.summaries.medium, SNIPPET_CHARS)
        items.append((rid, "article", article.id, article.title, article.year, article.pack, lead))
        docs.append((rid, title, body, extra, tag_text, _alt_words(title, body, extra)))
        tags.extend((t, rid) for t in set(article.tags))
    with conn:
        conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)", items)
        conn.executemany("INSERT INTO docs (rowid, title, body, extra, tags, alt) VALUES (?, ?, ?, ?, ?, ?)", docs)
        conn.executemany("INSERT INTO item_tags VALUES (?, ?)", tags)
        conn.executemany("INSERT INTO item_places VALUES (?, ?)", sorted(places))
        conn.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("content_hash", hash_value), ("schema_version", str(SCHEMA_VERSION)), ("items", str(rid))],
        )


def _cached_hash(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'content_hash'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _open_readonly(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    return conn


def _build_file(path: Path, library: Library, hash_value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        _fill(conn, library, hash_value)
    finally:
        conn.close()
    os.replace(tmp, path)


class SearchIndex:
    """An FTS5 index of one library. Safe to query from several threads (queries are serialised)."""

    def __init__(self, library: Library, conn: sqlite3.Connection, *, hash_value: str, from_cache: bool) -> None:
        self.library = library
        self.content_hash = hash_value
        #: Whether an existing cache file was reused (no rebuild).
        self.from_cache = from_cache
        self._conn = conn
        self._lock = threading.Lock()

    @classmethod
    def build(cls, library: Library, cache_path: Path | str | None = None) -> SearchIndex:
        """Index ``library``, in memory (``cache_path`` ``None`` or ``":memory:"``) or in a cache file.

        A cache file whose content hash matches is opened as it is; otherwise it is rebuilt in
        a temporary file next to it and moved into place, so a crash never leaves half a cache.
        """
        hash_value = content_hash(library)
        if cache_path is None or str(cache_path) == ":memory:":
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            _fill(conn, library, hash_value)
            return cls(library, conn, hash_value=hash_value, from_cache=False)
        path = Path(cache_path)
        if path.is_file():
            try:
                conn = _open_readonly(path)
            except sqlite3.Error:
                pass
            else:
                if _cached_hash(conn) == hash_value:
                    return cls(library, conn, hash_value=hash_value, from_cache=True)
                conn.close()
        _build_file(path, library, hash_value)
        return cls(library, _open_readonly(path), hash_value=hash_value, from_cache=False)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __len__(self) -> int:
        return len(self.library.events) + len(self.library.articles)

    def search(
        self, text: str, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0
    ) -> SearchResults:
        """Results for what a user typed, best first, ``limit`` at a time from ``offset``.

        Any text is accepted. With no searchable words, the filters alone select results (in
        chronological order); with no words and no filters, the result is empty.
        Raises :class:`UserInputError` only for a filter that cannot be understood (a kind
        other than ``event`` or ``article``).
        """
        query = " ".join(text.split())[:MAX_QUERY_CHARS]
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, min(int(offset), MAX_OFFSET))
        filters = filters or SearchFilters()
        where, params = _filter_sql(filters)
        terms = query_terms(query)
        with self._lock:
            if not terms:
                if filters.is_empty:
                    return SearchResults((), 0, query, offset, limit)
                return self._browse(query, where, params, limit, offset)
            attempts = [fts_query(terms)]
            if any(len(t) >= 3 for t in terms):
                attempts.append(fts_query(terms, prefix=True))
            if len(terms) > 1:
                attempts.append(fts_query(terms, prefix=True, any_term=True))
            for match in attempts:
                try:
                    results = self._match(query, match, where, params, limit, offset)
                except sqlite3.Error:
                    continue
                if results.total:
                    return results
        return SearchResults((), 0, query, offset, limit)

    def _match(
        self, query: str, match: str, where: str, params: list[object], limit: int, offset: int
    ) -> SearchResults:
        weights = ", ".join(str(w) for w in _WEIGHTS)
        join = "JOIN items ON items.rid = docs.rowid" if where else ""
        rows = self._conn.execute(
            f"SELECT rid, s, count(*) OVER () FROM (SELECT docs.rowid AS rid, bm25(docs, {weights}) AS s "
            f"FROM docs {join} WHERE docs MATCH ? {where}) ORDER BY s, rid LIMIT ? OFFSET ?",
            [match, *params, limit, offset],
        ).fetchall()
        if rows:
            total = int(rows[0][2])
        elif offset:
            total = int(
                self._conn.execute(
                    f"SELECT count(*) FROM docs {join} WHERE docs MATCH ? {where}", [match, *params]
                ).fetchone()[0]
            )
        else:
            total = 0
        if not rows:
            return SearchResults((), total, query, offset, limit)
        rids = [int(r[0]) for r in rows]
        marks = ", ".join("?" * len(rids))
        snippets = dict(
            self._conn.execute(
                f"SELECT rowid, snippet(docs, 1, '**', '**', '…', 24) FROM docs "
                f"WHERE docs MATCH ? AND rowid IN ({marks})",
                [match, *rids],
            ).fetchall()
        )
        details = {r[0]: r for r in self._conn.execute(f"SELECT * FROM items WHERE rid IN ({marks})", rids)}
        hits = []
        for rid, score, _ in rows:
            _, kind, item_id, title, year, _, lead = details[rid]
            snippet = snippets.get(rid) or lead
            hits.append(SearchHit(kind, item_id, title, int(year), round(-float(score), 6), _tidy(snippet, lead)))
        return SearchResults(tuple(hits), total, query, offset, limit)

    def _browse(self, query: str, where: str, params: list[object], limit: int, offset: int) -> SearchResults:
        total = int(self._conn.execute(f"SELECT count(*) FROM items WHERE 1 {where}", params).fetchone()[0])
        rows = self._conn.execute(
            f"SELECT kind, id, title, year, lead FROM items WHERE 1 {where} ORDER BY year, rid LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        hits = tuple(SearchHit(k, i, t, int(y), 0.0, lead) for k, i, t, y, lead in rows)
        return SearchResults(hits, total, query, offset, limit)


def _tidy(snippet: str, lead: str) -> str:
    snippet = " ".join(str(snippet).split())
    if not snippet.strip("*… "):
        return lead
    return snippet if len(snippet) <= SNIPPET_CHARS + 40 else clip(snippet, SNIPPET_CHARS + 40)


def _filter_sql(filters: SearchFilters) -> tuple[str, list[object]]:
    """SQL conditions on ``items`` (each starting with AND) and their parameters."""
    clauses: list[str] = []
    params: list[object] = []
    lo, hi = filters.year_from, filters.year_to
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    if lo is not None:
        clauses.append("items.year >= ?")
        params.append(int(lo))
    if hi is not None:
        clauses.append("items.year <= ?")
        params.append(int(hi))
    if filters.kind is not None:
        if filters.kind not in KINDS:
            raise UserInputError(f"search for events or articles, not {filters.kind[:40]!r}")
        clauses.append("items.kind = ?")
        params.append(filters.kind)
    if filters.packs is not None:
        packs = sorted(filters.packs)
        clauses.append(f"items.pack IN ({', '.join('?' * len(packs))})" if packs else "0")
        params.extend(packs)
    if filters.tag:
        clauses.append("items.rid IN (SELECT rid FROM item_tags WHERE tag = ?)")
        params.append(filters.tag.strip().lower())
    if filters.place:
        clauses.append("items.rid IN (SELECT rid FROM item_places WHERE place = ?)")
        params.append(fold_key(filters.place))
    return "".join(f" AND {c}" for c in clauses), params


@dataclass(frozen=True, slots=True)
class CoreIndexes:
    """The search index and autocompleter of one library."""

    library: Library
    search: SearchIndex
    autocomplete: Autocompleter


class IndexHolder:
    """Holds one :class:`CoreIndexes` per process; rebuilds when the bot loads a new library.

    Typical use: ``holder = IndexHolder(data_dir / "search-index.sqlite3")`` at startup, then
    ``holder.get(bot.library).search.search(...)`` in a command. Building takes seconds for a
    large library, so call :meth:`get` once at startup (in a thread) to warm it.
    """

    def __init__(self, cache_path: Path | str | None = None) -> None:
        self.cache_path = cache_path
        self._current: CoreIndexes | None = None
        self._lock = threading.Lock()

    def get(self, library: Library) -> CoreIndexes:
        """The indexes for ``library`` (the same object as last time is served from memory)."""
        with self._lock:
            current = self._current
            if current is not None and current.library is library:
                return current
            fresh = CoreIndexes(library, SearchIndex.build(library, self.cache_path), Autocompleter.build(library))
            self._current = fresh
        if current is not None:
            current.search.close()
        return fresh

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.search.close()
                self._current = None
