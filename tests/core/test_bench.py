"""The benchmark runs end to end on a small synthetic library (figures are printed, not asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import core_bench
from bench.synthetic import write_library
from bot.content_loader import load_library
from bot.core.dates import Precision


def test_synthetic_library_loads_through_the_real_loader(tmp_path: Path) -> None:
    write_library(tmp_path, events=1500, articles=30, seed=3)
    result = load_library([tmp_path])
    assert result.issues == ()
    library = result.library
    assert len(library.events) == 1500
    assert len(library.articles) == 30
    precisions = {e.date.precision for e in library.events.values()}
    assert precisions == {Precision.DAY, Precision.MONTH, Precision.YEAR}
    assert any(e.end_date for e in library.events.values())
    assert any(not p.isascii() for e in library.events.values() for p in e.places)
    assert any(a.summaries_generated for a in library.articles.values())


def test_synthetic_library_is_deterministic(tmp_path: Path) -> None:
    write_library(tmp_path / "a", events=200, articles=5, seed=9)
    write_library(tmp_path / "b", events=200, articles=5, seed=9)
    for path in sorted((tmp_path / "a").rglob("*.yaml")):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


def test_benchmark_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    figures = core_bench.main(["--events", "400", "--articles", "10", "--queries", "60", "--linear-sample", "5"])
    out = capsys.readouterr().out
    assert "warning" not in out
    for label in ("cold load-and-index", "warm startup", "autocomplete", "match", "search", "on this day", "peak RSS"):
        assert label in out
    assert "400 events, 10 articles" in out
    assert set(figures) == set(core_bench.TARGETS)
    assert all(value >= 0 for value in figures.values())
