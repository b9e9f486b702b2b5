"""A second implementation of docs/spec.md sections 18.5 and 18.8 (telemetry).

Written from the text of the spec alone: samples and their hash, signed sample chains
(18.5), the batch digest and the ``telemetry_batches`` attachment of a snapshot with its
checks (18.8). BIP340 signatures are verified with ``coincurve``; the batch root is the
plain tree of section 7.2 (``reference.mth``).
"""

from __future__ import annotations

import itertools
from typing import Any

from coincurve import PublicKeyXOnly

from tests.independent.reference import (
    B32,
    MAX_UINT,
    Rejected,
    _lift_x,
    cbor_encode,
    exact_fields,
    k_bytes,
    k_id,
    k_uint,
    mth,
    th,
)

MAX_SAMPLES = 100_000
ZERO = bytes(32)
UINT = k_uint()
SAMPLE: list[tuple[str, Any]] = [
    ("node", k_id),
    ("sequence", UINT),
    ("timestamp_ms", UINT),
    ("energy_mwh", UINT),
    ("temperature_mc", k_uint(-MAX_UINT, MAX_UINT)),  # "may be negative" (no bound given)
    ("carbon_mg_per_kwh", UINT),
    ("utilisation_ppm", k_uint(0, 1_000_000)),
    ("latency_us", UINT),
    ("bandwidth_kbps", UINT),
    ("prev_hash", B32),
    ("signature", None),
]
BATCH_FIELDS = ["record", "key", "previous", "samples"]


# --- 18.5 samples ---------------------------------------------------------------------------


def read_sample(obj: Any, json_form: bool) -> dict[str, Any]:
    """A sample: exactly the fields of 18.5, read in that order; bytes as bytes."""
    exact_fields(obj, [n for n, _ in SAMPLE])
    out: dict[str, Any] = {}
    for name, kind in SAMPLE:
        if name == "signature":
            sig = k_bytes(0, 64)(obj[name], json_form)
            if len(sig) not in (0, 64):
                raise Rejected("BYTES_WRONG_LENGTH")
            out[name] = sig
        else:
            out[name] = kind(obj[name], json_form)
    return out


def sample_hash(sample: dict[str, Any]) -> bytes:
    fields = {k: v for k, v in sample.items() if k != "signature"}
    return th("ailee/v2/telemetry/sample", cbor_encode(fields))


def check_key(key: bytes) -> None:
    if len(key) != 32:
        raise Rejected("BYTES_WRONG_LENGTH")
    if _lift_x(int.from_bytes(key, "big")) is None:
        raise Rejected("TAPROOT_INVALID_KEY")


def verify_chain(key: bytes, samples: list[dict[str, Any]], previous: bytes = ZERO) -> list[bytes]:
    """Spec 18.5: check the chain sample by sample; return the samples' hashes."""
    check_key(key)
    public = PublicKeyXOnly(key)
    hashes = []
    for i, s in enumerate(samples):
        if s["node"] != samples[0]["node"]:
            raise Rejected("TELEMETRY_NODE_MISMATCH")
        if i > 0 and s["sequence"] != samples[i - 1]["sequence"] + 1:
            raise Rejected("TELEMETRY_SEQUENCE_GAP")
        if s["prev_hash"] != previous:
            raise Rejected("TELEMETRY_CHAIN_BROKEN")
        h = sample_hash(s)
        if not s["signature"]:
            raise Rejected("TELEMETRY_UNSIGNED")
        if not public.verify(s["signature"], h):
            raise Rejected("TELEMETRY_BAD_SIGNATURE")
        hashes.append(h)
        previous = h
    return hashes


def batch_root(hashes: list[bytes]) -> bytes:
    """The plain Merkle root (section 7.2) of the samples' hashes."""
    return mth(hashes)


# --- 18.8 batches carried by a snapshot -------------------------------------------------------


def batch_digest(key: bytes, previous: bytes, hashes: list[bytes]) -> bytes:
    value = {"key": key, "previous": previous, "root": batch_root(hashes), "count": len(hashes)}
    return th("ailee/v2/telemetry/batch", cbor_encode(value))


def read_attachment(obj: Any, json_form: bool) -> dict[str, Any]:
    """The snapshot's ``telemetry_batches`` object, in its CBOR value (bytes, not hex)."""
    exact_fields(obj, ["batches"])
    if not isinstance(obj["batches"], list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    batches = []
    for entry in obj["batches"]:
        exact_fields(entry, BATCH_FIELDS)
        record = k_id(entry["record"], json_form)
        key = B32(entry["key"], json_form)
        previous = B32(entry["previous"], json_form)
        samples = entry["samples"]
        if not isinstance(samples, list):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if not 1 <= len(samples) <= MAX_SAMPLES:
            raise Rejected("INT_OUT_OF_RANGE")
        batches.append({"record": record, "key": key, "previous": previous,
                        "samples": [read_sample(s, json_form) for s in samples]})  # fmt: skip
    records = [b["record"].encode() for b in batches]
    if any(a >= b for a, b in itertools.pairwise(records)):
        raise Rejected("LIST_NOT_SORTED_UNIQUE")
    return {"batches": batches}


def check_batch(batch: dict[str, Any], record: dict[str, Any] | None) -> None:
    """Spec 18.8 steps 1 to 4 for one batch."""
    if record is None:
        raise Rejected("TELEMETRY_NO_RECORD")
    for s in batch["samples"]:
        if s["node"] != record["node_id"]:
            raise Rejected("TELEMETRY_NODE_MISMATCH")
        if not record["window_start_ms"] <= s["timestamp_ms"] <= record["window_end_ms"]:
            raise Rejected("TELEMETRY_OUT_OF_WINDOW")
    hashes = verify_chain(batch["key"], batch["samples"], batch["previous"])
    if batch_digest(batch["key"], batch["previous"], hashes) != record["digest"]:
        raise Rejected("TELEMETRY_DIGEST_MISMATCH")


def check_carried(attachment: dict[str, Any], telemetry: list[dict[str, Any]]) -> list[str]:
    """Spec 18.8: the codes of the failed ``telemetry.batch[...]`` checks, in batch order."""
    by_id = {r["id"]: r for r in telemetry}
    failures = []
    for batch in attachment["batches"]:
        try:
            check_batch(batch, by_id.get(batch["record"]))
        except Rejected as exc:
            failures.append(exc.code)
    return failures


# --- 18.5 utility and reward ---------------------------------------------------------------


def utility(sample: dict[str, Any], ceiling: int = 1_000_000) -> int:
    """Spec 18.5: half spare capacity, half responsiveness under the latency ceiling."""
    spare = (1_000_000 - sample["utilisation_ppm"]) // 2
    latency = min(sample["latency_us"], ceiling)
    return spare + (1_000_000 * (ceiling - latency) // ceiling) // 2


def reward(pool: int, utilities: list[list[Any]]) -> list[list[Any]]:
    """Spec 18.5: floor shares, then one satoshi each to the largest remainders (ties:
    node id), so that the shares add up to the pool; every share 0 if no utility."""
    if pool < 0 or any(u < 0 for _, u in utilities):
        raise Rejected("INT_OUT_OF_RANGE")
    total = sum(u for _, u in utilities)
    if total == 0:
        return [[node, 0] for node, _ in utilities]
    shares = {node: pool * u // total for node, u in utilities}
    by_remainder = sorted(utilities, key=lambda nu: (-(pool * nu[1] % total), nu[0].encode()))
    for node, _ in by_remainder[: pool - sum(shares.values())]:
        shares[node] += 1
    return [[node, shares[node]] for node, _ in utilities]
