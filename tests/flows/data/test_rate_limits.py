"""Rate-limit counters and conditional writes that explain themselves, against moto server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.ratelimit import RateLimit, RateLimited, charge

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def test_twenty_requests_at_once_pass_exactly_the_limit(aws) -> None:
    from chalicelib.data import ratelimit

    limit = RateLimit("burst", 5, timedelta(minutes=1))

    def attempt(_: int) -> str:
        try:
            ratelimit.take(charge(limit, "u-burst", NOW))
        except RateLimited as err:
            return f"429/{err.retry_after_seconds}"
        return "ok"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("ok") == 5
    assert outcomes.count("429/60") == 15
    ratelimit.take(charge(limit, "u-burst", NOW + timedelta(minutes=1)))  # the next window
    ratelimit.take(charge(limit, "u-other", NOW))  # another subject
    counter = ratelimit.RateCounterItem.get(f"RATE#{charge(limit, 'u-burst', NOW).counter}", "COUNTER")
    assert (counter.used, counter.et, counter.ttl) == (5, "RateCounter", charge(limit, "u", NOW).resets_at + 3600)


def test_a_charge_inside_a_transaction_commits_or_fails_with_it(aws) -> None:
    from pynamodb.exceptions import TransactWriteError

    from chalicelib.data import ratelimit
    from chalicelib.data.table import transact
    from chalicelib.notifications.models import DeliveredMarker

    limit = RateLimit("tx", 2, timedelta(minutes=1))

    def record(pk: str) -> None:  # a record that exists only once, and its charge
        def build(tx) -> None:
            tx.save(DeliveredMarker(pk, "MARKER", user_id="u"), condition=DeliveredMarker.pk.does_not_exist())
            ratelimit.add_charge(tx, charge(limit, "u-tx", NOW))

        transact(build)

    record("PROBE#1")
    with pytest.raises(TransactWriteError) as repeated:
        record("PROBE#1")  # a repeat of the record: cancelled, nothing counted, not the limit's doing
    assert not ratelimit.refused(repeated.value)
    record("PROBE#2")  # so the second request of the window still passes
    with pytest.raises(TransactWriteError) as over:
        record("PROBE#3")
    assert ratelimit.refused(over.value)
    assert DeliveredMarker.count("PROBE#3") == 0  # refused by the limit: the record was not written


def test_conditional_writes_answer_with_the_item(aws) -> None:
    from chalicelib.data.conditional import put_or_current, update_or_current
    from chalicelib.notifications.models import DeliveredMarker

    first = DeliveredMarker("PROBE#3", "MARKER", user_id="first")
    assert put_or_current(first, DeliveredMarker.pk.does_not_exist()) is None
    second = DeliveredMarker("PROBE#3", "MARKER", user_id="second")
    current = put_or_current(second, DeliveredMarker.pk.does_not_exist())
    assert current is not None and current.user_id == "first"

    ok, after = update_or_current(
        DeliveredMarker, "PROBE#3", "MARKER", [DeliveredMarker.user_id.set("third")], DeliveredMarker.user_id == "first"
    )
    assert ok and after is not None and after.user_id == "third"
    ok, now = update_or_current(
        DeliveredMarker, "PROBE#3", "MARKER", [DeliveredMarker.user_id.set("x")], DeliveredMarker.user_id == "first"
    )
    assert not ok and now is not None and now.user_id == "third"
    ok, missing = update_or_current(
        DeliveredMarker, "PROBE#none", "MARKER", [DeliveredMarker.user_id.set("x")], DeliveredMarker.pk.exists()
    )
    assert (ok, missing) == (False, None)
