"""Inclusion and non-inclusion proofs: completeness, JSON round trip, soundness."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.errors import AileeError, DecodeError, ProofError, ReasonCode
from ailee.jsoncodec import dumps, loads
from ailee.proofs import proof_from_json, proof_to_json, verify_proof
from ailee.state import SECTION_NAMES, ZERO_ROOT, Account, Header, L2State
from ailee.stateroot import L2StateRoot
from tests.strategies import states


def _round_trip(proof_doc: dict[str, object]) -> object:
    return proof_from_json(loads(dumps(proof_doc).encode()))


@settings(max_examples=40)
@given(states(max_records=5), st.lists(st.binary(max_size=12), max_size=4))
def test_every_key_gets_a_verifying_proof(state: L2State, probes: list[bytes]) -> None:
    commitment = L2StateRoot.compute(state)
    for section in SECTION_NAMES:
        present = [record.key() for record in state.records(section)]
        for key in present + probes:
            proof = commitment.prove(section, key)
            parsed = _round_trip(proof_to_json(proof))
            assert parsed == proof
            outcome = verify_proof(proof, commitment.root)
            assert outcome.kind == ("inclusion" if key in present else "non-inclusion")
            if outcome.record is not None:
                assert outcome.record.key() == key
            if section == "accounts":
                assert outcome.section_total == commitment.accounts_total
            else:
                assert outcome.section_total == 0


def _sample() -> tuple[L2StateRoot, L2StateRoot]:
    header = Header(2, "proofs", 1, b"\x05" * 32, 7)
    one = L2State(header, accounts=tuple(Account(f"u{i}", 100 + i, 0) for i in range(6)))
    two = L2State(header, accounts=tuple(Account(f"u{i}", 100 + i, 0) for i in range(7)))
    return L2StateRoot.compute(one), L2StateRoot.compute(two)


@pytest.mark.parametrize("key", [b"u0", b"u3", b"u5", b"a", b"u35", b"z"])
def test_proof_of_one_state_fails_under_another_root(key: bytes) -> None:
    one, two = _sample()
    proof = one.prove("accounts", key)
    assert verify_proof(proof, one.root).tree_size == 6
    with pytest.raises(ProofError) as info:
        verify_proof(proof, two.root)
    assert info.value.code is ReasonCode.PROOF_ROOT_MISMATCH


def _hex_positions(text: str) -> list[int]:
    """Positions of every hex digit of every 64-digit string (hashes, roots) in the JSON."""
    positions = []
    doc = json.loads(text)

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) == 64:
            start = text.index(value)
            positions.extend(range(start, start + 64))

    walk(doc)
    return positions


@pytest.mark.parametrize("key", [b"u2", b"u35"])
def test_any_flipped_hex_digit_is_rejected(key: bytes) -> None:
    one, _ = _sample()
    text = dumps(proof_to_json(one.prove("accounts", key)))
    positions = _hex_positions(text)
    assert len(positions) > 600
    for position in positions:
        digit = text[position]
        flipped = text[:position] + ("0" if digit != "0" else "1") + text[position + 1 :]
        with pytest.raises(AileeError):
            verify_proof(proof_from_json(loads(flipped.encode())), one.root)


@given(st.data())
def test_any_changed_number_is_rejected(data: st.DataObject) -> None:
    one, _ = _sample()
    doc = proof_to_json(one.prove("accounts", b"u4"))
    leaf = doc["leaf"]
    assert isinstance(leaf, dict)
    target = data.draw(st.sampled_from(["index", "balance", "nonce", "tree_size", "total", "sum"]))
    delta = data.draw(st.sampled_from([-1, 1, 1000]))
    if target == "index":
        leaf["index"] += delta
    elif target in ("balance", "nonce"):
        leaf["record"][target] += delta
    elif target == "tree_size":
        doc["tree_size"] += delta  # type: ignore[operator]
    elif target == "total":
        doc["section_total"] += delta  # type: ignore[operator]
    else:
        leaf["path"][0]["sum"] += delta
    with pytest.raises(AileeError):
        verify_proof(_round_trip(doc), one.root)  # type: ignore[arg-type]


def test_reading_errors() -> None:
    one, _ = _sample()
    doc = proof_to_json(one.prove("accounts", b"u1"))
    for change, code in (
        ({"format": "x"}, ReasonCode.SCHEMA_BAD_FORMAT),
        ({"version": 1}, ReasonCode.SCHEMA_UNSUPPORTED_VERSION),
        ({"kind": "maybe"}, ReasonCode.ENUM_UNKNOWN_VALUE),
        ({"section": "nope"}, ReasonCode.SECTION_UNKNOWN),
        ({"section": 3}, ReasonCode.SCHEMA_WRONG_TYPE),
        ({"key": "0"}, ReasonCode.HEX_INVALID),
        ({"tree_size": -1}, ReasonCode.INT_OUT_OF_RANGE),
        ({"section_total": "1"}, ReasonCode.SCHEMA_WRONG_TYPE),
        ({"extra": 1}, ReasonCode.SCHEMA_UNKNOWN_FIELD),
    ):
        with pytest.raises(DecodeError) as info:
            proof_from_json({**doc, **change})
        assert info.value.code is code, change
    without_kind = {k: v for k, v in doc.items() if k != "kind"}
    with pytest.raises(DecodeError) as info:
        proof_from_json(without_kind)
    assert info.value.code is ReasonCode.SCHEMA_MISSING_FIELD
    with pytest.raises(DecodeError) as info:
        proof_from_json([])
    assert info.value.code is ReasonCode.SCHEMA_WRONG_TYPE
    leaf = dict(doc["leaf"])  # type: ignore[arg-type]
    leaf["path"] = [leaf["path"][0]] * 25
    with pytest.raises(ProofError) as perr:
        proof_from_json({**doc, "leaf": leaf})
    assert perr.value.code is ReasonCode.PROOF_PATH_LENGTH
    with pytest.raises(DecodeError) as info:
        proof_from_json({**doc, "leaf": None})
    assert info.value.code is ReasonCode.SCHEMA_WRONG_TYPE


def test_empty_section_proof() -> None:
    commitment = L2StateRoot.compute(L2State(Header(2, "e", 0, ZERO_ROOT, 0)))
    proof = commitment.prove("accounts", b"anyone")
    outcome = verify_proof(proof, commitment.root)
    assert (outcome.kind, outcome.tree_size, outcome.section_total) == ("non-inclusion", 0, 0)
