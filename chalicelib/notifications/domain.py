"""Notifications as plain values: what an area publishes and what lands in an inbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notification:
    """`id` is the dedupe key: publishing the same id twice notifies once (e.g. f"queue-called-{ticketId}")."""

    id: str
    user_id: str
    kind: str  # e.g. queue_called, assistance_requested, appointment_reminder
    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    # Channels beyond the in-app inbox; the consumer honours the recipient's preferences.
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboxEntry:
    id: str
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: str
