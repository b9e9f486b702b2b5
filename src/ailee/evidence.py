"""Anchor evidence: proof that a snapshot's anchors are committed in Bitcoin.

An evidence document (JSON, format ``ailee-anchor-evidence``, layout in
``docs/spec.md`` section 16) carries, for a network and a trusted checkpoint (or
genesis): one or more competing header chains, and for each anchor it proves, the raw
anchoring transaction, its ``gettxoutproof`` bytes, the index of the committing output,
and for a Taproot output the internal key and the anchor leaf's Merkle path.

Verifying an item means: the most-work header chain is valid (:mod:`ailee.headerchain`);
the transaction is in it with enough confirmations (:mod:`ailee.spv`); the anchor
record of that sequence is in the snapshot's anchors section; and the named output
commits to that record's commitment, as an OP_RETURN anchor script or a Taproot
anchor leaf (:mod:`ailee.anchors`). Pure: the caller reads the file.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ailee import jsoncodec
from ailee.anchors import MAX_TAPROOT_PATH, parse_anchor_script, verify_taproot_anchor
from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.fields import check_id, check_version, expect_object, wrong_type
from ailee.fields import read_hex as _hex
from ailee.fields import read_list as _list
from ailee.fields import read_uint as _uint
from ailee.headerchain import Checkpoint, HeaderChain, best_chain, verify_header_chain
from ailee.headers import HEADER_SIZE
from ailee.limits import MAX_HEADERS
from ailee.networks import network
from ailee.spv import SpvResult, verify_txoutproof
from ailee.transactions import parse_transaction

if TYPE_CHECKING:
    from ailee.state import Anchor, L2State, PegIn, PegOut

__all__ = [
    "EVIDENCE_FORMAT",
    "EVIDENCE_VERSION",
    "AnchorEvidence",
    "AnchorProof",
    "EvidenceItem",
    "PegEvidence",
    "evidence_from_json",
    "evidence_to_json",
    "prove_anchor",
    "verify_anchor_item",
    "verify_evidence_chain",
    "verify_pegin_item",
    "verify_pegout_item",
]

EVIDENCE_FORMAT: Final = "ailee-anchor-evidence"
EVIDENCE_VERSION: Final = 1
#: Most competing header chains in one evidence document.
MAX_HEADER_CHAINS: Final = 16
#: Most anchor items in one evidence document.
MAX_EVIDENCE_ITEMS: Final = 10_000


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """Evidence for one anchor: the transaction, its proof and the committing output."""

    sequence: int
    tx: bytes
    txoutproof: bytes
    vout: int
    #: For a Taproot anchor: the internal key and the anchor leaf's Merkle path.
    taproot: tuple[bytes, tuple[bytes, ...]] | None


@dataclass(frozen=True, slots=True)
class PegEvidence:
    """Evidence for a peg-in (``pegout`` None: the deposit output ``vout`` of ``tx``) or
    for a confirmed peg-out (``pegout`` its id: output ``vout`` of ``tx`` pays it)."""

    tx: bytes
    txoutproof: bytes
    vout: int
    pegout: str | None = None


@dataclass(frozen=True, slots=True)
class AnchorEvidence:
    """A parsed evidence document."""

    network: str
    checkpoint: Checkpoint | None
    header_chains: tuple[bytes, ...]
    items: tuple[EvidenceItem, ...]
    pegins: tuple[PegEvidence, ...] = ()
    pegouts: tuple[PegEvidence, ...] = ()


@dataclass(frozen=True, slots=True)
class AnchorProof:
    """What one evidence item proved."""

    anchor: Anchor
    #: "op_return" or "taproot".
    form: str
    #: The anchoring transaction's txid (internal order).
    txid: bytes
    spv: SpvResult


def _item(value: Any, path: str) -> EvidenceItem:
    obj = expect_object(value, path, ("sequence", "tx", "txoutproof", "vout", "taproot"))
    sequence = _uint(obj["sequence"], f"{path}.sequence")
    tx = _hex(obj["tx"], f"{path}.tx")
    txoutproof = _hex(obj["txoutproof"], f"{path}.txoutproof")
    vout = _uint(obj["vout"], f"{path}.vout", 0xFFFF_FFFF)
    taproot = None
    if obj["taproot"] is not None:
        tap = expect_object(obj["taproot"], f"{path}.taproot", ("internal_key", "path"))
        internal_key = _hex(tap["internal_key"], f"{path}.taproot.internal_key", 32)
        steps = tap["path"]
        if not isinstance(steps, list):
            raise wrong_type(f"{path}.taproot.path", "array", steps)
        if len(steps) > MAX_TAPROOT_PATH:
            raise DecodeError(
                ReasonCode.TAPROOT_PATH_TOO_LONG,
                f"{path}.taproot.path: more than {MAX_TAPROOT_PATH} hashes",
            )
        taproot = (
            internal_key,
            tuple(_hex(h, f"{path}.taproot.path[{k}]", 32) for k, h in enumerate(steps)),
        )
    return EvidenceItem(sequence, tx, txoutproof, vout, taproot)


def _peg_item(value: Any, path: str, *, pegout: bool) -> PegEvidence:
    names = ("id", "tx", "txoutproof", "vout") if pegout else ("tx", "txoutproof", "vout")
    obj = expect_object(value, path, names)
    tx = _hex(obj["tx"], f"{path}.tx")
    txoutproof = _hex(obj["txoutproof"], f"{path}.txoutproof")
    vout = _uint(obj["vout"], f"{path}.vout", 0xFFFF_FFFF)
    if not pegout:
        return PegEvidence(tx, txoutproof, vout)
    if not isinstance(obj["id"], str):
        raise wrong_type(f"{path}.id", "string", obj["id"])
    return PegEvidence(tx, txoutproof, vout, check_id(obj["id"], f"{path}.id"))


def evidence_from_json(data: bytes) -> AnchorEvidence:
    """Read an evidence document strictly (DecodeError with the field's path). The
    ``pegins`` and ``pegouts`` lists are optional."""
    doc = jsoncodec.loads(data)
    check_version(doc, "evidence", EVIDENCE_VERSION)
    fields = ("format", "version", "network", "checkpoint", "header_chains", "anchors")
    optional = tuple(n for n in ("pegins", "pegouts") if isinstance(doc, dict) and n in doc)
    obj = expect_object(doc, "evidence", fields + optional)
    if not isinstance(obj["format"], str):
        raise wrong_type("evidence.format", "string", obj["format"])
    if obj["format"] != EVIDENCE_FORMAT:
        raise DecodeError(ReasonCode.SCHEMA_BAD_FORMAT, f"evidence.format: not {EVIDENCE_FORMAT!r}")
    if _uint(obj["version"], "evidence.version") != EVIDENCE_VERSION:
        raise DecodeError(ReasonCode.SCHEMA_UNSUPPORTED_VERSION, "evidence.version: not 1")
    name = obj["network"]
    if not isinstance(name, str):
        raise wrong_type("evidence.network", "string", name)
    network(name)
    checkpoint = None
    if obj["checkpoint"] is not None:
        if not isinstance(obj["checkpoint"], str):
            raise wrong_type("evidence.checkpoint", "string or null", obj["checkpoint"])
        checkpoint = Checkpoint.parse(obj["checkpoint"])
    chains = []
    for k, chain in enumerate(
        _list(obj["header_chains"], "evidence.header_chains", MAX_HEADER_CHAINS)
    ):
        headers = _list(chain, f"evidence.header_chains[{k}]", MAX_HEADERS)
        chains.append(
            b"".join(
                _hex(h, f"evidence.header_chains[{k}][{j}]", HEADER_SIZE)
                for j, h in enumerate(headers)
            )
        )
    items = tuple(
        _item(value, f"evidence.anchors[{k}]")
        for k, value in enumerate(_list(obj["anchors"], "evidence.anchors", MAX_EVIDENCE_ITEMS))
    )
    sequences = [item.sequence for item in items]
    if any(a >= b for a, b in itertools.pairwise(sequences)):
        raise DecodeError(
            ReasonCode.LIST_NOT_SORTED_UNIQUE,
            "evidence.anchors: sequences must be strictly ascending",
        )
    pegs = {
        kind: tuple(
            _peg_item(value, f"evidence.{kind}[{k}]", pegout=kind == "pegouts")
            for k, value in enumerate(_list(obj[kind], f"evidence.{kind}", MAX_EVIDENCE_ITEMS))
        )
        for kind in optional
    }
    return AnchorEvidence(
        name, checkpoint, tuple(chains), items, pegs.get("pegins", ()), pegs.get("pegouts", ())
    )


def evidence_to_json(evidence: AnchorEvidence) -> str:
    """The canonical JSON text of an evidence document."""
    doc: dict[str, Any] = {
        "format": EVIDENCE_FORMAT,
        "version": EVIDENCE_VERSION,
        "network": evidence.network,
        "checkpoint": None if evidence.checkpoint is None else str(evidence.checkpoint),
        "header_chains": [
            [chain[k : k + HEADER_SIZE].hex() for k in range(0, len(chain), HEADER_SIZE)]
            for chain in evidence.header_chains
        ],
        "anchors": [
            {
                "sequence": item.sequence,
                "tx": item.tx.hex(),
                "txoutproof": item.txoutproof.hex(),
                "vout": item.vout,
                "taproot": None
                if item.taproot is None
                else {
                    "internal_key": item.taproot[0].hex(),
                    "path": [h.hex() for h in item.taproot[1]],
                },
            }
            for item in evidence.items
        ],
    }
    if evidence.pegins:
        doc["pegins"] = [
            {"tx": p.tx.hex(), "txoutproof": p.txoutproof.hex(), "vout": p.vout}
            for p in evidence.pegins
        ]
    if evidence.pegouts:
        doc["pegouts"] = [
            {"id": p.pegout, "tx": p.tx.hex(), "txoutproof": p.txoutproof.hex(), "vout": p.vout}
            for p in evidence.pegouts
        ]
    return jsoncodec.dumps(doc)


def verify_evidence_chain(evidence: AnchorEvidence, now: int | None = None) -> HeaderChain:
    """Verify every header chain of the evidence; return the one with the most work.

    ``now`` (Unix seconds) enables the future-timestamp rule.
    """
    params = network(evidence.network)
    chains = [
        verify_header_chain(headers, params, evidence.checkpoint, now)
        for headers in evidence.header_chains
    ]
    return best_chain(chains)


def verify_anchor_item(
    state: L2State, item: EvidenceItem, chain: HeaderChain, min_confirmations: int
) -> AnchorProof:
    """Check one item: the anchor exists, its transaction is confirmed in ``chain``,
    and the named output commits to the anchor's commitment."""
    anchor = next((a for a in state.anchors if a.sequence == item.sequence), None)
    if anchor is None:
        raise VerificationError(
            ReasonCode.EVIDENCE_ANCHOR_UNKNOWN,
            f"the snapshot has no anchor of sequence {item.sequence}",
        )
    return prove_anchor(anchor, item, chain, min_confirmations)


def prove_anchor(
    anchor: Anchor, item: EvidenceItem, chain: HeaderChain, min_confirmations: int
) -> AnchorProof:
    """Check that ``item``'s transaction is confirmed in ``chain`` (at least
    ``min_confirmations``) and that its named output commits to ``anchor``'s commitment
    (an OP_RETURN anchor script or a Taproot anchor leaf). The anchor record is the
    caller's (a snapshot's anchors section, or an exit claim's)."""
    spv = verify_txoutproof(
        item.txoutproof, chain, raw_tx=item.tx, min_confirmations=min_confirmations
    )
    transaction = parse_transaction(item.tx)
    output = transaction.output(item.vout)
    if item.taproot is None:
        try:
            committed = parse_anchor_script(output.script_pubkey)
        except DecodeError as exc:
            # A well-formed output that is not an anchor: the evidence is wrong, not
            # malformed.
            raise VerificationError(exc.code, f"output {item.vout}: {exc.message}") from None
        if committed != anchor.commitment:
            raise VerificationError(
                ReasonCode.EVIDENCE_NO_COMMITMENT,
                f"output {item.vout} commits to {committed.hex()}, the anchor of sequence "
                f"{anchor.sequence} is {anchor.commitment.hex()}",
            )
        form = "op_return"
    else:
        internal_key, path = item.taproot
        verify_taproot_anchor(output.script_pubkey, internal_key, anchor.commitment, path)
        form = "taproot"
    return AnchorProof(anchor, form, transaction.txid, spv)


def verify_pegin_item(
    state: L2State, item: PegEvidence, chain: HeaderChain
) -> tuple[PegIn, SpvResult]:
    """A deposit: its transaction is in ``chain`` with the confirmations its federation
    epoch requires (SPV codes), the snapshot has a peg-in of that outpoint
    (EVIDENCE_PEGIN_UNKNOWN), the output pays one of the epoch's deposit scripts
    (PEGIN_NOT_TO_DEPOSIT) and exactly the peg-in's amount (TX_OUTPUT_AMOUNT_MISMATCH)."""
    transaction = parse_transaction(item.tx)
    txid = transaction.txid[::-1]  # peg-in records hold the display order
    pegin = next((p for p in state.pegins if (p.btc_txid, p.vout) == (txid, item.vout)), None)
    if pegin is None:
        raise VerificationError(
            ReasonCode.EVIDENCE_PEGIN_UNKNOWN,
            f"the snapshot has no peg-in {txid.hex()}:{item.vout}",
        )
    from ailee.bridge import epoch_of

    config = epoch_of(state.federation, pegin.epoch)
    if config is None:
        raise VerificationError(
            ReasonCode.PEGIN_EPOCH_UNKNOWN, f"no federation epoch {pegin.epoch}"
        )
    spv = verify_txoutproof(
        item.txoutproof, chain, raw_tx=item.tx, min_confirmations=config.min_confirmations
    )
    output = transaction.output(item.vout)
    if output.script_pubkey not in config.deposit_scripts:
        raise VerificationError(
            ReasonCode.PEGIN_NOT_TO_DEPOSIT,
            f"output {item.vout} pays {output.script_pubkey.hex()}, not a deposit script of "
            f"federation epoch {pegin.epoch}",
        )
    transaction.check_output(item.vout, amount=pegin.amount)
    return pegin, spv


def verify_pegout_item(
    state: L2State, item: PegEvidence, chain: HeaderChain, min_confirmations: int
) -> tuple[PegOut, SpvResult]:
    """A confirmed peg-out: the snapshot has it, confirmed, with this transaction's txid
    (EVIDENCE_PEGOUT_UNKNOWN, PEGOUT_TXID_MISMATCH); the transaction is in ``chain``
    (SPV codes) and output ``vout`` pays the authorized destination exactly the
    authorized amount (TX_OUTPUT_SCRIPT_MISMATCH, TX_OUTPUT_AMOUNT_MISMATCH)."""
    pegout = next((p for p in state.pegouts if p.id == item.pegout), None)
    if pegout is None or pegout.status != "confirmed":
        raise VerificationError(
            ReasonCode.EVIDENCE_PEGOUT_UNKNOWN,
            f"the snapshot has no confirmed peg-out {item.pegout}",
        )
    transaction = parse_transaction(item.tx)
    if pegout.btc_txid != transaction.txid[::-1]:
        raise VerificationError(
            ReasonCode.PEGOUT_TXID_MISMATCH,
            f"peg-out {pegout.id} names {pegout.btc_txid.hex() if pegout.btc_txid else None}, "
            f"the transaction is {transaction.txid[::-1].hex()}",
        )
    spv = verify_txoutproof(
        item.txoutproof, chain, raw_tx=item.tx, min_confirmations=min_confirmations
    )
    transaction.check_output(item.vout, amount=pegout.amount, script_pubkey=pegout.btc_destination)
    return pegout, spv
