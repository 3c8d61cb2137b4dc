"""The Chalice app: wiring only. Routes live in each area's routes.py, rules beside them.

Event handlers import their area's consumer inside the function, so the API function's cold start
never pays for Powertools batch processing or anything else only consumers need.
"""

import os
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from chalice import Chalice, ConvertToMiddleware

from chalicelib.appointments.routes import bp as appointment_routes
from chalicelib.assistance.routes import bp as assistance_routes
from chalicelib.catalog.routes import bp as catalog_routes
from chalicelib.core.config import settings
from chalicelib.core.http import request_log
from chalicelib.core.observability import logger, metrics
from chalicelib.core.resources import NOTIFICATIONS_QUEUE, POINTS_QUEUE, TIMERS_QUEUE, physical_name
from chalicelib.identity.routes import bp as identity_routes
from chalicelib.loyalty.routes import bp as loyalty_routes
from chalicelib.navigation.routes import bp as navigation_routes
from chalicelib.notifications.routes import bp as notification_routes
from chalicelib.payments.routes import bp as payment_routes
from chalicelib.reservations.routes import bp as reservation_routes
from chalicelib.storequeue.routes import bp as storequeue_routes
from chalicelib.stores.routes import bp as store_routes

app = Chalice(app_name="o2o-backend")
app.register_middleware(
    ConvertToMiddleware(logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)), "http"
)
# Inside the logger's middleware, so the request's line carries its correlation id.
app.register_middleware(request_log, "http")
app.register_middleware(ConvertToMiddleware(metrics.log_metrics), "all")
# Consumers log with their Lambda context too; each record sets its own correlation id (core/batch.py).
for event_type in ("sqs", "dynamodb"):
    app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context), event_type)

app.register_blueprint(identity_routes)
app.register_blueprint(store_routes)
app.register_blueprint(catalog_routes)
app.register_blueprint(notification_routes)
app.register_blueprint(appointment_routes)
app.register_blueprint(payment_routes)
app.register_blueprint(reservation_routes)
app.register_blueprint(loyalty_routes)
app.register_blueprint(storequeue_routes)
app.register_blueprint(navigation_routes)
app.register_blueprint(assistance_routes)


def _queue(suffix: str) -> str:
    return physical_name(settings().resource_prefix, suffix)


@app.on_sqs_message(queue=_queue(NOTIFICATIONS_QUEUE.suffix), batch_size=NOTIFICATIONS_QUEUE.batch_size)
def notifications_consumer(event: Any) -> dict[str, Any]:
    import chalicelib.notifications.channels  # noqa: F401
    from chalicelib.core.batch import process_sqs_batch
    from chalicelib.notifications.consumer import handle

    return process_sqs_batch(event.to_dict(), event.context, handle)


@app.on_sqs_message(queue=_queue(POINTS_QUEUE.suffix), batch_size=POINTS_QUEUE.batch_size)
def points_consumer(event: Any) -> dict[str, Any]:
    from chalicelib.core.batch import process_sqs_batch
    from chalicelib.loyalty.consumer import handle

    return process_sqs_batch(event.to_dict(), event.context, handle)


@app.on_sqs_message(queue=_queue(TIMERS_QUEUE.suffix), batch_size=TIMERS_QUEUE.batch_size)
def timers_consumer(event: Any) -> dict[str, Any]:
    import chalicelib.appointments.timers
    import chalicelib.payments.timers  # noqa: F401
    from chalicelib.core.batch import process_sqs_batch
    from chalicelib.core.timers import dispatch
    from chalicelib.reservations import timers as _reservation_timers  # noqa: F401

    return process_sqs_batch(event.to_dict(), event.context, dispatch)


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
    from chalicelib.reservations.backstop import handle

    return process_stream_batch(event.to_dict(), event.context, handle)
