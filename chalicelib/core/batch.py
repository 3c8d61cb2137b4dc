"""SQS and DynamoDB stream consumers share this: Powertools batch processing with partial failures.

Imported inside the Chalice event handlers, never at app import, so the API function's cold start
does not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from chalicelib.core.observability import count, logger
from chalicelib.core.tracing import tracer


def process_sqs_batch(event: dict[str, Any], context: Any, handle: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Runs `handle(json_body)` per record; failed records are reported, the rest are deleted."""

    def record_handler(record: SQSRecord) -> None:
        logger.set_correlation_id(record.message_id)
        try:
            body = json.loads(record.body)
        except ValueError:
            # Fails every delivery, so after maxReceiveCount it lands in the DLQ for a human to see.
            logger.error("message is not JSON", message_id=record.message_id)
            raise
        handle(body)

    processor = BatchProcessor(event_type=EventType.SQS)
    return _process(processor, record_handler, event, context)


def process_stream_batch(
    event: dict[str, Any], context: Any, handle: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Runs `handle(raw_record)` per DynamoDB stream record; a failure reports that record's sequence
    number, so Lambda retries from it (ReportBatchItemFailures) instead of from the whole batch."""

    def record_handler(record: DynamoDBRecord) -> None:
        logger.set_correlation_id(record.event_id)
        handle(record.raw_event)

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    return _process(processor, record_handler, event, context)


def _process(
    processor: BatchProcessor, record_handler: Callable[[Any], None], event: dict[str, Any], context: Any
) -> dict[str, Any]:
    def counted(record: Any) -> None:
        # Counted here, per record, not from the partial response: when every record of a batch fails,
        # Powertools raises BatchProcessingError instead of returning one (and Lambda retries the batch).
        with tracer.provider.in_subsegment("## record") as subsegment:
            subsegment.put_annotation("record_id", _record_id(record))
            try:
                record_handler(record)
            except Exception:
                count("RecordFailed")
                raise

    response = process_partial_response(event=event, record_handler=counted, processor=processor, context=context)
    return dict(response)


def _record_id(record: Any) -> str:
    """The id a record's log lines carry as correlation id, so a trace can be found from a log line."""
    return str(getattr(record, "message_id", None) or getattr(record, "event_id", None) or "")
