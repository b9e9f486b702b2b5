"""Anchor evidence: a snapshot's anchors proven in Bitcoin, and every way that fails."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ailee.anchors import anchor_script, build_taproot_anchor
from ailee.errors import AileeError, DecodeError, ReasonCode
from ailee.evidence import (
    evidence_from_json,
    evidence_to_json,
    verify_anchor_item,
    verify_evidence_chain,
)
from ailee.snapshot import read_snapshot
from ailee.state import L2State
from ailee.verify import (
    EXIT_FAILED,
    EXIT_MALFORMED,
    EXIT_OK,
    build_report,
    check_evidence,
    check_snapshot_bytes,
)
from tests.btc import regtest
from tests.helpers import EXAMPLES, chain_states, document

INTERNAL_KEY = bytes.fromhex("dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659")
FED_LEAF = bytes([0x20]) + b"\x01" * 32 + b"\xac"


def third_state() -> L2State:
    """The chain's third snapshot: anchors of sequences 0 and 1."""
    return chain_states()[2]


def evidence_doc(state: L2State, confirmations: int = 6) -> dict[str, Any]:
    """Sequence 0 anchored by OP_RETURN, sequence 1 by a Taproot output."""
    first, second = state.anchors
    taproot = build_taproot_anchor(INTERNAL_KEY, second.commitment, [FED_LEAF])
    return regtest.evidence_document(
        [
            (first.sequence, anchor_script(first.commitment), None),
            (second.sequence, taproot.script_pubkey, (INTERNAL_KEY, list(taproot.anchor_path))),
        ],
        confirmations,
    )


def run(state: L2State, doc: dict[str, Any], min_confirmations: int = 6) -> list[Any]:
    evidence = evidence_from_json(json.dumps(doc).encode())
    chain = verify_evidence_chain(evidence)
    return [verify_anchor_item(state, item, chain, min_confirmations) for item in evidence.items]


def code_of(state: L2State, doc: dict[str, Any], min_confirmations: int = 6) -> ReasonCode:
    with pytest.raises(AileeError) as info:
        run(state, doc, min_confirmations)
    return info.value.code


def test_both_forms_verify() -> None:
    state = third_state()
    proofs = run(state, evidence_doc(state))
    assert [(p.anchor.sequence, p.form) for p in proofs] == [(0, "op_return"), (1, "taproot")]
    assert all(p.spv.confirmations == 6 for p in proofs)
    assert all(p.spv.height == 1 for p in proofs)


def test_evidence_round_trips() -> None:
    state = third_state()
    text = json.dumps(evidence_doc(state)).encode()
    parsed = evidence_from_json(text)
    assert evidence_from_json(evidence_to_json(parsed).encode()) == parsed


def mutate(doc: dict[str, Any], change: Any) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    change(changed)
    return changed


def test_each_failure_has_its_code() -> None:
    state = third_state()
    doc = evidence_doc(state)
    other_doc = regtest.evidence_document([(0, b"\x6a\x01\x00", None)], 6)  # another block 1
    cases: list[tuple[Any, ReasonCode]] = [
        (lambda d: d["anchors"][1].update(sequence=9), ReasonCode.EVIDENCE_ANCHOR_UNKNOWN),
        (lambda d: d["anchors"][0].update(vout=5), ReasonCode.TX_OUTPUT_MISSING),
        (lambda d: d["anchors"][0].update(vout=1), ReasonCode.ANCHOR_NOT_OP_RETURN),
        (
            lambda d: (d["anchors"].pop(0), d["anchors"][0].update(sequence=0, taproot=None)),
            ReasonCode.ANCHOR_NOT_OP_RETURN,
        ),
        (
            lambda d: (d["anchors"].pop(1), d["anchors"][0].update(sequence=1)),
            ReasonCode.EVIDENCE_NO_COMMITMENT,
        ),
        (
            lambda d: d["anchors"][1]["taproot"].update(path=[]),
            ReasonCode.TAPROOT_OUTPUT_KEY_MISMATCH,
        ),
        (
            lambda d: (d["anchors"].pop(0), d["anchors"][0].update(sequence=0)),
            ReasonCode.TAPROOT_OUTPUT_KEY_MISMATCH,
        ),
        (lambda d: d["anchors"][0].update(tx=d["anchors"][1]["tx"]), ReasonCode.TX_NOT_IN_PROOF),
        (lambda d: d["header_chains"][0].pop(0), ReasonCode.HEADERS_CHECKPOINT_MISMATCH),
        (lambda d: d["header_chains"][0].pop(2), ReasonCode.HEADERS_BROKEN_LINK),
        (
            lambda d: d.update(header_chains=other_doc["header_chains"]),
            ReasonCode.SPV_BLOCK_NOT_IN_CHAIN,
        ),
        (lambda d: d.update(network="mainnet"), ReasonCode.HEADERS_CHECKPOINT_MISMATCH),
    ]
    for change, code in cases:
        assert code_of(state, mutate(doc, change)) is code, code
    assert code_of(state, doc, min_confirmations=7) is ReasonCode.SPV_TOO_FEW_CONFIRMATIONS


def test_the_most_work_chain_is_used() -> None:
    state = third_state()
    doc = evidence_doc(state)
    # A competing chain from genesis without the anchoring block, but longer.
    genesis = bytes.fromhex("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")[
        ::-1
    ]
    longer = regtest.mine_chain(genesis, regtest.REGTEST_GENESIS_TIME + 7, 8)
    with_fork = mutate(doc, lambda d: d["header_chains"].append([h.hex() for h in longer]))
    assert code_of(state, with_fork) is ReasonCode.SPV_BLOCK_NOT_IN_CHAIN
    shorter = regtest.mine_chain(genesis, regtest.REGTEST_GENESIS_TIME + 7, 3)
    with_short_fork = mutate(
        doc, lambda d: d["header_chains"].insert(0, [h.hex() for h in shorter])
    )
    assert len(run(state, with_short_fork)) == 2


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d.update(format="other"), ReasonCode.SCHEMA_BAD_FORMAT),
        (lambda d: d.update(version=2), ReasonCode.SCHEMA_UNSUPPORTED_VERSION),
        (lambda d: d.pop("anchors"), ReasonCode.SCHEMA_MISSING_FIELD),
        (lambda d: d.update(extra=1), ReasonCode.SCHEMA_UNKNOWN_FIELD),
        (lambda d: d.update(network="testnet5"), ReasonCode.NETWORK_UNKNOWN),
        (lambda d: d.update(network=3), ReasonCode.SCHEMA_WRONG_TYPE),
        (lambda d: d.update(checkpoint="nope"), ReasonCode.CHECKPOINT_INVALID),
        (lambda d: d["header_chains"][0].__setitem__(0, "00"), ReasonCode.BYTES_WRONG_LENGTH),
        (lambda d: d["anchors"][0].update(tx="XY"), ReasonCode.HEX_INVALID),
        (lambda d: d["anchors"][0].update(vout=-1), ReasonCode.INT_OUT_OF_RANGE),
        (lambda d: d["anchors"][0].update(vout=True), ReasonCode.SCHEMA_WRONG_TYPE),
        (
            lambda d: d["anchors"][1]["taproot"].update(internal_key="00"),
            ReasonCode.BYTES_WRONG_LENGTH,
        ),
        (lambda d: d["anchors"][1]["taproot"].pop("path"), ReasonCode.SCHEMA_MISSING_FIELD),
        (lambda d: d.update(header_chains=[[]] * 17), ReasonCode.INPUT_TOO_LARGE),
        (lambda d: d["anchors"][1].update(sequence=0), ReasonCode.LIST_NOT_SORTED_UNIQUE),
        (lambda d: d["anchors"].reverse(), ReasonCode.LIST_NOT_SORTED_UNIQUE),
        (
            lambda d: d["anchors"][1]["taproot"].update(path=["00" * 32] * 129),
            ReasonCode.TAPROOT_PATH_TOO_LONG,
        ),
        (lambda d: d.update(format=1), ReasonCode.SCHEMA_WRONG_TYPE),
    ],
)
def test_malformed_documents(change: Any, code: ReasonCode) -> None:
    doc = mutate(evidence_doc(third_state()), change)
    with pytest.raises(DecodeError) as info:
        evidence_from_json(json.dumps(doc).encode())
    assert info.value.code is code


def test_report_with_evidence() -> None:
    state = third_state()
    result = check_snapshot_bytes("third", document(state))
    good = check_evidence(result, json.dumps(evidence_doc(state)).encode(), 6)
    report = build_report([result], good)
    assert report.exit_code == EXIT_OK
    assert [c.name for c in good.checks] == [
        "evidence.decode",
        "evidence.headers",
        "evidence.anchor[0]",
        "evidence.anchor[1]",
    ]
    assert any("future time" in note for note in good.notes)
    doc = report.to_json()
    assert doc["evidence"]
    assert doc["notes"]
    late = check_evidence(result, json.dumps(evidence_doc(state, 3)).encode(), 6)
    assert build_report([result], late).exit_code == EXIT_FAILED
    assert [c.code for c in late.checks if not c.ok] == [
        ReasonCode.SPV_TOO_FEW_CONFIRMATIONS,
        ReasonCode.SPV_TOO_FEW_CONFIRMATIONS,
    ]
    broken = check_evidence(result, b"{", 6)
    assert build_report([result], broken).exit_code == EXIT_MALFORMED


def test_example_snapshot_and_evidence() -> None:
    snapshot = read_snapshot((EXAMPLES / "snapshot.json").read_bytes())
    result = check_snapshot_bytes("s", (EXAMPLES / "snapshot.json").read_bytes())
    evidence = check_evidence(result, (EXAMPLES / "evidence.json").read_bytes(), 6)
    assert all(check.ok for check in evidence.checks), evidence.checks
    assert len(snapshot.state.anchors) == 1
