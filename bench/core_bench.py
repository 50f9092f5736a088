"""Benchmark of the core engine on a synthetic library (100,000 events by default).

    .venv/bin/python -m bench.core_bench                      # 100,000 events, 1,000 articles
    .venv/bin/python -m bench.core_bench --events 5000 --articles 50 --queries 300

Prints, for the generated library: cold load-and-index time (YAML through the real loader,
then the FTS5 and autocomplete indexes written to a cache file), warm startup (the content hash
checked and both indexes reopened from the cache), autocomplete / match / search / on-this-day latency (p50
and p99 over ``--queries`` queries of each kind), the same queries done by a plain linear scan
over the loaded model (on a sample, as a ratio), and the peak RSS of the process.
Figures are printed, never asserted: the machine this runs on decides them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.content_loader import load_library
from bot.core.autocomplete import fold, fold_key, words
from bot.core.match import match_event
from bot.core.models import Event, Library
from bot.core.onthisday import select_for_post
from bot.core.search import SearchFilters, SearchIndex, content_hash

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "autocomplete_p99_ms": 5.0,
    "match_p99_ms": 10.0,
    "search_p99_ms": 10.0,
    "onthisday_p99_ms": 1.0,
    "warm_s": 1.0,
    "cold_s": 20.0,
    "rss_mb": 400.0,
}


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    n: int


def measure(calls: Sequence[Callable[[], Any]]) -> Latency:
    """Run each call once (after a short warm-up) and return p50/p99 in milliseconds."""
    for call in calls[: min(20, len(calls))]:
        call()
    timings = []
    gc.disable()
    try:
        for call in calls:
            start = time.perf_counter_ns()
            call()
            timings.append((time.perf_counter_ns() - start) / 1e6)
    finally:
        gc.enable()
    timings.sort()
    p99_index = max(0, math.ceil(0.99 * len(timings)) - 1)
    return Latency(statistics.median(timings), timings[p99_index], len(timings))


def current_rss_mb() -> float:
    """The resident set size now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# --- queries ------------------------------------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def guild_pack_sets(library: Library, rng: random.Random, n: int = 3) -> list[frozenset[str]]:
    """A few servers' allowed-pack sets (most servers allow every pack; some restrict)."""
    packs = sorted(library.packs)
    return [frozenset(rng.sample(packs, max(1, len(packs) // 2))) for _ in range(n)] if packs else []


def autocomplete_queries(library: Library, rng: random.Random, n: int) -> list[tuple[str, str | None, Any]]:
    """(typed text, kind, packs) triples: prefixes, typos, shuffled words, places, short stubs."""
    events = library.chronological
    articles = list(library.articles.values())
    guilds = guild_pack_sets(library, rng)
    out: list[tuple[str, str | None, Any]] = []
    for k in range(n):
        roll = rng.random()
        kind: str | None = "event"
        if articles and roll < 0.1:
            article = rng.choice(articles)
            text, kind = article.title[: rng.randint(4, len(article.title))], "article"
        else:
            event = rng.choice(events)
            title_words = event.title.split()
            if roll < 0.35:
                text = event.title[: rng.randint(3, len(event.title))]
            elif roll < 0.6:
                title_words = [_typo(w, rng) for w in title_words]
                text = " ".join(title_words) + f" {event.year}"
            elif roll < 0.8:
                chosen = rng.sample(title_words, min(len(title_words), rng.randint(1, 3)))
                text = " ".join(chosen) + f" {event.year % 100:02d}"
            elif roll < 0.95:
                text = f"{(event.places or ('',))[0]} {rng.choice(title_words)[:4]}"
            else:
                text = rng.choice(["", "a", "st", "19", "🔥", "the"])
        pack_filter = rng.choice(guilds) if k % 5 == 0 and guilds else None
        out.append((text, kind, pack_filter))
    return out


HOSTILE = ['"', "NEAR(", "AND OR", "*", "-", "(((", "🔥🔥", "x" * 500, "title:", "''", "Забастовка"]


def search_queries(library: Library, rng: random.Random, n: int) -> list[tuple[str, SearchFilters, int]]:
    """(text, filters, offset): words from titles and descriptions, some filtered, some hostile."""
    events = library.chronological
    tags = sorted({t for e in events[:2000] for t in e.tags})
    guilds = guild_pack_sets(library, rng)
    out: list[tuple[str, SearchFilters, int]] = []
    for _ in range(n):
        event = rng.choice(events)
        roll = rng.random()
        if roll < 0.05:
            text = rng.choice(HOSTILE)
        elif roll < 0.5:
            pool = event.title.split()
            text = " ".join(rng.sample(pool, min(len(pool), rng.randint(1, 3))))
        else:
            pool = [w for w in event.description.split() if len(w) > 3]
            text = " ".join(rng.sample(pool, min(len(pool), rng.randint(1, 3))))
        filters = SearchFilters()
        f = rng.random()
        if f < 0.1:
            year = event.year - rng.randint(0, 20)
            filters = SearchFilters(year_from=year, year_to=year + rng.randint(0, 50))
        elif f < 0.15 and tags:
            filters = SearchFilters(tag=rng.choice(tags))
        elif f < 0.2 and event.places:
            filters = SearchFilters(place=event.places[0])
        elif f < 0.25:
            filters = SearchFilters(kind=rng.choice(["event", "article"]))
        elif f < 0.3 and guilds:
            filters = SearchFilters(packs=rng.choice(guilds))
        offset = 10 * rng.randint(1, 3) if rng.random() < 0.1 else 0
        out.append((text, filters, offset))
    return out


def day_queries(library: Library, rng: random.Random, n: int) -> list[tuple[dt.date, int, frozenset[str], Any]]:
    """(day, guild id, recently posted ids, packs) as the daily poster would ask."""
    ids = [e.id for e in library.chronological[:: max(1, len(library.events) // 5000)]]
    guilds = guild_pack_sets(library, rng)
    out = []
    for k in range(n):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(3653))
        recent = frozenset(rng.sample(ids, min(60, len(ids))))
        pack_filter = rng.choice(guilds) if k % 3 == 0 and guilds else None
        out.append((day, rng.randrange(10**6), recent, pack_filter))
    return out


# --- linear baselines ---------------------------------------------------------------------------------


class Linear:
    """The same questions answered by scanning every event and article (folded text precomputed)."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.names = [fold_key(f"{e.title} {' '.join(e.places)} {e.year}") for e in library.chronological]
        self.texts = [fold(f"{e.title} {e.description} {' '.join(e.places)}") for e in library.chronological]

    def autocomplete(self, text: str) -> list[Any]:
        return process.extract(fold_key(text), self.names, scorer=fuzz.WRatio, processor=None, limit=25)

    def search(self, text: str, filters: SearchFilters) -> list[Event]:
        terms = words(text)
        if not terms:
            return []
        hits = []
        for event, hay in zip(self.library.chronological, self.texts, strict=True):
            if filters.year_from is not None and event.year < filters.year_from:
                continue
            if filters.year_to is not None and event.year > filters.year_to:
                continue
            if filters.tag and filters.tag not in event.tags:
                continue
            if all(t in hay for t in terms):
                hits.append((-sum(hay.count(t) for t in terms), event))
        hits.sort(key=lambda h: h[0])
        return [e for _, e in hits[:10]]

    def on_this_day(self, day: dt.date, packs: Any) -> list[Event]:
        key = (day.month, day.day)
        found = []
        for event in self.library.chronological:
            span = event.span_days()
            if span is None or (packs is not None and event.pack not in packs):
                continue
            start, end = span
            length = (end - start).days
            days = [start, end] if length > 14 else [start + dt.timedelta(days=i) for i in range(length + 1)]
            if any((d.month, d.day) == key for d in days):
                found.append(event)
        return found[:5]


# --- main ---------------------------------------------------------------------------------------------------


def _mark(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def run(args: argparse.Namespace) -> dict[str, float]:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="from-below-bench-") as tmp:
        root = Path(tmp)
        content = root / "content"
        started = time.perf_counter()
        # In a child process, so that the generator's memory is not counted in the peak RSS.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "bench.synthetic", "--events", str(args.events)]
        command += ["--articles", str(args.articles), "--seed", str(args.seed), "--out", str(content)]
        subprocess.run(
            command,
            check=True,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        generated = time.perf_counter() - started
        cache = root / "cache" / "search.sqlite3"
        gc.collect()

        started = time.perf_counter()
        result = load_library([content])
        loaded = time.perf_counter() - started
        library = result.library
        gc.collect()
        model_rss = current_rss_mb()
        if result.issues:
            print(f"warning: the synthetic library has {len(result.issues)} issue(s); first: {result.issues[0]}")
        started = time.perf_counter()
        index = SearchIndex.build(library, cache)  # FTS5 + autocomplete index, written to the cache
        indexed = time.perf_counter() - started
        cold = loaded + indexed
        index.close()
        del index
        gc.collect()

        started = time.perf_counter()
        hashed = content_hash(library)
        hash_time = time.perf_counter() - started
        started = time.perf_counter()
        index = SearchIndex.build(library, cache)
        warm = time.perf_counter() - started
        if not index.from_cache or index.content_hash != hashed:
            raise RuntimeError("the cached index was not reused")
        completer = index.autocompleter

        ac_queries = autocomplete_queries(library, rng, args.queries)
        s_queries = search_queries(library, rng, args.queries)
        d_queries = day_queries(library, rng, args.queries)
        ac = measure([lambda q=q: completer.complete(q[0], kind=q[1], packs=q[2]) for q in ac_queries])
        # /event show with free text: the autocompleter's candidates, scored and checked.
        ma = measure([lambda q=q: match_event(library, completer, q[0], q[2]) for q in ac_queries])
        se = measure([lambda q=q: index.search(q[0], q[1], limit=10, offset=q[2]) for q in s_queries])
        otd = measure(
            [
                lambda q=q: select_for_post(
                    library, q[0].year, q[0].month, q[0].day, guild_id=q[1], recent_ids=q[2], packs=q[3]
                )
                for q in d_queries
            ]
        )
        rss = peak_rss_mb()

        linear = Linear(library)
        sample = max(1, min(args.linear_sample, args.queries))
        lac = measure([lambda q=q: linear.autocomplete(q[0]) for q in ac_queries[:sample]])
        lse = measure([lambda q=q: linear.search(q[0], q[1]) for q in s_queries[:sample]])
        lotd = measure([lambda q=q: linear.on_this_day(q[0], q[3]) for q in d_queries[:sample]])
        index.close()

    n_events, n_articles = len(library.events), len(library.articles)
    print(f"From Below core benchmark: {n_events:,} events, {n_articles:,} articles, {len(library.packs)} packs")
    print(f"  (synthetic YAML written in {generated:.1f} s; Python {sys.version.split()[0]}, one process)")
    print()
    print(f"  cold load-and-index      {cold:7.2f} s    target ≤ {TARGETS['cold_s']:.0f} s   {_mark(cold, 20)}")
    print(f"    YAML load + validate   {loaded:7.2f} s   (bot.content_loader.load_library)")
    print(f"    index + autocomplete   {indexed:7.2f} s   (FTS5 written to the cache file)")
    print(f"  warm startup             {warm:7.2f} s    target ≤ {TARGETS['warm_s']:.0f} s    {_mark(warm, 1)}")
    print(f"    of which content hash  {hash_time:7.2f} s   (cached index and autocomplete reopened)")
    print()
    print("  latency (ms)             p50      p99    queries  target p99   linear scan p50   ratio")
    rows = [
        ("autocomplete", ac, lac, TARGETS["autocomplete_p99_ms"]),
        ("match (event show)", ma, lac, TARGETS["match_p99_ms"]),
        ("search", se, lse, TARGETS["search_p99_ms"]),
        ("on this day", otd, lotd, TARGETS["onthisday_p99_ms"]),
    ]
    for name, lat, lin, target in rows:
        ratio = lin.p50_ms / lat.p50_ms if lat.p50_ms else float("inf")
        mark = _mark(lat.p99_ms, target)
        print(
            f"  {name:<20} {lat.p50_ms:8.3f} {lat.p99_ms:8.3f} {lat.n:9d}   ≤ {target:<5g} {mark:6}"
            f"  {lin.p50_ms:9.2f} (n={lin.n:<4d})  ×{ratio:,.0f}"
        )
    print()
    print(f"  peak RSS                 {rss:7.0f} MB   target ≤ {TARGETS['rss_mb']:.0f} MB {_mark(rss, 400)}")
    print(f"    library model loaded   {model_rss:7.0f} MB   (RSS after load_library, before indexing)")
    print("  (peak RSS is taken before the linear baselines, which need their own folded copies)")
    return {
        "cold_s": cold,
        "warm_s": warm,
        "autocomplete_p99_ms": ac.p99_ms,
        "match_p99_ms": ma.p99_ms,
        "search_p99_ms": se.p99_ms,
        "onthisday_p99_ms": otd.p99_ms,
        "rss_mb": rss,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="synthetic events (default 100,000)")
    parser.add_argument("--articles", type=int, default=1_000, help="synthetic articles (default 1,000)")
    parser.add_argument("--queries", type=int, default=1_000, help="queries of each kind (default 1,000)")
    parser.add_argument("--linear-sample", type=int, default=50, help="queries of each kind for the linear scan")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.events < 1 or args.queries < 1:
        parser.error("--events and --queries must be at least 1")
    return run(args)


if __name__ == "__main__":
    main()
