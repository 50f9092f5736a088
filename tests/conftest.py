"""Fixtures every test folder can use: the storage engines (see ``tests/pgtest.py``)."""

from tests.pgtest import backend, database_target, pg_target

__all__ = ["backend", "database_target", "pg_target"]
