"""Analytics' items, the one module that touches them.

- day counters `STATS#<merchantId>#<scope>` / `DAY#<YYYY-MM-DD>`: scope `all` (the merchant) or a
  store id; counters are top-level numbers named by `domain` (`c:`, `h:`, `d:` prefixes), added with
  UpdateItem ADD so concurrent records never lose an increment.
- applied marker `STREAMREC#<eventId>#<feed>` / `APPLIED`: written in the same transaction as the
  counters it stands for, so a redelivered record adds nothing; TTL removes it after the stream's
  retention (24 hours) has long passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from pynamodb.attributes import UnicodeAttribute
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action

from chalicelib.analytics.domain import DayCounters, DayUpdate
from chalicelib.core import aws
from chalicelib.core.clock import clock
from chalicelib.core.config import settings
from chalicelib.data.table import ExpiringModel, TableModel, Transaction, TransactionCancelled, key, transact

MARKER_KEEP = timedelta(days=3)
BATCH = 100  # BatchGetItem's most keys per call


class DayCounterItem(TableModel):
    ENTITY_TYPE = "AnalyticsDay"
    merchant_id = UnicodeAttribute(null=True)
    scope = UnicodeAttribute(null=True)
    day = UnicodeAttribute(null=True)


class AppliedRecordItem(ExpiringModel):
    ENTITY_TYPE = "AnalyticsApplied"
    merchant_id = UnicodeAttribute(null=True)


def day_key(merchant_id: str, scope: str, day: str) -> tuple[str, str]:
    return key("STATS", merchant_id, scope), key("DAY", day)


def marker_key(record_id: str) -> tuple[str, str]:
    return key("STREAMREC", record_id), "APPLIED"


def _adds(update: DayUpdate) -> list[Action]:
    actions: list[Action] = [
        DayCounterItem.et.set(DayCounterItem.entity_type()),
        DayCounterItem.merchant_id.set(update.merchant_id),
        DayCounterItem.scope.set(update.scope),
        DayCounterItem.day.set(update.day),
    ]
    for name, amount in sorted(update.adds.items()):
        if amount:
            # A one-segment path: names hold ':' and may hold '.', which must not nest.
            actions.append(Path([name]).add({"N": str(amount)}))
    return actions


class CounterTable:
    """The CounterStore port on the table."""

    def apply(self, record_id: str, updates: Sequence[DayUpdate]) -> bool:
        expires = int((clock().now() + MARKER_KEEP).timestamp())
        merchant_id = updates[0].merchant_id if updates else None

        def build(tx: Transaction) -> None:
            tx.save(
                AppliedRecordItem(*marker_key(record_id), merchant_id=merchant_id, ttl=expires),
                condition=AppliedRecordItem.pk.does_not_exist(),
                label="marker",
            )
            for update in updates:
                tx.update(DayCounterItem(*day_key(update.merchant_id, update.scope, update.day)), _adds(update))

        try:
            transact(build)
        except TransactionCancelled as err:
            if err.failed("marker"):
                return False
            raise
        return True

    def days(self, merchant_id: str, scope: str, days: Sequence[str]) -> dict[str, DayCounters]:
        """BatchGetItem over the day items, 100 keys a call, unprocessed keys asked again."""
        client = aws.client("dynamodb")
        table = settings().table_name
        keys = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in (day_key(merchant_id, scope, d) for d in days)]
        found: dict[str, DayCounters] = {}
        for start in range(0, len(keys), BATCH):
            pending: dict[str, Any] = {table: {"Keys": keys[start : start + BATCH]}}
            while pending:
                answer = client.batch_get_item(RequestItems=pending)
                for raw in answer.get("Responses", {}).get(table, []):
                    counters = _counters(raw)
                    found[counters.day] = counters
                pending = answer.get("UnprocessedKeys") or {}
        return found


_deserializer = TypeDeserializer()


def _counters(raw: dict[str, Any]) -> DayCounters:
    day = raw["sk"]["S"].removeprefix("DAY#")
    values = {
        name: int(_deserializer.deserialize(value))
        for name, value in raw.items()
        if name[:2] in ("c:", "h:", "d:") and "N" in value
    }
    return DayCounters(day, values)
