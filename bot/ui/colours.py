"""One colour scheme: warm reds and ambers for content, slate for information.

Plain RGB integers (no discord.py): :func:`bot.ui.embeds.card_embed` gives them to
``discord.Embed`` and the offline console draws its panels with them.
"""

from __future__ import annotations

ARTICLE = 0xA4161A  # banner red
EVENT = 0xC8553D  # brick
RECORD = 0x6B705C  # archive olive-grey: what the record says
LIST = 0x8C2F39  # deep red
DAY = 0xE09F3E  # amber: on this day
INFO = 0x3D405B  # slate
ERROR = 0x7F1D1D

BY_KIND: dict[str, int] = {
    "article": ARTICLE,
    "event": EVENT,
    "record": RECORD,
    "list": LIST,
    "day": DAY,
    "info": INFO,
    "error": ERROR,
}


def for_kind(kind: str) -> int:
    """The colour of a card of this kind, as ``0xRRGGBB``."""
    return BY_KIND.get(kind, INFO)
