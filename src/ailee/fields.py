"""Field kinds: how each typed value of a record is checked and written.

A record or header is a fixed list of named fields, each of one kind below. The same
kind reads and writes both document forms: in JSON, bytes are lowercase hex strings;
in CBOR, byte strings. Everything else is the same in both forms. Reading is strict
and raises :class:`~ailee.errors.DecodeError` naming the field's path.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from ailee.errors import DecodeError, ReasonCode
from ailee.limits import MAX_AMOUNT, MAX_ID_BYTES, MAX_UINT

__all__ = [
    "AmountField",
    "BytesField",
    "EnumField",
    "FieldKind",
    "Form",
    "IdField",
    "OptionalField",
    "SortedListField",
    "UIntField",
    "check_id",
    "check_version",
    "expect_object",
    "hex_to_bytes",
    "read_hex",
    "read_list",
    "read_uint",
    "wrong_type",
]


class Form(Enum):
    """The two document forms a field value can come in."""

    JSON = "json"
    CBOR = "cbor"


# Code point categories never allowed in an identifier: controls, format characters
# (bidi overrides, zero-width joiners), surrogates, private use, unassigned (in
# Unicode 3.2, so the answer is the same on every Python version), line and
# paragraph separators.
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_UCD: Final = unicodedata.ucd_3_2_0
_HEX_DIGITS: Final = frozenset("0123456789abcdef")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "byte string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def wrong_type(path: str, expected: str, value: object) -> DecodeError:
    """The error for a value of the wrong type at ``path``."""
    return DecodeError(
        ReasonCode.SCHEMA_WRONG_TYPE, f"{path}: expected {expected}, got {_type_name(value)}"
    )


def expect_object(value: object, path: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """Return ``value`` if it is an object with exactly ``fields``; else raise.

    Missing fields are reported first (in ``fields`` order), then unknown ones.
    """
    if not isinstance(value, dict):
        raise wrong_type(path, "object", value)
    for name in fields:
        if name not in value:
            raise DecodeError(ReasonCode.SCHEMA_MISSING_FIELD, f"{path}: missing field {name!r}")
    if len(value) != len(fields):
        unknown = sorted(name for name in value if name not in fields)[0]
        raise DecodeError(ReasonCode.SCHEMA_UNKNOWN_FIELD, f"{path}: unknown field {unknown!r}")
    return value


def check_version(value: object, path: str, supported: int) -> None:
    """Refuse a document of another format version before reading its other fields.

    A later version may add or change fields; reporting ``SCHEMA_UNSUPPORTED_VERSION``
    first tells the reader what is actually wrong. Only an integer ``version`` other
    than ``supported`` is refused here; anything else is left to the full reading.
    """
    if not isinstance(value, dict):
        return
    version = value.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version != supported:
        raise DecodeError(
            ReasonCode.SCHEMA_UNSUPPORTED_VERSION, f"{path}.version: {version} is not {supported}"
        )


def check_id(text: str, path: str) -> str:
    """Return ``text`` if it is a valid identifier, else raise ``DecodeError``.

    Valid: 1 to 64 bytes of UTF-8, in NFC (Unicode 3.2 tables), with no code point of
    a forbidden category (see ``ID_FORBIDDEN_CHAR``).
    """
    if not text:
        raise DecodeError(ReasonCode.ID_EMPTY, f"{path}: identifier is empty")
    for char in text:
        if _UCD.category(char) in _FORBIDDEN_CATEGORIES:
            raise DecodeError(
                ReasonCode.ID_FORBIDDEN_CHAR, f"{path}: forbidden code point U+{ord(char):04X}"
            )
    if len(text.encode("utf-8")) > MAX_ID_BYTES:
        raise DecodeError(ReasonCode.ID_TOO_LONG, f"{path}: longer than {MAX_ID_BYTES} bytes")
    if _UCD.normalize("NFC", text) != text:
        raise DecodeError(ReasonCode.ID_NOT_NFC, f"{path}: not in NFC")
    return text


def hex_to_bytes(text: str, path: str) -> bytes:
    """Decode lowercase, even-length hex; anything else is ``HEX_INVALID``."""
    if len(text) % 2 or not _HEX_DIGITS.issuperset(text):
        raise DecodeError(ReasonCode.HEX_INVALID, f"{path}: not lowercase hex of even length")
    return bytes.fromhex(text)


class FieldKind:
    """Base of the field kinds: ``read`` checks a document value, ``write`` emits one."""

    #: Short description used in messages and in the spec.
    expected: str = "value"

    def read(self, value: object, form: Form, path: str) -> object:
        """Check ``value`` from a document of ``form``; return the Python value."""
        raise NotImplementedError

    def write(self, value: object, form: Form) -> object:
        """Return the document value of the Python ``value`` for ``form``."""
        return value


def _read_int(value: object, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise wrong_type(path, "integer", value)
    return value


@dataclass(frozen=True)
class UIntField(FieldKind):
    """An unsigned integer in ``[minimum, maximum]`` (at most 2**53 - 1)."""

    maximum: int = MAX_UINT
    minimum: int = 0
    expected = "integer"

    def read(self, value: object, form: Form, path: str) -> int:
        number = _read_int(value, path)
        if not self.minimum <= number <= self.maximum:
            raise DecodeError(
                ReasonCode.INT_OUT_OF_RANGE,
                f"{path}: {number} not in [{self.minimum}, {self.maximum}]",
            )
        return number


@dataclass(frozen=True)
class AmountField(FieldKind):
    """An amount of satoshis in ``[0, 2_100_000_000_000_000]``."""

    expected = "integer"

    def read(self, value: object, form: Form, path: str) -> int:
        number = _read_int(value, path)
        if not 0 <= number <= MAX_AMOUNT:
            raise DecodeError(
                ReasonCode.AMOUNT_OUT_OF_RANGE, f"{path}: {number} not in [0, {MAX_AMOUNT}]"
            )
        return number


@dataclass(frozen=True)
class IdField(FieldKind):
    """A text identifier (see :func:`check_id`)."""

    expected = "string"

    def read(self, value: object, form: Form, path: str) -> str:
        if not isinstance(value, str):
            raise wrong_type(path, "string", value)
        return check_id(value, path)


@dataclass(frozen=True)
class BytesField(FieldKind):
    """A byte string of ``min_length`` to ``max_length`` bytes (hex in JSON)."""

    min_length: int
    max_length: int
    expected = "hex string"

    def read(self, value: object, form: Form, path: str) -> bytes:
        if form is Form.JSON:
            if not isinstance(value, str):
                raise wrong_type(path, "hex string", value)
            raw = hex_to_bytes(value, path)
        else:
            if not isinstance(value, bytes):
                raise wrong_type(path, "byte string", value)
            raw = value
        if not self.min_length <= len(raw) <= self.max_length:
            wanted = (
                f"{self.min_length}"
                if self.min_length == self.max_length
                else f"{self.min_length} to {self.max_length}"
            )
            raise DecodeError(
                ReasonCode.BYTES_WRONG_LENGTH, f"{path}: {len(raw)} bytes, expected {wanted}"
            )
        return raw

    def write(self, value: object, form: Form) -> object:
        assert isinstance(value, bytes)
        return value.hex() if form is Form.JSON else value


@dataclass(frozen=True)
class EnumField(FieldKind):
    """A string from a fixed set."""

    values: tuple[str, ...]
    expected = "string"

    def read(self, value: object, form: Form, path: str) -> str:
        if not isinstance(value, str):
            raise wrong_type(path, "string", value)
        if value not in self.values:
            raise DecodeError(
                ReasonCode.ENUM_UNKNOWN_VALUE,
                f"{path}: {value!r} is not one of {', '.join(self.values)}",
            )
        return value


@dataclass(frozen=True)
class OptionalField(FieldKind):
    """``null``, or a value of ``inner`` kind. The field itself is always present."""

    inner: FieldKind

    def read(self, value: object, form: Form, path: str) -> object:
        if value is None:
            return None
        return self.inner.read(value, form, path)

    def write(self, value: object, form: Form) -> object:
        return None if value is None else self.inner.write(value, form)


@dataclass(frozen=True)
class SortedListField(FieldKind):
    """A list of ``min_items`` to ``max_items`` values of ``inner`` kind, strictly ascending."""

    inner: FieldKind
    min_items: int
    max_items: int
    expected = "array"

    def read(self, value: object, form: Form, path: str) -> tuple[object, ...]:
        # Python callers may pass a tuple; documents always carry a list.
        if not isinstance(value, list | tuple):
            raise wrong_type(path, "array", value)
        if not self.min_items <= len(value) <= self.max_items:
            raise DecodeError(
                ReasonCode.INT_OUT_OF_RANGE,
                f"{path}: {len(value)} items, expected {self.min_items} to {self.max_items}",
            )
        items = tuple(self.inner.read(item, form, f"{path}[{i}]") for i, item in enumerate(value))
        for i in range(1, len(items)):
            if not items[i - 1] < items[i]:  # type: ignore[operator]
                raise DecodeError(
                    ReasonCode.LIST_NOT_SORTED_UNIQUE, f"{path}[{i}]: not above the item before"
                )
        return items

    def write(self, value: object, form: Form) -> object:
        assert isinstance(value, tuple)
        return [self.inner.write(item, form) for item in value]


# --- small readers for JSON documents (evidence, claims) -------------------------------


def read_uint(value: Any, path: str, maximum: int = MAX_UINT) -> int:
    """An integer (not a boolean: SCHEMA_WRONG_TYPE) in ``[0, maximum]``
    (INT_OUT_OF_RANGE)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise wrong_type(path, "integer", value)
    if not 0 <= value <= maximum:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"{path}: {value} not in [0, {maximum}]")
    return value


def read_hex(value: Any, path: str, length: int | None = None) -> bytes:
    """Lowercase hex text (SCHEMA_WRONG_TYPE, HEX_INVALID) of ``length`` bytes if given
    (BYTES_WRONG_LENGTH)."""
    if not isinstance(value, str):
        raise wrong_type(path, "hex string", value)
    data = hex_to_bytes(value, path)
    if length is not None and len(data) != length:
        raise DecodeError(
            ReasonCode.BYTES_WRONG_LENGTH, f"{path}: expected {length} bytes, got {len(data)}"
        )
    return data


def read_list(value: Any, path: str, maximum: int) -> list[Any]:
    """A JSON array (SCHEMA_WRONG_TYPE) of at most ``maximum`` entries
    (INPUT_TOO_LARGE)."""
    if not isinstance(value, list):
        raise wrong_type(path, "array", value)
    if len(value) > maximum:
        raise DecodeError(ReasonCode.INPUT_TOO_LARGE, f"{path}: more than {maximum} entries")
    return value
