"""Pausing Python's cyclic garbage collector while building large, long-lived structures.

Loading a library allocates millions of objects that all survive. Each allocation burst makes
the collector walk every older object again, so at 100,000 events it spent about two thirds of
the load time finding nothing to free. Reference counting still frees everything as usual; only
the cycle detector waits until the build is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block (re-entrant; restores the previous state)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
