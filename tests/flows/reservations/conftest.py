"""Fixtures of the reservations flows: the shop's store on moto server, a manual clock, the event runner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.clock import ManualClock, clock, use_clock
from chalicelib.stores import models as stores
from devstack.event_runner import EventRunner
from devstack.stack import REGION
from tests.flows.reservations.support import STORE


@pytest.fixture
def shop(aws: Any) -> Any:
    stores.put_store(
        stores.Store(
            id=STORE,
            merchant_id="m1",
            name="店",
            address="上海",
            phone="021",
            latitude=31.2,
            longitude=121.4,
            timezone="Asia/Shanghai",
            opening_hours={},
            settings={},
        )
    )
    return aws


@pytest.fixture
def manual_clock() -> Iterator[ManualClock]:
    manual = ManualClock(clock().now())
    previous = use_clock(manual)
    yield manual
    use_clock(previous)


@pytest.fixture
def runner(shop: Any, manual_clock: ManualClock) -> EventRunner:
    from app import app

    return EventRunner(app, manual_clock, [shop.scheduler_group], REGION)
