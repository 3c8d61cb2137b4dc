"""How reports plugs into the deployment (see core/areas.py). Cheap to import: constants only.

The report job has its own function (`reports_consumer`), fed by its own queue: chart rendering
(matplotlib) is imported there only, never by the API function."""

from __future__ import annotations

from chalicelib.core.areas import Area, QueueConsumer
from chalicelib.core.resources import QueueSpec, SecretSpec

# One report per message; a failed send is retried (3 receives), then it lands in the DLQ (alarmed).
# The visibility timeout covers a render and a send, and is the sent marker's claim lease.
REPORTS_QUEUE = QueueSpec("reports", visibility_timeout_seconds=120, max_receive_count=3, batch_size=1)
# The key that signs unsubscribe links (HMAC-SHA256).
REPORTS_SECRET = SecretSpec("reports", ("unsubscribeKey",))

AREA = Area(
    name="reports",
    routes="chalicelib.reports.routes",
    queues=(REPORTS_QUEUE,),
    consumers=(QueueConsumer("reports_consumer", REPORTS_QUEUE, "chalicelib.reports.consumer:handle"),),
    secrets=(REPORTS_SECRET,),
)
