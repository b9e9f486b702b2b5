"""Deterministic CBOR (RFC 8949 section 4.2.1), with a strict decoder.

Consensus-critical: every hash in ailee is taken over bytes produced here.

The value model is the subset of CBOR that ailee uses::

    CborValue = None | bool | int | bytes | str | list[CborValue] | dict[str, CborValue]

Encoding goes through cbor2 in canonical mode after the value is checked against that
model. Decoding is our own, because each way input can be non-canonical must be
rejected with its own reason code, which no general-purpose decoder reports. Checks
run in the order bytes are read, so the first fault met is the one reported:

* head: additional information 28-30 -> ``CBOR_RESERVED_INFO``; 31 -> ``CBOR_INDEFINITE_LENGTH``
  (majors 2-5, and the stray "break" byte) or ``CBOR_RESERVED_INFO`` (majors 0, 1);
* major 6 (tag) -> ``CBOR_TAG``; major 7: floats -> ``CBOR_FLOAT``, anything but
  false/true/null -> ``CBOR_SIMPLE_VALUE``;
* arguments not in shortest form -> ``CBOR_NON_SHORTEST_INT`` (majors 0, 1) or
  ``CBOR_NON_SHORTEST_LENGTH`` (majors 2-5);
* text not UTF-8 -> ``CBOR_INVALID_UTF8``; map keys not text -> ``CBOR_MAP_KEY_NOT_TEXT``;
  a key equal to / below the previous key's encoding -> ``CBOR_MAP_KEY_DUPLICATE`` /
  ``CBOR_MAP_KEYS_UNSORTED``;
* nesting deeper than the limit -> ``CBOR_TOO_DEEP``; data ending early -> ``CBOR_TRUNCATED``;
  bytes after the top-level item -> ``CBOR_TRAILING_BYTES``; input over the size limit
  -> ``INPUT_TOO_LARGE`` (checked first, before any parsing).

For every accepted input, ``encode(decode(data)) == data``.
"""

from __future__ import annotations

from typing import Final, TypeAlias

import cbor2

from ailee.errors import DecodeError, ReasonCode
from ailee.limits import MAX_DOCUMENT_BYTES, MAX_NESTING_DEPTH

__all__ = ["CborValue", "decode", "encode"]

CborValue: TypeAlias = "bool | int | bytes | str | list[CborValue] | dict[str, CborValue] | None"

_MIN_INT: Final = -(1 << 64)
_MAX_INT: Final = (1 << 64) - 1
# Smallest argument that needs each head width; below it the head is not shortest.
_SHORTEST_FLOOR: Final = {24: 24, 25: 1 << 8, 26: 1 << 16, 27: 1 << 32}
_WIDTH: Final = {24: 1, 25: 2, 26: 4, 27: 8}


def encode(value: CborValue) -> bytes:
    """Encode ``value`` as deterministic CBOR (shortest heads, sorted map keys).

    Raises :class:`~ailee.errors.DecodeError` with ``CBOR_UNSUPPORTED_VALUE`` if the
    value is outside the model (floats, tuples, non-text map keys, out-of-range ints),
    and ``CBOR_TOO_DEEP`` if it nests deeper than the limit.
    """
    _check_model(value, 0)
    data: bytes = cbor2.dumps(value, canonical=True)
    return data


def _check_model(value: object, depth: int) -> None:
    if value is None or isinstance(value, bool | bytes | str):
        return
    if isinstance(value, int):
        if not _MIN_INT <= value <= _MAX_INT:
            raise DecodeError(ReasonCode.CBOR_UNSUPPORTED_VALUE, "integer outside [-2^64, 2^64-1]")
        return
    if isinstance(value, list | dict):
        if depth + 1 > MAX_NESTING_DEPTH:
            raise DecodeError(ReasonCode.CBOR_TOO_DEEP, f"nesting deeper than {MAX_NESTING_DEPTH}")
        if isinstance(value, list):
            for item in value:
                _check_model(item, depth + 1)
            return
        for key, item in value.items():
            if not isinstance(key, str):
                raise DecodeError(ReasonCode.CBOR_UNSUPPORTED_VALUE, "map key is not a str")
            _check_model(item, depth + 1)
        return
    raise DecodeError(ReasonCode.CBOR_UNSUPPORTED_VALUE, f"cannot encode a {type(value).__name__}")


def decode(
    data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_NESTING_DEPTH
) -> CborValue:
    """Decode exactly one canonical CBOR item from ``data``; reject anything else.

    Raises :class:`~ailee.errors.DecodeError` with the reason code of the first fault.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(ReasonCode.CBOR_UNSUPPORTED_VALUE, "input is not bytes")
    if len(data) > max_bytes:
        raise DecodeError(
            ReasonCode.INPUT_TOO_LARGE, f"{len(data)} bytes is over the limit of {max_bytes}"
        )
    reader = _Reader(bytes(data), max_depth)
    value = reader.item(0)
    if reader.pos != len(reader.data):
        raise DecodeError(
            ReasonCode.CBOR_TRAILING_BYTES,
            f"{len(reader.data) - reader.pos} byte(s) after the item at offset {reader.pos}",
        )
    return value


class _Reader:
    __slots__ = ("data", "max_depth", "pos")

    def __init__(self, data: bytes, max_depth: int) -> None:
        self.data = data
        self.pos = 0
        self.max_depth = max_depth

    def _fail(self, code: ReasonCode, what: str, at: int) -> DecodeError:
        return DecodeError(code, f"{what} at offset {at}")

    def _take(self, n: int, at: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise self._fail(ReasonCode.CBOR_TRUNCATED, "data ends inside an item", at)
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def item(self, depth: int) -> CborValue:
        at = self.pos
        if at >= len(self.data):
            raise self._fail(ReasonCode.CBOR_TRUNCATED, "data ends where an item should start", at)
        initial = self.data[at]
        self.pos += 1
        major, info = initial >> 5, initial & 0x1F
        if major == 6:
            raise self._fail(ReasonCode.CBOR_TAG, "tag", at)
        if major == 7:
            return self._simple(info, at)
        if 28 <= info <= 30:
            raise self._fail(ReasonCode.CBOR_RESERVED_INFO, f"additional info {info}", at)
        if info == 31:
            if major <= 1:
                raise self._fail(ReasonCode.CBOR_RESERVED_INFO, "additional info 31", at)
            raise self._fail(ReasonCode.CBOR_INDEFINITE_LENGTH, "indefinite length", at)
        arg = self._argument(major, info, at)
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major in (2, 3):
            raw = self._take(arg, at)
            if major == 2:
                return raw
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise self._fail(ReasonCode.CBOR_INVALID_UTF8, "text string", at) from None
        if depth + 1 > self.max_depth:
            raise self._fail(ReasonCode.CBOR_TOO_DEEP, f"nesting deeper than {self.max_depth}", at)
        remaining = len(self.data) - self.pos
        if major == 4:
            # Every item takes at least one byte: a larger count cannot be honest, and
            # refusing it early stops a tiny input from asking for a huge list.
            if arg > remaining:
                raise self._fail(ReasonCode.CBOR_TRUNCATED, f"array of {arg} items", at)
            return [self.item(depth + 1) for _ in range(arg)]
        if 2 * arg > remaining:
            raise self._fail(ReasonCode.CBOR_TRUNCATED, f"map of {arg} pairs", at)
        result: dict[str, CborValue] = {}
        previous: bytes | None = None
        for _ in range(arg):
            key_at = self.pos
            if key_at < len(self.data) and self.data[key_at] >> 5 != 3:
                raise self._fail(ReasonCode.CBOR_MAP_KEY_NOT_TEXT, "map key", key_at)
            key = self.item(depth + 1)
            assert isinstance(key, str)  # guaranteed by the major-type check above
            encoded_key = self.data[key_at : self.pos]
            if previous is not None:
                if encoded_key == previous:
                    raise self._fail(
                        ReasonCode.CBOR_MAP_KEY_DUPLICATE, f"duplicate map key {key!r}", key_at
                    )
                if encoded_key < previous:
                    raise self._fail(
                        ReasonCode.CBOR_MAP_KEYS_UNSORTED, f"map key {key!r} out of order", key_at
                    )
            previous = encoded_key
            result[key] = self.item(depth + 1)
        return result

    def _argument(self, major: int, info: int, at: int) -> int:
        if info < 24:
            return info
        arg = int.from_bytes(self._take(_WIDTH[info], at), "big")
        if arg < _SHORTEST_FLOOR[info]:
            code = (
                ReasonCode.CBOR_NON_SHORTEST_INT
                if major <= 1
                else ReasonCode.CBOR_NON_SHORTEST_LENGTH
            )
            raise self._fail(code, f"argument {arg} not in shortest form", at)
        return arg

    def _simple(self, info: int, at: int) -> CborValue:
        if info == 20:
            return False
        if info == 21:
            return True
        if info == 22:
            return None
        if info in (25, 26, 27):
            raise self._fail(ReasonCode.CBOR_FLOAT, "floating-point value", at)
        if 28 <= info <= 30:
            raise self._fail(ReasonCode.CBOR_RESERVED_INFO, f"additional info {info}", at)
        if info == 31:
            raise self._fail(ReasonCode.CBOR_INDEFINITE_LENGTH, "break outside indefinite item", at)
        raise self._fail(ReasonCode.CBOR_SIMPLE_VALUE, f"simple value (info {info})", at)
