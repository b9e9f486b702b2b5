"""Anchors: commitments of L2 state in Bitcoin, as OP_RETURN outputs or Taproot leaves.

Consensus-critical (byte layouts in ``docs/spec.md``, "Anchors"). An anchor commits
to one snapshot: its chain id, sequence, timestamp, L2StateRoot, a recovery-metadata
commitment, and the previous anchor's commitment, so the anchors of a chain form a
hash chain of their own. The 32-byte commitment is placed in Bitcoin in one of two
forms, both carrying the same 38-byte payload ``"ailee" || 0x01 || commitment``:

* **OP_RETURN**: the output script ``OP_RETURN <payload>`` (40 bytes, far below the
  83-byte standardness limit of Bitcoin Core before v30);
* **Taproot** (BIP341): the same 40 bytes as a tapscript leaf (version 0xc0), which
  can never be satisfied since OP_RETURN fails a tapscript, placed in the output's
  script tree beside the federation's spending leaves; the output key is the internal
  key tweaked with the tree's Merkle root. Anyone with the internal key and the
  leaf's Merkle path can check the commitment; nobody can spend through it.

An anchor is a commitment, not an exit that Bitcoin enforces: it proves what the
federation committed to and when, nothing more.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.hashing import Tag, tagged_hash
from ailee.state import ZERO_ROOT, Anchor

if TYPE_CHECKING:
    from collections.abc import Sequence

    from coincurve import PublicKeyXOnly

__all__ = [
    "ANCHOR_MAGIC",
    "ANCHOR_PAYLOAD_SIZE",
    "ANCHOR_VERSION",
    "MAX_TAPROOT_PATH",
    "TAPSCRIPT_LEAF_VERSION",
    "TaprootAnchor",
    "anchor_commitment",
    "anchor_payload",
    "anchor_script",
    "build_taproot_anchor",
    "check_anchor_commitment",
    "check_anchor_records",
    "control_block",
    "make_anchor",
    "p2tr_script",
    "parse_anchor_script",
    "tapbranch_hash",
    "tapleaf_hash",
    "taproot_output_key",
    "verify_taproot_anchor",
]

#: First bytes of every anchor payload.
ANCHOR_MAGIC: Final = b"ailee"
#: The anchor payload version this library writes and reads.
ANCHOR_VERSION: Final = 1
#: magic (5) + version (1) + commitment (32).
ANCHOR_PAYLOAD_SIZE: Final = len(ANCHOR_MAGIC) + 1 + 32
#: BIP342 tapscript leaf version.
TAPSCRIPT_LEAF_VERSION: Final = 0xC0
#: BIP341: a control block holds at most 128 path hashes.
MAX_TAPROOT_PATH: Final = 128

_OP_RETURN: Final = 0x6A
_OP_PUSHDATA1: Final = 0x4C
_OP_PUSHDATA2: Final = 0x4D
_OP_PUSHDATA4: Final = 0x4E
_OP_1: Final = 0x51
_U64: Final = struct.Struct(">Q")


def anchor_commitment(
    *,
    chain_id: str,
    sequence: int,
    timestamp_ms: int,
    state_root: bytes,
    recovery_metadata: bytes,
    prev_commitment: bytes,
) -> bytes:
    """``tagged_hash("ailee/v2/anchor", ...)`` over the anchor's fields (see the spec)."""
    chain = chain_id.encode("utf-8")
    for name, value in (
        ("state_root", state_root),
        ("recovery_metadata", recovery_metadata),
        ("prev_commitment", prev_commitment),
    ):
        if len(value) != 32:
            raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, f"{name} must be 32 bytes")
    message = (
        bytes((len(chain),))
        + chain
        + _U64.pack(sequence)
        + _U64.pack(timestamp_ms)
        + state_root
        + recovery_metadata
        + prev_commitment
    )
    return tagged_hash(Tag.ANCHOR, message)


def make_anchor(
    *,
    chain_id: str,
    sequence: int,
    timestamp_ms: int,
    state_root: bytes,
    recovery_metadata: bytes = ZERO_ROOT,
    previous: Anchor | None = None,
) -> Anchor:
    """The anchor record of a snapshot, chained onto ``previous`` (None for the first)."""
    prev_commitment = ZERO_ROOT if previous is None else previous.commitment
    commitment = anchor_commitment(
        chain_id=chain_id,
        sequence=sequence,
        timestamp_ms=timestamp_ms,
        state_root=state_root,
        recovery_metadata=recovery_metadata,
        prev_commitment=prev_commitment,
    )
    return Anchor(
        sequence=sequence,
        timestamp_ms=timestamp_ms,
        state_root=state_root,
        recovery_metadata=recovery_metadata,
        prev_commitment=prev_commitment,
        commitment=commitment,
    )


def check_anchor_records(chain_id: str, anchors: Sequence[Anchor]) -> None:
    """Check an anchors section (sorted by sequence): each commitment is the hash of its
    record's fields, the first has an all-zero previous commitment and each later one
    names the commitment of the one before it."""
    previous = ZERO_ROOT
    for anchor in anchors:
        if anchor.prev_commitment != previous:
            raise VerificationError(
                ReasonCode.ANCHOR_CHAIN_BROKEN,
                f"anchor {anchor.sequence}: prev_commitment {anchor.prev_commitment.hex()}, "
                f"expected {previous.hex()}",
            )
        check_anchor_commitment(chain_id, anchor)
        previous = anchor.commitment


def check_anchor_commitment(chain_id: str, anchor: Anchor) -> None:
    """The anchor's ``commitment`` is the hash of its fields under ``chain_id``
    (ANCHOR_COMMITMENT_MISMATCH)."""
    expected = anchor_commitment(
        chain_id=chain_id,
        sequence=anchor.sequence,
        timestamp_ms=anchor.timestamp_ms,
        state_root=anchor.state_root,
        recovery_metadata=anchor.recovery_metadata,
        prev_commitment=anchor.prev_commitment,
    )
    if anchor.commitment != expected:
        raise VerificationError(
            ReasonCode.ANCHOR_COMMITMENT_MISMATCH,
            f"anchor {anchor.sequence}: commitment {anchor.commitment.hex()}, "
            f"its fields hash to {expected.hex()}",
        )


# --- the OP_RETURN form -------------------------------------------------------------


def anchor_payload(commitment: bytes) -> bytes:
    """``"ailee" || 0x01 || commitment`` (38 bytes)."""
    if len(commitment) != 32:
        raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, "an anchor commitment is 32 bytes")
    return ANCHOR_MAGIC + bytes((ANCHOR_VERSION,)) + commitment


def anchor_script(commitment: bytes) -> bytes:
    """``OP_RETURN <payload>``: the OP_RETURN output script, and the Taproot leaf."""
    payload = anchor_payload(commitment)
    return bytes((_OP_RETURN, len(payload))) + payload


def _read_push(script: bytes) -> tuple[bytes, bool]:
    """The data of the single push after OP_RETURN, and whether the push is minimal."""
    if len(script) < 2:
        raise DecodeError(ReasonCode.ANCHOR_NOT_OP_RETURN, "no data push after OP_RETURN")
    opcode = script[1]
    if 1 <= opcode < _OP_PUSHDATA1:
        start, length, minimal = 2, opcode, True
    elif opcode == _OP_PUSHDATA1 and len(script) >= 3:
        start, length = 3, script[2]
        minimal = length >= _OP_PUSHDATA1
    elif opcode == _OP_PUSHDATA2 and len(script) >= 4:
        start, length = 4, int.from_bytes(script[2:4], "little")
        minimal = length > 0xFF
    elif opcode == _OP_PUSHDATA4 and len(script) >= 6:
        start, length = 6, int.from_bytes(script[2:6], "little")
        minimal = length > 0xFFFF
    else:
        raise DecodeError(
            ReasonCode.ANCHOR_NOT_OP_RETURN,
            f"OP_RETURN is followed by opcode 0x{opcode:02x}, not a data push",
        )
    if start + length != len(script):
        raise DecodeError(
            ReasonCode.ANCHOR_NOT_OP_RETURN,
            f"the push of {length} bytes does not end the {len(script)}-byte script",
        )
    return script[start:], minimal


def parse_anchor_script(script: bytes) -> bytes:
    """Parse ``OP_RETURN <payload>`` strictly and return the 32-byte commitment.

    Errors, in the order checked: ANCHOR_NOT_OP_RETURN (not exactly OP_RETURN and one
    data push), ANCHOR_NON_MINIMAL_PUSH, ANCHOR_BAD_MAGIC, ANCHOR_UNKNOWN_VERSION,
    ANCHOR_BAD_LENGTH.
    """
    if not script or script[0] != _OP_RETURN:
        raise DecodeError(ReasonCode.ANCHOR_NOT_OP_RETURN, "script does not start with OP_RETURN")
    payload, minimal = _read_push(script)
    if not minimal:
        raise DecodeError(
            ReasonCode.ANCHOR_NON_MINIMAL_PUSH,
            f"a {len(payload)}-byte push must use the shortest push opcode",
        )
    if payload[: len(ANCHOR_MAGIC)] != ANCHOR_MAGIC:
        raise DecodeError(ReasonCode.ANCHOR_BAD_MAGIC, "payload does not start with 'ailee'")
    if len(payload) == len(ANCHOR_MAGIC):
        raise DecodeError(ReasonCode.ANCHOR_BAD_LENGTH, "payload has no version byte")
    version = payload[len(ANCHOR_MAGIC)]
    if version != ANCHOR_VERSION:
        raise DecodeError(
            ReasonCode.ANCHOR_UNKNOWN_VERSION, f"anchor version {version} is not supported"
        )
    if len(payload) != ANCHOR_PAYLOAD_SIZE:
        raise DecodeError(
            ReasonCode.ANCHOR_BAD_LENGTH,
            f"version {version} payload is {ANCHOR_PAYLOAD_SIZE} bytes, got {len(payload)}",
        )
    return payload[len(ANCHOR_MAGIC) + 1 :]


# --- the Taproot form (BIP341) ------------------------------------------------------


def _compact_size(value: int) -> bytes:
    if value < 0xFD:
        return bytes((value,))
    if value <= 0xFFFF:
        return b"\xfd" + value.to_bytes(2, "little")
    return b"\xfe" + value.to_bytes(4, "little")


def tapleaf_hash(script: bytes, leaf_version: int = TAPSCRIPT_LEAF_VERSION) -> bytes:
    """BIP341 ``hashTapLeaf(leaf_version || compact_size(len) || script)``."""
    return tagged_hash(Tag.TAP_LEAF, bytes((leaf_version,)) + _compact_size(len(script)) + script)


def tapbranch_hash(left: bytes, right: bytes) -> bytes:
    """BIP341 ``hashTapBranch`` of two children, in lexicographic order."""
    low, high = (left, right) if left <= right else (right, left)
    return tagged_hash(Tag.TAP_BRANCH, low + high)


def _xonly(key: bytes, what: str) -> PublicKeyXOnly:
    if len(key) != 32:
        raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, f"{what} must be a 32-byte x-only key")
    from coincurve import PublicKeyXOnly  # only Taproot needs the curve: a cheap start-up

    try:
        return PublicKeyXOnly(key)
    except ValueError:
        raise VerificationError(
            ReasonCode.TAPROOT_INVALID_KEY, f"{what} {key.hex()} is not on the curve"
        ) from None


def taproot_output_key(internal_key: bytes, merkle_root: bytes | None) -> tuple[bytes, int]:
    """BIP341 ``taproot_tweak_pubkey``: the x-only output key and its y parity.

    ``merkle_root`` None means a key-path-only output (BIP86): the tweak hashes only
    the internal key.
    """
    point = _xonly(internal_key, "internal key")
    tweak = tagged_hash(Tag.TAP_TWEAK, internal_key + (merkle_root or b""))
    try:
        point.tweak_add(tweak)
    except ValueError:
        raise VerificationError(
            ReasonCode.TAPROOT_TWEAK_INVALID,
            f"TapTweak {tweak.hex()} is not a valid tweak of {internal_key.hex()}",
        ) from None
    return point.format(), int(point.parity)


def p2tr_script(output_key: bytes) -> bytes:
    """``OP_1 <32-byte output key>``."""
    return bytes((_OP_1, 32)) + output_key


def control_block(
    internal_key: bytes,
    parity: int,
    path: Sequence[bytes],
    leaf_version: int = TAPSCRIPT_LEAF_VERSION,
) -> bytes:
    """BIP341 control block for a script-path spend of a leaf with this Merkle path."""
    return bytes((leaf_version | parity,)) + internal_key + b"".join(path)


def _tree(hashes: list[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """A balanced tree over leaf hashes (left half gets the extra leaf): its root and
    each leaf's Merkle path, leaf to root."""
    if len(hashes) == 1:
        return hashes[0], [[]]
    middle = (len(hashes) + 1) // 2
    left_root, left_paths = _tree(hashes[:middle])
    right_root, right_paths = _tree(hashes[middle:])
    paths = [[*p, right_root] for p in left_paths] + [[*p, left_root] for p in right_paths]
    return tapbranch_hash(left_root, right_root), paths


@dataclass(frozen=True, slots=True)
class TaprootAnchor:
    """A P2TR output whose script tree holds an anchor leaf beside federation leaves."""

    internal_key: bytes
    output_key: bytes
    parity: int
    merkle_root: bytes
    script_pubkey: bytes
    anchor_leaf: bytes
    #: Merkle path of the anchor leaf (leaf to root).
    anchor_path: tuple[bytes, ...]
    federation_leaves: tuple[bytes, ...]
    #: Merkle path of each federation leaf, in the order given.
    federation_paths: tuple[tuple[bytes, ...], ...]

    def control_block(self, leaf: int | None = None) -> bytes:
        """Control block of the anchor leaf (None) or of federation leaf ``leaf``."""
        path = self.anchor_path if leaf is None else self.federation_paths[leaf]
        return control_block(self.internal_key, self.parity, path)


def build_taproot_anchor(
    internal_key: bytes, commitment: bytes, federation_leaves: Sequence[bytes] = ()
) -> TaprootAnchor:
    """Build the P2TR anchor output: the anchor leaf at the top of the tree, beside a
    balanced subtree of the federation's tapscript leaves (version 0xc0), if any."""
    leaf = anchor_script(commitment)
    leaf_hash = tapleaf_hash(leaf)
    if federation_leaves:
        fed_root, fed_paths = _tree([tapleaf_hash(script) for script in federation_leaves])
        merkle_root = tapbranch_hash(leaf_hash, fed_root)
        anchor_path: tuple[bytes, ...] = (fed_root,)
        federation_paths = tuple((*path, leaf_hash) for path in fed_paths)
    else:
        merkle_root, anchor_path, federation_paths = leaf_hash, (), ()
    output_key, parity = taproot_output_key(internal_key, merkle_root)
    return TaprootAnchor(
        internal_key=internal_key,
        output_key=output_key,
        parity=parity,
        merkle_root=merkle_root,
        script_pubkey=p2tr_script(output_key),
        anchor_leaf=leaf,
        anchor_path=anchor_path,
        federation_leaves=tuple(federation_leaves),
        federation_paths=federation_paths,
    )


def verify_taproot_anchor(
    script_pubkey: bytes, internal_key: bytes, commitment: bytes, path: Sequence[bytes]
) -> None:
    """Check that a P2TR output commits to ``commitment`` through an anchor leaf with
    this Merkle path under this internal key (BIP341 script-path commitment)."""
    if len(script_pubkey) != 34 or script_pubkey[:2] != bytes((_OP_1, 32)):
        raise VerificationError(
            ReasonCode.TAPROOT_NOT_P2TR, f"{script_pubkey.hex()} is not a P2TR scriptPubKey"
        )
    if len(path) > MAX_TAPROOT_PATH:
        raise DecodeError(
            ReasonCode.TAPROOT_PATH_TOO_LONG,
            f"a Taproot path has at most {MAX_TAPROOT_PATH} hashes, got {len(path)}",
        )
    node = tapleaf_hash(anchor_script(commitment))
    for sibling in path:
        if len(sibling) != 32:
            raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, "Taproot path hashes are 32 bytes")
        node = tapbranch_hash(node, sibling)
    output_key, _ = taproot_output_key(internal_key, node)
    if output_key != script_pubkey[2:]:
        raise VerificationError(
            ReasonCode.TAPROOT_OUTPUT_KEY_MISMATCH,
            f"internal key, anchor leaf and path give output key {output_key.hex()}, "
            f"the output has {script_pubkey[2:].hex()}",
        )
