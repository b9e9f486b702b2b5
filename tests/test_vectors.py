"""Golden vectors: checked in, regenerated identically, and all passing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ailee.errors import ReasonCode
from ailee.vectors import run_vector_document, run_vector_file
from tests.helpers import load_tool

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "vectors"
FILES = sorted(path.name for path in VECTORS.glob("*.json"))

# Codes no vector file can carry, and why.
NOT_IN_VECTORS = {
    ReasonCode.SECTION_TOO_MANY_RECORDS: "needs 2^24 + 1 records; tested with a lowered limit",
    ReasonCode.CBOR_UNSUPPORTED_VALUE: "raised by the encoder on Python values, not by decoding",
    ReasonCode.KEY_INVALID: "raised when parsing a key typed on the command line",
    ReasonCode.CHAIN_VERSION_MISMATCH: "only version 2 exists, and other versions fail decoding",
    ReasonCode.USAGE: "command line only",
    ReasonCode.FILE_UNREADABLE: "command line only",
    ReasonCode.VECTOR_CASE_FAILED: "reported by the vector runner itself",
    ReasonCode.INTERNAL_ERROR: "a bug, never expected",
    ReasonCode.TAPROOT_TWEAK_INVALID: "needs a TapTweak hash >= the curve order (a preimage)",
    ReasonCode.CLAIM_EXCEEDS_TOTAL: "unreachable with sound sum-tree proofs (defence in depth)",
    ReasonCode.STORE_NOT_FOUND: "store files: tests/test_store.py",
    ReasonCode.STORE_BAD_MAGIC: "store files: tests/test_store.py",
    ReasonCode.STORE_UNSUPPORTED_VERSION: "store files: tests/test_store.py",
    ReasonCode.STORE_LENGTH_CORRUPT: "store files: tests/test_store.py",
    ReasonCode.STORE_RECORD_TOO_LARGE: "store files: tests/test_store.py",
    ReasonCode.STORE_CHECKSUM_MISMATCH: "store files: tests/test_store.py",
    ReasonCode.STORE_TORN_TAIL: "store files: tests/test_store.py",
    ReasonCode.STORE_NOT_CHAINED: "store files: tests/test_store.py",
    ReasonCode.STORE_LOCKED: "store files: tests/test_store.py",
    ReasonCode.STORE_SEQUENCE_UNKNOWN: "store files: tests/test_store.py",
    ReasonCode.STORE_IO_ERROR: "store files: tests/test_store.py",
}


def test_vector_files_exist() -> None:
    assert FILES == [
        "anchor_commitments.json",
        "anchor_scripts.json",
        "breakers.json",
        "cbor_decode.json",
        "chains.json",
        "claim_books.json",
        "claims.json",
        "evidence.json",
        "fl_aggregate.json",
        "fl_rounds.json",
        "headers.json",
        "legacy.json",
        "netflow.json",
        "policy.json",
        "privacy.json",
        "proofs.json",
        "schedule.json",
        "schedule_batch.json",
        "section_roots.json",
        "snapshots.json",
        "spv.json",
        "state_roots.json",
        "taproot_anchors.json",
        "telemetry.json",
        "telemetry_rewards.json",
        "txoutproofs.json",
    ]


def test_regenerated_vectors_are_identical(tmp_path: Path) -> None:
    load_tool("generate_vectors").main([str(tmp_path)])
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (VECTORS / name).read_bytes(), (
            f"vectors/{name} is stale: run python tools/generate_vectors.py"
        )


def test_the_messages_of_rejected_cases_are_the_recorded_ones() -> None:
    # What an auditor reads beside each code (offsets, fields, amounts) is pinned, so a
    # wrong message is noticed and a changed one is a reviewed change of the golden file.
    recorded = (ROOT / "tests" / "golden" / "vector_messages.json").read_text(encoding="utf-8")
    assert load_tool("record_messages").messages() == recorded, (
        "tests/golden/vector_messages.json is stale: run python tools/record_messages.py"
    )


def test_a_rejection_records_its_code_and_message() -> None:
    doc = json.loads((VECTORS / "cbor_decode.json").read_text())
    case = next(c for g in doc["testGroups"] for c in g["tests"] if c["result"] == "invalid")
    doc["testGroups"], doc["numberOfTests"] = [{"tests": [case]}], 1
    result = run_vector_document(doc)
    assert result.failures == []
    assert len(result.rejections) == 1
    assert result.rejections[0].startswith(f"tcId {case['tcId']}: {case['code']}: ")


@pytest.mark.parametrize("name", FILES)
def test_every_case_passes(name: str) -> None:
    result = run_vector_file((VECTORS / name).read_bytes())
    assert result.failures == []
    assert result.passed > 0


@pytest.mark.parametrize("name", FILES)
def test_vector_file_layout(name: str) -> None:
    doc = json.loads((VECTORS / name).read_text())
    assert set(doc) == {
        "algorithm", "schema", "generatorVersion", "numberOfTests", "header", "notes", "testGroups",
    }  # fmt: skip
    ids = [case["tcId"] for group in doc["testGroups"] for case in group["tests"]]
    assert ids == list(range(1, len(ids) + 1))
    assert doc["numberOfTests"] == len(ids)
    for group in doc["testGroups"]:
        for case in group["tests"]:
            assert case["result"] in ("valid", "invalid")
            assert ("code" in case) == (case["result"] == "invalid")
            assert set(case["flags"]) <= set(doc["notes"])
            if "code" in case:
                assert case["code"] in ReasonCode.__members__


def test_every_reason_code_is_covered_by_a_vector() -> None:
    seen: set[str] = set()
    for name in FILES:
        doc = json.loads((VECTORS / name).read_text())
        seen |= {c["code"] for g in doc["testGroups"] for c in g["tests"] if "code" in c}
    missing = {code for code in ReasonCode if code.value not in seen} - set(NOT_IN_VECTORS)
    assert not missing, sorted(missing)
    assert not {code.value for code in NOT_IN_VECTORS} & seen


def test_a_wrong_expectation_is_caught() -> None:
    doc = json.loads((VECTORS / "cbor_decode.json").read_text())
    case = doc["testGroups"][0]["tests"][0]
    case["result"], case["code"] = "invalid", "CBOR_TAG"
    result = run_vector_document(doc)
    assert result.failed == 1
    assert "tcId 1" in result.failures[0]


def test_a_wrong_count_is_caught() -> None:
    doc = json.loads((VECTORS / "chains.json").read_text())
    doc["numberOfTests"] += 1
    assert run_vector_document(doc).failed == 1
