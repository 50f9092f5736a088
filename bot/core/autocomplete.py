"""Forgiving autocomplete for event and article names, tags and places.

Discord sends what the user has typed so far on every keystroke, so a lookup must take a few
milliseconds even over 100,000 events. The :class:`Autocompleter` is built once per library:

* every name is *folded* once (casefold, accents stripped, punctuation dropped) into a key of
  its title, places, countries and year (events) or title, authors, publication and year
  (articles), and an inverted index maps each key word to the entries that contain it;
* a query is folded the same way; each query word is matched against the index vocabulary
  exactly, as a prefix (so a half-typed last word works) and, when it is not a known word,
  fuzzily with :func:`rapidfuzz.fuzz.ratio` (so ``hungarain`` finds ``hungarian``);
* the entries that match most words (in any order) are the candidates: at most a few hundred,
  which are then ranked by word coverage and :func:`rapidfuzz.fuzz.WRatio` over the key;
* an event that an article discusses (listed in an article's ``events:``) gets a small bonus,
  :data:`DISCUSSED_BONUS`, so that among events that match about equally it comes first.

Whether free text names one entry well enough to open it is decided in :mod:`bot.core.match`.

Choices are ``(name, value)`` pairs with the name at most 100 characters (Discord's limit) and
the value the entry's id; at most 25 are returned.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import re
import threading
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.models import Article, Event, Library

#: Discord allows at most 25 autocomplete choices, each name at most 100 characters.
MAX_CHOICES = 25
CHOICE_NAME_LIMIT = 100
#: Longest query text considered (Discord's option values are at most 100 characters anyway).
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 8

# Letters that NFKD does not decompose into a base letter and a combining mark.
_EXTRA_FOLD = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ı": "i",
        "ŀ": "l",
        "ŧ": "t",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ĸ": "k",
        "ŉ": "n",
    }
)
_WORD_RE = re.compile(r"[^\W_]+")
# One translation: drop every combining mark (accents, Hebrew points, Arabic harakat...) and
# map the letters above; built once (about 20 ms).
_FOLD_TABLE: dict[int, str | None] = {cp: None for cp in range(0x300, 0x20000) if unicodedata.combining(chr(cp))}
_FOLD_TABLE.update(_EXTRA_FOLD)


def fold(text: str) -> str:
    """Casefold and strip accents: ``Łódź`` -> ``lodz``, ``Straße`` -> ``strasse``.

    Punctuation is kept; use :func:`words` to split folded text into words.
    """
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD_TABLE)


def words(text: str) -> list[str]:
    """The folded words of ``text``: runs of letters and digits (no underscores)."""
    return _WORD_RE.findall(fold(text))


def fold_key(text: str) -> str:
    """Folded words joined by single spaces; the form used to compare tags and places."""
    return " ".join(words(text))


@dataclass(frozen=True, slots=True)
class Choice:
    """One autocomplete choice: ``name`` is shown (≤ 100 chars), ``value`` is sent back (an id)."""

    name: str
    value: str


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def event_choice_name(event: Event) -> str:
    """``Title (17 June 1953)``, the title shortened so the whole fits 100 characters."""
    suffix = f" ({event.date.human()})"
    return clip(event.title, CHOICE_NAME_LIMIT - len(suffix)) + suffix


def article_choice_name(article: Article) -> str:
    """``Title — Publication, 2003``, shortened to fit 100 characters."""
    suffix = f" — {article.publication}, {article.year}" if article.publication else f" ({article.year})"
    if len(suffix) > 40:
        suffix = f" ({article.year})"
    return clip(article.title, CHOICE_NAME_LIMIT - len(suffix)) + suffix


#: Separates the title's words from the rest of a key (never a word itself).
_TITLE_END = " | "


def _key(title: str, *rest: str) -> str:
    """``folded title | folded places, year...``: what a typed name is matched against."""
    return fold_key(title) + _TITLE_END + fold_key(" ".join(rest))


def _title_part(key: str) -> str:
    end = key.find(_TITLE_END)
    return key if end < 0 else key[:end]


def _id_words(entry_id: str) -> str:
    # "east-berlin-1953" adds its words; a serial part such as "e000123" would only bloat the index.
    return " ".join(p for p in entry_id.split("-") if p.isalpha() or p.isdigit())


def _year_words(year: int) -> str:
    # "1953 53" so that "berlin 53 uprising" finds an event of 1953.
    return f"{year} {year % 100:02d}"


#: How many entry numbers of the alphabetical order are kept for the empty-input page.
ALPHABETICAL_KEEP = 500
#: How many decoded entry numbers the posting cache holds at most (about 50 bytes each).
_DECODED_BUDGET = 400_000
#: Vocabulary buckets larger than this are not searched fuzzily (they would cost milliseconds).
_MAX_FUZZY_BUCKET = 5000
#: Added to the score (about 0–100) of an event an article discusses: enough to put it first among
#: events that match about equally (e.g. "velvet revolution": Prague 1989 before Yerevan 2018),
#: too little to lift it over a better match.
DISCUSSED_BONUS = 2.0
#: A query word and an index word that share this many first letters (and at least
#: :data:`_STEM_SHARE` of the shorter word) are taken as forms of one word: "solidarnosc" and
#: "solidarity", "hungary" and "hungarian".
STEM_MIN = 5
_STEM_SHARE = 0.6
#: Words skipped in a query when it has other words.
_QUERY_STOPWORDS = frozenset({"the", "a", "an", "of", "in", "at", "on", "to", "and", "for", "by", "against", "from"})


@dataclass(frozen=True, slots=True)
class NameIndexState:
    """Everything a name index holds, as plain data (so a cache can store and reload it)."""

    names: tuple[str, ...]
    values: tuple[str, ...]
    keys: tuple[str, ...]
    packs: tuple[str, ...]
    #: Position of each entry in chronological order (for stable ties).
    orders: tuple[int, ...]
    #: Word -> ascending entry numbers, as the bytes of an ``array('I')``.
    postings: Mapping[str, bytes]
    #: The first entry numbers in alphabetical order of name.
    alphabetical: tuple[int, ...]
    #: Entry numbers of the events an article discusses (ranked first among equals).
    discussed: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class AutocompleteState:
    """An :class:`Autocompleter` as plain data; see :meth:`Autocompleter.state`."""

    events: NameIndexState
    articles: NameIndexState
    tags: tuple[str, ...]
    places: tuple[str, ...]


def _index_state(rows: list[tuple[str, str, str, str, int]], discussed: frozenset[str] = frozenset()) -> NameIndexState:
    """Number ``(name, value, key, pack, order)`` rows by key length and index their words.

    ``discussed`` holds the values (ids) of the entries an article discusses.
    """
    # Entries are numbered by ascending key length, so that when a query matches very many
    # entries, the shortest (most specific) ones are the ones kept for ranking.
    rows.sort(key=lambda r: (len(r[2]), r[4]))
    postings: dict[str, array[int]] = {}
    for number, row in enumerate(rows):
        for word in set(row[2].split()) - {"|"}:
            bucket = postings.get(word)
            if bucket is None:
                postings[word] = array("I", (number,))
            else:
                bucket.append(number)
    alphabetical = heapq.nsmallest(ALPHABETICAL_KEEP, range(len(rows)), key=lambda n: (rows[n][0].casefold(), n))
    names, values, keys, packs, orders = (tuple(col) for col in zip(*rows, strict=True)) if rows else ((),) * 5
    return NameIndexState(
        names=names,
        values=values,
        keys=keys,
        packs=packs,
        orders=orders,
        postings={w: p.tobytes() for w, p in postings.items()},
        alphabetical=tuple(alphabetical),
        discussed=frozenset(n for n, value in enumerate(values) if value in discussed),
    )


@dataclass(frozen=True, slots=True)
class _Scored:
    score: float
    number: int
    name_length: int
    order: int


class _NameIndex:
    """Inverted word index over one kind of entry (events or articles)."""

    def __init__(self, state: NameIndexState) -> None:
        self.state = state
        self.names = state.names
        self.values = state.values
        self.keys = state.keys
        self.orders = state.orders
        self.discussed = state.discussed
        self._raw = state.postings
        self._decoded: OrderedDict[str, frozenset[int]] = OrderedDict()
        self._decoded_size = 0
        self.vocabulary: list[str] = sorted(self._raw)
        buckets: dict[tuple[str, int], list[str]] = {}
        for word in self.vocabulary:
            buckets.setdefault((word[0], len(word)), []).append(word)
        self._fuzzy_buckets = buckets
        self._by_pack: dict[str, frozenset[int]] | None = None
        self._alphabetical: tuple[int, ...] | None = None
        self._allowed_cache: dict[frozenset[str], frozenset[int]] = {}

    def __len__(self) -> int:
        return len(self.names)

    def posting(self, word: str) -> frozenset[int] | None:
        """The entry numbers whose key has ``word`` (decoded once, kept in a bounded cache)."""
        found = self._decoded.get(word)
        if found is not None:
            self._decoded.move_to_end(word)
            return found
        raw = self._raw.get(word)
        if raw is None:
            return None
        numbers = array("I")
        numbers.frombytes(raw)
        found = frozenset(numbers)
        self._decoded[word] = found
        self._decoded_size += len(found)
        while self._decoded_size > _DECODED_BUDGET and len(self._decoded) > 1:
            _, dropped = self._decoded.popitem(last=False)
            self._decoded_size -= len(dropped)
        return found

    def posting_size(self, word: str) -> int:
        return len(self._raw.get(word, b"")) // 4

    def allowed(self, packs: frozenset[str]) -> frozenset[int]:
        cached = self._allowed_cache.get(packs)
        if cached is None:
            if self._by_pack is None:
                pack_sets: dict[str, list[int]] = {}
                for number, pack in enumerate(self.state.packs):
                    pack_sets.setdefault(pack, []).append(number)
                self._by_pack = {p: frozenset(s) for p, s in pack_sets.items()}
            merged: set[int] = set()
            for pack in packs:
                merged |= self._by_pack.get(pack, frozenset())
            cached = frozenset(merged)
            if len(self._allowed_cache) > 64:
                self._allowed_cache.clear()
            self._allowed_cache[packs] = cached
        return cached

    def variants(self, word: str, *, is_last: bool) -> list[tuple[str, float]]:
        """Index words that ``word`` may stand for, each with how well it matches (0–1)."""
        found: list[tuple[str, float]] = []
        exact = word in self._raw
        if exact:
            found.append((word, 1.0))
        if is_last or (not exact and len(word) >= 3):
            lo = bisect.bisect_left(self.vocabulary, word)
            hi = bisect.bisect_left(self.vocabulary, word + "\U0010ffff", lo)
            completions = [w for w in self.vocabulary[lo:hi] if w != word]
            if len(completions) > 32:
                completions = heapq.nlargest(32, completions, key=self.posting_size)
            found.extend((w, 0.9) for w in completions)
        if not exact and len(word) >= 4 and not word.isdigit():
            swapped = word[1] + word[0] + word[2:]  # a slip of the first two letters
            if swapped in self._raw:
                found.append((swapped, 0.8))
            pool: list[str] = []
            for length in range(len(word) - 2, len(word) + 3):
                bucket = self._fuzzy_buckets.get((word[0], length), ())
                if len(bucket) <= _MAX_FUZZY_BUCKET:
                    pool.extend(bucket)
            for match, score, _ in process.extract(
                word, pool, scorer=fuzz.ratio, processor=None, limit=6, score_cutoff=75
            ):
                found.append((match, 0.85 * score / 100))
        if not exact and len(word) >= STEM_MIN and not word.isdigit():
            # Another form of the word ("solidarnosc" -> "solidarity"): a long common beginning.
            lo = bisect.bisect_left(self.vocabulary, word[:STEM_MIN])
            hi = bisect.bisect_left(self.vocabulary, word[:STEM_MIN] + "\U0010ffff", lo)
            known = {w for w, _ in found}
            for other in self.vocabulary[lo : min(hi, lo + 64)]:
                if other not in known and is_stem_match(word, other):
                    found.append((other, 0.75))
        return found

    def search(
        self, query_words: list[str], folded_query: str, limit: int, packs: frozenset[str] | None
    ) -> list[_Scored]:
        if not query_words:
            return self._default(limit, packs)
        word_groups: list[tuple[int, list[tuple[str, float]]]] = []
        for i, word in enumerate(query_words):
            matched = self.variants(word, is_last=i == len(query_words) - 1)
            if matched:
                word_groups.append((sum(self.posting_size(w) for w, _ in matched), matched))
        if not word_groups:
            return []
        allowed = self.allowed(packs) if packs is not None else None
        pool_size = max(limit * 8, 200)
        if len(word_groups) == 1:
            # One word: walk its postings in entry order (shortest keys first); no big sets.
            coverage = self._first_of(word_groups[0][1], pool_size, allowed)
            chosen = list(coverage)
        else:
            found = self._coverage_of_all(word_groups, pool_size, allowed)
            if found is None:
                return []
            chosen, coverage = found
        n_words = len(query_words)
        scored = []
        for number in chosen:
            key = self.keys[number]
            similarity = fuzz.WRatio(folded_query, key, processor=None)
            # Words found in the title count for more than words found in places or dates.
            in_title = fuzz.token_set_ratio(folded_query, _title_part(key), processor=None)
            score = 70.0 * coverage[number] / n_words + 0.15 * similarity + 0.15 * in_title
            if number in self.discussed:
                score += DISCUSSED_BONUS
            scored.append(_Scored(score, number, len(self.names[number]), self.orders[number]))
        return heapq.nsmallest(limit, scored, key=lambda s: (-s.score, s.name_length, s.order))

    def _coverage_of_all(
        self,
        word_groups: list[tuple[int, list[tuple[str, float]]]],
        pool_size: int,
        allowed: frozenset[int] | set[int] | None,
    ) -> tuple[list[int], dict[int, float]] | None:
        """Entries that have every query word (a word found with none of the others is ignored),
        at most ``pool_size`` of them, each with the sum of its best match weight per word."""
        word_groups.sort(key=lambda g: g[0])
        groups = [[(self.posting(w) or frozenset(), weight) for w, weight in found] for _, found in word_groups]
        candidates: set[int] | frozenset[int] | None = None
        for found in groups:
            if candidates is None:
                if len(found) == 1:
                    union: set[int] | frozenset[int] = found[0][0]
                else:
                    union = set().union(*(posting for posting, _ in found))
                if allowed is not None:
                    union = union & allowed
                if union:
                    candidates = union
                continue
            narrowed: set[int] = set()
            for posting, _ in found:
                narrowed |= candidates & posting
            if narrowed:  # a word that never appears with the others is ignored
                candidates = narrowed
        if not candidates:
            return None
        chosen = heapq.nsmallest(pool_size, candidates) if len(candidates) > pool_size else list(candidates)
        chosen_set = set(chosen)
        coverage = dict.fromkeys(chosen, 0.0)
        for found in groups:
            best: dict[int, float] = {}
            for posting, weight in found:
                for number in chosen_set & posting:
                    if weight > best.get(number, 0.0):
                        best[number] = weight
            for number, weight in best.items():
                coverage[number] += weight
        return chosen, coverage

    def _first_of(
        self, matched: list[tuple[str, float]], count: int, allowed: frozenset[int] | None
    ) -> dict[int, float]:
        """The ``count`` lowest entry numbers in any of the words' postings, with their best weight."""
        streams = []
        for word, weight in matched:
            numbers = array("I")
            numbers.frombytes(self._raw.get(word, b""))
            streams.append(zip(numbers, itertools.repeat(-weight), strict=False))
        found: dict[int, float] = {}
        for number, negative_weight in heapq.merge(*streams):
            if number in found or (allowed is not None and number not in allowed):
                continue
            found[number] = -negative_weight
            if len(found) >= count:
                break
        return found

    def _default(self, limit: int, packs: frozenset[str] | None) -> list[_Scored]:
        allowed = self.allowed(packs) if packs is not None else None
        picked = self._first_alphabetical(self.state.alphabetical, limit, allowed)
        if len(picked) < limit and len(self.state.alphabetical) < len(self.names):
            if self._alphabetical is None:
                self._alphabetical = tuple(sorted(range(len(self.names)), key=lambda n: (self.names[n].casefold(), n)))
            picked = self._first_alphabetical(self._alphabetical, limit, allowed)
        return picked

    def _first_alphabetical(self, order: Sequence[int], limit: int, allowed: frozenset[int] | None) -> list[_Scored]:
        picked: list[_Scored] = []
        for number in order:
            if allowed is None or number in allowed:
                picked.append(_Scored(0.0, number, len(self.names[number]), self.orders[number]))
                if len(picked) >= limit:
                    break
        return picked


class Autocompleter:
    """Precomputed name lookups for one :class:`Library`. Build once; queries are read-only."""

    def __init__(self, state: AutocompleteState) -> None:
        self._state = state
        self._events = _NameIndex(state.events)
        self._articles = _NameIndex(state.articles)
        self.tags: tuple[str, ...] = state.tags
        self.places: tuple[str, ...] = state.places
        self._folded_tags = [(fold_key(t), t) for t in self.tags]
        self._folded_places = [(fold_key(p), p) for p in self.places]
        #: Ids of the events an article discusses.
        self.discussed_events: frozenset[str] = frozenset(state.events.values[n] for n in state.events.discussed)
        # The indexes keep small caches; a lock makes calls from several threads safe.
        self._lock = threading.Lock()

    @classmethod
    def build(cls, library: Library) -> Autocompleter:
        """Fold every name and index its words (a few seconds for 100,000 events)."""
        event_rows = [
            (
                event_choice_name(e),
                e.id,
                _key(e.title, *e.places, *e.countries, _year_words(e.year), _id_words(e.id)),
                e.pack,
                n,
            )
            for n, e in enumerate(library.chronological)
        ]
        articles = sorted(library.articles.values(), key=lambda a: (a.published.sort_key, a.id))
        article_rows = [
            (
                article_choice_name(a),
                a.id,
                _key(a.title, *a.authors, a.publication, _year_words(a.year), _id_words(a.id)),
                a.pack,
                n,
            )
            for n, a in enumerate(articles)
        ]
        discussed = frozenset(e for a in library.articles.values() for e in a.events)
        return cls(
            AutocompleteState(
                events=_index_state(event_rows, discussed),
                articles=_index_state(article_rows),
                tags=list_tags(library),
                places=list_places(library),
            )
        )

    @classmethod
    def from_state(cls, state: AutocompleteState) -> Autocompleter:
        """An autocompleter from the data :meth:`state` returned (e.g. reloaded from a cache)."""
        return cls(state)

    def state(self) -> AutocompleteState:
        """Everything this autocompleter holds, as plain data."""
        return self._state

    def events(self, current: str, *, packs: Iterable[str] | None = None, limit: int = MAX_CHOICES) -> list[Choice]:
        """Event choices for what the user has typed; ``packs`` restricts to those packs."""
        return self._complete(current, kinds=(self._events,), packs=packs, limit=limit)

    def articles(self, current: str, *, packs: Iterable[str] | None = None, limit: int = MAX_CHOICES) -> list[Choice]:
        """Article choices for what the user has typed."""
        return self._complete(current, kinds=(self._articles,), packs=packs, limit=limit)

    def complete(
        self, current: str, *, kind: str | None = None, packs: Iterable[str] | None = None, limit: int = MAX_CHOICES
    ) -> list[Choice]:
        """Choices of ``kind`` ``"event"``, ``"article"`` or both (``None``)."""
        if kind == "event":
            indexes: tuple[_NameIndex, ...] = (self._events,)
        elif kind == "article":
            indexes = (self._articles,)
        else:
            indexes = (self._articles, self._events)
        return self._complete(current, kinds=indexes, packs=packs, limit=limit)

    def _complete(
        self, current: str, *, kinds: tuple[_NameIndex, ...], packs: Iterable[str] | None, limit: int
    ) -> list[Choice]:
        limit = max(0, min(limit, MAX_CHOICES))
        if limit == 0:
            return []
        query_words = _dedupe(words(current[:MAX_QUERY_CHARS]))
        meaningful = [w for w in query_words if w not in _QUERY_STOPWORDS]
        if meaningful and len(meaningful) < len(query_words):
            # Keep a stopword only if it is the word being typed (it may be a prefix: "the" -> "theatre").
            last = query_words[-1]
            query_words = meaningful + ([last] if last in _QUERY_STOPWORDS and last != meaningful[-1] else [])
        query_words = query_words[:MAX_QUERY_WORDS]
        folded_query = " ".join(query_words)
        pack_set = frozenset(packs) if packs is not None else None
        scored: list[tuple[_Scored, _NameIndex]] = []
        with self._lock:
            for index in kinds:
                scored.extend((s, index) for s in index.search(query_words, folded_query, limit, pack_set))
        if len(kinds) > 1:
            scored.sort(key=lambda pair: (-pair[0].score, pair[0].name_length, pair[0].order))
        return [Choice(index.names[s.number], index.values[s.number]) for s, index in scored[:limit]]

    def complete_tags(self, current: str, limit: int = MAX_CHOICES) -> list[Choice]:
        """Tags used in the library that fit what the user typed (prefix first, then fuzzy)."""
        return _complete_labels(self._folded_tags, current, limit)

    def complete_places(self, current: str, limit: int = MAX_CHOICES) -> list[Choice]:
        """Places and countries used in the library that fit what the user typed."""
        return _complete_labels(self._folded_places, current, limit)


def common_prefix(a: str, b: str) -> int:
    """How many first characters ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def is_stem_match(word: str, other: str) -> bool:
    """Whether two different words look like forms of one word (a long common beginning)."""
    shared = common_prefix(word, other)
    return shared >= STEM_MIN and shared >= _STEM_SHARE * min(len(word), len(other))


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _complete_labels(labels: Sequence[tuple[str, str]], current: str, limit: int) -> list[Choice]:
    limit = max(0, min(limit, MAX_CHOICES))
    query = fold_key(current[:MAX_QUERY_CHARS])
    if not query:
        return [Choice(clip(label, CHOICE_NAME_LIMIT), label[:CHOICE_NAME_LIMIT]) for _, label in labels[:limit]]
    ranked: list[tuple[float, int, str]] = []
    for position, (key, label) in enumerate(labels):
        if key.startswith(query):
            ranked.append((200.0, position, label))
        elif f" {query}" in f" {key}":
            ranked.append((150.0, position, label))
    seen = {label for _, _, label in ranked}
    if len(ranked) < limit:
        keys = [key for key, _ in labels]
        for _, score, position in process.extract(
            query, keys, scorer=fuzz.WRatio, processor=None, limit=limit * 2, score_cutoff=60
        ):
            label = labels[position][1]
            if label not in seen:
                seen.add(label)
                ranked.append((score, position, label))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    return [Choice(clip(label, CHOICE_NAME_LIMIT), label[:CHOICE_NAME_LIMIT]) for _, _, label in ranked[:limit]]


def list_tags(library: Library) -> tuple[str, ...]:
    """Every tag used by at least one event or article, sorted."""
    used: set[str] = set()
    for event in library.events.values():
        used.update(event.tags)
    for article in library.articles.values():
        used.update(article.tags)
    return tuple(sorted(used))


def list_places(library: Library) -> tuple[str, ...]:
    """Every place and country named by an event, sorted, one spelling per folded name."""
    spelling: dict[str, str] = {}
    for event in library.events.values():
        for name in (*event.places, *event.countries):
            key = place_key(name)
            if key and key not in spelling:
                spelling[key] = name
    return tuple(sorted(spelling.values(), key=lambda s: (fold_key(s), s)))


@functools.lru_cache(maxsize=1 << 14)
def place_key(name: str) -> str:
    """:func:`fold_key` of a place name, cached (places repeat across many events)."""
    return fold_key(name)


def place_matches(event: Event, folded_place: str) -> bool:
    """Whether ``event`` names the place or country whose :func:`fold_key` is ``folded_place``."""
    return any(place_key(name) == folded_place for name in (*event.places, *event.countries))


def tag_counts(library: Library) -> Mapping[str, int]:
    """How many events and articles carry each tag."""
    counts: dict[str, int] = {}
    for tags in [e.tags for e in library.events.values()] + [a.tags for a in library.articles.values()]:
        for tag in tags:
            counts[tag] = counts.get(tag, 0) + 1
    return counts
