"""A synthetic library for benchmarks: N events and M articles written as YAML packs.

The text is made up from templates and invented names (towns, people, organisations), with a
Zipf-like spread of words so that the index sees a realistic mix of common and rare terms,
some accented and some non-Latin place names, events known to the day, month or year, and
multi-day events. Everything is deterministic for a given seed. The packs are loaded back
through the real loader (:func:`bot.content_loader.load_library`), so "cold load" is real.

    python -m bench.synthetic --events 100000 --articles 1000 --out /tmp/synthetic
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

EVENTS_PER_FILE = 1000


def _split(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


PACKS = 10

_SYLLABLES = _split(
    "ba be bo bu da de di do ga go gu ka ke ki ko la le li lo lu ma me mi mo na ne ni no pa pe po ra re ri ro "
    "sa se si so ta te ti to va ve vi vo za ze zi zo bra dro gra kra pla pro sta stro tra vla zla łu ło ść ża "
    "ño ré ös ün ač eš"
)
_NON_LATIN = ("Город", "Село", "Завод", "市", "港", "村", "Κάστρο", "Πόλη", "مدينة", "קריה")
_COUNTRIES = _split(
    "Poland Hungary Romania Bulgaria Albania Yugoslavia Ukraine Georgia China Mongolia Portugal Spain Greece "
    "France Italy Iran Egypt Tunisia Sudan Algeria Chile Argentina Brazil Mexico Bolivia India Korea Japan "
    "Indonesia Philippines Nigeria Ghana Kenya Ireland Scotland Wales Finland Sweden Norway Denmark Austria "
    "Belgium Netherlands Turkey Iraq Syria Lebanon Morocco Peru Colombia Cuba Haiti"
)
_GROUPS = _split(
    "dockers' miners' textile-workers' railway students' women's peasants' soldiers' sailors' printers' "
    "bakers' tenants' teachers' nurses' steelworkers' carters' tram-workers' shipyard farmworkers' weavers'"
)
_ACTIONS = _split(
    "strike uprising rising revolt mutiny general-strike occupation march demonstration riot boycott sit-in "
    "walkout lockout massacre congress council commune insurrection blockade"
)
_CAUSES = _split(
    "wages, work norms, bread prices, rents, the length of the working day, a wage cut, the arrest of a "
    "delegate, conscription, a new tax, the closure of the works, censorship, the price of coal, evictions",
    ", ",
)
_OUTCOMES = (
    "The authorities gave way within a week.",
    "Troops were sent in and the leaders were arrested.",
    "The movement spread to neighbouring towns before it was crushed.",
    "A committee elected by the workers ran the town for several days.",
    "The strikers won a shorter working day and recognition of their union.",
    "Many were killed when the police opened fire on the crowd.",
    "The government fell soon afterwards.",
    "The dispute ended in a compromise that satisfied neither side.",
)
_TAGS = _split(
    "strike uprising revolution protest occupation repression invasion election workers-councils trade-union "
    "famine students women independence agreement colonialism dictatorship civil-rights nonviolence coup"
)


def _zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (k + 1) ** s for k in range(n)]


@dataclass
class _Vocabulary:
    towns: list[str]
    town_weights: list[float]  # cumulative
    people: list[str]
    people_weights: list[float]  # cumulative


def _vocabulary(rng: random.Random, n_towns: int, n_people: int) -> _Vocabulary:
    def word(parts: int) -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()

    towns = list(dict.fromkeys(word(rng.randint(2, 4)) for _ in range(n_towns)))
    for k in range(0, len(towns), 97):  # a sprinkling of non-Latin place names
        towns[k] = f"{rng.choice(_NON_LATIN)} {towns[k]}"
    rng.shuffle(towns)
    people = [f"{word(2)} {word(rng.randint(2, 3))}" for _ in range(n_people)]
    return _Vocabulary(
        towns,
        list(itertools.accumulate(_zipf_weights(len(towns)))),
        people,
        list(itertools.accumulate(_zipf_weights(len(people)))),
    )


def _date(rng: random.Random) -> tuple[str, str | None]:
    year = rng.randint(1700, 2024)
    roll = rng.random()
    if roll < 0.05:
        return f"{year}", None
    month = rng.randint(1, 12)
    if roll < 0.15:
        return f"{year}-{month:02d}", None
    day = rng.randint(1, calendar.monthrange(year, month)[1])
    start = f"{year}-{month:02d}-{day:02d}"
    if rng.random() < 0.1:
        end = dt.date(year, month, day) + dt.timedelta(days=rng.randint(1, 40))
        if end.year <= 9999:
            return start, end.isoformat()
    return start, None


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _event(rng: random.Random, vocab: _Vocabulary, n: int) -> tuple[str, str]:
    town = rng.choices(vocab.towns, cum_weights=vocab.town_weights)[0]
    other_town = rng.choices(vocab.towns, cum_weights=vocab.town_weights)[0]
    group = rng.choice(_GROUPS).replace("-", " ")
    action = rng.choice(_ACTIONS).replace("-", " ")
    person = rng.choices(vocab.people, cum_weights=vocab.people_weights)[0]
    country = rng.choice(_COUNTRIES)
    shape = rng.random()
    if shape < 0.4:
        title = f"{group.capitalize()} {action} in {town}"
    elif shape < 0.6:
        title = f"{town} {action}"
    elif shape < 0.8:
        title = f"{person} leads the {group} {action} at {town}"
    else:
        title = f"The {action} in {town} against {rng.choice(_CAUSES)}"
    cause = rng.choice(_CAUSES)
    sentences = [
        f"In {town}, {group} {rng.choice(['workers', 'delegates', 'families'])} took action over {cause}, "
        f"led by {person}.",
        f"The {action} began at the {rng.choice(vocab.people).split()[1]} works and drew in people from {other_town}.",
        rng.choice(_OUTCOMES),
    ]
    if rng.random() < 0.5:
        sentences.append(f"It was remembered for years in {country} as the {town} {action}.")
    description = " ".join(sentences)
    date, end = _date(rng)
    tags = sorted(set(rng.sample(_TAGS, rng.randint(1, 4))))
    event_id = f"e{n:06d}-{'-'.join(_slug(title).split('-')[:6])}"[:80].rstrip("-")
    places = [town] if rng.random() < 0.8 else [town, other_town]
    lines = [
        f"  - id: {event_id}",
        f"    title: {_q(title[:150])}",
        f"    date: {_q(date)}",
    ]
    if end:
        lines.append(f"    end_date: {_q(end)}")
    lines += [
        f"    place: [{', '.join(_q(p) for p in places)}]",
        f"    country: {_q(country)}",
        f"    description: {_q(description[:1000])}",
        f"    tags: [{', '.join(tags)}]",
        "    sources:",
        f"      - title: {_q('Synthetic source ' + str(n))}",
        f"        url: https://example.org/synthetic/{n}",
    ]
    return event_id, "\n".join(lines)


def _slug(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ("a" <= ch <= "z" or "0" <= ch <= "9") else "-")
    return "-".join(part for part in "".join(out).split("-") if part) or "x"


def _article(rng: random.Random, vocab: _Vocabulary, n: int, event_ids: list[str]) -> str:
    town = rng.choices(vocab.towns, cum_weights=vocab.town_weights)[0]
    author = rng.choice(vocab.people)
    action = rng.choice(_ACTIONS).replace("-", " ")
    title = f"What the {town} {action} teaches us ({n})"
    linked = rng.sample(event_ids, min(len(event_ids), rng.randint(1, 5)))
    sentences = [
        f"The {action} at {town} is often told as a story of leaders, but it was made by {rng.choice(_GROUPS)} "
        f"who organised themselves over {rng.choice(_CAUSES)}.",
        f"{author} argues that the decisive days came when the committee met in the open.",
        rng.choice(_OUTCOMES),
        f"The lesson for today, the article says, is that {rng.choice(_GROUPS)} win when they act together.",
    ]
    lines = [
        f"  - id: a{n:05d}-{_slug(town)[:30]}",
        f"    title: {_q(title)}",
        f"    authors: [{_q(author)}]",
        f"    publication: {_q(rng.choice(['Socialist Worker', 'Workers Liberty', 'The Bulletin', 'Solidarity']))}",
        f"    published: {_q(str(rng.randint(1970, 2024)))}",
    ]
    if n % 10 == 0:  # an operator's own article: a body, summarised by the loader
        body = "\n\n".join(" ".join(rng.sample(sentences, len(sentences))) for _ in range(rng.randint(3, 8)))
        lines.append(f"    body: {_q(body)}")
    else:
        lines += [
            "    summaries:",
            f"      short: {_q(sentences[0][:200])}",
            f"      medium: {_q(' '.join(sentences[:3])[:700])}",
            f"      long: {_q(' '.join(sentences)[:2000])}",
        ]
    lines += [
        f"    key_points: [{_q(sentences[1][:300])}, {_q(sentences[2][:300])}]",
        f"    argument: {_q(sentences[3][:300])}",
        f"    tags: [{', '.join(sorted(set(rng.sample(_TAGS, 2))))}]",
        f"    events: [{', '.join(linked)}]",
    ]
    return "\n".join(lines)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_library(out: Path, events: int = 100_000, articles: int = 1_000, seed: int = 1) -> Path:
    """Write ``events`` events and ``articles`` articles as packs under ``out``; returns ``out``."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, n_towns=max(50, events // 20), n_people=max(50, events // 10))
    out.mkdir(parents=True, exist_ok=True)
    (out / "tags.yaml").write_text(
        "topics:\n" + "".join(f"  {t}: Synthetic tag {t}.\n" for t in _TAGS), encoding="utf-8"
    )
    n_packs = max(1, min(PACKS, events // 1000 or 1))
    per_pack = -(-events // n_packs)
    event_ids: list[str] = []
    for p in range(n_packs):
        pack_dir = out / f"synthetic-{p:02d}"
        (pack_dir / "events").mkdir(parents=True, exist_ok=True)
        (pack_dir / "pack.yaml").write_text(
            f"id: synthetic-{p:02d}\nname: Synthetic pack {p}\ndescription: Generated for benchmarks.\n"
            "language: en\ncredits: [bench.synthetic]\nlicence: CC0\n",
            encoding="utf-8",
        )
        records: list[str] = []
        for n in range(p * per_pack, min(events, (p + 1) * per_pack)):
            event_id, text = _event(rng, vocab, n)
            event_ids.append(event_id)
            records.append(text)
        for k, chunk in enumerate(_chunks(records, EVENTS_PER_FILE)):
            (pack_dir / "events" / f"events-{k:03d}.yaml").write_text(
                "events:\n" + "\n".join(chunk) + "\n", encoding="utf-8"
            )
    if articles:
        pack_dir = out / "synthetic-articles"
        (pack_dir / "articles").mkdir(parents=True, exist_ok=True)
        (pack_dir / "pack.yaml").write_text(
            "id: synthetic-articles\nname: Synthetic articles\ndescription: Generated for benchmarks.\n"
            "language: en\ncredits: [bench.synthetic]\nlicence: CC0\n",
            encoding="utf-8",
        )
        texts = [_article(rng, vocab, n, event_ids) for n in range(articles)]
        for k, chunk in enumerate(_chunks(texts, 250)):
            (pack_dir / "articles" / f"articles-{k:03d}.yaml").write_text(
                "articles:\n" + "\n".join(chunk) + "\n", encoding="utf-8"
            )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write_library(args.out, args.events, args.articles, args.seed)
    print(f"wrote {args.events} events and {args.articles} articles under {args.out}")


if __name__ == "__main__":
    main()
