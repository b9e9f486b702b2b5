"""Every golden vector, through a second implementation written from docs/spec.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.encoding import decode as ailee_decode
from ailee.errors import DecodeError
from ailee.snapshot import Snapshot, snapshot_to_json
from ailee.stateroot import L2StateRoot
from tests.independent import reference as ref
from tests.strategies import states

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
# Bitcoin's own rules (headers, Merkle proofs, SPV, evidence) are not re-implemented
# here: they are checked against Bitcoin Core itself (tests/test_kernel_*.py) and
# third-party vectors instead.
NOT_IN_SECOND_IMPLEMENTATION = {
    "ailee_header_chain_v1",
    "ailee_txoutproof_v1",
    "ailee_spv_v1",
    "ailee_anchor_evidence_v1",
}

SCHEMAS = {path.name: json.loads(path.read_text())["schema"] for path in VECTORS.glob("*.json")}
CASES = [
    pytest.param(path.name, case, id=f"{path.stem}-{case['tcId']}")
    for path in sorted(VECTORS.glob("*.json"))
    if SCHEMAS[path.name] not in NOT_IN_SECOND_IMPLEMENTATION
    for group in json.loads(path.read_text())["testGroups"]
    for case in group["tests"]
]


def _document(case: dict[str, Any]) -> bytes:
    if "document_hex" in case:
        return bytes.fromhex(case["document_hex"])
    return str(case["document"]).encode()


def _section(case: dict[str, Any]) -> None:
    section = case["section"]
    if section not in ref.SECTIONS:
        raise ref.Rejected("SECTION_UNKNOWN")
    records = ref.sort_section(
        section, [ref.read_record(section, r, True) for r in case["records"]]
    )
    leaves = [ref.leaf(section, r) for r in records]
    if section == "accounts":
        tree, total = ref.msh([(lf, r["balance"]) for lf, r in zip(leaves, records, strict=False)])
    else:
        tree, total = ref.mth(leaves), 0
    assert case["count"] == len(records)
    assert case["total"] == total
    assert case["leaf_hashes"] == [lf.hex() for lf in leaves]
    assert case["tree_root"] == tree.hex()
    assert case["section_root"] == ref.section_root(section, len(records), total, tree).hex()


def _state(case: dict[str, Any]) -> None:
    header = ref.read_header(case["given"]["header"], True)
    sections = {
        name: ref.sort_section(name, [ref.read_record(name, r, True) for r in records])
        for name, records in case["given"]["sections"].items()
    }
    assert case["intermediary"]["header_cbor"] == ref.cbor_encode(header).hex()
    assert case["expected"]["state_root"] == ref.state_root(header, sections).hex()


def _snapshot(case: dict[str, Any]) -> None:
    failures, parsed = ref.check_snapshot(_document(case))
    if parsed is not None and parsed[2] is not None and "root" in case:
        assert case["root"] == parsed[2].hex()
    if failures:
        raise ref.Rejected(failures[0])
    if "canonical_cbor" in case:
        header, sections, root = parsed
        canonical = {"format": "ailee-snapshot", "header": header, "sections": sections,
                     "state_root": root}  # fmt: skip
        assert case["canonical_cbor"] == ref.cbor_encode(canonical).hex()


def _chain(case: dict[str, Any]) -> None:
    failures = ref.check_chain([str(d).encode() for d in case["documents"]])
    if failures:
        raise ref.Rejected(failures[0])


def _cbor(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["input"])
    assert ref.cbor_encode(ref.cbor_decode(data)) == data


def _proof(case: dict[str, Any]) -> None:
    kind, total = ref.verify_proof(case["proof"], bytes.fromhex(case["root"]))
    assert (kind, total) == (case["kind"], case["section_total"])


def _anchor_commitment(case: dict[str, Any]) -> None:
    fields = {
        "sequence": case["sequence"],
        "timestamp_ms": case["timestamp_ms"],
        **{
            name: bytes.fromhex(case[name])
            for name in ("state_root", "recovery_metadata", "prev_commitment")
        },
    }
    assert ref.anchor_commitment_of(case["chain_id"], fields).hex() == case["commitment"]


def _anchor_script(case: dict[str, Any]) -> None:
    assert ref.parse_anchor_script(bytes.fromhex(case["script"])).hex() == case["commitment"]


def _taproot(case: dict[str, Any]) -> None:
    ref.verify_taproot_anchor(
        bytes.fromhex(case["script_pubkey"]),
        bytes.fromhex(case["internal_key"]),
        bytes.fromhex(case["commitment"]),
        [bytes.fromhex(h) for h in case["path"]],
    )


RUNNERS = {
    "ailee_cbor_decode_v1": _cbor,
    "ailee_section_root_v1": _section,
    "ailee_state_root_v1": _state,
    "ailee_proof_v1": _proof,
    "ailee_snapshot_v1": _snapshot,
    "ailee_snapshot_chain_v1": _chain,
    "ailee_anchor_commitment_v1": _anchor_commitment,
    "ailee_anchor_script_v1": _anchor_script,
    "ailee_taproot_anchor_v1": _taproot,
}


def test_every_schema_is_run_or_listed() -> None:
    assert set(SCHEMAS.values()) == set(RUNNERS) | NOT_IN_SECOND_IMPLEMENTATION


@pytest.mark.parametrize(("name", "case"), CASES)
def test_vector_with_the_second_implementation(name: str, case: dict[str, Any]) -> None:
    runner = RUNNERS[SCHEMAS[name]]
    if case["result"] == "valid":
        runner(case)
        return
    with pytest.raises(ref.Rejected) as info:
        runner(case)
    assert info.value.code == case["code"]


def test_spec_worked_example_leaf() -> None:
    record = {"id": "alice", "balance": 150000000, "nonce": 0}
    assert ref.cbor_encode(record).hex() == (
        "a362696465616c696365656e6f6e6365006762616c616e63651a08f0d180"
    )
    assert ref.leaf("accounts", record).hex() == (
        "65454fb0071f7090cb91a334b4f4b2fd41555c2d41e0638907d3531163ae498a"
    )


@settings(max_examples=40)
@given(states())
def test_state_roots_agree_with_ailee(state: object) -> None:
    text = snapshot_to_json(Snapshot.of(state)).encode()  # type: ignore[arg-type]
    header, sections, claimed = ref.read_snapshot(text)
    assert ref.state_root(header, sections) == claimed
    assert claimed == L2StateRoot.compute(state).root  # type: ignore[arg-type]


@settings(max_examples=400)
@given(st.binary(max_size=40))
def test_cbor_decoders_agree(data: bytes) -> None:
    try:
        ours = ailee_decode(data)
    except DecodeError as exc:
        expected = exc.code.value
    else:
        assert ref.cbor_decode(data) == ours
        return
    with pytest.raises(ref.Rejected) as info:
        ref.cbor_decode(data)
    assert info.value.code == expected
