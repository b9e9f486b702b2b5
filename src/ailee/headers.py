"""Bitcoin block headers: strict parsing, block hash, compact targets, proof of work.

Consensus-critical. Compact-target decoding follows Bitcoin Core's
``arith_uint256::SetCompact`` and ``DeriveTarget``: a target that is negative, zero,
overflows 256 bits or exceeds the network's proof-of-work limit is invalid, each
with its own reason code. Hashes are in internal byte order (as hashed); display
order (as RPC shows them) is the reverse.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ailee.errors import DecodeError, ReasonCode, VerificationError

if TYPE_CHECKING:
    from ailee.networks import NetworkParams

__all__ = [
    "HEADER_SIZE",
    "BlockHeader",
    "CompactTarget",
    "block_hash",
    "block_work",
    "check_proof_of_work",
    "decode_compact",
    "display_hex",
    "encode_compact",
    "from_display_hex",
    "target_from_bits",
]

#: Bytes in a serialized block header.
HEADER_SIZE: Final = 80
_HEADER: Final = struct.Struct("<i32s32sIII")


def display_hex(hash_bytes: bytes) -> str:
    """Hex of a hash in display (RPC) order: the internal bytes reversed."""
    return hash_bytes[::-1].hex()


def from_display_hex(text: str, what: str) -> bytes:
    """Parse a 32-byte hash given in display order (64 lowercase hex digits)."""
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise DecodeError(
            ReasonCode.HEX_INVALID, f"{what}: expected 64 lowercase hex digits, got {text!r}"
        )
    return bytes.fromhex(text)[::-1]


def block_hash(header: bytes) -> bytes:
    """Double SHA-256 of an 80-byte header (internal order)."""
    return hashlib.sha256(hashlib.sha256(header).digest()).digest()


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """A Bitcoin block header. Hashes are in internal byte order."""

    version: int
    prev_hash: bytes
    merkle_root: bytes
    time: int
    bits: int
    nonce: int

    @classmethod
    def parse(cls, data: bytes) -> BlockHeader:
        """Parse exactly 80 bytes (BTC_HEADER_LENGTH otherwise)."""
        if len(data) != HEADER_SIZE:
            raise DecodeError(
                ReasonCode.BTC_HEADER_LENGTH,
                f"a block header is {HEADER_SIZE} bytes, got {len(data)}",
            )
        return cls(*_HEADER.unpack(data))

    def serialize(self) -> bytes:
        """The 80 wire bytes."""
        return _HEADER.pack(
            self.version, self.prev_hash, self.merkle_root, self.time, self.bits, self.nonce
        )

    def hash(self) -> bytes:
        """The block hash (internal order)."""
        return block_hash(self.serialize())


@dataclass(frozen=True, slots=True)
class CompactTarget:
    """A decoded ``nBits`` value, with Core's negative and overflow flags."""

    target: int
    negative: bool
    overflow: bool


def decode_compact(bits: int) -> CompactTarget:
    """Decode ``nBits`` exactly as ``arith_uint256::SetCompact`` does.

    The value is truncated to 256 bits when the overflow flag is set, as in Core.
    """
    size = bits >> 24
    word = bits & 0x007FFFFF
    if size <= 3:
        # Core shifts the word itself here, so the flags below see the shifted word.
        word >>= 8 * (3 - size)
        value = word
    else:
        value = word << (8 * (size - 3))
    negative = word != 0 and (bits & 0x00800000) != 0
    overflow = word != 0 and (
        size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 32)
    )
    return CompactTarget(value & ((1 << 256) - 1), negative, overflow)


def encode_compact(target: int) -> int:
    """Encode a non-negative target as ``nBits`` (``arith_uint256::GetCompact``)."""
    if target < 0 or target >= 1 << 256:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"target out of range: {target}")
    size = (target.bit_length() + 7) // 8
    compact = target << (8 * (3 - size)) if size <= 3 else target >> (8 * (size - 3))
    if compact & 0x00800000:
        compact >>= 8
        size += 1
    return compact | (size << 24)


def target_from_bits(bits: int, params: NetworkParams) -> int:
    """The target ``bits`` encodes, or raise if Core's ``DeriveTarget`` rejects it."""
    decoded = decode_compact(bits)
    if decoded.negative:
        raise VerificationError(ReasonCode.POW_TARGET_NEGATIVE, f"nBits {bits:08x} is negative")
    if decoded.overflow:
        raise VerificationError(ReasonCode.POW_TARGET_OVERFLOW, f"nBits {bits:08x} overflows")
    if decoded.target == 0:
        raise VerificationError(ReasonCode.POW_TARGET_ZERO, f"nBits {bits:08x} is zero")
    if decoded.target > params.pow_limit:
        raise VerificationError(
            ReasonCode.POW_TARGET_ABOVE_LIMIT,
            f"nBits {bits:08x} is easier than the {params.name} proof-of-work limit",
        )
    return decoded.target


def check_proof_of_work(hash_bytes: bytes, bits: int, params: NetworkParams) -> int:
    """Check a block hash against its ``nBits`` (``CheckProofOfWork``); return the target."""
    target = target_from_bits(bits, params)
    if int.from_bytes(hash_bytes, "little") > target:
        raise VerificationError(
            ReasonCode.POW_INSUFFICIENT,
            f"block {display_hex(hash_bytes)} does not meet its target {bits:08x}",
        )
    return target


def block_work(target: int) -> int:
    """Expected hashes to find a block at ``target``: ``2**256 // (target + 1)``."""
    return (1 << 256) // (target + 1)
