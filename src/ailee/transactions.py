"""Bitcoin transactions: strict parsing (segwit included), txids, output checks.

Consensus-critical. Parsing is python-bitcoinlib's; on top of it ailee requires that
the transaction re-serializes to exactly the bytes given (so non-shortest
CompactSizes, a superfluous segwit marker or trailing bytes are rejected), that it has
inputs and outputs, and that every output amount is in [0, 21 million BTC] (some of
Bitcoin Core's ``CheckTransaction``; an SPV verifier sees no inputs' values, so the
rest is Bitcoin's to enforce). Hashes are in internal byte order.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from bitcoin.core import CBlock, CTransaction
from bitcoin.core.serialize import SerializationError

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headers import display_hex
from ailee.limits import MAX_AMOUNT, MAX_TX_BYTES
from ailee.wire import ByteReader, compact_size

__all__ = [
    "Block",
    "Transaction",
    "TxOutput",
    "is_transaction",
    "parse_block",
    "parse_transaction",
    "require_not_inner_node_size",
]

#: A transaction this long without witness has the length of a Merkle inner node.
_INNER_NODE_SIZE = 64


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


@dataclass(frozen=True, slots=True)
class TxOutput:
    """One transaction output: its amount in satoshis and its scriptPubKey."""

    amount: int
    script_pubkey: bytes


@dataclass(frozen=True, slots=True)
class Transaction:
    """A parsed transaction. ``txid`` and ``wtxid`` are in internal byte order."""

    raw: bytes
    txid: bytes
    wtxid: bytes
    stripped_size: int
    input_count: int
    outputs: tuple[TxOutput, ...]

    def output(self, vout: int) -> TxOutput:
        """The output at index ``vout`` (TX_OUTPUT_MISSING if there is none)."""
        if not 0 <= vout < len(self.outputs):
            raise VerificationError(
                ReasonCode.TX_OUTPUT_MISSING,
                f"transaction {display_hex(self.txid)} has {len(self.outputs)} outputs, "
                f"no output {vout}",
            )
        return self.outputs[vout]

    def check_output(
        self, vout: int, *, amount: int | None = None, script_pubkey: bytes | None = None
    ) -> TxOutput:
        """Return output ``vout`` after checking its amount and scriptPubKey if given."""
        out = self.output(vout)
        if amount is not None and out.amount != amount:
            raise VerificationError(
                ReasonCode.TX_OUTPUT_AMOUNT_MISMATCH,
                f"output {vout} pays {out.amount} sat, expected {amount}",
            )
        if script_pubkey is not None and out.script_pubkey != script_pubkey:
            raise VerificationError(
                ReasonCode.TX_OUTPUT_SCRIPT_MISMATCH,
                f"output {vout} pays to {out.script_pubkey.hex()}, expected {script_pubkey.hex()}",
            )
        return out


def parse_transaction(raw: bytes) -> Transaction:
    """Parse a raw transaction strictly (TX_MALFORMED, INPUT_TOO_LARGE)."""
    if not isinstance(raw, bytes):
        raise DecodeError(ReasonCode.TX_MALFORMED, "a raw transaction must be bytes")
    if len(raw) > MAX_TX_BYTES:
        raise DecodeError(
            ReasonCode.INPUT_TOO_LARGE,
            f"transaction of {len(raw)} bytes exceeds the limit of {MAX_TX_BYTES}",
        )
    try:
        tx = CTransaction.deserialize(raw)
        canonical = tx.serialize()
        stripped = tx.serialize(params={"include_witness": False})
    except (SerializationError, struct.error, ValueError, IndexError, OverflowError) as exc:
        raise DecodeError(ReasonCode.TX_MALFORMED, f"transaction does not parse: {exc}") from None
    if canonical != raw:
        raise DecodeError(
            ReasonCode.TX_MALFORMED,
            "transaction is not in canonical form (non-shortest sizes or empty witness)",
        )
    if not tx.vin or not tx.vout:
        raise DecodeError(ReasonCode.TX_MALFORMED, "transaction has no inputs or no outputs")
    outputs = []
    for index, out in enumerate(tx.vout):
        if not 0 <= out.nValue <= MAX_AMOUNT:
            raise DecodeError(
                ReasonCode.TX_MALFORMED, f"output {index} amount {out.nValue} is out of range"
            )
        outputs.append(TxOutput(int(out.nValue), bytes(out.scriptPubKey)))
    return Transaction(
        raw=raw,
        txid=_sha256d(stripped),
        wtxid=_sha256d(raw),
        stripped_size=len(stripped),
        input_count=len(tx.vin),
        outputs=tuple(outputs),
    )


def is_transaction(data: bytes) -> bool:
    """Whether ``data`` is a transaction without witness (used on 64-byte node pairs).

    Only a serialization without witness hashes to a txid, so only such a one could
    pose as a Merkle node.
    """
    try:
        parsed = parse_transaction(data)
    except DecodeError:
        return False
    return parsed.stripped_size == len(data)


def require_not_inner_node_size(tx: Transaction) -> None:
    """Reject a transaction that is 64 bytes without witness (TX_SIZE_64)."""
    if tx.stripped_size == _INNER_NODE_SIZE:
        raise VerificationError(
            ReasonCode.TX_SIZE_64,
            f"transaction {display_hex(tx.txid)} is 64 bytes without witness; it could be a "
            "Merkle inner node posing as a transaction",
        )


@dataclass(frozen=True, slots=True)
class Block:
    """A full block: its 80-byte header and its transactions in order."""

    header: bytes
    transactions: tuple[Transaction, ...]


def parse_block(raw: bytes) -> Block:
    """Parse a full block strictly: each transaction as :func:`parse_transaction` does."""
    if len(raw) > MAX_TX_BYTES:
        raise DecodeError(
            ReasonCode.INPUT_TOO_LARGE,
            f"block of {len(raw)} bytes exceeds the limit of {MAX_TX_BYTES}",
        )
    reader = ByteReader(raw, "block")
    header = reader.read(80)
    count = reader.read_compact_size()
    try:
        block = CBlock.deserialize(raw)
    except (SerializationError, struct.error, ValueError, IndexError, OverflowError) as exc:
        raise DecodeError(ReasonCode.TX_MALFORMED, f"block does not parse: {exc}") from None
    if len(block.vtx) != count:
        raise DecodeError(ReasonCode.TX_MALFORMED, "block transaction count is inconsistent")
    # Re-parse each transaction from its own bytes, so the same strict rules apply.
    transactions = tuple(parse_transaction(tx.serialize()) for tx in block.vtx)
    if header + compact_size(count) + b"".join(tx.raw for tx in transactions) != raw:
        raise DecodeError(ReasonCode.TX_MALFORMED, "block is not in canonical form")
    return Block(header, transactions)
