"""Arbitrary structural damage to documents raises only AileeError, never anything else."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.errors import AileeError, DecodeError
from ailee.proofs import proof_from_json, proof_to_json, verify_proof
from ailee.snapshot import read_snapshot, snapshot_from_json
from ailee.state import parse_key
from ailee.stateroot import L2StateRoot
from tests.helpers import EXAMPLES

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=70),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return doc


SNAPSHOT = json.loads((EXAMPLES / "snapshot.json").read_text())
SNAPSHOT_PATHS = _paths(SNAPSHOT)
_state = snapshot_from_json((EXAMPLES / "snapshot.json").read_bytes()).state
_commitment = L2StateRoot.compute(_state)
PROOFS = [
    proof_to_json(_commitment.prove("accounts", b"bob")),
    proof_to_json(_commitment.prove("accounts", b"bz")),
    proof_to_json(_commitment.prove("anchors", bytes(8))),
]


@settings(max_examples=400)
@given(st.sampled_from(SNAPSHOT_PATHS), json_values)
def test_snapshot_with_any_value_replaced(path: tuple[Any, ...], new: Any) -> None:
    data = json.dumps(_replace(SNAPSHOT, path, new)).encode()
    with contextlib.suppress(DecodeError):
        read_snapshot(data)


ATTACHMENT_PATHS = [p for p in SNAPSHOT_PATHS if p[:1] in (("fl_rounds",), ("telemetry_batches",))]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ATTACHMENT_PATHS), json_values)
def test_damaged_attachments_fail_checks_never_raise(path: tuple[Any, ...], new: Any) -> None:
    """A round record, an update, a sample or a key replaced by anything: the report
    says decode failed or which check failed, with a reason code; nothing escapes."""
    from ailee.verify import check_snapshot_bytes

    result = check_snapshot_bytes("s", json.dumps(_replace(SNAPSHOT, path, new)).encode())
    assert result.checks
    assert all(check.ok or check.code is not None for check in result.checks)


@settings(max_examples=400)
@given(st.integers(0, len(PROOFS) - 1), st.data())
def test_proof_with_any_value_replaced(which: int, data: st.DataObject) -> None:
    doc = PROOFS[which]
    path = data.draw(st.sampled_from(_paths(doc)))
    new = data.draw(json_values)
    with contextlib.suppress(AileeError):
        verify_proof(proof_from_json(_replace(doc, path, new)), _commitment.root)


@pytest.mark.parametrize("value", ["text", 5, None, ["x"]])
def test_read_snapshot_refuses_non_bytes(value: Any) -> None:
    with pytest.raises(DecodeError):
        read_snapshot(value)


@pytest.mark.parametrize("value", [b"bytes", 5, None, ["x"]])
def test_parse_key_refuses_non_text(value: Any) -> None:
    with pytest.raises(DecodeError):
        parse_key("accounts", value)


# --- the Bitcoin layer's inputs ------------------------------------------------------

EVIDENCE = json.loads((EXAMPLES / "evidence.json").read_text())
EVIDENCE_PATHS = _paths(EVIDENCE)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EVIDENCE_PATHS), json_values)
def test_damaged_evidence_raises_only_ailee_errors(path: tuple[Any, ...], new: Any) -> None:
    from ailee.verify import check_evidence, check_snapshot_bytes

    doc = _replace(EVIDENCE, path, new)
    result = check_snapshot_bytes("s", (EXAMPLES / "snapshot.json").read_bytes())
    outcome = check_evidence(result, json.dumps(doc).encode(), 6)
    # Never an exception: every problem is a failed check with a reason code.
    assert outcome.checks
    assert all(check.ok or check.code is not None for check in outcome.checks)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_headers_files_and_proofs(data: bytes) -> None:
    from ailee.headerchain import parse_headers_file, verify_header_chain
    from ailee.networks import network
    from ailee.txmerkle import parse_merkle_block

    with contextlib.suppress(AileeError):
        verify_header_chain(parse_headers_file(data), network("regtest"))
    with contextlib.suppress(AileeError):
        parse_merkle_block(data).verify()
