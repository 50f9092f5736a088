"""A fake Discord (REST v10 + Gateway v10) on 127.0.0.1 for end-to-end tests of discord.py bots.

See ``server.FakeDiscord`` for the API and ``tests/e2e/test_fake_selfcheck.py`` for examples.
"""

from . import checks, payloads
from .payloads import option, subcommand
from .server import (
    ENV_API_URL,
    ENV_GATEWAY_URL,
    FakeDiscord,
    GatewayEvent,
    install_discord_url_env,
    point_discord_py_at,
)
from .state import FakeGuild, FakeState, FakeUser, Fault, InteractionRecord, RecordedRequest, default_state

__all__ = [
    "ENV_API_URL",
    "ENV_GATEWAY_URL",
    "FakeDiscord",
    "FakeGuild",
    "FakeState",
    "FakeUser",
    "Fault",
    "GatewayEvent",
    "InteractionRecord",
    "RecordedRequest",
    "checks",
    "default_state",
    "install_discord_url_env",
    "option",
    "payloads",
    "point_discord_py_at",
    "subcommand",
]
