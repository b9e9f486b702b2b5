"""Merkle inclusion in Bitcoin blocks: real blocks and proofs pass, known attacks fail."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headers import BlockHeader, display_hex
from ailee.transactions import parse_block
from ailee.txmerkle import (
    MAX_BLOCK_TRANSACTIONS,
    MAX_BRANCH_LENGTH,
    MerkleBlock,
    PartialMerkleTree,
    branch_root,
    merkle_root,
    parse_merkle_block,
    verify_merkle_branch,
)
from tests.btc import internal, load_bytes, load_json, regtest


def code_of(call: object, *args: object, **kwargs: object) -> ReasonCode:
    with pytest.raises((VerificationError, DecodeError)) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value.code


# --- full blocks ------------------------------------------------------------------


def test_real_blocks_merkle_roots_and_branches() -> None:
    blocks = load_json("mainnet_blocks.json")["blocks"]
    assert len(blocks) == 12
    for block in blocks:
        header = BlockHeader.parse(bytes.fromhex(block["header_hex"]))
        txids = [internal(t) for t in block["txids"]]
        root, mutated = merkle_root(txids)
        assert root == header.merkle_root, block["name"]
        assert not mutated
        for branch in block.get("merkle_branches_DERIVED", []):
            verify_merkle_branch(
                internal(branch["txid"]),
                branch["index"],
                [internal(h) for h in branch["branch"]],
                header.merkle_root,
                tx_count=len(txids),
            )
        if "raw_block_hex" in block:
            parsed = parse_block(bytes.fromhex(block["raw_block_hex"]))
            assert [display_hex(tx.txid) for tx in parsed.transactions] == block["txids"]


def test_core_bench_block_413567() -> None:
    parsed = parse_block(load_bytes("mainnet_block_413567.raw"))
    assert len(parsed.transactions) == 1557
    root, mutated = merkle_root([tx.txid for tx in parsed.transactions])
    assert root == BlockHeader.parse(parsed.header).merkle_root
    assert not mutated


def test_segwit_block_wtxids() -> None:
    block = next(b for b in load_json("mainnet_blocks.json")["blocks"] if "wtxids" in b)
    assert len(block["wtxids"]) == 3315
    root, mutated = merkle_root([internal(t) for t in block["txids"]])
    assert root == internal(block["merkle_root"])
    assert not mutated


def test_mutation_is_detected() -> None:
    a, b, c = (bytes([k]) * 32 for k in (1, 2, 3))
    root3, mutated3 = merkle_root([a, b, c])
    root4, mutated4 = merkle_root([a, b, c, c])  # CVE-2012-2459: same root
    assert root3 == root4
    assert not mutated3
    assert mutated4


# --- branches ---------------------------------------------------------------------


def electrum_cases() -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in load_json("electrum_spv_attack_vectors.json")["cases"]}


def electrum_args(case: dict[str, object]) -> tuple[bytes, int, list[bytes], bytes]:
    return (
        internal(str(case["txid"])),
        int(case["index"]),  # type: ignore[call-overload]
        [internal(h) for h in case["branch"]],  # type: ignore[attr-defined]
        internal(str(case["merkle_root"])),
    )


def test_electrum_valid_cases() -> None:
    cases = electrum_cases()
    verify_merkle_branch(
        *electrum_args(cases["CVE-2012-2459 valid right-sibling duplicate (3-tx block, last tx)"])
    )
    # The real 64-byte testnet transaction's own branch is fine as a branch; what
    # refuses it is the transaction-size rule when the transaction itself is given.
    verify_merkle_branch(*electrum_args(cases["CVE-2017-12842 legit 64-byte tx"]))


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("CVE-2017-12842 forged leaf (odd)", ReasonCode.MERKLE_INNER_NODE_IS_TX),
        ("CVE-2017-12842 forged leaf (even)", ReasonCode.MERKLE_INNER_NODE_IS_TX),
        (
            "CVE-2012-2459 phantom position (left-sibling duplicate)",
            ReasonCode.MERKLE_PHANTOM_DUPLICATE,
        ),
    ],
)
def test_electrum_attacks_are_refused(name: str, code: ReasonCode) -> None:
    case = electrum_cases()[name]
    assert code_of(verify_merkle_branch, *electrum_args(case)) is code
    # The forged leaves do reach the real Merkle root: only the checks stop them.
    txid, position, branch, root = electrum_args(case)
    if code is ReasonCode.MERKLE_INNER_NODE_IS_TX:
        assert branch_root(txid, position, branch, check_inner_nodes=False) == root


def test_branch_shape_errors() -> None:
    txid, sibling = b"\x01" * 32, b"\x02" * 32
    root = branch_root(txid, 0, [sibling])
    assert code_of(branch_root, txid, 2, [sibling]) is ReasonCode.MERKLE_INDEX_OUT_OF_RANGE
    assert code_of(branch_root, txid, -1, [sibling]) is ReasonCode.MERKLE_INDEX_OUT_OF_RANGE
    long = [sibling] * (MAX_BRANCH_LENGTH + 1)
    assert code_of(branch_root, txid, 0, long) is ReasonCode.MERKLE_BRANCH_TOO_LONG
    assert (
        code_of(verify_merkle_branch, txid, 1, [sibling], root) is ReasonCode.MERKLE_ROOT_MISMATCH
    )
    assert (
        code_of(verify_merkle_branch, txid, 0, [sibling], root, tx_count=3)
        is ReasonCode.MERKLE_INDEX_OUT_OF_RANGE
    )  # 3 transactions need 2 levels
    verify_merkle_branch(txid, 0, [sibling], root, tx_count=2)
    assert MAX_BRANCH_LENGTH == 15
    assert MAX_BLOCK_TRANSACTIONS == 16_666


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.data())
def test_every_position_of_random_blocks_proves(count: int, data: st.DataObject) -> None:
    txids = [regtest.sha256d(bytes([k, count])) for k in range(count)]
    root, _ = merkle_root(txids)
    position = data.draw(st.integers(min_value=0, max_value=count - 1))
    raw = regtest.merkle_block(b"\x00" * 80, txids, {position})
    tree = parse_merkle_block(raw).tree
    got_root, matches = tree.extract_matches()
    assert got_root == root
    assert matches == [(position, txids[position])]


# --- BIP37 partial Merkle trees ---------------------------------------------------


def test_real_gettxoutproof_outputs() -> None:
    data = load_json("mainnet_txoutproofs_830000_831332.json")
    assert len(data["proofs"]) == 11
    for proof in data["proofs"]:
        raw = bytes.fromhex(proof["txoutproof_hex"])
        block = parse_merkle_block(raw)
        assert block.serialize() == raw
        assert display_hex(block.block_hash) == proof["block_hash"]
        assert block.tree.tx_count == proof["n_tx"]
        matches = block.verify()
        assert [(i, display_hex(t)) for i, t in matches] == [
            (m["index"], m["txid"]) for m in proof["matched"]
        ]


def test_core_bloom_merkle_block() -> None:
    cases = load_json("bip37_partial_merkle_cases.json")
    serialized = next(c for c in cases if "merkleblock_hex" in c)
    block = parse_merkle_block(bytes.fromhex(serialized["merkleblock_hex"]))
    root, matches = block.tree.extract_matches()
    assert display_hex(root) == serialized["expect_root"]
    assert [(i, display_hex(t)) for i, t in matches] == [
        (m["index"], m["txid"]) for m in serialized["expect_matches"]
    ]
    derived = next(c for c in cases if "merkleblock_hex_DERIVED" in c)
    block = parse_merkle_block(bytes.fromhex(derived["merkleblock_hex_DERIVED"]))
    root, matches = block.tree.extract_matches()
    assert display_hex(root) == derived["expect_root"]
    assert [(i, display_hex(t)) for i, t in matches] == [
        (m["index"], m["txid"]) for m in derived["expect_matches"]
    ]


def test_core_pmt_malleability_case() -> None:
    case = next(
        c for c in load_json("bip37_partial_merkle_cases.json") if "pmt_malleability" in c["name"]
    )
    body = case["merkleblock_body_DERIVED"]
    bits = body["bits"]
    flags = bytearray((len(bits) + 7) // 8)
    for k, bit in enumerate(bits):
        flags[k // 8] |= bit << (k % 8)
    tree = PartialMerkleTree(body["n_tx"], tuple(internal(h) for h in body["hashes"]), bytes(flags))
    assert code_of(tree.extract_matches) is ReasonCode.PMT_DUPLICATE_SUBTREE


def first_real_proof() -> bytes:
    return bytes.fromhex(
        load_json("mainnet_txoutproofs_830000_831332.json")["proofs"][0]["txoutproof_hex"]
    )


def test_pmt_structural_errors() -> None:
    block = parse_merkle_block(first_real_proof())
    tree = block.tree
    cases = {
        ReasonCode.PMT_NO_TRANSACTIONS: PartialMerkleTree(0, (), b""),
        ReasonCode.PMT_TOO_MANY_TRANSACTIONS: PartialMerkleTree(
            MAX_BLOCK_TRANSACTIONS + 1, tree.hashes, tree.flags
        ),
        ReasonCode.PMT_TOO_MANY_HASHES: PartialMerkleTree(2, (b"\x01" * 32,) * 3, b"\xff"),
        ReasonCode.PMT_TOO_FEW_BITS: PartialMerkleTree(20, (b"\x01" * 32,) * 9, b"\xff"),
        ReasonCode.PMT_OVERRUN: PartialMerkleTree(tree.tx_count, tree.hashes[:-1], tree.flags),
        ReasonCode.PMT_UNUSED_DATA: PartialMerkleTree(
            tree.tx_count, (*tree.hashes, b"\x05" * 32), tree.flags
        ),
    }
    for code, bad in cases.items():
        assert code_of(bad.extract_matches) is code, code
    extra_flag_byte = PartialMerkleTree(tree.tx_count, tree.hashes, tree.flags + b"\x00")
    assert code_of(extra_flag_byte.extract_matches) is ReasonCode.PMT_UNUSED_DATA
    # Unused bits of the last flag byte must be zero (Core ignores them; one proof,
    # one encoding). This tree of 5 transactions uses 5 flag bits.
    txids = [regtest.sha256d(bytes([k])) for k in range(5)]
    hashes, bits = regtest.partial_merkle_tree(txids, {4})
    assert len(bits) == 5
    flags = sum(bit << k for k, bit in enumerate(bits))
    good = PartialMerkleTree(5, tuple(hashes), bytes((flags,)))
    assert good.extract_matches()[1] == [(4, txids[4])]
    padded = PartialMerkleTree(5, tuple(hashes), bytes((flags | 0x80,)))
    assert code_of(padded.extract_matches) is ReasonCode.PMT_NONZERO_PADDING
    assert MerkleBlock(block.header, tree).verify()


def test_wrong_merkle_root_in_header() -> None:
    block = parse_merkle_block(first_real_proof())
    header = bytearray(block.header)
    header[40] ^= 1
    assert code_of(MerkleBlock(bytes(header), block.tree).verify) is ReasonCode.MERKLE_ROOT_MISMATCH


def test_gettxoutproof_parsing_is_strict() -> None:
    raw = first_real_proof()
    assert code_of(parse_merkle_block, raw + b"\x00") is ReasonCode.BTC_TRAILING_BYTES
    assert code_of(parse_merkle_block, raw[:-1]) is ReasonCode.BTC_TRUNCATED
    assert code_of(parse_merkle_block, raw[:79]) is ReasonCode.BTC_TRUNCATED
    # Non-shortest CompactSize for the hash count (fd 0c 00 instead of 0c).
    count = raw[84]
    assert count < 0xFD
    non_canonical = raw[:84] + b"\xfd" + bytes((count, 0)) + raw[85:]
    assert code_of(parse_merkle_block, non_canonical) is ReasonCode.BTC_NON_CANONICAL_SIZE
    huge = raw[:84] + b"\xfe\xff\xff\xff\x00" + raw[85:]
    assert code_of(parse_merkle_block, huge) is ReasonCode.BTC_TRUNCATED
    too_large = raw[:84] + b"\xff" + (1 << 40).to_bytes(8, "little") + raw[85:]
    assert code_of(parse_merkle_block, too_large) is ReasonCode.BTC_SIZE_TOO_LARGE


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_corruption_of_a_real_proof_never_crashes(data: st.DataObject) -> None:
    original = first_real_proof()
    proven = parse_merkle_block(original).verify()
    raw = bytearray(original)
    position = data.draw(st.integers(min_value=80, max_value=len(raw) - 1))
    raw[position] ^= data.draw(st.integers(min_value=1, max_value=255))
    try:
        matches = parse_merkle_block(bytes(raw)).verify()
    except (VerificationError, DecodeError):
        return
    # Accepted: the header does not commit to the transaction count, and flag bits
    # only say which leaves are matches, so a changed count with the same tree shape
    # along the path, or a leaf flag flipped, still gives a true proof (Core accepts
    # these too). Whatever it proves must be true: this proof (of the coinbase, at
    # position 0) holds exactly two leaves, positions 0 and 1, first in its hashes.
    tree = parse_merkle_block(original).tree
    assert proven == [(0, tree.hashes[0])]
    assert set(matches) <= {(0, tree.hashes[0]), (1, tree.hashes[1])}, f"byte {position}"


# --- edges found by mutation testing ------------------------------------------------

# A 64-byte transaction without witness (one input with an empty scriptSig, one output
# with a 4-byte script): its halves, as two sibling nodes, read as a transaction.
TX64 = bytes.fromhex(
    "01000000" "01" + "11" * 32 + "00000000" "00" "ffffffff"
    "01" "0000000000000000" "04" "6a020000" "00000000"
)  # fmt: skip
LEFT, RIGHT = TX64[:32], TX64[32:]


def test_merkle_root_known_answers() -> None:
    a, b, c = (bytes([k]) * 32 for k in (1, 2, 3))
    assert merkle_root([]) == (bytes(32), False)  # Core's ComputeMerkleRoot of nothing
    assert merkle_root([a]) == (a, False)
    # Equal neighbours that are not siblings do not make a mutated tree.
    assert merkle_root([a, b, b, c])[1] is False
    assert merkle_root([a, a])[1] is True


def test_inner_nodes_that_read_as_a_transaction() -> None:
    assert len(TX64) == 64
    root = regtest.sha256d(TX64)
    for check in (
        lambda: branch_root(LEFT, 0, [RIGHT]),
        lambda: verify_merkle_branch(LEFT, 0, [RIGHT], root),
    ):
        with pytest.raises(VerificationError) as info:
            check()
        assert info.value.code is ReasonCode.MERKLE_INNER_NODE_IS_TX
        assert info.value.message == (
            "the nodes at level 0 read as a 64-byte transaction (CVE-2017-12842)"
        )
    assert branch_root(LEFT, 0, [RIGHT], check_inner_nodes=False) == root
    verify_merkle_branch(LEFT, 0, [RIGHT], root, check_inner_nodes=False)
    # The same two nodes as the leaves of a partial Merkle tree (flags 1, 1, 0).
    tree = PartialMerkleTree(2, (LEFT, RIGHT), b"\x03")
    with pytest.raises(VerificationError) as info:
        tree.extract_matches()
    assert info.value.code is ReasonCode.MERKLE_INNER_NODE_IS_TX
    assert info.value.message == (
        "the nodes at level 0 read as a 64-byte transaction (CVE-2017-12842)"
    )
    assert tree.extract_matches(check_inner_nodes=False) == (root, [(0, LEFT)])


def test_branch_edges() -> None:
    txid, s1, s2 = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32
    branch_root(txid, 0, [s1] * MAX_BRANCH_LENGTH)  # the longest branch a block needs
    # Position 3 of a 3-transaction block is the duplicated phantom, even if the branch
    # leads to the root.
    root = branch_root(txid, 3, [s1, s2])
    with pytest.raises(VerificationError) as info:
        verify_merkle_branch(txid, 3, [s1, s2], root, tx_count=3)
    assert info.value.code is ReasonCode.MERKLE_INDEX_OUT_OF_RANGE
    assert info.value.message == "position 3 with 2 hashes does not fit a block of 3 transactions"
    verify_merkle_branch(txid, 3, [s1, s2], root, tx_count=4)
    with pytest.raises(VerificationError) as info:
        branch_root(s1, 1, [s1])
    assert info.value.code is ReasonCode.MERKLE_PHANTOM_DUPLICATE
    assert info.value.message == "at level 0 a right node equals its left sibling"
    with pytest.raises(VerificationError) as info:
        verify_merkle_branch(txid, 1, [s1], root)
    assert info.value.code is ReasonCode.MERKLE_ROOT_MISMATCH
    assert info.value.message == (
        f"branch leads to {display_hex(branch_root(txid, 1, [s1]))}, the block's Merkle root "
        f"is {display_hex(root)}"
    )


def test_partial_tree_edges() -> None:
    h = b"\x07" * 32
    # A block may hold exactly MAX_BLOCK_TRANSACTIONS; a tree of one hash proves no match.
    assert PartialMerkleTree(MAX_BLOCK_TRANSACTIONS, (h,), b"\x00").extract_matches() == (h, [])
    # As many flag bits as hashes passes the count check; the walk then uses one of each.
    with pytest.raises(VerificationError) as info:
        PartialMerkleTree(8, (h,) * 8, b"\x00").extract_matches()
    assert info.value.code is ReasonCode.PMT_UNUSED_DATA
    assert info.value.message == "the tree uses 1 of 8 hashes and 1 of 8 flag bits"
    with pytest.raises(VerificationError) as info:
        PartialMerkleTree(4, (h, h), b"\x07").extract_matches()
    assert info.value.code is ReasonCode.PMT_DUPLICATE_SUBTREE
    assert info.value.message == "identical sibling subtrees at height 0 (CVE-2012-2459)"


def test_overrun_and_announced_hashes_say_what() -> None:
    h = b"\x07" * 32
    with pytest.raises(VerificationError) as info:
        PartialMerkleTree(2, (h,), b"\x01").extract_matches()  # root, then one leaf of two
    assert (info.value.code, info.value.message) == (
        ReasonCode.PMT_OVERRUN,
        "the tree needs more hashes",
    )
    two_hashes = bytes(80) + (2).to_bytes(4, "little") + b"\x02"
    for data, message in (
        # 63 bytes left for two hashes: refused before any hash is read.
        (two_hashes + bytes(63), "merkle block: 2 hashes announced, 63 bytes left"),
        # Exactly the two hashes and nothing after them: the flag count is missing.
        (two_hashes + bytes(64), "merkle block: needs 1 bytes at offset 149, only 0 left"),
    ):
        with pytest.raises(DecodeError) as truncated:
            parse_merkle_block(data)
        assert (truncated.value.code, truncated.value.message) == (
            ReasonCode.BTC_TRUNCATED,
            message,
        )
    # 256 transactions, every flag set: the walk reaches a leaf only at the ninth bit.
    with pytest.raises(VerificationError) as info:
        PartialMerkleTree(256, (h,) * 8, b"\xff").extract_matches()
    assert (info.value.code, info.value.message) == (
        ReasonCode.PMT_OVERRUN,
        "the tree needs more flag bits",
    )
