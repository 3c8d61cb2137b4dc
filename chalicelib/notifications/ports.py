"""What delivering a notification needs: the inbox's storage and a sender per channel. The DynamoDB
adapter is `models.InboxTable`; unit tests use an in-memory fake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.notifications.domain import InboxEntry

ChannelSender = Callable[[dict[str, Any]], None]


class InboxRepository(Protocol):
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
        """The inbox entry and its dedupe marker together; False when this id was recorded before."""
        ...

    def claim_channel(self, notification_id: str, channel: str) -> bool:
        """The right to send on one channel; False if an earlier delivery already had it."""
        ...

    def release_channel(self, notification_id: str, channel: str) -> None: ...

    def inbox(self, user_id: str, limit: int) -> list[InboxEntry]: ...
