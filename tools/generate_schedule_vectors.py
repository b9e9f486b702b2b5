"""The scheduling golden vectors: decisions that recompute, and batch assignments.

Called by ``tools/generate_vectors.py`` (which owns the file layout); not run alone.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from ailee.scheduling import (
    Policy,
    Resources,
    Strategy,
    TaskSpec,
    Worker,
    WorkerPool,
    assign,
    assign_batch,
    assignment_to_json,
)

R = Resources


def _workers() -> list[Worker]:
    regions = ["eu", "us", "ap"]
    return [
        Worker(
            id=f"worker-{k:02d}",
            region=regions[k % 3],
            capacity=R(cpu=8000, memory=16384, storage=200_000, bandwidth=1000, gpu=k % 2),
            in_use=R(cpu=(k * 700) % 8000, memory=(k * 1500) % 16384),
            max_tasks=4,
            active_tasks=k % 5 if k % 5 < 4 else 3,
            cost_per_hour=2000 + 500 * k,
            reputation=(k * 137_000) % 1_000_001,
            latency_ms=None if k == 7 else 15 * k,
            carbon=None if k % 4 == 0 else 40 * k,
            green_share=250_000 * (k % 3),
            quarantined=k == 5,
            circuit_open=k == 9,
        )
        for k in range(12)
    ]


def _task(**changes: Any) -> TaskSpec:
    fields: dict[str, Any] = {
        "id": "task-0001",
        "task_type": "inference",
        "priority": 5,
        "needs": R(cpu=2000, memory=4096),
        "duration_s": 900,
        "preferred_regions": ("eu",),
    }
    fields.update(changes)
    return TaskSpec(**fields)


def schedule_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Scheduling decisions",
        "ailee_schedule_v1",
        [
            "A decision ('record') must recompute from its inputs: the task, the workers "
            "(any order), the policy, the round-robin cursor (or null). Invalid cases "
            "change an input or the record.",
        ],
    )
    vf.note("Inputs", "CAN_OF_WORMS", "The inputs are not the ones the record commits to.")
    vf.note("Decision", "CAN_OF_WORMS", "The record is not what its inputs give.")
    vf.note("Input", "MALFORMED_INPUT", "An input is malformed.")
    workers = _workers()
    policy = Policy()
    green_policy = dataclasses.replace(policy, min_reputation=100_000)

    def fields(task: TaskSpec, pol: Policy, strategy: Strategy, cursor: str | None,
               order: list[Worker]) -> dict[str, Any]:  # fmt: skip
        record = assign(task, WorkerPool(order), pol, strategy, cursor)
        return {
            "task": task.to_cbor_value(),
            "workers": [w.to_cbor_value() for w in order],
            "policy": pol.to_cbor_value(),
            "cursor": cursor,
            "record": assignment_to_json(record),
        }

    valid = vf.group("valid")
    for strategy in Strategy:
        cursor = "worker-03" if strategy is Strategy.ROUND_ROBIN else None
        vf.add(valid, f"strategy {strategy.value}", fields(_task(), policy, strategy, cursor,
                                                           workers))  # fmt: skip
    vf.add(valid, "workers in reverse order: the same decision",
           fields(_task(), policy, Strategy.WEIGHTED, None, list(reversed(workers))))  # fmt: skip
    vf.add(valid, "green task, minimum reputation, deadline, maximum cost",
           fields(_task(needs_green=True, deadline_ms=150, max_cost=2000,
                        required_regions=("eu", "us")),
                  green_policy, Strategy.WEIGHTED, None, workers))  # fmt: skip
    vf.add(valid, "no worker qualifies",
           fields(_task(needs=R(gpu=3)), policy, Strategy.WEIGHTED, None, workers))  # fmt: skip

    invalid = vf.group("invalid")
    base = fields(_task(), policy, Strategy.WEIGHTED, None, workers)

    def bad(comment: str, change: Callable[[dict[str, Any]], Any], code: str, flag: str) -> None:
        case = copy.deepcopy(base)
        change(case)
        vf.add(invalid, comment, case, code=code, flags=(flag,))

    bad("another priority", lambda c: c["task"].update(priority=6),
        "SCHEDULE_INPUTS_MISMATCH", "Inputs")  # fmt: skip
    bad("a worker's reputation changed", lambda c: c["workers"][0].update(reputation=1),
        "SCHEDULE_INPUTS_MISMATCH", "Inputs")  # fmt: skip
    bad("a worker missing", lambda c: c["workers"].pop(), "SCHEDULE_INPUTS_MISMATCH", "Inputs")
    bad("another weight", lambda c: c["policy"]["weights"].update(latency=31),
        "SCHEDULE_INPUTS_MISMATCH", "Inputs")  # fmt: skip
    bad("another worker chosen", lambda c: c["record"].update(worker="worker-00"),
        "SCHEDULE_MISMATCH", "Decision")  # fmt: skip
    bad("backups reordered", lambda c: c["record"].update(backups=c["record"]["backups"][::-1]),
        "SCHEDULE_MISMATCH", "Decision")  # fmt: skip
    bad("a score changed", lambda c: c["record"]["chosen"].update(score=1),
        "SCHEDULE_MISMATCH", "Decision")  # fmt: skip
    bad("an exclusion dropped", lambda c: c["record"]["excluded"].pop(),
        "SCHEDULE_MISMATCH", "Decision")  # fmt: skip
    bad("unknown strategy", lambda c: c["record"].update(strategy="random"),
        "ENUM_UNKNOWN_VALUE", "Input")  # fmt: skip
    bad("unsorted preferred regions", lambda c: c["task"].update(preferred_regions=["us", "eu"]),
        "LIST_NOT_SORTED_UNIQUE", "Input")  # fmt: skip
    bad("reputation above one million ppm", lambda c: c["workers"][0].update(reputation=1_000_001),
        "INT_OUT_OF_RANGE", "Input")  # fmt: skip
    bad("the same worker twice", lambda c: c["workers"].append(c["workers"][0]),
        "SECTION_DUPLICATE_KEY", "Input")  # fmt: skip
    return vf


def batch_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Batch scheduling",
        "ailee_schedule_batch_v1",
        [
            "Tasks assigned to the workers' free task slots: as many as possible, then the "
            "largest total score; 'expected' gives the assignment (task, worker) in task-id "
            "order, the unassigned tasks with their reasons, and the total score.",
        ],
    )
    vf.note("Input", "MALFORMED_INPUT", "An input is malformed.")
    workers = _workers()
    policy = Policy()

    def case(tests: list[Any], comment: str, tasks: list[TaskSpec]) -> None:
        result = assign_batch(tasks, WorkerPool(workers), policy)
        vf.add(tests, comment, {
            "tasks": [t.to_cbor_value() for t in tasks],
            "workers": [w.to_cbor_value() for w in workers],
            "policy": policy.to_cbor_value(),
            "expected": {
                "assigned": [list(a) for a in result.assigned],
                "unassigned": [list(u) for u in result.unassigned],
                "total_score": result.total_score,
            },
        })  # fmt: skip

    valid = vf.group("valid")
    mixed = [
        _task(id=f"task-{k:04d}", needs=R(cpu=500 * (k % 5), memory=1024 * (k % 3), gpu=k % 2),
              preferred_regions=(("eu",), ("us",), ())[k % 3], priority=k % 7)
        for k in range(14)
    ]  # fmt: skip
    case(valid, "14 tasks of mixed needs", mixed)
    case(valid, "more tasks than free slots", [_task(id=f"t{k:02d}") for k in range(40)])
    case(valid, "a task no worker can take", [_task(id="big", needs=R(gpu=4)), _task(id="ok")])
    invalid = vf.group("invalid")
    duplicated = [t.to_cbor_value() for t in mixed[:2]]
    duplicated[1]["id"] = duplicated[0]["id"]
    vf.add(invalid, "the same task id twice", {
        "tasks": duplicated, "workers": [w.to_cbor_value() for w in workers],
        "policy": policy.to_cbor_value(), "expected": {},
    }, code="SECTION_DUPLICATE_KEY", flags=("Input",))  # fmt: skip
    return vf
