"""Configuration: one typed settings object, read once from the environment and ``.env``.

Every variable is documented in ``.env.example`` and the README. Nothing here is read at import
time; ``load_settings()`` is called by the entry point and the result is passed down.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.errors import DomainError
from bot.core.sharding import (
    DEFAULT_GLOBAL_RATE,
    MAX_SHARD_COUNT,
    ShardPlan,
    ShardSpecError,
    format_shard_ids,
    parse_shard_ids,
)

PACKAGE_ROOT = Path(__file__).resolve().parent
#: The shipped library: ``content/`` beside the package (a source checkout or the Docker image).
DEFAULT_CONTENT_DIR = PACKAGE_ROOT.parent / "content"
DEFAULT_DATABASE = Path("data") / "from_below.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(DomainError):
    """A setting is missing or malformed. The message says which one and how to fix it."""


@dataclass(frozen=True)
class Secret:
    """A value that never shows itself in logs, reprs or tracebacks."""

    _value: str = field(repr=False)

    def get(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    token: Secret
    database_path: Path
    content_dirs: tuple[Path, ...]
    log_level: str = "INFO"
    dev_guild_id: int | None = None
    catchup_hours: float = 6.0
    guild_grace_days: int = 30
    post_concurrency: int = 8
    #: Where the code of this deployment can be read (shown by /about).
    source_url: str = ""
    #: Test-only: the base URL of a fake Discord REST API (see tests/fakediscord).
    discord_api_url: str | None = None
    #: Tests only: the fake Discord's gateway (loopback).
    discord_gateway_url: str | None = None
    #: This process's shards (``FROM_BELOW_SHARD_COUNT``/``FROM_BELOW_SHARD_IDS``); default: all.
    shards: ShardPlan = field(default_factory=ShardPlan)
    #: Discord's REST requests per second for the whole bot (every process together).
    global_rate: float = DEFAULT_GLOBAL_RATE

    @property
    def heartbeat_path(self) -> Path:
        """Where the running bot writes its health heartbeat (read by ``python -m bot health``).

        A process that runs some of the shards has its own (``heartbeat-shards-0-3.json``), so
        processes sharing a data folder do not overwrite each other's.
        """
        if self.shards.all_shards or self.shards.ids is None:
            return self.database_path.parent / "heartbeat.json"
        return self.database_path.parent / f"heartbeat-shards-{format_shard_ids(self.shards.ids)}.json"

    @property
    def search_cache_path(self) -> Path:
        return self.database_path.parent / "search-index.sqlite3"


def _split_dirs(value: str) -> list[Path]:
    parts: list[str] = []
    for chunk in value.split(os.pathsep):
        parts.extend(chunk.split(","))
    return [Path(p.strip()).expanduser() for p in parts if p.strip()]


def load_dotenv_file(path: Path | None = None) -> None:
    """Load ``.env`` (from the working directory unless given) without overriding real variables."""
    from dotenv import load_dotenv

    target = path if path is not None else Path.cwd() / ".env"
    if target.is_file():
        load_dotenv(target, override=False)


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build :class:`Settings` from the environment (and ``.env``). Raises :class:`ConfigError`."""
    if env is None:
        if dotenv:
            load_dotenv_file()
        env = os.environ
    problems: list[str] = []

    token = _token(env, problems)

    db_raw = env.get("FROM_BELOW_DATABASE", "").strip()
    database_path = Path(db_raw).expanduser() if db_raw else DEFAULT_DATABASE

    shipped_raw = env.get("FROM_BELOW_CONTENT_DIR", "").strip()
    shipped = Path(shipped_raw).expanduser() if shipped_raw else DEFAULT_CONTENT_DIR
    extra = _split_dirs(env.get("FROM_BELOW_EXTRA_CONTENT_DIRS", ""))
    content_dirs = tuple(dict.fromkeys([shipped, *extra]))

    level = env.get("FROM_BELOW_LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        problems.append(f"FROM_BELOW_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got {level[:20]!r})")

    dev_guild: int | None = None
    raw_guild = env.get("FROM_BELOW_DEV_GUILD_ID", "").strip()
    if raw_guild:
        if is_snowflake(raw_guild):
            dev_guild = int(raw_guild)
        else:
            problems.append(
                f"FROM_BELOW_DEV_GUILD_ID must be a server id (a number of 17-20 digits), got {raw_guild[:30]!r}"
            )

    catchup = _number(env, "FROM_BELOW_CATCHUP_HOURS", 6.0, 0.0, 23.0, problems)
    grace = int(_number(env, "FROM_BELOW_GUILD_GRACE_DAYS", 30, 0, 3650, problems, whole=True))
    concurrency = int(_number(env, "FROM_BELOW_POST_CONCURRENCY", 8, 1, 64, problems, whole=True))

    api_url = env.get("FROM_BELOW_DISCORD_API_URL", "").strip() or None
    if api_url is not None and not api_url.startswith(("https://", "http://")):
        problems.append(f"FROM_BELOW_DISCORD_API_URL must be an http(s) URL, got {api_url[:60]!r}")
    gateway_url = env.get("FROM_BELOW_DISCORD_GATEWAY_URL", "").strip() or None
    if gateway_url is not None and not is_loopback_url(gateway_url):
        problems.append("FROM_BELOW_DISCORD_GATEWAY_URL is for tests only and must point at a loopback address")

    shards = _shards(env, problems)
    global_rate = _number(env, "FROM_BELOW_GLOBAL_RATE", DEFAULT_GLOBAL_RATE, 1.0, 100_000.0, problems)

    source = env.get("FROM_BELOW_SOURCE_URL", "").strip()
    if source and not source.startswith(("https://", "http://")):
        problems.append(f"FROM_BELOW_SOURCE_URL must be an http(s) URL, got {source[:40]!r}")

    if problems:
        raise ConfigError("Configuration problem:\n  - " + "\n  - ".join(problems))
    return Settings(
        token=Secret(token),
        database_path=database_path,
        content_dirs=content_dirs,
        log_level=level,
        dev_guild_id=dev_guild,
        catchup_hours=catchup,
        guild_grace_days=grace,
        post_concurrency=concurrency,
        discord_api_url=api_url,
        discord_gateway_url=gateway_url,
        source_url=source,
        shards=shards,
        global_rate=global_rate,
    )


def is_loopback_url(url: str) -> bool:
    """An http(s) or ws(s) URL on this machine (the test fake Discord)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0] if "://" in url else ""
    return host in ("localhost", "[::1]") or host.startswith("127.")


def is_snowflake(text: str) -> bool:
    """A Discord id: 17 to 20 digits that fit in 64 bits."""
    return text.isdigit() and 17 <= len(text) <= 20 and int(text) < 2**64


def _token(env: Mapping[str, str], problems: list[str]) -> str:
    """``DISCORD_TOKEN``, or the contents of the file ``DISCORD_TOKEN_FILE`` names (a Compose secret)."""
    token = env.get("DISCORD_TOKEN", "").strip()
    token_file = env.get("DISCORD_TOKEN_FILE", "").strip()
    if token_file:
        if token:
            problems.append("set DISCORD_TOKEN or DISCORD_TOKEN_FILE, not both")
            return ""
        try:
            token = Path(token_file).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                f"DISCORD_TOKEN_FILE: cannot read {token_file[:200]}: {getattr(exc, 'strerror', None) or exc}"
            )
            return ""
        if not token:
            problems.append(f"DISCORD_TOKEN_FILE: {token_file[:200]} is empty")
    if token and any(ch.isspace() or not ch.isprintable() for ch in token):
        # A token has no spaces or line breaks: one pasted with them is cut or doubled.
        problems.append("DISCORD_TOKEN contains a space, a line break or a control character: paste it again")
        return ""
    return token


def _shards(env: Mapping[str, str], problems: list[str]) -> ShardPlan:
    """``FROM_BELOW_SHARD_COUNT`` and ``FROM_BELOW_SHARD_IDS``; every problem goes to ``problems``."""
    raw_count = env.get("FROM_BELOW_SHARD_COUNT", "").strip()
    raw_ids = env.get("FROM_BELOW_SHARD_IDS", "").strip()
    count: int | None = None
    if raw_count:
        if raw_count.isdigit() and 1 <= int(raw_count) <= MAX_SHARD_COUNT:
            count = int(raw_count)
        else:
            problems.append(
                f"FROM_BELOW_SHARD_COUNT must be a whole number of shards from 1 to {MAX_SHARD_COUNT} "
                f"(the total over every process), got {raw_count[:20]!r}"
            )
    if not raw_ids:
        return ShardPlan(count=count)
    if not raw_count:
        problems.append(
            "FROM_BELOW_SHARD_IDS needs FROM_BELOW_SHARD_COUNT (the total number of shards over every process), "
            "or unset both to run every shard in this process"
        )
        return ShardPlan()
    if count is None:
        return ShardPlan()  # the count's own problem is already reported
    try:
        return ShardPlan(count=count, ids=parse_shard_ids(raw_ids, count))
    except ShardSpecError as exc:
        problems.append(f"FROM_BELOW_SHARD_IDS ({raw_ids[:40]!r}): {exc}; write ids like 0-3 or 4,5,6,7")
        return ShardPlan()


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    low: float,
    high: float,
    problems: list[str],
    *,
    whole: bool = False,
) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(int(raw)) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        problems.append(f"{name} must be {kind}, got {raw[:20]!r}")
        return default
    if not low <= value <= high:
        problems.append(f"{name} must be between {low:g} and {high:g}, got {value:g}")
        return default
    return value


def log_level_number(settings: Settings) -> int:
    return int(logging.getLevelName(settings.log_level))
