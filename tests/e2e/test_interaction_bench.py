"""The benchmark harness runs end to end at a tiny size (timings are printed, never asserted)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from .conftest import REPO_ROOT


def _load_bench() -> ModuleType:
    path = REPO_ROOT / "bench" / "interaction_bench.py"
    spec = importlib.util.spec_from_file_location("interaction_bench", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_bench_measures_both_bots_and_reports_ratio() -> None:
    bench = _load_bench()
    args = bench.parse_args(["--n", "25", "--warmup", "2", "--bot-label", "trivial again"])
    baseline, bot = await bench.amain(args)
    for result in (baseline, bot):
        assert len(result.latencies) == 25
        assert result.errors == 0
        assert all(lat > 0 for lat in result.latencies)
        assert result.pct(50) <= result.pct(99)
    text = bench.report(baseline, bot, 25)
    assert "p50 ms" in text
    assert "ratio bot / trivial" in text
    assert "trivial again (/ok)" in text


def test_percentiles_are_nearest_rank() -> None:
    bench = _load_bench()
    r = bench.BenchResult("x", latencies=[i / 1000 for i in range(1, 101)])
    assert r.pct(50) == 50.0
    assert r.pct(99) == 99.0
    assert r.pct(100) == 100.0
