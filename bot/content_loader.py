"""Reads content packs (YAML) from disk and validates them into a :class:`Library`.

This is the only place that reads YAML. Every problem is reported with its file, line and
field, and all problems are collected before reporting, so an editor sees everything at once.
A pack with errors is left out of the library; the other packs still load.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.content_format import ARTICLE, CONTEXT_NOTE, EVENT, PACK, SOURCE, FieldSpec
from bot.core.dates import (
    RUSSIA_GREGORIAN_SWITCH,
    HistoricalDate,
    julian_to_gregorian,
    parse_historical_date,
    parse_julian_date,
    parse_slug,
)
from bot.core.errors import ContentIssue, ValidationError
from bot.core.gcpause import gc_paused
from bot.core.models import (
    SUMMARY_LIMITS,
    Article,
    ContextNote,
    Event,
    Library,
    Pack,
    Source,
    Summaries,
)
from bot.core.summarize import summarize

log = logging.getLogger(__name__)


MANIFEST_NAME = "pack.yaml"
TAGS_FILE = "tags.yaml"
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# --- YAML with line numbers --------------------------------------------------------------------


class LocDict(dict[str, Any]):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class LocList(list[Any]):
    """A list that remembers its own line and each item's line (1-based)."""

    line: int
    item_lines: list[int]


class _DuplicateKeyError(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def _scalar(tag: str, value: str) -> Any:
    if tag == _STR_TAG:
        return value
    if tag == _NULL_TAG:
        return None
    if tag == _BOOL_TAG:
        return value.lower() in ("true", "yes", "on")
    if tag == _INT_TAG:
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if tag == _FLOAT_TAG:
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    # Timestamps (and any other tag) stay as the text written, so dates follow our own rules.
    return value


def _convert(node: yaml.Node) -> Any:
    """Turn a composed node tree into LocDict / LocList / scalars (the hot path of loading)."""
    scalar_node = yaml.ScalarNode
    if isinstance(node, yaml.MappingNode):
        out = LocDict()
        out.line = node.start_mark.line + 1
        key_lines: dict[str, int] = {}
        out.key_lines = key_lines
        for key_node, value_node in node.value:
            key = str(key_node.value) if type(key_node) is scalar_node else str(_convert(key_node))
            if key in key_lines:
                raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
            key_lines[key] = key_node.start_mark.line + 1
            out[key] = (
                _scalar(value_node.tag, value_node.value) if type(value_node) is scalar_node else _convert(value_node)
            )
        return out
    if isinstance(node, yaml.SequenceNode):
        items = node.value
        seq = LocList([_scalar(i.tag, i.value) if type(i) is scalar_node else _convert(i) for i in items])
        seq.line = node.start_mark.line + 1
        seq.item_lines = [item.start_mark.line + 1 for item in items]
        return seq
    return _scalar(node.tag, node.value)


_PLAIN_SPECIAL = re.compile(
    r"^(?:[-+]?[0-9]|\.|~$|null$|Null$|NULL$|true$|True$|TRUE$|false$|False$|FALSE$"
    r"|yes$|Yes$|YES$|no$|No$|NO$|on$|On$|ON$|off$|Off$|OFF$|<<$|=$)"
)


def _make_loader() -> type[Any]:
    """PyYAML's C loader (libyaml) where available, with a cheaper implicit-tag resolver.

    Most scalars in content are plain prose. The stock resolver tries every implicit type's regex
    on each; ours sends a scalar to it only when it could be something other than text (it starts
    with a digit, a sign or a dot, or is one of YAML 1.1's null/bool words). Results are the same.
    """
    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolver = yaml.resolver.Resolver

    class _ContentLoader(base):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is yaml.ScalarNode and not (implicit[0] and (value == "" or _PLAIN_SPECIAL.match(value))):
                return _STR_TAG
            return resolver.resolve(self, kind, value, implicit)  # type: ignore[no-untyped-call]

    return _ContentLoader


_Loader = _make_loader()
#: Whether the fast C loader (libyaml) is in use.
USING_C_LOADER = hasattr(yaml, "CSafeLoader")


def os_reason(exc: OSError) -> str:
    """Why the file system refused, in words (a symlink loop is named as one)."""
    if exc.errno == errno.ELOOP:
        return "a symlink loop (the link leads back to itself)"
    return exc.strerror or str(exc)


def _unreadable(path: Path | str, what: str, exc: OSError) -> ContentIssue:
    return ContentIssue(str(path), 0, "", f"cannot read this {what}: {os_reason(exc)}", unreadable=True)


def read_yaml(path: Path) -> tuple[Any, list[ContentIssue]]:
    """Read one YAML file, keeping line numbers. Returns (data, issues)."""
    rel = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [ContentIssue(rel, 0, "", f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return None, [_unreadable(rel, "file", exc)]
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [ContentIssue(rel, line, "", f"YAML syntax error: {problem}")]
    except yaml.YAMLError as exc:
        return None, [ContentIssue(rel, 0, "", f"YAML error: {exc}")]
    if node is None:
        return None, [ContentIssue(rel, 1, "", "the file is empty")]
    try:
        return _convert(node), []
    except _DuplicateKeyError as dup:
        return None, [ContentIssue(rel, dup.line, dup.key, "this key appears twice in the same mapping")]


# --- field checking ----------------------------------------------------------------------------


@dataclass
class _Checker:
    """Collects issues for one mapping (an event, an article, a manifest)."""

    path: str
    data: LocDict
    prefix: str
    issues: list[ContentIssue]
    allowed: frozenset[str]
    ok: bool = True

    def line_of(self, key: str) -> int:
        return self.data.key_lines.get(key, self.data.line)

    def fail(self, key: str, message: str, line: int | None = None) -> None:
        self.ok = False
        name = f"{self.prefix}.{key}" if self.prefix else key
        self.issues.append(ContentIssue(self.path, line if line is not None else self.line_of(key), name, message))

    def check_unknown(self) -> None:
        for key in self.data:
            if key not in self.allowed:
                hint = _closest(key, self.allowed)
                extra = f" (did you mean '{hint}'?)" if hint else ""
                self.fail(key, f"unknown field{extra}")

    def text(self, key: str, *, required: bool = True, limit: int | None = None, minimum: int = 1) -> str:
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail(key, "required field is missing", self.data.line)
            return ""
        value = self.data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(key, f"must be text, not {_kind(value)}")
            return ""
        value = value.strip()
        if len(value) < minimum:
            self.fail(
                key, "must not be empty" if minimum <= 1 else f"is too short ({len(value)} < {minimum} characters)"
            )
        if limit is not None and len(value) > limit:
            self.fail(key, f"is too long ({len(value)} > {limit} characters)")
        return value

    def text_field(self, key: str, spec: FieldSpec) -> str:
        """A text field checked against its definition in :mod:`bot.content_format`."""
        value = self.text(key, required=spec.required, limit=spec.limit, minimum=spec.minimum)
        if value and spec.pattern == "^https?://" and not _URL_RE.match(value):
            self.fail(key, f"{value[:60]!r} is not an http(s) URL")
        return value

    def list_field(self, key: str, spec: FieldSpec, noun: str = "items") -> tuple[str, ...]:
        """A list field (or one text, where allowed) checked against its definition."""
        values = self.text_list(key, required=spec.required, allow_scalar=spec.scalar_ok, limit=spec.limit)
        if spec.max_items is not None and len(values) > spec.max_items:
            self.fail(key, f"has {len(values)} {noun}; use at most {spec.max_items}")
        return values

    def slug(self, key: str) -> str:
        if key not in self.data or self.data[key] is None:
            self.fail(key, "required field is missing", self.data.line)
            return ""
        try:
            return parse_slug(self.data[key])
        except ValidationError as exc:
            self.fail(key, exc.message)
            return ""

    def date(self, key: str, *, required: bool = True) -> HistoricalDate | None:
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail(key, "required field is missing", self.data.line)
            return None
        try:
            return parse_historical_date(self.data[key])
        except ValidationError as exc:
            self.fail(key, exc.message)
            return None

    def text_list(
        self, key: str, *, required: bool = True, allow_scalar: bool = False, limit: int | None = None
    ) -> tuple[str, ...]:
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail(key, "required field is missing", self.data.line)
            return ()
        value = self.data[key]
        if allow_scalar and isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, f"must be a list, not {_kind(value)}")
            return ()
        out: list[str] = []
        lines = getattr(value, "item_lines", [])
        for i, item in enumerate(value):
            line = lines[i] if i < len(lines) else None
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{key}[{i}]", "must be non-empty text", line)
                continue
            if limit is not None and len(item.strip()) > limit:
                self.fail(f"{key}[{i}]", f"is too long ({len(item.strip())} > {limit} characters)", line)
            out.append(item.strip())
        if required and not out and not value:
            self.fail(key, "must list at least one item")
        return tuple(out)

    def id_list(self, key: str) -> tuple[tuple[str, int], ...]:
        """A list of ids, each with its line (for reference checks later)."""
        if key not in self.data or self.data[key] is None:
            return ()
        value = self.data[key]
        if not isinstance(value, list):
            self.fail(key, f"must be a list of ids, not {_kind(value)}")
            return ()
        out: list[tuple[str, int]] = []
        lines = getattr(value, "item_lines", [])
        for i, item in enumerate(value):
            line = lines[i] if i < len(lines) else self.line_of(key)
            try:
                out.append((parse_slug(item), line))
            except ValidationError as exc:
                self.fail(f"{key}[{i}]", exc.message, line)
        return tuple(out)

    def sources(self, key: str, *, required: bool = True) -> tuple[Source, ...]:
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail(key, "required field is missing: give at least one source (title and url)", self.data.line)
            return ()
        value = self.data[key]
        if not isinstance(value, list) or not value:
            self.fail(key, "must be a list of sources, each with a title and a url")
            return ()
        out: list[Source] = []
        for i, item in enumerate(value):
            if not isinstance(item, LocDict):
                line = value.item_lines[i] if isinstance(value, LocList) else None
                self.fail(f"{key}[{i}]", "must be a mapping with title and url", line)
                continue
            sub = _Checker(self.path, item, f"{self.prefix}.{key}[{i}]", self.issues, frozenset(SOURCE))
            sub.check_unknown()
            title = sub.text_field("title", SOURCE["title"])
            url = sub.text_field("url", SOURCE["url"])
            if sub.ok:
                out.append(Source(title, url))
            else:
                self.ok = False
        return tuple(out)


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "text"


def _closest(word: str, options: Iterable[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return matches[0] if matches else None


# --- the records ---------------------------------------------------------------------------------

PACK_FIELDS = frozenset(PACK)
EVENT_FIELDS = frozenset(EVENT)
ARTICLE_FIELDS = frozenset(ARTICLE)


@dataclass
class _Refs:
    """References to check once every pack is read: (path, line, field, target id)."""

    events: list[tuple[str, int, str, str]] = field(default_factory=list)
    articles: list[tuple[str, int, str, str]] = field(default_factory=list)
    tags: list[tuple[str, int, str, str, str]] = field(default_factory=list)  # + pack id
    #: ``part_of`` links: (path, line, field, the part's id, the overview's id).
    part_of: list[tuple[str, int, str, str, str]] = field(default_factory=list)


@dataclass
class _PackDraft:
    pack: Pack
    events: dict[str, tuple[Event, str, int]] = field(default_factory=dict)
    articles: dict[str, tuple[Article, str, int]] = field(default_factory=dict)
    issues: list[ContentIssue] = field(default_factory=list)
    refs: _Refs = field(default_factory=_Refs)


def _read_tag_vocabulary(path: Path, issues: list[ContentIssue]) -> dict[str, str]:
    data, errs = read_yaml(path)
    issues.extend(errs)
    if errs:
        return {}
    vocab: dict[str, str] = {}
    if not isinstance(data, LocDict):
        issues.append(ContentIssue(str(path), 1, "", "must be a mapping of groups (topics, countries) to tags"))
        return vocab
    for group, tags in data.items():
        if not isinstance(tags, LocDict):
            issues.append(ContentIssue(str(path), data.key_lines[group], group, "must map each tag to its meaning"))
            continue
        for tag, meaning in tags.items():
            try:
                parse_slug(tag)
            except ValidationError as exc:
                issues.append(ContentIssue(str(path), tags.key_lines[tag], f"{group}.{tag}", exc.message))
                continue
            vocab[tag] = str(meaning or "")
    return vocab


def _parse_manifest(path: Path, issues: list[ContentIssue]) -> tuple[Pack | None, dict[str, str]]:
    data, errs = read_yaml(path)
    issues.extend(errs)
    if errs:
        return None, {}
    rel = str(path)
    if not isinstance(data, LocDict):
        issues.append(ContentIssue(rel, 1, "", "a manifest must be a mapping (id, name, description, ...)"))
        return None, {}
    c = _Checker(rel, data, "", issues, PACK_FIELDS)
    c.check_unknown()
    pack_id = c.slug("id")
    name = c.text_field("name", PACK["name"])
    description = c.text_field("description", PACK["description"])
    language = c.text_field("language", PACK["language"])
    credits_ = c.list_field("credits", PACK["credits"])
    licence = c.text_field("licence", PACK["licence"])
    extra: dict[str, str] = {}
    raw_tags = data.get("tags")
    if raw_tags is not None:
        if not isinstance(raw_tags, LocDict):
            c.fail("tags", "must map each extra tag to its meaning")
        else:
            for tag, meaning in raw_tags.items():
                try:
                    extra[parse_slug(tag)] = str(meaning or "")
                except ValidationError as exc:
                    c.fail(f"tags.{tag}", exc.message, raw_tags.key_lines[tag])
    if not c.ok:
        return None, extra
    pack = Pack(pack_id, name, description, language, credits_, licence, str(path.parent), tuple(sorted(extra)))
    return pack, extra


def _records(path: Path, key: str, issues: list[ContentIssue]) -> Iterator[tuple[LocDict, int, str]]:
    """The mappings under a file's top-level list key, each with its line and field prefix."""
    data, errs = read_yaml(path)
    issues.extend(errs)
    if errs:
        return
    rel = str(path)
    if not isinstance(data, LocDict) or key not in data:
        issues.append(ContentIssue(rel, 1, key, f"the file must have a top-level '{key}:' list"))
        return
    for other in data:
        if other != key:
            issues.append(
                ContentIssue(rel, data.key_lines[other], other, f"unknown top-level key (expected only '{key}')")
            )
    items = data[key]
    if not isinstance(items, LocList):
        issues.append(ContentIssue(rel, data.key_lines[key], key, "must be a list"))
        return
    for i, item in enumerate(items):
        if not isinstance(item, LocDict):
            issues.append(ContentIssue(rel, items.item_lines[i], f"{key}[{i}]", "each entry must be a mapping"))
            continue
        yield item, i, f"{key}[{i}]"


def _old_style_date(c: _Checker, data: LocDict, date: HistoricalDate | None) -> tuple[int, int, int] | None:
    """The Julian ``old_style_date``, checked against the (Gregorian) ``date``."""
    if data.get("old_style_date") is None:
        return None
    try:
        old_style = parse_julian_date(data["old_style_date"])
    except ValidationError as exc:
        c.fail("old_style_date", exc.message)
        return None
    new_style = julian_to_gregorian(*old_style)
    if date is None:
        return old_style
    if date.day is None:
        c.fail("old_style_date", "needs a day-precise date to go with it")
    elif new_style != date.first_day():
        c.fail(
            "old_style_date",
            f"old style {data['old_style_date']} is {new_style.isoformat()} new style, but date is {date}",
        )
    elif date.first_day() >= RUSSIA_GREGORIAN_SWITCH:
        c.fail("old_style_date", "is only for dates before 14 February 1918")
    return old_style


def _parse_event(path: Path, data: LocDict, prefix: str, draft: _PackDraft) -> Event | None:
    rel = str(path)
    c = _Checker(rel, data, prefix, draft.issues, EVENT_FIELDS)
    event_id = c.slug("id")
    if event_id:
        c.prefix = f"{prefix}({event_id})"
    c.check_unknown()
    title = c.text_field("title", EVENT["title"])
    date = c.date("date")
    end_date = c.date("end_date", required=False)
    if date is not None and end_date is not None and end_date.last_day() < date.first_day():
        c.fail("end_date", f"ends ({end_date}) before it starts ({date})")
    if date is not None and end_date is not None and end_date == date:
        c.fail("end_date", "is the same as date: leave it out for a one-day event")
    old_style = _old_style_date(c, data, date)
    places = c.list_field("place", EVENT["place"])
    countries = c.list_field("country", EVENT["country"])
    description = c.text_field("description", EVENT["description"])
    tags = c.list_field("tags", EVENT["tags"], "tags")
    for i, tag in enumerate(tags):
        draft.refs.tags.append((rel, _item_line(data, "tags", i), f"{c.prefix}.tags[{i}]", tag, draft.pack.id))
    sources = c.sources("sources")
    related = c.id_list("related_events")
    articles = c.id_list("articles")
    part_of: str | None = None
    if data.get("part_of") is not None:
        try:
            part_of = parse_slug(data["part_of"])
        except ValidationError as exc:
            c.fail("part_of", exc.message)
        else:
            if event_id:
                draft.refs.part_of.append((rel, c.line_of("part_of"), f"{c.prefix}.part_of", event_id, part_of))
    for ref, line in related:
        draft.refs.events.append((rel, line, f"{c.prefix}.related_events", ref))
    for ref, line in articles:
        draft.refs.articles.append((rel, line, f"{c.prefix}.articles", ref))
    if not c.ok or date is None:
        return None
    return Event(
        id=event_id,
        title=title,
        date=date,
        places=places,
        countries=countries,
        description=description,
        tags=tags,
        sources=sources,
        pack=draft.pack.id,
        end_date=end_date,
        old_style_date=old_style,
        related_events=tuple(r for r, _ in related),
        articles=tuple(a for a, _ in articles),
        part_of=part_of,
    )


def _item_line(data: LocDict, key: str, index: int) -> int:
    value = data.get(key)
    if isinstance(value, LocList) and index < len(value.item_lines):
        return value.item_lines[index]
    return data.key_lines.get(key, data.line)


def _summaries(
    c: _Checker, data: LocDict, body: str, summarizer: Callable[[str], Summaries] | None
) -> tuple[Summaries | None, bool]:
    """The article's summaries as written, or written from its body (then ``True``)."""
    raw = data.get("summaries")
    if raw is None:
        if not body:
            message = "required field is missing (give short, medium and long, or a body to summarise)"
            c.fail("summaries", message, data.line)
        elif summarizer is not None:
            return summarizer(body), True
        return None, False
    if not isinstance(raw, LocDict):
        c.fail("summaries", "must be a mapping with short, medium and long")
        return None, False
    sc = _Checker(c.path, raw, f"{c.prefix}.summaries", c.issues, frozenset(SUMMARY_LIMITS))
    sc.check_unknown()
    parts = {name: sc.text(name, limit=limit) for name, limit in SUMMARY_LIMITS.items()}
    if not sc.ok:
        c.ok = False
        return None, False
    return Summaries(**parts), False


def _context_notes(c: _Checker, data: LocDict) -> list[ContextNote]:
    """The article's "what the record says" notes, each checked like a record of its own."""
    raw_notes = data.get("context_notes")
    if raw_notes is None:
        return []
    if not isinstance(raw_notes, LocList):
        c.fail("context_notes", "must be a list of {claim, note, sources}")
        return []
    notes: list[ContextNote] = []
    for i, item in enumerate(raw_notes):
        if not isinstance(item, LocDict):
            c.fail(f"context_notes[{i}]", "must be a mapping with claim, note and sources", raw_notes.item_lines[i])
            continue
        nc = _Checker(c.path, item, f"{c.prefix}.context_notes[{i}]", c.issues, frozenset(CONTEXT_NOTE))
        nc.check_unknown()
        claim = nc.text_field("claim", CONTEXT_NOTE["claim"])
        note = nc.text_field("note", CONTEXT_NOTE["note"])
        sources = nc.sources("sources")
        if nc.ok:
            notes.append(ContextNote(note, sources, claim))
        else:
            c.ok = False
    return notes


def _parse_article(
    path: Path, data: LocDict, prefix: str, draft: _PackDraft, summarizer: Callable[[str], Summaries] | None
) -> Article | None:
    rel = str(path)
    c = _Checker(rel, data, prefix, draft.issues, ARTICLE_FIELDS)
    article_id = c.slug("id")
    if article_id:
        c.prefix = f"{prefix}({article_id})"
    c.check_unknown()
    title = c.text_field("title", ARTICLE["title"])
    authors = c.list_field("authors", ARTICLE["authors"])
    publication = c.text_field("publication", ARTICLE["publication"])
    issue = c.text("issue", required=False, limit=ARTICLE["issue"].limit)
    published = c.date("published")
    url = c.text_field("url", ARTICLE["url"])
    body = c.text_field("body", ARTICLE["body"])
    summaries, generated = _summaries(c, data, body, summarizer)
    key_points = c.list_field("key_points", ARTICLE["key_points"], "points")
    argument = c.text_field("argument", ARTICLE["argument"])
    notes = _context_notes(c, data)
    tags = c.list_field("tags", ARTICLE["tags"], "tags")
    for i, tag in enumerate(tags):
        draft.refs.tags.append((rel, _item_line(data, "tags", i), f"{c.prefix}.tags[{i}]", tag, draft.pack.id))
    events = c.id_list("events")
    if "events" not in data:
        c.fail("events", "required field is missing (list the ids of the events the article mentions)", data.line)
    for ref, line in events:
        draft.refs.events.append((rel, line, f"{c.prefix}.events", ref))
    if not c.ok or published is None or summaries is None:
        return None
    return Article(
        id=article_id,
        title=title,
        authors=authors,
        publication=publication,
        published=published,
        summaries=summaries,
        key_points=key_points,
        argument=argument,
        tags=tags,
        events=tuple(e for e, _ in events),
        pack=draft.pack.id,
        issue=issue,
        url=url,
        context_notes=tuple(notes),
        body=body,
        summaries_generated=generated,
    )


def _yaml_files(folder: Path, issues: list[ContentIssue] | None = None) -> list[Path]:
    """The YAML files under ``folder`` (symlinked sub-folders are not followed).

    With ``issues``, a sub-folder that cannot be listed or a YAML name that cannot be opened (a
    symlink loop, a dangling link, no permission) is reported as unreadable instead of skipped.
    """
    if not folder.is_dir():
        return []

    def _refused(exc: OSError) -> None:
        if issues is not None:
            issues.append(_unreadable(exc.filename or folder, "folder", exc))

    found: list[Path] = []
    for root, _dirs, files in os.walk(folder, onerror=_refused):
        for name in files:
            path = Path(root) / name
            if path.suffix not in (".yaml", ".yml"):
                continue
            try:
                if path.is_file() if issues is None else _stat_is_file(path):
                    found.append(path)
            except OSError as exc:
                if issues is not None:
                    issues.append(_unreadable(path, "file", exc))
    return sorted(found)


def _stat_is_file(path: Path) -> bool:
    """Whether ``path`` is a regular file; :class:`OSError` when it cannot be looked at."""
    return stat.S_ISREG(os.stat(path).st_mode)


R = TypeVar("R", Event, Article)


def _keep(
    seen: dict[str, tuple[R, str, int]],
    record: R | None,
    path: Path,
    data: LocDict,
    prefix: str,
    issues: list[ContentIssue],
) -> None:
    """Add a parsed record to its pack's table, or report its id as a duplicate within the pack."""
    if record is None:
        return
    line = data.key_lines.get("id", data.line)
    if record.id in seen:
        _, other_path, other_line = seen[record.id]
        issues.append(
            ContentIssue(
                str(path), line, f"{prefix}.id", f"duplicate id '{record.id}' (also at {other_path}:{other_line})"
            )
        )
    else:
        seen[record.id] = (record, str(path), line)


def _read_pack(
    manifest: Path, issues: list[ContentIssue], summarizer: Callable[[str], Summaries] | None
) -> tuple[_PackDraft | None, dict[str, str]]:
    pack, extra_tags = _parse_manifest(manifest, issues)
    if pack is None:
        return None, {}
    draft = _PackDraft(pack)
    folder = manifest.parent
    for path in _yaml_files(folder / "events", draft.issues):
        for data, _i, prefix in _records(path, "events", draft.issues):
            _keep(draft.events, _parse_event(path, data, prefix, draft), path, data, prefix, draft.issues)
    for path in _yaml_files(folder / "articles", draft.issues):
        for data, _i, prefix in _records(path, "articles", draft.issues):
            article = _parse_article(path, data, prefix, draft, summarizer)
            _keep(draft.articles, article, path, data, prefix, draft.issues)
    strays = [
        p
        for p in _yaml_files(folder)
        if p != manifest
        and p.parent.name not in ("events", "articles")
        and not _under(p, folder, ("events", "articles"))
    ]
    for stray in strays:
        draft.issues.append(
            ContentIssue(str(stray), 0, "", "not read: put event files under events/ and article files under articles/")
        )
    return draft, extra_tags


def _under(path: Path, folder: Path, names: tuple[str, ...]) -> bool:
    try:
        first = path.relative_to(folder).parts[0]
    except (ValueError, IndexError):
        return False
    return first in names


@dataclass(frozen=True)
class LoadResult:
    """The library that loaded, and every issue found (packs with issues are left out)."""

    library: Library
    issues: tuple[ContentIssue, ...]
    files_read: int
    rejected_packs: tuple[str, ...] = ()
    #: The folders as loaded (in the order given), and how many events loaded from each.
    folders: tuple[Path, ...] = ()
    events_per_folder: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def unreadable(self) -> tuple[ContentIssue, ...]:
        """The folders and files that could not be read at all (see :attr:`ContentIssue.unreadable`)."""
        return tuple(issue for issue in self.issues if issue.unreadable)


def find_manifests(dirs: Iterable[Path], issues: list[ContentIssue] | None = None) -> list[Path]:
    """Every pack manifest under the given folders (a folder may itself be a pack).

    With ``issues``, a manifest (or pack folder) that is there but cannot be read is reported
    as unreadable instead of skipped.
    """
    found: list[Path] = []

    def _manifest(path: Path) -> bool:
        try:
            return _stat_is_file(path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            if issues is not None and exc.errno != errno.ENOTDIR:
                issues.append(_unreadable(path, "file", exc))
            return False

    for d in dirs:
        if _manifest(d / MANIFEST_NAME):
            found.append(d / MANIFEST_NAME)
            continue
        try:
            entries = sorted(os.scandir(d), key=lambda entry: entry.name)
        except OSError:
            continue  # reported by the caller (folder_issue)
        for entry in entries:
            if entry.name.startswith(".") or entry.name == TAGS_FILE:  # tags.yaml: read (and reported) apart
                continue
            try:
                if entry.is_dir():
                    if _manifest(d / entry.name / MANIFEST_NAME):
                        found.append(d / entry.name / MANIFEST_NAME)
                elif entry.is_symlink():
                    os.stat(entry.path)  # a link that leads nowhere raises here
            except OSError as exc:  # ... and one round in a loop already at is_dir()
                if issues is not None:
                    issues.append(_unreadable(d / entry.name, "link", exc))
    return found


def load_library(
    dirs: Iterable[Path | str],
    *,
    summarizer: Callable[[str], Summaries] | None = None,
    vocabulary_files: Iterable[Path] = (),
) -> LoadResult:
    """Load every pack under ``dirs`` into one validated :class:`Library`.

    The tag vocabulary is every ``tags.yaml`` in ``vocabulary_files``, in the given folders, and
    beside a pack folder given directly (so one pack can be checked on its own).

    Checks that cross packs (duplicate ids, references, tags) are done over the whole set. A pack
    with any issue is left out of the library, and its issues are reported; the rest load.
    The cyclic garbage collector is paused meanwhile (see :mod:`bot.core.gcpause`).
    """
    with gc_paused():
        return _load_library(dirs, summarizer=summarizer, vocabulary_files=vocabulary_files)


def _load_library(
    dirs: Iterable[Path | str],
    *,
    summarizer: Callable[[str], Summaries] | None,
    vocabulary_files: Iterable[Path],
) -> LoadResult:
    if summarizer is None:
        summarizer = _default_summarizer()
    paths = [_display_path(Path(d)) for d in dirs]
    issues: list[ContentIssue] = []
    readable: list[Path] = []
    for p in paths:
        problem = folder_issue(p)
        if problem is None:
            readable.append(p)
        else:
            issues.append(problem)
    vocabulary = _read_vocabularies(readable, vocabulary_files, issues)
    drafts, pack_extra_tags, files_read = _read_packs(readable, issues, summarizer)
    all_tags = dict(vocabulary)
    for extra in pack_extra_tags.values():
        all_tags.update(extra)
    _check_duplicate_ids(drafts)
    _check_references(drafts, vocabulary, pack_extra_tags)
    good = [d for d in drafts if not d.issues]
    rejected = tuple(d.pack.id for d in drafts if d.issues)
    for d in drafts:
        issues.extend(d.issues)
    if not any(issue.unreadable for issue in issues):  # else the installation is refused as a whole
        for pack_id in rejected:
            log.warning("content pack %s has errors and was not loaded", pack_id)
    library = Library.build(
        {d.pack.id: d.pack for d in good},
        {aid: a for d in good for aid, (a, _, _) in d.articles.items()},
        {eid: e for d in good for eid, (e, _, _) in d.events.items()},
        frozenset(all_tags),
    )
    return LoadResult(library, tuple(issues), files_read, rejected, tuple(paths), _events_per_folder(library, paths))


def _events_per_folder(library: Library, folders: list[Path]) -> tuple[int, ...]:
    """How many of the library's events came from each folder (a pack counts for the first that holds it)."""
    per_pack: dict[str, int] = {}
    for event in library.events.values():
        per_pack[event.pack] = per_pack.get(event.pack, 0) + 1
    counts = [0] * len(folders)
    for pack in library.packs.values():
        for i, folder in enumerate(folders):
            if Path(pack.path).is_relative_to(folder):
                counts[i] += per_pack.get(pack.id, 0)
                break
    return tuple(counts)


def _read_vocabularies(
    paths: list[Path], vocabulary_files: Iterable[Path], issues: list[ContentIssue]
) -> dict[str, str]:
    """The tag vocabulary: the given files, each folder's ``tags.yaml`` and a pack's parent's."""
    vocabulary: dict[str, str] = {}
    candidates = [Path(v) for v in vocabulary_files]
    for p in paths:
        candidates.append(p / TAGS_FILE)
        if (p / MANIFEST_NAME).is_file():
            candidates.append(p.parent / TAGS_FILE)
    seen: set[str] = set()
    for tags_file in candidates:
        key = os.path.realpath(tags_file)  # unlike Path.resolve, never raises on a symlink loop
        if key in seen or not os.path.lexists(tags_file):
            continue
        seen.add(key)
        try:
            if not _stat_is_file(tags_file):
                continue
        except OSError as exc:
            issues.append(_unreadable(_display_path(tags_file), "file", exc))
            continue
        vocabulary.update(_read_tag_vocabulary(_display_path(tags_file), issues))
    return vocabulary


def _read_packs(
    paths: list[Path], issues: list[ContentIssue], summarizer: Callable[[str], Summaries] | None
) -> tuple[list[_PackDraft], dict[str, dict[str, str]], int]:
    """Every pack under ``paths``: its draft, its extra tags, and how many files were read."""
    drafts: list[_PackDraft] = []
    files_read = 0
    pack_extra_tags: dict[str, dict[str, str]] = {}
    seen_packs: dict[str, str] = {}
    for manifest in find_manifests(paths, issues):
        draft, extra = _read_pack(manifest, issues, summarizer)
        files_read += 1
        if draft is None:
            continue
        files_read += len(_yaml_files(manifest.parent)) - 1
        if draft.pack.id in seen_packs:
            message = f"duplicate pack id '{draft.pack.id}' (also {seen_packs[draft.pack.id]})"
            issues.append(ContentIssue(str(manifest), 1, "id", message))
            continue
        seen_packs[draft.pack.id] = str(manifest)
        pack_extra_tags[draft.pack.id] = extra
        drafts.append(draft)
    return drafts, pack_extra_tags, files_read


def _check_duplicate_ids(drafts: list[_PackDraft]) -> None:
    """Library-wide duplicate ids (an event id and an article id may not collide either)."""
    owner: dict[str, tuple[str, str, int]] = {}
    for draft in drafts:
        entries: list[tuple[str, str, int]] = [(k, p, ln) for k, (_, p, ln) in draft.events.items()]
        entries += [(k, p, ln) for k, (_, p, ln) in draft.articles.items()]
        for entry_id, path, line in entries:
            if entry_id not in owner:
                owner[entry_id] = (draft.pack.id, path, line)
                continue
            other_pack, other_path, other_line = owner[entry_id]
            also = f"(also at {other_path}:{other_line})"
            message = (
                f"duplicate id '{entry_id}' {also}"
                if other_pack != draft.pack.id
                else f"id '{entry_id}' is used by an event and an article {also}"
            )
            draft.issues.append(ContentIssue(path, line, "id", message))


def _check_references(
    drafts: list[_PackDraft], vocabulary: dict[str, str], pack_extra_tags: dict[str, dict[str, str]]
) -> None:
    """Related events, articles, tags and ``part_of`` must name something that exists."""
    event_ids = {eid for d in drafts for eid in d.events}
    article_ids = {aid for d in drafts for aid in d.articles}
    all_events = {eid: e for d in drafts for eid, (e, _, _) in d.events.items()}
    for draft in drafts:
        for path, line, fld, ref in draft.refs.events:
            if ref not in event_ids:
                hint = _closest(ref, event_ids)
                extra_hint = f" (did you mean '{hint}'?)" if hint else ""
                draft.issues.append(ContentIssue(path, line, fld, f"no event has the id '{ref}'{extra_hint}"))
        for path, line, fld, ref in draft.refs.articles:
            if ref not in article_ids:
                draft.issues.append(ContentIssue(path, line, fld, f"no article has the id '{ref}'"))
        allowed = set(vocabulary) | set(pack_extra_tags.get(draft.pack.id, {}))
        for path, line, fld, tag, _pack in draft.refs.tags:
            if tag not in allowed:
                hint = _closest(tag, allowed)
                extra_hint = f" (did you mean '{hint}'?)" if hint else ""
                message = f"unknown tag '{tag}'{extra_hint}: add it to tags.yaml or the pack's tags"
                draft.issues.append(ContentIssue(path, line, fld, message))
        for path, line, fld, part_id, overview_id in draft.refs.part_of:
            problem = _part_of_problem(all_events, part_id, overview_id, event_ids)
            if problem:
                draft.issues.append(ContentIssue(path, line, fld, problem))


def _event_bounds(event: Event) -> tuple[dt.date, dt.date]:
    """The first and last day an event can cover, at whatever precision its dates have."""
    return event.date.first_day(), (event.end_date or event.date).last_day()


def _part_of_problem(events: dict[str, Event], part_id: str, overview_id: str, event_ids: set[str]) -> str:
    """What is wrong with ``part_id``'s ``part_of: overview_id``, or "" when nothing is."""
    if overview_id == part_id:
        return "an event cannot be part of itself"
    if overview_id not in event_ids:
        hint = _closest(overview_id, event_ids)
        extra_hint = f" (did you mean '{hint}'?)" if hint else ""
        return f"no event has the id '{overview_id}'{extra_hint}"
    overview = events.get(overview_id)
    part = events.get(part_id)
    if overview is None or part is None:  # one of them failed its own checks, reported there
        return ""
    if overview.part_of is not None:
        return (
            f"'{overview_id}' is itself part of '{overview.part_of}': name the overview at the top"
            " (part_of is one level only)"
        )
    first, last = _event_bounds(part)
    start, end = _event_bounds(overview)
    if first < start or last > end:
        return f"the event's dates ({part.date_label()}) lie outside those of '{overview_id}' ({overview.date_label()})"
    return ""


def _display_path(path: Path) -> Path:
    """A path relative to the working directory when it is under it (shorter error messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11, 3.12)
        return path


def folder_issue(path: Path) -> ContentIssue | None:
    """Why the content folder ``path`` cannot be used, or ``None`` when it can be read.

    A folder that is not there, or a file given as one, is a content problem (reported, the rest
    loads); one that is there but cannot be read (a symlink loop, no permission) is unreadable.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ContentIssue(str(path), 0, "", "content folder does not exist")
    except OSError as exc:
        return _unreadable(path, "folder", exc)
    if not stat.S_ISDIR(info.st_mode):
        return ContentIssue(str(path), 0, "", "this is a file, not a folder")
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        return _unreadable(path, "folder", exc)
    return None


def _default_summarizer() -> Callable[[str], Summaries] | None:
    return summarize
