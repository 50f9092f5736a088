"""Offline extractive summaries for articles that come with a body but no written summaries.

Curated summaries in content are always used as written; this is only for an operator's own
articles. Pure Python, nothing downloaded, deterministic:

1. The body is split into sentences (abbreviations such as ``Dr.``, ``e.g.``, ``U.S.`` and
   initials like ``J. Smith`` do not end a sentence). Headings and fragments are left out.
2. Each sentence is scored by how central it is, TF-IDF style: the cosine similarity of its
   words to the whole text's word weights (term frequency times inverse sentence frequency),
   plus a bonus for opening the text or a paragraph, and a penalty for being very short.
3. For each length (short ≤ 200, medium ≤ 700, long ≤ 2,000 characters) the best sentences
   that fit are taken greedily, skipping near-duplicates, and put back in their original order.
   When not even one sentence fits the short summary, the best one is cut at a word boundary.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.core.errors import ValidationError
from bot.core.models import SUMMARY_LIMITS, Summaries

#: Bodies longer than this are summarised from their first part only (keeps it fast).
MAX_BODY_CHARS = 200_000


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _wordset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves said says one two
    many much may might must shall upon within without yet"""
)
_ABBREVIATIONS = _wordset(
    """mr mrs ms dr prof st sr jr gen col capt lt sgt rev hon gov pres sen rep vs etc eg ie cf al approx dept est
    fig inc ltd co corp no nos vol vols pp ed eds jan feb mar apr jun jul aug sep sept oct nov dec mt ft ave"""
)
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# A candidate sentence end: terminal punctuation, optional closing quotes/brackets, then space.
_BOUNDARY_RE = re.compile(r"([.!?…]+[\"'”’)\]]*)\s+")
_OPENERS = "\"'“‘([" + "—–-"


@dataclass(frozen=True, slots=True)
class _Sentence:
    index: int
    text: str
    paragraph_start: bool
    words: tuple[str, ...]


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, whitespace collapsed; paragraphs never merge."""
    return [s.text for s in _sentences(text, keep_fragments=True)]


def _split_paragraph(paragraph: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(paragraph):
        end = match.end(1)
        following = paragraph[match.end() : match.end() + 1]
        if not following or not (following.isupper() or following.isdigit() or following in _OPENERS):
            continue
        before = paragraph[start:end]
        last_word = re.findall(r"[\w.]+[.!?…]*[\"'”’)\]]*$", before)
        token = last_word[0].rstrip("\"'”’)]") if last_word else ""
        if token.endswith("."):
            bare = token.rstrip(".").lower()
            # "Dr.", "e.g.", "U.S." and initials ("J.") are not sentence ends.
            if bare in _ABBREVIATIONS or bare.replace(".", "") in _ABBREVIATIONS:
                continue
            if len(bare) == 1 and bare.isalpha():
                continue
            if "." in bare and all(len(part) == 1 for part in bare.split(".")):
                continue
        pieces.append(paragraph[start:end].strip())
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        pieces.append(tail)
    return [p for p in pieces if p]


def _words(text: str) -> tuple[str, ...]:
    return tuple(
        w for w in (m.lower().replace("’", "'") for m in _WORD_RE.findall(text)) if w not in _STOPWORDS and len(w) > 2
    )


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("#"):
        return True
    return len(stripped.split()) < 12 and not stripped.endswith((".", "!", "?", "…", '"', "”", "'", "’", ":", ")"))


def _sentences(text: str, *, keep_fragments: bool = False) -> list[_Sentence]:
    found: list[_Sentence] = []
    paragraphs = re.split(r"\n\s*\n", text[:MAX_BODY_CHARS].replace("\r\n", "\n"))
    for paragraph in paragraphs:
        lines = [ln for ln in paragraph.split("\n") if ln.strip()]
        if not keep_fragments:
            lines = [ln for ln in lines if not _is_heading(ln)]
        joined = " ".join(" ".join(ln.split()) for ln in lines)
        joined = re.sub(r"^[-*•]\s+", "", joined)
        for position, sentence in enumerate(_split_paragraph(joined)):
            found.append(_Sentence(len(found), sentence, position == 0, _words(sentence)))
    return found


def _scores(sentences: list[_Sentence]) -> list[float]:
    n = len(sentences)
    document_frequency: Counter[str] = Counter()
    term_frequency: Counter[str] = Counter()
    for s in sentences:
        term_frequency.update(s.words)
        document_frequency.update(set(s.words))
    idf = {w: math.log((1 + n) / (1 + df)) + 1.0 for w, df in document_frequency.items()}
    centroid = {w: tf * idf[w] for w, tf in term_frequency.items()}
    centroid_norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    scores = []
    for s in sentences:
        counts = Counter(s.words)
        vector = {w: c * idf[w] for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        similarity = sum(v * centroid[w] for w, v in vector.items()) / (norm * centroid_norm)
        score = similarity
        if s.index == 0:
            score += 0.25
        elif s.index < 3:
            score += 0.08
        if s.paragraph_start:
            score += 0.05
        length = len(s.text.split())
        if length < 6:
            score *= 0.5
        elif length > 60:
            score *= 0.8
        scores.append(score)
    return scores


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def _select(sentences: list[_Sentence], ranked: list[int], limit: int) -> str:
    chosen: list[int] = []
    used = 0
    for i in ranked:
        text = sentences[i].text
        extra = len(text) + (1 if chosen else 0)
        if used + extra > limit:
            continue
        if any(_overlap(sentences[i].words, sentences[j].words) > 0.8 for j in chosen):
            continue
        chosen.append(i)
        used += extra
    if not chosen:
        return _clip(sentences[ranked[0]].text, limit)
    return " ".join(sentences[i].text for i in sorted(chosen))


def summarize(body: str) -> Summaries:
    """Short (≤ 200), medium (≤ 700) and long (≤ 2,000 characters) extractive summaries of ``body``.

    Raises :class:`ValidationError` if the body has no text to summarise.
    """
    sentences = _sentences(body)
    if not sentences:
        sentences = _sentences(body, keep_fragments=True)
    if not sentences:
        raise ValidationError("the article body is empty, so there is nothing to summarise")
    scores = _scores(sentences)
    ranked = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    whole = " ".join(s.text for s in sentences)
    parts = {}
    for name, limit in SUMMARY_LIMITS.items():
        parts[name] = whole if len(whole) <= limit else _select(sentences, ranked, limit)
    return Summaries(short=parts["short"], medium=parts["medium"], long=parts["long"])
