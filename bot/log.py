"""Logging: one format to stdout, the level from settings, and the token never printed."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replaces any occurrence of the given secrets in a record's final message."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def setup_logging(level: str = "INFO", secrets: list[str] | None = None) -> None:
    """Configure the root logger once: stdout, one format, redaction of secrets."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    handler.addFilter(RedactingFilter(secrets or []))
    root.addHandler(handler)
    root.setLevel(level)
    # discord.py is chatty at DEBUG; keep its HTTP layer at INFO unless asked.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
    logging.getLogger("discord.gateway").setLevel(max(logging.INFO, root.level))


def say(text: str, *, err: bool = False) -> None:
    """One line for the operator (not a log record), on stderr for problems."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()
