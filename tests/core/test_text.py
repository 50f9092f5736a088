from __future__ import annotations

from bot.core.text import quote_user


def test_quote_user_shows_markdown_and_mentions_literally() -> None:
    assert quote_user("**bold** <@&123> @everyone `code`") == (
        "“\\*\\*bold\\*\\* \\<@\u200b&123\\> @\u200beveryone \\`code\\`”"
    )


def test_quote_user_is_one_short_line_without_control_characters() -> None:
    quoted = quote_user("a\nb\u202ec" + "x" * 100, limit=10)
    assert quoted == "“a bcxxxxx…”"


from bot.core.text import excerpt, plural  # noqa: E402

BOIPATONG = (
    "Armed men from a nearby hostel of Inkatha supporters attacked the township of Boipatong at night, "
    "killing more than forty residents, while residents accused the police of standing by or helping. "
    "The ANC broke off constitutional talks."
)


def test_excerpt_cuts_at_a_clause_not_mid_sentence() -> None:
    cut = excerpt(BOIPATONG, 160)
    assert cut == (
        "Armed men from a nearby hostel of Inkatha supporters attacked the township of Boipatong at night, "
        "killing more than forty residents…"
    )
    assert not cut.endswith("accused…")


def test_excerpt_keeps_whole_sentences_when_they_fit() -> None:
    text = "Workers struck at the yard. The strike spread to every port on the coast within a week of the walkout."
    assert excerpt(text, 60) == "Workers struck at the yard."
    assert excerpt(text, 500) == text


def test_excerpt_does_not_stop_at_an_abbreviation_or_initial() -> None:
    text = "Dockers in St. Petersburg and J. Smith's union walked out, and the city stopped for a week. More."
    assert excerpt(text, 80) == "Dockers in St. Petersburg and J. Smith's union walked out…"


def test_excerpt_without_any_boundary_falls_back_to_a_word() -> None:
    assert excerpt("word " * 100, 50).endswith("word…")
    assert len(excerpt("word " * 100, 50)) <= 50


def test_plural_has_real_singular_and_plural_forms() -> None:
    assert plural(1, "event") == "1 event"
    assert plural(2, "event") == "2 events"
    assert plural(0, "article") == "0 articles"
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(1500, "entry", "entries") == "1,500 entries"


def test_a_search_snippet_ends_at_its_last_sentence_or_clause() -> None:
    from bot.core.text import end_at_boundary

    cut = "Armed men attacked at night, killing forty **residents**, while residents accused the police. The…"
    assert (
        end_at_boundary(cut)
        == "Armed men attacked at night, killing forty **residents**, while residents accused the police."
    )
    clause = "…sent them to camps, the banned party called a **strike**, and tram drivers, dockers and the rest walked…"
    assert end_at_boundary(clause) == "…sent them to camps, the banned party called a **strike**, and tram drivers…"
    assert end_at_boundary("A whole sentence.") == "A whole sentence."
    assert (
        end_at_boundary("no boundary anywhere in this cut text at all…")
        == "no boundary anywhere in this cut text at all…"
    )
