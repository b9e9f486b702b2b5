"""The telemetry golden vectors. Called by ``tools/generate_vectors.py``."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

from coincurve import PrivateKey

from ailee.telemetry import (
    Sample,
    batch_digest,
    batch_root,
    reward,
    sample_hash,
    sample_to_json,
    sign_sample,
    utility,
    verify_chain,
)

SECRET = hashlib.sha256(b"ailee telemetry vector key").digest()
PUBLIC = PrivateKey(SECRET).public_key_xonly.format()


def _chain(count: int) -> list[Sample]:
    samples: list[Sample] = []
    prev = bytes(32)
    for k in range(count):
        sample = Sample(
            "node-eu-1", k, 1_764_000_000_000 + 60_000 * k, 1500 + 7 * k, 41_250 + 125 * k,
            85_000, 300_000 + 1000 * k, 1200 + 5 * k, 250_000, prev_hash=prev,
        )  # fmt: skip
        sample = sign_sample(sample, SECRET, bytes(32))
        prev = sample_hash(sample)
        samples.append(sample)
    return samples


def telemetry_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Telemetry sample chains",
        "ailee_telemetry_chain_v1",
        [
            "A node's consecutive 'samples' (integer fields, prev_hash and BIP340 signature "
            "in hex) must form a signed hash chain under 'public_key' (x-only, hex); "
            "'expected' gives the last sample's hash, the batch's Merkle root, the batch "
            "digest (18.8) of the key with a zero link, and each sample's utility (ppm, "
            "with the default latency ceiling of 1,000,000 us).",
        ],
    )
    vf.note("Chain", "CAN_OF_WORMS", "A sample is missing, reordered, altered or unsigned.")
    samples = _chain(4)

    def case(tests: list[Any], comment: str, chain: list[dict[str, Any]],
             code: str | None = None) -> None:  # fmt: skip
        fields: dict[str, Any] = {"public_key": PUBLIC.hex(), "samples": chain}
        if code is None:
            parsed = samples[: len(chain)]
            fields["expected"] = {
                "last": verify_chain(parsed, PUBLIC).hex(),
                "root": batch_root(parsed).hex(),
                "digest": batch_digest(PUBLIC, bytes(32), parsed).hex(),
                "utilities": [utility(sample) for sample in parsed],
            }
        vf.add(tests, comment, fields, code=code, flags=() if code is None else ("Chain",))

    good = [sample_to_json(s) for s in samples]
    valid = vf.group("valid")
    case(valid, "four signed samples", good)
    case(valid, "one sample", good[:1])
    invalid = vf.group("invalid")
    case(invalid, "a sample missing", [good[0], *good[2:]], "TELEMETRY_SEQUENCE_GAP")
    case(invalid, "two samples swapped", [good[1], good[0], *good[2:]], "TELEMETRY_CHAIN_BROKEN")
    altered = copy.deepcopy(good)
    altered[2]["energy_mwh"] += 1
    case(invalid, "a value altered", altered, "TELEMETRY_BAD_SIGNATURE")
    unsigned = copy.deepcopy(good)
    unsigned[1]["signature"] = ""
    case(invalid, "a sample unsigned", unsigned, "TELEMETRY_UNSIGNED")
    foreign = copy.deepcopy(good)
    foreign[1]["node"] = "node-us-1"
    case(invalid, "another node's sample", foreign, "TELEMETRY_NODE_MISMATCH")
    return vf


def reward_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Telemetry reward split",
        "ailee_telemetry_reward_v1",
        [
            "A 'pool' of satoshis split over [node, utility] pairs (18.5): floor shares, "
            "the remainder one satoshi each to the largest remainders, ties by node id; "
            "'expected' gives each node's share, in the order given.",
        ],
    )
    vf.note("Range", "MALFORMED_INPUT", "A pool or utility is negative.")

    def case(tests: list[Any], comment: str, pool: int, utilities: list[list[Any]],
             code: str | None = None) -> None:  # fmt: skip
        fields: dict[str, Any] = {"pool": pool, "utilities": utilities}
        if code is None:
            shares = reward(pool, [(node, u) for node, u in utilities])
            fields["expected"] = [[node, shares[node]] for node, _ in utilities]
        vf.add(tests, comment, fields, code=code, flags=() if code is None else ("Range",))

    valid = vf.group("valid")
    case(valid, "three nodes, a remainder to share", 100, [["a", 1], ["b", 1], ["c", 1]])
    case(valid, "ties broken by node id", 10, [["z", 500_000], ["y", 500_000], ["x", 500_000]])
    spread = [["node-1", 745_000], ["node-2", 120_000], ["node-3", 999_999], ["node-4", 0]]
    case(valid, "proportional with remainders", 1_000_003, spread)
    case(valid, "nothing to share when every utility is 0", 50, [["a", 0], ["b", 0]])
    case(valid, "an empty pool", 0, [["a", 3], ["b", 4]])
    invalid = vf.group("invalid")
    case(invalid, "a negative pool", -1, [["a", 1]], "INT_OUT_OF_RANGE")
    case(invalid, "a negative utility", 10, [["a", 1], ["b", -1]], "INT_OUT_OF_RANGE")
    return vf
