"""The content format, defined once: every field of a pack manifest, an event and an article.

The loader (:mod:`bot.content_loader`) validates with these definitions (which fields exist,
which are required, their kinds and limits), and the JSON Schemas editors use
(``content/schema/*.schema.json``) are generated from them::

    python -m bot.content_format content/schema     # rewrite the schema files

A test fails when the shipped schema files differ from what this module generates.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from bot.core.dates import MAX_ID_LENGTH
from bot.core.models import DESCRIPTION_LIMIT, KEY_POINT_LIMIT, NOTE_LIMIT, SUMMARY_LIMITS

Kind = Literal[
    "slug", "text", "texts", "tags", "date", "julian", "sources", "ids", "summaries", "notes", "tag_map", "issue"
]

SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
URL_PATTERN = "^https?://"
SOURCE_TITLE_LIMIT = 256
URL_LIMIT = 512


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field: its kind, whether it must be there, and its limits.

    ``limit`` is the most characters (of the text, or of each item of a list); ``minimum`` the
    fewest characters; ``max_items`` the most items of a list; ``scalar_ok`` lets a list be
    written as one text.
    """

    kind: Kind
    required: bool = True
    limit: int | None = None
    minimum: int = 1
    max_items: int | None = None
    scalar_ok: bool = False
    pattern: str | None = None
    description: str = ""


def _fields(**specs: FieldSpec) -> Mapping[str, FieldSpec]:
    return MappingProxyType(specs)


PACK = _fields(
    id=FieldSpec("slug", description="The pack's id; must match nothing else"),
    name=FieldSpec("text", limit=100),
    description=FieldSpec("text", limit=1000),
    language=FieldSpec("text", limit=35),
    credits=FieldSpec("texts", limit=500, scalar_ok=True),
    licence=FieldSpec("text", limit=200),
    tags=FieldSpec("tag_map", required=False, description="Extra tags this pack adds (tag: meaning)"),
)

EVENT = _fields(
    id=FieldSpec("slug", description="Unique in the whole library"),
    title=FieldSpec("text", limit=150),
    date=FieldSpec("date"),
    end_date=FieldSpec("date", required=False, description="Last day of an event spanning several days"),
    old_style_date=FieldSpec("julian", required=False, description="Julian date, Russia before 14 February 1918"),
    place=FieldSpec("texts", limit=120, scalar_ok=True),
    country=FieldSpec("texts", limit=120, scalar_ok=True),
    description=FieldSpec("text", limit=DESCRIPTION_LIMIT, minimum=80, description="2-4 sentences in our own words"),
    tags=FieldSpec("tags", max_items=8),
    sources=FieldSpec("sources"),
    related_events=FieldSpec("ids", required=False),
    articles=FieldSpec("ids", required=False),
    part_of=FieldSpec(
        "slug",
        required=False,
        description="The id of the overview event (spanning several days) that this event is a part of; "
        "one level only, and this event's dates must lie within the overview's.",
    ),
)

ARTICLE = _fields(
    id=FieldSpec("slug"),
    title=FieldSpec("text", limit=256),
    authors=FieldSpec("texts", limit=200, scalar_ok=True),
    publication=FieldSpec("text", limit=200),
    issue=FieldSpec("issue", required=False, limit=100),
    published=FieldSpec("date"),
    url=FieldSpec("text", required=False, limit=URL_LIMIT, pattern=URL_PATTERN),
    summaries=FieldSpec("summaries", required=False, description="short, medium and long; or give a body"),
    key_points=FieldSpec("texts", limit=KEY_POINT_LIMIT, max_items=10),
    argument=FieldSpec("text", limit=300),
    context_notes=FieldSpec("notes", required=False),
    tags=FieldSpec("tags", max_items=8),
    events=FieldSpec("ids"),
    body=FieldSpec("text", required=False, limit=200_000, description="Full text; only for operators who own it"),
)
#: An article needs at least one of these (summaries are written from the body when missing).
ARTICLE_ONE_OF = ("summaries", "body")

CONTEXT_NOTE = _fields(
    claim=FieldSpec("text", required=False, limit=NOTE_LIMIT),
    note=FieldSpec("text", limit=NOTE_LIMIT),
    sources=FieldSpec("sources"),
)

SOURCE = _fields(
    title=FieldSpec("text", limit=SOURCE_TITLE_LIMIT),
    url=FieldSpec("text", limit=URL_LIMIT, pattern=URL_PATTERN),
)


# --- JSON Schema --------------------------------------------------------------------------------

_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
_BASE = "https://from-below.invalid/schema/"
_DEFS: dict[str, Any] = {
    "slug": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": MAX_ID_LENGTH},
    "date": {
        "description": "YYYY-MM-DD (day), YYYY-MM (month) or YYYY (year), Gregorian",
        "anyOf": [
            {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
            {"type": "integer", "minimum": 1, "maximum": 9999},
        ],
    },
}


def _text(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "minLength": spec.minimum}
    if spec.limit is not None:
        out["maxLength"] = spec.limit
    if spec.pattern is not None:
        out["pattern"] = spec.pattern
    return out


def _object(fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name for name, spec in fields.items() if spec.required],
        "properties": {name: _property(spec) for name, spec in fields.items()},
    }


def _property(spec: FieldSpec) -> dict[str, Any]:
    kind = spec.kind
    if kind == "slug":
        out: dict[str, Any] = {"$ref": "#/$defs/slug"}
    elif kind == "date":
        out = {"$ref": "#/$defs/date"}
    elif kind == "julian":
        out = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    elif kind == "text":
        out = _text(spec)
    elif kind == "issue":
        out = {"anyOf": [{"type": "string", "maxLength": spec.limit}, {"type": "integer"}]}
    elif kind == "texts":
        item = _text(spec)
        listed: dict[str, Any] = {"type": "array", "minItems": 1, "items": item}
        if spec.max_items is not None:
            listed["maxItems"] = spec.max_items
        out = {"anyOf": [item, listed]} if spec.scalar_ok else listed
    elif kind == "tags":
        out = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/slug"}}
        if spec.max_items is not None:
            out["maxItems"] = spec.max_items
    elif kind == "ids":
        out = {"type": "array", "items": {"$ref": "#/$defs/slug"}}
    elif kind == "sources":
        out = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/source"}}
    elif kind == "summaries":
        out = _object({name: FieldSpec("text", limit=limit) for name, limit in SUMMARY_LIMITS.items()})
    elif kind == "notes":
        out = {"type": "array", "items": _object(CONTEXT_NOTE)}
    else:  # tag_map
        out = {"type": "object", "propertyNames": _DEFS["slug"], "additionalProperties": {"type": "string"}}
    if spec.description:
        out = {**out, "description": spec.description}
    return out


def _file_of(
    key: str, record: str, title: str, fields: Mapping[str, FieldSpec], one_of: tuple[str, ...] = ()
) -> dict[str, Any]:
    shape = _object(fields)
    if one_of:
        shape["anyOf"] = [{"required": [name]} for name in one_of]
    defs = {**_DEFS, "source": _object(SOURCE), record: shape}
    return {
        "$schema": _SCHEMA,
        "$id": f"{_BASE}{key}.schema.json",
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": [key],
        "properties": {key: {"type": "array", "items": {"$ref": f"#/$defs/{record}"}}},
        "$defs": defs,
    }


def schemas() -> dict[str, dict[str, Any]]:
    """Every schema file's content, by file name."""
    pack: dict[str, Any] = {"$schema": _SCHEMA, "$id": f"{_BASE}pack.schema.json", "title": "From Below pack manifest"}
    pack.update(_object(PACK))
    pack["properties"] = {
        name: (_DEFS["slug"] if spec.kind == "slug" else _property(spec)) for name, spec in PACK.items()
    }
    tags = {
        "$schema": _SCHEMA,
        "$id": f"{_BASE}tags.schema.json",
        "title": "From Below tag vocabulary",
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "propertyNames": _DEFS["slug"],
            "additionalProperties": {"type": "string"},
        },
    }
    return {
        "events.schema.json": _file_of("events", "event", "From Below events file", EVENT),
        "articles.schema.json": _file_of("articles", "article", "From Below articles file", ARTICLE, ARTICLE_ONE_OF),
        "pack.schema.json": pack,
        "tags.schema.json": tags,
    }


def render(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = folder / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - a developer tool
    for path in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "content/schema")):
        sys.stdout.write(f"wrote {path}\n")
