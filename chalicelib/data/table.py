"""Base PynamoDB model bound to the one table, and key helpers every area uses."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

from botocore.exceptions import BotoCoreError
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.core import aws
from chalicelib.core.config import settings
from chalicelib.core.errors import UpstreamUnavailable


class TableModel(Model):
    """Every entity is an item of this table; subclasses add their attributes.

    Each item also carries `et`, its entity type, so a stream record or a table export says what it
    is without key parsing (the stream consumer routes on it; infra filters on it)."""

    class Meta:
        table_name = settings().table_name
        region = settings().region
        # No host: botocore honours AWS_ENDPOINT_URL when the client is created (moto locally).
        connect_timeout_seconds = aws.CONNECT_TIMEOUT_SECONDS
        read_timeout_seconds = aws.READ_TIMEOUT_SECONDS
        max_retry_attempts = aws.MAX_ATTEMPTS - 1  # PynamoDB counts retries, not attempts

    # Defaults to the class name without its "Item" suffix; set it where an area publishes the name.
    ENTITY_TYPE: ClassVar[str | None] = None

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    et = UnicodeAttribute(null=True)

    def __init__(
        self, hash_key: Any = None, range_key: Any = None, _user_instantiated: bool = True, **attributes: Any
    ) -> None:
        if _user_instantiated and attributes.get("et") is None:
            attributes["et"] = self.entity_type()
        super().__init__(hash_key, range_key, _user_instantiated, **attributes)

    @classmethod
    def entity_type(cls) -> str:
        return cls.ENTITY_TYPE or cls.__name__.removesuffix("Item")


class ExpiringModel(TableModel):
    """Items DynamoDB TTL may delete: `ttl` is epoch seconds."""

    ttl = NumberAttribute(null=True)


def key(*parts: str) -> str:
    return "#".join(parts)


@lru_cache(maxsize=1)
def connection() -> Connection:
    """The one connection transactions share: each new Connection builds a botocore client (~250 ms)."""
    meta = TableModel.Meta
    return Connection(
        region=meta.region,
        connect_timeout_seconds=meta.connect_timeout_seconds,
        read_timeout_seconds=meta.read_timeout_seconds,
        max_retry_attempts=meta.max_retry_attempts,
    )


TRANSACTION_ATTEMPTS = 6

_M = TypeVar("_M", bound=Model)


def condition_failed(err: PynamoDBException) -> bool:
    """Did a single-item write (PutItem, UpdateItem, DeleteItem) fail only because its condition did?"""
    return err.cause_response_code == "ConditionalCheckFailedException"


class Transaction(TransactWrite):
    """A TransactWrite whose actions may carry a label (any hashable value: a name, a stock key).

    DynamoDB reports a cancellation per action, in the order the actions were sent, and PynamoDB
    sends them grouped by kind, not in the order they were added. Labels let a caller (or a piece
    another area added to its transaction, such as inventory's stock actions) ask "did *my*
    condition fail?" without counting positions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._checks: list[Hashable | None] = []
        self._deletes: list[Hashable | None] = []
        self._puts: list[Hashable | None] = []
        self._updates: list[Hashable | None] = []

    def condition_check(
        self,
        model_cls: type[_M],
        hash_key: Any,
        range_key: Any = None,
        condition: Condition | None = None,
        *,
        label: Hashable | None = None,
    ) -> None:
        super().condition_check(model_cls, hash_key, range_key, condition)
        self._checks.append(label)

    def delete(
        self,
        model: _M,
        condition: Condition | None = None,
        *,
        add_version_condition: bool = True,
        label: Hashable | None = None,
    ) -> None:
        super().delete(model, condition, add_version_condition=add_version_condition)
        self._deletes.append(label)

    def save(
        self,
        model: _M,
        condition: Condition | None = None,
        return_values: str | None = None,
        *,
        label: Hashable | None = None,
    ) -> None:
        super().save(model, condition, return_values)
        self._puts.append(label)

    def update(
        self,
        model: _M,
        actions: list[Action],
        condition: Condition | None = None,
        return_values: str | None = None,
        *,
        add_version_condition: bool = True,
        label: Hashable | None = None,
    ) -> None:
        super().update(model, actions, condition, return_values, add_version_condition=add_version_condition)
        self._updates.append(label)

    def labels(self) -> list[Hashable | None]:
        """One per action in sending order: PynamoDB's Connection.transact_write_items sends condition
        checks, deletes, puts, then updates (tests/flows/data/test_transactions.py pins this down)."""
        return [*self._checks, *self._deletes, *self._puts, *self._updates]


class TransactionCancelled(TransactWriteError):
    """The TransactWriteError `transact` raises: the same error (codes, reasons), and it can name the
    labelled actions whose conditions failed."""

    def __init__(self, err: TransactWriteError, labels: list[Hashable | None]) -> None:
        super().__init__(err.msg, err.cause)
        self.labels = labels

    def failed_labels(self) -> list[Hashable]:
        return [
            label
            for label, failed in zip(self.labels, failed_conditions(self), strict=False)
            if failed and label is not None
        ]

    def failed(self, label: Hashable) -> bool:
        return label in self.failed_labels()

    def old_item(self, label: Hashable) -> dict[str, Any] | None:
        """The item as it was when the labelled action's condition failed, if that action asked
        for it (`return_values=ALL_OLD`) and the item existed: answers "why" without a re-read."""
        for found, reason in zip(self.labels, self.cancellation_reasons, strict=False):
            if found == label and reason is not None and reason.code == "ConditionalCheckFailed":
                return reason.raw_item
        return None


def cancellation_codes(err: TransactWriteError) -> list[str | None]:
    """Each action's cancellation code, in the order PynamoDB sent them (None: that action was fine)."""
    return [r.code if r is not None else None for r in err.cancellation_reasons or []]


def failed_conditions(err: TransactWriteError) -> list[bool]:
    """Per action, in PynamoDB's sending order: did its condition fail?"""
    return [code == "ConditionalCheckFailed" for code in cancellation_codes(err)]


def transact(build: Callable[[Transaction], None]) -> None:
    """One TransactWriteItems, retried with jitter while DynamoDB cancels it only because another
    transaction on the same item was in flight (TransactionConflict: nothing written, nothing decided).
    A rush on one hot item (a product's stock, a reward, a member's balance, a staff slot) does that on
    real DynamoDB, never on moto; without the retry callers would see 500s instead of clean answers.
    Any other cancellation (a failed condition) is raised as TransactionCancelled for the caller to map.

    Every attempt carries a ClientRequestToken. When the answer is lost (a read timeout, a dropped
    connection) the transaction may have committed; the repeat (botocore's own retry, then ours) sends
    the same token, and DynamoDB answers a repeat within 10 minutes as the committed transaction
    without writing again. A conflict cancelled the attempt outright, so its retry takes a new token.
    When the table cannot be reached at all, or refuses the transaction for capacity (throttling) on
    every attempt, the caller gets a 503 to retry, never a 500 and never a "condition failed"."""
    token = uuid.uuid4().hex
    for attempt in range(TRANSACTION_ATTEMPTS):
        tx = Transaction(connection=connection(), client_request_token=token)
        try:
            with tx:
                build(tx)
            return
        except TransactWriteError as err:
            last = attempt + 1 == TRANSACTION_ATTEMPTS
            if isinstance(err.cause, BotoCoreError):
                if last:
                    raise UpstreamUnavailable("The database did not answer in time; try again.") from err
                continue  # same token: the lost attempt and this one are one transaction
            codes = set(cancellation_codes(err))
            throttled = "ThrottlingError" in codes or _throttled_call(err)
            undecided = (throttled or "TransactionConflict" in codes) and "ConditionalCheckFailed" not in codes
            if throttled and last and "ConditionalCheckFailed" not in codes:
                raise UpstreamUnavailable("The database is over capacity; try again.") from err
            if not undecided or last:
                raise TransactionCancelled(err, tx.labels()) from err
            token = uuid.uuid4().hex
            time.sleep(random.uniform(0.005, 0.02) * 2**attempt)


def _throttled_call(err: TransactWriteError) -> bool:
    """DynamoDB refused the whole call for capacity (botocore's own retries spent): nothing written."""
    return err.cause_response_code in aws.THROTTLING_CODES
