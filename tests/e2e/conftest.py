"""Fixtures for end-to-end tests against the fake Discord (``tests/fakediscord``) on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:  # make ``fakediscord`` importable however pytest was started
    sys.path.insert(0, _TESTS_DIR)

from fakediscord import FakeDiscord, point_discord_py_at  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A started fake on 127.0.0.1:<ephemeral> with a short heartbeat, closed after the test.

    Every body the bot sent must pass the fake's Discord limit checks; the fixture fails the test
    otherwise (``fake.state.problems`` lists them).
    """
    server = FakeDiscord(heartbeat_interval_ms=500)
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    problems = [f"{r.method} {r.path}: {p}" for r, p in server.state.problems]
    assert server.expect_invalid_bodies or not problems, "bodies that break Discord's documented limits:\n" + "\n".join(
        problems
    )


@pytest.fixture
def discord_py_at_fake(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Point discord.py in this process at ``fake`` (REST base + gateway), restored afterwards."""
    undo = point_discord_py_at(fake.api_url, fake.gateway_url)
    try:
        yield fake
    finally:
        undo()
