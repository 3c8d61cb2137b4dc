"""Loyalty rules: pure functions (no AWS, no clock), configurable per merchant.

Defaults follow the merchant brief: 10 points per 100 yuan spent; tiers normal / silver / gold
by points earned in the last 12 months (not by balance, so redeeming never demotes anyone);
higher tiers earn at a multiplier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.core.clock import from_iso
from chalicelib.core.errors import ValidationError
from chalicelib.loyalty.domain import DEFAULT_CONFIG, EarnQuote, LoyaltyConfig, RewardOffer, Tier


def config_from(data: Mapping[str, Any] | None) -> LoyaltyConfig:
    """A merchant's stored settings over the defaults; malformed settings fall back entirely."""
    if not data:
        return DEFAULT_CONFIG
    try:
        tiers = (
            tuple(
                Tier(str(t["name"]), int(t["threshold"]), int(t.get("multiplierPercent", 100)))
                for t in data.get("tiers") or []
            )
            or DEFAULT_CONFIG.tiers
        )
        config = LoyaltyConfig(
            points_per_unit=int(data.get("pointsPerUnit", DEFAULT_CONFIG.points_per_unit)),
            unit_fen=int(data.get("unitFen", DEFAULT_CONFIG.unit_fen)),
            window_months=int(data.get("windowMonths", DEFAULT_CONFIG.window_months)),
            timezone=str(data.get("timezone") or DEFAULT_CONFIG.timezone),
            tiers=tuple(sorted(tiers, key=lambda t: t.threshold)),
        )
    except (KeyError, TypeError, ValueError):
        return DEFAULT_CONFIG
    if config.unit_fen <= 0 or config.points_per_unit < 0 or config.window_months < 1 or config.tiers[0].threshold:
        return DEFAULT_CONFIG
    try:
        ZoneInfo(config.timezone)
    except (KeyError, ValueError):
        return DEFAULT_CONFIG
    return config


def config_to_dict(config: LoyaltyConfig) -> dict[str, Any]:
    return {
        "pointsPerUnit": config.points_per_unit,
        "unitFen": config.unit_fen,
        "windowMonths": config.window_months,
        "timezone": config.timezone,
        "tiers": [
            {"name": t.name, "threshold": t.threshold, "multiplierPercent": t.multiplier_percent} for t in config.tiers
        ],
    }


def month_key(when: datetime, timezone: str) -> str:
    """Earned-points bucket: the calendar month in the merchant's timezone."""
    local = when.astimezone(ZoneInfo(timezone))
    return f"{local.year:04d}-{local.month:02d}"


def window(now: datetime, timezone: str, months: int) -> list[str]:
    """This month and the `months - 1` before it."""
    local = now.astimezone(ZoneInfo(timezone))
    index = local.year * 12 + local.month - 1
    return [f"{(i // 12):04d}-{(i % 12) + 1:02d}" for i in range(index - months + 1, index + 1)]


def earned_in_window(buckets: Mapping[str, int], now: datetime, config: LoyaltyConfig) -> int:
    return sum(int(buckets.get(m, 0)) for m in window(now, config.timezone, config.window_months))


def tier_for(earned: int, config: LoyaltyConfig) -> Tier:
    reached = [t for t in config.tiers if earned >= t.threshold]
    return reached[-1] if reached else config.tiers[0]


def next_tier(earned: int, config: LoyaltyConfig) -> tuple[Tier | None, int]:
    """The next tier up and how many more points (earned in the window) reach it."""
    for tier in config.tiers:
        if tier.threshold > earned:
            return tier, tier.threshold - earned
    return None, 0


def points_for(amount_fen: int, tier: Tier, config: LoyaltyConfig) -> int:
    """Whole points, rounded down, at the tier the member holds before this purchase."""
    if amount_fen <= 0:
        return 0
    return amount_fen * config.points_per_unit * tier.multiplier_percent // (config.unit_fen * 100)


def quote(amount_fen: int, earned_before: int, config: LoyaltyConfig) -> EarnQuote:
    before = tier_for(earned_before, config)
    points = points_for(amount_fen, before, config)
    return EarnQuote(points=points, tier_before=before, tier_after=tier_for(earned_before + points, config))


def card_number(merchant_id: str, user_id: str) -> str:
    """A stable 16-digit card number: derived, so enrolling twice yields the same card."""
    digest = int(hashlib.sha256(f"{merchant_id}\n{user_id}".encode()).hexdigest(), 16)
    return f"8{digest % 10**15:015d}"


def pos_transaction_id(store_id: str, user_id: str, amount_fen: int, transaction_type: str, timestamp_ms: int) -> str:
    """A till that resends the same sale (same store, customer, amount, type, time) earns once."""
    raw = f"{store_id}\n{user_id}\n{amount_fen}\n{transaction_type}\n{timestamp_ms}"
    return "pos-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def parse_timestamp(value: Any, field: str = "timestamp") -> datetime:
    """The mini program sends `Date.now()` (epoch milliseconds); ISO-8601 is accepted too."""
    if isinstance(value, bool):
        raise ValidationError(f"'{field}' must be epoch milliseconds or ISO-8601.", field=field)
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value) / 1000.0, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValidationError(f"'{field}' is out of range.", field=field) from None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_timestamp(int(text), field)
        try:
            parsed = from_iso(text)
        except ValueError:
            raise ValidationError(f"'{field}' must be epoch milliseconds or ISO-8601.", field=field) from None
        return parsed
    raise ValidationError(f"'{field}' must be epoch milliseconds or ISO-8601.", field=field)


def tier_allows(reward: RewardOffer, tier: Tier, config: LoyaltyConfig) -> bool:
    if not reward.min_tier:
        return True
    required = next((t for t in config.tiers if t.name == reward.min_tier), None)
    return required is None or tier.threshold >= required.threshold


def eligible(reward: RewardOffer, points: int, tier: Tier, config: LoyaltyConfig) -> bool:
    return reward.stock > 0 and points >= reward.points_cost and tier_allows(reward, tier, config)
