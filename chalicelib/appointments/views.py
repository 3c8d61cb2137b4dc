"""Response shapes, exactly as the mini program reads them (docs/client-contract-appointments.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.appointments import rules
from chalicelib.appointments.availability import Slot
from chalicelib.appointments.domain import Appointment, AppointmentAt, Block, Preferences, Service, Staff
from chalicelib.appointments.schedule import DaySchedule, Obstacle, Overview, StaffDay


def _hhmm(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%H:%M")


def service_view(s: Service) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "duration": s.duration,
        "price": s.price,
        "requiresPayment": s.requires_payment,
        "description": s.description or "",
        "storeId": s.store_id,
        "bufferMinutes": s.buffer,
    }


def staff_view(s: Staff) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "title": s.title or "",
        "storeId": s.store_id,
        "serviceIds": list(s.service_ids),
    }


def slot_view(slot: Slot, tz: ZoneInfo, duration: int) -> dict[str, Any]:
    return {"start": _hhmm(slot.start, tz), "end": _hhmm(slot.end, tz), "duration": duration}


def appointment_view(located: AppointmentAt, detail: bool = False) -> dict[str, Any]:
    appt, place = located.appointment, located.place
    day, time_slot = rules.local_date_and_time(appt.start, place.tz)
    view: dict[str, Any] = {
        "id": appt.id,
        "date": day,
        "timeSlot": time_slot,
        "appointmentDateTime": rules.local_iso(appt.start, place.tz),
        "status": appt.status,
        "totalAmount": appt.total_amount,
        "duration": appt.duration,
        "serviceName": appt.service_name,
    }
    if detail:
        view.update(
            {
                "serviceId": appt.service_id,
                "staffId": appt.staff_id,
                "staffName": appt.staff_name,
                "storeId": appt.store_id,
                "storeName": place.name,
                "businessPhone": place.phone,
                "endTime": _hhmm(appt.end, place.tz),
                "customerInfo": appt.customer,
                "requiresPayment": appt.out_trade_no is not None,
                "refundStatus": appt.refund_status,
                "cancelReason": appt.cancel_reason,
                "createdAt": appt.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    return view


def appointment_brief(appt: Appointment, tz: ZoneInfo) -> dict[str, Any]:
    day, time_slot = rules.local_date_and_time(appt.start, tz)
    return {
        "id": appt.id,
        "date": day,
        "timeSlot": time_slot,
        "appointmentDateTime": rules.local_iso(appt.start, tz),
        "endTime": _hhmm(appt.end, tz),
        "status": appt.status,
        "serviceName": appt.service_name,
        "duration": appt.duration,
        "customerName": appt.customer.get("name"),
    }


def block_view(block: Block, tz: ZoneInfo) -> dict[str, Any]:
    day, time_slot = rules.local_date_and_time(block.start, tz)
    return {
        "id": block.id,
        "staffId": block.staff_id,
        "date": day,
        "timeSlot": time_slot,
        "endTime": _hhmm(block.end, tz),
        "reason": block.reason,
        "blockedBy": block.blocked_by,
    }


def availability_view(staff: Staff) -> dict[str, Any]:
    return {"weeklyHours": staff.hours, "breaks": staff.breaks, "daysOff": list(staff.days_off)}


def preferences_view(p: Preferences) -> dict[str, Any]:
    return {"sms": p.sms, "email": p.email, "push": p.push, "reminderTimes": list(p.reminder_times)}


def schedule_view(days: list[DaySchedule], tz: ZoneInfo) -> list[dict[str, Any]]:
    return [
        {
            "date": d.day.isoformat(),
            "dayOff": d.day_off,
            "workingHours": [{"start": _hhmm(a, tz), "end": _hhmm(b, tz)} for a, b in d.windows],
            "appointments": [appointment_brief(a, tz) for a in d.appointments],
            "blocks": [block_view(b, tz) for b in d.blocks],
        }
        for d in days
    ]


def obstacle_view(obstacle: Obstacle, tz: ZoneInfo) -> dict[str, Any]:
    if obstacle.appointment is not None:
        return {"type": "appointment", **appointment_brief(obstacle.appointment, tz)}
    if obstacle.block is not None:
        return {"type": "block", **block_view(obstacle.block, tz)}
    return {"type": obstacle.kind, "date": obstacle.day.isoformat()}


def _utilization(booked: int, working: int) -> float:
    return round(booked / working, 4) if working else 0.0


def _staff_day_view(row: StaffDay) -> dict[str, Any]:
    return {
        "staffId": row.staff.id,
        "staffName": row.staff.name,
        "storeId": row.staff.store_id,
        "dayOff": row.day_off,
        "workingMinutes": row.working_minutes,
        "bookedMinutes": row.booked_minutes,
        "utilization": _utilization(row.booked_minutes, row.working_minutes),
        "appointments": [appointment_brief(a, row.tz) for a in row.appointments],
        "blocks": [block_view(b, row.tz) for b in row.blocks],
    }


def overview_view(overview: Overview) -> dict[str, Any]:
    totals = {
        "appointments": sum(len(r.appointments) for r in overview.rows),
        "bookedMinutes": sum(r.booked_minutes for r in overview.rows),
        "workingMinutes": sum(r.working_minutes for r in overview.rows),
        "blocks": sum(len(r.blocks) for r in overview.rows),
    }
    return {
        "date": overview.day.isoformat(),
        "staff": [_staff_day_view(r) for r in overview.rows],
        "totals": {**totals, "utilization": _utilization(totals["bookedMinutes"], totals["workingMinutes"])},
    }
