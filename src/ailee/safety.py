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
from ailee.limits import MAX_AMOUNT, MAX_SIGNERS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ailee.scheduling import Worker

__all__ = [
    "CONDITION_LEVELS",
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


def _optional_height(value: object, path: str) -> int | None:
    return None if value is None else _UINT.read(value, Form.JSON, path)


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
        ("height", _UINT),
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
    height (by every sample of it, see :func:`step`), in name order; ``soft_since``
    and ``safe_since`` the first heights of the current runs of heights demanding
    SOFT_TRIP or more and SAFE_MODE or more; ``calm_since`` the first height of the
    current run demanding less than ``level`` (``height + 1`` just after a step down).
    Construction refuses fields no run of samples can give (BREAKER_STATUS_INVALID).
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
        if not isinstance(self.tripped, tuple) or not all(
            isinstance(c, Condition) for c in self.tripped
        ):
            raise wrong_type(f"{path}.tripped", "tuple of Condition", self.tripped)
        for name in ("height", "soft_since", "safe_since", "calm_since"):
            _optional_height(getattr(self, name), f"{path}.{name}")
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
        if (self.soft_since is None) != (not self.tripped):
            raise _bad_status(f"{path}.soft_since", "set exactly when a condition is met")
        if self.soft_since is not None and self.soft_since > height:
            raise _bad_status(f"{path}.soft_since", f"{self.soft_since} after {height}")
        if self.safe_since is not None and (
            self.soft_since is None
            or not self.soft_since <= self.safe_since <= height
            or self.level < Level.SAFE_MODE
        ):
            raise _bad_status(f"{path}.safe_since", "not within the soft run, or level too low")
        if self.calm_since is not None and (self.level <= worst or self.calm_since > height + 1):
            raise _bad_status(f"{path}.calm_since", "no level to step down, or after height + 1")

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
        """Read a status from its JSON object, strictly (the codes of ailee.fields and
        BREAKER_STATUS_INVALID)."""
        names = ("level", "height", "tripped", "soft_since", "safe_since", "calm_since")
        obj = expect_object(value, path, names)
        label = EnumField(_LEVEL_LABELS).read(obj["level"], Form.JSON, f"{path}.level")
        tripped = _read_names(obj["tripped"], f"{path}.tripped", _CONDITIONS_FIELD)
        return cls(
            level=Level(_LEVEL_LABELS.index(label)),
            height=_optional_height(obj["height"], f"{path}.height"),
            tripped=tuple(Condition(name) for name in tripped),
            soft_since=_optional_height(obj["soft_since"], f"{path}.soft_since"),
            safe_since=_optional_height(obj["safe_since"], f"{path}.safe_since"),
            calm_since=_optional_height(obj["calm_since"], f"{path}.calm_since"),
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


def step(status: NodeStatus, sample: MetricsSample, policy: BreakerPolicy) -> NodeStatus:
    """The node breaker after ``sample``.

    1. ``sample.height`` below ``status.height`` is BREAKER_HEIGHT_REGRESSION. A
       sample at the status's height adds to that height: its conditions are those
       of every sample of it (a height never becomes healthier by being sampled
       again). A sample holds until the next one: skipped heights count as having
       the conditions of the sample before them.
    2. The height's immediate demand is :func:`demanded_level` of its conditions.
       ``soft_since`` and ``safe_since`` start the runs of heights whose immediate
       demand is SOFT_TRIP or more, and SAFE_MODE or more. The demand is raised to
       SAFE_MODE when the first run has lasted ``persist_blocks`` heights, and to
       CRITICAL when the second has (so a lasting soft condition reaches SAFE_MODE,
       and only a lasting safe-mode condition reaches CRITICAL).
    3. A demand at or above the level becomes the level at once. A demand below it
       starts (or continues) a calm run; when the run has lasted ``hysteresis_blocks``
       heights, the level steps down by one, and a further step needs a new run of
       ``hysteresis_blocks`` heights after this one.
    """
    height = sample.height
    _check_height(status.height, height, "node")
    repeated = status.height == height
    met = set(conditions(sample, policy))
    if repeated:
        met |= set(status.tripped)
    tripped = tuple(sorted(met))
    immediate = demanded_level(tripped, policy)
    demand = immediate
    soft_since = None
    safe_since = None
    if immediate >= Level.SOFT_TRIP:
        soft_since = height if status.soft_since is None else status.soft_since
        if _span(soft_since, height) >= policy.persist_blocks:
            demand = max(demand, Level.SAFE_MODE)
    if immediate >= Level.SAFE_MODE:
        safe_since = height if status.safe_since is None else status.safe_since
        if _span(safe_since, height) >= policy.persist_blocks:
            demand = Level.CRITICAL
    level = status.level
    calm_since = None
    if demand < level:
        calm_since = height if status.calm_since is None else status.calm_since
        if _span(calm_since, height) >= policy.hysteresis_blocks:
            level = Level(level - 1)
            calm_since = height + 1 if demand < level else None
    else:
        level = demand
    return NodeStatus(level, height, tripped, soft_since, safe_since, calm_since)


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
        ("height", _UINT),
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
        ("height", _UINT),
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

    ``tripped``: the conditions met at ``height`` (by every sample of it), in name
    order. ``emergency``, ``collateral_low`` and ``spv_failing`` are latched breakers:
    set at once by their condition (``signers``, ``collateral``, ``spv_failures``),
    cleared after ``hysteresis_blocks`` consecutive clear heights, the current clear run
    starting at ``*_ok_since`` (``height + 1`` when the run starts after this height).
    ``pegout_allowance``: satoshis of peg-outs that may still be admitted in the window
    ending at ``height``. ``window``: the heights of the last
    ``max(pegout_window_blocks, spv_window_blocks)`` that added anything, ascending.
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
        if not isinstance(self.tripped, tuple) or not all(
            isinstance(c, BridgeCondition) for c in self.tripped
        ):
            raise wrong_type(f"{path}.tripped", "tuple of BridgeCondition", self.tripped)
        for name in ("emergency", "collateral_low", "spv_failing"):
            _flag(getattr(self, name), f"{path}.{name}")
        for name in ("height", "signers_ok_since", "collateral_ok_since", "spv_ok_since"):
            _optional_height(getattr(self, name), f"{path}.{name}")
        _AMOUNT.read(self.pegout_allowance, Form.JSON, f"{path}.pegout_allowance")
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

    def _check_latches(self, path: str, height: int) -> None:
        for condition, latched, since, name in (
            (BridgeCondition.SIGNERS, self.emergency, self.signers_ok_since, "signers"),
            (BridgeCondition.COLLATERAL, self.collateral_low, self.collateral_ok_since,
             "collateral"),
            (BridgeCondition.SPV_FAILURES, self.spv_failing, self.spv_ok_since, "spv"),
        ):  # fmt: skip
            if condition in self.tripped and (not latched or since is not None):
                raise _bad_status(f"{path}.{name}_ok_since", f"{condition} met but not latched")
            if since is not None and (not latched or since > height + 1):
                raise _bad_status(f"{path}.{name}_ok_since", "not latched, or after height + 1")
        if BridgeCondition.PEGOUT_VOLUME in self.tripped and self.pegout_allowance:
            raise _bad_status(f"{path}.pegout_allowance", "not 0 with the volume over the limit")
        if len(self.window) > MAX_WINDOW_BLOCKS:
            raise _bad_status(f"{path}.window", f"more than {MAX_WINDOW_BLOCKS} entries")
        heights = [entry.height for entry in self.window]
        if heights != sorted(set(heights)) or (heights and heights[-1] > height):
            raise _bad_status(f"{path}.window", "heights not ascending, or after the status")

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
        """Read a status from its JSON object, strictly (the codes of ailee.fields and
        BREAKER_STATUS_INVALID)."""
        names = (
            "height", "tripped", "emergency", "collateral_low", "spv_failing",
            "pegout_allowance", "signers_ok_since", "collateral_ok_since", "spv_ok_since",
            "window",
        )  # fmt: skip
        obj = expect_object(value, path, names)
        window = obj["window"]
        if not isinstance(window, list):
            raise wrong_type(f"{path}.window", "array", window)
        if len(window) > MAX_WINDOW_BLOCKS:
            raise _bad_status(f"{path}.window", f"more than {MAX_WINDOW_BLOCKS} entries")
        tripped = _read_names(obj["tripped"], f"{path}.tripped", _BRIDGE_CONDITIONS_FIELD)
        return cls(
            height=_optional_height(obj["height"], f"{path}.height"),
            tripped=tuple(BridgeCondition(name) for name in tripped),
            emergency=_flag(obj["emergency"], f"{path}.emergency"),
            collateral_low=_flag(obj["collateral_low"], f"{path}.collateral_low"),
            spv_failing=_flag(obj["spv_failing"], f"{path}.spv_failing"),
            pegout_allowance=_AMOUNT.read(
                obj["pegout_allowance"], Form.JSON, f"{path}.pegout_allowance"
            ),
            signers_ok_since=_optional_height(obj["signers_ok_since"], f"{path}.signers_ok_since"),
            collateral_ok_since=_optional_height(
                obj["collateral_ok_since"], f"{path}.collateral_ok_since"
            ),
            spv_ok_since=_optional_height(obj["spv_ok_since"], f"{path}.spv_ok_since"),
            window=tuple(
                WindowEntry.from_json(entry, f"{path}.window[{k}]")
                for k, entry in enumerate(window)
            ),
        )


def _window(status: BridgeStatus, sample: BridgeSample, policy: BreakerPolicy) -> list[WindowEntry]:
    """The status's window with the sample added, cut to the policy's longest window."""
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


def _latch(
    latched: bool, since: int | None, *, met: bool, clear: bool, at: tuple[int, bool, int]
) -> tuple[bool, int | None]:
    """One latched breaker: set at once when ``met``; once set, cleared after ``hold``
    consecutive heights that are ``clear`` (a height is clear when all its samples are).
    ``at``: the sample's height, whether it repeats the status's, and the hold."""
    height, repeated, hold = at
    if met:
        return True, None
    if not latched:
        return False, None
    if not clear:
        return True, None
    start = since if since is not None else height + 1 if repeated else height
    if _span(start, height) >= hold:
        return False, None
    return True, start


def step_bridge(status: BridgeStatus, sample: BridgeSample, policy: BreakerPolicy) -> BridgeStatus:
    """The bridge breakers after ``sample`` (heights as in :func:`step`: a regression is
    BREAKER_HEIGHT_REGRESSION; a repeated height adds its conditions, peg-out volume and
    SPV counts to that height's).

    Conditions at the height: ``collateral`` when ``reserves * 10^6 < min_collateral_ppm
    * liabilities``; ``signers`` when ``active_signers < threshold``; ``pegout_volume``
    when the peg-out volume of the heights ``height - pegout_window_blocks + 1 ..
    height`` is above ``pegout_window_limit``; ``spv_failures`` when the SPV checks of
    the last ``spv_window_blocks`` heights are at least ``spv_min_checks`` and
    ``failures * 10^6 > max_spv_failure_ppm * checks``.

    Latched breakers (see :func:`_latch`): ``emergency`` on ``signers``;
    ``collateral_low`` on ``collateral``, whose clear heights need ``reserves * 10^6 >=
    resume_collateral_ppm * liabilities``; ``spv_failing`` on ``spv_failures``. The
    rate limit is not latched: ``pegout_allowance`` is ``max(0, limit - volume)``.
    """
    height = sample.height
    _check_height(status.height, height, "bridge")
    repeated = status.height == height
    window = _window(status, sample, policy)
    volume = sum(e.pegout_volume for e in window if e.height > height - policy.pegout_window_blocks)
    spv = [e for e in window if e.height > height - policy.spv_window_blocks]
    checks = sum(entry.spv_checks for entry in spv)
    failures = sum(entry.spv_failures for entry in spv)
    met = set(status.tripped) if repeated else set()
    backing = sample.reserves * PPM
    if backing < policy.min_collateral_ppm * sample.liabilities:
        met.add(BridgeCondition.COLLATERAL)
    if sample.active_signers < sample.threshold:
        met.add(BridgeCondition.SIGNERS)
    if volume > policy.pegout_window_limit:
        met.add(BridgeCondition.PEGOUT_VOLUME)
    if checks >= policy.spv_min_checks and failures * PPM > policy.max_spv_failure_ppm * checks:
        met.add(BridgeCondition.SPV_FAILURES)
    resumed = backing >= policy.resume_collateral_ppm * sample.liabilities
    at = (height, repeated, policy.hysteresis_blocks)
    emergency, signers_ok = _latch(
        status.emergency, status.signers_ok_since,
        met=BridgeCondition.SIGNERS in met, clear=True, at=at,
    )  # fmt: skip
    collateral_low, collateral_ok = _latch(
        status.collateral_low, status.collateral_ok_since,
        met=BridgeCondition.COLLATERAL in met, clear=resumed, at=at,
    )  # fmt: skip
    spv_failing, spv_ok = _latch(
        status.spv_failing, status.spv_ok_since,
        met=BridgeCondition.SPV_FAILURES in met, clear=True, at=at,
    )  # fmt: skip
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

    Admitted peg-outs count towards the window once the caller reports them in the
    next sample's ``pegout_volume`` (a sample may repeat the height)."""
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
