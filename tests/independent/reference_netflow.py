"""A second implementation of docs/netflow.md (NetFlow relay accounting).

Written from the text of docs/netflow.md (and spec sections 3, 4, 5, 7.2 and 18.5) alone:
relays, tunnels, receipts and epochs with their JSON reading (section 2), the receipt
digest and the other tagged messages (3), receipt verification in canonical order (4),
the reward split (5, spec 18.5's rule, ``reference_telemetry.reward``), the epoch
commitment and its check (6) and relay selection (7). Every fault raises
``Rejected(code)`` with the code of the first one, in the order of section 8.

The first version marked with ``ASSUMPTION`` where the text left an order or a bound
open; the text now states each of them (orders of reading, limits, the closed epoch
window, selection's checks), and this module follows it without assumptions.
"""

from __future__ import annotations

import itertools
from typing import Any

from coincurve import PublicKeyXOnly

from tests.independent.reference import (
    Rejected,
    _lift_x,
    cbor_encode,
    exact_fields,
    k_amount,
    k_bytes,
    k_enum,
    k_id,
    k_sorted_list,
    k_uint,
    mth,
    read_record,
    th,
)
from tests.independent.reference_telemetry import reward as split_pool

KINDS = ("hybrid", "onion", "wireguard")
# Section 2, Limits: the lists an operation takes (INPUT_TOO_LARGE, before any element).
MAX_RELAYS = 10_000
MAX_TUNNELS = 100_000
MAX_RECEIPTS = 1_000_000
MAX_STATUSES = 10_000
MAX_REGIONS = 1_000
PPM = 1_000_000
UINT = k_uint()
KIND = k_enum(*KINDS)
DEFAULT_POLICY: dict[str, Any] = {
    "weights": {"capacity": 40, "latency": 30, "region": 10, "load": 20},
    "capacity_ceiling_bps": 125_000_000,
    "latency_ceiling_ms": 1000,
}
WEIGHTS = ["capacity", "latency", "region", "load"]


def id_key(s: str) -> bytes:
    """Section 1: "id order" is the bytewise order of the UTF-8 encodings."""
    return s.encode()


def _list(v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    return v


# --- 2. records (JSON forms) ------------------------------------------------------------


def read_relay(obj: Any) -> dict[str, Any]:
    exact_fields(obj, ["id", "region", "capacity_bps", "kinds", "key"])
    out: dict[str, Any] = {"id": k_id(obj["id"], True), "region": k_id(obj["region"], True)}
    out["capacity_bps"] = k_uint(1)(obj["capacity_bps"], True)
    # A sorted-list of spec 5 of 1 to 3 kinds: size, then each name, then the order.
    out["kinds"] = k_sorted_list(KIND, 1, 3)(obj["kinds"], True)
    out["key"] = k_bytes(32, 32)(obj["key"], True)
    return out


def read_tunnel(obj: Any) -> dict[str, Any]:
    exact_fields(obj, ["id", "a", "b", "kind"])
    out = {"id": k_id(obj["id"], True), "a": k_id(obj["a"], True), "b": k_id(obj["b"], True)}
    # Once `b` is read, before `kind`.
    if not id_key(out["a"]) < id_key(out["b"]):
        raise Rejected("LIST_NOT_SORTED_UNIQUE")
    out["kind"] = KIND(obj["kind"], True)
    return out


def read_signature(v: Any) -> bytes:
    sig = k_bytes(0, 64)(v, True)
    if len(sig) not in (0, 64):
        raise Rejected("BYTES_WRONG_LENGTH")
    return bytes(sig)


def read_receipt(obj: Any) -> dict[str, Any]:
    exact_fields(obj, ["tunnel", "start_ms", "end_ms", "bytes", "sig_a", "sig_b"])
    return {
        "tunnel": k_id(obj["tunnel"], True),
        "start_ms": UINT(obj["start_ms"], True),
        "end_ms": UINT(obj["end_ms"], True),
        "bytes": UINT(obj["bytes"], True),
        "sig_a": read_signature(obj["sig_a"]),
        "sig_b": read_signature(obj["sig_b"]),
    }


def make_epoch(eid: str, accountant: str, start: int, end: int, pool: int) -> dict[str, Any]:
    return {"id": eid, "accountant": accountant, "start_ms": start, "end_ms": end, "pool": pool}


def read_epoch(obj: Any) -> dict[str, Any]:
    exact_fields(obj, ["id", "accountant", "start_ms", "end_ms", "pool"])
    eid = k_id(obj["id"], True)
    accountant = k_id(obj["accountant"], True)
    start = UINT(obj["start_ms"], True)
    end = UINT(obj["end_ms"], True)
    # Once `end_ms` is read, before `pool`: the window [start_ms, end_ms] is closed.
    if end < start:
        raise Rejected("INT_OUT_OF_RANGE")
    pool = k_amount(obj["pool"], True)
    return make_epoch(eid, accountant, start, end, pool)


def read_list(v: Any, reader: Any, limit: int) -> list[dict[str, Any]]:
    """Section 2, Limits: an array whose size is checked before any element is read."""
    if len(_list(v)) > limit:
        raise Rejected("INPUT_TOO_LARGE")
    return [reader(x) for x in v]


# --- the mesh -------------------------------------------------------------------------------


def by_id(records: list[dict[str, Any]], field: str = "id") -> list[dict[str, Any]]:
    ordered = sorted(records, key=lambda r: id_key(r[field]))
    if any(a[field] == b[field] for a, b in itertools.pairwise(ordered)):
        raise Rejected("SECTION_DUPLICATE_KEY")
    return ordered


def check_mesh(relays: list[dict[str, Any]], tunnels: list[dict[str, Any]]) -> dict[str, Any]:
    """Section 2, Mesh: duplicates (ids, then pairs), keys, then every tunnel's endpoints."""
    relays = by_id(relays)
    tunnels = by_id(tunnels)
    pairs = [(id_key(t["a"]), id_key(t["b"])) for t in tunnels]
    if len(set(pairs)) != len(pairs):
        raise Rejected("SECTION_DUPLICATE_KEY")
    check_keys(relays)
    index = {r["id"]: r for r in relays}
    for t in tunnels:
        for end in ("a", "b"):
            relay = index.get(t[end])
            if relay is None:
                raise Rejected("NETFLOW_UNKNOWN_RELAY")
            if t["kind"] not in relay["kinds"]:
                raise Rejected("NETFLOW_KIND_UNSUPPORTED")
    return {"relays": relays, "tunnels": tunnels}


def check_keys(relays: list[dict[str, Any]]) -> None:
    for r in relays:
        if _lift_x(int.from_bytes(r["key"], "big")) is None:
            raise Rejected("TAPROOT_INVALID_KEY")


def mesh_hash(mesh: dict[str, Any]) -> bytes:
    return th("ailee/v2/netflow/mesh", cbor_encode(mesh))


# --- 3./4. receipts --------------------------------------------------------------------------


def receipt_digest(receipt: dict[str, Any], tunnel: dict[str, Any]) -> bytes:
    msg = {
        "tunnel": receipt["tunnel"],
        "a": tunnel["a"],
        "b": tunnel["b"],
        "kind": tunnel["kind"],
        "start_ms": receipt["start_ms"],
        "end_ms": receipt["end_ms"],
        "bytes": receipt["bytes"],
    }
    return th("ailee/v2/netflow/receipt", cbor_encode(msg))


def canonical(receipts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        fields = (r["start_ms"], r["end_ms"], r["bytes"], r["sig_a"], r["sig_b"])
        return (id_key(r["tunnel"]), *fields)

    return sorted(receipts, key=key)


def _verify(key: bytes, sig: bytes, digest: bytes) -> bool:
    try:
        return bool(PublicKeyXOnly(key).verify(sig, digest))
    except ValueError:
        return False


def verify_receipts(
    mesh: dict[str, Any], epoch: dict[str, Any], receipts: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], bytes]]:
    """Section 4: the receipts in canonical order with their digests, or the first fault.
    (Their number was bounded when they were read, section 2.)"""
    relays = {r["id"]: r for r in mesh["relays"]}
    tunnels = {t["id"]: t for t in mesh["tunnels"]}
    out: list[tuple[dict[str, Any], bytes]] = []
    for r in canonical(receipts):
        if r["end_ms"] <= r["start_ms"]:
            raise Rejected("NETFLOW_INTERVAL_INVALID")
        if r["start_ms"] < epoch["start_ms"] or r["end_ms"] - 1 > epoch["end_ms"]:
            raise Rejected("NETFLOW_OUT_OF_EPOCH")
        tunnel = tunnels.get(r["tunnel"])
        if tunnel is None:
            raise Rejected("NETFLOW_UNKNOWN_TUNNEL")
        a, b = relays[tunnel["a"]], relays[tunnel["b"]]
        digest = receipt_digest(r, tunnel)
        for sig, relay in ((r["sig_a"], a), (r["sig_b"], b)):
            if not sig:
                raise Rejected("NETFLOW_UNSIGNED")
            if not _verify(relay["key"], sig, digest):
                raise Rejected("NETFLOW_BAD_SIGNATURE")
        capacity = min(a["capacity_bps"], b["capacity_bps"])
        if r["bytes"] * 1000 > capacity * (r["end_ms"] - r["start_ms"]):
            raise Rejected("NETFLOW_OVER_CAPACITY")
        if out and out[-1][0]["tunnel"] == r["tunnel"]:
            previous, previous_digest = out[-1]
            if previous_digest == digest:
                raise Rejected("NETFLOW_DUPLICATE_RECEIPT")
            if previous["end_ms"] > r["start_ms"]:
                raise Rejected("NETFLOW_INTERVAL_OVERLAP")
        out.append((r, digest))
    return out


# --- 5. rewards ---------------------------------------------------------------------------


def rewards(
    mesh: dict[str, Any], pool: int, verified: list[tuple[dict[str, Any], bytes]]
) -> list[dict[str, Any]]:
    """Section 5: reward lines {relay, bytes, reward}, relays with credit > 0, id order."""
    tunnels = {t["id"]: t for t in mesh["tunnels"]}
    credit: dict[str, int] = {}
    for r, _ in verified:
        t = tunnels[r["tunnel"]]
        for end in (t["a"], t["b"]):
            credit[end] = credit.get(end, 0) + r["bytes"]
            if credit[end] > 2**53 - 1:
                raise Rejected("INT_OUT_OF_RANGE")
    lines = [[rid, c] for rid, c in sorted(credit.items(), key=lambda kv: id_key(kv[0])) if c > 0]
    if not lines:
        return []
    shares = split_pool(pool, lines)
    return [
        {"relay": rid, "bytes": c, "reward": share}
        for (rid, c), (_, share) in zip(lines, shares, strict=True)
    ]


# --- 6. the epoch commitment -----------------------------------------------------------------


def settle(
    mesh: dict[str, Any], epoch: dict[str, Any], receipts: list[dict[str, Any]]
) -> dict[str, Any]:
    """Sections 4 to 6, in the JSON form of the vectors' `expected`."""
    verified = verify_receipts(mesh, epoch, receipts)
    lines = rewards(mesh, epoch["pool"], verified)
    digests = [d for _, d in verified]
    distributed = sum(line["reward"] for line in lines)
    mesh_h = mesh_hash(mesh)
    receipts_root = mth(digests)
    rewards_root = mth([th("ailee/v2/netflow/reward", cbor_encode(line)) for line in lines])
    commitment = {
        **epoch,
        "mesh": mesh_h,
        "receipts_root": receipts_root,
        "receipts": len(verified),
        "rewards_root": rewards_root,
        "distributed": distributed,
    }
    digest = th("ailee/v2/netflow/epoch", cbor_encode(commitment))
    return {
        "rewards": [[line["relay"], line["bytes"], line["reward"]] for line in lines],
        "distributed": distributed,
        "carried": epoch["pool"] - distributed,
        "receipts": [d.hex() for d in digests],
        "mesh": mesh_h.hex(),
        "receipts_root": receipts_root.hex(),
        "rewards_root": rewards_root.hex(),
        "digest": digest.hex(),
        "record": {
            "id": epoch["id"],
            "node_id": epoch["accountant"],
            "window_start_ms": epoch["start_ms"],
            "window_end_ms": epoch["end_ms"],
            "digest": digest.hex(),
        },
    }


def check_epoch(
    mesh: dict[str, Any], record: dict[str, Any], pool: int, receipts: list[dict[str, Any]]
) -> dict[str, Any]:
    """Section 6, "Checking a recorded epoch" (the pool was read before): the epoch
    built from the record obeys section 2, then sections 4 to 6 and the comparison."""
    if record["window_end_ms"] < record["window_start_ms"]:
        raise Rejected("INT_OUT_OF_RANGE")
    epoch = make_epoch(record["id"], record["node_id"], record["window_start_ms"],
                       record["window_end_ms"], pool)  # fmt: skip
    result = settle(mesh, epoch, receipts)
    if result["digest"] != record["digest"].hex():
        raise Rejected("NETFLOW_COMMITMENT_MISMATCH")
    return result


# --- 7. relay selection ----------------------------------------------------------------------


def read_regions(v: Any) -> list[str]:
    """A sorted-list of spec 5 of 0 to 1,000 identifiers (id order is code point order)."""
    return list(k_sorted_list(k_id, 0, MAX_REGIONS)(v, True))


def read_request(obj: Any) -> dict[str, Any]:
    exact_fields(obj, ["kind", "min_capacity_bps", "allowed_regions", "preferred_regions"])
    return {
        "kind": KIND(obj["kind"], True),
        "min_capacity_bps": UINT(obj["min_capacity_bps"], True),
        "allowed_regions": read_regions(obj["allowed_regions"]),
        "preferred_regions": read_regions(obj["preferred_regions"]),
    }


def read_policy(obj: Any) -> dict[str, Any]:
    if obj is None:
        return DEFAULT_POLICY
    exact_fields(obj, ["weights", "capacity_ceiling_bps", "latency_ceiling_ms"])
    exact_fields(obj["weights"], WEIGHTS)
    weights = {w: k_uint(0, 1000)(obj["weights"][w], True) for w in WEIGHTS}
    return {
        "weights": weights,
        "capacity_ceiling_bps": k_uint(1)(obj["capacity_ceiling_bps"], True),
        "latency_ceiling_ms": k_uint(1)(obj["latency_ceiling_ms"], True),
    }


def read_status(obj: Any) -> dict[str, Any]:
    exact_fields(obj, ["relay", "online", "load_ppm", "latency_ms"])
    relay = k_id(obj["relay"], True)
    if not isinstance(obj["online"], bool):
        raise Rejected("SCHEMA_WRONG_TYPE")
    latency = obj["latency_ms"]
    return {
        "relay": relay,
        "online": obj["online"],
        "load_ppm": k_uint(0, PPM)(obj["load_ppm"], True),
        "latency_ms": None if latency is None else UINT(latency, True),
    }


def select(
    relays: list[dict[str, Any]],
    request: dict[str, Any],
    policy: dict[str, Any],
    statuses: list[dict[str, Any]],
) -> dict[str, Any]:
    """Section 7: the checks, then the ranking {ranked, excluded} in the JSON form of the
    vectors."""
    relays = by_id(relays)
    check_keys(relays)
    statuses = by_id(statuses, "relay")
    known = {r["id"] for r in relays}
    for s in statuses:
        if s["relay"] not in known:
            raise Rejected("NETFLOW_UNKNOWN_RELAY")
    status_of = {s["relay"]: s for s in statuses}
    w = policy["weights"]
    cap_c, lat_c = policy["capacity_ceiling_bps"], policy["latency_ceiling_ms"]
    ranked: list[dict[str, Any]] = []
    excluded: list[list[str]] = []
    for r in relays:
        st = status_of.get(r["id"], {"online": True, "load_ppm": 0, "latency_ms": None})
        free = r["capacity_bps"] * (PPM - st["load_ppm"]) // PPM
        reason = None
        if not st["online"]:
            reason = "offline"
        elif request["kind"] not in r["kinds"]:
            reason = "kind_unsupported"
        elif request["allowed_regions"] and r["region"] not in request["allowed_regions"]:
            reason = "region_not_allowed"
        elif free < request["min_capacity_bps"]:
            reason = "insufficient_capacity"
        if reason is not None:
            excluded.append([r["id"], reason])
            continue
        latency = st["latency_ms"]
        factors = {
            "capacity": PPM * min(free, cap_c) // cap_c,
            "latency": 0 if latency is None else PPM * (lat_c - min(latency, lat_c)) // lat_c,
            "region": PPM if r["region"] in request["preferred_regions"] else 0,
            "load": st["load_ppm"],
        }
        score = (
            w["capacity"] * factors["capacity"]
            + w["latency"] * factors["latency"]
            + w["region"] * factors["region"]
            - w["load"] * factors["load"]
        )
        ranked.append({"relay": r["id"], "factors": factors, "score": score})
    ranked.sort(key=lambda x: (-x["score"], id_key(x["relay"])))
    return {"ranked": ranked, "excluded": excluded}


# --- 8. vectors ------------------------------------------------------------------------------


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """One vector of schema ailee_netflow_v1: its `expected`, or Rejected(code)."""
    operation = case["operation"]
    relays = read_list(case["relays"], read_relay, MAX_RELAYS)
    if operation == "select":
        request = read_request(case["request"])
        policy = read_policy(case["policy"])
        statuses = read_list(case["statuses"], read_status, MAX_STATUSES)
        return select(relays, request, policy, statuses)
    tunnels = read_list(case["tunnels"], read_tunnel, MAX_TUNNELS)
    mesh = check_mesh(relays, tunnels)
    receipts = read_list(case["receipts"], read_receipt, MAX_RECEIPTS)
    if operation == "settle":
        return settle(mesh, read_epoch(case["epoch"]), receipts)
    if operation == "check":
        record = read_record("telemetry", case["record"], True)
        pool = k_amount(case["pool"], True)
        return check_epoch(mesh, record, pool, receipts)
    raise ValueError(operation)
