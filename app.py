"""The Chalice app: wiring only. Which areas exist, and what each brings, is `chalicelib.wiring`.

Routes come from `chalicelib/route_table.py`; an area's code is imported when one of its routes is first
called, so a cold start pays only for the area the request needs. Event handlers resolve their area's
handler when a message arrives, so the API function never pays for consumer code either.
"""

import importlib
import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from chalice import Chalice, ConvertToMiddleware, CORSConfig

from chalicelib import wiring
from chalicelib.core.config import settings
from chalicelib.core.http import edge_guard, request_log
from chalicelib.core.observability import logger, metrics
from chalicelib.core.resources import TIMERS_QUEUE, physical_name
from chalicelib.route_table import ROUTES

app = Chalice(app_name="o2o-backend")
# A browser origin (an admin console) may call the API when the stage names one: Chalice then answers
# preflights and adds the headers. The mini program's wx.request is not a browser and needs none.
# Set before the blueprints register, since each route takes the setting when it is registered.
if os.environ.get("CORS_ALLOW_ORIGIN", "").strip():
    app.api.cors = CORSConfig(allow_origin=os.environ["CORS_ALLOW_ORIGIN"].strip(), max_age=600)
app.register_middleware(
    ConvertToMiddleware(logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)), "http"
)
# Inside the logger's middleware, so the request's line carries its correlation id.
app.register_middleware(request_log, "http")
app.register_middleware(ConvertToMiddleware(metrics.log_metrics), "all")
app.register_middleware(edge_guard, "http")
# Consumers log with their Lambda context too; each record sets its own correlation id (core/batch.py).
for event_type in ("sqs", "dynamodb"):
    app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context), event_type)

wiring.install()


def _lazy_view(module_name: str, method: str, path: str) -> Callable[..., Any]:
    def view(**path_params: Any) -> Any:
        return importlib.import_module(module_name).bp.views[(method, path)](**path_params)

    view.__name__ = view.__qualname__ = f"{module_name.rsplit('.', 2)[-2]}_{method}_{path}"
    return view


for method, path, module, content_types in ROUTES:
    app.route(path, methods=[method], content_types=list(content_types))(_lazy_view(module, method, path))


def _queue(suffix: str) -> str:
    return physical_name(settings().resource_prefix, suffix)


def _sqs_consumer(name: str, handler_path: str) -> Callable[[Any], dict[str, Any]]:
    def consume(event: Any) -> dict[str, Any]:
        from chalicelib.core.batch import process_sqs_batch
        from chalicelib.core.lazy import resolve

        return process_sqs_batch(event.to_dict(), event.context, resolve(handler_path))

    # Chalice names the Lambda handler `app.<__name__>`, so each consumer is a module attribute too.
    consume.__name__ = consume.__qualname__ = name
    return consume


for consumer in wiring.QUEUE_CONSUMERS:
    globals()[consumer.function_name] = app.on_sqs_message(
        queue=_queue(consumer.queue.suffix), batch_size=consumer.queue.batch_size
    )(_sqs_consumer(consumer.function_name, consumer.handler))


@app.on_sqs_message(queue=_queue(TIMERS_QUEUE.suffix), batch_size=TIMERS_QUEUE.batch_size)
def timers_consumer(event: Any) -> dict[str, Any]:
    from chalicelib.core.batch import process_sqs_batch
    from chalicelib.core.timers import dispatch

    return process_sqs_batch(event.to_dict(), event.context, lambda message: dispatch(message, wiring.TIMER_HANDLERS))


def _table_stream_arn() -> str:
    """infra points the event source at the real stream and the local runner finds the table's
    current one, so this default only has to be a valid ARN naming the table."""
    config = settings()
    placeholder = (
        f"arn:aws:dynamodb:{config.region}:000000000000:table/{config.table_name}/stream/1970-01-01T00:00:00.000"
    )
    return os.environ.get("TABLE_STREAM_ARN", "").strip() or placeholder


@app.on_dynamodb_record(stream_arn=_table_stream_arn(), batch_size=100, starting_position="LATEST")
def table_stream_consumer(event: Any) -> dict[str, Any]:
    from chalicelib.core.batch import process_stream_batch
    from chalicelib.core.streams import dispatch

    return process_stream_batch(
        event.to_dict(), event.context, lambda record: dispatch(record, wiring.STREAM_SUBSCRIPTIONS)
    )
