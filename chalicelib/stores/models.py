"""Store items and their data access: STORE#<id> / META, indexed by geohash and merchant."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.data.table import TableModel, key
from chalicelib.stores import geo
from chalicelib.stores.domain import Store


class Geo3Index(GlobalSecondaryIndex["StoreItem"]):
    class Meta:
        index_name = "geo3"
        projection = AllProjection()

    geo3 = UnicodeAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class Geo4Index(GlobalSecondaryIndex["StoreItem"]):
    class Meta:
        index_name = "geo4"
        projection = AllProjection()

    geo4 = UnicodeAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class Geo5Index(GlobalSecondaryIndex["StoreItem"]):
    class Meta:
        index_name = "geo5"
        projection = AllProjection()

    geo5 = UnicodeAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class StoreItem(TableModel):
    merchant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    phone = UnicodeAttribute()
    latitude = NumberAttribute()
    longitude = NumberAttribute()
    timezone = UnicodeAttribute()
    opening_hours = JSONAttribute()
    geo3 = UnicodeAttribute()
    geo4 = UnicodeAttribute()
    geo5 = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()  # MERCHANT#<id>
    gsi1sk = UnicodeAttribute()  # STORE#<id>
    settings = JSONAttribute(null=True)  # per-store knobs later areas read (e.g. queue service time)

    geo3_index = Geo3Index()
    geo4_index = Geo4Index()
    geo5_index = Geo5Index()


def store_key(store_id: str) -> tuple[str, str]:
    return key("STORE", store_id), "META"


def _to_store(item: StoreItem) -> Store:
    return Store(
        id=item.pk.split("#", 1)[1],
        merchant_id=item.merchant_id,
        name=item.name,
        address=item.address,
        phone=item.phone,
        latitude=float(item.latitude),
        longitude=float(item.longitude),
        timezone=item.timezone,
        opening_hours=item.opening_hours or {},
        settings=item.settings or {},
    )


def get_store(store_id: str) -> Store | None:
    pk, sk = store_key(store_id)
    try:
        return _to_store(StoreItem.get(pk, sk))
    except DoesNotExist:
        return None


def stores_in_cell(precision: int, cell: str) -> list[Store]:
    """One Query (DynamoDB pages past 1 MB only) on the precision's geohash index."""
    index = {3: StoreItem.geo3_index, 4: StoreItem.geo4_index, 5: StoreItem.geo5_index}[precision]
    return [_to_store(item) for item in index.query(cell)]


def put_store(store: Store) -> None:
    store_item(store).save()


def store_item(store: Store) -> StoreItem:
    pk, sk = store_key(store.id)
    hashes = geo.geohashes(store.latitude, store.longitude)
    return StoreItem(
        pk,
        sk,
        merchant_id=store.merchant_id,
        name=store.name,
        address=store.address,
        phone=store.phone,
        latitude=store.latitude,
        longitude=store.longitude,
        timezone=store.timezone,
        opening_hours=store.opening_hours,
        geo3=hashes[3],
        geo4=hashes[4],
        geo5=hashes[5],
        gsi1pk=key("MERCHANT", store.merchant_id),
        gsi1sk=key("STORE", store.id),
        settings=store.settings,
    )
