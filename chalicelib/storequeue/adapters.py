"""The queue's real ports: DynamoDB, the notifications queue, the stores area, the wall clock's sleep."""

from __future__ import annotations

import time
from functools import cache

from chalicelib.core.ids import new_id
from chalicelib.notifications.api import publish
from chalicelib.storequeue.models import QueueTable
from chalicelib.storequeue.ports import QueuePorts
from chalicelib.stores.api import get_store


@cache
def live_ports() -> QueuePorts:
    return QueuePorts(
        repo=QueueTable(),
        publish=publish,
        get_store=get_store,
        new_ticket_id=lambda: new_id("qt"),
        pause=time.sleep,
    )
