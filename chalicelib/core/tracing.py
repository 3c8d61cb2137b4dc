"""X-Ray subsegments for the event handlers: every AWS call (botocore: DynamoDB through PynamoDB, SQS,
Scheduler, Step Functions) and every WeChat call (`core.observability.remote_call`, which the WeChat
HTTP clients wrap each request in) becomes a subsegment of the invocation's trace, under one
`## record` subsegment per queue or stream record.

Only consumer code imports this module: Powertools Tracer pulls in the X-Ray SDK (~0.5 s), which
the API function's cold start does not pay (tests/unit/test_import_budget.py); the API function's
requests are still traced as Lambda segments through active tracing. Outside Lambda (tests,
`make run`) Powertools disables the tracer and patches nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from aws_lambda_powertools import Tracer

from chalicelib.core import observability

# botocore only: the SDK's pynamodb patch would trace each DynamoDB call twice, and its httplib patch
# does not see urllib3 2's requests (WeChat calls are traced through remote_call below instead).
tracer = Tracer(service=observability.SERVICE, patch_modules=("botocore",))


@contextmanager
def _remote_subsegment(method: str, url: str) -> Iterator[Callable[[int], None]]:
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.models import http

    parts = urlsplit(url)
    with xray_recorder.in_subsegment(parts.hostname or "remote", namespace="remote") as subsegment:
        # The URL without its query: WeChat puts the access_token there.
        subsegment.put_http_meta(http.METHOD, method)
        subsegment.put_http_meta(http.URL, f"{parts.scheme}://{parts.netloc}{parts.path}")
        yield lambda status: subsegment.put_http_meta(http.STATUS, status)


if not tracer.disabled:
    observability.remote_call_tracer = _remote_subsegment
