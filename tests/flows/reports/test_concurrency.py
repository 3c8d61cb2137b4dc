"""A schedule that fires twice at once (EventBridge delivers at least once, and two report functions
may take the copies together): the period's report is sent once, by the conditional sent marker on
moto server's DynamoDB."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from chalicelib.reports import consumer, job
from tests.conftest import post_json
from tests.fakes.reports import KnownFigures
from tests.flows.reports.test_flow import BOSS, SETTINGS, _mails

NOW = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)


def test_copies_of_one_schedule_run_together_send_once(seeded: Any, local_aws: Any, client: Any, login: Any) -> None:
    admin = login(f"demo-admin#{uuid.uuid4().hex}")
    assert post_json(client, "/api/merchant/report-settings", SETTINGS, admin, method="PUT").status_code == 200
    previous = consumer.use_figures(KnownFigures())
    outcomes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def fire() -> None:
        try:
            ports = consumer.live_ports()
            start.wait()
            outcomes.append(job.run(ports, {"merchantId": "m-demo", "kind": "daily"}, NOW).status)
        except BaseException as err:
            errors.append(err)

    try:
        threads = [threading.Thread(target=fire) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        consumer.use_figures(previous)
    assert errors == []
    assert sorted(outcomes) == ["sent"] + ["skipped"] * 5
    assert len(_mails(local_aws)) == 1
    assert BOSS in _mails(local_aws)[0]["To"]
