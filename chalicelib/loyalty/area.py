"""How loyalty plugs into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from chalicelib.core.areas import Area, ExportKind, QueueConsumer
from chalicelib.core.resources import QueueSpec

# Point accrual: one message per paid transaction, credited once by the consumer.
POINTS_QUEUE = QueueSpec("points", visibility_timeout_seconds=60, max_receive_count=5, batch_size=10)

AREA = Area(
    name="loyalty",
    routes="chalicelib.loyalty.routes",
    queues=(POINTS_QUEUE,),
    consumers=(QueueConsumer("points_consumer", POINTS_QUEUE, "chalicelib.loyalty.consumer:handle"),),
    exports=(
        ExportKind(
            "customers",
            "chalicelib.loyalty.api:export_members",
            ("userId", "cardNumber", "points", "lifetimePoints", "memberSince"),
        ),
        ExportKind(
            "points",
            "chalicelib.loyalty.api:export_ledger",
            ("createdAt", "userId", "transactionId", "kind", "points", "amount", "storeId", "description"),
        ),
    ),
)
