"""Scheduling: one task scored against many workers, and a batch assignment.

* Scoring: ``assign`` of one task against a pool of 100,000 workers (filters, seven
  factors, weighted score, ordering, the decision record with its input commitment),
  in (task, worker) pairs per second. Building the
  pool (sorting, columns, its commitment) happens once per pool and is reported
  apart. Target: at least 1,000,000 pairs per second.
* Batch: ``assign_batch`` of 2,000 tasks onto 500 workers with 4 free task slots each,
  against ``scipy.optimize.linear_sum_assignment`` alone on the same cost matrix (the
  floor). Target: ratio <= 1.5.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from timing import best_of

from ailee.scheduling import (
    Policy,
    Resources,
    TaskSpec,
    Worker,
    WorkerPool,
    _score,  # the batch's own cost-matrix step, for the floor
    assign,
    assign_batch,
)

TARGET_PAIRS_PER_S = 1_000_000
TARGET_BATCH_RATIO = 1.5
R = Resources


@dataclass
class SchedulingResult:
    workers: int
    pool_build_s: float
    rank_s: float
    tasks: int
    slots: int
    batch_s: float
    floor_s: float
    assigned: int

    @property
    def pairs_per_s(self) -> float:
        return self.workers / self.rank_s

    @property
    def ratio(self) -> float:
        return self.batch_s / self.floor_s


def workers(n: int, slots: int = 4) -> list[Worker]:
    regions = ("eu", "us", "ap", "sa")
    return [
        Worker(
            id=f"w{k:07d}",
            region=regions[k % 4],
            capacity=R(cpu=16_000, memory=65_536, storage=1_000_000, bandwidth=10_000, gpu=k % 3),
            in_use=R(cpu=(k * 977) % 12_000, memory=(k * 7919) % 40_000),
            max_tasks=slots,
            active_tasks=0,
            cost_per_hour=1_000 + (k * 31) % 9_000,
            reputation=(k * 104_729) % 1_000_001,
            latency_ms=None if k % 97 == 0 else (k * 13) % 900,
            carbon=None if k % 11 == 0 else (k * 7) % 600,
            green_share=(k * 3_331) % 1_000_001,
            quarantined=k % 101 == 0,
        )
        for k in range(n)
    ]


def tasks(n: int) -> list[TaskSpec]:
    return [
        TaskSpec(
            id=f"t{k:06d}",
            task_type="inference",
            priority=k % 256,
            needs=R(cpu=500 + (k * 37) % 3000, memory=1024 * (k % 8)),
            duration_s=60 + k % 3600,
            preferred_regions=(("eu",), ("us",), ("ap", "sa"), ())[k % 4],
        )
        for k in range(n)
    ]


def run(
    n_workers: int = 100_000,
    n_tasks: int = 2_000,
    batch_workers: int = 500,
    repeats: int = 3,
) -> SchedulingResult:
    policy = Policy()
    pool_workers = workers(n_workers)
    start = time.perf_counter()
    pool = WorkerPool(pool_workers)
    _ = pool.commitment
    build = time.perf_counter() - start
    task = tasks(1)[0]
    rank_s = best_of(repeats, lambda: assign(task, pool, policy))

    batch_pool = WorkerPool(workers(batch_workers))
    batch_tasks = tasks(n_tasks)
    result = assign_batch(batch_tasks, batch_pool, policy)
    batch_s = best_of(repeats, lambda: assign_batch(batch_tasks, batch_pool, policy))
    # The floor: the solver alone, on the very cost matrix the batch builds.
    slot_worker = np.repeat(np.arange(len(batch_pool)), batch_pool.max_tasks)
    scored = [_score(t, batch_pool, policy) for t in batch_tasks]
    scores = np.stack([s.score for s in scored])[:, slot_worker]
    eligible = np.stack([s.exclusion == -1 for s in scored])[:, slot_worker]
    shift = 2 * (int(np.abs(scores).max()) + 1) * n_tasks + 1
    cost = np.where(eligible, -(scores + shift), 0)
    floor_s = best_of(repeats, lambda: linear_sum_assignment(cost))
    return SchedulingResult(
        n_workers, build, rank_s, n_tasks, int(slot_worker.size), batch_s, floor_s,
        len(result.assigned),
    )  # fmt: skip


def report(result: SchedulingResult) -> str:
    pairs = "PASS" if result.pairs_per_s >= TARGET_PAIRS_PER_S else "MISS"
    batch = "PASS" if result.ratio <= TARGET_BATCH_RATIO else "MISS"
    slots = f"{result.tasks} tasks x {result.slots} slots, {result.assigned} assigned"
    lines = [
        ("workers", f"{result.workers}"),
        ("pool_build_s", f"{result.pool_build_s:.3f}  (once per pool: columns, commitment)"),
        ("assign_s", f"{result.rank_s:.4f}  (one task against every worker)"),
        ("pairs_per_s", f"{result.pairs_per_s:,.0f}  (target >= 1,000,000: {pairs})"),
        ("batch", slots),
        ("batch_s", f"{result.batch_s:.3f}"),
        ("lsa_floor_s", f"{result.floor_s:.3f}  (linear_sum_assignment alone)"),
        ("batch_ratio", f"{result.ratio:.2f}  (target <= {TARGET_BATCH_RATIO}: {batch})"),
    ]
    return "\n".join(f"scheduling.{name:<16}{value}" for name, value in lines)


if __name__ == "__main__":
    print(report(run()))
