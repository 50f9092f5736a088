"""The editor JSON Schemas agree with the loader, and every shipped file names its schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.content_loader import ARTICLE_FIELDS, EVENT_FIELDS, PACK_FIELDS

CONTENT = Path(__file__).resolve().parents[2] / "content"
SCHEMAS = CONTENT / "schema"


def schema(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(data)
    return data


def test_schema_fields_match_the_loader() -> None:
    events = schema("events")
    articles = schema("articles")
    pack = schema("pack")
    assert set(events["$defs"]["event"]["properties"]) == EVENT_FIELDS  # type: ignore[index]
    assert set(articles["$defs"]["article"]["properties"]) == ARTICLE_FIELDS  # type: ignore[index]
    assert set(pack["properties"]) == PACK_FIELDS  # type: ignore[index]


def shipped_files() -> list[Path]:
    return sorted(p for p in CONTENT.rglob("*.yaml"))


def kind_of(path: Path) -> str:
    if path.name == "pack.yaml":
        return "pack"
    if path.name == "tags.yaml":
        return "tags"
    return path.parent.name


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: str(p.relative_to(CONTENT)))
def test_shipped_file_names_and_passes_its_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema="), f"{path} lacks the schema line"
    target = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
    assert target.is_file(), f"{path} names a schema that does not exist: {target}"
    assert target.name == f"{kind_of(path)}.schema.json"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML turns bare dates into date objects; the schema speaks of the text written.
    jsonschema.validate(json.loads(json.dumps(data, default=str)), json.loads(target.read_text()))


def test_schema_rejects_a_typo() -> None:
    bad = {"events": [{"id": "x", "titel": "typo"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema("events"))


def test_the_shipped_schema_files_are_generated_from_the_loader_definitions() -> None:
    """Editing a field in bot/content_format.py without regenerating the schemas fails here:
    run ``python -m bot.content_format content/schema``."""
    from bot.content_format import render, schemas

    stale = [name for name, generated in schemas().items() if (SCHEMAS / name).read_text() != render(generated)]
    assert stale == []


def test_a_limit_changed_in_the_definitions_changes_both_the_loader_and_the_schema(tmp_path: Path) -> None:
    import dataclasses

    from bot import content_format
    from bot.content_loader import load_library

    pack = tmp_path / "p"
    (pack / "events").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "id: p\nname: P\ndescription: A pack.\nlanguage: en\ncredits: [me]\nlicence: CC0\ntags: {strike: a strike}\n",
        encoding="utf-8",
    )
    (pack / "events" / "e.yaml").write_text(
        "events:\n  - id: e\n    title: A title of twenty-nine chars\n    date: 1953-06-17\n    place: Berlin\n"
        "    country: East Germany\n    description: >-\n      " + "Word " * 20 + "ends. Another sentence.\n"
        "    tags: [strike]\n    sources: [{title: S, url: 'https://example.org'}]\n",
        encoding="utf-8",
    )
    assert not load_library([pack]).issues
    short = dataclasses.replace(content_format.EVENT["title"], limit=10)
    patched = {**content_format.EVENT, "title": short}
    original = content_format.EVENT
    try:
        content_format.EVENT = patched  # type: ignore[assignment]
        import bot.content_loader as loader

        loader.EVENT = patched  # type: ignore[attr-defined]
        issues = load_library([pack]).issues
        schema_title = content_format.schemas()["events.schema.json"]["$defs"]["event"]["properties"]["title"]
    finally:
        content_format.EVENT = original  # type: ignore[misc]
        loader.EVENT = original  # type: ignore[attr-defined]
    assert any("title" in i.field and "too long" in i.message for i in issues)
    assert schema_title["maxLength"] == 10
