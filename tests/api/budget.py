"""DynamoDB call budgets: what one request costs, and that it read no item twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devstack.local_aws import LocalAws


def dynamodb_calls(local_aws: LocalAws, request: Callable[[], Any]) -> dict[str, int]:
    """The DynamoDB operations one request made, by name. Fails if a GetItem or BatchGetItem asked
    for an item an earlier call of the same request already read."""
    local_aws.app.clear()
    request()
    reads = local_aws.app.keys_read
    repeated = sorted({read for read in reads if reads.count(read) > 1})
    assert not repeated, f"read more than once in one request: {repeated}"
    return dict(local_aws.app.calls)
