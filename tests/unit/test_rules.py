"""Pure rules: opening hours, keyword folding, roles, bearer parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest

from chalicelib.catalog import search
from chalicelib.core.auth import Principal, Role, bearer_token
from chalicelib.core.errors import Forbidden, Unauthorized, ValidationError
from chalicelib.stores import hours

SHANGHAI = "Asia/Shanghai"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class TestOpeningHours:
    day: ClassVar[hours.OpeningHours] = {"mon": [["09:00", "21:00"]]}
    overnight: ClassVar[hours.OpeningHours] = {"fri": [["18:00", "02:00"]]}

    def test_uses_store_timezone(self) -> None:
        # Monday 09:30 in Shanghai is Monday 01:30 UTC.
        assert hours.is_open(self.day, SHANGHAI, utc("2026-11-23T01:30:00"))
        assert not hours.is_open(self.day, SHANGHAI, utc("2026-11-23T00:30:00"))  # 08:30 local
        assert not hours.is_open(self.day, SHANGHAI, utc("2026-11-23T13:00:00"))  # 21:00 local: closed

    def test_overnight_range_runs_into_next_day(self) -> None:
        assert hours.is_open(self.overnight, SHANGHAI, utc("2026-11-27T15:00:00"))  # Fri 23:00
        assert hours.is_open(self.overnight, SHANGHAI, utc("2026-11-27T17:30:00"))  # Sat 01:30
        assert not hours.is_open(self.overnight, SHANGHAI, utc("2026-11-27T18:30:00"))  # Sat 02:30

    def test_all_day(self) -> None:
        assert hours.is_open({"sun": [["00:00", "24:00"]]}, SHANGHAI, utc("2026-11-22T15:59:00"))

    def test_validate_rejects_garbage(self) -> None:
        with pytest.raises(ValidationError):
            hours.validate({"mon": [["9am", "21:00"]]})
        with pytest.raises(ValidationError):
            hours.validate({"funday": [["09:00", "21:00"]]})


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


class TestPrincipal:
    customer = Principal("u1", Role.CUSTOMER)
    staff = Principal("u2", Role.STAFF, "m1", frozenset({"s1"}))
    admin = Principal("u3", Role.ADMIN, "m1")

    def test_customer_acts_only_as_self(self) -> None:
        assert self.customer.ensure_self("u1") == "u1"
        assert self.customer.ensure_self(None) == "u1"
        with pytest.raises(Forbidden):
            self.customer.ensure_self("u2")

    def test_staff_scope(self) -> None:
        assert self.staff.can_staff("s1", "m1")
        assert not self.staff.can_staff("s2", "m1")
        assert self.admin.can_staff("s2", "m1")
        assert not self.admin.can_staff("s9", "m2")
        with pytest.raises(Forbidden):
            self.customer.ensure_staff_of("s1", "m1")
        with pytest.raises(Forbidden):
            self.staff.ensure_admin_of("m1")
        self.admin.ensure_admin_of("m1")

    @pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic abc", "token-without-scheme"])
    def test_bearer_rejects(self, header: str | None) -> None:
        with pytest.raises(Unauthorized):
            bearer_token(header)

    def test_bearer_accepts_any_case(self) -> None:
        assert bearer_token("bearer abc") == "abc"
