"""Virtual queue: public queue state, customers' tickets, and staff calling the line.

The area's code is imported by the handlers, on the first request that needs it: registering the
routes costs the API function's cold start nothing beyond this module.
"""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.contract import STAFF, RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response
from chalicelib.storequeue.requests import (
    CalledAnswer,
    JoinBody,
    MyTicketsAnswer,
    MyTicketsParams,
    QueueAnswer,
    TicketChangedAnswer,
)

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/stores/{store_id}/queue",
    methods=["GET"],
    contract=RouteContract(answers={200: QueueAnswer}, summary="A store's queue now"),
)
def queue_info(store_id: str) -> object:
    from chalicelib.storequeue import service, views
    from chalicelib.storequeue.adapters import live_ports
    from chalicelib.stores.api import require_store

    current_principal(bp.request)  # signed-in callers only: just login, stores and the catalog are public
    store = require_store(store_id)
    return json_response(views.queue_view(service.queue_info(live_ports(), store, clock().now())))


@bp.route(
    "/api/queue/join",
    methods=["POST"],
    contract=RouteContract(
        body=JoinBody, answers={200: TicketChangedAnswer}, errors=(409, 429), summary="Take a ticket"
    ),
)
def join() -> object:
    from chalicelib.storequeue import service, views
    from chalicelib.storequeue.adapters import live_ports
    from chalicelib.storequeue.requests import JoinRequest
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    request = JoinRequest.of(bp.body(JoinBody))
    user_id = principal.ensure_self(request.user_id)
    store = require_store(request.store_id)
    now = clock().now()
    ticket = service.join(live_ports(), store, user_id, now)
    place = service.place(live_ports(), ticket, store, now)
    return json_response({"success": True, "ticket": views.place_view(place)})


@bp.route(
    "/api/queue/user/{user_id}",
    methods=["GET"],
    contract=RouteContract(query=MyTicketsParams, answers={200: MyTicketsAnswer}, summary="My active tickets"),
)
def user_ticket(user_id: str) -> object:
    from chalicelib.storequeue import service, views
    from chalicelib.storequeue.adapters import live_ports
    from chalicelib.storequeue.requests import MyTicketsQuery

    principal = current_principal(bp.request)
    principal.ensure_self(user_id)
    request = MyTicketsQuery.of(bp.query(MyTicketsParams))
    now = clock().now()
    found = service.active_tickets(live_ports(), principal.user_id, now, request.store_id)
    tickets = [views.place_view(service.place(live_ports(), ticket, store, now)) for ticket, store in found]
    return json_response({"ticket": tickets[0] if tickets else None, "tickets": tickets})


@bp.route(
    "/api/queue/leave/{ticket_id}",
    methods=["DELETE"],
    contract=RouteContract(answers={200: TicketChangedAnswer}, errors=(409,), summary="Leave the queue"),
)
def leave(ticket_id: str) -> object:
    from chalicelib.storequeue import service, views
    from chalicelib.storequeue.adapters import live_ports

    principal = current_principal(bp.request)
    ticket = service.leave(live_ports(), ticket_id, principal, clock().now())
    return json_response({"success": True, "ticket": views.place_view(service.place_not_waiting(ticket))})


@bp.route(
    "/api/stores/{store_id}/queue/call-next",
    methods=["POST"],
    contract=RouteContract(answers={200: CalledAnswer}, errors=(409,), roles=STAFF, summary="Call the next ticket"),
)
def call_next(store_id: str) -> object:
    from chalicelib.storequeue import service, views
    from chalicelib.storequeue.adapters import live_ports
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    store = require_store(store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    ticket, state = service.call_next(live_ports(), store, clock().now())
    view = views.place_view(service.place_not_waiting(ticket)) if ticket else None
    return json_response({"success": True, "ticket": view, "queue": views.queue_view(state)})


def _finish(ticket_id: str, completed: bool) -> object:
    from chalicelib.storequeue import service, views
    from chalicelib.storequeue.adapters import live_ports
    from chalicelib.storequeue.domain import TicketStatus

    principal = current_principal(bp.request)
    status = TicketStatus.COMPLETED if completed else TicketStatus.NO_SHOW
    ticket = service.finish(live_ports(), ticket_id, status, principal, clock().now())
    return json_response({"success": True, "ticket": views.place_view(service.place_not_waiting(ticket))})


@bp.route(
    "/api/queue/tickets/{ticket_id}/complete",
    methods=["POST"],
    contract=RouteContract(answers={200: TicketChangedAnswer}, errors=(409,), roles=STAFF, summary="Ticket served"),
)
def complete(ticket_id: str) -> object:
    return _finish(ticket_id, completed=True)


@bp.route(
    "/api/queue/tickets/{ticket_id}/no-show",
    methods=["POST"],
    contract=RouteContract(answers={200: TicketChangedAnswer}, errors=(409,), roles=STAFF, summary="Ticket no-show"),
)
def no_show(ticket_id: str) -> object:
    return _finish(ticket_id, completed=False)
