"""Lazily created, cached boto3 clients: the API function pays for a client only when a route needs it."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

_lock = threading.Lock()


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
                found = _clients[service] = _session().client(service)
    return found


def reset_clients() -> None:
    """Forget clients (tests that point the environment at a new endpoint)."""
    _clients.clear()
    _session.cache_clear()
