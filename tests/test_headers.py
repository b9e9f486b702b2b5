"""Block headers, compact targets and proof of work, against Bitcoin Core's own cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headerchain import next_work_required, permitted_difficulty_transition
from ailee.headers import (
    BlockHeader,
    block_hash,
    block_work,
    check_proof_of_work,
    decode_compact,
    display_hex,
    encode_compact,
    from_display_hex,
    target_from_bits,
)
from ailee.networks import NETWORKS, network
from tests.btc import load_json

MAINNET = network("mainnet")

GENESIS_HASHES = {
    "mainnet": "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
    "testnet3": "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943",
    "testnet4": "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043",
    "signet": "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6",
    "regtest": "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206",
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_genesis_header_hashes_to_the_published_hash(name: str) -> None:
    params = NETWORKS[name]
    assert display_hex(block_hash(params.genesis_header)) == GENESIS_HASHES[name]
    header = BlockHeader.parse(params.genesis_header)
    check_proof_of_work(header.hash(), header.bits, params)
    assert header.serialize() == params.genesis_header


def test_unknown_network() -> None:
    with pytest.raises(DecodeError) as info:
        network("testnet5")
    assert info.value.code is ReasonCode.NETWORK_UNKNOWN


def test_pow_limits_are_cores() -> None:
    assert encode_compact(NETWORKS["mainnet"].pow_limit) == 0x1D00FFFF
    assert encode_compact(NETWORKS["signet"].pow_limit) == 0x1E0377AE
    assert encode_compact(NETWORKS["regtest"].pow_limit) == 0x207FFFFF


@pytest.mark.parametrize("length", [0, 79, 81, 160])
def test_header_must_be_80_bytes(length: int) -> None:
    with pytest.raises(DecodeError) as info:
        BlockHeader.parse(bytes(length))
    assert info.value.code is ReasonCode.BTC_HEADER_LENGTH
    assert info.value.message == f"a block header is 80 bytes, got {length}"


def test_header_fields_of_block_100000() -> None:
    blocks = load_json("mainnet_blocks.json")["blocks"]
    for block in blocks:
        header = BlockHeader.parse(bytes.fromhex(block["header_hex"]))
        assert display_hex(header.hash()) == block["hash"]
        assert display_hex(header.merkle_root) == block["merkle_root"]
        if "bits" in block:
            assert f"{header.bits:08x}" == block["bits"]
            assert header.time == block["time"]
            assert header.nonce == block["nonce"]
            assert header.version == block["version"]
        check_proof_of_work(header.hash(), header.bits, MAINNET)


def test_core_set_compact_cases() -> None:
    cases = load_json("core_compact_and_retarget_cases.json")["set_compact_cases"]
    assert len(cases) == 20
    for case in cases:
        bits = int(case["nBits"], 16)
        decoded = decode_compact(bits)
        assert decoded.negative == case["negative"], case
        assert decoded.overflow == case["overflow"], case
        if case["target_hex"] is not None:
            assert decoded.target == int(case["target_hex"], 16), case
        if "getcompact" in case:
            assert encode_compact(decoded.target) == int(case["getcompact"], 16), case
        if "getcompact_negative" in case:
            # GetCompact(negative=true) sets the sign bit on the same encoding.
            negative = encode_compact(decoded.target) | 0x00800000
            assert negative == int(case["getcompact_negative"], 16), case


def test_core_next_work_cases() -> None:
    cases = load_json("core_compact_and_retarget_cases.json")["next_work_cases"]
    assert len(cases) == 4
    for case in cases:
        got = next_work_required(
            MAINNET,
            int(case["last_bits"], 16),
            int(case["last_bits"], 16),
            case["last_retarget_time"],
            case["last_time"],
        )
        assert f"{got:08x}" == case["expected"], case["name"]


def test_all_413_mainnet_retargets() -> None:
    data = load_json("mainnet_retarget_boundaries.json")
    assert len(data["retargets"]) == 413
    for case in data["retargets"]:
        first = BlockHeader.parse(bytes.fromhex(case["first_header_hex"]))
        last = BlockHeader.parse(bytes.fromhex(case["last_header_hex"]))
        new = BlockHeader.parse(bytes.fromhex(case["new_header_hex"]))
        expected = int(case["expected_new_bits"], 16)
        assert new.bits == expected
        assert next_work_required(MAINNET, last.bits, first.bits, first.time, last.time) == expected
        height = case["new_period_height"]
        assert permitted_difficulty_transition(MAINNET, height, last.bits, new.bits)
        check_proof_of_work(new.hash(), new.bits, MAINNET)


def test_chainwork_at_boundaries_is_sum_of_block_work() -> None:
    headers = load_json("mainnet_retarget_boundaries.json")["headers"]
    by_height = {h["height"]: h for h in headers}
    # Within a period every block has the same target, so the chainwork difference
    # between a period's first block and the next period's first block is 2016 works.
    checked = 0
    for height, entry in by_height.items():
        if height % 2016 or height + 2016 not in by_height:
            continue
        bits = int(entry["bits"], 16)
        work = block_work(decode_compact(bits).target)
        before = int(entry["chainwork_raw_hex"], 16)
        after = int(by_height[height + 2016]["chainwork_raw_hex"], 16)
        next_bits = int(by_height[height + 2016]["bits"], 16)
        assert after - before == 2015 * work + block_work(decode_compact(next_bits).target)
        checked += 1
    assert checked > 400
    assert int(by_height[0]["chainwork_raw_hex"], 16) == block_work(
        decode_compact(0x1D00FFFF).target
    )


@pytest.mark.parametrize(
    ("bits", "code"),
    [
        (0x04923456, ReasonCode.POW_TARGET_NEGATIVE),
        (0x00000000, ReasonCode.POW_TARGET_ZERO),
        (0x01003456, ReasonCode.POW_TARGET_ZERO),
        (0xFF123456, ReasonCode.POW_TARGET_OVERFLOW),
        (0x1D010000, ReasonCode.POW_TARGET_ABOVE_LIMIT),
        (0x207FFFFF, ReasonCode.POW_TARGET_ABOVE_LIMIT),
    ],
)
def test_invalid_targets(bits: int, code: ReasonCode) -> None:
    with pytest.raises(VerificationError) as info:
        target_from_bits(bits, MAINNET)
    assert info.value.code is code


def test_pow_boundary_is_inclusive() -> None:
    params = NETWORKS["regtest"]
    target = target_from_bits(0x207FFFFF, params)
    at_target = target.to_bytes(32, "little")
    assert check_proof_of_work(at_target, 0x207FFFFF, params) == target
    above = (target + 1).to_bytes(32, "little")
    with pytest.raises(VerificationError) as info:
        check_proof_of_work(above, 0x207FFFFF, params)
    assert info.value.code is ReasonCode.POW_INSUFFICIENT
    # The auditor is told which block and which target.
    assert info.value.message == f"block {display_hex(above)} does not meet its target 207fffff"


# SetCompact's overflow rule at each of its edges (nWord != 0 and (nSize > 34 or
# (nWord > 0xff and nSize > 33) or (nWord > 0xffff and nSize > 32))), which Core's own
# cases (above) do not reach; an overflowing value is truncated to 256 bits.
@pytest.mark.parametrize(
    ("bits", "target", "overflow"),
    [
        (0x22000001, 1 << 248, False),
        (0x23000001, 0, True),
        (0x23000000, 0, False),
        (0x220000FF, 0xFF << 248, False),
        (0x22000100, 0, True),
        (0x2100FFFF, 0xFFFF << 240, False),
        (0x21010000, 0, True),
        (0x20FFFFFF, 0x7FFFFF << 232, False),
        (0x03123456, 0x123456, False),
        (0x02123456, 0x1234, False),
    ],
)
def test_set_compact_overflow_edges(bits: int, target: int, overflow: bool) -> None:
    decoded = decode_compact(bits)
    assert (decoded.target, decoded.overflow) == (target, overflow)


def test_get_compact_edges() -> None:
    assert encode_compact((1 << 256) - 1) == 0x2100FFFF
    assert encode_compact(0x123456) == 0x03123456
    assert encode_compact(0x800000) == 0x04008000
    for bad in (-1, 1 << 256):
        with pytest.raises(DecodeError) as info:
            encode_compact(bad)
        assert info.value.code is ReasonCode.INT_OUT_OF_RANGE
        assert info.value.message == f"target out of range: {bad}"


def test_block_work_known_answers() -> None:
    # GetBlockProof: 2**256 // (target + 1).
    assert block_work(1) == 1 << 255
    assert block_work(1 << 128) == (1 << 128) - 1
    assert block_work((1 << 256) - 1) == 1


@given(st.integers(min_value=1, max_value=(1 << 256) - 1))
def test_compact_round_trip_truncates_like_core(target: int) -> None:
    bits = encode_compact(target)
    decoded = decode_compact(bits)
    assert not decoded.negative
    assert not decoded.overflow
    assert decoded.target <= target
    # At least the top 16 bits survive (the mantissa's sign bit can cost 8 of 24).
    assert target - decoded.target < 1 << max(0, target.bit_length() - 16)
    assert encode_compact(decoded.target) == bits


@given(st.integers(min_value=0, max_value=(1 << 32) - 1))
def test_decode_compact_never_fails(bits: int) -> None:
    decoded = decode_compact(bits)
    assert 0 <= decoded.target < 1 << 256


def test_display_hex_round_trip() -> None:
    text = GENESIS_HASHES["mainnet"]
    assert display_hex(from_display_hex(text, "x")) == text
    for bad in ["", "00", "zz" * 32, "XX" * 32, text.upper(), text + "00"]:
        with pytest.raises(DecodeError) as info:
            from_display_hex(bad, "txid")
        assert info.value.code is ReasonCode.HEX_INVALID
        assert info.value.message == f"txid: expected 64 lowercase hex digits, got {bad!r}"
