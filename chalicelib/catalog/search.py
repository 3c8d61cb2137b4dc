"""Keyword matching that works for Chinese and English without a search engine.

Each product keeps `search_text`, its names and category folded (NFKC + casefold). A keyword is
split into terms and every term must occur as a substring: Chinese needs no word segmentation
for this ("牛奶" occurs in "纯牛奶 250ml"), English matches case-insensitively, and full-width
input ("ＭＩＬＫ") folds to the same text.
"""

from __future__ import annotations

import unicodedata

MAX_TERMS = 5


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def search_text(*parts: str | None) -> str:
    return " ".join(fold(p) for p in parts if p)


def terms(keyword: str) -> list[str]:
    seen: list[str] = []
    for term in fold(keyword).split():
        if term not in seen:
            seen.append(term)
    return seen[:MAX_TERMS]


def matches(text: str, keyword_terms: list[str]) -> bool:
    return all(term in text for term in keyword_terms)
