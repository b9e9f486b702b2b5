"""Tree shape against an independent RFC 6962 recursion; paths; sums; tampering."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailee.errors import ProofError, ReasonCode, VerificationError
from ailee.hashing import Tag, tagged_hash
from ailee.limits import MAX_AMOUNT, MAX_PROOF_PATH
from ailee.merkle import (
    EMPTY_ROOT,
    merkle_path,
    merkle_root,
    root_from_path,
    root_from_sum_path,
    sum_merkle_path,
    sum_merkle_root,
    sum_node,
)


def _leaf(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(4, "big")).digest()


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written independently: split at the largest power of two."""
    if not leaves:
        return tagged_hash(Tag.EMPTY, b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return tagged_hash(Tag.NODE, _reference_root(leaves[:k]) + _reference_root(leaves[k:]))


def _reference_sum_root(leaves: list[tuple[bytes, int]]) -> tuple[bytes, int]:
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    (lh, ls), (rh, rs) = _reference_sum_root(leaves[:k]), _reference_sum_root(leaves[k:])
    message = lh + ls.to_bytes(8, "big") + rh + rs.to_bytes(8, "big")
    return tagged_hash(Tag.SUM_NODE, message), ls + rs


@pytest.mark.parametrize("n", range(71))
def test_plain_root_matches_rfc6962_recursion(n: int) -> None:
    leaves = [_leaf(i) for i in range(n)]
    assert merkle_root(leaves) == _reference_root(leaves)


@pytest.mark.parametrize("n", range(1, 71))
def test_sum_root_matches_recursion(n: int) -> None:
    leaves = [(_leaf(i), i * 1000 + 1) for i in range(n)]
    hashes, sums = [h for h, _ in leaves], [s for _, s in leaves]
    assert sum_merkle_root(hashes, sums) == _reference_sum_root(leaves)


def test_empty_trees() -> None:
    assert merkle_root([]) == EMPTY_ROOT
    assert sum_merkle_root([], []) == (EMPTY_ROOT, 0)


def test_no_duplication_attack() -> None:
    # CVE-2012-2459: with duplicate-last-node padding, [a, b, c] and [a, b, c, c] collide.
    a, b, c = _leaf(1), _leaf(2), _leaf(3)
    assert merkle_root([a, b, c]) != merkle_root([a, b, c, c])
    assert merkle_root([a, b]) != merkle_root([a, b, a, b])


@pytest.mark.parametrize("n", range(1, 41))
def test_every_path_verifies(n: int) -> None:
    leaves = [_leaf(i) for i in range(n)]
    sums = list(range(10, 10 + n))
    root = merkle_root(leaves)
    sum_root = sum_merkle_root(leaves, sums)
    for i in range(n):
        path = merkle_path(leaves, i)
        assert root_from_path(leaves[i], i, n, path) == root
        sum_path = sum_merkle_path(leaves, sums, i)
        assert [h for h, _ in sum_path] != [] or n == 1
        assert root_from_sum_path((leaves[i], sums[i]), i, n, sum_path) == sum_root


@given(st.integers(2, 33), st.data())
def test_any_flipped_byte_breaks_a_path(n: int, data: st.DataObject) -> None:
    leaves = [_leaf(i) for i in range(n)]
    index = data.draw(st.integers(0, n - 1))
    path = merkle_path(leaves, index)
    root = merkle_root(leaves)
    which = data.draw(st.integers(-1, len(path) - 1))
    byte = data.draw(st.integers(0, 31))
    if which == -1:
        leaf = bytearray(leaves[index])
        leaf[byte] ^= 1
        assert root_from_path(bytes(leaf), index, n, path) != root
    else:
        element = bytearray(path[which])
        element[byte] ^= 0x80
        changed = [*path[:which], bytes(element), *path[which + 1 :]]
        assert root_from_path(leaves[index], index, n, changed) != root


def test_shape_errors() -> None:
    leaves = [_leaf(i) for i in range(5)]
    path = merkle_path(leaves, 4)
    with pytest.raises(ProofError) as info:
        root_from_path(leaves[4], 5, 5, path)
    assert info.value.code is ReasonCode.PROOF_INDEX_OUT_OF_RANGE
    with pytest.raises(ProofError) as info:
        root_from_path(leaves[4], -1, 5, path)
    assert info.value.code is ReasonCode.PROOF_INDEX_OUT_OF_RANGE
    with pytest.raises(ProofError) as info:
        root_from_path(leaves[4], 4, 5, [*path, path[0]])
    assert info.value.code is ReasonCode.PROOF_PATH_LENGTH
    with pytest.raises(ProofError) as info:
        root_from_path(leaves[4], 4, 8, path)
    assert info.value.code is ReasonCode.PROOF_PATH_LENGTH
    with pytest.raises(ProofError) as info:
        root_from_path(leaves[0], 0, 2**30, [leaves[0]] * 30)
    assert info.value.code is ReasonCode.PROOF_PATH_LENGTH
    with pytest.raises(ProofError) as info:
        merkle_path(leaves, 5)
    assert info.value.code is ReasonCode.PROOF_INDEX_OUT_OF_RANGE


def test_tree_root_alone_does_not_bind_the_size() -> None:
    # Leaf 2 of 3 and "leaf 1 of 2" walk the same way up, so the bare tree root cannot
    # tell the sizes apart. This is why section roots commit to the record count
    # (spec section 8); the state-level proofs then bind (index, size).
    leaves = [_leaf(i) for i in range(3)]
    path = merkle_path(leaves, 2)
    assert root_from_path(leaves[2], 1, 2, path) == merkle_root(leaves)
    assert root_from_path(leaves[2], 0, 3, [path[0], leaves[1]]) != merkle_root(leaves)


def test_sum_errors() -> None:
    leaves = [_leaf(i) for i in range(4)]
    sums = [1, 2, 3, 4]
    path = sum_merkle_path(leaves, sums, 1)
    negative = [(path[0][0], -1), *path[1:]]
    with pytest.raises(ProofError) as info:
        root_from_sum_path((leaves[1], 2), 1, 4, negative)
    assert info.value.code is ReasonCode.PROOF_SUM_NEGATIVE
    with pytest.raises(ProofError) as info:
        root_from_sum_path((leaves[1], -2), 1, 4, path)
    assert info.value.code is ReasonCode.PROOF_SUM_NEGATIVE
    huge = [(path[0][0], MAX_AMOUNT + 1), *path[1:]]
    with pytest.raises(ProofError) as info:
        root_from_sum_path((leaves[1], 2), 1, 4, huge)
    assert info.value.code is ReasonCode.PROOF_SUM_OVERFLOW
    big = [(h, MAX_AMOUNT) for h, _ in path]
    with pytest.raises(ProofError) as info:
        root_from_sum_path((leaves[1], 2), 1, 4, big)
    assert info.value.code is ReasonCode.PROOF_SUM_OVERFLOW
    with pytest.raises(VerificationError) as verr:
        sum_merkle_root(leaves[:2], [MAX_AMOUNT, 1])
    assert verr.value.code is ReasonCode.ACCOUNTS_TOTAL_OVERFLOW
    assert sum_merkle_root(leaves[:2], [MAX_AMOUNT - 1, 1])[1] == MAX_AMOUNT
    with pytest.raises(VerificationError) as verr:
        sum_node((leaves[0], -1), (leaves[1], 1))
    assert verr.value.code is ReasonCode.PROOF_SUM_NEGATIVE


def test_sum_node_commits_to_each_child_sum() -> None:
    a, b = _leaf(1), _leaf(2)
    assert sum_node((a, 5), (b, 5)) != sum_node((a, 4), (b, 6))
    assert sum_node((a, 5), (b, 5))[1] == sum_node((a, 4), (b, 6))[1] == 10


def test_leaf_and_node_tags_differ() -> None:
    a, b = _leaf(1), _leaf(2)
    assert merkle_root([a, b]) != merkle_root([b, a])
    assert tagged_hash(Tag.NODE, a + b) != tagged_hash(Tag.LEAF_ACCOUNTS, a + b)


def test_sum_path_refuses_hashes_and_sums_of_different_lengths() -> None:
    # Found by mutation testing: without the check the extra hash would be dropped and
    # a path for a shorter tree returned.
    with pytest.raises(ValueError, match="zip"):
        sum_merkle_path([_leaf(0), _leaf(1)], [1], 0)
    with pytest.raises(ValueError, match="zip"):
        sum_merkle_path([_leaf(0)], [1, 2], 0)


def test_sum_bounds_are_inclusive() -> None:
    # Found by mutation testing: zero and MAX_AMOUNT are valid sums, at a leaf, a
    # sibling and a parent.
    a, b = _leaf(0), _leaf(1)
    assert sum_node((a, 0), (b, 0)) == sum_merkle_root([a, b], [0, 0])
    assert sum_node((a, 0), (b, 7))[1] == 7
    assert root_from_sum_path((a, MAX_AMOUNT), 0, 1, []) == (a, MAX_AMOUNT)
    root = sum_merkle_root([a, b], [MAX_AMOUNT - 1, 1])
    assert root_from_sum_path((a, MAX_AMOUNT - 1), 0, 2, [(b, 1)]) == root
    assert root_from_sum_path((b, 1), 1, 2, [(a, MAX_AMOUNT - 1)]) == root


def test_longest_path_is_accepted() -> None:
    # A tree of 2^MAX_PROOF_PATH leaves has paths of exactly MAX_PROOF_PATH hashes.
    size = 1 << MAX_PROOF_PATH
    path = [_leaf(i) for i in range(MAX_PROOF_PATH)]
    expected = _leaf(99)
    for sibling in path:
        expected = tagged_hash(Tag.NODE, expected + sibling)
    assert root_from_path(_leaf(99), 0, size, path) == expected
    with pytest.raises(ProofError) as info:
        root_from_path(_leaf(99), 0, size * 2, [*path, path[0]])
    assert info.value.code is ReasonCode.PROOF_PATH_LENGTH


def test_sum_root_refuses_a_negative_sum() -> None:
    with pytest.raises(VerificationError) as info:
        sum_merkle_root([_leaf(0), _leaf(1)], [5, -1])
    assert info.value.code is ReasonCode.PROOF_SUM_NEGATIVE


def test_sum_and_shape_errors_say_what() -> None:
    h = bytes(32)
    with pytest.raises(VerificationError) as info:
        sum_node((h, -1), (h, 0))
    assert (info.value.code, info.value.message) == (ReasonCode.PROOF_SUM_NEGATIVE, "negative sum")
    with pytest.raises(VerificationError) as info:
        sum_merkle_root([h], [-1])
    assert (info.value.code, info.value.message) == (
        ReasonCode.PROOF_SUM_NEGATIVE,
        "negative balance",
    )
    too_long = MAX_PROOF_PATH + 1
    with pytest.raises(ProofError) as info:
        root_from_path(h, 0, 2, [h] * too_long)
    assert (info.value.code, info.value.message) == (
        ReasonCode.PROOF_PATH_LENGTH,
        f"path of {too_long} exceeds {MAX_PROOF_PATH}",
    )
