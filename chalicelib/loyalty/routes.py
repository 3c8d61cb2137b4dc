"""Loyalty: membership card, points at the till (staff), rewards and redemption, history.

Routes that name no `merchantId` act on the request's tenant (core/tenancy.py). The area's
code is imported by the handlers, on the first request that needs it: registering the routes costs the
API function's cold start nothing beyond this module.
"""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.contract import STAFF, RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response
from chalicelib.loyalty.requests import (
    EarnAnswer,
    HistoryAnswer,
    HistoryQuery,
    MembershipAnswer,
    MerchantQuery,
    RedeemAnswer,
    RedeemBody,
    RewardsAnswer,
    SaleBody,
)

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/loyalty/membership/{user_id}",
    methods=["GET"],
    contract=RouteContract(query=MerchantQuery, answers={200: MembershipAnswer}, summary="A member's card"),
)
def membership(user_id: str) -> object:
    from chalicelib.loyalty import requests, service, views
    from chalicelib.loyalty.adapters import live_ports

    principal = current_principal(bp.request)
    merchant_id = requests.merchant_of(bp.query(MerchantQuery))
    now = clock().now()
    card = service.membership(live_ports(), principal, user_id, merchant_id, now)
    return json_response(views.membership_view(card.member, card.config, now))


@bp.route(
    "/api/loyalty/earn-points",
    methods=["POST"],
    contract=RouteContract(
        body=SaleBody, answers={200: EarnAnswer}, errors=(409,), roles=STAFF, summary="Points for a sale at the till"
    ),
)
def earn_points() -> object:
    from chalicelib.loyalty import requests, service, views
    from chalicelib.loyalty.adapters import live_ports

    principal = current_principal(bp.request)
    service.ensure_point_of_sale(principal)
    now = clock().now()
    sale = requests.parse_sale(bp.body(SaleBody), now)
    return json_response(views.earn_view(service.earn_at_till(live_ports(), principal, sale, now)))


@bp.route(
    "/api/loyalty/rewards/{user_id}",
    methods=["GET"],
    contract=RouteContract(query=MerchantQuery, answers={200: RewardsAnswer}, summary="Rewards a member can redeem"),
)
def rewards(user_id: str) -> object:
    from chalicelib.loyalty import requests, service, views
    from chalicelib.loyalty.adapters import live_ports

    principal = current_principal(bp.request)
    merchant_id = requests.merchant_of(bp.query(MerchantQuery))
    found = service.rewards(live_ports(), principal, user_id, merchant_id, clock().now())
    return json_response({"rewards": [views.reward_view(r, eligible=ok) for r, ok in found]})


@bp.route(
    "/api/loyalty/redeem",
    methods=["POST"],
    contract=RouteContract(body=RedeemBody, answers={200: RedeemAnswer}, errors=(409, 429), summary="Redeem a reward"),
)
def redeem() -> object:
    from chalicelib.loyalty import requests, service, views
    from chalicelib.loyalty.adapters import live_ports

    principal = current_principal(bp.request)
    request = requests.RedeemRequest.of(bp.body(RedeemBody), bp.request.headers.get("idempotency-key"))
    redemption = service.redeem(
        live_ports(),
        principal,
        user_id=request.user_id,
        reward_id=request.reward_id,
        merchant_id=request.merchant_id,
        request_key=request.request_key,
        now=clock().now(),
    )
    return json_response(views.redemption_view(redemption))


@bp.route(
    "/api/loyalty/history/{user_id}",
    methods=["GET"],
    contract=RouteContract(query=HistoryQuery, answers={200: HistoryAnswer}, summary="A member's points history"),
)
def history(user_id: str) -> object:
    from chalicelib.loyalty import requests, service, views
    from chalicelib.loyalty.adapters import live_ports

    principal = current_principal(bp.request)
    params = bp.query(HistoryQuery)
    entries = service.history(live_ports(), principal, user_id, requests.merchant_of(params), params.limit)
    return json_response({"transactions": [views.history_entry_view(e) for e in entries]})
