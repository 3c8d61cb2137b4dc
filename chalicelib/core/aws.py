"""Lazily created, cached boto3 clients: the API function pays for a client only when a route needs it."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

_lock = threading.Lock()

# Every function may run 30 s (infra's lambda_timeout). botocore's defaults (60 s read timeout, legacy
# retries) let one stuck call outlive the function, which then dies without answering or reporting.
# These bound a call, standard-mode retries and backoff included, to about 24 s. PynamoDB takes the
# same values (data/table.py).
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 5.0
MAX_ATTEMPTS = 3  # the first try included

# Error codes with which AWS refuses a call for capacity: nothing was done, and the same call later
# will work. botocore retries them itself; past its attempts, callers answer 503 with Retry-After.
THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "Throttling"}
)


def client_config() -> Any:
    from botocore.config import Config

    return Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    )


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()


_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is None:
        with _lock:  # boto3 sessions are not thread-safe while creating clients
            found = _clients.get(service)
            if found is None:
                found = _clients[service] = _session().client(service, config=client_config())
    return found


def reset_clients() -> None:
    """Forget clients (tests that point the environment at a new endpoint)."""
    _clients.clear()
    _session.cache_clear()
