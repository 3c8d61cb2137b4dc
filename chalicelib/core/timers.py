"""One-time timers (reservation expiry, appointment reminders) on EventBridge Scheduler.

A timer is an `at()` schedule in the stack's group, named `<kind>-<key>`, that delivers
`{"kind", "key", "payload"}` to the timers queue and deletes itself afterwards. The timers
consumer hands each message to the handler registered for its kind. Handlers must be idempotent
(a schedule can fire twice, or fire after the thing it guards has moved on): they act through
conditional writes, never on a prior read.

Kinds are `TimerKind` values that areas declare beside their handlers in `area.py`; the composition
root maps each kind to its handler, and a test proves every declared kind has one.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from chalicelib.core import aws
from chalicelib.core.areas import TimerKind
from chalicelib.core.config import provisioned, queue_arn
from chalicelib.core.lazy import resolve
from chalicelib.core.resources import TIMERS_QUEUE, ResourceRefs

_NAME_OK = re.compile(r"[^0-9A-Za-z_.-]")


def timer_name(kind: TimerKind, key: str) -> str:
    return _NAME_OK.sub("_", f"{kind.name}-{key}")[:64]


def at_expression(when: datetime) -> str:
    """EventBridge Scheduler's one-time expression, in UTC."""
    return f"at({when.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


def schedule_timer(kind: TimerKind, key: str, at: datetime, payload: dict[str, Any] | None = None) -> str:
    """Create (or replace) the one-time schedule; returns its name."""
    name = timer_name(kind, key)
    target = {
        "Arn": queue_arn(TIMERS_QUEUE.suffix),
        "RoleArn": provisioned("SCHEDULER_ROLE_ARN"),
        "Input": json.dumps(kind.message(key, payload)),
    }
    params: dict[str, Any] = {
        "Name": name,
        "GroupName": provisioned("SCHEDULER_GROUP"),
        "ScheduleExpression": at_expression(at),
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


def timer_input(kind: TimerKind, key: str, at: datetime, payload: dict[str, Any] | None = None) -> dict[str, str]:
    """A timer as a state machine's input carries it, for `create_schedule_state` to create exactly
    the schedule `schedule_timer` would (same name, expression and message)."""
    return {
        "Name": timer_name(kind, key),
        "ScheduleExpression": at_expression(at),
        "Input": json.dumps(kind.message(key, payload), ensure_ascii=False),
    }


def create_schedule_state(refs: ResourceRefs, source: str, next_state: str | None) -> dict[str, Any]:
    """A Step Functions Task (direct scheduler:createSchedule integration) creating the timer that
    `timer_input` put at JSONPath `source`; retried, then `End` or `Next`."""
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:scheduler:createSchedule",
        "Parameters": {
            "Name.$": f"{source}.Name",
            "GroupName": refs.scheduler_group,
            "ScheduleExpression.$": f"{source}.ScheduleExpression",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "Target": {
                "Arn": refs.queue_arns[TIMERS_QUEUE.suffix],
                "RoleArn": refs.scheduler_role_arn,
                "Input.$": f"{source}.Input",
            },
        },
        "ResultPath": None,
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}],
    }
    if next_state is None:
        state["End"] = True
    else:
        state["Next"] = next_state
    return state


def cancel_timer(kind: TimerKind, key: str) -> None:
    """Delete the schedule if it is still there; a timer that already fired is fine too."""
    scheduler = aws.client("scheduler")
    with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
        scheduler.delete_schedule(Name=timer_name(kind, key), GroupName=provisioned("SCHEDULER_GROUP"))


def dispatch(message: dict[str, Any], handlers: Mapping[str, str]) -> None:
    """`handlers`: kind name -> "module:function" taking (key, payload). An unknown kind fails the
    message, so it lands in the DLQ for a human instead of vanishing."""
    kind = message.get("kind")
    path = handlers.get(str(kind))
    if path is None:
        raise LookupError(f"no timer handler for kind {kind!r}")
    resolve(path)(str(message.get("key")), dict(message.get("payload") or {}))
