"""bench/commands_bench.py runs end to end at a tiny size (timings are printed, never asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from bot.config import DEFAULT_CONTENT_DIR
from bot.content_loader import load_library

BENCH = Path(__file__).resolve().parents[2] / "bench" / "commands_bench.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("commands_bench", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_commands_bench_runs_every_command_without_errors() -> None:
    bench = _load()
    library = load_library([DEFAULT_CONTENT_DIR]).library
    cases = await bench.run(library, 3, 1, 7)
    labels = {c.label for c in cases}
    assert {"event show", "event search", "onthisday", "timeline", "help", "about", "autocomplete event"} <= labels
    for case in cases:
        assert len(case.samples) == 3, case.label
        assert case.failures == 0, case.label
        assert all(s > 0 for s in case.samples)
    bench.report(cases, library)
