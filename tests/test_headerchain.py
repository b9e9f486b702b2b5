"""Header chains: real mainnet and testnet3 headers pass, every kind of forgery fails."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headerchain import (
    Checkpoint,
    HeaderChain,
    best_chain,
    next_work_required,
    parse_headers_file,
    verify_header_chain,
)
from ailee.headers import block_hash, block_work, decode_compact, display_hex, encode_compact
from ailee.networks import network
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
