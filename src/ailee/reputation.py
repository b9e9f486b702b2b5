"""Worker reputation: integer fixed-point updates from verified outcomes, and decay.

Reputation is an integer in parts per million (0..1,000,000; 500,000 is neutral). It
changes only through these pure functions, from explicit inputs (an outcome that was
verified, an elapsed time given in whole seconds), never from a clock:

* :func:`observe`: an exponential moving average toward the outcome's value,
  ``r' = r + (v - r) * rate // PPM``, where the value ``v`` of an outcome is 0 for a
  failure, and for a success ``quality * (timely ? 1 : late_factor)`` (in ppm);
* :func:`decay`: toward neutral over elapsed time, halving the distance every
  ``half_life_s`` seconds (whole half-lives exactly, the remainder linearly);
* :func:`penalise`: a byzantine flag (from federated-learning or telemetry checks)
  multiplies reputation by ``byzantine_factor``.

Integer division floors toward minus infinity; every intermediate fits in Python ints,
and the result is clamped to 0..1,000,000. The formulas are in ``docs/spec.md``
(section 17.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ailee.errors import DecodeError, ReasonCode

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "NEUTRAL",
    "Outcome",
    "ReputationPolicy",
    "decay",
    "observe",
    "penalise",
    "penalise_flagged",
]

PPM: Final = 1_000_000
#: The reputation of a worker with no history.
NEUTRAL: Final = 500_000


def _ppm(value: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= PPM:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"{what}: {value!r} not in [0, {PPM}]")
    return value


def _clamp(value: int) -> int:
    return max(0, min(PPM, value))


@dataclass(frozen=True, slots=True)
class ReputationPolicy:
    """Rates of the reputation rules, each in ppm except ``half_life_s`` (seconds)."""

    rate: int = 100_000
    late_factor: int = 500_000
    half_life_s: int = 30 * 24 * 3600
    byzantine_factor: int = 250_000

    def __post_init__(self) -> None:
        _ppm(self.rate, "rate")
        _ppm(self.late_factor, "late_factor")
        _ppm(self.byzantine_factor, "byzantine_factor")
        if not isinstance(self.half_life_s, int) or self.half_life_s < 1:
            raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, "half_life_s: must be >= 1")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A verified task outcome: success, quality (ppm), and whether it met its deadline."""

    success: bool
    quality: int
    on_time: bool

    def __post_init__(self) -> None:
        _ppm(self.quality, "quality")

    def value(self, policy: ReputationPolicy) -> int:
        """The reputation this outcome alone would deserve (ppm)."""
        if not self.success:
            return 0
        if self.on_time:
            return self.quality
        return self.quality * policy.late_factor // PPM


def observe(reputation: int, outcome: Outcome, policy: ReputationPolicy) -> int:
    """Move ``reputation`` toward the outcome's value by ``rate``."""
    current = _ppm(reputation, "reputation")
    return _clamp(current + (outcome.value(policy) - current) * policy.rate // PPM)


def decay(reputation: int, elapsed_s: int, policy: ReputationPolicy) -> int:
    """Move ``reputation`` toward neutral: the distance halves every ``half_life_s``.

    Whole half-lives halve exactly (floor toward neutral); the remaining fraction of a
    half-life removes that fraction of half the remaining distance (linear in between).
    """
    current = _ppm(reputation, "reputation")
    if not isinstance(elapsed_s, int) or isinstance(elapsed_s, bool) or elapsed_s < 0:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"elapsed_s: {elapsed_s!r} < 0")
    distance = current - NEUTRAL
    sign = 1 if distance >= 0 else -1
    distance = abs(distance)
    halvings, rest = divmod(elapsed_s, policy.half_life_s)
    distance >>= min(halvings, 64)
    distance -= distance * rest // (2 * policy.half_life_s)
    return NEUTRAL + sign * distance


def penalise(reputation: int, policy: ReputationPolicy) -> int:
    """A byzantine flag: multiply by ``byzantine_factor``."""
    return _ppm(reputation, "reputation") * policy.byzantine_factor // PPM


def penalise_flagged(
    reputations: Mapping[str, int], flagged: Iterable[str], policy: ReputationPolicy
) -> dict[str, int]:
    """Reputations after a round's byzantine flags (e.g. :attr:`ailee.fl.RoundRecord.flagged`
    or :func:`ailee.fl.detect_byzantine`'s ids): each flagged worker is penalised once,
    others are unchanged; a new mapping, nothing is modified. A flagged id with no
    reputation starts from :data:`NEUTRAL`."""
    result = dict(reputations)
    for worker in sorted(set(flagged)):
        result[worker] = penalise(result.get(worker, NEUTRAL), policy)
    return result
