"""Appointment routes: parse the request into a typed value, call the use case, shape the response.

The API function serves every area, so the appointments modules (use cases, requests, views, the
repository) are imported by the first appointments request, not at the function's cold start."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from chalicelib.appointments import answers as a
from chalicelib.appointments import requests as r
from chalicelib.core.clock import clock
from chalicelib.core.contract import ADMIN, PUBLIC, STAFF, RouteContract, Success
from chalicelib.core.http import ApiBlueprint, current_principal, json_response

if TYPE_CHECKING:
    from chalicelib.appointments.ports import Deps

bp = ApiBlueprint(__name__)


@cache
def _deps() -> Deps:
    from chalicelib.appointments.adapters import aws_deps

    return aws_deps()


# --- catalogue and availability (public) ------------------------------------------------------
@bp.route(
    "/api/appointments/services",
    methods=["GET"],
    contract=RouteContract(
        query=r.StoreFilterParams, answers={200: a.ServicesAnswer}, roles=PUBLIC, summary="Bookable services"
    ),
)
def appointment_services() -> object:
    from chalicelib.appointments import queries, views
    from chalicelib.merchants.api import tenant_id

    found = queries.services(_deps(), tenant_id(), r.store_filter(bp.query(r.StoreFilterParams)))
    return json_response({"services": [views.service_view(s) for s in found]})


@bp.route(
    "/api/appointments/services/{service_id}/staff",
    methods=["GET"],
    contract=RouteContract(answers={200: a.ServiceStaffAnswer}, roles=PUBLIC, summary="Staff who offer a service"),
)
def appointment_service_staff(service_id: str) -> object:
    from chalicelib.appointments import queries, views

    return json_response({"staff": [views.staff_view(s) for s in queries.staff_for_service(_deps(), service_id)]})


@bp.route(
    "/api/appointments/availability/dates",
    methods=["GET"],
    contract=RouteContract(
        query=r.DatesParams, answers={200: a.DatesAnswer}, roles=PUBLIC, summary="Dates with a free slot"
    ),
)
def appointment_available_dates() -> object:
    from chalicelib.appointments import booking

    dates = booking.available_dates(_deps(), r.dates_query(bp.query(r.DatesParams)), clock().now())
    return json_response({"dates": dates})


@bp.route(
    "/api/appointments/availability/slots",
    methods=["GET"],
    contract=RouteContract(
        query=r.SlotsParams, answers={200: a.SlotsAnswer}, roles=PUBLIC, summary="Free slots on a date"
    ),
)
def appointment_available_slots() -> object:
    from chalicelib.appointments import booking, views

    slots, service, tz = booking.available_slots(_deps(), r.slots_query(bp.query(r.SlotsParams)), clock().now())
    return json_response({"slots": [views.slot_view(s, tz, service.duration) for s in slots]})


# --- booking and payment ----------------------------------------------------------------------
@bp.route(
    "/api/appointments/book",
    methods=["POST"],
    contract=RouteContract(
        body=r.BookingBody, answers={200: a.AppointmentChangedAnswer}, errors=(404, 409, 429), summary="Book"
    ),
)
def appointment_book() -> object:
    from chalicelib.appointments import booking, views

    principal = current_principal(bp.request)
    booked = booking.book(_deps(), principal, r.booking_request(bp.body(r.BookingBody)), clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(booked)})


@bp.route(
    "/api/appointments/payment",
    methods=["POST"],
    contract=RouteContract(
        body=r.PaymentBody, answers={200: a.PaymentAnswer}, errors=(404, 409), summary="wx.requestPayment parameters"
    ),
)
def appointment_payment() -> object:
    from chalicelib.appointments import booking

    principal = current_principal(bp.request)
    return json_response(booking.payment_params(_deps(), principal, r.payment_request(bp.body(r.PaymentBody))))


# --- staff and merchant (static paths before /{id}) ------------------------------------------
@bp.route(
    "/api/appointments/staff/{staff_id}/schedule",
    methods=["GET"],
    contract=RouteContract(
        query=r.ScheduleParams, answers={200: a.ScheduleAnswer}, roles=STAFF, summary="A stylist's schedule"
    ),
)
def appointment_staff_schedule(staff_id: str) -> object:
    from chalicelib.appointments import schedule, views

    principal = current_principal(bp.request)
    wanted = r.schedule_query(bp.query(r.ScheduleParams))
    days, tz = schedule.staff_schedule(_deps(), principal, staff_id, wanted.days)
    return json_response({"schedule": views.schedule_view(days, tz)})


@bp.route(
    "/api/appointments/staff/{staff_id}/availability",
    methods=["PUT"],
    contract=RouteContract(
        body=r.AvailabilityUpdateBody,
        answers={200: a.AvailabilityChangedAnswer},
        roles=STAFF,
        summary="Set working hours",
    ),
)
def appointment_staff_availability(staff_id: str) -> object:
    from chalicelib.appointments import schedule, views

    principal = current_principal(bp.request)
    update = r.availability_update(bp.body(r.AvailabilityUpdateBody))
    staff = schedule.update_availability(_deps(), principal, staff_id, update)
    return json_response({"success": True, "availability": views.availability_view(staff)})


@bp.route(
    "/api/appointments/schedule/block",
    methods=["POST"],
    contract=RouteContract(
        body=r.BlockBody, answers={200: a.BlockedAnswer}, errors=(404, 409), roles=STAFF, summary="Block time"
    ),
)
def appointment_block() -> object:
    from chalicelib.appointments import schedule, views

    principal = current_principal(bp.request)
    block, place = schedule.block_time(_deps(), principal, r.block_request(bp.body(r.BlockBody)), clock().now())
    return json_response({"success": True, "block": views.block_view(block, place.tz)})


@bp.route(
    "/api/appointments/schedule/unblock/{block_id}",
    methods=["DELETE"],
    contract=RouteContract(answers={200: Success}, roles=STAFF, summary="Remove a block"),
)
def appointment_unblock(block_id: str) -> object:
    from chalicelib.appointments import schedule

    schedule.unblock(_deps(), current_principal(bp.request), block_id)
    return json_response({"success": True})


@bp.route(
    "/api/appointments/schedule/conflicts",
    methods=["GET"],
    contract=RouteContract(
        query=r.ConflictsParams,
        answers={200: a.ConflictsAnswer},
        errors=(404,),
        roles=STAFF,
        summary="What a time overlaps",
    ),
)
def appointment_conflicts() -> object:
    from chalicelib.appointments import schedule, views

    principal = current_principal(bp.request)
    found, tz = schedule.conflicts(_deps(), principal, r.conflicts_query(bp.query(r.ConflictsParams)))
    return json_response({"conflicts": [views.obstacle_view(o, tz) for o in found], "available": not found})


@bp.route(
    "/api/appointments/schedule/overview",
    methods=["GET"],
    contract=RouteContract(
        query=r.OverviewParams, answers={200: a.OverviewAnswer}, roles=STAFF, summary="A day across staff"
    ),
)
def appointment_overview() -> object:
    from chalicelib.appointments import schedule, views

    principal = current_principal(bp.request)
    overview = schedule.overview(_deps(), principal, r.overview_query(bp.query(r.OverviewParams)))
    return json_response({"overview": views.overview_view(overview)})


@bp.route(
    "/api/appointments/analytics/{report}",
    methods=["GET"],
    contract=RouteContract(query=r.AnalyticsParams, answers={200: a.AnalyticsAnswer}, roles=ADMIN, summary="A report"),
)
def appointment_analytics(report: str) -> object:
    from chalicelib.appointments import queries

    principal = current_principal(bp.request)
    days = r.analytics_days(bp.query(r.AnalyticsParams))
    return json_response(queries.analytics_report(_deps(), principal, report, days, clock().now()))


# --- one appointment --------------------------------------------------------------------------
@bp.route(
    "/api/appointments/{appointment_id}",
    methods=["GET"],
    contract=RouteContract(answers={200: a.AppointmentDetailAnswer}, summary="One appointment"),
)
def appointment_detail(appointment_id: str) -> object:
    from chalicelib.appointments import queries, views

    found = queries.detail(_deps(), current_principal(bp.request), appointment_id)
    return json_response({"appointment": views.appointment_view(found, detail=True)})


@bp.route(
    "/api/appointments/{appointment_id}/cancel",
    methods=["PUT"],
    contract=RouteContract(
        body=r.CancelBody, answers={200: a.AppointmentChangedAnswer}, errors=(409,), summary="Cancel"
    ),
)
def appointment_cancel(appointment_id: str) -> object:
    from chalicelib.appointments import changes, views

    principal = current_principal(bp.request)
    reason = r.cancel_reason(bp.body(r.CancelBody))
    cancelled = changes.cancel(_deps(), principal, appointment_id, reason, clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(cancelled, detail=True)})


@bp.route(
    "/api/appointments/{appointment_id}/reschedule",
    methods=["PUT"],
    contract=RouteContract(
        body=r.RescheduleBody, answers={200: a.AppointmentChangedAnswer}, errors=(409,), summary="Move"
    ),
)
def appointment_reschedule(appointment_id: str) -> object:
    from chalicelib.appointments import changes, views

    principal = current_principal(bp.request)
    request = r.reschedule_request(bp.body(r.RescheduleBody))
    moved = changes.reschedule(_deps(), principal, appointment_id, request, clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(moved, detail=True)})


@bp.route(
    "/api/appointments/{appointment_id}/complete",
    methods=["PUT", "POST"],
    contract=RouteContract(answers={200: a.AppointmentChangedAnswer}, errors=(409,), roles=STAFF, summary="Mark done"),
)
def appointment_complete(appointment_id: str) -> object:
    from chalicelib.appointments import changes, views

    done = changes.mark(_deps(), current_principal(bp.request), appointment_id, "complete", clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(done, detail=True)})


@bp.route(
    "/api/appointments/{appointment_id}/no-show",
    methods=["PUT", "POST"],
    contract=RouteContract(
        answers={200: a.AppointmentChangedAnswer}, errors=(409,), roles=STAFF, summary="Mark no-show"
    ),
)
def appointment_no_show(appointment_id: str) -> object:
    from chalicelib.appointments import changes, views

    done = changes.mark(_deps(), current_principal(bp.request), appointment_id, "no-show", clock().now())
    return json_response({"success": True, "appointment": views.appointment_view(done, detail=True)})


@bp.route(
    "/api/appointments/{appointment_id}/notifications/{notice}",
    methods=["POST"],
    contract=RouteContract(
        body=r.NoticeBody,
        answers={200: a.NoticeAnswer},
        errors=(409,),
        summary="Notify the customer (staff; a customer for their own booking, not reminders)",
    ),
)
def appointment_notice(appointment_id: str, notice: str) -> object:
    from chalicelib.appointments import reminders

    principal = current_principal(bp.request)
    request = r.notice_request(bp.body(r.NoticeBody))
    note = reminders.send_notice(_deps(), principal, appointment_id, notice, request)
    return json_response({"success": True, "notificationId": note.id, "channels": list(note.channels)})


@bp.route(
    "/api/appointments/{appointment_id}/reminders/schedule",
    methods=["POST"],
    contract=RouteContract(
        body=r.RemindersBody, answers={200: a.RemindersAnswer}, errors=(409,), summary="Schedule reminders"
    ),
)
def appointment_schedule_reminders(appointment_id: str) -> object:
    from chalicelib.appointments import reminders

    principal = current_principal(bp.request)
    names = r.reminder_times(bp.body(r.RemindersBody))
    scheduled = reminders.schedule_reminders(_deps(), principal, appointment_id, names, clock().now())
    return json_response({"success": True, "reminders": scheduled})


# --- customer preferences ---------------------------------------------------------------------
@bp.route(
    "/api/customers/{customer_id}/notification-preferences",
    methods=["GET"],
    contract=RouteContract(answers={200: a.PreferencesReadAnswer}, summary="My notification preferences"),
)
def appointment_get_preferences(customer_id: str) -> object:
    from chalicelib.appointments import reminders, views

    prefs = reminders.get_preferences(_deps(), current_principal(bp.request), customer_id)
    return json_response({"preferences": views.preferences_view(prefs)})


@bp.route(
    "/api/customers/{customer_id}/notification-preferences",
    methods=["PUT"],
    contract=RouteContract(
        body=r.PreferencesUpdateBody,
        answers={200: a.PreferencesChangedAnswer},
        summary="Set my notification preferences",
    ),
)
def appointment_put_preferences(customer_id: str) -> object:
    from chalicelib.appointments import reminders, views

    principal = current_principal(bp.request)
    update = r.preferences_update(bp.body(r.PreferencesUpdateBody))
    prefs = reminders.put_preferences(_deps(), principal, customer_id, update, clock().now())
    return json_response({"success": True, "preferences": views.preferences_view(prefs)})
