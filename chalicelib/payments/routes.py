"""POST /api/payments/wechat/notify: WeChat Pay's callback. No session: the signature is the auth."""

from __future__ import annotations

from chalice import Response

from chalicelib.core.contract import Access, RouteContract
from chalicelib.core.errors import DomainError
from chalicelib.core.http import JSON_HEADERS, ApiBlueprint, note_rejection
from chalicelib.core.observability import logger
from chalicelib.payments import service

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/payments/wechat/notify",
    methods=["POST"],
    content_types=["application/json", "text/plain"],
    contract=RouteContract(
        answers={204: None},
        errors=(401,),
        roles=(Access.ANONYMOUS,),
        summary="WeChat Pay's signed payment callback (the signature is the auth; the body is WeChat's)",
    ),
)
def wechat_notify() -> Response:
    request = bp.request
    try:
        raw = request.raw_body or b""
        from chalicelib.payments.adapters import live_ports

        result = service.handle_notification(
            live_ports(), request.headers, raw.encode() if isinstance(raw, str) else raw
        )
    except DomainError as err:
        note_rejection(err.code)
        # WeChat reads {"code":"FAIL"} and retries; our clients read {"error":{...}}.
        body = {"code": "FAIL", "message": err.message, "error": {"code": err.code, "message": err.message}}
        return Response(body=body, status_code=err.status, headers=JSON_HEADERS)
    logger.info("WeChat Pay notification", changed=result.changed, detail=result.detail)
    return Response(body="", status_code=204)
