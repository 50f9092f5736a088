"""Full-text search over the library with SQLite FTS5, ranked by BM25.

This is the one module in the core that does I/O: the index is an SQLite database, either in
memory or in a cache file whose path the caller passes in. The cache is keyed by a hash of the
indexed content (:func:`content_hash`), so a restart with unchanged content opens the file
instead of rebuilding it; changed content (or a damaged file) is rebuilt and replaced atomically.

User text never reaches FTS5 as query syntax: :func:`query_terms` folds it and splits it into
words, and :func:`fts_query` quotes every word. ``NEAR``, ``AND``, ``*``, quotes and parentheses
are just words (or nothing), so any text gives results or "nothing found", never an error.

Ranking: BM25 with the title weighted 10, places/dates and tags 3, the description 1. A query
first requires every word; if nothing matches, every word as a prefix; then any word. When
more than :data:`RANK_LIMIT` documents match (only words that are everywhere), ranking them all
would be slow and say little: the documents with every word in the title are ranked first, and
the rest follow in chronological order.

Filters are pushed into FTS5 so that they cost nothing per row: documents are numbered in
chronological order (events and articles together), so a year range is a rowid range; tag,
place, pack and kind are tokens in a hidden ``facets`` column (weight 0) that the query ANDs in.
The cache file also stores the autocomplete index (:class:`AutocompleteState`), so a warm start
rebuilds neither.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.autocomplete import Autocompleter, AutocompleteState, NameIndexState, clip, fold_key, words
from bot.core.errors import UserInputError
from bot.core.models import Article, Event, Library

#: Bump when the index layout or what is indexed changes; old caches are then rebuilt.
SCHEMA_VERSION = 2
MAX_QUERY_CHARS = 500
MAX_TERMS = 16
MAX_TERM_CHARS = 64
MAX_LIMIT = 50
MAX_OFFSET = 10_000
SNIPPET_CHARS = 200
#: Column weights for bm25(): title, body, extra (places, countries, dates, authors), tags, alt, facets.
_WEIGHTS = (10.0, 1.0, 3.0, 3.0, 2.0, 0.0)
_BM25 = "bm25(docs, " + ", ".join(str(w) for w in _WEIGHTS) + ")"
_TEXT_COLUMNS = "{title body extra tags alt}"
#: At most this many matches are ranked by BM25 (a few milliseconds); see the module docstring.
RANK_LIMIT = 8000
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


def facet_token(kind: str, value: str) -> str:
    """The hidden token for a filter value: ``tg`` + a hash of the folded tag, and so on.

    ``kind`` is ``tg`` (tag), ``pl`` (place or country), ``pk`` (pack) or ``k`` (event/article).
    """
    if kind == "k":
        return f"k{value}"
    digest = hashlib.blake2b(fold_key(value).encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
    return f"{kind}{digest}"


def _ordered_items(library: Library) -> list[Event | Article]:
    """Events and articles together in chronological order: the order of the index's rowids."""
    items: list[tuple[tuple[int, int, int], int, str, Event | Article]] = [
        (e.date.sort_key, 0, e.id, e) for e in library.chronological
    ]
    items.extend((a.published.sort_key, 1, a.id, a) for a in library.articles.values())
    items.sort(key=lambda t: t[:3])
    return [t[3] for t in items]


def content_hash(library: Library) -> str:
    """A hash of everything the index holds; equal hashes mean the cached index is current."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"from-below-search-v{SCHEMA_VERSION}-{sys.byteorder}\n".encode())
    sep = "\x1f"
    join = "\x1e".join
    chunk: list[str] = []
    for e in library.chronological:
        chunk.append(
            sep.join(
                (
                    "E",
                    e.id,
                    e.title,
                    e.description,
                    join(e.places),
                    join(e.countries),
                    join(e.tags),
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
    for a in sorted(library.articles.values(), key=lambda a: a.id):
        chunk.append(
            sep.join(
                (
                    "A",
                    a.id,
                    a.title,
                    a.summaries.short,
                    a.summaries.medium,
                    a.argument,
                    join(a.key_points),
                    a.body,
                    join(a.authors),
                    a.publication,
                    a.issue,
                    join(a.tags),
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
CREATE INDEX items_year ON items (year, rid);
CREATE VIRTUAL TABLE docs USING fts5 (
    title, body, extra, tags, alt, facets,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE ac_entries (
    kind TEXT NOT NULL, number INTEGER NOT NULL,
    name TEXT NOT NULL, value TEXT NOT NULL, key TEXT NOT NULL, pack TEXT NOT NULL, ord INTEGER NOT NULL,
    PRIMARY KEY (kind, number)
) WITHOUT ROWID;
CREATE TABLE ac_postings (kind TEXT NOT NULL, word TEXT NOT NULL, numbers BLOB NOT NULL, PRIMARY KEY (kind, word))
    WITHOUT ROWID;
"""


def _fill(conn: sqlite3.Connection, library: Library, hash_value: str, completer: Autocompleter | None) -> None:
    conn.executescript(_SCHEMA)
    items: list[tuple[int, str, str, str, int, str, str]] = []
    docs: list[tuple[int, str, str, str, str, str, str]] = []
    for rid, item in enumerate(_ordered_items(library), start=1):
        if isinstance(item, Event):
            title, body, extra, tag_text = _event_fields(item)
            lead = clip(item.description, SNIPPET_CHARS)
            places = {facet_token("pl", p) for p in (*item.places, *item.countries)}
        else:
            title, body, extra, tag_text = _article_fields(item)
            lead = clip(item.summaries.short or item.summaries.medium, SNIPPET_CHARS)
            places = set()
        facets = " ".join(
            sorted(
                {facet_token("k", item.kind), facet_token("pk", item.pack)}
                | {facet_token("tg", t) for t in item.tags}
                | places
            )
        )
        items.append((rid, item.kind, item.id, item.title, item.year, item.pack, lead))
        docs.append((rid, title, body, extra, tag_text, _alt_words(title, body, extra), facets))
    with conn:
        conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)", items)
        conn.executemany(
            "INSERT INTO docs (rowid, title, body, extra, tags, alt, facets) VALUES (?, ?, ?, ?, ?, ?, ?)", docs
        )
        conn.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        if completer is not None:
            _store_autocomplete(conn, completer.state())
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("content_hash", hash_value), ("schema_version", str(SCHEMA_VERSION)), ("items", str(len(items)))],
        )


def _store_autocomplete(conn: sqlite3.Connection, state: AutocompleteState) -> None:
    for kind, index in (("event", state.events), ("article", state.articles)):
        conn.executemany(
            "INSERT INTO ac_entries VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (kind, n, name, value, key, pack, order)
                for n, (name, value, key, pack, order) in enumerate(
                    zip(index.names, index.values, index.keys, index.packs, index.orders, strict=True)
                )
            ),
        )
        conn.executemany(
            "INSERT INTO ac_postings VALUES (?, ?, ?)", ((kind, w, raw) for w, raw in index.postings.items())
        )
        conn.execute("INSERT INTO meta VALUES (?, ?)", (f"ac_alphabetical_{kind}", json.dumps(index.alphabetical)))
    conn.execute("INSERT INTO meta VALUES (?, ?)", ("ac_tags", json.dumps(state.tags, ensure_ascii=False)))
    conn.execute("INSERT INTO meta VALUES (?, ?)", ("ac_places", json.dumps(state.places, ensure_ascii=False)))


def _load_autocomplete(conn: sqlite3.Connection) -> AutocompleteState:
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE 'ac_%'").fetchall())
    indexes: dict[str, NameIndexState] = {}
    for kind in ("event", "article"):
        rows = conn.execute(
            "SELECT name, value, key, pack, ord FROM ac_entries WHERE kind = ? ORDER BY number", (kind,)
        ).fetchall()
        names, values, keys, packs, orders = (tuple(col) for col in zip(*rows, strict=True)) if rows else ((),) * 5
        postings = dict(conn.execute("SELECT word, numbers FROM ac_postings WHERE kind = ?", (kind,)).fetchall())
        indexes[kind] = NameIndexState(
            names=names,
            values=values,
            keys=keys,
            packs=packs,
            orders=orders,
            postings=postings,
            alphabetical=tuple(json.loads(meta[f"ac_alphabetical_{kind}"])),
        )
    return AutocompleteState(
        events=indexes["event"],
        articles=indexes["article"],
        tags=tuple(json.loads(meta["ac_tags"])),
        places=tuple(json.loads(meta["ac_places"])),
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


def _build_file(path: Path, library: Library, hash_value: str, completer: Autocompleter | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        _fill(conn, library, hash_value, completer)
    finally:
        conn.close()
    os.replace(tmp, path)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A search's filters, translated: facet tokens to AND in, a rowid range, or "nothing"."""

    facets: str | None
    rowids: tuple[int, int] | None
    impossible: bool = False

    def sql(self) -> tuple[str, list[object]]:
        if self.rowids is None:
            return "", []
        return " AND docs.rowid BETWEEN ? AND ?", [self.rowids[0], self.rowids[1]]


class SearchIndex:
    """An FTS5 index of one library, with its autocompleter. Queries are serialised by a lock."""

    def __init__(
        self,
        library: Library,
        conn: sqlite3.Connection,
        *,
        hash_value: str,
        from_cache: bool,
        autocompleter: Autocompleter,
    ) -> None:
        self.library = library
        self.content_hash = hash_value
        #: Whether an existing cache file was reused (no rebuild).
        self.from_cache = from_cache
        #: The autocompleter for the same library (built, or reloaded from the cache).
        self.autocompleter = autocompleter
        self._conn = conn
        self._lock = threading.Lock()
        self._all_packs = frozenset(p for (p,) in conn.execute("SELECT DISTINCT pack FROM items"))

    @classmethod
    def build(cls, library: Library, cache_path: Path | str | None = None) -> SearchIndex:
        """Index ``library``, in memory (``cache_path`` ``None`` or ``":memory:"``) or in a cache file.

        A cache file whose content hash matches is opened as it is, and its autocomplete index
        reloaded; otherwise it is rebuilt in a temporary file next to it and moved into place,
        so a crash never leaves half a cache.
        """
        hash_value = content_hash(library)
        if cache_path is None or str(cache_path) == ":memory:":
            completer = Autocompleter.build(library)
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            _fill(conn, library, hash_value, None)
            return cls(library, conn, hash_value=hash_value, from_cache=False, autocompleter=completer)
        path = Path(cache_path)
        if path.is_file():
            try:
                conn = _open_readonly(path)
                if _cached_hash(conn) == hash_value:
                    state = _load_autocomplete(conn)
                    return cls(
                        library,
                        conn,
                        hash_value=hash_value,
                        from_cache=True,
                        autocompleter=Autocompleter.from_state(state),
                    )
                conn.close()
            except (sqlite3.Error, KeyError, ValueError):
                pass  # damaged or foreign: rebuild
        completer = Autocompleter.build(library)
        _build_file(path, library, hash_value, completer)
        return cls(library, _open_readonly(path), hash_value=hash_value, from_cache=False, autocompleter=completer)

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
        query = " ".join(str(text).split())[:MAX_QUERY_CHARS]
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, min(int(offset), MAX_OFFSET))
        filters = filters or SearchFilters()
        terms = query_terms(query)
        with self._lock:
            plan = self._plan(filters)
            if plan.impossible:
                return SearchResults((), 0, query, offset, limit)
            if not terms:
                if plan.facets is None and plan.rowids is None:
                    return SearchResults((), 0, query, offset, limit)
                return self._browse(query, plan, limit, offset)
            attempts = [fts_query(terms)]
            if any(len(t) >= 3 for t in terms):
                attempts.append(fts_query(terms, prefix=True))
            if len(terms) > 1:
                attempts.append(fts_query(terms, prefix=True, any_term=True))
            for text_query in attempts:
                try:
                    results = self._match(query, text_query, plan, limit, offset)
                except sqlite3.Error:
                    continue
                if results.total:
                    return results
        return SearchResults((), 0, query, offset, limit)

    def _plan(self, filters: SearchFilters) -> _Plan:
        parts: list[str] = []
        if filters.kind is not None:
            if filters.kind not in KINDS:
                raise UserInputError(f"search for events or articles, not {str(filters.kind)[:40]!r}")
            parts.append(f'"{facet_token("k", filters.kind)}"')
        if filters.tag and filters.tag.strip():
            parts.append(f'"{facet_token("tg", filters.tag.strip().lower())}"')
        if filters.place and fold_key(filters.place):
            parts.append(f'"{facet_token("pl", filters.place)}"')
        if filters.packs is not None:
            packs = sorted(filters.packs & self._all_packs)
            if not packs:
                return _Plan(None, None, impossible=True)
            if len(packs) < len(self._all_packs):
                parts.append("(" + " OR ".join(f'"{facet_token("pk", p)}"' for p in packs) + ")")
        facets = "{facets} : (" + " AND ".join(parts) + ")" if parts else None
        rowids = None
        if filters.year_from is not None or filters.year_to is not None:
            lo = -1 if filters.year_from is None else max(-1, min(int(filters.year_from), 100_000))
            hi = 100_000 if filters.year_to is None else max(-1, min(int(filters.year_to), 100_000))
            if lo > hi:
                lo, hi = hi, lo
            first = self._conn.execute(
                "SELECT rid FROM items WHERE year >= ? ORDER BY year, rid LIMIT 1", (lo,)
            ).fetchone()
            last = self._conn.execute(
                "SELECT rid FROM items WHERE year <= ? ORDER BY year DESC, rid DESC LIMIT 1", (hi,)
            ).fetchone()
            if first is None or last is None or first[0] > last[0]:
                return _Plan(None, None, impossible=True)
            rowids = (int(first[0]), int(last[0]))
        return _Plan(facets, rowids)

    def _count(self, match: str, plan: _Plan) -> int:
        where, params = plan.sql()
        row = self._conn.execute(f"SELECT count(*) FROM docs WHERE docs MATCH ?{where}", [match, *params]).fetchone()
        return int(row[0])

    def _rows(self, match: str, plan: _Plan, *, ranked: bool, limit: int, offset: int) -> list[tuple[int, float]]:
        where, params = plan.sql()
        order = "2, docs.rowid" if ranked else "docs.rowid"
        rows = self._conn.execute(
            f"SELECT docs.rowid, {_BM25} FROM docs WHERE docs MATCH ?{where} ORDER BY {order} LIMIT ? OFFSET ?",
            [match, *params, limit, offset],
        ).fetchall()
        return [(int(r), float(s)) for r, s in rows]

    def _match(self, query: str, text_query: str, plan: _Plan, limit: int, offset: int) -> SearchResults:
        text_match = f"{_TEXT_COLUMNS} : ({text_query})"
        match = f"({text_match}) AND ({plan.facets})" if plan.facets else text_match
        total = self._count(match, plan)
        if total == 0 or offset >= total:
            return SearchResults((), total, query, offset, limit)
        if total <= RANK_LIMIT:
            rows = self._rows(match, plan, ranked=True, limit=limit, offset=offset)
        else:
            # Too many to rank: rank those with every word in the title, then the rest by date.
            title_match = f"{{title}} : ({text_query})"
            first_match = f"({title_match}) AND ({plan.facets})" if plan.facets else title_match
            in_title = self._count(first_match, plan)
            rows = []
            if offset < in_title:
                rows = self._rows(first_match, plan, ranked=in_title <= RANK_LIMIT, limit=limit, offset=offset)
            if len(rows) < limit:
                rest = f"({match}) NOT ({title_match})"
                rows += self._rows(rest, plan, ranked=False, limit=limit - len(rows), offset=max(0, offset - in_title))
        return SearchResults(self._hits(rows, text_match), total, query, offset, limit)

    def _hits(self, rows: list[tuple[int, float]], text_match: str | None) -> tuple[SearchHit, ...]:
        if not rows:
            return ()
        rids = [rid for rid, _ in rows]
        marks = ", ".join("?" * len(rids))
        details = {r[0]: r for r in self._conn.execute(f"SELECT * FROM items WHERE rid IN ({marks})", rids)}
        hits = []
        for rid, score in rows:
            _, kind, item_id, title, year, _, lead = details[rid]
            snippet = lead
            if text_match is not None:
                found = self._conn.execute(
                    "SELECT snippet(docs, 1, '**', '**', '…', 24) FROM docs WHERE docs MATCH ? AND rowid = ?",
                    (text_match, rid),
                ).fetchone()
                if found and found[0]:
                    snippet = _tidy(found[0], lead)
            hits.append(SearchHit(kind, item_id, title, int(year), round(-score, 6) if text_match else 0.0, snippet))
        return tuple(hits)

    def _browse(self, query: str, plan: _Plan, limit: int, offset: int) -> SearchResults:
        if plan.facets is None:
            assert plan.rowids is not None
            lo, hi = plan.rowids
            total = hi - lo + 1
            rows = [(lo + offset + i, 0.0) for i in range(max(0, min(limit, total - offset)))]
        else:
            total = self._count(plan.facets, plan)
            rows = self._rows(plan.facets, plan, ranked=False, limit=limit, offset=offset) if offset < total else []
        return SearchResults(self._hits(rows, None), total, query, offset, limit)


def _tidy(snippet: str, lead: str) -> str:
    snippet = " ".join(str(snippet).split())
    if not snippet.strip("*… "):
        return lead
    return snippet if len(snippet) <= SNIPPET_CHARS + 40 else clip(snippet, SNIPPET_CHARS + 40)


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
    large library (a warm start with an unchanged library well under one), so call :meth:`get`
    once at startup, in a thread (``await asyncio.to_thread(holder.get, library)``).
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
            index = SearchIndex.build(library, self.cache_path)
            fresh = CoreIndexes(library, index, index.autocompleter)
            self._current = fresh
        if current is not None:
            current.search.close()
        return fresh

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.search.close()
                self._current = None
