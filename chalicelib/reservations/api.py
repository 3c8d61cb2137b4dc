"""What other areas may call of reservations: the download center's rows (export kind in area.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["export_rows"]


def export_rows(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    """One merchant's reservations made in [start, end) (UTC ISO-8601), oldest first; never a scan."""
    from chalicelib.reservations import models

    return models.export_rows(merchant_id, start, end)
