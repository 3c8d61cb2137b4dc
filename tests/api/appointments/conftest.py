"""Fixtures of the appointments api tests: the seeded world on a manual clock and its logins."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.clock import ManualClock, use_clock
from tests.api.appointments.support import MONDAY_8AM, make_login, seed_appointments_world


@pytest.fixture
def world(aws: Any) -> Iterator[ManualClock]:
    """Seeded at a known Monday morning; the process clock is that manual clock."""
    manual = ManualClock(MONDAY_8AM)
    previous = use_clock(manual)
    seed_appointments_world(manual.now())
    yield manual
    use_clock(previous)


@pytest.fixture
def login(client: Any) -> Any:
    """Bearer headers: a fresh customer per call, or a session for the demo staff/admin (their
    WeChat codes are single-use per sandbox, so their sessions are minted directly)."""
    return make_login(client)
