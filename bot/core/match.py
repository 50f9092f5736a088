"""Whether free text names one event (or article) well enough to open it, or nothing.

``/event show`` and ``/article show`` accept what people type, typos included; but forgiving
typos must not mean answering nonsense with an unrelated event (``o'brien`` opening "The May
Days bring down Rojas Pinilla"). :func:`match_event` and :func:`match_article` decide:

1. an exact id (an autocomplete choice) or an exact title opens at once;
2. otherwise the :class:`~bot.core.autocomplete.Autocompleter` proposes a few candidates, and
   each is scored by how well the query's words are found among its words (:func:`word_score`:
   exact 1, a beginning of a word 0.9, a typo within Elasticsearch's "AUTO" edit distance
   1 − edits/length, another form of the word 0.75); the score is the mean over the query's
   words, 0–100 (:func:`candidate_score`);
3. a candidate is *named* by the query if a word with letters fits its title or id better than
   its places, countries and date: a year ("1953") or a place ("budapest") alone says when or
   where, not which event; named candidates rank first, then by score;
4. candidates within :data:`TIE_MARGIN` points of the best match about equally. Among them,
   for a name: the one whose whole id the query gives ("jan palah": ``jan-palach-1969``), then
   the one whose title the query says most of, then one an article discusses; for a place or
   a year: one an article discusses (see :func:`_preference`);
5. the best opens if its score is at least :data:`MATCH_THRESHOLD`, the query has a word with
   letters, and it *stands out*: it is alone, or strictly preferred to the runner-up by (4).
   "strike" fits dozens of titles equally and opens nothing; "vorkuta" fits two events, one of
   which an article discusses, and opens that one.

When nothing opens, :attr:`Match.suggestions` holds up to three candidates that matched at
least one word, for a "did you mean" line. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz.distance import OSA

from bot.core.autocomplete import (
    MAX_QUERY_CHARS,
    Autocompleter,
    _id_words,
    _year_words,
    fold_key,
    is_stem_match,
    words,
)
from bot.core.models import Article, Event, Library
from bot.core.search import STOPWORDS
from bot.core.text import quote_user

_Item = TypeVar("_Item", Event, Article)

#: The lowest score (0–100, the mean of the query words' :func:`word_score`) that opens an item.
#:
#: Measured on the shipped library with the queries in ``tests/core/test_match.py``. Every real
#: typo there scores 75 or more: a single word in another form, "solidarnosc", 75; one wrong
#: letter in a short word, "vorkta" 86, "charta 77" 88, "tianamen" 89; "hungarain 1956" 94;
#: "berlin 53 uprising" 100. Below: two words found in three ("hungarian uprising 1956",
#: "hungarian pizza 1956") 67, "huge strike" 45, "o'brien", "huge", "xyzzy" 0. 70 lies between:
#: one word in three may not be wrong, one in four may. A query also needs a word with letters
#: and a best candidate that stands out (see :func:`_match`), which no threshold can judge.
MATCH_THRESHOLD = 70.0
#: Candidates within this many points of the best match about equally: among them an event an
#: article discusses comes first.
TIE_MARGIN = 5.0
#: How many autocomplete candidates are scored.
CANDIDATES = 12
#: How many "did you mean" suggestions a failed lookup offers.
MAX_SUGGESTIONS = 3
_PREFIX_SCORE = 0.9
_STEM_SCORE = 0.75


@dataclass(frozen=True, slots=True)
class Match(Generic[_Item]):
    """The outcome of a lookup: ``best`` (or None), its score, and other candidates."""

    query: str
    best: _Item | None
    #: 0–100; 100 for an exact id or title.
    score: float
    #: Up to :data:`MAX_SUGGESTIONS` other candidates, best first ("did you mean").
    suggestions: tuple[_Item, ...] = ()


def content_words(text: str) -> list[str]:
    """The folded words of ``text`` that can name something: no stopwords, no single letters."""
    found = list(dict.fromkeys(words(text[:MAX_QUERY_CHARS])))
    return [w for w in found if w not in STOPWORDS and (len(w) > 1 or not w.isascii())]


def allowed_edits(word: str) -> int:
    """Typos forgiven in a word (Elasticsearch's AUTO fuzziness): none up to 3 letters, one up to
    7, two from 8 on. A swap of two neighbouring letters is one edit."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def word_score(word: str, candidates: Sequence[str]) -> float:
    """How well ``word`` is found among ``candidates`` (folded words), 0–1."""
    best = 0.0
    digits = word.isdigit()
    edits = allowed_edits(word)
    for other in candidates:
        if other == word:
            return 1.0
        if digits or other.isdigit():
            continue
        if len(word) >= 3 and other.startswith(word):
            best = max(best, _PREFIX_SCORE)
            continue
        if edits:
            distance = OSA.distance(word, other, score_cutoff=edits)
            if distance <= edits:
                best = max(best, 1 - distance / max(len(word), len(other)))
                continue
        if is_stem_match(word, other):
            best = max(best, _STEM_SCORE)
    return best


def event_words(event: Event) -> tuple[list[str], list[str], list[str]]:
    """An event's name words (title, then id), other words (places, countries, date), id words."""
    id_words = _id_words(event.id).split()
    name = words(event.title) + id_words
    # The date as shown ("21 January 1924"), so that a pasted choice name matches too.
    dates = " ".join((event.date.human(), event.end_date.human() if event.end_date else ""))
    other = words(" ".join((*event.places, *event.countries, dates))) + _year_words(event.year).split()
    return name, other, id_words


def article_words(article: Article) -> tuple[list[str], list[str], list[str]]:
    """An article's name words (title, then id), other words (authors, publication, year), id words."""
    id_words = _id_words(article.id).split()
    name = words(article.title) + id_words
    other = words(" ".join((*article.authors, article.publication))) + _year_words(article.year).split()
    return name, other, id_words


@dataclass(frozen=True, slots=True)
class Scored:
    """How well a query fits one candidate."""

    #: The mean of the query words' :func:`word_score`, 0–100.
    score: float
    #: A word with letters fits the title or id better than the places and countries (a year
    #: or a place says when or where, not which event: "budapest" in "Women's silent march in
    #: Budapest" is a place).
    named: bool
    #: Every word of the id is found in the query ("jan palah" and ``jan-palach-1969``).
    whole_id: bool
    #: The share of the title's words found in the query: "tiananmen 89" says more of "The
    #: army clears Tiananmen Square" than of "Students begin a mass hunger strike in Tiananmen
    #: Square".
    title_share: float


def candidate_score(
    query_words: Sequence[str], name: Sequence[str], other: Sequence[str], id_words: Sequence[str] = ()
) -> Scored:
    """Score ``query_words`` against a candidate's name words, other words and id words."""
    total = 0.0
    named = False
    for word in query_words:
        in_name = word_score(word, name)
        in_other = word_score(word, other)
        total += max(in_name, in_other)
        named = named or (in_name > in_other and not word.isdigit())
    id_significant = _significant(id_words)
    whole_id = bool(id_significant) and all(word_score(w, query_words) > 0 for w in id_significant)
    title = _significant(name[: len(name) - len(id_words)])
    share = sum(word_score(w, query_words) > 0 for w in title) / len(title) if title else 0.0
    return Scored(100.0 * total / len(query_words), named, whole_id, round(share, 3))


def _significant(field: Sequence[str]) -> list[str]:
    return [w for w in dict.fromkeys(field) if w not in STOPWORDS and not w.isdigit() and len(w) > 1]


def _preference(candidate: tuple[Scored, int, Event | Article], discussed: frozenset[str]) -> tuple[float, ...]:
    """How candidates that match about equally are ordered (higher first).

    For a name: a query that is the whole id ("jan palah": Jan Palach's event, not "Jan Zajíc
    follows Palach"), then the larger share of the title, then whether an article discusses
    it. For a place or a year alone: whether an article discusses it.
    """
    fit, _, item = candidate
    if not fit.named:
        return (float(item.id in discussed),)
    return (float(fit.whole_id), fit.title_share, float(item.id in discussed))


def _match(
    items: Mapping[str, _Item],
    complete: Callable[[str], Sequence[str]],
    item_words: Callable[[_Item], tuple[list[str], list[str], list[str]]],
    discussed: frozenset[str],
    text: str,
    packs: frozenset[str] | None,
) -> Match[_Item]:
    query = " ".join(text.split())
    exact = items.get(query)
    if exact is not None and (packs is None or exact.pack in packs):
        return Match(query, exact, 100.0)
    query_words = content_words(query)
    if not query_words:
        return Match(query, None, 0.0)
    folded = fold_key(query)
    scored: list[tuple[Scored, int, _Item]] = []
    candidates: list[str] = list(complete(query))
    if query.endswith(")") and "(" in query:
        # A pasted choice name, "Title (17 June 1953)": the title alone finds the candidates.
        title_only: str = query[: query.rindex("(")]
        candidates = list(dict.fromkeys(list(complete(title_only)) + candidates))
    for rank, item_id in enumerate(candidates):
        item = items.get(item_id)
        if item is None:
            continue
        if fold_key(item.title) == folded:
            return Match(query, item, 100.0)
        fit = candidate_score(query_words, *item_words(item))
        if fit.score > 0:
            scored.append((fit, rank, item))
    if not scored:
        return Match(query, None, 0.0)
    # Named candidates first, then by score; the autocompleter's order breaks exact ties.
    scored.sort(key=lambda s: (not s[0].named, -s[0].score, s[1]))
    top = scored[0][0]
    ties: list[tuple[Scored, int, _Item]] = [
        s for s in scored if s[0].named == top.named and s[0].score >= top.score - TIE_MARGIN
    ]
    ties.sort(key=lambda s: (tuple(-p for p in _preference(s, discussed)), -s[0].score, s[1]))
    ranked: list[tuple[Scored, int, _Item]] = ties + scored[len(ties) :]
    best: _Item = ranked[0][2]
    fit = ranked[0][0]
    others: tuple[_Item, ...] = tuple(s[2] for s in ranked)
    # The best opens only if it stands out from the others that match about as well: "strike"
    # or "budapest" fit dozens of events equally, "vorkuta" only one an article discusses.
    stands_out = len(ties) == 1 or _preference(ties[0], discussed) > _preference(ties[1], discussed)
    lettered = any(not w.isdigit() for w in query_words)
    opens = fit.score >= MATCH_THRESHOLD and lettered and stands_out
    if opens:
        return Match(query, best, fit.score, others[1 : 1 + MAX_SUGGESTIONS])
    return Match(query, None, fit.score, others[:MAX_SUGGESTIONS])


def match_event(
    library: Library, autocomplete: Autocompleter, text: str, packs: frozenset[str] | None = None
) -> Match[Event]:
    """The event ``text`` names (an id, a title, or words with typos), or None and suggestions."""
    return _match(
        library.events,
        lambda q: [c.value for c in autocomplete.events(q, packs=packs, limit=CANDIDATES)],
        event_words,
        autocomplete.discussed_events,
        text,
        packs,
    )


def match_article(
    library: Library, autocomplete: Autocompleter, text: str, packs: frozenset[str] | None = None
) -> Match[Article]:
    """The article ``text`` names, or None and suggestions."""
    return _match(
        library.articles,
        lambda q: [c.value for c in autocomplete.articles(q, packs=packs, limit=CANDIDATES)],
        article_words,
        frozenset(),
        text,
        packs,
    )


def no_match_text(noun: str, query: str, suggestions: Sequence[str], hint: str) -> str:
    """``No event matches “…”.``, up to three "did you mean" lines, then ``hint``."""
    text = f"No {noun} matches {quote_user(query, 80)}."
    if suggestions:
        text += " Did you mean:\n" + "\n".join(f"• {s}" for s in suggestions[:MAX_SUGGESTIONS]) + "\n"
    else:
        text += " "
    return text + hint
