"""Demo data for `make run`: the demo merchant's stores in and around Shanghai, catalogs, stock and
layouts, a second merchant (one Hangzhou store, its own admin, login code `demo-admin-2`) so
tenancy can be seen and tested: its product ids are the demo merchant's ids, its stock is its own;
and the platform admin (login code `demo-platform`), who onboards, lists and suspends merchants.

Every store sells the same 30 products (one SKU each, the product id); each store's stock of them is
inventory's stock item for that merchant's SKU at that store."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from chalicelib.catalog import models as catalog
from chalicelib.core.auth import Role
from chalicelib.identity import models as identity_models
from chalicelib.identity.models import IdentityStore
from chalicelib.inventory import api as inventory
from chalicelib.inventory import models as inventory_models
from chalicelib.merchants import models as merchants
from chalicelib.merchants.domain import Merchant
from chalicelib.navigation.models import put_layout
from chalicelib.stores import models as stores
from devstack import demo_appointments, demo_loyalty

MERCHANT_ID = "m-demo"
# Each merchant's WeChat Pay sub-merchant under the platform's service-provider account (the sandbox
# binds these to its sp_mchid).
MERCHANT_2_ID = "m-demo-2"
SUB_MCHIDS = {MERCHANT_ID: "1900000201", MERCHANT_2_ID: "1900000202"}
ADMIN_2_OPENID = "openid-demo-admin-2"  # login code `demo-admin-2`
STORE_2 = (
    "s2-hangzhou-xihu",
    "湖畔便利 西湖店",
    "浙江省杭州市西湖区北山街 12 号",
    "0571-87960001",
    30.2590,
    120.1480,
    {d: [["07:00", "23:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
)
ADMIN_OPENID = "openid-demo-admin"
PLATFORM_OPENID = "openid-demo-platform"  # login code `demo-platform`: the platform admin (no merchant)
STAFF_OPENID = "openid-demo-staff"
PEOPLES_SQUARE = (31.2304, 121.4737)

WEEKDAYS = {d: [["08:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
WEEKEND = {d: [["09:00", "23:00"]] for d in ("sat", "sun")}
LATE = {d: [["07:00", "02:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

# id, name, address, phone, lat, lon, hours
STORES: list[tuple[str, str, str, str, float, float, dict[str, list[list[str]]]]] = [
    (
        "s-nanjing-east",
        "鲜邻超市 南京东路店",
        "上海市黄浦区南京东路 300 号",
        "021-63500001",
        31.2355,
        121.4800,
        WEEKDAYS | WEEKEND,
    ),
    ("s-jingan", "鲜邻超市 静安寺店", "上海市静安区南京西路 1618 号", "021-62480002", 31.2235, 121.4455, LATE),
    (
        "s-lujiazui",
        "鲜邻超市 陆家嘴店",
        "上海市浦东新区陆家嘴环路 1000 号",
        "021-58880003",
        31.2397,
        121.4998,
        WEEKDAYS | WEEKEND,
    ),
    (
        "s-xujiahui",
        "鲜邻超市 徐家汇店",
        "上海市徐汇区漕溪北路 88 号",
        "021-64260004",
        31.1950,
        121.4370,
        WEEKDAYS | WEEKEND,
    ),
    (
        "s-songjiang",
        "鲜邻超市 松江万达店",
        "上海市松江区广富林路 658 号",
        "021-57810005",
        31.0320,
        121.2270,
        WEEKDAYS | WEEKEND,
    ),
    (
        "s-suzhou",
        "鲜邻超市 苏州观前街店",
        "江苏省苏州市姑苏区观前街 200 号",
        "0512-65270006",
        31.3110,
        120.6280,
        WEEKDAYS | WEEKEND,
    ),
]

CATEGORIES = [("dairy", "乳制品"), ("drinks", "饮料"), ("snacks", "零食"), ("fresh", "生鲜果蔬"), ("daily", "日用百货")]

# name, English name, category, price (fen), unit
PRODUCTS: list[tuple[str, str, str, int, str]] = [
    ("纯牛奶 250ml", "Whole Milk 250ml", "dairy", 350, "盒"),
    ("低脂牛奶 1L", "Low-fat Milk 1L", "dairy", 1590, "瓶"),
    ("原味酸奶 200g", "Plain Yogurt 200g", "dairy", 590, "杯"),
    ("希腊酸奶 100g", "Greek Yogurt 100g", "dairy", 890, "杯"),
    ("奶酪片 10片装", "Cheese Slices x10", "dairy", 2590, "包"),
    ("黄油 200g", "Butter 200g", "dairy", 3290, "块"),
    ("矿泉水 550ml", "Mineral Water 550ml", "drinks", 200, "瓶"),
    ("无糖绿茶 500ml", "Unsweetened Green Tea 500ml", "drinks", 450, "瓶"),
    ("橙汁 1L", "Orange Juice 1L", "drinks", 1290, "瓶"),
    ("可乐 330ml", "Cola 330ml", "drinks", 300, "罐"),
    ("冷萃咖啡 280ml", "Cold Brew Coffee 280ml", "drinks", 990, "瓶"),
    ("豆奶 250ml", "Soy Milk 250ml", "drinks", 380, "盒"),
    ("薯片 原味 70g", "Potato Chips Original 70g", "snacks", 790, "袋"),
    ("黑巧克力 100g", "Dark Chocolate 100g", "snacks", 1590, "块"),
    ("每日坚果 25g", "Daily Mixed Nuts 25g", "snacks", 550, "袋"),
    ("苏打饼干 400g", "Soda Crackers 400g", "snacks", 1290, "盒"),
    ("牛肉干 100g", "Beef Jerky 100g", "snacks", 2990, "袋"),
    ("海苔 40g", "Seaweed Snack 40g", "snacks", 890, "袋"),
    ("红富士苹果 500g", "Fuji Apples 500g", "fresh", 990, "份"),
    ("香蕉 1kg", "Bananas 1kg", "fresh", 790, "份"),
    ("西红柿 500g", "Tomatoes 500g", "fresh", 590, "份"),
    ("鸡蛋 10枚", "Eggs x10", "fresh", 1390, "盒"),
    ("上海青 400g", "Bok Choy 400g", "fresh", 450, "份"),
    ("三文鱼 200g", "Salmon Fillet 200g", "fresh", 4990, "份"),
    ("抽纸 3包", "Facial Tissues x3", "daily", 1590, "提"),
    ("洗洁精 1kg", "Dish Soap 1kg", "daily", 1290, "瓶"),
    ("牙膏 120g", "Toothpaste 120g", "daily", 1890, "支"),
    ("洗衣液 2kg", "Laundry Detergent 2kg", "daily", 3990, "瓶"),
    ("电池 AA 4节", "AA Batteries x4", "daily", 2290, "板"),
    ("垃圾袋 50只", "Trash Bags x50", "daily", 990, "卷"),
]

LAYOUT_WIDTH, LAYOUT_HEIGHT = 24, 16
# Two-sided shelves (2 cells deep) in three rows, two blocks per row, a cross aisle between blocks.
SHELVES: list[dict[str, Any]] = [
    {"id": f"S{row * 2 + block + 1}", "x": 3 if block == 0 else 13, "y": 3 + row * 4, "width": 8, "height": 2}
    for row in range(3)
    for block in range(2)
]
AISLES: list[dict[str, Any]] = [
    {"id": f"A{i + 1}", "name": f"{i + 1}号通道", "y": y, "x": 1, "width": 22, "height": 2}
    for i, y in enumerate((1, 5, 9, 13))
]
ENTRANCES: list[dict[str, Any]] = [{"x": 1, "y": 15, "name": "正门"}, {"x": 22, "y": 15, "name": "侧门"}]


def layout() -> dict[str, Any]:
    cells = [["." for _ in range(LAYOUT_WIDTH)] for _ in range(LAYOUT_HEIGHT)]
    for shelf in SHELVES:
        for y in range(shelf["y"], shelf["y"] + shelf["height"]):
            for x in range(shelf["x"], shelf["x"] + shelf["width"]):
                cells[y][x] = "#"
    for entrance in ENTRANCES:
        cells[entrance["y"]][entrance["x"]] = "E"
    return {
        "width": LAYOUT_WIDTH,
        "height": LAYOUT_HEIGHT,
        "cellSize": 1.0,
        "floor": 1,
        "cells": ["".join(row) for row in cells],
        "shelves": SHELVES,
        "aisles": AISLES,
        "entrances": ENTRANCES,
        "legend": {".": "walkable", "#": "shelf", "E": "entrance"},
    }


def shelf_location(index: int) -> dict[str, Any]:
    """Spread products along the shelves; the location is the walkable cell facing the shelf."""
    shelf = SHELVES[index % len(SHELVES)]
    slot = index // len(SHELVES)
    x = shelf["x"] + (slot * 2) % shelf["width"]
    upper_side = slot % 2 == 0
    y = shelf["y"] - 1 if upper_side else shelf["y"] + shelf["height"]
    aisle = next(a["id"] for a in AISLES if a["y"] <= y < a["y"] + a["height"])
    return {"x": x, "y": y, "floor": 1, "shelf": shelf["id"], "aisle": aisle}


def shelve(product: catalog.Product, units: int, category_name: str = "") -> None:
    """A product on its store's shelf with `units` in stock there (catalog's item, inventory's item)."""
    catalog.put_product(product, category_name=category_name)
    inventory.set_on_hand(inventory.StockKey(product.merchant_id, product.sku_id, product.store_id), units)


def put_merchant(merchant_id: str = MERCHANT_ID, name: str = "鲜邻超市") -> None:
    merchants.put_merchant(
        Merchant(merchant_id, name, "Asia/Shanghai", wechatpay_sub_mchid=SUB_MCHIDS.get(merchant_id))
    )


def seed(now: datetime) -> None:
    put_merchant()
    for number, (store_id, name, address, phone, lat, lon, hours) in enumerate(STORES):
        stores.put_store(
            stores.Store(
                id=store_id,
                merchant_id=MERCHANT_ID,
                name=name,
                address=address,
                phone=phone,
                latitude=lat,
                longitude=lon,
                timezone="Asia/Shanghai",
                opening_hours=hours,
                settings={"averageServiceMinutes": 4},
            )
        )
        put_layout(store_id, layout(), merchant_id=MERCHANT_ID)
        for order, (category_id, category_name) in enumerate(CATEGORIES):
            catalog.put_category(MERCHANT_ID, store_id, catalog.Category(category_id, category_name, order))
        rng = random.Random(f"stock-{store_id}")
        low_stock = set(rng.sample(range(len(PRODUCTS)), 5))
        shelf: list[tuple[catalog.Product, str]] = []
        levels: list[inventory.StockLevel] = []
        for index, (pname, pname_en, category_id, price, unit) in enumerate(PRODUCTS):
            if index == number:  # each store is sold out of one thing
                stock = 0
            elif index in low_stock:
                stock = rng.randint(1, 5)
            else:
                stock = rng.randint(6, 60)
            product = catalog.Product(
                store_id=store_id,
                merchant_id=MERCHANT_ID,
                id=f"p{index + 1:03d}",
                name=pname,
                name_en=pname_en,
                category_id=category_id,
                price=price,
                unit=unit,
                image=f"/images/products/p{index + 1:03d}.png",
                location=shelf_location(index),
            )
            shelf.append((product, dict(CATEGORIES)[category_id]))
            stock_key = inventory.StockKey(MERCHANT_ID, product.sku_id, store_id)
            levels.append(inventory.StockLevel(stock_key, available=stock, held=0))
        catalog.put_products(shelf)
        inventory_models.put_levels(levels)  # a fresh stack: nothing is held yet
    identities = IdentityStore()
    identities.create_user("u-demo-admin", ADMIN_OPENID, "", now, role=Role.ADMIN, merchant_id=MERCHANT_ID)
    identities.create_user(
        "u-demo-staff",
        STAFF_OPENID,
        "",
        now,
        role=Role.STAFF,
        merchant_id=MERCHANT_ID,
        store_ids=[s[0] for s in STORES],
    )
    for store in STORES:  # the demo staff member works whenever the store is open
        identity_models.update_store_staff(store[0], "u-demo-staff", {"display_name": "小王", "shifts": store[6]})
    identities.create_user("u-demo-platform", PLATFORM_OPENID, "", now, role=Role.PLATFORM)
    demo_loyalty.seed(now)
    demo_appointments.seed(now)
    seed_second_merchant(now)


def seed_second_merchant(now: datetime) -> None:
    """Another merchant on the same platform: its store, catalogue (the same product ids as the demo
    merchant's, with stock of its own), and its admin."""
    put_merchant(MERCHANT_2_ID, "湖畔便利")
    store_id, name, address, phone, lat, lon, hours = STORE_2
    stores.put_store(stores.Store(store_id, MERCHANT_2_ID, name, address, phone, lat, lon, "Asia/Shanghai", hours, {}))
    put_layout(store_id, layout(), merchant_id=MERCHANT_2_ID)
    catalog.put_category(MERCHANT_2_ID, store_id, catalog.Category("drinks", "饮料", 0))
    shelf: list[tuple[catalog.Product, str]] = []
    levels: list[inventory.StockLevel] = []
    for index in (6, 7, 9):  # water, green tea, cola: ids p007, p008, p010 as at the demo merchant
        pname, pname_en, _category, price, unit = PRODUCTS[index]
        product = catalog.Product(
            store_id=store_id,
            merchant_id=MERCHANT_2_ID,
            id=f"p{index + 1:03d}",
            name=pname,
            name_en=pname_en,
            category_id="drinks",
            price=price + 50,
            unit=unit,
            location=shelf_location(index),
        )
        shelf.append((product, "饮料"))
        stock_key = inventory.StockKey(MERCHANT_2_ID, product.sku_id, store_id)
        levels.append(inventory.StockLevel(stock_key, available=100 + index, held=0))
    catalog.put_products(shelf)
    inventory_models.put_levels(levels)
    IdentityStore().create_user("u-demo-admin-2", ADMIN_2_OPENID, "", now, role=Role.ADMIN, merchant_id=MERCHANT_2_ID)
    demo_appointments.seed_second_merchant(store_id, MERCHANT_2_ID)
