"""Keyword folding for product search."""

from __future__ import annotations

from chalicelib.catalog import search


class TestSearch:
    def test_chinese_substring(self) -> None:
        text = search.search_text("纯牛奶 250ml", "Whole Milk 250ml", "乳制品")
        assert search.matches(text, search.terms("牛奶"))
        assert search.matches(text, search.terms("乳制品"))
        assert not search.matches(text, search.terms("酸奶"))

    def test_english_is_case_and_width_insensitive(self) -> None:
        text = search.search_text("纯牛奶 250ml", "Whole Milk 250ml")
        assert search.matches(text, search.terms("MILK"))
        assert search.matches(text, search.terms("ｍｉｌｋ"))  # full-width input
        assert search.matches(text, search.terms("milk 250"))
        assert not search.matches(text, search.terms("milk 1L"))

    def test_terms_deduplicate_and_cap(self) -> None:
        assert search.terms("a a b") == ["a", "b"]
        assert len(search.terms("a b c d e f g")) == search.MAX_TERMS
