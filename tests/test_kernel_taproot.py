"""Differential tests: Taproot anchor outputs built by ailee, spent before Bitcoin Core.

:func:`build_taproot_anchor` places an anchor leaf (``OP_RETURN <38-byte payload>``)
beside the federation's tapscript leaves. Here each such output is spent, and Bitcoin
Core's script interpreter (libbitcoinkernel through py-bitcoinkernel, ``pbk``:
``ScriptPubkey.verify`` with every consensus flag, taproot included) judges the spend:

* through the key path, signed with the internal key tweaked by the tree's Merkle root;
* through each federation leaf, with the control block ailee gives for it;
* through the anchor leaf, which must always fail, although its control block is
  valid (it rebuilds the output key), as a control experiment shows.

Corrupted signatures, signatures over the wrong amount and damaged control blocks
must be rejected. The BIP341 signature hash (SIGHASH_DEFAULT), the tweak of the
secret key and the scripts are written here from BIP340/341/342, independently of
ailee; only the output and its control blocks come from ailee.

The outputs vary in the number of federation leaves (0 to 3) and in the y parity of
both the internal key and the output key, so that every branch of the tweak (secret
negation, parity bit of the control block) is taken.

Without pbk the module skips, except when ``AILEE_REQUIRE_EXTERNAL_VECTORS=1`` (as
``.ci/run`` sets), where the import error fails the run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import struct
from dataclasses import dataclass
from functools import cache
from typing import Final

import pytest
from coincurve import PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.anchors import (
    TAPSCRIPT_LEAF_VERSION,
    TaprootAnchor,
    anchor_script,
    build_taproot_anchor,
    control_block,
    make_anchor,
    p2tr_script,
    tapbranch_hash,
    tapleaf_hash,
    taproot_output_key,
    verify_taproot_anchor,
)
from tests.btc import regtest

if os.environ.get("AILEE_REQUIRE_EXTERNAL_VECTORS") == "1":
    import pbk  # CI: a missing kernel is a failure, never a skip
else:
    pbk = pytest.importorskip("pbk", reason="py-bitcoinkernel (pbk) is not installed")

#: The order of secp256k1.
ORDER: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

OP_1: Final = 0x51
OP_2: Final = 0x52
OP_NUMEQUAL: Final = 0x9C
OP_CHECKSIGVERIFY: Final = 0xAD
OP_CHECKSIG: Final = 0xAC
OP_CHECKSIGADD: Final = 0xBA

# --- BIP340/341 written out here, not taken from ailee -------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tagged(tag: str, message: bytes) -> bytes:
    tag_hash = sha256(tag.encode("ascii"))
    return sha256(tag_hash + tag_hash + message)


def xonly(key: PrivateKey) -> bytes:
    return key.public_key.format(compressed=True)[1:]


def has_odd_y(key: PrivateKey) -> bool:
    return key.public_key.format(compressed=True)[0] == 0x03


def private_key(label: str) -> PrivateKey:
    """A deterministic secret key: SHA256 of the label, hashed again until valid."""
    digest = sha256(b"ailee/test_kernel_taproot/" + label.encode())
    while not 0 < int.from_bytes(digest, "big") < ORDER:
        digest = sha256(digest)
    return PrivateKey(digest)


def key_with_parity(label: str, *, odd: bool) -> PrivateKey:
    """The first key ``label/0``, ``label/1``, ... whose public key has this y parity."""
    counter = 0
    while has_odd_y(key := private_key(f"{label}/{counter}")) != odd:
        counter += 1
    return key


def tweaked_key(internal: PrivateKey, merkle_root: bytes | None) -> PrivateKey:
    """BIP341 ``taproot_tweak_seckey``: negate if P has odd y, then add the TapTweak."""
    secret = int.from_bytes(internal.secret, "big")
    if has_odd_y(internal):
        secret = ORDER - secret
    tweak = int.from_bytes(tagged("TapTweak", xonly(internal) + (merkle_root or b"")), "big")
    assert tweak < ORDER
    return PrivateKey(((secret + tweak) % ORDER).to_bytes(32, "big"))


def leaf_hash(script: bytes) -> bytes:
    """BIP341 TapLeaf hash of a version-0xc0 leaf (scripts here are under 253 bytes)."""
    assert len(script) < 0xFD
    return tagged("TapLeaf", bytes((0xC0, len(script))) + script)


def sign(key: PrivateKey, digest: bytes) -> bytes:
    """A 64-byte BIP340 signature (SIGHASH_DEFAULT) with deterministic aux randomness."""
    return key.sign_schnorr(digest, sha256(b"aux" + key.secret + digest))


Spent = list[tuple[int, bytes]]


def taproot_sighash(
    tx: regtest.Tx, index: int, spent: Spent, tapleaf: bytes | None = None
) -> bytes:
    """BIP341 ``SigMsg`` with hash type SIGHASH_DEFAULT and no annex, hashed with the
    TapSighash tag (BIP342 extension when ``tapleaf`` is given: key version 0, no
    OP_CODESEPARATOR). ``spent`` holds (amount, scriptPubKey) of every input."""
    ser = regtest.compact_size
    message = (
        b"\x00"  # epoch
        + b"\x00"  # hash type SIGHASH_DEFAULT
        + struct.pack("<iI", tx.version, tx.locktime)
        + sha256(b"".join(txid + struct.pack("<I", vout) for txid, vout, _, _ in tx.vin))
        + sha256(b"".join(struct.pack("<q", amount) for amount, _ in spent))
        + sha256(b"".join(ser(len(spk)) + spk for _, spk in spent))
        + sha256(b"".join(struct.pack("<I", sequence) for _, _, _, sequence in tx.vin))
        + sha256(b"".join(struct.pack("<q", a) + ser(len(s)) + s for a, s in tx.vout))
        + bytes((0 if tapleaf is None else 2,))  # spend type: ext_flag * 2, no annex
        + struct.pack("<I", index)
    )
    if tapleaf is not None:
        message += tapleaf + b"\x00" + b"\xff\xff\xff\xff"
    return tagged("TapSighash", message)


# --- the federation's leaves ---------------------------------------------------------

ALICE, BOB, CAROL = (private_key(name) for name in ("alice", "bob", "carol"))


def push32(key: PrivateKey) -> bytes:
    return b"\x20" + xonly(key)


@dataclass(frozen=True)
class Leaf:
    """A federation tapscript and the keys whose signatures satisfy it, in witness
    order (bottom of the stack first; None is an empty signature)."""

    name: str
    script: bytes
    signers: tuple[PrivateKey | None, ...]

    def witness(self, digest: bytes) -> list[bytes]:
        return [b"" if key is None else sign(key, digest) for key in self.signers]


#: ``<A> OP_CHECKSIG``: one member alone.
SINGLE = Leaf("single", push32(ALICE) + bytes((OP_CHECKSIG,)), (ALICE,))
#: ``<A> OP_CHECKSIGVERIFY <B> OP_CHECKSIG``: 2-of-2 (A's signature is checked first,
#: so it is on top of the stack).
TWO_OF_TWO = Leaf(
    "2-of-2",
    push32(ALICE) + bytes((OP_CHECKSIGVERIFY,)) + push32(BOB) + bytes((OP_CHECKSIG,)),
    (BOB, ALICE),
)
#: ``<A> OP_CHECKSIG <B> OP_CHECKSIGADD <C> OP_CHECKSIGADD OP_2 OP_NUMEQUAL``: 2-of-3,
#: here signed by A and C.
TWO_OF_THREE = Leaf(
    "2-of-3",
    push32(ALICE)
    + bytes((OP_CHECKSIG,))
    + push32(BOB)
    + bytes((OP_CHECKSIGADD,))
    + push32(CAROL)
    + bytes((OP_CHECKSIGADD, OP_2, OP_NUMEQUAL)),
    (CAROL, None, ALICE),
)
FEDERATION: Final = (SINGLE, TWO_OF_TWO, TWO_OF_THREE)

# --- the outputs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """An anchor output built by ailee, with the secrets that can spend it."""

    internal: PrivateKey
    commitment: bytes
    anchor: TaprootAnchor
    leaves: tuple[Leaf, ...]


def real_commitment(sequence: int) -> bytes:
    """The commitment of a genuine anchor record."""
    return make_anchor(
        chain_id="ailee-kernel-taproot-test",
        sequence=sequence,
        timestamp_ms=1_700_000_000_000 + 600_000 * sequence,
        state_root=sha256(b"state root %d" % sequence),
    ).commitment


@cache
def output(leaves: int, *, internal_odd: bool, output_odd: bool) -> Output:
    """An anchor output with the first ``leaves`` federation leaves, an internal key of
    this y parity, and the first anchor sequence whose output key has this y parity."""
    internal = key_with_parity("internal", odd=internal_odd)
    federation = FEDERATION[:leaves]
    for sequence in range(1, 1000):
        commitment = real_commitment(sequence)
        anchor = build_taproot_anchor(
            xonly(internal), commitment, [leaf.script for leaf in federation]
        )
        if anchor.parity == int(output_odd):
            return Output(internal, commitment, anchor, federation)
    raise AssertionError("no anchor with the wanted output parity")


def parity_name(odd: bool) -> str:
    return "odd" if odd else "even"


OUTPUT_CASES: Final = [
    pytest.param(
        (leaves, internal_odd, output_odd),
        id=f"{leaves}leaves-P{parity_name(internal_odd)}-Q{parity_name(output_odd)}",
    )
    for leaves in range(4)
    for internal_odd in (False, True)
    for output_odd in (False, True)
]
LEAF_CASES: Final = [
    pytest.param(
        (leaves, internal_odd, output_odd, index),
        id=f"{leaves}leaves-P{parity_name(internal_odd)}-Q{parity_name(output_odd)}"
        f"-{FEDERATION[index].name}",
    )
    for leaves in range(1, 4)
    for internal_odd in (False, True)
    for output_odd in (False, True)
    for index in range(leaves)
]


def case_output(case: tuple[int, bool, bool]) -> Output:
    leaves, internal_odd, output_odd = case
    return output(leaves, internal_odd=internal_odd, output_odd=output_odd)


# --- the spending transaction and the kernel ------------------------------------------

FUNDING_SPK: Final = b"\x00\x14" + b"\x42" * 20  # P2WPKH, not verified here
FUNDING_AMOUNT: Final = 75_000
ANCHOR_AMOUNT: Final = 12_345
#: The anchor output is spent by input 1, so that the input index and the lists of
#: spent amounts and scripts are not trivial.
INDEX: Final = 1


def spending(script_pubkey: bytes) -> tuple[regtest.Tx, Spent]:
    """An unsigned transaction spending a P2WPKH coin and the output ``script_pubkey``,
    and the (amount, scriptPubKey) of both spent outputs."""
    tx = regtest.Tx(
        vin=[
            (sha256(b"funding"), 3, b"", 0xFFFFFFFD),
            (sha256(b"anchor"), 1, b"", 0xFFFFFFFF),
        ],
        vout=[(80_000, b"\x00\x14" + b"\x24" * 20), (7_000, b"\x51\x20" + b"\x77" * 32)],
        version=2,
        locktime=0,
    )
    return tx, [(FUNDING_AMOUNT, FUNDING_SPK), (ANCHOR_AMOUNT, script_pubkey)]


def with_witness(tx: regtest.Tx, stack: list[bytes]) -> regtest.Tx:
    """The transaction with ``stack`` as the anchor input's witness."""
    witness: list[list[bytes]] = [[] for _ in tx.vin]
    witness[INDEX] = stack
    return dataclasses.replace(tx, witness=witness)


def kernel_accepts(tx: regtest.Tx, spent: Spent, index: int = INDEX) -> bool:
    """Bitcoin Core's verdict on input ``index`` of ``tx``, with every consensus flag.

    Only ``ALL`` is meaningful: without P2SH|WITNESS|TAPROOT a v1 witness program is not
    checked at all. ``verify`` returns 1 or 0 (and raises only on API misuse).
    """
    transaction = pbk.Transaction(tx.serialize())
    outputs = [pbk.TransactionOutput(pbk.ScriptPubkey(spk), amount) for amount, spk in spent]
    precomputed = pbk.script.PrecomputedTransactionData(transaction, outputs)
    amount, spk = spent[index]
    verdict = pbk.ScriptPubkey(spk).verify(
        amount, transaction, precomputed, index, pbk.ScriptVerificationFlags.ALL
    )
    assert verdict in {0, 1}
    return bool(verdict == 1)


def flip(data: bytes, position: int, mask: int = 0x01) -> bytes:
    return data[:position] + bytes((data[position] ^ mask,)) + data[position + 1 :]


def parse_control_block(block: bytes) -> tuple[int, int, bytes, list[bytes]]:
    """(leaf version, parity, internal key, path) of a BIP341 control block."""
    assert len(block) >= 33
    assert (len(block) - 33) % 32 == 0
    path = [block[k : k + 32] for k in range(33, len(block), 32)]
    return block[0] & 0xFE, block[0] & 1, block[1:33], path


def rebuild_output_key(script: bytes, block: bytes) -> tuple[bytes, int]:
    """The output key and parity that a leaf script and its control block commit to,
    computed with ailee's functions as BIP341's verifier does."""
    leaf_version, _, internal_key, path = parse_control_block(block)
    node = tapleaf_hash(script, leaf_version)
    for sibling in path:
        node = tapbranch_hash(node, sibling)
    return taproot_output_key(internal_key, node)


# --- the tests -----------------------------------------------------------------------


@pytest.mark.parametrize("case", OUTPUT_CASES)
def test_outputs_cover_both_parities(case: tuple[int, bool, bool]) -> None:
    leaves, internal_odd, output_odd = case
    built = case_output(case)
    assert has_odd_y(built.internal) is internal_odd
    assert built.anchor.parity == int(output_odd)
    assert built.anchor.internal_key == xonly(built.internal)
    assert len(built.anchor.federation_leaves) == leaves
    assert built.anchor.script_pubkey == b"\x51\x20" + built.anchor.output_key
    assert built.anchor.anchor_leaf == anchor_script(built.commitment)


@pytest.mark.parametrize("case", OUTPUT_CASES)
def test_key_path_spend(case: tuple[int, bool, bool]) -> None:
    built = case_output(case)
    anchor = built.anchor
    key = tweaked_key(built.internal, anchor.merkle_root)
    assert xonly(key) == anchor.output_key
    tx, spent = spending(anchor.script_pubkey)
    signature = sign(key, taproot_sighash(tx, INDEX, spent))
    assert kernel_accepts(with_witness(tx, [signature]), spent)

    # One flipped bit anywhere in R or s.
    for position in (0, 17, 31, 32, 50, 63):
        assert not kernel_accepts(with_witness(tx, [flip(signature, position)]), spent)
    # A signature over another amount of the spent anchor output (BIP341 commits to it).
    wrong_amount = [spent[0], (ANCHOR_AMOUNT + 1, anchor.script_pubkey)]
    signature = sign(key, taproot_sighash(tx, INDEX, wrong_amount))
    assert not kernel_accepts(with_witness(tx, [signature]), spent)
    # ... over another amount of the other input.
    wrong_amount = [(FUNDING_AMOUNT - 1, FUNDING_SPK), spent[1]]
    signature = sign(key, taproot_sighash(tx, INDEX, wrong_amount))
    assert not kernel_accepts(with_witness(tx, [signature]), spent)
    # Signed by the untweaked internal key, or tweaked without the script tree (BIP86).
    for wrong_key in (built.internal, tweaked_key(built.internal, None)):
        signature = sign(wrong_key, taproot_sighash(tx, INDEX, spent))
        assert not kernel_accepts(with_witness(tx, [signature]), spent)


@pytest.mark.parametrize("case", LEAF_CASES)
def test_federation_leaf_spend(case: tuple[int, bool, bool, int]) -> None:
    leaves, internal_odd, output_odd, index = case
    built = output(leaves, internal_odd=internal_odd, output_odd=output_odd)
    anchor = built.anchor
    leaf = built.leaves[index]
    assert anchor.federation_leaves[index] == leaf.script
    block = anchor.control_block(index)
    assert block[0] == TAPSCRIPT_LEAF_VERSION | anchor.parity
    tx, spent = spending(anchor.script_pubkey)
    digest = taproot_sighash(tx, INDEX, spent, leaf_hash(leaf.script))
    signatures = leaf.witness(digest)

    def accepts(stack: list[bytes], script: bytes = leaf.script, cb: bytes = block) -> bool:
        return kernel_accepts(with_witness(tx, [*stack, script, cb]), spent)

    assert accepts(signatures)

    # The control block: wrong parity bit, wrong leaf version, wrong internal key.
    assert not accepts(signatures, cb=flip(block, 0))
    assert not accepts(signatures, cb=bytes((0xC2 | anchor.parity,)) + block[1:])
    assert not accepts(signatures, cb=block[:1] + xonly(ALICE) + block[33:])
    # ... any path element changed, a path element missing or one too many.
    path_length = len(anchor.federation_paths[index])
    assert len(block) == 33 + 32 * path_length
    assert path_length >= 1  # at least the anchor leaf is a sibling
    for element in range(path_length):
        for offset in (0, 31):
            assert not accepts(signatures, cb=flip(block, 33 + 32 * element + offset))
    assert not accepts(signatures, cb=block[:-32])
    assert not accepts(signatures, cb=block + anchor.merkle_root)
    # ... another leaf's control block, and the anchor leaf's.
    for other in [*(k for k in range(len(built.leaves)) if k != index), None]:
        assert not accepts(signatures, cb=anchor.control_block(other))

    # The signatures: any one flipped bit or left out, or over the key-path digest.
    for k, signature in enumerate(signatures):
        if signature:
            assert not accepts([*signatures[:k], flip(signature, 40), *signatures[k + 1 :]])
            assert not accepts([*signatures[:k], b"", *signatures[k + 1 :]])
    assert not accepts(leaf.witness(taproot_sighash(tx, INDEX, spent)))
    # A signature over another amount of the anchor output.
    wrong_amount = [spent[0], (ANCHOR_AMOUNT - 1, anchor.script_pubkey)]
    assert not accepts(
        leaf.witness(taproot_sighash(tx, INDEX, wrong_amount, leaf_hash(leaf.script)))
    )


@pytest.mark.parametrize("signers", [(CAROL, None, ALICE), (CAROL, BOB, None), (None, BOB, ALICE)])
def test_two_of_three_any_pair(signers: tuple[PrivateKey | None, ...]) -> None:
    built = output(3, internal_odd=False, output_odd=False)
    leaf = dataclasses.replace(TWO_OF_THREE, signers=signers)
    index = built.anchor.federation_leaves.index(leaf.script)
    tx, spent = spending(built.anchor.script_pubkey)
    digest = taproot_sighash(tx, INDEX, spent, leaf_hash(leaf.script))
    tail = [leaf.script, built.anchor.control_block(index)]
    assert kernel_accepts(with_witness(tx, [*leaf.witness(digest), *tail]), spent)
    # All three is not "two" (OP_NUMEQUAL), nor is a signature in the wrong slot.
    assert not kernel_accepts(
        with_witness(tx, [*Leaf("3", leaf.script, (CAROL, BOB, ALICE)).witness(digest), *tail]),
        spent,
    )
    swapped = Leaf("swapped", leaf.script, tuple(reversed(signers)))
    assert not kernel_accepts(with_witness(tx, [*swapped.witness(digest), *tail]), spent)


ANCHOR_LEAF_STACKS: Final = [
    [],
    [b""],
    [b"\x01"],
    [b"\x01", b"\x01"],
    [b"ailee"],
]


@pytest.mark.parametrize("case", OUTPUT_CASES)
def test_anchor_leaf_cannot_be_spent(case: tuple[int, bool, bool]) -> None:
    built = case_output(case)
    anchor = built.anchor
    block = anchor.control_block(None)

    # The control block is valid: it rebuilds this output's key and parity.
    assert block[0] == TAPSCRIPT_LEAF_VERSION | anchor.parity
    assert rebuild_output_key(anchor.anchor_leaf, block) == (anchor.output_key, anchor.parity)
    _, _, internal_key, path = parse_control_block(block)
    assert path == list(anchor.anchor_path)
    verify_taproot_anchor(anchor.script_pubkey, internal_key, built.commitment, path)

    tx, spent = spending(anchor.script_pubkey)
    digest = taproot_sighash(tx, INDEX, spent, leaf_hash(anchor.anchor_leaf))
    stacks = [
        *ANCHOR_LEAF_STACKS,
        [sign(built.internal, digest)],
        [sign(tweaked_key(built.internal, anchor.merkle_root), digest)],
        *(leaf.witness(digest) for leaf in built.leaves),
    ]
    for stack in stacks:
        assert not kernel_accepts(with_witness(tx, [*stack, anchor.anchor_leaf, block]), spent)

    # Control experiment: the same tree with OP_1 in the anchor leaf's place, and its
    # control block made the same way, is spent through that leaf. So the rejection
    # above comes from OP_RETURN, not from the control block.
    true_leaf = bytes((OP_1,))
    root = tapleaf_hash(true_leaf)
    if anchor.anchor_path:
        root = tapbranch_hash(root, anchor.anchor_path[0])
    output_key, parity = taproot_output_key(anchor.internal_key, root)
    true_spk = p2tr_script(output_key)
    true_block = control_block(anchor.internal_key, parity, anchor.anchor_path)
    tx, spent = spending(true_spk)
    assert kernel_accepts(with_witness(tx, [true_leaf, true_block]), spent)
    assert not kernel_accepts(with_witness(tx, [true_leaf, flip(true_block, 0)]), spent)


SECRETS: Final = st.integers(min_value=1, max_value=ORDER - 1).map(
    lambda n: PrivateKey(n.to_bytes(32, "big"))
)
COMMITMENTS: Final = st.binary(min_size=32, max_size=32)


@settings(max_examples=40, deadline=None)
@given(internal=SECRETS, commitment=COMMITMENTS, leaves=st.integers(min_value=0, max_value=3))
def test_any_anchor_output_is_spendable(
    internal: PrivateKey, commitment: bytes, leaves: int
) -> None:
    federation = FEDERATION[:leaves]
    anchor = build_taproot_anchor(xonly(internal), commitment, [leaf.script for leaf in federation])
    tx, spent = spending(anchor.script_pubkey)
    key = tweaked_key(internal, anchor.merkle_root)
    assert kernel_accepts(with_witness(tx, [sign(key, taproot_sighash(tx, INDEX, spent))]), spent)
    for index, leaf in enumerate(federation):
        digest = taproot_sighash(tx, INDEX, spent, leaf_hash(leaf.script))
        stack = [*leaf.witness(digest), leaf.script, anchor.control_block(index)]
        assert kernel_accepts(with_witness(tx, stack), spent)


@settings(max_examples=60, deadline=None)
@given(
    internal=SECRETS,
    commitment=COMMITMENTS,
    leaves=st.integers(min_value=0, max_value=3),
    stack=st.lists(st.binary(max_size=80), max_size=5),
)
def test_anchor_leaf_never_verifies(
    internal: PrivateKey, commitment: bytes, leaves: int, stack: list[bytes]
) -> None:
    anchor = build_taproot_anchor(
        xonly(internal), commitment, [leaf.script for leaf in FEDERATION[:leaves]]
    )
    block = anchor.control_block(None)
    assert rebuild_output_key(anchor.anchor_leaf, block) == (anchor.output_key, anchor.parity)
    tx, spent = spending(anchor.script_pubkey)
    assert not kernel_accepts(with_witness(tx, [*stack, anchor.anchor_leaf, block]), spent)
