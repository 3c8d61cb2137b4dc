"""Keyword matching for Chinese and English without a search engine: the tokenizer of the inverted index.

Text is folded (NFKC + casefold) so full-width input ("ＭＩＬＫ") and case fold alike, then cut into:
- CJK runs: each character is a term (one-character queries) and each adjacent pair a term (bigram);
  a query of two or more CJK characters looks up its bigrams and is then verified as a substring,
  so "乳制品" matches "乳制品" but not "乳制…品" whatever the bigrams say. No word segmentation needed.
- Latin words (letters and digits): every prefix up to MAX_PREFIX is a term, so English matches
  case-insensitively by word prefix ("MILK" finds "Milk", "mil" too). A word mixing digits and letters
  also counts its digit and letter parts as words ("250ml" -> "250", "ml"), so "ml" finds "250ml".

Pure functions, no AWS: `index_terms` says which postings a document has, `query_terms` which postings a
keyword reads, `matches` verifies a candidate's text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_TERMS = 5  # query words taken from a keyword
MAX_QUERY_POSTINGS = 6  # postings lists one query intersects (the rest is verified on the text)
MAX_PREFIX = 12  # longest Latin prefix indexed; longer query words look up their first 12 characters

_CJK = "\u2e80-\u2fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_PARTS = re.compile(r"\d+|[^\W\d_]+")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def search_text(*parts: str | None) -> str:
    return " ".join(fold(p) for p in parts if p)


def _segments(text: str) -> list[tuple[bool, str]]:
    """(is_cjk, segment) in order: CJK runs and Latin/digit words of folded text."""
    return [(bool(_CJK_RUN.fullmatch(m.group())), m.group()) for m in _SEGMENT.finditer(text)]


def _words(word: str) -> list[str]:
    """A Latin word and, when it mixes digits and letters, its parts ("250ml" -> 250ml, 250, ml)."""
    parts = _PARTS.findall(word)
    return [word, *parts] if len(parts) > 1 else [word]


def index_terms(text: str) -> set[str]:
    """Every term a document with this (folded) text is found by."""
    found: set[str] = set()
    for is_cjk, segment in _segments(text):
        if is_cjk:
            found.update(segment)
            found.update(segment[i : i + 2] for i in range(len(segment) - 1))
        else:
            for word in _words(segment):
                found.update(word[:n] for n in range(1, min(len(word), MAX_PREFIX) + 1))
    return found


def terms(keyword: str) -> list[str]:
    """The query words of a keyword: folded, split on spaces, duplicates dropped, at most MAX_TERMS."""
    seen: list[str] = []
    for term in fold(keyword).split():
        if term not in seen:
            seen.append(term)
    return seen[:MAX_TERMS]


def query_terms(keyword_terms: Iterable[str]) -> list[str]:
    """The postings a query reads: each CJK run's bigrams (its character when alone), each Latin
    word's first MAX_PREFIX characters. Capped at MAX_QUERY_POSTINGS; `matches` checks the rest."""
    found: list[str] = []
    for term in keyword_terms:
        for is_cjk, segment in _segments(term):
            if is_cjk:
                grams = [segment] if len(segment) == 1 else [segment[i : i + 2] for i in range(len(segment) - 1)]
            else:
                grams = [segment[:MAX_PREFIX]]
            found += [g for g in grams if g not in found]
    return found[:MAX_QUERY_POSTINGS]


def matches(text: str, keyword_terms: list[str]) -> bool:
    """Every CJK run of the query occurs in the text, and every Latin word starts a word of it."""
    words: set[str] | None = None
    for term in keyword_terms:
        for is_cjk, segment in _segments(term):
            if is_cjk:
                if segment not in text:
                    return False
                continue
            if words is None:
                words = {w for cjk, s in _segments(text) if not cjk for w in _words(s)}
            if not any(w.startswith(segment) for w in words):
                return False
    return True
