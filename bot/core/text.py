"""Text helpers shared by every layer: cutting to a length, and showing user text literally."""

from __future__ import annotations

import re

ELLIPSIS = "…"
_WHOLE_LINK = re.compile(r"\]\([^)\s]*\)")
_MARKDOWN = ("\\", "*", "_", "~", "`", "|", "[", "]")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending in an ellipsis.

    Line breaks are kept. A single word longer than the limit is cut inside the word.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    if boundary >= limit // 2:
        cut = cut[:boundary]
    cut = cut.rstrip(" \n\t,;:.-–—([")
    # Never leave half a bold marker or half a link behind.
    if cut.count("**") % 2:
        cut = cut[: cut.rfind("**")].rstrip()
    open_link = cut.rfind("[")
    if open_link != -1 and not _WHOLE_LINK.search(cut[open_link:]):
        cut = cut[:open_link].rstrip()
    return (cut or text[: limit - 1]) + ELLIPSIS


_SENTENCE_END = re.compile(r"[.!?][)”’\"']?(?=\s)")
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\s[—–]\s")


_ABBREVIATIONS = frozenset(
    {"st", "mr", "mrs", "ms", "dr", "c", "ca", "no", "nos", "vs", "gen", "lt", "col", "e.g", "i.e"}
)


def _abbreviation(before: str) -> bool:
    """Whether the word ending ``before`` is an abbreviation or an initial (``St``, ``c``, ``J``)."""
    word = before.rsplit(None, 1)[-1] if before.strip() else ""
    word = word.lstrip("(“‘\"'")
    return len(word) <= 1 or word.lower() in _ABBREVIATIONS or "." in word


def excerpt(text: str, limit: int) -> str:
    """The start of ``text`` in at most ``limit`` characters, cut where a reader can stop.

    Whole sentences when at least one fits well (ending with its own full stop), otherwise up to
    a clause boundary (a comma, semicolon, colon or dash) with an ellipsis, and only when neither
    is near the limit at a word boundary like :func:`shorten`. For list lines and post previews.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    window = text[: limit + 1]
    sentences = [
        m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit and not _abbreviation(window[: m.start()])
    ]
    if sentences and sentences[-1] >= limit * 0.4:
        return text[: sentences[-1]]
    clauses = [m.start() for m in _CLAUSE_END.finditer(window) if m.start() <= limit - 1]
    if clauses and clauses[-1] >= limit * 0.5:
        return text[: clauses[-1]].rstrip(" ,;:—–") + ELLIPSIS
    return shorten(text, limit)


def end_at_boundary(snippet: str) -> str:
    """A snippet cut off with "…" (a search hit's) ending at its last sentence or clause instead.

    Kept as it is when no boundary is in its second half. Bold markers stay paired.
    """
    if not snippet.endswith(ELLIPSIS):
        return snippet
    body = snippet[: -len(ELLIPSIS)].rstrip()
    sentences = [m.end() for m in _SENTENCE_END.finditer(body + " ") if not _abbreviation(body[: m.start()])]
    clauses = [m.start() for m in _CLAUSE_END.finditer(body)]
    if sentences and sentences[-1] >= len(body) * 0.5:
        cut = body[: sentences[-1]]
    elif clauses and clauses[-1] >= len(body) * 0.6:
        cut = body[: clauses[-1]].rstrip(" ,;:—–") + ELLIPSIS
    else:
        return snippet
    if cut.count("**") % 2:
        cut = cut.replace("**", "")
    return cut


def plural(count: int, singular: str, plural_form: str = "") -> str:
    """``1 event``, ``2 events``, ``0 events`` (``plural_form`` for irregular words: ``1 entry``/``2 entries``)."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


#: Control characters (but tab and newline) and Unicode direction overrides, which would let
#: echoed text garble or visually reverse the rest of its line.
_INVISIBLE = dict.fromkeys(
    [
        *(c for c in range(0x20) if c not in (0x09, 0x0A)),
        0x7F,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


def escape_markdown(text: str, *, mentions: bool = False) -> str:
    """``text`` shown literally: Markdown escaped and control characters dropped.

    With ``mentions``, ``<``/``>`` are escaped too and ``@`` cannot start a mention, for text a
    user typed that is echoed back.
    """
    text = text.translate(_INVISIBLE)
    for char in _MARKDOWN + (("<", ">") if mentions else ()):
        text = text.replace(char, f"\\{char}")
    return text.replace("@", "@\u200b") if mentions else text


def quote_user(text: str, limit: int = 40) -> str:
    """``text`` as “quoted”, on one line, at most ``limit`` characters, shown literally.

    Control and direction-override characters are dropped, Markdown and mention syntax is
    escaped (so ``**x**`` or ``<@&123>`` show as typed), and ``@`` cannot start a mention.
    """
    clean = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    if len(clean) > limit:
        clean = clean[: max(1, limit - 1)] + ELLIPSIS
    return f"“{escape_markdown(clean, mentions=True)}”"
