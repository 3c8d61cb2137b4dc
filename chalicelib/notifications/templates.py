"""Notice texts, one template per notification kind, so the wording lives with the area that
delivers it (inbox, subscribe message, SMS, email) rather than in every area that notifies.

Templates are `str.format` patterns over the notification's `data`; a publisher supplies the data
and the kind, never the words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.notifications.publisher import Notification

# kind -> (title, body)
TEMPLATES: dict[str, tuple[str, str]] = {
    "appointment_confirmed": ("预约成功", "{serviceName} {date} {timeSlot}，{staffName} 为您服务。"),
    "appointment_reminder": ("预约提醒", "您预约的 {serviceName} 将于 {date} {timeSlot} 开始。"),
    "appointment_cancelled": ("预约已取消", "{serviceName} {date} {timeSlot} 的预约已取消。"),
    "appointment_rescheduled": ("预约已改期", "{serviceName} 已改到 {date} {timeSlot}。"),
    "appointment_expired": ("预约已失效", "{serviceName} {date} {timeSlot} 未在时限内支付，预约已释放。"),
}


def render_notification(
    note_id: str, user_id: str, kind: str, data: Mapping[str, Any], channels: Iterable[str] = ()
) -> Notification:
    """The notification of `kind` with its title and body filled from `data` (KeyError for a kind
    without a template or data missing a field the template names: a programming error)."""
    title, body = TEMPLATES[kind]
    return Notification(
        id=note_id,
        user_id=user_id,
        kind=kind,
        title=title.format_map(data),
        body=body.format_map(data),
        data=dict(data),
        channels=tuple(channels),
    )
