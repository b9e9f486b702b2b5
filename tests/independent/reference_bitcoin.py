"""A second implementation of docs/spec.md section 16 (Bitcoin headers and SPV).

Written from the text of the spec alone, with the standard library only, following its
numbered steps: network parameters (16.2), compact targets (16.3), header chains
(16.4), Merkle branches (16.6), ``gettxoutproof`` proofs (16.7), transactions (16.8)
and SPV verification (16.9). Hashes are held in internal order; the functions that
take or give display order say so.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import Any

from tests.independent.reference import Rejected

MAX_UINT = 2**53 - 1
MAX_AMOUNT = 2_100_000_000_000_000
MAX_COMPACT_SIZE = 0x02000000
MAX_HEADERS = 2_000_000
MAX_TX_BYTES = 4_000_000
MAX_BLOCK_TXS = 16_666
MAX_BRANCH = 15
MAX_FUTURE = 7200  # two hours (step 7)
MAX_TIMEWARP = 600  # BIP94 (step 6)
MOD = 2**256


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def display(h: bytes) -> str:
    return h[::-1].hex()


def internal(text: str) -> bytes:
    return bytes.fromhex(text)[::-1]


# --- 16.1 readers -----------------------------------------------------------------------


class Reader:
    """Bytes read in order; ``fault`` replaces every code when set (transactions)."""

    def __init__(self, data: bytes, fault: str | None = None) -> None:
        self.data, self.pos, self.fault = data, 0, fault

    def fail(self, code: str) -> Rejected:
        return Rejected(self.fault or code)

    def left(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        if n > self.left():
            raise self.fail("BTC_TRUNCATED")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "little")

    def compact_size(self) -> int:
        first = self.take(1)[0]
        if first < 0xFD:
            return first
        width, floor = {0xFD: (2, 253), 0xFE: (4, 2**16), 0xFF: (8, 2**32)}[first]
        value = int.from_bytes(self.take(width), "little")
        if value < floor:
            raise self.fail("BTC_NON_CANONICAL_SIZE")
        if value > MAX_COMPACT_SIZE:
            raise self.fail("BTC_SIZE_TOO_LARGE")
        return value

    def end(self) -> None:
        if self.left():
            raise self.fail("BTC_TRAILING_BYTES")


# --- 16.2 network parameters ------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    name: str
    pow_limit: int
    interval: int
    spacing: int
    min_difficulty: bool
    no_retargeting: bool
    bip94: bool
    bip34: int
    bip66: int
    bip65: int
    genesis: bytes

    @property
    def limit_bits(self) -> int:
        return encode(self.pow_limit)

    @property
    def timespan(self) -> int:
        return self.interval * self.spacing

    @property
    def genesis_hash(self) -> bytes:
        return sha256d(self.genesis)


def _genesis(time: int, bits: int, nonce: int, merkle_root: str) -> bytes:
    return (struct.pack("<i", 1) + bytes(32) + internal(merkle_root)
            + struct.pack("<III", time, bits, nonce))  # fmt: skip


_ROOT_A = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
_ROOT_B = "7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e"
_LIMIT_1D = 2**224 - 1
NETWORKS = {
    "mainnet": Network("mainnet", _LIMIT_1D, 2016, 600, False, False, False,
                       227_931, 363_725, 388_381,
                       _genesis(1231006505, 0x1D00FFFF, 2083236893, _ROOT_A)),
    "testnet3": Network("testnet3", _LIMIT_1D, 2016, 600, True, False, False,
                        21_111, 330_776, 581_885,
                        _genesis(1296688602, 0x1D00FFFF, 414098458, _ROOT_A)),
    "testnet4": Network("testnet4", _LIMIT_1D, 2016, 600, True, False, True, 1, 1, 1,
                        _genesis(1714777860, 0x1D00FFFF, 393743547, _ROOT_B)),
    "signet": Network("signet", 0x377AE << 216, 2016, 600, False, False, False, 1, 1, 1,
                      _genesis(1598918400, 0x1E0377AE, 52613770, _ROOT_A)),
    "regtest": Network("regtest", 2**255 - 1, 2016, 600, True, True, False, 1, 1, 1,
                       _genesis(1296688602, 0x207FFFFF, 2, _ROOT_A)),
}  # fmt: skip


def network(name: str) -> Network:
    if name not in NETWORKS:
        raise Rejected("NETWORK_UNKNOWN")
    return NETWORKS[name]


def network_from_params(p: dict[str, Any]) -> Network:
    """A made-up network as the vectors give it (section 13, `params`)."""
    return Network(
        p["name"], int(p["pow_limit"], 16), p["interval"], p["target_spacing"],
        p["allow_min_difficulty"], p["no_retargeting"], p["enforce_bip94"],
        p["bip34_height"], p["bip66_height"], p["bip65_height"],
        bytes.fromhex(p["genesis_header"]),
    )  # fmt: skip


# --- 16.3 compact targets and proof of work ----------------------------------------------


def decode(bits: int) -> tuple[int, bool, bool]:
    """``(target, negative, overflow)`` as Bitcoin Core's ``SetCompact``."""
    size = bits >> 24
    word = bits & 0x007FFFFF
    if size <= 3:
        word >>= 8 * (3 - size)
        value = word
    else:
        value = word << (8 * (size - 3))
    negative = word != 0 and (bits & 0x00800000) != 0
    overflow = word != 0 and (
        size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 32)
    )
    return value % MOD, negative, overflow


def encode(target: int) -> int:
    size = (target.bit_length() + 7) // 8
    c = target << (8 * (3 - size)) if size <= 3 else target >> (8 * (size - 3))
    if c & 0x00800000:
        c >>= 8
        size += 1
    return c | (size << 24)


def valid_target(bits: int, net: Network) -> int:
    target, negative, overflow = decode(bits)
    if negative:
        raise Rejected("POW_TARGET_NEGATIVE")
    if overflow:
        raise Rejected("POW_TARGET_OVERFLOW")
    if target == 0:
        raise Rejected("POW_TARGET_ZERO")
    if target > net.pow_limit:
        raise Rejected("POW_TARGET_ABOVE_LIMIT")
    return target


def work(bits: int) -> int:
    return MOD // (decode(bits)[0] + 1)


@dataclass(frozen=True)
class Header:
    raw: bytes
    version: int
    prev_hash: bytes
    merkle_root: bytes
    time: int
    bits: int
    nonce: int

    @property
    def hash(self) -> bytes:
        return sha256d(self.raw)


def read_header(raw: bytes) -> Header:
    if len(raw) != 80:
        raise Rejected("BTC_HEADER_LENGTH")
    version = struct.unpack_from("<i", raw, 0)[0]
    time, bits, nonce = struct.unpack_from("<III", raw, 68)
    return Header(raw, version, raw[4:36], raw[36:68], time, bits, nonce)


def check_pow(h: Header, net: Network) -> None:
    """Steps 1 and 2 of 16.4."""
    target = valid_target(h.bits, net)
    if int.from_bytes(h.hash, "little") > target:
        raise Rejected("POW_INSUFFICIENT")


# --- 16.4 header chains --------------------------------------------------------------------


def parse_checkpoint(text: str) -> tuple[int, bytes]:
    """``HEIGHT:HASH`` -> (height, hash in internal order)."""
    if ":" not in text:
        raise Rejected("CHECKPOINT_INVALID")
    height, hash_text = text.split(":", 1)
    if (not height or any(c not in "0123456789" for c in height)
            or (height[0] == "0" and height != "0") or int(height) > MAX_UINT):  # fmt: skip
        raise Rejected("CHECKPOINT_INVALID")
    if len(hash_text) != 64 or any(c not in "0123456789abcdef" for c in hash_text):
        raise Rejected("CHECKPOINT_INVALID")
    return int(height), internal(hash_text)


REASONS = {
    "difficulty": "the headers before it that the rule needs are not in the input",
    "difficulty retarget": "the first header of the ending period (h - 2016) is not in the input",
    "median time past": "fewer than 11 previous headers are known",
    "BIP94 timewarp": "the parent header is not in the input",
    "future time": "no current time was given",
    "signet block signature": "it is in the coinbase transaction, not in the header",
}


@dataclass
class Chain:
    network: Network
    base_height: int
    base_hash: bytes
    tip_height: int = 0
    tip_hash: bytes = b""
    work: int = 0
    # [rule, first, last, reason]
    unchecked: list[list[Any]] = field(default_factory=list)
    heights: dict[bytes, int] = field(default_factory=dict)

    def note(self, rule: str, height: int, reason: str | None = None) -> None:
        reason = reason or REASONS[rule]
        for entry in reversed(self.unchecked):
            if entry[0] == rule and entry[3] == reason:
                if entry[2] == height - 1:
                    entry[2] = height
                    return
                break
        self.unchecked.append([rule, height, height, reason])

    def text(self) -> list[str]:
        return [f"{r} at height {a}{'' if a == b else f'..{b}'}: {why}"
                for r, a, b, why in self.unchecked]  # fmt: skip


def verify_chain(
    net: Network, checkpoint: tuple[int, bytes] | None, data: bytes, now: int | None
) -> Chain:
    """One chain of 16.4: headers concatenated, from the checkpoint or genesis."""
    if len(data) % 80:
        raise Rejected("BTC_HEADER_LENGTH")
    if not data:
        raise Rejected("HEADERS_EMPTY")
    if len(data) // 80 > MAX_HEADERS:
        raise Rejected("INPUT_TOO_LARGE")
    headers = [read_header(data[i : i + 80]) for i in range(0, len(data), 80)]

    base_height, base_hash = checkpoint or (0, net.genesis_hash)
    if base_height == 0 and base_hash != net.genesis_hash:
        raise Rejected("HEADERS_CHECKPOINT_MISMATCH")
    chain = Chain(net, base_height, base_hash)
    # Known (time, bits) by height.
    known: dict[int, tuple[int, int]] = {}
    genesis = read_header(net.genesis)
    if base_height == 0:
        known[0] = (genesis.time, genesis.bits)
        chain.work = work(genesis.bits)
    chain.heights[base_hash] = base_height

    first = headers[0]
    if first.hash == base_hash:
        check_pow(first, net)
        known[base_height] = (first.time, first.bits)
        headers = headers[1:]
    elif first.prev_hash != base_hash:
        raise Rejected("HEADERS_CHECKPOINT_MISMATCH")

    interval, spacing, limit = net.interval, net.spacing, net.limit_bits
    prev_hash, h = base_hash, base_height
    for header in headers:
        h += 1
        check_pow(header, net)  # steps 1, 2
        if header.prev_hash != prev_hash:  # step 3
            raise Rejected("HEADERS_BROKEN_LINK")
        parent = known.get(h - 1)

        # Step 4: difficulty.
        required: int | None
        if net.no_retargeting and genesis.bits == limit:
            required = limit
        elif h % interval:
            if not net.min_difficulty:
                required = parent[1] if parent else None
            elif parent is None:
                required = None
            elif header.time > parent[0] + 2 * spacing:
                required = limit
            else:
                required = walk(known, h - 1, interval, limit)
        elif net.no_retargeting:
            required = parent[1] if parent else None
        elif h - interval not in known or parent is None:
            required = None
        else:
            required = retarget(
                net, parent[1], known[h - interval][1], known[h - interval][0], parent[0]
            )
        if required is not None:
            if header.bits != required:
                raise Rejected("HEADERS_BAD_DIFFICULTY")
        elif h % interval == 0:
            reason = REASONS["difficulty retarget"]
            if not net.min_difficulty and parent is not None:
                if not within_bound(net, parent[1], header.bits):
                    raise Rejected("HEADERS_BAD_DIFFICULTY")
                reason += "; only the 4x bound was checked"
            chain.note("difficulty retarget", h, reason)
        else:
            chain.note("difficulty", h)

        # Step 5: median time past.
        n = min(11, h)
        if all(x in known for x in range(h - n, h)):
            times = sorted(known[x][0] for x in range(h - n, h))
            if header.time <= times[n // 2]:
                raise Rejected("HEADERS_TIME_TOO_OLD")
        else:
            chain.note("median time past", h)

        # Step 6: BIP94.
        if net.bip94 and h % interval == 0:
            if parent is None:
                chain.note("BIP94 timewarp", h)
            elif header.time < parent[0] - MAX_TIMEWARP:
                raise Rejected("HEADERS_TIMEWARP")

        # Step 7: future time.
        if now is not None and header.time > now + MAX_FUTURE:
            raise Rejected("HEADERS_TIME_TOO_NEW")

        # Step 8: version.
        v = header.version
        if (v < 2 and h >= net.bip34) or (v < 3 and h >= net.bip66) or (v < 4 and h >= net.bip65):
            raise Rejected("HEADERS_BAD_VERSION")

        known[h] = (header.time, header.bits)
        chain.work += work(header.bits)
        chain.heights[header.hash] = h
        prev_hash = header.hash

    chain.tip_height, chain.tip_hash = h, prev_hash
    if h > base_height:
        if now is None:
            chain.unchecked.append(["future time", base_height + 1, h, REASONS["future time"]])
        if net.name == "signet":
            chain.unchecked.append(["signet block signature", base_height + 1, h,
                                    REASONS["signet block signature"]])  # fmt: skip
    return chain


def walk(known: dict[int, tuple[int, int]], x: int, interval: int, limit: int) -> int | None:
    """``walk(X)`` of step 4: back over minimum-difficulty headers to a real target."""
    while x in known:
        bits = known[x][1]
        if x == 0 or x % interval == 0 or bits != limit:
            return bits
        x -= 1
    return None


def retarget(net: Network, last_bits: int, first_bits: int, first_time: int,
             last_time: int) -> int:  # fmt: skip
    timespan = net.timespan
    actual = last_time - first_time
    actual = max(actual, timespan // 4)
    actual = min(actual, timespan * 4)
    target = decode(first_bits if net.bip94 else last_bits)[0]
    target = ((target * actual) % MOD) // timespan
    return encode(min(target, net.pow_limit))


def within_bound(net: Network, old_bits: int, new_bits: int) -> bool:
    """Bitcoin Core's ``PermittedDifficultyTransition`` at a period's first header."""
    timespan = net.timespan
    old = decode(old_bits)[0]
    hi = min(((old * timespan * 4) % MOD) // timespan, net.pow_limit)
    lo = min(((old * (timespan // 4)) % MOD) // timespan, net.pow_limit)
    new = decode(new_bits)[0]
    return decode(encode(lo))[0] <= new <= decode(encode(hi))[0]


def best_chain(net: Network, checkpoint: str | None, chains: list[bytes], now: int | None) -> Chain:
    """Every chain verified in the order given; the most-work one selected (16.4)."""
    base = None if checkpoint is None else parse_checkpoint(checkpoint)
    if not chains:
        raise Rejected("HEADERS_EMPTY")
    verified = [verify_chain(net, base, data, now) for data in chains]
    return min(verified, key=lambda c: (-c.work, display(c.tip_hash)))


# --- 16.6 Merkle branches ---------------------------------------------------------------


def verify_branch(
    txid: bytes, position: int, branch: list[bytes], root: bytes, n: int | None = None
) -> None:
    k = len(branch)
    if n is not None and not (position < n and k == (n - 1).bit_length()):
        raise Rejected("MERKLE_INDEX_OUT_OF_RANGE")
    if k > MAX_BRANCH:
        raise Rejected("MERKLE_BRANCH_TOO_LONG")
    if not 0 <= position < 2**k:
        raise Rejected("MERKLE_INDEX_OUT_OF_RANGE")
    x = txid
    for j, sibling in enumerate(branch):
        if position >> j & 1:
            if sibling == x:
                raise Rejected("MERKLE_PHANTOM_DUPLICATE")
            pair = sibling + x
        else:
            pair = x + sibling
        if reads_as_tx(pair):
            raise Rejected("MERKLE_INNER_NODE_IS_TX")
        x = sha256d(pair)
    if x != root:
        raise Rejected("MERKLE_ROOT_MISMATCH")


# --- 16.7 gettxoutproof -----------------------------------------------------------------


@dataclass(frozen=True)
class MerkleBlock:
    header: Header
    tx_count: int
    hashes: list[bytes]
    flags: bytes


def parse_txoutproof(data: bytes) -> MerkleBlock:
    r = Reader(data)
    header = read_header(r.take(80))
    tx_count = r.u32()
    n = r.compact_size()
    if 32 * n > r.left():
        raise Rejected("BTC_TRUNCATED")
    hashes = [r.take(32) for _ in range(n)]
    flags = r.take(r.compact_size())
    r.end()
    return MerkleBlock(header, tx_count, hashes, flags)


def extract_matches(mb: MerkleBlock) -> list[tuple[int, bytes]]:
    """Steps 1-8 of 16.7: the (position, txid) matches, internal order."""
    n = mb.tx_count
    if n == 0:
        raise Rejected("PMT_NO_TRANSACTIONS")
    if n > MAX_BLOCK_TXS:
        raise Rejected("PMT_TOO_MANY_TRANSACTIONS")
    if len(mb.hashes) > n:
        raise Rejected("PMT_TOO_MANY_HASHES")
    n_bits = 8 * len(mb.flags)
    if n_bits < len(mb.hashes):
        raise Rejected("PMT_TOO_FEW_BITS")
    bits_used = hashes_used = 0
    matches: list[tuple[int, bytes]] = []

    def width(d: int) -> int:
        return -(-n // (1 << d))

    def traverse(d: int, pos: int) -> bytes:
        nonlocal bits_used, hashes_used
        if bits_used >= n_bits:
            raise Rejected("PMT_OVERRUN")
        f = mb.flags[bits_used // 8] >> (bits_used % 8) & 1
        bits_used += 1
        if d == 0 or f == 0:
            if hashes_used >= len(mb.hashes):
                raise Rejected("PMT_OVERRUN")
            x = mb.hashes[hashes_used]
            hashes_used += 1
            if d == 0 and f == 1:
                matches.append((pos, x))
            return x
        left = traverse(d - 1, 2 * pos)
        if 2 * pos + 1 < width(d - 1):
            right = traverse(d - 1, 2 * pos + 1)
            if right == left:
                raise Rejected("PMT_DUPLICATE_SUBTREE")
        else:
            right = left
        if reads_as_tx(left + right):
            raise Rejected("MERKLE_INNER_NODE_IS_TX")
        return sha256d(left + right)

    root = traverse((n - 1).bit_length(), 0)
    if -(-bits_used // 8) != len(mb.flags) or hashes_used != len(mb.hashes):
        raise Rejected("PMT_UNUSED_DATA")
    if bits_used % 8 and mb.flags[-1] >> (bits_used % 8):
        raise Rejected("PMT_NONZERO_PADDING")
    if root != mb.header.merkle_root:
        raise Rejected("MERKLE_ROOT_MISMATCH")
    return matches


# --- 16.8 transactions --------------------------------------------------------------------


@dataclass(frozen=True)
class Tx:
    txid: bytes
    stripped_size: int


def parse_tx(raw: bytes) -> Tx:
    if len(raw) > MAX_TX_BYTES:
        raise Rejected("INPUT_TOO_LARGE")
    r = Reader(raw, fault="TX_MALFORMED")
    r.take(4)
    extended = raw[4:6] == b"\x00\x01"
    if extended:
        r.take(2)
    body_start = r.pos
    n_in = r.compact_size()
    for _ in range(n_in):
        r.take(36)
        r.take(r.compact_size())
        r.take(4)
    n_out = r.compact_size()
    for _ in range(n_out):
        amount = struct.unpack("<q", r.take(8))[0]
        if not 0 <= amount <= MAX_AMOUNT:
            raise Rejected("TX_MALFORMED")
        r.take(r.compact_size())
    body_end = r.pos
    if extended:
        any_witness = False
        for _ in range(n_in):
            items = r.compact_size()
            any_witness = any_witness or items > 0
            for _ in range(items):
                r.take(r.compact_size())
        if not any_witness:
            raise Rejected("TX_MALFORMED")
    r.take(4)
    r.end()
    if n_in == 0 or n_out == 0:
        raise Rejected("TX_MALFORMED")
    legacy = raw[:4] + raw[body_start:body_end] + raw[-4:]
    return Tx(sha256d(legacy), len(legacy))


def reads_as_tx(pair: bytes) -> bool:
    """A 64-byte pair of Merkle nodes that passes 16.8 steps 1 and 2 in legacy form."""
    try:
        return parse_tx(pair).stripped_size == 64
    except Rejected:
        return False


# --- 16.9 SPV verification ----------------------------------------------------------------


@dataclass(frozen=True)
class SpvResult:
    network: str
    block_hash: bytes
    height: int
    confirmations: int
    tip_height: int
    tip_hash: bytes
    txids: list[tuple[int, bytes]]
    notes: list[str]


def verify_spv(
    chain: Chain,
    txoutproof: bytes | None,
    tx: bytes | None,
    min_confirmations: int,
    branch: tuple[bytes, bytes, int, list[bytes]] | None = None,
) -> SpvResult:
    """Steps 1-5 of 16.9; ``branch`` is (80-byte header, txid, position, hashes)."""
    # 1. the proof parses
    if txoutproof is not None:
        mb = parse_txoutproof(txoutproof)
        header = mb.header
    else:
        assert branch is not None
        header = read_header(branch[0])
    # 2. its block is in the chain
    block = header.hash
    if block not in chain.heights:
        raise Rejected("SPV_BLOCK_NOT_IN_CHAIN")
    height = chain.heights[block]
    # 3. the Merkle proof
    if txoutproof is not None:
        proven = extract_matches(mb)
        if not proven:
            raise Rejected("TX_NOT_IN_PROOF")
    else:
        assert branch is not None
        _, txid, position, hashes = branch
        verify_branch(txid, position, hashes, header.merkle_root)
        proven = [(position, txid)]
    # 4. the raw transaction
    notes = chain.text()
    if tx is not None:
        parsed = parse_tx(tx)
        if parsed.stripped_size == 64:
            raise Rejected("TX_SIZE_64")
        if parsed.txid not in {t for _, t in proven}:
            raise Rejected("TX_NOT_IN_PROOF")
    else:
        notes.append("64-byte transaction rule: without the raw transaction, the proven "
                     "txids are not known to be transactions rather than inner nodes")  # fmt: skip
    # 5. confirmations
    confirmations = chain.tip_height - height + 1
    if confirmations < min_confirmations:
        raise Rejected("SPV_TOO_FEW_CONFIRMATIONS")
    return SpvResult(chain.network.name, block, height, confirmations, chain.tip_height,
                     chain.tip_hash, proven, notes)  # fmt: skip
