"""Opening hours in the store's own timezone.

Hours are `{"mon": [["09:00", "22:00"]], ...}`; a range whose close is not after its open runs
past midnight into the next day; "24:00" closes at the end of the day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.core.errors import ValidationError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OpeningHours = dict[str, list[list[str]]]


def minutes_of(text: Any) -> int:
    """ "HH:MM" -> minutes after midnight ("24:00" is the end of the day); ValueError for anything else."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise ValueError(text)
    hours, minutes = int(text[:2]), int(text[3:])
    value = hours * 60 + minutes
    if not (0 <= minutes < 60 and 0 <= value <= 24 * 60):
        raise ValueError(text)
    return value


def validate(hours: Any, field: str = "openingHours", same_day: bool = False) -> OpeningHours:
    """Weekly hours as {"mon": [["09:00", "21:00"], ...], ...}, returned as clean [open, close] pairs;
    anything else is a 400 naming `field`. `same_day` refuses ranges that run past midnight (a
    staff member's shift or break), which opening hours allow."""
    if not isinstance(hours, dict):
        raise ValidationError('Weekly hours must be an object like {"mon": [["09:00", "17:00"]]}.', field=field)
    checked: OpeningHours = {}
    for day, ranges in hours.items():
        if day not in DAYS:
            raise ValidationError(f"Unknown day '{day}' in weekly hours.", field=field)
        if not isinstance(ranges, list):
            raise ValidationError(f"Hours for {day} must be a list of [open, close] pairs.", field=field)
        checked[day] = []
        for opening in ranges:
            try:
                start, end = minutes_of(opening[0]), minutes_of(opening[1])
            except (ValueError, IndexError, TypeError, KeyError):
                raise ValidationError(f"Bad time range {opening!r} on {day}.", field=field) from None
            if same_day and end <= start:
                raise ValidationError(f"The range {opening!r} on {day} must end after it starts.", field=field)
            checked[day].append([opening[0], opening[1]])
    return checked


def is_open(hours: OpeningHours, timezone: str, now: datetime) -> bool:
    local = now.astimezone(ZoneInfo(timezone))
    minute_of_day = local.hour * 60 + local.minute
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local - timedelta(days=1)).weekday()]
    for open_at, close_at in hours.get(today, []):
        start, end = minutes_of(open_at), minutes_of(close_at)
        if end <= start:
            end = 24 * 60  # overnight: today's part runs to midnight
        if start <= minute_of_day < end:
            return True
    for open_at, close_at in hours.get(yesterday, []):
        start, end = minutes_of(open_at), minutes_of(close_at)
        if end <= start and minute_of_day < end:  # the after-midnight tail of yesterday's range
            return True
    return False
