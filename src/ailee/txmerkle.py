"""Merkle inclusion of transactions in Bitcoin blocks: branches and BIP37 proofs.

Consensus-critical. Two proof forms are checked:

* a **branch**: a txid, its position in the block and the sibling hashes from the
  leaf up. The position, not a comparison of hashes, decides left and right. A right
  node that equals its left sibling is rejected: Bitcoin only duplicates a level's
  last node as a *left* child, so such a position is made up (CVE-2012-2459).
* a **merkle block** as Bitcoin Core's ``gettxoutproof`` writes it: an 80-byte header
  and a BIP37 partial Merkle tree, checked as Core's ``CPartialMerkleTree::
  ExtractMatches`` does (transaction count bounds, no more hashes than transactions,
  no fewer flag bits than hashes, every hash and flag byte used, identical sibling
  subtrees rejected), and stricter in one point: unused bits of the last flag byte
  must be zero, so each proof has one encoding.

Both forms can also refuse any pair of sibling nodes that reads as a transaction
(CVE-2017-12842, as Electrum does): a 64-byte transaction in a block would let its
halves pose as a subtree. All hashes are in internal byte order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headers import HEADER_SIZE, BlockHeader, block_hash, display_hex
from ailee.transactions import is_transaction
from ailee.wire import ByteReader, compact_size

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "MAX_BLOCK_TRANSACTIONS",
    "MAX_BRANCH_LENGTH",
    "MerkleBlock",
    "PartialMerkleTree",
    "branch_root",
    "merkle_root",
    "parse_merkle_block",
    "verify_merkle_branch",
]

#: MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT: Core's bound on a block's transactions.
MAX_BLOCK_TRANSACTIONS: Final = 4_000_000 // 240
#: Tree depth of a block with MAX_BLOCK_TRANSACTIONS transactions.
MAX_BRANCH_LENGTH: Final = (MAX_BLOCK_TRANSACTIONS - 1).bit_length()


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def merkle_root(txids: Sequence[bytes]) -> tuple[bytes, bool]:
    """Core's ``ComputeMerkleRoot``: the root and whether the tree is *mutated*.

    Mutated means two identical siblings were hashed somewhere (CVE-2012-2459): the
    same root would also come from a different transaction list.
    """
    if not txids:
        return bytes(32), False
    level = list(txids)
    mutated = False
    while len(level) > 1:
        mutated = mutated or any(level[k] == level[k + 1] for k in range(0, len(level) - 1, 2))
        if len(level) % 2:
            level.append(level[-1])
        level = [_sha256d(level[k] + level[k + 1]) for k in range(0, len(level), 2)]
    return level[0], mutated


def _reject_tx_pair(left: bytes, right: bytes, height: int) -> None:
    if is_transaction(left + right):
        raise VerificationError(
            ReasonCode.MERKLE_INNER_NODE_IS_TX,
            f"the nodes at level {height} read as a 64-byte transaction (CVE-2017-12842)",
        )


def branch_root(
    txid: bytes, position: int, branch: Sequence[bytes], *, check_inner_nodes: bool = True
) -> bytes:
    """The Merkle root a branch leads to from ``txid`` at ``position``."""
    if len(branch) > MAX_BRANCH_LENGTH:
        raise VerificationError(
            ReasonCode.MERKLE_BRANCH_TOO_LONG,
            f"branch of {len(branch)} hashes; no block needs more than {MAX_BRANCH_LENGTH}",
        )
    if not 0 <= position < 1 << len(branch):
        raise VerificationError(
            ReasonCode.MERKLE_INDEX_OUT_OF_RANGE,
            f"position {position} does not fit a branch of {len(branch)} hashes",
        )
    node = txid
    for height, sibling in enumerate(branch):
        if (position >> height) & 1:
            if sibling == node:
                raise VerificationError(
                    ReasonCode.MERKLE_PHANTOM_DUPLICATE,
                    f"at level {height} a right node equals its left sibling",
                )
            left, right = sibling, node
        else:
            left, right = node, sibling
        if check_inner_nodes:
            _reject_tx_pair(left, right, height)
        node = _sha256d(left + right)
    return node


def verify_merkle_branch(
    txid: bytes,
    position: int,
    branch: Sequence[bytes],
    expected_root: bytes,
    *,
    tx_count: int | None = None,
    check_inner_nodes: bool = True,
) -> None:
    """Check that ``txid`` is at ``position`` in the block whose Merkle root is given.

    With ``tx_count`` (from another proof of the same block), the position must be
    below it and the branch exactly as long as the tree is deep.
    """
    if tx_count is not None:
        depth = (tx_count - 1).bit_length()
        if not 0 <= position < tx_count or len(branch) != depth:
            raise VerificationError(
                ReasonCode.MERKLE_INDEX_OUT_OF_RANGE,
                f"position {position} with {len(branch)} hashes does not fit a block of "
                f"{tx_count} transactions",
            )
    root = branch_root(txid, position, branch, check_inner_nodes=check_inner_nodes)
    if root != expected_root:
        raise VerificationError(
            ReasonCode.MERKLE_ROOT_MISMATCH,
            f"branch leads to {display_hex(root)}, the block's Merkle root is "
            f"{display_hex(expected_root)}",
        )


@dataclass(frozen=True, slots=True)
class PartialMerkleTree:
    """A BIP37 partial Merkle tree: transaction count, hashes and flag bits."""

    tx_count: int
    hashes: tuple[bytes, ...]
    flags: bytes

    def serialize(self) -> bytes:
        """Wire bytes: count (u32), CompactSize + hashes, CompactSize + flag bytes."""
        return (
            self.tx_count.to_bytes(4, "little")
            + compact_size(len(self.hashes))
            + b"".join(self.hashes)
            + compact_size(len(self.flags))
            + self.flags
        )

    def extract_matches(
        self, *, check_inner_nodes: bool = True
    ) -> tuple[bytes, list[tuple[int, bytes]]]:
        """Core's ``ExtractMatches``: the Merkle root and the matched (position, txid)."""
        count = self.tx_count
        if count == 0:
            raise VerificationError(ReasonCode.PMT_NO_TRANSACTIONS, "tree of 0 transactions")
        if count > MAX_BLOCK_TRANSACTIONS:
            raise VerificationError(
                ReasonCode.PMT_TOO_MANY_TRANSACTIONS,
                f"{count} transactions; a block holds at most {MAX_BLOCK_TRANSACTIONS}",
            )
        if len(self.hashes) > count:
            raise VerificationError(
                ReasonCode.PMT_TOO_MANY_HASHES,
                f"{len(self.hashes)} hashes for {count} transactions",
            )
        bit_count = len(self.flags) * 8
        if bit_count < len(self.hashes):
            raise VerificationError(
                ReasonCode.PMT_TOO_FEW_BITS,
                f"{bit_count} flag bits for {len(self.hashes)} hashes",
            )
        height = (count - 1).bit_length()
        walk = _Walk(self, check_inner_nodes)
        root = walk.traverse(height, 0)
        if (walk.bits_used + 7) // 8 != len(self.flags) or walk.hashes_used != len(self.hashes):
            raise VerificationError(
                ReasonCode.PMT_UNUSED_DATA,
                f"the tree uses {walk.hashes_used} of {len(self.hashes)} hashes and "
                f"{walk.bits_used} of {bit_count} flag bits",
            )
        if walk.bits_used % 8 and self.flags[-1] >> (walk.bits_used % 8):
            raise VerificationError(
                ReasonCode.PMT_NONZERO_PADDING, "unused bits of the last flag byte are set"
            )
        return root, walk.matches


class _Walk:
    """One depth-first pass over a partial Merkle tree (``TraverseAndExtract``)."""

    def __init__(self, tree: PartialMerkleTree, check_inner_nodes: bool) -> None:
        self.tree = tree
        self.check_inner_nodes = check_inner_nodes
        self.bits_used = 0
        self.hashes_used = 0
        self.matches: list[tuple[int, bytes]] = []

    def width(self, height: int) -> int:
        return (self.tree.tx_count + (1 << height) - 1) >> height

    def traverse(self, height: int, position: int) -> bytes:
        tree = self.tree
        if self.bits_used >= len(tree.flags) * 8:
            raise VerificationError(ReasonCode.PMT_OVERRUN, "the tree needs more flag bits")
        used = self.bits_used
        parent_of_match = (tree.flags[used >> 3] >> (used & 7)) & 1
        self.bits_used += 1
        if height == 0 or not parent_of_match:
            if self.hashes_used >= len(tree.hashes):
                raise VerificationError(ReasonCode.PMT_OVERRUN, "the tree needs more hashes")
            node = tree.hashes[self.hashes_used]
            self.hashes_used += 1
            if height == 0 and parent_of_match:
                self.matches.append((position, node))
            return node
        left = self.traverse(height - 1, position * 2)
        if position * 2 + 1 < self.width(height - 1):
            right = self.traverse(height - 1, position * 2 + 1)
            if right == left:
                raise VerificationError(
                    ReasonCode.PMT_DUPLICATE_SUBTREE,
                    f"identical sibling subtrees at height {height - 1} (CVE-2012-2459)",
                )
        else:
            right = left
        if self.check_inner_nodes:
            _reject_tx_pair(left, right, height - 1)
        return _sha256d(left + right)


@dataclass(frozen=True, slots=True)
class MerkleBlock:
    """A block header with a partial Merkle tree: Core's ``gettxoutproof`` output."""

    header: bytes
    tree: PartialMerkleTree

    @property
    def block_hash(self) -> bytes:
        """Hash of the header (internal order)."""
        return block_hash(self.header)

    def serialize(self) -> bytes:
        """The wire bytes, as ``gettxoutproof`` prints them (in hex)."""
        return self.header + self.tree.serialize()

    def verify(self, *, check_inner_nodes: bool = True) -> list[tuple[int, bytes]]:
        """Check the tree against the header's Merkle root; return the matches."""
        root, matches = self.tree.extract_matches(check_inner_nodes=check_inner_nodes)
        expected = BlockHeader.parse(self.header).merkle_root
        if root != expected:
            raise VerificationError(
                ReasonCode.MERKLE_ROOT_MISMATCH,
                f"partial Merkle tree gives root {display_hex(root)}, the header has "
                f"{display_hex(expected)}",
            )
        return matches


def parse_merkle_block(data: bytes) -> MerkleBlock:
    """Parse ``gettxoutproof`` bytes strictly (no trailing bytes, canonical sizes)."""
    reader = ByteReader(data, "merkle block")
    header = reader.read(HEADER_SIZE)
    tx_count = reader.read_u32()
    hash_count = reader.read_compact_size()
    if hash_count * 32 > reader.remaining:
        raise DecodeError(
            ReasonCode.BTC_TRUNCATED,
            f"merkle block: {hash_count} hashes announced, {reader.remaining} bytes left",
        )
    hashes = tuple(reader.read(32) for _ in range(hash_count))
    flag_count = reader.read_compact_size()
    flags = reader.read(flag_count)
    reader.finish()
    return MerkleBlock(header, PartialMerkleTree(tx_count, hashes, flags))
