"""The stream consumer's record filter: only DynamoDB TTL deleting an expiry sentinel expires anything."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.reservations import backstop, models

TTL = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def record(event: str, pk: str, sk: str, identity: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eventID": "e1",
        "eventName": event,
        "eventSource": "aws:dynamodb",
        "eventSourceARN": "arn:aws:dynamodb:ap-southeast-1:000000000000:table/t/stream/2026-11-23T00:00:00.000",
        "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}, "SequenceNumber": "1", "SizeBytes": 10},
    }
    if identity is not None:
        body["userIdentity"] = identity
    return body


def test_ttl_removal_of_a_sentinel_names_its_reservation() -> None:
    pk, sk = models.sentinel_key("r_abc")
    assert backstop.expired_sentinel(record("REMOVE", pk, sk, TTL)) == "r_abc"


@pytest.mark.parametrize(
    "candidate",
    [
        record("REMOVE", *models.sentinel_key("r_abc")),  # deleted by our own close transaction
        record("REMOVE", *models.sentinel_key("r_abc"), {"type": "Service", "principalId": "someone.else"}),
        record("INSERT", *models.sentinel_key("r_abc")),
        record("MODIFY", *models.sentinel_key("r_abc")),
        record("REMOVE", *models.reservation_key("r_abc"), TTL),  # history clean-up of the reservation
        record("REMOVE", "SESSION#x", "SESSION", TTL),
        record("REMOVE", "RESEXPIRY#r_abc", "META", TTL),
        record("REMOVE", "RESEXPIRY#", "SENTINEL", TTL),
        {"eventName": "REMOVE", "userIdentity": TTL, "dynamodb": {"Keys": {"pk": {"N": "1"}}}},
        {"eventName": "REMOVE", "userIdentity": TTL},
    ],
)
def test_everything_else_is_ignored(candidate: dict[str, Any]) -> None:
    assert backstop.expired_sentinel(candidate) is None


def test_handle_expires_only_for_a_ttl_removed_sentinel(monkeypatch: pytest.MonkeyPatch) -> None:
    expired: list[str] = []

    def expire(ports: Any, reservation_id: str, now: Any) -> bool:
        expired.append(reservation_id)
        return True

    monkeypatch.setattr(backstop.service, "expire", expire)
    pk, sk = models.sentinel_key("r_1")
    backstop.handle(record("REMOVE", pk, sk, TTL))
    backstop.handle(record("REMOVE", pk, sk))
    backstop.handle(record("MODIFY", *models.reservation_key("r_2")))
    assert expired == ["r_1"]
