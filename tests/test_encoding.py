"""Deterministic CBOR: known answers, every rejection code, round trips, robustness."""

from __future__ import annotations

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.encoding import decode, encode
from ailee.errors import DecodeError, ReasonCode
from ailee.limits import MAX_NESTING_DEPTH
from tests.strategies import cbor_values

# RFC 8949 Appendix A examples that fall inside ailee's value model.
RFC_8949_APPENDIX_A = [
    (0, "00"),
    (1, "01"),
    (10, "0a"),
    (23, "17"),
    (24, "1818"),
    (25, "1819"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (False, "f4"),
    (True, "f5"),
    (None, "f6"),
    (b"", "40"),
    (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ('"\\', "62225c"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    ("\U00010151", "64f0908591"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    (
        {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
        "a56161614161626142616361436164614461656145",
    ),
]


@pytest.mark.parametrize(("value", "hex_bytes"), RFC_8949_APPENDIX_A)
def test_rfc8949_appendix_a(value: object, hex_bytes: str) -> None:
    assert encode(value) == bytes.fromhex(hex_bytes)  # type: ignore[arg-type]
    assert decode(bytes.fromhex(hex_bytes)) == value


REJECTIONS = [
    ("", ReasonCode.CBOR_TRUNCATED),
    ("1a0000", ReasonCode.CBOR_TRUNCATED),
    ("62aa", ReasonCode.CBOR_TRUNCATED),
    ("9a00010000", ReasonCode.CBOR_TRUNCATED),
    ("1801", ReasonCode.CBOR_NON_SHORTEST_INT),
    ("390001", ReasonCode.CBOR_NON_SHORTEST_INT),
    ("1a0000ffff", ReasonCode.CBOR_NON_SHORTEST_INT),
    ("5800", ReasonCode.CBOR_NON_SHORTEST_LENGTH),
    ("9900 00".replace(" ", ""), ReasonCode.CBOR_NON_SHORTEST_LENGTH),
    ("5f40ff", ReasonCode.CBOR_INDEFINITE_LENGTH),
    ("9fff", ReasonCode.CBOR_INDEFINITE_LENGTH),
    ("ff", ReasonCode.CBOR_INDEFINITE_LENGTH),
    ("1d", ReasonCode.CBOR_RESERVED_INFO),
    ("3f", ReasonCode.CBOR_RESERVED_INFO),
    ("fc", ReasonCode.CBOR_RESERVED_INFO),
    # Each end of the reserved range 28-30, in a head and in major 7 (mutation testing).
    ("1c", ReasonCode.CBOR_RESERVED_INFO),
    ("5e", ReasonCode.CBOR_RESERVED_INFO),
    ("fe", ReasonCode.CBOR_RESERVED_INFO),
    ("fa00000000", ReasonCode.CBOR_FLOAT),
    ("a10000", ReasonCode.CBOR_MAP_KEY_NOT_TEXT),
    ("a1f400", ReasonCode.CBOR_MAP_KEY_NOT_TEXT),
    ("a2616200616100", ReasonCode.CBOR_MAP_KEYS_UNSORTED),
    ("a2616100616100", ReasonCode.CBOR_MAP_KEY_DUPLICATE),
    ("f93c00", ReasonCode.CBOR_FLOAT),
    ("fb0000000000000000", ReasonCode.CBOR_FLOAT),
    ("c11a514b67b0", ReasonCode.CBOR_TAG),
    ("d82076687474703a2f2f7777772e6578616d706c652e636f6d", ReasonCode.CBOR_TAG),
    ("f7", ReasonCode.CBOR_SIMPLE_VALUE),
    ("e0", ReasonCode.CBOR_SIMPLE_VALUE),
    ("f820", ReasonCode.CBOR_SIMPLE_VALUE),
    ("62c328", ReasonCode.CBOR_INVALID_UTF8),
    ("64f4908080", ReasonCode.CBOR_INVALID_UTF8),
    ("0101", ReasonCode.CBOR_TRAILING_BYTES),
    ("f6f6", ReasonCode.CBOR_TRAILING_BYTES),
]


@pytest.mark.parametrize(("hex_bytes", "code"), REJECTIONS)
def test_rejections(hex_bytes: str, code: ReasonCode) -> None:
    with pytest.raises(DecodeError) as info:
        decode(bytes.fromhex(hex_bytes))
    assert info.value.code is code


@pytest.mark.parametrize("data", ["f6", [0xF6], None])
def test_input_that_is_not_bytes_is_refused(data: object) -> None:
    with pytest.raises(DecodeError) as info:
        decode(data)  # type: ignore[arg-type]
    assert info.value.code is ReasonCode.CBOR_UNSUPPORTED_VALUE


def test_depth_limit_exact() -> None:
    assert decode(b"\x81" * 31 + b"\x80") is not None
    with pytest.raises(DecodeError) as info:
        decode(b"\x81" * 32 + b"\x80")
    assert info.value.code is ReasonCode.CBOR_TOO_DEEP
    nested: list[object] = []
    for _ in range(32):
        nested = [nested]
    with pytest.raises(DecodeError) as info:
        encode(nested)  # type: ignore[arg-type]
    assert info.value.code is ReasonCode.CBOR_TOO_DEEP


def test_size_limit_exact() -> None:
    data = encode(b"x" * 100)
    assert decode(data, max_bytes=len(data)) == b"x" * 100
    with pytest.raises(DecodeError) as info:
        decode(data, max_bytes=len(data) - 1)
    assert info.value.code is ReasonCode.INPUT_TOO_LARGE


def test_huge_declared_lengths_fail_fast() -> None:
    for head in ("9bffffffffffffffff", "bbffffffffffffffff", "5bffffffffffffffff"):
        with pytest.raises(DecodeError) as info:
            decode(bytes.fromhex(head) + b"\x00")
        assert info.value.code is ReasonCode.CBOR_TRUNCATED


@pytest.mark.parametrize(
    "value",
    [1.5, (1, 2), {1: 2}, 2**64, -(2**64) - 1, object(), bytearray(b"x"), {"a": {1, 2}}],
)
def test_encoder_refuses_values_outside_the_model(value: object) -> None:
    with pytest.raises(DecodeError) as info:
        encode(value)  # type: ignore[arg-type]
    assert info.value.code is ReasonCode.CBOR_UNSUPPORTED_VALUE


@given(cbor_values())
def test_decode_encode_round_trip(value: object) -> None:
    data = encode(value)  # type: ignore[arg-type]
    assert decode(data) == value
    assert encode(decode(data)) == data
    assert data == cbor2.dumps(value, canonical=True)


@settings(max_examples=400)
@given(st.binary(max_size=64))
def test_arbitrary_bytes_raise_only_decode_error(data: bytes) -> None:
    try:
        value = decode(data)
    except DecodeError as exc:
        code = exc.code
    else:
        assert encode(value) == data
        assert cbor2.loads(data) == value
        return
    assert code.value.startswith("CBOR_")


@settings(max_examples=300)
@given(cbor_values(max_leaves=8), st.integers(0, 200), st.integers(0, 255))
def test_mutated_encodings_either_reject_or_stay_canonical(
    value: object, position: int, byte: int
) -> None:
    data = bytearray(encode(value))  # type: ignore[arg-type]
    data[position % len(data)] = byte
    try:
        decoded = decode(bytes(data))
    except DecodeError:
        return
    assert encode(decoded) == bytes(data)


def test_nesting_limit_through_map_values() -> None:
    """Maps count toward the nesting limit like arrays: 32 nested maps encode and decode,
    33 are CBOR_TOO_DEEP both ways (the limit is MAX_NESTING_DEPTH)."""
    assert MAX_NESTING_DEPTH == 32

    def nested(levels: int) -> object:
        value: object = 0
        for _ in range(levels):
            value = {"a": value}
        return value

    at_limit = nested(MAX_NESTING_DEPTH)
    data = encode(at_limit)
    assert data == b"\xa1\x61a" * MAX_NESTING_DEPTH + b"\x00"
    assert decode(data) == at_limit
    with pytest.raises(DecodeError) as info:
        encode(nested(MAX_NESTING_DEPTH + 1))
    assert info.value.code is ReasonCode.CBOR_TOO_DEEP
    with pytest.raises(DecodeError) as info:
        decode(b"\xa1\x61a" * (MAX_NESTING_DEPTH + 1) + b"\x00")
    assert info.value.code is ReasonCode.CBOR_TOO_DEEP


def test_map_that_ends_where_a_key_should_start() -> None:
    """A map of 2 pairs whose first pair takes every byte after the head: the head's
    count passed the early length check, and the missing key is CBOR_TRUNCATED."""
    with pytest.raises(DecodeError) as info:
        decode(bytes.fromhex("a26161626262"))  # {"a": "bb", <nothing>}
    assert info.value.code is ReasonCode.CBOR_TRUNCATED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1 << 64, "integer outside [-2^64, 2^64-1]"),
        (-(1 << 64) - 1, "integer outside [-2^64, 2^64-1]"),
        ({1: 2}, "map key is not a str"),
        (1.5, "cannot encode a float"),
        ((1, 2), "cannot encode a tuple"),
    ],
)
def test_encoder_says_what_it_cannot_encode(value: object, message: str) -> None:
    with pytest.raises(DecodeError) as info:
        encode(value)  # type: ignore[arg-type]
    assert info.value.code is ReasonCode.CBOR_UNSUPPORTED_VALUE
    assert info.value.message == message


def test_decoder_input_errors_say_what_and_how_much() -> None:
    deep: object = 0
    for _ in range(MAX_NESTING_DEPTH + 1):
        deep = [deep]
    with pytest.raises(DecodeError) as info:
        encode(deep)  # type: ignore[arg-type]
    assert (info.value.code, info.value.message) == (
        ReasonCode.CBOR_TOO_DEEP,
        f"nesting deeper than {MAX_NESTING_DEPTH}",
    )
    with pytest.raises(DecodeError) as info:
        decode("00")  # type: ignore[arg-type]
    assert (info.value.code, info.value.message) == (
        ReasonCode.CBOR_UNSUPPORTED_VALUE,
        "input is not bytes",
    )
    with pytest.raises(DecodeError) as info:
        decode(bytes(10), max_bytes=5)
    assert (info.value.code, info.value.message) == (
        ReasonCode.INPUT_TOO_LARGE,
        "10 bytes is over the limit of 5",
    )
