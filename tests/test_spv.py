"""SPV proofs end to end: real mainnet proofs pass; forgeries and shortfalls fail."""

from __future__ import annotations

import pytest

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headerchain import Checkpoint, HeaderChain, verify_header_chain
from ailee.headers import block_hash, display_hex
from ailee.networks import network
from ailee.spv import verify_branch_proof, verify_txoutproof
from tests.btc import load_bytes, load_json, regtest

MAINNET = network("mainnet")
REGTEST = network("regtest")
GENESIS = block_hash(REGTEST.genesis_header)


def mainnet_chain() -> HeaderChain:
    data = load_bytes("mainnet_headers_822528_830592.bin")
    return verify_header_chain(data, MAINNET, Checkpoint(822_528, block_hash(data[:80])))


def proofs() -> list[dict[str, object]]:
    return load_json("mainnet_txoutproofs_830000_831332.json")["proofs"]  # type: ignore[no-any-return]


def code_of(call: object, *args: object, **kwargs: object) -> ReasonCode:
    with pytest.raises((VerificationError, DecodeError)) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value.code


def test_real_proofs_in_block_830000() -> None:
    chain = mainnet_chain()
    checked = 0
    for proof in proofs():
        if proof["height"] != 830_000:
            continue
        result = verify_txoutproof(bytes.fromhex(str(proof["txoutproof_hex"])), chain)
        assert result.height == 830_000
        assert result.confirmations == 830_592 - 830_000 + 1
        assert display_hex(result.block_hash) == proof["block_hash"]
        assert [display_hex(t) for _, t in result.proven] == [
            m["txid"]
            for m in proof["matched"]  # type: ignore[attr-defined]
        ]
        # Shown in the report as it is: what was not checked, and why.
        assert list(result.unchecked) == [
            "median time past at height 822529..822538: fewer than 11 previous headers are known",
            "future time at height 822529..830592: no current time was given",
            "64-byte transaction rule: no raw transaction was given, so the proven txids "
            "are not known to belong to transactions",
        ]
        checked += 1
    assert checked == 6


def test_real_proofs_in_block_831332_with_confirmations() -> None:
    data = load_json("mainnet_txoutproofs_830000_831332.json")
    headers = data["headers_831328_831335"]
    raw = b"".join(bytes.fromhex(headers[str(h)]) for h in range(831_328, 831_336))
    chain = verify_header_chain(raw, MAINNET, Checkpoint(831_328, block_hash(raw[:80])))
    for proof in proofs():
        if proof["height"] != 831_332:
            continue
        proof_bytes = bytes.fromhex(str(proof["txoutproof_hex"]))
        assert verify_txoutproof(proof_bytes, chain, min_confirmations=4).confirmations == 4
        assert (
            code_of(verify_txoutproof, proof_bytes, chain, min_confirmations=5)
            is ReasonCode.SPV_TOO_FEW_CONFIRMATIONS
        )
        # A chain that does not contain the block.
        assert code_of(verify_txoutproof, proof_bytes, mainnet_chain()) is (
            ReasonCode.SPV_BLOCK_NOT_IN_CHAIN
        )


def test_forged_header_is_not_in_the_chain() -> None:
    """The original's forgery: a header whose Merkle root is a transaction's hash."""
    tx = regtest.Tx([(b"\x01" * 32, 0, b"", 0)], [(5_000, b"\x51")])
    forged_header = regtest.header_bytes(1, b"\x00" * 32, tx.txid(), 0, 0x207FFFFF, 0)
    proof = regtest.merkle_block(forged_header, [tx.txid()], {0})
    assert (
        code_of(verify_txoutproof, proof, mainnet_chain(), raw_tx=tx.serialize())
        is ReasonCode.SPV_BLOCK_NOT_IN_CHAIN
    )


def regtest_block_chain(
    txs: list[regtest.Tx], extra: int
) -> tuple[HeaderChain, bytes, list[bytes]]:
    """Genesis, one block holding ``txs``, then ``extra`` headers on top."""
    raw_block, all_txs = regtest.block(GENESIS, 1, regtest.REGTEST_GENESIS_TIME + 600, txs)
    header = raw_block[:80]
    on_top = regtest.mine_chain(block_hash(header), regtest.REGTEST_GENESIS_TIME + 600, extra)
    chain = verify_header_chain(header + b"".join(on_top), REGTEST)
    return chain, header, [tx.txid() for tx in all_txs]


def paying_tx(amount: int) -> regtest.Tx:
    return regtest.Tx([(b"\x05" * 32, 0, b"\x51" * 10, 0)], [(amount, b"\x51\x20" + b"\x07" * 32)])


def test_regtest_block_with_raw_transaction() -> None:
    tx = paying_tx(70_000)
    chain, header, txids = regtest_block_chain([tx, paying_tx(1)], extra=5)
    proof = regtest.merkle_block(header, txids, {1})
    result = verify_txoutproof(proof, chain, raw_tx=tx.serialize(), min_confirmations=6)
    assert result.confirmations == 6
    assert result.transaction is not None
    assert result.transaction.output(0).amount == 70_000
    assert not any("64-byte" in line for line in result.unchecked)
    assert (
        code_of(verify_txoutproof, proof, chain, raw_tx=tx.serialize(), min_confirmations=7)
        is ReasonCode.SPV_TOO_FEW_CONFIRMATIONS
    )
    # The other transaction of the block is not what this proof proves.
    assert (
        code_of(verify_txoutproof, proof, chain, raw_tx=paying_tx(1).serialize())
        is ReasonCode.TX_NOT_IN_PROOF
    )
    # The branch form of the same fact.
    branch = [txids[0], regtest.sha256d(txids[2] + txids[2])]
    proven = verify_branch_proof(txids[1], 1, branch, header, chain)
    assert (proven.height, proven.confirmations) == (1, 6)
    assert proven.block_hash == block_hash(header)
    assert list(proven.proven) == [(1, txids[1])]
    assert proven.transaction is None  # no raw transaction was given


def test_a_64_byte_transaction_is_refused_even_when_truly_in_the_block() -> None:
    cases = load_json("bip54_txsize.json")
    raw64 = bytes.fromhex(next(c["tx"] for c in cases if not c["valid"] and len(c["tx"]) == 128))
    header, txids = _block_with_raw_transactions([raw64])
    chain = verify_header_chain(header, REGTEST)
    proof = regtest.merkle_block(header, txids, {1})
    assert code_of(verify_txoutproof, proof, chain, raw_tx=raw64) is ReasonCode.TX_SIZE_64


def _block_with_raw_transactions(raws: list[bytes]) -> tuple[bytes, list[bytes]]:
    """A regtest header committing to a coinbase and raw transactions (not a full block)."""
    coinbase = regtest.coinbase(1, [(50 * regtest.COIN, b"\x51")])
    txids = [coinbase.txid(), *(regtest.sha256d(raw) for raw in raws)]
    header = regtest.mine(
        GENESIS, regtest.REGTEST_GENESIS_TIME + 600, merkle=regtest.merkle_root(txids)
    )
    return header, txids


def test_sibling_leaves_that_form_a_transaction_are_refused() -> None:
    """CVE-2017-12842 in a partial Merkle tree: two "txids" that are a 64-byte tx."""
    cases = load_json("bip54_txsize.json")
    raw64 = bytes.fromhex(next(c["tx"] for c in cases if not c["valid"] and len(c["tx"]) == 128))
    left, right = raw64[:32], raw64[32:]
    coinbase = regtest.coinbase(1, [(50 * regtest.COIN, b"\x51")])
    txids = [coinbase.txid(), regtest.sha256d(b"x"), left, right]
    header = regtest.mine(
        GENESIS, regtest.REGTEST_GENESIS_TIME + 600, merkle=regtest.merkle_root(txids)
    )
    chain = verify_header_chain(header, REGTEST)
    proof = regtest.merkle_block(header, txids, {3})
    assert code_of(verify_txoutproof, proof, chain) is ReasonCode.MERKLE_INNER_NODE_IS_TX
    # Proving the coinbase in the same tree is fine: its path never pairs left+right.
    assert verify_txoutproof(regtest.merkle_block(header, txids, {0}), chain).height == 1


def test_proof_that_matches_nothing() -> None:
    tx = paying_tx(1)
    chain, header, txids = regtest_block_chain([tx], extra=0)
    proof = regtest.merkle_block(header, txids, set())
    with pytest.raises(VerificationError) as info:
        verify_txoutproof(proof, chain)
    assert info.value.code is ReasonCode.TX_NOT_IN_PROOF
    assert info.value.message == "the proof matches no transaction"


def test_spv_result_json() -> None:
    tx = paying_tx(9)
    chain, header, txids = regtest_block_chain([tx], extra=2)
    result = verify_txoutproof(
        regtest.merkle_block(header, txids, {1}), chain, raw_tx=tx.serialize()
    )
    # The whole summary, key for key (it is the `spv --json` output).
    assert result.to_json() == {
        "network": "regtest",
        "block_hash": display_hex(block_hash(header)),
        "height": 1,
        "confirmations": 3,
        "tip_height": 3,
        "tip_hash": display_hex(chain.tip_hash),
        "txids": [{"position": 1, "txid": display_hex(tx.txid())}],
        "unchecked": list(result.unchecked),
    }


def test_branch_proof_at_the_tip_and_with_its_transaction() -> None:
    """One confirmation is enough by default (the block is the tip); a raw transaction
    given with a branch is checked and returned, as with gettxoutproof."""
    tx = paying_tx(42_000)
    chain, header, txids = regtest_block_chain([tx], extra=0)
    branch = [txids[0]]
    result = verify_branch_proof(txids[1], 1, branch, header, chain, raw_tx=tx.serialize())
    assert result.confirmations == 1
    assert result.transaction is not None
    assert result.transaction.output(0).amount == 42_000
    assert (
        code_of(
            verify_branch_proof, txids[1], 1, branch, header, chain, raw_tx=paying_tx(1).serialize()
        )
        is ReasonCode.TX_NOT_IN_PROOF
    )
