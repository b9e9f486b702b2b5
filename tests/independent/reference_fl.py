"""A second implementation of docs/spec.md section 18 (federated learning).

Written from the text of the spec alone: updates and their commitment (18.1), the
aggregation rules (18.2) in exact rational arithmetic (``fractions.Fraction``), round
records and their hash (18.6, 18.7), the ``fl_rounds`` attachment of a snapshot and its
checks (18.7). Standard library only.

Every value the spec defines (a mean, a median) is computed exactly and rounded once
to the layer's dtype (to nearest, ties to even, a zero as +0), which the spec makes
normative. Selections (Krum and Bulyan winners, trimmed counts, byzantine flags) are
computed from exact squared distances.
"""

from __future__ import annotations

import itertools
import math
import struct
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from tests.independent.reference import (
    B32,
    Rejected,
    cbor_encode,
    exact_fields,
    is_int,
    k_bytes,
    k_id,
    k_uint,
    th,
)

MAX_EXAMPLES = 2**26
MAX_MAGNITUDE = 2**960
RULES = ["fedavg", "krum", "median", "trimmed_mean", "bulyan"]
# dtype: (struct format, byte size, float?)
DTYPES: dict[str, tuple[str, int, bool]] = {
    "float32": ("f", 4, True), "float64": ("d", 8, True),
    "int8": ("b", 1, False), "int16": ("h", 2, False), "int32": ("i", 4, False),
    "int64": ("q", 8, False), "uint8": ("B", 1, False), "uint16": ("H", 2, False),
    "uint32": ("I", 4, False), "uint64": ("Q", 8, False),
}  # fmt: skip
# Binary formats of the float dtypes: (precision in bits, smallest normal exponent).
FLOAT_FORMATS = {"float32": (24, -126), "float64": (53, -1022)}
UPDATE_FIELDS = ["client", "examples", "tensors"]
TENSOR_FIELDS = ["name", "dtype", "shape", "data"]
RECORD_FIELDS = ["job", "round", "rule", "params", "inputs", "selected", "excluded",
                 "flagged", "output", "accounting"]  # fmt: skip
ANY_BYTES = k_bytes(0, 2**62)


def _key(text: str) -> bytes:
    """Client ids, tensor names and task ids are ordered by their UTF-8 bytes."""
    return text.encode()


# --- 18.1 updates and their commitment --------------------------------------------------


def read_tensor(obj: Any, json_form: bool) -> dict[str, Any]:
    """One tensor: exactly name, dtype, shape, data; read in that order."""
    exact_fields(obj, TENSOR_FIELDS)
    name = k_id(obj["name"], json_form)
    dtype = obj["dtype"]
    if not isinstance(dtype, str) or dtype not in DTYPES:  # 18.1: "else FL_BAD_TENSOR"
        raise Rejected("FL_BAD_TENSOR")
    shape = obj["shape"]
    if not isinstance(shape, list) or not all(is_int(s) and s >= 0 for s in shape):
        raise Rejected("FL_BAD_TENSOR")
    data = ANY_BYTES(obj["data"], json_form)
    if len(data) != math.prod(shape) * DTYPES[dtype][1]:
        raise Rejected("FL_BAD_TENSOR")
    tensor = {"name": name, "dtype": dtype, "shape": list(shape), "data": data}
    if DTYPES[dtype][2]:
        for x in values(tensor):
            if not math.isfinite(x):
                raise Rejected("FL_NON_FINITE")
            if abs(x) > MAX_MAGNITUDE:
                raise Rejected("FL_BAD_TENSOR")
    return tensor


def read_update(obj: Any, json_form: bool) -> dict[str, Any]:
    """Spec 18.1 (and 18.7: exactly client, examples, tensors); data as bytes."""
    exact_fields(obj, UPDATE_FIELDS)
    client = k_id(obj["client"], json_form)
    examples = k_uint(1, MAX_EXAMPLES)(obj["examples"], json_form)
    if not isinstance(obj["tensors"], list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    tensors = [read_tensor(t, json_form) for t in obj["tensors"]]
    names = [_key(t["name"]) for t in tensors]
    if any(a >= b for a, b in itertools.pairwise(names)):
        raise Rejected("LIST_NOT_SORTED_UNIQUE")
    return {"client": client, "examples": examples, "tensors": tensors}


def values(tensor: dict[str, Any]) -> list[Any]:
    """The tensor's values in row-major order (floats or ints, as stored)."""
    fmt, size, _ = DTYPES[tensor["dtype"]]
    count = len(tensor["data"]) // size
    return list(struct.unpack("<" + fmt * count, tensor["data"]))


def commitment(update: dict[str, Any]) -> bytes:
    return th("ailee/v2/fl/update", cbor_encode(update))


# --- exact rounding to a dtype -------------------------------------------------------------


def _exponent(q: Fraction) -> int:
    """floor(log2(q)) for q > 0."""
    e = q.numerator.bit_length() - q.denominator.bit_length()
    if Fraction(2) ** e > q:
        e -= 1
    elif Fraction(2) ** (e + 1) <= q:
        e += 1
    return e


def ulp(q: Fraction, dtype: str) -> Fraction:
    """The spacing of the dtype's floats in the binade of |q| (subnormal spacing below)."""
    precision, emin = FLOAT_FORMATS[dtype]
    e = emin if q == 0 else max(_exponent(abs(q)), emin)
    return Fraction(2) ** (e - precision + 1)


def round_float(q: Fraction, dtype: str) -> Fraction:
    """q rounded to the nearest float of the dtype, ties to even (no overflow here)."""
    step = ulp(q, dtype)
    return round(q / step) * step  # Fraction.__round__ rounds half to even


def encode_tensor(layout: dict[str, Any], exact: list[Fraction]) -> dict[str, Any]:
    """The result tensor: exact values rounded once to the dtype (integers: half to even)."""
    fmt, _, is_float = DTYPES[layout["dtype"]]
    if is_float:
        items: list[Any] = [float(round_float(q, layout["dtype"])) for q in exact]
    else:
        items = [round(q) for q in exact]
    data = struct.pack("<" + fmt * len(items), *items)
    return {"name": layout["name"], "dtype": layout["dtype"], "shape": layout["shape"],
            "data": data}  # fmt: skip


# --- 18.2 aggregation rules --------------------------------------------------------------


@dataclass
class Aggregate:
    """The exact result of a rule: per tensor the exact values, and the selection."""

    layout: list[dict[str, Any]]  # name, dtype, shape of each tensor
    exact: list[list[Fraction]]  # per tensor, the exact value of each coordinate
    selected: list[str]  # client-id order
    excluded: list[str]  # client-id order

    def tensors(self) -> list[dict[str, Any]]:
        return [encode_tensor(lay, ex) for lay, ex in zip(self.layout, self.exact, strict=True)]


def prepare(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Client-id order, no client twice, at least one update, one layout for all."""
    ordered = sorted(updates, key=lambda u: _key(u["client"]))
    clients = [u["client"] for u in ordered]
    if len(set(clients)) != len(clients):
        raise Rejected("SECTION_DUPLICATE_KEY")
    if not ordered:
        raise Rejected("FL_PARAMETER_INVALID")
    layouts = [[(t["name"], t["dtype"], t["shape"]) for t in u["tensors"]] for u in ordered]
    if any(lay != layouts[0] for lay in layouts):
        raise Rejected("FL_SHAPE_MISMATCH")
    return ordered


def read_params(rule: str, params: Any) -> dict[str, Any]:
    """The rule's parameters (18.2): exactly its fields, integers, in range."""
    if rule not in RULES:
        raise Rejected("ENUM_UNKNOWN_VALUE")
    names = {"krum": ["f", "m"], "trimmed_mean": ["beta"], "bulyan": ["f"]}.get(rule, [])
    exact_fields(params, names)
    for name in names:
        value = params[name]
        parts = value if name == "beta" else [value]
        if name == "beta" and (not isinstance(value, list) or len(value) != 2):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if not all(is_int(p) for p in parts):
            raise Rejected("SCHEMA_WRONG_TYPE")
    if rule == "trimmed_mean":
        num, den = params["beta"]
        if den <= 0 or not 0 <= Fraction(num, den) < Fraction(1, 2):
            raise Rejected("FL_PARAMETER_INVALID")
    return dict(params)


def as_float64(tensor: dict[str, Any]) -> list[Fraction]:
    """Spec 18.2 (Krum, Bulyan, byzantine detection): values as float64, exactly."""
    return [Fraction(float(x)) for x in values(tensor)]


def flat(update: dict[str, Any]) -> list[Fraction]:
    return [x for t in update["tensors"] for x in as_float64(t)]


def squared_distance(a: list[Fraction], b: list[Fraction]) -> Fraction:
    return sum(((x - y) ** 2 for x, y in zip(a, b, strict=True)), Fraction(0))


def krum_scores(points: dict[str, list[Fraction]], neighbours: int) -> dict[str, Fraction]:
    """Each client's sum of its ``neighbours`` smallest squared distances to the others."""
    scores = {}
    for c, p in points.items():
        dists = sorted(squared_distance(p, q) for d, q in points.items() if d != c)
        scores[c] = sum(dists[:neighbours], Fraction(0))
    return scores


def lowest(scores: dict[str, Fraction], m: int) -> list[str]:
    """The ``m`` clients of lowest score, ties by client id."""
    return sorted(scores, key=lambda c: (scores[c], _key(c)))[:m]


def mean(items: list[Fraction]) -> Fraction:
    return sum(items, Fraction(0)) / len(items)


def median(items: list[Fraction]) -> Fraction:
    s = sorted(items)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def coordinates(updates: list[dict[str, Any]], index: int) -> list[list[Fraction]]:
    """For tensor ``index``: per coordinate, the clients' exact values in client order."""
    columns = [[Fraction(x) for x in values(u["tensors"][index])] for u in updates]
    return [list(col) for col in zip(*columns, strict=True)]


def aggregate(rule: Any, params: Any, updates: list[dict[str, Any]]) -> Aggregate:
    """Spec 18.2, on updates already read (18.1)."""
    ordered = prepare(updates)
    if not isinstance(rule, str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    p = read_params(rule, params)
    n = len(ordered)
    clients = [u["client"] for u in ordered]
    layout = [{k: t[k] for k in ("name", "dtype", "shape")} for t in ordered[0]["tensors"]]
    chosen = clients
    if rule == "krum":
        f, m = p["f"], p["m"]
        if not (n > 2 * f + 2 and 1 <= m <= n - f) or f < 0:
            raise Rejected("FL_PARAMETER_INVALID")
        scores = krum_scores({u["client"]: flat(u) for u in ordered}, n - f - 2)
        chosen = sorted(lowest(scores, m), key=_key)
    elif rule == "bulyan":
        f = p["f"]
        if n < 4 * f + 3 or f < 0:
            raise Rejected("FL_PARAMETER_INVALID")
        rest = {u["client"]: flat(u) for u in ordered}
        picked: list[str] = []
        while len(picked) < n - 2 * f:
            r = len(rest)
            winner = lowest(krum_scores(rest, max(1, r - f - 2)), 1)[0]
            picked.append(winner)
            del rest[winner]
        chosen = sorted(picked, key=_key)
    selected = [u for u in ordered if u["client"] in chosen]

    exact: list[list[Fraction]] = []
    for i in range(len(layout)):
        if rule == "fedavg":
            weights = [u["examples"] for u in ordered]
            total = sum(weights)
            exact.append([
                sum((w * x for w, x in zip(weights, col, strict=True)), Fraction(0)) / total
                for col in coordinates(ordered, i)
            ])  # fmt: skip
        elif rule == "krum":
            exact.append([mean(col) for col in coordinates(selected, i)])
        elif rule == "median":
            exact.append([median(col) for col in coordinates(ordered, i)])
        elif rule == "trimmed_mean":
            num, den = p["beta"]
            k = num * n // den  # floor(beta * n), exactly
            if n - 2 * k <= 0:
                raise Rejected("FL_PARAMETER_INVALID")
            exact.append([mean(sorted(col)[k : n - k]) for col in coordinates(ordered, i)])
        else:  # bulyan
            keep = len(selected) - 2 * p["f"]
            row = []
            for col in coordinates(selected, i):
                med = median(col)
                ranked = sorted(range(len(col)), key=lambda j, c=col, md=med: (abs(c[j] - md), j))
                row.append(mean([col[j] for j in ranked[:keep]]))
            exact.append(row)
    excluded = [c for c in clients if c not in chosen]
    return Aggregate(layout, exact, list(chosen), excluded)


# --- byzantine detection (18.2) ------------------------------------------------------------

Z_CONSTANT = Decimal("0.6745")
Z_THRESHOLD = Decimal("3.5")


def byzantine_flags(updates: list[dict[str, Any]]) -> list[str]:
    """Clients whose robust z-score is above 3.5, in client-id order.

    ``d`` is computed from the exact squared distance to the exact coordinate-wise
    median, with a 60-digit square root; medians and MAD follow the spec's definition.
    """
    ordered = sorted(updates, key=lambda u: _key(u["client"]))
    points = [flat(u) for u in ordered]
    centre = [median(list(col)) for col in zip(*points, strict=True)]
    with localcontext() as ctx:
        ctx.prec = 60

        def sqrt(q: Fraction) -> Decimal:
            return (Decimal(q.numerator) / Decimal(q.denominator)).sqrt()

        d = [sqrt(squared_distance(p, centre)) for p in points]

        def dmedian(items: list[Decimal]) -> Decimal:
            s = sorted(items)
            mid = len(s) // 2
            return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2

        med = dmedian(d)
        mad = dmedian([abs(x - med) for x in d])
        flagged = []
        for u, x in zip(ordered, d, strict=True):
            # With MAD = 0: equal to the median scores 0, above it +infinity, below -infinity.
            infinite = mad == 0 and x > med
            if infinite or (mad != 0 and Z_CONSTANT * (x - med) / mad > Z_THRESHOLD):
                flagged.append(u["client"])
    return flagged


# --- 18.6 round records ----------------------------------------------------------------------


def output_commitment(tensors: list[dict[str, Any]]) -> bytes:
    return th("ailee/v2/fl/output", cbor_encode(tensors))


def _list(v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    return v


def _pair(v: Any) -> list[Any]:
    if not isinstance(v, list) or len(v) != 2:
        raise Rejected("SCHEMA_WRONG_TYPE")
    return v


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    return v


def read_record(obj: Any, json_form: bool) -> dict[str, Any]:
    """A round record (18.6), read strictly in field order; commitments as bytes."""
    exact_fields(obj, RECORD_FIELDS)
    uint = k_uint()
    record: dict[str, Any] = {
        "job": k_id(obj["job"], json_form),
        "round": uint(obj["round"], json_form),
        "rule": _text(obj["rule"]),
    }
    if not isinstance(obj["params"], dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    record["params"] = obj["params"]
    record["inputs"] = [
        [k_id(c, json_form), B32(h, json_form)] for c, h in map(_pair, _list(obj["inputs"]))
    ]
    record["selected"] = [k_id(c, json_form) for c in _list(obj["selected"])]
    record["excluded"] = [
        [k_id(c, json_form), _text(why)] for c, why in map(_pair, _list(obj["excluded"]))
    ]
    record["flagged"] = [k_id(c, json_form) for c in _list(obj["flagged"])]
    record["output"] = B32(obj["output"], json_form)
    accounting = []
    for event in _list(obj["accounting"]):
        if not isinstance(event, list) or len(event) != 5:
            raise Rejected("SCHEMA_WRONG_TYPE")
        # q and sigma as m * 2^e, m odd (or 0, 0): exact float64 values in small ints.
        if not all(is_int(x) for x in event):
            raise Rejected("SCHEMA_WRONG_TYPE")
        q, sigma = _binary_value(event[0], event[1]), _binary_value(event[2], event[3])
        if not (0 <= q <= 1 and sigma > 0 and event[4] >= 0):
            raise Rejected("DP_PARAMETER_INVALID")
        accounting.append(list(event))
    record["accounting"] = accounting
    return record


def _binary_value(m: int, e: int) -> Fraction:
    """Spec 18.6: m * 2^e with m odd, |m| < 2^53, -1074 <= e <= 971, or (0, 0)."""
    if (m, e) != (0, 0) and not (m % 2 == 1 and abs(m) < 2**53 and -1074 <= e <= 971):
        raise Rejected("DP_PARAMETER_INVALID")
    return Fraction(m) * Fraction(2) ** e


def round_hash(record: dict[str, Any]) -> bytes:
    """Spec 18.7: the hash of the record's CBOR value (commitments as byte strings)."""
    return th("ailee/v2/fl/round", cbor_encode(record))


def recompute_round(record: dict[str, Any], updates: list[dict[str, Any]]) -> dict[str, Any]:
    """Spec 18.6: the record the updates give under the record's rule, params, accounting
    (the exclusion reasons are the texts 18.2 gives for each rule)."""
    inputs = [
        [u["client"], commitment(u)] for u in sorted(updates, key=lambda u: _key(u["client"]))
    ]
    if inputs != record["inputs"]:
        raise Rejected("FL_ROUND_INPUTS_MISMATCH")
    result = aggregate(record["rule"], record["params"], updates)
    reason = {
        "krum": f"krum score not among the {record['params'].get('m')} lowest",
        "bulyan": "not selected by Bulyan's Krum rounds",
    }.get(record["rule"], "")
    return {
        "job": record["job"],
        "round": record["round"],
        "rule": record["rule"],
        "params": record["params"],
        "inputs": inputs,
        "selected": result.selected,
        "excluded": [[c, reason] for c in result.excluded],
        "flagged": byzantine_flags(updates) if len(updates) >= 3 else [],
        "output": output_commitment(result.tensors()),
        "accounting": record["accounting"],
    }


def verify_round(record: dict[str, Any], updates: list[dict[str, Any]]) -> None:
    """Spec 18.6 / 18.7 steps 2 and 3."""
    if recompute_round(record, updates) != record:
        raise Rejected("FL_ROUND_MISMATCH")


# --- 18.7 round records carried by a snapshot ---------------------------------------------


def read_attachment(obj: Any, json_form: bool) -> dict[str, Any]:
    """The snapshot's ``fl_rounds`` object, in its CBOR value (bytes, not hex)."""
    exact_fields(obj, ["rounds"])
    rounds = []
    for entry in _list(obj["rounds"]):
        exact_fields(entry, ["task", "record", "updates"])
        task = k_id(entry["task"], json_form)
        record = read_record(entry["record"], json_form)
        updates = entry["updates"]
        if updates is not None:
            updates = [read_update(u, json_form) for u in _list(updates)]
        rounds.append({"task": task, "record": record, "updates": updates})
    tasks = [_key(r["task"]) for r in rounds]
    if any(a >= b for a, b in itertools.pairwise(tasks)):
        raise Rejected("LIST_NOT_SORTED_UNIQUE")
    return {"rounds": rounds}


def check_carried(attachment: dict[str, Any], tasks: list[dict[str, Any]]) -> list[str]:
    """Spec 18.7: the codes of the failed ``tasks.round[...]`` checks, in round order."""
    by_id = {t["id"]: t for t in tasks}
    failures = []
    for entry in attachment["rounds"]:
        task = by_id.get(entry["task"])
        if task is None or task["result"] != round_hash(entry["record"]):
            failures.append("FL_ROUND_NOT_COMMITTED")
            continue
        if entry["updates"] is None:
            continue
        try:
            verify_round(entry["record"], entry["updates"])
        except Rejected as exc:
            failures.append(exc.code)
    return failures
