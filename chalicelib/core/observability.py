"""Powertools Logger and Metrics shared by every function.

Tracer is deliberately absent here: it imports the X-Ray SDK (~0.5 s), which the API function's
cold start cannot afford. X-Ray active tracing is switched on in infra, so Lambda still emits
segments; only event handlers that benefit from subsegments import Tracer themselves.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "o2o-backend")

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "O2OBackend"), service=SERVICE)

# Routes that record no metric would warn on every flush; an empty flush is normal for them.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def count(name: str, value: int = 1) -> None:
    """A business or failure count (EMF, flushed by the functions' log_metrics middleware): what on-call
    graphs and alarms on, e.g. Rejected.OUT_OF_STOCK spiking or RecordFailed above zero."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


# Set by core.tracing when a function traces (the consumers); None in the API function, which must
# not import the X-Ray SDK. Takes (method, url) and yields a callback for the response status.
RemoteCallTracer = Callable[[str, str], AbstractContextManager[Callable[[int], None]]]
remote_call_tracer: RemoteCallTracer | None = None


@contextmanager
def remote_call(method: str, url: str) -> Iterator[Callable[[int], None]]:
    """Wraps one outbound HTTP call (WeChat, WeChat Pay): an X-Ray subsegment where the function
    traces, nothing otherwise. Yields a callback that records the response status."""
    if remote_call_tracer is None:
        yield lambda status: None
        return
    with remote_call_tracer(method, url) as record_status:
        yield record_status
