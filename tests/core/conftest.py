"""Small libraries built directly with Library.build, and the shipped library, for core tests."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from bot.core.dates import parse_historical_date
from bot.core.models import Article, Event, Library, Pack, Source, Summaries

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
# The benchmark package (bench/) lives at the repository root, which pytest does not put on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SOURCE = (Source("A source", "https://example.org/source"),)


def make_event(
    id: str,
    title: str,
    date: str,
    *,
    places: Iterable[str] = ("Berlin",),
    countries: Iterable[str] = ("Germany",),
    description: str = "",
    tags: Iterable[str] = ("strike",),
    pack: str = "test",
    end_date: str | None = None,
) -> Event:
    """An event with sensible defaults; dates as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    return Event(
        id=id,
        title=title,
        date=parse_historical_date(date),
        places=tuple(places),
        countries=tuple(countries),
        description=description or f"{title}. Something happened here that the tests describe in a sentence.",
        tags=tuple(tags),
        sources=SOURCE,
        pack=pack,
        end_date=parse_historical_date(end_date) if end_date else None,
    )


def make_article(
    id: str,
    title: str,
    published: str = "2003-03-08",
    *,
    short: str = "A short summary.",
    medium: str = "A medium summary of the article.",
    long: str = "A long summary of the article, longer than the medium one.",
    tags: Iterable[str] = ("strike",),
    pack: str = "test",
    authors: Iterable[str] = ("Hazel Croft",),
    publication: str = "Socialist Worker",
    events: Iterable[str] = (),
    body: str = "",
) -> Article:
    return Article(
        id=id,
        title=title,
        authors=tuple(authors),
        publication=publication,
        published=parse_historical_date(published),
        summaries=Summaries(short, medium, long),
        key_points=("A key point.",),
        argument="An argument.",
        tags=tuple(tags),
        events=tuple(events),
        pack=pack,
        body=body,
    )


def make_library(events: Iterable[Event], articles: Iterable[Article] = ()) -> Library:
    """A library with one pack per pack id used by the events and articles."""
    events = list(events)
    articles = list(articles)
    pack_ids = {e.pack for e in events} | {a.pack for a in articles}
    packs = {p: Pack(p, p.title(), "A test pack.", "en", ("tests",), "CC0", f"/tmp/{p}") for p in pack_ids}
    tags = frozenset(t for item in [*events, *articles] for t in item.tags)
    return Library.build(packs, {a.id: a for a in articles}, {e.id: e for e in events}, tags)


def _small_library() -> Library:
    events = [
        make_event(
            "east-german-uprising-1953",
            "Uprising in East Germany",
            "1953-06-17",
            places=("East Berlin",),
            countries=("East Germany",),
            description="Building workers on Stalinallee struck against raised work norms; "
            "the strike became a rising across the country and Soviet tanks crushed it.",
            tags=("uprising", "strike"),
        ),
        make_event(
            "hungarian-revolution-1956",
            "Hungarian Revolution begins",
            "1956-10-23",
            places=("Budapest",),
            countries=("Hungary",),
            description="Students marched in Budapest; by night workers' councils were forming and the "
            "statue of Stalin had been pulled down.",
            tags=("revolution", "students"),
            pack="other",
        ),
        make_event(
            "gdansk-shipyard-strike-1980",
            "Gdańsk shipyard strike",
            "1980-08-14",
            end_date="1980-08-31",
            places=("Gdańsk",),
            countries=("Poland",),
            description="An occupation strike at the Lenin Shipyard that led to the founding of Solidarity.",
            tags=("strike", "occupation"),
        ),
        make_event(
            "vorkuta-uprising-1953",
            "Vorkuta uprising",
            "1953-07-19",
            end_date="1953-08-01",
            places=("Vorkuta",),
            countries=("Soviet Union",),
            description="Prisoners in the Vorkuta camps struck; the strike was ended by shooting.",
            tags=("prison-camp", "strike"),
        ),
        make_event(
            "lodz-insurrection-1905",
            "Łódź insurrection",
            "1905-06-22",
            places=("Łódź",),
            countries=("Poland",),
            description="Textile workers of Łódź rose in June 1905; barricades stood for three days.",
            tags=("uprising",),
        ),
        make_event(
            "may-fourth-1919",
            "五四运动 May Fourth Movement",
            "1919-05-04",
            places=("北京", "Beijing"),
            countries=("China",),
            description="Students in Beijing protested against the Versailles settlement.",
            tags=("students", "protest"),
        ),
        make_event(
            "leap-day-strike-1960",
            "Leap-day dockers' walkout",
            "1960-02-29",
            places=("Hull",),
            countries=("United Kingdom",),
            description="A fictional test event dated 29 February to check the leap-day rule.",
            tags=("strike",),
        ),
        make_event(
            "june-1953-month",
            "Strikes spread in June",
            "1953-06",
            description="An event known only to the month; it never appears on a day.",
        ),
        make_event(
            "year-only-1921",
            "A year of famine",
            "1921",
            places=("Volga",),
            countries=("Soviet Russia",),
            description="An event known only to the year: the famine on the Volga.",
            tags=("famine",),
        ),
        make_event(
            "uprising-mentioned-1970",
            "Coastal strikes",
            "1970-12-14",
            places=("Gdańsk", "Gdynia"),
            countries=("Poland",),
            description="Shipyard workers struck over food prices; some called it an uprising.",
            tags=("strike",),
        ),
    ]
    articles = [
        make_article(
            "tyranny-toppled",
            "Tyranny toppled by its victims",
            short="Revolts by workers and prisoners wore down Stalin's empire.",
            medium="A feature on how revolts from below, from East Berlin to the camps, broke Stalin's empire.",
            tags=("stalinism",),
            events=("east-german-uprising-1953",),
        )
    ]
    return make_library(events, articles)


@pytest.fixture(scope="session")
def small_library() -> Library:
    """Ten events (two packs, one month-precise, one year-precise, one on 29 Feb) and an article."""
    return _small_library()


@pytest.fixture(scope="session")
def shipped_library() -> Library:
    """The library under content/, loaded by the real loader; it must load without issues."""
    from bot.content_loader import load_library

    result = load_library([CONTENT_DIR])
    assert not result.issues, "\n".join(str(i) for i in result.issues[:10])
    assert result.library.events, "the shipped library has no events"
    return result.library


@pytest.fixture
def build_event() -> Callable[..., Event]:
    return make_event


@pytest.fixture
def build_library() -> Callable[..., Library]:
    return make_library


@pytest.fixture
def build_article() -> Callable[..., Article]:
    return make_article
