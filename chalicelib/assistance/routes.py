"""Staff assistance: customers ask for help and talk to staff; staff take and progress requests."""

from __future__ import annotations

from chalicelib.assistance import models, rules, service
from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, query
from chalicelib.stores.api import require_store

bp = ApiBlueprint(__name__)

MAX_LIST = 100


@bp.route("/api/staff/assistance-request", methods=["POST"])
def create_request() -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    user_id = principal.ensure_self(body.text("userId", max_length=64))
    store = require_store(body.require_text("storeId", max_length=64))
    request = service.create_request(
        store,
        user_id,
        body.require_text("requestType", max_length=40),
        body.text("details", default="", max_length=500) or "",
        body.integer("timestamp", minimum=0),
        clock().now(),
    )
    return json_response({"success": True, "requestId": request.id, "status": request.status.value})


@bp.route("/api/staff/assistance-status/{request_id}", methods=["GET"])
def request_status(request_id: str) -> object:
    principal = current_principal(bp.request)
    request, store = service.require_request(request_id)
    rules.ensure_can_view(request, principal, service.is_staff(principal, store))
    return json_response(rules.status_view(request))


@bp.route("/api/stores/{store_id}/assistance-requests", methods=["GET"])
def store_requests(store_id: str) -> object:
    principal = current_principal(bp.request)
    store = require_store(store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    params = query(bp.request)
    raw_status = params.text("status", max_length=20)
    status = rules.parse_status(raw_status) if raw_status else None
    limit = params.integer("limit", default=50, minimum=1, maximum=MAX_LIST)
    assert limit is not None
    found = models.store_requests(store.id, status, limit)
    return json_response({"requests": [rules.request_view(r) for r in found]})


@bp.route("/api/staff/assistance-requests/{request_id}", methods=["PUT"])
def change_status(request_id: str) -> object:
    principal = current_principal(bp.request)
    target = rules.parse_status(json_body(bp.request).require_text("status", max_length=20))
    request, store = service.require_request(request_id)
    changed = service.change_status(request, store, principal, target, clock().now())
    return json_response({"success": True, "request": rules.request_view(changed)})


@bp.route("/api/staff/assistance-requests/{request_id}/feedback", methods=["POST"])
def feedback(request_id: str) -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    rating = body.integer("rating", required=True, minimum=1, maximum=5)
    comment = body.text("comment", default="", max_length=500) or ""
    assert rating is not None
    request, _ = service.require_request(request_id)
    rated = service.give_feedback(request, principal, rating, comment, clock().now())
    return json_response({"success": True, "request": rules.request_view(rated)})


@bp.route("/api/staff/message", methods=["POST"])
def send_message() -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    store = require_store(body.require_text("storeId", max_length=64))
    message = service.send_message(
        store,
        principal,
        body.text("userId", max_length=64),
        body.require_text("message", max_length=1000),
        body.integer("timestamp", minimum=0),
        clock().now(),
    )
    return json_response({"success": True, "messageId": message.id, "message": rules.message_view(message)})


@bp.route("/api/staff/messages", methods=["GET"])
def messages() -> object:
    principal = current_principal(bp.request)
    params = query(bp.request)
    store = require_store(params.require_text("storeId", max_length=64))
    limit = params.integer("limit", default=50, minimum=1, maximum=MAX_LIST)
    assert limit is not None
    found = service.conversation(store, principal, params.text("userId", max_length=64), limit)
    return json_response({"messages": [rules.message_view(m) for m in found]})
