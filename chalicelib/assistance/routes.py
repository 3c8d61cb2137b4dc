"""Staff assistance: customers ask for help and talk to staff; staff take and progress requests.

The area's code is imported by the handlers, on the first request that needs it: registering the
routes costs the API function's cold start nothing beyond this module.
"""

from __future__ import annotations

from chalicelib.assistance.requests import (
    ConversationParams,
    FeedbackBody,
    MessageBody,
    MessagesAnswer,
    RaiseBody,
    RaisedAnswer,
    RequestChangedAnswer,
    RequestsAnswer,
    SentAnswer,
    StatusAnswer,
    StatusBody,
    StoreRequestsParams,
)
from chalicelib.core.clock import clock
from chalicelib.core.contract import STAFF, RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/staff/assistance-request",
    methods=["POST"],
    contract=RouteContract(body=RaiseBody, answers={200: RaisedAnswer}, errors=(404, 429), summary="Ask for help"),
)
def create_request() -> object:
    from chalicelib.assistance import service
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import RaiseRequest
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    body = RaiseRequest.of(bp.body(RaiseBody))
    user_id = principal.ensure_self(body.user_id)
    store = require_store(body.store_id)
    request = service.create_request(
        live_ports(), store, user_id, body.request_type, body.details, body.client_timestamp, clock().now()
    )
    return json_response({"success": True, "requestId": request.id, "status": request.status.value})


@bp.route(
    "/api/staff/assistance-status/{request_id}",
    methods=["GET"],
    contract=RouteContract(answers={200: StatusAnswer}, summary="Where my request is"),
)
def request_status(request_id: str) -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports

    principal = current_principal(bp.request)
    return json_response(views.status_view(service.request_status(live_ports(), request_id, principal)))


@bp.route(
    "/api/stores/{store_id}/assistance-requests",
    methods=["GET"],
    contract=RouteContract(
        query=StoreRequestsParams, answers={200: RequestsAnswer}, roles=STAFF, summary="A store's requests"
    ),
)
def store_requests(store_id: str) -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import StoreRequestsQuery
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    store = require_store(store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    params = StoreRequestsQuery.of(bp.query(StoreRequestsParams))
    found = service.store_requests(live_ports(), store, params.status, params.limit)
    return json_response({"requests": [views.request_view(r) for r in found]})


@bp.route(
    "/api/staff/assistance-requests/{request_id}",
    methods=["PUT"],
    contract=RouteContract(
        body=StatusBody, answers={200: RequestChangedAnswer}, errors=(409,), roles=STAFF, summary="Progress a request"
    ),
)
def change_status(request_id: str) -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import StatusChange

    principal = current_principal(bp.request)
    change = StatusChange.of(bp.body(StatusBody))
    changed = service.change_status(live_ports(), request_id, principal, change.target, clock().now())
    return json_response({"success": True, "request": views.request_view(changed)})


@bp.route(
    "/api/staff/assistance-requests/{request_id}/feedback",
    methods=["POST"],
    contract=RouteContract(
        body=FeedbackBody, answers={200: RequestChangedAnswer}, errors=(409,), summary="Rate the help I got"
    ),
)
def feedback(request_id: str) -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import Feedback

    principal = current_principal(bp.request)
    body = Feedback.of(bp.body(FeedbackBody))
    rated = service.give_feedback(live_ports(), request_id, principal, body.rating, body.comment, clock().now())
    return json_response({"success": True, "request": views.request_view(rated)})


@bp.route(
    "/api/staff/message",
    methods=["POST"],
    contract=RouteContract(body=MessageBody, answers={200: SentAnswer}, errors=(429,), summary="Send a message"),
)
def send_message() -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import SendMessage
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    body = SendMessage.of(bp.body(MessageBody))
    store = require_store(body.store_id)
    message = service.send_message(
        live_ports(), store, principal, body.customer_id, body.text, body.client_timestamp, clock().now()
    )
    return json_response({"success": True, "messageId": message.id, "message": views.message_view(message)})


@bp.route(
    "/api/staff/messages",
    methods=["GET"],
    contract=RouteContract(query=ConversationParams, answers={200: MessagesAnswer}, summary="A conversation"),
)
def messages() -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import ConversationQuery
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    params = ConversationQuery.of(bp.query(ConversationParams))
    store = require_store(params.store_id)
    found = service.conversation(live_ports(), store, principal, params.customer_id, params.limit)
    return json_response({"messages": [views.message_view(m) for m in found]})
