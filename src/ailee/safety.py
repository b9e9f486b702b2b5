"""Circuit breakers: pure state machines over explicit samples, and the admissions they gate.

Nothing here reads a clock, a socket or a file: a breaker's status changes only when a
caller feeds it a sample that names its Bitcoin ``height``. So the operator's node and
an auditor who holds the same samples compute the same statuses, byte for byte. The
breakers are an operator-side fail-safe; Bitcoin enforces none of them
(``docs/safety.md``).

* :class:`BreakerPolicy`: every threshold, an integer (ratios in parts per million,
  sizes in bytes, latency in milliseconds, windows in blocks, amounts in satoshis).
  The defaults are the original AILEE implementation's numbers.
* The node breaker: :func:`step` moves a :class:`NodeStatus` through
  :class:`Level` OPTIMIZED < SOFT_TRIP < SAFE_MODE < CRITICAL on a
  :class:`MetricsSample`. Escalation is immediate; de-escalation is one level at a
  time, after ``hysteresis_blocks`` consecutive healthy heights. The scheduler opens
  the circuit of a node at SAFE_MODE or worse (:func:`open_circuits`,
  :func:`with_circuits`).
* The bridge breakers: :func:`step_bridge` moves a :class:`BridgeStatus` on a
  :class:`BridgeSample`: collateral below the policy and SPV failures above it halt
  peg-ins, fewer active signers than the threshold is an emergency, and the peg-out
  volume of a window of blocks is limited. :func:`admit_pegin` and
  :func:`admit_pegout` are what the bridge consults.

Every ratio is compared by cross-multiplication of integers; nothing is a float.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.fields import AmountField, EnumField, Form, UIntField, expect_object, wrong_type
from ailee.limits import MAX_AMOUNT, MAX_SIGNERS, MAX_UINT

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ailee.scheduling import Worker

__all__ = [
    "CONDITION_LEVELS",
    "MAX_HEIGHT",
    "MAX_WINDOW_BLOCKS",
    "PPM",
    "BreakerPolicy",
    "BridgeCondition",
    "BridgeSample",
    "BridgeStatus",
    "Condition",
    "Level",
    "MetricsSample",
    "NodeStatus",
    "WindowEntry",
    "admit_pegin",
    "admit_pegout",
    "conditions",
    "demanded_level",
    "drift_ppm",
    "open_circuits",
    "step",
    "step_bridge",
    "with_circuits",
]

#: One million: ratios are integers in parts per million.
PPM: Final = 1_000_000
#: Longest window or hold a policy may set, in blocks (two difficulty periods, ~4 weeks).
MAX_WINDOW_BLOCKS: Final = 4_032
#: Highest height a sample or a status may name: 2^53 - 2, so that a run starting just
#: after it (``height + 1``) is still at most 2^53 - 1 (INT_OUT_OF_RANGE above).
MAX_HEIGHT: Final = MAX_UINT - 1


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """The thresholds of every breaker. Every field is an ``int``; the defaults are the
    original AILEE implementation's numbers (``docs/safety.md`` names each source).

    ``BOUNDS`` gives each field's inclusive range. Construction checks each field's type
    and range, then the rules between fields (``warn_latency_ms <= max_latency_ms``,
    ``resume_collateral_ppm >= min_collateral_ppm``), and raises
    ``DecodeError(BREAKER_POLICY_INVALID, "breakers.<field>: ...")`` on the first
    fault, fields in declaration order.
    """

    # --- node breaker (the original's ailee_circuit_breaker, canonical v1.4) ---------
    #: A proposed block above this many bytes trips ``block_size`` (MAX_SAFE_BLOCK_SIZE_MB 4.0).
    max_block_size: int = 4_000_000
    #: Latency above this trips ``latency`` (MAX_LATENCY_TOLERANCE_MS 2000).
    max_latency_ms: int = 2_000
    #: Latency above this (and not above ``max_latency_ms``) trips ``latency_warn``
    #: (the original's soft signal at 75% of the tolerance).
    warn_latency_ms: int = 1_500
    #: Fewer peers than this trips ``peers`` (MIN_PEER_COUNT 8).
    min_peers: int = 8
    #: An EIS change above this trips ``eis_change`` (MAX_ENTROPY_SURGE_DELTA 0.35).
    max_eis_change_ppm: int = 350_000
    #: An EIS below this trips ``eis_low`` (MIN_EIS_FOR_OPTIMIZATION 0.2).
    min_eis_ppm: int = 200_000
    #: A drift above this trips ``drift`` (MAX_AI_DRIFT_SCORE 0.6).
    max_drift_ppm: int = 600_000
    #: A sensor confidence below this trips ``sensor_confidence`` (the soft signal 0.25).
    min_sensor_confidence_ppm: int = 250_000
    #: This many conditions of one level or above, at once, raise the level by one
    #: (the original's ``softSignals >= 3``).
    concurrent_trips: int = 3
    #: A level demanded for this many consecutive heights raises the demand by one
    #: (the original's persistent low EIS, over its 10-block transition hysteresis).
    persist_blocks: int = 10
    #: Consecutive healthy heights before a breaker steps down or clears
    #: (TRANSITION_HYSTERESIS_BLOCKS 10).
    hysteresis_blocks: int = 10
    # --- bridge breakers (the original's docs, "Emergency Procedures") --------------
    #: Reserves below this share of liabilities halt peg-ins ("Collateralization < 90%").
    min_collateral_ppm: int = 900_000
    #: Peg-ins resume only at or above this share ("Normal operations resume at >95%").
    resume_collateral_ppm: int = 950_000
    #: The peg-out rate window, in blocks (6, about the original's one hour).
    pegout_window_blocks: int = 6
    #: Peg-out volume allowed per window, in satoshis ("Abnormal peg volume (>1000 BTC/h)").
    pegout_window_limit: int = 100_000_000_000
    #: The SPV failure window, in blocks (ailee's choice: one day; the original names none).
    spv_window_blocks: int = 144
    #: Fewer SPV checks than this in the window never trip (ailee's choice).
    spv_min_checks: int = 20
    #: An SPV failure rate above this halts peg-ins ("SPV proof failures > 5%").
    max_spv_failure_ppm: int = 50_000

    BOUNDS: ClassVar[dict[str, tuple[int, int]]] = {
        "max_block_size": (1_000, 1_000_000_000),
        "max_latency_ms": (1, 3_600_000),
        "warn_latency_ms": (1, 3_600_000),
        "min_peers": (1, 1_000),
        "max_eis_change_ppm": (0, PPM),
        "min_eis_ppm": (0, PPM),
        "max_drift_ppm": (0, 100 * PPM),
        "min_sensor_confidence_ppm": (0, PPM),
        "concurrent_trips": (2, 7),
        "persist_blocks": (1, MAX_WINDOW_BLOCKS),
        "hysteresis_blocks": (1, MAX_WINDOW_BLOCKS),
        "min_collateral_ppm": (1, 2 * PPM),
        "resume_collateral_ppm": (1, 2 * PPM),
        "pegout_window_blocks": (1, MAX_WINDOW_BLOCKS),
        "pegout_window_limit": (1, MAX_AMOUNT),
        "spv_window_blocks": (1, MAX_WINDOW_BLOCKS),
        "spv_min_checks": (1, PPM),
        "max_spv_failure_ppm": (0, PPM),
    }

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            low, high = self.BOUNDS[field.name]
            if not isinstance(value, int) or isinstance(value, bool):
                raise DecodeError(
                    ReasonCode.BREAKER_POLICY_INVALID,
                    f"breakers.{field.name}: expected an integer, got {type(value).__name__}",
                )
            if not low <= value <= high:
                raise DecodeError(
                    ReasonCode.BREAKER_POLICY_INVALID,
                    f"breakers.{field.name}: {value} not in [{low}, {high}]",
                )
        if self.warn_latency_ms > self.max_latency_ms:
            raise DecodeError(
                ReasonCode.BREAKER_POLICY_INVALID,
                f"breakers.warn_latency_ms: {self.warn_latency_ms} above max_latency_ms "
                f"{self.max_latency_ms}",
            )
        if self.resume_collateral_ppm < self.min_collateral_ppm:
            raise DecodeError(
                ReasonCode.BREAKER_POLICY_INVALID,
                f"breakers.resume_collateral_ppm: {self.resume_collateral_ppm} below "
                f"min_collateral_ppm {self.min_collateral_ppm}",
            )

    def to_json(self) -> dict[str, int]:
        """The JSON object of the policy: every field, in declaration order."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @classmethod
    def from_json(cls, value: object, path: str = "policy") -> BreakerPolicy:
        """Read a policy from its JSON object, strictly: every field present, no other
        (``SCHEMA_*``), each an integer (``SCHEMA_WRONG_TYPE``), then the checks of
        construction (``BREAKER_POLICY_INVALID``)."""
        names = tuple(field.name for field in dataclasses.fields(cls))
        obj: dict[str, Any] = expect_object(value, path, names)
        for name in names:
            if not isinstance(obj[name], int) or isinstance(obj[name], bool):
                raise wrong_type(f"{path}.{name}", "integer", obj[name])
        return cls(**{name: obj[name] for name in names})


# --- shared reading helpers ----------------------------------------------------------

_UINT: Final = UIntField()
_HEIGHT: Final = UIntField(maximum=MAX_HEIGHT)
_RATIO: Final = UIntField(maximum=PPM)
_AMOUNT: Final = AmountField()
_SampleT = TypeVar("_SampleT", "MetricsSample", "BridgeSample", "WindowEntry")


def _check_kinds(instance: Any, kinds: tuple[tuple[str, Any], ...], path: str) -> None:
    """Check each field of ``instance`` against its kind (the codes of ailee.fields)."""
    for name, kind in kinds:
        kind.read(getattr(instance, name), Form.JSON, f"{path}.{name}")


def _read_kinds(cls: type[_SampleT], value: object, path: str) -> _SampleT:
    obj = expect_object(value, path, tuple(name for name, _ in cls.KINDS))
    values = {name: kind.read(obj[name], Form.JSON, f"{path}.{name}") for name, kind in cls.KINDS}
    return cls(**values)


def _optional_height(value: object, path: str, kind: UIntField = _HEIGHT) -> int | None:
    """A status's height (at most MAX_HEIGHT), or a run's start (``kind`` _UINT: at most
    2^53 - 1, since a run may start at ``height + 1``); ``None`` when absent."""
    return None if value is None else kind.read(value, Form.JSON, path)


def _flag(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise wrong_type(path, "boolean", value)
    return value


def _bad_status(path: str, message: str) -> DecodeError:
    return DecodeError(ReasonCode.BREAKER_STATUS_INVALID, f"{path}: {message}")


def _check_height(before: int | None, height: int, what: str) -> None:
    if before is not None and height < before:
        raise VerificationError(
            ReasonCode.BREAKER_HEIGHT_REGRESSION,
            f"{what} sample at height {height}, below the status height {before}",
        )


def _span(start: int, height: int) -> int:
    """Heights ``start..height`` inclusive: a sample holds until the next one."""
    return height - start + 1


# --- the node breaker ----------------------------------------------------------------


class Level(IntEnum):
    """The node breaker's states, in order of severity (the original's SystemState).

    OPTIMIZED: full optimization allowed. SOFT_TRIP: optimization constrained, not
    disabled. SAFE_MODE: optimization disabled, Bitcoin's standard rules only; the
    scheduler gives the node no work. CRITICAL: the node is halted until an operator
    intervenes (the breaker itself still steps down after a healthy run).
    """

    OPTIMIZED = 0
    SOFT_TRIP = 1
    SAFE_MODE = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        """The level's name in JSON: ``optimized``, ``soft_trip``, ``safe_mode``, ``critical``."""
        return self.name.lower()


_LEVEL_LABELS: Final = tuple(level.label for level in Level)


class Condition(StrEnum):
    """A node condition a sample can meet. The value is its stable name."""

    BLOCK_SIZE = "block_size"
    DRIFT = "drift"
    EIS_CHANGE = "eis_change"
    EIS_LOW = "eis_low"
    LATENCY = "latency"
    LATENCY_WARN = "latency_warn"
    NO_PEERS = "no_peers"
    PEERS = "peers"
    SENSOR_CONFIDENCE = "sensor_confidence"


#: The level each condition demands on its own.
CONDITION_LEVELS: Final[dict[Condition, Level]] = {
    Condition.BLOCK_SIZE: Level.SAFE_MODE,
    Condition.DRIFT: Level.SAFE_MODE,
    Condition.EIS_CHANGE: Level.SOFT_TRIP,
    Condition.EIS_LOW: Level.SOFT_TRIP,
    Condition.LATENCY: Level.SAFE_MODE,
    Condition.LATENCY_WARN: Level.SOFT_TRIP,
    Condition.NO_PEERS: Level.CRITICAL,
    Condition.PEERS: Level.SAFE_MODE,
    Condition.SENSOR_CONFIDENCE: Level.SOFT_TRIP,
}


@dataclass(frozen=True, slots=True)
class MetricsSample:
    """One node's measurements at Bitcoin height ``height``.

    ``block_size`` is the proposed block's size in bytes; ``latency_ms`` the network
    latency; ``peers`` the connected peers; ``eis_ppm`` the energy integrity score and
    ``eis_change_ppm`` its absolute change since the previous measurement, both in ppm
    of 1; ``drift_ppm`` the optimizer's drift (see :func:`drift_ppm`);
    ``sensor_confidence_ppm`` the telemetry sensors' confidence.
    """

    height: int
    block_size: int
    latency_ms: int
    peers: int
    eis_ppm: int
    eis_change_ppm: int
    drift_ppm: int
    sensor_confidence_ppm: int

    KINDS: ClassVar = (
        ("height", _HEIGHT),
        ("block_size", _UINT),
        ("latency_ms", _UINT),
        ("peers", _UINT),
        ("eis_ppm", _RATIO),
        ("eis_change_ppm", _RATIO),
        ("drift_ppm", _UINT),
        ("sensor_confidence_ppm", _RATIO),
    )

    def __post_init__(self) -> None:
        _check_kinds(self, self.KINDS, "sample")

    def to_json(self) -> dict[str, int]:
        """The JSON object of the sample."""
        return {name: getattr(self, name) for name, _ in self.KINDS}

    @classmethod
    def from_json(cls, value: object, path: str = "sample") -> MetricsSample:
        """Read a sample from its JSON object (every field, no other)."""
        return _read_kinds(cls, value, path)


def drift_ppm(target: int, proposed: int) -> int:
    """The drift of a proposed block size from the target, in ppm of the target:
    ``ceil(|proposed - target| * 1,000,000 / target)`` (the original's computeAIDrift,
    rounded up so that ``drift_ppm > limit`` exactly when the true ratio is above it);
    0 when ``target`` is 0, as in the original."""
    if target == 0:
        return 0
    return -(-abs(proposed - target) * PPM // target)


def conditions(sample: MetricsSample, policy: BreakerPolicy) -> tuple[Condition, ...]:
    """The conditions ``sample`` meets under ``policy``, in name order. ``latency``
    (above ``max_latency_ms``) excludes ``latency_warn`` (above ``warn_latency_ms``);
    ``no_peers`` (0 peers) excludes ``peers`` (fewer than ``min_peers``)."""
    met: set[Condition] = set()
    if sample.block_size > policy.max_block_size:
        met.add(Condition.BLOCK_SIZE)
    if sample.latency_ms > policy.max_latency_ms:
        met.add(Condition.LATENCY)
    elif sample.latency_ms > policy.warn_latency_ms:
        met.add(Condition.LATENCY_WARN)
    if sample.peers == 0:
        met.add(Condition.NO_PEERS)
    elif sample.peers < policy.min_peers:
        met.add(Condition.PEERS)
    if sample.eis_change_ppm > policy.max_eis_change_ppm:
        met.add(Condition.EIS_CHANGE)
    if sample.eis_ppm < policy.min_eis_ppm:
        met.add(Condition.EIS_LOW)
    if sample.drift_ppm > policy.max_drift_ppm:
        met.add(Condition.DRIFT)
    if sample.sensor_confidence_ppm < policy.min_sensor_confidence_ppm:
        met.add(Condition.SENSOR_CONFIDENCE)
    return tuple(sorted(met))


def demanded_level(met: Iterable[Condition], policy: BreakerPolicy) -> Level:
    """The level a height's conditions demand at once: the highest level of any of
    them; and for SOFT_TRIP and then SAFE_MODE, one level above it when at least
    ``concurrent_trips`` of them are at that level or above."""
    levels = [CONDITION_LEVELS[condition] for condition in met]
    level = max(levels, default=Level.OPTIMIZED)
    for floor in (Level.SOFT_TRIP, Level.SAFE_MODE):
        if sum(1 for found in levels if found >= floor) >= policy.concurrent_trips:
            level = max(level, Level(floor + 1))
    return level


_CONDITIONS_FIELD: Final = EnumField(tuple(condition.value for condition in Condition))


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """The node breaker after its samples so far (``NodeStatus()``: before any).

    ``height`` is the last sample's height; ``tripped`` the conditions met at that
    height (by any of its samples: see :func:`step`), in name order. ``soft_since`` and
    ``safe_since`` are the first heights of the latest runs of heights demanding
    SOFT_TRIP or more and SAFE_MODE or more: a run is *live* when it reaches
    ``height``, and *kept* when it reaches ``height - 1`` but the samples of ``height``
    so far do not continue it (a later sample at ``height`` still may). ``calm_since``
    is the first height of the current run demanding less than ``level`` (``height +
    1`` just after a step down).

    Construction refuses fields no run of samples can give under any policy
    (BREAKER_STATUS_INVALID); :meth:`check` refuses those no run can give under a
    given policy.
    """

    level: Level = Level.OPTIMIZED
    height: int | None = None
    tripped: tuple[Condition, ...] = ()
    soft_since: int | None = None
    safe_since: int | None = None
    calm_since: int | None = None

    def __post_init__(self) -> None:
        path = "node status"
        if not isinstance(self.level, Level):
            raise wrong_type(f"{path}.level", "Level", self.level)
        _optional_height(self.height, f"{path}.height")
        if not isinstance(self.tripped, tuple) or not all(
            isinstance(c, Condition) for c in self.tripped
        ):
            raise wrong_type(f"{path}.tripped", "tuple of Condition", self.tripped)
        for name in ("soft_since", "safe_since", "calm_since"):
            _optional_height(getattr(self, name), f"{path}.{name}", _UINT)
        if list(self.tripped) != sorted(set(self.tripped)):
            raise _bad_status(f"{path}.tripped", "not in name order, or a condition twice")
        if self.height is None:
            if self.level or self.tripped or self._runs() != (None, None, None):
                raise _bad_status(path, "no sample yet, but a level, a condition or a run")
            return
        self._check_runs(path, self.height)

    def _runs(self) -> tuple[int | None, int | None, int | None]:
        return self.soft_since, self.safe_since, self.calm_since

    def _check_runs(self, path: str, height: int) -> None:
        worst = max((CONDITION_LEVELS[c] for c in self.tripped), default=Level.OPTIMIZED)
        if self.level < worst:
            raise _bad_status(f"{path}.level", f"{self.level.label} below {worst.label}")
        soft, safe, calm = self._runs()
        if self.tripped and soft is None:
            raise _bad_status(f"{path}.soft_since", "absent with a condition met")
        if soft is not None and (soft > height or (soft == height and not self.tripped)):
            raise _bad_status(f"{path}.soft_since", "after the height, or at it with no condition")
        if safe is not None and (
            soft is None or not soft <= safe <= height or self.level is Level.OPTIMIZED
        ):
            raise _bad_status(f"{path}.safe_since", "not within the soft run, or level optimized")
        if calm is not None and (self.level <= worst or calm > height + 1):
            raise _bad_status(f"{path}.calm_since", "no level to step down, or after height + 1")
        if calm is None and not self.tripped and self.level > Level.OPTIMIZED:
            raise _bad_status(f"{path}.calm_since", "absent with a level above the demand")

    def check(self, policy: BreakerPolicy) -> None:
        """Refuse a status that no run of samples gives under ``policy``
        (BREAKER_STATUS_INVALID): a safe run starting at ``height`` that the height's
        conditions do not demand; a level below the height's demand; ``calm_since``
        present with the level at the demand, or absent with the level above it; a calm
        run already ``hysteresis_blocks`` heights long. :func:`step` checks the status
        it is given."""
        path = "node status"
        height = self.height
        if height is None:
            return
        immediate = demanded_level(self.tripped, policy)
        if self.safe_since == height and immediate < Level.SAFE_MODE:
            raise _bad_status(
                f"{path}.safe_since", "starts at the height, which is below safe_mode"
            )
        demand = _demand(immediate, *_live(self, immediate), height, policy)
        if self.level < demand:
            raise _bad_status(
                f"{path}.level", f"{self.level.label} below the demand {demand.label}"
            )
        if (self.calm_since is not None) != (self.level > demand):
            raise _bad_status(
                f"{path}.calm_since", "present exactly when the level is above the demand"
            )
        if self.calm_since is not None and (
            _span(self.calm_since, height) >= policy.hysteresis_blocks
        ):
            raise _bad_status(f"{path}.calm_since", "a calm run that should have stepped down")

    @property
    def circuit_open(self) -> bool:
        """True at SAFE_MODE or worse: the scheduler gives the node no work."""
        return self.level >= Level.SAFE_MODE

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON object of the status."""
        return {
            "level": self.level.label,
            "height": self.height,
            "tripped": [condition.value for condition in self.tripped],
            "soft_since": self.soft_since,
            "safe_since": self.safe_since,
            "calm_since": self.calm_since,
        }

    @classmethod
    def from_json(cls, value: object, path: str = "status") -> NodeStatus:
        """Read a status from its JSON object, strictly: the fields in the order of the
        form (the codes of ailee.fields; key order itself is not checked), then the
        rules of construction (BREAKER_STATUS_INVALID)."""
        names = ("level", "height", "tripped", "soft_since", "safe_since", "calm_since")
        obj = expect_object(value, path, names)
        label = EnumField(_LEVEL_LABELS).read(obj["level"], Form.JSON, f"{path}.level")
        height = _optional_height(obj["height"], f"{path}.height")
        tripped = _read_names(obj["tripped"], f"{path}.tripped", _CONDITIONS_FIELD)
        return cls(
            level=Level(_LEVEL_LABELS.index(label)),
            height=height,
            tripped=tuple(Condition(name) for name in tripped),
            soft_since=_optional_height(obj["soft_since"], f"{path}.soft_since", _UINT),
            safe_since=_optional_height(obj["safe_since"], f"{path}.safe_since", _UINT),
            calm_since=_optional_height(obj["calm_since"], f"{path}.calm_since", _UINT),
        )


def _read_names(value: object, path: str, kind: EnumField) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise wrong_type(path, "array", value)
    names = tuple(kind.read(item, Form.JSON, f"{path}[{k}]") for k, item in enumerate(value))
    for k in range(1, len(names)):
        if not names[k - 1] < names[k]:
            raise DecodeError(
                ReasonCode.LIST_NOT_SORTED_UNIQUE, f"{path}[{k}]: not above the name before"
            )
    return names


def _live(status: NodeStatus, immediate: Level) -> tuple[int | None, int | None]:
    """The runs of ``status`` that reach its height (not those merely kept)."""
    soft = status.soft_since if immediate >= Level.SOFT_TRIP else None
    safe = status.safe_since if immediate >= Level.SAFE_MODE else None
    return soft, safe


def _demand(
    immediate: Level, soft: int | None, safe: int | None, height: int, policy: BreakerPolicy
) -> Level:
    """The demand at ``height``: ``immediate``, raised to SAFE_MODE when the live soft
    run (from ``soft``) has lasted ``persist_blocks`` heights, and to CRITICAL when the
    live safe run (from ``safe``) has."""
    demand = immediate
    if soft is not None and _span(soft, height) >= policy.persist_blocks:
        demand = max(demand, Level.SAFE_MODE)
    if safe is not None and _span(safe, height) >= policy.persist_blocks:
        demand = Level.CRITICAL
    return demand


def _settle(
    level: Level, calm: int | None, demand: Level, heights: tuple[int, int], hold: int
) -> tuple[Level, int | None]:
    """Section 3.4 over the heights ``first..last``, each demanding ``demand``, from
    ``level`` and ``calm`` (the calm run's start) before ``first``: the level and calm
    run after ``last``. At most one iteration per level, whatever the number of heights.
    """
    first, last = heights
    if demand >= level:
        return demand, None
    start = first if calm is None else calm
    while level > demand:
        at = max(first, start + hold - 1)  # the height at which the run has lasted ``hold``
        if at > last:
            return level, start
        level = Level(level - 1)
        start = at + 1  # the next step needs a new run after ``at``
    return level, None


def _hold_gap(status: NodeStatus, last: int, policy: BreakerPolicy) -> tuple[Level, int | None]:
    """The level and calm run after stepping the heights ``status.height + 1 .. last``,
    each with the conditions of ``status.height``: the live runs go on, the demand rises
    at most twice (when a run has lasted ``persist_blocks``), so at most three segments
    of constant demand, each settled in O(levels)."""
    assert status.height is not None
    first = status.height + 1
    immediate = demanded_level(status.tripped, policy)
    soft, safe = _live(status, immediate)
    rises = {
        start + policy.persist_blocks - 1
        for start in (soft, safe)
        if start is not None and first < start + policy.persist_blocks - 1 <= last
    }
    starts = [first, *sorted(rises)]
    level, calm = status.level, status.calm_since
    for k, begin in enumerate(starts):
        end = starts[k + 1] - 1 if k + 1 < len(starts) else last
        demand = _demand(immediate, soft, safe, begin, policy)
        level, calm = _settle(level, calm, demand, (begin, end), policy.hysteresis_blocks)
    return level, calm


def step(status: NodeStatus, sample: MetricsSample, policy: BreakerPolicy) -> NodeStatus:
    """The node breaker after ``sample`` (``docs/safety.md`` section 3).

    The breaker steps once per height, in order, and the samples say what each height's
    conditions are; ``status`` is first checked against ``policy`` (:meth:`NodeStatus.check`).

    1. ``sample.height`` below ``status.height`` is BREAKER_HEIGHT_REGRESSION.
    2. A higher height first steps every skipped height with the conditions of the
       status's height (the union of its samples), in O(levels) however long the gap.
       Runs carried into the new height are the status's live runs.
    3. A sample at the status's height (a repeated height) steps that height again with
       the union of its samples' conditions, carrying the status's runs, live or kept:
       the result is the same however the height's measurements are split into samples
       and in whatever order they come, and never healthier.
    4. At the height, the immediate demand is :func:`demanded_level` of its conditions.
       ``soft_since``/``safe_since`` continue (or start) when it is SOFT_TRIP/SAFE_MODE
       or more, else keep the carried run. The demand is raised to SAFE_MODE when the
       live soft run has lasted ``persist_blocks`` heights, and to CRITICAL when the
       live safe run has.
    5. A demand at or above the level becomes the level at once. A demand below it
       starts (or continues) a calm run; when the run has lasted ``hysteresis_blocks``
       heights, the level steps down by one, and a further step needs a new run of
       ``hysteresis_blocks`` heights after this one.
    """
    status.check(policy)
    height = sample.height
    _check_height(status.height, height, "node")
    met = set(conditions(sample, policy))
    level, calm = status.level, status.calm_since
    if status.height == height:
        met |= set(status.tripped)
        soft, safe = status.soft_since, status.safe_since
    elif status.height is None:
        soft = safe = None
    else:
        soft, safe = _live(status, demanded_level(status.tripped, policy))
        if height > status.height + 1:
            level, calm = _hold_gap(status, height - 1, policy)
    tripped = tuple(sorted(met))
    immediate = demanded_level(tripped, policy)
    if immediate >= Level.SOFT_TRIP and soft is None:
        soft = height
    if immediate >= Level.SAFE_MODE and safe is None:
        safe = height
    live_soft = soft if immediate >= Level.SOFT_TRIP else None
    live_safe = safe if immediate >= Level.SAFE_MODE else None
    demand = _demand(immediate, live_soft, live_safe, height, policy)
    level, calm = _settle(level, calm, demand, (height, height), policy.hysteresis_blocks)
    return NodeStatus(level, height, tripped, soft, safe, calm)


def open_circuits(statuses: Mapping[str, NodeStatus]) -> frozenset[str]:
    """The nodes whose circuit is open: those at SAFE_MODE or worse."""
    return frozenset(node for node, status in statuses.items() if status.circuit_open)


def with_circuits(workers: Iterable[Worker], statuses: Mapping[str, NodeStatus]) -> list[Worker]:
    """``workers`` with ``circuit_open=True`` for each whose id is an open circuit
    (:func:`open_circuits`); the scheduler then excludes them (``circuit_open``). A
    worker without a status, or already open, is returned unchanged: this only opens."""
    opened = open_circuits(statuses)
    return [
        dataclasses.replace(worker, circuit_open=True)
        if worker.id in opened and not worker.circuit_open
        else worker
        for worker in workers
    ]


# --- the bridge breakers ---------------------------------------------------------------


class BridgeCondition(StrEnum):
    """A bridge condition a sample can meet. The value is its stable name."""

    COLLATERAL = "collateral"
    PEGOUT_VOLUME = "pegout_volume"
    SIGNERS = "signers"
    SPV_FAILURES = "spv_failures"


_BRIDGE_CONDITIONS_FIELD: Final = EnumField(tuple(c.value for c in BridgeCondition))
_SIGNERS: Final = UIntField(maximum=MAX_SIGNERS)
_THRESHOLD: Final = UIntField(minimum=1, maximum=MAX_SIGNERS)


@dataclass(frozen=True, slots=True)
class BridgeSample:
    """The bridge's measurements at Bitcoin height ``height``.

    ``reserves``: satoshis the federation holds; ``liabilities``: satoshis owed on L2;
    ``active_signers`` and ``threshold``: signers answering and the threshold of the
    federation in force; ``pegout_volume``: satoshis of peg-outs admitted since the
    previous sample; ``spv_checks`` and ``spv_failures``: SPV proofs checked and failed
    since the previous sample (``spv_failures <= spv_checks``).
    """

    height: int
    reserves: int
    liabilities: int
    active_signers: int
    threshold: int
    pegout_volume: int
    spv_checks: int
    spv_failures: int

    KINDS: ClassVar = (
        ("height", _HEIGHT),
        ("reserves", _AMOUNT),
        ("liabilities", _AMOUNT),
        ("active_signers", _SIGNERS),
        ("threshold", _THRESHOLD),
        ("pegout_volume", _AMOUNT),
        ("spv_checks", _UINT),
        ("spv_failures", _UINT),
    )

    def __post_init__(self) -> None:
        _check_kinds(self, self.KINDS, "bridge sample")
        if self.spv_failures > self.spv_checks:
            raise DecodeError(
                ReasonCode.INT_OUT_OF_RANGE,
                f"bridge sample.spv_failures: {self.spv_failures} above spv_checks "
                f"{self.spv_checks}",
            )

    def to_json(self) -> dict[str, int]:
        """The JSON object of the sample."""
        return {name: getattr(self, name) for name, _ in self.KINDS}

    @classmethod
    def from_json(cls, value: object, path: str = "sample") -> BridgeSample:
        """Read a sample from its JSON object (every field, no other)."""
        return _read_kinds(cls, value, path)


@dataclass(frozen=True, slots=True)
class WindowEntry:
    """What the samples of one height added: peg-out volume, SPV checks and failures."""

    height: int
    pegout_volume: int
    spv_checks: int
    spv_failures: int

    KINDS: ClassVar = (
        ("height", _HEIGHT),
        ("pegout_volume", _AMOUNT),
        ("spv_checks", _UINT),
        ("spv_failures", _UINT),
    )

    def __post_init__(self) -> None:
        _check_kinds(self, self.KINDS, "window entry")
        if self.spv_failures > self.spv_checks:
            raise _bad_status("window entry.spv_failures", "above spv_checks")
        if not (self.pegout_volume or self.spv_checks):
            raise _bad_status("window entry", "an entry adds nothing")

    def to_json(self) -> dict[str, int]:
        """The JSON object of the entry."""
        return {name: getattr(self, name) for name, _ in self.KINDS}

    @classmethod
    def from_json(cls, value: object, path: str = "entry") -> WindowEntry:
        """Read an entry from its JSON object (every field, no other)."""
        return _read_kinds(cls, value, path)


@dataclass(frozen=True, slots=True)
class BridgeStatus:
    """The bridge breakers after their samples so far (:meth:`initial`: before any).

    ``tripped``: the conditions met at ``height`` (by any of its samples), in name
    order. ``emergency``, ``collateral_low`` and ``spv_failing`` are latched breakers:
    set at once by their condition (``signers``, ``collateral``, ``spv_failures``),
    cleared after ``hysteresis_blocks`` consecutive clear heights. On a set breaker,
    ``*_ok_since`` is the start of the current clear run (absent when ``height`` is not
    clear). On a clear breaker it is present only when the breaker cleared at
    ``height``: the run that cleared it, kept so that a later sample at ``height`` that
    makes the height not clear sets it again. ``pegout_allowance``: satoshis of
    peg-outs that may still be admitted in the window ending at ``height``. ``window``:
    the heights of the last ``max(pegout_window_blocks, spv_window_blocks)`` that added
    anything, ascending.

    Construction refuses fields no run of samples can give under any policy
    (BREAKER_STATUS_INVALID); :meth:`check` refuses those no run can give under a
    given policy (the allowance, the window, the runs).
    """

    height: int | None
    tripped: tuple[BridgeCondition, ...]
    emergency: bool
    collateral_low: bool
    spv_failing: bool
    pegout_allowance: int
    signers_ok_since: int | None
    collateral_ok_since: int | None
    spv_ok_since: int | None
    window: tuple[WindowEntry, ...]

    def __post_init__(self) -> None:
        path = "bridge status"
        _optional_height(self.height, f"{path}.height")
        if not isinstance(self.tripped, tuple) or not all(
            isinstance(c, BridgeCondition) for c in self.tripped
        ):
            raise wrong_type(f"{path}.tripped", "tuple of BridgeCondition", self.tripped)
        for name in ("emergency", "collateral_low", "spv_failing"):
            _flag(getattr(self, name), f"{path}.{name}")
        _AMOUNT.read(self.pegout_allowance, Form.JSON, f"{path}.pegout_allowance")
        for name in ("signers_ok_since", "collateral_ok_since", "spv_ok_since"):
            _optional_height(getattr(self, name), f"{path}.{name}", _UINT)
        if not isinstance(self.window, tuple) or not all(
            isinstance(e, WindowEntry) for e in self.window
        ):
            raise wrong_type(f"{path}.window", "tuple of WindowEntry", self.window)
        if list(self.tripped) != sorted(set(self.tripped)):
            raise _bad_status(f"{path}.tripped", "not in name order, or a condition twice")
        if self.height is None:
            if self.tripped or any(self._latches()) or self.window:
                raise _bad_status(path, "no sample yet, but a condition, a breaker or a window")
            return
        self._check_latches(path, self.height)

    def _latches(self) -> tuple[object, ...]:
        return (
            self.emergency,
            self.collateral_low,
            self.spv_failing,
            self.signers_ok_since,
            self.collateral_ok_since,
            self.spv_ok_since,
        )

    def _breakers(self) -> tuple[tuple[BridgeCondition, bool, int | None, str], ...]:
        return (
            (BridgeCondition.SIGNERS, self.emergency, self.signers_ok_since, "signers"),
            (BridgeCondition.COLLATERAL, self.collateral_low, self.collateral_ok_since,
             "collateral"),
            (BridgeCondition.SPV_FAILURES, self.spv_failing, self.spv_ok_since, "spv"),
        )  # fmt: skip

    def _check_latches(self, path: str, height: int) -> None:
        for condition, latched, since, name in self._breakers():
            if condition in self.tripped and (not latched or since is not None):
                raise _bad_status(f"{path}.{name}_ok_since", f"{condition} met but not latched")
            if since is not None and since > height:
                raise _bad_status(f"{path}.{name}_ok_since", "after the height")
        if BridgeCondition.PEGOUT_VOLUME in self.tripped and self.pegout_allowance:
            raise _bad_status(f"{path}.pegout_allowance", "not 0 with the volume over the limit")
        if len(self.window) > MAX_WINDOW_BLOCKS:
            raise _bad_status(f"{path}.window", f"more than {MAX_WINDOW_BLOCKS} entries")
        heights = [entry.height for entry in self.window]
        if heights != sorted(set(heights)) or (heights and heights[-1] > height):
            raise _bad_status(f"{path}.window", "heights not ascending, or after the status")

    def check(self, policy: BreakerPolicy) -> None:
        """Refuse a status that no run of samples gives under ``policy``
        (BREAKER_STATUS_INVALID). With no height: an allowance other than
        ``pegout_window_limit``. With one: a window entry the window has already dropped;
        an allowance other than ``max(0, limit - volume)`` for the window's volume;
        ``pegout_volume`` met or not against that volume; ``spv_failures`` not met though
        the window's SPV counts meet it; a set breaker's clear run already
        ``hysteresis_blocks`` long, or a cleared breaker's kept run of another length.
        :func:`step_bridge` checks the status it is given."""
        path = "bridge status"
        height = self.height
        if height is None:
            if self.pegout_allowance != policy.pegout_window_limit:
                raise _bad_status(f"{path}.pegout_allowance", "not the limit before any sample")
            return
        span = max(policy.pegout_window_blocks, policy.spv_window_blocks)
        if self.window and self.window[0].height <= height - span:
            raise _bad_status(f"{path}.window", f"an entry at or below height - {span}")
        volume, checks, failures = _sums(self.window, height, policy)
        if self.pegout_allowance != max(0, policy.pegout_window_limit - volume):
            raise _bad_status(f"{path}.pegout_allowance", f"not the limit less the volume {volume}")
        if (BridgeCondition.PEGOUT_VOLUME in self.tripped) != (volume > policy.pegout_window_limit):
            raise _bad_status(f"{path}.tripped", "pegout_volume met exactly when over the limit")
        if _spv_met(checks, failures, policy) and BridgeCondition.SPV_FAILURES not in self.tripped:
            raise _bad_status(f"{path}.tripped", "spv_failures not met, though the window meets it")
        hold = policy.hysteresis_blocks
        for _, latched, since, name in self._breakers():
            if since is None:
                continue
            if latched and _span(since, height) >= hold:
                raise _bad_status(f"{path}.{name}_ok_since", "a clear run that should have cleared")
            if not latched and _span(since, height) != hold:
                raise _bad_status(f"{path}.{name}_ok_since", "a kept run not of the hold's length")

    @classmethod
    def initial(cls, policy: BreakerPolicy) -> BridgeStatus:
        """The status before any sample: nothing tripped, the whole window's allowance."""
        return cls(None, (), False, False, False, policy.pegout_window_limit, None, None, None, ())

    @property
    def pegins_halted(self) -> bool:
        """True when a peg-in is refused: emergency, collateral low or SPV failing."""
        return self.emergency or self.collateral_low or self.spv_failing

    @property
    def rate_limited(self) -> bool:
        """True when the window's peg-out volume is above the policy's limit."""
        return BridgeCondition.PEGOUT_VOLUME in self.tripped

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON object of the status."""
        return {
            "height": self.height,
            "tripped": [condition.value for condition in self.tripped],
            "emergency": self.emergency,
            "collateral_low": self.collateral_low,
            "spv_failing": self.spv_failing,
            "pegout_allowance": self.pegout_allowance,
            "signers_ok_since": self.signers_ok_since,
            "collateral_ok_since": self.collateral_ok_since,
            "spv_ok_since": self.spv_ok_since,
            "window": [entry.to_json() for entry in self.window],
        }

    @classmethod
    def from_json(cls, value: object, path: str = "status") -> BridgeStatus:
        """Read a status from its JSON object, strictly: the fields in the order of the
        form (the codes of ailee.fields; key order itself is not checked), then the
        rules of construction (BREAKER_STATUS_INVALID)."""
        names = (
            "height", "tripped", "emergency", "collateral_low", "spv_failing",
            "pegout_allowance", "signers_ok_since", "collateral_ok_since", "spv_ok_since",
            "window",
        )  # fmt: skip
        obj = expect_object(value, path, names)
        height = _optional_height(obj["height"], f"{path}.height")
        tripped = _read_names(obj["tripped"], f"{path}.tripped", _BRIDGE_CONDITIONS_FIELD)
        emergency = _flag(obj["emergency"], f"{path}.emergency")
        collateral_low = _flag(obj["collateral_low"], f"{path}.collateral_low")
        spv_failing = _flag(obj["spv_failing"], f"{path}.spv_failing")
        allowance = _AMOUNT.read(obj["pegout_allowance"], Form.JSON, f"{path}.pegout_allowance")
        signers_ok, collateral_ok, spv_ok = (
            _optional_height(obj[name], f"{path}.{name}", _UINT) for name in names[6:9]
        )
        window = obj["window"]
        if not isinstance(window, list):
            raise wrong_type(f"{path}.window", "array", window)
        if len(window) > MAX_WINDOW_BLOCKS:
            raise _bad_status(f"{path}.window", f"more than {MAX_WINDOW_BLOCKS} entries")
        entries = tuple(
            WindowEntry.from_json(entry, f"{path}.window[{k}]") for k, entry in enumerate(window)
        )
        conditions = tuple(BridgeCondition(name) for name in tripped)
        return cls(
            height, conditions, emergency, collateral_low, spv_failing, allowance,
            signers_ok, collateral_ok, spv_ok, entries,
        )  # fmt: skip


def _spv_met(checks: int, failures: int, policy: BreakerPolicy) -> bool:
    """The ``spv_failures`` condition on the window's counts."""
    return checks >= policy.spv_min_checks and failures * PPM > policy.max_spv_failure_ppm * checks


def _sums(
    window: Iterable[WindowEntry], height: int, policy: BreakerPolicy
) -> tuple[int, int, int]:
    """The peg-out volume, SPV checks and SPV failures of the windows ending at ``height``."""
    volume = checks = failures = 0
    for entry in window:
        if entry.height > height - policy.pegout_window_blocks:
            volume += entry.pegout_volume
        if entry.height > height - policy.spv_window_blocks:
            checks += entry.spv_checks
            failures += entry.spv_failures
    return volume, checks, failures


def _window(status: BridgeStatus, sample: BridgeSample, policy: BreakerPolicy) -> list[WindowEntry]:
    """The status's window with the sample added, cut to the policy's longest window (a
    height's summed volume above MAX_AMOUNT is AMOUNT_OUT_OF_RANGE, its summed counts
    above 2^53 - 1 INT_OUT_OF_RANGE, as a window entry's fields)."""
    height = sample.height
    span = max(policy.pegout_window_blocks, policy.spv_window_blocks)
    kept = [entry for entry in status.window if entry.height > height - span]
    volume, checks, failures = sample.pegout_volume, sample.spv_checks, sample.spv_failures
    if kept and kept[-1].height == height:
        last = kept.pop()
        volume += last.pegout_volume
        checks += last.spv_checks
        failures += last.spv_failures
    if volume or checks:
        kept.append(WindowEntry(height, volume, checks, failures))
    return kept


#: A latched breaker: (set, the start of its clear run).
_Latch = tuple[bool, int | None]


def _latch_over(
    latch: _Latch, *, met: bool, clear: bool, heights: tuple[int, int], hold: int
) -> _Latch:
    """One latched breaker over the heights ``first..last``, each with the same
    condition (``met``) and clearness (``clear``; a met condition is never clear).

    Met: set, no run. Not set: stays clear. Set and not clear: stays set, no run. Set
    and clear: the run starts at the latch's run, else at ``first``; the breaker clears
    at the height where the run has lasted ``hold`` heights. Cleared at ``last``, it
    keeps the run (a later sample at ``last`` may set it again); cleared before, not."""
    latched, since = latch
    first, last = heights
    if met:
        return True, None
    if not latched:
        return False, None
    if not clear:
        return True, None
    start = first if since is None else since
    cleared_at = max(first, start + hold - 1)
    if cleared_at > last:
        return True, start
    return False, (start if cleared_at == last else None)


def _spv_gap(
    latch: _Latch, window: tuple[WindowEntry, ...], heights: tuple[int, int], policy: BreakerPolicy
) -> _Latch:
    """The SPV breaker over skipped heights ``first..last``: nothing is added, entries
    leave the SPV window as it slides, so the condition is constant between two
    departures: one segment per entry at most, whatever the number of heights."""
    first, last = heights
    width = policy.spv_window_blocks
    entries = [entry for entry in window if entry.spv_checks]
    checks = sum(entry.spv_checks for entry in entries)
    failures = sum(entry.spv_failures for entry in entries)
    k = 0
    begin = first
    while begin <= last:
        while k < len(entries) and entries[k].height <= begin - width:  # left the window
            checks -= entries[k].spv_checks
            failures -= entries[k].spv_failures
            k += 1
        end = min(last, entries[k].height + width - 1) if k < len(entries) else last
        met = _spv_met(checks, failures, policy)
        latch = _latch_over(
            (latch[0], latch[1] if latch[0] else None),
            met=met, clear=not met, heights=(begin, end), hold=policy.hysteresis_blocks,
        )  # fmt: skip
        begin = end + 1
    return latch


def step_bridge(status: BridgeStatus, sample: BridgeSample, policy: BreakerPolicy) -> BridgeStatus:
    """The bridge breakers after ``sample`` (``docs/safety.md`` section 4; heights as in
    :func:`step`). ``status`` is first checked against ``policy``
    (:meth:`BridgeStatus.check`); a regression is BREAKER_HEIGHT_REGRESSION.

    A higher height first steps the skipped heights: active signers and collateral as
    at the status's height (its worst samples), the SPV condition from the window as it
    slides. A repeated height adds its peg-out volume and SPV counts to the height's
    entry and steps the height again from the breakers before it, with the union of its
    samples' conditions (the lowest collateral ratio): the result does not depend on
    how the height's samples are split or ordered.

    Conditions at the height: ``collateral`` when ``reserves * 10^6 < min_collateral_ppm
    * liabilities``; ``signers`` when ``active_signers < threshold``; ``pegout_volume``
    when the peg-out volume of the heights ``height - pegout_window_blocks + 1 ..
    height`` is above ``pegout_window_limit``; ``spv_failures`` when the SPV checks of
    the last ``spv_window_blocks`` heights are at least ``spv_min_checks`` and
    ``failures * 10^6 > max_spv_failure_ppm * checks``.

    Latched breakers (:func:`_latch_over`): ``emergency`` on ``signers``;
    ``collateral_low`` on ``collateral``, whose clear heights need every sample at
    ``reserves * 10^6 >= resume_collateral_ppm * liabilities``; ``spv_failing`` on
    ``spv_failures``. The rate limit is not latched: ``pegout_allowance`` is
    ``max(0, limit - volume)``.
    """
    status.check(policy)
    height = sample.height
    _check_height(status.height, height, "bridge")
    repeated = status.height == height
    window = _window(status, sample, policy)
    volume, checks, failures = _sums(window, height, policy)
    met = set(status.tripped) if repeated else set()
    if sample.reserves * PPM < policy.min_collateral_ppm * sample.liabilities:
        met.add(BridgeCondition.COLLATERAL)
    if sample.active_signers < sample.threshold:
        met.add(BridgeCondition.SIGNERS)
    if volume > policy.pegout_window_limit:
        met.add(BridgeCondition.PEGOUT_VOLUME)
    if _spv_met(checks, failures, policy):
        met.add(BridgeCondition.SPV_FAILURES)
    resumed = sample.reserves * PPM >= policy.resume_collateral_ppm * sample.liabilities
    hold = policy.hysteresis_blocks
    latches: list[_Latch] = []
    for condition, latched, since, _ in status._breakers():
        sample_clear = condition not in met and (
            resumed or condition is not BridgeCondition.COLLATERAL
        )
        if repeated:
            # The breaker before the height: set with this run if a run is present (set
            # or cleared at the height); else as it is, the height not clear if set.
            before: _Latch = (True, since) if since is not None else (latched, None)
            clear = sample_clear and (since is not None or not latched)
        else:
            before = (latched, since if latched else None)
            clear = sample_clear
            if status.height is not None and height > status.height + 1:
                gap = (status.height + 1, height - 1)
                if condition is BridgeCondition.SPV_FAILURES:
                    before = _spv_gap(before, status.window, gap, policy)
                else:  # the status's height holds: clear when its run is present
                    before = _latch_over(
                        before, met=condition in status.tripped, clear=since is not None,
                        heights=gap, hold=hold,
                    )  # fmt: skip
                before = (before[0], before[1] if before[0] else None)
        latches.append(
            _latch_over(before, met=condition in met, clear=clear, heights=(height, height),
                        hold=hold)
        )  # fmt: skip
    (emergency, signers_ok), (collateral_low, collateral_ok), (spv_failing, spv_ok) = latches
    return BridgeStatus(
        height=height,
        tripped=tuple(sorted(met)),
        emergency=emergency,
        collateral_low=collateral_low,
        spv_failing=spv_failing,
        pegout_allowance=max(0, policy.pegout_window_limit - volume),
        signers_ok_since=signers_ok,
        collateral_ok_since=collateral_ok,
        spv_ok_since=spv_ok,
        window=tuple(window),
    )


# --- admissions ------------------------------------------------------------------------


def admit_pegin(status: BridgeStatus) -> None:
    """Refuse a new peg-in when the bridge is in emergency (BREAKER_EMERGENCY) or its
    peg-ins are halted by low collateral or failing SPV proofs (BREAKER_PEGINS_HALTED)."""
    if status.emergency:
        raise VerificationError(
            ReasonCode.BREAKER_EMERGENCY,
            f"peg-in refused: emergency at height {status.height} (too few active signers)",
        )
    if status.collateral_low or status.spv_failing:
        why = ["collateral low"] if status.collateral_low else []
        why += ["SPV failures"] if status.spv_failing else []
        raise VerificationError(
            ReasonCode.BREAKER_PEGINS_HALTED,
            f"peg-ins halted at height {status.height}: {', '.join(why)}",
        )


def admit_pegout(status: BridgeStatus, amount: int, *, exit_claim: bool) -> None:
    """Refuse a new peg-out of ``amount`` satoshis: in emergency unless it is an exit
    claim (BREAKER_EMERGENCY); when ``amount`` is above the window's remaining
    ``pegout_allowance`` (BREAKER_RATE_LIMITED), exit claims included: the limit bounds
    every way out, and only delays an exit (the window slides), never denies it.

    ``amount`` that is not an ``int`` is SCHEMA_WRONG_TYPE (booleans are not integers);
    one outside ``0..MAX_AMOUNT`` AMOUNT_OUT_OF_RANGE.

    The admission does not change ``status``: several admissions against one status
    are independent. Admitted peg-outs count towards the window once the caller reports
    them in a sample's ``pegout_volume`` (a sample may repeat the height), which it does
    before admitting the next."""
    _AMOUNT.read(amount, Form.JSON, "peg-out amount")
    if status.emergency and not exit_claim:
        raise VerificationError(
            ReasonCode.BREAKER_EMERGENCY,
            f"peg-out refused: emergency at height {status.height}; only exit claims leave",
        )
    if amount > status.pegout_allowance:
        raise VerificationError(
            ReasonCode.BREAKER_RATE_LIMITED,
            f"peg-out of {amount} sat refused: {status.pegout_allowance} sat left in the "
            f"window ending at height {status.height}",
        )
