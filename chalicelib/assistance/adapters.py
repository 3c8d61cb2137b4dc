"""Assistance's real ports: DynamoDB, the notifications queue, the identity and stores areas."""

from __future__ import annotations

from functools import cache

from chalicelib.assistance.models import AssistanceTable
from chalicelib.assistance.ports import AssistancePorts
from chalicelib.core.ids import new_id
from chalicelib.identity.api import get_store_staff, store_staff
from chalicelib.notifications.api import publish
from chalicelib.stores.api import get_store


@cache
def live_ports() -> AssistancePorts:
    return AssistancePorts(
        repo=AssistanceTable(),
        publish=publish,
        store_staff=store_staff,
        staff_member=get_store_staff,
        get_store=get_store,
        new_id=new_id,
    )
