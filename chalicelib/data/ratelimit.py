"""Rate-limit counters in the table: `RATE#<limit>#<subject>#<windowStart>` / `COUNTER`, `used` ADDed
under the condition that it is still below the limit, so DynamoDB alone decides who is over it.

`add_charge` puts the count into a caller's TransactWriteItems (the record and its charge commit or
fail together); `take` is the standalone UpdateItem for routes with no transaction of their own.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.core.ratelimit import Charge
from chalicelib.data.conditional import failed_item
from chalicelib.data.table import ExpiringModel, condition_failed, key

COUNTER_PREFIX = "RATE#"
# Counters outlive their window a little (TTL deletes lazily anyway); the window is in the key.
GRACE_SECONDS = 3600


class RateCounterItem(ExpiringModel):
    used = NumberAttribute()  # requests counted in the window (not `count`: Model.count is a method)


def _item(charge: Charge) -> RateCounterItem:
    return RateCounterItem(key("RATE", charge.counter), "COUNTER")


def _actions(charge: Charge) -> list[Action]:
    return [
        RateCounterItem.used.add(1),
        RateCounterItem.ttl.set(charge.resets_at + GRACE_SECONDS),
        RateCounterItem.et.set(RateCounterItem.entity_type()),  # an UpdateItem creates it: name its type
    ]


def _below_limit(charge: Charge) -> Condition:
    return RateCounterItem.used.does_not_exist() | (RateCounterItem.used < charge.limit.limit)


def add_charge(tx: TransactWrite, charge: Charge) -> None:
    """Count this request in the caller's transaction; `refused(err)` tells whether it was the limit
    that cancelled it."""
    tx.update(_item(charge), actions=_actions(charge), condition=_below_limit(charge), return_values="ALL_OLD")


def refused(err: TransactWriteError) -> bool:
    """Did a rate counter's condition cancel this transaction? (Position-independent: the counter
    comes back with its key because `add_charge` asks for the item on a failed condition.)"""
    return failed_item(err, COUNTER_PREFIX) is not None


def take(charge: Charge) -> None:
    """One UpdateItem; raises the charge's RateLimited when the window is used up."""
    try:
        _item(charge).update(actions=_actions(charge), condition=_below_limit(charge))
    except UpdateError as err:
        if condition_failed(err):
            raise charge.refused() from None
        raise
