"""One colour scheme: warm reds and ambers for content, slate for information."""

from __future__ import annotations

import discord

ARTICLE = discord.Colour(0xA4161A)  # banner red
EVENT = discord.Colour(0xC8553D)  # brick
RECORD = discord.Colour(0x6B705C)  # archive olive-grey: what the record says
LIST = discord.Colour(0x8C2F39)  # deep red
DAY = discord.Colour(0xE09F3E)  # amber: on this day
INFO = discord.Colour(0x3D405B)  # slate
ERROR = discord.Colour(0x7F1D1D)

BY_KIND: dict[str, discord.Colour] = {
    "article": ARTICLE,
    "event": EVENT,
    "record": RECORD,
    "list": LIST,
    "day": DAY,
    "info": INFO,
    "error": ERROR,
}


def for_kind(kind: str) -> discord.Colour:
    return BY_KIND.get(kind, INFO)
