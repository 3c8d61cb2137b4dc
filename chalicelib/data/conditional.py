"""Conditional writes that answer with the item, so a caller never re-reads to learn why one failed.

PynamoDB's single-item writes drop what DynamoDB returns on a failed condition; DynamoDB can return the
item as it stands (`ReturnValuesOnConditionCheckFailure=ALL_OLD`) in the same call. These helpers ask
for it, and for the item after a successful update (`ALL_NEW`), so one call decides and explains.
"""

from __future__ import annotations

from typing import Any, TypeVar

from botocore.exceptions import ClientError
from pynamodb.constants import ALL_NEW, ALL_OLD, ITEM, KEY, PUT_ITEM, UPDATE_ITEM
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.data.table import TableModel, condition_failed

M = TypeVar("M", bound=TableModel)


def _item_on_failure(err: Exception) -> dict[str, Any] | None:
    """The item DynamoDB returned with a failed condition. PynamoDB re-raises botocore's error (which
    carries it) as the cause of its own, so walk the chain to it."""
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, ClientError) and "Item" in cause.response:
            item: dict[str, Any] = cause.response["Item"]
            return item
        cause = cause.__cause__
    return None


def update_or_current(
    model: type[M], hash_key: str, range_key: str, actions: list[Action], condition: Condition
) -> tuple[bool, M | None]:
    """One UpdateItem: (True, the item after it) when the condition held; (False, the item as it
    stands, or None when there is none) when it did not."""
    connection = model._get_connection()
    kwargs = connection.get_operation_kwargs(
        hash_key,
        range_key=range_key,
        key=KEY,
        actions=actions,
        condition=condition,
        return_values=ALL_NEW,
        return_values_on_condition_failure=ALL_OLD,
    )
    try:
        data = connection.connection.dispatch(UPDATE_ITEM, kwargs)
    except Exception as err:
        wrapped = UpdateError("Failed to update item", err)
        if not condition_failed(wrapped):
            raise wrapped from err
        raw = _item_on_failure(err)
        return False, model.from_raw_data(raw) if raw else None
    return True, model.from_raw_data(data["Attributes"])


def put_or_current(item: M, condition: Condition) -> M | None:
    """One PutItem: None when the condition held (the item is written); else the item as it stands."""
    model = type(item)
    connection = model._get_connection()
    args, save_kwargs = item._get_save_args(condition=condition)
    (hash_key,) = args
    kwargs = connection.get_operation_kwargs(
        hash_key,
        range_key=save_kwargs.get("range_key"),
        key=ITEM,
        attributes=save_kwargs["attributes"],
        condition=save_kwargs["condition"],
        return_values_on_condition_failure=ALL_OLD,
    )
    try:
        connection.connection.dispatch(PUT_ITEM, kwargs)
    except Exception as err:
        wrapped = PutError("Failed to put item", err)
        if not condition_failed(wrapped):
            raise wrapped from err
        raw = _item_on_failure(err)
        if raw is None:  # DynamoDB returns the item whenever one made the condition fail
            raise wrapped from err
        return model.from_raw_data(raw)
    return None


def failed_item(err: TransactWriteError, pk_prefix: str) -> dict[str, Any] | None:
    """In a cancelled transaction, the item of a failed condition whose partition key starts with
    `pk_prefix`, as the action asked it back (`return_values="ALL_OLD"`); None if no such action failed.
    Matching on the key, not the position, keeps callers free of PynamoDB's action order."""
    for reason in err.cancellation_reasons or []:
        if reason is None or reason.code != "ConditionalCheckFailed" or not reason.raw_item:
            continue
        if str(reason.raw_item.get("pk", {}).get("S", "")).startswith(pk_prefix):
            return reason.raw_item
    return None
