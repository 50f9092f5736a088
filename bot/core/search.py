"""Full-text search over the library with SQLite FTS5, ranked by BM25.

This is the one module in the core that does I/O: the index is an SQLite database, either in
memory or in a cache file whose path the caller passes in. The cache is keyed by a hash of the
indexed content (:func:`content_hash`), so a restart with unchanged content opens the file
instead of rebuilding it; changed content (or a damaged file) is rebuilt and replaced atomically.

User text never reaches FTS5 as query syntax: :func:`query_terms` folds it and splits it into
words, and :func:`fts_query` quotes every word. ``NEAR``, ``AND``, ``*``, quotes and parentheses
are just words (or nothing), so any text gives results or "nothing found", never an error.

Ranking: BM25 with the title weighted 10, places/dates and tags 3, the description 1; an event
an article discusses counts :data:`DISCUSSED_SHARE` more, so it comes first among results that
match about equally. A query
requires every word (a word the index has never seen is matched as a prefix, or dropped if it
is not even that); if no document has them all, the commonest words are dropped one at a time.
A word found in more than a fifth of all documents is left out when rarer words remain.
When more than :data:`RANK_LIMIT` documents match, or the words and filters are so common that
BM25 would have to scan more than :data:`RANK_COST_LIMIT` postings, ranking would be slow and
say little: those with every word in the title come first (shortest title first), then the
rest in chronological order; past :data:`RANK_LIMIT` the total is reported as "5,000+".

Filters are pushed into FTS5 so that they cost nothing per row: documents are numbered in
chronological order (events and articles together), so a year range is a rowid range; tag,
place, pack and kind are tokens in a hidden ``facets`` column (weight 0) that the query ANDs
in (or, for "events" and "all packs but these", excludes with NOT, which is cheaper).
The cache file also stores the autocomplete index (:class:`AutocompleteState`), so a warm start
rebuilds neither.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import heapq
import json
import os
import re
import sqlite3
import sys
import threading
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.autocomplete import Autocompleter, AutocompleteState, NameIndexState, clip, fold, fold_key, words
from bot.core.errors import UserInputError
from bot.core.gcpause import gc_paused
from bot.core.models import Article, Event, Library
from bot.core.text import escape_markdown, quote_user

#: Bump when the index layout or what is indexed changes; old caches are then rebuilt.
SCHEMA_VERSION = 5
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
#: A word in more than this share of documents is dropped from a query that has rarer words.
COMMON_FRACTION = 0.2
COMMON_MIN_DOCS = 2000
#: At most this many matches are ranked by BM25 (a few milliseconds); see the module docstring.
RANK_LIMIT = 5000
#: BM25 first counts the documents of every word and facet in the query; above this many
#: postings in all, the cheaper order (title matches first, then by date) is used instead.
RANK_COST_LIMIT = 120_000
#: An event an article discusses ranks as if its BM25 score were this share higher: first among
#: results that match about equally, never above a clearly better match.
DISCUSSED_SHARE = 0.05
#: Matches every document (every document is an event or an article).
_EVERYTHING = '{facets} : ("kevent" OR "karticle")'
KINDS = ("event", "article")

#: Words that name nothing on their own: left out of search queries and of name matching.
STOPWORDS = frozenset(
    [
        "a",
        "against",
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
    #: Higher is better (the negated BM25 score, :data:`DISCUSSED_SHARE` higher for an event an
    #: article discusses; 0 when browsing by filters alone).
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
    #: False when so many documents match that ``total`` is a lower bound ("8,000+").
    total_exact: bool = True

    @property
    def is_empty(self) -> bool:
        return self.total == 0

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total or (not self.total_exact and bool(self.hits))

    @property
    def total_label(self) -> str:
        """``"42"``, or ``"8,000+"`` when the total is a lower bound."""
        return f"{self.total:,}" if self.total_exact else f"{self.total:,}+"


def query_terms(text: str) -> list[str]:
    """The words of a user's query, folded, without duplicates or common stopwords.

    At most 16 words of at most 64 characters. A query of stopwords alone ("the", "AND OR") has
    no searchable words.
    """
    terms = dict.fromkeys(w[:MAX_TERM_CHARS] for w in words(text[:MAX_QUERY_CHARS]))
    return [t for t in terms if t not in STOPWORDS][:MAX_TERMS]


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


@functools.lru_cache(maxsize=1 << 16)
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
    # library.chronological is already sorted by (date, id); merge the few articles into it.
    articles = sorted(library.articles.values(), key=lambda a: (a.published.sort_key, a.id))
    events: Iterator[tuple[tuple[int, int, int], int, str, Event | Article]] = (
        (e.date.sort_key, 0, e.id, e) for e in library.chronological
    )
    papers: Iterator[tuple[tuple[int, int, int], int, str, Event | Article]] = (
        (a.published.sort_key, 1, a.id, a) for a in articles
    )
    return [t[3] for t in heapq.merge(events, papers, key=lambda t: t[:3])]


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
                    join(a.events),
                )
            )
        )
    digest.update("\x1d".join(chunk).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL);
CREATE TABLE items (
    rid INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    year INTEGER NOT NULL,
    pack TEXT NOT NULL,
    lead TEXT NOT NULL
);
CREATE TABLE discussed (rid INTEGER PRIMARY KEY);
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
CREATE TABLE vocab (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE ac_postings (kind TEXT NOT NULL, word TEXT NOT NULL, numbers BLOB NOT NULL, PRIMARY KEY (kind, word))
    WITHOUT ROWID;
"""


def _item_row(rid: int, item: Event | Article) -> tuple[int, str, str, str, int, str, str]:
    if isinstance(item, Event):
        lead = clip(item.description, SNIPPET_CHARS)
    else:
        lead = clip(item.summaries.short or item.summaries.medium, SNIPPET_CHARS)
    return (rid, item.kind, item.id, item.title, item.year, item.pack, lead)


def _doc_row(rid: int, item: Event | Article) -> tuple[int, str, str, str, str, str, str]:
    if isinstance(item, Event):
        title, body, extra, tag_text = _event_fields(item)
        places = {facet_token("pl", p) for p in (*item.places, *item.countries)}
    else:
        title, body, extra, tag_text = _article_fields(item)
        places = set()
    facets = {facet_token("k", item.kind), facet_token("pk", item.pack)} | {facet_token("tg", t) for t in item.tags}
    facets |= places
    return (rid, title, body, extra, tag_text, _alt_words(title, body, extra), " ".join(sorted(facets)))


def _fill(conn: sqlite3.Connection, library: Library, hash_value: str, completer: Autocompleter | None) -> None:
    conn.executescript(_SCHEMA)
    ordered = _ordered_items(library)
    # Rows are streamed into SQLite rather than collected, to keep the peak memory low.
    with conn:
        conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)", map(_item_row, *_numbered(ordered)))
        # The rowids of the events an article discusses: a small table, so that ranking can
        # test membership without a join on every matching row.
        discussed = {e for a in library.articles.values() for e in a.events}
        conn.executemany(
            "INSERT INTO discussed VALUES (?)",
            (
                (rid,)
                for rid, item in zip(*_numbered(ordered), strict=True)
                if isinstance(item, Event) and item.id in discussed
            ),
        )
        conn.executemany(
            "INSERT INTO docs (rowid, title, body, extra, tags, alt, facets) VALUES (?, ?, ?, ?, ?, ?, ?)",
            map(_doc_row, *_numbered(ordered)),
        )
        conn.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        conn.execute("CREATE VIRTUAL TABLE temp.docs_vocab USING fts5vocab(main, docs, 'row')")
        conn.execute("INSERT INTO vocab SELECT term, doc FROM temp.docs_vocab")
        conn.execute("DROP TABLE temp.docs_vocab")
        lengths = array("H", (min(len(item.title), 65535) for item in ordered))
        conn.execute("INSERT INTO meta VALUES ('title_lengths', ?)", (lengths.tobytes(),))
        if completer is not None:
            _store_autocomplete(conn, completer.state())
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("content_hash", hash_value), ("schema_version", str(SCHEMA_VERSION)), ("items", str(len(ordered)))],
        )


def _numbered(ordered: list[Event | Article]) -> tuple[range, list[Event | Article]]:
    return range(1, len(ordered) + 1), ordered


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
        conn.execute("INSERT INTO meta VALUES (?, ?)", (f"ac_discussed_{kind}", json.dumps(sorted(index.discussed))))
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
            discussed=frozenset(json.loads(meta[f"ac_discussed_{kind}"])),
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


def temp_cache_path(path: Path) -> Path:
    """Where the cache at ``path`` is built before it is moved into place.

    ``.<name>.<pid>.<thread>.tmp`` beside it: the process id lets a later start tell a file
    left by a killed process (removed) from one still being written by a live one.
    """
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _build_file(path: Path, library: Library, hash_value: str, completer: Autocompleter | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_cache_path(path)
    tmp.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            _fill(conn, library, hash_value, completer)
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:
        # A full disk, a read-only folder, an interrupt: never leave half a cache behind.
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class _Plan:
    """A search's filters, translated into FTS5: facets to AND in, facets to exclude, a rowid range."""

    positive: str | None
    negative: str | None
    rowids: tuple[int, int] | None
    #: Documents under the facet tokens used: what BM25 would have to scan for them.
    cost: int = 0
    impossible: bool = False

    def sql(self) -> tuple[str, list[object]]:
        if self.rowids is None:
            return "", []
        return " AND docs.rowid BETWEEN ? AND ?", [self.rowids[0], self.rowids[1]]

    @property
    def has_facets(self) -> bool:
        return self.positive is not None or self.negative is not None

    def combine(self, text: str | None) -> str:
        """``text`` with the facets applied (every document if neither is given)."""
        if text and self.positive:
            expression = f"({text}) AND ({self.positive})"
        else:
            expression = text or self.positive or _EVERYTHING
        return f"({expression}) NOT ({self.negative})" if self.negative else expression


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
        #: Why the cache file could not be written (the index then lives in memory), else ``None``.
        self.cache_problem: str | None = None
        self._conn = conn
        self._lock = threading.Lock()
        self._closed = False
        self._all_packs = frozenset(p for (p,) in conn.execute("SELECT DISTINCT pack FROM items"))
        self._size = int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
        conn.execute("PRAGMA cache_size = -8000")
        self._title_lengths = array("H")
        row = conn.execute("SELECT value FROM meta WHERE key = 'title_lengths'").fetchone()
        if row is not None:
            self._title_lengths.frombytes(row[0])

    @classmethod
    def build(cls, library: Library, cache_path: Path | str | None = None) -> SearchIndex:
        """Index ``library``, in memory (``cache_path`` ``None`` or ``":memory:"``) or in a cache file.

        A cache file whose content hash matches is opened as it is, and its autocomplete index
        reloaded; otherwise it is rebuilt in a temporary file next to it and moved into place,
        so a crash never leaves half a cache. The cyclic garbage collector is paused meanwhile.
        """
        with gc_paused():
            return cls._build(library, cache_path)

    @classmethod
    def _build(cls, library: Library, cache_path: Path | str | None) -> SearchIndex:
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
        try:
            _build_file(path, library, hash_value, completer)
            conn = _open_readonly(path)
        except (OSError, sqlite3.Error) as exc:
            # The cache cannot be written (read-only or full disk): index in memory instead.
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            _fill(conn, library, hash_value, None)
            index = cls(library, conn, hash_value=hash_value, from_cache=False, autocompleter=completer)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            index.cache_problem = f"could not write the search cache {path} ({reason})"
            return index
        return cls(library, conn, hash_value=hash_value, from_cache=False, autocompleter=completer)

    def close(self) -> None:
        """Close the database; later searches find nothing (a reload swapped in a new index)."""
        with self._lock:
            self._closed = True
            self._conn.close()

    def __len__(self) -> int:
        return len(self.library.events) + len(self.library.articles)

    def search(
        self, text: str, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0
    ) -> SearchResults:
        """Results for what a user typed, best first, ``limit`` at a time from ``offset``.

        Any text is accepted. Words that appear nowhere are matched as prefixes, or dropped; if
        no document has every word, the commonest words are dropped one at a time. With no
        searchable words, the filters alone select results (chronologically); with no words and
        no filters, the result is empty. Raises :class:`UserInputError` only for a filter that
        cannot be understood (a kind other than ``event`` or ``article``).
        """
        query = " ".join(str(text).split())[:MAX_QUERY_CHARS]
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, min(int(offset), MAX_OFFSET))
        filters = filters or SearchFilters()
        words_typed = query_terms(query)
        with self._lock:
            if self._closed:
                return SearchResults((), 0, query, offset, limit)
            plan = self._plan(filters)
            if plan.impossible:
                return SearchResults((), 0, query, offset, limit)
            if not words_typed:
                if not plan.has_facets and plan.rowids is None:
                    return SearchResults((), 0, query, offset, limit)
                return self._browse(query, plan, limit, offset)
            terms = self._terms(words_typed)
            # Drop the commonest words one at a time until something matches.
            for keep in range(len(terms), 0, -1):
                try:
                    results = self._match(query, terms[:keep], plan, limit, offset)
                except sqlite3.Error:  # pragma: no cover - every term is quoted; belt and braces
                    continue
                if results.total:
                    return results
        return SearchResults((), 0, query, offset, limit)

    def _terms(self, typed: list[str]) -> list[_Term]:
        """Typed words as index terms, rarest first; words that match nothing are dropped."""
        terms = []
        for word in typed:
            row = self._conn.execute("SELECT docs FROM vocab WHERE term = ?", (word,)).fetchone()
            if row is not None:
                terms.append(_Term(word, prefix=False, docs=int(row[0])))
            elif len(word) >= 3:
                row = self._conn.execute(
                    "SELECT count(*), sum(docs) FROM (SELECT docs FROM vocab WHERE term > ? AND term < ? LIMIT 64)",
                    (word, word + "\U0010ffff"),
                ).fetchone()
                if row and row[0]:
                    terms.append(_Term(word, prefix=True, docs=int(row[1])))
        terms.sort(key=lambda t: t.docs)
        # A word in a large share of all documents ("workers", "took") says little and costs a
        # full pass over its postings to rank; with rarer words present, it is left out.
        common = max(COMMON_MIN_DOCS, int(COMMON_FRACTION * self._size))
        rare = [t for t in terms if t.docs <= common]
        return rare or terms

    def _docs(self, term: str) -> int:
        row = self._conn.execute("SELECT docs FROM vocab WHERE term = ?", (term,)).fetchone()
        return int(row[0]) if row else 0

    def _plan(self, filters: SearchFilters) -> _Plan:
        positive: list[str] = []
        negative: list[str] = []
        if filters.kind is not None:
            if filters.kind not in KINDS:
                raise UserInputError(f"Search for events or articles, not {quote_user(str(filters.kind), 40)}.")
            # Articles are few: "events" is "not articles", which costs less than listing events.
            (positive if filters.kind == "article" else negative).append(facet_token("k", "article"))
        if filters.tag and filters.tag.strip():
            positive.append(facet_token("tg", filters.tag.strip().lower()))
        if filters.place and fold_key(filters.place):
            positive.append(facet_token("pl", filters.place))
        pack_tokens: list[str] = []
        if filters.packs is not None:
            allowed = filters.packs & self._all_packs
            if not allowed:
                return _Plan(None, None, None, impossible=True)
            refused = self._all_packs - allowed
            if refused and len(refused) <= len(allowed):
                negative.extend(facet_token("pk", p) for p in sorted(refused))
            elif refused:
                pack_tokens = [facet_token("pk", p) for p in sorted(allowed)]
        parts = [f'"{t}"' for t in positive]
        if pack_tokens:
            parts.append("(" + " OR ".join(f'"{t}"' for t in pack_tokens) + ")")
        cost = sum(self._docs(t) for t in (*positive, *negative, *pack_tokens))
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
                return _Plan(None, None, None, impossible=True)
            rowids = (int(first[0]), int(last[0]))
        return _Plan(
            positive="{facets} : (" + " AND ".join(parts) + ")" if parts else None,
            negative="{facets} : (" + " OR ".join(f'"{t}"' for t in negative) + ")" if negative else None,
            rowids=rowids,
            cost=cost,
        )

    def _count(self, match: str, plan: _Plan, cap: int | None = None) -> int:
        """How many documents match (counting stops at ``cap``, which keeps huge matches cheap)."""
        where, params = plan.sql()
        inner = f"SELECT 1 FROM docs WHERE docs MATCH ?{where}"
        if cap is not None:
            inner += f" LIMIT {int(cap)}"
        row = self._conn.execute(f"SELECT count(*) FROM ({inner})", [match, *params]).fetchone()
        return int(row[0])

    def _rowids(self, match: str, plan: _Plan, *, limit: int, offset: int) -> list[int]:
        where, params = plan.sql()
        rows = self._conn.execute(
            f"SELECT docs.rowid FROM docs WHERE docs MATCH ?{where} ORDER BY docs.rowid LIMIT ? OFFSET ?",
            [match, *params, limit, offset],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def _ranked(self, match: str, plan: _Plan, *, limit: int, offset: int) -> list[tuple[int, float]]:
        where, params = plan.sql()
        # BM25 is negative (lower is better): a discussed event's is scaled up by DISCUSSED_SHARE.
        rows = self._conn.execute(
            f"SELECT docs.rowid, {_BM25} * (1 + {DISCUSSED_SHARE} * (docs.rowid IN discussed)) AS s "
            f"FROM docs WHERE docs MATCH ?{where} "
            "ORDER BY s, docs.rowid LIMIT ? OFFSET ?",
            [match, *params, limit, offset],
        ).fetchall()
        return [(int(r), round(-float(score), 6)) for r, score in rows]

    def _match(self, query: str, terms: list[_Term], plan: _Plan, limit: int, offset: int) -> SearchResults:
        phrases = " ".join(t.phrase for t in terms)
        match = plan.combine(f"{_TEXT_COLUMNS} : ({phrases})")
        total = self._count(match, plan, cap=RANK_LIMIT + 1)
        if total == 0:
            return SearchResults((), 0, query, offset, limit)
        exact = total <= RANK_LIMIT
        if exact and sum(t.docs for t in terms) + plan.cost <= RANK_COST_LIMIT:
            rows = self._ranked(match, plan, limit=limit, offset=offset) if offset < total else []
            return SearchResults(self._hits(rows, terms), total, query, offset, limit)
        # Too many matches, or only words that are everywhere (BM25 would scan all their
        # postings and say little): those with every word in the title come first, shortest
        # title first; then the rest, chronologically.
        title_match = f"{{title}} : ({phrases})"
        where, params = plan.sql()
        in_title = [
            int(r[0])
            for r in self._conn.execute(
                f"SELECT docs.rowid FROM docs WHERE docs MATCH ?{where} LIMIT {RANK_LIMIT}",
                [plan.combine(title_match), *params],
            )
        ]
        in_title.sort(key=lambda rid: (self._title_lengths[rid - 1], rid))
        rows = [(rid, 0.0) for rid in in_title[offset : offset + limit]]
        if len(rows) < limit:
            rest = f"({match}) NOT ({title_match})"
            more = self._rowids(rest, plan, limit=limit - len(rows), offset=max(0, offset - len(in_title)))
            rows += [(rid, 0.0) for rid in more]
        shown_total = total if exact else RANK_LIMIT
        return SearchResults(self._hits(rows, terms), shown_total, query, offset, limit, total_exact=exact)

    def _hits(self, rows: list[tuple[int, float]], terms: list[_Term]) -> tuple[SearchHit, ...]:
        if not rows:
            return ()
        rids = [rid for rid, _ in rows]
        marks = ", ".join("?" * len(rids))
        details = {r[0]: r for r in self._conn.execute(f"SELECT * FROM items WHERE rid IN ({marks})", rids)}
        hits = []
        for rid, score in rows:
            _, kind, item_id, title, year, _, lead = details[rid]
            snippet = lead
            if terms and _covers(title, terms):
                # The title already shows every word searched for: the description's opening
                # reads better than a fragment from its middle (matches in it still in bold).
                snippet = make_snippet(lead, terms, width=len(lead), from_start=True) or lead
            elif terms:
                source = self._snippet_source(kind, item_id)
                if source:
                    snippet = make_snippet(source, terms) or lead
            hits.append(SearchHit(kind, item_id, title, int(year), score, snippet))
        return tuple(hits)

    def _snippet_source(self, kind: str, item_id: str) -> str:
        if kind == "event":
            event = self.library.events.get(item_id)
            return event.description if event else ""
        article = self.library.articles.get(item_id)
        if article is None:
            return ""
        return " ".join((article.summaries.medium, article.argument, *article.key_points))

    def _browse(self, query: str, plan: _Plan, limit: int, offset: int) -> SearchResults:
        if not plan.has_facets:
            assert plan.rowids is not None
            lo, hi = plan.rowids
            total = hi - lo + 1
            rids = list(range(lo + offset, min(hi, lo + offset + limit - 1) + 1))
        else:
            match = plan.combine(None)
            total = self._count(match, plan)
            rids = self._rowids(match, plan, limit=limit, offset=offset) if offset < total else []
        return SearchResults(self._hits([(rid, 0.0) for rid in rids], []), total, query, offset, limit)


@dataclass(frozen=True, slots=True)
class _Term:
    """A query word as the index knows it: the word itself, or (if unknown) a prefix."""

    text: str
    prefix: bool
    #: How many documents contain it (for a prefix, of its first 64 completions).
    docs: int

    @property
    def phrase(self) -> str:
        return f'"{self.text}"*' if self.prefix else f'"{self.text}"'

    def matches(self, folded_word: str) -> bool:
        return folded_word.startswith(self.text) if self.prefix else folded_word == self.text


_TOKEN_RE = re.compile(r"[^\W_]+")


def _covers(text: str, terms: Sequence[_Term]) -> bool:
    """Whether every search term matches some word of ``text``."""
    words = [w.lower() if w.isascii() else fold(w) for w in (m.group() for m in _TOKEN_RE.finditer(text))]
    return all(any(t.matches(w) for w in words) for t in terms)


def make_snippet(text: str, terms: Sequence[_Term], width: int = SNIPPET_CHARS, *, from_start: bool = False) -> str:
    """About ``width`` characters of ``text`` around the first matched word, matches in bold.

    With ``from_start`` the window begins at the start of ``text`` instead. Returns "" when no
    word of ``text`` matches.
    """
    tokens = []
    first = -1
    for position, m in enumerate(_TOKEN_RE.finditer(text)):
        tokens.append(m)
        if first < 0:
            word = m.group()
            folded = word.lower() if word.isascii() else fold(word)
            if any(t.matches(folded) for t in terms):
                first = position
        if first >= 0 and position > first + 60:
            break
        if position > 2000:
            break
    if first < 0:
        return ""
    start_token = 0 if from_start else first
    while start_token > 0 and tokens[first].end() - tokens[start_token - 1].start() < width // 3:
        start_token -= 1
    start = tokens[start_token].start() if start_token > 0 else 0
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > start + width // 2:
            end = space
    pieces = []
    cursor = start
    for m in tokens[start_token:]:
        if m.start() >= end:
            break
        word = m.group()
        folded = word.lower() if word.isascii() else fold(word)
        if m.end() <= end and any(t.matches(folded) for t in terms):
            pieces.append(text[cursor : m.start()])
            pieces.append(f"**{word}**")
            cursor = m.end()
    pieces.append(text[cursor:end])
    snippet = " ".join("".join(pieces).split())
    return ("…" if start > 0 else "") + snippet.rstrip(" ,;:") + ("…" if end < len(text) else "")


def describe_filters(
    *,
    year: int | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    place: str | None = None,
    tag: str | None = None,
) -> str:
    """``in 1953 · tag strike · place Berlin`` (empty when there are no filters)."""
    parts = []
    if year is not None:
        parts.append(f"in {year}")
    elif from_year is not None and to_year is not None:
        lo, hi = sorted((from_year, to_year))
        parts.append(f"{lo}–{hi}" if lo != hi else str(lo))
    elif from_year is not None:
        parts.append(f"from {from_year}")
    elif to_year is not None:
        parts.append(f"up to {to_year}")
    if tag:
        parts.append(f"tag `{tag}`")
    if place:
        parts.append(f"place {escape_markdown(place)}")
    return " · ".join(parts)


def filters_phrase(
    *,
    from_year: int | None = None,
    to_year: int | None = None,
    place: str | None = None,
    tag: str | None = None,
) -> str:
    """The filters as words that follow "No events": ``in 1989``, ``from 3000 on``, ``tagged `strike```."""
    parts = []
    if from_year is not None and to_year is not None:
        lo, hi = sorted((from_year, to_year))
        parts.append(f"in {lo}" if lo == hi else f"between {lo} and {hi}")
    elif from_year is not None:
        parts.append(f"from {from_year} on")
    elif to_year is not None:
        parts.append(f"up to {to_year}")
    if tag:
        parts.append(f"tagged `{tag}`")
    if place:
        parts.append(f"in {escape_markdown(place)}")
    return ", ".join(parts)
