"""SQS consumers share this: Powertools batch processing with partial failures.

Imported inside the Chalice SQS handlers, never at app import, so the API function's cold start
does not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.core.observability import logger


def process_sqs_batch(event: dict[str, Any], context: Any, handle: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Runs `handle(json_body)` per record; failed records are reported, the rest are deleted."""

    def record_handler(record: SQSRecord) -> None:
        try:
            body = json.loads(record.body)
        except ValueError:
            # Fails every delivery, so after maxReceiveCount it lands in the DLQ for a human to see.
            logger.error("message is not JSON", message_id=record.message_id)
            raise
        handle(body)

    processor = BatchProcessor(event_type=EventType.SQS)
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
