"""Merkle trees over section records: a plain tree and a Merkle-sum tree.

Consensus-critical.

Shape (both trees): RFC 6962 / RFC 9162. The tree of n > 1 leaves is a node over the
tree of the first k leaves and the tree of the other n - k, where k is the largest
power of two below n. Equivalently, built bottom-up: pair neighbours level by level
and carry an odd last node up unchanged. No node is ever duplicated, so two
different leaf lists cannot give one root (CVE-2012-2459 cannot happen here).

Plain tree: a node is ``tagged_hash("ailee/v2/node", left || right)``.

Sum tree: a node is a pair (hash, sum). A leaf's sum is its account balance. An inner
node is ``(tagged_hash("ailee/v2/sum-node", lh || u64be(ls) || rh || u64be(rs)), ls + rs)``:
the hash commits to *both* children's sums, so a prover cannot move value between
subtrees while keeping the total. Every sum is at most ``MAX_AMOUNT``.

The empty tree's hash is ``tagged_hash("ailee/v2/empty", b"")`` (sum 0).

Paths list the sibling of each level from the leaf up, skipping levels where the
node is carried up without a sibling; their count is fixed by (index, size).
"""

from __future__ import annotations

import hashlib
import operator
import struct
from collections.abc import Sequence
from typing import Final

from ailee.errors import ProofError, ReasonCode, VerificationError
from ailee.hashing import Tag, tagged_hash, tagged_hasher
from ailee.limits import MAX_AMOUNT, MAX_PROOF_PATH

__all__ = [
    "EMPTY_ROOT",
    "SumNode",
    "merkle_path",
    "merkle_root",
    "root_from_path",
    "root_from_sum_path",
    "sum_merkle_path",
    "sum_merkle_root",
    "sum_node",
]

#: Hash of the empty tree (plain and sum trees alike).
EMPTY_ROOT: Final = tagged_hash(Tag.EMPTY, b"")

#: A node of a Merkle-sum tree: (hash, sum of the balances below it).
SumNode = tuple[bytes, int]

_node_hash: Final = tagged_hasher(Tag.NODE)
# left hash || u64be(left sum) || right hash || u64be(right sum)
_SUM_NODE_MESSAGE: Final = struct.Struct(">32sQ32sQ")
_SUM_NODE_PREFIX: Final = hashlib.sha256(hashlib.sha256(Tag.SUM_NODE.encode()).digest() * 2)
_sum_node_hash: Final = tagged_hasher(Tag.SUM_NODE)


def _check_sum(total: int) -> int:
    if total > MAX_AMOUNT:
        raise VerificationError(
            ReasonCode.ACCOUNTS_TOTAL_OVERFLOW, f"sum {total} exceeds {MAX_AMOUNT} satoshis"
        )
    return total


def sum_node(left: SumNode, right: SumNode) -> SumNode:
    """The parent of two sum-tree nodes. Sums must be in ``[0, MAX_AMOUNT]``."""
    (lh, ls), (rh, rs) = left, right
    if ls < 0 or rs < 0:
        raise VerificationError(ReasonCode.PROOF_SUM_NEGATIVE, "negative sum")
    total = _check_sum(ls + rs)
    return (_sum_node_hash(_SUM_NODE_MESSAGE.pack(lh, ls, rh, rs)), total)


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Root hash of the plain tree over ``leaves`` (leaf hashes, in order)."""
    if not leaves:
        return EMPTY_ROOT
    return _levels(list(leaves))[-1][0]


def sum_merkle_root(hashes: Sequence[bytes], sums: Sequence[int]) -> SumNode:
    """Root (hash, total) of the sum tree over leaves ``(hashes[i], sums[i])``, in order.

    Raises ``ACCOUNTS_TOTAL_OVERFLOW`` if the total exceeds ``MAX_AMOUNT``.
    """
    if not hashes:
        return (EMPTY_ROOT, 0)
    # Every partial sum is at most the total, so checking the total bounds them all,
    # and the u64 encodings below cannot overflow. Hashes and sums are kept in two
    # flat lists (no tuples) because a million small tuples costs more in garbage
    # collection than the hashing itself.
    if min(sums) < 0:
        raise VerificationError(ReasonCode.PROOF_SUM_NEGATIVE, "negative balance")
    _check_sum(sum(sums))
    level_hashes, level_sums = hashes, sums
    copy, pack = _SUM_NODE_PREFIX.copy, _SUM_NODE_MESSAGE.pack
    while len(level_hashes) > 1:
        odd = len(level_hashes) % 2
        left_sums, right_sums = level_sums[0::2], level_sums[1::2]
        next_hashes: list[bytes] = []
        add = next_hashes.append
        for lh, ls, rh, rs in zip(
            level_hashes[0::2], left_sums, level_hashes[1::2], right_sums, strict=False
        ):
            ctx = copy()  # the tag's midstate, inlined: this loop runs once per node
            ctx.update(pack(lh, ls, rh, rs))
            add(ctx.digest())
        next_sums = list(map(operator.add, left_sums, right_sums))
        if odd:
            next_hashes.append(level_hashes[-1])
            next_sums.append(level_sums[-1])
        level_hashes, level_sums = next_hashes, next_sums
    return (level_hashes[0], level_sums[0])


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise ProofError(
            ReasonCode.PROOF_INDEX_OUT_OF_RANGE, f"leaf index {index} not below tree size {size}"
        )


def _sibling_sides(index: int, size: int) -> list[bool]:
    """For each level where the node has a sibling, from the leaf up: is it on the left?"""
    sides = []
    while size > 1:
        if index % 2:
            sides.append(True)
        elif index + 1 < size:
            sides.append(False)
        index //= 2
        size = (size + 1) // 2
    return sides


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    levels = [leaves]
    node = _node_hash
    while len(levels[-1]) > 1:
        level = levels[-1]
        paired = [node(left + right) for left, right in zip(level[0::2], level[1::2], strict=False)]
        if len(level) % 2:
            paired.append(level[-1])
        levels.append(paired)
    return levels


def merkle_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion path of leaf ``index`` in the plain tree over ``leaves``."""
    _check_index(index, len(leaves))
    levels = _levels(list(leaves))
    path = []
    level_no = 0
    position, size = index, len(leaves)
    while size > 1:
        if position % 2:
            path.append(levels[level_no][position - 1])
        elif position + 1 < size:
            path.append(levels[level_no][position + 1])
        position //= 2
        size = (size + 1) // 2
        level_no += 1
    return path


def sum_merkle_path(hashes: Sequence[bytes], sums: Sequence[int], index: int) -> list[SumNode]:
    """The inclusion path of leaf ``index`` in the sum tree over ``(hashes[i], sums[i])``."""
    _check_index(index, len(hashes))
    level = list(zip(hashes, sums, strict=True))
    path = []
    position = index
    while len(level) > 1:
        if position % 2:
            path.append(level[position - 1])
        elif position + 1 < len(level):
            path.append(level[position + 1])
        paired = [
            sum_node(left, right) for left, right in zip(level[0::2], level[1::2], strict=False)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
        position //= 2
    return path


def _check_shape(index: int, size: int, path_length: int) -> list[bool]:
    _check_index(index, size)
    if path_length > MAX_PROOF_PATH:
        raise ProofError(
            ReasonCode.PROOF_PATH_LENGTH, f"path of {path_length} exceeds {MAX_PROOF_PATH}"
        )
    sides = _sibling_sides(index, size)
    if len(sides) != path_length:
        raise ProofError(
            ReasonCode.PROOF_PATH_LENGTH,
            f"index {index} in a tree of {size} needs a path of {len(sides)}, got {path_length}",
        )
    return sides


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """Recompute the plain tree's root from a leaf hash, its index, the tree size and path.

    Raises :class:`~ailee.errors.ProofError` if index, size and path length disagree.
    """
    sides = _check_shape(index, size, len(path))
    current = leaf
    for sibling_left, sibling in zip(sides, path, strict=True):
        current = _node_hash(sibling + current if sibling_left else current + sibling)
    return current


def root_from_sum_path(leaf: SumNode, index: int, size: int, path: Sequence[SumNode]) -> SumNode:
    """Recompute the sum tree's root (hash, total) from a leaf, its index, size and path.

    Raises :class:`~ailee.errors.ProofError` for a negative sum (``PROOF_SUM_NEGATIVE``),
    a sum over ``MAX_AMOUNT`` (``PROOF_SUM_OVERFLOW``) or a path of the wrong length.
    """
    sides = _check_shape(index, size, len(path))
    for _, value in (leaf, *path):
        if value < 0:
            raise ProofError(ReasonCode.PROOF_SUM_NEGATIVE, f"negative sum {value}")
        if value > MAX_AMOUNT:
            raise ProofError(ReasonCode.PROOF_SUM_OVERFLOW, f"sum {value} exceeds {MAX_AMOUNT}")
    current = leaf
    for sibling_left, sibling in zip(sides, path, strict=True):
        if current[1] + sibling[1] > MAX_AMOUNT:
            raise ProofError(
                ReasonCode.PROOF_SUM_OVERFLOW,
                f"sum {current[1] + sibling[1]} exceeds {MAX_AMOUNT}",
            )
        current = sum_node(sibling, current) if sibling_left else sum_node(current, sibling)
    return current
