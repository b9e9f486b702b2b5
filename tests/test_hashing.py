"""Tagged hashes, checked against BIP341's published intermediary values."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from ailee.hashing import Tag, tagged_hash, tagged_hasher
from tests.conftest import external_vector


def _compact_size(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    return b"\xfe" + n.to_bytes(4, "little")


def _leaves(tree: object) -> list[dict[str, object]]:
    if tree is None:
        return []
    if isinstance(tree, dict):
        return [tree]
    assert isinstance(tree, list)
    return [leaf for branch in tree for leaf in _leaves(branch)]


def test_bip341_taptweak_and_tapleaf_hashes() -> None:
    data = json.loads(external_vector("bip341_wallet_test_vectors.json").read_text())
    checked = 0
    for case in data["scriptPubKey"]:
        given_, inter = case["given"], case["intermediary"]
        leaves = _leaves(given_["scriptTree"])
        if leaves:
            expected = inter["leafHashes"]
            for leaf, leaf_hash in zip(leaves, expected, strict=True):
                script = bytes.fromhex(str(leaf["script"]))
                version = int(str(leaf["leafVersion"]))
                message = bytes([version]) + _compact_size(len(script)) + script
                assert tagged_hash("TapLeaf", message).hex() == leaf_hash
                checked += 1
        merkle_root = bytes.fromhex(inter["merkleRoot"]) if inter["merkleRoot"] else b""
        internal = bytes.fromhex(given_["internalPubkey"])
        assert tagged_hash("TapTweak", internal + merkle_root).hex() == inter["tweak"]
        checked += 1
    assert checked >= 14


def test_definition() -> None:
    tag = hashlib.sha256(b"ailee/v2/node").digest()
    assert tagged_hash(Tag.NODE, b"msg") == hashlib.sha256(tag + tag + b"msg").digest()
    assert tag.hex() == "2307a76dcf48acfac60950c8aebf1af5d82c8e1f0eee65007f622a949a28e28a"
    assert (
        tagged_hash(Tag.EMPTY, b"").hex()
        == "fd3ea883fc936daeaccef515010ebc75dc93f5bb34aa5b37e1248825aaa16767"
    )


def test_tags_are_distinct_and_ascii() -> None:
    values = [tag.value for tag in Tag]
    assert len(set(values)) == len(values)
    bip341 = {"TapLeaf", "TapBranch", "TapTweak"}
    assert all(value.isascii() for value in values)
    assert all(value.startswith("ailee/v2/") for value in values if value not in bip341)
    assert bip341 <= set(values)


@given(st.sampled_from(list(Tag)), st.binary(max_size=200))
def test_fast_hasher_matches_definition(tag: Tag, message: bytes) -> None:
    assert tagged_hasher(tag)(message) == tagged_hash(tag, message)


@given(st.binary(max_size=64))
def test_domain_separation(message: bytes) -> None:
    assert tagged_hash(Tag.NODE, message) != tagged_hash(Tag.SUM_NODE, message)
    assert tagged_hash(Tag.LEAF_ACCOUNTS, message) != tagged_hash(Tag.LEAF_PEGINS, message)
