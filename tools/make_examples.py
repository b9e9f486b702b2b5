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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import regtest

from ailee.anchors import anchor_script, make_anchor
from ailee.bridge import authorization_message, federation_change_message, pegout_id, sign
from ailee.evidence import evidence_from_json
from ailee.fl import CarriedRound, ClientUpdate, RoundsAttachment, round_hash, round_record
from ailee.policy import parse_policy, policy_hash
from ailee.proofs import build_proof
from ailee.recovery import (
    ClaimDocument,
    ClaimEvent,
    ExitClaim,
    RecoveryParams,
    anchor_attestation_message,
    approval_message,
    claim_document_to_json,
    verify_claim,
)
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
# The secret keys of the BIP340 test vectors 0-3 (public test data, never for money):
# the example federation signs with them.
SECRETS = tuple(
    bytes.fromhex(key)
    for key in (
        "0000000000000000000000000000000000000000000000000000000000000003",
        "b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef",
        "c90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b14e5c9",
        "0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710",
    )
)


def _xonly(secret: bytes) -> bytes:
    from coincurve import PrivateKey

    return PrivateKey(secret).public_key_xonly.format()


# Epoch 0: the keys of vectors 0-2, 2 of 3; epoch 1 (from sequence 2) rotates the
# first out for the key of vector 3.
SIGNERS = tuple(sorted(_xonly(secret) for secret in SECRETS[:3]))
SIGNERS_1 = tuple(sorted(_xonly(secret) for secret in SECRETS[1:]))
#: The federation's deposit script: a P2TR output (a made-up key, examples only).
DEPOSIT_SCRIPT = bytes.fromhex("5120") + hashlib.sha256(b"ailee example deposit key").digest()
PEGIN_FEE = 1_000
#: The policy configuration the example federation names (examples/policy.yaml; the
#: .json and .toml files are the same policy, with the same hash).
POLICY_HASH = policy_hash(
    parse_policy((Path(__file__).resolve().parent.parent / "examples" / "policy.yaml").read_bytes(),
                 "yaml")
)  # fmt: skip
FEDERATION_0 = FederationConfig(
    0, 2, SIGNERS, deposit_scripts=(DEPOSIT_SCRIPT,), pegin_min=100_000,
    pegin_max=100 * 10**8, pegin_fee_fixed=PEGIN_FEE, pegout_fee_min=1_000,
    pegout_fee_max=1_000_000, policy_hash=POLICY_HASH,
)  # fmt: skip
#: Alice's deposit: a made-up regtest transaction paying the deposit script, proven in
#: examples/evidence.json with the epoch's 102 confirmations.
DEPOSIT_TX = regtest.deposit_transaction(DEPOSIT_SCRIPT, 175_000_000 + PEGIN_FEE)
DEPOSIT = PegIn(DEPOSIT_TX.txid()[::-1], 0, 175_000_000 + PEGIN_FEE, "alice", "minted",
                PEGIN_FEE, 0)  # fmt: skip
BOB_SCRIPT = bytes.fromhex("0014") + hashlib.sha256(b"bob's bitcoin key").digest()[:20]


# The recovery validators (made-up keys, examples only): 2 of the 3 approve a claim.
# The example's challenge window is one day of blocks so its evidence stays small;
# the default is 180 days (ailee.recovery.DEFAULT_CHALLENGE_BLOCKS).
VALIDATOR_SECRETS = tuple(
    hashlib.sha256(f"ailee example recovery validator {k}".encode()).digest() for k in range(3)
)
RECOVERY = RecoveryParams(
    challenge_blocks=144,
    anchor_confirmations=6,
    validators=tuple(sorted(_xonly(secret) for secret in VALIDATOR_SECRETS)),
)


def _h(label: str) -> bytes:
    """A fixed 32-byte value for example data (not a real transaction or payload)."""
    return hashlib.sha256(label.encode()).digest()


def genesis() -> L2State:
    """Sequence 0: the federation and two funded accounts."""
    return L2State(
        Header(2, CHAIN_ID, 0, ZERO_ROOT, GENESIS_TIME_MS),
        accounts=(Account("alice", 150_000_000, 0), Account("bob", 25_000_000, 0)),
        pegins=(DEPOSIT,),
        federation=(FEDERATION_0,),
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
        pegins=(DEPOSIT,),
        pegouts=(PEGOUT,),
        anchors=(
            make_anchor(
                chain_id=CHAIN_ID,
                sequence=0,
                timestamp_ms=GENESIS_TIME_MS,
                state_root=prev_root,
                recovery_metadata=RECOVERY.metadata(),
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
        federation=(FEDERATION_0,),
    )


#: Alice's request (her nonce 1) to pay bob's P2WPKH output 0.2 BTC, fee 10,000 sat.
PEGOUT = PegOut(
    pegout_id("alice", 1, BOB_SCRIPT, 20_000_000, 10_000), "alice", BOB_SCRIPT, 20_000_000,
    10_000, "requested", None, nonce=1, requested_at=1,
)  # fmt: skip


def federation_1() -> FederationConfig:
    """Epoch 1, in force from sequence 2: vector 3's key replaces vector 0's, signed by
    two signers of epoch 0."""
    unsigned = dataclasses.replace(FEDERATION_0, epoch=1, signers=SIGNERS_1, from_sequence=2)
    message = federation_change_message(unsigned)
    entries = sorted(sign(message, secret, bytes(32)) for secret in SECRETS[1:3])
    return dataclasses.replace(unsigned, authorization=tuple(entries))


def third(second_state: L2State) -> L2State:
    """Sequence 2: the anchor of sequence 1 (chained onto sequence 0's), the peg-out
    authorized by 2 of 3 signers against the anchor of sequence 0, and federation
    epoch 1 in force."""
    root = L2StateRoot.compute(second_state).root
    header = second_state.header
    anchor = make_anchor(
        chain_id=CHAIN_ID,
        sequence=1,
        timestamp_ms=header.timestamp_ms,
        state_root=root,
        recovery_metadata=RECOVERY.metadata(),
        previous=second_state.anchors[-1],
    )
    anchor_0 = second_state.anchors[0]
    unsigned = dataclasses.replace(PEGOUT, status="authorized", anchor_ref=anchor_0.commitment)
    message = authorization_message(unsigned, anchor_0.commitment)
    entries = sorted(sign(message, secret, bytes(32)) for secret in SECRETS[:2])
    return dataclasses.replace(
        second_state,
        header=Header(2, CHAIN_ID, 2, root, header.timestamp_ms + 1),
        anchors=(*second_state.anchors, anchor),
        pegouts=(dataclasses.replace(unsigned, signatures=tuple(entries)),),
        federation=(FEDERATION_0, federation_1()),
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
    states = chain_states()
    claim_evidence = json.dumps(recovery_evidence(states[2]), indent=2) + "\n"
    (out / "claim-evidence.json").write_text(claim_evidence)
    (out / "claim.json").write_text(
        claim_document_to_json(exit_claim(states, claim_evidence.encode()))
    )


def evidence(state: L2State) -> dict[str, object]:
    """Evidence for ``state``'s anchors and alice's deposit on a made-up regtest chain:
    both in block 1, then 101 more blocks (the deposit needs 102 confirmations)."""
    outputs = [(a.sequence, anchor_script(a.commitment), None) for a in state.anchors]
    return regtest.evidence_document(outputs, confirmations=102, deposits=[DEPOSIT_TX])


def recovery_evidence(state: L2State) -> dict[str, object]:
    """Evidence for ``state``'s anchors (sequences 0 and 1) on a made-up regtest chain:
    both in block 1, then 299 more blocks, enough for a 144-block challenge window."""
    outputs = [(a.sequence, anchor_script(a.commitment), None) for a in state.anchors]
    return regtest.evidence_document(outputs, confirmations=300)


def attest(commitment: bytes) -> tuple[bytes, ...]:
    """Federation epoch 0's attestation of an anchor: 2 of its 3 signers."""
    message = anchor_attestation_message(commitment)
    return tuple(sorted(sign(message, secret, bytes(32)) for secret in SECRETS[:2]))


#: Bob's Bitcoin destination for his exit (P2WPKH).
BOB_EXIT_SCRIPT = bytes.fromhex("0014") + hashlib.sha256(b"bob's exit key").digest()[:20]


def exit_claim(states: list[L2State], evidence_json: bytes) -> ClaimDocument:
    """Bob's exit claim of his 45,000,000 sat in the example snapshot (sequence 1),
    against its anchor (in the third state): submitted at height 8, accepted at 10
    (the anchor, in block 1, has its 6 confirmations), approved at 160 by 2 of the 3
    validators once the window (10 + 144) has ended."""
    anchor = states[2].anchors[1]
    proof = build_proof(L2StateRoot.compute(states[1]), "accounts", b"bob")
    claim = ExitClaim(
        CHAIN_ID,
        anchor,
        proof,
        BOB_EXIT_SCRIPT,
        RECOVERY,
        (FEDERATION_0, federation_1()),
        attest(anchor.commitment),
    )
    evidence_doc = evidence_from_json(evidence_json)
    from ailee.evidence import verify_evidence_chain

    chain = verify_evidence_chain(evidence_doc)
    proven = verify_claim(claim, {i.sequence: i for i in evidence_doc.items}, chain)
    message = approval_message(proven.id)
    approvals = tuple(sorted(sign(message, s, bytes(32)) for s in VALIDATOR_SECRETS[:2]))
    events = (
        ClaimEvent(8, "submit"),
        ClaimEvent(10, "accept"),
        ClaimEvent(160, "approve", approvals=approvals),
    )
    return ClaimDocument(claim, events)


if __name__ == "__main__":
    main()
