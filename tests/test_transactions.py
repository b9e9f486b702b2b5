"""Raw transactions: parsed strictly, txids right, 64-byte transactions refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.headers import display_hex
from ailee.limits import MAX_TX_BYTES
from ailee.transactions import (
    is_transaction,
    parse_block,
    parse_transaction,
    require_not_inner_node_size,
)
from tests.btc import load_json, regtest


def sample_tx() -> regtest.Tx:
    return regtest.Tx(
        [(b"\x07" * 32, 1, b"\x51", 0xFFFFFFFE)],
        [(12_345, b"\x00\x14" + b"\x09" * 20), (0, b"\x6a\x02ab")],
    )


def test_txid_and_outputs() -> None:
    tx = sample_tx()
    parsed = parse_transaction(tx.serialize())
    assert parsed.txid == tx.txid()
    assert parsed.wtxid == tx.txid()  # no witness
    assert parsed.input_count == 1
    assert parsed.output(0).amount == 12_345
    assert parsed.check_output(1, amount=0, script_pubkey=b"\x6a\x02ab").amount == 0


def test_segwit_txid_excludes_the_witness() -> None:
    tx = sample_tx()
    tx.witness = [[b"\x01" * 64]]
    parsed = parse_transaction(tx.serialize())
    assert parsed.txid == tx.txid()
    assert parsed.wtxid == tx.wtxid() != parsed.txid
    assert parsed.stripped_size == len(tx.serialize(with_witness=False))


def test_segwit_block_from_btcd_matches_its_txids() -> None:
    for block in load_json("mainnet_blocks.json")["blocks"]:
        if "raw_block_hex" not in block:
            continue
        parsed = parse_block(bytes.fromhex(block["raw_block_hex"]))
        assert [display_hex(tx.txid) for tx in parsed.transactions] == block["txids"]


@pytest.mark.parametrize(
    ("vout", "amount", "script", "code"),
    [
        (2, None, None, ReasonCode.TX_OUTPUT_MISSING),
        (-1, None, None, ReasonCode.TX_OUTPUT_MISSING),
        (0, 12_346, None, ReasonCode.TX_OUTPUT_AMOUNT_MISMATCH),
        (0, None, b"\x51", ReasonCode.TX_OUTPUT_SCRIPT_MISMATCH),
    ],
)
def test_output_checks(
    vout: int, amount: int | None, script: bytes | None, code: ReasonCode
) -> None:
    parsed = parse_transaction(sample_tx().serialize())
    with pytest.raises(VerificationError) as info:
        parsed.check_output(vout, amount=amount, script_pubkey=script)
    assert info.value.code is code


def malformed(raw: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        parse_transaction(raw)
    assert info.value.code is ReasonCode.TX_MALFORMED
    assert not is_transaction(raw)


def test_strictness() -> None:
    raw = sample_tx().serialize()
    malformed(raw + b"\x00")  # trailing byte
    malformed(raw[:-1])  # truncated
    malformed(raw[:4] + b"\xfd\x01\x00" + raw[5:])  # non-shortest input count
    no_inputs = regtest.Tx([], [(1, b"\x51")]).serialize()
    malformed(no_inputs)
    no_outputs = regtest.Tx([(b"\x07" * 32, 0, b"", 0)], []).serialize()
    malformed(no_outputs)
    negative = regtest.Tx([(b"\x07" * 32, 0, b"", 0)], [(-1, b"\x51")]).serialize()
    malformed(negative)
    too_much = regtest.Tx([(b"\x07" * 32, 0, b"", 0)], [(21_000_000 * 10**8 + 1, b"\x51")])
    malformed(too_much.serialize())
    # A segwit marker with only empty witnesses ("superfluous witness record").
    superfluous = raw[:4] + b"\x00\x01" + raw[4:-4] + b"\x00" + raw[-4:]
    malformed(superfluous)
    with pytest.raises(DecodeError) as info:
        parse_transaction(bytes(MAX_TX_BYTES + 1))
    assert info.value.code is ReasonCode.INPUT_TOO_LARGE
    with pytest.raises(DecodeError):
        parse_transaction("00")  # type: ignore[arg-type]


def test_bip54_64_byte_transactions() -> None:
    cases = load_json("bip54_txsize.json")
    assert len(cases) == 13
    for case in cases:
        parsed = parse_transaction(bytes.fromhex(case["tx"]))
        if case["valid"]:
            require_not_inner_node_size(parsed)
        else:
            with pytest.raises(VerificationError) as info:
                require_not_inner_node_size(parsed)
            assert info.value.code is ReasonCode.TX_SIZE_64


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(raw: bytes) -> None:
    try:
        parsed = parse_transaction(raw)
    except DecodeError as exc:
        code = exc.code
    else:
        assert parsed.raw == raw
        return
    assert code is ReasonCode.TX_MALFORMED


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_transactions_never_crash(data: st.DataObject) -> None:
    raw = bytearray(sample_tx().serialize())
    position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[position] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        parsed = parse_transaction(bytes(raw))
    except DecodeError:
        return
    assert parsed.raw == bytes(raw)
