"""Opening hours in the store's own timezone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest

from chalicelib.core.errors import ValidationError
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
