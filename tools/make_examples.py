"""Write the shipped example snapshots (examples/*.json) deterministically.

Run: python tools/make_examples.py [OUTDIR]   (default: examples/)
A test regenerates them and requires identical bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from ailee.anchors import anchor_script, make_anchor
from ailee.fl import CarriedRound, ClientUpdate, RoundsAttachment, round_hash, round_record
from ailee.scheduling import (
    CarriedDecision,
    Policy,
    Resources,
    ScheduleAttachment,
    TaskSpec,
    Worker,
    WorkerPool,
    assign,
    decision_hash,
)
from ailee.snapshot import Snapshot, snapshot_to_json
from ailee.state import (
    ZERO_ROOT,
    Account,
    FederationConfig,
    Header,
    L2State,
    PegIn,
    PegOut,
    Task,
    TelemetryRecord,
)
from ailee.stateroot import L2StateRoot
from ailee.telemetry import (
    BatchesAttachment,
    CarriedBatch,
    Sample,
    batch_digest,
    sample_hash,
    sign_sample,
)

CHAIN_ID = "ailee-signet-demo"
GENESIS_TIME_MS = 1_764_000_000_000
# x-only public keys of the BIP340 test vectors 0-2: valid curve points.
SIGNERS = tuple(
    sorted(
        bytes.fromhex(key)
        for key in (
            "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9",
            "dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659",
            "dd308afec5777e13121fa72b9cc1b7cc0139715309b086c960e18fd969774eb8",
        )
    )
)


def _h(label: str) -> bytes:
    """A fixed 32-byte value for example data (not a real transaction or payload)."""
    return hashlib.sha256(label.encode()).digest()


def genesis() -> L2State:
    """Sequence 0: the federation and two funded accounts."""
    return L2State(
        Header(2, CHAIN_ID, 0, ZERO_ROOT, GENESIS_TIME_MS),
        accounts=(Account("alice", 150_000_000, 0), Account("bob", 25_000_000, 0)),
        pegins=(PegIn(_h("example deposit 1"), 0, 175_000_000, "alice", "minted"),),
        federation=(FederationConfig(0, 2, SIGNERS),),
    )


def example_schedule() -> ScheduleAttachment:
    """How task-0001 was scheduled: three workers, the default policy, weighted."""
    r = Resources
    workers = [
        Worker("worker-eu-1", "eu", r(cpu=8000, memory=16384), r(cpu=2000, memory=4096),
               4, 1, 4000, 920_000, latency_ms=35, carbon=60),
        Worker("worker-eu-2", "eu", r(cpu=8000, memory=16384), r(cpu=7000, memory=2048),
               4, 3, 3000, 880_000, latency_ms=20, carbon=300),
        Worker("worker-us-1", "us", r(cpu=16000, memory=32768), r(),
               8, 0, 2500, 700_000, latency_ms=140, carbon=None, green_share=800_000),
    ]  # fmt: skip
    pool = WorkerPool(workers)
    policy = Policy()
    task = TaskSpec(
        "task-0001", "inference", 5, r(cpu=2000, memory=4096), 900, preferred_regions=("eu",)
    )
    record = assign(task, pool, policy)
    return ScheduleAttachment((policy,), (pool,), (CarriedDecision(record, task, 0, 0, None),))


def example_rounds() -> RoundsAttachment:
    """Round 0 of job fl-demo: three clients, FedAvg, with its updates."""
    updates = tuple(
        ClientUpdate(
            client,
            examples,
            (("bias", np.array(bias, dtype=np.float32)),
             ("weights", np.array(weights, dtype=np.float32).reshape(2, 2))),
        )
        for client, examples, bias, weights in (
            ("client-a", 120, [0.5], [0.25, -1.5, 2.0, 0.125]),
            ("client-b", 80, [0.75], [0.5, -1.25, 1.75, 0.0]),
            ("client-c", 200, [0.25], [0.375, -1.0, 2.25, -0.25]),
        )
    )  # fmt: skip
    record = round_record(
        job="fl-demo", round_number=0, rule="fedavg", params={}, updates=updates,
        privacy_events=[(0.01, 1.1, 100)],
    )  # fmt: skip
    return RoundsAttachment((CarriedRound("fl-round-0000", record, updates),))


#: The example node's BIP340 secret key (a made-up value: examples only).
NODE_SECRET = hashlib.sha256(b"ailee example telemetry node").digest()


def example_batch() -> BatchesAttachment:
    """Three signed, chained samples of worker-eu-1 in telemetry record tm-0001."""
    from coincurve import PrivateKey

    samples: list[Sample] = []
    for k in range(3):
        previous = sample_hash(samples[-1]) if samples else ZERO_ROOT
        sample = Sample(
            "worker-eu-1", k, GENESIS_TIME_MS + 200_000 * k, 41_000 + 500 * k, 61_500 + 250 * k,
            60_000, 550_000 + 10_000 * k, 35_000 - 1_000 * k, 900_000, previous,
        )  # fmt: skip
        samples.append(sign_sample(sample, NODE_SECRET, bytes(32)))
    key = PrivateKey(NODE_SECRET).public_key_xonly.format()
    return BatchesAttachment((CarriedBatch("tm-0001", key, ZERO_ROOT, tuple(samples)),))


def second(prev_root: bytes) -> L2State:
    """Sequence 1: a transfer, a peg-out, an anchor of sequence 0, a task, telemetry."""
    return L2State(
        Header(2, CHAIN_ID, 1, prev_root, 1_764_000_600_000),
        accounts=(
            Account("alice", 99_990_000, 2),
            Account("bob", 45_000_000, 0),
            Account("carol", 10_000_000, 0),
        ),
        pegins=(PegIn(_h("example deposit 1"), 0, 175_000_000, "alice", "minted"),),
        pegouts=(
            PegOut(
                "pegout-0001",
                "alice",
                bytes.fromhex("0014") + _h("bob's bitcoin key")[:20],
                20_000_000,
                10_000,
                "requested",
                None,
            ),
        ),
        anchors=(
            make_anchor(
                chain_id=CHAIN_ID,
                sequence=0,
                timestamp_ms=GENESIS_TIME_MS,
                state_root=prev_root,
            ),
        ),
        tasks=(
            Task(
                "task-0001",
                "inference",
                5,
                "carol",
                _h("task payload 1"),
                "worker-eu-1",
                decision_hash(example_schedule().decisions[0].record),
            ),
            Task(
                "fl-round-0000",
                "fl-round",
                3,
                "carol",
                _h("fl-demo job description"),
                None,
                None,
                round_hash(example_rounds().rounds[0].record),
            ),
        ),
        telemetry=(
            TelemetryRecord(
                "tm-0001",
                "worker-eu-1",
                1_764_000_000_000,
                1_764_000_600_000,
                batch_digest(
                    example_batch().batches[0].public_key,
                    ZERO_ROOT,
                    example_batch().batches[0].samples,
                ),
            ),
        ),
        federation=(FederationConfig(0, 2, SIGNERS),),
    )


def third(second_state: L2State) -> L2State:
    """Sequence 2: no change but the anchor of sequence 1 (chained onto sequence 0's)."""
    root = L2StateRoot.compute(second_state).root
    header = second_state.header
    anchor = make_anchor(
        chain_id=CHAIN_ID,
        sequence=1,
        timestamp_ms=header.timestamp_ms,
        state_root=root,
        previous=second_state.anchors[-1],
    )
    return dataclasses.replace(
        second_state,
        header=Header(2, CHAIN_ID, 2, root, header.timestamp_ms + 1),
        anchors=(*second_state.anchors, anchor),
    )


def chain_states() -> list[L2State]:
    """Three linked states: genesis, the example snapshot, and ``third`` of it."""
    first = genesis()
    snapshot = second(L2StateRoot.compute(first).root)
    return [first, snapshot, third(snapshot)]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "examples")
    out.mkdir(parents=True, exist_ok=True)
    first = genesis()
    first_root = L2StateRoot.compute(first).root
    (out / "genesis.json").write_text(snapshot_to_json(Snapshot(first, first_root)))
    snapshot = second(first_root)
    root = L2StateRoot.compute(snapshot).root
    (out / "snapshot.json").write_text(
        snapshot_to_json(
            Snapshot(snapshot, root, example_schedule(), example_rounds(), example_batch())
        )
    )
    (out / "evidence.json").write_text(json.dumps(evidence(snapshot), indent=2) + "\n")


def evidence(state: L2State) -> dict[str, object]:
    """Anchor evidence for ``state``'s anchors on a made-up regtest chain (6 blocks)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import regtest

    outputs = [(a.sequence, anchor_script(a.commitment), None) for a in state.anchors]
    return regtest.evidence_document(outputs, confirmations=6)  # type: ignore[no-any-return]


if __name__ == "__main__":
    main()
