"""Privacy accounting: known answers, agreement with numerical integration, composition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from ailee.errors import DecodeError, ReasonCode
from ailee.privacy import (
    DEFAULT_ORDERS,
    Accountant,
    Budget,
    clip_factor,
    epsilon,
    gaussian_noise,
    rdp_subsampled_gaussian,
)


def rdp_by_integration(q: float, sigma: float, alpha: float) -> float:
    """log E_{z~N(0,s^2)}[((1-q) + q exp((2z-1)/(2 s^2)))^alpha] / (alpha - 1), by quad."""

    def integrand(z: float) -> float:
        density = math.exp(-z * z / (2 * sigma**2)) / math.sqrt(2 * math.pi * sigma**2)
        return density * ((1 - q) + q * math.exp((2 * z - 1) / (2 * sigma**2))) ** alpha

    value, _ = integrate.quad(
        integrand, -30 * sigma, 30 * sigma + alpha, limit=500, epsabs=0, epsrel=1e-13
    )
    return math.log(value) / (alpha - 1)


def test_the_fractional_order_case_dp_accounting_gets_wrong() -> None:
    # q = 0.1, sigma = 2, order 1.5: 0.00210 (dp-accounting 0.6.0 says 0.00273).
    value = rdp_subsampled_gaussian(0.1, 2.0, 1.5)
    assert value == pytest.approx(0.0020989345958, rel=1e-9)
    assert value == pytest.approx(rdp_by_integration(0.1, 2.0, 1.5), rel=1e-8)


def test_closed_forms() -> None:
    assert rdp_subsampled_gaussian(0.0, 1.0, 2.0) == 0.0
    assert rdp_subsampled_gaussian(1.0, 2.0, 3.0) == 3.0 / 8.0  # alpha / (2 sigma^2)
    # Integer order 2 by hand: log((1-q)^2 + 2q(1-q) + q^2 e^(1/sigma^2)).
    q, sigma = 0.05, 1.3
    by_hand = math.log((1 - q) ** 2 + 2 * q * (1 - q) + q * q * math.exp(1 / sigma**2))
    assert rdp_subsampled_gaussian(q, sigma, 2.0) == pytest.approx(by_hand, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.001, 0.5),
    st.floats(0.8, 5.0),
    st.sampled_from([1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.5, 7.0, 10.0]),
)
def test_agrees_with_numerical_integration(q: float, sigma: float, alpha: float) -> None:
    assert rdp_subsampled_gaussian(q, sigma, alpha) == pytest.approx(
        rdp_by_integration(q, sigma, alpha), rel=1e-6, abs=1e-12
    )


def test_composition_and_conversion() -> None:
    one = Accountant().compose(0.01, 1.1, 1)
    many = Accountant().compose(0.01, 1.1, 10_000)
    assert many.rdp == pytest.approx([10_000 * r for r in one.rdp])
    split = Accountant().compose(0.01, 1.1, 4_000).compose(0.01, 1.1, 6_000)
    assert split.rdp == pytest.approx(many.rdp)
    improved, classic = many.epsilon(1e-5), many.epsilon(1e-5, improved=False)
    assert 0 < improved < classic
    assert classic == pytest.approx(
        min(r + math.log(1e5) / (a - 1) for a, r in zip(DEFAULT_ORDERS, many.rdp, strict=True))
    )
    # Heterogeneous rounds add up.
    mixed = Accountant().compose(0.01, 1.1, 100).compose(0.05, 2.0, 50)
    parts = [
        100 * rdp_subsampled_gaussian(0.01, 1.1, a) + 50 * rdp_subsampled_gaussian(0.05, 2.0, a)
        for a in DEFAULT_ORDERS
    ]
    assert mixed.rdp == pytest.approx(parts)
    # With nothing spent, epsilon is 0 (the total-variation bound: (0, delta)-DP); the
    # conversions alone would leave what the largest order's gives.
    assert Accountant().epsilon(1e-5) == 0.0
    assert epsilon([512.0], [1e-3], 1e-5) == pytest.approx(
        1e-3 + math.log(511 / 512) - (math.log(1e-5) + math.log(512)) / 511
    )
    # delta^2 > 1 - exp(-r): already (0, delta)-DP, whatever the order.
    assert epsilon([2.0], [0.009], 0.1) == 0.0
    assert epsilon([2.0], [0.011], 0.1) > 0.0


def test_budget_would_exceed_changes_nothing() -> None:
    spent = Accountant().compose(0.01, 1.1, 1_000)
    budget = Budget(epsilon=spent.compose(0.01, 1.1, 500).epsilon(1e-5), delta=1e-5)
    before = spent.rdp
    assert not budget.would_exceed(spent, 0.01, 1.1, 499)
    assert budget.would_exceed(spent, 0.01, 1.1, 600)
    assert spent.rdp == before


def test_clipping_and_seeded_noise() -> None:
    assert clip_factor(0.5, 1.0) == 1.0
    assert clip_factor(4.0, 1.0) == 0.25
    a = gaussian_noise(np.random.default_rng(7), (3,), 1.1, 0.5)
    b = gaussian_noise(np.random.default_rng(7), (3,), 1.1, 0.5)
    assert np.array_equal(a, b)
    assert gaussian_noise(np.random.default_rng(7), (3,), 0.0, 0.5).tolist() == [0.0] * 3


@pytest.mark.parametrize(
    "call",
    [
        lambda: rdp_subsampled_gaussian(1.5, 1.0, 2.0),
        lambda: rdp_subsampled_gaussian(0.1, 0.0, 2.0),
        lambda: rdp_subsampled_gaussian(0.1, 1.0, 1.0),
        lambda: Accountant(orders=(0.5,)),
        lambda: Accountant().compose(0.1, 1.0, -1),
        lambda: epsilon([2.0], [0.1], 1.0),
        lambda: Budget(0.0, 1e-5),
        lambda: clip_factor(1.0, 0.0),
    ],
)
def test_bad_parameters(call: object) -> None:
    with pytest.raises(DecodeError) as info:
        call()  # type: ignore[operator]
    assert info.value.code is ReasonCode.DP_PARAMETER_INVALID
