"""SPV: prove that a transaction is in the most-work Bitcoin chain, with confirmations.

Consensus-critical. An SPV proof here is a header chain (verified by
:mod:`ailee.headerchain` from a trusted checkpoint or genesis) plus a Merkle proof of
the transaction in one of its blocks (:mod:`ailee.txmerkle`), and optionally the raw
transaction. The checks run in this order, and the first failure is reported:

1. the proof parses (``gettxoutproof`` bytes, or a branch);
2. its block is in the chosen header chain (SPV_BLOCK_NOT_IN_CHAIN);
3. the Merkle proof leads to that block's Merkle root, with the CVE-2012-2459 and
   CVE-2017-12842 defences of :mod:`ailee.txmerkle`;
4. with the raw transaction: it parses strictly, it is not 64 bytes without witness
   (TX_SIZE_64), and its txid is proven (TX_NOT_IN_PROOF);
5. the block has at least ``min_confirmations`` confirmations, counted as
   ``tip height - block height + 1`` (SPV_TOO_FEW_CONFIRMATIONS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ailee.errors import ReasonCode, VerificationError
from ailee.headers import BlockHeader, display_hex
from ailee.transactions import Transaction, parse_transaction, require_not_inner_node_size
from ailee.txmerkle import parse_merkle_block, verify_merkle_branch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ailee.headerchain import HeaderChain

__all__ = ["SpvResult", "verify_branch_proof", "verify_txoutproof"]


@dataclass(frozen=True, slots=True)
class SpvResult:
    """What an SPV proof established. Hashes are in internal byte order."""

    network: str
    block_hash: bytes
    height: int
    confirmations: int
    tip_height: int
    tip_hash: bytes
    #: (position in the block, txid) of every transaction the proof proves.
    proven: tuple[tuple[int, bytes], ...]
    transaction: Transaction | None
    #: Checks that the inputs did not allow, for people (never silently skipped).
    unchecked: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """A JSON-ready summary (hashes in display order)."""
        return {
            "network": self.network,
            "block_hash": display_hex(self.block_hash),
            "height": self.height,
            "confirmations": self.confirmations,
            "tip_height": self.tip_height,
            "tip_hash": display_hex(self.tip_hash),
            "txids": [{"position": p, "txid": display_hex(t)} for p, t in self.proven],
            "unchecked": list(self.unchecked),
        }


def _block_height(chain: HeaderChain, block_hash: bytes) -> int:
    height = chain.height_of(block_hash)
    if height is None:
        raise VerificationError(
            ReasonCode.SPV_BLOCK_NOT_IN_CHAIN,
            f"block {display_hex(block_hash)} is not in the {chain.network} header chain "
            f"(heights {chain.base_height}..{chain.tip_height})",
        )
    return height


def _finish(  # noqa: PLR0917 (private; the parts of one result)
    chain: HeaderChain,
    block_hash: bytes,
    height: int,
    proven: list[tuple[int, bytes]],
    raw_tx: bytes | None,
    min_confirmations: int,
) -> SpvResult:
    transaction = None
    unchecked = [item.describe() for item in chain.unchecked]
    if raw_tx is not None:
        transaction = parse_transaction(raw_tx)
        require_not_inner_node_size(transaction)
        if transaction.txid not in {txid for _, txid in proven}:
            raise VerificationError(
                ReasonCode.TX_NOT_IN_PROOF,
                f"transaction {display_hex(transaction.txid)} is not among the proven txids",
            )
    else:
        unchecked.append(
            "64-byte transaction rule: no raw transaction was given, so the proven txids "
            "are not known to belong to transactions"
        )
    confirmations = chain.tip_height - height + 1
    if confirmations < min_confirmations:
        raise VerificationError(
            ReasonCode.SPV_TOO_FEW_CONFIRMATIONS,
            f"block {display_hex(block_hash)} at height {height} has {confirmations} "
            f"confirmations, {min_confirmations} required",
        )
    return SpvResult(
        network=chain.network,
        block_hash=block_hash,
        height=height,
        confirmations=confirmations,
        tip_height=chain.tip_height,
        tip_hash=chain.tip_hash,
        proven=tuple(proven),
        transaction=transaction,
        unchecked=tuple(unchecked),
    )


def verify_txoutproof(
    proof: bytes,
    chain: HeaderChain,
    *,
    raw_tx: bytes | None = None,
    min_confirmations: int = 1,
) -> SpvResult:
    """Verify Bitcoin Core ``gettxoutproof`` bytes against a verified header chain."""
    block = parse_merkle_block(proof)
    block_hash = block.block_hash
    height = _block_height(chain, block_hash)
    proven = block.verify()
    if not proven:
        raise VerificationError(ReasonCode.TX_NOT_IN_PROOF, "the proof matches no transaction")
    return _finish(chain, block_hash, height, proven, raw_tx, min_confirmations)


def verify_branch_proof(
    txid: bytes,
    position: int,
    branch: Sequence[bytes],
    header: bytes,
    chain: HeaderChain,
    *,
    raw_tx: bytes | None = None,
    min_confirmations: int = 1,
) -> SpvResult:
    """Verify a Merkle branch for ``txid`` in the block with this 80-byte header."""
    parsed = BlockHeader.parse(header)
    block_hash = parsed.hash()
    height = _block_height(chain, block_hash)
    verify_merkle_branch(txid, position, branch, parsed.merkle_root)
    return _finish(chain, block_hash, height, [(position, txid)], raw_tx, min_confirmations)
