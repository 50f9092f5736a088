from __future__ import annotations

from bot.core.text import quote_user


def test_quote_user_shows_markdown_and_mentions_literally() -> None:
    assert quote_user("**bold** <@&123> @everyone `code`") == (
        "“\\*\\*bold\\*\\* \\<@\u200b&123\\> @\u200beveryone \\`code\\`”"
    )


def test_quote_user_is_one_short_line_without_control_characters() -> None:
    quoted = quote_user("a\nb\u202ec" + "x" * 100, limit=10)
    assert quoted == "“a bcxxxxx…”"
