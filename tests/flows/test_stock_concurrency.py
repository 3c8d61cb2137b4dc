"""50 concurrent conditional decrements against moto server never oversell."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.catalog import models as catalog
from chalicelib.core.errors import Conflict


@pytest.mark.parametrize("trial", range(3))
def test_50_concurrent_decrements_of_10_units(aws, trial: int) -> None:
    catalog.put_product(catalog.Product(store_id="s1", id="hot", name="限量款", category_id="c", price=100, stock=10))

    def take() -> str:
        try:
            catalog.decrement_stock("s1", "hot", 1)
            return "ok"
        except Conflict as err:
            return err.code

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(lambda _: take(), range(50)))

    assert outcomes.count("ok") == 10
    assert outcomes.count("OUT_OF_STOCK") == 40
    product = catalog.get_product("s1", "hot")
    assert product is not None and product.stock == 0


def test_decrement_of_unknown_product_is_out_of_stock_not_a_new_item(aws) -> None:
    with pytest.raises(Conflict):
        catalog.decrement_stock("s1", "ghost", 1)
    assert catalog.get_product("s1", "ghost") is None
