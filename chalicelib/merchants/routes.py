"""The platform admin's merchant routes (onboard, list, suspend, resume) and a merchant admin's own
profile and settings. The area's code is imported by the handlers, on first use."""

from __future__ import annotations

from chalicelib.core.contract import ADMIN, PLATFORM, RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response
from chalicelib.merchants.requests import (
    MerchantsAnswer,
    MerchantSettingsAnswer,
    MerchantSettingsBody,
    MerchantsQuery,
    OnboardAnswer,
    OnboardBody,
)

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/platform/merchants",
    methods=["POST"],
    contract=RouteContract(
        body=OnboardBody,
        answers={201: OnboardAnswer, 200: OnboardAnswer},
        errors=(409,),
        roles=PLATFORM,
        summary="Onboard a merchant and its admin (a repeat answers 200 with the same merchant)",
    ),
)
def onboard() -> object:
    from chalicelib.core.clock import clock
    from chalicelib.merchants import requests, service, views
    from chalicelib.merchants.models import MerchantTable

    principal = current_principal(bp.request)
    new = requests.new_merchant(bp.body(OnboardBody))
    done = service.onboard(MerchantTable(), principal, new, clock().now())
    return json_response({"merchant": views.merchant_view(done.merchant)}, status=201 if done.created else 200)


@bp.route(
    "/api/platform/merchants",
    methods=["GET"],
    contract=RouteContract(
        query=MerchantsQuery, answers={200: MerchantsAnswer}, roles=PLATFORM, summary="The merchants, newest first"
    ),
)
def list_merchants() -> object:
    from chalicelib.merchants import requests, service, views
    from chalicelib.merchants.models import MerchantTable

    principal = current_principal(bp.request)
    query = bp.query(MerchantsQuery)
    merchants, last = service.merchants_page(
        MerchantTable(), principal, query.limit, requests.decode_cursor(query.cursor)
    )
    return json_response(
        {"merchants": [views.merchant_view(m) for m in merchants], "nextCursor": requests.encode_cursor(last)}
    )


def _set_status(merchant_id: str, suspended: bool) -> object:
    from chalicelib.core.clock import clock
    from chalicelib.merchants import service, views
    from chalicelib.merchants.domain import MerchantStatus
    from chalicelib.merchants.models import MerchantTable

    principal = current_principal(bp.request)
    status = MerchantStatus.SUSPENDED if suspended else MerchantStatus.ACTIVE
    merchant = service.set_status(MerchantTable(), principal, merchant_id, status, clock().now())
    return json_response({"merchant": views.merchant_view(merchant)})


@bp.route(
    "/api/platform/merchants/{merchant_id}/suspend",
    methods=["POST"],
    contract=RouteContract(
        answers={200: OnboardAnswer},
        errors=(404,),
        roles=PLATFORM,
        summary="Suspend a merchant: its routes answer 403 MERCHANT_SUSPENDED, its report emails stop",
    ),
)
def suspend(merchant_id: str) -> object:
    return _set_status(merchant_id, suspended=True)


@bp.route(
    "/api/platform/merchants/{merchant_id}/resume",
    methods=["POST"],
    contract=RouteContract(
        answers={200: OnboardAnswer}, errors=(404,), roles=PLATFORM, summary="Resume a suspended merchant"
    ),
)
def resume(merchant_id: str) -> object:
    return _set_status(merchant_id, suspended=False)


@bp.route(
    "/api/merchant/settings",
    methods=["GET"],
    contract=RouteContract(
        answers={200: MerchantSettingsAnswer}, roles=ADMIN, summary="The merchant's profile and settings"
    ),
)
def get_settings() -> object:
    from chalicelib.merchants import service, views
    from chalicelib.merchants.api import require_merchant

    principal = current_principal(bp.request)
    merchant = require_merchant(principal.merchant_id or "")
    return json_response(views.settings_view(service.profile(principal, merchant)))


@bp.route(
    "/api/merchant/settings",
    methods=["PUT"],
    contract=RouteContract(
        body=MerchantSettingsBody,
        answers={200: MerchantSettingsAnswer},
        errors=(409,),
        roles=ADMIN,
        summary="Change the merchant's name, timezone or settings (only the given ones)",
    ),
)
def put_settings() -> object:
    from chalicelib.core.clock import clock
    from chalicelib.core.tenancy import forget
    from chalicelib.merchants import requests, service, views
    from chalicelib.merchants.api import require_merchant
    from chalicelib.merchants.models import MerchantTable

    principal = current_principal(bp.request)
    change = requests.profile_change(bp.body(MerchantSettingsBody))
    current = require_merchant(principal.merchant_id or "")
    saved = service.change_profile(MerchantTable(), principal, current, change, clock().now())
    forget(("merchant", current.id))
    return json_response(views.settings_view(saved))
