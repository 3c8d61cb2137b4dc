"""Loyalty use cases against in-memory ports (no AWS): only real users and merchants get a membership,
the till's accrual, and redemptions that know what remains without reading the member again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationError
from chalicelib.loyalty import service
from chalicelib.loyalty.domain import Member, RewardOffer
from chalicelib.loyalty.service import Sale
from chalicelib.stores.domain import Store
from tests.fakes.loyalty import FakeLoyaltyWorld

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
MERCHANT = "m1"
STORE = Store("s1", MERCHANT, "店", "地址", "021", 31.2, 121.4, "Asia/Shanghai", {}, {})
ALICE = Principal("u-alice", Role.CUSTOMER)
STAFF = Principal("u-staff", Role.STAFF, MERCHANT, frozenset({"s1"}))


@pytest.fixture
def world() -> FakeLoyaltyWorld:
    found = FakeLoyaltyWorld(users={"u-alice", "u-bob", "u-staff"}, merchants={MERCHANT})
    found.stores[STORE.id] = STORE
    found.repo.rewards_by_key[(MERCHANT, "bag")] = RewardOffer("bag", "环保袋", 120, 5)
    found.repo.rewards_by_key[(MERCHANT, "gift")] = RewardOffer("gift", "小礼物", 0, 5)
    return found


def funded(world: FakeLoyaltyWorld, user_id: str, points: int) -> Member:
    member = Member(user_id, MERCHANT, points, points, {}, "8000", "2026-01-01T00:00:00Z")
    world.repo.members[(user_id, MERCHANT)] = member
    return member


def test_first_view_enrols_a_real_member_once(world) -> None:
    card = service.membership(world.ports, ALICE, "u-alice", MERCHANT, NOW)
    assert (card.member.points, card.member.member_since) == (0, "2026-11-23T04:00:00Z")
    assert world.user_lookups == []  # the caller holds a session: they exist
    again = service.membership(world.ports, ALICE, "u-alice", MERCHANT, NOW + timedelta(days=1))
    assert again.member == card.member


def test_no_membership_for_a_merchant_or_user_that_does_not_exist(world) -> None:
    with pytest.raises(NotFound) as merchant:
        service.membership(world.ports, ALICE, "u-alice", "m-nowhere", NOW)
    assert merchant.value.code == "MERCHANT_NOT_FOUND"
    with pytest.raises(NotFound) as user:
        service.membership(world.ports, STAFF, "u-ghost", MERCHANT, NOW)
    assert user.value.code == "USER_NOT_FOUND"
    assert world.repo.members == {}
    with pytest.raises(Forbidden):
        service.membership(world.ports, ALICE, "u-bob", MERCHANT, NOW)


def sale(
    user_id: str = "u-bob", receipt: str | None = None, amount_fen: int = 25_000, occurred_at: datetime = NOW
) -> Sale:
    return Sale(user_id, STORE.id, amount_fen, "purchase", occurred_at, receipt)


def test_the_till_credits_real_users_only_through_the_queue(world) -> None:
    result = service.earn_at_till(world.ports, STAFF, sale(), NOW)
    assert result.quote.points == 25 and [a.points for a in world.enqueued] == [25]
    assert world.user_lookups == ["u-bob"]  # no membership yet: identity was asked
    with pytest.raises(NotFound) as ghost:
        service.earn_at_till(world.ports, STAFF, sale("u-ghost", receipt="R-1"), NOW)
    assert (ghost.value.code, ghost.value.field) == ("USER_NOT_FOUND", "userId")
    assert world.repo.receipts == {} and len(world.enqueued) == 1  # refused before the receipt is claimed
    funded(world, "u-alice", 0)
    world.user_lookups.clear()
    service.earn_at_till(world.ports, STAFF, sale("u-alice"), NOW)
    assert world.user_lookups == []  # a member is a real user already


def test_the_till_rules(world) -> None:
    with pytest.raises(Forbidden) as own:
        service.earn_at_till(world.ports, STAFF, sale("u-staff"), NOW)
    assert own.value.code == "SELF_ACCRUAL"
    with pytest.raises(ValidationError):
        service.earn_at_till(world.ports, STAFF, sale(occurred_at=NOW - timedelta(days=91)), NOW)
    service.earn_at_till(world.ports, STAFF, sale(receipt="R-7"), NOW)
    with pytest.raises(Conflict) as claimed:
        service.earn_at_till(world.ports, STAFF, sale("u-alice", receipt="R-7"), NOW)
    assert claimed.value.code == "RECEIPT_ALREADY_CREDITED"
    assert service.earn_at_till(world.ports, STAFF, sale(amount_fen=500), NOW).quote.points == 0
    assert len(world.enqueued) == 1  # nothing enqueued for 0 points


def redeem(world: FakeLoyaltyWorld, reward_id: str = "bag", key: str | None = None, who: Principal = ALICE):
    return service.redeem(
        world.ports, who, user_id=None, reward_id=reward_id, merchant_id=MERCHANT, request_key=key, now=NOW
    )


def test_a_redemption_answers_what_remains_from_its_one_read(world) -> None:
    funded(world, "u-alice", 300)
    done = redeem(world, key="tap-1")
    assert done.remaining_points == 180 and world.repo.member_reads == 1
    again = redeem(world, key="tap-1")  # a retry: nothing spent twice, same answer
    assert (again.id, again.remaining_points) == (done.id, 180)
    assert world.repo.members[("u-alice", MERCHANT)].points == 180
    with pytest.raises(Conflict) as reused:
        redeem(world, "gift", key="tap-1")
    assert reused.value.code == "DUPLICATE_REQUEST"


def test_a_credit_landing_between_read_and_write_is_taken_into_account(world) -> None:
    member = funded(world, "u-alice", 300)
    landed: list[bool] = []

    def credit_once() -> None:
        if not landed:
            landed.append(True)
            world.repo.credit(member, 50)

    world.repo.before_redeem = credit_once
    done = redeem(world)
    assert done.remaining_points == 230 == world.repo.members[("u-alice", MERCHANT)].points


def test_refusals(world) -> None:
    with pytest.raises(Conflict) as nothing:
        redeem(world)  # no membership: no points
    assert nothing.value.code == "INSUFFICIENT_POINTS" and world.repo.members == {}
    assert redeem(world, "gift").remaining_points == 0  # a free reward enrols the (real) caller
    funded(world, "u-alice", 100)
    with pytest.raises(Conflict) as short:
        redeem(world)
    assert short.value.code == "INSUFFICIENT_POINTS"
    with pytest.raises(NotFound):
        redeem(world, "nope")
    funded(world, "u-alice", 1_000)
    world.repo.rewards_by_key[(MERCHANT, "bag")] = RewardOffer("bag", "环保袋", 120, 0)
    with pytest.raises(Conflict) as gone:
        redeem(world)
    assert gone.value.code == "REWARD_UNAVAILABLE"
    world.repo.rewards_by_key[(MERCHANT, "mug")] = RewardOffer("mug", "杯", 10, 5, min_tier="gold")
    with pytest.raises(Conflict) as tier:
        redeem(world, "mug")
    assert tier.value.code == "TIER_REQUIRED"


def test_a_balance_that_keeps_changing_gives_up_cleanly(world) -> None:
    member = funded(world, "u-alice", 300)
    world.repo.before_redeem = lambda: world.repo.credit(world.repo.members[("u-alice", MERCHANT)], 1)
    with pytest.raises(Conflict) as busy:
        redeem(world)
    assert busy.value.code == "REDEEM_BUSY"
    assert world.repo.members[("u-alice", MERCHANT)].points == member.points + service.REDEEM_ATTEMPTS


def test_rewards_and_history_are_the_members_or_the_merchants_staff(world) -> None:
    funded(world, "u-alice", 130)
    listed = service.rewards(world.ports, STAFF, "u-alice", MERCHANT, NOW)
    assert [(r.id, ok) for r, ok in listed] == [("gift", True), ("bag", True)]
    redeem(world)
    assert [e.reward_id for e in service.history(world.ports, ALICE, "u-alice", MERCHANT, 10)] == ["bag"]
    outsider = Principal("u-far", Role.ADMIN, "m-other")
    with pytest.raises(Forbidden):
        service.history(world.ports, outsider, "u-alice", MERCHANT, 10)
