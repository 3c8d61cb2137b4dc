"""Faults real DynamoDB produces and moto never does, injected at the PynamoDB connection."""

from __future__ import annotations

from typing import Any

import pytest


class TransactionConflicts:
    """Cancels the next `pending` TransactWriteItems calls with a TransactionConflict (nothing
    written), the way DynamoDB answers a transaction overlapping another on the same item."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from pynamodb.connection import Connection

        self.pending = 0
        self.raised = 0
        real = Connection.transact_write_items

        def transact_write_items(connection: Connection, *args: Any, **kwargs: Any) -> Any:
            if self.pending > 0:
                self.pending -= 1
                self.raised += 1
                raise self._conflict(len(kwargs.get("put_items") or []) + len(kwargs.get("update_items") or []))
            return real(connection, *args, **kwargs)

        monkeypatch.setattr(Connection, "transact_write_items", transact_write_items)

    @staticmethod
    def _conflict(actions: int) -> Exception:
        from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

        reasons: list[CancellationReason | None] = [None] * max(actions, 1)
        reasons[-1] = CancellationReason(code="TransactionConflict", message="Transaction is ongoing for the item")
        cause = VerboseClientError(
            {"Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}},
            "TransactWriteItems",
            cancellation_reasons=reasons,
        )
        return TransactWriteError("Failed to write transaction items", cause=cause)


class CommittedButTimedOut:
    """The next `pending` TransactWriteItems calls commit, then the client sees a read timeout (the
    answer was lost on the way back). DynamoDB treats a repeat carrying the same ClientRequestToken
    within 10 minutes as the same transaction: it answers success and writes nothing again. moto
    ignores the token, so this fault plays DynamoDB's side of that rule, and records every token sent."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from botocore.exceptions import ReadTimeoutError
        from pynamodb.connection import Connection
        from pynamodb.exceptions import TransactWriteError

        self.pending = 0
        self.tokens: list[str | None] = []
        committed: set[str] = set()
        real = Connection.transact_write_items

        def transact_write_items(connection: Connection, *args: Any, **kwargs: Any) -> Any:
            token = kwargs.get("client_request_token")
            self.tokens.append(token)
            if token is not None and token in committed:
                return {}
            result = real(connection, *args, **kwargs)
            if token is not None:
                committed.add(token)
            if self.pending > 0:
                self.pending -= 1
                lost = ReadTimeoutError(endpoint_url="https://dynamodb.local")
                raise TransactWriteError("Failed to write transaction items", cause=lost)
            return result

        monkeypatch.setattr(Connection, "transact_write_items", transact_write_items)


class Unreachable:
    """Every TransactWriteItems call fails to connect: nothing is written."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from botocore.exceptions import EndpointConnectionError
        from pynamodb.connection import Connection
        from pynamodb.exceptions import TransactWriteError

        self.calls = 0

        def transact_write_items(connection: Connection, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            down = EndpointConnectionError(endpoint_url="https://dynamodb.local")
            raise TransactWriteError("Failed to write transaction items", cause=down)

        monkeypatch.setattr(Connection, "transact_write_items", transact_write_items)


class Throttled:
    """DynamoDB refusing requests for capacity, answered at the HTTP layer so botocore's own retry
    policy (standard mode, the attempts core.aws configures) runs exactly as it would against AWS.

    `pending` throttles that many matching requests (None: every one). `kind` is the answer:
    "throughput" (ProvisionedThroughputExceededException, a whole call refused) or "transaction"
    (a TransactWriteItems cancelled with a ThrottlingError reason on one of its actions)."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        operations: set[str],
        *,
        pending: int | None = None,
        kind: str = "throughput",
    ) -> None:
        import json

        from botocore.awsrequest import AWSResponse
        from botocore.endpoint import Endpoint

        self.pending = pending
        self.throttled = 0
        real = Endpoint._send

        class _Body:
            def __init__(self, data: bytes) -> None:
                self.data = data

            def stream(self, **_: Any) -> Any:
                yield self.data

        def answer(request: Any) -> AWSResponse:
            if kind == "transaction":
                actions = len(json.loads(request.body or b"{}").get("TransactItems", [])) or 1
                reasons = [{"Code": "None"}] * (actions - 1) + [
                    {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity"}
                ]
                error = {
                    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                    "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
                    "CancellationReasons": reasons,
                }
            else:
                error = {
                    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "message": "The level of configured provisioned throughput for the table was exceeded.",
                }
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "throttled"}
            return AWSResponse(request.url, 400, headers, _Body(json.dumps(error).encode()))

        def send(endpoint: Endpoint, request: Any) -> Any:
            target = request.headers.get("X-Amz-Target", b"")
            target = target.decode() if isinstance(target, bytes) else str(target)
            operation = target.rpartition(".")[2]
            if target.startswith("DynamoDB_") and operation in operations and self.pending != 0:
                if self.pending is not None:
                    self.pending -= 1
                self.throttled += 1
                return answer(request)
            return real(endpoint, request)

        monkeypatch.setattr(Endpoint, "_send", send)
