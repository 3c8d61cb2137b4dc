"""What other areas call to notify someone: publish a Notification (one SQS SendMessage)."""

from __future__ import annotations

from chalicelib.notifications.area import NOTIFICATIONS_QUEUE
from chalicelib.notifications.publisher import Notification, message_body, publish

__all__ = ["NOTIFICATIONS_QUEUE", "Notification", "message_body", "publish"]
