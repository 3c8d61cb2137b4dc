"""The rate-limit window arithmetic (pure) and the 429 it answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.ratelimit import RateLimit, RateLimited, charge

TEN_MINUTES = RateLimit("probe", 3, timedelta(minutes=10))


def test_requests_in_one_window_share_a_counter_and_the_next_window_starts_afresh() -> None:
    start = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    first = charge(TEN_MINUTES, "u1", start)
    late = charge(TEN_MINUTES, "u1", start + timedelta(minutes=9, seconds=59))
    assert first.counter == late.counter
    assert charge(TEN_MINUTES, "u1", start + timedelta(minutes=10)).counter != first.counter
    assert charge(TEN_MINUTES, "u2", start).counter != first.counter
    assert charge(RateLimit("other", 3, timedelta(minutes=10)), "u1", start).counter != first.counter


def test_retry_after_is_the_time_left_in_the_window() -> None:
    start = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    refused = charge(TEN_MINUTES, "u1", start + timedelta(minutes=7)).refused()
    assert isinstance(refused, RateLimited)
    assert (refused.status, refused.code, refused.retry_after_seconds) == (429, "RATE_LIMITED", 180)
    assert refused.headers() == {"Retry-After": "180"}
    at_the_edge = charge(TEN_MINUTES, "u1", start + timedelta(minutes=9, seconds=59, microseconds=900_000))
    assert at_the_edge.refused().retry_after_seconds == 1  # never 0: "now" would be refused again


def test_a_limit_needs_a_positive_count_and_window() -> None:
    with pytest.raises(ValueError):
        RateLimit("bad", 0, timedelta(minutes=1))
    with pytest.raises(ValueError):
        RateLimit("bad", 1, timedelta(0))
