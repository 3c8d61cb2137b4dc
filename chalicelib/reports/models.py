"""The reports area's items and their only data access.

- Settings: `MERCHANT#<id>` / `REPORTSETTINGS` (et `ReportSettings`).
- Sent markers: `MERCHANT#<id>` / `REPORTSENT#<marker>` (et `ReportSent`), expiring after a year.
"""

from __future__ import annotations

from datetime import timedelta

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError

from chalicelib.core.clock import from_iso
from chalicelib.data.table import ExpiringModel, TableModel, condition_failed, key
from chalicelib.reports.domain import ReportKind, ReportSchedule, ReportSettings

SETTINGS_SK = "REPORTSETTINGS"
MARKER_KEEP = timedelta(days=400)


class ReportSettingsItem(TableModel):
    merchant_id = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    daily_enabled = BooleanAttribute(default=False)
    daily_time = UnicodeAttribute(default="08:00")
    weekly_enabled = BooleanAttribute(default=False)
    weekly_time = UnicodeAttribute(default="08:00")
    weekly_weekday = NumberAttribute(default=1)
    updated_at = UnicodeAttribute(null=True)


class ReportSentItem(ExpiringModel):
    merchant_id = UnicodeAttribute()
    status = UnicodeAttribute()  # sending | sent
    token = UnicodeAttribute()
    lease_until = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


def _pk(merchant_id: str) -> str:
    return key("MERCHANT", merchant_id)


def _to_settings(item: ReportSettingsItem) -> ReportSettings:
    return ReportSettings(
        merchant_id=item.merchant_id,
        email=item.email,
        daily=ReportSchedule(enabled=bool(item.daily_enabled), time=item.daily_time),
        weekly=ReportSchedule(
            enabled=bool(item.weekly_enabled), time=item.weekly_time, weekday=int(item.weekly_weekday)
        ),
    )


class SettingsTable:
    def get(self, merchant_id: str) -> ReportSettings | None:
        try:
            return _to_settings(ReportSettingsItem.get(_pk(merchant_id), SETTINGS_SK))
        except DoesNotExist:
            return None

    def put(self, settings: ReportSettings, now_iso: str) -> None:
        ReportSettingsItem(
            _pk(settings.merchant_id),
            SETTINGS_SK,
            merchant_id=settings.merchant_id,
            email=settings.email,
            daily_enabled=settings.daily.enabled,
            daily_time=settings.daily.time,
            weekly_enabled=settings.weekly.enabled,
            weekly_time=settings.weekly.time,
            weekly_weekday=settings.weekly.weekday,
            updated_at=now_iso,
        ).save()

    def disable(self, merchant_id: str, kind: ReportKind, now_iso: str) -> ReportSettings | None:
        """One conditional UpdateItem returning the new item."""
        item = ReportSettingsItem(_pk(merchant_id), SETTINGS_SK)
        flag = ReportSettingsItem.daily_enabled if kind is ReportKind.DAILY else ReportSettingsItem.weekly_enabled
        try:
            item.update(
                actions=[flag.set(False), ReportSettingsItem.updated_at.set(now_iso)],
                condition=ReportSettingsItem.pk.exists(),
            )
        except UpdateError as err:
            if condition_failed(err):
                return None
            raise
        return _to_settings(item)


def _marker_sk(marker: str) -> str:
    return key("REPORTSENT", marker)


class SentMarkerTable:
    def claim(self, merchant_id: str, marker: str, token: str, now_iso: str, lease_until_iso: str) -> bool:
        """Put the marker as `sending` unless a report was sent or another claim's lease is live."""
        expires = int((from_iso(now_iso) + MARKER_KEEP).timestamp())
        item = ReportSentItem(
            _pk(merchant_id),
            _marker_sk(marker),
            merchant_id=merchant_id,
            status="sending",
            token=token,
            lease_until=lease_until_iso,
            updated_at=now_iso,
            ttl=expires,
        )
        free = ReportSentItem.pk.does_not_exist() | (
            (ReportSentItem.status == "sending") & (ReportSentItem.lease_until < now_iso)
        )
        try:
            item.save(condition=free)
        except PutError as err:
            if condition_failed(err):
                return False
            raise
        return True

    def mark_sent(self, merchant_id: str, marker: str, token: str, message_id: str, now_iso: str) -> None:
        item = ReportSentItem(_pk(merchant_id), _marker_sk(marker))
        item.update(
            actions=[
                ReportSentItem.status.set("sent"),
                ReportSentItem.message_id.set(message_id),
                ReportSentItem.updated_at.set(now_iso),
                ReportSentItem.lease_until.remove(),
            ],
            condition=ReportSentItem.token == token,
        )

    def release(self, merchant_id: str, marker: str, token: str) -> None:
        """Give a failed claim back at once, so the queue's retry can claim it."""
        try:
            ReportSentItem(_pk(merchant_id), _marker_sk(marker)).delete(
                condition=(ReportSentItem.token == token) & (ReportSentItem.status == "sending")
            )
        except DeleteError as err:
            if not condition_failed(err):
                raise
