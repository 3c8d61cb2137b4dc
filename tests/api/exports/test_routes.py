"""Download-center routes: who may call them, bad input as 400s, and each route's DynamoDB budget."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.budget import assert_budget, dynamodb_calls
from tests.conftest import post_json

BODY = {"kind": "points", "from": "2026-11-01", "to": "2026-11-30", "format": "csv"}


def admin(login: Any, user: str = "demo-admin") -> dict[str, str]:
    return login(f"{user}#{uuid.uuid4().hex}")


def test_request_budget(seeded, client, login, local_aws) -> None:
    """Each route at its documented minimum (docs/data-model.md); no item read twice."""
    headers = admin(login)

    def create(extra: dict[str, str] | None = None) -> Any:
        response = post_json(client, "/api/merchant/exports", BODY, {**headers, **(extra or {})})
        assert response.status_code == 202, response.json_body
        return response

    # session, merchant (its timezone); the job
    assert_budget(dynamodb_calls(local_aws, create), "POST /api/merchant/exports", "new")
    keyed = {"Idempotency-Key": "k-budget"}
    # the job and its request key in one transaction
    assert_budget(dynamodb_calls(local_aws, lambda: create(keyed)), "POST /api/merchant/exports", "keyed")
    # a repeat: the refused transaction names the first job, which is read once
    assert_budget(dynamodb_calls(local_aws, lambda: create(keyed)), "POST /api/merchant/exports", "keyed repeat")
    job_id = create().json_body["job"]["id"]

    def get() -> None:
        response = client.http.get(f"/api/merchant/exports/{job_id}", headers=headers)
        assert response.status_code == 200, response.json_body

    def listing() -> None:
        response = client.http.get("/api/merchant/exports?limit=2", headers=headers)
        assert response.status_code == 200 and len(response.json_body["jobs"]) == 2, response.json_body

    assert_budget(dynamodb_calls(local_aws, get), "GET /api/merchant/exports/{job_id}", "job")  # session, job
    # session, the merchant's jobs
    assert_budget(dynamodb_calls(local_aws, listing), "GET /api/merchant/exports", "a page")


def test_listing_pages_newest_first(seeded, client, login) -> None:
    headers = admin(login)
    ids = [post_json(client, "/api/merchant/exports", BODY, headers).json_body["job"]["id"] for _ in range(3)]
    first = client.http.get("/api/merchant/exports?limit=2", headers=headers).json_body
    assert [j["id"] for j in first["jobs"]] == ids[::-1][:2] and first["nextCursor"] == ids[1]
    rest = client.http.get(f"/api/merchant/exports?limit=2&cursor={ids[1]}", headers=headers).json_body
    assert [j["id"] for j in rest["jobs"]] == [ids[0]] and rest["nextCursor"] is None


def test_refusals(seeded, client, login) -> None:
    headers = admin(login)
    for body, code in (
        ({**BODY, "kind": "orders"}, "EXPORT_KIND_UNAVAILABLE"),
        ({**BODY, "kind": "secrets"}, "VALIDATION_ERROR"),
        ({**BODY, "format": "pdf"}, "VALIDATION_ERROR"),
        ({**BODY, "from": "2026-13-01"}, "VALIDATION_ERROR"),
        ({**BODY, "to": "2026-10-01"}, "VALIDATION_ERROR"),
        ({**BODY, "from": "2024-01-01"}, "VALIDATION_ERROR"),  # more than a year
        ({"kind": "points"}, "VALIDATION_ERROR"),
    ):
        response = post_json(client, "/api/merchant/exports", body, headers)
        assert response.status_code == 400 and response.json_body["error"]["code"] == code, (body, response.json_body)
    for caller in (login(), admin(login, "demo-staff")):
        assert post_json(client, "/api/merchant/exports", BODY, caller).status_code == 403
        assert client.http.get("/api/merchant/exports", headers=caller).status_code == 403
    assert client.http.get("/api/merchant/exports").status_code == 401
    missing = client.http.get("/api/merchant/exports/x0000", headers=headers)
    assert missing.status_code == 404 and missing.json_body["error"]["code"] == "EXPORT_NOT_FOUND"
