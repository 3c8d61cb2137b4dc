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
