"""Build regtest-style Bitcoin data by hand: headers, coinbases, blocks.

Used by the tests (differential tests against libbitcoinkernel) and by
``tools/generate_vectors.py``. Not part of the library: it grinds nonces and makes up
transactions, which a verifier never does. Hashes are in internal byte order.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

from ailee.headerchain import next_work_required
from ailee.networks import NetworkParams

REGTEST_BITS = 0x207FFFFF
COIN = 100_000_000
#: The regtest genesis block's hash and time (Bitcoin Core's chainparams).
REGTEST_GENESIS_TIME = 1296688602


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def compact_size(n: int) -> bytes:
    if n < 0xFD:
        return bytes((n,))
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def push(data: bytes) -> bytes:
    """A minimal data push of up to 75 bytes."""
    assert len(data) < 0x4C
    return bytes((len(data),)) + data


def script_num(n: int) -> bytes:
    out = bytearray()
    while n:
        out.append(n & 0xFF)
        n >>= 8
    if out and out[-1] & 0x80:
        out.append(0)
    return bytes(out)


def target_of(bits: int) -> int:
    size, word = bits >> 24, bits & 0x7FFFFF
    return word >> (8 * (3 - size)) if size <= 3 else word << (8 * (size - 3))


def header_bytes(  # noqa: PLR0917 (the six header fields, in order)
    version: int, prev: bytes, merkle: bytes, time: int, bits: int, nonce: int
) -> bytes:
    return struct.pack("<i32s32sIII", version, prev, merkle, time, bits, nonce)


def mine(
    prev: bytes,
    time: int,
    bits: int = REGTEST_BITS,
    *,
    version: int = 0x20000000,
    merkle: bytes = b"\x11" * 32,
    valid: bool = True,
) -> bytes:
    """An 80-byte header whose hash meets (``valid``) or misses its target."""
    target = target_of(bits)
    for nonce in range(1 << 32):
        raw = header_bytes(version, prev, merkle, time, bits, nonce)
        if (int.from_bytes(sha256d(raw), "little") <= target) == valid:
            return raw
    raise AssertionError("no nonce found")


def mine_chain(
    prev: bytes,
    start_time: int,
    count: int,
    bits: int = REGTEST_BITS,
    *,
    spacing: int = 600,
) -> list[bytes]:
    """``count`` linked headers on top of ``prev``, ``spacing`` seconds apart."""
    headers = []
    for k in range(count):
        raw = mine(prev, start_time + spacing * (k + 1), bits, merkle=bytes([k % 256]) * 32)
        headers.append(raw)
        prev = sha256d(raw)
    return headers


@dataclass
class Tx:
    """A transaction built by hand: inputs are (txid, vout, scriptSig, sequence)."""

    vin: list[tuple[bytes, int, bytes, int]]
    vout: list[tuple[int, bytes]]
    version: int = 2
    locktime: int = 0
    witness: list[list[bytes]] = field(default_factory=list)

    def serialize(self, with_witness: bool = True) -> bytes:
        has_witness = with_witness and any(self.witness)
        out = struct.pack("<i", self.version)
        if has_witness:
            out += b"\x00\x01"
        out += compact_size(len(self.vin))
        for txid, vout, script_sig, sequence in self.vin:
            out += txid + struct.pack("<I", vout) + compact_size(len(script_sig)) + script_sig
            out += struct.pack("<I", sequence)
        out += compact_size(len(self.vout))
        for amount, spk in self.vout:
            out += struct.pack("<q", amount) + compact_size(len(spk)) + spk
        if has_witness:
            for k in range(len(self.vin)):
                stack = self.witness[k] if k < len(self.witness) else []
                out += compact_size(len(stack))
                for item in stack:
                    out += compact_size(len(item)) + item
        return out + struct.pack("<I", self.locktime)

    def txid(self) -> bytes:
        return sha256d(self.serialize(with_witness=False))

    def wtxid(self) -> bytes:
        return sha256d(self.serialize())


def coinbase(height: int, outputs: list[tuple[int, bytes]], *, witness: bool = False) -> Tx:
    """A coinbase with the BIP34 height push (padded to Core's 2-byte minimum)."""
    prefix = bytes((0x50 + height,)) if 1 <= height <= 16 else push(script_num(height))
    script_sig = prefix + b"\x00" * max(0, 2 - len(prefix)) + b"ailee"
    tx = Tx([(bytes(32), 0xFFFFFFFF, script_sig, 0xFFFFFFFF)], outputs)
    if witness:
        tx.witness = [[bytes(32)]]
    return tx


def merkle_root(hashes: list[bytes]) -> bytes:
    level = list(hashes)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256d(level[k] + level[k + 1]) for k in range(0, len(level), 2)]
    return level[0]


def block(
    prev: bytes,
    height: int,
    time: int,
    txs: list[Tx],
    *,
    bits: int = REGTEST_BITS,
    payout: bytes = b"\x51",
) -> tuple[bytes, list[Tx]]:
    """A mined block (header + txs) with a coinbase in front; returns (raw, all txs)."""
    segwit = any(tx.witness and any(tx.witness) for tx in txs)
    outputs = [(50 * COIN, payout)]
    if segwit:
        wtxids = [bytes(32)] + [tx.wtxid() for tx in txs]
        commitment = sha256d(merkle_root(wtxids) + bytes(32))
        outputs.append((0, b"\x6a\x24\xaa\x21\xa9\xed" + commitment))
    all_txs = [coinbase(height, outputs, witness=segwit), *txs]
    root = merkle_root([tx.txid() for tx in all_txs])
    header = mine(prev, time, bits, merkle=root)
    body = compact_size(len(all_txs)) + b"".join(tx.serialize() for tx in all_txs)
    return header + body, all_txs


def partial_merkle_tree(txids: list[bytes], matches: set[int]) -> tuple[list[bytes], list[int]]:
    """BIP37 ``CPartialMerkleTree`` construction: (hashes, flag bits)."""
    count = len(txids)

    def width(h: int) -> int:
        return (count + (1 << h) - 1) >> h

    def node(h: int, pos: int) -> bytes:
        if h == 0:
            return txids[pos]
        left = node(h - 1, pos * 2)
        right = node(h - 1, pos * 2 + 1) if pos * 2 + 1 < width(h - 1) else left
        return sha256d(left + right)

    hashes: list[bytes] = []
    bits: list[int] = []

    def build(h: int, pos: int) -> None:
        parent = any(pos << h <= m < (pos + 1) << h for m in matches)
        bits.append(int(parent))
        if h == 0 or not parent:
            hashes.append(node(h, pos))
        else:
            build(h - 1, pos * 2)
            if pos * 2 + 1 < width(h - 1):
                build(h - 1, pos * 2 + 1)

    height = (count - 1).bit_length()
    build(height, 0)
    return hashes, bits


def merkle_block(header: bytes, txids: list[bytes], matches: set[int]) -> bytes:
    """``gettxoutproof`` bytes for the matched positions."""
    hashes, bits = partial_merkle_tree(txids, matches)
    flags = bytearray((len(bits) + 7) // 8)
    for k, bit in enumerate(bits):
        flags[k // 8] |= bit << (k % 8)
    return (
        header
        + struct.pack("<I", len(txids))
        + compact_size(len(hashes))
        + b"".join(hashes)
        + compact_size(len(flags))
        + bytes(flags)
    )


def anchor_transaction(script_pubkey: bytes, amount: int, tag: int) -> Tx:
    """A transaction whose output 0 is the anchor output (its input is made up)."""
    return Tx(
        [(sha256d(b"funding" + bytes([tag])), 0, b"", 0xFFFFFFFD)],
        [(amount, script_pubkey), (10_000, b"\x51\x20" + sha256d(b"change" + bytes([tag])))],
    )


def deposit_transaction(script_pubkey: bytes, amount: int) -> Tx:
    """A deposit to the federation: output 0 pays ``script_pubkey`` (made-up input)."""
    return anchor_transaction(script_pubkey, amount, 0xD0)


def evidence_document(
    outputs: list[tuple[int, bytes, tuple[bytes, list[bytes]] | None]],
    confirmations: int,
    deposits: list[Tx] | None = None,
    payouts: list[tuple[str, Tx, int]] | None = None,
) -> dict[str, object]:
    """An ``ailee-anchor-evidence`` document on a made-up regtest chain.

    ``outputs``: (sequence, scriptPubKey, taproot (internal key, path) or None). All
    anchoring transactions, then the ``deposits`` (each proving its output 0 as a
    peg-in), then the ``payouts`` ((peg-out id, transaction, output index)), go in
    block 1, followed by ``confirmations - 1`` blocks.
    """
    deposits = deposits or []
    payouts = payouts or []
    genesis_hash = bytes.fromhex(
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
    )[::-1]
    txs = [
        anchor_transaction(spk, 0 if spk[:1] == b"\x6a" else 50_000, k)
        for k, (_, spk, _) in enumerate(outputs)
    ]
    paid = [tx for _, tx, _ in payouts]
    raw, all_txs = block(genesis_hash, 1, REGTEST_GENESIS_TIME + 600, [*txs, *deposits, *paid])
    header = raw[:80]
    on_top = mine_chain(sha256d(header), REGTEST_GENESIS_TIME + 600, confirmations - 1)
    txids = [tx.txid() for tx in all_txs]
    items = []
    for k, (sequence, _, taproot) in enumerate(outputs):
        items.append(
            {
                "sequence": sequence,
                "tx": txs[k].serialize().hex(),
                "txoutproof": merkle_block(header, txids, {k + 1}).hex(),
                "vout": 0,
                "taproot": None
                if taproot is None
                else {"internal_key": taproot[0].hex(), "path": [h.hex() for h in taproot[1]]},
            }
        )
    document: dict[str, object] = {
        "format": "ailee-anchor-evidence",
        "version": 1,
        "network": "regtest",
        "checkpoint": None,
        "header_chains": [[h.hex() for h in [header, *on_top]]],
        "anchors": items,
    }
    if deposits:
        document["pegins"] = [
            {
                "tx": tx.serialize().hex(),
                "txoutproof": merkle_block(header, txids, {1 + len(txs) + k}).hex(),
                "vout": 0,
            }
            for k, tx in enumerate(deposits)
        ]
    if payouts:
        first = 1 + len(txs) + len(deposits)
        document["pegouts"] = [
            {
                "id": pegout,
                "tx": tx.serialize().hex(),
                "txoutproof": merkle_block(header, txids, {first + k}).hex(),
                "vout": vout,
            }
            for k, (pegout, tx, vout) in enumerate(payouts)
        ]
    return document


# A network with easy proof of work, for mining retargets in tests and vectors. Like
# Core's arith_uint256, retargeting wraps at 2**256, so target * 4 * timespan must stay
# below it: 16-block periods of 1-second blocks, starting target about 2**246.
EASY_BITS = 0x1F3FFFFF


def easy_params(*, allow_min: bool = False, bip94: bool = False) -> NetworkParams:
    genesis = mine(bytes(32), REGTEST_GENESIS_TIME, EASY_BITS, version=1)
    return NetworkParams("easy", (1 << 255) - 1, 16, 1, allow_min, False, bip94, 1, 1, 1, genesis)


def time_of(header: bytes) -> int:
    return int.from_bytes(header[68:72], "little")


def bits_of(header: bytes) -> int:
    return int.from_bytes(header[72:76], "little")


def required_bits(params: NetworkParams, chain: list[bytes]) -> int:
    """The nBits the rules require after ``chain`` (genesis first), with no min-difficulty."""
    height, last = len(chain), chain[-1]
    if height % params.interval:
        return bits_of(last)
    first = chain[height - params.interval]
    return next_work_required(params, bits_of(last), bits_of(first), time_of(first), time_of(last))


def grow(params: NetworkParams, count: int, step: int) -> list[bytes]:
    """Genesis and ``count`` headers ``step`` seconds apart, with the bits required."""
    chain = [params.genesis_header]
    for _ in range(count):
        bits = required_bits(params, chain)
        chain.append(mine(sha256d(chain[-1]), time_of(chain[-1]) + step, bits))
    return chain
