"""Booking rules: input validation, re-pricing, the cancel window, status transitions, reminder
offsets. Pure functions: they raise domain errors and never touch AWS."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.appointments import availability
from chalicelib.appointments.domain import TRANSITIONS, CustomerInfo, LocalSpan
from chalicelib.core.errors import Conflict, Forbidden, ValidationError
from chalicelib.payments.domain import full_refund_no
from chalicelib.stores.domain import minutes_of, validate_hours

PHONE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OFFSET = re.compile(r"^(\d{1,4})([mhd])$")
TRANSACT_LIMIT = 100  # DynamoDB TransactWriteItems actions

MAX_REMINDERS = 5
MIN_REMINDER = timedelta(minutes=5)
MAX_REMINDER = timedelta(days=7)
MAX_AVAILABILITY_DAYS = 60
MAX_SCHEDULE_DAYS = 31
PERIODS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_BLOCK_MINUTES = availability.SLOT_STEP_MINUTES


def customer_info(raw: Any) -> CustomerInfo:
    if not isinstance(raw, dict):
        raise ValidationError("'customerInfo' must be an object.", field="customerInfo")

    def text(name: str, max_length: int) -> str:
        value = raw.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(f"'customerInfo.{name}' must be a string.", field=f"customerInfo.{name}")
        value = value.strip()
        if len(value) > max_length:
            raise ValidationError(
                f"'customerInfo.{name}' must be at most {max_length} characters.", field=f"customerInfo.{name}"
            )
        return value

    name, phone, email, notes = text("name", 50), text("phone", 20), text("email", 254), text("notes", 500)
    if not name:
        raise ValidationError("Name is required.", code="NAME_REQUIRED", field="customerInfo.name")
    if not phone:
        raise ValidationError("Phone number is required.", code="PHONE_REQUIRED", field="customerInfo.phone")
    if not PHONE.match(phone):
        raise ValidationError("Please enter a valid phone number.", code="INVALID_PHONE", field="customerInfo.phone")
    if email and not EMAIL.match(email):
        raise ValidationError("Please enter a valid email address.", code="INVALID_EMAIL", field="customerInfo.email")
    return CustomerInfo(name=name, phone=phone, email=email or None, notes=notes or None)


# No appointment is that far in the past or future; dates outside cannot overflow any arithmetic
# (a day's bounds, a zone's offset) either.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2999, 12, 31)


def parse_date(raw: Any, field: str = "date") -> date:
    if not isinstance(raw, str) or not DATE.match(raw.strip()):
        raise ValidationError(f"'{field}' must be a date YYYY-MM-DD.", field=field)
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(f"'{field}' must be a real date.", field=field) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            f"'{field}' must be between {EARLIEST_DATE} and {LATEST_DATE}.", code="DATE_OUT_OF_RANGE", field=field
        )
    return day


def ensure_within_horizon(day: date, today: date, horizon_days: int, field: str = "date") -> None:
    """Customers book at most `horizon_days` ahead of the store's today (so nobody books year 9000 or
    claims a schedule for good)."""
    if (day - today).days > horizon_days:
        raise ValidationError(
            f"Bookings open {horizon_days} days ahead; '{field}' is later.", code="DATE_OUT_OF_RANGE", field=field
        )


def parse_time(raw: Any, field: str = "timeSlot") -> str:
    """A slot object from the slots list (its `start`) or "HH:MM" -> "HH:MM"."""
    value = raw.get("start") if isinstance(raw, dict) else raw
    if not isinstance(value, str):
        raise ValidationError(f"'{field}' must be \"HH:MM\" or a slot object.", field=field)
    value = value.strip()
    try:
        minutes = minutes_of(value)
    except ValueError:
        raise ValidationError(f"'{field}' must be \"HH:MM\".", field=field) from None
    if minutes >= 24 * 60:
        raise ValidationError(f"'{field}' must be before 24:00.", field=field)
    return value


def local_span(raw_slot: Any, duration: Any) -> LocalSpan:
    """timeSlot "HH:MM" (+ optional duration minutes), "HH:MM-HH:MM", or {start, end}."""
    end_text: str | None = None
    if isinstance(raw_slot, dict):
        start_text = parse_time(raw_slot)
        if raw_slot.get("end"):
            end_text = parse_time(raw_slot.get("end"), "timeSlot.end")
    elif isinstance(raw_slot, str) and "-" in raw_slot:
        first, _, second = raw_slot.partition("-")
        start_text, end_text = parse_time(first), parse_time(second, "timeSlot.end")
    else:
        start_text = parse_time(raw_slot)
    minutes = DEFAULT_BLOCK_MINUTES if duration is None else duration
    if end_text is None and (isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60):
        raise ValidationError("'duration' must be whole minutes between 1 and 1440.", field="duration")
    return LocalSpan(start_text, end_text, minutes if isinstance(minutes, int) else DEFAULT_BLOCK_MINUTES)


def span_on(day: date, span: LocalSpan, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The span on `day` in the store's zone, as UTC instants; it must end after it starts."""
    start = local_start(day, span.start, tz)
    end = local_start(day, span.end, tz) if span.end is not None else start + timedelta(minutes=span.minutes)
    if end <= start:
        raise ValidationError("A block must end after it starts.", field="timeSlot")
    return start, end


def local_start(day: date, time_slot: str, tz: ZoneInfo) -> datetime:
    return availability.local_dt(day, minutes_of(time_slot), tz)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def local_date_and_time(when: datetime, tz: ZoneInfo) -> tuple[str, str]:
    local = when.astimezone(tz)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def local_iso(when: datetime, tz: ZoneInfo) -> str:
    """ISO-8601 with the store's offset, e.g. 2026-03-03T10:00:00+08:00 (what `new Date()` parses)."""
    return when.astimezone(tz).isoformat(timespec="seconds")


def fen(raw: Any, field: str) -> int | float:
    """A client's amount in fen, as sent (compared with ours, never trusted as a price)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValidationError(f"'{field}' must be a number of fen.", field=field)
    return raw


def reprice(price: int, total_amount: Any) -> int:
    """The server's price wins; a client total that differs is refused rather than silently fixed."""
    if fen(total_amount, "totalAmount") != price:
        raise ValidationError(
            f"'totalAmount' {total_amount} does not match the service price {price}.",
            code="PRICE_MISMATCH",
            field="totalAmount",
        )
    return price


def ensure_units_fit(*unit_counts: int) -> None:
    """One transaction holds every unit put/delete plus the appointment write."""
    if sum(unit_counts) + 1 > TRANSACT_LIMIT:
        raise ValidationError("This booking spans too much time to claim at once.", code="SPAN_TOO_LONG")


def ensure_transition(action: str, status: str) -> None:
    if status not in TRANSITIONS[action]:
        done = {"cancel": "cancelled", "no-show": "marked no-show"}.get(action, f"{action.rstrip('e')}ed")
        raise Conflict(f"This appointment is {status}, so it cannot be {done}.", code="INVALID_STATUS")


def ensure_customer_window(start: datetime, now: datetime, window_hours: float, action: str) -> None:
    """Customers may cancel or move only more than `window_hours` ahead; staff any time."""
    if start - now <= timedelta(hours=window_hours):
        raise Forbidden(
            f"Appointments can only be {action} more than {window_hours:g} hours ahead; please call the store.",
            code="TOO_LATE",
        )


def parse_offset(raw: Any) -> timedelta:
    """'24h', '2h', '30m', '1d' -> how long before the start a reminder goes out."""
    text = raw.strip().lower() if isinstance(raw, str) else ""
    match = OFFSET.match(text)
    if not match:
        raise ValidationError(f"Reminder time {raw!r} must look like '24h', '30m' or '1d'.", field="reminderTimes")
    amount, unit = int(match.group(1)), match.group(2)
    delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    if not MIN_REMINDER <= delta <= MAX_REMINDER:
        raise ValidationError("Reminder times must be between 5 minutes and 7 days.", field="reminderTimes")
    return delta


def reminder_times(raw: Any) -> list[str]:
    if not isinstance(raw, list) or len(raw) > MAX_REMINDERS:
        raise ValidationError(f"'reminderTimes' must be a list of at most {MAX_REMINDERS}.", field="reminderTimes")
    names = []
    for item in raw:
        parse_offset(item)
        name = str(item).strip().lower()
        if name not in names:
            names.append(name)
    return names


def reminder_plan(start: datetime, names: list[str], now: datetime) -> list[tuple[str, datetime]]:
    """(name, when) for each reminder still in the future."""
    plan = []
    for name in names:
        at = start - parse_offset(name)
        if at > now:
            plan.append((name, at))
    return plan


def period_days(raw: Any) -> int:
    text = raw if isinstance(raw, str) and raw else "30d"
    if text not in PERIODS:
        raise ValidationError("'period' must be one of 7d, 30d, 90d.", field="period")
    return PERIODS[text]


def out_trade_no(appointment_id: str) -> str:
    """WeChat Pay's merchant order number: the appointment id without dashes (6..32 chars)."""
    value = appointment_id.replace("-", "")
    if not re.fullmatch(r"[0-9A-Za-z_\-*]{6,32}", value):
        raise ValueError(f"appointment id {appointment_id!r} cannot be an out_trade_no")
    return value


def refund_no(trade_no: str) -> str:
    """One full refund per booking, so every path that refunds it shares this id (WeChat dedupes)."""
    return full_refund_no(trade_no)


def validate_weekly(raw: Any, field: str) -> dict[str, list[list[str]]]:
    """A staff member's week (hours or breaks): the stores' weekly-hours shape, same-day ranges only."""
    return validate_hours(raw, field, same_day=True)


def date_range(start: date, end: date) -> list[date]:
    """Every day from start to end, at most MAX_SCHEDULE_DAYS of them."""
    if end < start:
        raise ValidationError("'endDate' must not be before 'startDate'.", field="endDate")
    days = (end - start).days + 1
    if days > MAX_SCHEDULE_DAYS:
        raise ValidationError(f"At most {MAX_SCHEDULE_DAYS} days at once.", field="endDate")
    return [start + timedelta(days=i) for i in range(days)]


def validate_days_off(raw: Any) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 366:
        raise ValidationError("'daysOff' must be a list of dates.", field="daysOff")
    return sorted({parse_date(d, "daysOff").isoformat() for d in raw})
