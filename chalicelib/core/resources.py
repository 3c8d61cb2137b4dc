"""Every AWS resource the backend needs, as plain data.

`infra/` turns these into CDK constructs and `devstack/` into boto3 calls against moto, so the
deployed stack and the local one cannot drift. Names are suffixes; both sides prefix them with
the stage's RESOURCE_PREFIX. Core defines the table and the timers queue (mechanisms every area
uses); each area declares its own queues and state machines in its `area.py`, and
`chalicelib.wiring.STACK` assembles the whole stack.
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
class BucketSpec:
    """A private S3 bucket (encrypted, public access blocked, TLS only) whose objects expire
    `expire_days` after they were written (lifecycle rule). Its name reaches functions as
    `<SUFFIX>_BUCKET_NAME`."""

    suffix: str
    expire_days: int

    @property
    def env_name(self) -> str:
        return f"{self.suffix.upper().replace('-', '_')}_BUCKET_NAME"


@dataclass(frozen=True)
class SecretSpec:
    """A Secrets Manager secret holding a JSON object with these fields. Only its ARN reaches a
    function (as `env_name`); the value is read at run time (`core/runtime_secrets.py`), so it is in
    neither the template nor any environment. Ops put the value; nothing in code or config has it."""

    suffix: str
    fields: tuple[str, ...]

    @property
    def env_name(self) -> str:
        return f"{self.suffix.upper().replace('-', '_')}_SECRET_ARN"


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
    state_machines: tuple[StateMachineSpec, ...] = field(default_factory=tuple)
    secrets: tuple[SecretSpec, ...] = field(default_factory=tuple)
    buckets: tuple[BucketSpec, ...] = field(default_factory=tuple)
    # Where the table stream's event source puts a batch that keeps failing after its bounded
    # retries (what was lost, for a human to replay), instead of dropping it silently.
    stream_failures_suffix: str = "table-stream-failures"


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
        # Merchant-scoped, time-sorted listings of one entity type (exports of a date range):
        # gsi2pk = `<LISTING>#<merchantId>`, gsi2sk = `<UTC ISO time>#<id>`.
        IndexSpec("gsi2", "gsi2pk", "gsi2sk"),
    ),
    ttl_attribute="ttl",
    stream_view="NEW_AND_OLD_IMAGES",
)

# EventBridge Scheduler one-time schedules (expiries, reminders) deliver here; see core/timers.py.
TIMERS_QUEUE = QueueSpec("timers", visibility_timeout_seconds=60, max_receive_count=5, batch_size=10)


# The mini program's AppSecret (code2Session, access_token).
WECHAT_APP_SECRET = SecretSpec("wechat-app", ("appSecret",))
# WeChat Pay merchant credentials: the merchant's private key, the APIv3 key, WeChat Pay's public key.
WECHATPAY_SECRET = SecretSpec("wechatpay", ("privateKey", "apiV3Key", "platformPublicKey"))


def physical_name(prefix: str, suffix: str) -> str:
    return f"{prefix}-{suffix}"


def dlq_suffix(queue: QueueSpec) -> str:
    return f"{queue.suffix}-dlq"
