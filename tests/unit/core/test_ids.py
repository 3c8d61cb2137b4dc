"""Retry-stable ids: the same parts give the same id, any difference (however the parts split) another."""

from __future__ import annotations

from chalicelib.core.ids import new_id, stable_id


def test_same_parts_same_id() -> None:
    assert stable_id("r", "u1", "tap-1") == stable_id("r", "u1", "tap-1")
    assert stable_id("r", "u1", "tap-1").startswith("r_")
    assert len(stable_id("r", "u1", "tap-1")) == len("r_") + 20


def test_any_difference_another_id() -> None:
    ids = {
        stable_id("r", "u1", "tap-1"),
        stable_id("r", "u2", "tap-1"),
        stable_id("r", "u1", "tap-2"),
        stable_id("rd", "u1", "tap-1"),
        stable_id("r", "a|b", "c"),
        stable_id("r", "a", "b|c"),
        stable_id("r", "a\nb", "c"),
        stable_id("r", "a", "b\nc"),
        stable_id("r", "u1tap-1"),
    }
    assert len(ids) == 9


def test_random_ids_differ() -> None:
    assert new_id("u") != new_id("u") and new_id("u").startswith("u_")
