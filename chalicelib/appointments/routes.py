"""Appointment routes: parse the request into a typed value, call the use case, shape the response.

The API function serves every area, so the appointments modules (use cases, requests, views, the
repository) are imported by the first appointments request, not at the function's cold start."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, query

if TYPE_CHECKING:
    from chalicelib.appointments.ports import Deps

bp = ApiBlueprint(__name__)


@cache
def _deps() -> Deps:
    from chalicelib.appointments.adapters import aws_deps

    return aws_deps()


# --- catalogue and availability (public) ------------------------------------------------------
@bp.route("/api/appointments/services", methods=["GET"])
def appointment_services() -> object:
    from chalicelib.appointments import queries, requests, views
    from chalicelib.merchants.api import tenant_id

    found = queries.services(_deps(), tenant_id(), requests.store_filter(query(bp.request)))
    return json_response({"services": [views.service_view(s) for s in found]})


@bp.route("/api/appointments/services/{service_id}/staff", methods=["GET"])
def appointment_service_staff(service_id: str) -> object:
    from chalicelib.appointments import queries, views

    return json_response({"staff": [views.staff_view(s) for s in queries.staff_for_service(_deps(), service_id)]})


@bp.route("/api/appointments/availability/dates", methods=["GET"])
def appointment_available_dates() -> object:
    from chalicelib.appointments import booking, requests

    dates = booking.available_dates(_deps(), requests.dates_query(query(bp.request)), clock().now())
    return json_response({"dates": dates})


@bp.route("/api/appointments/availability/slots", methods=["GET"])
def appointment_available_slots() -> object:
    from chalicelib.appointments import booking, requests, views

    slots, service, tz = booking.available_slots(_deps(), requests.slots_query(query(bp.request)), clock().now())
    return json_response({"slots": [views.slot_view(s, tz, service.duration) for s in slots]})


# --- booking and payment ----------------------------------------------------------------------
@bp.route("/api/appointments/book", methods=["POST"])
def appointment_book() -> object:
    from chalicelib.appointments import booking, requests, views

    principal = current_principal(bp.request)
    booked = booking.book(_deps(), principal, requests.booking_request(json_body(bp.request)), clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(booked)})


@bp.route("/api/appointments/payment", methods=["POST"])
def appointment_payment() -> object:
    from chalicelib.appointments import booking, requests

    principal = current_principal(bp.request)
    return json_response(booking.payment_params(_deps(), principal, requests.payment_request(json_body(bp.request))))


# --- staff and merchant (static paths before /{id}) ------------------------------------------
@bp.route("/api/appointments/staff/{staff_id}/schedule", methods=["GET"])
def appointment_staff_schedule(staff_id: str) -> object:
    from chalicelib.appointments import requests, schedule, views

    principal = current_principal(bp.request)
    wanted = requests.schedule_query(query(bp.request))
    days, tz = schedule.staff_schedule(_deps(), principal, staff_id, wanted.days)
    return json_response({"schedule": views.schedule_view(days, tz)})


@bp.route("/api/appointments/staff/{staff_id}/availability", methods=["PUT"])
def appointment_staff_availability(staff_id: str) -> object:
    from chalicelib.appointments import requests, schedule, views

    principal = current_principal(bp.request)
    update = requests.availability_update(json_body(bp.request))
    staff = schedule.update_availability(_deps(), principal, staff_id, update)
    return json_response({"success": True, "availability": views.availability_view(staff)})


@bp.route("/api/appointments/schedule/block", methods=["POST"])
def appointment_block() -> object:
    from chalicelib.appointments import requests, schedule, views

    principal = current_principal(bp.request)
    block, place = schedule.block_time(_deps(), principal, requests.block_request(json_body(bp.request)), clock().now())
    return json_response({"success": True, "block": views.block_view(block, place.tz)})


@bp.route("/api/appointments/schedule/unblock/{block_id}", methods=["DELETE"])
def appointment_unblock(block_id: str) -> object:
    from chalicelib.appointments import schedule

    schedule.unblock(_deps(), current_principal(bp.request), block_id)
    return json_response({"success": True})


@bp.route("/api/appointments/schedule/conflicts", methods=["GET"])
def appointment_conflicts() -> object:
    from chalicelib.appointments import requests, schedule, views

    principal = current_principal(bp.request)
    found, tz = schedule.conflicts(_deps(), principal, requests.conflicts_query(query(bp.request)))
    return json_response({"conflicts": [views.obstacle_view(o, tz) for o in found], "available": not found})


@bp.route("/api/appointments/schedule/overview", methods=["GET"])
def appointment_overview() -> object:
    from chalicelib.appointments import requests, schedule, views

    principal = current_principal(bp.request)
    overview = schedule.overview(_deps(), principal, requests.overview_query(query(bp.request)))
    return json_response({"overview": views.overview_view(overview)})


@bp.route("/api/appointments/analytics/{report}", methods=["GET"])
def appointment_analytics(report: str) -> object:
    from chalicelib.appointments import queries, requests

    principal = current_principal(bp.request)
    days = requests.analytics_days(query(bp.request))
    return json_response(queries.analytics_report(_deps(), principal, report, days, clock().now()))


# --- one appointment --------------------------------------------------------------------------
@bp.route("/api/appointments/{appointment_id}", methods=["GET"])
def appointment_detail(appointment_id: str) -> object:
    from chalicelib.appointments import queries, views

    found = queries.detail(_deps(), current_principal(bp.request), appointment_id)
    return json_response({"appointment": views.appointment_view(found, detail=True)})


@bp.route("/api/appointments/{appointment_id}/cancel", methods=["PUT"])
def appointment_cancel(appointment_id: str) -> object:
    from chalicelib.appointments import changes, requests, views

    principal = current_principal(bp.request)
    reason = requests.cancel_reason(json_body(bp.request))
    cancelled = changes.cancel(_deps(), principal, appointment_id, reason, clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(cancelled, detail=True)})


@bp.route("/api/appointments/{appointment_id}/reschedule", methods=["PUT"])
def appointment_reschedule(appointment_id: str) -> object:
    from chalicelib.appointments import changes, requests, views

    principal = current_principal(bp.request)
    request = requests.reschedule_request(json_body(bp.request))
    moved = changes.reschedule(_deps(), principal, appointment_id, request, clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(moved, detail=True)})


@bp.route("/api/appointments/{appointment_id}/complete", methods=["PUT", "POST"])
def appointment_complete(appointment_id: str) -> object:
    from chalicelib.appointments import changes, views

    done = changes.mark(_deps(), current_principal(bp.request), appointment_id, "complete", clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(done, detail=True)})


@bp.route("/api/appointments/{appointment_id}/no-show", methods=["PUT", "POST"])
def appointment_no_show(appointment_id: str) -> object:
    from chalicelib.appointments import changes, views

    done = changes.mark(_deps(), current_principal(bp.request), appointment_id, "no-show", clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(done, detail=True)})


@bp.route("/api/appointments/{appointment_id}/notifications/{notice}", methods=["POST"])
def appointment_notice(appointment_id: str, notice: str) -> object:
    from chalicelib.appointments import reminders, requests

    principal = current_principal(bp.request)
    request = requests.notice_request(json_body(bp.request))
    note = reminders.send_notice(_deps(), principal, appointment_id, notice, request)
    return json_response({"success": True, "notificationId": note.id, "channels": list(note.channels)})


@bp.route("/api/appointments/{appointment_id}/reminders/schedule", methods=["POST"])
def appointment_schedule_reminders(appointment_id: str) -> object:
    from chalicelib.appointments import reminders, requests

    principal = current_principal(bp.request)
    names = requests.reminder_times(json_body(bp.request))
    scheduled = reminders.schedule_reminders(_deps(), principal, appointment_id, names, clock().now())
    return json_response({"success": True, "reminders": scheduled})


# --- customer preferences ---------------------------------------------------------------------
@bp.route("/api/customers/{customer_id}/notification-preferences", methods=["GET"])
def appointment_get_preferences(customer_id: str) -> object:
    from chalicelib.appointments import reminders, views

    prefs = reminders.get_preferences(_deps(), current_principal(bp.request), customer_id)
    return json_response({"preferences": views.preferences_view(prefs)})


@bp.route("/api/customers/{customer_id}/notification-preferences", methods=["PUT"])
def appointment_put_preferences(customer_id: str) -> object:
    from chalicelib.appointments import reminders, requests, views

    principal = current_principal(bp.request)
    update = requests.preferences_update(json_body(bp.request))
    prefs = reminders.put_preferences(_deps(), principal, customer_id, update, clock().now())
    return json_response({"success": True, "preferences": views.preferences_view(prefs)})
