"""The reservations flows' shop: one store, products shelved with stock, customers by number."""

from __future__ import annotations

from chalicelib.catalog import models as catalog
from chalicelib.core.auth import Principal, Role
from chalicelib.inventory import api as inventory
from chalicelib.inventory.api import StockKey
from chalicelib.reservations.adapters import aws_ports
from devstack import demo_data

STORE = "s1"
PORTS = aws_ports()


def put_product(product_id: str, units: int) -> None:
    demo_data.shelve(
        catalog.Product(
            store_id=STORE, id=product_id, name="限量款", category_id="c", price=100, merchant_id=demo_data.MERCHANT_ID
        ),
        units,
    )


def units(product_id: str) -> int:
    """Available at the store now (what its pages show as stock)."""
    return inventory.available(StockKey(demo_data.MERCHANT_ID, product_id, STORE))


def customer(n: int | str) -> Principal:
    return Principal(user_id=f"u{n}", role=Role.CUSTOMER)
