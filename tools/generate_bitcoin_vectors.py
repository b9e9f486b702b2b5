"""The Bitcoin-layer golden vectors: header chains, Merkle proofs, SPV, anchors, evidence.

Called by ``tools/generate_vectors.py`` (which owns the file layout); not run alone.
All Bitcoin data is made up on regtest-style chains mined here (deterministically:
nonces are searched from 0), so the vectors carry no third-party data. Real mainnet
data is checked by the tests from ``../shared/external-vectors/``.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ailee.anchors import anchor_commitment, anchor_script, build_taproot_anchor
from ailee.headers import block_hash, display_hex, encode_compact
from ailee.networks import NetworkParams, network
from ailee.snapshot import Snapshot, snapshot_to_json

TOOLS = Path(__file__).resolve().parent


if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))
import regtest as rt  # noqa: E402 (a sibling script, found once tools/ is on the path)

REGTEST = network("regtest")
GENESIS = block_hash(REGTEST.genesis_header)
T0 = rt.REGTEST_GENESIS_TIME
EASY_BITS = rt.EASY_BITS
# BIP340 test vector 1's public key (a valid x-only key) and a federation leaf.
INTERNAL_KEY = bytes.fromhex("dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659")
FED_LEAVES = [bytes([0x20]) + bytes([k]) * 32 + b"\xac" for k in (1, 2, 3)]


def hexes(headers: list[bytes]) -> list[str]:
    return [h.hex() for h in headers]


easy_params = rt.easy_params
time_of = rt.time_of
bits_of = rt.bits_of
required_bits = rt.required_bits
grow = rt.grow


def params_json(params: NetworkParams) -> dict[str, Any]:
    return {
        "name": params.name,
        "pow_limit": params.pow_limit.to_bytes(32, "big").hex(),
        "interval": params.interval,
        "target_spacing": params.target_spacing,
        "allow_min_difficulty": params.allow_min_difficulty,
        "no_retargeting": params.no_retargeting,
        "enforce_bip94": params.enforce_bip94,
        "bip34_height": params.bip34_height,
        "bip66_height": params.bip66_height,
        "bip65_height": params.bip65_height,
        "genesis_header": params.genesis_header.hex(),
    }


def header_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Bitcoin header chains",
        "ailee_header_chain_v1",
        [
            "Each case verifies one or more header chains ('chains', hex headers) above a "
            "checkpoint ('checkpoint', HEIGHT:HASH in display order, or null for genesis) "
            "of a network ('network' name, or 'params' for a made-up easy network) and "
            "keeps the one with the most work. 'now' (Unix seconds or null) enables the "
            "future-time rule. 'expected' gives the chosen tip, its work (hex) and the "
            "rules that could not be checked as [rule, first height, last height].",
        ],
    )
    vf.note("Pow", "MODIFIED_SIGNATURE", "The proof of work or the target is invalid.")
    vf.note("Link", "CAN_OF_WORMS", "A header does not link to the one before it.")
    vf.note("Difficulty", "CAN_OF_WORMS", "nBits is not what the difficulty rules require.")
    vf.note("Time", "CAN_OF_WORMS", "A timestamp breaks the median-time or other time rule.")
    vf.note("Input", "MALFORMED_INPUT", "The input is malformed.")

    def add(
        tests: list[Any],
        comment: str,
        chains: list[list[bytes]],
        code: str | None = None,
        flags: tuple[str, ...] = (),
        **extra: Any,
    ) -> None:
        fields: dict[str, Any] = {"network": "regtest", "checkpoint": None, "now": None}
        fields.update(extra)
        if "params" in fields:
            fields["params"] = params_json(fields["params"])
            fields.pop("network")
        fields["chains"] = [hexes(c) for c in chains]
        if code is None:
            fields["expected"] = _expected_chain(fields)
        vf.add(tests, comment, fields, code=code, flags=flags)

    valid = vf.group("valid")
    regtest_chain = rt.mine_chain(GENESIS, T0, 20)
    add(valid, "regtest: 20 headers from genesis", [regtest_chain])
    add(
        valid,
        "regtest: starting with the genesis header itself",
        [[REGTEST.genesis_header, *regtest_chain]],
    )
    add(
        valid,
        "regtest: with a current time two hours after the last header",
        [regtest_chain],
        now=time_of(regtest_chain[-1]) - 7200,
    )
    checkpoint = f"5:{display_hex(block_hash(regtest_chain[4]))}"
    add(
        valid,
        "regtest: from a checkpoint, the first 11 have no median to check",
        [regtest_chain[5:]],
        checkpoint=checkpoint,
    )
    add(
        valid,
        "regtest: from a checkpoint, starting with the checkpoint header",
        [regtest_chain[4:]],
        checkpoint=checkpoint,
    )
    short_fork = rt.mine_chain(block_hash(regtest_chain[9]), T0 + 10 * 600 + 1, 3)
    add(
        valid,
        "competing chains: the longer one wins",
        [[*regtest_chain[:10], *short_fork], regtest_chain],
    )
    tie_a = rt.mine_chain(block_hash(regtest_chain[9]), T0 + 10 * 600 + 7, 1)
    tie_b = rt.mine_chain(block_hash(regtest_chain[9]), T0 + 10 * 600 + 9, 1)
    add(
        valid,
        "competing chains of equal work: the smaller tip hash wins",
        [[*regtest_chain[:10], *tie_a], [*regtest_chain[:10], *tie_b]],
    )
    easy = easy_params()
    slow = grow(easy, 40, step=10)
    add(valid, "retargets at 16 and 32, clamped to 4x easier", [slow[1:]], params=easy)
    fast = grow(easy, 20, step=1)
    add(valid, "retarget to a harder target", [fast[1:]], params=easy)
    add(
        valid,
        "checkpoint inside a period: the retarget is only bounded",
        [fast[6:]],
        params=easy,
        checkpoint=f"5:{display_hex(block_hash(fast[5]))}",
    )
    easy_min = easy_params(allow_min=True)
    chain = grow(easy_min, 5, step=1)
    limit_bits = encode_compact(easy_min.pow_limit)
    late = rt.mine(block_hash(chain[-1]), time_of(chain[-1]) + 3, limit_bits)
    back = rt.mine(block_hash(late), time_of(late) + 1, EASY_BITS)
    add(
        valid,
        "a late block at minimum difficulty, then the real target again",
        [[*chain[1:], late, back]],
        params=easy_min,
    )
    easy94 = easy_params(bip94=True)
    chain94 = grow(easy94, 15, step=200)
    edge = rt.mine(
        block_hash(chain94[-1]), time_of(chain94[-1]) - 600, required_bits(easy94, chain94)
    )
    add(
        valid,
        "BIP94: a period's first block exactly 600 s before its parent",
        [[*chain94[1:], edge]],
        params=easy94,
    )

    invalid = vf.group("invalid")
    prev = block_hash(regtest_chain[-1])
    next_time = time_of(regtest_chain[-1]) + 600

    def bad_tip(comment: str, header: bytes, code: str, flag: str, **extra: Any) -> None:
        add(invalid, comment, [[*regtest_chain, header]], code, (flag,), **extra)

    bad_tip(
        "hash above the target", rt.mine(prev, next_time, valid=False), "POW_INSUFFICIENT", "Pow"
    )
    for bits, code in (
        (0x2100FFFF, "POW_TARGET_ABOVE_LIMIT"),
        (0x1D80FFFF, "POW_TARGET_NEGATIVE"),
        (0x1D000000, "POW_TARGET_ZERO"),
        (0xFF123456, "POW_TARGET_OVERFLOW"),
    ):
        header = rt.header_bytes(0x20000000, prev, b"\x11" * 32, next_time, bits, 0)
        bad_tip(f"nBits {bits:08x}", header, code, "Pow")
    add(
        invalid,
        "a header missing in the middle",
        [regtest_chain[:8] + regtest_chain[9:]],
        "HEADERS_BROKEN_LINK",
        ("Link",),
    )
    add(
        invalid,
        "headers in the wrong order",
        [[regtest_chain[1], regtest_chain[0]]],
        "HEADERS_CHECKPOINT_MISMATCH",
        ("Link",),
    )
    add(
        invalid,
        "not starting at the checkpoint or its successor",
        [regtest_chain[7:]],
        "HEADERS_CHECKPOINT_MISMATCH",
        ("Link",),
        checkpoint=checkpoint,
    )
    bad_tip(
        "regtest nBits must stay 207fffff",
        rt.mine(prev, next_time, 0x207FFFFE),
        "HEADERS_BAD_DIFFICULTY",
        "Difficulty",
    )
    wrong_retarget = rt.mine(
        block_hash(fast[15]), time_of(fast[15]) + 1, required_bits(easy, fast[:16]) + 1
    )
    add(
        invalid,
        "wrong retarget",
        [[*fast[1:16], wrong_retarget]],
        "HEADERS_BAD_DIFFICULTY",
        ("Difficulty",),
        params=easy,
    )
    mid = rt.mine(block_hash(fast[9]), time_of(fast[9]) + 1, 0x2001FFFF)
    add(
        invalid,
        "nBits changes inside a period",
        [[*fast[1:10], mid]],
        "HEADERS_BAD_DIFFICULTY",
        ("Difficulty",),
        params=easy,
    )
    too_easy = rt.mine(block_hash(fast[15]), time_of(fast[15]) + 1, 0x2001FFFF)
    add(
        invalid,
        "retarget outside the 4x bound (period start not given)",
        [[*fast[6:16], too_easy]],
        "HEADERS_BAD_DIFFICULTY",
        ("Difficulty",),
        params=easy,
        checkpoint=f"5:{display_hex(block_hash(fast[5]))}",
    )
    on_time_min = rt.mine(block_hash(chain[-1]), time_of(chain[-1]) + 2, limit_bits)
    add(
        invalid,
        "minimum difficulty without being 2 * spacing late",
        [[*chain[1:], on_time_min]],
        "HEADERS_BAD_DIFFICULTY",
        ("Difficulty",),
        params=easy_min,
    )
    stay_min = rt.mine(block_hash(late), time_of(late) + 1, limit_bits)
    add(
        invalid,
        "minimum difficulty again after a late block, though on time",
        [[*chain[1:], late, stay_min]],
        "HEADERS_BAD_DIFFICULTY",
        ("Difficulty",),
        params=easy_min,
    )
    spaced = rt.mine_chain(GENESIS, T0, 11, spacing=1)
    median = sorted([T0, *(T0 + k for k in range(1, 12))])[-11:][5]
    add(
        invalid,
        "time equal to the median of the previous 11",
        [[*spaced, rt.mine(block_hash(spaced[-1]), median)]],
        "HEADERS_TIME_TOO_OLD",
        ("Time",),
    )
    add(
        invalid,
        "time more than two hours after 'now'",
        [regtest_chain],
        "HEADERS_TIME_TOO_NEW",
        ("Time",),
        now=time_of(regtest_chain[-1]) - 7201,
    )
    warped = rt.mine(
        block_hash(chain94[-1]), time_of(chain94[-1]) - 601, required_bits(easy94, chain94)
    )
    add(
        invalid,
        "BIP94: a period's first block 601 s before its parent",
        [[*chain94[1:], warped]],
        "HEADERS_TIMEWARP",
        ("Time",),
        params=easy94,
    )
    for version in (1, 2, 3):
        bad_tip(
            f"version {version} after BIP34/66/65",
            rt.mine(prev, next_time, version=version),
            "HEADERS_BAD_VERSION",
            "Input",
        )
    add(invalid, "no headers", [[]], "HEADERS_EMPTY", ("Input",))
    add(invalid, "no chains", [], "HEADERS_EMPTY", ("Input",))
    add(invalid, "a 79-byte header", [[regtest_chain[0][:79]]], "BTC_HEADER_LENGTH", ("Input",))
    add(
        invalid,
        "unknown network",
        [regtest_chain],
        "NETWORK_UNKNOWN",
        ("Input",),
        network="testnet5",
    )
    add(
        invalid,
        "malformed checkpoint",
        [regtest_chain],
        "CHECKPOINT_INVALID",
        ("Input",),
        checkpoint="five:00",
    )
    return vf


def _expected_chain(fields: dict[str, Any]) -> dict[str, Any]:
    from ailee.vectors import _best_chain

    chain = _best_chain(copy.deepcopy(fields))
    return {
        "tip_height": chain.tip_height,
        "tip_hash": display_hex(chain.tip_hash),
        "work": f"{chain.work:x}",
        "unchecked": [[u.rule, u.first_height, u.last_height] for u in chain.unchecked],
    }


def _block_with(txids: list[bytes], time: int = T0 + 600, prev: bytes = GENESIS) -> bytes:
    return rt.mine(prev, time, merkle=rt.merkle_root(txids))


def _flags_bytes(bits: list[int]) -> bytes:
    out = bytearray((len(bits) + 7) // 8)
    for k, bit in enumerate(bits):
        out[k // 8] |= bit << (k % 8)
    return bytes(out)


def _pmt(header: bytes, count: int, hashes: list[bytes], flags: bytes) -> bytes:
    return (
        header
        + count.to_bytes(4, "little")
        + rt.compact_size(len(hashes))
        + b"".join(hashes)
        + rt.compact_size(len(flags))
        + flags
    )


def txoutproof_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Bitcoin Merkle inclusion proofs",
        "ailee_txoutproof_v1",
        [
            "A case is either 'txoutproof' (Bitcoin Core gettxoutproof bytes, hex), "
            "expected to give the block hash and the matched positions and txids, or a "
            "branch: 'txid', 'position', 'branch' and 'merkle_root' (display hex). Hashes "
            "are in display order.",
        ],
    )
    vf.note("Tree", "CAN_OF_WORMS", "The partial Merkle tree is malformed or forged.")
    vf.note("Encoding", "MALFORMED_INPUT", "The serialization is not canonical or complete.")
    vf.note("Attack", "KNOWN_ATTACK", "A known SPV attack (CVE-2012-2459, CVE-2017-12842).")
    txids = [rt.sha256d(b"tx" + bytes([k])) for k in range(7)]
    header = _block_with(txids)

    def proof_case(
        tests: list[Any],
        comment: str,
        raw: bytes,
        code: str | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        fields: dict[str, Any] = {"txoutproof": raw.hex()}
        if code is None:
            from ailee.txmerkle import parse_merkle_block

            block = parse_merkle_block(raw)
            fields["expected"] = {
                "block_hash": display_hex(block.block_hash),
                "matches": [{"position": p, "txid": display_hex(t)} for p, t in block.verify()],
            }
        vf.add(tests, comment, fields, code=code, flags=flags)

    valid = vf.group("valid")
    for matches in ({0}, {6}, {3}, {1, 5}, set(range(7))):
        proof_case(
            valid,
            f"7 transactions, matching {sorted(matches)}",
            rt.merkle_block(header, txids, matches),
        )
    single = [rt.sha256d(b"coinbase only")]
    proof_case(
        valid, "a block of one transaction", rt.merkle_block(_block_with(single), single, {0})
    )
    proof_case(
        valid,
        "matching nothing (a valid tree that proves no transaction)",
        rt.merkle_block(header, txids, set()),
    )

    invalid = vf.group("invalid")
    good = rt.merkle_block(header, txids, {3})
    hashes, bits = rt.partial_merkle_tree(txids, {3})
    flags = _flags_bytes(bits)
    proof_case(invalid, "trailing byte", good + b"\x00", "BTC_TRAILING_BYTES", ("Encoding",))
    proof_case(invalid, "truncated", good[:-1], "BTC_TRUNCATED", ("Encoding",))
    proof_case(invalid, "only a header", good[:80], "BTC_TRUNCATED", ("Encoding",))
    non_canonical = good[:84] + b"\xfd" + bytes((len(hashes), 0)) + good[85:]
    proof_case(
        invalid,
        "hash count as a 3-byte CompactSize",
        non_canonical,
        "BTC_NON_CANONICAL_SIZE",
        ("Encoding",),
    )
    huge = good[:84] + b"\xff" + (1 << 40).to_bytes(8, "little") + good[85:]
    proof_case(invalid, "hash count over 0x02000000", huge, "BTC_SIZE_TOO_LARGE", ("Encoding",))
    proof_case(
        invalid, "zero transactions", _pmt(header, 0, [], b""), "PMT_NO_TRANSACTIONS", ("Tree",)
    )
    proof_case(
        invalid,
        "16667 transactions",
        _pmt(header, 16_667, hashes, flags),
        "PMT_TOO_MANY_TRANSACTIONS",
        ("Tree",),
    )
    proof_case(
        invalid,
        "more hashes than transactions",
        _pmt(header, 2, [txids[0]] * 3, b"\xff"),
        "PMT_TOO_MANY_HASHES",
        ("Tree",),
    )
    proof_case(
        invalid,
        "fewer flag bits than hashes",
        _pmt(header, 20, [txids[0]] * 9, b"\xff"),
        "PMT_TOO_FEW_BITS",
        ("Tree",),
    )
    proof_case(
        invalid, "a hash short", _pmt(header, 7, hashes[:-1], flags), "PMT_OVERRUN", ("Tree",)
    )
    proof_case(
        invalid,
        "an unused hash",
        _pmt(header, 7, [*hashes, txids[0]], flags),
        "PMT_UNUSED_DATA",
        ("Tree",),
    )
    proof_case(
        invalid,
        "an unused flag byte",
        _pmt(header, 7, hashes, flags + b"\x00"),
        "PMT_UNUSED_DATA",
        ("Tree",),
    )
    padded = flags[:-1] + bytes((flags[-1] | 0x80,))
    proof_case(
        invalid,
        "a padding bit set",
        _pmt(header, 7, hashes, padded),
        "PMT_NONZERO_PADDING",
        ("Encoding",),
    )
    other_header = _block_with(txids[:6])
    proof_case(
        invalid,
        "the header of another block",
        rt.merkle_block(other_header, txids, {3})[:80] + good[80:],
        "MERKLE_ROOT_MISMATCH",
        ("Tree",),
    )
    dup_txids = [rt.sha256d(bytes([k])) for k in range(10)]
    dup_txids += dup_txids[8:10]
    dup_header = _block_with(dup_txids)
    proof_case(
        invalid,
        "duplicate subtree (Core's pmt_malleability, CVE-2012-2459)",
        rt.merkle_block(dup_header, dup_txids, {9, 10}),
        "PMT_DUPLICATE_SUBTREE",
        ("Attack",),
    )
    raw64 = _tx64()
    forged = [txids[0], txids[1], raw64[:32], raw64[32:]]
    proof_case(
        invalid,
        "two leaves that read as a 64-byte transaction (CVE-2017-12842)",
        rt.merkle_block(_block_with(forged), forged, {3}),
        "MERKLE_INNER_NODE_IS_TX",
        ("Attack",),
    )

    def branch_case(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        txid: bytes,
        position: int,
        branch: list[bytes],
        root: bytes,
        code: str | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        vf.add(
            tests,
            comment,
            {
                "txid": display_hex(txid),
                "position": position,
                "branch": [display_hex(h) for h in branch],
                "merkle_root": display_hex(root),
            },
            code=code,
            flags=flags,
        )

    root = rt.merkle_root(txids)
    l1 = [rt.sha256d(txids[k] + txids[k + 1]) for k in (0, 2, 4)] + [
        rt.sha256d(txids[6] + txids[6])
    ]
    l2 = [rt.sha256d(l1[0] + l1[1]), rt.sha256d(l1[2] + l1[3])]
    branch_valid = vf.group("valid")
    branch_case(branch_valid, "branch of position 2", txids[2], 2, [txids[3], l1[0], l2[1]], root)
    branch_case(
        branch_valid,
        "branch of the last, duplicated, position 6",
        txids[6],
        6,
        [txids[6], l1[2], l2[0]],
        root,
    )
    branch_invalid = vf.group("invalid")
    branch_case(
        branch_invalid,
        "phantom position 7 (right node equals its left sibling)",
        txids[6],
        7,
        [txids[6], l1[2], l2[0]],
        root,
        "MERKLE_PHANTOM_DUPLICATE",
        ("Attack",),
    )
    branch_case(
        branch_invalid,
        "position 8 with a 3-hash branch",
        txids[2],
        8,
        [txids[3], l1[0], l2[1]],
        root,
        "MERKLE_INDEX_OUT_OF_RANGE",
        ("Tree",),
    )
    branch_case(
        branch_invalid,
        "siblings swapped",
        txids[2],
        2,
        [l1[0], txids[3], l2[1]],
        root,
        "MERKLE_ROOT_MISMATCH",
        ("Tree",),
    )
    branch_case(
        branch_invalid,
        "16 hashes",
        txids[2],
        2,
        [txids[3]] * 16,
        root,
        "MERKLE_BRANCH_TOO_LONG",
        ("Tree",),
    )
    return vf


def _tx64() -> bytes:
    """A valid 64-byte transaction (the shape BIP54 forbids)."""
    tx = rt.Tx([(b"\x01" * 32, 0, b"", 0xFFFFFFFF)], [(1000, b"\x51\x51\x51\x51")])
    raw = tx.serialize()
    assert len(raw) == 64
    return bytes(raw)


def spv_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "SPV: a transaction in the most-work chain",
        "ailee_spv_v1",
        [
            "A header chain as in the header-chain vectors, a gettxoutproof 'txoutproof', "
            "the raw transaction 'tx' (or null) and 'min_confirmations'; 'expected' gives "
            "the block's height and its confirmations (tip - height + 1).",
        ],
    )
    vf.note("Spv", "CAN_OF_WORMS", "The proof does not show what it claims.")
    vf.note("Attack", "KNOWN_ATTACK", "A known SPV attack.")
    paying = rt.Tx([(b"\x05" * 32, 0, b"\x51" * 10, 0)], [(70_000, b"\x51\x20" + b"\x07" * 32)])
    other = rt.Tx([(b"\x06" * 32, 0, b"\x51" * 10, 0)], [(1, b"\x51")])
    raw_block, all_txs = rt.block(GENESIS, 1, T0 + 600, [paying, other])
    header = raw_block[:80]
    txids = [tx.txid() for tx in all_txs]
    on_top = rt.mine_chain(block_hash(header), T0 + 600, 5)
    chain = [header, *on_top]
    proof = rt.merkle_block(header, txids, {1})

    def case(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        headers: list[bytes],
        raw_proof: bytes,
        tx: bytes | None,
        min_conf: int,
        code: str | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        fields: dict[str, Any] = {
            "network": "regtest",
            "checkpoint": None,
            "now": None,
            "chains": [hexes(headers)],
            "txoutproof": raw_proof.hex(),
            "tx": None if tx is None else tx.hex(),
            "min_confirmations": min_conf,
        }
        if code is None:
            fields["expected"] = {"height": 1, "confirmations": len(headers)}
        vf.add(tests, comment, fields, code=code, flags=flags)

    valid = vf.group("valid")
    case(valid, "with the raw transaction, 6 confirmations", chain, proof, paying.serialize(), 6)
    case(valid, "without the raw transaction", chain, proof, None, 1)
    invalid = vf.group("invalid")
    case(
        invalid,
        "7 confirmations required",
        chain,
        proof,
        paying.serialize(),
        7,
        "SPV_TOO_FEW_CONFIRMATIONS",
        ("Spv",),
    )
    case(
        invalid,
        "another transaction of the block",
        chain,
        proof,
        other.serialize(),
        1,
        "TX_NOT_IN_PROOF",
        ("Spv",),
    )
    case(
        invalid,
        "a malformed transaction",
        chain,
        proof,
        paying.serialize() + b"\x00",
        1,
        "TX_MALFORMED",
        ("Spv",),
    )
    forged_header = rt.header_bytes(1, bytes(32), paying.txid(), 0, 0x207FFFFF, 0)
    case(
        invalid,
        "a header whose Merkle root is the transaction's hash (not in the chain)",
        chain,
        rt.merkle_block(forged_header, [paying.txid()], {0}),
        paying.serialize(),
        1,
        "SPV_BLOCK_NOT_IN_CHAIN",
        ("Attack",),
    )
    case(
        invalid,
        "the block is not in the header chain",
        on_top[1:],
        proof,
        None,
        1,
        "HEADERS_CHECKPOINT_MISMATCH",
        ("Spv",),
    )
    raw64 = _tx64()
    coinbase = rt.coinbase(1, [(50 * rt.COIN, b"\x51")])
    txids64 = [coinbase.txid(), rt.sha256d(raw64)]
    header64 = _block_with(txids64)
    case(
        invalid,
        "a 64-byte transaction, truly in the block",
        [header64],
        rt.merkle_block(header64, txids64, {1}),
        raw64,
        1,
        "TX_SIZE_64",
        ("Attack",),
    )
    return vf


def anchor_commitment_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Anchor commitments",
        "ailee_anchor_commitment_v1",
        ["The anchor commitment (spec section 15.1) of the given fields and chain id."],
    )
    vf.note("Length", "MALFORMED_INPUT", "A 32-byte field has another length.")
    valid = vf.group("valid")
    for k, chain_id in enumerate(["ailee-signet-demo", "x", "chaîne-é", "c" * 64]):
        fields = {
            "chain_id": chain_id,
            "sequence": k * 1000,
            "timestamp_ms": 1_764_000_000_000 + k,
            "state_root": rt.sha256d(b"root" + bytes([k])).hex(),
            "recovery_metadata": ("00" * 32) if k % 2 else rt.sha256d(b"rec").hex(),
            "prev_commitment": ("00" * 32) if k == 0 else rt.sha256d(b"prev" + bytes([k])).hex(),
        }
        commitment = anchor_commitment(
            **{
                n: bytes.fromhex(v) if n.endswith(("root", "metadata", "commitment")) else v
                for n, v in fields.items()
            }
        )
        vf.add(valid, f"chain id {chain_id!r}", {**fields, "commitment": commitment.hex()})
    invalid = vf.group("invalid")
    base = {
        "chain_id": "c",
        "sequence": 1,
        "timestamp_ms": 2,
        "state_root": "00" * 32,
        "recovery_metadata": "00" * 32,
        "prev_commitment": "00" * 32,
    }
    for name in ("state_root", "recovery_metadata", "prev_commitment"):
        vf.add(
            invalid,
            f"{name} of 31 bytes",
            {**base, name: "00" * 31, "commitment": "00" * 32},
            code="BYTES_WRONG_LENGTH",
            flags=("Length",),
        )
    return vf


def anchor_script_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "OP_RETURN anchor scripts",
        "ailee_anchor_script_v1",
        ["An OP_RETURN scriptPubKey (spec section 15.2) and the commitment it carries."],
    )
    vf.note("Script", "MALFORMED_INPUT", "Not exactly OP_RETURN and one minimal push.")
    vf.note("Payload", "MALFORMED_INPUT", "The payload is not an anchor of this version.")
    commitment = rt.sha256d(b"anchor")
    payload = b"ailee\x01" + commitment
    valid = vf.group("valid")
    for label in (b"anchor", b"another"):
        c = rt.sha256d(label)
        vf.add(
            valid,
            f"commitment of {label.decode()!r}",
            {"script": anchor_script(c).hex(), "commitment": c.hex()},
        )
    invalid = vf.group("invalid")
    for comment, script, code, flag in (
        ("empty script", b"", "ANCHOR_NOT_OP_RETURN", "Script"),
        ("OP_1", b"\x51", "ANCHOR_NOT_OP_RETURN", "Script"),
        ("OP_RETURN alone", b"\x6a", "ANCHOR_NOT_OP_RETURN", "Script"),
        ("OP_RETURN OP_1", b"\x6a\x51", "ANCHOR_NOT_OP_RETURN", "Script"),
        ("OP_0 instead of OP_RETURN", b"\x00\x26" + payload, "ANCHOR_NOT_OP_RETURN", "Script"),
        (
            "a byte after the push",
            b"\x6a\x26" + payload + b"\x00",
            "ANCHOR_NOT_OP_RETURN",
            "Script",
        ),
        (
            "push longer than the script",
            b"\x6a\x26" + payload[:-1],
            "ANCHOR_NOT_OP_RETURN",
            "Script",
        ),
        (
            "OP_PUSHDATA1 for 38 bytes",
            b"\x6a\x4c\x26" + payload,
            "ANCHOR_NON_MINIMAL_PUSH",
            "Script",
        ),
        (
            "OP_PUSHDATA2 for 38 bytes",
            b"\x6a\x4d\x26\x00" + payload,
            "ANCHOR_NON_MINIMAL_PUSH",
            "Script",
        ),
        ("magic in capitals", b"\x6a\x26AILEE\x01" + commitment, "ANCHOR_BAD_MAGIC", "Payload"),
        ("no version byte", b"\x6a\x05ailee", "ANCHOR_BAD_LENGTH", "Payload"),
        ("version 2", b"\x6a\x26ailee\x02" + commitment, "ANCHOR_UNKNOWN_VERSION", "Payload"),
        (
            "31-byte commitment",
            b"\x6a\x25ailee\x01" + commitment[:-1],
            "ANCHOR_BAD_LENGTH",
            "Payload",
        ),
        (
            "33-byte commitment",
            b"\x6a\x27ailee\x01" + commitment + b"\x00",
            "ANCHOR_BAD_LENGTH",
            "Payload",
        ),
    ):
        vf.add(
            invalid, comment, {"script": script.hex(), "commitment": None}, code=code, flags=(flag,)
        )
    return vf


def taproot_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Taproot anchors (BIP341)",
        "ailee_taproot_anchor_v1",
        [
            "A P2TR 'script_pubkey' commits to 'commitment' through the anchor leaf with "
            "Merkle path 'path' (hex hashes, leaf to root) under 'internal_key' (spec "
            "section 15.3).",
        ],
    )
    vf.note("Key", "MODIFIED_PUBLIC_KEY", "The output key does not come from these inputs.")
    vf.note("Input", "MALFORMED_INPUT", "An input is malformed.")
    commitment = rt.sha256d(b"taproot anchor")

    def case(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        spk: bytes,
        key: bytes,
        c: bytes,
        path: list[bytes],
        code: str | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        vf.add(
            tests,
            comment,
            {
                "script_pubkey": spk.hex(),
                "internal_key": key.hex(),
                "commitment": c.hex(),
                "path": [h.hex() for h in path],
            },
            code=code,
            flags=flags,
        )

    valid = vf.group("valid")
    builds = {n: build_taproot_anchor(INTERNAL_KEY, commitment, FED_LEAVES[:n]) for n in range(4)}
    for n, built in builds.items():
        case(
            valid,
            f"anchor leaf beside {n} federation leaves",
            built.script_pubkey,
            INTERNAL_KEY,
            commitment,
            list(built.anchor_path),
        )
    built = builds[3]
    invalid = vf.group("invalid")
    case(
        invalid,
        "another commitment",
        built.script_pubkey,
        INTERNAL_KEY,
        rt.sha256d(b"other"),
        list(built.anchor_path),
        "TAPROOT_OUTPUT_KEY_MISMATCH",
        ("Key",),
    )
    case(
        invalid,
        "path missing",
        built.script_pubkey,
        INTERNAL_KEY,
        commitment,
        [],
        "TAPROOT_OUTPUT_KEY_MISMATCH",
        ("Key",),
    )
    other_key = bytes.fromhex("dd308afec5777e13121fa72b9cc1b7cc0139715309b086c960e18fd969774eb8")
    case(
        invalid,
        "another internal key",
        built.script_pubkey,
        other_key,
        commitment,
        list(built.anchor_path),
        "TAPROOT_OUTPUT_KEY_MISMATCH",
        ("Key",),
    )
    case(
        invalid,
        "a P2WSH output",
        b"\x00\x20" + built.script_pubkey[2:],
        INTERNAL_KEY,
        commitment,
        list(built.anchor_path),
        "TAPROOT_NOT_P2TR",
        ("Input",),
    )
    case(
        invalid,
        "internal key not on the curve",
        built.script_pubkey,
        b"\xff" * 32,
        commitment,
        list(built.anchor_path),
        "TAPROOT_INVALID_KEY",
        ("Key",),
    )
    case(
        invalid,
        "129 path hashes",
        built.script_pubkey,
        INTERNAL_KEY,
        commitment,
        [built.anchor_path[0]] * 129,
        "TAPROOT_PATH_TOO_LONG",
        ("Input",),
    )
    case(
        invalid,
        "a 31-byte path hash",
        built.script_pubkey,
        INTERNAL_KEY,
        commitment,
        [built.anchor_path[0][:31]],
        "BYTES_WRONG_LENGTH",
        ("Input",),
    )
    return vf


def evidence_vectors(vector_file: Callable[..., Any], states: list[Any]) -> Any:
    vf = vector_file(
        "Anchor evidence",
        "ailee_anchor_evidence_v1",
        [
            "'document' is a valid snapshot (JSON text) whose anchors the 'evidence' "
            "document (spec section 16) must prove with 'min_confirmations'.",
        ],
    )
    vf.note("Evidence", "CAN_OF_WORMS", "The evidence does not prove the anchors.")
    vf.note("Input", "MALFORMED_INPUT", "The evidence document is malformed.")
    state = states[2]
    document = snapshot_to_json(Snapshot.of(state))
    first, second = state.anchors
    taproot = build_taproot_anchor(INTERNAL_KEY, second.commitment, FED_LEAVES[:1])
    evidence = rt.evidence_document(
        [
            (first.sequence, anchor_script(first.commitment), None),
            (second.sequence, taproot.script_pubkey, (INTERNAL_KEY, list(taproot.anchor_path))),
        ],
        6,
    )
    other = rt.evidence_document([(0, anchor_script(rt.sha256d(b"elsewhere")), None)], 6)

    def case(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        change: Any = None,
        min_conf: int = 6,
        code: str | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        doc = copy.deepcopy(evidence)
        if change is not None:
            change(doc)
        vf.add(
            tests,
            comment,
            {"document": document, "evidence": doc, "min_confirmations": min_conf},
            code=code,
            flags=flags,
        )

    valid = vf.group("valid")
    case(valid, "OP_RETURN anchor of sequence 0 and Taproot anchor of sequence 1")
    case(valid, "only the Taproot anchor", lambda d: d["anchors"].pop(0))
    case(valid, "exactly the confirmations required", min_conf=6)
    pegs = peg_cases(vf, state)
    pegs(valid, "valid")
    invalid = vf.group("invalid")
    e, i = ("Evidence",), ("Input",)
    case(invalid, "7 confirmations required", min_conf=7, code="SPV_TOO_FEW_CONFIRMATIONS", flags=e)
    case(
        invalid,
        "an anchor the snapshot does not have",
        lambda d: d["anchors"][1].update(sequence=5),
        code="EVIDENCE_ANCHOR_UNKNOWN",
        flags=e,
    )
    case(
        invalid,
        "the OP_RETURN commits to another anchor",
        lambda d: (d["anchors"].pop(1), d["anchors"][0].update(sequence=1)),
        code="EVIDENCE_NO_COMMITMENT",
        flags=e,
    )
    case(
        invalid,
        "the named output is not an anchor",
        lambda d: d["anchors"][0].update(vout=1),
        code="ANCHOR_NOT_OP_RETURN",
        flags=e,
    )
    case(
        invalid,
        "no such output",
        lambda d: d["anchors"][0].update(vout=7),
        code="TX_OUTPUT_MISSING",
        flags=e,
    )
    case(
        invalid,
        "Taproot path missing",
        lambda d: d["anchors"][1]["taproot"].update(path=[]),
        code="TAPROOT_OUTPUT_KEY_MISMATCH",
        flags=e,
    )
    case(
        invalid,
        "transactions swapped",
        lambda d: d["anchors"][0].update(tx=d["anchors"][1]["tx"]),
        code="TX_NOT_IN_PROOF",
        flags=e,
    )
    case(
        invalid,
        "headers of another chain",
        lambda d: d.update(header_chains=other["header_chains"]),
        code="SPV_BLOCK_NOT_IN_CHAIN",
        flags=e,
    )
    case(
        invalid,
        "a header missing",
        lambda d: d["header_chains"][0].pop(2),
        code="HEADERS_BROKEN_LINK",
        flags=e,
    )
    case(
        invalid,
        "anchors not in ascending sequence",
        lambda d: d["anchors"].reverse(),
        code="LIST_NOT_SORTED_UNIQUE",
        flags=i,
    )
    case(
        invalid,
        "wrong format marker",
        lambda d: d.update(format="x"),
        code="SCHEMA_BAD_FORMAT",
        flags=i,
    )
    case(
        invalid,
        "version 2",
        lambda d: d.update(version=2),
        code="SCHEMA_UNSUPPORTED_VERSION",
        flags=i,
    )
    case(
        invalid,
        "unknown field",
        lambda d: d.update(extra=True),
        code="SCHEMA_UNKNOWN_FIELD",
        flags=i,
    )
    case(
        invalid,
        "17 header chains",
        lambda d: d.update(header_chains=[[]] * 17),
        code="INPUT_TOO_LARGE",
        flags=i,
    )
    pegs(invalid, "invalid")
    return vf


def peg_cases(vf: Any, third: Any) -> Callable[[list[Any], str], None]:
    """Peg-in and peg-out evidence (spec 16.10 and 19): alice's deposit with the 102
    confirmations its epoch requires, and her peg-out confirmed and paid in full. The
    returned function adds the valid or the invalid cases to a group."""
    import dataclasses

    import make_examples as ex

    pegout = third.pegouts[0]
    other_script = b"\x51\x20" + rt.sha256d(b"not bob")
    payout = rt.Tx(
        [(rt.sha256d(b"federation utxo"), 0, b"", 0xFFFFFFFD)],
        [(pegout.amount, pegout.btc_destination), (pegout.amount, other_script),
         (5_000, pegout.btc_destination)],
    )  # fmt: skip
    confirmed = dataclasses.replace(pegout, status="confirmed", btc_txid=payout.txid()[::-1])
    state = dataclasses.replace(third, pegouts=(confirmed,))
    anchor = state.anchors[0]
    evidence = rt.evidence_document(
        [(anchor.sequence, anchor_script(anchor.commitment), None)], 102,
        deposits=[ex.DEPOSIT_TX], payouts=[(pegout.id, payout, 0)],
    )  # fmt: skip

    def case(tests: list[Any], comment: str, change: Any = None, snapshot: Any = state,
             code: str | None = None) -> None:  # fmt: skip
        doc = copy.deepcopy(evidence)
        if change is not None:
            change(doc)
        fields = {"document": snapshot_to_json(Snapshot.of(snapshot)), "evidence": doc,
                  "min_confirmations": 6}  # fmt: skip
        vf.add(tests, comment, fields, code=code, flags=("Evidence",) if code else ())

    def epoch0(**changes: Any) -> Any:
        first, *rest = state.federation
        return dataclasses.replace(state, federation=(dataclasses.replace(first, **changes), *rest))

    def add(tests: list[Any], kind: str) -> None:
        if kind == "valid":
            case(tests, "a deposit with 102 confirmations and a peg-out paid in full")
        else:
            invalid_cases(tests)

    def invalid_cases(invalid: list[Any]) -> None:
        _peg_invalid_cases(invalid, case, epoch0, other_script)

    return add


def _peg_invalid_cases(invalid: list[Any], case: Any, epoch0: Any, other_script: bytes) -> None:
    case(invalid, "deposit evidence for an outpoint with no peg-in",
         lambda d: d["pegins"][0].update(vout=1), code="EVIDENCE_PEGIN_UNKNOWN")  # fmt: skip
    case(invalid, "the deposit does not pay the epoch's deposit script",
         snapshot=epoch0(deposit_scripts=(other_script,)), code="PEGIN_NOT_TO_DEPOSIT")  # fmt: skip
    case(invalid, "the epoch requires 103 confirmations",
         snapshot=epoch0(min_confirmations=103), code="SPV_TOO_FEW_CONFIRMATIONS")  # fmt: skip
    case(invalid, "peg-out evidence for an unknown peg-out",
         lambda d: d["pegouts"][0].update(id="pegout-9"),
         code="EVIDENCE_PEGOUT_UNKNOWN")  # fmt: skip
    case(invalid, "peg-out evidence of another transaction",
         lambda d: d["pegouts"][0].update(tx=d["pegins"][0]["tx"],
                                          txoutproof=d["pegins"][0]["txoutproof"]),
         code="PEGOUT_TXID_MISMATCH")  # fmt: skip
    case(invalid, "the peg-out's amount paid to another script",
         lambda d: d["pegouts"][0].update(vout=1), code="TX_OUTPUT_SCRIPT_MISMATCH")  # fmt: skip
    case(invalid, "the peg-out's destination paid less",
         lambda d: d["pegouts"][0].update(vout=2), code="TX_OUTPUT_AMOUNT_MISMATCH")  # fmt: skip


def bitcoin_vector_files(
    vector_file: Callable[..., Any], states: list[Any]
) -> list[tuple[str, Any]]:
    """Every Bitcoin-layer vector file as (file name, VectorFile)."""
    return [
        ("headers.json", header_vectors(vector_file)),
        ("txoutproofs.json", txoutproof_vectors(vector_file)),
        ("spv.json", spv_vectors(vector_file)),
        ("anchor_commitments.json", anchor_commitment_vectors(vector_file)),
        ("anchor_scripts.json", anchor_script_vectors(vector_file)),
        ("taproot_anchors.json", taproot_vectors(vector_file)),
        ("evidence.json", evidence_vectors(vector_file, states)),
    ]
