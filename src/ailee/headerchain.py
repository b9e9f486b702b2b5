"""Header chains: verify Bitcoin block headers from a trusted checkpoint or genesis.

Consensus-critical. For every header after the trusted base this checks what Bitcoin
Core's ``CheckBlockHeader`` and ``ContextualCheckBlockHeader`` check: the link to its
parent, proof of work against ``nBits`` (with the target rules of
:func:`~ailee.headers.target_from_bits`), the ``nBits`` the difficulty rules require
(retarget every 2016 blocks with the 4x clamp; testnet minimum-difficulty blocks with
the walk back; BIP94 on testnet4; none on regtest), a timestamp above the median of
the previous 11, the BIP34/66/65 minimum versions and, on testnet4, the BIP94 timewarp
rule. The "not too far in the future" rule needs a clock, so it is checked only when
the caller passes ``now``.

A rule that needs headers the input does not hold (the previous 11 for the median,
the first header of a period for its retarget) is never skipped silently: it is listed
in :attr:`HeaderChain.unchecked`, and where Core has a weaker check that the headers
do allow (``PermittedDifficultyTransition``), that one is made instead.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headers import (
    HEADER_SIZE,
    block_hash,
    block_work,
    decode_compact,
    display_hex,
    encode_compact,
    from_display_hex,
    target_from_bits,
)
from ailee.limits import MAX_HEADERS, MAX_UINT

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ailee.networks import NetworkParams

__all__ = [
    "Checkpoint",
    "HeaderChain",
    "Unchecked",
    "best_chain",
    "next_work_required",
    "parse_headers_file",
    "permitted_difficulty_transition",
    "verify_header_chain",
]

_HEADER: Final = struct.Struct("<i32s32sIII")
#: The fields the chain rules read: version, previous hash, time, nBits.
_FIELDS: Final = struct.Struct("<i32s32xII4x")
_MEDIAN_SPAN: Final = 11
#: Core's MAX_FUTURE_BLOCK_TIME: two hours.
MAX_FUTURE_BLOCK_TIME: Final = 2 * 60 * 60
#: BIP94's MAX_TIMEWARP: ten minutes.
MAX_TIMEWARP: Final = 600
_HEX_TEXT: Final = frozenset(b"0123456789abcdefABCDEF \t\r\n")
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
_U256: Final = (1 << 256) - 1


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A header the verifier trusts: its height and hash (internal order)."""

    height: int
    block_hash: bytes

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse ``HEIGHT:HASH`` with the hash in display (RPC) order."""
        height_text, sep, hash_text = text.partition(":")
        if not sep or not height_text.isascii() or not height_text.isdigit():
            raise DecodeError(
                ReasonCode.CHECKPOINT_INVALID, f"checkpoint must be HEIGHT:HASH, got {text!r}"
            )
        height = int(height_text)
        if height > MAX_UINT or (len(height_text) > 1 and height_text[0] == "0"):
            raise DecodeError(ReasonCode.CHECKPOINT_INVALID, f"bad checkpoint height {height_text}")
        try:
            block = from_display_hex(hash_text, "checkpoint hash")
        except DecodeError as exc:
            raise DecodeError(ReasonCode.CHECKPOINT_INVALID, exc.message) from None
        return cls(height, block)

    def __str__(self) -> str:
        return f"{self.height}:{display_hex(self.block_hash)}"


@dataclass(frozen=True, slots=True)
class Unchecked:
    """A rule that the given headers do not allow to be checked, at some heights."""

    rule: str
    first_height: int
    last_height: int
    reason: str

    def describe(self) -> str:
        """One line for people."""
        heights = (
            str(self.first_height)
            if self.first_height == self.last_height
            else f"{self.first_height}..{self.last_height}"
        )
        return f"{self.rule} at height {heights}: {self.reason}"


@dataclass(frozen=True, slots=True)
class HeaderChain:
    """A verified chain of headers above a trusted base.

    ``hashes[0]`` is the base (the checkpoint, or genesis) at ``base_height``; the
    rest are the verified headers. ``work`` is the sum of the proof of work of the
    verified headers (plus genesis' own when the base is genesis, so that from
    genesis it equals Bitcoin Core's ``chainwork``).
    """

    network: str
    base_height: int
    hashes: tuple[bytes, ...]
    work: int
    unchecked: tuple[Unchecked, ...]
    _index: dict[bytes, int] = field(repr=False, compare=False)

    @property
    def tip_height(self) -> int:
        """Height of the last header."""
        return self.base_height + len(self.hashes) - 1

    @property
    def tip_hash(self) -> bytes:
        """Hash of the last header (internal order)."""
        return self.hashes[-1]

    def height_of(self, hash_bytes: bytes) -> int | None:
        """The height of the header with this hash in the chain, or None."""
        position = self._index.get(hash_bytes)
        return None if position is None else self.base_height + position

    def confirmations(self, hash_bytes: bytes) -> int:
        """``tip height - block height + 1`` for a block in the chain; 0 if not in it."""
        height = self.height_of(hash_bytes)
        return 0 if height is None else self.tip_height - height + 1


def parse_headers_file(data: bytes) -> bytes:
    """Headers file → concatenated 80-byte headers.

    A file is either raw concatenated headers, or text with one header per line in
    hex (160 digits; blank lines and surrounding whitespace ignored). A file is text
    when every byte is a hex digit or whitespace. More than :data:`MAX_HEADERS`
    headers is ``INPUT_TOO_LARGE``, found before the next header is decoded.
    """
    if data and all(byte in _HEX_TEXT for byte in data):
        out = bytearray()
        for number, line in enumerate(data.decode("ascii").splitlines(), start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if len(out) == MAX_HEADERS * HEADER_SIZE:  # before the next header is read
                raise _too_many_headers(MAX_HEADERS + 1)
            if len(stripped) != 2 * HEADER_SIZE or not _HEX_DIGITS.issuperset(stripped):
                raise DecodeError(
                    ReasonCode.BTC_HEADER_LENGTH,
                    f"headers line {number}: expected {2 * HEADER_SIZE} hex digits and "
                    f"nothing else, got {len(stripped)} characters",
                )
            out += bytes.fromhex(stripped)
        data = bytes(out)
    if len(data) % HEADER_SIZE:
        raise DecodeError(
            ReasonCode.BTC_HEADER_LENGTH,
            f"headers: {len(data)} bytes is not a whole number of {HEADER_SIZE}-byte headers",
        )
    if len(data) // HEADER_SIZE > MAX_HEADERS:
        raise _too_many_headers(len(data) // HEADER_SIZE)
    return data


def _too_many_headers(count: int) -> DecodeError:
    return DecodeError(
        ReasonCode.INPUT_TOO_LARGE, f"{count} headers exceed the limit of {MAX_HEADERS}"
    )


def _mul_div(target: int, numerator: int, denominator: int) -> int:
    # arith_uint256 arithmetic wraps at 2**256.
    return ((target * numerator) & _U256) // denominator


def next_work_required(
    params: NetworkParams, last_bits: int, first_bits: int, first_time: int, last_time: int
) -> int:
    """``CalculateNextWorkRequired``: the ``nBits`` of the first block of a new period.

    ``first_*`` describe the first block of the ending period and ``last_*`` its last.
    """
    if params.no_retargeting:
        return last_bits
    timespan = params.target_timespan
    actual = min(max(last_time - first_time, timespan // 4), timespan * 4)
    base = first_bits if params.enforce_bip94 else last_bits
    new_target = _mul_div(decode_compact(base).target, actual, timespan)
    return encode_compact(min(new_target, params.pow_limit))


def permitted_difficulty_transition(
    params: NetworkParams, height: int, old_bits: int, new_bits: int
) -> bool:
    """Core's ``PermittedDifficultyTransition``: the bound when a retarget can't be redone."""
    if params.allow_min_difficulty:
        return True
    if height % params.interval:
        return old_bits == new_bits
    timespan = params.target_timespan
    observed = decode_compact(new_bits).target
    old = decode_compact(old_bits).target
    largest = min(_mul_div(old, timespan * 4, timespan), params.pow_limit)
    smallest = min(_mul_div(old, timespan // 4, timespan), params.pow_limit)
    maximum = decode_compact(encode_compact(largest)).target
    minimum = decode_compact(encode_compact(smallest)).target
    return minimum <= observed <= maximum


class _UncheckedLog:
    """Collects unchecked rules, merging consecutive heights of the same rule."""

    def __init__(self) -> None:
        self.items: list[Unchecked] = []
        self._latest: dict[tuple[str, str], int] = {}

    def add(self, rule: str, height: int, reason: str) -> None:
        index = self._latest.get((rule, reason))
        if index is not None and self.items[index].last_height == height - 1:
            item = self.items[index]
            self.items[index] = Unchecked(rule, item.first_height, height, reason)
            return
        self._latest[(rule, reason)] = len(self.items)
        self.items.append(Unchecked(rule, height, height, reason))


class _Verifier:
    """State of one pass over a header chain (times and bits of every known header)."""

    def __init__(self, params: NetworkParams, base_height: int) -> None:
        self.params = params
        self.base_height = base_height
        self.limit_bits = encode_compact(params.pow_limit)
        self.times: list[int | None] = []
        self.bits: list[int | None] = []
        self.walk: list[int | None] = []
        self.log = _UncheckedLog()
        # regtest: with no retargeting and genesis at the limit, every required nBits is
        # the limit (by induction: the walk back can only ever find the limit).
        genesis_bits = int.from_bytes(params.genesis_header[72:76], "little")
        self.always_limit = params.no_retargeting and genesis_bits == self.limit_bits

    def push_walk(self, height: int, bits: int | None) -> None:
        """Record where Core's minimum-difficulty walk back stops from this header."""
        if bits is None:
            self.walk.append(None)
        elif height == 0 or height % self.params.interval == 0 or bits != self.limit_bits:
            self.walk.append(bits)
        else:
            self.walk.append(self.walk[-1] if self.walk else None)

    def expected_bits(self, height: int, time: int) -> int | None:
        """The nBits Core requires at ``height``, or None if the headers don't tell."""
        params = self.params
        if self.always_limit:
            return self.limit_bits
        i = height - self.base_height
        prev_bits = self.bits[i - 1]
        if height % params.interval:
            if not params.allow_min_difficulty:
                return prev_bits
            prev_time = self.times[i - 1]
            if prev_time is None:
                return None
            if time > prev_time + 2 * params.target_spacing:
                return self.limit_bits
            # Core walks back over minimum-difficulty blocks to the last real target;
            # walk[j] holds where that walk ends from header j (kept as headers come).
            return self.walk[i - 1]
        if params.no_retargeting:
            return prev_bits
        first = i - params.interval
        if first < 0 or self.times[first] is None:
            return None
        first_time, first_bits = self.times[first], self.bits[first]
        last_time = self.times[i - 1]
        if first_time is None or first_bits is None or prev_bits is None or last_time is None:
            return None
        return next_work_required(params, prev_bits, first_bits, first_time, last_time)

    def check_difficulty(self, height: int, bits: int, time: int) -> None:
        expected = self.expected_bits(height, time)
        if expected is not None:
            if bits != expected:
                raise VerificationError(
                    ReasonCode.HEADERS_BAD_DIFFICULTY,
                    f"header {height}: nBits {bits:08x}, the difficulty rules require "
                    f"{expected:08x}",
                )
            return
        prev_bits = self.bits[height - self.base_height - 1]
        if height % self.params.interval == 0 and not self.params.no_retargeting:
            reason = (
                f"the first header of the ending period ({height - self.params.interval}) "
                "is not in the input"
            )
            if prev_bits is not None and not self.params.allow_min_difficulty:
                reason += "; only the 4x bound was checked"
                if not permitted_difficulty_transition(self.params, height, prev_bits, bits):
                    raise VerificationError(
                        ReasonCode.HEADERS_BAD_DIFFICULTY,
                        f"header {height}: nBits {bits:08x} is outside the 4x bound of the "
                        f"previous {prev_bits:08x}",
                    )
            self.log.add("difficulty retarget", height, reason)
        else:
            self.log.add(
                "difficulty",
                height,
                "the headers before it that the rule needs are not in the input",
            )


def _median(times: list[int | None]) -> int:
    """Core's GetMedianTimePast over these (all known) times: the upper median."""
    known = sorted(t for t in times if t is not None)
    return known[len(known) // 2]


def _too_old(height: int, time: int, median: int) -> VerificationError:
    return VerificationError(
        ReasonCode.HEADERS_TIME_TOO_OLD,
        f"header {height}: time {time} is not above the median {median} of the previous 11",
    )


def _version_ok(params: NetworkParams, height: int, version: int) -> bool:
    return not (
        (version < 2 and height >= params.bip34_height)
        or (version < 3 and height >= params.bip66_height)
        or (version < 4 and height >= params.bip65_height)
    )


def verify_header_chain(
    headers: bytes,
    params: NetworkParams,
    checkpoint: Checkpoint | None = None,
    now: int | None = None,
) -> HeaderChain:
    """Verify concatenated 80-byte headers above a checkpoint, or above genesis.

    The first header may be the base itself (the checkpoint's header, or genesis) or
    its successor. ``now`` (Unix seconds) enables the future-timestamp rule.
    Raises :class:`~ailee.errors.VerificationError` naming the first failing header.
    """
    if len(headers) % HEADER_SIZE:
        raise DecodeError(
            ReasonCode.BTC_HEADER_LENGTH,
            f"headers: {len(headers)} bytes is not a whole number of {HEADER_SIZE}-byte headers",
        )
    count = len(headers) // HEADER_SIZE
    if count == 0:
        raise DecodeError(ReasonCode.HEADERS_EMPTY, "no headers given")
    if count > MAX_HEADERS:
        raise _too_many_headers(count)
    genesis_hash = block_hash(params.genesis_header)
    base = checkpoint if checkpoint is not None else Checkpoint(0, genesis_hash)
    if base.height == 0 and base.block_hash != genesis_hash:
        raise VerificationError(
            ReasonCode.HEADERS_CHECKPOINT_MISMATCH,
            f"a checkpoint at height 0 must be the {params.name} genesis block",
        )
    verifier = _Verifier(params, base.height)
    times, bits_known, log = verifier.times, verifier.bits, verifier.log
    hashes: list[bytes] = [base.block_hash]
    work = 0

    first_hash = block_hash(headers[:HEADER_SIZE])
    first_prev = headers[4:36]
    start = 0
    if first_hash == base.block_hash:
        # The input starts with the trusted header itself: its fields become known.
        version, _, _, time0, bits0, _ = _HEADER.unpack_from(headers, 0)
        target = target_from_bits(bits0, params)
        if int.from_bytes(first_hash, "little") > target:
            raise VerificationError(
                ReasonCode.POW_INSUFFICIENT, f"header {base.height}: hash above its target"
            )
        times.append(time0)
        bits_known.append(bits0)
        start = 1
    elif first_prev == base.block_hash:
        if base.height == 0:  # genesis: its fields are the network's
            _, _, _, time0, bits0, _ = _HEADER.unpack_from(params.genesis_header, 0)
            times.append(time0)
            bits_known.append(bits0)
        else:
            times.append(None)
            bits_known.append(None)
    else:
        what = f"checkpoint {base}" if checkpoint is not None else f"{params.name} genesis"
        raise VerificationError(
            ReasonCode.HEADERS_CHECKPOINT_MISMATCH,
            f"the first header is neither {what} nor its successor",
        )
    if params.allow_min_difficulty:
        verifier.push_walk(base.height, bits_known[0])
    if base.height == 0 and bits_known[0] is not None:
        work += block_work(decode_compact(bits_known[0]).target)

    sha256 = hashlib.sha256
    unpack_from = _FIELDS.unpack_from
    from_bytes = int.from_bytes
    interval = params.interval
    bip94 = params.enforce_bip94
    min_difficulty = params.allow_min_difficulty
    late_after = 2 * params.target_spacing
    limit_bits = verifier.limit_bits
    always_limit = verifier.always_limit
    walk = verifier.walk
    min_version_height = min(params.bip34_height, params.bip66_height, params.bip65_height)
    from_genesis = base.height == 0 and times[0] is not None
    # The first index in ``hashes`` whose 11 predecessors' times are all known.
    first_full = _MEDIAN_SPAN if times[0] is not None else _MEDIAN_SPAN + 1
    cached_bits = -1
    cached_target = 0
    cached_work = 0
    prev_hash = base.block_hash
    prev_bits = bits_known[0]
    prev_time = times[0]
    limit = (now + MAX_FUTURE_BLOCK_TIME) if now is not None else None
    height = base.height

    # One pass, hot loop kept flat: every check below is Core's, in Core's order
    # (proof of work, link, nBits, median time, timewarp, future time, version).
    for i, offset in enumerate(range(start * 80, count * 80, 80), start=1):
        this_hash = sha256(sha256(headers[offset : offset + 80]).digest()).digest()
        version, prev, time, bits = unpack_from(headers, offset)
        height += 1
        if bits != cached_bits:
            try:
                cached_target = target_from_bits(bits, params)
            except VerificationError as exc:
                raise VerificationError(exc.code, f"header {height}: {exc.message}") from None
            cached_bits = bits
            cached_work = block_work(cached_target)
        if from_bytes(this_hash, "little") > cached_target:
            raise VerificationError(
                ReasonCode.POW_INSUFFICIENT,
                f"header {height} ({display_hex(this_hash)}) does not meet its target {bits:08x}",
            )
        if prev != prev_hash:
            raise VerificationError(
                ReasonCode.HEADERS_BROKEN_LINK,
                f"header {height}: previous hash {display_hex(prev)} is not header "
                f"{height - 1} ({display_hex(prev_hash)})",
            )
        boundary = height % interval == 0
        if always_limit:
            if bits != limit_bits:
                verifier.check_difficulty(height, bits, time)
        elif min_difficulty and not boundary and prev_time is not None:
            # Inline of expected_bits for the common case; None falls back below.
            expected = limit_bits if time > prev_time + late_after else walk[-1]
            if expected is None:
                verifier.check_difficulty(height, bits, time)
            elif bits != expected:
                raise VerificationError(
                    ReasonCode.HEADERS_BAD_DIFFICULTY,
                    f"header {height}: nBits {bits:08x}, the difficulty rules require "
                    f"{expected:08x}",
                )
        elif bits != prev_bits or boundary or min_difficulty:
            verifier.check_difficulty(height, bits, time)
        if i >= first_full:
            # Shortcut, exact: if header i-1 passed against its full window, at least
            # six of the last 11 times are <= time(i-1), so a later time passes too.
            if time <= prev_time or i == first_full:
                median = _median(times[i - _MEDIAN_SPAN : i])
                if time <= median:
                    raise _too_old(height, time, median)
        elif from_genesis:
            median = _median(times[:i])
            if time <= median:
                raise _too_old(height, time, median)
        else:
            log.add("median time past", height, "fewer than 11 previous headers are known")
        if bip94 and boundary:
            if prev_time is None:
                log.add("BIP94 timewarp", height, "the parent header is not in the input")
            elif time < prev_time - MAX_TIMEWARP:
                raise VerificationError(
                    ReasonCode.HEADERS_TIMEWARP,
                    f"header {height}: time {time} is more than {MAX_TIMEWARP} s before its "
                    "parent's (BIP94)",
                )
        if limit is not None and time > limit:
            raise VerificationError(
                ReasonCode.HEADERS_TIME_TOO_NEW,
                f"header {height}: time {time} is more than two hours after {now}",
            )
        if (
            version < 4
            and height >= min_version_height
            and not _version_ok(params, height, version)
        ):
            raise VerificationError(
                ReasonCode.HEADERS_BAD_VERSION,
                f"header {height}: version {version} is below the minimum required there",
            )
        times.append(time)
        bits_known.append(bits)
        if min_difficulty:
            if boundary or bits != limit_bits:
                walk.append(bits)
            else:
                walk.append(walk[-1])
        hashes.append(this_hash)
        work += cached_work
        prev_hash, prev_bits, prev_time = this_hash, bits, time

    unchecked = list(log.items)
    first_new, tip = base.height + 1, base.height + len(hashes) - 1
    if now is None and tip >= first_new:
        unchecked.append(Unchecked("future time", first_new, tip, "no current time was given"))
    if params.name == "signet" and tip >= first_new:
        unchecked.append(
            Unchecked(
                "signet block signature",
                first_new,
                tip,
                "it is in the coinbase transaction, not in the header",
            )
        )
    return HeaderChain(
        params.name,
        base.height,
        tuple(hashes),
        work,
        tuple(unchecked),
        dict(zip(hashes, range(len(hashes)), strict=True)),
    )


def best_chain(chains: Sequence[HeaderChain]) -> HeaderChain:
    """Of competing chains above the same base, the one with the most work.

    Equal work is broken by the smaller tip hash (display order); between chains with
    the same tip, the one with fewer unchecked entries wins (it started with the base's
    own header), then the smaller list of their texts. The choice never depends on the
    order of the input.
    """
    if not chains:
        raise DecodeError(ReasonCode.HEADERS_EMPTY, "no header chains given")
    first = chains[0]
    for chain in chains[1:]:
        if (chain.network, chain.base_height, chain.hashes[0]) != (
            first.network,
            first.base_height,
            first.hashes[0],
        ):
            raise VerificationError(
                ReasonCode.HEADERS_CHECKPOINT_MISMATCH,
                "competing header chains do not start from the same base",
            )
    # Same tip (hence same headers) with different notes: one input started with the
    # base's own header. Prefer the one that knew more, so order never matters.
    return min(
        chains,
        key=lambda chain: (
            -chain.work,
            chain.tip_hash[::-1],
            len(chain.unchecked),
            [item.describe() for item in chain.unchecked],
        ),
    )
