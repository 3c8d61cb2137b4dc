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

    def test_index_terms_cjk_characters_and_bigrams(self) -> None:
        assert {"乳", "制", "品", "乳制", "制品"} <= search.index_terms("乳制品")
        assert "乳品" not in search.index_terms("乳制品")

    def test_index_terms_latin_prefixes_and_parts(self) -> None:
        found = search.index_terms(search.fold("Whole Milk 250ml"))
        assert {"w", "wh", "whole", "m", "milk", "250ml", "250", "ml"} <= found
        assert "ilk" not in found and "Milk" not in found
        assert max(len(t) for t in search.index_terms("abcdefghijklmnopqrstuvwxyz")) == search.MAX_PREFIX

    def test_query_terms(self) -> None:
        assert search.query_terms(["牛"]) == ["牛"]
        assert search.query_terms(["低脂牛奶"]) == ["低脂", "脂牛", "牛奶"]
        assert search.query_terms(["milk", "250"]) == ["milk", "250"]
        assert search.query_terms(["纯牛奶250ml"]) == ["纯牛", "牛奶", "250ml"]
        assert search.query_terms(["!!!"]) == []
        assert len(search.query_terms(["一二三四五六七八九十"])) == search.MAX_QUERY_POSTINGS
        long_word = "x" * 20
        assert search.query_terms([long_word]) == ["x" * search.MAX_PREFIX]

    def test_every_query_term_is_an_index_term_of_a_matching_text(self) -> None:
        text = search.search_text("低脂牛奶 1L", "Low-fat Milk 1L", "乳制品")
        for keyword in ["低脂牛奶", "牛", "LOW", "fat", "1l", "乳制品", "milk 1"]:
            kws = search.terms(keyword)
            assert search.matches(text, kws), keyword
            assert set(search.query_terms(kws)) <= search.index_terms(text), keyword

    def test_verification_rejects_bigrams_not_in_a_row(self) -> None:
        text = search.search_text("低脂牛奶", "奶酪")
        assert set(search.query_terms(["脂牛奶酪"])) <= search.index_terms(text)
        assert not search.matches(text, ["脂牛奶酪"])
