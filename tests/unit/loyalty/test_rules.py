"""Loyalty rules: points, tiers by the rolling 12-month window, eligibility, config parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.core.errors import ValidationError
from chalicelib.loyalty import rules
from chalicelib.loyalty.domain import DEFAULT_CONFIG, RewardOffer, Tier

NORMAL, SILVER, GOLD = DEFAULT_CONFIG.tiers


@pytest.mark.parametrize(
    ("amount_fen", "tier", "points"),
    [
        (10_000, NORMAL, 10),  # 100 yuan -> 10 points
        (9_999, NORMAL, 9),  # rounded down
        (999, NORMAL, 0),
        (0, NORMAL, 0),
        (25_050, NORMAL, 25),
        (10_000, SILVER, 12),
        (10_000, GOLD, 15),
        (123_456, GOLD, 185),
    ],
)
def test_points_for_purchase(amount_fen: int, tier: Tier, points: int) -> None:
    assert rules.points_for(amount_fen, tier, DEFAULT_CONFIG) == points


def test_tier_by_earned_points_and_next_tier() -> None:
    assert rules.tier_for(0, DEFAULT_CONFIG) is NORMAL
    assert rules.tier_for(999, DEFAULT_CONFIG) is NORMAL
    assert rules.tier_for(1_000, DEFAULT_CONFIG) is SILVER
    assert rules.tier_for(50_000, DEFAULT_CONFIG) is GOLD
    assert rules.next_tier(400, DEFAULT_CONFIG) == (SILVER, 600)
    assert rules.next_tier(1_000, DEFAULT_CONFIG) == (GOLD, 4_000)
    assert rules.next_tier(5_000, DEFAULT_CONFIG) == (None, 0)


def test_window_is_twelve_calendar_months_in_merchant_timezone() -> None:
    # 2026-01-31 17:00 UTC is already February in Shanghai.
    now = datetime(2026, 1, 31, 17, 0, tzinfo=UTC)
    months = rules.window(now, "Asia/Shanghai", 12)
    assert months[0] == "2025-03" and months[-1] == "2026-02" and len(months) == 12
    assert rules.month_key(now, "Asia/Shanghai") == "2026-02"
    assert rules.month_key(now, "UTC") == "2026-01"


def test_tier_uses_points_earned_in_window_not_balance_or_lifetime() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    buckets = {"2025-10": 4_000, "2025-12": 600, "2026-11": 500}  # Oct 2025 is outside the window
    earned = rules.earned_in_window(buckets, now, DEFAULT_CONFIG)
    assert earned == 1_100
    assert rules.tier_for(earned, DEFAULT_CONFIG) is SILVER


def test_quote_earns_at_the_tier_held_before_and_reports_upgrades() -> None:
    quote = rules.quote(100_000, 950, DEFAULT_CONFIG)  # 1000 yuan at normal -> 100 points
    assert (quote.points, quote.tier_before, quote.tier_after, quote.upgraded) == (100, NORMAL, SILVER, True)
    steady = rules.quote(10_000, 1_500, DEFAULT_CONFIG)
    assert (steady.points, steady.upgraded, steady.tier_after) == (12, False, SILVER)


def test_config_from_merchant_settings_and_fallbacks() -> None:
    custom = rules.config_from(
        {
            "pointsPerUnit": 1,
            "unitFen": 100,
            "tiers": [
                {"name": "vip", "threshold": 500, "multiplierPercent": 200},
                {"name": "basic", "threshold": 0},
            ],
        }
    )
    assert [t.name for t in custom.tiers] == ["basic", "vip"]
    assert rules.points_for(1_000, custom.tiers[1], custom) == 20
    assert rules.config_to_dict(rules.config_from(rules.config_to_dict(custom))) == rules.config_to_dict(custom)
    assert rules.config_from(None) is DEFAULT_CONFIG
    assert rules.config_from({"unitFen": 0}) is DEFAULT_CONFIG
    assert rules.config_from({"tiers": [{"name": "x"}]}) is DEFAULT_CONFIG
    assert rules.config_from({"tiers": [{"name": "x", "threshold": 10}]}) is DEFAULT_CONFIG  # no entry tier
    assert rules.config_from({"timezone": "Mars/Olympus"}) is DEFAULT_CONFIG


def test_reward_eligibility() -> None:
    mug = RewardOffer(id="mug", name="Mug", points_cost=400, stock=3, min_tier="silver")
    coupon = RewardOffer(id="c", name="Coupon", points_cost=50, stock=0)
    assert rules.eligible(mug, 400, SILVER, DEFAULT_CONFIG)
    assert not rules.eligible(mug, 399, SILVER, DEFAULT_CONFIG)
    assert not rules.eligible(mug, 10_000, NORMAL, DEFAULT_CONFIG)
    assert rules.eligible(mug, 400, GOLD, DEFAULT_CONFIG)
    assert not rules.eligible(coupon, 10_000, GOLD, DEFAULT_CONFIG)  # out of stock


def test_card_numbers_and_pos_ids_are_stable() -> None:
    card = rules.card_number("m1", "u1")
    assert card == rules.card_number("m1", "u1") and len(card) == 16 and card.isdigit()
    assert card != rules.card_number("m1", "u2")
    sale = rules.pos_transaction_id("s1", "u1", 100, "purchase", 1)
    assert sale == rules.pos_transaction_id("s1", "u1", 100, "purchase", 1)
    assert sale != rules.pos_transaction_id("s1", "u1", 100, "purchase", 2)


def test_parse_timestamp() -> None:
    when = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    millis = int(when.timestamp() * 1000)
    assert rules.parse_timestamp(millis) == when
    assert rules.parse_timestamp(str(millis)) == when
    assert rules.parse_timestamp("2026-11-23T08:00:00Z") == when
    for bad in ("yesterday", True, None, [1], 10**20):
        with pytest.raises(ValidationError):
            rules.parse_timestamp(bad)
