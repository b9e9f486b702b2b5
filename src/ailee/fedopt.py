"""Adaptive server optimisers for federated learning: FedAdagrad, FedAdam, FedYogi.

Reddi et al., "Adaptive Federated Optimization" (ICLR 2021), Algorithm 2: the server
treats the aggregated client change ``delta = aggregate - model`` as a pseudo-gradient
and keeps first and second moments ``m`` and ``v``:

* ``m = beta1 * m + (1 - beta1) * delta``
* FedAdagrad: ``v = v + delta**2``; FedAdam: ``v = beta2 * v + (1 - beta2) * delta**2``;
  FedYogi: ``v = v - (1 - beta2) * delta**2 * sign(v - delta**2)``
* ``model = model + eta_t * m / (sqrt(v) + tau)``, with FedAdam's bias correction
  ``eta_t = eta * sqrt(1 - beta2**t) / (1 - beta1**t)`` at step ``t`` (1, 2, ...; Kingma
  and Ba), and ``eta_t = eta`` for the other two.

Pure and deterministic: the state is an immutable value passed in and returned; the
hyperparameters are exact fractions (so a round record can commit to them); the moments
are float64 and every operation is elementwise (IEEE addition, multiplication,
division and square root are correctly rounded, so the bits are the same on every
platform), and the bias-correction factor is computed from exact fractions and rounded
once. The new model is rounded to each layer's dtype. Only floating-point layers
(an integer layer is ``FL_BAD_TENSOR``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

from ailee.errors import DecodeError, ReasonCode

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["OPTIMISERS", "OptimiserParams", "OptimiserState", "server_step"]

#: The optimisers, by name.
OPTIMISERS: Final = ("fedadagrad", "fedadam", "fedyogi")

Tensors = tuple[tuple[str, Any], ...]


def _invalid(message: str) -> DecodeError:
    return DecodeError(ReasonCode.FL_PARAMETER_INVALID, message)


@dataclass(frozen=True)
class OptimiserParams:
    """Hyperparameters as exact fractions. Defaults: eta 1/10, beta1 9/10, beta2
    99/100, tau 1/10**9 (flwr's FedAdam defaults)."""

    eta: Fraction = Fraction(1, 10)
    beta1: Fraction = Fraction(9, 10)
    beta2: Fraction = Fraction(99, 100)
    tau: Fraction = Fraction(1, 10**9)

    def __post_init__(self) -> None:
        for name in ("eta", "beta1", "beta2", "tau"):
            if not isinstance(getattr(self, name), Fraction):
                raise _invalid(f"{name} must be a Fraction")
        if not self.eta > 0 or not self.tau > 0:
            raise _invalid("eta and tau must be positive")
        if not 0 <= self.beta1 < 1 or not 0 <= self.beta2 < 1:
            raise _invalid("beta1 and beta2 must be in [0, 1)")


@dataclass(frozen=True, eq=False)
class OptimiserState:
    """The moments (float64 tensors, by layer name) after ``step`` steps."""

    step: int
    m: Tensors
    v: Tensors


def _moments(state: OptimiserState | None, model: Tensors) -> tuple[int, list[Any], list[Any]]:
    import numpy as np

    if state is None:
        zeros = [np.zeros(array.shape, dtype=np.float64) for _, array in model]
        return 0, zeros, [z.copy() for z in zeros]
    layout = [(n, a.shape) for n, a in model]
    if [(n, a.shape) for n, a in state.m] != layout or [(n, a.shape) for n, a in state.v] != layout:
        raise DecodeError(ReasonCode.FL_SHAPE_MISMATCH, "optimiser state and model differ")
    return state.step, [a for _, a in state.m], [a for _, a in state.v]


def server_step(
    optimiser: str,
    model: Sequence[tuple[str, Any]],
    aggregate: Sequence[tuple[str, Any]],
    state: OptimiserState | None = None,
    params: OptimiserParams | None = None,
) -> tuple[Tensors, OptimiserState]:
    """One server step: the new model and the new state (nothing is modified).

    ``model`` is the current global model and ``aggregate`` the round's aggregated
    model (e.g. :func:`ailee.fl.fedavg`'s tensors), both as (name, array) pairs with
    the same names, dtypes and shapes (FL_SHAPE_MISMATCH otherwise).
    """
    import numpy as np

    if optimiser not in OPTIMISERS:
        raise DecodeError(ReasonCode.ENUM_UNKNOWN_VALUE, f"unknown optimiser {optimiser!r}")
    params = params or OptimiserParams()
    model, aggregate = tuple(model), tuple(aggregate)
    layout = [(n, a.dtype, a.shape) for n, a in model]
    if [(n, a.dtype, a.shape) for n, a in aggregate] != layout:
        raise DecodeError(ReasonCode.FL_SHAPE_MISMATCH, "model and aggregate differ in layout")
    if any(a.dtype.kind != "f" for _, a in model):
        raise DecodeError(ReasonCode.FL_BAD_TENSOR, "adaptive optimisers need float layers")
    step, ms, vs = _moments(state, model)
    t = step + 1
    beta1, beta2 = float(params.beta1), float(params.beta2)
    if optimiser == "fedadam":
        # Exact fractions, then one square root of a correctly rounded value.
        eta_t = float(params.eta) * math.sqrt(float(1 - params.beta2**t))
        eta_t /= float(1 - params.beta1**t)
    else:
        eta_t = float(params.eta)
    tau = float(params.tau)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        return _steps(optimiser, model, aggregate, ms, vs, (beta1, beta2, eta_t, tau), t)


def _steps(  # noqa: PLR0917 (one step's inputs, in order)
    optimiser: str,
    model: Tensors,
    aggregate: Tensors,
    ms: list[Any],
    vs: list[Any],
    scalars: tuple[float, float, float, float],
    t: int,
) -> tuple[Tensors, OptimiserState]:
    import numpy as np

    beta1, beta2, eta_t, tau = scalars
    new_model: list[tuple[str, Any]] = []
    new_m: list[tuple[str, Any]] = []
    new_v: list[tuple[str, Any]] = []
    for (name, x), (_, y), m_before, v_before in zip(model, aggregate, ms, vs, strict=True):
        delta = y.astype(np.float64) - x.astype(np.float64)
        m = beta1 * m_before + (1 - beta1) * delta
        square = delta * delta
        if optimiser == "fedadagrad":
            v = v_before + square
        elif optimiser == "fedadam":
            v = beta2 * v_before + (1 - beta2) * square
        else:
            v = v_before - (1 - beta2) * square * np.sign(v_before - square)
        updated = x.astype(np.float64) + eta_t * m / (np.sqrt(v) + tau)
        if not np.isfinite(updated).all():
            raise DecodeError(ReasonCode.FL_NON_FINITE, f"layer {name}: the step overflowed")
        new_model.append((name, updated.astype(x.dtype)))
        new_m.append((name, m))
        new_v.append((name, v))
    return tuple(new_model), OptimiserState(t, tuple(new_m), tuple(new_v))
