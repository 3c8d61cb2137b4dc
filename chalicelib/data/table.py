"""Base PynamoDB model bound to the one table, and key helpers every area uses."""

from __future__ import annotations

from functools import lru_cache

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model

from chalicelib.core.config import settings


class TableModel(Model):
    """Every entity is an item of this table; subclasses add their attributes."""

    class Meta:
        table_name = settings().table_name
        region = settings().region
        # No host: botocore honours AWS_ENDPOINT_URL when the client is created (moto locally).

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ExpiringModel(TableModel):
    """Items DynamoDB TTL may delete: `ttl` is epoch seconds."""

    ttl = NumberAttribute(null=True)


def key(*parts: str) -> str:
    return "#".join(parts)


@lru_cache(maxsize=1)
def connection() -> Connection:
    """The one connection transactions share: each new Connection builds a botocore client (~250 ms)."""
    return Connection(region=TableModel.Meta.region)
