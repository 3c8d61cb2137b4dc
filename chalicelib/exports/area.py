"""How exports plug into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from chalicelib.core.areas import Area, QueueConsumer
from chalicelib.core.resources import BucketSpec, QueueSpec

# One message per export job. The visibility timeout is the job's lease (domain.LEASE_SECONDS): a
# redelivery comes only after the worker that had it stopped or ran out of time.
EXPORTS_QUEUE = QueueSpec("exports", visibility_timeout_seconds=900, max_receive_count=3, batch_size=1)
# Finished files; S3 lifecycle deletes them after a week (and aborts forgotten multipart uploads).
EXPORTS_BUCKET = BucketSpec("exports", expire_days=7)

AREA = Area(
    name="exports",
    routes="chalicelib.exports.routes",
    queues=(EXPORTS_QUEUE,),
    consumers=(
        QueueConsumer("exports_worker", EXPORTS_QUEUE, "chalicelib.exports.worker:handle", timeout_seconds=840),
    ),
    buckets=(EXPORTS_BUCKET,),
)
