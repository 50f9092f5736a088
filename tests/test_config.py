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


def test_the_rest_url_may_be_a_proxy_but_the_gateway_override_is_loopback_only() -> None:
    assert load_settings({"FROM_BELOW_DISCORD_API_URL": "http://127.0.0.1:9/api/v10"}).discord_api_url
    proxy = load_settings({"FROM_BELOW_DISCORD_API_URL": "http://nirn-proxy:8080/api/v10"})
    assert proxy.discord_api_url == "http://nirn-proxy:8080/api/v10"
    with pytest.raises(ConfigError, match="http"):
        load_settings({"FROM_BELOW_DISCORD_API_URL": "nirn-proxy:8080"})
    with pytest.raises(ConfigError, match="loopback"):
        load_settings({"FROM_BELOW_DISCORD_GATEWAY_URL": "wss://gateway.example.org"})


def test_a_rest_proxy_leaves_the_gateway_to_discord() -> None:
    import discord
    from discord.gateway import DiscordWebSocket

    from bot.app import point_at_api

    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    try:
        point_at_api(load_settings({"FROM_BELOW_DISCORD_API_URL": "http://nirn-proxy:8080/api/v10"}, dotenv=False))
        assert discord.http.Route.BASE == "http://nirn-proxy:8080/api/v10"
        assert gateway == DiscordWebSocket.DEFAULT_GATEWAY
        point_at_api(load_settings({"FROM_BELOW_DISCORD_API_URL": "http://127.0.0.1:9/api/v10"}, dotenv=False))
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/gateway"
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


def test_the_token_can_come_from_a_file_a_compose_secret(tmp_path: Path) -> None:
    secret = tmp_path / "discord_token"
    secret.write_text("abc.def.ghi\n", encoding="utf-8")
    assert load_settings({"DISCORD_TOKEN_FILE": str(secret)}, dotenv=False).token.get() == "abc.def.ghi"
    with pytest.raises(ConfigError, match="not both"):
        load_settings({"DISCORD_TOKEN_FILE": str(secret), "DISCORD_TOKEN": "x"}, dotenv=False)
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings({"DISCORD_TOKEN_FILE": str(tmp_path / "missing")}, dotenv=False)
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is empty"):
        load_settings({"DISCORD_TOKEN_FILE": str(tmp_path / "empty")}, dotenv=False)


@pytest.mark.parametrize("token", ["abc\ndef", "abc def", "abc\x07def"])
def test_a_token_with_a_line_break_or_space_inside_is_refused_without_showing_it(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"DISCORD_TOKEN": token}, dotenv=False)
    assert "paste it again" in caught.value.message
    assert "abc" not in caught.value.message


@pytest.mark.parametrize(
    ("name", "value"),
    [("FROM_BELOW_GUILD_GRACE_DAYS", "0.5"), ("FROM_BELOW_POST_CONCURRENCY", "2.5")],
)
def test_whole_numbers_are_whole(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"{name} must be a whole number"):
        load_settings({name: value}, dotenv=False)


@pytest.mark.parametrize("guild", ["123456789012345", "1234567890123456", "99999999999999999999", "1" * 21])
def test_a_dev_server_id_is_a_snowflake(guild: str) -> None:
    with pytest.raises(ConfigError, match="FROM_BELOW_DEV_GUILD_ID"):
        load_settings({"FROM_BELOW_DEV_GUILD_ID": guild}, dotenv=False)
    assert load_settings({"FROM_BELOW_DEV_GUILD_ID": "81384788765712384"}, dotenv=False).dev_guild_id


def test_a_postgres_url_selects_postgres_and_never_shows_its_password(tmp_path: Path) -> None:
    url = "postgresql://bot:s3cret@db.internal:5432/from_below?search_path=fb"
    settings = load_settings({"FROM_BELOW_DATABASE": url})
    assert settings.database_target == url
    assert settings.database_label == "postgresql://bot:***@db.internal:5432/from_below?search_path=fb"
    assert "s3cret" not in repr(settings)
    assert settings.heartbeat_path == Path("data") / "heartbeat.json"
    placed = load_settings({"FROM_BELOW_DATABASE": url, "FROM_BELOW_STATE_DIR": str(tmp_path)})
    assert placed.heartbeat_path == tmp_path / "heartbeat.json"
    assert placed.search_cache_path == tmp_path / "search-index.sqlite3"
    sqlite = load_settings({"FROM_BELOW_DATABASE": str(tmp_path / "x" / "bot.sqlite3")})
    assert sqlite.database_target == tmp_path / "x" / "bot.sqlite3"
    assert sqlite.heartbeat_path == tmp_path / "x" / "heartbeat.json"


def test_another_kind_of_database_url_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"file path \(SQLite\) or a postgresql:// URL") as caught:
        load_settings({"FROM_BELOW_DATABASE": "mysql://root:hunter2@localhost/db"})
    assert "hunter2" not in caught.value.message


# --- shards and the global rate (issue 12) ------------------------------------------------------


def test_shards_default_to_every_shard_in_this_process() -> None:
    s = load_settings({})
    assert s.shards.count is None
    assert s.shards.ids is None
    assert s.shards.all_shards
    assert s.global_rate == 50.0


@pytest.mark.parametrize(
    ("count", "ids", "expected"),
    [
        ("8", "0-3", (0, 1, 2, 3)),
        ("8", "4,5,6,7", (4, 5, 6, 7)),
        ("8", " 6, 0-1 ", (0, 1, 6)),
        ("2", "1", (1,)),
        ("4", "3-3", (3,)),
    ],
)
def test_shard_ids_and_count_are_read(count: str, ids: str, expected: tuple[int, ...]) -> None:
    s = load_settings({"FROM_BELOW_SHARD_COUNT": count, "FROM_BELOW_SHARD_IDS": ids, "FROM_BELOW_GLOBAL_RATE": "120"})
    assert s.shards.count == int(count)
    assert s.shards.ids == expected
    assert s.global_rate == 120.0


def test_a_count_alone_runs_every_shard_of_that_count() -> None:
    s = load_settings({"FROM_BELOW_SHARD_COUNT": "4"})
    assert (s.shards.count, s.shards.ids, s.shards.all_shards) == (4, None, True)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"FROM_BELOW_SHARD_COUNT": "2", "FROM_BELOW_SHARD_IDS": "2"}, "shard id 2 does not exist with 2 shard"),
        ({"FROM_BELOW_SHARD_COUNT": "8", "FROM_BELOW_SHARD_IDS": "3-1"}, "is empty"),
        ({"FROM_BELOW_SHARD_COUNT": "8", "FROM_BELOW_SHARD_IDS": "first,second"}, "'first' is not a shard id"),
        ({"FROM_BELOW_SHARD_COUNT": "8", "FROM_BELOW_SHARD_IDS": "0,,1"}, "an empty item"),
        ({"FROM_BELOW_SHARD_COUNT": "8", "FROM_BELOW_SHARD_IDS": "-1"}, "is not a shard id"),
        ({"FROM_BELOW_SHARD_IDS": "0-3"}, "FROM_BELOW_SHARD_IDS needs FROM_BELOW_SHARD_COUNT"),
        ({"FROM_BELOW_SHARD_COUNT": "two"}, "FROM_BELOW_SHARD_COUNT must be a whole number"),
        ({"FROM_BELOW_SHARD_COUNT": "0"}, "FROM_BELOW_SHARD_COUNT must be a whole number"),
        ({"FROM_BELOW_GLOBAL_RATE": "fast"}, "FROM_BELOW_GLOBAL_RATE must be a number"),
        ({"FROM_BELOW_GLOBAL_RATE": "0"}, "FROM_BELOW_GLOBAL_RATE must be between 1"),
    ],
)
def test_shard_settings_that_do_not_fit_are_clear_errors(env: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert words in info.value.message
    problems = info.value.message.splitlines()[1:]
    assert len(problems) == 1, problems  # one problem, one line


def test_shard_problems_are_reported_with_the_others() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"FROM_BELOW_LOG_LEVEL": "LOUD", "FROM_BELOW_SHARD_COUNT": "x", "FROM_BELOW_SHARD_IDS": "0"})
    message = info.value.message
    assert "FROM_BELOW_LOG_LEVEL" in message
    assert "FROM_BELOW_SHARD_COUNT" in message


def test_a_process_on_some_shards_has_its_own_heartbeat_file() -> None:
    base = {"FROM_BELOW_DATABASE": "/data/bot.sqlite3"}
    assert load_settings(base).heartbeat_path == Path("/data/heartbeat.json")
    assert load_settings({**base, "FROM_BELOW_SHARD_COUNT": "4"}).heartbeat_path == Path("/data/heartbeat.json")
    split = load_settings({**base, "FROM_BELOW_SHARD_COUNT": "8", "FROM_BELOW_SHARD_IDS": "0-3"})
    assert split.heartbeat_path == Path("/data/heartbeat-shards-0-3.json")
    everything = load_settings({**base, "FROM_BELOW_SHARD_COUNT": "2", "FROM_BELOW_SHARD_IDS": "0,1"})
    assert everything.heartbeat_path == Path("/data/heartbeat.json")
