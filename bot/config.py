"""Configuration: one typed settings object, read once from the environment and ``.env``.

:class:`Settings` is a pydantic-settings model: each field names its environment variable, the
token is a secret that never prints itself, and every problem with every variable is reported
together (:class:`ConfigError`, exit 2 in the CLI). Every variable is documented in
``.env.example`` and the README. Nothing is read at import time: ``load_settings()`` is called
by the entry point and the result passed down.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.errors import DomainError
from bot.core.sharding import (
    DEFAULT_GLOBAL_RATE,
    MAX_SHARD_COUNT,
    ShardPlan,
    ShardSpecError,
    format_shard_ids,
    parse_shard_ids,
)
from bot.storage.database import redact_url

PACKAGE_ROOT = Path(__file__).resolve().parent
#: The shipped library: ``content/`` beside the package (a source checkout or the Docker image).
DEFAULT_CONTENT_DIR = PACKAGE_ROOT.parent / "content"
DEFAULT_DATABASE = Path("data") / "from_below.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
PREFIX = "FROM_BELOW_"


class ConfigError(DomainError):
    """A setting is missing or malformed. The message says which one and how to fix it."""


class Secret(SecretStr):
    """A value that never shows itself in logs, reprs or tracebacks."""

    def get(self) -> str:
        """The secret itself, for the one place that needs it (logging in to Discord)."""
        return self.get_secret_value()

    def __bool__(self) -> bool:
        return bool(self.get_secret_value())

    def __repr__(self) -> str:
        return "Secret('**********')" if self else "Secret('')"


def is_loopback_url(url: str) -> bool:
    """An http(s) or ws(s) URL on this machine (the test fake Discord)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0] if "://" in url else ""
    return host in ("localhost", "[::1]") or host.startswith("127.")


def is_snowflake(text: str) -> bool:
    """A Discord id: 17 to 20 digits that fit in 64 bits."""
    return text.isdigit() and 17 <= len(text) <= 20 and int(text) < 2**64


def _split_dirs(value: str) -> list[Path]:
    parts: list[str] = []
    for chunk in value.split(os.pathsep):
        parts.extend(chunk.split(","))
    return [Path(p.strip()).expanduser() for p in parts if p.strip()]


def _env(name: str) -> Any:
    """A field read from the environment variable ``name`` (or given by its field name)."""
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every setting of the bot, each from its environment variable."""

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="ignore", env_ignore_empty=True)

    token: Secret = Field(default=Secret(""), validation_alias=AliasChoices("token", "DISCORD_TOKEN"))
    #: Read by :meth:`_token_from_file` into ``token``; listed so it counts as a known variable.
    token_file: Path | None = Field(default=None, validation_alias=AliasChoices("token_file", "DISCORD_TOKEN_FILE"))
    database_path: Path = Field(
        default=DEFAULT_DATABASE, validation_alias=AliasChoices("database_path", "FROM_BELOW_DATABASE")
    )
    content_dir: Path = Field(
        default=DEFAULT_CONTENT_DIR, validation_alias=AliasChoices("content_dir", "FROM_BELOW_CONTENT_DIR")
    )
    extra_content_dirs: str = Field(
        default="", validation_alias=AliasChoices("extra_content_dirs", "FROM_BELOW_EXTRA_CONTENT_DIRS")
    )
    content_dirs_given: tuple[Path, ...] | None = Field(default=None, validation_alias=AliasChoices("content_dirs"))
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("log_level", "FROM_BELOW_LOG_LEVEL"))
    dev_guild_id: int | None = Field(
        default=None, validation_alias=AliasChoices("dev_guild_id", "FROM_BELOW_DEV_GUILD_ID")
    )
    catchup_hours: float = Field(
        default=6.0, ge=0, le=23, validation_alias=AliasChoices("catchup_hours", "FROM_BELOW_CATCHUP_HOURS")
    )
    guild_grace_days: int = Field(
        default=30, ge=0, le=3650, validation_alias=AliasChoices("guild_grace_days", "FROM_BELOW_GUILD_GRACE_DAYS")
    )
    post_concurrency: int = Field(
        default=8, ge=1, le=64, validation_alias=AliasChoices("post_concurrency", "FROM_BELOW_POST_CONCURRENCY")
    )
    #: Minutes Discord's gateway may stay unreachable before the process exits (0 = never).
    reconnect_give_up_minutes: int = Field(
        default=15,
        ge=0,
        le=1440,
        validation_alias=AliasChoices("reconnect_give_up_minutes", "FROM_BELOW_RECONNECT_GIVE_UP_MINUTES"),
    )
    #: Where the code of this deployment can be read (shown by /about).
    source_url: str = Field(default="", validation_alias=AliasChoices("source_url", "FROM_BELOW_SOURCE_URL"))
    #: Discord's REST API base: unset for discord.com, or a shared rate-limiting REST proxy.
    discord_api_url: str | None = Field(
        default=None, validation_alias=AliasChoices("discord_api_url", "FROM_BELOW_DISCORD_API_URL")
    )
    #: Tests only: the fake Discord's gateway (loopback).
    discord_gateway_url: str | None = Field(
        default=None, validation_alias=AliasChoices("discord_gateway_url", "FROM_BELOW_DISCORD_GATEWAY_URL")
    )
    #: A ``postgresql://`` URL given as ``FROM_BELOW_DATABASE`` (empty: SQLite at ``database_path``).
    #: A secret, since the URL may carry a password.
    database_url: Secret = Field(default=Secret(""), validation_alias=AliasChoices("database_url"))
    #: Where the heartbeat and the search cache live (default: the SQLite file's folder, or
    #: ``data/`` with PostgreSQL).
    data_dir: Path | None = Field(default=None, validation_alias=AliasChoices("data_dir", "FROM_BELOW_STATE_DIR"))
    #: The bot's total number of shards over every process (None: as Discord recommends).
    shard_count: int | None = Field(
        default=None, validation_alias=AliasChoices("shard_count", "FROM_BELOW_SHARD_COUNT")
    )
    #: This process's shards (None: every shard).
    shard_ids: tuple[int, ...] | None = Field(
        default=None, validation_alias=AliasChoices("shard_ids", "FROM_BELOW_SHARD_IDS")
    )
    #: Discord's REST requests per second for the whole bot (every process together).
    global_rate: float = Field(
        default=DEFAULT_GLOBAL_RATE,
        ge=1,
        le=100_000,
        validation_alias=AliasChoices("global_rate", "FROM_BELOW_GLOBAL_RATE"),
    )
    #: Problems that do not stop the bot (a misspelt variable), one line each: ``run`` logs them
    #: at start, the other commands print them. Set by :func:`load_settings`, not by a variable.
    warnings: tuple[str, ...] = Field(default=(), validation_alias=AliasChoices("warnings"))

    @property
    def content_dirs(self) -> tuple[Path, ...]:
        """The shipped content folder first, then the operator's extra ones (no repeats)."""
        if self.content_dirs_given is not None:
            return self.content_dirs_given
        return tuple(dict.fromkeys([self.content_dir.expanduser(), *_split_dirs(self.extra_content_dirs)]))

    @property
    def data_folder(self) -> Path:
        """``FROM_BELOW_STATE_DIR``, else the SQLite file's folder (``data/`` with PostgreSQL)."""
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        return DEFAULT_DATABASE.parent if self.database_url else self.database_path.parent

    @property
    def shards(self) -> ShardPlan:
        """This process's shards (``FROM_BELOW_SHARD_COUNT``/``FROM_BELOW_SHARD_IDS``); default: all."""
        return ShardPlan(self.shard_count, self.shard_ids)

    @property
    def heartbeat_path(self) -> Path:
        """Where the running bot writes its health heartbeat (read by ``python -m bot health``).

        A process that runs some of the shards has its own (``heartbeat-shards-0-3.json``), so
        processes sharing a data folder do not overwrite each other's.
        """
        plan = self.shards
        if plan.all_shards or plan.ids is None:
            return self.data_folder / "heartbeat.json"
        return self.data_folder / f"heartbeat-shards-{format_shard_ids(plan.ids)}.json"

    @property
    def search_cache_path(self) -> Path:
        """Where the search index is cached between starts."""
        return self.data_folder / "search-index.sqlite3"

    @property
    def database_target(self) -> str | Path:
        """What to open: the PostgreSQL URL, or the SQLite file."""
        return self.database_url.get() if self.database_url else self.database_path

    @property
    def database_label(self) -> str:
        """The database for messages and logs: the file, or the URL without its password."""
        return redact_url(self.database_url.get()) if self.database_url else str(self.database_path)

    @property
    def console_database_path(self) -> Path:
        """The console's own database, beside the bot's: the bot never acts on the console's
        pretend server (``python -m bot console --database`` chooses another)."""
        return self.data_folder / "console.sqlite3"

    # --- checks (pydantic reports every failing one together) ----------------------------

    @field_validator("database_path", "content_dir", mode="after")
    @classmethod
    def _expand_user(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: Any) -> str:
        level = str(value).strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)} (got {level[:20]!r})")
        return level

    @field_validator("dev_guild_id", mode="before")
    @classmethod
    def _snowflake(cls, value: Any) -> int | None:
        if value is None or isinstance(value, int):
            return value
        text = str(value).strip()
        if not is_snowflake(text):
            raise ValueError(f"must be a server id (a number of 17-20 digits), got {text[:30]!r}")
        return int(text)

    @field_validator("guild_grace_days", "post_concurrency", "reconnect_give_up_minutes", mode="before")
    @classmethod
    def _whole(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise ValueError(f"must be a whole number, got {value.strip()[:20]!r}") from None
        return value

    @field_validator("shard_count", mode="before")
    @classmethod
    def _shard_count(cls, value: Any) -> int | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= MAX_SHARD_COUNT:
            raise ValueError(
                f"must be a whole number of shards from 1 to {MAX_SHARD_COUNT} (the total over every process), "
                f"got {text[:20]!r}"
            )
        return int(text)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: Any) -> tuple[int, ...] | None:
        if value is None or isinstance(value, tuple):
            return value
        text = str(value)
        try:
            return parse_shard_ids(text)
        except ShardSpecError as exc:
            raise ValueError(f"({text.strip()[:40]!r}): {exc}; write ids like 0-3 or 4,5,6,7") from None

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError(
                "FROM_BELOW_SHARD_IDS needs FROM_BELOW_SHARD_COUNT (the total number of shards over every "
                "process), or unset both to run every shard in this process"
            )
        try:
            ShardPlan(self.shard_count, self.shard_ids)
        except ShardSpecError as exc:
            shown = format_shard_ids(self.shard_ids)
            raise ValueError(f"FROM_BELOW_SHARD_IDS ({shown!r}): {exc}; write ids like 0-3 or 4,5,6,7") from None
        return self

    @field_validator("discord_api_url", "source_url", mode="before")
    @classmethod
    def _http_url(cls, value: Any) -> str | None:
        text = str(value or "").strip()
        if text and not text.startswith(("https://", "http://")):
            raise ValueError(f"must be an http(s) URL, got {text[:60]!r}")
        return text or None if value is None else text

    @field_validator("discord_gateway_url", mode="before")
    @classmethod
    def _loopback(cls, value: Any) -> str | None:
        text = str(value or "").strip()
        if text and not is_loopback_url(text):
            raise ValueError("is for tests only and must point at a loopback address")
        return text or None

    @model_validator(mode="before")
    @classmethod
    def _database_url(cls, data: Any) -> Any:
        """``FROM_BELOW_DATABASE`` is a file path (SQLite) or a ``postgresql://`` URL."""
        if not isinstance(data, dict):
            return data
        values = dict(data)
        for key in ("FROM_BELOW_DATABASE", "database_path"):
            raw = values.get(key)
            if isinstance(raw, str) and "://" in raw[:20]:
                text = raw.strip()
                if not text.startswith(("postgresql://", "postgres://")):
                    raise ValueError(
                        "FROM_BELOW_DATABASE must be a file path (SQLite) or a postgresql:// URL, "
                        f"got {redact_url(text)[:60]!r}"
                    )
                del values[key]
                values["database_url"] = text
        return values

    @model_validator(mode="before")
    @classmethod
    def _token_from_file(cls, data: Any) -> Any:
        """``DISCORD_TOKEN``, or the contents of the file ``DISCORD_TOKEN_FILE`` names (a Compose secret)."""
        if not isinstance(data, dict):
            return data
        values = dict(data)
        token_file = values.pop("DISCORD_TOKEN_FILE", None) or values.pop("token_file", None)
        if token_file is None:
            return values
        given = values.get("DISCORD_TOKEN") or values.get("token")
        if given:
            raise ValueError("set DISCORD_TOKEN or DISCORD_TOKEN_FILE, not both")
        shown = str(token_file)[:200]
        try:
            token = Path(str(token_file)).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise ValueError(f"DISCORD_TOKEN_FILE: cannot read {shown}: {reason}") from None
        if not token:
            raise ValueError(f"DISCORD_TOKEN_FILE: {shown} is empty")
        values["DISCORD_TOKEN"] = token
        return values

    @field_validator("database_url", mode="before")
    @classmethod
    def _secret_url(cls, value: Any) -> Any:
        return value if isinstance(value, Secret) else Secret(str(value or "").strip())

    @field_validator("token", mode="before")
    @classmethod
    def _clean_token(cls, value: Any) -> Any:
        token = value.get_secret_value() if isinstance(value, SecretStr) else str(value or "")
        token = token.strip()
        if any(ch.isspace() or not ch.isprintable() for ch in token):
            # A token has no spaces or line breaks: one pasted with them is cut or doubled.
            raise ValueError("contains a space, a line break or a control character: paste it again")
        return Secret(token)


#: Every environment variable the settings read.
VARIABLES: tuple[str, ...] = tuple(
    alias
    for info in Settings.model_fields.values()
    if isinstance(info.validation_alias, AliasChoices)
    for alias in info.validation_alias.choices
    if isinstance(alias, str) and alias.isupper()
)


_FIELD_OF = {
    alias: name
    for name, info in Settings.model_fields.items()
    if isinstance(info.validation_alias, AliasChoices)
    for alias in info.validation_alias.choices
    if isinstance(alias, str)
}


def _problem(error: Mapping[str, Any]) -> str:
    """One line for one pydantic error, naming the environment variable."""
    location = error.get("loc") or ()
    where = str(location[0]) if location else ""
    field = _FIELD_OF.get(where, where)
    variable = where if where.isupper() else next((v for v in VARIABLES if _FIELD_OF.get(v) == field), where)
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    kind = error.get("type")
    if kind in ("int_parsing", "float_parsing"):
        wanted = "a whole number" if kind == "int_parsing" else "a number"
        message = f"must be {wanted}, got {str(error.get('input', ''))[:20]!r}"
    elif kind in ("greater_than_equal", "less_than_equal") and field in Settings.model_fields:
        low, high = _bounds(field)
        message = f"must be between {low:g} and {high:g}, got {error.get('input')}"
    return f"{variable} {message}" if variable else message


def _bounds(field: str) -> tuple[float, float]:
    info = Settings.model_fields[field]
    low = next((m.ge for m in info.metadata if hasattr(m, "ge")), float("-inf"))
    high = next((m.le for m in info.metadata if hasattr(m, "le")), float("inf"))
    return float(low), float(high)


def load_dotenv_file(path: Path | None = None) -> dict[str, str]:
    """The variables of ``.env`` (in the working directory unless given); real variables win."""
    target = path if path is not None else Path.cwd() / ".env"
    if not target.is_file():
        return {}
    return {k: v for k, v in dotenv_values(target).items() if v is not None}


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build :class:`Settings` from ``env`` (default: the environment over ``.env``).

    Raises :class:`ConfigError` listing every problem at once; the token is never in it.
    """
    from_dotenv: frozenset[str] = frozenset()
    if env is None:
        from_file = load_dotenv_file() if dotenv else {}
        from_dotenv = frozenset(name for name in from_file if name not in os.environ)
        env = {**from_file, **os.environ}
    values: dict[str, Any] = {k: v for k, v in env.items() if k in VARIABLES and str(v).strip()}
    values["warnings"] = tuple(variable_warnings(env, from_dotenv))
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = [_problem(e) for e in exc.errors(include_url=False, include_input=True)]
        raise ConfigError("Configuration problem:\n  - " + "\n  - ".join(problems)) from None


def unknown_variables(env: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """``FROM_BELOW_*`` variables no setting reads, each with the closest known name (or None).

    Names are compared whole (difflib); ``FROM_BELOW_TOKEN`` and ``FROM_BELOW_TOKEN_FILE`` stand
    for ``DISCORD_TOKEN`` and ``DISCORD_TOKEN_FILE``, what someone who writes them means. Below a
    likeness of 0.7 there is no suggestion (``FROM_BELOW_XYZZY`` is like nothing).
    """
    candidates = {v: v for v in VARIABLES if v.startswith(PREFIX)}
    candidates[f"{PREFIX}TOKEN"] = "DISCORD_TOKEN"
    candidates[f"{PREFIX}TOKEN_FILE"] = "DISCORD_TOKEN_FILE"
    found: list[tuple[str, str | None]] = []
    for name in sorted(env):
        if not name.startswith(PREFIX) or name in VARIABLES or name.startswith(f"{PREFIX}TEST_"):
            continue
        close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.7)
        found.append((name, candidates[close[0]] if close else None))
    return found


def variable_warnings(env: Mapping[str, str], from_dotenv: frozenset[str] = frozenset()) -> list[str]:
    """One warning line per :func:`unknown_variables` entry, saying where it was set.

    Such a variable is ignored, so a misspelling (``FROM_BELOW_DB_PATH``) would otherwise leave
    the default in place without a word.
    """
    lines: list[str] = []
    for name, closest in unknown_variables(env):
        where = "in .env" if name in from_dotenv else "in the environment"
        hint = f"did you mean {closest}? " if closest else ""
        lines.append(
            f"{name[:60]} ({where}) is not a From Below setting and is ignored: {hint}.env.example lists every setting"
        )
    return lines


def log_level_number(settings: Settings) -> int:
    """The logging module's number for the configured level."""
    return int(logging.getLevelName(settings.log_level))
