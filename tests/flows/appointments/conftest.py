"""Fixtures of the appointments flow tests: the seeded world on a manual clock shared with the event
runner, logins, the app over HTTP, and the WeChat sandbox's fault switch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.clock import ManualClock, use_clock
from devstack.event_runner import EventRunner
from devstack.stack import REGION
from tests.api.appointments.support import MONDAY_8AM, make_login, seed_appointments_world
from tests.wechat_faults import faults  # noqa: F401 (a fixture)


@pytest.fixture
def world(aws: Any) -> Iterator[EventRunner]:
    """Seeded at Monday 08:00 Shanghai; the process clock and the event runner share one manual clock."""
    from app import app

    manual = ManualClock(MONDAY_8AM)
    previous = use_clock(manual)
    seed_appointments_world(manual.now())
    yield EventRunner(app, manual, [aws.scheduler_group], REGION)
    use_clock(previous)


@pytest.fixture
def login(client: Any) -> Any:
    return make_login(client)


@pytest.fixture
def api_base(world, api_url) -> str:
    """The app over HTTP so the sandbox can deliver its signed payment callback."""
    return api_url
