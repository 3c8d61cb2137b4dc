"""What other areas call to notify someone: publish a Notification (one SQS SendMessage), with its
title and body rendered from the template of its kind."""

from __future__ import annotations

from chalicelib.notifications.area import NOTIFICATIONS_QUEUE
from chalicelib.notifications.publisher import Notification, message_body, publish
from chalicelib.notifications.templates import render_notification

__all__ = ["NOTIFICATIONS_QUEUE", "Notification", "message_body", "publish", "render_notification"]
