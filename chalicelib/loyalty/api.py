"""What other areas may call of loyalty: award points for a paid purchase (quoted now, credited once
per transaction id by the points queue's consumer)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from chalicelib.loyalty import service
from chalicelib.loyalty.adapters import live_ports
from chalicelib.loyalty.domain import EarnQuote, ImportedMember

__all__ = [
    "MAX_IMPORT",
    "EarnQuote",
    "ImportedMember",
    "earn_for_purchase",
    "export_ledger",
    "export_members",
    "import_members",
    "imported_member",
    "tier_names",
]

MAX_IMPORT = 100  # members per import: one DynamoDB transaction (loyalty/imported.py)


def tier_names(merchant_id: str) -> tuple[str, ...]:
    """The merchant's programme tiers (its config, or the defaults): one GetItem."""
    from chalicelib.loyalty import rules
    from chalicelib.loyalty.models import LoyaltyTable

    return tuple(t.name for t in rules.config_from(LoyaltyTable().get_config(merchant_id)).tiers)


def import_members(merchant_id: str, members: Sequence[ImportedMember], now: datetime) -> None:
    """Writes every member or none (one transaction); the same list again changes nothing."""
    from chalicelib.core.clock import to_iso
    from chalicelib.loyalty import imported

    imported.write_all(merchant_id, members, to_iso(now))


def imported_member(merchant_id: str, phone: str) -> ImportedMember | None:
    from chalicelib.loyalty import imported

    return imported.get(merchant_id, phone)


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
