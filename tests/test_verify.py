"""Verification checks and chain checks, each failing with its own code."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from ailee.anchors import make_anchor
from ailee.errors import ReasonCode
from ailee.state import Anchor, L2State
from ailee.verify import (
    EXIT_FAILED,
    EXIT_MALFORMED,
    EXIT_OK,
    SnapshotResult,
    build_report,
    check_snapshot_bytes,
)
from tests.helpers import (
    EXAMPLE_CHECKS_AFTER_ROOT,
    EXAMPLES,
    chain_states,
    document,
    with_header,
)

SNAPSHOT_CHECKS = [
    "decode",
    "header.genesis",
    "accounts.total",
    "anchors.sequence",
    "anchors.chain",
    "state_root",
]


def _failed(result: SnapshotResult) -> list[tuple[str, ReasonCode | None]]:
    return [(check.name, check.code) for check in result.checks if not check.ok]


def test_example_passes_every_check() -> None:
    result = check_snapshot_bytes("s", (EXAMPLES / "snapshot.json").read_bytes())
    # The example also carries the scheduling decision of its task, its FL round with
    # the updates and a telemetry batch: each is recomputed.
    assert [check.name for check in result.checks] == [
        *SNAPSHOT_CHECKS,
        *EXAMPLE_CHECKS_AFTER_ROOT,
    ]
    assert result.ok
    assert result.root is not None
    assert result.snapshot is not None
    assert result.root == result.snapshot.state_root


def anchor_of(state: L2State, sequence: int, **changes: Any) -> Anchor:
    """A well-formed first anchor in ``state``'s chain, with some fields changed."""
    fields: dict[str, Any] = {
        "chain_id": state.header.chain_id,
        "sequence": sequence,
        "timestamp_ms": 1_764_000_000_000,
        "state_root": state.anchors[0].state_root,
    }
    fields.update(changes)
    return make_anchor(**fields)


def test_each_snapshot_check_fails_with_its_code() -> None:
    first, second, _ = chain_states()
    cases = [
        (with_header(second, prev_state_root=bytes(32)), "header.genesis",
         ReasonCode.HEADER_GENESIS_INCONSISTENT),
        (with_header(first, prev_state_root=b"\x01" * 32), "header.genesis",
         ReasonCode.HEADER_GENESIS_INCONSISTENT),
        (dataclasses.replace(second, anchors=(anchor_of(second, 1),)),
         "anchors.sequence", ReasonCode.ANCHOR_SEQUENCE_NOT_PAST),
        (dataclasses.replace(second, anchors=(
            dataclasses.replace(second.anchors[0], timestamp_ms=5),)),
         "anchors.chain", ReasonCode.ANCHOR_COMMITMENT_MISMATCH),
        (dataclasses.replace(second, anchors=(
            dataclasses.replace(second.anchors[0], prev_commitment=b"\x01" * 32),)),
         "anchors.chain", ReasonCode.ANCHOR_CHAIN_BROKEN),
    ]  # fmt: skip
    for state, name, code in cases:
        result = check_snapshot_bytes("s", document(state))
        assert _failed(result) == [(name, code)]
    wrong_root = check_snapshot_bytes("s", document(second, claimed_root=b"\x02" * 32))
    assert _failed(wrong_root) == [("state_root", ReasonCode.STATE_ROOT_MISMATCH)]


def test_total_overflow_is_a_failed_check_not_a_crash() -> None:
    # Each balance is in range; only their sum is not, so the document reads fine.
    doc = json.loads(document(L2State(chain_states()[0].header)))
    doc["sections"]["accounts"] = [
        {"id": "a", "balance": 2_000_000_000_000_000, "nonce": 0},
        {"id": "b", "balance": 200_000_000_000_000, "nonce": 0},
    ]
    result = check_snapshot_bytes("s", json.dumps(doc).encode())
    assert _failed(result) == [
        ("accounts.total", ReasonCode.ACCOUNTS_TOTAL_OVERFLOW),
        ("state_root", ReasonCode.ACCOUNTS_TOTAL_OVERFLOW),
        ("conservation", ReasonCode.CONSERVATION_VIOLATED),  # nothing was pegged in
    ]
    assert result.root is None
    assert build_report([result]).exit_code == EXIT_FAILED


def test_malformed_document() -> None:
    result = check_snapshot_bytes("s", b'{"format": 1.5}')
    assert _failed(result) == [("decode", ReasonCode.JSON_FLOAT)]
    assert result.malformed
    assert build_report([result]).exit_code == EXIT_MALFORMED


def _chain(*states: L2State) -> list[tuple[str, ReasonCode | None]]:
    results = [check_snapshot_bytes(f"f{i}", document(s)) for i, s in enumerate(states)]
    report = build_report(results)
    return [(check.name, check.code) for check in report.failures]


def test_valid_chain() -> None:
    first, second, third = chain_states()
    results = [check_snapshot_bytes(f"f{i}", document(s)) for i, s in enumerate(chain_states())]
    report = build_report(results)
    assert report.ok
    assert report.exit_code == EXIT_OK
    names = [check.name for check in report.chain]
    assert "chain[2].prev_state_root" in names
    assert "chain.anchor[0]" in names
    assert report.root == results[-1].root
    assert _chain(first, second, third) == []


def test_each_chain_check_fails_with_its_code() -> None:
    first, second, _ = chain_states()
    # The anchors commit to the chain id, so they fail too.
    assert _chain(first, with_header(second, chain_id="other")) == [
        ("anchors.chain", ReasonCode.ANCHOR_COMMITMENT_MISMATCH),
        ("chain[1].chain_id", ReasonCode.CHAIN_ID_MISMATCH),
    ]
    assert ("chain[1].sequence", ReasonCode.CHAIN_SEQUENCE_GAP) in _chain(
        first, with_header(second, sequence=2)
    )
    assert _chain(first, with_header(second, prev_state_root=b"\x07" * 32)) == [
        ("chain[1].prev_state_root", ReasonCode.CHAIN_PREV_ROOT_MISMATCH)
    ]
    assert _chain(first, with_header(second, timestamp_ms=first.header.timestamp_ms - 1)) == [
        ("chain[1].timestamp", ReasonCode.CHAIN_TIMESTAMP_REGRESSION)
    ]
    bad_anchor = dataclasses.replace(
        second, anchors=(anchor_of(second, 0, state_root=b"\x09" * 32),)
    )
    assert _chain(first, bad_anchor) == [("chain.anchor[0]", ReasonCode.CHAIN_ANCHOR_ROOT_MISMATCH)]
    late = dataclasses.replace(second, anchors=(anchor_of(second, 0, timestamp_ms=1),))
    assert _chain(first, late) == [("chain.anchor[0]", ReasonCode.CHAIN_ANCHOR_TIMESTAMP_MISMATCH)]
    _, _, third = chain_states()
    dropped = dataclasses.replace(third, anchors=third.anchors[1:])
    assert ("chain[2].anchors", ReasonCode.CHAIN_ANCHORS_REWRITTEN) in _chain(
        first, second, dropped
    )
    assert _chain(first, second, third) == []
    reversed_order = {code for _, code in _chain(second, first)}
    assert ReasonCode.CHAIN_SEQUENCE_GAP in reversed_order
    assert ReasonCode.CHAIN_PREV_ROOT_MISMATCH in reversed_order


def test_malformed_beats_failed_and_skips_links() -> None:
    first, second, _ = chain_states()
    results = [
        check_snapshot_bytes("a", document(first, claimed_root=bytes(32))),
        check_snapshot_bytes("b", b"not json"),
        check_snapshot_bytes("c", document(second)),
    ]
    report = build_report(results)
    assert report.exit_code == EXIT_MALFORMED
    assert not any(check.name.startswith("chain[") for check in report.chain)


def test_report_json_schema() -> None:
    first = chain_states()[0]
    results = [check_snapshot_bytes("a", document(first)), check_snapshot_bytes("b", b"[")]
    doc = build_report(results).to_json()
    assert set(doc) == {
        "ok",
        "exit_code",
        "root",
        "codes",
        "snapshots",
        "chain",
        "evidence",
        "notes",
    }
    assert doc["evidence"] == []
    assert doc["notes"] == []
    assert doc["ok"] is False
    assert doc["exit_code"] == EXIT_MALFORMED
    assert doc["root"] is None
    assert doc["codes"] == ["JSON_SYNTAX"]
    snapshots = doc["snapshots"]
    assert isinstance(snapshots, list)
    first_entry = snapshots[0]
    assert isinstance(first_entry, dict)
    assert set(first_entry) == {"source", "ok", "sequence", "root", "claimed_root", "checks"}
    for check in first_entry["checks"]:  # type: ignore[union-attr]
        assert set(check) == {"name", "ok", "code", "detail"}  # type: ignore[arg-type]
    json.dumps(doc)


@pytest.mark.parametrize("name", ["genesis.json", "snapshot.json"])
def test_examples_verify(name: str) -> None:
    assert check_snapshot_bytes(name, (EXAMPLES / name).read_bytes()).ok
