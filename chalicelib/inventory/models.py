"""Stock items and their data access: `STOCK#<merchantId>#<skuId>` / `LOC#<locationId>`, one per SKU
of a merchant per location.

Two counters, `available` and `held` (on hand = available + held), rather than on hand and held:
a condition cannot do arithmetic, and "enough to sell" must be the plain `available >= q`.

Other areas never touch the item: they add the pieces below (take, hold, release) to their own
TransactWriteItems, so the stock moves in the same all-or-nothing write as their own state and the
piece's condition is the only oversell guard. Each piece labels its action with its StockKey, so
`short_of` names the SKUs a cancelled transaction could not have, however many there were.

Keyed by SKU first: a rush on one SKU (a flash sale) shares no partition with the rest of a
location's stock, and "this SKU everywhere" (where can an order ship from) is one Query. A page of
one location's stock is a BatchGetItem of its keys.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.core.errors import Conflict, ValidationError
from chalicelib.data.table import TableModel, Transaction, TransactionCancelled, condition_failed, key
from chalicelib.inventory.domain import StockKey, StockLevel

LOCATION_PREFIX = "LOC#"
# BatchGetItem's limit; a store page (at most 100 products) is one call.
BATCH_GET_LIMIT = 100


class StockItem(TableModel):
    merchant_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    location_id = UnicodeAttribute()
    available = NumberAttribute()
    held = NumberAttribute()


def stock_key(stock: StockKey) -> tuple[str, str]:
    return key("STOCK", stock.merchant_id, stock.sku_id), LOCATION_PREFIX + stock.location_id


def _item(stock: StockKey) -> StockItem:
    return StockItem(*stock_key(stock))


def _positive(quantity: int) -> int:
    if quantity < 1:
        raise ValueError(f"a stock movement needs a positive quantity, not {quantity}")
    return quantity


def _level(item: StockItem) -> StockLevel:
    stock = StockKey(item.merchant_id, item.sku_id, item.location_id)
    return StockLevel(stock, available=int(item.available), held=int(item.held or 0))


# --- transaction pieces -----------------------------------------------------------------------
def hold(tx: Transaction, stock: StockKey, quantity: int) -> None:
    """Set units aside for someone (available -> held), only if that many are available."""
    q = _positive(quantity)
    tx.update(
        _item(stock),
        actions=[StockItem.available.add(-q), StockItem.held.add(q)],
        condition=StockItem.available >= q,
        label=stock,
    )


def release(tx: Transaction, stock: StockKey, quantity: int) -> None:
    """A hold ends unsold (cancelled, expired): held -> available. Exactly once is the caller's
    transaction's job (e.g. a reservation's `status = open` condition beside this piece)."""
    q = _positive(quantity)
    tx.update(
        _item(stock),
        actions=[StockItem.available.add(q), StockItem.held.add(-q)],
        condition=StockItem.pk.exists(),
        label=stock,
    )


def take(tx: Transaction, stock: StockKey, quantity: int, *, held: bool = False) -> None:
    """Units leave for good (sold): from what is available, only if that many are; or, with
    `held=True`, from a hold the caller's own state proves it has (a reservation picked up)."""
    q = _positive(quantity)
    if held:
        tx.update(_item(stock), actions=[StockItem.held.add(-q)], condition=StockItem.pk.exists(), label=stock)
    else:
        tx.update(_item(stock), actions=[StockItem.available.add(-q)], condition=StockItem.available >= q, label=stock)


def short_of(err: TransactionCancelled) -> list[StockKey]:
    """The stock whose piece's condition cancelled the transaction (not enough, or no such stock)."""
    return [label for label in err.failed_labels() if isinstance(label, StockKey)]


# --- reads ------------------------------------------------------------------------------------
def available(stock: StockKey) -> int:
    """One strongly consistent GetItem; a SKU with no stock item at the location has none."""
    try:
        return int(StockItem.get(*stock_key(stock), consistent_read=True).available)
    except DoesNotExist:
        return 0


def available_at(merchant_id: str, location_id: str, sku_ids: Iterable[str]) -> dict[str, int]:
    """Available units of each SKU at one location: one strongly consistent BatchGetItem per 100
    SKUs (PynamoDB re-asks for any keys DynamoDB leaves unprocessed). Missing items count 0."""
    wanted = list(dict.fromkeys(sku_ids))
    if not wanted:
        return {}
    keys = [stock_key(StockKey(merchant_id, sku_id, location_id)) for sku_id in wanted]
    found = {item.sku_id: int(item.available) for item in StockItem.batch_get(keys, consistent_read=True)}
    return {sku_id: found.get(sku_id, 0) for sku_id in wanted}


def level(stock: StockKey) -> StockLevel | None:
    try:
        return _level(StockItem.get(*stock_key(stock), consistent_read=True))
    except DoesNotExist:
        return None


# --- stocktake --------------------------------------------------------------------------------
def set_on_hand(stock: StockKey, on_hand: int) -> StockLevel:
    """A stocktake (or the first delivery to a location): `on_hand` units are there. Held units stay
    held, so available = on_hand - held, in one UpdateItem that creates the item if need be; a count
    below what is held is refused (those units are promised to someone)."""
    if on_hand < 0:
        raise ValidationError("'quantity' must be 0 or more.", field="quantity")
    item = _item(stock)
    held = StockItem.held | 0
    try:
        item.update(
            actions=[
                StockItem.available.set(on_hand - held),
                StockItem.held.set(held),
                StockItem.merchant_id.set(stock.merchant_id),
                StockItem.sku_id.set(stock.sku_id),
                StockItem.location_id.set(stock.location_id),
                StockItem.et.set(StockItem.entity_type()),
            ],
            condition=StockItem.held.does_not_exist() | (StockItem.held <= on_hand),
        )
    except UpdateError as err:
        if condition_failed(err):
            raise Conflict(
                "More units than that are held for customers at this location.", code="BELOW_HELD", field="quantity"
            ) from None
        raise
    return _level(item)


def put_levels(levels: Iterable[StockLevel]) -> None:
    """Whole stock items, written blind (BatchWriteItem, 25 a call): for seeding a stack whose
    locations hold nothing yet, never for live stock, where it would overwrite what is held."""
    with StockItem.batch_write() as batch:
        for stock in levels:
            batch.save(
                StockItem(
                    *stock_key(stock.key),
                    merchant_id=stock.key.merchant_id,
                    sku_id=stock.key.sku_id,
                    location_id=stock.key.location_id,
                    available=stock.available,
                    held=stock.held,
                )
            )
