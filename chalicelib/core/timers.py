"""One-time timers (reservation expiry, appointment reminders) on EventBridge Scheduler.

A timer is an `at()` schedule in the stack's group, named `<kind>-<key>`, that delivers
`{"kind", "key", "payload"}` to the timers queue and deletes itself afterwards. The timers
consumer hands each message to the handler registered for its kind. Handlers must be idempotent
(a schedule can fire twice, or fire after the thing it guards has moved on): they act through
conditional writes, never on a prior read.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib.core import aws
from chalicelib.core.config import provisioned, queue_arn
from chalicelib.core.resources import TIMERS_QUEUE

TimerHandler = Callable[[str, dict[str, Any]], None]
_handlers: dict[str, TimerHandler] = {}
_NAME_OK = re.compile(r"[^0-9A-Za-z_.-]")


def timer_name(kind: str, key: str) -> str:
    return _NAME_OK.sub("_", f"{kind}-{key}")[:64]


def schedule_timer(kind: str, key: str, at: datetime, payload: dict[str, Any] | None = None) -> str:
    """Create (or replace) the one-time schedule; returns its name."""
    name = timer_name(kind, key)
    target = {
        "Arn": queue_arn(TIMERS_QUEUE.suffix),
        "RoleArn": provisioned("SCHEDULER_ROLE_ARN"),
        "Input": json.dumps({"kind": kind, "key": key, "payload": payload or {}}),
    }
    params: dict[str, Any] = {
        "Name": name,
        "GroupName": provisioned("SCHEDULER_GROUP"),
        "ScheduleExpression": f"at({at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "Target": target,
    }
    scheduler = aws.client("scheduler")
    try:
        scheduler.create_schedule(**params)
    except scheduler.exceptions.ConflictException:
        scheduler.update_schedule(**params)
    return name


def cancel_timer(kind: str, key: str) -> None:
    """Delete the schedule if it is still there; a timer that already fired is fine too."""
    scheduler = aws.client("scheduler")
    with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
        scheduler.delete_schedule(Name=timer_name(kind, key), GroupName=provisioned("SCHEDULER_GROUP"))


def register_timer(kind: str, handler: TimerHandler) -> None:
    _handlers[kind] = handler


def dispatch(message: dict[str, Any]) -> None:
    kind = message.get("kind")
    handler = _handlers.get(str(kind))
    if handler is None:
        raise LookupError(f"no timer handler for kind {kind!r}")
    handler(str(message.get("key")), dict(message.get("payload") or {}))
