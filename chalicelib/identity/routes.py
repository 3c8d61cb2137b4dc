"""POST /api/auth/login and GET /api/auth/me (login's code imported on the first login)."""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.contract import ANYONE_SIGNED_IN, PUBLIC, RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response, note_caller
from chalicelib.identity.requests import LoginAnswer, LoginBody, MeAnswer

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/auth/login",
    methods=["POST"],
    contract=RouteContract(
        body=LoginBody,
        answers={200: LoginAnswer},
        errors=(401, 429),
        roles=PUBLIC,
        summary="Sign in with a wx.login code",
    ),
)
def login() -> object:
    from chalicelib.core.ids import new_id, new_token
    from chalicelib.identity import service, views
    from chalicelib.identity.models import IdentityStore
    from chalicelib.identity.requests import LoginRequest
    from chalicelib.identity.settings import session_ttl
    from chalicelib.wechat.login import WeChatLoginClient

    request = LoginRequest.of(bp.body(LoginBody))
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


@bp.route(
    "/api/auth/me",
    methods=["GET"],
    contract=RouteContract(answers={200: MeAnswer}, roles=ANYONE_SIGNED_IN, summary="The caller"),
)
def me() -> object:
    from chalicelib.identity import views

    return json_response(views.me_view(current_principal(bp.request)))
