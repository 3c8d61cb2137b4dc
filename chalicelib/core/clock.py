"""Injectable time. Domain rules take `now` as an argument; routes and handlers ask `clock()`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock tests and the local event runner move by hand."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


_current: Clock = SystemClock()


def clock() -> Clock:
    return _current


def use_clock(new: Clock) -> Clock:
    """Swap the process clock; returns the previous one so callers can restore it."""
    global _current
    previous, _current = _current, new
    return previous


def to_iso(when: datetime) -> str:
    """UTC ISO-8601 with a Z, second precision: the one stored time format."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
