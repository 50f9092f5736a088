"""``python -m bot health``: the Docker ``HEALTHCHECK``, from the heartbeat file the bot writes.

Run every 30 seconds, so it imports neither discord.py nor the database.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import ConfigError, load_settings
from bot.services.health import DEFAULT_MAX_AGE, DEFAULT_SHARD_GRACE, check_health

EXIT_HEALTHY = 0
#: Docker treats 1 as "unhealthy" (2 is reserved), so every failure, even a bad setting, is 1.
EXIT_UNHEALTHY = 1


def _positive_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {raw!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _non_negative_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {raw!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be 0 seconds or more")
    return value


def cmd_health(args: argparse.Namespace) -> int:
    path: Path | None = args.file
    if path is None:
        try:
            path = load_settings().heartbeat_path
        except ConfigError as exc:
            one_line = "; ".join(part.strip(" -") for part in exc.message.splitlines()[1:]) or exc.message
            sys.stdout.write(f"unhealthy: configuration problem: {one_line}\n")
            return EXIT_UNHEALTHY
    status = check_health(path, datetime.now(UTC), args.max_age, args.shard_grace)
    sys.stdout.write(status.reason + "\n")
    return EXIT_HEALTHY if status.healthy else EXIT_UNHEALTHY


def configure(parser: argparse.ArgumentParser, name: str) -> None:
    parser.description = (
        "Exit 0 if the running bot is connected to Discord (every shard of this process, each "
        "allowed --shard-grace seconds to reconnect) and its scheduler ticked recently, "
        "else exit 1. Prints one line saying why. Used by the Docker HEALTHCHECK."
    )
    parser.add_argument(
        "--max-age",
        type=_positive_seconds,
        default=DEFAULT_MAX_AGE,
        metavar="SECONDS",
        help=f"how old the heartbeat and scheduler tick may be (default {DEFAULT_MAX_AGE:g})",
    )
    parser.add_argument(
        "--shard-grace",
        type=_non_negative_seconds,
        default=DEFAULT_SHARD_GRACE,
        metavar="SECONDS",
        help=(
            f"how long one of this process's shards may be disconnected (resuming or reconnecting) "
            f"before the bot counts as unhealthy (default {DEFAULT_SHARD_GRACE:g})"
        ),
    )
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        metavar="PATH",
        help="heartbeat file to read (default: heartbeat.json beside the database)",
    )
    parser.set_defaults(func=cmd_health)
