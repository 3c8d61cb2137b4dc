"""Free slots, computed from a staff member's week in the store's timezone. Pure: no AWS.

Working hours and breaks are `{"mon": [["09:00", "18:00"]], ...}` (same-day ranges only); days off
are local dates. Time is divided into fixed units (UNIT_MINUTES, aligned to the epoch, which every
real store offset is a multiple of): an appointment claims every unit that
[start, end + buffer) touches, and so does a block. A slot is free when none of its units is
claimed, so availability and the DynamoDB claims agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.stores.domain import DAYS, minutes_of

UNIT_MINUTES = 15
SLOT_STEP_MINUTES = 30
UNIT = timedelta(minutes=UNIT_MINUTES)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

WeeklyRanges = Mapping[str, list[list[str]]]


@dataclass(frozen=True)
class WeeklySchedule:
    hours: WeeklyRanges
    breaks: WeeklyRanges = field(default_factory=dict)
    days_off: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware UTC
    end: datetime


def local_dt(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """Local wall time on `day` -> aware UTC (24:00 is the next midnight)."""
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)


def _ranges(weekly: WeeklyRanges, day: date) -> list[tuple[int, int]]:
    return [(minutes_of(a), minutes_of(b)) for a, b in weekly.get(DAYS[day.weekday()], [])]


def working_windows(schedule: WeeklySchedule, day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The day's working ranges minus its breaks, as UTC intervals; empty on a day off."""
    if day.isoformat() in schedule.days_off:
        return []
    breaks = _ranges(schedule.breaks, day)
    windows: list[tuple[int, int]] = []
    for start, end in sorted(_ranges(schedule.hours, day)):
        pieces = [(start, end)]
        for b_start, b_end in breaks:
            next_pieces = []
            for p_start, p_end in pieces:
                if b_end <= p_start or b_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < b_start:
                    next_pieces.append((p_start, b_start))
                if b_end < p_end:
                    next_pieces.append((b_end, p_end))
            pieces = next_pieces
        windows.extend(p for p in pieces if p[1] > p[0])
    return [(local_dt(day, a, tz), local_dt(day, b, tz)) for a, b in sorted(windows)]


def unit_floor(when: datetime) -> datetime:
    units = (when - _EPOCH) // UNIT
    return _EPOCH + units * UNIT


def units_between(start: datetime, end: datetime) -> list[datetime]:
    """Every unit start touched by [start, end)."""
    units = []
    current = unit_floor(start)
    while current < end:
        units.append(current)
        current += UNIT
    return units


def claim_units(start: datetime, duration_min: int, buffer_min: int) -> list[datetime]:
    return units_between(start, start + timedelta(minutes=duration_min + buffer_min))


def candidate_slots(schedule: WeeklySchedule, day: date, tz: ZoneInfo, duration_min: int) -> list[Slot]:
    """Every slot the week's shape allows on `day`, ignoring claims and the clock."""
    slots = []
    length = timedelta(minutes=duration_min)
    step = timedelta(minutes=SLOT_STEP_MINUTES)
    for window_start, window_end in working_windows(schedule, day, tz):
        current = window_start
        while current + length <= window_end:
            slots.append(Slot(current, current + length))
            current += step
    return slots


def free_slots(
    schedule: WeeklySchedule,
    day: date,
    tz: ZoneInfo,
    duration_min: int,
    buffer_min: int,
    claimed: Iterable[datetime],
    now: datetime,
) -> list[Slot]:
    """Candidate slots that start after `now` and whose units (with buffer) are all unclaimed."""
    taken = set(claimed)
    return [
        slot
        for slot in candidate_slots(schedule, day, tz, duration_min)
        if slot.start > now and not any(u in taken for u in claim_units(slot.start, duration_min, buffer_min))
    ]


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) in UTC."""
    return local_dt(day, 0, tz), local_dt(day + timedelta(days=1), 0, tz)


def working_minutes(schedule: WeeklySchedule, day: date, tz: ZoneInfo) -> int:
    return sum(int((b - a).total_seconds() // 60) for a, b in working_windows(schedule, day, tz))
