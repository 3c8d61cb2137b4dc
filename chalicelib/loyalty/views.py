"""Loyalty's response bodies (the client contract's field names live here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.loyalty import rules
from chalicelib.loyalty.domain import LedgerEntry, LoyaltyConfig, Member, RewardOffer
from chalicelib.loyalty.service import EarnResult, Redemption


def membership_view(member: Member, config: LoyaltyConfig, now: datetime) -> dict[str, Any]:
    earned = rules.earned_in_window(member.earned, now, config)
    tier = rules.tier_for(earned, config)
    upcoming, to_next = rules.next_tier(earned, config)
    return {
        "userId": member.user_id,
        "merchantId": member.merchant_id,
        "tier": tier.name,
        "points": member.points,
        "lifetimePoints": member.lifetime_points,
        "earnedLast12Months": earned,
        "multiplier": tier.multiplier_percent / 100,
        "nextTier": upcoming.name if upcoming else None,
        "pointsToNextTier": to_next,
        "memberSince": member.member_since,
        "cardNumber": member.card_number,
    }


def earn_view(result: EarnResult) -> dict[str, Any]:
    quote = result.quote
    return {
        "success": True,
        "transactionId": result.transaction_id,
        "pointsEarned": quote.points,
        "tierUpgrade": quote.upgraded,
        "newTier": quote.tier_after.name,
        "status": "pending",  # credited by the points queue's consumer, once
    }


def reward_view(reward: RewardOffer, *, eligible: bool) -> dict[str, Any]:
    return {
        "id": reward.id,
        "name": reward.name,
        "pointsCost": reward.points_cost,
        "stock": reward.stock,
        "eligible": eligible,
        "minTier": reward.min_tier,
        "description": reward.description,
        "image": reward.image,
    }


def redemption_view(redemption: Redemption) -> dict[str, Any]:
    reward = redemption.reward
    return {
        "success": True,
        "redemptionId": redemption.id,
        "reward": {"id": reward.id, "name": reward.name, "pointsCost": reward.points_cost},
        "remainingPoints": redemption.remaining_points,
    }


def history_entry_view(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.transaction_id,
        "type": entry.kind,
        "points": entry.points,
        "description": entry.description,
        "amount": entry.amount,
        "storeId": entry.store_id,
        "transactionType": entry.transaction_type,
        "rewardId": entry.reward_id,
        "occurredAt": entry.occurred_at,
        "createdAt": entry.created_at,
    }
