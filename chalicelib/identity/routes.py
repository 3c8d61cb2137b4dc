"""POST /api/auth/login and GET /api/auth/me."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.core.clock import clock, to_iso
from chalicelib.core.config import settings
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, note_caller
from chalicelib.core.ids import new_id, new_token
from chalicelib.identity import service
from chalicelib.identity.models import IdentityStore
from chalicelib.wechat.login import WeChatLoginClient

bp = ApiBlueprint(__name__)
_store = IdentityStore()


@bp.route("/api/auth/login", methods=["POST"])
def login() -> object:
    code = json_body(bp.request).require_text("code", max_length=128)
    result = service.login(
        code,
        wechat=WeChatLoginClient(),
        store=_store,
        now=clock().now(),
        ttl=timedelta(seconds=settings().session_ttl_seconds),
        new_user_id=lambda: new_id("u"),
        new_token=new_token,
    )
    note_caller(result.principal.role.value, result.principal.user_id)
    return json_response(
        {
            "token": result.token,
            "userId": result.principal.user_id,
            "role": result.principal.role.value,
            "expiresAt": to_iso(result.expires_at),
        }
    )


@bp.route("/api/auth/me", methods=["GET"])
def me() -> object:
    principal = current_principal(bp.request)
    return json_response(
        {
            "userId": principal.user_id,
            "role": principal.role.value,
            "merchantId": principal.merchant_id,
            "storeIds": sorted(principal.store_ids),
        }
    )
