"""The reports queue's consumer (its own function): `job.run` with the live ports.

The figures source is `NotWiredFigures` until the analytics adapter lands; the local stack's demo
and the tests put theirs with `use_figures`."""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock
from chalicelib.core.config import settings
from chalicelib.reports import job
from chalicelib.reports.adapters import NotWiredFigures, SesMailer, unsubscribe_url
from chalicelib.reports.models import SentMarkerTable, SettingsTable
from chalicelib.reports.ports import PeriodFigures, ReportFigures

_figures: list[ReportFigures] = [NotWiredFigures()]


def use_figures(source: ReportFigures) -> ReportFigures:
    """Swap the figures source; returns the previous one."""
    previous, _figures[0] = _figures[0], source
    return previous


def _merchant(merchant_id: str) -> job.MerchantInfo | None:
    from chalicelib.merchants.api import MerchantStatus, get_merchant

    merchant = get_merchant(merchant_id)
    if merchant is None:
        return None
    return job.MerchantInfo(merchant.name, merchant.timezone, merchant.status is MerchantStatus.ACTIVE)


def _charts(figures: PeriodFigures) -> dict[str, bytes]:
    from chalicelib.reports import charts  # matplotlib: this function only, on its first report

    return charts.render_all(figures)


def live_ports() -> job.JobPorts:
    return job.JobPorts(
        settings=SettingsTable(),
        markers=SentMarkerTable(),
        figures=_figures[0],
        mailer=SesMailer(),
        merchant=_merchant,
        charts=_charts,
        unsubscribe_url=unsubscribe_url,
        sender=settings().ses_sender,
    )


def handle(message: dict[str, Any]) -> None:
    job.run(live_ports(), message, clock().now())
