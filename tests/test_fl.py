"""Federated aggregation: exact to 1 ulp, order-invariant, validated, commitments stable."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.errors import DecodeError, ReasonCode
from ailee.fl import (
    ClientUpdate,
    aggregate,
    fedavg,
    krum,
    median,
    trimmed_mean,
    update_commitment,
)


def update(client: str, n: int, *arrays: np.ndarray) -> ClientUpdate:
    return ClientUpdate(client, n, tuple((f"t{k}", a) for k, a in enumerate(arrays)))


def exact_mean(values: list[float], weights: list[int]) -> Fraction:
    return sum((Fraction(v) * w for v, w in zip(values, weights, strict=True)), Fraction(0)) / sum(
        weights
    )


def rounded(exact: Fraction, dtype: type) -> float:
    """The float of ``dtype`` nearest ``exact``, ties to even, zero as +0: written from
    the definition (scale to the format's precision, round the integer half to even)."""
    mantissa_bits, min_exponent = (24, -149) if dtype is np.float32 else (53, -1074)
    if exact == 0:
        return 0.0
    magnitude = abs(exact)
    e = magnitude.numerator.bit_length() - magnitude.denominator.bit_length() - mantissa_bits
    while magnitude >= Fraction(2) ** (e + mantissa_bits):
        e += 1
    while magnitude < Fraction(2) ** (e + mantissa_bits - 1):
        e -= 1
    e = max(e, min_exponent)  # subnormals: a fixed quantum
    m = round(magnitude / Fraction(2) ** e)  # Fraction rounds half to even
    value = float(Fraction(m) * Fraction(2) ** e)
    return (value if exact > 0 else -value) + 0.0


def exactly_rounded(value: float, exact: Fraction, dtype: type) -> bool:
    """``value`` is the correctly rounded ``exact``, bit for bit (the sign of zero too)."""
    want = np.array(rounded(exact, dtype), dtype=dtype)
    return np.array(value, dtype=dtype).tobytes() == want.tobytes()


floats32 = st.floats(-1e6, 1e6, width=32, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.lists(floats32, min_size=4, max_size=4), st.integers(1, 1000)),
             min_size=1, max_size=8),
    st.randoms(use_true_random=False),
)  # fmt: skip
def test_fedavg_within_one_ulp_and_order_free(
    clients: list[tuple[list[float], int]], rnd: random.Random
) -> None:
    updates = [
        update(f"c{k:02d}", n, np.array(values, dtype=np.float32))
        for k, (values, n) in enumerate(clients)
    ]
    result = fedavg(updates)
    shuffled = list(updates)
    rnd.shuffle(shuffled)
    again = fedavg(shuffled)
    assert np.array_equal(result.tensors[0][1], again.tensors[0][1])
    assert result.tensors[0][1].dtype == np.float32
    for i in range(4):
        exact = exact_mean([v[i] for v, _ in clients], [n for _, n in clients])
        assert exactly_rounded(result.tensors[0][1][i], exact, np.float32)


def test_fedavg_float64_with_cancellation() -> None:
    big = update("a", 1, np.array([1e16, 1.0, -3.5], dtype=np.float64))
    small = update("b", 3, np.array([-1e16 / 3, 3.0, 7.25], dtype=np.float64))
    result = fedavg([big, small]).tensors[0][1]
    for i, values in enumerate([[1e16, -1e16 / 3], [1.0, 3.0], [-3.5, 7.25]]):
        exact = exact_mean(values, [1, 3])
        assert exactly_rounded(result[i], exact, np.float64)


def test_fedavg_integer_layers_are_exact_and_rounded_half_to_even() -> None:
    a = update("a", 1, np.array([1, 2, -3, 2**62], dtype=np.int64))
    b = update("b", 1, np.array([2, 2, -4, 2**62], dtype=np.int64))
    result = fedavg([a, b]).tensors[0][1]
    assert result.dtype == np.int64
    assert result.tolist() == [2, 2, -4, 2**62]  # 1.5 -> 2, -3.5 -> -4 (half to even)
    u8 = fedavg([update("a", 3, np.array([255], dtype=np.uint8)),
                 update("b", 1, np.array([0], dtype=np.uint8))])  # fmt: skip
    assert u8.tensors[0][1].tolist() == [191]  # 765 / 4 = 191.25


def test_inputs_are_not_mutated_and_commitments_are_stable() -> None:
    array = np.array([1.5, 2.5], dtype=np.float32)
    u = update("a", 2, array)
    before = update_commitment(u)
    fedavg([u, update("b", 1, np.array([0.5, 0.5], dtype=np.float32))])
    assert array.tolist() == [1.5, 2.5]
    assert update_commitment(u) == before
    assert update_commitment(update("a", 3, array)) != before
    # The commitment covers values as little-endian bytes, whatever the array's layout.
    assert update_commitment(update("a", 2, array.astype(">f4"))) == before
    assert update_commitment(update("a", 2, array.copy())) == before


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: update("a", 0, np.zeros(2)), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: update("a", 1, np.array([np.nan])), ReasonCode.FL_NON_FINITE),
        (lambda: update("a", 1, np.array([np.inf], dtype=np.float32)), ReasonCode.FL_NON_FINITE),
        (lambda: update("a", 1, np.array(["x"])), ReasonCode.FL_BAD_TENSOR),
        (lambda: update("a", 1, np.array([2.0**961])), ReasonCode.FL_BAD_TENSOR),
        (lambda: ClientUpdate("a", 1, (("b", np.zeros(1)), ("a", np.zeros(1)))),
         ReasonCode.LIST_NOT_SORTED_UNIQUE),
        (lambda: fedavg([]), ReasonCode.FL_PARAMETER_INVALID),
        (lambda: fedavg([update("a", 1, np.zeros(2)), update("b", 1, np.zeros(3))]),
         ReasonCode.FL_SHAPE_MISMATCH),
        (lambda: fedavg([update("a", 1, np.zeros(2)), update("a", 1, np.zeros(2))]),
         ReasonCode.SECTION_DUPLICATE_KEY),
        (lambda: krum([update(f"c{k}", 1, np.zeros(2)) for k in range(4)], 1),
         ReasonCode.FL_PARAMETER_INVALID),  # n = 4 is not > 2f + 2
        (lambda: krum([update(f"c{k}", 1, np.zeros(2)) for k in range(5)], 1, m=5),
         ReasonCode.FL_PARAMETER_INVALID),
        (lambda: trimmed_mean([update("a", 1, np.zeros(2))], Fraction(1, 2)),
         ReasonCode.FL_PARAMETER_INVALID),
        (lambda: trimmed_mean([update("a", 1, np.zeros(2))], 0.2),  # type: ignore[arg-type]
         ReasonCode.FL_PARAMETER_INVALID),
    ],
)  # fmt: skip
def test_validation(make: object, code: ReasonCode) -> None:
    with pytest.raises(DecodeError) as info:
        make()  # type: ignore[operator]
    assert info.value.code is code


def _krum_reference(flat: list[np.ndarray], f: int) -> int:
    """Krum by the paper, with exact distances (fractions), ties by position."""
    n = len(flat)
    scores = []
    for i in range(n):
        dists = sorted(
            sum(
                (Fraction(float(a)) - Fraction(float(b))) ** 2
                for a, b in zip(flat[i], flat[j], strict=True)
            )
            for j in range(n)
            if j != i
        )
        scores.append(sum(dists[: n - f - 2]))
    return min(range(n), key=lambda i: (scores[i], i))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2), st.data(), st.sampled_from([0.0, 1e7, 1e8, -1e9]))
def test_krum_picks_the_paper_winner_at_any_offset(
    f: int, data: st.DataObject, offset: float
) -> None:
    n = 2 * f + 3 + data.draw(st.integers(0, 3))
    rows = [
        np.array(
            data.draw(st.lists(st.integers(-50, 50), min_size=3, max_size=3)), dtype=np.float64
        )
        / 8
        + offset
        for _ in range(n)
    ]
    updates = [update(f"c{k:02d}", 1, row) for k, row in enumerate(rows)]
    result = krum(updates, f)
    assert result.selected == (f"c{_krum_reference(rows, f):02d}",)
    assert len(result.excluded) == n - 1


def test_multi_krum_is_a_plain_mean_of_the_chosen() -> None:
    rows = [np.array([float(k)]) for k in (0, 1, 2, 3, 100)]
    updates = [update(f"c{k}", 10 * (k + 1), row) for k, row in enumerate(rows)]
    result = krum(updates, f=1, m=3)
    assert set(result.selected) == {"c0", "c1", "c2"} or set(result.selected) == {"c1", "c2", "c3"}
    chosen = [float(rows[int(c[1:])][0]) for c in result.selected]
    assert result.tensors[0][1][0] == sum(chosen) / 3


def test_median_and_trimmed_mean() -> None:
    rows = [np.array([float(v), float(-v)], dtype=np.float32) for v in (5, 1, 9, 3, 100)]
    updates = [update(f"c{k}", 1, row) for k, row in enumerate(rows)]
    assert median(updates).tensors[0][1].tolist() == [5.0, -5.0]
    assert median(updates[:4]).tensors[0][1].tolist() == [4.0, -4.0]
    # beta = 1/5 of 5 clients: drop 1 at each end per coordinate: mean of 3, 5, 9.
    assert trimmed_mean(updates, Fraction(1, 5)).tensors[0][1].tolist() == pytest.approx(
        [17 / 3, -17 / 3]
    )
    # The exact trimmed count: floor(29/100 * 100) is 29, not 28.
    many = [update(f"c{k:03d}", 1, np.array([float(k)])) for k in range(100)]
    result = trimmed_mean(many, Fraction(29, 100)).tensors[0][1]
    assert result[0] == pytest.approx(sum(range(29, 71)) / 42)
    ints = [update(f"c{k}", 1, np.array([v], dtype=np.int32)) for k, v in enumerate((1, 2, 4, 8))]
    assert median(ints).tensors[0][1].tolist() == [3]


def test_bulyan_iterative_selection_and_trimming() -> None:
    from ailee.fl import bulyan

    # 7 clients, f = 1: theta = 5 selected by repeated Krum, beta = 3 kept per coordinate.
    values = [0.0, 1.0, 2.0, 3.0, 4.0, 100.0, -100.0]
    updates = [update(f"c{k}", 1, np.array([v, -v])) for k, v in enumerate(values)]
    result = bulyan(updates, 1)
    assert len(result.selected) == 5
    assert "c5" not in result.selected
    assert "c6" not in result.selected
    assert result.tensors[0][1].tolist() == [2.0, -2.0]  # median 2, closest 1, 2, 3
    with pytest.raises(DecodeError) as info:
        bulyan(updates[:6], 1)  # n = 6 < 4f + 3
    assert info.value.code is ReasonCode.FL_PARAMETER_INVALID
    shuffled = list(reversed(updates))
    assert bulyan(shuffled, 1).selected == result.selected


def test_byzantine_detection_flags_the_outlier() -> None:
    from ailee.fl import detect_byzantine, robust_z_scores

    rng = np.random.default_rng(3)
    honest = [update(f"c{k:02d}", 1, rng.normal(0, 1, 50)) for k in range(20)]
    evil = update("zz", 1, rng.normal(0, 1, 50) + 40)
    flags = detect_byzantine([*honest, evil])
    assert [client for client, _ in flags] == ["zz"]
    assert flags[0][1] > 3.5
    assert detect_byzantine(honest) == ()
    assert robust_z_scores([1.0, 1.0, 1.0, 5.0]) == [0.0, 0.0, 0.0, float("inf")]
    # MAD, not the mean absolute deviation: 0.6745 * (10 - 2) / 1.
    assert robust_z_scores([1.0, 2.0, 3.0, 2.0, 10.0])[-1] == pytest.approx(0.6745 * 8)


def test_fedprox_helpers_use_the_squared_norm() -> None:
    from ailee.fl import fedprox, proximal_gradient, proximal_term

    local = update("a", 1, np.array([1.0, 2.0]), np.array([3.0]))
    glob = update("g", 1, np.array([0.0, 0.0]), np.array([1.0]))
    assert proximal_term(local, glob, 0.5) == 0.25 * (1 + 4 + 4)
    grads = proximal_gradient(local, glob, 0.5)
    assert [g.tolist() for _, g in grads] == [[0.5, 1.0], [1.0]]
    ups = [local, update("b", 3, np.array([0.0, 0.0]), np.array([1.0]))]
    assert np.array_equal(fedprox(ups).tensors[0][1], fedavg(ups).tensors[0][1])
    with pytest.raises(DecodeError):
        proximal_term(local, glob, -1.0)
    with pytest.raises(DecodeError):
        proximal_term(local, update("g", 1, np.array([0.0])), 1.0)


def test_round_records_recompute_and_catch_changes() -> None:
    import dataclasses

    from ailee.errors import VerificationError
    from ailee.fl import round_epsilon, round_record, verify_round

    rng = np.random.default_rng(4)
    updates = [update(f"c{k}", 10 + k, rng.normal(0, 1, 6).astype(np.float32)) for k in range(7)]
    record = round_record(
        job="job-1", round_number=3, rule="krum", params={"f": 1, "m": 2}, updates=updates,
        privacy_events=[(0.01, 1.1, 100)],
    )  # fmt: skip
    verify_round(record, list(reversed(updates)))
    assert round_epsilon(record, 1e-5) > 0
    assert len(record.selected) == 2
    with pytest.raises(VerificationError) as info:
        verify_round(record, updates[:-1])
    assert info.value.code is ReasonCode.FL_ROUND_INPUTS_MISMATCH
    changes = [
        {"selected": ("c0", "c1")},
        {"output": bytes(32)},
        {"params": (("f", 1), ("m", 3))},  # (f = 2 happens to select the same pair)
        {"flagged": ("c3",)},
        {"excluded": ()},
    ]
    for change in changes:
        with pytest.raises(VerificationError) as info:
            verify_round(dataclasses.replace(record, **change), updates)
        assert info.value.code is ReasonCode.FL_ROUND_MISMATCH
    # The privacy events are declared, not derived from the updates: recomputing keeps
    # them; the epsilon they spend is recomputed from them (round_epsilon).
    # The record holds no float: its canonical value encodes.
    from ailee import encoding

    assert encoding.decode(encoding.encode(record.to_cbor_value())) == record.to_cbor_value()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1e7, 1e7, width=32, allow_nan=False), min_size=2, max_size=6),
    st.lists(st.integers(1, 2**20), min_size=6, max_size=6),
    st.floats(-0.0009765625, 0.0009765625, width=32, allow_nan=False),
)
def test_fedavg_float32_under_cancellation(
    values: list[float], counts: list[int], tiny: float
) -> None:
    """Opposite values that nearly cancel force the compensated fallback; still 1 ulp."""
    mirrored = [*values, *(-v for v in values), tiny]
    weights = [*counts[: len(values)], *counts[: len(values)], 1]
    updates = [
        update(f"c{k:02d}", n, np.array([v], dtype=np.float32))
        for k, (v, n) in enumerate(zip(mirrored, weights, strict=True))
    ]
    result = fedavg(updates).tensors[0][1][0]
    exact = exact_mean([float(np.float32(v)) for v in mirrored], weights)
    assert exactly_rounded(result, exact, np.float32)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(-(2.0**900), 2.0**900, allow_nan=False, allow_subnormal=True),
        min_size=1,
        max_size=5,
    ),
    st.lists(st.integers(1, 2**25), min_size=5, max_size=5),
    st.floats(-1e-300, 1e-300, allow_nan=False, allow_subnormal=True),
)
def test_fedavg_float64_any_range_and_cancellation(
    values: list[float], counts: list[int], tiny: float
) -> None:
    """float64 layers, magnitudes from subnormal to 2**900, opposite values that cancel
    exactly around a tiny one: the result stays within 1 ulp of the exact mean."""
    mirrored = [*values, *(-v for v in values), tiny]
    weights = [*counts[: len(values)], *counts[: len(values)], 3]
    updates = [
        update(f"c{k:02d}", n, np.array([v, v / 3, tiny], dtype=np.float64))
        for k, (v, n) in enumerate(zip(mirrored, weights, strict=True))
    ]
    result = fedavg(updates).tensors[0][1]
    for column in range(3):
        column_values = [float(np.float64(u.tensors[0][1][column])) for u in updates]
        assert exactly_rounded(result[column], exact_mean(column_values, weights), np.float64)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-(2.0**100), 2.0**100, width=32, allow_nan=False, allow_subnormal=True),
    st.integers(1, 2**20),
    st.sampled_from([0.0, 2.0**-90, -(2.0**-90), 2.0**-140]),
    st.sampled_from([np.float32, np.float64]),
)
def test_fedavg_rounds_ties_and_near_ties_correctly(
    x: float, n: int, nudge: float, dtype: type
) -> None:
    """Two neighbouring values with equal weights average to the exact midpoint
    between them (a tie: to even); a tiny third value moves it just off the tie."""
    low = np.array([x], dtype=dtype)
    high = np.nextafter(low, dtype(np.inf))
    updates = [update("a", n, low), update("b", n, high)]
    if nudge:
        updates.append(update("c", 1, np.array([nudge], dtype=dtype)))
    values = [float(low[0]), float(high[0])] + ([float(dtype(nudge))] if nudge else [])
    weights = [n, n] + ([1] if nudge else [])
    result = fedavg(updates).tensors[0][1][0]
    assert exactly_rounded(result, exact_mean(values, weights), dtype)


def test_scalar_tensors_aggregate_under_every_rule() -> None:
    """0-d tensors (a learning rate, a step counter) go through every rule."""
    updates = [
        update(f"c{k}", k + 1, np.array(0.5 * k, dtype=np.float64), np.array(k, dtype=np.int32))
        for k in range(7)
    ]
    for rule, params in [("fedavg", {}), ("krum", {"f": 1, "m": 2}), ("median", {}),
                         ("trimmed_mean", {"beta": [1, 7]}), ("bulyan", {"f": 1})]:  # fmt: skip
        result = aggregate(rule, updates, params)
        assert [t.shape for _, t in result.tensors] == [(), ()]
    mean = fedavg(updates).tensors[0][1]
    assert mean == exact_mean([0.5 * k for k in range(7)], list(range(1, 8))) == 2  # 56 / 28
