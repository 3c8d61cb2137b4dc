"""Read-only use cases: the bookable catalogue, one appointment, and the merchant's analytics."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.appointments import analytics, availability, rules
from chalicelib.appointments.domain import Appointment, AppointmentAt, Service, Staff
from chalicelib.appointments.lookups import ensure_can_see, require_appointment, require_service
from chalicelib.appointments.ports import Deps
from chalicelib.core.auth import Principal, Role
from chalicelib.core.config import settings
from chalicelib.core.errors import Forbidden, NotFound


def services(deps: Deps, merchant_id: str, store_id: str | None) -> list[Service]:
    """The merchant's bookable services (of one of its stores): one Query of its own partition."""
    return sorted(deps.repo.list_services(merchant_id, store_id), key=lambda s: (s.store_id, s.duration, s.id))


def staff_for_service(deps: Deps, service_id: str) -> list[Staff]:
    service = require_service(deps.repo, service_id)
    members = deps.repo.staff_of_merchant(service.merchant_id, service.store_id)
    return [s for s in members if service.id in s.service_ids]


def detail(deps: Deps, principal: Principal, appointment_id: str) -> AppointmentAt:
    appt = require_appointment(deps.repo, appointment_id)
    ensure_can_see(principal, appt)
    return AppointmentAt(appt, deps.places.place_of(appt.store_id))


def analytics_report(deps: Deps, principal: Principal, report: str, days: int, now: datetime) -> dict[str, Any]:
    """Admin only: the merchant's appointments that started in the last `days` days."""
    if principal.role is not Role.ADMIN or not principal.merchant_id:
        raise Forbidden("Only the merchant's admin may see analytics.")
    if report not in analytics.REPORTS:
        raise NotFound(f"Unknown report '{report}'.", code="UNKNOWN_REPORT")
    start = now - timedelta(days=days)
    staff = deps.repo.staff_of_merchant(principal.merchant_id)
    tz = deps.places.place_of(staff[0].store_id).tz if staff else rules.zone(settings().default_timezone)
    appts: list[Appointment] = []
    capacity = []
    first_day = start.astimezone(tz).date()
    for member in staff:
        appts.extend(deps.repo.staff_appointments(member.id, start, now))
        schedule = member.schedule()
        minutes = sum(availability.working_minutes(schedule, first_day + timedelta(days=i), tz) for i in range(days))
        capacity.append(analytics.StaffCapacity(member.id, member.name, minutes))
    return analytics.build(report, appts, capacity, tz, start, now)
