"""Run golden test-vector files (Wycheproof-style JSON) against this implementation.

A vector file has ``algorithm``, ``schema``, ``generatorVersion``, ``numberOfTests``,
``notes`` and ``testGroups``; each group has ``tests``; each test has ``tcId``,
``comment``, ``flags``, its inputs, ``result`` (``valid`` or ``invalid``) and, when
invalid, the expected reason ``code``. The ``schema`` names what a test holds:

``ailee_cbor_decode_v1``      ``input`` (hex): valid iff it decodes and re-encodes to itself
``ailee_section_root_v1``     ``section``, ``records`` (JSON form) -> ``count``, ``total``,
                              ``leaf_hashes``, ``tree_root``, ``section_root``
``ailee_state_root_v1``       ``given`` {header, sections} -> ``intermediary``
                              {header_cbor, section_roots} -> ``expected`` {state_root}
``ailee_proof_v1``            ``proof`` (document), ``root`` -> ``kind``, ``section_total``
``ailee_snapshot_v1``         ``document`` (text) or ``document_hex`` -> ``root``
``ailee_snapshot_chain_v1``   ``documents`` (list of text) -> verdict of the chain

``docs/spec.md`` ("Test vectors") describes each field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from ailee import encoding, jsoncodec
from ailee.errors import AileeError, DecodeError, ReasonCode
from ailee.fields import Form, hex_to_bytes, wrong_type
from ailee.jsoncodec import JsonValue
from ailee.proofs import proof_from_json, verify_proof
from ailee.snapshot import snapshot_to_object
from ailee.state import SECTION_NAMES, Header, L2State, read_fields, record_type
from ailee.stateroot import L2StateRoot, leaf_hash
from ailee.verify import build_report, check_snapshot_bytes

__all__ = ["VectorFileResult", "run_vector_document", "run_vector_file"]


@dataclass
class VectorFileResult:
    """Pass and fail counts of one vector file, with a message per failed case."""

    algorithm: str
    passed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if no case failed."""
        return self.failed == 0


class _Mismatch(Exception):
    """A case produced something other than what the vector expects."""


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise _Mismatch(what)


def _bytes_field(test: dict[str, Any], name: str) -> bytes:
    value = test.get(name)
    if not isinstance(value, str):
        raise wrong_type(name, "hex string", value)
    return hex_to_bytes(value, name)


def _document(test: dict[str, Any]) -> bytes:
    if "document_hex" in test:
        return _bytes_field(test, "document_hex")
    text = test.get("document")
    if not isinstance(text, str):
        raise wrong_type("document", "string", text)
    return text.encode("utf-8")


def _run_cbor(test: dict[str, Any]) -> None:
    data = _bytes_field(test, "input")
    value = encoding.decode(data)
    _expect(encoding.encode(value) == data, "decode-then-encode changed the bytes")


def _state_from(given: Any, path: str) -> L2State:
    if not isinstance(given, dict):
        raise wrong_type(path, "object", given)
    header = read_fields(Header, given.get("header"), Form.JSON, f"{path}.header")
    sections_obj = given.get("sections", {})
    if not isinstance(sections_obj, dict):
        raise wrong_type(f"{path}.sections", "object", sections_obj)
    sections = {}
    for name, items in sections_obj.items():
        cls = record_type(name)
        if not isinstance(items, list):
            raise wrong_type(f"{path}.sections.{name}", "array", items)
        sections[name] = tuple(
            read_fields(cls, item, Form.JSON, f"{path}.sections.{name}[{i}]")
            for i, item in enumerate(items)
        )
    return L2State(header, **sections)


def _run_section_root(test: dict[str, Any]) -> None:
    section = test.get("section")
    if not isinstance(section, str):
        raise wrong_type("section", "string", section)
    zero_header = {
        "version": 2,
        "chain_id": "vectors",
        "sequence": 0,
        "prev_state_root": "00" * 32,
        "timestamp_ms": 0,
    }
    state = _state_from({"header": zero_header, "sections": {section: test.get("records")}}, "test")
    commitment = L2StateRoot.compute(state)
    records = state.records(section)
    hashes = [leaf_hash(record).hex() for record in records]
    total = commitment.accounts_total if section == "accounts" else 0
    index = SECTION_NAMES.index(section)
    _expect(test.get("count") == len(records), "count differs")
    _expect(test.get("total") == total, "total differs")
    _expect(test.get("leaf_hashes") == hashes, "leaf hashes differ")
    _expect(test.get("tree_root") == commitment.tree_roots[index].hex(), "tree root differs")
    _expect(
        test.get("section_root") == commitment.section_roots[index].hex(), "section root differs"
    )


def _run_state_root(test: dict[str, Any]) -> None:
    state = _state_from(test.get("given"), "given")
    commitment = L2StateRoot.compute(state)
    intermediary = test.get("intermediary")
    expected = test.get("expected")
    if not isinstance(intermediary, dict) or not isinstance(expected, dict):
        raise wrong_type("intermediary/expected", "object", intermediary)
    _expect(intermediary.get("header_cbor") == commitment.header_cbor.hex(), "header CBOR differs")
    roots = {name: commitment.section_root(name).hex() for name in SECTION_NAMES}
    _expect(intermediary.get("section_roots") == roots, "section roots differ")
    _expect(expected.get("state_root") == commitment.root.hex(), "state root differs")


def _run_proof(test: dict[str, Any]) -> None:
    proof = proof_from_json(test.get("proof"))
    outcome = verify_proof(proof, _bytes_field(test, "root"))
    _expect(test.get("kind") == outcome.kind, "proof kind differs")
    _expect(test.get("section_total") == outcome.section_total, "section total differs")


def _first_failure(checks: list[Any]) -> None:
    for check in checks:
        if not check.ok:
            raise AileeError(check.code, check.detail)


def _run_snapshot(test: dict[str, Any]) -> None:
    result = check_snapshot_bytes(f"tcId {test.get('tcId')}", _document(test))
    if result.root is not None and "root" in test:
        _expect(test["root"] == result.root.hex(), "recomputed root differs")
    _first_failure(list(result.checks))
    if result.snapshot is not None and "canonical_cbor" in test:
        canonical = encoding.encode(snapshot_to_object(result.snapshot, Form.CBOR))
        _expect(test["canonical_cbor"] == canonical.hex(), "canonical CBOR differs")


def _run_chain(test: dict[str, Any]) -> None:
    documents = test.get("documents")
    if not isinstance(documents, list):
        raise wrong_type("documents", "array", documents)
    results = []
    for i, text in enumerate(documents):
        if not isinstance(text, str):
            raise wrong_type(f"documents[{i}]", "string", text)
        results.append(check_snapshot_bytes(f"documents[{i}]", text.encode("utf-8")))
    report = build_report(results)
    _first_failure(report.failures)


_RUNNERS: Final[dict[str, Callable[[dict[str, Any]], None]]] = {
    "ailee_cbor_decode_v1": _run_cbor,
    "ailee_section_root_v1": _run_section_root,
    "ailee_state_root_v1": _run_state_root,
    "ailee_proof_v1": _run_proof,
    "ailee_snapshot_v1": _run_snapshot,
    "ailee_snapshot_chain_v1": _run_chain,
}


def _run_case(runner: Callable[[dict[str, Any]], None], test: dict[str, Any]) -> str | None:
    """None if the case behaves as its vector says, else why not."""
    expected = test.get("result")
    code = test.get("code")
    try:
        runner(test)
    except _Mismatch as exc:
        return str(exc)
    except AileeError as exc:
        if expected != "invalid":
            return f"expected valid, got {exc.code.value}: {exc.message}"
        if exc.code.value != code:
            return f"expected {code}, got {exc.code.value}: {exc.message}"
        return None
    if expected != "valid":
        return f"expected invalid ({code}), but it was accepted"
    return None


def run_vector_document(doc: JsonValue) -> VectorFileResult:
    """Run every case of one parsed vector file."""
    if not isinstance(doc, dict):
        raise wrong_type("vector file", "object", doc)
    schema = doc.get("schema")
    algorithm = doc.get("algorithm")
    if not isinstance(schema, str) or schema not in _RUNNERS:
        raise DecodeError(ReasonCode.SCHEMA_BAD_FORMAT, f"unknown vector schema {schema!r}")
    runner = _RUNNERS[schema]
    result = VectorFileResult(str(algorithm))
    groups = doc.get("testGroups")
    if not isinstance(groups, list):
        raise wrong_type("testGroups", "array", groups)
    count = 0
    for group in groups:
        tests = group.get("tests") if isinstance(group, dict) else None
        if not isinstance(tests, list):
            raise wrong_type("testGroups[].tests", "array", tests)
        for test in tests:
            if not isinstance(test, dict):
                raise wrong_type("test", "object", test)
            count += 1
            problem = _run_case(runner, test)
            if problem is None:
                result.passed += 1
            else:
                result.failed += 1
                result.failures.append(f"tcId {test.get('tcId')}: {problem}")
    if doc.get("numberOfTests") != count:
        result.failed += 1
        result.failures.append(f"numberOfTests is {doc.get('numberOfTests')}, file has {count}")
    return result


def run_vector_file(data: bytes) -> VectorFileResult:
    """Parse a vector file (strict JSON) and run every case in it."""
    return run_vector_document(jsoncodec.loads(data))
