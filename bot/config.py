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
from bot.storage.database import redact_url

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
    #: A ``postgresql://`` URL from ``FROM_BELOW_DATABASE`` (empty: SQLite at ``database_path``).
    #: A Secret, since the URL may carry a password.
    database_url: Secret = field(default_factory=lambda: Secret(""))
    #: ``FROM_BELOW_DATA_DIR``: where the heartbeat and the search cache live (default: the
    #: SQLite file's folder, or ``data/`` with PostgreSQL).
    data_dir: Path | None = None

    @property
    def data_folder(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir
        return DEFAULT_DATABASE.parent if self.database_url else self.database_path.parent

    @property
    def heartbeat_path(self) -> Path:
        """Where the running bot writes its health heartbeat (read by ``python -m bot health``)."""
        return self.data_folder / "heartbeat.json"

    @property
    def search_cache_path(self) -> Path:
        return self.data_folder / "search-index.sqlite3"

    @property
    def database_target(self) -> str | Path:
        """What to open: the PostgreSQL URL, or the SQLite file."""
        return self.database_url.get() if self.database_url else self.database_path

    @property
    def database_label(self) -> str:
        """The database for messages and logs: the file, or the URL without its password."""
        return redact_url(self.database_url.get()) if self.database_url else str(self.database_path)


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
    database_url = ""
    database_path = DEFAULT_DATABASE
    if "://" in db_raw[:20]:
        if db_raw.startswith(("postgresql://", "postgres://")):
            database_url = db_raw
        else:
            problems.append(
                "FROM_BELOW_DATABASE must be a file path (SQLite) or a postgresql:// URL, "
                f"got {redact_url(db_raw)[:60]!r}"
            )
    elif db_raw:
        database_path = Path(db_raw).expanduser()
    data_raw = env.get("FROM_BELOW_DATA_DIR", "").strip()
    data_dir = Path(data_raw).expanduser() if data_raw else None

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
    if api_url is not None and not api_url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        problems.append("FROM_BELOW_DISCORD_API_URL is for tests only and must point at a loopback address")

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
        source_url=source,
        database_url=Secret(database_url),
        data_dir=data_dir,
    )


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
