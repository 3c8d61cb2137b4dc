"""Members a merchant imported from its own records (before the mini program): item and data access.

- imported member: `MERCHANT#<merchantId>` / `MEMBERIMPORT#<phone>`: name, opening `points`, `tier`,
  `imported_at`. Keyed by phone (they have no WeChat user yet); written with absolute values, so
  importing the same file again leaves the same items (points are set, never added).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.data.table import TableModel, key, transact
from chalicelib.loyalty.domain import ImportedMember

PREFIX = "MEMBERIMPORT#"
MAX_PER_TRANSACTION = 100  # DynamoDB's TransactWriteItems limit


class ImportedMemberItem(TableModel):
    merchant_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    name = UnicodeAttribute()
    points = NumberAttribute()
    tier = UnicodeAttribute(null=True)
    imported_at = UnicodeAttribute()


def imported_key(merchant_id: str, phone: str) -> tuple[str, str]:
    return key("MERCHANT", merchant_id), PREFIX + phone


def write_all(merchant_id: str, members: Sequence[ImportedMember], imported_at: str) -> None:
    """Every member in one transaction: all written or none."""
    if len(members) > MAX_PER_TRANSACTION:
        raise ValueError(f"at most {MAX_PER_TRANSACTION} members per import")

    def build(tx: Any) -> None:
        for m in members:
            pk, sk = imported_key(merchant_id, m.phone)
            tx.save(
                ImportedMemberItem(
                    pk,
                    sk,
                    merchant_id=merchant_id,
                    phone=m.phone,
                    name=m.name,
                    points=m.points,
                    tier=m.tier,
                    imported_at=imported_at,
                )
            )

    transact(build)


def get(merchant_id: str, phone: str) -> ImportedMember | None:
    from pynamodb.exceptions import DoesNotExist

    try:
        item = ImportedMemberItem.get(*imported_key(merchant_id, phone), consistent_read=True)
    except DoesNotExist:
        return None
    return ImportedMember(phone=item.phone, name=item.name, points=int(item.points), tier=item.tier)
