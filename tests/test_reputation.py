"""Reputation: known answers, monotonicity, bounds and decay toward neutral."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailee.errors import DecodeError, ReasonCode
from ailee.reputation import (
    NEUTRAL,
    Outcome,
    ReputationPolicy,
    decay,
    observe,
    penalise,
    penalise_flagged,
)

POLICY = ReputationPolicy()
DAY = 24 * 3600
ppm = st.integers(0, 1_000_000)


def test_known_answers() -> None:
    good = Outcome(success=True, quality=900_000, on_time=True)
    late = Outcome(success=True, quality=900_000, on_time=False)
    failed = Outcome(success=False, quality=900_000, on_time=True)
    assert observe(500_000, good, POLICY) == 500_000 + 400_000 // 10  # rate 10%
    assert observe(500_000, late, POLICY) == 500_000 - 50_000 // 10  # value 450,000
    assert observe(500_000, failed, POLICY) == 450_000
    assert penalise(800_000, POLICY) == 200_000
    assert decay(900_000, 30 * DAY, POLICY) == 700_000  # one half-life
    assert decay(900_000, 60 * DAY, POLICY) == 600_000
    assert decay(100_000, 30 * DAY, POLICY) == 300_000  # from below, too
    assert decay(900_000, 15 * DAY, POLICY) == 900_000 - 400_000 // 4  # linear in between
    assert decay(900_000, 0, POLICY) == 900_000
    assert decay(900_000, 10**15, POLICY) == NEUTRAL


@given(ppm, st.booleans(), ppm, st.booleans())
def test_observe_stays_in_range_and_moves_toward_the_value(
    reputation: int, success: bool, quality: int, on_time: bool
) -> None:
    outcome = Outcome(success, quality, on_time)
    after = observe(reputation, outcome, POLICY)
    assert 0 <= after <= 1_000_000
    target = outcome.value(POLICY)
    assert min(reputation, target) <= after <= max(reputation, target)


@given(ppm, ppm, ppm)
def test_a_better_outcome_never_gives_less(reputation: int, q1: int, q2: int) -> None:
    low, high = sorted((q1, q2))
    assert observe(reputation, Outcome(True, low, True), POLICY) <= observe(
        reputation, Outcome(True, high, True), POLICY
    )
    assert observe(reputation, Outcome(False, high, True), POLICY) <= observe(
        reputation, Outcome(True, low, True), POLICY
    )


@given(ppm, st.integers(0, 10**9), st.integers(0, 10**9))
def test_decay_approaches_neutral_monotonically(reputation: int, t1: int, t2: int) -> None:
    short, long = sorted((t1, t2))
    near = decay(reputation, short, POLICY)
    far = decay(reputation, long, POLICY)
    assert abs(far - NEUTRAL) <= abs(near - NEUTRAL) <= abs(reputation - NEUTRAL)
    assert (near - NEUTRAL) * (reputation - NEUTRAL) >= 0  # never crosses neutral


@pytest.mark.parametrize(
    "call",
    [
        lambda: observe(1_000_001, Outcome(True, 0, True), POLICY),
        lambda: Outcome(True, -1, True),
        lambda: decay(500_000, -1, POLICY),
        lambda: ReputationPolicy(rate=2_000_000),
        lambda: ReputationPolicy(half_life_s=0),
    ],
)
def test_bad_inputs(call: object) -> None:
    with pytest.raises(DecodeError) as info:
        call()  # type: ignore[operator]
    assert info.value.code is ReasonCode.INT_OUT_OF_RANGE


def test_round_flags_feed_reputation() -> None:
    import numpy as np

    from ailee.fl import ClientUpdate, round_record

    updates = [
        ClientUpdate(
            f"w{k}",
            10,
            (
                (
                    "t",
                    np.array([float(k % 3), 1.0]),
                ),
            ),
        )
        for k in range(6)
    ] + [
        ClientUpdate(
            "w9",
            10,
            (
                (
                    "t",
                    np.array([500.0, -400.0]),
                ),
            ),
        )
    ]
    record = round_record(job="j", round_number=0, rule="median", params={}, updates=updates)
    assert record.flagged == ("w9",)
    before = {"w0": 900_000, "w9": 800_000}
    after = penalise_flagged(before, record.flagged, POLICY)
    assert after == {"w0": 900_000, "w9": 200_000}
    assert before == {"w0": 900_000, "w9": 800_000}  # not modified
    # Flagged twice in one list still counts once; an unknown worker starts neutral.
    assert penalise_flagged({}, ["x", "x"], POLICY) == {"x": penalise(NEUTRAL, POLICY)}
