"""Verifying federated peg-out authorizations, against a bare signature loop.

A snapshot of 10,000 peg-outs (``--pegouts``), each authorized by 11 signers of an
11-of-15 federation against an earlier anchor, with balances and minted peg-ins such
that value is conserved. Timed, best of N (``--repeats``): ``ailee.verify.check_snapshot``
of the decoded snapshot (every check: the state root and the bridge's), and its bridge
part alone (``_bridge_checks``: federation, peg-ins, peg-outs, conservation). The floor,
measured in the same run: a bare loop of ``coincurve.PublicKeyXOnly(key).verify(sig,
msg)`` over the same 110,000 (key, signature, message) triples with the keys parsed
beforehand. **Target: ratio <= 1.5.** Building the snapshot (signing) and decoding it
are outside the timed region and reported apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from coincurve import PrivateKey, PublicKeyXOnly
from timing import best_of

from ailee.anchors import make_anchor
from ailee.bridge import authorization_message, pegout_id, sign
from ailee.snapshot import Snapshot, read_snapshot, snapshot_to_cbor
from ailee.state import (
    ZERO_ROOT,
    Account,
    FederationConfig,
    Header,
    L2State,
    PegIn,
    PegOut,
)
from ailee.stateroot import L2StateRoot
from ailee.verify import _bridge_checks, check_snapshot

TARGET = 1.5
THRESHOLD = 11
SIGNERS = 15
CHAIN_ID = "bench-bridge"
T0 = 1_764_000_000_000
#: Peg-outs per source account (each uses its own nonce).
PER_SOURCE = 100
#: A P2WPKH destination (dust limit 294).
DESTINATION = bytes.fromhex("0014") + bytes(range(20))
AUX = bytes(32)
#: The federation's secret keys: fixed bytes, benchmark data only.
SECRETS = tuple(hashlib.sha256(b"ailee bench bridge signer %d" % k).digest() for k in range(15))


@dataclass
class BridgeResult:
    pegouts: int
    signatures: int
    build_s: float
    cbor_mib: float
    decode_s: float
    check_snapshot_s: float
    bridge_checks_s: float
    floor_s: float


def build(pegouts: int) -> tuple[bytes, list[tuple[bytes, bytes, bytes]]]:
    """The CBOR snapshot (sequence 2) and the (key, signature, message) triples of its
    authorizations. Signer ``k`` of 11 rotates, so every signer signs about 11/15 of
    the peg-outs."""
    keys = [PrivateKey(secret) for secret in SECRETS]
    xonly = [key.public_key_xonly.format() for key in keys]
    federation = FederationConfig(
        0, THRESHOLD, tuple(sorted(xonly)), pegout_fee_min=500, pegout_fee_max=50_000
    )
    genesis = L2State(Header(2, CHAIN_ID, 0, ZERO_ROOT, T0), federation=(federation,))
    anchor = make_anchor(
        chain_id=CHAIN_ID,
        sequence=0,
        timestamp_ms=T0,
        state_root=L2StateRoot.compute(genesis).root,
    )
    records: list[PegOut] = []
    triples: list[tuple[bytes, bytes, bytes]] = []
    taken: dict[str, int] = {}
    for k in range(pegouts):
        source, nonce = f"user-{k // PER_SOURCE:05d}", k % PER_SOURCE
        amount, fee = 100_000 + k, 1_000 + k % 7
        unsigned = PegOut(
            pegout_id(source, nonce, DESTINATION, amount, fee),
            source,
            DESTINATION,
            amount,
            fee,
            "authorized",
            anchor.commitment,
            nonce=nonce,
            requested_at=1,
        )
        message = authorization_message(unsigned, anchor.commitment)
        entries = []
        for j in range(THRESHOLD):
            signer = (k + j) % SIGNERS
            # ailee.bridge.sign's entry, with the key parsed once rather than per call.
            signature = keys[signer].sign_schnorr(message, AUX)
            entries.append(xonly[signer] + signature)
            triples.append((xonly[signer], signature, message))
        records.append(dataclasses.replace(unsigned, signatures=tuple(sorted(entries))))
        taken[source] = taken.get(source, 0) + amount + fee
    assert records[0].signatures[0] in {sign(triples[0][2], s, AUX) for s in SECRETS}
    # Each source keeps 50,000 sat, and one minted deposit (no peg-in fee) credited it
    # all: balances + taken by peg-outs = minted credits, exactly.
    accounts = [Account(source, 50_000, PER_SOURCE) for source in taken]
    pegins = [
        PegIn(hashlib.sha256(source.encode()).digest(), 0, 50_000 + total, source, "minted")
        for source, total in taken.items()
    ]
    state = L2State(
        Header(2, CHAIN_ID, 2, hashlib.sha256(b"sequence 1").digest(), T0 + 2_000),
        accounts=tuple(accounts),
        pegins=tuple(pegins),
        pegouts=tuple(records),
        anchors=(anchor,),
        federation=(federation,),
    )
    return snapshot_to_cbor(Snapshot.of(state)), triples


def run(pegouts: int = 10_000, repeats: int = 3) -> BridgeResult:
    start = time.perf_counter()
    document, triples = build(pegouts)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    snapshot = read_snapshot(document)
    decode_s = time.perf_counter() - start
    result = check_snapshot("bench", snapshot)
    failed = [check for check in result.checks if not check.ok]
    assert not failed, failed  # the benchmark measures a snapshot that verifies
    parsed = {key: PublicKeyXOnly(key) for key, _, _ in triples}
    bare = [(parsed[key], signature, message) for key, signature, message in triples]

    def floor() -> None:
        for key, signature, message in bare:
            if not key.verify(signature, message):
                raise AssertionError("a benchmark signature does not verify")

    state: Any = snapshot.state
    return BridgeResult(
        pegouts=pegouts,
        signatures=len(triples),
        build_s=build_s,
        cbor_mib=len(document) / 2**20,
        decode_s=decode_s,
        check_snapshot_s=best_of(repeats, lambda: check_snapshot("bench", snapshot)),
        bridge_checks_s=best_of(repeats, lambda: _bridge_checks(state)),
        floor_s=best_of(repeats, floor),
    )


def report(result: BridgeResult) -> str:
    shape = f"{result.pegouts} x {THRESHOLD}-of-{SIGNERS}"
    lines = [
        f"bridge.build_s         {result.build_s:.3f}  (signing {result.signatures} "
        f"entries, building and encoding; not timed)",
        f"bridge.decode_s        {result.decode_s:.3f}  (read_snapshot of {result.cbor_mib:.1f} "
        "MiB of CBOR; not timed)",
    ]
    for name, seconds in (
        ("bridge.pegouts", result.check_snapshot_s),
        ("bridge.bridge_checks", result.bridge_checks_s),
    ):
        ratio = seconds / result.floor_s
        verdict = "PASS" if ratio <= TARGET else "MISS"
        lines.append(
            f"{name} {shape}: {seconds:.3f} s vs bare verify loop {result.floor_s:.3f} s: "
            f"ratio {ratio:.2f} (target <= {TARGET}: {verdict})"
        )
    lines[-2] += "  [check_snapshot, every check]"
    lines[-1] += "  [_bridge_checks only]"
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pegouts", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(report(run(args.pegouts, args.repeats)))
