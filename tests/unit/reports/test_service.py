"""Report settings use cases on fakes: who may change them, and the schedules following them."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Forbidden, NotFound
from chalicelib.reports import service
from chalicelib.reports.domain import ReportKind, ReportSchedule, ReportSettings
from chalicelib.reports.signing import Unsubscribe
from tests.fakes.reports import InMemoryQueue, InMemorySchedules, InMemorySettings

ADMIN = Principal("u-admin", Role.ADMIN, merchant_id="m-1")
OTHER_ADMIN = Principal("u-other", Role.ADMIN, merchant_id="m-2")
STAFF = Principal("u-staff", Role.STAFF, merchant_id="m-1", store_ids=frozenset({"s-1"}))

BOTH = ReportSettings(
    "m-1", "boss@example.com", ReportSchedule(True, "08:00"), ReportSchedule(True, "09:30", weekday=1)
)


def _ports() -> service.SettingsPorts:
    return service.SettingsPorts(InMemorySettings(), InMemorySchedules())


def test_enabled_reports_get_cron_schedules_in_the_merchant_timezone() -> None:
    ports = _ports()
    service.save_settings(ports, ADMIN, BOTH, "Asia/Shanghai", "2026-12-05T00:00:00Z")
    assert ports.schedules.schedules == {  # type: ignore[attr-defined]
        ("m-1", ReportKind.DAILY): ("cron(0 8 * * ? *)", "Asia/Shanghai"),
        ("m-1", ReportKind.WEEKLY): ("cron(30 9 ? * 2 *)", "Asia/Shanghai"),
    }
    assert service.read_settings(ports, ADMIN, "m-1") == BOTH


def test_disabling_deletes_the_schedule_and_saving_twice_changes_nothing() -> None:
    ports = _ports()
    service.save_settings(ports, ADMIN, BOTH, "Asia/Shanghai", "t")
    daily_only = BOTH.without(ReportKind.WEEKLY)
    for _ in range(2):
        service.save_settings(ports, ADMIN, daily_only, "Asia/Shanghai", "t")
        assert set(ports.schedules.schedules) == {("m-1", ReportKind.DAILY)}  # type: ignore[attr-defined]


def test_only_the_merchants_admin() -> None:
    ports = _ports()
    for principal in (OTHER_ADMIN, STAFF):
        with pytest.raises(Forbidden):
            service.save_settings(ports, principal, BOTH, "Asia/Shanghai", "t")
        with pytest.raises(Forbidden):
            service.read_settings(ports, principal, "m-1")
        with pytest.raises(Forbidden):
            service.send_now(InMemoryQueue(), principal, "m-1", ReportKind.DAILY, None)
    assert ports.schedules.schedules == {}  # type: ignore[attr-defined]


def test_no_settings_read_as_all_off() -> None:
    assert service.read_settings(_ports(), ADMIN, "m-1") == ReportSettings("m-1")


def test_unsubscribe_turns_that_kind_off() -> None:
    ports = _ports()
    service.save_settings(ports, ADMIN, BOTH, "Asia/Shanghai", "t")
    for _ in range(2):  # clicking twice is fine
        service.unsubscribe(ports, Unsubscribe("m-1", ReportKind.DAILY), "t")
    settings = ports.store.get("m-1")
    assert settings is not None and not settings.daily.enabled and settings.weekly.enabled
    assert set(ports.schedules.schedules) == {("m-1", ReportKind.WEEKLY)}  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        service.unsubscribe(ports, Unsubscribe("m-9", ReportKind.DAILY), "t")


def test_send_now_queues_a_preview_with_its_own_id() -> None:
    queue = InMemoryQueue()
    first = service.send_now(queue, ADMIN, "m-1", ReportKind.WEEKLY, date(2026, 12, 2))
    second = service.send_now(queue, ADMIN, "m-1", ReportKind.WEEKLY, None)
    assert first != second
    assert queue.messages == [
        {"merchantId": "m-1", "kind": "weekly", "reportId": first, "date": "2026-12-02"},
        {"merchantId": "m-1", "kind": "weekly", "reportId": second},
    ]
