"""A second implementation of the circuit breakers, from docs/safety.md alone.

Written from the text of docs/safety.md (normative) and the header of
``vectors/breakers.json`` (schema ``ailee_breakers_v1``), without reading
``ailee.safety``. Statuses are plain dicts in their JSON form (section 6), so a status
this module computes compares directly with a vector's.

The first version's open choices (its ``ASSUMPTION`` notes, findings 1 to 14) were
settled in the text; the notes now cite the section that settles each. The gaps are
stepped height by height, as section 1 defines them, up to the point after which
nothing but the height changes (a bound of the policy's windows and holds, not of the
gap), which checks ``ailee.safety``'s segment-wise computation by another route.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.independent.reference import MAX_AMOUNT, MAX_UINT, Rejected, is_int

PPM = 1_000_000
MAX_WINDOW_ENTRIES = 4_032
# Section 1: heights at most 2^53 - 2, so that height + 1 is at most 2^53 - 1.
MAX_HEIGHT = MAX_UINT - 1

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
    # Section 6: key order is not checked on input.
    return obj


def read_policy(obj: Any) -> dict[str, Any]:
    """A policy in its JSON form, or None for the defaults."""
    if obj is None:
        return dict(DEFAULT_POLICY)
    exact(obj, [name for name, _, _, _ in POLICY_FIELDS])
    # Section 2: every field's JSON type first (SCHEMA_WRONG_TYPE), then the ranges and
    # the cross-field rules (BREAKER_POLICY_INVALID).
    for name, _, _, _ in POLICY_FIELDS:
        if not is_int(obj[name]):
            raise Rejected("SCHEMA_WRONG_TYPE")
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


def optional_uint(v: Any, hi: int = MAX_UINT) -> int | None:
    return None if v is None else uint(v, hi)


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
    bound = {"height": MAX_HEIGHT} | dict.fromkeys(PPM_BOUNDED, PPM)
    return {n: uint(obj[n], bound.get(n, MAX_UINT)) for n in METRICS_FIELDS}


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
    """Section 3.5, the rules under any policy: BREAKER_STATUS_INVALID."""
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
    if tripped and soft is None:
        raise bad
    if soft is not None and (soft > height or (soft == height and not tripped)):
        raise bad
    if safe is not None and (soft is None or safe < soft or safe > height or level == OPTIMIZED):
        raise bad
    # "no condition counts as optimized"
    if calm is not None and (level <= top or calm > height + 1):
        raise bad
    if calm is None and not tripped and level > OPTIMIZED:
        raise bad
    return st


def live_runs(p: dict[str, Any], st: dict[str, Any]) -> tuple[int | None, int | None]:
    """Section 3.3: the runs that reach the status's height (not the kept ones)."""
    imm = immediate_demand(p, set(st["tripped"]))
    return (st["soft_since"] if imm >= SOFT else None, st["safe_since"] if imm >= SAFE else None)


def demand_at(p: dict[str, Any], imm: int, soft: int | None, safe: int | None, h: int) -> int:
    """Section 3.3: the immediate demand raised by the live runs."""
    demand = imm
    if soft is not None and h - soft + 1 >= p["persist_blocks"]:
        demand = max(demand, SAFE)
    if safe is not None and h - safe + 1 >= p["persist_blocks"]:
        demand = CRITICAL
    return demand


def check_node_status_policy(p: dict[str, Any], st: dict[str, Any]) -> dict[str, Any]:
    """Section 3.5, the rules against the policy in force."""
    bad = Rejected("BREAKER_STATUS_INVALID")
    h = st["height"]
    if h is None:
        return st
    imm = immediate_demand(p, set(st["tripped"]))
    if st["safe_since"] == h and imm < SAFE:
        raise bad
    demand = demand_at(p, imm, *live_runs(p, st), h)
    level = LEVELS.index(st["level"])
    if level < demand:
        raise bad
    if (st["calm_since"] is not None) != (level > demand):
        raise bad
    if st["calm_since"] is not None and h - st["calm_since"] + 1 >= p["hysteresis_blocks"]:
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
        "height": optional_uint(obj["height"], MAX_HEIGHT),
        "tripped": names_list(obj["tripped"], sorted(NODE_CONDITIONS)),
        "soft_since": optional_uint(obj["soft_since"]),
        "safe_since": optional_uint(obj["safe_since"]),
        "calm_since": optional_uint(obj["calm_since"]),
    }
    return check_node_status(st)


def _node_height(
    p: dict[str, Any],
    st: dict[str, Any],
    h: int,
    conditions: set[str],
    carried: tuple[int | None, int | None],
) -> dict[str, Any]:
    """Sections 3.3 and 3.4 at one height: the height's conditions (the union of its
    samples), the runs carried into it, and the level and calm run of ``st``."""
    imm = immediate_demand(p, conditions)
    soft, safe = carried
    if imm >= SOFT and soft is None:
        soft = h
    if imm >= SAFE and safe is None:
        safe = h
    demand = demand_at(p, imm, soft if imm >= SOFT else None, safe if imm >= SAFE else None, h)
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
    # A run the height does not reach is kept (section 3.3): soft/safe hold the carried one.
    return {"level": LEVELS[level], "height": h, "tripped": sorted(conditions),
            "soft_since": soft, "safe_since": safe, "calm_since": calm}  # fmt: skip


def node_step(p: dict[str, Any], st: dict[str, Any], s: dict[str, int]) -> dict[str, Any]:
    """Feed one MetricsSample to a NodeStatus (sections 1 and 3.4, "Stepping a sample")."""
    check_node_status_policy(p, st)
    h = s["height"]
    if st["height"] is not None and h < st["height"]:
        raise Rejected("BREAKER_HEIGHT_REGRESSION")
    conditions = node_conditions(p, s)
    if st["height"] == h:  # repeated: the union, the runs live or kept
        return _node_height(p, st, h, conditions | set(st["tripped"]),
                            (st["soft_since"], st["safe_since"]))  # fmt: skip
    if st["height"] is None:
        return _node_height(p, st, h, conditions, (None, None))
    held = set(st["tripped"])
    # Each skipped height has the conditions of the status's height. After
    # persist_blocks heights the demand is constant, and after three more holds the
    # level equals it: from there on nothing changes but the height.
    bound = p["persist_blocks"] + 3 * p["hysteresis_blocks"] + 2
    for k in range(st["height"] + 1, min(h, st["height"] + 1 + bound)):
        st = _node_height(p, st, k, held, live_runs(p, st))
    return _node_height(p, st, h, conditions, live_runs(p, st))


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
        "height": uint(obj["height"], MAX_HEIGHT),
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
    """Section 4.5, the rules under any policy."""
    bad = Rejected("BREAKER_STATUS_INVALID")
    height = st["height"]
    if height is None:
        if st["tripped"] or st["window"]:
            raise bad
        if any(st[flag] or st[run] is not None for flag, run, _ in LATCHES):
            raise bad
        return st
    for flag, run, condition in LATCHES:
        if condition in st["tripped"] and (not st[flag] or st[run] is not None):
            raise bad
        if st[run] is not None and st[run] > height:
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


def window_sums(p: dict[str, Any], window: list[dict[str, int]], h: int) -> tuple[int, int, int]:
    """Section 4.2: the volume, checks and failures of the windows ending at ``h``."""
    volume = sum(e["pegout_volume"] for e in window if e["height"] > h - p["pegout_window_blocks"])
    spv = [e for e in window if e["height"] > h - p["spv_window_blocks"]]
    return volume, sum(e["spv_checks"] for e in spv), sum(e["spv_failures"] for e in spv)


def spv_met(p: dict[str, Any], checks: int, failures: int) -> bool:
    """Section 4.3, ``spv_failures``."""
    return checks >= p["spv_min_checks"] and failures * PPM > p["max_spv_failure_ppm"] * checks


def check_bridge_status_policy(p: dict[str, Any], st: dict[str, Any]) -> dict[str, Any]:
    """Section 4.5, the rules against the policy in force."""
    bad = Rejected("BREAKER_STATUS_INVALID")
    h = st["height"]
    if h is None:
        if st["pegout_allowance"] != p["pegout_window_limit"]:
            raise bad
        return st
    span = max(p["pegout_window_blocks"], p["spv_window_blocks"])
    if any(e["height"] <= h - span for e in st["window"]):
        raise bad
    volume, checks, failures = window_sums(p, st["window"], h)
    if st["pegout_allowance"] != max(0, p["pegout_window_limit"] - volume):
        raise bad
    if ("pegout_volume" in st["tripped"]) != (volume > p["pegout_window_limit"]):
        raise bad
    if spv_met(p, checks, failures) and "spv_failures" not in st["tripped"]:
        raise bad
    for flag, run, _ in LATCHES:
        if st[run] is None:
            continue
        length = h - st[run] + 1
        if st[flag] and length >= p["hysteresis_blocks"]:
            raise bad
        if not st[flag] and length != p["hysteresis_blocks"]:
            raise bad
    return st


def read_bridge_status(obj: Any) -> dict[str, Any]:
    exact(obj, BRIDGE_STATUS_FIELDS)
    # Section 6: the fields in the order of the form.
    height = optional_uint(obj["height"], MAX_HEIGHT)
    tripped = names_list(obj["tripped"], BRIDGE_CONDITIONS)
    flags = {f: boolean(obj[f]) for f in ("emergency", "collateral_low", "spv_failing")}
    allowance = amount(obj["pegout_allowance"])
    runs = {r: optional_uint(obj[r]) for r in ("signers_ok_since", "collateral_ok_since",
                                               "spv_ok_since")}  # fmt: skip
    if not isinstance(obj["window"], list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if len(obj["window"]) > MAX_WINDOW_ENTRIES:  # section 6: before the entries are read
        raise Rejected("BREAKER_STATUS_INVALID")
    window = []
    for e in obj["window"]:
        exact(e, ENTRY_FIELDS)
        window.append({"height": uint(e["height"], MAX_HEIGHT),
                       "pegout_volume": amount(e["pegout_volume"]),
                       "spv_checks": uint(e["spv_checks"]),
                       "spv_failures": uint(e["spv_failures"])})  # fmt: skip
        if window[-1]["spv_failures"] > window[-1]["spv_checks"] or not (
            window[-1]["pegout_volume"] or window[-1]["spv_checks"]
        ):
            raise Rejected("BREAKER_STATUS_INVALID")
    st = {"height": height, "tripped": tripped, **flags, "pegout_allowance": allowance,
          **runs, "window": window}  # fmt: skip
    return check_bridge_status(st)


def latch(
    p: dict[str, Any], before: tuple[bool, int | None], met: bool, clear: bool, h: int
) -> tuple[bool, int | None, bool]:
    """Section 4.4 at one height: (set, run, cleared at this height)."""
    is_set, run = before
    if met:
        return True, None, False
    if not is_set:
        return False, None, False
    if not clear:
        return True, None, False
    start = run if run is not None else h
    if h - start + 1 >= p["hysteresis_blocks"]:
        return False, start, True
    return True, start, False


def bridge_step(p: dict[str, Any], st: dict[str, Any], s: dict[str, int]) -> dict[str, Any]:
    """Feed one BridgeSample to a BridgeStatus (sections 1 and 4.2 to 4.4)."""
    check_bridge_status_policy(p, st)
    h = s["height"]
    if st["height"] is not None and h < st["height"]:
        raise Rejected("BREAKER_HEIGHT_REGRESSION")
    repeated = st["height"] == h
    # The breakers before the height (section 4.4).
    before: dict[str, tuple[bool, int | None]] = {}
    height_clear: dict[str, bool] = {}
    for flag, run, _condition in LATCHES:
        if repeated:
            if st[run] is not None:  # set with a run, or cleared at this height
                before[flag], height_clear[flag] = (True, st[run]), True
            else:  # set without a run: the height is not clear
                before[flag], height_clear[flag] = (st[flag], None), not st[flag]
        else:
            before[flag] = (st[flag], st[run] if st[flag] else None)
            height_clear[flag] = True
    if not repeated and st["height"] is not None and h > st["height"] + 1:
        # Skipped heights: signers and collateral as at the status's height; SPV from
        # the window as it slides. After every entry has left and a hold has passed,
        # nothing changes but the height.
        span = max(p["pegout_window_blocks"], p["spv_window_blocks"])
        bound = span + p["hysteresis_blocks"] + 2
        for k in range(st["height"] + 1, min(h, st["height"] + 1 + bound)):
            _, checks, failures = window_sums(p, st["window"], k)
            spv = spv_met(p, checks, failures)
            for flag, run, condition in LATCHES:
                if condition == "spv_failures":
                    met, clear = spv, not spv
                else:  # the status's height holds: clear when a set breaker had a run
                    met, clear = condition in st["tripped"], st[run] is not None
                is_set, since, _ = latch(p, before[flag], met, clear, k)
                before[flag] = (is_set, since if is_set else None)
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
    volume, checks, failures = window_sums(p, window, h)
    # 4.3, the conditions (the union over the height's samples).
    met = set(st["tripped"]) if repeated else set()
    if s["reserves"] * PPM < p["min_collateral_ppm"] * s["liabilities"]:
        met.add("collateral")
    if s["active_signers"] < s["threshold"]:
        met.add("signers")
    if volume > p["pegout_window_limit"]:
        met.add("pegout_volume")
    if spv_met(p, checks, failures):
        met.add("spv_failures")
    # 4.4, the latches: a height is clear when every sample of it is.
    sample_clear = {
        "emergency": "signers" not in met,
        "collateral_low": "collateral" not in met
        and s["reserves"] * PPM >= p["resume_collateral_ppm"] * s["liabilities"],
        "spv_failing": "spv_failures" not in met,
    }
    out: dict[str, Any] = {"height": h, "tripped": sorted(met)}
    runs: dict[str, int | None] = {}
    for flag, run, condition in LATCHES:
        clear = height_clear[flag] and sample_clear[flag]
        out[flag], runs[run], _ = latch(p, before[flag], condition in met, clear, h)
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
    """Section 5: the amount (an integer, then its range), the emergency, the allowance.
    Pure: the status is not changed, so several admissions are independent."""
    amount(value)
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


def run_case(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one ``ailee_breakers_v1`` case; raise Rejected with the first fault's code.

    Returns the statuses after each sample. Faults are taken in the order section 7
    names them: the policy; the initial status (its form and the rules under any
    policy, then those against the policy); each sample in turn (read, its height, its
    step); then the admissions against the last status (the initial one with no
    samples).
    """
    policy = read_policy(case["policy"])
    node = case["breaker"] == "node"
    if case["breaker"] not in ("node", "bridge"):
        raise Rejected("ENUM_UNKNOWN_VALUE")
    if case["initial"] is None:
        st = initial_node_status() if node else initial_bridge_status(policy)
    elif node:
        st = check_node_status_policy(policy, read_node_status(case["initial"]))
    else:
        st = check_bridge_status_policy(policy, read_bridge_status(case["initial"]))
    statuses = []
    for raw in case["samples"]:
        if node:
            st = node_step(policy, st, read_metrics(raw))
            check_node_status_policy(policy, check_node_status(st))  # every status is valid
        else:
            st = bridge_step(policy, st, read_bridge_sample(raw))
            check_bridge_status_policy(policy, check_bridge_status(st))
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
