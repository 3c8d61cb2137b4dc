"""The notifications queue's consumer: records each notification once, then delivers it.

Delivery channels are WeChat subscribe messages, SMS and email (`channels.SENDERS`); tests add their
own through `register_channel`.
Each channel is claimed with a conditional write before sending, so a redelivered message sends
nothing twice; a channel that raises releases its claim and fails the record, which returns to
the queue and retries just that channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core.clock import clock, to_iso
from chalicelib.notifications import models

ChannelSender = Callable[[dict[str, Any]], None]
_channels: dict[str, ChannelSender] = {}


def register_channel(name: str, sender: ChannelSender) -> None:
    _channels[name] = sender


def _builtin_senders() -> dict[str, ChannelSender]:
    from chalicelib.notifications.channels import SENDERS

    return SENDERS


def handle(message: dict[str, Any]) -> None:
    notification_id = str(message["id"])
    models.record_once(
        notification_id=notification_id,
        user_id=str(message["user_id"]),
        kind=str(message["kind"]),
        title=str(message.get("title", "")),
        body=str(message.get("body", "")),
        data=dict(message.get("data") or {}),
        created_at=to_iso(clock().now()),
    )
    for channel in message.get("channels") or []:
        sender = _channels.get(channel) or _builtin_senders().get(channel)
        if sender is None or not models.claim_channel(notification_id, channel):
            continue
        try:
            sender(message)
        except Exception:
            models.release_channel(notification_id, channel)
            raise
