"""Discord's answers drawn for a terminal: markup resolved, markdown as plain or rich text.

Used by the console and ``preview``; rich is a dependency of the console only in spirit: it is
imported here at module level because every caller of this module draws text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from rich.style import Style
from rich.text import Text

from bot.ui.layout import Card, card_text

_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_CHANNEL = re.compile(r"<#(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_INLINE = re.compile(
    r"\\(?P<esc>[\\*_~`|\[\]])"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|\*(?P<italic>[^*\n]+?)\*"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<text>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
)


def _relative(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    future = seconds >= 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            amount = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {amount}" if future else f"{amount} ago"
    return "now" if future else "just now"


def timestamp_text(unix: int, style: str, now: dt.datetime) -> str:
    """What Discord would show for ``<t:unix:style>`` (here in UTC)."""
    when = dt.datetime.fromtimestamp(unix, dt.UTC)
    if style == "R":
        return _relative(when - now)
    if style in ("t", "T"):
        return when.strftime("%H:%M UTC")
    if style in ("d", "D"):
        return f"{when.day} {when:%B %Y}"
    weekday = f"{when:%A}, " if style == "F" else ""
    return f"{weekday}{when.day} {when:%B %Y} {when:%H:%M} UTC"


def resolve_markup(
    text: str, now: dt.datetime, channels: Mapping[int, str] | None = None, roles: Mapping[int, str] | None = None
) -> str:
    """Discord's timestamps, channel and role mentions as readable text (``#name``, ``@name``)."""
    channels, roles = channels or {}, roles or {}
    text = _TIMESTAMP.sub(lambda m: timestamp_text(int(m.group(1)), m.group(2) or "f", now), text)
    text = _CHANNEL.sub(lambda m: f"#{channels.get(int(m.group(1)), m.group(1))}", text)
    return _ROLE.sub(lambda m: f"@{roles.get(int(m.group(1)), m.group(1))}", text)


def plain_markdown(text: str) -> str:
    """Discord markdown without its markers: bold, italics and code as plain words, links as ``text <url>``."""

    def replace(match: re.Match[str]) -> str:
        if match.group("esc") is not None:
            return match.group("esc")
        if match.group("bold") is not None:
            return plain_markdown(match.group("bold"))
        if match.group("italic") is not None:
            return plain_markdown(match.group("italic"))
        if match.group("code") is not None:
            return match.group("code")
        return f"{plain_markdown(match.group('text'))} <{match.group('url')}>"

    return _INLINE.sub(replace, text)


def rich_markdown(text: str, base: str = "") -> Text:
    """Discord markdown as a rich ``Text`` with styles (bold, italic, code, links)."""
    out = Text(style=base)
    position = 0
    for match in _INLINE.finditer(text):
        out.append(text[position : match.start()])
        position = match.end()
        if match.group("esc") is not None:
            out.append(match.group("esc"))
        elif match.group("bold") is not None:
            out.append_text(rich_markdown(match.group("bold"), "bold"))
        elif match.group("italic") is not None:
            out.append_text(rich_markdown(match.group("italic"), "italic"))
        elif match.group("code") is not None:
            out.append(match.group("code"), style="cyan")
        else:
            url = match.group("url")
            out.append_text(rich_markdown(match.group("text"), "underline"))
            out.append(f" <{url}>", style=Style(dim=True, link=url))
    out.append(text[position:])
    return out


def card_plain(card: Card) -> str:
    """A card as text (:func:`bot.ui.layout.card_text`), inline fields on one line each."""
    return card_text(card)
