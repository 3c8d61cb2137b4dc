"""Notice texts come from notifications' templates per kind, filled from the notification's data."""

from __future__ import annotations

import pytest

from chalicelib.notifications.api import render_notification
from chalicelib.notifications.templates import TEMPLATES

DATA = {"serviceName": "营养咨询", "date": "2026-03-03", "timeSlot": "10:00", "staffName": "张顾问", "x": 1}


def test_every_appointment_kind_renders_title_and_body_from_its_data() -> None:
    note = render_notification("n1", "u1", "appointment_confirmed", DATA, ("wechat",))
    assert (note.title, note.body) == ("预约成功", "营养咨询 2026-03-03 10:00，张顾问 为您服务。")
    assert (note.id, note.user_id, note.kind, note.data, note.channels) == (
        "n1",
        "u1",
        "appointment_confirmed",
        DATA,
        ("wechat",),
    )
    for kind in TEMPLATES:
        rendered = render_notification("n", "u", kind, DATA)
        assert rendered.title and "{" not in rendered.body and "营养咨询" in rendered.body


def test_an_unknown_kind_or_missing_field_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        render_notification("n", "u", "no_such_kind", DATA)
    with pytest.raises(KeyError):
        render_notification("n", "u", "appointment_reminder", {"serviceName": "x"})
