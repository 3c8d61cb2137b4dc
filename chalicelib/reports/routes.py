"""Reports: the merchant admin's report settings and send-now, and the public unsubscribe link.

The area's code is imported by the handlers, on the first request that needs it."""

from __future__ import annotations

from chalicelib.core.contract import ADMIN, PUBLIC, RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response
from chalicelib.reports.requests import (
    SendNowAnswer,
    SendNowBody,
    SettingsAnswer,
    SettingsBody,
    UnsubscribeAnswer,
    UnsubscribeQuery,
)

bp = ApiBlueprint(__name__)


def _merchant_of(principal: object) -> str:
    from chalicelib.core.errors import Forbidden

    merchant_id = getattr(principal, "merchant_id", None)
    if not merchant_id:
        raise Forbidden("Only the merchant's admin may do this.")
    return str(merchant_id)


@bp.route(
    "/api/merchant/report-settings",
    methods=["GET"],
    contract=RouteContract(answers={200: SettingsAnswer}, roles=ADMIN, summary="The merchant's report emails"),
)
def get_settings() -> object:
    from chalicelib.reports import requests, service
    from chalicelib.reports.adapters import EventBridgeSchedules
    from chalicelib.reports.models import SettingsTable

    principal = current_principal(bp.request)
    ports = service.SettingsPorts(SettingsTable(), EventBridgeSchedules())
    return json_response(requests.settings_view(service.read_settings(ports, principal, _merchant_of(principal))))


@bp.route(
    "/api/merchant/report-settings",
    methods=["PUT"],
    contract=RouteContract(
        body=SettingsBody, answers={200: SettingsAnswer}, roles=ADMIN, summary="Schedule the merchant's report emails"
    ),
)
def put_settings() -> object:
    from chalicelib.core.clock import clock, to_iso
    from chalicelib.merchants.api import require_merchant
    from chalicelib.reports import requests, service
    from chalicelib.reports.adapters import EventBridgeSchedules
    from chalicelib.reports.models import SettingsTable

    principal = current_principal(bp.request)
    merchant_id = _merchant_of(principal)
    principal.ensure_admin_of(merchant_id)
    wanted = requests.to_settings(merchant_id, bp.body(SettingsBody))
    merchant = require_merchant(merchant_id)
    ports = service.SettingsPorts(SettingsTable(), EventBridgeSchedules())
    saved = service.save_settings(ports, principal, wanted, merchant.timezone, to_iso(clock().now()))
    return json_response(requests.settings_view(saved))


@bp.route(
    "/api/merchant/reports/send-now",
    methods=["POST"],
    contract=RouteContract(
        body=SendNowBody, answers={202: SendNowAnswer}, roles=ADMIN, summary="Send a report now (a preview)"
    ),
)
def send_now() -> object:
    from chalicelib.reports import requests, service
    from chalicelib.reports.adapters import ReportsQueue
    from chalicelib.reports.domain import ReportKind

    principal = current_principal(bp.request)
    body = bp.body(SendNowBody)
    day = requests.report_day(body.date)
    report_id = service.send_now(ReportsQueue(), principal, _merchant_of(principal), ReportKind(body.period), day)
    return json_response({"reportId": report_id}, status=202)


@bp.route(
    "/api/merchant/reports/unsubscribe",
    methods=["GET"],
    contract=RouteContract(
        query=UnsubscribeQuery,
        answers={200: UnsubscribeAnswer},
        errors=(403, 404),
        roles=PUBLIC,
        summary="Stop a report email (the signed link in it)",
    ),
)
def unsubscribe() -> object:
    from chalicelib.core.clock import clock, to_iso
    from chalicelib.reports import service, signing
    from chalicelib.reports.adapters import EventBridgeSchedules, unsubscribe_key
    from chalicelib.reports.models import SettingsTable

    request = signing.verify(unsubscribe_key(), bp.query(UnsubscribeQuery).token)
    ports = service.SettingsPorts(SettingsTable(), EventBridgeSchedules())
    service.unsubscribe(ports, request, to_iso(clock().now()))
    return json_response({"unsubscribed": request.kind.value})
