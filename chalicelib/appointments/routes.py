"""Appointment routes: parse, call the service, shape the response the mini program reads."""

from __future__ import annotations

from typing import Any

from chalicelib.appointments import rules, service
from chalicelib.appointments.models import Appointment, Preferences, Service, Staff
from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, query

bp = ApiBlueprint(__name__)
_effects = service.AwsEffects()


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


def appointment_view(appt: Appointment, place: service.Place | None = None, detail: bool = False) -> dict[str, Any]:
    place = place or service.place_of(appt.store_id)
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
                "endTime": rules.local_date_and_time(appt.end, place.tz)[1],
                "customerInfo": appt.customer,
                "requiresPayment": appt.out_trade_no is not None,
                "refundStatus": appt.refund_status,
                "cancelReason": appt.cancel_reason,
                "createdAt": appt.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
    return view


def preferences_view(p: Preferences) -> dict[str, Any]:
    return {"sms": p.sms, "email": p.email, "push": p.push, "reminderTimes": list(p.reminder_times)}


# --- catalogue and availability (public) ------------------------------------------------------
@bp.route("/api/appointments/services", methods=["GET"])
def appointment_services() -> object:
    store_id = query(bp.request).text("storeId", max_length=64)
    services = sorted(service.models.list_services(store_id), key=lambda s: (s.store_id, s.duration, s.id))
    return json_response({"services": [service_view(s) for s in services]})


@bp.route("/api/appointments/services/{service_id}/staff", methods=["GET"])
def appointment_service_staff(service_id: str) -> object:
    found = service.require_service(service_id)
    return json_response({"staff": [staff_view(s) for s in service.list_staff_for(found)]})


@bp.route("/api/appointments/availability/dates", methods=["GET"])
def appointment_available_dates() -> object:
    params = query(bp.request)
    svc = service.require_service(params.require_text("serviceId", max_length=64))
    staff = service.require_staff(params.require_text("staffId", max_length=64))
    days = params.integer("days", default=30, minimum=1, maximum=rules.MAX_AVAILABILITY_DAYS)
    assert days is not None
    return json_response({"dates": service.available_dates(svc, staff, days, clock().now())})


@bp.route("/api/appointments/availability/slots", methods=["GET"])
def appointment_available_slots() -> object:
    params = query(bp.request)
    svc = service.require_service(params.require_text("serviceId", max_length=64))
    staff = service.require_staff(params.require_text("staffId", max_length=64))
    day = rules.parse_date(params.require_text("date", max_length=10))
    tz = service.place_of(staff.store_id).tz
    slots = service.available_slots(svc, staff, day, clock().now())
    return json_response(
        {
            "slots": [
                {
                    "start": s.start.astimezone(tz).strftime("%H:%M"),
                    "end": s.end.astimezone(tz).strftime("%H:%M"),
                    "duration": svc.duration,
                }
                for s in slots
            ]
        }
    )


# --- booking and payment ----------------------------------------------------------------------
@bp.route("/api/appointments/book", methods=["POST"])
def appointment_book() -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    request = service.BookingRequest(
        service_id=body.require_text("serviceId", max_length=64),
        staff_id=body.require_text("staffId", max_length=64),
        day=rules.parse_date(body.raw("date")),
        time_slot=rules.parse_time(body.raw("timeSlot")),
        customer=rules.customer_info(body.raw("customerInfo")),
        total_amount=body.raw("totalAmount"),
    )
    appt = service.book(principal, request, clock().now(), _effects)
    return json_response({"success": True, "appointment": appointment_view(appt)})


@bp.route("/api/appointments/payment", methods=["POST"])
def appointment_payment() -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    appointment_id = body.require_text("appointmentId", max_length=64)
    return json_response(service.payment_params(principal, appointment_id, body.raw("amount"), _effects))


# --- staff and merchant (static paths before /{id}) ------------------------------------------
@bp.route("/api/appointments/staff/{staff_id}/schedule", methods=["GET"])
def appointment_staff_schedule(staff_id: str) -> object:
    principal = current_principal(bp.request)
    params = query(bp.request)
    start = rules.parse_date(params.require_text("startDate", max_length=10), "startDate")
    end = rules.parse_date(params.require_text("endDate", max_length=10), "endDate")
    return json_response({"schedule": service.staff_schedule(principal, staff_id, start, end)})


@bp.route("/api/appointments/staff/{staff_id}/availability", methods=["PUT"])
def appointment_staff_availability(staff_id: str) -> object:
    principal = current_principal(bp.request)
    staff = service.update_availability(principal, staff_id, json_body(bp.request).raw("availability"))
    return json_response({"success": True, "availability": service.availability_view(staff)})


@bp.route("/api/appointments/schedule/block", methods=["POST"])
def appointment_block() -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    staff_id = body.require_text("staffId", max_length=64)
    day = rules.parse_date(body.raw("date"))
    block = service.block_time(
        principal,
        staff_id,
        day,
        body.raw("timeSlot"),
        body.raw("duration"),
        body.text("reason", max_length=200),
        body.raw("blockedBy"),
        clock().now(),
    )
    tz = service.place_of(block.store_id).tz
    return json_response({"success": True, "block": service.block_view(block, tz)})


@bp.route("/api/appointments/schedule/unblock/{block_id}", methods=["DELETE"])
def appointment_unblock(block_id: str) -> object:
    service.unblock(current_principal(bp.request), block_id)
    return json_response({"success": True})


@bp.route("/api/appointments/schedule/conflicts", methods=["GET"])
def appointment_conflicts() -> object:
    principal = current_principal(bp.request)
    params = query(bp.request)
    staff_id = params.require_text("staffId", max_length=64)
    day = rules.parse_date(params.require_text("date", max_length=10))
    time_slot = params.require_text("timeSlot", max_length=11)  # "HH:MM" or "HH:MM-HH:MM"
    duration = params.integer("duration", minimum=1, maximum=24 * 60)
    found = service.conflicts(principal, staff_id, day, time_slot, duration)
    return json_response({"conflicts": found, "available": not found})


@bp.route("/api/appointments/schedule/overview", methods=["GET"])
def appointment_overview() -> object:
    principal = current_principal(bp.request)
    params = query(bp.request)
    day = rules.parse_date(params.require_text("date", max_length=10))
    return json_response({"overview": service.overview(principal, day, params.text("storeId", max_length=64))})


@bp.route("/api/appointments/analytics/{report}", methods=["GET"])
def appointment_analytics(report: str) -> object:
    principal = current_principal(bp.request)
    period = query(bp.request).text("period", max_length=5)
    return json_response(service.analytics_report(principal, report, period, clock().now()))


# --- one appointment --------------------------------------------------------------------------
@bp.route("/api/appointments/{appointment_id}", methods=["GET"])
def appointment_detail(appointment_id: str) -> object:
    principal = current_principal(bp.request)
    appt = service.require_appointment(appointment_id)
    service.ensure_can_see(principal, appt)
    return json_response({"appointment": appointment_view(appt, detail=True)})


@bp.route("/api/appointments/{appointment_id}/cancel", methods=["PUT"])
def appointment_cancel(appointment_id: str) -> object:
    principal = current_principal(bp.request)
    reason = json_body(bp.request).text("reason", max_length=200) or ""
    appt = service.cancel(principal, appointment_id, reason, clock().now(), _effects)
    return json_response({"success": True, "appointment": appointment_view(appt, detail=True)})


@bp.route("/api/appointments/{appointment_id}/reschedule", methods=["PUT"])
def appointment_reschedule(appointment_id: str) -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    day = rules.parse_date(body.raw("date"))
    time_slot = rules.parse_time(body.raw("timeSlot"))
    appt = service.reschedule(principal, appointment_id, day, time_slot, clock().now(), _effects)
    return json_response({"success": True, "appointment": appointment_view(appt, detail=True)})


@bp.route("/api/appointments/{appointment_id}/complete", methods=["PUT", "POST"])
def appointment_complete(appointment_id: str) -> object:
    appt = service.mark(current_principal(bp.request), appointment_id, "complete", clock().now(), _effects)
    return json_response({"success": True, "appointment": appointment_view(appt, detail=True)})


@bp.route("/api/appointments/{appointment_id}/no-show", methods=["PUT", "POST"])
def appointment_no_show(appointment_id: str) -> object:
    appt = service.mark(current_principal(bp.request), appointment_id, "no-show", clock().now(), _effects)
    return json_response({"success": True, "appointment": appointment_view(appt, detail=True)})


@bp.route("/api/appointments/{appointment_id}/notifications/{notice}", methods=["POST"])
def appointment_notice(appointment_id: str, notice: str) -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    note = service.send_notice(
        principal,
        appointment_id,
        notice,
        {"type": body.text("type", max_length=8), "reason": body.text("reason")},
        _effects,
    )
    return json_response({"success": True, "notificationId": note.id, "channels": list(note.channels)})


@bp.route("/api/appointments/{appointment_id}/reminders/schedule", methods=["POST"])
def appointment_schedule_reminders(appointment_id: str) -> object:
    principal = current_principal(bp.request)
    times = json_body(bp.request).raw("reminderTimes")
    scheduled = service.schedule_reminders(principal, appointment_id, times, clock().now(), _effects)
    return json_response({"success": True, "reminders": scheduled})


# --- customer preferences ---------------------------------------------------------------------
@bp.route("/api/customers/{customer_id}/notification-preferences", methods=["GET"])
def appointment_get_preferences(customer_id: str) -> object:
    prefs = service.get_preferences(current_principal(bp.request), customer_id)
    return json_response({"preferences": preferences_view(prefs)})


@bp.route("/api/customers/{customer_id}/notification-preferences", methods=["PUT"])
def appointment_put_preferences(customer_id: str) -> object:
    principal = current_principal(bp.request)
    prefs = service.put_preferences(principal, customer_id, json_body(bp.request).raw("preferences"), clock().now())
    return json_response({"success": True, "preferences": preferences_view(prefs)})
