"""Strict JSON: every rejection code, limits, robustness, deterministic output."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.errors import DecodeError, ReasonCode
from ailee.jsoncodec import dumps, loads

REJECTIONS = [
    (b"\xef\xbb\xbf{}", ReasonCode.JSON_INVALID_UTF8),
    (b'{"a": "\xff"}', ReasonCode.JSON_INVALID_UTF8),
    (b'{"a": "\xed\xa0\x80"}', ReasonCode.JSON_INVALID_UTF8),
    (b"", ReasonCode.JSON_SYNTAX),
    (b"{", ReasonCode.JSON_SYNTAX),
    (b"{'a': 1}", ReasonCode.JSON_SYNTAX),
    (b"[1,]", ReasonCode.JSON_SYNTAX),
    (b"01", ReasonCode.JSON_SYNTAX),
    (b"{} {}", ReasonCode.JSON_SYNTAX),
    (b'{"a": 1, "a": 1}', ReasonCode.JSON_DUPLICATE_KEY),
    (b'[{"x": {"a": 1, "a": 2}}]', ReasonCode.JSON_DUPLICATE_KEY),
    (b"NaN", ReasonCode.JSON_NON_FINITE),
    (b"[Infinity]", ReasonCode.JSON_NON_FINITE),
    (b'{"a": -Infinity}', ReasonCode.JSON_NON_FINITE),
    (b"1.0", ReasonCode.JSON_FLOAT),
    (b"[1e3]", ReasonCode.JSON_FLOAT),
    (b"[-0.0]", ReasonCode.JSON_FLOAT),
    (b"[1E-2]", ReasonCode.JSON_FLOAT),
    (b'"\\ud800"', ReasonCode.JSON_INVALID_STRING),
    (b'{"\\udfff": 1}', ReasonCode.JSON_INVALID_STRING),
    (b"[" + b"9" * 41 + b"]", ReasonCode.INT_OUT_OF_RANGE),
]


@pytest.mark.parametrize(("data", "code"), REJECTIONS)
def test_rejections(data: bytes, code: ReasonCode) -> None:
    with pytest.raises(DecodeError) as info:
        loads(data)
    assert info.value.code is code


def test_accepts_plain_json() -> None:
    assert loads(b' {"a": [1, -2, "x", true, false, null], "b": {}} ') == {
        "a": [1, -2, "x", True, False, None],
        "b": {},
    }
    assert loads(b'"\\ud83d\\ude00"') == "\U0001f600"
    assert loads(b"[" + b"9" * 40 + b"]") == [int("9" * 40)]


def test_depth_limit_exact() -> None:
    assert loads(b"[" * 32 + b"]" * 32) is not None
    assert loads(b'{"a":' * 32 + b"1" + b"}" * 32) is not None
    for data in (b"[" * 33 + b"]" * 33, b'{"a":' * 33 + b"1" + b"}" * 33):
        with pytest.raises(DecodeError) as info:
            loads(data)
        assert info.value.code is ReasonCode.JSON_TOO_DEEP


def test_very_deep_nesting_is_refused_without_recursion_error() -> None:
    with pytest.raises(DecodeError) as info:
        loads(b"[" * 100_000 + b"]" * 100_000)
    assert info.value.code is ReasonCode.JSON_TOO_DEEP


def test_size_limit_exact() -> None:
    data = b"[" + b"1," * 50 + b"1]"
    assert loads(data, max_bytes=len(data)) == [1] * 51
    with pytest.raises(DecodeError) as info:
        loads(data, max_bytes=len(data) - 1)
    assert info.value.code is ReasonCode.INPUT_TOO_LARGE


def test_dumps_is_canonical_text() -> None:
    value = {"b": [1, "ü"], "a": None}
    text = dumps(value)
    assert text == '{\n  "b": [\n    1,\n    "ü"\n  ],\n  "a": null\n}\n'
    assert loads(text.encode()) == value


@settings(max_examples=300)
@given(st.binary(max_size=80))
def test_arbitrary_bytes_raise_only_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        loads(data)


@settings(max_examples=300)
@given(st.text(alphabet='{}[]":,0123456789.-eEtrufalsn \\ud800ab', max_size=60))
def test_json_like_text_raises_only_decode_error(text: str) -> None:
    try:
        value = loads(text.encode("utf-8", "surrogatepass"))
    except DecodeError:
        return
    assert loads(dumps(value).encode()) == value
