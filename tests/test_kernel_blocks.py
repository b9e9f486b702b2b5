"""Differential tests: whole regtest blocks holding anchor transactions, judged by ailee
and by Bitcoin Core's own engine.

A regtest chain is mined here (regtest proof of work takes a couple of hashes): blocks
whose coinbases pay 50 BTC to the bare script ``OP_1`` (spent with an empty
scriptSig), then block ``ANCHOR_HEIGHT`` spending matured coinbases into anchor
transactions (OP_RETURN and Taproot anchors of the anchors of ``chain_states()[2]``,
one transaction holding both forms, and one spending another's change in the same
block), then a block spending a P2WSH output (its coinbase commits to the wtxids),
then the rest of the ``ON_TOP`` blocks above the anchor block. libbitcoinkernel
(py-bitcoinkernel, ``pbk``) connects every block: ``process_block`` into a fresh
in-memory chainstate manager, whose verdict is read from the ``block_checked`` /
``block_connected`` validation callbacks (``process_block`` does not raise when
connecting fails) and whose reasons come from the kernel's validation log. ailee must
then agree on everything it can see: the header chain and its tip, each block's
transactions and txids (as Core reads the blocks back from disk), each Merkle root,
an SPV proof of each anchor transaction with exactly ``ON_TOP + 1`` confirmations,
and anchor evidence documents against a snapshot whose anchors section holds those
anchors.

Corrupted blocks are judged by both: a Merkle root changed (and re-mined), the
CVE-2012-2459 duplicated tail (same root, same block hash), too little proof of work,
and, with hypothesis, random corruptions judged context-free (``Block.check``) and
single bit flips judged in context (``process_block`` on the real chain). Where the
two engines legitimately see different things, the comparison says exactly where
(``assert_context_free_agreement``: bytes after a block, Core's other context-free
rules; ``test_random_bit_flip_in_context``: witnesses, which the header does not
commit to).

The kernel checks "time-too-new" against the real clock, so every block time stays
far in the past (regtest genesis, 2011, plus seconds); ailee gets the clock too.

The kernel harness, and when a missing pbk skips this module or fails the run, are in
:mod:`tests.kernel`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import pytest
from coincurve import PrivateKey
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st

from ailee.anchors import anchor_script, build_taproot_anchor
from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.evidence import evidence_from_json, verify_anchor_item, verify_evidence_chain
from ailee.headerchain import HeaderChain, verify_header_chain
from ailee.headers import BlockHeader, block_hash, check_proof_of_work, display_hex
from ailee.spv import verify_txoutproof
from ailee.transactions import Block, parse_block
from ailee.txmerkle import merkle_root
from ailee.verify import check_evidence, check_snapshot_bytes
from tests.btc import regtest
from tests.helpers import chain_states, document
from tests.kernel import GENESIS_HASH, REGTEST, T0, kernel_log, open_chainman, pbk, process_header

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ailee.state import L2State

COIN = regtest.COIN
OP_TRUE: Final = b"\x51"
#: Pay to the witness script ``OP_1``: spent with the witness ``[OP_1]``.
P2WSH_TRUE: Final = b"\x00\x20" + hashlib.sha256(OP_TRUE).digest()
#: Height of the block holding the anchor transactions; it spends the coinbases of
#: heights 1 to 3, mature (100 confirmations) from height 103 on.
ANCHOR_HEIGHT: Final = 103
#: The block after it spends a segwit output: its coinbase commits to the wtxids.
SEGWIT_HEIGHT: Final = ANCHOR_HEIGHT + 1
#: Blocks mined on top of the anchor block.
ON_TOP: Final = 6
TIP: Final = ANCHOR_HEIGHT + ON_TOP
#: Hypothesis example counts (the file runs in well under 20 s).
CONTEXT_FREE_EXAMPLES: Final = 1000
IN_CONTEXT_EXAMPLES: Final = 200

Flags = pbk.BlockCheckFlags
Result = pbk.BlockValidationResult
CONSENSUS_PARAMS = pbk.ChainParameters(pbk.ChainType.REGTEST).consensus_params


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def xonly_key(label: str) -> bytes:
    """A deterministic x-only public key."""
    return PrivateKey(sha256(b"ailee/test_kernel_blocks/" + label.encode())).public_key.format()[1:]


# --- the anchor chain -----------------------------------------------------------------


@dataclass(frozen=True)
class AnchorItem:
    """One anchor output of the anchor block, as an evidence item proves it."""

    sequence: int
    position: int  # of the transaction in the anchor block
    vout: int
    taproot: tuple[bytes, tuple[bytes, ...]] | None  # (internal key, anchor leaf path)


@dataclass(frozen=True)
class AnchorChain:
    """Blocks 1..TIP (raw), the transactions of each, the anchors and their state."""

    blocks: tuple[bytes, ...]
    txs: tuple[tuple[Any, ...], ...]  # regtest.Tx of each block, coinbase first
    items: tuple[AnchorItem, ...]
    state: L2State

    def block(self, height: int) -> bytes:
        return self.blocks[height - 1]

    def txids(self, height: int) -> list[bytes]:
        return [tx.txid() for tx in self.txs[height - 1]]

    @property
    def headers(self) -> list[bytes]:
        return [raw[:80] for raw in self.blocks]


def spend(tx: Any, vout: int, sequence: int = 0xFFFFFFFF) -> tuple[bytes, int, bytes, int]:
    """An input spending ``tx``'s output ``vout`` (an ``OP_1`` output: empty scriptSig)."""
    return (tx.txid(), vout, b"", sequence)


def anchor_transactions(
    coinbases: dict[int, Any], state: L2State
) -> tuple[list[Any], list[AnchorItem]]:
    """The anchor block's transactions (after its coinbase) and the anchors they hold."""
    first, second = state.anchors
    federation = [bytes([0x20]) + xonly_key(f"federation {k}") + b"\xac" for k in range(2)]
    key_a, key_b = xonly_key("internal a"), xonly_key("internal b")
    taproot_b = build_taproot_anchor(key_a, second.commitment, federation)
    taproot_c = build_taproot_anchor(key_b, first.commitment)  # a lone leaf: empty path
    # OP_RETURN anchor of sequence 0, then change.
    tx_a = regtest.Tx(
        [spend(coinbases[1], 0)],
        [(0, anchor_script(first.commitment)), (50 * COIN - 1000, OP_TRUE)],
    )
    # Change, then a Taproot anchor of sequence 1 (anchor leaf beside two federation leaves).
    tx_b = regtest.Tx(
        [spend(coinbases[2], 0)],
        [(50 * COIN - 10_000, OP_TRUE), (330, taproot_b.script_pubkey)],
        version=1,
    )
    # Both forms in one transaction, spending a coinbase and tx_a's change (same block),
    # with a lock time the block's height must exceed (a sequence below 0xffffffff).
    tx_c = regtest.Tx(
        [spend(coinbases[3], 0, 0xFFFFFFFD), spend(tx_a, 1)],
        [
            (0, anchor_script(second.commitment)),
            (330, taproot_c.script_pubkey),
            (100 * COIN - 20_000, OP_TRUE),
        ],
        locktime=ANCHOR_HEIGHT - 1,
    )
    # No anchor: tx_b's change to a P2WSH output (spent in the next block), so that
    # the block has 5 transactions.
    tx_d = regtest.Tx([spend(tx_b, 0)], [(50 * COIN - 20_000, P2WSH_TRUE)])
    items = [
        AnchorItem(first.sequence, 1, 0, None),
        AnchorItem(second.sequence, 2, 1, (key_a, taproot_b.anchor_path)),
        AnchorItem(second.sequence, 3, 0, None),
        AnchorItem(first.sequence, 3, 1, (key_b, taproot_c.anchor_path)),
    ]
    return [tx_a, tx_b, tx_c, tx_d], items


@cache
def anchor_chain() -> AnchorChain:
    state = chain_states()[2]
    assert [a.sequence for a in state.anchors] == [0, 1]
    prev, blocks, txs = GENESIS_HASH, [], []
    items: list[AnchorItem] = []
    for height in range(1, TIP + 1):
        body: list[Any] = []
        if height == ANCHOR_HEIGHT:
            body, items = anchor_transactions({h: txs[h - 1][0] for h in (1, 2, 3)}, state)
        if height == SEGWIT_HEIGHT:
            body = [
                regtest.Tx(
                    [spend(txs[-1][4], 0)], [(50 * COIN - 30_000, OP_TRUE)], witness=[[OP_TRUE]]
                )
            ]
        raw, all_txs = regtest.block(prev, height, T0 + height, body, payout=OP_TRUE)
        blocks.append(raw)
        txs.append(tuple(all_txs))
        prev = block_hash(raw[:80])
    return AnchorChain(tuple(blocks), tuple(txs), tuple(items), state)


# --- the kernel side ------------------------------------------------------------------


_BLOCK_CHECKED = re.compile(r"BlockChecked: block hash=([0-9a-f]{64}) state=([A-Za-z-]+)")


@dataclass(frozen=True)
class BlockVerdict:
    """What the kernel did with one block."""

    stored: bool  # process_block returned (the block passed CheckBlock and AcceptBlock)
    checked: tuple[tuple[Any, Any], ...]  # (mode, result) of each block_checked callback
    connected: bool  # the block_connected callback fired for it
    reason: str | None  # from the validation log ("Valid" when valid)


@dataclass
class Kernel:
    """A chainstate manager and what its validation callbacks reported."""

    chainman: Any = None
    checked: list[tuple[bytes, Any, Any]] = field(default_factory=list)
    connected: list[tuple[bytes, int]] = field(default_factory=list)

    def submit(self, raw: bytes) -> BlockVerdict:
        """``process_block``; the verdict of the callbacks and the log."""
        lines, _ = kernel_log()
        mark = len(lines)
        self.checked.clear()
        self.connected.clear()
        try:
            self.chainman.process_block(pbk.Block(raw))
            stored = True
        except pbk.ProcessBlockException:
            stored = False
        own = block_hash(raw[:80])
        display = display_hex(own)
        reasons = [
            m[2] for line in lines[mark:] if (m := _BLOCK_CHECKED.search(line)) and m[1] == display
        ]
        return BlockVerdict(
            stored,
            tuple((mode, result) for h, mode, result in self.checked if h == own),
            any(h == own for h, _ in self.connected),
            reasons[0] if reasons else None,
        )

    def submit_header(self, raw: bytes) -> Any:
        """``process_block_header``: the validation state, accepted or not."""
        _, state = process_header(self.chainman, raw)
        return state

    @property
    def height(self) -> int:
        return int(self.chainman.get_active_chain().height)

    def tip_hash(self) -> bytes:
        chain = self.chainman.get_active_chain()
        return bytes(chain.block_tree_entries[chain.height].block_hash)


@contextmanager
def open_kernel(directory: Path, blocks: tuple[bytes, ...] = ()) -> Iterator[Kernel]:
    """A fresh chainstate manager (:func:`tests.kernel.open_chainman`) whose validation
    callbacks report to the :class:`Kernel`, and which has connected ``blocks``."""
    kernel = Kernel()
    callbacks = pbk.ValidationInterfaceCallbacks(
        block_checked=lambda _data, block, state: kernel.checked.append(
            (bytes(block.block_hash), state.validation_mode, state.block_validation_result)
        ),
        block_connected=lambda _data, block, entry: kernel.connected.append(
            (bytes(block.block_hash), entry.height)
        ),
    )
    with open_chainman(directory, callbacks) as chainman:
        kernel.chainman = chainman
        for raw in blocks:
            assert kernel.submit(raw).connected
        yield kernel
        kernel.chainman = None


VALID = (pbk.ValidationMode.VALID, Result.UNSET)


def connected(verdict: BlockVerdict) -> bool:
    """The kernel stored, fully validated and connected the block."""
    return verdict.stored and verdict.checked == (VALID,) and verdict.connected


def check(raw: bytes, flags: Any = Flags.ALL) -> Any:
    """Core's context-free ``CheckBlock``: VALID, or the failure's result."""
    state = pbk.Block(raw).check(CONSENSUS_PARAMS, flags)
    if state.validation_mode == pbk.ValidationMode.VALID:
        return "VALID"
    assert state.validation_mode == pbk.ValidationMode.INVALID
    return state.block_validation_result


# --- the ailee side -------------------------------------------------------------------


def pow_ok(header: bytes) -> bool:
    try:
        check_proof_of_work(block_hash(header), BlockHeader.parse(header).bits, REGTEST)
    except VerificationError:
        return False
    return True


def merkle_ok(block: Block) -> bool:
    """The transactions give the header's Merkle root, with no duplicated subtree."""
    root, mutated = merkle_root([tx.txid for tx in block.transactions])
    return root == BlockHeader.parse(block.header).merkle_root and not mutated


def try_parse(raw: bytes) -> Block | None:
    try:
        return parse_block(raw)
    except DecodeError:
        return None


# --- building corrupted blocks --------------------------------------------------------


def remine(header: bytes, merkle: bytes | None = None) -> bytes:
    """The header (with this Merkle root, if given) with a nonce meeting its target, if
    that target is easy enough to grind in Python; otherwise unchanged."""
    fields = BlockHeader.parse(header)
    if merkle is not None:
        fields = dataclasses.replace(fields, merkle_root=merkle)
    if regtest.target_of(fields.bits) < 1 << 246:
        return fields.serialize()
    return regtest.mine(
        fields.prev_hash,
        fields.time,
        fields.bits,
        version=fields.version,
        merkle=fields.merkle_root,
    )


def assemble(header: bytes, txs: list[bytes]) -> bytes:
    return header + regtest.compact_size(len(txs)) + b"".join(txs)


def duplicated_tail(count: int) -> range | None:
    """CVE-2012-2459: the transactions whose copy, appended, leaves the Merkle root
    unchanged: those under the last node of the lowest level of odd width (if any)."""
    width, height = count, 0
    while width > 1:
        if width % 2:
            return range((width - 1) << height, count)
        width, height = (width + 1) // 2, height + 1
    return None


# --- 1. a valid chain with anchors ----------------------------------------------------


def evidence_json(chain: AnchorChain, headers: list[bytes], items: list[AnchorItem]) -> bytes:
    """An ``ailee-anchor-evidence`` document for these anchors of the anchor block."""
    txids = chain.txids(ANCHOR_HEIGHT)
    header = chain.block(ANCHOR_HEIGHT)[:80]
    anchors = [
        {
            "sequence": item.sequence,
            "tx": chain.txs[ANCHOR_HEIGHT - 1][item.position].serialize().hex(),
            "txoutproof": regtest.merkle_block(header, txids, {item.position}).hex(),
            "vout": item.vout,
            "taproot": None
            if item.taproot is None
            else {
                "internal_key": item.taproot[0].hex(),
                "path": [h.hex() for h in item.taproot[1]],
            },
        }
        for item in items
    ]
    doc = {
        "format": "ailee-anchor-evidence",
        "version": 1,
        "network": "regtest",
        "checkpoint": None,
        "header_chains": [[h.hex() for h in headers]],
        "anchors": anchors,
    }
    return json.dumps(doc).encode()


def test_anchor_chain_accepted_by_both(tmp_path: Path) -> None:
    chain = anchor_chain()
    with open_kernel(tmp_path / "kernel") as kernel:
        # Headers first: the kernel accepts them all without connecting anything.
        for raw in chain.headers:
            state = kernel.submit_header(raw)
            assert state.validation_mode == pbk.ValidationMode.VALID
        assert kernel.chainman.best_entry.height == TIP
        assert kernel.height == 0
        for height, raw in enumerate(chain.blocks, start=1):
            verdict = kernel.submit(raw)
            assert connected(verdict), (height, verdict)
            assert verdict.reason == "Valid"
            assert kernel.height == height
        active = kernel.chainman.get_active_chain()
        entries = [active.block_tree_entries[h] for h in range(1, TIP + 1)]
        hashes = [bytes(entry.block_hash) for entry in entries]
        # The blocks as the kernel stored them, read back from its block file.
        stored = [bytes(kernel.chainman.blocks[entry]) for entry in entries]
        tip_hash = kernel.tip_hash()
        # What the kernel spent: the anchor block's inputs are three matured coinbases
        # and, within the block, the change of its first transaction.
        undo = kernel.chainman.block_spent_outputs[entries[ANCHOR_HEIGHT - 1]]
        coins = [
            (coin.confirmation_height, coin.is_coinbase)
            for spent in undo.transactions
            for coin in spent.coins
        ]
    assert coins == [
        (1, True),
        (2, True),
        (3, True),
        (ANCHOR_HEIGHT, False),
        (ANCHOR_HEIGHT, False),
    ]
    assert stored == list(chain.blocks)

    # The header chain: ailee finds the kernel's chain, hash by hash.
    headers = [raw[:80] for raw in stored]
    header_chain = verify_header_chain(b"".join(headers), REGTEST)
    assert (header_chain.tip_height, header_chain.tip_hash) == (TIP, tip_hash)
    assert [header_chain.height_of(h) for h in hashes] == list(range(1, TIP + 1))

    # Every block: the kernel's transactions and txids, and the header's Merkle root.
    for height, raw in enumerate(stored, start=1):
        block = parse_block(raw)
        core = pbk.Block(raw)
        assert block.header == bytes(core.block_header) == raw[:80]
        assert [tx.raw for tx in block.transactions] == [bytes(tx) for tx in core.transactions]
        txids = [tx.txid for tx in block.transactions]
        assert txids == [bytes(tx.txid) for tx in core.transactions] == chain.txids(height)
        wtxids = [tx.wtxid() for tx in chain.txs[height - 1]]
        assert [tx.wtxid for tx in block.transactions] == wtxids
        assert (wtxids != txids) == (height == SEGWIT_HEIGHT)
        assert merkle_root(txids) == (BlockHeader.parse(raw[:80]).merkle_root, False)
        assert check(raw) == "VALID"

    # The anchor outputs, as the kernel reads them.
    anchor_block = pbk.Block(chain.block(ANCHOR_HEIGHT))
    assert len(anchor_block.transactions) == 5
    for item in chain.items:
        output = anchor_block.transactions[item.position].outputs[item.vout]
        expected = chain.txs[ANCHOR_HEIGHT - 1][item.position].vout[item.vout]
        assert (output.amount, bytes(output.script_pubkey)) == expected

    assert_spv_proofs(chain, header_chain)
    assert_evidence(chain, headers)


def assert_spv_proofs(chain: AnchorChain, header_chain: HeaderChain) -> None:
    """Each anchor transaction is proven with exactly ON_TOP + 1 confirmations."""
    header = chain.block(ANCHOR_HEIGHT)[:80]
    txids = chain.txids(ANCHOR_HEIGHT)
    for position in sorted({item.position for item in chain.items}):
        proof = regtest.merkle_block(header, txids, {position})
        raw_tx = chain.txs[ANCHOR_HEIGHT - 1][position].serialize()
        result = verify_txoutproof(proof, header_chain, raw_tx=raw_tx, min_confirmations=ON_TOP + 1)
        assert result.height == ANCHOR_HEIGHT
        assert result.confirmations == ON_TOP + 1
        assert (result.tip_height, result.tip_hash) == (TIP, header_chain.tip_hash)
        assert result.proven == ((position, txids[position]),)
        assert result.transaction is not None
        assert result.transaction.txid == txids[position]
        with pytest.raises(VerificationError) as info:
            verify_txoutproof(proof, header_chain, raw_tx=raw_tx, min_confirmations=ON_TOP + 2)
        assert info.value.code is ReasonCode.SPV_TOO_FEW_CONFIRMATIONS


def assert_evidence(chain: AnchorChain, headers: list[bytes]) -> None:
    """Evidence documents prove the snapshot's anchors, in both forms: one with the
    anchors of sequences 0 and 1 in two transactions, one with both in a single
    transaction (a document lists its items by ascending sequence)."""
    snapshot = check_snapshot_bytes("third", document(chain.state))
    assert snapshot.ok, snapshot.checks
    separate = [item for item in chain.items if item.position != 3]
    together = sorted(
        (item for item in chain.items if item.position == 3), key=lambda i: i.sequence
    )
    tip_hash = block_hash(headers[-1])
    for items in (separate, together):
        data = evidence_json(chain, headers, items)
        result = check_evidence(snapshot, data, ON_TOP + 1)
        assert [(c.name, c.ok) for c in result.checks] == [
            ("evidence.decode", True),
            ("evidence.headers", True),
            ("evidence.anchor[0]", True),
            ("evidence.anchor[1]", True),
        ], result.checks
        assert not result.malformed
        # What each item proved.
        evidence = evidence_from_json(data)
        header_chain = verify_evidence_chain(evidence)
        assert (header_chain.tip_height, header_chain.tip_hash) == (TIP, tip_hash)
        for item, parsed in zip(items, evidence.items, strict=True):
            proof = verify_anchor_item(chain.state, parsed, header_chain, ON_TOP + 1)
            assert proof.anchor == chain.state.anchors[item.sequence]
            assert proof.form == ("op_return" if item.taproot is None else "taproot")
            assert proof.txid == chain.txids(ANCHOR_HEIGHT)[item.position]
            assert (proof.spv.height, proof.spv.confirmations) == (ANCHOR_HEIGHT, ON_TOP + 1)
        late = check_evidence(snapshot, data, ON_TOP + 2)
        assert [c.code for c in late.checks[2:]] == [ReasonCode.SPV_TOO_FEW_CONFIRMATIONS] * 2
        # The document's header chain ends a block early: one confirmation fewer.
        short = check_evidence(snapshot, evidence_json(chain, headers[:-1], items), ON_TOP + 1)
        assert [c.code for c in short.checks[2:]] == [ReasonCode.SPV_TOO_FEW_CONFIRMATIONS] * 2


# --- 2. corrupted anchor blocks, one kind at a time -----------------------------------


@pytest.fixture
def before_anchors(tmp_path: Path) -> Iterator[Kernel]:
    """A kernel that has connected every block below the anchor block."""
    with open_kernel(tmp_path / "kernel", anchor_chain().blocks[: ANCHOR_HEIGHT - 1]) as kernel:
        yield kernel


def assert_genuine_block_still_connects(kernel: Kernel) -> None:
    verdict = kernel.submit(anchor_chain().block(ANCHOR_HEIGHT))
    assert connected(verdict), verdict
    assert kernel.height == ANCHOR_HEIGHT


def test_changed_merkle_root(before_anchors: Kernel) -> None:
    raw = anchor_chain().block(ANCHOR_HEIGHT)
    fields = BlockHeader.parse(raw[:80])
    other_root = bytes([fields.merkle_root[0] ^ 1]) + fields.merkle_root[1:]
    bad = remine(raw[:80], other_root) + raw[80:]
    # The header alone is a fine header, for both.
    assert pow_ok(bad[:80])
    state = before_anchors.submit_header(bad[:80])
    assert state.validation_mode == pbk.ValidationMode.VALID
    headers = [*anchor_chain().headers[: ANCHOR_HEIGHT - 1], bad[:80]]
    assert verify_header_chain(b"".join(headers), REGTEST).tip_height == ANCHOR_HEIGHT
    # The block is not.
    block = parse_block(bad)
    root, mutated = merkle_root([tx.txid for tx in block.transactions])
    assert (root, mutated) == (fields.merkle_root, False)
    assert root != other_root
    assert not merkle_ok(block)
    assert check(bad) == check(bad, Flags.MERKLE) == Result.MUTATED
    assert check(bad, Flags.POW) == "VALID"
    verdict = before_anchors.submit(bad)
    assert verdict == BlockVerdict(
        False, ((pbk.ValidationMode.INVALID, Result.MUTATED),), False, "bad-txnmrklroot"
    )
    assert_genuine_block_still_connects(before_anchors)


def test_duplicated_last_transaction(before_anchors: Kernel) -> None:
    """CVE-2012-2459: with 5 transactions, a copy of the last one appended gives the
    same Merkle root, so the block keeps its header and its hash."""
    chain = anchor_chain()
    raw = chain.block(ANCHOR_HEIGHT)
    txs = [tx.serialize() for tx in chain.txs[ANCHOR_HEIGHT - 1]]
    assert duplicated_tail(len(txs)) == range(4, 5)
    bad = assemble(raw[:80], [*txs, txs[-1]])
    block = parse_block(bad)
    txids = [tx.txid for tx in block.transactions]
    assert txids == [*chain.txids(ANCHOR_HEIGHT), chain.txids(ANCHOR_HEIGHT)[-1]]
    assert merkle_root(txids) == (BlockHeader.parse(raw[:80]).merkle_root, True)
    assert not merkle_ok(block)
    assert check(bad) == check(bad, Flags.MERKLE) == Result.MUTATED
    assert check(bad, Flags.POW) == "VALID"
    # The duplicate cannot be proven at its phantom position.
    proof = regtest.merkle_block(raw[:80], txids, {5})
    header_chain = verify_header_chain(b"".join(chain.headers), REGTEST)
    with pytest.raises(VerificationError) as info:
        verify_txoutproof(proof, header_chain)
    assert info.value.code is ReasonCode.PMT_DUPLICATE_SUBTREE
    verdict = before_anchors.submit(bad)
    assert verdict == BlockVerdict(
        False, ((pbk.ValidationMode.INVALID, Result.MUTATED),), False, "bad-txns-duplicate"
    )
    # The kernel did not mark the block hash invalid: the genuine block connects.
    assert_genuine_block_still_connects(before_anchors)


def test_duplicated_pair_two_levels_up(before_anchors: Kernel) -> None:
    """The same attack one level higher: 6 transactions, the last two copied."""
    chain = anchor_chain()
    txs = [tx.serialize() for tx in chain.txs[ANCHOR_HEIGHT - 1]]
    extra = regtest.Tx([spend(chain.txs[ANCHOR_HEIGHT - 1][3], 2)], [(COIN, OP_TRUE)])
    six = [*txs, extra.serialize()]
    txids = [*chain.txids(ANCHOR_HEIGHT), extra.txid()]
    header = regtest.mine(
        block_hash(chain.block(ANCHOR_HEIGHT - 1)[:80]),
        T0 + ANCHOR_HEIGHT,
        merkle=regtest.merkle_root(txids),
    )
    assert duplicated_tail(6) == range(4, 6)
    good = assemble(header, six)
    bad = assemble(header, [*six, *six[4:]])
    assert merkle_root([tx.txid for tx in parse_block(bad).transactions]) == (
        merkle_root(txids)[0],
        True,
    )
    assert merkle_ok(parse_block(good))
    assert check(bad) == Result.MUTATED
    assert check(good) == "VALID"
    verdict = before_anchors.submit(bad)
    assert verdict == BlockVerdict(
        False, ((pbk.ValidationMode.INVALID, Result.MUTATED),), False, "bad-txns-duplicate"
    )
    assert connected(before_anchors.submit(good))


def test_insufficient_proof_of_work(before_anchors: Kernel) -> None:
    raw = anchor_chain().block(ANCHOR_HEIGHT)
    fields = BlockHeader.parse(raw[:80])
    header = regtest.mine(
        fields.prev_hash, fields.time, fields.bits, merkle=fields.merkle_root, valid=False
    )
    bad = header + raw[80:]
    assert not pow_ok(header)
    assert merkle_ok(parse_block(bad))  # the body is the genuine one
    headers = [*anchor_chain().headers[: ANCHOR_HEIGHT - 1], header]
    with pytest.raises(VerificationError) as info:
        verify_header_chain(b"".join(headers), REGTEST)
    assert info.value.code is ReasonCode.POW_INSUFFICIENT
    assert check(bad) == check(bad, Flags.POW) == Result.INVALID_HEADER
    assert check(bad, Flags.MERKLE) == "VALID"
    state = before_anchors.submit_header(header)
    assert (state.validation_mode, state.block_validation_result) == (
        pbk.ValidationMode.INVALID,
        Result.INVALID_HEADER,
    )
    verdict = before_anchors.submit(bad)
    assert verdict == BlockVerdict(
        False, ((pbk.ValidationMode.INVALID, Result.INVALID_HEADER),), False, "high-hash"
    )
    assert_genuine_block_still_connects(before_anchors)


# --- 3. random corruption, judged context-free ----------------------------------------


@dataclass(frozen=True)
class Corruption:
    raw: bytes
    #: The header's Merkle root was recomputed for the changed body (a "miner" made the
    #: block): Core's other context-free rules may then reject what ailee reads.
    recommitted: bool
    notes: str


def _flip(raw: bytes, position: int, bit: int) -> bytes:
    changed = bytearray(raw)
    changed[position] ^= 1 << bit
    return bytes(changed)


def _recommit(raw: bytes) -> bytes:
    """The block with the Merkle root of the transactions Core reads, re-mined."""
    try:
        core = pbk.Block(raw)
    except RuntimeError:
        return raw  # nothing to commit to
    txids = [bytes(tx.txid) for tx in core.transactions]
    root = regtest.merkle_root(txids) if txids else bytes(32)  # Core's root of no txs
    return remine(raw[:80], root) + raw[80:]


@st.composite
def corruptions(draw: st.DrawFn) -> Corruption:
    """A valid block (the anchor block mostly) changed in one of many ways."""
    chain = anchor_chain()
    height = draw(st.sampled_from([ANCHOR_HEIGHT] * 3 + [SEGWIT_HEIGHT] * 2 + [1, TIP]))
    raw = chain.block(height)
    txs = [tx.serialize() for tx in chain.txs[height - 1]]
    kind = draw(
        st.sampled_from(
            ["flip"] * 6 + ["flips", "field", "duplicate tail", "reorder", "truncate", "append"]
        )
    )
    recommit = False
    if kind == "flip":
        position = draw(st.integers(0, 79) | st.integers(0, len(raw) - 1))
        bit = draw(st.integers(0, 7))
        raw = _flip(raw, position, bit)
        done = f"flip bit {bit} of byte {position}"
    elif kind == "flips":
        flips = draw(
            st.lists(
                st.tuples(st.integers(80, len(raw) - 1), st.integers(0, 7)), min_size=2, max_size=4
            )
        )
        for position, bit in flips:
            raw = _flip(raw, position, bit)
        done = f"flip (byte, bit) {flips}"
    elif kind == "field":
        fields = BlockHeader.parse(raw[:80])
        name = draw(st.sampled_from(["version", "time", "bits", "nonce"]))
        value = draw(st.integers(0, 0xFFFFFFFF))
        if name == "version":
            value -= (value >> 31) << 32
        raw = dataclasses.replace(fields, **{name: value}).serialize() + raw[80:]
        done = f"{name} {value:#x}"
    elif kind == "duplicate tail":
        tail = duplicated_tail(len(txs))
        if tail is None:
            raw = assemble(raw[:80], [*txs, txs[-1]])
        else:
            raw = assemble(raw[:80], txs + txs[tail.start : tail.stop])
        done = f"{len(txs)} transactions, tail {tail} copied"
    elif kind == "reorder":
        order = draw(st.permutations(range(len(txs))))
        keep = draw(st.integers(1, len(txs)))
        extra = draw(st.lists(st.integers(0, len(txs) - 1), max_size=2))
        chosen = list(order[:keep]) + extra
        raw = assemble(raw[:80], [txs[k] for k in chosen])
        done = f"transactions {chosen}"
    elif kind == "truncate":
        cut = draw(st.integers(1, len(raw) - 80))
        raw = raw[:-cut]
        done = f"last {cut} bytes dropped"
    else:
        tail = draw(st.binary(min_size=1, max_size=40))
        raw += tail
        done = f"{tail.hex()} appended"
    if kind != "append" and draw(st.booleans()):
        raw = _recommit(raw)
        recommit = True
        done += ", Merkle root recomputed"
    if draw(st.booleans()):
        raw = remine(raw[:80]) + raw[80:]
        done += ", re-mined"
    return Corruption(raw, recommit, f"block {height}: {kind}: {done}")


def assert_context_free_agreement(raw: bytes, recommitted: bool) -> str:
    """Core's ``CheckBlock`` (``Block.check``) against ailee's reading of a block.

    * Core cannot read the bytes: ailee cannot either.
    * Core reads a block and ignores bytes after it (``btck_block_create`` does not
      require the input to end with the block): ailee refuses such input
      (TX_MALFORMED, not in canonical form), and reads Core's re-serialization; the
      rest is then compared on that.
    * Both read it: the same transactions and txids. Proof of work: ailee's
      ``check_proof_of_work`` passes exactly when ``Block.check(POW)`` does not fail
      with INVALID_HEADER. Merkle: ailee's root equals the header's and is not mutated
      exactly when ``Block.check(MERKLE)`` does not fail with MUTATED (wrong root,
      ``bad-txnmrklroot``, or CVE-2012-2459, ``bad-txns-duplicate``).
    * Core says VALID with every flag: ailee's proof of work and Merkle checks pass.
      The converse holds when the header still commits to the original transactions:
      anything changed in the body then changes a txid, or only a witness, which
      ``CheckBlock`` does not look at either (the witness commitment is contextual:
      see ``test_random_bit_flip_in_context``), so only the header's proof of work
      is left to judge. When the root was recomputed for a changed body,
      ``CheckBlock`` also checks what ailee does not (first transaction a coinbase
      and no other, coinbase scriptSig of 2 to 100 bytes, no duplicate inputs, no
      null prevout, output total, size and sigop limits: CONSENSUS), which a
      verifier of anchors leaves to the miners.
    * ailee refuses to read a block Core reads: Core's checks without the proof of
      work and Merkle flags (``Block.check(BASE)``) fail there too, with CONSENSUS:
      ailee's reading rules beyond the wire format are ``CheckTransaction`` rules
      (inputs and outputs present, each amount from 0 to 21 million BTC).
    """
    try:
        core = pbk.Block(raw)
    except RuntimeError:
        assert try_parse(raw) is None
        return "unreadable by both"
    core_bytes = bytes(core)
    outcome = ""
    if core_bytes != raw:
        assert raw.startswith(core_bytes)
        with pytest.raises(DecodeError) as info:
            parse_block(raw)
        assert info.value.code is ReasonCode.TX_MALFORMED
        raw, outcome = core_bytes, "bytes after the block; "
    block = try_parse(raw)
    verdict = check(raw)
    if block is None:
        assert verdict != "VALID"
        assert check(raw, Flags.BASE) == Result.CONSENSUS
        name = verdict if isinstance(verdict, str) else verdict.name
        return outcome + f"refused by ailee, Core {name}, CONSENSUS without flags"
    assert [tx.raw for tx in block.transactions] == [bytes(tx) for tx in core.transactions]
    assert [tx.txid for tx in block.transactions] == [bytes(tx.txid) for tx in core.transactions]
    ailee_pow, ailee_merkle = pow_ok(block.header), merkle_ok(block)
    assert ailee_pow == (check(raw, Flags.POW) != Result.INVALID_HEADER)
    assert ailee_merkle == (check(raw, Flags.MERKLE) != Result.MUTATED)
    if verdict == "VALID":
        assert ailee_pow
        assert ailee_merkle
    elif ailee_pow and ailee_merkle:
        assert recommitted, verdict
        assert verdict == check(raw, Flags.BASE) == Result.CONSENSUS
    name = verdict if isinstance(verdict, str) else verdict.name
    return outcome + f"Core {name}, ailee pow {ailee_pow} merkle {ailee_merkle}"


@settings(
    max_examples=CONTEXT_FREE_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=corruptions())
def test_random_corruption_context_free(case: Corruption) -> None:
    note(case.notes)
    outcome = assert_context_free_agreement(case.raw, case.recommitted)
    event(outcome.split(", ailee")[0])


def test_context_free_categories() -> None:
    """Each branch of ``assert_context_free_agreement`` is taken, one example each."""
    chain = anchor_chain()
    raw = chain.block(ANCHOR_HEIGHT)
    txs = [tx.serialize() for tx in chain.txs[ANCHOR_HEIGHT - 1]]
    assert assert_context_free_agreement(raw, False) == "Core VALID, ailee pow True merkle True"
    # Bytes after the block.
    assert assert_context_free_agreement(raw + b"\x00", False).startswith(
        "bytes after the block; Core VALID"
    )
    # Unreadable: cut inside the last transaction.
    assert assert_context_free_agreement(raw[:-5], False) == "unreadable by both"
    # An amount above 21 million BTC (recommitted): ailee refuses to read it.
    tx = chain.txs[ANCHOR_HEIGHT - 1][4]
    huge = dataclasses.replace(tx, vout=[(21_000_001 * COIN, OP_TRUE)]).serialize()
    bad = _recommit(assemble(raw[:80], [*txs[:4], huge]))
    assert (
        assert_context_free_agreement(bad, True)
        == "refused by ailee, Core CONSENSUS, CONSENSUS without flags"
    )
    # The coinbase moved (recommitted): a Merkle-valid block Core's other rules refuse.
    moved = _recommit(assemble(raw[:80], [*txs[1:], txs[0]]))
    assert assert_context_free_agreement(moved, True) == (
        "Core CONSENSUS, ailee pow True merkle True"
    )
    with pytest.raises(AssertionError):
        assert_context_free_agreement(moved, False)


# --- 4. random bit flips, judged in context -------------------------------------------

#: For each reason ailee gives, the reasons Core may give for the same block.
CORE_REASONS: dict[ReasonCode | str, set[str]] = {
    ReasonCode.POW_INSUFFICIENT: {"high-hash"},
    ReasonCode.POW_TARGET_NEGATIVE: {"high-hash"},
    ReasonCode.POW_TARGET_ZERO: {"high-hash"},
    ReasonCode.POW_TARGET_OVERFLOW: {"high-hash"},
    ReasonCode.POW_TARGET_ABOVE_LIMIT: {"high-hash"},
    ReasonCode.HEADERS_BROKEN_LINK: {"prev-blk-not-found"},
    ReasonCode.HEADERS_BAD_DIFFICULTY: {"bad-diffbits"},
    ReasonCode.HEADERS_TIME_TOO_OLD: {"time-too-old"},
    ReasonCode.HEADERS_TIME_TOO_NEW: {"time-too-new"},
    ReasonCode.HEADERS_BAD_VERSION: {"bad-version"},
    "merkle": {"bad-txnmrklroot", "bad-txns-duplicate"},
    # ailee cannot read the block; the kernel reads a different transaction list
    # (a count made smaller leaves the rest as ignored bytes): the root differs.
    "unreadable": {"bad-txnmrklroot"},
}


def ailee_in_context(headers: list[bytes], raw: bytes, now: int) -> ReasonCode | str | None:
    """ailee's objection to the block on top of ``headers``, or None."""
    try:
        verify_header_chain(b"".join([*headers, raw[:80]]), REGTEST, now=now)
    except AileeError as exc:
        return ReasonCode(exc.code)
    block = try_parse(raw)
    if block is None:
        return "unreadable"
    return None if merkle_ok(block) else "merkle"


#: Core's reasons for a block whose witnesses, and only those, were changed.
WITNESS_REASONS: Final = {"bad-witness-merkle-match", "bad-witness-nonce-size"}


@st.composite
def bit_flips(draw: st.DrawFn) -> tuple[int, int, int, bool]:
    """(height, byte, bit, re-mine): a bit of the anchor block or of the segwit block."""
    height = draw(st.sampled_from([ANCHOR_HEIGHT, ANCHOR_HEIGHT, SEGWIT_HEIGHT]))
    size = len(anchor_chain().block(height))
    # The version, time and bits fields, any header byte, or any byte of the body.
    position = draw(
        st.integers(0, 3) | st.integers(68, 75) | st.integers(0, 79) | st.integers(80, size - 1)
    )
    return height, position, draw(st.integers(0, 7)), draw(st.booleans())


@settings(
    max_examples=IN_CONTEXT_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@example(case=(ANCHOR_HEIGHT, 71, 7, True))  # time in 2078: time-too-new
@example(case=(ANCHOR_HEIGHT, 71, 6, True))  # time in 1977: time-too-old
@example(case=(ANCHOR_HEIGHT, 3, 5, True))  # version 0: bad-version
@example(case=(ANCHOR_HEIGHT, 72, 0, True))  # nBits 0x207ffffe: bad-diffbits
@example(case=(ANCHOR_HEIGHT, 75, 0, True))  # nBits 0x217fffff overflows: high-hash
@example(case=(ANCHOR_HEIGHT, 0, 0, True))  # version 0x20000001: valid
@example(case=(ANCHOR_HEIGHT, 80, 0, False))  # 4 transactions read: bad-txnmrklroot
@example(case=(SEGWIT_HEIGHT, -5, 0, False))  # the witness item OP_1 made OP_RESERVED
@example(case=(SEGWIT_HEIGHT, 200, 0, False))  # in the coinbase's witness reserved value
@given(case=bit_flips())
def test_random_bit_flip_in_context(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[int, int, int, bool]
) -> None:
    """One bit of a block flipped (and the header maybe re-mined), submitted on top of
    the chain below it: the kernel connects it exactly when ailee accepts its header in
    the chain and its transactions under the header's Merkle root, except when only a
    witness changed.

    A witness is outside the txid, so the header's Merkle root does not commit to it
    and ailee (which proves txids, and reads an anchor from outputs) accepts such a
    block; Core refuses it by BIP141's witness commitment in the coinbase (MUTATED,
    ``bad-witness-merkle-match``, or ``bad-witness-nonce-size`` for the coinbase's
    reserved value), a rule ailee does not implement.
    """
    height, position, bit, regrind = case
    chain = anchor_chain()
    genuine = chain.block(height)
    raw = _flip(genuine, position, bit)
    if regrind:
        raw = remine(raw[:80]) + raw[80:]
    note(f"block {height}: flip bit {bit} of byte {position}" + (", re-mined" if regrind else ""))
    objection = ailee_in_context(chain.headers[: height - 1], raw, int(time.time()))
    try:
        pbk.Block(raw)
    except RuntimeError:
        assert objection == "unreadable"
        event("unreadable by both")
        return
    with open_kernel(tmp_path_factory.mktemp("kernel"), chain.blocks[: height - 1]) as kernel:
        verdict = kernel.submit(raw)
        tip = kernel.height
    note(f"ailee: {objection}; kernel: {verdict}")
    event(f"kernel: {verdict.reason}")
    block = try_parse(raw)
    witness_only = block is not None and [tx.wtxid for tx in block.transactions] != [
        tx.wtxid for tx in parse_block(genuine).transactions
    ]
    if objection is None and witness_only:
        event("witness changed: accepted by ailee, refused by the kernel")
        assert not connected(verdict)
        assert verdict.checked == ((pbk.ValidationMode.INVALID, Result.MUTATED),)
        assert verdict.reason in WITNESS_REASONS
        assert tip == height - 1
        return
    assert connected(verdict) == (objection is None)
    if objection is None:
        assert tip == height
    else:
        assert tip == height - 1
        assert verdict.reason in CORE_REASONS[objection]
