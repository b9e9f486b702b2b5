"""Task scheduling: a deterministic, explainable scorer and assigner.

AI only advises in AILEE: scheduling may optimise, but every decision is a pure
function of recorded inputs that anyone can recompute bit for bit. So:

* every quantity is an integer (fractions in parts per million, "ppm"); nothing
  depends on float summation order;
* hard filters come first, and each excluded worker is reported with the first filter
  it failed (:class:`Exclusion`);
* each scoring factor is normalised to an integer 0..100, so a weight means the same
  thing everywhere; the weights come from a validated :class:`Policy`, never from the
  call site;
* ties are broken by worker id (bytewise UTF-8), so the order of the input never
  changes a decision;
* a decision is an :class:`Assignment` that commits to its inputs with a tagged hash
  of their canonical CBOR encoding, and :func:`recompute` confirms it.

Workers are scored in bulk: a :class:`WorkerPool` holds them sorted by id in integer
columns (numpy ``int64``, exact), so one task is scored against many workers with a
few vector operations. Batch assignment (:func:`assign_batch`) is a min-cost
assignment over capacity slots (``scipy.optimize.linear_sum_assignment``).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from ailee import encoding
from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.fields import check_id
from ailee.hashing import Tag, tagged_hash

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import numpy as np
    import numpy.typing as npt

__all__ = [
    "FACTORS",
    "PPM",
    "Assignment",
    "BatchResult",
    "CarriedDecision",
    "Exclusion",
    "Policy",
    "Resources",
    "ScheduleAttachment",
    "ScoreBreakdown",
    "Strategy",
    "TaskSpec",
    "Worker",
    "WorkerPool",
    "assign",
    "assign_batch",
    "assignment_from_json",
    "assignment_to_json",
    "attachment_from_object",
    "attachment_to_object",
    "check_decision",
    "check_task_ids",
    "decision_hash",
    "expected_cost",
    "inputs_commitment",
    "policy_from_json",
    "rank",
    "recompute",
    "resources_from_json",
    "task_from_json",
    "verify_batch",
    "worker_from_json",
]

#: One million: fractions are integers in parts per million.
PPM: Final = 1_000_000
#: Every factor is normalised to 0..FACTOR_MAX.
FACTOR_MAX: Final = 100
#: The scoring factors, in the order of breakdowns. ``load`` is a penalty.
FACTORS: Final = ("reputation", "latency", "capacity", "cost", "region", "green", "load")
#: Largest integer accepted in any scheduling input (2**53 - 1, as everywhere).
_MAX_INT: Final = (1 << 53) - 1
_RESOURCES: Final = ("cpu", "memory", "storage", "bandwidth", "gpu")


class Strategy(StrEnum):
    """How the eligible workers are ordered. Every strategy applies the same filters."""

    WEIGHTED = "weighted"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    LOWEST_LATENCY = "lowest_latency"
    LOWEST_COST = "lowest_cost"
    HIGHEST_REPUTATION = "highest_reputation"
    GREEN_FIRST = "green_first"
    GEOGRAPHIC = "geographic"


class Exclusion(StrEnum):
    """Why a worker cannot take a task: the first hard filter it fails, in this order."""

    QUARANTINED = "quarantined"
    CIRCUIT_OPEN = "circuit_open"
    REGION_NOT_ALLOWED = "region_not_allowed"
    NO_TASK_SLOT = "no_task_slot"
    INSUFFICIENT_CPU = "insufficient_cpu"
    INSUFFICIENT_MEMORY = "insufficient_memory"
    INSUFFICIENT_STORAGE = "insufficient_storage"
    INSUFFICIENT_BANDWIDTH = "insufficient_bandwidth"
    INSUFFICIENT_GPU = "insufficient_gpu"
    COST_TOO_HIGH = "cost_too_high"
    REPUTATION_TOO_LOW = "reputation_too_low"
    LATENCY_OVER_DEADLINE = "latency_over_deadline"
    NOT_GREEN = "not_green"


def _check_int(value: object, what: str, low: int = 0, high: int = _MAX_INT) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{what}: expected an integer")
    if not low <= value <= high:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"{what}: {value} not in [{low}, {high}]")
    return value


def _check_regions(regions: Iterable[str], what: str) -> tuple[str, ...]:
    values = tuple(check_id(region, what) for region in regions)
    if list(values) != sorted(set(values), key=lambda r: r.encode("utf-8")):
        raise DecodeError(ReasonCode.LIST_NOT_SORTED_UNIQUE, f"{what}: not sorted and unique")
    return values


@dataclass(frozen=True, slots=True)
class Resources:
    """Amounts of each resource: CPU in millicores, memory, storage in MiB, bandwidth in
    Mbit/s, whole GPUs."""

    cpu: int = 0
    memory: int = 0
    storage: int = 0
    bandwidth: int = 0
    gpu: int = 0

    def __post_init__(self) -> None:
        for name in _RESOURCES:
            _check_int(getattr(self, name), f"resources.{name}")

    def to_cbor_value(self) -> dict[str, int]:
        """The canonical value committed to."""
        return {name: getattr(self, name) for name in _RESOURCES}


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What a task needs and allows. ``max_cost`` and ``deadline_ms`` are optional."""

    id: str
    task_type: str
    priority: int
    needs: Resources
    duration_s: int
    preferred_regions: tuple[str, ...] = ()
    required_regions: tuple[str, ...] = ()
    max_cost: int | None = None
    deadline_ms: int | None = None
    needs_green: bool = False

    def __post_init__(self) -> None:
        check_id(self.id, "task.id")
        check_id(self.task_type, "task.task_type")
        _check_int(self.priority, "task.priority", 0, 255)
        _check_int(self.duration_s, "task.duration_s", 1)
        _check_regions(self.preferred_regions, "task.preferred_regions")
        _check_regions(self.required_regions, "task.required_regions")
        if self.max_cost is not None:
            _check_int(self.max_cost, "task.max_cost")
        if self.deadline_ms is not None:
            _check_int(self.deadline_ms, "task.deadline_ms")

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value committed to."""
        return {
            "id": self.id,
            "task_type": self.task_type,
            "priority": self.priority,
            "needs": self.needs.to_cbor_value(),
            "duration_s": self.duration_s,
            "preferred_regions": list(self.preferred_regions),
            "required_regions": list(self.required_regions),
            "max_cost": self.max_cost,
            "deadline_ms": self.deadline_ms,
            "needs_green": self.needs_green,
        }


@dataclass(frozen=True, slots=True)
class Worker:
    """A worker as measured. ``cost_per_hour`` is in satoshis, ``reputation`` and
    ``green_share`` in ppm; ``latency_ms`` and ``carbon`` (g CO2 per kWh) may be unknown
    (None): an unknown latency scores 0 and an unknown carbon intensity is not green."""

    id: str
    region: str
    capacity: Resources
    in_use: Resources
    max_tasks: int
    active_tasks: int
    cost_per_hour: int
    reputation: int
    latency_ms: int | None = None
    carbon: int | None = None
    green_share: int = 0
    quarantined: bool = False
    circuit_open: bool = False

    def __post_init__(self) -> None:
        check_id(self.id, "worker.id")
        check_id(self.region, "worker.region")
        _check_int(self.max_tasks, "worker.max_tasks", 1)
        _check_int(self.active_tasks, "worker.active_tasks", 0, self.max_tasks)
        for name in _RESOURCES:
            if getattr(self.in_use, name) > getattr(self.capacity, name):
                raise DecodeError(
                    ReasonCode.INT_OUT_OF_RANGE, f"worker {self.id}: {name} in use > capacity"
                )
        _check_int(self.cost_per_hour, "worker.cost_per_hour")
        _check_int(self.reputation, "worker.reputation", 0, PPM)
        _check_int(self.green_share, "worker.green_share", 0, PPM)
        if self.latency_ms is not None:
            _check_int(self.latency_ms, "worker.latency_ms")
        if self.carbon is not None:
            _check_int(self.carbon, "worker.carbon")

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value committed to."""
        return {
            "id": self.id,
            "region": self.region,
            "capacity": self.capacity.to_cbor_value(),
            "in_use": self.in_use.to_cbor_value(),
            "max_tasks": self.max_tasks,
            "active_tasks": self.active_tasks,
            "cost_per_hour": self.cost_per_hour,
            "reputation": self.reputation,
            "latency_ms": self.latency_ms,
            "carbon": self.carbon,
            "green_share": self.green_share,
            "quarantined": self.quarantined,
            "circuit_open": self.circuit_open,
        }


@dataclass(frozen=True, slots=True)
class Policy:
    """The scheduling policy: weights (integers 0..1000 per factor) and thresholds.

    ``latency_ceiling_ms`` and ``cost_ceiling`` bound the normalisation of latency and
    cost (a task's own ``max_cost`` replaces ``cost_ceiling``); a worker is green when
    its carbon intensity is known and at most ``green_max_carbon``, or its green share
    is at least ``green_min_share`` ppm.
    """

    weights: tuple[tuple[str, int], ...] = (
        ("reputation", 40),
        ("latency", 30),
        ("capacity", 20),
        ("cost", 20),
        ("region", 10),
        ("green", 5),
        ("load", 20),
    )
    min_reputation: int = 0
    latency_ceiling_ms: int = 1_000
    cost_ceiling: int = 100_000
    green_max_carbon: int = 100
    green_min_share: int = 500_000

    def __post_init__(self) -> None:
        names = [name for name, _ in self.weights]
        if names != list(FACTORS):
            raise DecodeError(
                ReasonCode.SCHEMA_BAD_FORMAT,
                f"policy.weights: one weight per factor, in the order {', '.join(FACTORS)}",
            )
        for name, weight in self.weights:
            _check_int(weight, f"policy.weights.{name}", 0, 1_000)
        _check_int(self.min_reputation, "policy.min_reputation", 0, PPM)
        _check_int(self.latency_ceiling_ms, "policy.latency_ceiling_ms", 1)
        _check_int(self.cost_ceiling, "policy.cost_ceiling", 1)
        _check_int(self.green_max_carbon, "policy.green_max_carbon")
        _check_int(self.green_min_share, "policy.green_min_share", 0, PPM)

    def weight(self, factor: str) -> int:
        """The weight of one factor."""
        return dict(self.weights)[factor]

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value committed to."""
        return {
            "weights": dict(self.weights),
            "min_reputation": self.min_reputation,
            "latency_ceiling_ms": self.latency_ceiling_ms,
            "cost_ceiling": self.cost_ceiling,
            "green_max_carbon": self.green_max_carbon,
            "green_min_share": self.green_min_share,
        }


def expected_cost(cost_per_hour: int, duration_s: int) -> int:
    """Satoshis a worker charges for a task: ``ceil(cost_per_hour * duration_s / 3600)``."""
    return -(-cost_per_hour * duration_s // 3600)


class WorkerPool:
    """Workers sorted by id, with their quantities as integer columns for bulk scoring.

    The pool's :attr:`commitment` is a tagged hash of the canonical CBOR of the sorted
    workers; an assignment commits to it rather than re-hashing every worker.
    """

    def __init__(self, workers: Iterable[Worker]) -> None:
        import numpy as np

        ordered = sorted(workers, key=lambda w: w.id.encode("utf-8"))
        for a, b in itertools.pairwise(ordered):
            if a.id == b.id:
                raise DecodeError(ReasonCode.SECTION_DUPLICATE_KEY, f"worker {a.id!r} twice")
        self.workers: tuple[Worker, ...] = tuple(ordered)
        self.ids: tuple[str, ...] = tuple(w.id for w in ordered)
        self.index: dict[str, int] = {w.id: k for k, w in enumerate(ordered)}

        def column(values: Iterable[int]) -> npt.NDArray[np.int64]:
            return np.fromiter(values, dtype=np.int64, count=len(ordered))

        self.free = {
            name: column(getattr(w.capacity, name) - getattr(w.in_use, name) for w in ordered)
            for name in _RESOURCES
        }
        self.capacity = {
            name: column(getattr(w.capacity, name) for w in ordered) for name in _RESOURCES
        }
        self.max_tasks = column(w.max_tasks for w in ordered)
        self.active = column(w.active_tasks for w in ordered)
        self.cost_per_hour = column(w.cost_per_hour for w in ordered)
        self.reputation = column(w.reputation for w in ordered)
        self.latency_known = np.fromiter((w.latency_ms is not None for w in ordered), bool)
        self.latency = column(w.latency_ms or 0 for w in ordered)
        self.carbon_known = np.fromiter((w.carbon is not None for w in ordered), bool)
        self.carbon = column(w.carbon or 0 for w in ordered)
        self.green_share = column(w.green_share for w in ordered)
        self.quarantined = np.fromiter((w.quarantined for w in ordered), bool)
        self.circuit_open = np.fromiter((w.circuit_open for w in ordered), bool)
        regions = sorted({w.region for w in ordered}, key=lambda r: r.encode("utf-8"))
        self.region_names: tuple[str, ...] = tuple(regions)
        region_code = {r: k for k, r in enumerate(regions)}
        self.region = column(region_code[w.region] for w in ordered)

    @functools.cached_property
    def commitment(self) -> bytes:
        """Tagged hash of the canonical CBOR of the workers in id order (computed once)."""
        return tagged_hash(
            Tag.SCHEDULE_WORKERS, encoding.encode([w.to_cbor_value() for w in self.workers])
        )

    def __len__(self) -> int:
        return len(self.workers)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkerPool) and self.workers == other.workers

    def __hash__(self) -> int:
        return hash(self.workers)

    def _region_mask(self, regions: Sequence[str]) -> npt.NDArray[np.bool_]:
        import numpy as np

        codes = [self.region_names.index(r) for r in regions if r in self.region_names]
        return np.isin(self.region, np.array(codes, dtype=np.int64))


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """One worker's factors (each 0..100) and weighted score for one task."""

    worker: str
    factors: tuple[tuple[str, int], ...]
    score: int

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value."""
        return {"worker": self.worker, "factors": dict(self.factors), "score": self.score}


@dataclass(frozen=True)
class _Scored:
    """Every worker's exclusion (or -1) and factor columns for one task."""

    exclusion: Any  # int8 column: index into Exclusion, -1 when eligible
    factors: dict[str, Any]
    score: Any
    cost: Any
    green: Any
    preferred: Any


_EXCLUSIONS: Final = tuple(Exclusion)


def _score(task: TaskSpec, pool: WorkerPool, policy: Policy) -> _Scored:
    import numpy as np

    n = len(pool)
    exclusion = np.full(n, -1, dtype=np.int8)

    def exclude(mask: npt.NDArray[np.bool_], reason: Exclusion) -> None:
        # Only the first failed filter is kept.
        exclusion[(exclusion == -1) & mask] = _EXCLUSIONS.index(reason)

    cost = -(-pool.cost_per_hour * task.duration_s // 3600)
    green = (pool.carbon_known & (pool.carbon <= policy.green_max_carbon)) | (
        pool.green_share >= policy.green_min_share
    )
    exclude(pool.quarantined, Exclusion.QUARANTINED)
    exclude(pool.circuit_open, Exclusion.CIRCUIT_OPEN)
    if task.required_regions:
        exclude(~pool._region_mask(task.required_regions), Exclusion.REGION_NOT_ALLOWED)
    exclude(pool.active >= pool.max_tasks, Exclusion.NO_TASK_SLOT)
    for name in _RESOURCES:
        need = getattr(task.needs, name)
        if need:
            exclude(pool.free[name] < need, Exclusion(f"insufficient_{name}"))
    if task.max_cost is not None:
        exclude(cost > task.max_cost, Exclusion.COST_TOO_HIGH)
    exclude(pool.reputation < policy.min_reputation, Exclusion.REPUTATION_TOO_LOW)
    if task.deadline_ms is not None:
        late = pool.latency_known & (pool.latency > task.deadline_ms)
        exclude(late | ~pool.latency_known, Exclusion.LATENCY_OVER_DEADLINE)
    if task.needs_green:
        exclude(~green, Exclusion.NOT_GREEN)

    ceiling = policy.latency_ceiling_ms
    latency = np.where(
        pool.latency_known,
        FACTOR_MAX * (ceiling - np.minimum(pool.latency, ceiling)) // ceiling,
        0,
    )
    capacity = np.full(n, FACTOR_MAX, dtype=np.int64)
    for name in _RESOURCES:
        need = getattr(task.needs, name)
        if need:
            total = np.maximum(pool.capacity[name], 1)
            spare = FACTOR_MAX * np.maximum(pool.free[name] - need, 0) // total
            capacity = np.minimum(capacity, spare)
    cost_ceiling = task.max_cost if task.max_cost else policy.cost_ceiling
    preferred = (
        pool._region_mask(task.preferred_regions)
        if task.preferred_regions
        else np.zeros(n, dtype=bool)
    )
    factors = {
        "reputation": FACTOR_MAX * pool.reputation // PPM,
        "latency": latency,
        "capacity": capacity,
        "cost": FACTOR_MAX * (cost_ceiling - np.minimum(cost, cost_ceiling)) // cost_ceiling,
        "region": np.where(preferred, FACTOR_MAX, 0),
        "green": np.where(green, FACTOR_MAX, 0),
        "load": FACTOR_MAX * pool.active // pool.max_tasks,
    }
    score = np.zeros(n, dtype=np.int64)
    for name, weight in policy.weights:
        if name == "load":
            score -= weight * factors[name]
        else:
            score += weight * factors[name]
    return _Scored(exclusion, factors, score, cost, green, preferred)


def _order(
    scored: _Scored, pool: WorkerPool, strategy: Strategy, cursor: str | None
) -> npt.NDArray[np.int64]:
    """Eligible worker indices, best first. Ties: worker id (the pool's order)."""
    import numpy as np

    eligible = np.flatnonzero(scored.exclusion == -1)
    if strategy is Strategy.ROUND_ROBIN:
        # The next worker after the cursor in id order, wrapping around.
        start = 0 if cursor is None else _after(pool, cursor)
        return np.concatenate([eligible[eligible >= start], eligible[eligible < start]])
    keys: list[Any] = [eligible]  # the last key of lexsort is the primary one
    score = scored.score[eligible]
    if strategy is Strategy.WEIGHTED:
        keys.append(-score)
    elif strategy is Strategy.LEAST_LOADED:
        # active / max_tasks, compared exactly by cross-multiplication through ppm.
        keys.append(pool.active[eligible] * PPM // pool.max_tasks[eligible])
    elif strategy is Strategy.LOWEST_LATENCY:
        latency = np.where(pool.latency_known[eligible], pool.latency[eligible], 1 << 62)
        keys.append(latency)
    elif strategy is Strategy.LOWEST_COST:
        keys.append(scored.cost[eligible])
    elif strategy is Strategy.HIGHEST_REPUTATION:
        keys.append(-pool.reputation[eligible])
    elif strategy is Strategy.GREEN_FIRST:
        keys.extend([-score, ~scored.green[eligible]])
    elif strategy is Strategy.GEOGRAPHIC:
        keys.extend([-score, ~scored.preferred[eligible]])
    return eligible[np.lexsort(keys)]


def _after(pool: WorkerPool, cursor: str) -> int:
    """Index of the first worker whose id sorts after ``cursor``."""
    from bisect import bisect_right

    return bisect_right([w.encode("utf-8") for w in pool.ids], cursor.encode("utf-8"))


def _breakdown(scored: _Scored, pool: WorkerPool, k: int) -> ScoreBreakdown:
    return ScoreBreakdown(
        pool.ids[k],
        tuple((name, int(scored.factors[name][k])) for name in FACTORS),
        int(scored.score[k]),
    )


def rank(
    task: TaskSpec,
    pool: WorkerPool,
    policy: Policy,
    strategy: Strategy = Strategy.WEIGHTED,
    cursor: str | None = None,
) -> tuple[list[ScoreBreakdown], dict[str, Exclusion]]:
    """Every eligible worker, best first, with its breakdown; and every excluded one
    with the first filter it failed."""
    scored = _score(task, pool, policy)
    order = _order(scored, pool, strategy, cursor)
    ranked = [_breakdown(scored, pool, int(k)) for k in order]
    return ranked, dict(_excluded(scored, pool))


def _excluded(scored: _Scored, pool: WorkerPool) -> list[tuple[str, Exclusion]]:
    """Excluded workers with their reasons, in id order."""
    import numpy as np

    positions = np.flatnonzero(scored.exclusion != -1)
    reasons = scored.exclusion[positions]
    return [
        (pool.ids[k], _EXCLUSIONS[reason])
        for k, reason in zip(positions.tolist(), reasons.tolist(), strict=True)
    ]


@dataclass(frozen=True, slots=True)
class Assignment:
    """A scheduling decision, as the ``tasks`` section records it.

    ``worker`` is None when no worker qualifies; ``backups`` are ranked, distinct, and
    start with the best-ranked worker in another region than the chosen one when one
    qualifies. ``cursor`` is the round-robin cursor after this decision (the chosen
    worker's id) for that strategy, else None. ``inputs`` is :func:`inputs_commitment`.
    """

    task: str
    strategy: Strategy
    worker: str | None
    backups: tuple[str, ...]
    expected_latency_ms: int | None
    expected_cost: int | None
    chosen: ScoreBreakdown | None
    runner_up: ScoreBreakdown | None
    excluded: tuple[tuple[str, Exclusion], ...]
    cursor: str | None
    inputs: bytes

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value (what a record stores)."""
        return {
            "task": self.task,
            "strategy": self.strategy.value,
            "worker": self.worker,
            "backups": list(self.backups),
            "expected_latency_ms": self.expected_latency_ms,
            "expected_cost": self.expected_cost,
            "chosen": None if self.chosen is None else self.chosen.to_cbor_value(),
            "runner_up": None if self.runner_up is None else self.runner_up.to_cbor_value(),
            "excluded": [[worker, reason.value] for worker, reason in self.excluded],
            "cursor": self.cursor,
            "inputs": self.inputs,
        }


#: How many backups an assignment names.
BACKUPS: Final = 3


def inputs_commitment(
    task: TaskSpec, pool: WorkerPool, policy: Policy, strategy: Strategy, cursor: str | None
) -> bytes:
    """Tagged hash of the canonical CBOR of every input of one decision."""
    value: dict[str, Any] = {
        "task": task.to_cbor_value(),
        "workers": pool.commitment,
        "policy": policy.to_cbor_value(),
        "strategy": strategy.value,
        "cursor": cursor,
    }
    return tagged_hash(Tag.SCHEDULE_INPUTS, encoding.encode(value))


def _backups(order: npt.NDArray[np.int64], pool: WorkerPool) -> tuple[str, ...]:
    """Up to BACKUPS workers after the chosen one, another region's best first."""
    import numpy as np

    if len(order) < 2:
        return ()
    rest = order[1:]
    other = np.flatnonzero(pool.region[rest] != pool.region[order[0]])
    picks = [int(rest[other[0]])] if other.size else []
    for k in rest[:BACKUPS].tolist():
        if len(picks) == BACKUPS:
            break
        if k not in picks:
            picks.append(k)
    return tuple(pool.ids[k] for k in picks)


def assign(
    task: TaskSpec,
    pool: WorkerPool,
    policy: Policy,
    strategy: Strategy = Strategy.WEIGHTED,
    cursor: str | None = None,
) -> Assignment:
    """Choose a worker for ``task``; the result records its inputs' commitment."""
    scored = _score(task, pool, policy)
    order = _order(scored, pool, strategy, cursor)
    chosen = _breakdown(scored, pool, int(order[0])) if len(order) else None
    worker = None if chosen is None else pool.workers[pool.index[chosen.worker]]
    return Assignment(
        task=task.id,
        strategy=strategy,
        worker=None if worker is None else worker.id,
        backups=_backups(order, pool),
        expected_latency_ms=None if worker is None else worker.latency_ms,
        expected_cost=None
        if worker is None
        else expected_cost(worker.cost_per_hour, task.duration_s),
        chosen=chosen,
        runner_up=_breakdown(scored, pool, int(order[1])) if len(order) > 1 else None,
        excluded=tuple(_excluded(scored, pool)),
        cursor=(None if worker is None else worker.id)
        if strategy is Strategy.ROUND_ROBIN
        else None,
        inputs=inputs_commitment(task, pool, policy, strategy, cursor),
    )


def recompute(
    record: Assignment,
    task: TaskSpec,
    pool: WorkerPool,
    policy: Policy,
    cursor: str | None = None,
) -> None:
    """Confirm a recorded decision by recomputing it from its inputs.

    Raises SCHEDULE_INPUTS_MISMATCH if these are not the inputs the record committed
    to, and SCHEDULE_MISMATCH if the same inputs give another decision.
    """
    commitment = inputs_commitment(task, pool, policy, record.strategy, cursor)
    if commitment != record.inputs:
        raise VerificationError(
            ReasonCode.SCHEDULE_INPUTS_MISMATCH,
            f"task {record.task}: the inputs given are not the ones the record commits to",
        )
    again = assign(task, pool, policy, record.strategy, cursor)
    if again != record:
        fields = [f.name for f in dataclasses.fields(record)]
        differs = [name for name in fields if getattr(again, name) != getattr(record, name)]
        raise VerificationError(
            ReasonCode.SCHEDULE_MISMATCH,
            f"task {record.task}: recomputed decision differs in {', '.join(differs)}",
        )


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A batch assignment: task id -> worker id, and unassigned tasks with reasons."""

    assigned: tuple[tuple[str, str], ...]
    unassigned: tuple[tuple[str, str], ...]
    total_score: int


def assign_batch(tasks: Sequence[TaskSpec], pool: WorkerPool, policy: Policy) -> BatchResult:
    """Assign tasks to workers' free task slots: as many tasks as possible, and among
    those assignments one with the largest total weighted score.

    A min-cost assignment over capacity slots (``scipy.optimize.linear_sum_assignment``)
    on integer costs that fit a float64 exactly: an eligible (task, slot) costs
    ``-(score + SHIFT)`` with ``SHIFT`` larger than any difference of total scores, so
    assigning one more task always wins; an ineligible one costs 0. Tasks are taken in
    id order and slots in worker-id order, so the input order never matters; between
    assignments of equal total the solver's deterministic choice on that matrix stands.
    Resources are checked per task against each worker's free resources (not summed
    over the tasks a worker gets): the batch fills task slots, as the original's
    Hungarian assignment did.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    ordered = sorted(tasks, key=lambda t: t.id.encode("utf-8"))
    check_task_ids(ordered)
    slot_worker = np.repeat(np.arange(len(pool)), pool.max_tasks - pool.active)
    reasons: dict[str, str] = {}
    if not ordered or slot_worker.size == 0:
        return BatchResult((), tuple((t.id, "no free task slot") for t in ordered), 0)
    scores = np.empty((len(ordered), len(pool)), dtype=np.int64)
    eligible = np.empty((len(ordered), len(pool)), dtype=bool)
    for i, task in enumerate(ordered):
        scored = _score(task, pool, policy)
        scores[i] = scored.score
        eligible[i] = scored.exclusion == -1
        if not eligible[i].any():
            reasons[task.id] = "no eligible worker"
    slot_scores = scores[:, slot_worker]
    slot_eligible = eligible[:, slot_worker]
    spread = int(np.abs(scores).max(initial=0)) + 1
    shift = 2 * spread * len(ordered) + 1
    cost = np.where(slot_eligible, -(slot_scores + shift), 0)
    rows, cols = linear_sum_assignment(cost)
    assigned = []
    total = 0
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if slot_eligible[i, j]:
            assigned.append((ordered[i].id, pool.ids[int(slot_worker[j])]))
            total += int(slot_scores[i, j])
    done = {task for task, _ in assigned}
    unassigned = tuple(
        (t.id, reasons.get(t.id, "no eligible worker with a free slot left"))
        for t in ordered
        if t.id not in done
    )
    return BatchResult(tuple(assigned), unassigned, total)


# --- JSON forms (vectors, and the records a snapshot will carry) ---------------------


def _read(value: Any, path: str, names: tuple[str, ...]) -> dict[str, Any]:
    from ailee.fields import expect_object

    return expect_object(value, path, names)


def _opt_int(value: Any, path: str) -> int | None:
    return None if value is None else _check_int(value, path)


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}: expected true or false")
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}: expected a string")
    return value


def _texts(value: Any, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}: expected an array")
    return tuple(_text(item, f"{path}[{k}]") for k, item in enumerate(value))


def resources_from_json(value: Any, path: str = "resources") -> Resources:
    """Read :class:`Resources` from its JSON object (every field present)."""
    obj = _read(value, path, _RESOURCES)
    return Resources(**{name: _check_int(obj[name], f"{path}.{name}") for name in _RESOURCES})


def task_from_json(value: Any, path: str = "task") -> TaskSpec:
    """Read a :class:`TaskSpec` from the object :meth:`TaskSpec.to_cbor_value` gives."""
    obj = _read(value, path, tuple(TaskSpec.__dataclass_fields__))
    return TaskSpec(
        id=_text(obj["id"], f"{path}.id"),
        task_type=_text(obj["task_type"], f"{path}.task_type"),
        priority=_check_int(obj["priority"], f"{path}.priority", 0, 255),
        needs=resources_from_json(obj["needs"], f"{path}.needs"),
        duration_s=_check_int(obj["duration_s"], f"{path}.duration_s", 1),
        preferred_regions=_texts(obj["preferred_regions"], f"{path}.preferred_regions"),
        required_regions=_texts(obj["required_regions"], f"{path}.required_regions"),
        max_cost=_opt_int(obj["max_cost"], f"{path}.max_cost"),
        deadline_ms=_opt_int(obj["deadline_ms"], f"{path}.deadline_ms"),
        needs_green=_bool(obj["needs_green"], f"{path}.needs_green"),
    )


def worker_from_json(value: Any, path: str = "worker") -> Worker:
    """Read a :class:`Worker` from the object :meth:`Worker.to_cbor_value` gives."""
    obj = _read(value, path, tuple(Worker.__dataclass_fields__))
    return Worker(
        id=_text(obj["id"], f"{path}.id"),
        region=_text(obj["region"], f"{path}.region"),
        capacity=resources_from_json(obj["capacity"], f"{path}.capacity"),
        in_use=resources_from_json(obj["in_use"], f"{path}.in_use"),
        max_tasks=_check_int(obj["max_tasks"], f"{path}.max_tasks", 1),
        active_tasks=_check_int(obj["active_tasks"], f"{path}.active_tasks"),
        cost_per_hour=_check_int(obj["cost_per_hour"], f"{path}.cost_per_hour"),
        reputation=_check_int(obj["reputation"], f"{path}.reputation", 0, PPM),
        latency_ms=_opt_int(obj["latency_ms"], f"{path}.latency_ms"),
        carbon=_opt_int(obj["carbon"], f"{path}.carbon"),
        green_share=_check_int(obj["green_share"], f"{path}.green_share", 0, PPM),
        quarantined=_bool(obj["quarantined"], f"{path}.quarantined"),
        circuit_open=_bool(obj["circuit_open"], f"{path}.circuit_open"),
    )


def policy_from_json(value: Any, path: str = "policy") -> Policy:
    """Read a :class:`Policy` from the object :meth:`Policy.to_cbor_value` gives."""
    obj = _read(value, path, tuple(Policy.__dataclass_fields__))
    weights = _read(obj["weights"], f"{path}.weights", FACTORS)
    return Policy(
        weights=tuple(
            (name, _check_int(weights[name], f"{path}.weights.{name}", 0, 1_000))
            for name in FACTORS
        ),
        min_reputation=_check_int(obj["min_reputation"], f"{path}.min_reputation", 0, PPM),
        latency_ceiling_ms=_check_int(obj["latency_ceiling_ms"], f"{path}.latency_ceiling_ms", 1),
        cost_ceiling=_check_int(obj["cost_ceiling"], f"{path}.cost_ceiling", 1),
        green_max_carbon=_check_int(obj["green_max_carbon"], f"{path}.green_max_carbon"),
        green_min_share=_check_int(obj["green_min_share"], f"{path}.green_min_share", 0, PPM),
    )


def _breakdown_from_json(value: Any, path: str) -> ScoreBreakdown | None:
    if value is None:
        return None
    obj = _read(value, path, ("worker", "factors", "score"))
    factors = _read(obj["factors"], f"{path}.factors", FACTORS)
    score = obj["score"]
    if not isinstance(score, int) or isinstance(score, bool):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.score: expected an integer")
    return ScoreBreakdown(
        _text(obj["worker"], f"{path}.worker"),
        tuple((name, _check_int(factors[name], f"{path}.factors.{name}")) for name in FACTORS),
        score,
    )


def assignment_to_json(record: Assignment) -> dict[str, Any]:
    """The JSON object of an assignment (``inputs`` in hex)."""
    value = record.to_cbor_value()
    value["inputs"] = record.inputs.hex()
    return value


def assignment_from_json(value: Any, path: str = "assignment", *, cbor: bool = False) -> Assignment:
    """Read an :class:`Assignment` from :func:`assignment_to_json`'s object (or, with
    ``cbor``, from its CBOR form, where ``inputs`` is a byte string)."""
    from ailee.fields import hex_to_bytes

    obj = _read(value, path, tuple(Assignment.__dataclass_fields__))
    strategy_text = _text(obj["strategy"], f"{path}.strategy")
    if strategy_text not in Strategy.__members__.values():
        raise DecodeError(ReasonCode.ENUM_UNKNOWN_VALUE, f"{path}.strategy: {strategy_text!r}")
    excluded = []
    for k, item in enumerate(obj["excluded"] if isinstance(obj["excluded"], list) else [None]):
        if not (isinstance(item, list) and len(item) == 2):
            raise DecodeError(
                ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.excluded[{k}]: expected [worker, reason]"
            )
        reason = _text(item[1], f"{path}.excluded[{k}][1]")
        if reason not in Exclusion.__members__.values():
            raise DecodeError(ReasonCode.ENUM_UNKNOWN_VALUE, f"{path}.excluded[{k}]: {reason!r}")
        excluded.append((_text(item[0], f"{path}.excluded[{k}][0]"), Exclusion(reason)))
    if cbor:
        inputs = obj["inputs"]
        if not isinstance(inputs, bytes):
            raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.inputs: expected bytes")
    else:
        inputs = hex_to_bytes(_text(obj["inputs"], f"{path}.inputs"), f"{path}.inputs")
    if len(inputs) != 32:
        raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, f"{path}.inputs: not 32 bytes")
    worker = obj["worker"]
    cursor = obj["cursor"]
    return Assignment(
        task=_text(obj["task"], f"{path}.task"),
        strategy=Strategy(strategy_text),
        worker=None if worker is None else _text(worker, f"{path}.worker"),
        backups=_texts(obj["backups"], f"{path}.backups"),
        expected_latency_ms=_opt_int(obj["expected_latency_ms"], f"{path}.expected_latency_ms"),
        expected_cost=_opt_int(obj["expected_cost"], f"{path}.expected_cost"),
        chosen=_breakdown_from_json(obj["chosen"], f"{path}.chosen"),
        runner_up=_breakdown_from_json(obj["runner_up"], f"{path}.runner_up"),
        excluded=tuple(excluded),
        cursor=None if cursor is None else _text(cursor, f"{path}.cursor"),
        inputs=inputs,
    )


def check_task_ids(tasks: Sequence[TaskSpec]) -> None:
    """Refuse a batch that names the same task id twice (SECTION_DUPLICATE_KEY)."""
    if len({t.id for t in tasks}) != len(tasks):
        raise DecodeError(ReasonCode.SECTION_DUPLICATE_KEY, "a task id appears twice")


def verify_batch(
    result: BatchResult, tasks: Sequence[TaskSpec], pool: WorkerPool, policy: Policy
) -> None:
    """Check a batch result from any solver: every pair is eligible, no worker gets more
    tasks than its free slots, the total is right, and the number of tasks assigned and
    the total score are the optimum (recomputed with :func:`assign_batch`).

    Which of several optimal assignments a solver returns is not normative; these are.
    """
    check_task_ids(tasks)
    by_id = {t.id: t for t in tasks}
    used: dict[str, int] = {}
    total = 0
    for task_id, worker_id in result.assigned:
        task = by_id.get(task_id)
        k = pool.index.get(worker_id)
        if task is None or k is None:
            raise VerificationError(
                ReasonCode.SCHEDULE_MISMATCH, f"batch names unknown task or worker {task_id}"
            )
        scored = _score(task, pool, policy)
        if scored.exclusion[k] != -1:
            raise VerificationError(
                ReasonCode.SCHEDULE_MISMATCH, f"batch gives {task_id} to ineligible {worker_id}"
            )
        used[worker_id] = used.get(worker_id, 0) + 1
        if used[worker_id] > int(pool.max_tasks[k] - pool.active[k]):
            raise VerificationError(
                ReasonCode.SCHEDULE_MISMATCH, f"batch gives {worker_id} more tasks than slots"
            )
        total += int(scored.score[k])
    if len({t for t, _ in result.assigned}) != len(result.assigned):
        raise VerificationError(ReasonCode.SCHEDULE_MISMATCH, "batch assigns a task twice")
    optimum = assign_batch(tasks, pool, policy)
    if total != result.total_score or (len(result.assigned), total) != (
        len(optimum.assigned),
        optimum.total_score,
    ):
        raise VerificationError(
            ReasonCode.SCHEDULE_MISMATCH,
            f"batch assigns {len(result.assigned)} tasks for a total of {total}; the optimum "
            f"is {len(optimum.assigned)} for {optimum.total_score}",
        )
    if {t for t, _ in result.unassigned} != set(by_id) - {t for t, _ in result.assigned}:
        raise VerificationError(ReasonCode.SCHEDULE_MISMATCH, "unassigned tasks misreported")


# --- decisions recorded in a snapshot ------------------------------------------------


def decision_hash(record: Assignment) -> bytes:
    """What a task record's ``decision`` field holds: the tagged hash of the canonical
    CBOR of the decision record."""
    return tagged_hash(Tag.SCHEDULE_DECISION, encoding.encode(record.to_cbor_value()))


@dataclass(frozen=True, slots=True)
class CarriedDecision:
    """A decision record and the inputs it was made from, as a snapshot carries them."""

    record: Assignment
    task: TaskSpec
    policy: int
    pool: int
    cursor: str | None


@dataclass(frozen=True)
class ScheduleAttachment:
    """The ``schedule`` part of a snapshot document: decision records with their inputs.

    It is not part of the state root: each record is bound by its task's ``decision``
    hash, and its inputs by the record's ``inputs`` commitment.
    """

    policies: tuple[Policy, ...]
    pools: tuple[WorkerPool, ...]
    decisions: tuple[CarriedDecision, ...]


def attachment_from_object(value: Any, path: str, *, cbor: bool) -> ScheduleAttachment:
    """Read the ``schedule`` object of a snapshot document (JSON or CBOR form)."""
    obj = _read(value, path, ("policies", "pools", "decisions"))

    def items(name: str) -> list[Any]:
        found = obj[name]
        if not isinstance(found, list):
            raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.{name}: expected an array")
        return found

    policies = tuple(
        policy_from_json(p, f"{path}.policies[{k}]") for k, p in enumerate(items("policies"))
    )
    pools = []
    for k, pool in enumerate(items("pools")):
        if not isinstance(pool, list):
            raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.pools[{k}]: expected an array")
        members = [worker_from_json(w, f"{path}.pools[{k}][{j}]") for j, w in enumerate(pool)]
        ids = [w.id.encode("utf-8") for w in members]
        if any(x >= y for x, y in itertools.pairwise(ids)):
            # One encoding per attachment: workers in id order, each once.
            raise DecodeError(
                ReasonCode.LIST_NOT_SORTED_UNIQUE,
                f"{path}.pools[{k}]: workers not in ascending id order, or one twice",
            )
        pools.append(WorkerPool(members))
    decisions = []
    for k, item in enumerate(items("decisions")):
        where = f"{path}.decisions[{k}]"
        entry = _read(item, where, ("record", "task", "policy", "pool", "cursor"))
        cursor = entry["cursor"]
        decisions.append(
            CarriedDecision(
                record=assignment_from_json(entry["record"], f"{where}.record", cbor=cbor),
                task=task_from_json(entry["task"], f"{where}.task"),
                policy=_check_int(entry["policy"], f"{where}.policy", 0, len(policies) - 1),
                pool=_check_int(entry["pool"], f"{where}.pool", 0, len(pools) - 1),
                cursor=None if cursor is None else _text(cursor, f"{where}.cursor"),
            )
        )
    ids = [d.record.task.encode("utf-8") for d in decisions]
    if any(a >= b for a, b in itertools.pairwise(ids)):
        raise DecodeError(
            ReasonCode.LIST_NOT_SORTED_UNIQUE,
            f"{path}.decisions: not in ascending order of task id, or a task twice",
        )
    return ScheduleAttachment(policies, tuple(pools), tuple(decisions))


def attachment_to_object(attachment: ScheduleAttachment, *, cbor: bool) -> dict[str, Any]:
    """The ``schedule`` object of a snapshot document."""

    def record(r: Assignment) -> dict[str, Any]:
        return r.to_cbor_value() if cbor else assignment_to_json(r)

    return {
        "policies": [p.to_cbor_value() for p in attachment.policies],
        "pools": [[w.to_cbor_value() for w in pool.workers] for pool in attachment.pools],
        "decisions": [
            {
                "record": record(d.record),
                "task": d.task.to_cbor_value(),
                "policy": d.policy,
                "pool": d.pool,
                "cursor": d.cursor,
            }
            for d in attachment.decisions
        ],
    }


def check_decision(carried: CarriedDecision, attachment: ScheduleAttachment, task: Any) -> None:
    """Check one carried decision against its task record (a :class:`ailee.state.Task`
    or None): the record is the one the task commits to, names the task's worker, and
    recomputes from its inputs."""
    record = carried.record
    if task is None or task.decision is None:
        raise VerificationError(
            ReasonCode.SCHEDULE_NO_DECISION,
            f"task {record.task}: no task record with a decision in the state",
        )
    if decision_hash(record) != task.decision:
        raise VerificationError(
            ReasonCode.SCHEDULE_DECISION_MISMATCH,
            f"task {record.task}: the carried record is not the one the task commits to",
        )
    if record.worker != task.assignment:
        raise VerificationError(
            ReasonCode.SCHEDULE_ASSIGNMENT_MISMATCH,
            f"task {record.task}: assigned to {task.assignment!r}, the decision chose "
            f"{record.worker!r}",
        )
    if carried.task.id != record.task:
        raise VerificationError(
            ReasonCode.SCHEDULE_INPUTS_MISMATCH,
            f"task {record.task}: the inputs describe task {carried.task.id}",
        )
    recompute(
        record,
        carried.task,
        attachment.pools[carried.pool],
        attachment.policies[carried.policy],
        carried.cursor,
    )
