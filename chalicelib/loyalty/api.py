"""What other areas may call of loyalty: award points for a paid purchase (quoted now, credited once
per transaction id by the points queue's consumer)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.loyalty import service
from chalicelib.loyalty.adapters import live_ports
from chalicelib.loyalty.domain import EarnQuote

__all__ = ["EarnQuote", "earn_for_purchase", "export_ledger", "export_members"]

# Download-center rows (export kinds declared in area.py): one merchant, start <= time < end (UTC ISO).


def export_members(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    """The merchant's members who joined in the range, oldest first (gsi2, never a scan)."""
    from chalicelib.loyalty import models

    return models.export_members(merchant_id, start, end)


def export_ledger(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    """The merchant's points ledger (earned +, spent -) in the range, oldest first (gsi2)."""
    from chalicelib.loyalty import models

    return models.export_ledger(merchant_id, start, end)


def earn_for_purchase(
    *,
    user_id: str,
    merchant_id: str,
    store_id: str | None,
    amount_fen: int,
    transaction_type: str,
    transaction_id: str,
    occurred_at: datetime,
    now: datetime,
) -> EarnQuote:
    """Orders call this with `transaction_id=f"order-{id}"` once paid."""
    ports = live_ports()
    return service.award_purchase(
        ports,
        ports.repo.get_member(user_id, merchant_id),
        user_id=user_id,
        merchant_id=merchant_id,
        store_id=store_id,
        amount_fen=amount_fen,
        transaction_type=transaction_type,
        transaction_id=transaction_id,
        occurred_at=occurred_at,
        now=now,
    )
