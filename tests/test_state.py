"""Field kinds, identifiers, records valid by construction, keys, canonical order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailee.encoding import encode
from ailee.errors import DecodeError, ReasonCode
from ailee.fields import Form, check_id
from ailee.limits import MAX_AMOUNT, MAX_UINT
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
    Task,
    parse_key,
    read_fields,
    write_fields,
)
from ailee.stateroot import leaf_bytes
from tests.strategies import accounts, records, section_lists

HEADER = Header(2, "test", 0, ZERO_ROOT, 0)


def code_of(call: object, *args: object) -> ReasonCode:
    with pytest.raises(DecodeError) as info:
        call(*args)  # type: ignore[operator]
    return info.value.code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", ReasonCode.ID_EMPTY),
        ("x" * 65, ReasonCode.ID_TOO_LONG),
        ("é" * 33, ReasonCode.ID_TOO_LONG),
        ("e\u0301", ReasonCode.ID_NOT_NFC),
        ("\u212b", ReasonCode.ID_NOT_NFC),
        ("a\nb", ReasonCode.ID_FORBIDDEN_CHAR),
        ("a\x00", ReasonCode.ID_FORBIDDEN_CHAR),
        ("a\u202eb", ReasonCode.ID_FORBIDDEN_CHAR),
        ("a\u200db", ReasonCode.ID_FORBIDDEN_CHAR),
        ("a\ue000", ReasonCode.ID_FORBIDDEN_CHAR),
        ("a\U0001f600", ReasonCode.ID_FORBIDDEN_CHAR),
        ("a\u2028", ReasonCode.ID_FORBIDDEN_CHAR),
        ("\ufeffa", ReasonCode.ID_FORBIDDEN_CHAR),
    ],
)
def test_bad_ids(text: str, code: ReasonCode) -> None:
    assert code_of(check_id, text, "id") is code


@pytest.mark.parametrize("text", ["a", "x" * 64, "é" * 32, "Zoë", "東京", "a b", "a-b_c.d"])
def test_good_ids(text: str) -> None:
    assert check_id(text, "id") == text


def test_amount_and_uint_bounds() -> None:
    assert Account("a", MAX_AMOUNT, MAX_UINT).balance == MAX_AMOUNT
    assert code_of(Account, "a", MAX_AMOUNT + 1, 0) is ReasonCode.AMOUNT_OUT_OF_RANGE
    assert code_of(Account, "a", -1, 0) is ReasonCode.AMOUNT_OUT_OF_RANGE
    assert code_of(Account, "a", 0, MAX_UINT + 1) is ReasonCode.INT_OUT_OF_RANGE
    assert code_of(Account, "a", True, 0) is ReasonCode.SCHEMA_WRONG_TYPE
    assert code_of(Account, "a", 1.0, 0) is ReasonCode.SCHEMA_WRONG_TYPE
    assert code_of(Account, b"a", 1, 0) is ReasonCode.SCHEMA_WRONG_TYPE


def test_bytes_enum_optional_and_lists() -> None:
    txid = bytes(32)
    assert PegIn(txid, 2**32 - 1, 1, "a", "minted").vout == 2**32 - 1
    assert code_of(PegIn, txid, 2**32, 1, "a", "minted") is ReasonCode.INT_OUT_OF_RANGE
    assert code_of(PegIn, bytes(31), 0, 1, "a", "minted") is ReasonCode.BYTES_WRONG_LENGTH
    assert code_of(PegIn, txid, 0, 1, "a", "done") is ReasonCode.ENUM_UNKNOWN_VALUE
    assert code_of(PegIn, txid.hex(), 0, 1, "a", "minted") is ReasonCode.SCHEMA_WRONG_TYPE
    assert PegOut("p", "a", b"\x51", 1, 0, "requested", None).anchor_ref is None
    too_long = b"\x00" * 10_001
    assert code_of(PegOut, "p", "a", too_long, 1, 0, "requested", None) is (
        ReasonCode.BYTES_WRONG_LENGTH
    )
    assert code_of(Task, "t", "x", 256, "s", txid, None) is ReasonCode.INT_OUT_OF_RANGE
    keys = (bytes([1]) * 32, bytes([2]) * 32)
    assert FederationConfig(0, 2, keys).signers == keys
    assert FederationConfig(0, 1, list(keys)).signers == keys  # type: ignore[arg-type]
    assert code_of(FederationConfig, 0, 3, keys) is ReasonCode.FEDERATION_THRESHOLD_INVALID
    assert code_of(FederationConfig, 0, 0, keys) is ReasonCode.INT_OUT_OF_RANGE
    assert code_of(FederationConfig, 0, 1, keys[::-1]) is ReasonCode.LIST_NOT_SORTED_UNIQUE
    assert code_of(FederationConfig, 0, 1, (keys[0], keys[0])) is (
        ReasonCode.LIST_NOT_SORTED_UNIQUE
    )
    assert code_of(FederationConfig, 0, 1, ()) is ReasonCode.INT_OUT_OF_RANGE


def test_header_version() -> None:
    assert code_of(Header, 3, "c", 0, ZERO_ROOT, 0) is ReasonCode.SCHEMA_UNSUPPORTED_VERSION


def test_read_fields_json_form() -> None:
    doc = {"id": "a", "balance": 5, "nonce": 1}
    assert read_fields(Account, doc, Form.JSON, "x") == Account("a", 5, 1)
    assert code_of(read_fields, Account, {"id": "a", "balance": 5}, Form.JSON, "x") is (
        ReasonCode.SCHEMA_MISSING_FIELD
    )
    assert code_of(read_fields, Account, {**doc, "z": 1}, Form.JSON, "x") is (
        ReasonCode.SCHEMA_UNKNOWN_FIELD
    )
    assert code_of(read_fields, Account, [], Form.JSON, "x") is ReasonCode.SCHEMA_WRONG_TYPE
    pegin = {
        "btc_txid": "AB" * 32,
        "vout": 0,
        "amount": 1,
        "l2_destination": "a",
        "status": "pending",
        "fee": 0,
        "epoch": 0,
    }
    assert code_of(read_fields, PegIn, pegin, Form.JSON, "x") is ReasonCode.HEX_INVALID
    assert code_of(read_fields, PegIn, pegin | {"btc_txid": "0g" * 32}, Form.JSON, "x") is (
        ReasonCode.HEX_INVALID
    )
    assert code_of(read_fields, PegIn, pegin | {"btc_txid": b"x" * 32}, Form.JSON, "x") is (
        ReasonCode.SCHEMA_WRONG_TYPE
    )


@pytest.mark.parametrize("section", SECTION_NAMES)
@given(data=st.data())
def test_records_round_trip_both_forms(section: str, data: st.DataObject) -> None:
    record = data.draw(records(section))
    cls = type(record)
    for form in (Form.JSON, Form.CBOR):
        assert read_fields(cls, write_fields(record, form), form, "r") == record


@pytest.mark.parametrize("section", SECTION_NAMES)
@given(data=st.data())
def test_state_is_independent_of_input_order(section: str, data: st.DataObject) -> None:
    items = data.draw(section_lists(section))
    shuffled = data.draw(st.permutations(items))
    first = L2State(HEADER, **{section: items})
    second = L2State(HEADER, **{section: tuple(shuffled)})
    assert first == second
    keys = [record.key() for record in first.records(section)]
    assert keys == sorted(keys)
    for record in items:
        assert first.find(section, record.key()) == record


def test_duplicates_and_sortedness() -> None:
    a1, a2 = Account("a", 1, 0), Account("a", 2, 0)
    assert code_of(L2State, HEADER, (a1, a2)) is ReasonCode.SECTION_DUPLICATE_KEY
    b = Account("b", 1, 0)
    assert L2State.from_sorted(HEADER, {"accounts": (a1, b)}).accounts == (a1, b)
    assert code_of(L2State.from_sorted, HEADER, {"accounts": (b, a1)}) is (
        ReasonCode.SECTION_UNSORTED
    )
    assert code_of(
        L2State, HEADER, (Anchor(0, 0, ZERO_ROOT, ZERO_ROOT, ZERO_ROOT, ZERO_ROOT),)
    ) is (ReasonCode.SCHEMA_WRONG_TYPE)
    assert L2State(HEADER).find("accounts", b"zz") is None


def test_too_many_records(monkeypatch: pytest.MonkeyPatch) -> None:
    import ailee.state

    monkeypatch.setattr(ailee.state, "MAX_RECORDS_PER_SECTION", 3)
    three = tuple(Account(f"a{i}", 1, 0) for i in range(3))
    assert len(L2State(HEADER, accounts=three).accounts) == 3
    four = (*three, Account("a9", 1, 0))
    assert code_of(L2State, HEADER, four) is ReasonCode.SECTION_TOO_MANY_RECORDS


def test_order_is_utf8_bytes_not_utf16_units() -> None:
    # UTF-16 (how JavaScript compares strings) puts U+10300 (assigned since Unicode 3.1)
    # before U+FF5E; UTF-8 bytes, the rule here, put it after.
    state = L2State(HEADER, accounts=(Account("\U00010300", 1, 0), Account("\uff5e", 1, 0)))
    assert [a.id for a in state.accounts] == ["\uff5e", "\U00010300"]


@pytest.mark.parametrize(
    ("section", "text", "key"),
    [
        ("accounts", "alice", b"alice"),
        ("pegins", "00" * 32 + ":7", bytes(32) + b"\x00\x00\x00\x07"),
        ("anchors", "0", bytes(8)),
        ("federation", "258", (258).to_bytes(8, "big")),
        ("tasks", "Zoë", "Zoë".encode()),
    ],
)
def test_parse_key(section: str, text: str, key: bytes) -> None:
    assert parse_key(section, text) == key


@pytest.mark.parametrize(
    ("section", "text", "code"),
    [
        ("anchors", "01", ReasonCode.KEY_INVALID),
        ("anchors", "-1", ReasonCode.KEY_INVALID),
        ("anchors", "x", ReasonCode.KEY_INVALID),
        ("anchors", "٣", ReasonCode.KEY_INVALID),
        ("federation", str(2**53), ReasonCode.INT_OUT_OF_RANGE),
        ("pegins", "00" * 32, ReasonCode.KEY_INVALID),
        ("pegins", "00" * 31 + ":0", ReasonCode.BYTES_WRONG_LENGTH),
        ("pegins", "zz" * 32 + ":0", ReasonCode.HEX_INVALID),
        ("pegins", "00" * 32 + ":4294967296", ReasonCode.INT_OUT_OF_RANGE),
        ("accounts", "", ReasonCode.ID_EMPTY),
        ("balances", "a", ReasonCode.SECTION_UNKNOWN),
    ],
)
def test_parse_key_errors(section: str, text: str, code: ReasonCode) -> None:
    assert code_of(parse_key, section, text) is code


@given(accounts())
def test_account_fast_path_matches_generic_encoder(account: Account) -> None:
    assert leaf_bytes(account) == encode(write_fields(account, Form.CBOR))


@pytest.mark.parametrize("id_length", [1, 23, 24, 64])
@pytest.mark.parametrize("value", [0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, MAX_AMOUNT])
def test_account_fast_path_at_head_boundaries(id_length: int, value: int) -> None:
    account = Account("k" * id_length, value, min(value, MAX_UINT))
    assert leaf_bytes(account) == encode(write_fields(account, Form.CBOR))
