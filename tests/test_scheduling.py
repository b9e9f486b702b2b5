"""Scheduling: known answers, filters, strategies, records, and properties that must hold."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.scheduling import (
    FACTORS,
    Exclusion,
    Policy,
    Resources,
    Strategy,
    TaskSpec,
    Worker,
    WorkerPool,
    assign,
    assign_batch,
    expected_cost,
    rank,
    recompute,
)

R = Resources
POLICY = Policy()


def worker(name: str, **changes: object) -> Worker:
    fields: dict[str, object] = {
        "id": name,
        "region": "eu",
        "capacity": R(cpu=4000, memory=8192, storage=100_000, bandwidth=1000, gpu=1),
        "in_use": R(),
        "max_tasks": 4,
        "active_tasks": 0,
        "cost_per_hour": 3600,
        "reputation": 800_000,
        "latency_ms": 100,
        "carbon": 300,
        "green_share": 0,
    }
    fields.update(changes)
    return Worker(**fields)  # type: ignore[arg-type]


def task(**changes: object) -> TaskSpec:
    fields: dict[str, object] = {
        "id": "t",
        "task_type": "inference",
        "priority": 1,
        "needs": R(cpu=1000, memory=1024),
        "duration_s": 3600,
    }
    fields.update(changes)
    return TaskSpec(**fields)  # type: ignore[arg-type]


def test_known_answer_factors_and_score() -> None:
    w = worker(
        "a",
        region="eu",
        in_use=R(cpu=1000, memory=2048),
        active_tasks=1,
        latency_ms=250,
        carbon=80,
        reputation=900_000,
        cost_per_hour=7200,
    )
    ranked, excluded = rank(task(preferred_regions=("eu",)), WorkerPool([w]), POLICY)
    assert excluded == {}
    (only,) = ranked
    factors = dict(only.factors)
    assert factors == {
        "reputation": 90,  # 900,000 ppm
        "latency": 75,  # 100 * (1000 - 250) // 1000
        "capacity": 50,  # min(cpu 100 * (3000 - 1000) // 4000, memory 100 * 5120 // 8192)
        "cost": 92,  # 7200 sat/h for 1 h: 100 * (100_000 - 7200) // 100_000
        "region": 100,
        "green": 100,  # 80 g/kWh <= 100
        "load": 25,  # 1 of 4 slots
    }
    weights = dict(POLICY.weights)
    expected = sum(weights[f] * factors[f] for f in FACTORS if f != "load")
    assert only.score == expected - weights["load"] * factors["load"]
    assert expected_cost(7200, 3600) == 7200
    assert expected_cost(1, 1) == 1  # rounded up


@pytest.mark.parametrize(
    ("changes", "needs", "reason"),
    [
        ({"quarantined": True}, {}, Exclusion.QUARANTINED),
        ({"circuit_open": True}, {}, Exclusion.CIRCUIT_OPEN),
        ({"region": "us"}, {"required_regions": ("eu",)}, Exclusion.REGION_NOT_ALLOWED),
        ({"active_tasks": 4}, {}, Exclusion.NO_TASK_SLOT),
        ({"in_use": R(cpu=3500)}, {}, Exclusion.INSUFFICIENT_CPU),
        ({"in_use": R(memory=8000)}, {"needs": R(memory=193)}, Exclusion.INSUFFICIENT_MEMORY),
        ({"in_use": R(storage=99_999)}, {"needs": R(storage=2)}, Exclusion.INSUFFICIENT_STORAGE),
        (
            {"in_use": R(bandwidth=1000)},
            {"needs": R(bandwidth=1)},
            Exclusion.INSUFFICIENT_BANDWIDTH,
        ),
        ({"in_use": R(gpu=1)}, {"needs": R(gpu=1)}, Exclusion.INSUFFICIENT_GPU),
        ({"cost_per_hour": 3601}, {"max_cost": 3600}, Exclusion.COST_TOO_HIGH),
        ({"latency_ms": 101}, {"deadline_ms": 100}, Exclusion.LATENCY_OVER_DEADLINE),
        ({"latency_ms": None}, {"deadline_ms": 100}, Exclusion.LATENCY_OVER_DEADLINE),
        ({"carbon": 101}, {"needs_green": True}, Exclusion.NOT_GREEN),
        ({"carbon": None}, {"needs_green": True}, Exclusion.NOT_GREEN),
    ],
)
def test_each_filter_excludes_with_its_reason(
    changes: dict[str, object], needs: dict[str, object], reason: Exclusion
) -> None:
    pool = WorkerPool([worker("bad", **changes), worker("good", carbon=50)])
    record = assign(task(**needs), pool, POLICY)
    assert record.worker == "good"
    assert dict(record.excluded) == {"bad": reason}


def test_minimum_reputation_and_first_failed_filter() -> None:
    policy = dataclasses.replace(POLICY, min_reputation=800_001)
    record = assign(task(), WorkerPool([worker("w")]), policy)
    assert record.worker is None
    assert dict(record.excluded) == {"w": Exclusion.REPUTATION_TOO_LOW}
    both = worker("x", quarantined=True, reputation=0)
    assert dict(assign(task(), WorkerPool([both]), policy).excluded) == {"x": Exclusion.QUARANTINED}


def test_green_by_share_and_boundaries() -> None:
    shares = WorkerPool([worker("s", carbon=None, green_share=500_000)])
    assert assign(task(needs_green=True), shares, POLICY).worker == "s"
    at_limit = WorkerPool([worker("c", carbon=100)])
    assert assign(task(needs_green=True), at_limit, POLICY).worker == "c"


def test_ties_are_broken_by_worker_id_whatever_the_input_order() -> None:
    same = [worker(name) for name in ("b", "a", "c")]
    for strategy in Strategy:
        record = assign(task(), WorkerPool(same), POLICY, strategy)
        assert record.worker == "a", strategy
        assert record.backups == ("b", "c")


def test_strategies_order_by_their_key() -> None:
    pool = WorkerPool(
        [
            worker("a", active_tasks=3, latency_ms=10, cost_per_hour=9000, reputation=100_000),
            worker("b", active_tasks=0, latency_ms=300, cost_per_hour=5000, reputation=999_000),
            worker("c", active_tasks=1, latency_ms=50, cost_per_hour=1000, reputation=500_000,
                   carbon=50, region="us"),
        ]
    )  # fmt: skip
    t = task(preferred_regions=("us",))
    choice = {
        s: assign(t, pool, POLICY, s).worker for s in Strategy if s is not Strategy.ROUND_ROBIN
    }
    assert choice[Strategy.LEAST_LOADED] == "b"
    assert choice[Strategy.LOWEST_LATENCY] == "a"
    assert choice[Strategy.LOWEST_COST] == "c"
    assert choice[Strategy.HIGHEST_REPUTATION] == "b"
    assert choice[Strategy.GREEN_FIRST] == "c"
    assert choice[Strategy.GEOGRAPHIC] == "c"
    ranked, _ = rank(t, pool, POLICY)
    assert choice[Strategy.WEIGHTED] == ranked[0].worker
    assert [b.score for b in ranked] == sorted((b.score for b in ranked), reverse=True)


def test_round_robin_is_a_real_rotation() -> None:
    pool = WorkerPool([worker(name) for name in ("a", "b", "c", "d")] + [
        worker("bb", quarantined=True)
    ])  # fmt: skip
    cursor = None
    seen = []
    for _ in range(6):
        record = assign(task(), pool, POLICY, Strategy.ROUND_ROBIN, cursor)
        assert record.cursor == record.worker
        seen.append(record.worker)
        cursor = record.cursor
    assert seen == ["a", "b", "c", "d", "a", "b"]  # "bb" is filtered out
    # A cursor naming a worker that no longer exists continues after it by id.
    assert assign(task(), pool, POLICY, Strategy.ROUND_ROBIN, "bz").worker == "c"


def test_backups_prefer_another_region() -> None:
    pool = WorkerPool(
        [worker("a", reputation=990_000), worker("b", reputation=980_000),
         worker("c", reputation=970_000), worker("z", region="us", reputation=10_000)]
    )  # fmt: skip
    record = assign(task(), pool, POLICY)
    assert record.worker == "a"
    assert record.backups == ("z", "b", "c")
    assert record.runner_up is not None
    assert record.runner_up.worker == "b"


def test_no_worker_qualifies() -> None:
    record = assign(task(needs=R(gpu=5)), WorkerPool([worker("a")]), POLICY)
    assert record.worker is None
    assert record.backups == ()
    assert record.chosen is None
    assert record.expected_cost is None


def test_recompute_confirms_and_catches_changes() -> None:
    pool = WorkerPool([worker("a"), worker("b", reputation=900_000)])
    record = assign(task(), pool, POLICY)
    recompute(record, task(), pool, POLICY)
    with pytest.raises(VerificationError) as info:
        recompute(record, task(priority=2), pool, POLICY)
    assert info.value.code is ReasonCode.SCHEDULE_INPUTS_MISMATCH
    forged = dataclasses.replace(record, worker="a")
    with pytest.raises(VerificationError) as info:
        recompute(forged, task(), pool, POLICY)
    assert info.value.code is ReasonCode.SCHEDULE_MISMATCH
    other_pool = WorkerPool([worker("a"), worker("b", reputation=900_001)])
    with pytest.raises(VerificationError) as info:
        recompute(record, task(), other_pool, POLICY)
    assert info.value.code is ReasonCode.SCHEDULE_INPUTS_MISMATCH


def test_inputs_are_validated() -> None:
    bad: list[tuple[object, ReasonCode]] = [
        (lambda: worker("w", reputation=PPM_PLUS), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: worker("w", active_tasks=5), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: worker("w", in_use=R(cpu=4001)), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: worker("", ), ReasonCode.ID_EMPTY),
        (lambda: worker("w", latency_ms=-1), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: worker("w", cost_per_hour=1.5), ReasonCode.SCHEMA_WRONG_TYPE),
        (lambda: task(priority=256), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: task(duration_s=0), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: task(preferred_regions=("us", "eu")), ReasonCode.LIST_NOT_SORTED_UNIQUE),
        (lambda: R(cpu=-1), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: Policy(weights=(("reputation", 1),)), ReasonCode.SCHEMA_BAD_FORMAT),
        (lambda: Policy(latency_ceiling_ms=0), ReasonCode.INT_OUT_OF_RANGE),
        (lambda: WorkerPool([worker("a"), worker("a")]), ReasonCode.SECTION_DUPLICATE_KEY),
    ]  # fmt: skip
    for make, code in bad:
        with pytest.raises(DecodeError) as info:
            make()  # type: ignore[operator]
        assert info.value.code is code


PPM_PLUS = 1_000_001


# --- properties ----------------------------------------------------------------------

names = st.sampled_from([f"w{k:02d}" for k in range(30)])
workers = st.lists(
    st.builds(
        worker,
        names,
        region=st.sampled_from(["eu", "us", "ap"]),
        active_tasks=st.integers(0, 4),
        in_use=st.builds(R, cpu=st.integers(0, 4000), memory=st.integers(0, 8192)),
        cost_per_hour=st.integers(0, 20_000),
        reputation=st.integers(0, 1_000_000),
        latency_ms=st.none() | st.integers(0, 2000),
        carbon=st.none() | st.integers(0, 500),
        quarantined=st.booleans(),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda w: w.id,
)
tasks = st.builds(
    task,
    needs=st.builds(R, cpu=st.integers(0, 3000), memory=st.integers(0, 4096)),
    preferred_regions=st.sampled_from([(), ("eu",), ("ap", "us")]),
    max_cost=st.none() | st.integers(0, 20_000),
    deadline_ms=st.none() | st.integers(0, 2000),
)


@settings(max_examples=150, deadline=None)
@given(workers, tasks, st.sampled_from(list(Strategy)), st.randoms(use_true_random=False))
def test_input_order_never_changes_a_decision(
    pool_workers: list[Worker], t: TaskSpec, strategy: Strategy, rnd: random.Random
) -> None:
    shuffled = list(pool_workers)
    rnd.shuffle(shuffled)
    assert assign(t, WorkerPool(pool_workers), POLICY, strategy) == assign(
        t, WorkerPool(shuffled), POLICY, strategy
    )


@settings(max_examples=150, deadline=None)
@given(workers, tasks, st.sampled_from(list(Strategy)))
def test_a_filtered_out_worker_is_never_chosen(
    pool_workers: list[Worker], t: TaskSpec, strategy: Strategy
) -> None:
    record = assign(t, WorkerPool(pool_workers), POLICY, strategy)
    excluded = {name for name, _ in record.excluded}
    assert record.worker not in excluded
    assert not excluded & set(record.backups)
    assert len(set(record.backups)) == len(record.backups)
    assert record.worker not in record.backups
    assert len(excluded) + len(rank(t, WorkerPool(pool_workers), POLICY)[0]) == len(pool_workers)


@settings(max_examples=150, deadline=None)
@given(workers, tasks, st.data())
def test_more_reputation_never_lowers_the_rank(
    pool_workers: list[Worker], t: TaskSpec, data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(pool_workers))
    raised = dataclasses.replace(
        target, reputation=data.draw(st.integers(target.reputation, 1_000_000))
    )
    before, _ = rank(t, WorkerPool(pool_workers), POLICY)
    after, _ = rank(
        t, WorkerPool([raised if w.id == target.id else w for w in pool_workers]), POLICY
    )
    position = {b.worker: k for k, b in enumerate(before)}
    position_after = {b.worker: k for k, b in enumerate(after)}
    if target.id in position:
        assert position_after[target.id] <= position[target.id]


def _brute_force(ts: list[TaskSpec], pool: WorkerPool) -> tuple[int, int]:
    """Best (assigned count, total score) over every assignment of tasks to slots."""
    slots = [k for k, w in enumerate(pool.workers) for _ in range(w.max_tasks - w.active_tasks)]
    scores = []
    for t in ts:
        ranked, _ = rank(t, pool, POLICY)
        scores.append({pool.index[b.worker]: b.score for b in ranked})
    best = (0, 0)
    choices = [None, *range(len(slots))]
    for pick in itertools.product(choices, repeat=len(ts)):
        used = [p for p in pick if p is not None]
        if len(used) != len(set(used)):
            continue
        if any(p is not None and slots[p] not in scores[i] for i, p in enumerate(pick)):
            continue
        value = (len(used), sum(scores[i][slots[p]] for i, p in enumerate(pick) if p is not None))
        best = max(best, value)
    return best


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(worker, names, max_tasks=st.integers(1, 2), active_tasks=st.just(0),
                  reputation=st.integers(0, 1_000_000), latency_ms=st.integers(0, 2000),
                  in_use=st.builds(R, cpu=st.integers(0, 4000))),
        min_size=1, max_size=3, unique_by=lambda w: w.id,
    ),
    st.lists(st.builds(task, needs=st.builds(R, cpu=st.integers(0, 2500))), min_size=1,
             max_size=4),
)  # fmt: skip
def test_batch_is_optimal_against_brute_force(
    pool_workers: list[Worker], ts: list[TaskSpec]
) -> None:
    ts = [dataclasses.replace(t, id=f"t{k}") for k, t in enumerate(ts)]
    pool = WorkerPool(pool_workers)
    result = assign_batch(ts, pool, POLICY)
    assert (len(result.assigned), result.total_score) == _brute_force(ts, pool)
    assert len(result.assigned) + len(result.unassigned) == len(ts)
    # Every assignment is eligible and no worker gets more tasks than its free slots.
    for task_id, worker_id in result.assigned:
        t = next(t for t in ts if t.id == task_id)
        ranked, _ = rank(t, pool, POLICY)
        assert worker_id in {b.worker for b in ranked}
    for w in pool.workers:
        assert sum(1 for _, x in result.assigned if x == w.id) <= w.max_tasks - w.active_tasks
    # Deterministic and independent of the order of the tasks.
    assert assign_batch(list(reversed(ts)), WorkerPool(list(reversed(pool_workers))), POLICY) == (
        result
    )


def test_batch_reports_unassignable_tasks() -> None:
    pool = WorkerPool([worker("a", max_tasks=1)])
    result = assign_batch(
        [task(id="t1"), task(id="t2"), task(id="t3", needs=R(gpu=9))], pool, POLICY
    )
    assert result.assigned == (("t1", "a"),)
    assert dict(result.unassigned) == {
        "t2": "no eligible worker with a free slot left",
        "t3": "no eligible worker",
    }
    full = WorkerPool([worker("a", active_tasks=4)])
    assert assign_batch([task()], full, POLICY).unassigned == (("t", "no free task slot"),)
    with pytest.raises(AileeError):
        assign_batch([task(), task()], pool, POLICY)


def test_verify_batch_accepts_optimal_and_refuses_the_rest() -> None:
    from ailee.scheduling import BatchResult, verify_batch

    pool = WorkerPool([worker("a", max_tasks=1), worker("b", max_tasks=1, reputation=100_000)])
    ts = [task(id="t1"), task(id="t2"), task(id="t3", needs=R(gpu=9))]
    best = assign_batch(ts, pool, POLICY)
    verify_batch(best, ts, pool, POLICY)
    # t1 and t2 are alike: swapping their workers is another optimal assignment, and
    # just as valid (which optimum a solver returns is not normative).
    swapped = BatchResult(
        tuple((t, "b" if w == "a" else "a") for t, w in best.assigned),
        best.unassigned,
        best.total_score,
    )
    assert swapped != best
    verify_batch(swapped, ts, pool, POLICY)
    bad = [
        BatchResult(best.assigned[:1], (("t2", "x"), ("t3", "x")), best.total_score),
        BatchResult((("t3", "a"), *best.assigned[1:]), (("t1", "x"),), best.total_score),
        BatchResult((("t1", "a"), ("t2", "a")), (("t3", "x"),), best.total_score),
        BatchResult(best.assigned, best.unassigned, best.total_score + 1),
        BatchResult((("t1", "nobody"),), (), 0),
        BatchResult(best.assigned, (), best.total_score),
    ]
    for claim in bad:
        with pytest.raises(VerificationError) as info:
            verify_batch(claim, ts, pool, POLICY)
        assert info.value.code is ReasonCode.SCHEDULE_MISMATCH
