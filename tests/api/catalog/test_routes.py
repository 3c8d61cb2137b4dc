"""Categories, inventory pages, keyword search, product detail."""

from __future__ import annotations

from urllib.parse import quote

from devstack import demo_data
from tests.api.budget import assert_budget, dynamodb_calls


def test_categories(seeded, client) -> None:
    body = client.http.get("/api/stores/s-jingan/categories").json_body
    assert [c["name"] for c in body["categories"]] == [name for _, name in demo_data.CATEGORIES]
    assert client.http.get("/api/stores/s-missing/categories").status_code == 404


def test_inventory_pages_cover_every_product_once(seeded, client) -> None:
    seen: list[str] = []
    cursor = ""
    for _ in range(20):
        url = "/api/stores/s-lujiazui/inventory?limit=7" + (f"&cursor={cursor}" if cursor else "")
        body = client.http.get(url).json_body
        assert len(body["products"]) <= 7
        seen += [p["id"] for p in body["products"]]
        cursor = body["nextCursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == len(demo_data.PRODUCTS)


def test_product_fields_and_money_in_fen(seeded, client) -> None:
    product = client.http.get("/api/stores/s-jingan/products/p001").json_body
    assert product["name"] == "纯牛奶 250ml"
    assert product["price"] == 350 and isinstance(product["price"], int)
    assert 0 <= product["stock"] <= 60
    assert {"id", "name", "price", "stock", "categoryId", "image"} <= set(product)


def test_category_filter(seeded, client) -> None:
    products = client.http.get("/api/stores/s-jingan/inventory?category=fresh&limit=100").json_body["products"]
    assert products and {p["categoryId"] for p in products} == {"fresh"}
    assert len(products) == sum(1 for p in demo_data.PRODUCTS if p[2] == "fresh")


def test_keyword_search_chinese_and_english(seeded, client) -> None:
    chinese = client.http.get(f"/api/stores/s-jingan/inventory?keyword={quote('牛奶')}").json_body["products"]
    names = {p["name"] for p in chinese}
    assert "纯牛奶 250ml" in names and "低脂牛奶 1L" in names
    assert all("牛奶" in n for n in names)
    english = client.http.get("/api/stores/s-jingan/inventory?keyword=MILK").json_body["products"]
    assert {p["name"] for p in english} == {"纯牛奶 250ml", "低脂牛奶 1L", "豆奶 250ml"}
    by_category = client.http.get(f"/api/stores/s-jingan/inventory?keyword={quote('乳制品')}").json_body
    assert len(by_category["products"]) == 6
    nothing = client.http.get(f"/api/stores/s-jingan/inventory?keyword={quote('火锅')}").json_body
    assert nothing == {"products": [], "nextCursor": None}


def test_keyword_search_pages(seeded, client) -> None:
    first = client.http.get("/api/stores/s-jingan/inventory?keyword=g&limit=2").json_body
    assert len(first["products"]) == 2 and first["nextCursor"]
    second = client.http.get(f"/api/stores/s-jingan/inventory?keyword=g&limit=2&cursor={first['nextCursor']}")
    ids = {p["id"] for p in first["products"]} & {p["id"] for p in second.json_body["products"]}
    assert not ids


def test_inventory_bad_input(seeded, client) -> None:
    for query, field in [
        ("cursor=%%%", "cursor"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=x", "limit"),
        ("keyword=" + "x" * 51, "keyword"),
    ]:
        response = client.http.get(f"/api/stores/s-jingan/inventory?{query}")
        assert response.status_code == 400, query
        assert response.json_body["error"]["field"] == field
    missing = client.http.get("/api/stores/s-missing/inventory")
    assert missing.status_code == 404


def test_unknown_product(seeded, client) -> None:
    response = client.http.get("/api/stores/s-jingan/products/p999")
    assert response.status_code == 404 and response.json_body["error"]["code"] == "PRODUCT_NOT_FOUND"
    assert client.http.get("/api/stores/s-missing/products/p001").status_code == 404


def test_inventory_as_the_mini_program_asks_lists_the_whole_shelf(seeded, client) -> None:
    """The inventory page sends `category=''&keyword=''` and no paging, and shows `products` as all."""
    body = client.http.get("/api/stores/s-jingan/inventory?category=&keyword=").json_body
    assert len(body["products"]) == len(demo_data.PRODUCTS) > 20
    assert body["nextCursor"] is None
    assert all(isinstance(p["stock"], int) and p["id"] for p in body["products"])


def test_request_budget(seeded, client, local_aws) -> None:
    """Every catalog route at its documented minimum (docs/data-model.md), no item read twice."""

    def calls(path: str) -> dict[str, int]:
        return dynamodb_calls(local_aws, lambda: client.http.get(path))

    assert_budget(calls("/api/stores/s-jingan/categories"), "GET /api/stores/{store_id}/categories", "store")
    assert_budget(
        calls("/api/stores/s-missing/categories"), "GET /api/stores/{store_id}/categories", "missing store"
    )  # the store, for the 404
    # the page's products, then their stock at this store in one BatchGetItem
    assert_budget(calls("/api/stores/s-jingan/inventory?limit=10"), "GET /api/stores/{store_id}/inventory", "page")
    assert_budget(
        calls("/api/stores/s-jingan/inventory?category=&keyword="),
        "GET /api/stores/{store_id}/inventory",
        "empty filters",
    )
    milk = quote("牛奶")
    # a keyword or category reads the text index: one Query per postings list (牛奶, the category), then
    # one BatchGetItem of the candidate products and one of their stock
    inventory = "GET /api/stores/{store_id}/inventory"
    assert_budget(
        calls(f"/api/stores/s-jingan/inventory?keyword={milk}&category=dairy"), inventory, "keyword and category"
    )
    assert_budget(calls("/api/stores/s-jingan/inventory?category=fresh"), inventory, "category")
    assert_budget(calls(f"/api/stores/s-jingan/inventory?keyword={milk}"), inventory, "keyword")
    assert_budget(calls(f"/api/stores/s-jingan/inventory?keyword={quote('火锅')}"), inventory, "no match")
    assert_budget(calls("/api/stores/s-missing/inventory"), inventory, "missing store")
    assert_budget(
        calls("/api/stores/s-jingan/products/p001"), "GET /api/stores/{store_id}/products/{product_id}", "product"
    )  # product + its stock here
    assert_budget(
        calls("/api/stores/s-jingan/products/p999"),
        "GET /api/stores/{store_id}/products/{product_id}",
        "missing product",
    )  # + the store, for the 404


def test_every_product_shows_its_stock_at_that_store(seeded, client) -> None:
    """Each store's page shows inventory's stock of each SKU at that store (the demo stores differ)."""
    from chalicelib.inventory import api as inventory

    for store_id in ("s-jingan", "s-lujiazui"):
        products = client.http.get(f"/api/stores/{store_id}/inventory").json_body["products"]
        expected = inventory.available_at(demo_data.MERCHANT_ID, store_id, [p["id"] for p in products])
        assert {p["id"]: p["stock"] for p in products} == expected
        detail = client.http.get(f"/api/stores/{store_id}/products/p002").json_body
        assert detail["stock"] == expected["p002"]
    first = client.http.get("/api/stores/s-nanjing-east/inventory").json_body["products"]
    assert next(p["stock"] for p in first if p["id"] == "p001") == 0  # each demo store is sold out of one thing


def test_keyword_search_is_exact_on_chinese_substrings_and_english_word_prefixes(seeded, client) -> None:
    def names(keyword: str) -> set[str]:
        body = client.http.get(f"/api/stores/s-jingan/inventory?keyword={quote(keyword)}").json_body
        return {p["name"] for p in body["products"]}

    assert names("奶") == {p[0] for p in demo_data.PRODUCTS if "奶" in p[0]}
    assert names("低脂牛奶") == {"低脂牛奶 1L"}  # 3+ characters: every bigram, then the substring
    assert names("脂牛奶酪") == set()  # its bigrams all exist (脂牛, 牛奶, 奶酪) but never in a row
    assert names("yog") == {"原味酸奶 200g", "希腊酸奶 100g"}  # English word prefix, any case
    assert names("ml") >= {"纯牛奶 250ml", "矿泉水 550ml"}  # a unit after digits is a word too
    assert names("ilk") == set()  # inside a word is not a prefix
    assert names("!!!") == set()


def test_renaming_and_removing_a_product_updates_its_postings(seeded, client) -> None:
    from chalicelib.catalog import models as catalog

    store = "s-xujiahui"
    product = catalog.Product(store, "p-rename", "榴莲酥 6只", "snacks", 2990, demo_data.MERCHANT_ID, "Durian Pastry")

    def ids(keyword: str, category: str = "") -> list[str]:
        url = f"/api/stores/{store}/inventory?keyword={quote(keyword)}&category={category}"
        return [p["id"] for p in client.http.get(url).json_body["products"]]

    catalog.put_product(product, "零食")
    catalog.put_product(product, "零食")  # a repeat changes nothing
    assert ids("榴莲") == ids("durian") == ["p-rename"]
    assert "p-rename" in ids("", "snacks")
    renamed = catalog.Product(store, "p-rename", "凤梨酥 6只", "fresh", 2990, demo_data.MERCHANT_ID, "Pineapple Cake")
    catalog.put_product(renamed, "生鲜果蔬")
    assert ids("榴莲") == ids("durian") == [] and "p-rename" not in ids("", "snacks")
    assert ids("凤梨") == ids("PINE") == ["p-rename"] and "p-rename" in ids("", "fresh")
    catalog.delete_product(store, "p-rename")
    assert ids("凤梨") == [] and "p-rename" not in ids("", "fresh")
