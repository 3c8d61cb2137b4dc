"""How notifications plugs into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from chalicelib.core.areas import Area, QueueConsumer
from chalicelib.core.resources import QueueSpec

NOTIFICATIONS_QUEUE = QueueSpec("notifications", visibility_timeout_seconds=60, max_receive_count=5, batch_size=10)

AREA = Area(
    name="notifications",
    routes="chalicelib.notifications.routes",
    queues=(NOTIFICATIONS_QUEUE,),
    consumers=(
        QueueConsumer("notifications_consumer", NOTIFICATIONS_QUEUE, "chalicelib.notifications.consumer:handle"),
    ),
)
