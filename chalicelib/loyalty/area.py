"""How loyalty plugs into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from chalicelib.core.areas import Area, QueueConsumer
from chalicelib.core.resources import QueueSpec

# Point accrual: one message per paid transaction, credited once by the consumer.
POINTS_QUEUE = QueueSpec("points", visibility_timeout_seconds=60, max_receive_count=5, batch_size=10)

AREA = Area(
    name="loyalty",
    routes="chalicelib.loyalty.routes",
    queues=(POINTS_QUEUE,),
    consumers=(QueueConsumer("points_consumer", POINTS_QUEUE, "chalicelib.loyalty.consumer:handle"),),
)
