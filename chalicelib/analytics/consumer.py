"""The table stream consumer's analytics handler: one record through one area's counter feed.

core.streams.dispatch calls `apply(record, feed)` for each feed whose entity type the record
concerns; the feed (the area's pure function) says what to count, this module counts it once.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from chalicelib.analytics import service
from chalicelib.analytics.adapters import live_ports
from chalicelib.core.lazy import resolve

_deserializer = TypeDeserializer()


def _image(change: dict[str, Any], name: str) -> dict[str, Any] | None:
    raw = change.get(name)
    if not raw:
        return None
    return {attr: _deserializer.deserialize(value) for attr, value in raw.items()}


def apply(record: dict[str, Any], feed: str) -> None:
    change = record.get("dynamodb") or {}
    increments = list(resolve(feed)(_image(change, "OldImage"), _image(change, "NewImage")))
    if not increments:
        return
    # The event id is unique per stream record; the feed's name keeps two feeds of one record apart.
    service.record(live_ports(), f"{record['eventID']}#{feed}", increments)
