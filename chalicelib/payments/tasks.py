"""Completing an order saga's waiting task (see saga.py). A token can be answered only once, and a late or
repeated answer (duplicate callback, timer racing a callback) is expected: those errors are logged
and swallowed, because the execution has already moved on."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.core import aws
from chalicelib.core.observability import logger

_SETTLED = ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken")


def _settled(err: Exception) -> bool:
    code = getattr(err, "response", {}).get("Error", {}).get("Code", "")
    return code in _SETTLED


def succeed(task_token: str, output: dict[str, Any]) -> None:
    try:
        aws.client("stepfunctions").send_task_success(taskToken=task_token, output=json.dumps(output))
    except Exception as err:
        if not _settled(err):
            raise
        logger.info("task already settled", error=str(err))


def fail(task_token: str, error: str, cause: str) -> None:
    try:
        aws.client("stepfunctions").send_task_failure(taskToken=task_token, error=error, cause=cause)
    except Exception as err:
        if not _settled(err):
            raise
        logger.info("task already settled", error=str(err))
