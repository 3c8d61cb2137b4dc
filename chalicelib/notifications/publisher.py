"""What other areas call to notify someone. Cheap: one SQS SendMessage, no delivery work inline."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from chalicelib.core import aws
from chalicelib.core.config import queue_url
from chalicelib.notifications.area import NOTIFICATIONS_QUEUE
from chalicelib.notifications.domain import Notification

__all__ = ["Notification", "message_body", "publish"]


def message_body(notification: Notification) -> dict[str, Any]:
    """The queue message for a notification; the booking saga's Notify state sends this same body."""
    payload = asdict(notification)
    payload["channels"] = list(notification.channels)
    return payload


def publish(notification: Notification) -> None:
    aws.client("sqs").send_message(
        QueueUrl=queue_url(NOTIFICATIONS_QUEUE.suffix),
        MessageBody=json.dumps(message_body(notification), ensure_ascii=False),
    )
