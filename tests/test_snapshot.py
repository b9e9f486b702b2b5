"""Snapshot documents: JSON and CBOR forms, lossless conversion, strict reading."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.encoding import decode, encode
from ailee.errors import DecodeError, ReasonCode
from ailee.fields import Form
from ailee.snapshot import (
    Snapshot,
    read_snapshot,
    snapshot_from_cbor,
    snapshot_from_json,
    snapshot_to_cbor,
    snapshot_to_json,
    snapshot_to_object,
)
from ailee.state import L2State
from tests.helpers import EXAMPLES
from tests.strategies import states

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "snapshot.json"


def _example() -> Snapshot:
    return snapshot_from_json(EXAMPLE.read_bytes())


@settings(max_examples=50)
@given(states())
def test_json_cbor_json_round_trip(state: L2State) -> None:
    snapshot = Snapshot.of(state)
    text = snapshot_to_json(snapshot)
    cbor = snapshot_to_cbor(snapshot)
    from_json = snapshot_from_json(text.encode())
    from_cbor = snapshot_from_cbor(cbor)
    assert from_json == from_cbor == snapshot
    assert snapshot_to_json(from_cbor) == text
    assert snapshot_to_cbor(from_json) == cbor
    assert encode(decode(cbor)) == cbor
    assert read_snapshot(cbor) == read_snapshot(text.encode()) == snapshot


def test_example_file_is_canonical_json() -> None:
    assert snapshot_to_json(_example()) == EXAMPLE.read_text()


@given(st.randoms(use_true_random=False))
def test_json_record_order_does_not_matter(rng: object) -> None:
    doc = json.loads(EXAMPLE.read_text())
    for items in doc["sections"].values():
        rng.shuffle(items)  # type: ignore[attr-defined]
    assert snapshot_from_json(json.dumps(doc).encode()) == _example()


def test_sniffing() -> None:
    snapshot = _example()
    assert read_snapshot(b"\n  " + EXAMPLE.read_bytes()) == snapshot
    assert read_snapshot(snapshot_to_cbor(snapshot)) == snapshot
    for data, code in (
        (b"", ReasonCode.JSON_SYNTAX),
        (b"[]", ReasonCode.SCHEMA_WRONG_TYPE),
        (b"\xa0", ReasonCode.SCHEMA_MISSING_FIELD),
        (b"\xbf", ReasonCode.CBOR_INDEFINITE_LENGTH),
        (b"\x84", ReasonCode.JSON_INVALID_UTF8),
    ):
        with pytest.raises(DecodeError) as info:
            read_snapshot(data)
        assert info.value.code is code, data


def _mutated(change: object) -> bytes:
    doc = json.loads(EXAMPLE.read_text())
    change(doc)  # type: ignore[operator]
    return json.dumps(doc).encode()


SCHEMA_CASES = [
    (lambda d: d.pop("header"), ReasonCode.SCHEMA_MISSING_FIELD),
    (lambda d: d.update(extra=1), ReasonCode.SCHEMA_UNKNOWN_FIELD),
    (lambda d: d["header"].pop("timestamp_ms"), ReasonCode.SCHEMA_MISSING_FIELD),
    (lambda d: d["header"].update(extra=1), ReasonCode.SCHEMA_UNKNOWN_FIELD),
    (lambda d: d["sections"].pop("telemetry"), ReasonCode.SCHEMA_MISSING_FIELD),
    (lambda d: d["sections"].update(extra=[]), ReasonCode.SCHEMA_UNKNOWN_FIELD),
    (lambda d: d["sections"]["accounts"][0].pop("nonce"), ReasonCode.SCHEMA_MISSING_FIELD),
    (lambda d: d["sections"]["accounts"][0].update(x=1), ReasonCode.SCHEMA_UNKNOWN_FIELD),
    (lambda d: d["header"].update(sequence="1"), ReasonCode.SCHEMA_WRONG_TYPE),
    (lambda d: d["header"].update(chain_id=1), ReasonCode.SCHEMA_WRONG_TYPE),
    (lambda d: d["sections"].update(accounts={}), ReasonCode.SCHEMA_WRONG_TYPE),
    (lambda d: d.update(format="ailee-proof"), ReasonCode.SCHEMA_BAD_FORMAT),
    (lambda d: d.update(format=2), ReasonCode.SCHEMA_WRONG_TYPE),
    (lambda d: d["header"].update(version=3), ReasonCode.SCHEMA_UNSUPPORTED_VERSION),
    (lambda d: d["header"].update(version=3, extra=1), ReasonCode.SCHEMA_UNSUPPORTED_VERSION),
    (lambda d: d.update(state_root=d["state_root"].upper()), ReasonCode.HEX_INVALID),
    (lambda d: d.update(state_root=d["state_root"][2:]), ReasonCode.BYTES_WRONG_LENGTH),
    (
        lambda d: d["sections"]["accounts"].append(d["sections"]["accounts"][0]),
        ReasonCode.SECTION_DUPLICATE_KEY,
    ),
]


@pytest.mark.parametrize(("change", "code"), SCHEMA_CASES)
def test_schema_rejections_in_both_forms(change: object, code: ReasonCode) -> None:
    with pytest.raises(DecodeError) as info:
        snapshot_from_json(_mutated(change))
    assert info.value.code is code
    if code in (ReasonCode.HEX_INVALID, ReasonCode.SCHEMA_WRONG_TYPE):
        return  # these concern JSON's text representation of bytes or the JSON types
    obj = snapshot_to_object(_example(), Form.CBOR)
    change(obj)  # type: ignore[operator]
    with pytest.raises(DecodeError) as info:
        snapshot_from_cbor(encode(obj))
    assert info.value.code is code


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ('"balance": 45000000', '"balance": 45000000.0', ReasonCode.JSON_FLOAT),
        ('"balance": 45000000', '"balance": 1e3', ReasonCode.JSON_FLOAT),
        ('"balance": 45000000', '"balance": NaN', ReasonCode.JSON_NON_FINITE),
        ('"id": "bob",', '"id": "bob", "id": "bob",', ReasonCode.JSON_DUPLICATE_KEY),
        ('"balance": 45000000', '"balance": "45000000"', ReasonCode.SCHEMA_WRONG_TYPE),
        ('"id": "bob"', '"id": 7', ReasonCode.SCHEMA_WRONG_TYPE),
    ],
)
def test_json_rejections(old: str, new: str, code: ReasonCode) -> None:
    text = EXAMPLE.read_text()
    assert old in text
    with pytest.raises(DecodeError) as info:
        snapshot_from_json(text.replace(old, new, 1).encode())
    assert info.value.code is code


def test_cbor_form_must_be_sorted() -> None:
    obj = snapshot_to_object(_example(), Form.CBOR)
    obj["sections"]["accounts"].reverse()
    with pytest.raises(DecodeError) as info:
        snapshot_from_cbor(encode(obj))
    assert info.value.code is ReasonCode.SECTION_UNSORTED


@settings(max_examples=300)
@given(st.data())
def test_mutated_json_raises_only_decode_error(data: st.DataObject) -> None:
    raw = bytearray(EXAMPLE.read_bytes())
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if action == "flip":
            raw[position] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del raw[position]
        else:
            raw.insert(position, data.draw(st.sampled_from(b'{}[],:"0aA\\.-e ')))
    try:
        snapshot = snapshot_from_json(bytes(raw))
    except DecodeError:
        return
    assert snapshot_from_json(snapshot_to_json(snapshot).encode()) == snapshot


@settings(max_examples=300)
@given(st.data())
def test_mutated_cbor_raises_only_decode_error(data: st.DataObject) -> None:
    raw = bytearray(snapshot_to_cbor(_example()))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] = data.draw(st.integers(0, 255))
    try:
        snapshot = snapshot_from_cbor(bytes(raw))
    except DecodeError:
        return
    assert snapshot_to_cbor(snapshot) == bytes(raw)


@settings(max_examples=200)
@given(st.binary(max_size=100))
def test_arbitrary_bytes_raise_only_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        read_snapshot(data)


def test_schedule_attachment_round_trips_in_both_forms() -> None:
    from ailee.snapshot import read_snapshot, snapshot_to_cbor, snapshot_to_json

    text = (EXAMPLES / "snapshot.json").read_bytes()
    snapshot = read_snapshot(text)
    assert snapshot.schedule is not None
    assert snapshot.schedule.decisions[0].record.worker == "worker-eu-1"
    assert snapshot.fl_rounds is not None
    assert snapshot.telemetry_batches is not None
    assert [u.client_id for u in snapshot.fl_rounds.rounds[0].updates or ()] == [
        "client-a", "client-b", "client-c",
    ]  # fmt: skip
    assert len(snapshot.telemetry_batches.batches[0].samples) == 3
    cbor = snapshot_to_cbor(snapshot)
    again = read_snapshot(cbor)
    assert again == snapshot
    assert snapshot_to_json(again).encode() == text
    assert snapshot_to_cbor(again) == cbor


def _example_cbor_doc() -> dict[str, Any]:
    example = read_snapshot((EXAMPLES / "snapshot.json").read_bytes())
    return decode(snapshot_to_cbor(example))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        # CBOR form: byte strings where the JSON form has hex.
        (lambda d: d["fl_rounds"]["rounds"][0]["updates"][0]["tensors"][0].update(data="00"),
         ReasonCode.SCHEMA_WRONG_TYPE),
        (lambda d: d["fl_rounds"]["rounds"][0]["record"].update(output="00" * 32),
         ReasonCode.SCHEMA_WRONG_TYPE),
        (lambda d: d["fl_rounds"]["rounds"][0]["record"].update(output=bytes(31)),
         ReasonCode.BYTES_WRONG_LENGTH),
        (lambda d: d["telemetry_batches"]["batches"][0]["samples"][0].update(signature="00"),
         ReasonCode.SCHEMA_WRONG_TYPE),
        (lambda d: d["telemetry_batches"]["batches"][0].update(key="00" * 32),
         ReasonCode.SCHEMA_WRONG_TYPE),
        # Both forms: one order, each item once.
        (lambda d: d["fl_rounds"]["rounds"].append(d["fl_rounds"]["rounds"][0]),
         ReasonCode.LIST_NOT_SORTED_UNIQUE),
        (lambda d: d["telemetry_batches"]["batches"].append(d["telemetry_batches"]["batches"][0]),
         ReasonCode.LIST_NOT_SORTED_UNIQUE),
        (lambda d: d["fl_rounds"]["rounds"][0].update(updates={}), ReasonCode.SCHEMA_WRONG_TYPE),
        (lambda d: d["fl_rounds"]["rounds"][0].update(task=7), ReasonCode.SCHEMA_WRONG_TYPE),
        (lambda d: d["fl_rounds"].update(rounds={}), ReasonCode.SCHEMA_WRONG_TYPE),
        (lambda d: d["telemetry_batches"].pop("batches"), ReasonCode.SCHEMA_MISSING_FIELD),
    ],
)  # fmt: skip
def test_attachments_are_read_strictly_in_cbor_form(
    change: Callable[[dict[str, Any]], None], code: ReasonCode
) -> None:
    doc = _example_cbor_doc()
    change(doc)
    with pytest.raises(DecodeError) as info:
        read_snapshot(encode(doc))
    assert info.value.code is code
