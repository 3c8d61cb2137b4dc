"""Every AWS resource the backend needs, as plain data.

`infra/` turns these into CDK constructs and `devstack/` into boto3 calls against moto, so the
deployed stack and the local one cannot drift. Names are suffixes; both sides prefix them with
the stage's RESOURCE_PREFIX.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: str
    sort_key: str | None = None


@dataclass(frozen=True)
class TableSpec:
    suffix: str
    partition_key: str
    sort_key: str
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: str
    stream_view: str


@dataclass(frozen=True)
class QueueSpec:
    suffix: str
    visibility_timeout_seconds: int
    max_receive_count: int
    batch_size: int
    dlq_retention_seconds: int = 14 * 24 * 3600


@dataclass(frozen=True)
class ResourceRefs:
    """What a state machine definition may point at: plain names/ARNs locally, CDK tokens in infra."""

    region: str
    table_name: str
    table_arn: str
    queue_urls: Mapping[str, str]
    queue_arns: Mapping[str, str]
    scheduler_group: str
    scheduler_role_arn: str


@dataclass(frozen=True)
class StateMachineSpec:
    """A Standard workflow built only from direct service integrations (DynamoDB, SQS, Scheduler),
    so moto executes it locally exactly as deployed. Its ARN reaches functions as
    `<NAME>_STATE_MACHINE_ARN`."""

    name: str
    definition: Callable[[ResourceRefs], dict[str, Any]]


@dataclass(frozen=True)
class StackSpec:
    table: TableSpec
    queues: tuple[QueueSpec, ...]
    scheduler_group_suffix: str
    # The SES identity infra verifies. The functions send from the stage setting SES_SENDER instead
    # (.chalice/config.json); this goes once infra verifies that setting's address.
    ses_sender: str
    state_machines: tuple[StateMachineSpec, ...] = field(default_factory=tuple)


TABLE = TableSpec(
    suffix="table",
    partition_key="pk",
    sort_key="sk",
    indexes=(
        # Store locator: one GSI per geohash precision so a search can pick the cell size
        # that covers its circle with the fewest cells.
        IndexSpec("geo3", "geo3", "pk"),
        IndexSpec("geo4", "geo4", "pk"),
        IndexSpec("geo5", "geo5", "pk"),
        # Overloaded general-purpose index (e.g. stores of a merchant).
        IndexSpec("gsi1", "gsi1pk", "gsi1sk"),
    ),
    ttl_attribute="ttl",
    stream_view="NEW_AND_OLD_IMAGES",
)

POINTS_QUEUE = QueueSpec("points", visibility_timeout_seconds=60, max_receive_count=5, batch_size=10)
NOTIFICATIONS_QUEUE = QueueSpec("notifications", visibility_timeout_seconds=60, max_receive_count=5, batch_size=10)
# EventBridge Scheduler one-time schedules (expiries, reminders) deliver here; see core/timers.py.
TIMERS_QUEUE = QueueSpec("timers", visibility_timeout_seconds=60, max_receive_count=5, batch_size=10)


def _booking_definition(refs: ResourceRefs) -> dict[str, Any]:
    from chalicelib.appointments.saga import booking_definition  # the saga lives with its area

    return booking_definition(refs)


# book -> await payment -> confirm -> reminders -> notify; ARN reaches functions as BOOKING_STATE_MACHINE_ARN.
BOOKING_MACHINE = StateMachineSpec(name="booking", definition=_booking_definition)


STACK = StackSpec(
    table=TABLE,
    queues=(POINTS_QUEUE, NOTIFICATIONS_QUEUE, TIMERS_QUEUE),
    scheduler_group_suffix="schedules",
    ses_sender="reports@o2o.example.com",
    state_machines=(BOOKING_MACHINE,),
)


def physical_name(prefix: str, suffix: str) -> str:
    return f"{prefix}-{suffix}"


def dlq_suffix(queue: QueueSpec) -> str:
    return f"{queue.suffix}-dlq"
