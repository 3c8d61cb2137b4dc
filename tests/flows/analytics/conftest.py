"""The analytics flows reuse the reservations flows' shop, clock and event runner."""

from tests.flows.reservations.conftest import manual_clock, runner, shop

__all__ = ["manual_clock", "runner", "shop"]
