"""Bitcoin wire serialization: a strict byte reader and CompactSize integers.

Consensus-critical. Reads follow Bitcoin Core's ``ReadCompactSize`` with its range
check: a CompactSize must use its shortest encoding and may not exceed 0x02000000.
Every variable-length read takes a maximum, and a reader must be consumed exactly
(:meth:`ByteReader.finish`), so trailing bytes are always an error.
"""

from __future__ import annotations

import struct
from typing import Final

from ailee.errors import DecodeError, ReasonCode

__all__ = ["MAX_COMPACT_SIZE", "ByteReader", "compact_size"]

#: Bitcoin Core's MAX_SIZE: the largest CompactSize a reader accepts.
MAX_COMPACT_SIZE: Final = 0x02000000

_U16: Final = struct.Struct("<H")
_U32: Final = struct.Struct("<I")
_U64: Final = struct.Struct("<Q")


def compact_size(value: int) -> bytes:
    """Encode ``value`` (0 <= value < 2**64) as a shortest-form CompactSize."""
    if value < 0 or value >= 1 << 64:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"CompactSize out of range: {value}")
    if value < 0xFD:
        return bytes((value,))
    if value <= 0xFFFF:
        return b"\xfd" + _U16.pack(value)
    if value <= 0xFFFFFFFF:
        return b"\xfe" + _U32.pack(value)
    return b"\xff" + _U64.pack(value)


class ByteReader:
    """Reads a byte string front to back; every read checks that the bytes exist.

    ``what`` names the structure being read, for error messages.
    """

    __slots__ = ("_data", "_pos", "what")

    def __init__(self, data: bytes, what: str) -> None:
        self._data = data
        self._pos = 0
        self.what = what

    @property
    def position(self) -> int:
        """How many bytes have been read."""
        return self._pos

    @property
    def remaining(self) -> int:
        """How many bytes are left."""
        return len(self._data) - self._pos

    def read(self, count: int) -> bytes:
        """Read exactly ``count`` bytes."""
        end = self._pos + count
        if end > len(self._data):
            raise DecodeError(
                ReasonCode.BTC_TRUNCATED,
                f"{self.what}: needs {count} bytes at offset {self._pos}, "
                f"only {len(self._data) - self._pos} left",
            )
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def read_u32(self) -> int:
        """Read a little-endian unsigned 32-bit integer."""
        (value,) = _U32.unpack(self.read(4))
        return int(value)

    def read_compact_size(self, maximum: int = MAX_COMPACT_SIZE) -> int:
        """Read a CompactSize: shortest form only, at most ``maximum``."""
        first = self.read(1)[0]
        if first < 0xFD:
            value, smallest = first, 0
        elif first == 0xFD:
            value, smallest = _U16.unpack(self.read(2))[0], 0xFD
        elif first == 0xFE:
            value, smallest = _U32.unpack(self.read(4))[0], 0x10000
        else:
            value, smallest = _U64.unpack(self.read(8))[0], 0x100000000
        if value < smallest:
            raise DecodeError(
                ReasonCode.BTC_NON_CANONICAL_SIZE,
                f"{self.what}: CompactSize {value} is not in its shortest form",
            )
        if value > maximum:
            raise DecodeError(
                ReasonCode.BTC_SIZE_TOO_LARGE,
                f"{self.what}: CompactSize {value} exceeds the maximum {maximum}",
            )
        return int(value)

    def finish(self) -> None:
        """Raise if any bytes are left unread."""
        if self._pos != len(self._data):
            raise DecodeError(
                ReasonCode.BTC_TRAILING_BYTES,
                f"{self.what}: {len(self._data) - self._pos} unexpected trailing bytes",
            )
