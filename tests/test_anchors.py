"""Anchors: the commitment hash chain, the OP_RETURN form and the BIP341 Taproot form."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailee.anchors import (
    ANCHOR_PAYLOAD_SIZE,
    anchor_commitment,
    anchor_payload,
    anchor_script,
    build_taproot_anchor,
    check_anchor_records,
    control_block,
    make_anchor,
    p2tr_script,
    parse_anchor_script,
    tapbranch_hash,
    tapleaf_hash,
    taproot_output_key,
    verify_taproot_anchor,
)
from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.hashing import Tag, tagged_hash
from ailee.state import ZERO_ROOT
from tests.btc import load_json
from tests.independent import reference

COMMITMENT = bytes(range(32))
# BIP340 test vector 1's public key: a valid x-only key.
INTERNAL_KEY = bytes.fromhex("dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659")


def code_of(call: Any, *args: Any, **kwargs: Any) -> ReasonCode:
    with pytest.raises(AileeError) as info:
        call(*args, **kwargs)
    return info.value.code


# --- the commitment hash chain ------------------------------------------------------


def test_commitment_known_answer() -> None:
    fields = {
        "chain_id": "ailee-signet-demo",
        "sequence": 7,
        "timestamp_ms": 1_764_000_000_000,
        "state_root": b"\x01" * 32,
        "recovery_metadata": b"\x02" * 32,
        "prev_commitment": b"\x03" * 32,
    }
    message = (
        b"\x11ailee-signet-demo"
        + (7).to_bytes(8, "big")
        + (1_764_000_000_000).to_bytes(8, "big")
        + b"\x01" * 32
        + b"\x02" * 32
        + b"\x03" * 32
    )
    assert anchor_commitment(**fields) == tagged_hash(Tag.ANCHOR, message)
    # Pinned: docs/spec.md shows the same worked example.
    assert anchor_commitment(**fields).hex() == (
        "875b7e99e9b0f0ac6349c7f215bfc010bf1e2611a7a02cb216d333b0e108d447"
    )


@given(
    st.text(min_size=1, max_size=10),
    st.integers(0, 2**53 - 1),
    st.integers(0, 2**53 - 1),
    st.binary(min_size=32, max_size=32),
    st.binary(min_size=32, max_size=32),
    st.binary(min_size=32, max_size=32),
)
def test_commitment_agrees_with_the_second_implementation(  # noqa: PLR0917 (hypothesis)
    chain_id: str, sequence: int, timestamp: int, root: bytes, recovery: bytes, prev: bytes
) -> None:
    record = {
        "sequence": sequence,
        "timestamp_ms": timestamp,
        "state_root": root,
        "recovery_metadata": recovery,
        "prev_commitment": prev,
    }
    ours = anchor_commitment(
        chain_id=chain_id,
        sequence=sequence,
        timestamp_ms=timestamp,
        state_root=root,
        recovery_metadata=recovery,
        prev_commitment=prev,
    )
    assert ours == reference.anchor_hash(chain_id, record)


def test_anchor_chain() -> None:
    first = make_anchor(chain_id="c", sequence=0, timestamp_ms=1, state_root=b"\x01" * 32)
    second = make_anchor(
        chain_id="c", sequence=3, timestamp_ms=2, state_root=b"\x02" * 32, previous=first
    )
    assert first.prev_commitment == ZERO_ROOT
    assert second.prev_commitment == first.commitment
    check_anchor_records("c", [first, second])
    check_anchor_records("c", [])
    assert code_of(check_anchor_records, "d", [first]) is ReasonCode.ANCHOR_COMMITMENT_MISMATCH
    assert code_of(check_anchor_records, "c", [second]) is ReasonCode.ANCHOR_CHAIN_BROKEN
    assert code_of(check_anchor_records, "c", [first, first]) is ReasonCode.ANCHOR_CHAIN_BROKEN
    with pytest.raises(DecodeError):
        anchor_commitment(
            chain_id="c",
            sequence=0,
            timestamp_ms=0,
            state_root=b"",
            recovery_metadata=ZERO_ROOT,
            prev_commitment=ZERO_ROOT,
        )


# --- OP_RETURN ----------------------------------------------------------------------


def test_op_return_layout() -> None:
    script = anchor_script(COMMITMENT)
    assert script == b"\x6a\x26ailee\x01" + COMMITMENT
    assert len(anchor_payload(COMMITMENT)) == ANCHOR_PAYLOAD_SIZE == 38
    assert parse_anchor_script(script) == COMMITMENT
    # Standard under every Bitcoin Core policy: at most 83 bytes before v30.
    notes = load_json("op_return_cases.json")["policy_notes"]
    assert "83" in notes["pre_v30"]
    assert len(script) <= 83


PAYLOAD = b"ailee\x01" + COMMITMENT


@pytest.mark.parametrize(
    ("script", "code"),
    [
        (b"", ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x51", ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x6a", ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x6a\x51", ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x6a\x00", ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x00\x26" + PAYLOAD, ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x6a\x26" + PAYLOAD + b"\x00", ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x6a\x26" + PAYLOAD[:-1], ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x6a\x4c", ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x6a\x4c\x26" + PAYLOAD, ReasonCode.ANCHOR_NON_MINIMAL_PUSH),
        (b"\x6a\x4d\x26\x00" + PAYLOAD, ReasonCode.ANCHOR_NON_MINIMAL_PUSH),
        (b"\x6a\x4e\x26\x00\x00\x00" + PAYLOAD, ReasonCode.ANCHOR_NON_MINIMAL_PUSH),
        (b"\x6a\x26AILEE\x01" + COMMITMENT, ReasonCode.ANCHOR_BAD_MAGIC),
        (b"\x6a\x03ail", ReasonCode.ANCHOR_BAD_MAGIC),
        (b"\x6a\x05ailee", ReasonCode.ANCHOR_BAD_LENGTH),
        (b"\x6a\x26ailee\x02" + COMMITMENT, ReasonCode.ANCHOR_UNKNOWN_VERSION),
        (b"\x6a\x26ailee\x00" + COMMITMENT, ReasonCode.ANCHOR_UNKNOWN_VERSION),
        (b"\x6a\x25ailee\x01" + COMMITMENT[:-1], ReasonCode.ANCHOR_BAD_LENGTH),
        (b"\x6a\x27ailee\x01" + COMMITMENT + b"\x00", ReasonCode.ANCHOR_BAD_LENGTH),
    ],
)
def test_op_return_parser_rejects(script: bytes, code: ReasonCode) -> None:
    assert code_of(parse_anchor_script, script) is code


def test_real_mainnet_op_returns_are_not_anchors() -> None:
    outputs = load_json("op_return_cases.json")["real_mainnet_op_return_outputs"]
    assert outputs
    for output in outputs:
        with pytest.raises(DecodeError) as info:
            parse_anchor_script(bytes.fromhex(output["script_hex"]))
        assert info.value.code in {ReasonCode.ANCHOR_BAD_MAGIC, ReasonCode.ANCHOR_NOT_OP_RETURN}


@given(st.binary(max_size=90))
def test_parser_never_crashes(script: bytes) -> None:
    try:
        commitment = parse_anchor_script(script)
    except DecodeError:
        return
    assert anchor_script(commitment) == script  # only the canonical form is accepted


# --- Taproot (BIP341) ---------------------------------------------------------------


def _tree(node: Any) -> tuple[bytes, dict[int, list[bytes]], dict[int, tuple[int, bytes]]]:
    """Root, path of each leaf id, and (leaf version, script) of each, as BIP341 does."""
    if isinstance(node, dict):
        script = bytes.fromhex(node["script"])
        leaf = tapleaf_hash(script, node["leafVersion"])
        return leaf, {node["id"]: []}, {node["id"]: (node["leafVersion"], script)}
    left, left_paths, left_leaves = _tree(node[0])
    right, right_paths, right_leaves = _tree(node[1])
    paths = {k: [*p, right] for k, p in left_paths.items()}
    paths.update({k: [*p, left] for k, p in right_paths.items()})
    return tapbranch_hash(left, right), paths, {**left_leaves, **right_leaves}


def test_bip341_wallet_vectors() -> None:
    cases = load_json("bip341_wallet_test_vectors.json")["scriptPubKey"]
    assert len(cases) == 7
    for case in cases:
        internal = bytes.fromhex(case["given"]["internalPubkey"])
        tree = case["given"]["scriptTree"]
        merkle_root = None
        if tree is not None:
            merkle_root, paths, leaves = _tree(tree)
            assert merkle_root.hex() == case["intermediary"]["merkleRoot"]
            hashes = [tapleaf_hash(leaves[k][1], leaves[k][0]).hex() for k in sorted(leaves)]
            assert hashes == case["intermediary"]["leafHashes"]
        tweak = tagged_hash(Tag.TAP_TWEAK, internal + (merkle_root or b""))
        assert tweak.hex() == case["intermediary"]["tweak"]
        output_key, parity = taproot_output_key(internal, merkle_root)
        assert output_key.hex() == case["intermediary"]["tweakedPubkey"]
        assert p2tr_script(output_key).hex() == case["expected"]["scriptPubKey"]
        if tree is not None:
            blocks = [
                control_block(internal, parity, paths[k], leaves[k][0]).hex()
                for k in sorted(leaves)
            ]
            assert blocks == case["expected"]["scriptPathControlBlocks"]


def test_bip86_key_path_vectors() -> None:
    cases = load_json("bip86_keypath_vectors.json")["cases"]
    assert len(cases) == 3
    for case in cases:
        output_key, _ = taproot_output_key(bytes.fromhex(case["internal_key"]), None)
        assert output_key.hex() == case["output_key"]
        assert p2tr_script(output_key).hex() == case["scriptPubKey"]


FEDERATION_LEAVES = [bytes([0x20]) + bytes([k]) * 32 + b"\xac" for k in (1, 2, 3)]


@pytest.mark.parametrize("leaves", [0, 1, 2, 3])
def test_taproot_anchor_round_trip(leaves: int) -> None:
    built = build_taproot_anchor(INTERNAL_KEY, COMMITMENT, FEDERATION_LEAVES[:leaves])
    assert built.anchor_leaf == anchor_script(COMMITMENT)
    verify_taproot_anchor(built.script_pubkey, INTERNAL_KEY, COMMITMENT, built.anchor_path)
    # Every federation leaf's path leads to the same root.
    for index, script in enumerate(built.federation_leaves):
        node = tapleaf_hash(script)
        for sibling in built.federation_paths[index]:
            node = tapbranch_hash(node, sibling)
        assert node == built.merkle_root
        assert built.control_block(index)[0] == 0xC0 | built.parity
    assert built.control_block()[1:33] == INTERNAL_KEY
    other = bytes(31) + b"\x01"
    assert (
        code_of(verify_taproot_anchor, built.script_pubkey, INTERNAL_KEY, other, built.anchor_path)
        is ReasonCode.TAPROOT_OUTPUT_KEY_MISMATCH
    )


def test_taproot_verifier_errors() -> None:
    built = build_taproot_anchor(INTERNAL_KEY, COMMITMENT, FEDERATION_LEAVES)
    spk, path = built.script_pubkey, built.anchor_path
    assert code_of(
        verify_taproot_anchor, b"\x00\x20" + spk[2:], INTERNAL_KEY, COMMITMENT, path
    ) is (ReasonCode.TAPROOT_NOT_P2TR)
    assert code_of(verify_taproot_anchor, spk[:-1], INTERNAL_KEY, COMMITMENT, path) is (
        ReasonCode.TAPROOT_NOT_P2TR
    )
    not_on_curve = b"\xff" * 32
    assert code_of(verify_taproot_anchor, spk, not_on_curve, COMMITMENT, path) is (
        ReasonCode.TAPROOT_INVALID_KEY
    )
    assert code_of(verify_taproot_anchor, spk, INTERNAL_KEY, COMMITMENT, [b"\x00" * 31]) is (
        ReasonCode.BYTES_WRONG_LENGTH
    )
    assert code_of(verify_taproot_anchor, spk, INTERNAL_KEY, COMMITMENT, [path[0]] * 129) is (
        ReasonCode.TAPROOT_PATH_TOO_LONG
    )
    assert code_of(verify_taproot_anchor, spk, INTERNAL_KEY, COMMITMENT, []) is (
        ReasonCode.TAPROOT_OUTPUT_KEY_MISMATCH
    )
    # The tweaked key of a different internal key does not match either.
    other_key = bytes.fromhex("dd308afec5777e13121fa72b9cc1b7cc0139715309b086c960e18fd969774eb8")
    assert code_of(verify_taproot_anchor, spk, other_key, COMMITMENT, path) is (
        ReasonCode.TAPROOT_OUTPUT_KEY_MISMATCH
    )
    with pytest.raises(VerificationError):
        taproot_output_key(not_on_curve, None)


# --- boundaries found by mutation testing (docs/assurance.md) ------------------------


def _push(opcode: int, length_bytes: bytes, data: bytes) -> bytes:
    return b"\x6a" + bytes((opcode,)) + length_bytes + data


@pytest.mark.parametrize(
    ("script", "code"),
    [
        # OP_PUSHBYTES_1 is a data push: the payload is judged, not the opcode.
        (b"\x6a\x01a", ReasonCode.ANCHOR_BAD_MAGIC),
        # Each OP_PUSHDATA form with its length field and nothing else is a push of zero
        # bytes, which has a shorter form.
        (b"\x6a\x4c\x00", ReasonCode.ANCHOR_NON_MINIMAL_PUSH),
        (b"\x6a\x4d\x00\x00", ReasonCode.ANCHOR_NON_MINIMAL_PUSH),
        (b"\x6a\x4e\x00\x00\x00\x00", ReasonCode.ANCHOR_NON_MINIMAL_PUSH),
        # A non-push opcode is not read as OP_PUSHDATA4 however long the script.
        (b"\x6a\x00\x00\x00\x00\x00", ReasonCode.ANCHOR_NOT_OP_RETURN),
        (b"\x6a\x4f\x00\x00\x00\x00", ReasonCode.ANCHOR_NOT_OP_RETURN),
        # The smallest length each OP_PUSHDATA form is minimal for: the payload is judged.
        (_push(0x4C, b"\x4c", PAYLOAD + bytes(38)), ReasonCode.ANCHOR_BAD_LENGTH),
        (_push(0x4D, b"\x00\x01", PAYLOAD + bytes(218)), ReasonCode.ANCHOR_BAD_LENGTH),
        (_push(0x4E, b"\x00\x00\x01\x00", PAYLOAD + bytes(65498)), ReasonCode.ANCHOR_BAD_LENGTH),
        # The largest length each form is not minimal for.
        (_push(0x4D, b"\xff\x00", PAYLOAD + bytes(217)), ReasonCode.ANCHOR_NON_MINIMAL_PUSH),
        (
            _push(0x4E, b"\xff\xff\x00\x00", PAYLOAD + bytes(65497)),
            ReasonCode.ANCHOR_NON_MINIMAL_PUSH,
        ),
    ],
)
def test_op_return_push_boundaries(script: bytes, code: ReasonCode) -> None:
    assert code_of(parse_anchor_script, script) is code


def test_wrong_length_inputs_are_named() -> None:
    assert code_of(anchor_payload, COMMITMENT[:-1]) is ReasonCode.BYTES_WRONG_LENGTH
    assert code_of(anchor_script, COMMITMENT + b"\x00") is ReasonCode.BYTES_WRONG_LENGTH
    assert code_of(taproot_output_key, INTERNAL_KEY[:-1], None) is ReasonCode.BYTES_WRONG_LENGTH
    assert code_of(build_taproot_anchor, b"\x02" + INTERNAL_KEY, COMMITMENT) is (
        ReasonCode.BYTES_WRONG_LENGTH
    )


@pytest.mark.parametrize(
    ("size", "compact_size"),
    [
        (0, b"\x00"),
        (252, b"\xfc"),
        (253, b"\xfd\xfd\x00"),
        (0xFFFF, b"\xfd\xff\xff"),
        (0x10000, b"\xfe\x00\x00\x01\x00"),
    ],
)
def test_tapleaf_hash_compact_size_boundaries(size: int, compact_size: bytes) -> None:
    # BIP341: hashTapLeaf(v || compact_size(len(script)) || script), written out with
    # hashlib so that the length prefix is checked at each of its width changes.
    script = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    tag = hashlib.sha256(b"TapLeaf").digest()
    expected = hashlib.sha256(tag + tag + b"\xc0" + compact_size + script).digest()
    assert tapleaf_hash(script) == expected


def _script_path_output_key(script: bytes, block: bytes) -> tuple[bytes, int]:
    """BIP341 script-path check: the output key and parity a control block and a
    tapscript leaf commit to."""
    assert (len(block) - 33) % 32 == 0
    node = tapleaf_hash(script, block[0] & 0xFE)
    for start in range(33, len(block), 32):
        node = tapbranch_hash(node, block[start : start + 32])
    return taproot_output_key(block[1:33], node)


@pytest.mark.parametrize("leaves", [0, 1, 2, 3])
def test_taproot_control_blocks_spend_their_leaf(leaves: int) -> None:
    built = build_taproot_anchor(INTERNAL_KEY, COMMITMENT, FEDERATION_LEAVES[:leaves])
    assert built.script_pubkey == p2tr_script(built.output_key)
    expected = (built.output_key, built.parity)
    assert _script_path_output_key(built.anchor_leaf, built.control_block()) == expected
    for index, script in enumerate(built.federation_leaves):
        assert _script_path_output_key(script, built.control_block(index)) == expected


def test_taproot_path_of_the_maximum_length_is_accepted() -> None:
    path = [bytes([k]) * 32 for k in range(128)]
    node = tapleaf_hash(anchor_script(COMMITMENT))
    for sibling in path:
        node = tapbranch_hash(node, sibling)
    output_key, _ = taproot_output_key(INTERNAL_KEY, node)
    verify_taproot_anchor(p2tr_script(output_key), INTERNAL_KEY, COMMITMENT, path)
    assert code_of(
        verify_taproot_anchor, p2tr_script(output_key), INTERNAL_KEY, COMMITMENT, [*path, path[0]]
    ) is (ReasonCode.TAPROOT_PATH_TOO_LONG)


def test_length_errors_say_what() -> None:
    with pytest.raises(DecodeError) as info:
        anchor_payload(bytes(31))
    assert (info.value.code, info.value.message) == (
        ReasonCode.BYTES_WRONG_LENGTH,
        "an anchor commitment is 32 bytes",
    )
    with pytest.raises(DecodeError) as info:
        taproot_output_key(bytes(33), None)
    assert (info.value.code, info.value.message) == (
        ReasonCode.BYTES_WRONG_LENGTH,
        "internal key must be a 32-byte x-only key",
    )
