"""Inclusion and non-inclusion proofs of records against an L2StateRoot.

Consensus-critical. A proof carries everything needed to recompute the state root
except the root itself: the header, the seven other section roots, the proven
section's size and total, and one (inclusion) or up to two (non-inclusion) leaf
witnesses, each a record with its index and Merkle path. Verification needs only
the proof and the expected root.

Non-inclusion of key K is shown by the records just below and just above K, which
must be adjacent leaves (``right.index == left.index + 1``), or the first leaf (no
left neighbour), or the last leaf (no right neighbour), or nothing at all in an
empty section. Because the section root commits to the record count, "last" and
"first" cannot be faked.

For ``accounts`` the path carries the sum of each sibling subtree, so one account's
proof also proves the total of all balances (``section_total``), a proof of
liabilities. Sums that are negative, overflow, or do not add up are rejected.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Final, TypeAlias

from ailee.errors import DecodeError, ProofError, ReasonCode
from ailee.fields import Form, check_version, expect_object, hex_to_bytes, wrong_type
from ailee.jsoncodec import JsonValue
from ailee.limits import MAX_AMOUNT, MAX_PROOF_PATH, MAX_RECORDS_PER_SECTION
from ailee.merkle import (
    EMPTY_ROOT,
    SumNode,
    merkle_path,
    root_from_path,
    root_from_sum_path,
    sum_merkle_path,
)
from ailee.state import (
    FORMAT_VERSION,
    SECTION_NAMES,
    Account,
    Header,
    Record,
    read_fields,
    record_type,
    write_fields,
)
from ailee.stateroot import (
    L2StateRoot,
    header_bytes,
    leaf_hash,
    section_root,
    state_root_from_parts,
)

__all__ = [
    "PROOF_FORMAT",
    "LeafWitness",
    "ProofOutcome",
    "StateProof",
    "build_proof",
    "proof_from_json",
    "proof_to_json",
    "verify_proof",
]

#: The ``format`` marker of a proof document.
PROOF_FORMAT: Final = "ailee-proof"
_KINDS: Final = ("inclusion", "non-inclusion")

PathStep: TypeAlias = bytes | SumNode


@dataclass(frozen=True)
class LeafWitness:
    """A record, its leaf index, and its Merkle path (sum nodes for accounts)."""

    index: int
    record: Record
    path: tuple[PathStep, ...]


@dataclass(frozen=True)
class StateProof:
    """A proof that ``section`` holds (inclusion) or lacks (non-inclusion) ``key``."""

    kind: str
    section: str
    key: bytes
    header: Header
    other_section_roots: dict[str, bytes]
    tree_size: int
    section_total: int
    leaf: LeafWitness | None = None
    left: LeafWitness | None = None
    right: LeafWitness | None = None


@dataclass(frozen=True)
class ProofOutcome:
    """What a verified proof establishes."""

    kind: str
    section: str
    key: bytes
    record: Record | None
    section_total: int
    tree_size: int
    header: Header
    state_root: bytes


# --- building ----------------------------------------------------------------------


def _witness(commitment: L2StateRoot, section: str, index: int) -> LeafWitness:
    records = commitment.state.records(section)
    hashes = commitment.leaf_hashes(section)
    path: tuple[PathStep, ...]
    if section == "accounts":
        balances = [account.balance for account in commitment.state.accounts]
        path = tuple(sum_merkle_path(hashes, balances, index))
    else:
        path = tuple(merkle_path(hashes, index))
    return LeafWitness(index, records[index], path)


def build_proof(commitment: L2StateRoot, section: str, key: bytes) -> StateProof:
    """Build an inclusion proof of ``key`` in ``section``, or a non-inclusion proof."""
    record_type(section)
    records = commitment.state.records(section)
    keys = [record.key() for record in records]
    position = bisect_left(keys, key)
    others = {name: commitment.section_root(name) for name in SECTION_NAMES if name != section}
    total = commitment.accounts_total if section == "accounts" else 0
    header = commitment.state.header
    if position < len(keys) and keys[position] == key:
        leaf = _witness(commitment, section, position)
        return StateProof("inclusion", section, key, header, others, len(records), total, leaf=leaf)
    left = _witness(commitment, section, position - 1) if position > 0 else None
    right = _witness(commitment, section, position) if position < len(keys) else None
    return StateProof(
        "non-inclusion", section, key, header, others, len(records), total, left=left, right=right
    )


# --- verifying ---------------------------------------------------------------------


def _tree_root(section: str, witness: LeafWitness, size: int) -> SumNode:
    if section != witness.record.SECTION:
        raise ProofError(ReasonCode.PROOF_KEY_MISMATCH, "witness record is of another section")
    leaf = leaf_hash(witness.record)
    if isinstance(witness.record, Account):
        steps = [step for step in witness.path if isinstance(step, tuple)]
        if len(steps) != len(witness.path):
            raise ProofError(ReasonCode.PROOF_PATH_LENGTH, "accounts path needs (hash, sum) steps")
        return root_from_sum_path((leaf, witness.record.balance), witness.index, size, steps)
    hashes = [step for step in witness.path if isinstance(step, bytes)]
    if len(hashes) != len(witness.path):
        raise ProofError(ReasonCode.PROOF_PATH_LENGTH, "path steps must be hashes")
    return (root_from_path(leaf, witness.index, size, hashes), 0)


def verify_proof(proof: StateProof, expected_root: bytes) -> ProofOutcome:
    """Check ``proof`` against ``expected_root``; return what it proves.

    Raises :class:`~ailee.errors.ProofError` with the reason code of the first
    failed check.
    """
    section, size, key = proof.section, proof.tree_size, proof.key
    if proof.section_total < 0:
        raise ProofError(ReasonCode.PROOF_SUM_NEGATIVE, f"negative total {proof.section_total}")
    if proof.section_total > MAX_AMOUNT:
        raise ProofError(ReasonCode.PROOF_SUM_OVERFLOW, f"total {proof.section_total} too large")
    record: Record | None = None
    if proof.kind == "inclusion":
        if proof.leaf is None:
            raise ProofError(ReasonCode.PROOF_NOT_ADJACENT, "inclusion proof without a leaf")
        if proof.leaf.record.key() != key:
            raise ProofError(ReasonCode.PROOF_KEY_MISMATCH, "the record's key is not the key")
        tree, total = _tree_root(section, proof.leaf, size)
        record = proof.leaf.record
    else:
        tree, total = _non_inclusion_root(proof)
    if total != proof.section_total:
        raise ProofError(
            ReasonCode.PROOF_SUM_MISMATCH,
            f"proof states total {proof.section_total}, its path proves {total}",
        )
    roots = [
        section_root(section, size, total, tree)
        if name == section
        else proof.other_section_roots[name]
        for name in SECTION_NAMES
    ]
    root = state_root_from_parts(header_bytes(proof.header), roots)
    if root != expected_root:
        raise ProofError(
            ReasonCode.PROOF_ROOT_MISMATCH,
            f"proof recomputes to {root.hex()}, expected {expected_root.hex()}",
        )
    return ProofOutcome(proof.kind, section, key, record, total, size, proof.header, root)


def _non_inclusion_root(proof: StateProof) -> SumNode:
    left, right, size, key = proof.left, proof.right, proof.tree_size, proof.key
    if left is None and right is None:
        if size != 0:
            raise ProofError(ReasonCode.PROOF_NOT_ADJACENT, "no neighbours in a non-empty tree")
        return (EMPTY_ROOT, 0)
    if left is not None and right is not None and right.index != left.index + 1:
        raise ProofError(ReasonCode.PROOF_NOT_ADJACENT, "neighbours are not adjacent leaves")
    if left is None and right is not None and right.index != 0:
        raise ProofError(ReasonCode.PROOF_NOT_ADJACENT, "no left neighbour, but right is not first")
    if right is None and left is not None and left.index != size - 1:
        raise ProofError(ReasonCode.PROOF_NOT_ADJACENT, "no right neighbour, but left is not last")
    if left is not None and not left.record.key() < key:
        raise ProofError(ReasonCode.PROOF_KEY_ORDER, "left neighbour's key is not below the key")
    if right is not None and not key < right.record.key():
        raise ProofError(ReasonCode.PROOF_KEY_ORDER, "right neighbour's key is not above the key")
    results = [_tree_root(proof.section, w, size) for w in (left, right) if w is not None]
    if len(results) == 2 and results[0] != results[1]:
        raise ProofError(ReasonCode.PROOF_ROOT_MISMATCH, "neighbours prove different trees")
    return results[0]


# --- JSON form ---------------------------------------------------------------------


def _write_witness(witness: LeafWitness | None) -> JsonValue:
    if witness is None:
        return None
    path: list[JsonValue] = [
        {"hash": step[0].hex(), "sum": step[1]} if isinstance(step, tuple) else step.hex()
        for step in witness.path
    ]
    return {
        "index": witness.index,
        "record": write_fields(witness.record, Form.JSON),
        "path": path,
    }


def proof_to_json(proof: StateProof) -> dict[str, JsonValue]:
    """The JSON document of a proof (see ``docs/spec.md``, "Proof documents")."""
    doc: dict[str, JsonValue] = {
        "format": PROOF_FORMAT,
        "version": FORMAT_VERSION,
        "kind": proof.kind,
        "section": proof.section,
        "key": proof.key.hex(),
        "header": write_fields(proof.header, Form.JSON),
        "section_roots": {name: root.hex() for name, root in proof.other_section_roots.items()},
        "tree_size": proof.tree_size,
        "section_total": proof.section_total,
    }
    if proof.kind == "inclusion":
        doc["leaf"] = _write_witness(proof.leaf)
    else:
        doc["left"] = _write_witness(proof.left)
        doc["right"] = _write_witness(proof.right)
    return doc


def _int(value: object, path: str, maximum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise wrong_type(path, "integer", value)
    if not 0 <= value <= maximum:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"{path}: {value} not in [0, {maximum}]")
    return value


def _hash(value: object, path: str) -> bytes:
    if not isinstance(value, str):
        raise wrong_type(path, "hex string", value)
    raw = hex_to_bytes(value, path)
    if len(raw) != 32:
        raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, f"{path}: {len(raw)} bytes, expected 32")
    return raw


def _read_step(value: object, path: str, summed: bool) -> PathStep:
    if not summed:
        return _hash(value, path)
    step = expect_object(value, path, ("hash", "sum"))
    total = step["sum"]
    # Range is checked by verification (PROOF_SUM_NEGATIVE / PROOF_SUM_OVERFLOW).
    if not isinstance(total, int) or isinstance(total, bool):
        raise wrong_type(f"{path}.sum", "integer", total)
    return (_hash(step["hash"], f"{path}.hash"), total)


def _read_witness(value: object, path: str, section: str) -> LeafWitness | None:
    if value is None:
        return None
    obj = expect_object(value, path, ("index", "record", "path"))
    index = _int(obj["index"], f"{path}.index", MAX_RECORDS_PER_SECTION)
    record = read_fields(record_type(section), obj["record"], Form.JSON, f"{path}.record")
    steps = obj["path"]
    if not isinstance(steps, list):
        raise wrong_type(f"{path}.path", "array", steps)
    if len(steps) > MAX_PROOF_PATH:
        raise ProofError(ReasonCode.PROOF_PATH_LENGTH, f"{path}.path: over {MAX_PROOF_PATH} steps")
    summed = section == "accounts"
    path_steps = tuple(
        _read_step(step, f"{path}.path[{i}]", summed) for i, step in enumerate(steps)
    )
    return LeafWitness(index, record, path_steps)


def proof_from_json(doc: JsonValue) -> StateProof:
    """Read a proof document (already parsed by :func:`ailee.jsoncodec.loads`). Strict."""
    if not isinstance(doc, dict):
        raise wrong_type("proof", "object", doc)
    check_version(doc, "proof", FORMAT_VERSION)
    kind = doc.get("kind")
    if kind not in _KINDS:
        if "kind" not in doc:
            raise DecodeError(ReasonCode.SCHEMA_MISSING_FIELD, "proof: missing field 'kind'")
        raise DecodeError(ReasonCode.ENUM_UNKNOWN_VALUE, f"proof.kind: {kind!r}")
    common = (
        "format", "version", "kind", "section", "key", "header",
        "section_roots", "tree_size", "section_total",
    )  # fmt: skip
    leaves = ("leaf",) if kind == "inclusion" else ("left", "right")
    obj = expect_object(doc, "proof", common + leaves)
    if obj["format"] != PROOF_FORMAT:
        raise DecodeError(ReasonCode.SCHEMA_BAD_FORMAT, f"proof.format: not {PROOF_FORMAT!r}")
    if _int(obj["version"], "proof.version", 2**53) != FORMAT_VERSION:
        raise DecodeError(ReasonCode.SCHEMA_UNSUPPORTED_VERSION, "proof.version: not 2")
    section = obj["section"]
    if not isinstance(section, str):
        raise wrong_type("proof.section", "string", section)
    record_type(section)
    key_text = obj["key"]
    if not isinstance(key_text, str):
        raise wrong_type("proof.key", "hex string", key_text)
    key = hex_to_bytes(key_text, "proof.key")
    header = read_fields(Header, obj["header"], Form.JSON, "proof.header")
    others = [name for name in SECTION_NAMES if name != section]
    roots_obj = expect_object(obj["section_roots"], "proof.section_roots", tuple(others))
    roots = {name: _hash(roots_obj[name], f"proof.section_roots.{name}") for name in others}
    size = _int(obj["tree_size"], "proof.tree_size", MAX_RECORDS_PER_SECTION)
    total = obj["section_total"]
    if not isinstance(total, int) or isinstance(total, bool):
        raise wrong_type("proof.section_total", "integer", total)
    witnesses = {name: _read_witness(obj[name], f"proof.{name}", section) for name in leaves}
    if kind == "inclusion" and witnesses["leaf"] is None:
        raise wrong_type("proof.leaf", "object", None)
    return StateProof(
        kind=kind,
        section=section,
        key=key,
        header=header,
        other_section_roots=roots,
        tree_size=size,
        section_total=total,
        **witnesses,
    )
