"""Strict JSON reading and deterministic JSON writing for ailee documents.

Reading takes UTF-8 bytes and rejects, each with its own reason code: invalid UTF-8
or a byte-order mark (``JSON_INVALID_UTF8``), syntax errors (``JSON_SYNTAX``),
duplicate object keys (``JSON_DUPLICATE_KEY``), ``NaN``/``Infinity`` (``JSON_NON_FINITE``),
numbers with a fraction or exponent (``JSON_FLOAT``), unpaired surrogate escapes
(``JSON_INVALID_STRING``), nesting deeper than the limit (``JSON_TOO_DEEP``) and input
over the size limit (``INPUT_TOO_LARGE``).

Writing produces the one canonical text ailee emits: two-space indentation, keys in
the order given, non-ASCII characters as themselves, and a final newline.
"""

from __future__ import annotations

import json
from typing import Any, Final, TypeAlias

from ailee.errors import DecodeError, ReasonCode
from ailee.limits import MAX_DOCUMENT_BYTES, MAX_NESTING_DEPTH

__all__ = ["JsonValue", "dumps", "loads"]

JsonValue: TypeAlias = "bool | int | str | list[JsonValue] | dict[str, JsonValue] | None"

# Python's int() refuses more than 4300 digits; we never need more than 20.
_MAX_INT_DIGITS: Final = 40


class _FloatError(Exception):
    pass


class _NonFiniteError(Exception):
    pass


class _HugeIntError(Exception):
    pass


class _DuplicateError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _reject_float(text: str) -> Any:
    raise _FloatError(text)


def _reject_constant(text: str) -> Any:
    raise _NonFiniteError(text)


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise _HugeIntError(text)
    return int(text)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateError(key)
        result[key] = value
    return result


def _check_tree(value: Any, max_depth: int) -> None:
    # One walk over the parsed value: nesting depth, and strings that are not Unicode
    # text (json.loads turns "\ud800" into a lone surrogate).
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list | dict):
            depth += 1
            if depth > max_depth:
                raise DecodeError(ReasonCode.JSON_TOO_DEEP, f"nesting deeper than {max_depth}")
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise DecodeError(
                    ReasonCode.JSON_INVALID_STRING, "string contains an unpaired surrogate"
                ) from None
        elif isinstance(item, list):
            stack.extend((child, depth) for child in item)
        elif isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth) for child in item.values())


def loads(
    data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_NESTING_DEPTH
) -> JsonValue:
    """Parse one strict JSON document from UTF-8 ``data``.

    Raises :class:`~ailee.errors.DecodeError` with the reason code of the fault.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(ReasonCode.JSON_INVALID_UTF8, "input is not bytes")
    if len(data) > max_bytes:
        raise DecodeError(
            ReasonCode.INPUT_TOO_LARGE, f"{len(data)} bytes is over the limit of {max_bytes}"
        )
    raw = bytes(data)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DecodeError(ReasonCode.JSON_INVALID_UTF8, "byte-order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(
            ReasonCode.JSON_INVALID_UTF8, f"invalid UTF-8 at byte {exc.start}"
        ) from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
        )
    except _DuplicateError as exc:
        raise DecodeError(ReasonCode.JSON_DUPLICATE_KEY, f"duplicate key {exc.key!r}") from None
    except _FloatError as exc:
        raise DecodeError(ReasonCode.JSON_FLOAT, f"non-integer number {str(exc)[:40]}") from None
    except _HugeIntError:
        raise DecodeError(
            ReasonCode.INT_OUT_OF_RANGE, f"integer of more than {_MAX_INT_DIGITS} digits"
        ) from None
    except _NonFiniteError as exc:
        raise DecodeError(ReasonCode.JSON_NON_FINITE, f"non-finite number {exc}") from None
    except json.JSONDecodeError as exc:
        raise DecodeError(
            ReasonCode.JSON_SYNTAX, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        # The C scanner recurses once per level; far past our limit anyway.
        raise DecodeError(ReasonCode.JSON_TOO_DEEP, "nesting too deep") from None
    _check_tree(value, max_depth)
    result: JsonValue = value
    return result


def dumps(value: JsonValue) -> str:
    """Write ``value`` as ailee's canonical JSON text (ends with a newline)."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
