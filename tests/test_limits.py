"""Every documented resource limit (docs/spec.md section 12, docs/assurance.md
"Resource limits"): an input exactly at the limit is accepted or reaches the next
check, and one more is refused with the documented reason code, before the work the
limit bounds is done.

Real limits throughout, except where an input at the limit needs gigabytes of Python
objects: records per section (2**24 records) and the text form of a headers file
(2,000,001 lines of hex). Those two lower the module's constant with monkeypatch; the
code path is the real one, since the check reads the constant when it runs. Byte
limits use ``bytes(n)``, zero pages that cost no memory until read, and a sparse file.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ailee.headerchain
import ailee.snapshot
import ailee.state
from ailee import (
    conditions,
    evidence,
    jsoncodec,
    legacy,
    netflow,
    policy,
    privacy,
    recovery,
    store,
)
from ailee.anchors import MAX_TAPROOT_PATH, verify_taproot_anchor
from ailee.encoding import decode, encode
from ailee.errors import AileeError, ReasonCode
from ailee.fields import AmountField, Form, UIntField, check_id
from ailee.headerchain import parse_headers_file, verify_header_chain
from ailee.limits import (
    MAX_AMOUNT,
    MAX_DOCUMENT_BYTES,
    MAX_HEADERS,
    MAX_ID_BYTES,
    MAX_NESTING_DEPTH,
    MAX_PROOF_PATH,
    MAX_SCRIPT_BYTES,
    MAX_SIGNERS,
    MAX_TX_BYTES,
    MAX_UINT,
)
from ailee.networks import network
from ailee.proofs import proof_from_json, proof_to_json
from ailee.snapshot import read_snapshot
from ailee.state import FederationConfig, L2State, PegOut, read_fields
from ailee.stateroot import L2StateRoot
from ailee.transactions import parse_block, parse_transaction
from ailee.txmerkle import MAX_BLOCK_TRANSACTIONS, MAX_BRANCH_LENGTH, PartialMerkleTree, branch_root
from ailee.wire import MAX_COMPACT_SIZE, ByteReader
from ailee_verify.commands import read_input
from tests.helpers import EXAMPLES

C = ReasonCode


def code(call: Callable[[], object]) -> ReasonCode | None:
    """The reason code ``call`` fails with, or None if it succeeds."""
    try:
        call()
    except AileeError as exc:
        return exc.code
    return None


def example(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return doc


def as_bytes(doc: object) -> bytes:
    return json.dumps(doc).encode()


# --- document size, nesting, JSON integers -------------------------------------------


def test_document_bytes_cbor() -> None:
    assert code(lambda: decode(bytes(MAX_DOCUMENT_BYTES))) is C.CBOR_TRAILING_BYTES
    assert code(lambda: decode(bytes(MAX_DOCUMENT_BYTES + 1))) is C.INPUT_TOO_LARGE


def test_document_bytes_json() -> None:
    assert code(lambda: jsoncodec.loads(bytes(MAX_DOCUMENT_BYTES))) is C.JSON_SYNTAX
    assert code(lambda: jsoncodec.loads(bytes(MAX_DOCUMENT_BYTES + 1))) is C.INPUT_TOO_LARGE


def test_document_bytes_file_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "sparse.cbor"
    with path.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)
    assert code(lambda: read_input(str(path))) is C.INPUT_TOO_LARGE
    os.truncate(path, MAX_DOCUMENT_BYTES)
    assert len(read_input(str(path))) == MAX_DOCUMENT_BYTES


def test_nesting_cbor() -> None:
    at_limit = b"\x81" * (MAX_NESTING_DEPTH - 1) + b"\x80"
    assert code(lambda: decode(at_limit)) is None
    assert code(lambda: decode(b"\x81" + at_limit)) is C.CBOR_TOO_DEEP
    value: list[Any] = []
    for _ in range(MAX_NESTING_DEPTH - 1):
        value = [value]
    assert code(lambda: encode(value)) is None
    assert code(lambda: encode([value])) is C.CBOR_TOO_DEEP


def test_nesting_json() -> None:
    depth = MAX_NESTING_DEPTH
    assert code(lambda: jsoncodec.loads(b"[" * depth + b"]" * depth)) is None
    too_deep = b"[" * (depth + 1) + b"]" * (depth + 1)
    assert code(lambda: jsoncodec.loads(too_deep)) is C.JSON_TOO_DEEP


def test_json_integer_digits() -> None:
    assert jsoncodec.loads(b"9" * 40) == int("9" * 40)
    assert jsoncodec.loads(b"-" + b"9" * 40) == -int("9" * 40)
    assert code(lambda: jsoncodec.loads(b"9" * 41)) is C.INT_OUT_OF_RANGE


# --- records, identifiers, scripts, signers, integers, amounts ------------------------


def test_records_per_section_before_any_record_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2**24 records are gigabytes of Python objects: the limit is lowered to 2.
    monkeypatch.setattr(ailee.snapshot, "MAX_RECORDS_PER_SECTION", 2)
    doc = example("genesis.json")
    assert len(doc["sections"]["accounts"]) == 2
    assert code(lambda: read_snapshot(as_bytes(doc))) is None
    doc["sections"]["accounts"].append({"not": "a record"})  # never read
    assert code(lambda: read_snapshot(as_bytes(doc))) is C.SECTION_TOO_MANY_RECORDS


def test_records_per_section_of_a_state(monkeypatch: pytest.MonkeyPatch) -> None:
    state = read_snapshot((EXAMPLES / "snapshot.json").read_bytes()).state
    assert len(state.accounts) == 3
    monkeypatch.setattr(ailee.state, "MAX_RECORDS_PER_SECTION", 2)
    header = state.header
    assert code(lambda: L2State(header, accounts=state.accounts[:2])) is None
    assert code(lambda: L2State(header, accounts=state.accounts)) is C.SECTION_TOO_MANY_RECORDS


def test_identifier_bytes() -> None:
    assert check_id("a" * MAX_ID_BYTES, "id")
    assert check_id("é" * (MAX_ID_BYTES // 2), "id")  # 64 bytes of UTF-8
    assert code(lambda: check_id("a" * (MAX_ID_BYTES + 1), "id")) is C.ID_TOO_LONG
    assert code(lambda: check_id("é" * (MAX_ID_BYTES // 2) + "a", "id")) is C.ID_TOO_LONG


def test_script_bytes() -> None:
    pegout = example("snapshot.json")["sections"]["pegouts"][0]

    def read(size: int) -> object:
        return read_fields(PegOut, {**pegout, "btc_destination": "51" * size}, Form.JSON, "p")

    assert code(lambda: read(MAX_SCRIPT_BYTES)) is None
    assert code(lambda: read(MAX_SCRIPT_BYTES + 1)) is C.BYTES_WRONG_LENGTH


def test_signers_before_any_signer_is_read() -> None:
    federation = example("genesis.json")["sections"]["federation"][0]

    def read(count: int) -> object:
        return read_fields(
            FederationConfig, {**federation, "signers": ["zz"] * count}, Form.JSON, "f"
        )

    assert code(lambda: read(MAX_SIGNERS)) is C.HEX_INVALID  # reaches the signers
    assert code(lambda: read(MAX_SIGNERS + 1)) is C.INT_OUT_OF_RANGE


def test_unsigned_integers_and_amounts() -> None:
    assert UIntField().read(MAX_UINT, Form.JSON, "n") == MAX_UINT
    assert code(lambda: UIntField().read(MAX_UINT + 1, Form.JSON, "n")) is C.INT_OUT_OF_RANGE
    assert AmountField().read(MAX_AMOUNT, Form.JSON, "a") == MAX_AMOUNT
    assert code(lambda: AmountField().read(MAX_AMOUNT + 1, Form.JSON, "a")) is (
        C.AMOUNT_OUT_OF_RANGE
    )


def test_proof_path_before_any_step_is_read() -> None:
    snapshot = read_snapshot((EXAMPLES / "snapshot.json").read_bytes())
    proof = proof_to_json(L2StateRoot.compute(snapshot.state).prove("accounts", b"bob"))

    def read(steps: int) -> object:
        doc = copy.deepcopy(proof)
        doc["leaf"]["path"] = ["not a step"] * steps
        return proof_from_json(doc)

    assert code(lambda: read(MAX_PROOF_PATH)) is C.SCHEMA_WRONG_TYPE  # reaches the steps
    assert code(lambda: read(MAX_PROOF_PATH + 1)) is C.PROOF_PATH_LENGTH


# --- Bitcoin structures ----------------------------------------------------------------


def test_headers_per_chain() -> None:
    params = network("mainnet")
    at_limit = bytes(80 * MAX_HEADERS)  # zero pages: only the first header is read
    assert code(lambda: verify_header_chain(at_limit, params)) not in (None, C.INPUT_TOO_LARGE)
    too_many = bytes(80 * (MAX_HEADERS + 1))
    assert code(lambda: verify_header_chain(too_many, params)) is C.INPUT_TOO_LARGE


def test_headers_per_file_raw() -> None:
    assert len(parse_headers_file(bytes(80 * MAX_HEADERS))) == 80 * MAX_HEADERS
    assert code(lambda: parse_headers_file(bytes(80 * (MAX_HEADERS + 1)))) is C.INPUT_TOO_LARGE


def test_headers_per_file_text_before_the_next_line_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2,000,001 lines of hex are 322 MB of real text: the limit is lowered to 3.
    monkeypatch.setattr(ailee.headerchain, "MAX_HEADERS", 3)
    line = "00" * 80 + "\n"
    assert len(parse_headers_file((line * 3).encode())) == 240
    assert code(lambda: parse_headers_file((line * 3 + "0\n").encode())) is C.INPUT_TOO_LARGE


def test_transaction_and_block_bytes() -> None:
    assert code(lambda: parse_transaction(bytes(MAX_TX_BYTES))) is C.TX_MALFORMED
    assert code(lambda: parse_transaction(bytes(MAX_TX_BYTES + 1))) is C.INPUT_TOO_LARGE
    assert code(lambda: parse_block(bytes(MAX_TX_BYTES))) is not C.INPUT_TOO_LARGE
    assert code(lambda: parse_block(bytes(MAX_TX_BYTES + 1))) is C.INPUT_TOO_LARGE


def test_compact_size() -> None:
    def read(value: int) -> int:
        return ByteReader(b"\xfe" + value.to_bytes(4, "little"), "x").read_compact_size()

    assert read(MAX_COMPACT_SIZE) == MAX_COMPACT_SIZE
    assert code(lambda: read(MAX_COMPACT_SIZE + 1)) is C.BTC_SIZE_TOO_LARGE


def test_partial_merkle_tree_transactions() -> None:
    def extract(count: int) -> object:
        return PartialMerkleTree(count, (bytes(32),), b"\x00").extract_matches()

    assert MAX_BLOCK_TRANSACTIONS == 16_666
    assert code(lambda: extract(MAX_BLOCK_TRANSACTIONS)) is not C.PMT_TOO_MANY_TRANSACTIONS
    assert code(lambda: extract(MAX_BLOCK_TRANSACTIONS + 1)) is C.PMT_TOO_MANY_TRANSACTIONS


def test_merkle_branch() -> None:
    assert MAX_BRANCH_LENGTH == 15
    assert len(branch_root(bytes(32), 0, [b"\x01" * 32] * MAX_BRANCH_LENGTH)) == 32
    too_long = [b"\x01" * 32] * (MAX_BRANCH_LENGTH + 1)
    assert code(lambda: branch_root(bytes(32), 0, too_long)) is C.MERKLE_BRANCH_TOO_LONG


def test_taproot_path() -> None:
    script = bytes((0x51, 32)) + bytes(32)

    def check(length: int) -> object:
        return verify_taproot_anchor(script, bytes(32), bytes(32), [bytes(32)] * length)

    assert code(lambda: check(MAX_TAPROOT_PATH)) is not C.TAPROOT_PATH_TOO_LONG
    assert code(lambda: check(MAX_TAPROOT_PATH + 1)) is C.TAPROOT_PATH_TOO_LONG


def test_evidence_header_chains_and_items() -> None:
    doc = example("evidence.json")

    def read(**changes: object) -> object:
        return evidence.evidence_from_json(as_bytes({**doc, **changes}))

    chains = evidence.MAX_HEADER_CHAINS
    assert code(lambda: read(header_chains=[None] * chains)) is C.SCHEMA_WRONG_TYPE
    assert code(lambda: read(header_chains=[None] * (chains + 1))) is C.INPUT_TOO_LARGE
    items = evidence.MAX_EVIDENCE_ITEMS
    assert code(lambda: read(anchors=[None] * items)) is C.SCHEMA_WRONG_TYPE
    assert code(lambda: read(anchors=[None] * (items + 1))) is C.INPUT_TOO_LARGE
    assert code(lambda: read(pegins=[None] * items)) is C.SCHEMA_WRONG_TYPE
    assert code(lambda: read(pegins=[None] * (items + 1))) is C.INPUT_TOO_LARGE
    anchor = doc["anchors"][0]
    taproot = {"internal_key": "00" * 32, "path": ["00" * 32] * MAX_TAPROOT_PATH}
    at_limit = {**anchor, "taproot": taproot}
    assert code(lambda: read(anchors=[at_limit])) is not C.TAPROOT_PATH_TOO_LONG
    over = {**anchor, "taproot": {**taproot, "path": ["00" * 32] * (MAX_TAPROOT_PATH + 1)}}
    assert code(lambda: read(anchors=[over])) is C.TAPROOT_PATH_TOO_LONG


# --- the newer modules (limits not already tested at both sides elsewhere) -------------


@pytest.mark.parametrize(
    ("reader", "limit"),
    [
        (netflow.relays_from_json, netflow.MAX_RELAYS),
        (netflow.tunnels_from_json, netflow.MAX_TUNNELS),
        (netflow.receipts_from_json, netflow.MAX_RECEIPTS),
        (netflow.statuses_from_json, netflow.MAX_STATUSES),
    ],
)
def test_netflow_lists_at_their_real_limits(reader: Callable[[Any], object], limit: int) -> None:
    assert code(lambda: reader([None] * limit)) is C.SCHEMA_WRONG_TYPE  # reaches item 0
    assert code(lambda: reader([None] * (limit + 1))) is C.INPUT_TOO_LARGE


def test_condition_identifier_and_number_digits() -> None:
    name = "a" * conditions.MAX_IDENTIFIER_CHARS
    assert conditions.parse_condition(f"{name} < 1")
    assert code(lambda: conditions.parse_condition(f"{name}a < 1")) is C.POLICY_EXPRESSION
    digits = "9" * conditions.MAX_NUMBER_DIGITS
    assert conditions.parse_condition(f"a < {digits}")
    assert code(lambda: conditions.parse_condition(f"a < {digits}9")) is C.POLICY_EXPRESSION


def test_condition_characters() -> None:
    at_limit = "a < " + " " * (conditions.MAX_CONDITION_CHARS - 5) + "1"
    assert len(at_limit) == conditions.MAX_CONDITION_CHARS
    assert conditions.parse_condition(at_limit)
    assert code(lambda: conditions.parse_condition(at_limit + " ")) is C.POLICY_EXPRESSION


def test_privacy_order_and_orders() -> None:
    # An integer order's binomial sum has alpha + 1 terms: the order bounds the work.
    assert privacy.rdp_subsampled_gaussian(0.01, 1.1, privacy.MAX_ORDER) > 0
    at_limit = privacy.Accountant((2.0, privacy.MAX_ORDER)).compose(0.01, 1.1, 1)
    assert at_limit.rdp[1] > at_limit.rdp[0] > 0
    over = privacy.MAX_ORDER + 1
    assert code(lambda: privacy.rdp_subsampled_gaussian(0.01, 1.1, over)) is C.DP_PARAMETER_INVALID
    assert code(lambda: privacy.Accountant((2.0, over))) is C.DP_PARAMETER_INVALID
    many = tuple(2 + k / 4 for k in range(privacy.MAX_ORDERS))
    assert len(privacy.Accountant(many).rdp) == privacy.MAX_ORDERS
    assert code(lambda: privacy.Accountant((*many, 1000.0))) is C.DP_PARAMETER_INVALID


def test_policy_bytes() -> None:
    at_limit = b"#" * policy.MAX_POLICY_BYTES
    assert policy.parse_policy(at_limit, "toml") == policy.Policy()
    assert code(lambda: policy.parse_policy(at_limit + b"#", "toml")) is C.INPUT_TOO_LARGE


def test_legacy_file_and_line_bytes() -> None:
    size = legacy.MAX_LEGACY_FILE_BYTES
    assert code(lambda: legacy.parse_legacy(bytes(size))) is C.LEGACY_LINE_TOO_LONG
    assert code(lambda: legacy.parse_legacy(bytes(size + 1))) is C.INPUT_TOO_LARGE
    line = legacy.MAX_LEGACY_LINE_BYTES
    assert code(lambda: legacy.parse_legacy(b"x" * line + b"\n")) is not C.LEGACY_LINE_TOO_LONG
    assert code(lambda: legacy.parse_legacy(b"x" * (line + 1) + b"\n")) is (C.LEGACY_LINE_TOO_LONG)


def test_store_record_bytes() -> None:
    at_limit = bytes(store.MAX_RECORD_BYTES)
    assert len(store.encode_record(at_limit)) > store.MAX_RECORD_BYTES
    too_large = bytes(store.MAX_RECORD_BYTES + 1)
    assert code(lambda: store.encode_record(too_large)) is C.STORE_RECORD_TOO_LARGE


def test_claim_validators_and_events() -> None:
    doc = example("claim.json")

    def read(**changes: object) -> object:
        changed = copy.deepcopy(doc)
        for key, value in changes.items():
            if key == "validators":
                changed["claim"]["recovery"]["validators"] = value
            else:
                changed[key] = value
        return recovery.claim_document_from_json(as_bytes(changed))

    assert code(read) is None
    validators = recovery.MAX_VALIDATORS
    assert code(lambda: read(validators=["zz"] * validators)) is C.HEX_INVALID
    assert code(lambda: read(validators=["zz"] * (validators + 1))) is C.INPUT_TOO_LARGE
    events = recovery.MAX_CLAIM_EVENTS
    assert code(lambda: read(events=[None] * events)) is C.SCHEMA_WRONG_TYPE
    assert code(lambda: read(events=[None] * (events + 1))) is C.INPUT_TOO_LARGE


def test_telemetry_batch_samples() -> None:
    from ailee.telemetry import MAX_BATCH_SAMPLES, batches_from_object

    def read(samples: int) -> object:
        batch = {"record": "r", "key": "00" * 32, "previous": "00" * 32}
        doc = {"batches": [{**batch, "samples": [None] * samples}]}
        return batches_from_object(doc, "t", cbor=False)

    assert code(lambda: read(MAX_BATCH_SAMPLES)) not in (None, C.INT_OUT_OF_RANGE)
    assert code(lambda: read(MAX_BATCH_SAMPLES + 1)) is C.INT_OUT_OF_RANGE
