"""The reports routes' wire models (validation and OpenAPI, core/contract.py) and their typed values."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.core.contract import Model
from chalicelib.core.errors import ValidationError
from chalicelib.reports.domain import ReportSchedule, ReportSettings

Time = Annotated[str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM in the merchant's timezone")]
Email = Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class DailyBody(Model):
    enabled: bool
    time: Time = "08:00"


class WeeklyBody(Model):
    enabled: bool
    weekday: Annotated[int, Meta(ge=1, le=7, description="1 Monday .. 7 Sunday")] = 1
    time: Time = "08:00"


class SettingsBody(Model):
    daily: DailyBody
    weekly: WeeklyBody
    email: Email | None = None


class SettingsAnswer(Model):
    email: str | None
    daily: DailyBody
    weekly: WeeklyBody


class SendNowBody(Model):
    period: Literal["daily", "weekly"]
    date: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$", description="A day of the period to report")] | None = (
        None
    )


class SendNowAnswer(Model):
    report_id: str


class UnsubscribeQuery(Model):
    token: Annotated[str, Meta(max_length=1024)]


class UnsubscribeAnswer(Model):
    unsubscribed: Literal["daily", "weekly"]


def to_settings(merchant_id: str, body: SettingsBody) -> ReportSettings:
    if (body.daily.enabled or body.weekly.enabled) and not body.email:
        raise ValidationError("An email address is needed to send reports.", field="email")
    return ReportSettings(
        merchant_id=merchant_id,
        email=body.email.strip() if body.email else None,
        daily=ReportSchedule(enabled=body.daily.enabled, time=body.daily.time),
        weekly=ReportSchedule(enabled=body.weekly.enabled, time=body.weekly.time, weekday=body.weekly.weekday),
    )


def settings_view(settings: ReportSettings) -> dict[str, object]:
    return {
        "email": settings.email,
        "daily": {"enabled": settings.daily.enabled, "time": settings.daily.time},
        "weekly": {
            "enabled": settings.weekly.enabled,
            "weekday": settings.weekly.weekday,
            "time": settings.weekly.time,
        },
    }


def report_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"'{text}' is not a date YYYY-MM-DD.", field="date") from None
