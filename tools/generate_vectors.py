"""Write the golden test vectors (vectors/*.json) deterministically.

Run: python tools/generate_vectors.py [OUTDIR]   (default: vectors/)

Every expected value is computed with ailee, and every invalid case is checked, while
generating, to fail with exactly the code it names; the generator refuses to write a
case that does not. A test regenerates the files and requires identical bytes.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ailee import encoding, jsoncodec
from ailee.anchors import make_anchor
from ailee.errors import AileeError
from ailee.fields import Form
from ailee.proofs import proof_to_json
from ailee.scheduling import decision_hash
from ailee.snapshot import Snapshot, snapshot_to_cbor, snapshot_to_json, snapshot_to_object
from ailee.state import (
    SECTION_NAMES,
    ZERO_ROOT,
    Account,
    Anchor,
    FederationConfig,
    Header,
    L2State,
    PegIn,
    PegOut,
    RecoveryClaim,
    Task,
    TelemetryRecord,
    write_fields,
)
from ailee.stateroot import L2StateRoot
from ailee.vectors import run_vector_document

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = "1"


def _examples() -> Any:
    """tools/make_examples.py (a sibling script, found once tools/ is on the path)."""
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))
    return importlib.import_module("make_examples")


def _chain_states() -> list[L2State]:
    """Genesis, the example snapshot, and a third snapshot anchoring the second."""
    states: list[L2State] = _examples().chain_states()
    return states


def h32(label: str) -> bytes:
    """A fixed 32-byte value derived from a label."""
    return hashlib.sha256(label.encode()).digest()


class VectorFile:
    """Collects groups of cases and writes one Wycheproof-style file."""

    def __init__(self, algorithm: str, schema: str, header: list[str]) -> None:
        self.algorithm = algorithm
        self.schema = schema
        self.header = header
        self.notes: dict[str, dict[str, str]] = {}
        self.groups: list[dict[str, Any]] = []
        self.count = 0

    def note(self, flag: str, bug_type: str, description: str) -> None:
        self.notes[flag] = {"bugType": bug_type, "description": description}

    def group(self, kind: str) -> list[dict[str, Any]]:
        tests: list[dict[str, Any]] = []
        self.groups.append({"type": kind, "tests": tests})
        return tests

    def add(
        self,
        tests: list[dict[str, Any]],
        comment: str,
        fields: dict[str, Any],
        code: str | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        for flag in flags:
            if flag not in self.notes:
                raise SystemExit(f"undeclared flag {flag}")
        self.count += 1
        case: dict[str, Any] = {"tcId": self.count, "comment": comment, "flags": list(flags)}
        case.update(fields)
        case["result"] = "valid" if code is None else "invalid"
        if code is not None:
            case["code"] = code
        tests.append(case)

    def document(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "schema": self.schema,
            "generatorVersion": GENERATOR_VERSION,
            "numberOfTests": self.count,
            "header": self.header,
            "notes": self.notes,
            "testGroups": self.groups,
        }

    def write(self, out: Path, name: str) -> None:
        doc = self.document()
        result = run_vector_document(doc)
        if not result.ok:
            raise SystemExit(f"{name}: generated cases fail: {result.failures[:5]}")
        (out / name).write_text(jsoncodec.dumps(doc))


# --- canonical CBOR ----------------------------------------------------------------


def cbor_vectors() -> VectorFile:
    vf = VectorFile(
        "deterministic CBOR (RFC 8949 4.2.1), strict decoding",
        "ailee_cbor_decode_v1",
        [
            "Valid cases decode and re-encode to the same bytes.",
            "Invalid cases carry the reason code of the first fault in reading order.",
            "INPUT_TOO_LARGE (over 268435456 bytes) is not representable here; see spec 12.",
        ],
    )
    vf.note("Boundary", "EDGE_CASE", "An argument at a head-width boundary.")
    vf.note("NonCanonical", "CAN_OF_WORMS", "Well-formed CBOR that is not deterministic.")
    vf.note("Unsupported", "MODEL", "Well-formed CBOR outside ailee's value model.")
    vf.note("Malformed", "MALFORMED", "Not well-formed CBOR.")
    valid = vf.group("valid")
    values: list[tuple[str, Any]] = [
        ("uint 0", 0),
        ("uint 23 (largest in the initial byte)", 23),
        ("uint 24 (smallest one-byte argument)", 24),
        ("uint 255", 255),
        ("uint 256", 256),
        ("uint 65535", 65535),
        ("uint 65536", 65536),
        ("uint 2^32-1", 2**32 - 1),
        ("uint 2^32", 2**32),
        ("uint 2^64-1", 2**64 - 1),
        ("nint -1", -1),
        ("nint -24", -24),
        ("nint -25", -25),
        ("nint -2^64", -(2**64)),
        ("false", False),
        ("true", True),
        ("null", None),
        ("empty byte string", b""),
        ("byte string of 23", bytes(range(23))),
        ("byte string of 24", bytes(range(24))),
        ("empty text", ""),
        ("text of 23", "a" * 23),
        ("text of 24", "b" * 24),
        ("non-ASCII text", "Zürich ₿ 東京"),
        ("empty array", []),
        ("array of mixed items", [1, "a", b"\x00", None, True, [2]]),
        ("empty map", {}),
        ("map keys sorted: shorter first, then bytewise", {"b": 1, "aa": 2, "a": 3, "ab": 4}),
        ("map with key of 24 bytes after 23", {"k" * 24: 1, "k" * 23: 2}),
        ("nested maps", {"outer": {"inner": {"x": [1, 2, 3]}}}),
    ]
    for comment, value in values:
        flags = ("Boundary",) if "2^" in comment or any(c.isdigit() for c in comment) else ()
        vf.add(valid, comment, {"input": encoding.encode(value).hex()}, flags=flags)
    deep = b"\x81" * 31 + b"\x80"
    vf.add(valid, "32 nested arrays (the limit)", {"input": deep.hex()}, flags=("Boundary",))

    invalid = vf.group("invalid")
    bad: list[tuple[str, str, str, str]] = [
        ("empty input", "", "CBOR_TRUNCATED", "Malformed"),
        ("uint head 0x18 without its byte", "18", "CBOR_TRUNCATED", "Malformed"),
        ("byte string shorter than its length", "43aabb", "CBOR_TRUNCATED", "Malformed"),
        ("array of 2 with one item", "8201", "CBOR_TRUNCATED", "Malformed"),
        ("map count larger than the input could hold", "baffffffff", "CBOR_TRUNCATED",
         "Malformed"),
        ("uint 0 in one-byte form", "1800", "CBOR_NON_SHORTEST_INT", "NonCanonical"),
        ("uint 23 in one-byte form", "1817", "CBOR_NON_SHORTEST_INT", "NonCanonical"),
        ("uint 255 in two-byte form", "1900ff", "CBOR_NON_SHORTEST_INT", "NonCanonical"),
        ("uint 65535 in four-byte form", "1a0000ffff", "CBOR_NON_SHORTEST_INT", "NonCanonical"),
        ("uint 2^32-1 in eight-byte form", "1b00000000ffffffff", "CBOR_NON_SHORTEST_INT",
         "NonCanonical"),
        ("nint -1 in one-byte form", "3800", "CBOR_NON_SHORTEST_INT", "NonCanonical"),
        ("text length 1 in one-byte form", "780161", "CBOR_NON_SHORTEST_LENGTH", "NonCanonical"),
        ("array count 0 in two-byte form", "990000", "CBOR_NON_SHORTEST_LENGTH", "NonCanonical"),
        ("map count 1 in one-byte form", "b801616101", "CBOR_NON_SHORTEST_LENGTH",
         "NonCanonical"),
        ("indefinite byte string", "5f41aaff", "CBOR_INDEFINITE_LENGTH", "NonCanonical"),
        ("indefinite text", "7f6161ff", "CBOR_INDEFINITE_LENGTH", "NonCanonical"),
        ("indefinite array", "9f01ff", "CBOR_INDEFINITE_LENGTH", "NonCanonical"),
        ("indefinite map", "bf616101ff", "CBOR_INDEFINITE_LENGTH", "NonCanonical"),
        ("stray break byte", "ff", "CBOR_INDEFINITE_LENGTH", "Malformed"),
        ("uint with additional information 28", "1c", "CBOR_RESERVED_INFO", "Malformed"),
        ("uint with additional information 31", "1f", "CBOR_RESERVED_INFO", "Malformed"),
        ("byte string with additional information 30", "5e", "CBOR_RESERVED_INFO", "Malformed"),
        ("simple with additional information 29", "fd", "CBOR_RESERVED_INFO", "Malformed"),
        ("map with an integer key", "a10101", "CBOR_MAP_KEY_NOT_TEXT", "Unsupported"),
        ("map with a byte-string key", "a1416101", "CBOR_MAP_KEY_NOT_TEXT", "Unsupported"),
        ("map keys out of order", "a2616202616101", "CBOR_MAP_KEYS_UNSORTED", "NonCanonical"),
        ("longer key before shorter key", "a262616101616202", "CBOR_MAP_KEYS_UNSORTED",
         "NonCanonical"),
        ("duplicate map key", "a2616101616102", "CBOR_MAP_KEY_DUPLICATE", "NonCanonical"),
        ("half float 0.0", "f90000", "CBOR_FLOAT", "Unsupported"),
        ("single float 1.0", "fa3f800000", "CBOR_FLOAT", "Unsupported"),
        ("double float 1.1", "fb3ff199999999999a", "CBOR_FLOAT", "Unsupported"),
        ("tag 0 (date/time string)", "c074323031332d30332d32315432303a30343a30305a",
         "CBOR_TAG", "Unsupported"),
        ("tag 2 (positive bignum 2^64)", "c249010000000000000000", "CBOR_TAG", "Unsupported"),
        ("undefined", "f7", "CBOR_SIMPLE_VALUE", "Unsupported"),
        ("simple(16)", "f0", "CBOR_SIMPLE_VALUE", "Unsupported"),
        ("simple(255) in two-byte form", "f8ff", "CBOR_SIMPLE_VALUE", "Unsupported"),
        ("text with a lone continuation byte", "6180", "CBOR_INVALID_UTF8", "Malformed"),
        ("text with an overlong encoding of '/'", "62c0af", "CBOR_INVALID_UTF8", "Malformed"),
        ("text with an encoded surrogate U+D800", "63eda080", "CBOR_INVALID_UTF8", "Malformed"),
        ("one trailing byte", "0000", "CBOR_TRAILING_BYTES", "Malformed"),
        ("two items", "616161", "CBOR_TRAILING_BYTES", "Malformed"),
        ("33 nested arrays (one over the limit)", (b"\x81" * 32 + b"\x80").hex(),
         "CBOR_TOO_DEEP", "Malformed"),
    ]  # fmt: skip
    for comment, hex_input, code, flag in bad:
        vf.add(invalid, comment, {"input": hex_input}, code=code, flags=(flag,))
    return vf


# --- records used below ------------------------------------------------------------


def sample_records() -> dict[str, list[Any]]:
    """Eight records per section, in a scrambled order."""
    signer = sorted(h32(f"signer {i}") for i in range(5))
    out: dict[str, list[Any]] = {
        "accounts": [Account(f"user-{i}", 1000 * i + 7, i % 3) for i in range(8)],
        "pegins": [
            PegIn(h32(f"tx {i // 2}"), i % 2, 50_000 + i, f"user-{i}", PegIn.STATUSES[i % 4])
            for i in range(8)
        ],
        "pegouts": [
            PegOut(
                f"po-{i}",
                f"user-{i}",
                bytes.fromhex("0014") + h32(f"dest {i}")[:20],
                20_000 + i,
                100 + i,
                PegOut.STATUSES[i % 5],
                h32(f"anchor {i}") if i % 2 else None,
            )
            for i in range(8)
        ],
        "anchors": [
            Anchor(
                i * 3,
                1_764_000_000_000 + i,
                h32(f"root {i}"),
                h32(f"recovery {i}"),
                h32(f"prev {i}"),
                h32(f"commit {i}"),
            )
            for i in range(8)
        ],
        "tasks": [
            Task(
                f"task-{i}",
                "inference",
                i * 30,
                f"user-{i}",
                h32(f"payload {i}"),
                f"worker-{i}" if i % 2 else None,
            )
            for i in range(8)
        ],
        "telemetry": [
            TelemetryRecord(f"tm-{i}", f"node-{i % 3}", 1000 * i, 1000 * i + 999, h32(f"tm {i}"))
            for i in range(8)
        ],
        "recovery": [
            RecoveryClaim(f"claim-{i}", f"user-{i}", 500 * i, i, RecoveryClaim.STATUSES[i % 4])
            for i in range(8)
        ],
        "federation": [
            FederationConfig(i, 1 + i % 3, tuple(signer[: 3 + i % 3])) for i in range(8)
        ],
    }
    # A fixed scramble, so that vectors also show that input order does not matter.
    order = [5, 2, 7, 0, 3, 6, 1, 4]
    return {name: [records[i] for i in order] for name, records in out.items()}


def json_records(records: list[Any]) -> list[Any]:
    return [write_fields(record, Form.JSON) for record in records]


def header_json(sequence: int = 0, prev: bytes = ZERO_ROOT, chain: str = "vectors") -> Any:
    return write_fields(Header(2, chain, sequence, prev, 1_700_000_000_000 + sequence), Form.JSON)


# --- section roots -----------------------------------------------------------------


def section_root_case(section: str, records: list[Any]) -> dict[str, Any]:
    state = L2State(Header(2, "vectors", 0, ZERO_ROOT, 0), **{section: tuple(records)})
    commitment = L2StateRoot.compute(state)
    index = SECTION_NAMES.index(section)
    return {
        "section": section,
        "records": json_records(records),
        "count": len(records),
        "total": commitment.accounts_total if section == "accounts" else 0,
        "leaf_hashes": [leaf.hex() for leaf in commitment.leaf_hashes(section)],
        "tree_root": commitment.tree_roots[index].hex(),
        "section_root": commitment.section_roots[index].hex(),
    }


def section_vectors() -> VectorFile:
    vf = VectorFile(
        "ailee L2 section roots (plain and Merkle-sum trees)",
        "ailee_section_root_v1",
        [
            "records are in JSON form and may be in any order; leaf_hashes are in key order.",
            "The state around the section has the header used by the runner "
            "(chain_id 'vectors', sequence 0, zero prev_state_root, timestamp 0).",
        ],
    )
    vf.note("Shape", "EDGE_CASE", "A tree size where the last node is carried up a level.")
    vf.note("Order", "FUNCTIONALITY", "Records given out of key order.")
    vf.note("Schema", "MALFORMED", "A record violates its field rules.")
    vf.note("Duplicate", "CAN_OF_WORMS", "Two records share a key.")
    vf.note("Overflow", "EDGE_CASE", "Balances add up to more than 21 million BTC.")
    samples = sample_records()
    valid = vf.group("valid")
    for section in SECTION_NAMES:
        for size in (0, 1, 2, 3, 5, 7, 8):
            flags = ("Shape",) if size in (3, 5, 7) else ()
            records = sorted(samples[section][:size], key=lambda r: r.key())
            vf.add(
                valid,
                f"{section}: {size} record(s) in key order",
                section_root_case(section, records),
                flags=flags,
            )
        vf.add(
            valid,
            f"{section}: 8 records out of order",
            section_root_case(section, samples[section]),
            flags=("Order",),
        )
    big = [Account(f"whale-{i}", 2_100_000_000_000_000 // 2, 0) for i in range(2)]
    vf.add(
        valid,
        "accounts: total exactly 21 million BTC",
        section_root_case("accounts", big),
        flags=("Overflow",),
    )

    invalid = vf.group("invalid")
    account = write_fields(Account("alice", 5, 0), Form.JSON)

    def bad_account(comment: str, code: str, flag: str, **changes: Any) -> None:
        record = dict(account)
        record.update(changes)
        for key in [k for k, v in changes.items() if v is _DELETE]:
            del record[key]
        vf.add(
            invalid, comment, {"section": "accounts", "records": [record]}, code=code, flags=(flag,)
        )

    bad_account("id not in NFC (e + combining acute)", "ID_NOT_NFC", "Schema", id="e\u0301")
    bad_account("id with a control character", "ID_FORBIDDEN_CHAR", "Schema", id="a\u0007")
    bad_account("id with a right-to-left override", "ID_FORBIDDEN_CHAR", "Schema", id="a\u202eb")
    bad_account("id with a zero-width joiner", "ID_FORBIDDEN_CHAR", "Schema", id="a\u200db")
    bad_account("id with a private-use character", "ID_FORBIDDEN_CHAR", "Schema", id="a\ue000")
    bad_account(
        "id with an emoji (unassigned in Unicode 3.2)",
        "ID_FORBIDDEN_CHAR",
        "Schema",
        id="a\U0001f600",
    )
    bad_account("id of 65 bytes", "ID_TOO_LONG", "Schema", id="x" * 65)
    bad_account("empty id", "ID_EMPTY", "Schema", id="")
    bad_account("negative balance", "AMOUNT_OUT_OF_RANGE", "Schema", balance=-1)
    bad_account(
        "balance above 21 million BTC",
        "AMOUNT_OUT_OF_RANGE",
        "Schema",
        balance=2_100_000_000_000_001,
    )
    bad_account("nonce above 2^53-1", "INT_OUT_OF_RANGE", "Schema", nonce=2**53)
    bad_account("balance as a string", "SCHEMA_WRONG_TYPE", "Schema", balance="5")
    bad_account("balance as a boolean", "SCHEMA_WRONG_TYPE", "Schema", balance=True)
    bad_account("id as a number", "SCHEMA_WRONG_TYPE", "Schema", id=5)
    bad_account("missing nonce", "SCHEMA_MISSING_FIELD", "Schema", nonce=_DELETE)
    bad_account("unknown field", "SCHEMA_UNKNOWN_FIELD", "Schema", memo="hi")
    vf.add(
        invalid,
        "two accounts with one id",
        {"section": "accounts", "records": [account, dict(account, balance=6)]},
        code="SECTION_DUPLICATE_KEY",
        flags=("Duplicate",),
    )
    pegin = write_fields(samples["pegins"][0], Form.JSON)
    vf.add(
        invalid,
        "pegins: same txid and vout twice",
        {"section": "pegins", "records": [pegin, dict(pegin, amount=1)]},
        code="SECTION_DUPLICATE_KEY",
        flags=("Duplicate",),
    )
    vf.add(
        invalid,
        "pegins: txid in uppercase hex",
        {"section": "pegins", "records": [dict(pegin, btc_txid=pegin["btc_txid"].upper())]},
        code="HEX_INVALID",
        flags=("Schema",),
    )
    vf.add(
        invalid,
        "pegins: txid of 31 bytes",
        {"section": "pegins", "records": [dict(pegin, btc_txid=pegin["btc_txid"][:62])]},
        code="BYTES_WRONG_LENGTH",
        flags=("Schema",),
    )
    vf.add(
        invalid,
        "pegins: vout above 2^32-1",
        {"section": "pegins", "records": [dict(pegin, vout=2**32)]},
        code="INT_OUT_OF_RANGE",
        flags=("Schema",),
    )
    vf.add(
        invalid,
        "pegins: unknown status",
        {"section": "pegins", "records": [dict(pegin, status="done")]},
        code="ENUM_UNKNOWN_VALUE",
        flags=("Schema",),
    )
    pegout = write_fields(samples["pegouts"][0], Form.JSON)
    vf.add(
        invalid,
        "pegouts: empty scriptPubKey",
        {"section": "pegouts", "records": [dict(pegout, btc_destination="")]},
        code="BYTES_WRONG_LENGTH",
        flags=("Schema",),
    )
    vf.add(
        invalid,
        "pegouts: odd-length hex",
        {"section": "pegouts", "records": [dict(pegout, btc_destination="001")]},
        code="HEX_INVALID",
        flags=("Schema",),
    )
    task = write_fields(samples["tasks"][0], Form.JSON)
    vf.add(
        invalid,
        "tasks: priority 256",
        {"section": "tasks", "records": [dict(task, priority=256)]},
        code="INT_OUT_OF_RANGE",
        flags=("Schema",),
    )
    fed = write_fields(samples["federation"][0], Form.JSON)
    vf.add(
        invalid,
        "federation: signers not ascending",
        {"section": "federation", "records": [dict(fed, signers=list(reversed(fed["signers"])))]},
        code="LIST_NOT_SORTED_UNIQUE",
        flags=("Schema",),
    )
    vf.add(
        invalid,
        "federation: duplicate signer",
        {"section": "federation", "records": [dict(fed, signers=[fed["signers"][0]] * 2)]},
        code="LIST_NOT_SORTED_UNIQUE",
        flags=("Schema",),
    )
    vf.add(
        invalid,
        "federation: threshold above the number of signers",
        {"section": "federation", "records": [dict(fed, threshold=len(fed["signers"]) + 1)]},
        code="FEDERATION_THRESHOLD_INVALID",
        flags=("Schema",),
    )
    vf.add(
        invalid,
        "federation: threshold 0",
        {"section": "federation", "records": [dict(fed, threshold=0)]},
        code="INT_OUT_OF_RANGE",
        flags=("Schema",),
    )
    vf.add(
        invalid,
        "federation: no signers",
        {"section": "federation", "records": [dict(fed, signers=[])]},
        code="INT_OUT_OF_RANGE",
        flags=("Schema",),
    )
    over = [
        write_fields(Account(f"whale-{i}", 2_100_000_000_000_000, 0), Form.JSON) for i in range(2)
    ]
    vf.add(
        invalid,
        "accounts: total above 21 million BTC",
        {"section": "accounts", "records": over},
        code="ACCOUNTS_TOTAL_OVERFLOW",
        flags=("Overflow",),
    )
    vf.add(
        invalid,
        "unknown section",
        {"section": "balances", "records": []},
        code="SECTION_UNKNOWN",
        flags=("Schema",),
    )
    return vf


_DELETE = object()


# --- state roots -------------------------------------------------------------------


def state_root_case(state: L2State) -> dict[str, Any]:
    commitment = L2StateRoot.compute(state)
    return {
        "given": {
            "header": write_fields(state.header, Form.JSON),
            "sections": {
                name: json_records(list(state.records(name)))
                for name in SECTION_NAMES
                if state.records(name)
            },
        },
        "intermediary": {
            "header_cbor": commitment.header_cbor.hex(),
            "section_roots": {name: commitment.section_root(name).hex() for name in SECTION_NAMES},
        },
        "expected": {"state_root": commitment.root.hex()},
    }


def state_vectors() -> VectorFile:
    vf = VectorFile(
        "ailee L2StateRoot",
        "ailee_state_root_v1",
        ["given -> intermediary -> expected, as in the BIP341 wallet vectors."],
    )
    vf.note("Header", "MALFORMED", "The header violates its field rules.")
    valid = vf.group("valid")
    examples = _examples()
    empty = L2State(Header(2, "ailee-signet-demo", 0, ZERO_ROOT, 1_764_000_000_000))
    vf.add(valid, "empty genesis state (spec section 14)", state_root_case(empty))
    two = L2State(
        Header(2, "ailee-signet-demo", 0, ZERO_ROOT, 1_764_000_000_000),
        accounts=(Account("alice", 150_000_000, 0), Account("bob", 25_000_000, 0)),
    )
    vf.add(valid, "two accounts (spec section 14)", state_root_case(two))
    first = examples.genesis()
    vf.add(valid, "examples/genesis.json", state_root_case(first))
    second = examples.second(L2StateRoot.compute(first).root)
    vf.add(valid, "examples/snapshot.json", state_root_case(second))
    samples = sample_records()
    full = L2State(
        Header(2, "vectors", 9, h32("prev"), 1_700_000_000_009),
        **{k: tuple(v) for k, v in samples.items()},
    )
    vf.add(valid, "every section with 8 records", state_root_case(full))
    unicode_state = L2State(
        Header(2, "ailee-ünïcode", 1, h32("p"), 1),
        accounts=(
            Account("Zoë", 1, 0),
            Account("東京", 2, 0),
            Account("Ω", 3, 0),
            Account("zoe", 4, 0),
        ),
    )
    vf.add(valid, "non-ASCII ids sort by UTF-8 bytes", state_root_case(unicode_state))
    big_header = L2State(Header(2, "x" * 64, 2**53 - 1, b"\xff" * 32, 2**53 - 1))
    vf.add(valid, "header at its limits", state_root_case(big_header))

    invalid = vf.group("invalid")
    base = state_root_case(empty)

    def bad_header(comment: str, code: str, **changes: Any) -> None:
        case = copy.deepcopy(base)
        case["given"]["header"].update(changes)
        vf.add(invalid, comment, case, code=code, flags=("Header",))

    bad_header("version 3", "SCHEMA_UNSUPPORTED_VERSION", version=3)
    bad_header("version 1", "SCHEMA_UNSUPPORTED_VERSION", version=1)
    bad_header("sequence negative", "INT_OUT_OF_RANGE", sequence=-1)
    bad_header("timestamp above 2^53-1", "INT_OUT_OF_RANGE", timestamp_ms=2**53)
    bad_header("prev_state_root of 33 bytes", "BYTES_WRONG_LENGTH", prev_state_root="00" * 33)
    bad_header("chain_id empty", "ID_EMPTY", chain_id="")
    bad_header("timestamp as a string", "SCHEMA_WRONG_TYPE", timestamp_ms="1")
    case = copy.deepcopy(base)
    del case["given"]["header"]["chain_id"]
    vf.add(invalid, "header without chain_id", case, code="SCHEMA_MISSING_FIELD", flags=("Header",))
    case = copy.deepcopy(base)
    case["given"]["header"]["network"] = "main"
    vf.add(
        invalid,
        "header with an unknown field",
        case,
        code="SCHEMA_UNKNOWN_FIELD",
        flags=("Header",),
    )
    return vf


# --- proofs ------------------------------------------------------------------------


def proof_vectors() -> VectorFile:
    vf = VectorFile(
        "ailee inclusion and non-inclusion proofs",
        "ailee_proof_v1",
        ["Each proof is checked against root; valid cases name the kind and section_total."],
    )
    vf.note("Inclusion", "FUNCTIONALITY", "A record is proved present.")
    vf.note("NonInclusion", "FUNCTIONALITY", "A key is proved absent by its neighbours.")
    vf.note("Liabilities", "FUNCTIONALITY", "An accounts proof also proves the total.")
    vf.note("Tampered", "CAN_OF_WORMS", "A valid proof with one thing changed.")
    vf.note("Schema", "MALFORMED", "The proof document violates its schema.")
    samples = sample_records()
    state = L2State(
        Header(2, "vectors", 4, h32("prev"), 1_700_000_000_004),
        **{k: tuple(v[:7]) for k, v in samples.items()},
    )
    commitment = L2StateRoot.compute(state)
    root = commitment.root.hex()
    single = L2State(Header(2, "vectors", 0, ZERO_ROOT, 0), accounts=(Account("solo", 42, 0),))
    single_commitment = L2StateRoot.compute(single)

    def proof(section: str, key: bytes, of: L2StateRoot = commitment) -> dict[str, Any]:
        return proof_to_json(of.prove(section, key))

    def fields_for(doc: dict[str, Any], expected_root: str) -> dict[str, Any]:
        return {
            "root": expected_root,
            "proof": doc,
            "kind": doc["kind"],
            "section_total": doc["section_total"],
        }

    valid = vf.group("valid")
    accounts = state.records("accounts")
    for position, label in ((0, "first"), (3, "middle"), (6, "last")):
        key = accounts[position].key()
        vf.add(
            valid,
            f"accounts: inclusion of the {label} of 7",
            fields_for(proof("accounts", key), root),
            flags=("Inclusion", "Liabilities"),
        )
    vf.add(
        valid,
        "accounts: single-leaf tree",
        fields_for(proof("accounts", b"solo", single_commitment), single_commitment.root.hex()),
        flags=("Inclusion", "Liabilities"),
    )
    for section in ("pegins", "pegouts", "anchors", "tasks", "telemetry", "recovery", "federation"):
        key = state.records(section)[2].key()
        vf.add(
            valid,
            f"{section}: inclusion",
            fields_for(proof(section, key), root),
            flags=("Inclusion",),
        )
    vf.add(
        valid,
        "accounts: absent key below the first",
        fields_for(proof("accounts", b"a"), root),
        flags=("NonInclusion", "Liabilities"),
    )
    vf.add(
        valid,
        "accounts: absent key above the last",
        fields_for(proof("accounts", b"zzz"), root),
        flags=("NonInclusion", "Liabilities"),
    )
    vf.add(
        valid,
        "accounts: absent key between two",
        fields_for(proof("accounts", b"user-35"), root),
        flags=("NonInclusion", "Liabilities"),
    )
    vf.add(
        valid,
        "anchors: absent sequence",
        fields_for(proof("anchors", (4).to_bytes(8, "big")), root),
        flags=("NonInclusion",),
    )
    empty = L2State(Header(2, "vectors", 0, ZERO_ROOT, 0))
    empty_commitment = L2StateRoot.compute(empty)
    vf.add(
        valid,
        "tasks: empty section",
        fields_for(proof("tasks", b"any", empty_commitment), empty_commitment.root.hex()),
        flags=("NonInclusion",),
    )

    invalid = vf.group("invalid")
    inclusion = proof("accounts", accounts[3].key())
    between = proof("accounts", b"user-35")
    last = proof("accounts", accounts[6].key())
    pegin_proof = proof("pegins", state.records("pegins")[2].key())

    def tamper(
        comment: str,
        code: str,
        base: dict[str, Any],
        change: Callable[[dict[str, Any]], None],
        *,
        flag: str = "Tampered",
        expected_root: str = root,
    ) -> None:
        doc = copy.deepcopy(base)
        change(doc)
        vf.add(invalid, comment, {"root": expected_root, "proof": doc}, code=code, flags=(flag,))

    def flip(text: str) -> str:
        return ("1" if text[0] == "0" else "0") + text[1:]

    tamper(
        "inclusion proof against another root",
        "PROOF_ROOT_MISMATCH",
        inclusion,
        lambda d: None,
        expected_root=flip(root),
    )
    tamper(
        "path hash changed",
        "PROOF_ROOT_MISMATCH",
        inclusion,
        lambda d: d["leaf"]["path"][0].update(hash=flip(d["leaf"]["path"][0]["hash"])),
    )
    tamper(
        "one satoshi moved from the record to a sibling subtree (total kept)",
        "PROOF_ROOT_MISMATCH",
        inclusion,
        lambda d: (
            d["leaf"]["path"][0].update(sum=d["leaf"]["path"][0]["sum"] + 1),
            d["leaf"]["record"].update(balance=d["leaf"]["record"]["balance"] - 1),
        ),
    )
    tamper(
        "path sum changed",
        "PROOF_SUM_MISMATCH",
        inclusion,
        lambda d: d["leaf"]["path"][0].update(sum=d["leaf"]["path"][0]["sum"] + 1),
    )
    tamper(
        "record balance changed",
        "PROOF_SUM_MISMATCH",
        inclusion,
        lambda d: d["leaf"]["record"].update(balance=d["leaf"]["record"]["balance"] + 1),
    )
    tamper(
        "header sequence changed",
        "PROOF_ROOT_MISMATCH",
        inclusion,
        lambda d: d["header"].update(sequence=5),
    )
    tamper(
        "another section's root changed",
        "PROOF_ROOT_MISMATCH",
        inclusion,
        lambda d: d["section_roots"].update(tasks=flip(d["section_roots"]["tasks"])),
    )
    tamper(
        "leaf index changed to a sibling position",
        "PROOF_ROOT_MISMATCH",
        inclusion,
        lambda d: d["leaf"].update(index=2),
    )
    tamper(
        "leaf index at tree size",
        "PROOF_INDEX_OUT_OF_RANGE",
        inclusion,
        lambda d: d["leaf"].update(index=7),
    )
    tamper(
        "path one element short", "PROOF_PATH_LENGTH", inclusion, lambda d: d["leaf"]["path"].pop()
    )
    tamper(
        "path one element long",
        "PROOF_PATH_LENGTH",
        inclusion,
        lambda d: d["leaf"]["path"].append(d["leaf"]["path"][0]),
    )
    tamper(
        "tree size changed (7 -> 8)",
        "PROOF_ROOT_MISMATCH",
        inclusion,
        lambda d: d.update(tree_size=8),
    )
    tamper(
        "last leaf, tree size 7 -> 8 (needs a longer path)",
        "PROOF_PATH_LENGTH",
        last,
        lambda d: d.update(tree_size=8),
    )
    tamper(
        "tree size changed (7 -> 6)",
        "PROOF_ROOT_MISMATCH",
        inclusion,
        lambda d: d.update(tree_size=6),
    )
    tamper(
        "key of another record",
        "PROOF_KEY_MISMATCH",
        inclusion,
        lambda d: d.update(key=b"user-0".hex()),
    )
    tamper(
        "negative sum in the path",
        "PROOF_SUM_NEGATIVE",
        inclusion,
        lambda d: d["leaf"]["path"][0].update(sum=-1),
    )
    tamper(
        "path sum above 21 million BTC",
        "PROOF_SUM_OVERFLOW",
        inclusion,
        lambda d: d["leaf"]["path"][0].update(sum=2_100_000_000_000_001),
    )
    tamper(
        "path sums adding up above 21 million BTC",
        "PROOF_SUM_OVERFLOW",
        inclusion,
        lambda d: [step.update(sum=2_000_000_000_000_000) for step in d["leaf"]["path"][:2]],
    )
    tamper(
        "section total changed",
        "PROOF_SUM_MISMATCH",
        inclusion,
        lambda d: d.update(section_total=d["section_total"] - 1),
    )
    tamper(
        "section total negative",
        "PROOF_SUM_NEGATIVE",
        inclusion,
        lambda d: d.update(section_total=-5),
    )
    tamper(
        "non-accounts proof with a total",
        "PROOF_SUM_MISMATCH",
        pegin_proof,
        lambda d: d.update(section_total=1),
    )
    tamper(
        "neighbours not adjacent",
        "PROOF_NOT_ADJACENT",
        between,
        lambda d: d.update(right=proof("accounts", accounts[5].key())["leaf"]),
    )
    tamper(
        "key not between the neighbours",
        "PROOF_KEY_ORDER",
        between,
        lambda d: d.update(key=b"user-6".hex()),
    )
    tamper(
        "key equal to the left neighbour's",
        "PROOF_KEY_ORDER",
        between,
        lambda d: d.update(key=d["left"]["record"]["id"].encode().hex()),
    )
    tamper(
        "right neighbour dropped (left is not last)",
        "PROOF_NOT_ADJACENT",
        between,
        lambda d: d.update(right=None),
    )
    tamper(
        "left neighbour dropped (right is not first)",
        "PROOF_NOT_ADJACENT",
        between,
        lambda d: d.update(left=None),
    )
    tamper(
        "no neighbours in a non-empty section",
        "PROOF_NOT_ADJACENT",
        between,
        lambda d: d.update(left=None, right=None),
    )
    tamper(
        "unknown field",
        "SCHEMA_UNKNOWN_FIELD",
        inclusion,
        lambda d: d.update(note="x"),
        flag="Schema",
    )
    tamper(
        "format marker changed",
        "SCHEMA_BAD_FORMAT",
        inclusion,
        lambda d: d.update(format="ailee-snapshot"),
        flag="Schema",
    )
    tamper(
        "version 3",
        "SCHEMA_UNSUPPORTED_VERSION",
        inclusion,
        lambda d: d.update(version=3),
        flag="Schema",
    )
    tamper(
        "unknown section",
        "SECTION_UNKNOWN",
        inclusion,
        lambda d: d.update(section="balances"),
        flag="Schema",
    )
    tamper(
        "unknown kind",
        "ENUM_UNKNOWN_VALUE",
        inclusion,
        lambda d: d.update(kind="exclusion"),
        flag="Schema",
    )
    tamper(
        "inclusion proof with left/right instead of leaf",
        "SCHEMA_MISSING_FIELD",
        between,
        lambda d: d.update(kind="inclusion"),
        flag="Schema",
    )
    tamper(
        "the proven section's own root listed",
        "SCHEMA_UNKNOWN_FIELD",
        inclusion,
        lambda d: d["section_roots"].update(accounts="00" * 32),
        flag="Schema",
    )
    tamper(
        "accounts path step as a bare hash",
        "SCHEMA_WRONG_TYPE",
        inclusion,
        lambda d: d["leaf"].update(path=[step["hash"] for step in d["leaf"]["path"]]),
        flag="Schema",
    )
    return vf


# --- snapshots ---------------------------------------------------------------------


def _replace_once(text: str, old: str, new: str) -> str:
    if old not in text:
        raise SystemExit(f"mutation target {old!r} not found")
    return text.replace(old, new, 1)


def snapshot_vectors() -> VectorFile:
    vf = VectorFile(
        "ailee snapshot documents (JSON and canonical CBOR)",
        "ailee_snapshot_v1",
        [
            "document is the file's text; document_hex its bytes when they are not UTF-8 "
            "or the file is in CBOR form. root is the recomputed L2StateRoot.",
        ],
    )
    vf.note("Json", "MALFORMED", "The JSON text breaks a rule of strict JSON.")
    vf.note("Schema", "MALFORMED", "The document breaks the snapshot schema.")
    vf.note("Cbor", "CAN_OF_WORMS", "The CBOR form is not canonical.")
    vf.note("Check", "FUNCTIONALITY", "Well-formed, but a verification check fails.")
    vf.note("Order", "FUNCTIONALITY", "Records in another order: same state, same root.")
    examples = _examples()
    first = examples.genesis()
    first_root = L2StateRoot.compute(first).root
    state = examples.second(first_root)
    schedule = examples.example_schedule()
    rounds = examples.example_rounds()
    batches = examples.example_batch()
    snapshot = Snapshot(state, L2StateRoot.compute(state).root, schedule, rounds, batches)
    text = snapshot_to_json(snapshot)
    cbor = snapshot_to_cbor(snapshot)
    root = snapshot.state_root.hex()

    valid = vf.group("valid")
    vf.add(
        valid,
        "examples/snapshot.json",
        {"document": text, "root": root, "canonical_cbor": cbor.hex()},
    )
    vf.add(
        valid,
        "the same snapshot in canonical CBOR form",
        {"document_hex": cbor.hex(), "root": root, "canonical_cbor": cbor.hex()},
    )
    genesis_text = snapshot_to_json(Snapshot(first, first_root))
    vf.add(
        valid,
        "examples/genesis.json",
        {
            "document": genesis_text,
            "root": first_root.hex(),
            "canonical_cbor": snapshot_to_cbor(Snapshot(first, first_root)).hex(),
        },
    )
    doc = json.loads(text)
    doc["sections"]["accounts"].reverse()
    reordered = json.dumps(doc, indent=1, ensure_ascii=False)
    vf.add(
        valid,
        "accounts listed in reverse order, other indentation",
        {"document": reordered, "root": root, "canonical_cbor": cbor.hex()},
        flags=("Order",),
    )
    compact = json.dumps(json.loads(text), separators=(",", ":"))
    vf.add(
        valid,
        "compact JSON without whitespace",
        {"document": compact, "root": root, "canonical_cbor": cbor.hex()},
    )
    vf.add(
        valid,
        "examples/snapshot.json checked against the policy its federation names",
        {"document": text, "root": root, "policy_hash": examples.POLICY_HASH.hex()},
    )

    without_updates = json.loads(text)
    without_updates["fl_rounds"]["rounds"][0]["updates"] = None
    vf.add(
        valid,
        "a round record carried without its updates (checked against its task only)",
        {"document": json.dumps(without_updates, indent=2), "root": root},
    )

    invalid = vf.group("invalid")

    def bad_text(
        comment: str, code: str, flag: str, document: str, with_root: bool = False
    ) -> None:
        fields: dict[str, Any] = {"document": document}
        if with_root:
            fields["root"] = root
        vf.add(invalid, comment, fields, code=code, flags=(flag,))

    def bad_doc(
        comment: str, code: str, flag: str, change: Callable[[dict[str, Any]], None]
    ) -> None:
        mutated = json.loads(text)
        change(mutated)
        bad_text(comment, code, flag, json.dumps(mutated, indent=2, ensure_ascii=False))

    tampered = _replace_once(text, '"balance": 45000000', '"balance": 45000001')
    tampered_root = L2StateRoot.compute(json_state(tampered)).root.hex()
    vf.add(
        invalid,
        "one balance changed",
        {"document": tampered, "root": tampered_root},
        code="STATE_ROOT_MISMATCH",
        flags=("Check",),
    )
    bad_doc(
        "claimed root changed",
        "STATE_ROOT_MISMATCH",
        "Check",
        lambda d: d.update(state_root="00" * 32),
    )
    bad_doc(
        "sequence 1 with an all-zero prev_state_root",
        "HEADER_GENESIS_INCONSISTENT",
        "Check",
        lambda d: d["header"].update(prev_state_root="00" * 32),
    )
    bad_doc(
        "anchor of the snapshot's own sequence",
        "ANCHOR_SEQUENCE_NOT_PAST",
        "Check",
        lambda d: d["sections"]["anchors"][0].update(sequence=1),
    )
    vf.note("Schedule", "FUNCTIONALITY", "A carried scheduling decision does not hold.")
    bad_doc(
        "carried decision for a task that has none",
        "SCHEDULE_NO_DECISION",
        "Schedule",
        lambda d: d["schedule"]["decisions"][0]["record"].update(task="task-0002"),
    )
    bad_doc(
        "carried decision is not the one the task commits to",
        "SCHEDULE_DECISION_MISMATCH",
        "Schedule",
        lambda d: d["schedule"]["decisions"][0]["record"]["chosen"].update(score=1),
    )
    bad_doc(
        "carried inputs are not the decision's",
        "SCHEDULE_INPUTS_MISMATCH",
        "Schedule",
        lambda d: d["schedule"]["decisions"][0]["task"].update(priority=6),
    )
    bad_doc(
        "a carried worker changed",
        "SCHEDULE_INPUTS_MISMATCH",
        "Schedule",
        lambda d: d["schedule"]["pools"][0][0].update(reputation=1),
    )
    bad_doc(
        "schedule with an unknown field",
        "SCHEMA_UNKNOWN_FIELD",
        "Schema",
        lambda d: d["schedule"].update(extra=[]),
    )
    bad_doc(
        "decision naming a policy that is not carried",
        "INT_OUT_OF_RANGE",
        "Schema",
        lambda d: d["schedule"]["decisions"][0].update(policy=1),
    )
    record = schedule.decisions[0].record
    task_record = state.find("tasks", record.task.encode())
    other_tasks = tuple(t for t in state.tasks if t is not task_record)
    for comment, code, forged_record, assigned in (
        (
            "task assigned to another worker than its decision chose",
            "SCHEDULE_ASSIGNMENT_MISMATCH",
            record,
            "worker-us-1",
        ),
        (
            "a decision that its inputs do not give",
            "SCHEDULE_MISMATCH",
            dataclasses.replace(record, worker="worker-us-1"),
            "worker-us-1",
        ),
    ):
        forged_state = dataclasses.replace(
            state,
            tasks=(
                *other_tasks,
                dataclasses.replace(
                    task_record, assignment=assigned, decision=decision_hash(forged_record)
                ),
            ),
        )
        forged_schedule = dataclasses.replace(
            schedule, decisions=(dataclasses.replace(schedule.decisions[0], record=forged_record),)
        )
        forged = Snapshot(
            forged_state,
            L2StateRoot.compute(forged_state).root,
            forged_schedule,
            rounds,
            batches,
        )
        vf.add(
            invalid,
            comment,
            {"document": snapshot_to_json(forged), "root": forged.state_root.hex()},
            code=code,
            flags=("Schedule",),
        )
    fl_round_and_telemetry_cases(vf, invalid, state, snapshot, bad_doc)
    bridge_snapshot_cases(vf, invalid, examples.chain_states()[2], bad_text)
    bad_doc(
        "anchor commitment is not the hash of its fields",
        "ANCHOR_COMMITMENT_MISMATCH",
        "Check",
        lambda d: d["sections"]["anchors"][0].update(timestamp_ms=1),
    )
    bad_doc(
        "first anchor names a previous commitment",
        "ANCHOR_CHAIN_BROKEN",
        "Check",
        lambda d: d["sections"]["anchors"][0].update(prev_commitment="11" * 32),
    )
    bad_text(
        "duplicate key in the header",
        "JSON_DUPLICATE_KEY",
        "Json",
        _replace_once(text, '"sequence": 1,', '"sequence": 1,\n    "sequence": 1,'),
    )
    bad_text(
        "NaN as a balance",
        "JSON_NON_FINITE",
        "Json",
        _replace_once(text, '"balance": 45000000', '"balance": NaN'),
    )
    bad_text(
        "Infinity as a nonce",
        "JSON_NON_FINITE",
        "Json",
        _replace_once(text, '"nonce": 2', '"nonce": Infinity'),
    )
    bad_text(
        "balance 45000000.0",
        "JSON_FLOAT",
        "Json",
        _replace_once(text, '"balance": 45000000', '"balance": 45000000.0'),
    )
    bad_text(
        "balance 4.5e7",
        "JSON_FLOAT",
        "Json",
        _replace_once(text, '"balance": 45000000', '"balance": 4.5e7'),
    )
    bad_text(
        "integer of 41 digits",
        "INT_OUT_OF_RANGE",
        "Json",
        _replace_once(text, '"balance": 45000000', '"balance": ' + "9" * 41),
    )
    bad_text(
        "syntax error (trailing comma)",
        "JSON_SYNTAX",
        "Json",
        _replace_once(text, '"nonce": 2\n', '"nonce": 2,\n'),
    )
    bad_text(
        "lone surrogate escape in an id",
        "JSON_INVALID_STRING",
        "Json",
        _replace_once(text, '"id": "carol"', '"id": "carol\\ud800"'),
    )
    bad_text("arrays nested 33 deep", "JSON_TOO_DEEP", "Json", "[" * 33 + "]" * 33)
    vf.add(
        invalid,
        "byte-order mark",
        {"document_hex": (b"\xef\xbb\xbf" + text.encode()).hex()},
        code="JSON_INVALID_UTF8",
        flags=("Json",),
    )
    vf.add(
        invalid,
        "invalid UTF-8 in an id",
        {"document_hex": text.encode().replace(b'"carol"', b'"car\xffol"', 1).hex()},
        code="JSON_INVALID_UTF8",
        flags=("Json",),
    )
    bad_doc(
        "balance as a string",
        "SCHEMA_WRONG_TYPE",
        "Schema",
        lambda d: d["sections"]["accounts"][0].update(balance="99990000"),
    )
    bad_doc(
        "id as a number",
        "SCHEMA_WRONG_TYPE",
        "Schema",
        lambda d: d["sections"]["accounts"][0].update(id=7),
    )
    bad_doc(
        "prev_state_root as an array of numbers",
        "SCHEMA_WRONG_TYPE",
        "Schema",
        lambda d: d["header"].update(prev_state_root=[0] * 32),
    )
    bad_doc("sections as an array", "SCHEMA_WRONG_TYPE", "Schema", lambda d: d.update(sections=[]))
    bad_doc(
        "unknown top-level field",
        "SCHEMA_UNKNOWN_FIELD",
        "Schema",
        lambda d: d.update(signature="00"),
    )
    bad_doc(
        "unknown field in a record",
        "SCHEMA_UNKNOWN_FIELD",
        "Schema",
        lambda d: d["sections"]["tasks"][0].update(weight=1),
    )
    bad_doc(
        "unknown section",
        "SCHEMA_UNKNOWN_FIELD",
        "Schema",
        lambda d: d["sections"].update(balances=[]),
    )
    bad_doc(
        "missing section", "SCHEMA_MISSING_FIELD", "Schema", lambda d: d["sections"].pop("recovery")
    )
    bad_doc("missing state_root", "SCHEMA_MISSING_FIELD", "Schema", lambda d: d.pop("state_root"))
    bad_doc(
        "format marker changed",
        "SCHEMA_BAD_FORMAT",
        "Schema",
        lambda d: d.update(format="ailee-proof"),
    )
    bad_doc(
        "header version 3 (with a field version 2 lacks)",
        "SCHEMA_UNSUPPORTED_VERSION",
        "Schema",
        lambda d: d["header"].update(version=3, network="main"),
    )
    bad_doc(
        "state_root in uppercase hex",
        "HEX_INVALID",
        "Schema",
        lambda d: d.update(state_root=d["state_root"].upper()),
    )
    bad_doc(
        "state_root of 31 bytes",
        "BYTES_WRONG_LENGTH",
        "Schema",
        lambda d: d.update(state_root=d["state_root"][2:]),
    )
    bad_doc(
        "two accounts with one id",
        "SECTION_DUPLICATE_KEY",
        "Schema",
        lambda d: d["sections"]["accounts"].append(dict(d["sections"]["accounts"][0])),
    )
    bad_text("top level is an array", "SCHEMA_WRONG_TYPE", "Schema", "[]")

    cbor_obj = snapshot_to_object(snapshot, Form.CBOR)
    unsorted = copy.deepcopy(cbor_obj)
    unsorted["sections"]["accounts"].reverse()
    vf.add(
        invalid,
        "CBOR form with accounts out of key order",
        {"document_hex": encoding.encode(unsorted).hex()},
        code="SECTION_UNSORTED",
        flags=("Cbor",),
    )
    duplicate = copy.deepcopy(cbor_obj)
    duplicate["sections"]["accounts"].insert(1, duplicate["sections"]["accounts"][0])
    vf.add(
        invalid,
        "CBOR form with a duplicate account",
        {"document_hex": encoding.encode(duplicate).hex()},
        code="SECTION_DUPLICATE_KEY",
        flags=("Cbor",),
    )
    # Swap the first two keys of the top-level map: "format" (6 bytes) must precede "header".
    swapped = _swap_first_map_keys(cbor)
    vf.add(
        invalid,
        "CBOR form with top-level map keys out of order",
        {"document_hex": swapped.hex()},
        code="CBOR_MAP_KEYS_UNSORTED",
        flags=("Cbor",),
    )
    vf.add(
        invalid,
        "CBOR form with a trailing byte",
        {"document_hex": (cbor + b"\x00").hex()},
        code="CBOR_TRAILING_BYTES",
        flags=("Cbor",),
    )
    as_json_bytes = copy.deepcopy(cbor_obj)
    as_json_bytes["state_root"] = as_json_bytes["state_root"].hex()
    vf.add(
        invalid,
        "CBOR form with state_root as hex text",
        {"document_hex": encoding.encode(as_json_bytes).hex()},
        code="SCHEMA_WRONG_TYPE",
        flags=("Cbor",),
    )
    return vf


def fl_round_and_telemetry_cases(
    vf: VectorFile,
    invalid: list[dict[str, Any]],
    state: L2State,
    snapshot: Snapshot,
    bad_doc: Callable[[str, str, str, Callable[[dict[str, Any]], None]], None],
) -> None:
    """Snapshot cases for the carried round records and telemetry batches."""
    vf.note("Round", "FUNCTIONALITY", "A carried federated-learning round does not hold.")
    vf.note("Telemetry", "FUNCTIONALITY", "A carried telemetry batch does not hold.")

    def tensor(d: dict[str, Any], client: int) -> dict[str, Any]:
        return d["fl_rounds"]["rounds"][0]["updates"][client]["tensors"][0]  # type: ignore[no-any-return]

    def record(d: dict[str, Any]) -> dict[str, Any]:
        return d["fl_rounds"]["rounds"][0]["record"]  # type: ignore[no-any-return]

    bad_doc("round record whose output changed", "FL_ROUND_NOT_COMMITTED", "Round",
            lambda d: record(d).update(output="00" * 32))  # fmt: skip
    bad_doc("round record carried for a task that does not exist", "FL_ROUND_NOT_COMMITTED",
            "Round", lambda d: d["fl_rounds"]["rounds"][0].update(task="fl-9999"))  # fmt: skip
    bad_doc("a carried update's value changed", "FL_ROUND_INPUTS_MISMATCH", "Round",
            lambda d: tensor(d, 1).update(data="0000803f"))  # fmt: skip
    bad_doc("a carried update left out", "FL_ROUND_INPUTS_MISMATCH", "Round",
            lambda d: d["fl_rounds"]["rounds"][0]["updates"].pop(2))  # fmt: skip
    bad_doc("a carried update's tensor in float64", "FL_ROUND_INPUTS_MISMATCH", "Round",
            lambda d: tensor(d, 0).update(dtype="float64", data="000000000000e03f"))  # fmt: skip
    bad_doc("round with an unknown field", "SCHEMA_UNKNOWN_FIELD", "Schema",
            lambda d: d["fl_rounds"]["rounds"][0].update(extra=None))  # fmt: skip
    # A record that commits (the state names it) but that its updates do not give.
    from ailee.fl import round_hash

    carried = snapshot.fl_rounds.rounds[0]  # type: ignore[union-attr]
    forged_record = dataclasses.replace(carried.record, selected=carried.record.selected[:2])
    forged_tasks = tuple(
        dataclasses.replace(t, result=round_hash(forged_record)) if t.id == carried.task else t
        for t in state.tasks
    )
    forged_state = dataclasses.replace(state, tasks=forged_tasks)
    forged = dataclasses.replace(
        snapshot,
        state=forged_state,
        state_root=L2StateRoot.compute(forged_state).root,
        fl_rounds=dataclasses.replace(
            snapshot.fl_rounds,  # type: ignore[arg-type]
            rounds=(dataclasses.replace(carried, record=forged_record),),
        ),
    )
    vf.add(
        invalid,
        "committed round record that its updates do not give (a client left out of selected)",
        {"document": snapshot_to_json(forged), "root": forged.state_root.hex()},
        code="FL_ROUND_MISMATCH",
        flags=("Round",),
    )

    def samples(d: dict[str, Any]) -> list[dict[str, Any]]:
        return d["telemetry_batches"]["batches"][0]["samples"]  # type: ignore[no-any-return]

    def batch(d: dict[str, Any]) -> dict[str, Any]:
        return d["telemetry_batches"]["batches"][0]  # type: ignore[no-any-return]

    bad_doc("telemetry sample value altered", "TELEMETRY_BAD_SIGNATURE", "Telemetry",
            lambda d: samples(d)[1].update(energy_mwh=1))  # fmt: skip
    bad_doc("telemetry sample missing in the middle", "TELEMETRY_SEQUENCE_GAP", "Telemetry",
            lambda d: samples(d).pop(1))  # fmt: skip
    bad_doc("telemetry samples reordered", "TELEMETRY_CHAIN_BROKEN", "Telemetry",
            lambda d: samples(d).reverse())  # fmt: skip
    bad_doc("last telemetry sample left out", "TELEMETRY_DIGEST_MISMATCH", "Telemetry",
            lambda d: samples(d).pop())  # fmt: skip
    bad_doc("telemetry sample unsigned", "TELEMETRY_UNSIGNED", "Telemetry",
            lambda d: samples(d)[0].update(signature=""))  # fmt: skip
    bad_doc("telemetry batch under another key", "TELEMETRY_BAD_SIGNATURE", "Telemetry",
            lambda d: batch(d).update(key=state.federation[0].signers[0].hex()))  # fmt: skip
    bad_doc("telemetry batch for a record the section lacks", "TELEMETRY_NO_RECORD",
            "Telemetry", lambda d: batch(d).update(record="tm-9999"))  # fmt: skip
    bad_doc("telemetry sample outside its record's window", "TELEMETRY_OUT_OF_WINDOW",
            "Telemetry", lambda d: samples(d)[2].update(timestamp_ms=1))  # fmt: skip
    bad_doc("telemetry sample of another node", "TELEMETRY_NODE_MISMATCH", "Telemetry",
            lambda d: samples(d)[0].update(node="worker-eu-2"))  # fmt: skip
    bad_doc("telemetry batch linked to a previous sample", "TELEMETRY_CHAIN_BROKEN",
            "Telemetry", lambda d: batch(d).update(previous="11" * 32))  # fmt: skip
    bad_doc("telemetry batch with no sample", "INT_OUT_OF_RANGE", "Schema",
            lambda d: batch(d).update(samples=[]))  # fmt: skip


def _signed(message: bytes, secrets: Any) -> tuple[bytes, ...]:
    from ailee.bridge import sign

    return tuple(sorted(sign(message, secret, bytes(32)) for secret in secrets))


def bridge_chain_cases(
    vf: VectorFile,
    invalid: list[dict[str, Any]],
    states: list[L2State],
    doc: Callable[[L2State], str],
) -> None:
    """Chain cases of spec 19.5: each state is valid alone, the step is not."""
    from ailee.bridge import pegout_id

    vf.note("Peg", "CAN_OF_WORMS", "A peg record changed illegally between snapshots.")
    first, second, third = states
    deposit, pegout = third.pegins[0], third.pegouts[0]

    def case(comment: str, code: str, forged: L2State) -> None:
        documents = [doc(first), doc(second), doc(forged)]
        vf.add(invalid, comment, {"documents": documents}, code=code, flags=("Peg",))

    other = dataclasses.replace(deposit, btc_txid=h32("another deposit"))
    case("a minted deposit replaced by another of the same value", "PEGIN_REMOVED",
         dataclasses.replace(third, pegins=(other,)))  # fmt: skip
    moved = dataclasses.replace(deposit, l2_destination="carol")
    case("a minted deposit credited to another account", "PEGIN_ILLEGAL_TRANSITION",
         dataclasses.replace(third, pegins=(moved,)))  # fmt: skip
    # Another peg-out of the same value takes the requested one's place: conserved, but
    # the first is gone (and the new one would need requesting at sequence 2).
    script = pegout.btc_destination
    swapped_id = pegout_id("alice", 2, script, pegout.amount, pegout.fee)
    swapped = dataclasses.replace(pegout, id=swapped_id, nonce=2, status="requested",
                                  anchor_ref=None, signatures=(), requested_at=2)  # fmt: skip
    case("a requested peg-out removed", "PEGOUT_REMOVED",
         dataclasses.replace(third, pegouts=(swapped,)))  # fmt: skip
    jumped = dataclasses.replace(pegout, status="confirmed", btc_txid=h32("payout tx"))
    case("requested to confirmed in one step", "PEGOUT_ILLEGAL_TRANSITION",
         dataclasses.replace(third, pegouts=(jumped,)))  # fmt: skip
    # Bob asks for a peg-out that claims an earlier request sequence.
    bob = next(a for a in third.accounts if a.id == "bob")
    amount, fee = 1_000_000, 10_000
    late = PegOut(pegout_id("bob", 0, script, amount, fee), "bob", script, amount, fee,
                  "requested", None, nonce=0, requested_at=1)  # fmt: skip
    accounts = tuple(
        dataclasses.replace(a, balance=a.balance - amount - fee, nonce=1) if a is bob else a
        for a in third.accounts
    )
    case("a peg-out new at sequence 2 that says it was requested at 1",
         "PEGOUT_REQUEST_SEQUENCE",
         dataclasses.replace(third, accounts=accounts, pegouts=(*third.pegouts, late)))  # fmt: skip
    # Alice asks again with nonce 0, which she used before sequence 1.
    replay = PegOut(pegout_id("alice", 0, script, amount, fee), "alice", script, amount, fee,
                    "requested", None, nonce=0, requested_at=2)  # fmt: skip
    debited = tuple(
        dataclasses.replace(a, balance=a.balance - amount - fee) if a.id == "alice" else a
        for a in third.accounts
    )
    replayed = dataclasses.replace(third, accounts=debited, pegouts=(*third.pegouts, replay))
    case("a new peg-out with a nonce its source had already used", "PEGOUT_NONCE_INVALID",
         replayed)  # fmt: skip


def bridge_snapshot_cases(
    vf: VectorFile,
    invalid: list[dict[str, Any]],
    third: L2State,
    bad_text: Callable[[str, str, str, str], None],
) -> None:
    """Snapshot cases of spec 19.1-19.4, on the third example state (an authorized
    peg-out, two federation epochs): each forged state has its true root, so the
    bridge check is the first to fail."""
    from ailee.bridge import authorization_message, federation_change_message, pegout_id

    examples = _examples()
    secrets = examples.SECRETS
    vf.note("Bridge", "FUNCTIONALITY", "A peg record or the federation breaks a bridge rule.")
    epoch0, epoch1 = third.federation
    deposit, pegout = third.pegins[0], third.pegouts[0]
    anchor0 = third.anchors[0]

    def case(comment: str, code: str, forged: L2State) -> None:
        snapshot = Snapshot.of(forged)
        vf.add(invalid, comment, {"document": snapshot_to_json(snapshot),
                                  "root": snapshot.state_root.hex()},
               code=code, flags=("Bridge",))  # fmt: skip

    third_snapshot = Snapshot.of(third)
    vf.add(invalid, "the federation in force names another policy than the one given",
           {"document": snapshot_to_json(third_snapshot),
            "root": third_snapshot.state_root.hex(), "policy_hash": "11" * 32},
           code="POLICY_HASH_MISMATCH", flags=("Bridge",))  # fmt: skip

    def with_epoch1(**changes: Any) -> L2State:
        changed = dataclasses.replace(epoch1, **changes)
        return dataclasses.replace(third, federation=(epoch0, changed))

    def resigned_epoch1(signers: Any) -> L2State:
        unsigned = dataclasses.replace(epoch1, authorization=())
        message = federation_change_message(unsigned)
        return with_epoch1(authorization=_signed(message, signers))

    def with_pegout(**changes: Any) -> L2State:
        return dataclasses.replace(third, pegouts=(dataclasses.replace(pegout, **changes),))

    def new_request(**changes: Any) -> PegOut:
        fields = {"amount": pegout.amount, "fee": pegout.fee,
                  "btc_destination": pegout.btc_destination, **changes}  # fmt: skip
        fields["id"] = pegout_id(pegout.l2_source, pegout.nonce, fields["btc_destination"],
                                 fields["amount"], fields["fee"])  # fmt: skip
        return dataclasses.replace(pegout, **fields)

    def resigned_pegout(record: PegOut, signers: Any) -> L2State:
        message = authorization_message(record, anchor0.commitment)
        signed = dataclasses.replace(record, signatures=_signed(message, signers))
        return dataclasses.replace(third, pegouts=(signed,))

    case("federation epoch 1 in force from sequence 0", "FEDERATION_EPOCH_ORDER",
         with_epoch1(from_sequence=0))  # fmt: skip
    case("federation change signed by one of two needed", "QUORUM_NOT_MET",
         resigned_epoch1(secrets[1:2]))  # fmt: skip
    case("federation change signed by a key of the new epoch only", "QUORUM_SIGNER_UNKNOWN",
         resigned_epoch1(secrets[2:4]))  # fmt: skip
    flipped = bytearray(epoch1.authorization[0])
    flipped[-1] ^= 1
    corrupted = tuple(sorted((bytes(flipped), *epoch1.authorization[1:])))
    case("federation change with a corrupted signature", "QUORUM_BAD_SIGNATURE",
         with_epoch1(authorization=corrupted))  # fmt: skip
    unsigned = dataclasses.replace(epoch1, authorization=())
    message = federation_change_message(unsigned)
    from ailee.bridge import sign

    twice = tuple(sorted(sign(message, secrets[1], bytes([k]) * 32) for k in (1, 2)))
    case("federation change signed twice by one signer", "QUORUM_DUPLICATE_SIGNER",
         with_epoch1(authorization=twice))  # fmt: skip
    case("peg-in naming a federation epoch that does not exist", "PEGIN_EPOCH_UNKNOWN",
         dataclasses.replace(third, pegins=(dataclasses.replace(deposit, epoch=5),)))  # fmt: skip
    small = dataclasses.replace(deposit, amount=50_000 + deposit.fee)
    case("peg-in below the federation's minimum", "PEGIN_AMOUNT_OUT_OF_BOUNDS",
         dataclasses.replace(third, pegins=(small,)))  # fmt: skip
    case("peg-in fee other than the policy's", "PEGIN_FEE_MISMATCH",
         dataclasses.replace(third, pegins=(dataclasses.replace(deposit, fee=0),)))  # fmt: skip
    case("peg-out id not derived from its request", "PEGOUT_ID_MISMATCH",
         with_pegout(id="pegout-0001"))  # fmt: skip
    case("peg-out requested after the snapshot's sequence", "PEGOUT_REQUEST_IN_FUTURE",
         with_pegout(requested_at=3))  # fmt: skip
    op_return = bytes.fromhex("6a0b") + b"hello world"
    case("peg-out to an OP_RETURN script", "PEGOUT_DESTINATION_UNSPENDABLE",
         dataclasses.replace(third, pegouts=(new_request(btc_destination=op_return),)))  # fmt: skip
    case("peg-out of 293 satoshis to P2WPKH (dust: 294)", "PEGOUT_DUST",
         dataclasses.replace(third, pegouts=(new_request(amount=293),)))  # fmt: skip
    case("peg-out fee below the policy's minimum", "PEGOUT_FEE_OUT_OF_POLICY",
         dataclasses.replace(third, pegouts=(new_request(fee=999),)))  # fmt: skip
    case("broadcast peg-out without a Bitcoin txid", "PEGOUT_FIELDS_INCONSISTENT",
         with_pegout(status="broadcast"))  # fmt: skip
    case("authorized against an unknown anchor", "PEGOUT_ANCHOR_UNKNOWN",
         with_pegout(anchor_ref=h32("no such anchor")))  # fmt: skip
    own = third.anchors[1].commitment
    case("authorized against the anchor of its own request sequence",
         "PEGOUT_ANCHOR_NOT_EARLIER", with_pegout(anchor_ref=own))  # fmt: skip
    case("peg-out authorized by one of two needed signers", "QUORUM_NOT_MET",
         resigned_pegout(pegout, secrets[:1]))  # fmt: skip
    case("peg-out signed by a key of a later epoch", "QUORUM_SIGNER_UNKNOWN",
         resigned_pegout(pegout, secrets[2:4]))  # fmt: skip
    bad = bytearray(pegout.signatures[1])
    bad[40] ^= 1
    case("peg-out with a corrupted signature", "QUORUM_BAD_SIGNATURE",
         with_pegout(signatures=(pegout.signatures[0], bytes(bad))))  # fmt: skip
    second_request = PegOut(
        pegout_id("alice", 1, pegout.btc_destination, 1_000_000, 10_000), "alice",
        pegout.btc_destination, 1_000_000, 10_000, "requested", None, nonce=1, requested_at=2,
    )  # fmt: skip
    poorer = tuple(
        dataclasses.replace(a, balance=a.balance - 1_010_000) if a.id == "alice" else a
        for a in third.accounts
    )
    case("two peg-outs of alice with her nonce 1", "PEGOUT_NONCE_INVALID",
         dataclasses.replace(third, accounts=poorer, pegouts=(pegout, second_request)))  # fmt: skip
    richer = tuple(
        dataclasses.replace(a, balance=a.balance + 1) if a.id == "bob" else a
        for a in third.accounts
    )
    case("one satoshi more in balances than was pegged in", "CONSERVATION_VIOLATED",
         dataclasses.replace(third, accounts=richer))  # fmt: skip
    text = snapshot_to_json(Snapshot.of(third))
    doc = json.loads(text)
    epoch_doc = doc["sections"]["federation"][0]
    epoch_doc["pegin_min"] = epoch_doc["pegin_max"] + 1
    bad_text("federation peg-in minimum above its maximum", "FEDERATION_POLICY_INVALID",
             "Schema", json.dumps(doc, indent=2))  # fmt: skip
    doc = json.loads(text)
    doc["sections"]["pegins"][0]["fee"] = doc["sections"]["pegins"][0]["amount"] + 1
    bad_text("peg-in fee above its amount", "AMOUNT_OUT_OF_RANGE", "Schema",
             json.dumps(doc, indent=2))  # fmt: skip


def json_state(text: str) -> L2State:
    from ailee.snapshot import snapshot_from_json

    return snapshot_from_json(text.encode()).state


def _swap_first_map_keys(cbor: bytes) -> bytes:
    """Re-encode the top-level map with its first two entries swapped (non-canonical)."""
    value = encoding.decode(cbor)
    assert isinstance(value, dict)
    items = list(value.items())
    items[0], items[1] = items[1], items[0]
    out = bytes([0xA0 | len(items)])
    for key, item in items:
        out += encoding.encode(key) + encoding.encode(item)
    return out


# --- chains ------------------------------------------------------------------------


def chain_vectors() -> VectorFile:
    vf = VectorFile(
        "ailee snapshot chains",
        "ailee_snapshot_chain_v1",
        ["documents are given in chain order; each is a snapshot's JSON text."],
    )
    vf.note("Link", "CAN_OF_WORMS", "Consecutive snapshots do not link up.")
    vf.note("Anchor", "CAN_OF_WORMS", "An anchor contradicts a given snapshot.")
    examples = _examples()
    first = examples.genesis()
    first_root = L2StateRoot.compute(first).root
    second = examples.second(first_root)
    second_root = L2StateRoot.compute(second).root
    third = L2State(
        Header(2, examples.CHAIN_ID, 2, second_root, 1_764_001_200_000),
        accounts=second.accounts,
        pegins=second.pegins,
        pegouts=second.pegouts,
        anchors=(
            *second.anchors,
            make_anchor(
                chain_id=examples.CHAIN_ID,
                sequence=1,
                timestamp_ms=second.header.timestamp_ms,
                state_root=second_root,
                previous=second.anchors[-1],
            ),
        ),
        federation=second.federation,
    )

    def doc(state: L2State) -> str:
        return snapshot_to_json(Snapshot.of(state))

    valid = vf.group("valid")
    vf.add(valid, "genesis then snapshot (the examples)", {"documents": [doc(first), doc(second)]})
    vf.add(
        valid,
        "three snapshots, anchors of 0 and 1",
        {"documents": [doc(first), doc(second), doc(third)]},
    )
    vf.add(valid, "a single snapshot is a chain of one", {"documents": [doc(second)]})
    bridged = examples.chain_states()
    vf.add(
        valid,
        "three snapshots: a peg-out requested, then authorized; a federation change",
        {"documents": [doc(state) for state in bridged]},
    )

    invalid = vf.group("invalid")
    bridge_chain_cases(vf, invalid, bridged, doc)

    def relinked(state: L2State, **header: Any) -> L2State:
        fields = {name: getattr(state.header, name) for name, _ in Header.FIELDS}
        fields.update(header)
        return L2State(Header(**fields), **{name: state.records(name) for name in SECTION_NAMES})

    # The anchors commit to the chain id, so they are re-made for the other chain.
    other_chain = dataclasses.replace(
        relinked(second, chain_id="other-chain"),
        anchors=tuple(
            make_anchor(
                chain_id="other-chain",
                sequence=a.sequence,
                timestamp_ms=a.timestamp_ms,
                state_root=a.state_root,
            )
            for a in second.anchors
        ),
    )
    vf.add(
        invalid,
        "other chain id",
        {"documents": [doc(first), doc(other_chain)]},
        code="CHAIN_ID_MISMATCH",
        flags=("Link",),
    )
    vf.add(
        invalid,
        "sequence skips one",
        {"documents": [doc(first), doc(relinked(second, sequence=2))]},
        code="CHAIN_SEQUENCE_GAP",
        flags=("Link",),
    )
    vf.add(
        invalid,
        "files in reverse order",
        {"documents": [doc(second), doc(first)]},
        code="CHAIN_SEQUENCE_GAP",
        flags=("Link",),
    )
    vf.add(
        invalid,
        "prev_state_root is not the predecessor's root",
        {"documents": [doc(first), doc(relinked(second, prev_state_root=h32("elsewhere")))]},
        code="CHAIN_PREV_ROOT_MISMATCH",
        flags=("Link",),
    )
    vf.add(
        invalid,
        "timestamp goes backwards",
        {"documents": [doc(first), doc(relinked(second, timestamp_ms=1_763_999_999_999))]},
        code="CHAIN_TIMESTAMP_REGRESSION",
        flags=("Link",),
    )
    forged = dataclasses.replace(
        second,
        anchors=(
            make_anchor(
                chain_id=examples.CHAIN_ID,
                sequence=0,
                timestamp_ms=first.header.timestamp_ms,
                state_root=h32("a different root"),
            ),
        ),
    )
    vf.add(
        invalid,
        "anchor of sequence 0 with another root",
        {"documents": [doc(first), doc(forged)]},
        code="CHAIN_ANCHOR_ROOT_MISMATCH",
        flags=("Anchor",),
    )
    late_anchor = dataclasses.replace(
        second,
        anchors=(
            make_anchor(
                chain_id=examples.CHAIN_ID,
                sequence=0,
                timestamp_ms=first.header.timestamp_ms + 1,
                state_root=first_root,
            ),
        ),
    )
    vf.add(
        invalid,
        "anchor of sequence 0 with another timestamp",
        {"documents": [doc(first), doc(late_anchor)]},
        code="CHAIN_ANCHOR_TIMESTAMP_MISMATCH",
        flags=("Anchor",),
    )
    # Sequence 2 drops the anchor of sequence 0 and starts its anchors afresh.
    rewritten = dataclasses.replace(
        third,
        anchors=(
            make_anchor(
                chain_id=examples.CHAIN_ID,
                sequence=1,
                timestamp_ms=second.header.timestamp_ms,
                state_root=second_root,
            ),
        ),
    )
    vf.add(
        invalid,
        "anchors are not append-only",
        {"documents": [doc(first), doc(second), doc(rewritten)]},
        code="CHAIN_ANCHORS_REWRITTEN",
        flags=("Anchor",),
    )
    return vf


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else ROOT / "vectors")
    out.mkdir(parents=True, exist_ok=True)
    for name, make in (
        ("cbor_decode.json", cbor_vectors),
        ("section_roots.json", section_vectors),
        ("state_roots.json", state_vectors),
        ("proofs.json", proof_vectors),
        ("snapshots.json", snapshot_vectors),
        ("chains.json", chain_vectors),
    ):
        try:
            make().write(out, name)
        except AileeError as exc:
            raise SystemExit(f"{name}: {exc}") from None
    _examples()  # puts tools/ on the path
    bitcoin = importlib.import_module("generate_bitcoin_vectors")
    for name, vf in bitcoin.bitcoin_vector_files(VectorFile, _chain_states()):
        vf.write(out, name)
    schedule = importlib.import_module("generate_schedule_vectors")
    schedule.schedule_vectors(VectorFile).write(out, "schedule.json")
    schedule.batch_vectors(VectorFile).write(out, "schedule_batch.json")
    fl = importlib.import_module("generate_fl_vectors")
    fl.fl_vectors(VectorFile).write(out, "fl_aggregate.json")
    fl.round_vectors(VectorFile).write(out, "fl_rounds.json")
    telemetry = importlib.import_module("generate_telemetry_vectors")
    telemetry.telemetry_vectors(VectorFile).write(out, "telemetry.json")
    telemetry.reward_vectors(VectorFile).write(out, "telemetry_rewards.json")
    importlib.import_module("generate_privacy_vectors").privacy_vectors(VectorFile).write(
        out, "privacy.json"
    )
    importlib.import_module("generate_breaker_vectors").breaker_vectors(VectorFile).write(
        out, "breakers.json"
    )
    importlib.import_module("generate_policy_vectors").policy_vectors(VectorFile).write(
        out, "policy.json"
    )
    claims = importlib.import_module("generate_claim_vectors")
    claims.claim_vectors(VectorFile).write(out, "claims.json")
    claims.book_vectors(VectorFile).write(out, "claim_books.json")
    importlib.import_module("generate_netflow_vectors").netflow_vectors(VectorFile).write(
        out, "netflow.json"
    )
    importlib.import_module("generate_legacy_vectors").legacy_vectors(VectorFile).write(
        out, "legacy.json"
    )


if __name__ == "__main__":
    main()
