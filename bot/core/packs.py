"""Choosing content packs by id or name, as typed in ``/settings packs`` or ``preview --packs``."""

from __future__ import annotations

import difflib

from bot.core.errors import UserInputError
from bot.core.models import Library
from bot.core.text import quote_user, shorten

ALL_PACKS = ("all", "every", "everything", "*")
_MAX_NAME_PARTS = 8


def _pack_key(text: str) -> str:
    return " ".join(text.strip().casefold().replace("-", " ").replace("_", " ").split())


def resolve_packs(text: str, library: Library) -> frozenset[str] | None:
    """``all`` (None: every pack, including ones installed later) or a comma-separated list of
    packs, each by id, by name, or by the start of its id or name (``revolts``). A name may itself
    contain commas (``Revolts against Stalinism, 1917–1991``). An empty choice is refused: a post
    needs at least one pack."""
    raw = text.strip()
    if _pack_key(raw) in ALL_PACKS:
        return None
    by_key: dict[str, str] = {}
    for pack in library.packs.values():
        by_key.setdefault(_pack_key(pack.id), pack.id)
        by_key.setdefault(_pack_key(pack.name), pack.id)
    parts = raw.split(",")
    chosen: set[str] = set()
    unknown: list[str] = []
    ambiguous: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(parts):
        # The longest run of comma-separated parts that is a whole id or name wins (a name has
        # a few commas at most).
        for j in range(min(len(parts), i + _MAX_NAME_PARTS), i, -1):
            key = _pack_key(",".join(parts[i:j]))
            if key in by_key:
                chosen.add(by_key[key])
                i = j
                break
        else:
            part = parts[i].strip()
            i += 1
            key = _pack_key(part)
            if not key:
                continue
            starts = sorted({pack_id for k, pack_id in by_key.items() if k.startswith(key)})
            if len(starts) == 1:
                chosen.add(starts[0])
            elif starts:
                ambiguous.append((part, starts))
            else:
                unknown.append(part)
    available = ", ".join(sorted(library.packs)) or "none installed"
    if unknown:
        names = " or ".join(quote_user(u, 60) for u in unknown)
        which = "a pack" if len(unknown) == 1 else "packs"
        raise UserInputError(f"I don't know {which} called {names}. Packs: {available} (or all).")
    if ambiguous:
        part, starts = ambiguous[0]
        raise UserInputError(f"{quote_user(part, 60)} could be {' or '.join(starts)}: please give more of the name.")
    if not chosen:
        raise UserInputError(f"Please choose at least one pack (or all). Packs: {available}.")
    return frozenset(chosen)


def pack_choices(text: str, library: Library, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete for a comma-separated list: complete the last item, keep the ones before."""
    head, _, last = text.rpartition(",")
    done = [p.strip() for p in head.split(",") if p.strip()] if head else []
    done_keys = {_pack_key(p) for p in done}
    query = _pack_key(last)
    prefix = ", ".join(done)
    out: list[tuple[str, str]] = []
    if not done and (not query or "all".startswith(query)):
        out.append(("all packs", "all"))
    for pack in sorted(library.packs.values(), key=lambda p: p.name):
        if _pack_key(pack.id) in done_keys or _pack_key(pack.name) in done_keys:
            continue
        if query and query not in _pack_key(pack.id) and query not in _pack_key(pack.name):
            continue
        value = f"{prefix}, {pack.id}" if prefix else pack.id
        name = f"{prefix}, {pack.name}" if prefix else f"{pack.name} ({pack.id})"
        if len(value) <= 100:
            out.append((shorten(name, 100), value))
    return out[:limit]


#: Words that mean "any tag" (no tag filter).
ANY_TAGS = ("any", "all", "every", "everything", "*", "none")


def _tag_key(text: str) -> str:
    return "-".join(text.strip().casefold().replace("_", " ").replace("-", " ").split())


def resolve_tags(text: str, library: Library) -> frozenset[str] | None:
    """``any`` (None: no tag filter) or a comma-separated list of the library's tags; an event
    matches a filter if it has any of its tags. Unknown tags are refused, naming the known ones."""
    raw = text.strip()
    if _tag_key(raw) in ANY_TAGS or not raw:
        return None
    known = library.tags | {t for e in library.events.values() for t in e.tags}
    chosen: set[str] = set()
    unknown: list[str] = []
    for part in raw.split(","):
        key = _tag_key(part)
        if not key:
            continue
        if key in known:
            chosen.add(key)
        else:
            unknown.append(part.strip()[:40])
    if unknown:
        vocabulary = sorted(known)
        close = sorted({m for u in unknown for m in difflib.get_close_matches(_tag_key(u), vocabulary, 3, 0.75)})
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UserInputError(
            f"I don't know the tag(s) {', '.join(repr(u) for u in unknown)}.{hint} "
            "Start typing to see the tags (or use `any` for every event)."
        )
    if not chosen:
        raise UserInputError("Please name at least one tag, like strike, or `any` for every event.")
    return frozenset(chosen)


def tag_choices(text: str, library: Library, limit: int = 25) -> list[str]:
    """Autocomplete for a comma-separated list of tags: complete the last one, keep the ones before."""
    head, _, last = text.rpartition(",")
    done = [_tag_key(p) for p in head.split(",") if _tag_key(p)] if head else []
    query = _tag_key(last)
    prefix = ", ".join(done)
    known = sorted(library.tags | {t for e in library.events.values() for t in e.tags})
    out: list[str] = [] if done or (query and not "any".startswith(query)) else ["any"]
    for tag in known:
        if tag in done or (query and query not in tag):
            continue
        value = f"{prefix}, {tag}" if prefix else tag
        if len(value) <= 100:
            out.append(value)
    return out[:limit]
