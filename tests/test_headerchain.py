"""Header chains: real mainnet and testnet3 headers pass, every kind of forgery fails."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ailee.headerchain
from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headerchain import (
    Checkpoint,
    HeaderChain,
    Unchecked,
    best_chain,
    next_work_required,
    parse_headers_file,
    permitted_difficulty_transition,
    verify_header_chain,
)
from ailee.headers import block_hash, block_work, decode_compact, display_hex, encode_compact
from ailee.limits import MAX_UINT
from ailee.networks import NetworkParams, network
from tests.btc import internal, load_bytes, load_json, regtest

MAINNET = network("mainnet")
REGTEST = network("regtest")
FIRST_HEIGHT = 822_528


def mainnet_range() -> bytes:
    return load_bytes("mainnet_headers_822528_830592.bin")


def checkpoint_of(data: bytes, height: int = FIRST_HEIGHT) -> Checkpoint:
    return Checkpoint(height, block_hash(data[:80]))


def rules(chain: HeaderChain) -> set[str]:
    return {item.rule for item in chain.unchecked}


def expect(code: ReasonCode, *args: object, **kwargs: object) -> VerificationError:
    with pytest.raises((VerificationError, DecodeError)) as info:
        verify_header_chain(*args, **kwargs)  # type: ignore[arg-type]
    assert info.value.code is code, info.value
    return info.value  # type: ignore[return-value]


# --- real mainnet data -------------------------------------------------------------


def test_mainnet_blocks_0_to_255_from_genesis() -> None:
    blocks = load_json("mainnet_headers_0_to_255.json")["blocks"]
    raw = b"".join(bytes.fromhex(b["header_hex"]) for b in blocks)
    for data in (raw, raw[80:]):  # starting with genesis itself, or with block 1
        chain = verify_header_chain(data, MAINNET)
        assert chain.tip_height == 255
        assert display_hex(chain.tip_hash) == blocks[-1]["hash"]
        # Bitcoin Core's chainwork of block 255: 256 blocks of difficulty 1.
        assert chain.work == 256 * 0x100010001
        # From genesis every rule could be checked; only the clock-based one is left.
        assert rules(chain) == {"future time"}


def test_mainnet_8065_headers_across_four_retargets() -> None:
    data = mainnet_range()
    assert len(data) == 8065 * 80
    chain = verify_header_chain(data, MAINNET, checkpoint_of(data))
    assert chain.tip_height == 830_592
    info = load_json("mainnet_txoutproofs_830000_831332.json")["continuous_headers"]
    assert display_hex(chain.tip_hash) == info["last_hash"]
    # The four retargets were recomputed exactly (their periods start in the input).
    assert rules(chain) == {"median time past", "future time"}
    mtp = next(u for u in chain.unchecked if u.rule == "median time past")
    assert (mtp.first_height, mtp.last_height) == (FIRST_HEIGHT + 1, FIRST_HEIGHT + 10)
    # Work equals the difference of Bitcoin Core's chainwork at both ends.
    boundaries = {
        h["height"]: int(h["chainwork_raw_hex"], 16)
        for h in load_json("mainnet_retarget_boundaries.json")["headers"]
    }
    assert chain.work == boundaries[830_592] - boundaries[FIRST_HEIGHT]


def test_starting_after_the_checkpoint_lists_what_could_not_be_checked() -> None:
    data = mainnet_range()
    chain = verify_header_chain(data[80:], MAINNET, checkpoint_of(data))
    assert chain.tip_height == 830_592
    retarget = [u for u in chain.unchecked if u.rule == "difficulty retarget"]
    assert [(u.first_height, u.last_height) for u in retarget] == [(824_544, 824_544)]
    assert "4x bound" in retarget[0].reason
    assert [u.first_height for u in chain.unchecked if u.rule == "difficulty"] == [822_529]


def test_confirmations_are_tip_minus_height_plus_one() -> None:
    data = mainnet_range()
    chain = verify_header_chain(data, MAINNET, checkpoint_of(data))
    tip = chain.tip_hash
    assert chain.confirmations(tip) == 1
    assert chain.height_of(tip) == 830_592
    block_830000 = block_hash(data[(830_000 - FIRST_HEIGHT) * 80 :][:80])
    assert chain.confirmations(block_830000) == 593
    assert chain.confirmations(b"\x00" * 32) == 0
    assert chain.height_of(b"\x00" * 32) is None


def test_flipping_any_nonce_breaks_proof_of_work() -> None:
    data = bytearray(mainnet_range()[: 80 * 40])
    for k in (1, 17, 39):
        corrupted = bytearray(data)
        corrupted[k * 80 + 76] ^= 0x01
        err = expect(ReasonCode.POW_INSUFFICIENT, bytes(corrupted), MAINNET, checkpoint_of(data))
        assert f"header {FIRST_HEIGHT + k}" in err.message


def test_missing_header_breaks_the_link() -> None:
    data = mainnet_range()[: 80 * 40]
    gap = data[: 80 * 10] + data[80 * 11 :]
    err = expect(ReasonCode.HEADERS_BROKEN_LINK, gap, MAINNET, checkpoint_of(data))
    assert f"header {FIRST_HEIGHT + 10}" in err.message


@pytest.mark.parametrize(
    ("bits", "code"),
    [
        (0x1D010000, ReasonCode.POW_TARGET_ABOVE_LIMIT),
        (0x04923456, ReasonCode.POW_TARGET_NEGATIVE),
        (0x01003456, ReasonCode.POW_TARGET_ZERO),
        (0xFF123456, ReasonCode.POW_TARGET_OVERFLOW),
    ],
)
def test_invalid_nbits_in_a_chain(bits: int, code: ReasonCode) -> None:
    data = bytearray(mainnet_range()[: 80 * 5])
    data[3 * 80 + 72 : 3 * 80 + 76] = bits.to_bytes(4, "little")
    expect(code, bytes(data), MAINNET, checkpoint_of(data))


def test_wrong_checkpoint_is_refused() -> None:
    data = mainnet_range()[: 80 * 5]
    expect(ReasonCode.HEADERS_CHECKPOINT_MISMATCH, data, MAINNET, Checkpoint(1, b"\x01" * 32))
    expect(ReasonCode.HEADERS_CHECKPOINT_MISMATCH, data, MAINNET)  # not from genesis


def test_header_files_must_be_whole_headers() -> None:
    data = mainnet_range()[: 80 * 3]
    expect(ReasonCode.BTC_HEADER_LENGTH, data[:-1], MAINNET, checkpoint_of(data))
    expect(ReasonCode.HEADERS_EMPTY, b"", MAINNET)


def test_headers_file_forms() -> None:
    data = mainnet_range()[: 80 * 3]
    text = "\n".join(data[k : k + 80].hex() for k in range(0, len(data), 80))
    assert parse_headers_file(data) == data
    assert parse_headers_file(text.encode()) == data
    assert parse_headers_file((" " + text.upper() + "\n\n").encode()) == data
    with pytest.raises(DecodeError) as info:
        parse_headers_file(text[:-2].encode())
    assert info.value.code is ReasonCode.BTC_HEADER_LENGTH
    with pytest.raises(DecodeError) as info:
        parse_headers_file(data[:-1])
    assert info.value.code is ReasonCode.BTC_HEADER_LENGTH


def test_stale_mainnet_block_loses_to_the_longer_chain() -> None:
    data = mainnet_range()
    stale = load_json("mainnet_txoutproofs_830000_831332.json")["continuous_headers"][
        "stale_headers"
    ][0]
    height = stale["height"]
    base = data[: (height - FIRST_HEIGHT) * 80]
    main = verify_header_chain(
        base + data[(height - FIRST_HEIGHT) * 80 :][:160], MAINNET, checkpoint_of(data)
    )
    fork = verify_header_chain(
        base + bytes.fromhex(stale["header_hex"]), MAINNET, checkpoint_of(data)
    )
    assert fork.tip_height == height
    assert display_hex(fork.tip_hash) == stale["hash"]
    assert best_chain([fork, main]) is main
    assert best_chain([main, fork]) is main
    # Equal work: the smaller tip hash wins, whatever the order.
    main_same_height = verify_header_chain(
        base + data[(height - FIRST_HEIGHT) * 80 :][:80], MAINNET, checkpoint_of(data)
    )
    assert main_same_height.work == fork.work
    winner = min((fork, main_same_height), key=lambda c: c.tip_hash[::-1])
    assert best_chain([fork, main_same_height]) is winner
    assert best_chain([main_same_height, fork]) is winner


def test_best_chain_needs_a_common_base() -> None:
    data = mainnet_range()
    one = verify_header_chain(data[:800], MAINNET, checkpoint_of(data))
    other = verify_header_chain(data[80:800], MAINNET, checkpoint_of(data[80:], FIRST_HEIGHT + 1))
    with pytest.raises(VerificationError) as info:
        best_chain([one, other])
    assert info.value.code is ReasonCode.HEADERS_CHECKPOINT_MISMATCH
    with pytest.raises(DecodeError):
        best_chain([])


def test_testnet3_headers_and_a_fork_from_genesis() -> None:
    lines = load_bytes("testnet3_headers_1_to_N_bitcoin_core.hex").decode().split()
    main_lines = [line for line in lines if not line.startswith("fork:")]
    fork_lines = [line[5:] for line in lines if line.startswith("fork:")]
    testnet3 = network("testnet3")
    main = verify_header_chain(parse_headers_file("\n".join(main_lines).encode()), testnet3)
    assert main.tip_height == 546
    fork = verify_header_chain(parse_headers_file("\n".join(fork_lines).encode()), testnet3)
    assert fork.tip_height == 2
    assert best_chain([fork, main]) is main
    # Mainnet rules refuse testnet headers: genesis differs.
    expect(
        ReasonCode.HEADERS_CHECKPOINT_MISMATCH,
        parse_headers_file("\n".join(main_lines).encode()),
        MAINNET,
    )


# --- synthetic chains: each contextual rule ------------------------------------------


GENESIS_HASH = block_hash(REGTEST.genesis_header)
T0 = regtest.REGTEST_GENESIS_TIME


def test_regtest_chain_from_genesis() -> None:
    headers = regtest.mine_chain(GENESIS_HASH, T0, 30)
    chain = verify_header_chain(b"".join(headers), REGTEST)
    assert chain.tip_height == 30
    assert chain.work == 31 * 2  # target 2**255: two hashes a block
    assert rules(chain) == {"future time"}


def test_time_at_the_median_is_too_old() -> None:
    headers = regtest.mine_chain(GENESIS_HASH, T0, 11, spacing=1)
    times = sorted([T0] + [T0 + k for k in range(1, 12)])[-11:]
    median = times[5]
    prev = block_hash(headers[-1])
    at_median = regtest.mine(prev, median)
    err = expect(ReasonCode.HEADERS_TIME_TOO_OLD, b"".join([*headers, at_median]), REGTEST)
    assert "header 12" in err.message
    just_above = regtest.mine(prev, median + 1)
    assert verify_header_chain(b"".join([*headers, just_above]), REGTEST).tip_height == 12


def test_time_too_new_needs_now() -> None:
    headers = regtest.mine_chain(GENESIS_HASH, T0, 3)
    last_time = T0 + 3 * 600
    now = last_time - 2 * 3600
    assert verify_header_chain(b"".join(headers), REGTEST, now=now).tip_height == 3
    expect(ReasonCode.HEADERS_TIME_TOO_NEW, b"".join(headers), REGTEST, now=now - 1)
    assert "future time" not in rules(verify_header_chain(b"".join(headers), REGTEST, now=now))


def test_versions_below_bip34_66_65_are_refused() -> None:
    for version in (1, 2, 3):
        bad = regtest.mine(GENESIS_HASH, T0 + 600, version=version)
        expect(ReasonCode.HEADERS_BAD_VERSION, bad, REGTEST)
    assert verify_header_chain(regtest.mine(GENESIS_HASH, T0 + 600, version=4), REGTEST)


def test_regtest_bits_never_change() -> None:
    bad = regtest.mine(GENESIS_HASH, T0 + 600, 0x207FFFFE)
    expect(ReasonCode.HEADERS_BAD_DIFFICULTY, bad, REGTEST)


EASY_BITS = regtest.EASY_BITS
easy_params = regtest.easy_params
time_of = regtest.time_of
bits_of = regtest.bits_of
required_bits = regtest.required_bits
grow = regtest.grow


def test_retarget_every_interval_with_the_clamp() -> None:
    params = easy_params()
    slow = grow(params, 40, step=10)  # 150 s per 16 s period: clamped to 4x easier
    assert bits_of(slow[15]) == EASY_BITS
    assert (
        decode_compact(bits_of(slow[16])).target
        == decode_compact(encode_compact((0x3FFFFF << 224) * 4)).target
    )
    result = verify_header_chain(b"".join(slow), params)
    assert result.tip_height == 40
    assert result.work == sum(block_work(decode_compact(bits_of(h)).target) for h in slow)
    fast = grow(params, 20, step=1)  # 15 s per 16 s period: slightly harder
    assert decode_compact(bits_of(fast[16])).target < decode_compact(EASY_BITS).target
    assert verify_header_chain(b"".join(fast[1:]), params).tip_height == 20


def test_wrong_retarget_and_mid_period_change_are_refused() -> None:
    params = easy_params()
    chain = grow(params, 15, step=1)
    required = required_bits(params, chain)
    wrong = regtest.mine(block_hash(chain[-1]), time_of(chain[-1]) + 1, required + 1)
    err = expect(ReasonCode.HEADERS_BAD_DIFFICULTY, b"".join([*chain[1:], wrong]), params)
    assert "header 16" in err.message
    mid = regtest.mine(block_hash(chain[-2]), time_of(chain[-1]), 0x2001FFFF)
    expect(ReasonCode.HEADERS_BAD_DIFFICULTY, b"".join([*chain[1:-1], mid]), params)


def test_retarget_without_the_period_start_checks_the_4x_bound() -> None:
    params = easy_params()
    chain = grow(params, 20, step=1)
    checkpoint = Checkpoint(5, block_hash(chain[5]))
    ok = verify_header_chain(b"".join(chain[6:]), params, checkpoint)
    retarget = [u for u in ok.unchecked if u.rule == "difficulty retarget"]
    assert [(u.first_height, u.last_height) for u in retarget] == [(16, 16)]
    # Within 4x but not the exact retarget: passes the bound, reported as unchecked.
    inexact = regtest.mine(block_hash(chain[15]), time_of(chain[15]) + 1, 0x1F2FFFFF)
    assert verify_header_chain(b"".join([*chain[6:16], inexact]), params, checkpoint)
    # 8x easier is outside Core's bound.
    too_easy = regtest.mine(block_hash(chain[15]), time_of(chain[15]) + 1, 0x2001FFFF)
    expect(
        ReasonCode.HEADERS_BAD_DIFFICULTY,
        b"".join([*chain[6:16], too_easy]),
        params,
        checkpoint,
    )


def test_min_difficulty_blocks_and_the_walk_back() -> None:
    params = easy_params(allow_min=True)
    chain = grow(params, 5, step=1)
    limit_bits = encode_compact(params.pow_limit)
    prev, prev_time = block_hash(chain[-1]), time_of(chain[-1])
    # More than 2 * spacing late: the minimum difficulty is allowed.
    late = regtest.mine(prev, prev_time + 3, limit_bits)
    assert verify_header_chain(b"".join([*chain[1:], late]), params).tip_height == 6
    # Exactly 2 * spacing is not late enough.
    not_late = regtest.mine(prev, prev_time + 2, limit_bits)
    expect(ReasonCode.HEADERS_BAD_DIFFICULTY, b"".join([*chain[1:], not_late]), params)
    # After a minimum-difficulty block, an on-time block returns to the real target
    # (found by walking back), not to the minimum.
    after_min = regtest.mine(block_hash(late), prev_time + 4, limit_bits)
    expect(ReasonCode.HEADERS_BAD_DIFFICULTY, b"".join([*chain[1:], late, after_min]), params)
    after_real = regtest.mine(block_hash(late), prev_time + 4, EASY_BITS)
    assert verify_header_chain(b"".join([*chain[1:], late, after_real]), params).tip_height == 7


def test_walk_back_that_leaves_the_input_is_reported() -> None:
    params = easy_params(allow_min=True)
    chain = grow(params, 3, step=1)
    limit_bits = encode_compact(params.pow_limit)
    late = regtest.mine(block_hash(chain[-1]), time_of(chain[-1]) + 3, limit_bits)
    checkpoint = Checkpoint(4, block_hash(late))
    after = regtest.mine(block_hash(late), time_of(late) + 1, EASY_BITS)
    result = verify_header_chain(late + after, params, checkpoint)
    assert (result.unchecked[0].rule, result.unchecked[0].first_height) == ("difficulty", 5)


def test_bip94_timewarp() -> None:
    # (Without minimum-difficulty blocks, which late blocks would otherwise have to use.)
    params = easy_params(bip94=True)
    chain = grow(params, 15, step=200)  # slow enough that the median is far behind
    bits = required_bits(params, chain)
    prev, prev_time = block_hash(chain[-1]), time_of(chain[-1])
    warped = regtest.mine(prev, prev_time - 601, bits)
    expect(ReasonCode.HEADERS_TIMEWARP, b"".join([*chain[1:], warped]), params)
    edge = regtest.mine(prev, prev_time - 600, bits)
    assert verify_header_chain(b"".join([*chain[1:], edge]), params).tip_height == 16
    # Without BIP94 the same header is fine.
    plain = dataclasses.replace(params, enforce_bip94=False)
    assert verify_header_chain(b"".join([*chain[1:], warped]), plain).tip_height == 16


def test_bip94_retargets_from_the_first_block_of_the_period() -> None:
    params = easy_params(allow_min=True, bip94=True)
    chain = grow(params, 14, step=1)
    limit_bits = encode_compact(params.pow_limit)
    late = regtest.mine(block_hash(chain[-1]), time_of(chain[-1]) + 3, limit_bits)
    chain.append(late)  # height 15, the last of the period, at minimum difficulty
    first = chain[0]
    bip94_bits = next_work_required(
        params, limit_bits, bits_of(first), time_of(first), time_of(late)
    )
    assert bip94_bits == required_bits(params, chain)
    plain = dataclasses.replace(params, enforce_bip94=False)
    assert bip94_bits != required_bits(plain, chain)
    good = regtest.mine(block_hash(late), time_of(late) + 1, bip94_bits)
    assert verify_header_chain(b"".join([*chain[1:], good]), params).tip_height == 16


def test_checkpoint_text() -> None:
    text = "830000:000000000000000000011d55599ed27d7efca05f5849b755319c89eb2cffbc1f"
    checkpoint = Checkpoint.parse(text)
    assert checkpoint.height == 830_000
    assert checkpoint.block_hash == internal(text.split(":")[1])
    assert str(checkpoint) == text
    for bad in ["", "830000", "x:" + "00" * 32, "-1:" + "00" * 32, "01:" + "00" * 32, "1:zz"]:
        with pytest.raises(DecodeError) as info:
            Checkpoint.parse(bad)
        assert info.value.code in {ReasonCode.CHECKPOINT_INVALID, ReasonCode.HEX_INVALID}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-700, max_value=900), min_size=1, max_size=30))
def test_median_time_rule_against_a_naive_oracle(steps: list[int]) -> None:
    """Times that go up and down: the first header the naive rule refuses is refused."""
    times = [T0]
    headers: list[bytes] = []
    prev = GENESIS_HASH
    for step in steps:
        time = times[-1] + step
        headers.append(regtest.mine(prev, time))
        prev = block_hash(headers[-1])
        times.append(time)
    first_bad = next(
        (
            k
            for k in range(1, len(times))
            if times[k] <= sorted(times[max(0, k - 11) : k])[len(times[max(0, k - 11) : k]) // 2]
        ),
        None,
    )
    if first_bad is None:
        assert verify_header_chain(b"".join(headers), REGTEST).tip_height == len(headers)
    else:
        err = expect(ReasonCode.HEADERS_TIME_TOO_OLD, b"".join(headers), REGTEST)
        assert f"header {first_bad}:" in err.message
    # From a checkpoint at height 3 (its header not given): heights 4..14 lack a full
    # window and are listed; from height 15 on the rule applies exactly.
    if len(headers) > 3:
        checkpoint = Checkpoint(3, block_hash(headers[2]))
        late_bad = next(
            (k for k in range(15, len(times)) if times[k] <= sorted(times[k - 11 : k])[5]),
            None,
        )
        if late_bad is None:
            chain = verify_header_chain(b"".join(headers[3:]), REGTEST, checkpoint)
            assert chain.tip_height == len(headers)
            assert "median time past" in rules(chain)
        else:
            err = expect(
                ReasonCode.HEADERS_TIME_TOO_OLD, b"".join(headers[3:]), REGTEST, checkpoint
            )
            assert f"header {late_bad}:" in err.message


def test_genesis_as_an_explicit_checkpoint_is_genesis() -> None:
    headers = regtest.mine_chain(GENESIS_HASH, T0, 12)
    implicit = verify_header_chain(b"".join(headers), REGTEST)
    explicit = verify_header_chain(b"".join(headers), REGTEST, Checkpoint(0, GENESIS_HASH))
    assert explicit.work == implicit.work
    assert explicit.unchecked == implicit.unchecked
    expect(
        ReasonCode.HEADERS_CHECKPOINT_MISMATCH,
        b"".join(headers[1:]),
        REGTEST,
        Checkpoint(0, block_hash(headers[0])),
    )


def test_same_tip_from_the_base_or_its_successor_is_chosen_alike() -> None:
    headers = regtest.mine_chain(GENESIS_HASH, T0, 20)
    checkpoint = Checkpoint(5, block_hash(headers[4]))
    with_base = verify_header_chain(b"".join(headers[4:]), REGTEST, checkpoint)
    without = verify_header_chain(b"".join(headers[5:]), REGTEST, checkpoint)
    assert with_base.tip_hash == without.tip_hash
    assert with_base.unchecked != without.unchecked
    assert best_chain([with_base, without]) is with_base
    assert best_chain([without, with_base]) is with_base


# --- edges of each rule, with the exact reason codes, messages and unchecked log -----

#: The texts of the ``unchecked`` entries: shown to users in reports and vectors.
NO_CLOCK = "no current time was given"
FEW_TIMES = "fewer than 11 previous headers are known"
NOT_BEFORE = "the headers before it that the rule needs are not in the input"
LIMIT_BITS = 0x207FFFFF  # encode_compact(2**255 - 1): the limit of the made-up networks


def future(first: int, last: int) -> Unchecked:
    return Unchecked("future time", first, last, NO_CLOCK)


def mtp(first: int, last: int) -> Unchecked:
    return Unchecked("median time past", first, last, FEW_TIMES)


def difficulty(first: int, last: int) -> Unchecked:
    return Unchecked("difficulty", first, last, NOT_BEFORE)


def refused(code: ReasonCode, *args: object, **kwargs: object) -> str:
    """The message of the error ``verify_header_chain`` raises, checking its code."""
    return expect(code, *args, **kwargs).message


def decode_error(call: Callable[..., object], *args: object) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        call(*args)
    return info.value


def test_checkpoint_text_edges_and_messages() -> None:
    zero = "00" * 32
    assert Checkpoint.parse("0:" + zero) == Checkpoint(0, bytes(32))
    assert Checkpoint.parse(f"{MAX_UINT}:{zero}") == Checkpoint(MAX_UINT, bytes(32))
    cases = {
        "830000": "checkpoint must be HEIGHT:HASH, got '830000'",
        # A digit, but not an ASCII one: int() would read it as 1.
        "\u0661:" + zero: f"checkpoint must be HEIGHT:HASH, got '\u0661:{zero}'",
        f"{MAX_UINT + 1}:{zero}": f"bad checkpoint height {MAX_UINT + 1}",
        "01:" + zero: "bad checkpoint height 01",
        "1:zz": "checkpoint hash: expected 64 lowercase hex digits, got 'zz'",
        # The height ends at the first colon: the rest is the hash.
        f"1:2:{zero}": f"checkpoint hash: expected 64 lowercase hex digits, got '2:{zero}'",
    }
    for text, message in cases.items():
        err = decode_error(Checkpoint.parse, text)
        assert (err.code, err.message) == (ReasonCode.CHECKPOINT_INVALID, message)


def test_unchecked_describe() -> None:
    assert mtp(5, 5).describe() == f"median time past at height 5: {FEW_TIMES}"
    assert difficulty(5, 9).describe() == f"difficulty at height 5..9: {NOT_BEFORE}"


def test_headers_file_text_lines_and_messages() -> None:
    data = mainnet_range()[: 80 * 3]
    lines = [data[k : k + 80].hex() for k in range(0, len(data), 80)]
    # Blank and whitespace-only lines anywhere are skipped, not the end of the file.
    gaps = "\n".join([lines[0], "", " \t", lines[1], "", lines[2]])
    assert parse_headers_file(gaps.encode()) == data
    short = "\n".join([lines[0], "", lines[1][:-2], lines[2]])
    err = decode_error(parse_headers_file, short.encode())
    assert err.code is ReasonCode.BTC_HEADER_LENGTH
    assert err.message == (
        "headers line 3: expected 160 hex digits and nothing else, got 158 characters"
    )
    # 160 characters, but one is a space inside the header: not 160 hex digits.
    spaced = lines[0][:80] + " " + lines[0][81:]
    err = decode_error(parse_headers_file, spaced.encode())
    assert err.code is ReasonCode.BTC_HEADER_LENGTH
    assert err.message == (
        "headers line 1: expected 160 hex digits and nothing else, got 160 characters"
    )
    err = decode_error(parse_headers_file, data[:-1])
    assert (err.code, err.message) == (
        ReasonCode.BTC_HEADER_LENGTH,
        "headers: 239 bytes is not a whole number of 80-byte headers",
    )


def test_header_count_limit_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit with the module's constant lowered to 3 (the check reads it when it runs)."""
    monkeypatch.setattr(ailee.headerchain, "MAX_HEADERS", 3)
    data = mainnet_range()[: 80 * 4]
    lines = [data[k : k + 80].hex() for k in range(0, len(data), 80)]
    too_many = (ReasonCode.INPUT_TOO_LARGE, "4 headers exceed the limit of 3")
    assert parse_headers_file(data[:240]) == data[:240]
    err = decode_error(parse_headers_file, data)
    assert (err.code, err.message) == too_many
    assert parse_headers_file("\n".join(lines[:3]).encode()) == data[:240]
    # Refused before the fourth line is read: its being malformed does not matter.
    err = decode_error(parse_headers_file, "\n".join([*lines[:3], "0"]).encode())
    assert (err.code, err.message) == too_many
    assert verify_header_chain(data[:240], MAINNET, checkpoint_of(data)).tip_height == (
        FIRST_HEIGHT + 2
    )
    assert refused(ReasonCode.INPUT_TOO_LARGE, data, MAINNET, checkpoint_of(data)) == too_many[1]


def test_permitted_difficulty_transition_bounds() -> None:
    """Core's pow_tests: the clamped retargets are permitted, one step further is not."""
    cases = {
        c["name"]: c for c in load_json("core_compact_and_retarget_cases.json")["next_work_cases"]
    }
    lower = cases["get_next_work_lower_limit_actual"]  # 4x harder: the smallest target
    upper = cases["get_next_work_upper_limit_actual"]  # 4x easier: the largest target
    for case, step in ((lower, -1), (upper, 1)):
        height, old = case["last_height"] + 1, int(case["last_bits"], 16)
        expected = int(case["expected"], 16)
        assert permitted_difficulty_transition(MAINNET, height, old, expected)
        assert not permitted_difficulty_transition(MAINNET, height, old, expected + step)
    # Within a period nBits may not change at all.
    assert permitted_difficulty_transition(MAINNET, 68_545, 0x1C0168FD, 0x1C0168FD)
    assert not permitted_difficulty_transition(MAINNET, 68_545, 0x1C0168FD, 0x1C0168FE)
    # Minimum-difficulty networks: Core permits any transition.
    testnet3 = network("testnet3")
    assert permitted_difficulty_transition(testnet3, 68_544, 0x1C05A3F4, 0x1D00FFFF)
    assert permitted_difficulty_transition(testnet3, 68_545, 0x1C0168FD, 0x1D00FFFF)


def test_unchecked_log_exactly() -> None:
    headers = regtest.mine_chain(GENESIS_HASH, T0, 20)
    checkpoint = Checkpoint(5, block_hash(headers[4]))
    # The base's header not given: the full window of 11 times starts at height 17.
    chain = verify_header_chain(b"".join(headers[5:]), REGTEST, checkpoint)
    assert chain.unchecked == (mtp(6, 16), future(6, 20))
    # With it: at height 16.
    chain = verify_header_chain(b"".join(headers[4:]), REGTEST, checkpoint)
    assert chain.unchecked == (mtp(6, 15), future(6, 20))
    # One header: still listed.
    assert verify_header_chain(headers[0], REGTEST).unchecked == (future(1, 1),)
    assert verify_header_chain(headers[0], REGTEST, now=T0).unchecked == ()


def test_signet_lists_the_block_signature() -> None:
    # A made-up network called signet with regtest's proof of work: the rule goes by name.
    signet = dataclasses.replace(REGTEST, name="signet")
    headers = regtest.mine_chain(GENESIS_HASH, T0, 3)
    signature = "it is in the coinbase transaction, not in the header"
    for count in (1, 3):
        chain = verify_header_chain(b"".join(headers[:count]), signet)
        assert chain.network == "signet"
        assert chain.unchecked == (
            future(1, count),
            Unchecked("signet block signature", 1, count, signature),
        )
    assert verify_header_chain(b"".join(headers), REGTEST).unchecked == (future(1, 3),)


VERSION_HEIGHTS = [(10, 20, 30), (30, 10, 20), (20, 30, 10)]


@pytest.mark.parametrize(("bip34", "bip66", "bip65"), VERSION_HEIGHTS)
def test_each_minimum_version_from_its_own_height(bip34: int, bip66: int, bip65: int) -> None:
    params = dataclasses.replace(
        REGTEST, bip34_height=bip34, bip66_height=bip66, bip65_height=bip65
    )
    for height in sorted({h + d for h in (bip34, bip66, bip65) for d in (-1, 0, 1)}):
        minimum = max([1] + [v for h, v in ((bip34, 2), (bip66, 3), (bip65, 4)) if height >= h])
        base = Checkpoint(height - 1, bytes([height]) * 32)
        for version in (1, 2, 3, 4):
            header = regtest.mine(base.block_hash, T0 + height, version=version)
            if version >= minimum:
                assert verify_header_chain(header, params, base).tip_height == height
            else:
                assert refused(ReasonCode.HEADERS_BAD_VERSION, header, params, base) == (
                    f"header {height}: version {version} is below the minimum required there"
                )


def test_base_header_needs_its_proof_of_work() -> None:
    bad = regtest.mine(b"\x05" * 32, T0, valid=False)
    message = refused(ReasonCode.POW_INSUFFICIENT, bad, REGTEST, Checkpoint(5, block_hash(bad)))
    assert message == "header 5: hash above its target"
    wrong_genesis = Checkpoint(0, block_hash(bad))
    assert refused(ReasonCode.HEADERS_CHECKPOINT_MISMATCH, bad, REGTEST, wrong_genesis) == (
        "a checkpoint at height 0 must be the regtest genesis block"
    )


def test_first_header_with_a_zero_target() -> None:
    header = regtest.header_bytes(0x20000000, GENESIS_HASH, b"\x11" * 32, T0 + 600, 1, 0)
    assert refused(ReasonCode.POW_TARGET_ZERO, header, REGTEST) == (
        "header 1: nBits 00000001 is zero"
    )


def test_best_chain_base_mismatch_message() -> None:
    headers = regtest.mine_chain(GENESIS_HASH, T0, 3)
    one = verify_header_chain(b"".join(headers), REGTEST)
    other = verify_header_chain(b"".join(headers[2:]), REGTEST, Checkpoint(2, headers[2][4:36]))
    with pytest.raises(VerificationError) as info:
        best_chain([one, other])
    assert info.value.message == "competing header chains do not start from the same base"


def test_median_equal_to_the_parent_time_is_refused() -> None:
    # 11 headers pass; the 12th repeats its parent's time, which is now the median.
    offsets = [1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 50, 50]
    headers, prev = [], GENESIS_HASH
    for offset in offsets:
        headers.append(regtest.mine(prev, T0 + offset))
        prev = block_hash(headers[-1])
    assert verify_header_chain(b"".join(headers[:11]), REGTEST).tip_height == 11
    assert refused(ReasonCode.HEADERS_TIME_TOO_OLD, b"".join(headers), REGTEST) == (
        f"header 12: time {T0 + 50} is not above the median {T0 + 50} of the previous 11"
    )


def test_first_full_median_window_is_checked_even_after_a_rise() -> None:
    # Base at 100 with its header: heights 101..110 lack a full window (listed); 111 has
    # one, and is later than its parent but not above the median.
    base = regtest.mine(b"\x64" * 32, T0 + 1000)
    headers, prev = [base], block_hash(base)
    for offset in [2000 + k for k in range(9)] + [500, 600]:
        headers.append(regtest.mine(prev, T0 + offset))
        prev = block_hash(headers[-1])
    checkpoint = Checkpoint(100, block_hash(base))
    assert verify_header_chain(b"".join(headers[:-1]), REGTEST, checkpoint).unchecked == (
        mtp(101, 110),
        future(101, 110),
    )
    assert refused(ReasonCode.HEADERS_TIME_TOO_OLD, b"".join(headers), REGTEST, checkpoint) == (
        f"header 111: time {T0 + 600} is not above the median {T0 + 2003} of the previous 11"
    )


def chain_on(base: bytes, steps: list[tuple[int, int]]) -> list[bytes]:
    """``base`` and headers on it, each given as (seconds after its parent, nBits)."""
    headers = [base]
    for step, bits in steps:
        headers.append(regtest.mine(block_hash(headers[-1]), time_of(headers[-1]) + step, bits))
    return headers


def slow_min_params() -> NetworkParams:
    """Minimum-difficulty blocks after 2 * 10 s; periods of 16 blocks."""
    params: NetworkParams = dataclasses.replace(easy_params(allow_min=True), target_spacing=10)
    return params


def test_min_difficulty_lateness_is_twice_the_spacing() -> None:
    params = slow_min_params()
    chain = grow(params, 5, step=10)
    for step, ok in ((20, False), (21, True)):
        late = regtest.mine(block_hash(chain[-1]), time_of(chain[-1]) + step, LIMIT_BITS)
        data = b"".join([*chain[1:], late])
        if ok:
            assert verify_header_chain(data, params).tip_height == 6
        else:
            assert refused(ReasonCode.HEADERS_BAD_DIFFICULTY, data, params) == (
                "header 6: nBits 207fffff, the difficulty rules require 1f3fffff"
            )


def test_walk_back_from_the_base() -> None:
    params = slow_min_params()
    t = T0 + 5000
    # A base of real difficulty: the walk stops at it.
    real = chain_on(regtest.mine(b"\x05" * 32, t, EASY_BITS), [(1, EASY_BITS)])
    chain = verify_header_chain(b"".join(real), params, Checkpoint(5, block_hash(real[0])))
    assert chain.unchecked == (mtp(6, 6), future(6, 6))
    # A minimum-difficulty base that starts a period: the walk stops at it too.
    at_start = regtest.mine(b"\x10" * 32, t, LIMIT_BITS)
    checkpoint = Checkpoint(16, block_hash(at_start))
    ok = chain_on(at_start, [(1, LIMIT_BITS)])
    assert verify_header_chain(b"".join(ok), params, checkpoint).unchecked == (
        mtp(17, 17),
        future(17, 17),
    )
    bad = chain_on(at_start, [(1, EASY_BITS)])
    assert refused(ReasonCode.HEADERS_BAD_DIFFICULTY, b"".join(bad), params, checkpoint) == (
        "header 17: nBits 1f3fffff, the difficulty rules require 207fffff"
    )
    # A minimum-difficulty base inside a period: the walk goes below it (not given).
    inside = regtest.mine(b"\x01" * 32, t, LIMIT_BITS)
    checkpoint = Checkpoint(1, block_hash(inside))
    for bits in (LIMIT_BITS, EASY_BITS):
        result = verify_header_chain(b"".join(chain_on(inside, [(1, bits)])), params, checkpoint)
        assert result.unchecked == (difficulty(2, 2), mtp(2, 2), future(2, 2))


def test_walk_back_that_leaves_the_input_checks_lateness_exactly() -> None:
    params = slow_min_params()
    base = regtest.mine(b"\x05" * 32, T0 + 5000, LIMIT_BITS)
    checkpoint = Checkpoint(5, block_hash(base))
    # On time (exactly 2 * spacing): the real target is below the input; listed.
    on_time = chain_on(base, [(20, EASY_BITS)])
    assert verify_header_chain(b"".join(on_time), params, checkpoint).unchecked == (
        difficulty(6, 6),
        mtp(6, 6),
        future(6, 6),
    )
    # Late then on time: lateness is against the parent, not the grandparent.
    late_then = chain_on(base, [(21, LIMIT_BITS), (1, EASY_BITS)])
    assert verify_header_chain(b"".join(late_then), params, checkpoint).unchecked == (
        mtp(6, 7),
        difficulty(7, 7),
        future(6, 7),
    )


def test_min_difficulty_from_a_checkpoint_without_its_header() -> None:
    params = slow_min_params()
    base = regtest.mine(b"\x05" * 32, T0 + 5000, EASY_BITS)
    headers = chain_on(base, [(1, EASY_BITS), (1, EASY_BITS), (1, EASY_BITS)])
    checkpoint = Checkpoint(5, block_hash(base))
    # Header 6 has no known parent; from header 7 on the walk ends at header 6.
    chain = verify_header_chain(b"".join(headers[1:]), params, checkpoint)
    assert chain.unchecked == (difficulty(6, 6), mtp(6, 8), future(6, 8))
    late_real = chain_on(headers[2], [(21, EASY_BITS)])[1]
    data = b"".join([*headers[1:3], late_real])
    assert refused(ReasonCode.HEADERS_BAD_DIFFICULTY, data, params, checkpoint) == (
        "header 8: nBits 1f3fffff, the difficulty rules require 207fffff"
    )


def test_retarget_without_the_period_start_reasons() -> None:
    first_missing = "the first header of the ending period (16) is not in the input"
    # Without minimum difficulty: the 4x bound from the parent, even with the base unknown.
    params = easy_params()
    base = regtest.mine(b"\x1e" * 32, T0, EASY_BITS)
    headers = chain_on(base, [(1, EASY_BITS), (1, EASY_BITS)])
    chain = verify_header_chain(b"".join(headers[1:]), params, Checkpoint(30, block_hash(base)))
    assert chain.unchecked == (
        difficulty(31, 31),
        mtp(31, 32),
        Unchecked("difficulty retarget", 32, 32, first_missing + "; only the 4x bound was checked"),
        future(31, 32),
    )
    # With it: no bound in Core, nothing but the note.
    min_params = slow_min_params()
    headers = chain_on(base, [(1, EASY_BITS), (1, EASY_BITS)])
    chain = verify_header_chain(b"".join(headers), min_params, Checkpoint(30, block_hash(base)))
    assert chain.unchecked == (
        mtp(31, 32),
        Unchecked("difficulty retarget", 32, 32, first_missing),
        future(31, 32),
    )


def test_unchanged_nbits_at_a_retarget_is_checked() -> None:
    params = easy_params()
    chain = grow(params, 15, step=1)  # fast: the retarget at 16 makes it harder
    required = required_bits(params, chain)
    assert required != EASY_BITS
    same = regtest.mine(block_hash(chain[-1]), time_of(chain[-1]) + 1, EASY_BITS)
    assert refused(ReasonCode.HEADERS_BAD_DIFFICULTY, b"".join([*chain[1:], same]), params) == (
        f"header 16: nBits 1f3fffff, the difficulty rules require {required:08x}"
    )
    # After the retarget, the new nBits hold: the old ones are refused.
    chain = grow(params, 16, step=1)
    old = regtest.mine(block_hash(chain[-1]), time_of(chain[-1]) + 1, EASY_BITS)
    assert refused(ReasonCode.HEADERS_BAD_DIFFICULTY, b"".join([*chain[1:], old]), params) == (
        f"header 17: nBits 1f3fffff, the difficulty rules require {required:08x}"
    )


def test_bip94_with_and_without_the_parent() -> None:
    params = easy_params(bip94=True)
    base = regtest.mine(b"\x0f" * 32, T0 + 5000, EASY_BITS)
    checkpoint = Checkpoint(15, block_hash(base))
    warped = chain_on(base, [(-601, EASY_BITS)])
    # The base's header given: its time is the parent's.
    assert refused(ReasonCode.HEADERS_TIMEWARP, b"".join(warped), params, checkpoint) == (
        f"header 16: time {T0 + 4399} is more than 600 s before its parent's (BIP94)"
    )
    # Not given: listed.
    chain = verify_header_chain(warped[1], params, checkpoint)
    assert chain.unchecked == (
        Unchecked(
            "difficulty retarget",
            16,
            16,
            "the first header of the ending period (0) is not in the input",
        ),
        mtp(16, 16),
        Unchecked("BIP94 timewarp", 16, 16, "the parent header is not in the input"),
        future(16, 16),
    )


def test_median_of_fewer_than_11_from_genesis() -> None:
    # From genesis every time is known: header 3's median is of genesis, 1 and 2.
    first, second = regtest.mine_chain(GENESIS_HASH, T0, 2, spacing=100)
    at_median = regtest.mine(block_hash(second), T0 + 100)
    assert refused(ReasonCode.HEADERS_TIME_TOO_OLD, first + second + at_median, REGTEST) == (
        f"header 3: time {T0 + 100} is not above the median {T0 + 100} of the previous 11"
    )
    above = regtest.mine(block_hash(second), T0 + 101)
    assert verify_header_chain(first + second + above, REGTEST).tip_height == 3


def test_regtest_requires_the_limit_whatever_the_base_says() -> None:
    # Every regtest nBits is the limit (genesis is at it and nothing retargets), so a
    # trusted base header with other nBits, which no regtest chain has, changes nothing.
    base = regtest.mine(b"\x05" * 32, T0, 0x2003FFFF)
    checkpoint = Checkpoint(5, block_hash(base))
    on_limit = chain_on(base, [(600, LIMIT_BITS)])
    assert verify_header_chain(b"".join(on_limit), REGTEST, checkpoint).tip_height == 6
    on_base = chain_on(base, [(600, 0x2003FFFF)])
    assert refused(ReasonCode.HEADERS_BAD_DIFFICULTY, b"".join(on_base), REGTEST, checkpoint) == (
        "header 6: nBits 2003ffff, the difficulty rules require 207fffff"
    )
