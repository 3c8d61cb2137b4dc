"""Merchant analytics as pure aggregation over appointments (and staff working minutes). No AWS.

Rates are percentages with two decimals; money is integer fen. Peak hours and weekdays are in
the store's timezone (weekday 0 = Monday).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.appointments.domain import Appointment, Status

# Bookings that kept their slot: they count for revenue, utilization and patterns.
KEPT = (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
REPORTS = ("bookings", "services", "staff", "revenue", "customers")


@dataclass(frozen=True)
class StaffCapacity:
    staff_id: str
    name: str
    working_minutes: int


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _peaks(counts: Sequence[int]) -> list[int]:
    top = max(counts) if counts else 0
    return [i for i, c in enumerate(counts) if c == top] if top else []


def booking_metrics(appts: Sequence[Appointment]) -> dict[str, Any]:
    statuses = Counter(a.status for a in appts)
    total = len(appts)
    completed = [a for a in appts if a.status == Status.COMPLETED]
    return {
        "totalBookings": total,
        "byStatus": dict(sorted(statuses.items())),
        "completed": statuses.get(Status.COMPLETED, 0),
        "cancelled": statuses.get(Status.CANCELLED, 0),
        "noShows": statuses.get(Status.NO_SHOW, 0),
        "noShowRate": _rate(statuses.get(Status.NO_SHOW, 0), total),
        "cancellationRate": _rate(statuses.get(Status.CANCELLED, 0), total),
        "averageBookingValue": round(sum(a.total_amount for a in completed) / len(completed)) if completed else 0,
    }


def service_popularity(appts: Sequence[Appointment]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for a in appts:
        row = rows.setdefault(
            a.service_id,
            {"serviceId": a.service_id, "serviceName": a.service_name, "bookings": 0, "completed": 0, "revenue": 0},
        )
        row["bookings"] += 1
        row["completed"] += a.status == Status.COMPLETED
        if a.status in KEPT:
            row["revenue"] += a.total_amount
    total = len(appts)
    for row in rows.values():
        row["share"] = _rate(row["bookings"], total)
    return sorted(rows.values(), key=lambda r: (-r["bookings"], r["serviceId"]))


def staff_utilization(appts: Sequence[Appointment], staff: Sequence[StaffCapacity]) -> list[dict[str, Any]]:
    booked: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for a in appts:
        if a.status in KEPT:
            booked[a.staff_id] += a.duration
            count[a.staff_id] += 1
    rows = [
        {
            "staffId": s.staff_id,
            "staffName": s.name,
            "appointments": count[s.staff_id],
            "bookedMinutes": booked[s.staff_id],
            "availableMinutes": s.working_minutes,
            "utilization": _rate(booked[s.staff_id], s.working_minutes),
        }
        for s in staff
    ]
    return sorted(rows, key=lambda r: (-r["utilization"], r["staffId"]))


def revenue(appts: Sequence[Appointment], tz: ZoneInfo) -> dict[str, Any]:
    kept = [a for a in appts if a.status in KEPT]
    by_day: dict[str, int] = defaultdict(int)
    by_service: dict[str, int] = defaultdict(int)
    for a in kept:
        by_day[a.start.astimezone(tz).date().isoformat()] += a.total_amount
        by_service[a.service_name] += a.total_amount
    refunded = sum(a.total_amount for a in appts if a.refund_status)
    return {
        "total": sum(a.total_amount for a in kept),
        "refunded": refunded,
        "bookings": len(kept),
        "averageBookingValue": round(sum(a.total_amount for a in kept) / len(kept)) if kept else 0,
        "byDay": [{"date": d, "amount": v} for d, v in sorted(by_day.items())],
        "byService": [{"serviceName": n, "amount": v} for n, v in sorted(by_service.items(), key=lambda kv: -kv[1])],
    }


def customer_insights(appts: Sequence[Appointment], tz: ZoneInfo) -> dict[str, Any]:
    per_customer = Counter(a.user_id for a in appts)
    repeat = sum(1 for n in per_customer.values() if n > 1)
    hourly = [0] * 24
    daily = [0] * 7
    for a in appts:
        if a.status in KEPT:
            local = a.start.astimezone(tz)
            hourly[local.hour] += 1
            daily[(local.weekday() + 1) % 7] += 1  # JavaScript's getDay(): Sunday is 0
    return {
        "uniqueCustomers": len(per_customer),
        "repeatCustomers": repeat,
        "repeatRate": _rate(repeat, len(per_customer)),
        "bookingsPerCustomer": round(len(appts) / len(per_customer), 2) if per_customer else 0.0,
        "noShowRate": booking_metrics(appts)["noShowRate"],
        "hourly": hourly,
        "weekdays": daily,
        "peakHours": _peaks(hourly),
        "peakWeekdays": _peaks(daily),
    }


def build(
    report: str,
    appts: Sequence[Appointment],
    staff: Sequence[StaffCapacity],
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    period = {"from": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "to": end.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if report == "bookings":
        return {"metrics": {**booking_metrics(appts), **period}}
    if report == "services":
        return {"popularity": service_popularity(appts), "period": period}
    if report == "staff":
        return {"utilization": staff_utilization(appts, staff), "period": period}
    if report == "revenue":
        return {"revenue": {**revenue(appts, tz), **period}}
    return {"insights": {**customer_insights(appts, tz), **period}}
