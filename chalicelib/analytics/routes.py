"""The merchant dashboard, read from the live counters.

The area's code is imported by the handler, on the first request that needs it: registering the
route costs the API function's cold start nothing beyond this module.
"""

from __future__ import annotations

from chalicelib.analytics.requests import DashboardAnswer, DashboardParams
from chalicelib.core.contract import ADMIN, RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/merchant/dashboard",
    methods=["GET"],
    contract=RouteContract(
        query=DashboardParams,
        answers={200: DashboardAnswer},
        errors=(404,),
        roles=ADMIN,
        summary="A merchant's (or one store's) figures over local days",
    ),
)
def dashboard() -> object:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from chalicelib.analytics import service, views
    from chalicelib.analytics.adapters import live_ports
    from chalicelib.analytics.requests import DashboardQuery
    from chalicelib.core.clock import clock
    from chalicelib.core.errors import Forbidden

    principal = current_principal(bp.request)
    query = DashboardQuery.of(bp.query(DashboardParams))
    if principal.merchant_id is None:
        raise Forbidden("Only the merchant's admin may do this.")
    principal.ensure_admin_of(principal.merchant_id)
    today = query.end
    if query.store_id is not None:
        from chalicelib.stores.api import require_store

        store = require_store(query.store_id)
        principal.ensure_admin_of(store.merchant_id)
        today = datetime.fromtimestamp(clock().now().timestamp(), ZoneInfo(store.timezone)).date()
    figures, low_stock = service.dashboard(
        live_ports(), principal.merchant_id, query.store_id, query.start, query.end, today
    )
    return json_response(views.dashboard_view(figures, low_stock))
