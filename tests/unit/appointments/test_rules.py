"""Pure appointment rules: availability (hours, breaks, days off, buffers, past times, the store
timezone), claim units, validation, re-pricing, the cancel window, transitions, reminders and
analytics. No AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.appointments import analytics, availability, rules
from chalicelib.appointments.domain import Appointment, Status
from chalicelib.core.errors import Conflict, Forbidden, ValidationError
from chalicelib.stores.domain import minutes_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY = date(2026, 3, 3)
WEEK = availability.WeeklySchedule(
    hours={"tue": [["09:00", "12:00"], ["13:00", "18:00"]], "wed": [["09:00", "18:00"]]},
    breaks={"wed": [["12:00", "13:00"]]},
    days_off=frozenset({"2026-03-11"}),
)
MONDAY_NIGHT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Monday 20:00 in Shanghai


def local(day: date, hhmm: str) -> datetime:
    return availability.local_dt(day, minutes_of(hhmm), SHANGHAI)


def starts(slots: list[availability.Slot]) -> list[str]:
    return [s.start.astimezone(SHANGHAI).strftime("%H:%M") for s in slots]


def test_local_times_are_store_time_in_utc() -> None:
    assert local(TUESDAY, "09:00") == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    assert availability.day_bounds(TUESDAY, SHANGHAI) == (
        datetime(2026, 3, 2, 16, 0, tzinfo=UTC),
        datetime(2026, 3, 3, 16, 0, tzinfo=UTC),
    )


def test_breaks_split_working_hours() -> None:
    wednesday = date(2026, 3, 4)
    windows = availability.working_windows(WEEK, wednesday, SHANGHAI)
    assert windows == [
        (local(wednesday, "09:00"), local(wednesday, "12:00")),
        (local(wednesday, "13:00"), local(wednesday, "18:00")),
    ]
    assert availability.working_minutes(WEEK, wednesday, SHANGHAI) == 480
    slots = availability.free_slots(WEEK, wednesday, SHANGHAI, 60, 0, [], MONDAY_NIGHT)
    assert "11:30" not in starts(slots) and "12:00" not in starts(slots) and "11:00" in starts(slots)


def test_days_off_and_days_without_hours_have_no_slots() -> None:
    assert availability.free_slots(WEEK, date(2026, 3, 11), SHANGHAI, 30, 0, [], MONDAY_NIGHT) == []
    assert availability.free_slots(WEEK, date(2026, 3, 5), SHANGHAI, 30, 0, [], MONDAY_NIGHT) == []  # Thursday


def test_slots_step_every_half_hour_and_fit_the_window() -> None:
    slots = availability.free_slots(WEEK, TUESDAY, SHANGHAI, 45, 0, [], MONDAY_NIGHT)
    assert starts(slots)[:4] == ["09:00", "09:30", "10:00", "10:30"]
    assert "11:30" not in starts(slots)  # 11:30 + 45 min runs past 12:00
    assert starts(slots)[-1] == "17:00"
    assert slots[0].end - slots[0].start == timedelta(minutes=45)


def test_past_times_are_not_offered() -> None:
    now = local(TUESDAY, "10:10")
    assert starts(availability.free_slots(WEEK, TUESDAY, SHANGHAI, 30, 0, [], now))[0] == "10:30"
    assert availability.free_slots(WEEK, TUESDAY, SHANGHAI, 30, 0, [], local(TUESDAY, "18:00")) == []


def test_claims_and_buffers_remove_overlapping_slots() -> None:
    # An existing 60 min booking at 10:00 with a 15 min buffer claims 10:00-11:15.
    claimed = availability.claim_units(local(TUESDAY, "10:00"), 60, 15)
    assert len(claimed) == 5
    free = starts(availability.free_slots(WEEK, TUESDAY, SHANGHAI, 30, 0, claimed, MONDAY_NIGHT))
    assert "10:00" not in free and "10:30" not in free and "11:00" not in free
    assert "09:30" in free and "11:30" in free
    # With its own 15 min buffer a 30 min slot at 09:30 would reach into 10:00.
    buffered = starts(availability.free_slots(WEEK, TUESDAY, SHANGHAI, 30, 15, claimed, MONDAY_NIGHT))
    assert "09:30" not in buffered and "09:00" in buffered


def test_any_two_overlapping_spans_share_a_unit() -> None:
    base = local(TUESDAY, "09:00")
    for a_offset in range(0, 120, 15):
        for b_offset in range(0, 120, 15):
            for a_len, b_len in ((30, 45), (60, 30), (120, 15), (45, 45)):
                a_start, b_start = base + timedelta(minutes=a_offset), base + timedelta(minutes=b_offset)
                overlap = a_start < b_start + timedelta(minutes=b_len) and b_start < a_start + timedelta(minutes=a_len)
                shared = set(availability.claim_units(a_start, a_len, 0)) & set(
                    availability.claim_units(b_start, b_len, 0)
                )
                assert bool(shared) == overlap


def test_unaligned_spans_claim_every_touched_unit() -> None:
    start = local(TUESDAY, "09:10")
    units = availability.units_between(start, start + timedelta(minutes=10))
    assert units == [local(TUESDAY, "09:00"), local(TUESDAY, "09:15")]


def test_customer_info_validation() -> None:
    info = rules.customer_info({"name": " 张三 ", "phone": "13812345678", "email": "", "notes": "靠窗"})
    assert (info.name, info.phone, info.email, info.notes) == ("张三", "13812345678", None, "靠窗")
    for bad, code in [
        ({"name": "", "phone": "13812345678"}, "NAME_REQUIRED"),
        ({"name": "a", "phone": "23812345678"}, "INVALID_PHONE"),
        ({"name": "a", "phone": "138123456789"}, "INVALID_PHONE"),
        ({"name": "a", "phone": "13812345678", "email": "a@b"}, "INVALID_EMAIL"),
        ({"name": 5, "phone": "13812345678"}, "VALIDATION_ERROR"),
    ]:
        with pytest.raises(ValidationError) as err:
            rules.customer_info(bad)
        assert err.value.code == code


def test_time_slot_and_date_parsing() -> None:
    assert rules.parse_time("09:30") == "09:30"
    assert rules.parse_time({"start": "14:00", "end": "14:45", "duration": 45}) == "14:00"
    for bad in ("9:30", "24:00", "12:60", None, {"end": "10:00"}, 930):
        with pytest.raises(ValidationError):
            rules.parse_time(bad)
    assert rules.parse_date("2026-03-03") == TUESDAY
    for bad_date in ("2026-3-3", "2026-02-30", None, 20260303):
        with pytest.raises(ValidationError):
            rules.parse_date(bad_date)


def test_reprice_refuses_a_client_total_that_differs() -> None:
    assert rules.reprice(8800, 8800) == 8800
    assert rules.reprice(8800, 8800.0) == 8800
    for bad in (8700, "8800", None, True):
        with pytest.raises(ValidationError):
            rules.reprice(8800, bad)


def test_cancel_window_and_transitions() -> None:
    start = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    rules.ensure_customer_window(start, start - timedelta(hours=25), 24, "cancelled")
    with pytest.raises(Forbidden):
        rules.ensure_customer_window(start, start - timedelta(hours=24), 24, "cancelled")
    with pytest.raises(Forbidden):
        rules.ensure_customer_window(start, start - timedelta(hours=3), 2.5 + 1, "cancelled")
    rules.ensure_transition("cancel", "pending_payment")
    rules.ensure_transition("complete", "confirmed")
    for action, status in [
        ("cancel", "cancelled"),
        ("complete", "pending_payment"),
        ("reschedule", "expired"),
        ("no-show", "completed"),
    ]:
        with pytest.raises(Conflict):
            rules.ensure_transition(action, status)


def test_transaction_size_is_checked() -> None:
    rules.ensure_units_fit(len(availability.claim_units(local(TUESDAY, "09:00"), 120, 15)))
    rules.ensure_units_fit(49, 50)
    with pytest.raises(ValidationError):
        rules.ensure_units_fit(50, 50)


def test_reminder_offsets_and_plan() -> None:
    assert rules.parse_offset("24h") == timedelta(hours=24)
    assert rules.parse_offset("30m") == timedelta(minutes=30)
    assert rules.parse_offset("1d") == timedelta(days=1)
    for bad in ("soon", "1m", "8d", "", 24):
        with pytest.raises(ValidationError):
            rules.parse_offset(bad)
    assert rules.reminder_times(["24h", "2h", "24h"]) == ["24h", "2h"]
    start = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    plan = rules.reminder_plan(start, ["24h", "2h"], start - timedelta(hours=10))
    assert plan == [("2h", start - timedelta(hours=2))]


def test_out_trade_no_and_periods() -> None:
    assert rules.out_trade_no("apt_0123456789abcdef") == "apt_0123456789abcdef"
    assert rules.out_trade_no("a-b-c-d-e-f-g") == "abcdefg"
    assert rules.refund_no("apt_1") == "apt_1R0"
    assert rules.period_days("7d") == 7 and rules.period_days(None) == 30
    with pytest.raises(ValidationError):
        rules.period_days("1y")


def test_weekly_availability_validation() -> None:
    assert rules.validate_weekly({"mon": [["09:00", "17:00"]]}, "weeklyHours") == {"mon": [["09:00", "17:00"]]}
    bad_weeks: list[object] = [{"monday": []}, {"mon": [["17:00", "09:00"]]}, {"mon": [["9", "10"]]}, ["mon"]]
    for bad in bad_weeks:
        with pytest.raises(ValidationError):
            rules.validate_weekly(bad, "weeklyHours")
    assert rules.validate_days_off(["2026-03-05", "2026-03-04", "2026-03-05"]) == ["2026-03-04", "2026-03-05"]


def test_weekly_hours_are_the_stores_shape_with_same_day_ranges_only() -> None:
    """One parser for "HH:MM" weeks: stores' opening hours may run past midnight, a staff week may not."""
    from chalicelib.stores.domain import validate_hours

    overnight = {"fri": [["18:00", "02:00"]]}
    assert validate_hours(overnight) == overnight
    with pytest.raises(ValidationError):
        rules.validate_weekly(overnight, "weeklyHours")
    assert rules.validate_weekly({"mon": [["09:00", "12:00", "extra"]]}, "breaks") == {"mon": [["09:00", "12:00"]]}
    for bad_time in (900, None, "9:00", "09-00", "24:01"):
        with pytest.raises(ValidationError):
            rules.validate_weekly({"mon": [[bad_time, "12:00"]]}, "weeklyHours")
        with pytest.raises(ValueError):
            minutes_of(bad_time)


def appt(n: int, status: str, start: datetime, amount: int = 1000, user: str = "u1", staff: str = "st1") -> Appointment:
    return Appointment(
        id=f"a{n}",
        status=Status(status),
        user_id=user,
        store_id="s1",
        merchant_id="m1",
        staff_id=staff,
        staff_name=staff.upper(),
        service_id="svc-a" if n % 2 else "svc-b",
        service_name="A" if n % 2 else "B",
        duration=60,
        buffer=0,
        start=start,
        end=start + timedelta(minutes=60),
        total_amount=amount,
        out_trade_no=None,
        customer={},
        created_at=start,
        updated_at=start,
    )


def test_analytics_aggregation() -> None:
    ten_am = local(TUESDAY, "10:00")
    appts = [
        appt(1, "completed", ten_am, 2000, "u1"),
        appt(2, "completed", ten_am + timedelta(days=1), 4000, "u1"),
        appt(3, "no-show", ten_am + timedelta(hours=4), 1000, "u2"),
        appt(4, "cancelled", ten_am, 3000, "u3", "st2"),
    ]
    metrics = analytics.booking_metrics(appts)
    assert metrics["totalBookings"] == 4
    assert metrics["noShowRate"] == 25.0 and metrics["cancellationRate"] == 25.0
    assert metrics["averageBookingValue"] == 3000
    popularity = analytics.service_popularity(appts)
    assert [(p["serviceId"], p["bookings"]) for p in popularity] == [("svc-a", 2), ("svc-b", 2)]
    utilization = analytics.staff_utilization(appts, [analytics.StaffCapacity("st1", "ST1", 600)])
    assert utilization[0]["bookedMinutes"] == 180 and utilization[0]["utilization"] == 30.0
    revenue = analytics.revenue(appts, SHANGHAI)
    assert revenue["total"] == 7000 and revenue["byDay"][0] == {"date": "2026-03-03", "amount": 3000}
    insights = analytics.customer_insights(appts, SHANGHAI)
    assert insights["uniqueCustomers"] == 3 and insights["repeatCustomers"] == 1
    assert insights["peakHours"] == [10] and insights["peakWeekdays"] == [2]  # Tuesday, as getDay() counts
    assert analytics.booking_metrics([])["noShowRate"] == 0.0
