"""Quoting what a user typed back to them, safely."""

from __future__ import annotations

_ESCAPED = "\\*_~`|[]<>"


def quote_user(text: str, limit: int = 40) -> str:
    """``text`` as “quoted”, on one line, at most ``limit`` characters, shown literally.

    Control and direction-override characters are dropped, Markdown and mention syntax is
    escaped (so ``**x**`` or ``<@&123>`` show as typed), and ``@`` cannot start a mention.
    """
    clean = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    if len(clean) > limit:
        clean = clean[: max(1, limit - 1)] + "…"
    for char in _ESCAPED:
        clean = clean.replace(char, f"\\{char}")
    clean = clean.replace("@", "@\u200b")
    return f"“{clean}”"
