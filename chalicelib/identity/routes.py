"""POST /api/auth/login and GET /api/auth/me (login's code imported on the first login)."""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, note_caller

bp = ApiBlueprint(__name__)


@bp.route("/api/auth/login", methods=["POST"])
def login() -> object:
    from chalicelib.core.ids import new_id, new_token
    from chalicelib.identity import service, views
    from chalicelib.identity.models import IdentityStore
    from chalicelib.identity.requests import LoginRequest
    from chalicelib.identity.settings import session_ttl
    from chalicelib.wechat.login import WeChatLoginClient

    request = LoginRequest.parse(json_body(bp.request))
    result = service.login(
        request.code,
        wechat=WeChatLoginClient(),
        store=IdentityStore(),
        now=clock().now(),
        ttl=session_ttl(),
        new_user_id=lambda: new_id("u"),
        new_token=new_token,
    )
    note_caller(result.principal.role.value, result.principal.user_id)
    return json_response(views.login_view(result))


@bp.route("/api/auth/me", methods=["GET"])
def me() -> object:
    from chalicelib.identity import views

    return json_response(views.me_view(current_principal(bp.request)))
