"""How a business area plugs into the deployment: a declaration, not a side effect.

Each area's `area.py` builds one `Area` from cheap constants (no models, no boto3). The composition
root (`chalicelib/wiring.py`) collects them for `app.py` (routes, consumers), `infra/` and `devstack/`
(queues, state machines, stream filters), the timers consumer (handler per timer kind) and the table
stream consumer (subscriptions by entity type). Handlers are named as "package.module:function" and imported only when a
message for them arrives, so the API function never loads consumer code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.counters import CounterFeed
from chalicelib.core.resources import BucketSpec, QueueSpec, SecretSpec, StateMachineSpec
from chalicelib.core.streams import StreamSubscription


@dataclass(frozen=True)
class TimerKind:
    """What a message on the timers queue is for; `name` travels in the message as `kind`.
    `core.timers` schedules and dispatches them."""

    name: str

    def message(self, key: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"kind": self.name, "key": key, "payload": payload or {}}


@dataclass(frozen=True)
class QueueConsumer:
    """A Lambda function fed by one SQS queue; `handler` takes one decoded message body."""

    function_name: str
    queue: QueueSpec
    handler: str
    # The function's time limit (infra); below the queue's visibility timeout, so SQS hands a message
    # out again only after the function that had it is gone.
    timeout_seconds: int = 30


@dataclass(frozen=True)
class ExportKind:
    """A kind of download the exports area can build, declared by the area that owns the rows.

    `rows` names "package.module:function(merchant_id, start, end)" yielding one dict per row (keys
    `columns`) of that merchant only, between two UTC ISO-8601 instants (start inclusive, end
    exclusive), paged by a merchant-scoped, time-sorted key or index: never a Scan. The exports worker
    resolves it when a job of this kind runs, so a new kind needs no change to the pipeline."""

    name: str
    rows: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    name: str
    # Module whose `bp` (an ApiBlueprint) holds the area's routes.
    routes: str | None = None
    queues: tuple[QueueSpec, ...] = ()
    consumers: tuple[QueueConsumer, ...] = ()
    # Timer kind -> handler(key, payload); every kind the area schedules or sends must be here.
    timers: Mapping[TimerKind, str] = field(default_factory=dict)
    # Changes to items of the area's entity types that it acts on, from the table's stream.
    streams: tuple[StreamSubscription, ...] = ()
    state_machines: tuple[StateMachineSpec, ...] = ()
    # Secrets Manager secrets its functions read at run time (core/runtime_secrets.py).
    secrets: tuple[SecretSpec, ...] = ()
    buckets: tuple[BucketSpec, ...] = ()
    # Downloads of the area's rows (the exports area lists them for a merchant's admin).
    exports: tuple[ExportKind, ...] = ()
    # What the area's changes count for analytics (core/counters.py); the composition root feeds them.
    feeds: tuple[CounterFeed, ...] = ()


# Every area's export kinds by name; `wiring.install()` puts them here, so the exports area reads the
# registry without importing the composition root (or any other area).
_export_kinds: dict[str, ExportKind] = {}


def install_export_kinds(kinds: Mapping[str, ExportKind]) -> None:
    _export_kinds.clear()
    _export_kinds.update(kinds)


def export_kind(name: str) -> ExportKind | None:
    return _export_kinds.get(name)
