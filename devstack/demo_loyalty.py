"""Demo loyalty programme for `make run`: the demo merchant's rules and rewards catalogue."""

from __future__ import annotations

from datetime import datetime

from chalicelib.loyalty import models, rules
from chalicelib.loyalty.domain import DEFAULT_CONFIG, RewardOffer

MERCHANT_ID = "m-demo"

# id, name, points cost, stock, minimum tier
REWARDS: list[tuple[str, str, int, int, str | None]] = [
    ("rw-coupon-5", "5元无门槛券", 50, 1000, None),
    ("rw-eco-bag", "环保购物袋", 120, 200, None),
    ("rw-coupon-20", "满100减20券", 180, 500, None),
    ("rw-mug", "鲜邻定制马克杯", 400, 50, "silver"),
    ("rw-fruit-box", "精选水果礼盒", 900, 20, "gold"),
]


def seed(now: datetime) -> None:
    models.put_config(MERCHANT_ID, rules.config_to_dict(DEFAULT_CONFIG))
    for reward_id, name, cost, stock, min_tier in REWARDS:
        models.put_reward(
            MERCHANT_ID,
            RewardOffer(id=reward_id, name=name, points_cost=cost, stock=stock, min_tier=min_tier),
        )
