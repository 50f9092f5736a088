"""From Below: a self-hosted Discord bot for people's history."""

__version__ = "0.1.0"
