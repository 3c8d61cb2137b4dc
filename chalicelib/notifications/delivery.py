"""Delivering one notification: record it in the recipient's inbox once, then send it on each channel
it names, each channel claimed first so a redelivered message sends nothing twice. A sender that
raises releases its claim and fails the message, so the queue retries just that channel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.notifications.ports import ChannelSender, InboxRepository


def deliver(
    message: dict[str, Any], *, repo: InboxRepository, sender_of: Callable[[str], ChannelSender | None], now_iso: str
) -> None:
    notification_id = str(message["id"])
    repo.record_once(
        notification_id=notification_id,
        user_id=str(message["user_id"]),
        kind=str(message["kind"]),
        title=str(message.get("title", "")),
        body=str(message.get("body", "")),
        data=dict(message.get("data") or {}),
        created_at=now_iso,
    )
    for channel in message.get("channels") or []:
        sender = sender_of(channel)
        if sender is None or not repo.claim_channel(notification_id, channel):
            continue
        try:
            sender(message)
        except Exception:
            repo.release_channel(notification_id, channel)
            raise
