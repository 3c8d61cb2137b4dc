"""Staff assistance: customers ask for help and talk to staff; staff take and progress requests.

The area's code is imported by the handlers, on the first request that needs it: registering the
routes costs the API function's cold start nothing beyond this module.
"""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, query

bp = ApiBlueprint(__name__)


@bp.route("/api/staff/assistance-request", methods=["POST"])
def create_request() -> object:
    from chalicelib.assistance import service
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import RaiseRequest
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    body = RaiseRequest.parse(json_body(bp.request))
    user_id = principal.ensure_self(body.user_id)
    store = require_store(body.store_id)
    request = service.create_request(
        live_ports(), store, user_id, body.request_type, body.details, body.client_timestamp, clock().now()
    )
    return json_response({"success": True, "requestId": request.id, "status": request.status.value})


@bp.route("/api/staff/assistance-status/{request_id}", methods=["GET"])
def request_status(request_id: str) -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports

    principal = current_principal(bp.request)
    return json_response(views.status_view(service.request_status(live_ports(), request_id, principal)))


@bp.route("/api/stores/{store_id}/assistance-requests", methods=["GET"])
def store_requests(store_id: str) -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import StoreRequestsQuery
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    store = require_store(store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    params = StoreRequestsQuery.parse(query(bp.request))
    found = service.store_requests(live_ports(), store, params.status, params.limit)
    return json_response({"requests": [views.request_view(r) for r in found]})


@bp.route("/api/staff/assistance-requests/{request_id}", methods=["PUT"])
def change_status(request_id: str) -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import StatusChange

    principal = current_principal(bp.request)
    change = StatusChange.parse(json_body(bp.request))
    changed = service.change_status(live_ports(), request_id, principal, change.target, clock().now())
    return json_response({"success": True, "request": views.request_view(changed)})


@bp.route("/api/staff/assistance-requests/{request_id}/feedback", methods=["POST"])
def feedback(request_id: str) -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import Feedback

    principal = current_principal(bp.request)
    body = Feedback.parse(json_body(bp.request))
    rated = service.give_feedback(live_ports(), request_id, principal, body.rating, body.comment, clock().now())
    return json_response({"success": True, "request": views.request_view(rated)})


@bp.route("/api/staff/message", methods=["POST"])
def send_message() -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import SendMessage
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    body = SendMessage.parse(json_body(bp.request))
    store = require_store(body.store_id)
    message = service.send_message(
        live_ports(), store, principal, body.customer_id, body.text, body.client_timestamp, clock().now()
    )
    return json_response({"success": True, "messageId": message.id, "message": views.message_view(message)})


@bp.route("/api/staff/messages", methods=["GET"])
def messages() -> object:
    from chalicelib.assistance import service, views
    from chalicelib.assistance.adapters import live_ports
    from chalicelib.assistance.requests import ConversationQuery
    from chalicelib.stores.api import require_store

    principal = current_principal(bp.request)
    params = ConversationQuery.parse(query(bp.request))
    store = require_store(params.store_id)
    found = service.conversation(live_ports(), store, principal, params.customer_id, params.limit)
    return json_response({"messages": [views.message_view(m) for m in found]})
