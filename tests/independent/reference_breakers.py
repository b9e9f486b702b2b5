"""A second implementation of the circuit breakers, from docs/safety.md alone.

Written from the text of docs/safety.md (normative) and the header of
``vectors/breakers.json`` (schema ``ailee_breakers_v1``), without reading
``ailee.safety``. Statuses are plain dicts in their JSON form (section 6), so a status
this module computes compares directly with a vector's.

Where the text leaves a choice open, the choice is marked ``ASSUMPTION`` below and
listed in the report that came with this module.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.independent.reference import MAX_AMOUNT, MAX_UINT, Rejected, is_int

PPM = 1_000_000
MAX_WINDOW_ENTRIES = 4_032

# --- 2. the policy --------------------------------------------------------------------

# (field, default, lo, hi), in the order of the table: the order fields are checked in.
POLICY_FIELDS: list[tuple[str, int, int, int]] = [
    ("max_block_size", 4_000_000, 1_000, 1_000_000_000),
    ("max_latency_ms", 2_000, 1, 3_600_000),
    ("warn_latency_ms", 1_500, 1, 3_600_000),
    ("min_peers", 8, 1, 1_000),
    ("max_eis_change_ppm", 350_000, 0, 1_000_000),
    ("min_eis_ppm", 200_000, 0, 1_000_000),
    ("max_drift_ppm", 600_000, 0, 100_000_000),
    ("min_sensor_confidence_ppm", 250_000, 0, 1_000_000),
    ("concurrent_trips", 3, 2, 7),
    ("persist_blocks", 10, 1, 4_032),
    ("hysteresis_blocks", 10, 1, 4_032),
    ("min_collateral_ppm", 900_000, 1, 2_000_000),
    ("resume_collateral_ppm", 950_000, 1, 2_000_000),
    ("pegout_window_blocks", 6, 1, 4_032),
    ("pegout_window_limit", 100_000_000_000, 1, MAX_AMOUNT),
    ("spv_window_blocks", 144, 1, 4_032),
    ("spv_min_checks", 20, 1, 1_000_000),
    ("max_spv_failure_ppm", 50_000, 0, 1_000_000),
]
DEFAULT_POLICY = {name: default for name, default, _, _ in POLICY_FIELDS}


def check_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """Section 2: each field in order, then the two cross-field rules."""
    for name, _, lo, hi in POLICY_FIELDS:
        value = policy[name]
        if not is_int(value) or not lo <= value <= hi:
            raise Rejected("BREAKER_POLICY_INVALID")
    if policy["warn_latency_ms"] > policy["max_latency_ms"]:
        raise Rejected("BREAKER_POLICY_INVALID")
    if policy["resume_collateral_ppm"] < policy["min_collateral_ppm"]:
        raise Rejected("BREAKER_POLICY_INVALID")
    return policy


def exact(obj: Any, names: list[str]) -> dict[str, Any]:
    """Section 6: exactly these fields; missing first (in order), then unknown."""
    if not isinstance(obj, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    for name in names:
        if name not in obj:
            raise Rejected("SCHEMA_MISSING_FIELD")
    if len(obj) != len(names):
        raise Rejected("SCHEMA_UNKNOWN_FIELD")
    # ASSUMPTION (finding 6): "in this order" is how the form is written, not a rule a
    # reader enforces (no code is named for it), so the order of keys is not checked.
    return obj


def read_policy(obj: Any) -> dict[str, Any]:
    """A policy in its JSON form, or None for the defaults."""
    if obj is None:
        return dict(DEFAULT_POLICY)
    exact(obj, [name for name, _, _, _ in POLICY_FIELDS])
    # ASSUMPTION (finding 5): section 6 ("a wrong type is SCHEMA_WRONG_TYPE") governs
    # the JSON form; section 2's BREAKER_POLICY_INVALID for a non-integer governs the
    # class. So a JSON boolean or string is SCHEMA_WRONG_TYPE, a JSON integer out of
    # range BREAKER_POLICY_INVALID.
    for name, _, lo, hi in POLICY_FIELDS:
        if not is_int(obj[name]):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if not lo <= obj[name] <= hi:
            raise Rejected("BREAKER_POLICY_INVALID")
    return check_policy({name: obj[name] for name, _, _, _ in POLICY_FIELDS})


# --- JSON field kinds ------------------------------------------------------------------


def uint(v: Any, hi: int = MAX_UINT, lo: int = 0) -> int:
    if not is_int(v):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if not lo <= v <= hi:
        raise Rejected("INT_OUT_OF_RANGE")
    return v


def amount(v: Any) -> int:
    if not is_int(v):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if not 0 <= v <= MAX_AMOUNT:
        raise Rejected("AMOUNT_OUT_OF_RANGE")
    return v


def optional_uint(v: Any) -> int | None:
    return None if v is None else uint(v)


def boolean(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Rejected("SCHEMA_WRONG_TYPE")
    return v


def names_list(v: Any, allowed: list[str]) -> list[str]:
    if not isinstance(v, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    for name in v:
        if not isinstance(name, str):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if name not in allowed:
            raise Rejected("ENUM_UNKNOWN_VALUE")
    # Bytewise order: the names are ASCII, so str order is byte order.
    if any(not a < b for a, b in itertools.pairwise(v)):
        raise Rejected("LIST_NOT_SORTED_UNIQUE")
    return list(v)


# --- 3. the node breaker ----------------------------------------------------------------

LEVELS = ["optimized", "soft_trip", "safe_mode", "critical"]
OPTIMIZED, SOFT, SAFE, CRITICAL = range(4)
NODE_CONDITIONS = {
    "block_size": SAFE,
    "drift": SAFE,
    "eis_change": SOFT,
    "eis_low": SOFT,
    "latency": SAFE,
    "latency_warn": SOFT,
    "no_peers": CRITICAL,
    "peers": SAFE,
    "sensor_confidence": SOFT,
}
METRICS_FIELDS = ["height", "block_size", "latency_ms", "peers", "eis_ppm",
                  "eis_change_ppm", "drift_ppm", "sensor_confidence_ppm"]  # fmt: skip
PPM_BOUNDED = {"eis_ppm", "eis_change_ppm", "sensor_confidence_ppm"}
NODE_STATUS_FIELDS = ["level", "height", "tripped", "soft_since", "safe_since", "calm_since"]


def drift_ppm(proposed: int, target: int) -> int:
    """Section 3.1: ceil(|proposed - target| * 1,000,000 / target), 0 for a zero target."""
    if target == 0:
        return 0
    return -(-abs(proposed - target) * PPM // target)


def read_metrics(obj: Any) -> dict[str, int]:
    exact(obj, METRICS_FIELDS)
    return {n: uint(obj[n], PPM if n in PPM_BOUNDED else MAX_UINT) for n in METRICS_FIELDS}


def node_conditions(p: dict[str, Any], s: dict[str, int]) -> set[str]:
    """Section 3.2: the conditions one sample meets."""
    met = set()
    if s["block_size"] > p["max_block_size"]:
        met.add("block_size")
    if s["drift_ppm"] > p["max_drift_ppm"]:
        met.add("drift")
    if s["eis_change_ppm"] > p["max_eis_change_ppm"]:
        met.add("eis_change")
    if s["eis_ppm"] < p["min_eis_ppm"]:
        met.add("eis_low")
    if s["latency_ms"] > p["max_latency_ms"]:
        met.add("latency")
    elif s["latency_ms"] > p["warn_latency_ms"]:
        met.add("latency_warn")
    if s["peers"] == 0:
        met.add("no_peers")
    elif s["peers"] < p["min_peers"]:
        met.add("peers")
    if s["sensor_confidence_ppm"] < p["min_sensor_confidence_ppm"]:
        met.add("sensor_confidence")
    return met


def immediate_demand(p: dict[str, Any], conditions: set[str]) -> int:
    """Section 3.3: the highest level, raised by concurrency."""
    levels = [NODE_CONDITIONS[c] for c in conditions]
    demand = max(levels, default=OPTIMIZED)
    if sum(1 for lv in levels if lv >= SOFT) >= p["concurrent_trips"]:
        demand = max(demand, SAFE)
    if sum(1 for lv in levels if lv >= SAFE) >= p["concurrent_trips"]:
        demand = CRITICAL
    return demand


def initial_node_status() -> dict[str, Any]:
    return {"level": "optimized", "height": None, "tripped": [], "soft_since": None,
            "safe_since": None, "calm_since": None}  # fmt: skip


def check_node_status(st: dict[str, Any]) -> dict[str, Any]:
    """Section 3.5: a status no run of samples can produce is BREAKER_STATUS_INVALID."""
    bad = Rejected("BREAKER_STATUS_INVALID")
    level = LEVELS.index(st["level"])
    height, tripped = st["height"], st["tripped"]
    soft, safe, calm = st["soft_since"], st["safe_since"], st["calm_since"]
    if height is None:
        if level != OPTIMIZED or tripped or soft is not None or safe is not None:
            raise bad
        if calm is not None:
            raise bad
        return st
    top = max((NODE_CONDITIONS[c] for c in tripped), default=OPTIMIZED)
    if level < top:
        raise bad
    if (soft is not None) != bool(tripped) or (soft is not None and soft > height):
        raise bad
    if safe is not None and (soft is None or safe < soft or safe > height or level < SAFE):
        raise bad
    # ASSUMPTION (finding 2): "calm_since present with level not above every condition's
    # level" read with "no condition" as level optimized (the immediate demand's floor),
    # so a calm run at optimized is invalid, as vector 38 requires. Read literally, the
    # rule is vacuous when there are no conditions and would accept vector 38.
    if calm is not None and (level <= top or calm > height + 1):
        raise bad
    return st


def read_node_status(obj: Any) -> dict[str, Any]:
    exact(obj, NODE_STATUS_FIELDS)
    if not isinstance(obj["level"], str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if obj["level"] not in LEVELS:
        raise Rejected("ENUM_UNKNOWN_VALUE")
    st = {
        "level": obj["level"],
        "height": optional_uint(obj["height"]),
        "tripped": names_list(obj["tripped"], sorted(NODE_CONDITIONS)),
        "soft_since": optional_uint(obj["soft_since"]),
        "safe_since": optional_uint(obj["safe_since"]),
        "calm_since": optional_uint(obj["calm_since"]),
    }
    return check_node_status(st)


def _node_height(
    p: dict[str, Any], st: dict[str, Any], h: int, conditions: set[str], repeated: bool
) -> dict[str, Any]:
    """Sections 3.3 and 3.4 at one height, given the height's conditions (the union).

    ASSUMPTION (finding 3): the runs continue from the status, as vector 19 requires,
    not from section 3.3's definition (a healthy first sample at a height ends the run,
    and a later sample at that height starts a new one). ASSUMPTION (finding 7):
    ``calm_since = h + 1`` is written even when it exceeds 2^53 - 1.
    """
    imm = immediate_demand(p, conditions)
    soft = (st["soft_since"] if st["soft_since"] is not None else h) if imm >= SOFT else None
    safe = (st["safe_since"] if st["safe_since"] is not None else h) if imm >= SAFE else None
    demand = imm
    if soft is not None and h - soft + 1 >= p["persist_blocks"]:
        demand = max(demand, SAFE)
    if safe is not None and h - safe + 1 >= p["persist_blocks"]:
        demand = CRITICAL
    level = LEVELS.index(st["level"])
    if demand >= level:
        level, calm = demand, None
    else:
        start = st["calm_since"] if st["calm_since"] is not None else h
        if h - start + 1 >= p["hysteresis_blocks"]:
            level -= 1
            calm = h + 1 if level > demand else None
        else:
            calm = start
    return {"level": LEVELS[level], "height": h, "tripped": sorted(conditions),
            "soft_since": soft, "safe_since": safe, "calm_since": calm}  # fmt: skip


def node_step(
    p: dict[str, Any], st: dict[str, Any], s: dict[str, int], simulate_gaps: bool = False
) -> dict[str, Any]:
    """Feed one MetricsSample to a NodeStatus.

    ``simulate_gaps`` (finding 1): when True, every skipped height is stepped with the
    conditions of the sample before it (section 1's "skipped heights count as having
    the conditions of the sample before them", applied to transitions too); when False
    (default), the rules of section 3.4 are applied once, at the sample's height, with
    run lengths that count the skipped heights. The vectors agree with both.
    """
    h = s["height"]
    if st["height"] is not None and h < st["height"]:
        raise Rejected("BREAKER_HEIGHT_REGRESSION")
    repeated = st["height"] == h
    if simulate_gaps and st["height"] is not None and h > st["height"] + 1:
        # ASSUMPTION (finding 11): "the sample before them" is the height's union.
        held = set(st["tripped"])
        # After persist_blocks heights the demand is constant, and after three more
        # holds the level equals it: from there on nothing changes but the height.
        bound = p["persist_blocks"] + 3 * p["hysteresis_blocks"] + 2
        for k in range(st["height"] + 1, min(h, st["height"] + 1 + bound)):
            st = _node_height(p, st, k, held, False)
    conditions = node_conditions(p, s)
    if repeated:
        conditions |= set(st["tripped"])
    return _node_height(p, st, h, conditions, repeated)


# --- 4. the bridge breakers -------------------------------------------------------------

BRIDGE_CONDITIONS = ["collateral", "pegout_volume", "signers", "spv_failures"]
BRIDGE_SAMPLE_FIELDS = ["height", "reserves", "liabilities", "active_signers", "threshold",
                        "pegout_volume", "spv_checks", "spv_failures"]  # fmt: skip
BRIDGE_STATUS_FIELDS = ["height", "tripped", "emergency", "collateral_low", "spv_failing",
                        "pegout_allowance", "signers_ok_since", "collateral_ok_since",
                        "spv_ok_since", "window"]  # fmt: skip
ENTRY_FIELDS = ["height", "pegout_volume", "spv_checks", "spv_failures"]
# (breaker, its clear run, the condition that sets it)
LATCHES = [("emergency", "signers_ok_since", "signers"),
           ("collateral_low", "collateral_ok_since", "collateral"),
           ("spv_failing", "spv_ok_since", "spv_failures")]  # fmt: skip


def read_bridge_sample(obj: Any) -> dict[str, int]:
    exact(obj, BRIDGE_SAMPLE_FIELDS)
    s = {
        "height": uint(obj["height"]),
        "reserves": amount(obj["reserves"]),
        "liabilities": amount(obj["liabilities"]),
        "active_signers": uint(obj["active_signers"], 1_000),
        "threshold": uint(obj["threshold"], 1_000, 1),
        "pegout_volume": amount(obj["pegout_volume"]),
        "spv_checks": uint(obj["spv_checks"]),
        "spv_failures": uint(obj["spv_failures"]),
    }
    if s["spv_failures"] > s["spv_checks"]:
        raise Rejected("INT_OUT_OF_RANGE")
    return s


def initial_bridge_status(p: dict[str, Any]) -> dict[str, Any]:
    return {"height": None, "tripped": [], "emergency": False, "collateral_low": False,
            "spv_failing": False, "pegout_allowance": p["pegout_window_limit"],
            "signers_ok_since": None, "collateral_ok_since": None, "spv_ok_since": None,
            "window": []}  # fmt: skip


def check_bridge_status(st: dict[str, Any]) -> dict[str, Any]:
    """Section 4.5."""
    bad = Rejected("BREAKER_STATUS_INVALID")
    height = st["height"]
    if height is None:
        if st["tripped"] or st["window"]:
            raise bad
        if any(st[flag] or st[run] is not None for flag, run, _ in LATCHES):
            raise bad
        # ASSUMPTION (finding 8): the allowance of a status with no height is not
        # checked (the section lists none); BridgeStatus.initial gives the limit.
        return st
    for flag, run, condition in LATCHES:
        if condition in st["tripped"] and (not st[flag] or st[run] is not None):
            raise bad
        if st[run] is not None and (not st[flag] or st[run] > height + 1):
            raise bad
    if "pegout_volume" in st["tripped"] and st["pegout_allowance"] != 0:
        raise bad
    heights = [e["height"] for e in st["window"]]
    if any(not a < b for a, b in itertools.pairwise(heights)):
        raise bad
    if heights and heights[-1] > height:
        raise bad
    if len(heights) > MAX_WINDOW_ENTRIES:
        raise bad
    for e in st["window"]:
        if e["pegout_volume"] == 0 and e["spv_checks"] == 0:
            raise bad
        if e["spv_failures"] > e["spv_checks"]:
            raise bad
    return st


def read_bridge_status(obj: Any) -> dict[str, Any]:
    exact(obj, BRIDGE_STATUS_FIELDS)
    height = optional_uint(obj["height"])
    tripped = names_list(obj["tripped"], BRIDGE_CONDITIONS)
    flags = {f: boolean(obj[f]) for f in ("emergency", "collateral_low", "spv_failing")}
    # ASSUMPTION (finding 9): the allowance is an amount (AMOUNT_OUT_OF_RANGE), and is
    # not checked against the window's volume or the policy's limit.
    allowance = amount(obj["pegout_allowance"])
    runs = {r: optional_uint(obj[r]) for r in ("signers_ok_since", "collateral_ok_since",
                                               "spv_ok_since")}  # fmt: skip
    if not isinstance(obj["window"], list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    window = []
    for e in obj["window"]:
        exact(e, ENTRY_FIELDS)
        window.append({"height": uint(e["height"]), "pegout_volume": amount(e["pegout_volume"]),
                       "spv_checks": uint(e["spv_checks"]),
                       "spv_failures": uint(e["spv_failures"])})  # fmt: skip
    st = {"height": height, "tripped": tripped, **flags, "pegout_allowance": allowance,
          **runs, "window": window}  # fmt: skip
    return check_bridge_status(st)


def bridge_step(p: dict[str, Any], st: dict[str, Any], s: dict[str, int]) -> dict[str, Any]:
    """Feed one BridgeSample to a BridgeStatus (sections 4.2 to 4.4)."""
    h = s["height"]
    if st["height"] is not None and h < st["height"]:
        raise Rejected("BREAKER_HEIGHT_REGRESSION")
    repeated = st["height"] == h
    # 4.2, the window.
    cut = h - max(p["pegout_window_blocks"], p["spv_window_blocks"])
    window = [dict(e) for e in st["window"] if e["height"] > cut]
    if window and window[-1]["height"] == h:
        entry = window.pop()
    else:
        entry = {"height": h, "pegout_volume": 0, "spv_checks": 0, "spv_failures": 0}
    entry["pegout_volume"] += s["pegout_volume"]
    entry["spv_checks"] += s["spv_checks"]
    entry["spv_failures"] += s["spv_failures"]
    if entry["pegout_volume"] > MAX_AMOUNT:
        raise Rejected("AMOUNT_OUT_OF_RANGE")
    if entry["spv_checks"] > MAX_UINT or entry["spv_failures"] > MAX_UINT:
        raise Rejected("INT_OUT_OF_RANGE")
    if entry["pegout_volume"] or entry["spv_checks"]:
        window.append(entry)
    volume = sum(e["pegout_volume"] for e in window if e["height"] > h - p["pegout_window_blocks"])
    spv = [e for e in window if e["height"] > h - p["spv_window_blocks"]]
    checks = sum(e["spv_checks"] for e in spv)
    failures = sum(e["spv_failures"] for e in spv)
    # 4.3, the conditions (the union over the height's samples).
    met = set(st["tripped"]) if repeated else set()
    if s["reserves"] * PPM < p["min_collateral_ppm"] * s["liabilities"]:
        met.add("collateral")
    if s["active_signers"] < s["threshold"]:
        met.add("signers")
    if volume > p["pegout_window_limit"]:
        met.add("pegout_volume")
    if checks >= p["spv_min_checks"] and failures * PPM > p["max_spv_failure_ppm"] * checks:
        met.add("spv_failures")
    # 4.4, the latches.
    clear_now = {
        "emergency": "signers" not in met,
        "collateral_low": s["reserves"] * PPM >= p["resume_collateral_ppm"] * s["liabilities"],
        "spv_failing": "spv_failures" not in met,
    }
    out: dict[str, Any] = {"height": h, "tripped": sorted(met)}
    runs: dict[str, int | None] = {}
    for flag, run, condition in LATCHES:
        if condition in met:
            out[flag], runs[run] = True, None
        elif not st[flag]:
            out[flag], runs[run] = False, None
        elif not clear_now[flag]:
            out[flag], runs[run] = True, None
        else:
            # ASSUMPTION (finding 4): literal; a breaker cleared by the first sample of
            # a height stays clear even if a later sample there is in the 90-95% band.
            start = st[run] if st[run] is not None else (h + 1 if repeated else h)
            if h - start + 1 >= p["hysteresis_blocks"]:
                out[flag], runs[run] = False, None
            else:
                out[flag], runs[run] = True, start
    out["pegout_allowance"] = max(0, p["pegout_window_limit"] - volume)
    out.update(runs)
    out["window"] = window
    return out


# --- 5. admissions ----------------------------------------------------------------------


def admit_pegin(st: dict[str, Any]) -> None:
    if st["emergency"]:
        raise Rejected("BREAKER_EMERGENCY")
    if st["collateral_low"] or st["spv_failing"]:
        raise Rejected("BREAKER_PEGINS_HALTED")


def admit_pegout(st: dict[str, Any], value: Any, exit_claim: bool) -> None:
    if not is_int(value) or not 0 <= value <= MAX_AMOUNT:
        raise Rejected("AMOUNT_OUT_OF_RANGE")
    if st["emergency"] and not exit_claim:
        raise Rejected("BREAKER_EMERGENCY")
    if value > st["pegout_allowance"]:
        raise Rejected("BREAKER_RATE_LIMITED")


def admit(st: dict[str, Any], op: Any) -> None:
    """One admission of a vector: {"op": "pegin"} or {"op": "pegout", amount, exit_claim}."""
    if not isinstance(op, dict) or not isinstance(op.get("op"), str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if op["op"] == "pegin":
        exact(op, ["op"])
        admit_pegin(st)
    elif op["op"] == "pegout":
        exact(op, ["op", "amount", "exit_claim"])
        admit_pegout(st, op["amount"], boolean(op["exit_claim"]))
    else:
        raise Rejected("ENUM_UNKNOWN_VALUE")


def open_circuits(statuses: dict[str, dict[str, Any]]) -> set[str]:
    """Section 5: the node ids whose status is at safe_mode or worse."""
    return {n for n, st in statuses.items() if LEVELS.index(st["level"]) >= SAFE}


def with_circuits(
    workers: list[dict[str, Any]], statuses: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Section 5: open the circuits of those workers; every other worker unchanged."""
    ids = open_circuits(statuses)
    return [{**w, "circuit_open": True} if w["id"] in ids else w for w in workers]


# --- 7. the vectors ---------------------------------------------------------------------


def run_case(case: dict[str, Any], simulate_gaps: bool = False) -> list[dict[str, Any]]:
    """Run one ``ailee_breakers_v1`` case; raise Rejected with the first fault's code.

    Returns the statuses after each sample. Faults are taken in the order section 7
    names them: policy, initial status, then each sample (read, then its height and
    its step), then the admissions against the last status.
    """
    policy = read_policy(case["policy"])
    node = case["breaker"] == "node"
    if case["breaker"] not in ("node", "bridge"):
        raise Rejected("ENUM_UNKNOWN_VALUE")
    if case["initial"] is None:
        st = initial_node_status() if node else initial_bridge_status(policy)
    else:
        st = read_node_status(case["initial"]) if node else read_bridge_status(case["initial"])
    statuses = []
    for raw in case["samples"]:
        if node:
            st = node_step(policy, st, read_metrics(raw), simulate_gaps)
            check_node_status(st)  # every computed status must itself be valid
        else:
            st = bridge_step(policy, st, read_bridge_sample(raw))
            check_bridge_status(st)
        statuses.append(st)
    expected = case.get("expected", {}).get("statuses")
    if expected is not None:
        assert len(expected) == len(statuses)
        for i, (mine, theirs) in enumerate(zip(statuses, expected, strict=True)):
            assert list(theirs) == list(mine), f"status {i}: field order"
            assert theirs == mine, f"status {i}: {theirs} != {mine}"
            # The expected status reads back as a valid status of its own.
            assert (read_node_status(theirs) if node else read_bridge_status(theirs)) == mine
    for op in case.get("admissions") or []:
        if node:
            raise Rejected("SCHEMA_UNKNOWN_FIELD")
        admit(st, op)
    return statuses
