"""The data layer's transaction helpers on moto server: labels name the actions whose conditions
failed whatever order PynamoDB sends them in, the old item comes back without a re-read, and a
single-item condition failure is told apart from other errors."""

from __future__ import annotations

import pytest
from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.data.table import TableModel, Transaction, TransactionCancelled, condition_failed, transact


class CounterItem(TableModel):
    value = NumberAttribute(null=True)


def counter(name: str) -> CounterItem:
    return CounterItem(f"TXTEST#{name}", "X")


def test_labels_name_the_failed_actions_in_any_order(aws) -> None:
    for name, value in (("checked", 1), ("deleted", 1), ("updated", 1), ("existing", 1)):
        counter(name).update(actions=[CounterItem.value.set(value)])

    def build(tx: Transaction) -> None:
        # Added in the reverse of PynamoDB's sending order (checks, deletes, puts, updates).
        tx.update(counter("updated"), [CounterItem.value.add(1)], CounterItem.value > 5, label="update")
        tx.update(counter("unlabelled"), [CounterItem.value.add(1)])
        tx.save(counter("existing"), CounterItem.pk.does_not_exist(), return_values="ALL_OLD", label="put")
        tx.save(counter("fresh"), CounterItem.pk.does_not_exist(), label="fresh put")
        tx.delete(counter("deleted"), CounterItem.value == 1, label="delete")
        tx.condition_check(CounterItem, "TXTEST#checked", "X", CounterItem.value == 2, label=("check", 1))

    with pytest.raises(TransactionCancelled) as cancelled:
        transact(build)
    err = cancelled.value
    assert err.labels == [("check", 1), "delete", "put", "fresh put", "update", None]
    assert err.failed_labels() == [("check", 1), "put", "update"]
    assert err.failed("update") and not err.failed("delete") and not err.failed("missing")
    old = err.old_item("put")
    assert old is not None and old["value"] == {"N": "1"}
    assert err.old_item("update") is None  # it did not ask for the old item
    # Nothing was written.
    assert CounterItem.get("TXTEST#updated", "X").value == 1
    assert CounterItem.count("TXTEST#fresh") == 0


def test_a_transaction_that_succeeds_writes_everything(aws) -> None:
    def build(tx: Transaction) -> None:
        tx.save(counter("a"), label="a")
        tx.update(counter("b"), [CounterItem.value.add(2)], label="b")

    transact(build)
    assert CounterItem.get("TXTEST#b", "X").value == 2
    assert CounterItem.count("TXTEST#a") == 1


def test_single_item_condition_failures_are_told_apart(aws) -> None:
    counter("one").save()
    with pytest.raises(PutError) as put:
        counter("one").save(condition=CounterItem.pk.does_not_exist())
    assert condition_failed(put.value)
    with pytest.raises(UpdateError) as invalid:  # a ValidationException: overlapping paths
        counter("one").update(actions=[CounterItem.value.set(1), CounterItem.value.remove()])
    assert invalid.value.cause_response_code and not condition_failed(invalid.value)
