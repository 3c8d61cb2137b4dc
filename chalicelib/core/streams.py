"""The table's stream, routed by entity type.

Every item carries `et` (its entity type), so a stream record says which area it concerns without
anyone parsing key prefixes. An area subscribes to the changes of its entity types; the same
subscription gives infra the event source's filter pattern (so Lambda is not even invoked for other
records) and the local event runner the same test, so local delivery matches deployed delivery.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.core.lazy import resolve

# How DynamoDB marks the REMOVE records of its own TTL deletions.
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
# A record the consumer keeps failing is retried this many times (the event source mapping's
# MaximumRetryAttempts, with batch bisection), then its batch goes to the stream failure queue
# instead of blocking its shard for the stream's 24 hours. The local event runner honours the same
# number.
MAX_RETRY_ATTEMPTS = 5


@dataclass(frozen=True)
class StreamSubscription:
    entity_type: str
    # "module:function" taking one raw stream record.
    handler: str
    # Only the REMOVE records of DynamoDB TTL deleting such an item (e.g. a backstop sentinel).
    ttl_removals_only: bool = False
    # Only writes leaving these string attributes with these values (e.g. (("status", "cancelled"),)).
    new_image: tuple[tuple[str, str], ...] = ()
    # A counter feed ("module:function", core/counters.py): the handler is called as handler(record, feed).
    feed: str | None = None

    def filter_patterns(self) -> list[dict[str, Any]]:
        """Lambda event filter patterns (any one matching lets a record through)."""
        if self.ttl_removals_only:
            return [
                {
                    "eventName": ["REMOVE"],
                    "userIdentity": {key: [value] for key, value in TTL_IDENTITY.items()},
                    "dynamodb": {"OldImage": {"et": {"S": [self.entity_type]}}},
                }
            ]
        if self.new_image:
            wanted = {"et": {"S": [self.entity_type]}, **{name: {"S": [value]} for name, value in self.new_image}}
            return [{"dynamodb": {"NewImage": wanted}}]
        return [{"dynamodb": {image: {"et": {"S": [self.entity_type]}}}} for image in ("NewImage", "OldImage")]

    def matches(self, record: dict[str, Any]) -> bool:
        return any(_matches(pattern, record) for pattern in self.filter_patterns())


def _matches(pattern: dict[str, Any], value: Any) -> bool:
    """Lambda's filter semantics for the patterns above: nested keys, leaves are lists of allowed values."""
    for key, expected in pattern.items():
        if not isinstance(value, dict) or key not in value:
            return False
        actual = value[key]
        if isinstance(expected, list):
            if actual not in expected:
                return False
        elif not _matches(expected, actual):
            return False
    return True


def entity_type(record: dict[str, Any]) -> str | None:
    """The `et` of the item a stream record changed (its old image for a REMOVE)."""
    change = record.get("dynamodb") or {}
    for image in ("NewImage", "OldImage"):
        value = ((change.get(image) or {}).get("et") or {}).get("S")
        if isinstance(value, str):
            return value
    return None


def dispatch(record: dict[str, Any], subscriptions: Iterable[StreamSubscription]) -> None:
    """Runs every subscription the record matches; records nobody subscribed to are skipped."""
    for subscription in subscriptions:
        if not subscription.matches(record):
            continue
        if subscription.feed is None:
            resolve(subscription.handler)(record)
        else:
            resolve(subscription.handler)(record, subscription.feed)
