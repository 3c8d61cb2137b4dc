"""An in-memory inbox with the DynamoDB adapter's once-only markers."""

from __future__ import annotations

from typing import Any

from chalicelib.notifications.domain import InboxEntry


class FakeInbox:
    def __init__(self) -> None:
        self.entries: dict[str, list[InboxEntry]] = {}
        self.recorded: set[str] = set()
        self.claims: set[tuple[str, str]] = set()

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
        if notification_id in self.recorded:
            return False
        self.recorded.add(notification_id)
        self.entries.setdefault(user_id, []).append(InboxEntry(notification_id, kind, title, body, data, created_at))
        return True

    def claim_channel(self, notification_id: str, channel: str) -> bool:
        if (notification_id, channel) in self.claims:
            return False
        self.claims.add((notification_id, channel))
        return True

    def release_channel(self, notification_id: str, channel: str) -> None:
        self.claims.discard((notification_id, channel))

    def inbox(self, user_id: str, limit: int) -> list[InboxEntry]:
        return sorted(self.entries.get(user_id, []), key=lambda e: e.created_at, reverse=True)[:limit]
