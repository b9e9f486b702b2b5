"""A second implementation of docs/spec.md section 17 (scheduling decisions).

Written from the text of the spec alone: inputs (17.1), filters (17.2), factors and
score (17.3), strategies (17.4), the decision record and its commitment (17.5) and batch
assignment (17.6). Standard library only, except that the batch solver is the one the
spec names (``scipy.optimize.linear_sum_assignment``).
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.independent.reference import (
    MAX_UINT,
    Rejected,
    cbor_encode,
    exact_fields,
    k_enum,
    k_id,
    k_optional,
    k_uint,
    th,
)

PPM = 1_000_000
RESOURCES = ["cpu", "memory", "storage", "bandwidth", "gpu"]
FACTORS = ["reputation", "latency", "capacity", "cost", "region", "green", "load"]
DEFAULT_WEIGHTS = dict(zip(FACTORS, [40, 30, 20, 20, 10, 5, 20], strict=True))
STRATEGIES = ["weighted", "least_loaded", "lowest_latency", "lowest_cost",
              "highest_reputation", "green_first", "geographic", "round_robin"]  # fmt: skip
MAX_BACKUPS = 3

# --- 17.1 inputs ----------------------------------------------------------------------


def _key(text: str) -> bytes:
    """Spec 17: "id order" is the bytewise order of the UTF-8 encodings."""
    return text.encode()


def k_bool(v: Any, json_form: bool) -> Any:
    if not isinstance(v, bool):
        raise Rejected("SCHEMA_WRONG_TYPE")
    return v


def k_ids(v: Any, json_form: bool) -> Any:
    """Identifiers sorted in id order and unique (no size bound is given by 17.1)."""
    if not isinstance(v, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    out = [k_id(x, json_form) for x in v]
    if any(_key(a) >= _key(b) for a, b in itertools.pairwise(out)):
        raise Rejected("LIST_NOT_SORTED_UNIQUE")
    return out


def k_resources(v: Any, json_form: bool) -> Any:
    exact_fields(v, RESOURCES)
    return {r: k_uint()(v[r], json_form) for r in RESOURCES}


UINT = k_uint()
PPM_VALUE = k_uint(0, PPM)
TASK = [("id", k_id), ("task_type", k_id), ("priority", k_uint(0, 255)),
        ("needs", k_resources), ("duration_s", k_uint(1, MAX_UINT)),
        ("preferred_regions", k_ids), ("required_regions", k_ids),
        ("max_cost", k_optional(UINT)), ("deadline_ms", k_optional(UINT)),
        ("needs_green", k_bool)]  # fmt: skip
WORKER = [("id", k_id), ("region", k_id), ("capacity", k_resources), ("in_use", k_resources),
          ("max_tasks", k_uint(1, MAX_UINT)), ("active_tasks", UINT),
          ("cost_per_hour", UINT), ("reputation", PPM_VALUE),
          ("latency_ms", k_optional(UINT)), ("carbon", k_optional(UINT)),
          ("green_share", PPM_VALUE), ("quarantined", k_bool),
          ("circuit_open", k_bool)]  # fmt: skip
POLICY = [("weights", None), ("min_reputation", PPM_VALUE),
          ("latency_ceiling_ms", k_uint(1, MAX_UINT)), ("cost_ceiling", k_uint(1, MAX_UINT)),
          ("green_max_carbon", UINT), ("green_min_share", PPM_VALUE)]  # fmt: skip
DEFAULT_POLICY = {"weights": DEFAULT_WEIGHTS, "min_reputation": 0, "latency_ceiling_ms": 1000,
                  "cost_ceiling": 100_000, "green_max_carbon": 100,
                  "green_min_share": 500_000}  # fmt: skip


def read_fields(obj: Any, spec: list[tuple[str, Any]]) -> dict[str, Any]:
    """Section 5: exactly these fields, then each read in table order."""
    exact_fields(obj, [n for n, _ in spec])
    return {n: kind(obj[n], True) for n, kind in spec}


def read_task(obj: Any) -> dict[str, Any]:
    return read_fields(obj, TASK)


def read_worker(obj: Any) -> dict[str, Any]:
    exact_fields(obj, [n for n, _ in WORKER])
    out: dict[str, Any] = {}
    for name, kind in WORKER:
        out[name] = kind(obj[name], True)
        if name == "in_use" and any(out["in_use"][r] > out["capacity"][r] for r in RESOURCES):
            raise Rejected("INT_OUT_OF_RANGE")
        if name == "active_tasks" and out["active_tasks"] > out["max_tasks"]:
            raise Rejected("INT_OUT_OF_RANGE")
    return out


def read_workers(objs: Any) -> list[dict[str, Any]]:
    """Any order in, id order out; the same id twice is SECTION_DUPLICATE_KEY."""
    if not isinstance(objs, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    workers = sorted((read_worker(o) for o in objs), key=lambda w: _key(w["id"]))
    ids = [w["id"] for w in workers]
    if len(set(ids)) != len(ids):
        raise Rejected("SECTION_DUPLICATE_KEY")
    return workers


def read_weights(v: Any) -> dict[str, int]:
    if not isinstance(v, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if set(v) != set(FACTORS):
        raise Rejected("SCHEMA_BAD_FORMAT")
    return {f: k_uint(0, 1000)(v[f], True) for f in FACTORS}


def read_policy(obj: Any) -> dict[str, Any]:
    """Absent fields take their defaults (17.1); the full policy is what is committed."""
    if not isinstance(obj, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if any(name not in DEFAULT_POLICY for name in obj):
        raise Rejected("SCHEMA_UNKNOWN_FIELD")
    out: dict[str, Any] = {}
    for name, kind in POLICY:
        if name not in obj:
            out[name] = DEFAULT_POLICY[name]
        elif name == "weights":
            out[name] = read_weights(obj[name])
        else:
            out[name] = kind(obj[name], True)
    return out


# --- 17.1 derived quantities, 17.2 filters, 17.3 factors ---------------------------------


def is_green(w: dict[str, Any], policy: dict[str, Any]) -> bool:
    carbon = w["carbon"]
    low_carbon = carbon is not None and carbon <= policy["green_max_carbon"]
    return bool(low_carbon or w["green_share"] >= policy["green_min_share"])


def expected_cost(task: dict[str, Any], w: dict[str, Any]) -> int:
    return int(-(-(w["cost_per_hour"] * task["duration_s"]) // 3600))


def free(w: dict[str, Any], r: str) -> int:
    return int(w["capacity"][r] - w["in_use"][r])


def exclusion(task: dict[str, Any], w: dict[str, Any], policy: dict[str, Any]) -> str | None:
    """The first hard filter of 17.2 that the worker fails, or None."""
    if w["quarantined"]:
        return "quarantined"
    if w["circuit_open"]:
        return "circuit_open"
    if task["required_regions"] and w["region"] not in task["required_regions"]:
        return "region_not_allowed"
    if w["active_tasks"] >= w["max_tasks"]:
        return "no_task_slot"
    for r in RESOURCES:
        need = task["needs"][r]
        if need > 0 and free(w, r) < need:
            return "insufficient_" + r
    if task["max_cost"] is not None and expected_cost(task, w) > task["max_cost"]:
        return "cost_too_high"
    if w["reputation"] < policy["min_reputation"]:
        return "reputation_too_low"
    deadline = task["deadline_ms"]
    if deadline is not None and (w["latency_ms"] is None or w["latency_ms"] > deadline):
        return "latency_over_deadline"
    if task["needs_green"] and not is_green(w, policy):
        return "not_green"
    return None


def factors(task: dict[str, Any], w: dict[str, Any], policy: dict[str, Any]) -> dict[str, int]:
    c = policy["latency_ceiling_ms"]
    latency = 0 if w["latency_ms"] is None else 100 * (c - min(w["latency_ms"], c)) // c
    needed = [r for r in RESOURCES if task["needs"][r] > 0]
    capacity = min(
        (100 * max(free(w, r) - task["needs"][r], 0) // max(w["capacity"][r], 1) for r in needed),
        default=100,
    )
    k = task["max_cost"] if task["max_cost"] else policy["cost_ceiling"]
    cost = 100 * (k - min(expected_cost(task, w), k)) // k
    return {
        "reputation": 100 * w["reputation"] // PPM,
        "latency": latency,
        "capacity": capacity,
        "cost": cost,
        "region": 100 if w["region"] in task["preferred_regions"] else 0,
        "green": 100 if is_green(w, policy) else 0,
        "load": 100 * w["active_tasks"] // w["max_tasks"],
    }


def score(f: dict[str, int], policy: dict[str, Any]) -> int:
    weights = policy["weights"]
    gain = sum(weights[name] * f[name] for name in FACTORS if name != "load")
    return int(gain - weights["load"] * f["load"])


# --- 17.4 strategies --------------------------------------------------------------------


def order(
    strategy: str,
    task: dict[str, Any],
    eligible: list[dict[str, Any]],
    policy: dict[str, Any],
    cursor: str | None,
) -> list[dict[str, Any]]:
    by_id = sorted(eligible, key=lambda w: _key(w["id"]))
    if strategy == "round_robin":
        start = 0
        if cursor is not None:
            after = [i for i, w in enumerate(by_id) if _key(w["id"]) > _key(cursor)]
            start = after[0] if after else len(by_id)
        return by_id[start:] + by_id[:start]

    def keys(w: dict[str, Any]) -> tuple[Any, ...]:
        if strategy == "least_loaded":
            return (w["active_tasks"] * PPM // w["max_tasks"],)
        if strategy == "lowest_latency":
            return (w["latency_ms"] is None, w["latency_ms"] or 0)
        if strategy == "lowest_cost":
            return (expected_cost(task, w),)
        if strategy == "highest_reputation":
            return (-w["reputation"],)
        best = -score(factors(task, w, policy), policy)
        if strategy == "green_first":
            return (not is_green(w, policy), best)
        if strategy == "geographic":
            return (w["region"] not in task["preferred_regions"], best)
        return (best,)  # weighted

    return sorted(by_id, key=lambda w: (*keys(w), _key(w["id"])))


# --- 17.5 decision record and its commitment --------------------------------------------


def commitment(
    task: dict[str, Any],
    workers: list[dict[str, Any]],
    policy: dict[str, Any],
    strategy: str,
    cursor: str | None,
) -> bytes:
    ordered = sorted(workers, key=lambda w: _key(w["id"]))
    pool = th("ailee/v2/schedule/workers", cbor_encode(ordered))
    inputs = {"task": task, "workers": pool, "policy": policy, "strategy": strategy,
              "cursor": cursor}  # fmt: skip
    return th("ailee/v2/schedule/inputs", cbor_encode(inputs))


def backups_of(ranked: list[dict[str, Any]]) -> list[str]:
    """The next eligible workers, at most 3, the best-ranked one of another region first."""
    if not ranked:
        return []
    chosen, rest = ranked[0], ranked[1:]
    other = next((w for w in rest if w["region"] != chosen["region"]), None)
    if other is not None:
        rest = [other] + [w for w in rest if w is not other]
    return [w["id"] for w in rest[:MAX_BACKUPS]]


def assign(
    task: dict[str, Any],
    workers: list[dict[str, Any]],
    policy: dict[str, Any],
    strategy: str,
    cursor: str | None,
) -> dict[str, Any]:
    excluded = []
    eligible = []
    for w in sorted(workers, key=lambda w: _key(w["id"])):
        reason = exclusion(task, w, policy)
        if reason is None:
            eligible.append(w)
        else:
            excluded.append([w["id"], reason])
    ranked = order(strategy, task, eligible, policy, cursor)

    def entry(i: int) -> Any:
        if i >= len(ranked):
            return None
        f = factors(task, ranked[i], policy)
        return {"worker": ranked[i]["id"], "factors": f, "score": score(f, policy)}

    first = ranked[0] if ranked else None
    return {
        "task": task["id"],
        "strategy": strategy,
        "worker": None if first is None else first["id"],
        "backups": backups_of(ranked),
        "expected_latency_ms": None if first is None else first["latency_ms"],
        "expected_cost": None if first is None else expected_cost(task, first),
        "chosen": entry(0),
        "runner_up": entry(1),
        "excluded": excluded,
        "cursor": first["id"] if strategy == "round_robin" and first is not None else None,
        "inputs": commitment(task, workers, policy, strategy, cursor).hex(),
    }


def recompute(
    task_obj: Any, workers_obj: Any, policy_obj: Any, cursor_obj: Any, record: Any
) -> dict[str, Any]:
    """Spec 17.5 "recompute": the strategy is the one the record names."""
    task = read_task(task_obj)
    workers = read_workers(workers_obj)
    policy = read_policy(policy_obj)
    if not isinstance(record, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    strategy = k_enum(*STRATEGIES)(record.get("strategy"), True)
    cursor = k_optional(k_id)(cursor_obj, True)
    again = assign(task, workers, policy, strategy, cursor)
    if record.get("inputs") != again["inputs"]:
        raise Rejected("SCHEDULE_INPUTS_MISMATCH")
    if record != again:
        raise Rejected("SCHEDULE_MISMATCH")
    return again


# --- 17.6 batch assignment --------------------------------------------------------------

NO_WORKER = "no eligible worker"
NO_SLOT_LEFT = "no eligible worker with a free slot left"
NO_SLOT = "no free task slot"


def assign_batch(tasks_obj: Any, workers_obj: Any, policy_obj: Any) -> dict[str, Any]:
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    if not isinstance(tasks_obj, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    tasks = sorted((read_task(t) for t in tasks_obj), key=lambda t: _key(t["id"]))
    if len({t["id"] for t in tasks}) != len(tasks):
        raise Rejected("SECTION_DUPLICATE_KEY")
    workers = read_workers(workers_obj)
    policy = read_policy(policy_obj)

    slots = [w for w in workers for _ in range(w["max_tasks"] - w["active_tasks"])]
    scores: dict[tuple[int, str], int] = {}
    for i, t in enumerate(tasks):
        for w in workers:
            if exclusion(t, w, policy) is None:
                scores[i, w["id"]] = score(factors(t, w, policy), policy)
    shift = 2 * (max((abs(s) for s in scores.values()), default=0) + 1) * len(tasks) + 1
    assigned: dict[int, str] = {}
    if tasks and slots:
        cost = np.zeros((len(tasks), len(slots)), dtype=np.float64)
        for i in range(len(tasks)):
            for j, w in enumerate(slots):
                if (i, w["id"]) in scores:
                    cost[i, j] = -(scores[i, w["id"]] + shift)
        rows, cols = linear_sum_assignment(cost)
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if (i, slots[j]["id"]) in scores:
                assigned[i] = slots[j]["id"]
    unassigned = []
    for i, t in enumerate(tasks):
        if i in assigned:
            continue
        if not slots:
            reason = NO_SLOT
        elif not any(key[0] == i for key in scores):
            reason = NO_WORKER
        else:
            reason = NO_SLOT_LEFT
        unassigned.append([t["id"], reason])
    return {
        "assigned": [[tasks[i]["id"], assigned[i]] for i in sorted(assigned)],
        "unassigned": unassigned,
        "total_score": sum(scores[i, w] for i, w in assigned.items()),
    }


def check_batch(tasks_obj: Any, workers_obj: Any, policy_obj: Any, claimed: dict[str, Any]) -> None:
    """Spec 17.6: a claimed batch is valid (eligible pairs, free slots, its total)."""
    tasks = {t["id"]: t for t in (read_task(t) for t in tasks_obj)}
    workers = {w["id"]: w for w in read_workers(workers_obj)}
    policy = read_policy(policy_obj)
    used: dict[str, int] = {}
    total = 0
    for task_id, worker_id in claimed["assigned"]:
        t, w = tasks[task_id], workers[worker_id]
        assert exclusion(t, w, policy) is None, (task_id, worker_id)
        used[worker_id] = used.get(worker_id, 0) + 1
        assert used[worker_id] <= w["max_tasks"] - w["active_tasks"]
        total += score(factors(t, w, policy), policy)
    assert total == claimed["total_score"]
    done = {t for t, _ in claimed["assigned"]}
    assert len(done) == len(claimed["assigned"])
    assert {t for t, _ in claimed["unassigned"]} == set(tasks) - done


# --- 17.8 decisions carried by a snapshot ----------------------------------------------


def _record_json(record: Any, json_form: bool) -> Any:
    """The record with ``inputs`` as hex (as the JSON form and ``recompute`` have it)."""
    if json_form or not isinstance(record, dict) or not isinstance(record.get("inputs"), bytes):
        return record
    return {**record, "inputs": record["inputs"].hex()}


def read_attachment(obj: Any, json_form: bool) -> dict[str, Any]:
    """Spec 17.8: the snapshot's ``schedule`` object, read in field order."""
    if not isinstance(obj, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    for name in ("policies", "pools", "decisions"):
        if name not in obj:
            raise Rejected("SCHEMA_MISSING_FIELD")
    if len(obj) != 3:
        raise Rejected("SCHEMA_UNKNOWN_FIELD")
    if not all(isinstance(obj[n], list) for n in ("policies", "pools", "decisions")):
        raise Rejected("SCHEMA_WRONG_TYPE")
    for policy in obj["policies"]:
        read_policy(policy)
    for pool in obj["pools"]:
        read_workers(pool)
        ids = [str(w["id"]).encode() for w in pool]
        if any(a >= b for a, b in itertools.pairwise(ids)):
            raise Rejected("LIST_NOT_SORTED_UNIQUE")
    decisions = []
    for entry in obj["decisions"]:
        if not isinstance(entry, dict):
            raise Rejected("SCHEMA_WRONG_TYPE")
        names = ("record", "task", "policy", "pool", "cursor")
        if any(n not in entry for n in names):
            raise Rejected("SCHEMA_MISSING_FIELD")
        if len(entry) != len(names):
            raise Rejected("SCHEMA_UNKNOWN_FIELD")
        read_task(entry["task"])
        for name, count in (("policy", len(obj["policies"])), ("pool", len(obj["pools"]))):
            value = entry[name]
            if not isinstance(value, int) or isinstance(value, bool):
                raise Rejected("SCHEMA_WRONG_TYPE")
            if not 0 <= value < count:
                raise Rejected("INT_OUT_OF_RANGE")
        decisions.append({**entry, "record": _record_json(entry["record"], json_form)})
    keys = [str(d["record"].get("task", "")).encode() for d in decisions]
    if any(a >= b for a, b in itertools.pairwise(keys)):
        raise Rejected("LIST_NOT_SORTED_UNIQUE")
    return {**obj, "decisions": decisions}


def check_carried(schedule: dict[str, Any], tasks: list[dict[str, Any]]) -> list[str]:
    """Spec 17.8: the codes of the failed decision checks, in decision order."""
    by_id = {t["id"]: t for t in tasks}
    failures = []
    for entry in schedule["decisions"]:
        record = entry["record"]
        task = by_id.get(record["task"])
        value = {**record, "inputs": bytes.fromhex(record["inputs"])}
        if task is None or task["decision"] is None:
            failures.append("SCHEDULE_NO_DECISION")
        elif th("ailee/v2/schedule/decision", cbor_encode(value)) != task["decision"]:
            failures.append("SCHEDULE_DECISION_MISMATCH")
        elif record["worker"] != task["assignment"]:
            failures.append("SCHEDULE_ASSIGNMENT_MISMATCH")
        elif entry["task"]["id"] != record["task"]:
            failures.append("SCHEDULE_INPUTS_MISMATCH")
        else:
            try:
                recompute(
                    entry["task"],
                    schedule["pools"][entry["pool"]],
                    schedule["policies"][entry["policy"]],
                    entry["cursor"],
                    record,
                )
            except Rejected as exc:
                failures.append(exc.code)
    return failures
