from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT_DIR, ConfigError, load_settings


def test_defaults() -> None:
    s = load_settings({})
    assert not s.token
    assert s.database_path == Path("data/from_below.sqlite3")
    assert s.content_dirs == (DEFAULT_CONTENT_DIR,)
    assert s.log_level == "INFO"
    assert s.dev_guild_id is None
    assert s.catchup_hours == 6.0


def test_values_are_read() -> None:
    s = load_settings(
        {
            "DISCORD_TOKEN": "abc.def",
            "FROM_BELOW_DATABASE": "/tmp/x.db",
            "FROM_BELOW_EXTRA_CONTENT_DIRS": "/a,/b",
            "FROM_BELOW_LOG_LEVEL": "debug",
            "FROM_BELOW_DEV_GUILD_ID": "123456789012345678",
            "FROM_BELOW_CATCHUP_HOURS": "2.5",
        }
    )
    assert s.token.get() == "abc.def"
    assert s.database_path == Path("/tmp/x.db")
    assert s.content_dirs == (DEFAULT_CONTENT_DIR, Path("/a"), Path("/b"))
    assert s.log_level == "DEBUG"
    assert s.dev_guild_id == 123456789012345678
    assert s.catchup_hours == 2.5
    assert "abc.def" not in repr(s)


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(
            {"FROM_BELOW_LOG_LEVEL": "LOUD", "FROM_BELOW_DEV_GUILD_ID": "abc", "FROM_BELOW_CATCHUP_HOURS": "99"}
        )
    message = info.value.message
    assert "FROM_BELOW_LOG_LEVEL" in message
    assert "FROM_BELOW_DEV_GUILD_ID" in message
    assert "FROM_BELOW_CATCHUP_HOURS" in message


def test_fake_discord_url_must_be_loopback() -> None:
    assert load_settings({"FROM_BELOW_DISCORD_API_URL": "http://127.0.0.1:9/api/v10"}).discord_api_url
    with pytest.raises(ConfigError):
        load_settings({"FROM_BELOW_DISCORD_API_URL": "https://discord.com/api/v10"})
