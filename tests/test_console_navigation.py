"""The console: an unknown or misspelt option is an error with a suggestion; ``open N`` past the
end and ``back`` get clear answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.console import BY_PATH, parse_command, parse_options
from bot.core.errors import UserInputError

ROOT = Path(__file__).resolve().parents[1]


def run_console(script: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "FROM_BELOW_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--database", str(database), "--plain"],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=database.parent,
        timeout=120,
        check=False,
    )


def answers(output: str) -> list[tuple[str, str]]:
    """Each echoed command and what followed it, in order."""
    found: list[tuple[str, list[str]]] = []
    for line in output.splitlines():
        if line.startswith("from-below> "):
            found.append((line.removeprefix("from-below> "), []))
        elif found:
            found[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in found]


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("/event search strike yaer:1953", "`/event search` has no option `yaer`. Did you mean `year:`?"),
        ("/event search strike yaer: 1953", "has no option `yaer`. Did you mean `year:`?"),
        ("/event search strike tags:strike", "has no option `tags`. Did you mean `tag:`?"),
        ("/event search strike from:1953", "has no option `from`. Did you mean `from_year:`?"),
        ("/timeline form_year:1953", "`/timeline` has no option `form_year`. Did you mean `from_year:`?"),
        ("/event search strike colour:red", "`/event search` has no option `colour`. Its options are `query:`"),
        ("/article show tyranny lenght:long", "`/article show` has no option `lenght`. Did you mean `length:`?"),
        ("/onthisday dat:17 june", "`/onthisday` has no option `dat`. Did you mean `date:`?"),
    ],
)
def test_an_unknown_option_is_an_error_with_a_suggestion(typed: str, says: str) -> None:
    with pytest.raises(UserInputError) as info:
        parse_command(typed)
    assert says in info.value.message


@pytest.mark.parametrize(
    ("typed", "option", "value"),
    [
        # A colon followed by a space, after a word that is no option's near spelling, is text.
        ("/event search the plan: general strike", "query", "the plan: general strike"),
        ("/event search https://example.org/strike", "query", "https://example.org/strike"),
        (
            "/settings packs Toppled from below: rulers brought down by the people they ruled, 1871 to today",
            "packs",
            "Toppled from below: rulers brought down by the people they ruled, 1871 to today",
        ),
        ("/settings time 9:30", "time", "9:30"),
        ("/event search strike year:1953", "year", 1953),
    ],
)
def test_text_with_colons_is_still_text(typed: str, option: str, value: object) -> None:
    assert parse_command(typed).values[option] == value


def test_unknown_options_are_refused_in_every_option_not_only_the_first() -> None:
    with pytest.raises(UserInputError, match="no option `yaer`"):
        parse_options(BY_PATH["event search"], "query:strike place:berlin yaer:1953")


def test_open_past_the_end_back_and_nothing_to_go_back_to(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "back",
            "/onthisday 17 june",
            "open 99",
            "open two",
            "open 1",
            "open 1",
            "back",
            "back",
            "/event search strike yaer:1953",
        ]
    )
    result = run_console(script + "\n", tmp_path / "db.sqlite3")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    steps = answers(result.stdout)
    assert [command for command, _ in steps] == script.split("\n")
    out = [text for _, text in steps]
    assert out[0] == (
        "There is nothing to go back to: back returns to the list you were in before opening something "
        "or running another command."
    )
    listing = out[1]
    items = sum(1 for line in listing.splitlines() if line.startswith("[  ") and ". " in line)
    assert items >= 2
    assert out[2] == f"There is no item 99 here: this list has {items} items, so type open 1 to open {items}."
    assert out[3] == f"Open which one? Type open 1 to open {items}."
    first_event = out[4].splitlines()[0]
    assert first_event in listing  # the first item opened
    assert out[5].splitlines()[0] != first_event  # a related event of it
    # back returns to the day's listing (however many items were opened from it), with its menu
    assert out[6] == listing
    assert out[7].startswith("There is nothing to go back to")
    # a misspelt option searches for nothing
    assert "has no option yaer. Did you mean year:?" in out[8]
    assert "for strike" not in out[8]
