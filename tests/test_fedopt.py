"""Adaptive server optimisers: known answers, purity, validation, and flwr side by side."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from ailee.errors import DecodeError, ReasonCode
from ailee.fedopt import OptimiserParams, server_step

if os.environ.get("AILEE_REQUIRE_EXTERNAL_VECTORS") == "1":
    import flwr  # CI: never skipped
else:
    flwr = pytest.importorskip("flwr", reason="flwr not installed")


def tensors(array: np.ndarray) -> tuple[tuple[str, Any], ...]:
    return (("w", array),)


def test_first_fedadam_step_moves_each_coordinate_by_about_eta() -> None:
    """Step 1 with bias correction: m = (1-b1) d, v = (1-b2) d^2, so the step is
    eta * sign(d) * |d| / (|d| + tau / sqrt(1 - b2))."""
    model = np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32)
    aggregate = np.array([1.5, -2.25, 0.5, 2.0], dtype=np.float32)
    new, state = server_step("fedadam", tensors(model), tensors(aggregate))
    assert state.step == 1
    assert new[0][1].dtype == np.float32
    expected = [1.1, -2.1, 0.5, 2.9]  # a zero change does not move
    assert new[0][1].tolist() == pytest.approx(expected, rel=1e-7)
    assert model.tolist() == [1.0, -2.0, 0.5, 3.0]  # inputs unchanged


def test_fedadagrad_accumulates_and_state_is_a_value() -> None:
    params = OptimiserParams(eta=Fraction(1, 2), beta1=Fraction(0), tau=Fraction(1, 10**12))
    model = tensors(np.array([0.0]))
    one, state1 = server_step("fedadagrad", model, tensors(np.array([2.0])), None, params)
    # v = 4, m = 2: 0 + 0.5 * 2 / 2 = 0.5
    assert one[0][1][0] == pytest.approx(0.5)
    two, state2 = server_step("fedadagrad", one, tensors(np.array([2.5])), state1, params)
    # delta 2, v = 8, m = 2: 0.5 + 0.5 * 2 / sqrt(8)
    assert two[0][1][0] == pytest.approx(0.5 + 1 / 8**0.5)
    assert state1.step == 1
    assert state2.step == 2
    assert state1.v[0][1][0] == 4.0  # the earlier state is not modified


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: server_step("fedsgd", tensors(np.zeros(2)), tensors(np.zeros(2))),
         ReasonCode.ENUM_UNKNOWN_VALUE),
        (lambda: server_step("fedadam", tensors(np.zeros(2)), tensors(np.zeros(3))),
         ReasonCode.FL_SHAPE_MISMATCH),
        (lambda: server_step("fedadam", tensors(np.zeros(2, dtype=np.int32)),
                             tensors(np.zeros(2, dtype=np.int32))), ReasonCode.FL_BAD_TENSOR),
        (lambda: OptimiserParams(beta1=Fraction(1)), ReasonCode.FL_PARAMETER_INVALID),
        (lambda: OptimiserParams(eta=Fraction(0)), ReasonCode.FL_PARAMETER_INVALID),
        (lambda: OptimiserParams(tau=0.1), ReasonCode.FL_PARAMETER_INVALID),  # type: ignore[arg-type]
        (lambda: server_step("fedadam", tensors(np.zeros(2)), tensors(np.full(2, 1e300)),
                             None, OptimiserParams(eta=Fraction(10**300))),
         ReasonCode.FL_NON_FINITE),
    ],
)  # fmt: skip
def test_invalid_inputs(call: Any, code: ReasonCode) -> None:
    with pytest.raises(DecodeError) as info:
        call()
    assert info.value.code is code


def _flwr_strategy(name: str, initial: np.ndarray) -> Any:
    from flwr.common import ndarrays_to_parameters
    from flwr.server.strategy import FedAdagrad, FedAdam, FedYogi

    cls = {"fedadam": FedAdam, "fedyogi": FedYogi, "fedadagrad": FedAdagrad}[name]
    return cls(initial_parameters=ndarrays_to_parameters([initial]))


def _flwr_step(strategy: Any, aggregate: np.ndarray, server_round: int) -> np.ndarray:
    from flwr.common import Code, FitRes, Status, ndarrays_to_parameters, parameters_to_ndarrays

    fit = FitRes(Status(Code.OK, ""), ndarrays_to_parameters([aggregate]), 10, {})
    parameters, _ = strategy.aggregate_fit(server_round, [(None, fit)], [])
    return parameters_to_ndarrays(parameters)[0]  # type: ignore[no-any-return]


FLWR_PARAMS = {  # flwr's defaults, as fractions
    "fedadam": OptimiserParams(),
    "fedyogi": OptimiserParams(eta=Fraction(1, 100), tau=Fraction(1, 1000)),
    "fedadagrad": OptimiserParams(beta1=Fraction(0)),
}


@pytest.mark.parametrize("name", ["fedadam", "fedyogi", "fedadagrad"])
def test_agrees_with_flwr_over_several_rounds(name: str) -> None:
    """Same updates, same results within a few float64 ulps (flwr computes beta**t with
    np.power; ailee from exact fractions). flwr's FedAdam bias correction uses
    ``server_round + 1``, one step ahead of Kingma and Ba's t (server rounds count from
    1), so round t of ailee matches flwr called with server_round = t - 1."""
    rng = np.random.default_rng(7)
    model = tensors(rng.normal(0, 1, 64))
    strategy = _flwr_strategy(name, model[0][1])
    state = None
    for t in range(1, 6):
        aggregate = model[0][1] + rng.normal(0, 0.1, 64)
        theirs = _flwr_step(strategy, aggregate, t - 1)
        model, state = server_step(name, model, tensors(aggregate), state, FLWR_PARAMS[name])
        np.testing.assert_allclose(model[0][1], theirs, rtol=1e-14, atol=1e-15)


def test_flwr_fedadam_bias_correction_is_one_step_ahead() -> None:
    """Called the way flwr calls it (server_round = 1 for the first round), its first
    step uses beta**2 where Adam's first step uses beta**1: the steps differ."""
    rng = np.random.default_rng(3)
    model = rng.normal(0, 1, 16)
    aggregate = model + rng.normal(0, 0.1, 16)
    theirs = _flwr_step(_flwr_strategy("fedadam", model), aggregate, 1)
    ours, _ = server_step("fedadam", tensors(model), tensors(aggregate))
    ours_step = np.abs(ours[0][1] - model)
    theirs_step = np.abs(theirs - model)
    # Adam's first step is ~eta in every coordinate; flwr's is
    # eta * sqrt(1 - b2^2) / (1 - b1^2) * (1 - b1) / sqrt(1 - b2)
    # = eta * sqrt(1 + b2) / (1 + b1) ~ 0.742 eta.
    assert ours_step == pytest.approx(np.full(16, 0.1), rel=1e-4)  # tau: |d| / (|d| + tau)
    assert theirs_step == pytest.approx(np.full(16, 0.1 * 1.99**0.5 / 1.9), rel=1e-4)
