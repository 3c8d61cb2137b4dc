"""Inbox items and their data access (the only module that touches them; `InboxTable` is the
`ports.InboxRepository` adapter).

- inbox entry `USER#<userId>` / `NOTIF#<createdAt>#<id>`
- dedupe marker `NOTIFICATION#<id>` / `MARKER` (recorded) and `CHANNEL#<name>` (sent on that channel)
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.data.table import TableModel, condition_failed, failed_conditions, key, transact
from chalicelib.notifications.domain import InboxEntry

__all__ = [
    "DeliveredMarker",
    "InboxEntry",
    "InboxItem",
    "InboxTable",
    "claim_channel",
    "inbox",
    "record_once",
    "release_channel",
]

INBOX_PREFIX = "NOTIF#"


class InboxItem(TableModel):
    notification_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    data = JSONAttribute(null=True)
    created_at = UnicodeAttribute()


class DeliveredMarker(TableModel):
    """Exists once a notification id has been recorded; makes redelivered messages no-ops."""

    user_id = UnicodeAttribute()


def record_once(
    notification_id: str, user_id: str, kind: str, title: str, body: str, data: dict[str, Any], created_at: str
) -> bool:
    """Marker + inbox item in one transaction; False when this id was already recorded."""
    marker = DeliveredMarker(key("NOTIFICATION", notification_id), "MARKER", user_id=user_id)
    item = InboxItem(
        key("USER", user_id),
        f"{INBOX_PREFIX}{created_at}#{notification_id}",
        notification_id=notification_id,
        kind=kind,
        title=title,
        body=body,
        data=data,
        created_at=created_at,
    )
    try:

        def build(tx: TransactWrite) -> None:
            tx.save(marker, condition=DeliveredMarker.pk.does_not_exist())
            tx.save(item)

        transact(build)
    except TransactWriteError as err:
        if failed_conditions(err)[:1] == [True]:  # the marker: delivered/stored before
            return False
        raise
    return True


def claim_channel(notification_id: str, channel: str) -> bool:
    """Claim the right to send on one channel; False if an earlier delivery already did."""
    marker = DeliveredMarker(key("NOTIFICATION", notification_id), f"CHANNEL#{channel}", user_id="")
    try:
        marker.save(condition=DeliveredMarker.pk.does_not_exist())
    except PutError as err:
        if condition_failed(err):
            return False
        raise
    return True


def release_channel(notification_id: str, channel: str) -> None:
    """A send failed: let the retry claim the channel again."""
    DeliveredMarker(key("NOTIFICATION", notification_id), f"CHANNEL#{channel}").delete()


def inbox(user_id: str, limit: int) -> list[InboxEntry]:
    items = InboxItem.query(
        key("USER", user_id),
        InboxItem.sk.startswith(INBOX_PREFIX),
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
    )
    return [InboxEntry(i.notification_id, i.kind, i.title, i.body, dict(i.data or {}), i.created_at) for i in items]


class InboxTable:
    """The inbox's DynamoDB access as the delivery use case's port."""

    def record_once(
        self,
        notification_id: str,
        user_id: str,
        kind: str,
        title: str,
        body: str,
        data: dict[str, Any],
        created_at: str,
    ) -> bool:
        return record_once(notification_id, user_id, kind, title, body, data, created_at)

    def claim_channel(self, notification_id: str, channel: str) -> bool:
        return claim_channel(notification_id, channel)

    def release_channel(self, notification_id: str, channel: str) -> None:
        release_channel(notification_id, channel)

    def inbox(self, user_id: str, limit: int) -> list[InboxEntry]:
        return inbox(user_id, limit)
