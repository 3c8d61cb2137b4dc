"""Virtual queue: public queue state, customers' tickets, and staff calling the line."""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, query
from chalicelib.storequeue import service
from chalicelib.storequeue.rules import TicketStatus
from chalicelib.stores.api import require_store

bp = ApiBlueprint(__name__)


@bp.route("/api/stores/{store_id}/queue", methods=["GET"])
def queue_info(store_id: str) -> object:
    current_principal(bp.request)  # signed-in callers only: just login, stores and the catalog are public
    store = require_store(store_id)
    return json_response(service.queue_info(store, clock().now()))


@bp.route("/api/queue/join", methods=["POST"])
def join() -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    user_id = principal.ensure_self(body.text("userId", max_length=64))
    store = require_store(body.require_text("storeId", max_length=64))
    now = clock().now()
    ticket = service.join(store, user_id, now)
    return json_response({"success": True, "ticket": service.ticket_details(ticket, store, now)})


@bp.route("/api/queue/user/{user_id}", methods=["GET"])
def user_ticket(user_id: str) -> object:
    principal = current_principal(bp.request)
    principal.ensure_self(user_id)
    store_id = query(bp.request).text("storeId", max_length=64)
    now = clock().now()
    found = service.active_tickets(principal.user_id, now, store_id)
    views = [service.ticket_details(ticket, store, now) for ticket, store in found]
    return json_response({"ticket": views[0] if views else None, "tickets": views})


@bp.route("/api/queue/leave/{ticket_id}", methods=["DELETE"])
def leave(ticket_id: str) -> object:
    principal = current_principal(bp.request)
    ticket = service.require_ticket(ticket_id)
    now = clock().now()
    ticket = service.leave(ticket, principal, now)
    store = require_store(ticket.store_id)
    return json_response({"success": True, "ticket": service.ticket_details(ticket, store, now)})


@bp.route("/api/stores/{store_id}/queue/call-next", methods=["POST"])
def call_next(store_id: str) -> object:
    principal = current_principal(bp.request)
    store = require_store(store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    now = clock().now()
    ticket = service.call_next(store, now)
    view = service.ticket_details(ticket, store, now) if ticket else None
    return json_response({"success": True, "ticket": view, "queue": service.queue_info(store, now)})


def _finish(ticket_id: str, status: TicketStatus) -> object:
    principal = current_principal(bp.request)
    ticket = service.require_ticket(ticket_id)
    store = require_store(ticket.store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    now = clock().now()
    ticket = service.finish(ticket, status, now)
    return json_response({"success": True, "ticket": service.ticket_details(ticket, store, now)})


@bp.route("/api/queue/tickets/{ticket_id}/complete", methods=["POST"])
def complete(ticket_id: str) -> object:
    return _finish(ticket_id, TicketStatus.COMPLETED)


@bp.route("/api/queue/tickets/{ticket_id}/no-show", methods=["POST"])
def no_show(ticket_id: str) -> object:
    return _finish(ticket_id, TicketStatus.NO_SHOW)
