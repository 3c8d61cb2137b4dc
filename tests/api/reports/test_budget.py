"""Every reports route's DynamoDB calls at its documented minimum (docs/data-model.md); an
authenticated request's first GetItem is its session."""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.reports import signing
from chalicelib.reports.adapters import unsubscribe_key
from chalicelib.reports.domain import ReportKind
from devstack.demo_data import MERCHANT_ID
from tests.api.budget import assert_budget, dynamodb_calls
from tests.conftest import post_json

SETTINGS = {"email": "boss@tea.example.com", "daily": {"enabled": True, "time": "07:30"}, "weekly": {"enabled": False}}


def test_reports_routes_budget(seeded: Any, client: Any, local_aws: Any, login: Any) -> None:
    admin = login(f"demo-admin#{uuid.uuid4().hex}")
    path = "/api/merchant/report-settings"
    # session, the merchant (its timezone) + the settings item
    put = dynamodb_calls(local_aws, lambda: post_json(client, path, SETTINGS, admin, method="PUT"))
    assert_budget(put, "PUT /api/merchant/report-settings", "save")
    # session + the settings item
    read = dynamodb_calls(local_aws, lambda: client.http.get(path, headers=admin))
    assert_budget(read, "GET /api/merchant/report-settings", "read")
    # session only: the job is a message on the reports queue
    send = "/api/merchant/reports/send-now"
    queued = dynamodb_calls(local_aws, lambda: post_json(client, send, {"period": "daily"}, admin))
    assert_budget(queued, "POST /api/merchant/reports/send-now", "queue the job")
    # no session (a public link): one conditional UpdateItem
    token = signing.sign(unsubscribe_key(), MERCHANT_ID, ReportKind.DAILY)
    unsubscribe = f"/api/merchant/reports/unsubscribe?token={token}"
    unsubscribed = dynamodb_calls(local_aws, lambda: client.http.get(unsubscribe))
    assert_budget(unsubscribed, "GET /api/merchant/reports/unsubscribe", "signed link")
    assert client.http.get(path, headers=admin).json_body["daily"]["enabled"] is False
