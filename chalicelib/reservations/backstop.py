"""The TTL backstop for reservation expiry: the table's stream consumer.

Each open reservation has an expiry sentinel item whose `ttl` is shortly after its expiresAt;
closing the reservation deletes it in the same transaction. So a sentinel that DynamoDB TTL
deletes belongs to a reservation whose timer never fired (schedule lost or deleted, Scheduler
outage), and its REMOVE record runs the same expiry as the timer. That expiry is conditioned on
status = open, so a late timer, a redelivered record or a racing pickup changes nothing twice.

Imported by the stream consumer only, never by the API.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock
from chalicelib.core.observability import logger
from chalicelib.core.streams import TTL_IDENTITY
from chalicelib.reservations import models, service
from chalicelib.reservations.adapters import aws_ports


def expired_sentinel(record: dict[str, Any]) -> str | None:
    """The reservation id if this stream record is TTL deleting an expiry sentinel, else None.

    Every write to the table reaches this consumer; everything else is dropped on these checks.
    """
    if record.get("eventName") != "REMOVE" or record.get("userIdentity") != TTL_IDENTITY:
        return None
    keys = (record.get("dynamodb") or {}).get("Keys") or {}
    pk = (keys.get("pk") or {}).get("S")
    sk = (keys.get("sk") or {}).get("S")
    if not isinstance(pk, str) or not isinstance(sk, str):
        return None
    return models.sentinel_reservation_id(pk, sk)


def handle(record: dict[str, Any]) -> None:
    reservation_id = expired_sentinel(record)
    if reservation_id is None:
        return
    if service.expire(aws_ports(), reservation_id, clock().now()):
        logger.warning("reservation expired by the TTL backstop; its timer never fired", reservation_id=reservation_id)
