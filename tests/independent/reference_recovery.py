"""A second implementation of docs/recovery.md (exit claims) and spec 16.10 (evidence).

Written from the documents alone (docs/recovery.md sections 2-7, docs/spec.md 9, 15,
16.10 and 19), reusing the other second implementations: ``reference`` (CBOR, records,
proofs, anchors), ``reference_bitcoin`` (header chains, SPV, transactions) and
``reference_bridge`` (quorums, federation epochs, dust). Every check raises
``Rejected(code)`` with the code of its first fault, in the documented order.

Where the documents leave a choice open, the choice made here is marked ``ASSUMED``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from tests.independent import reference as ref
from tests.independent import reference_bitcoin as btc
from tests.independent import reference_bridge as bridge
from tests.independent.reference import B32, B96, Rejected, exact_fields, is_int

# --- spec 16.10: anchor evidence documents -------------------------------------------------

EVIDENCE_FIELDS = ["format", "version", "network", "checkpoint", "header_chains", "anchors"]
EVIDENCE_OPTIONAL = ["pegins", "pegouts"]
MAX_CHAINS = 16
MAX_ITEMS = 10_000
ANY_BYTES = ref.k_bytes(0, 2**64)


def _int(v: Any, lo: int, hi: int) -> int:
    if not is_int(v):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if not lo <= v <= hi:
        raise Rejected("INT_OUT_OF_RANGE")
    return int(v)


def _hex(v: Any, lo: int = 0, hi: int = 2**64) -> bytes:
    """16.10: not a string, HEX_INVALID, then a wrong length."""
    return bytes(ref.k_bytes(lo, hi)(v, True))


@dataclass
class AnchorItem:
    sequence: int
    tx: bytes
    txoutproof: bytes
    vout: int
    taproot: tuple[bytes, list[bytes]] | None


@dataclass
class Evidence:
    network: btc.Network
    checkpoint: str | None
    chains: list[bytes]
    anchors: dict[int, AnchorItem]


def _read_anchor_item(obj: Any) -> AnchorItem:
    exact_fields(obj, ["sequence", "tx", "txoutproof", "vout", "taproot"])
    sequence = _int(obj["sequence"], 0, 2**53 - 1)
    tx = _hex(obj["tx"])
    proof = _hex(obj["txoutproof"])
    vout = _int(obj["vout"], 0, 2**32 - 1)
    taproot = None
    if obj["taproot"] is not None:
        t = exact_fields(obj["taproot"], ["internal_key", "path"])
        key = _hex(t["internal_key"], 32, 32)
        if not isinstance(t["path"], list):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if len(t["path"]) > 128:
            raise Rejected("TAPROOT_PATH_TOO_LONG")
        taproot = (key, [_hex(h, 32, 32) for h in t["path"]])
    return AnchorItem(sequence, tx, proof, vout, taproot)


def _read_peg_item(obj: Any, with_id: bool) -> None:
    names = (["id"] if with_id else []) + ["tx", "txoutproof", "vout"]
    exact_fields(obj, names)
    if with_id:
        ref.k_id(obj["id"], True)
    _hex(obj["tx"])
    _hex(obj["txoutproof"])
    _int(obj["vout"], 0, 2**32 - 1)


def read_evidence(doc: Any) -> Evidence:
    """Spec 16.10, reading steps 2-11 (step 1, strict JSON, is the caller's: a value here)."""
    if isinstance(doc, dict) and is_int(doc.get("version")) and doc["version"] != 1:
        raise Rejected("SCHEMA_UNSUPPORTED_VERSION")
    if not isinstance(doc, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    exact_fields(doc, EVIDENCE_FIELDS + [n for n in EVIDENCE_OPTIONAL if n in doc])
    if not isinstance(doc["format"], str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if doc["format"] != "ailee-anchor-evidence":
        raise Rejected("SCHEMA_BAD_FORMAT")
    if not is_int(doc["version"]):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if not isinstance(doc["network"], str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if doc["network"] not in btc.NETWORKS:
        raise Rejected("NETWORK_UNKNOWN")
    checkpoint = doc["checkpoint"]
    if checkpoint is not None:
        if not isinstance(checkpoint, str):
            raise Rejected("SCHEMA_WRONG_TYPE")
        btc.parse_checkpoint(checkpoint)
    chains_doc = doc["header_chains"]
    if not isinstance(chains_doc, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if len(chains_doc) > MAX_CHAINS:
        raise Rejected("INPUT_TOO_LARGE")
    chains = []
    for chain in chains_doc:
        if not isinstance(chain, list):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if len(chain) > btc.MAX_HEADERS:
            raise Rejected("INPUT_TOO_LARGE")
        chains.append(b"".join(_hex(h, 80, 80) for h in chain))
    items_doc = doc["anchors"]
    if not isinstance(items_doc, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if len(items_doc) > MAX_ITEMS:
        raise Rejected("INPUT_TOO_LARGE")
    items = [_read_anchor_item(x) for x in items_doc]
    if any(a.sequence >= b.sequence for a, b in itertools.pairwise(items)):
        raise Rejected("LIST_NOT_SORTED_UNIQUE")
    for name in EVIDENCE_OPTIONAL:
        if name not in doc:
            continue
        if not isinstance(doc[name], list):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if len(doc[name]) > MAX_ITEMS:
            raise Rejected("INPUT_TOO_LARGE")
        for x in doc[name]:
            _read_peg_item(x, name == "pegouts")
    return Evidence(btc.NETWORKS[doc["network"]], checkpoint, chains,
                    {a.sequence: a for a in items})  # fmt: skip


def selected_chain(evidence: Evidence) -> btc.Chain:
    """16.10 verification step 2: every chain verified, the most-work one selected (no `now`)."""
    return btc.best_chain(evidence.network, evidence.checkpoint, evidence.chains, None)


def tx_outputs(raw: bytes) -> list[tuple[int, bytes]]:
    """The (amount, scriptPubKey) outputs of a transaction 16.8 has already accepted."""
    r = btc.Reader(raw, fault="TX_MALFORMED")
    r.take(4)
    if raw[4:6] == b"\x00\x01":
        r.take(2)
    for _ in range(r.compact_size()):
        r.take(36)
        r.take(r.compact_size())
        r.take(4)
    outputs = []
    for _ in range(r.compact_size()):
        amount = int.from_bytes(r.take(8), "little", signed=True)
        outputs.append((amount, r.take(r.compact_size())))
    return outputs


def prove_anchor(chain: btc.Chain, item: AnchorItem, commitment: bytes, confirmations: int) -> int:
    """16.10 verification step 3.2-3.4 for one item; returns the anchor's block height."""
    spv = btc.verify_spv(chain, item.txoutproof, item.tx, confirmations)
    outputs = tx_outputs(item.tx)
    if item.vout >= len(outputs):
        raise Rejected("TX_OUTPUT_MISSING")
    script = outputs[item.vout][1]
    if item.taproot is None:
        if ref.parse_anchor_script(script) != commitment:
            raise Rejected("EVIDENCE_NO_COMMITMENT")
    else:
        ref.verify_taproot_anchor(script, item.taproot[0], commitment, item.taproot[1])
    return spv.height


# --- recovery.md 2-3: parameters, messages, identities -------------------------------------


def validator_set(validators: list[bytes]) -> bytes:
    return ref.th("ailee/v2/recovery/validators", b"".join(validators))


def recovery_metadata(params: dict[str, Any]) -> bytes:
    body = {"version": 1, "challenge_blocks": params["challenge_blocks"],
            "anchor_confirmations": params["anchor_confirmations"],
            "validator_set": validator_set(params["validators"])}  # fmt: skip
    return ref.th("ailee/v2/recovery/params", ref.cbor_encode(body))


def approval_threshold(n: int) -> int:
    return (2 * n + 2) // 3


def attestation_message(commitment: bytes) -> bytes:
    return ref.th("ailee/v2/anchor/attestation", commitment)


def fingerprint(epoch0: dict[str, Any]) -> bytes:
    return ref.leaf("federation", epoch0)


def claim_id(chain_id: str, commitment: bytes, account: str, amount: int, dest: bytes) -> str:
    body = {"chain_id": chain_id, "anchor": commitment, "account": account, "amount": amount,
            "destination": dest}  # fmt: skip
    return ref.th("ailee/v2/recovery/claim", ref.cbor_encode(body)).hex()


def approval_message(cid: str) -> bytes:
    return ref.th("ailee/v2/recovery/approval", bytes.fromhex(cid))


# --- recovery.md 7: reading claim documents -----------------------------------------------

MAX_EVENTS = 1000
MAX_LIST = 1000
ACTIONS = ("submit", "accept", "dispute", "approve", "pay")
EVENT_FIELDS = {"submit": [], "accept": [], "dispute": ["dispute"], "approve": ["approvals"],
                "pay": ["txid"]}  # fmt: skip
CLAIM_FIELDS = ["chain_id", "anchor", "proof", "destination", "recovery", "federation",
                "attestation"]  # fmt: skip


def _sorted(inner: Any) -> Any:
    """recovery.md 2, 3, 7: a list (SCHEMA_WRONG_TYPE) of at most 1,000 items
    (INPUT_TOO_LARGE), each read, ascending and distinct (LIST_NOT_SORTED_UNIQUE)."""

    def read(v: Any, json_form: bool) -> list[Any]:
        if not isinstance(v, list):
            raise Rejected("SCHEMA_WRONG_TYPE")
        if len(v) > MAX_LIST:
            raise Rejected("INPUT_TOO_LARGE")
        out = [inner(x, json_form) for x in v]
        if any(not a < b for a, b in itertools.pairwise(out)):
            raise Rejected("LIST_NOT_SORTED_UNIQUE")
        return out

    return read


ENTRIES = _sorted(B96)


def _is_point(key: bytes) -> bool:
    """A BIP340 public key: an x coordinate below p with x^3 + 7 a square mod p."""
    p = 2**256 - 2**32 - 977
    x = int.from_bytes(key, "big")
    if x >= p:
        return False
    y2 = (pow(x, 3, p) + 7) % p
    return pow(y2, (p - 1) // 2, p) in (0, 1)


def read_proof(doc: Any) -> dict[str, Any]:
    """Spec 9.1 reading only (9.2 is ``ref.verify_proof`` on the same document)."""
    p = ref.read_proof(doc)
    leaf = p["witnesses"].get("leaf")
    return {"doc": doc, "kind": p["kind"], "section": p["section"], "key": p["key"],
            "header": p["header"], "record": None if leaf is None else leaf[1]}  # fmt: skip


def _read_federation(v: Any) -> list[dict[str, Any]]:
    if not isinstance(v, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if len(v) > MAX_LIST:
        raise Rejected("INPUT_TOO_LARGE")  # recovery.md 7
    return [ref.read_record("federation", r, True) for r in v]


def read_claim(obj: Any) -> dict[str, Any]:
    """The `claim` object of recovery.md 7, fields in the order of its table."""
    exact_fields(obj, CLAIM_FIELDS)
    out: dict[str, Any] = {"chain_id": ref.k_id(obj["chain_id"], True)}
    out["anchor"] = ref.read_record("anchors", obj["anchor"], True)
    out["proof"] = read_proof(obj["proof"])
    # recovery.md 4: 1 to 10,000 bytes when read.
    out["destination"] = ref.k_bytes(1, 10_000)(obj["destination"], True)
    params = exact_fields(obj["recovery"], ["challenge_blocks", "anchor_confirmations",
                                            "validators"])  # fmt: skip
    out["recovery"] = {
        "challenge_blocks": ref.k_uint(1, 1_000_000)(params["challenge_blocks"], True),
        "anchor_confirmations": ref.k_uint(1, 100_000)(params["anchor_confirmations"], True),
        "validators": _sorted(B32)(params["validators"], True),
    }
    if not all(_is_point(key) for key in out["recovery"]["validators"]):
        raise Rejected("CLAIM_VALIDATOR_INVALID")
    out["federation"] = _read_federation(obj["federation"])
    out["attestation"] = ENTRIES(obj["attestation"], True)
    return out


def read_dispute(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if "kind" not in obj:
        raise Rejected("SCHEMA_MISSING_FIELD")
    kind = ref.k_enum("later_state", "double_claim")(obj["kind"], True)
    if kind == "later_state":
        exact_fields(obj, ["kind", "anchor", "proof", "attestation", "federation"])
        return {"kind": kind,
                "anchor": ref.read_record("anchors", obj["anchor"], True),
                "proof": read_proof(obj["proof"]),
                "attestation": ENTRIES(obj["attestation"], True),
                "federation": None if obj["federation"] is None
                else _read_federation(obj["federation"])}  # fmt: skip
    exact_fields(obj, ["kind", "claim", "approvals"])
    return {"kind": kind, "claim": read_claim(obj["claim"]),
            "approvals": ENTRIES(obj["approvals"], True)}  # fmt: skip


def read_event(obj: Any) -> dict[str, Any]:
    # ASSUMED (like a proof's `kind`, spec 9.1): `action` first, which decides the field set.
    if not isinstance(obj, dict):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if "action" not in obj:
        raise Rejected("SCHEMA_MISSING_FIELD")
    action = ref.k_enum(*ACTIONS)(obj["action"], True)
    extra = EVENT_FIELDS[action]
    exact_fields(obj, ["height", "action", *extra])
    event: dict[str, Any] = {"height": ref.k_uint()(obj["height"], True), "action": action}
    if action == "dispute":
        event["dispute"] = read_dispute(obj["dispute"])
    elif action == "approve":
        event["approvals"] = ENTRIES(obj["approvals"], True)
    elif action == "pay":
        event["txid"] = B32(obj["txid"], True)
    return event


def read_claim_document(doc: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """recovery.md 7. ASSUMED reading order, that of an evidence document (16.10)."""
    if isinstance(doc, dict) and is_int(doc.get("version")) and doc["version"] != 1:
        raise Rejected("SCHEMA_UNSUPPORTED_VERSION")
    exact_fields(doc, ["format", "version", "claim", "events"])
    if not isinstance(doc["format"], str):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if doc["format"] != "ailee-exit-claim":
        raise Rejected("SCHEMA_BAD_FORMAT")
    if not is_int(doc["version"]):
        raise Rejected("SCHEMA_WRONG_TYPE")
    claim = read_claim(doc["claim"])
    events = doc["events"]
    if not isinstance(events, list):
        raise Rejected("SCHEMA_WRONG_TYPE")
    if len(events) > MAX_EVENTS:
        raise Rejected("INPUT_TOO_LARGE")
    return claim, [read_event(e) for e in events]


# --- recovery.md 4: verifying a claim ------------------------------------------------------


@dataclass
class Context:
    evidence: Evidence
    chain: btc.Chain
    pinned: bytes | None


@dataclass
class Verified:
    id: str
    chain_id: str
    account: str
    amount: int
    commitment: bytes
    sequence: int
    total: int
    block_height: int
    params: dict[str, Any]
    epochs: list[dict[str, Any]]


def check_federation(epochs: list[dict[str, Any]], pinned: bytes | None) -> None:
    """Step 1."""
    if not epochs:
        raise Rejected("FEDERATION_EPOCH_ORDER")
    fault = bridge.check_federation(epochs)
    if fault:
        raise Rejected(fault)
    if pinned is not None and fingerprint(epochs[0]) != pinned:
        raise Rejected("CLAIM_FEDERATION_MISMATCH")


def _item(ctx: Context, sequence: int) -> AnchorItem:
    """Step 4."""
    item = ctx.evidence.anchors.get(sequence)
    if item is None:
        raise Rejected("EVIDENCE_ANCHOR_UNKNOWN")
    return item


def _anchored_state(
    ctx: Context,
    chain_id: str,
    anchor: dict[str, Any],
    item: AnchorItem,
    *,
    proof: dict[str, Any],
    attestation: list[bytes],
    epochs: list[dict[str, Any]],
    confirmations: int,
) -> tuple[int, int]:
    """Steps 5-8; returns (proven total, anchor block height)."""
    # 5. the commitment
    if ref.anchor_hash(chain_id, anchor) != anchor["commitment"]:
        raise Rejected("ANCHOR_COMMITMENT_MISMATCH")
    # 6. the attestation, by the epoch in force at the anchor's sequence
    epoch = bridge.in_force(epochs, anchor["sequence"])
    if epoch is None:  # cannot happen after step 1 (epoch 0 is in force from 0)
        raise Rejected("FEDERATION_EPOCH_ORDER")
    fault = bridge.quorum(attestation, epoch, attestation_message(anchor["commitment"]))
    if fault:
        raise Rejected(fault)
    # 7. the proof: accounts of chain_id at the anchor's sequence, under its state root
    header = proof["header"]
    if (proof["section"] != "accounts" or header["chain_id"] != chain_id
            or header["sequence"] != anchor["sequence"]):  # fmt: skip
        raise Rejected("CLAIM_PROOF_MISMATCH")
    _, total = ref.verify_proof(proof["doc"], anchor["state_root"])
    # 8. the evidence item proves the anchor
    height = prove_anchor(ctx.chain, item, anchor["commitment"], confirmations)
    return total, height


def verify_claim(claim: dict[str, Any], ctx: Context) -> Verified:
    """recovery.md 4, steps 1-10 in order."""
    anchor, proof, params = claim["anchor"], claim["proof"], claim["recovery"]
    check_federation(claim["federation"], ctx.pinned)  # 1
    if recovery_metadata(params) != anchor["recovery_metadata"]:  # 2
        raise Rejected("CLAIM_PARAMS_MISMATCH")
    if proof["kind"] != "inclusion":  # 3
        raise Rejected("CLAIM_PROOF_MISMATCH")
    item = _item(ctx, anchor["sequence"])  # 4
    total, height = _anchored_state(
        ctx,
        claim["chain_id"],
        anchor,
        item,
        proof=proof,
        attestation=claim["attestation"],
        epochs=claim["federation"],
        confirmations=params["anchor_confirmations"],
    )  # 5-8
    record = proof["record"]
    amount = record["balance"]
    if amount <= 0:  # 9
        raise Rejected("CLAIM_AMOUNT_ZERO")
    dest = claim["destination"]  # 10
    if (not 1 <= len(dest) <= 10_000 or dest[0] == 0x6A
            or amount < bridge.dust_threshold(dest)):  # fmt: skip
        raise Rejected("CLAIM_DESTINATION_INVALID")
    cid = claim_id(claim["chain_id"], anchor["commitment"], record["id"], amount, dest)
    return Verified(cid, claim["chain_id"], record["id"], amount, anchor["commitment"],
                    anchor["sequence"], total, height, params, claim["federation"])  # fmt: skip


# --- recovery.md 6: disputes ------------------------------------------------------------------


def check_dispute(dispute: dict[str, Any], entry: Entry, ctx: Context, height: int) -> None:
    v = entry.claim
    if dispute["kind"] == "later_state":
        epochs = v.epochs
        if dispute["federation"] is not None:
            epochs = dispute["federation"]
            # ASSUMED: the codes of step 1 for epochs that do not verify; only a different
            # epoch 0 is CLAIM_DISPUTE_INVALID. The pin is checked as in step 1.
            check_federation(epochs, ctx.pinned)
            if epochs[0] != v.epochs[0]:
                raise Rejected("CLAIM_DISPUTE_INVALID")
        anchor = dispute["anchor"]
        if anchor["sequence"] <= v.sequence:
            raise Rejected("CLAIM_DISPUTE_INVALID")
        item = _item(ctx, anchor["sequence"])
        proof = dispute["proof"]
        if proof["key"] != v.account.encode():
            raise Rejected("CLAIM_DISPUTE_INVALID")
        _anchored_state(ctx, v.chain_id, anchor, item, proof=proof,
                        attestation=dispute["attestation"], epochs=epochs,
                        confirmations=v.params["anchor_confirmations"])  # fmt: skip
        # recovery.md 6: confirmed at the dispute's own height as well.
        block = prove_anchor(ctx.chain, item, anchor["commitment"], 1)
        if height - block + 1 < v.params["anchor_confirmations"]:
            raise Rejected("SPV_TOO_FEW_CONFIRMATIONS")
        balance = proof["record"]["balance"] if proof["kind"] == "inclusion" else 0
        if balance == v.amount:
            raise Rejected("CLAIM_DISPUTE_INVALID")
        return
    # double_claim (recovery.md 6): the other claim, its epoch 0, its account, not this
    # claim, then its validators' quorum over its id.
    other = verify_claim(dispute["claim"], ctx)
    if other.epochs[0] != v.epochs[0]:
        raise Rejected("CLAIM_DISPUTE_INVALID")
    if other.chain_id != v.chain_id or other.account != v.account:
        raise Rejected("CLAIM_DISPUTE_INVALID")
    if other.id == v.id:
        raise Rejected("CLAIM_DISPUTE_INVALID")
    validators = other.params["validators"]
    if not validators:
        raise Rejected("CLAIM_NO_VALIDATORS")
    signers = {"signers": validators, "threshold": approval_threshold(len(validators))}
    fault = bridge.quorum(dispute["approvals"], signers, approval_message(other.id))
    if fault:
        raise Rejected(fault)


# --- recovery.md 5: the claim state machine --------------------------------------------------

LIVE = ("submitted", "challenge", "approved", "paid")


@dataclass
class Entry:
    claim: Verified
    status: str = "submitted"
    reason: str | None = None
    height: int = 0
    submitted_at: int | None = None
    window_end: int | None = None


@dataclass
class Book:
    entries: dict[str, Entry] = field(default_factory=dict)

    def apply(self, v: Verified, event: dict[str, Any], ctx: Context) -> None:
        action, height = event["action"], event["height"]
        if height > ctx.chain.tip_height:  # ASSUMED: before the event's own checks
            raise Rejected("CLAIM_HEIGHT_BEYOND_EVIDENCE")
        if action == "submit":
            self._submit(v, height)
            return
        entry = self.entries.get(v.id)
        if entry is None:
            raise Rejected("CLAIM_UNKNOWN")

        def height_ok() -> None:
            if height < entry.height:
                raise Rejected("CLAIM_HEIGHT_REGRESSION")

        def status(expected: str) -> None:
            if entry.status != expected:
                raise Rejected("CLAIM_ILLEGAL_TRANSITION")

        if action == "accept":
            if height - v.block_height + 1 < v.params["anchor_confirmations"]:
                raise Rejected("SPV_TOO_FEW_CONFIRMATIONS")
            height_ok()
            status("submitted")
            entry.status, entry.window_end = "challenge", height + v.params["challenge_blocks"]
        elif action == "dispute":
            check_dispute(event["dispute"], entry, ctx, height)
            # ASSUMED: no window before `accept`; the status check then rejects.
            if entry.window_end is not None and not height < entry.window_end:
                raise Rejected("CLAIM_WINDOW_CLOSED")
            height_ok()
            status("challenge")
            entry.status, entry.reason = "disputed", event["dispute"]["kind"]
        elif action == "approve":
            height_ok()
            if entry.window_end is not None and not height >= entry.window_end:
                raise Rejected("CLAIM_WINDOW_OPEN")
            if entry.status == "challenge":
                validators = v.params["validators"]
                if not validators:
                    raise Rejected("CLAIM_NO_VALIDATORS")
                signers = {"signers": validators, "threshold": approval_threshold(len(validators))}
                fault = bridge.quorum(event["approvals"], signers, approval_message(v.id))
                if fault:
                    raise Rejected(fault)
            status("challenge")
            entry.status = "approved"
        else:  # pay
            if len(event["txid"]) != 32:  # already BYTES_WRONG_LENGTH when read
                raise Rejected("BYTES_WRONG_LENGTH")
            height_ok()
            status("approved")
            entry.status = "paid"
        entry.height = height

    def _submit(self, v: Verified, height: int) -> None:
        if v.id in self.entries:
            raise Rejected("CLAIM_DUPLICATE")
        live = [e.claim for e in self.entries.values() if e.status in LIVE]
        # ASSUMED: "the account" is the account id of the same chain.
        if any((c.chain_id, c.account) == (v.chain_id, v.account) for c in live):
            raise Rejected("CLAIM_DOUBLE")
        # ASSUMED: "the same anchor" is the same anchor commitment.
        if sum(c.amount for c in live if c.commitment == v.commitment) + v.amount > v.total:
            raise Rejected("CLAIM_EXCEEDS_TOTAL")
        self.entries[v.id] = Entry(v, height=height, submitted_at=height)


# --- recovery.md 7: the document replay, and the vector runners ---------------------------


def context(evidence_doc: Any, pinned: str | None) -> Context:
    evidence = read_evidence(evidence_doc)
    chain = selected_chain(evidence)
    return Context(evidence, chain, None if pinned is None else bytes.fromhex(pinned))


def run_claim(document: Any, evidence_doc: Any, pinned: str | None) -> dict[str, Any]:
    """One claim document (recovery.md 8 order: claim.decode, evidence, 4, 5)."""
    claim, events = read_claim_document(document)
    ctx = context(evidence_doc, pinned)
    v = verify_claim(claim, ctx)
    if not events or events[0]["action"] != "submit":
        raise Rejected("CLAIM_ILLEGAL_TRANSITION")
    book = Book()
    for event in events:
        book.apply(v, event, ctx)
    entry = book.entries[v.id]
    return {"id": v.id, "account": v.account, "amount": v.amount, "status": entry.status,
            "reason": entry.reason}  # fmt: skip


def run_book(
    documents: list[Any], evidence_doc: Any, order: list[list[int]], pinned: str | None = None
) -> list[list[str]]:
    """Several claim documents, their events applied to one book in ``order``.

    ASSUMED: every document is read, then the evidence, then every claim is verified
    (section 4), before any event; a document's own "starts with submit" rule is not
    applied (an event of a claim not yet submitted is CLAIM_UNKNOWN)."""
    read = [read_claim_document(d) for d in documents]
    ctx = context(evidence_doc, pinned)
    verified = [verify_claim(claim, ctx) for claim, _ in read]
    book = Book()
    for i, k in order:
        book.apply(verified[i], read[i][1][k], ctx)
    return [[cid, book.entries[cid].status] for cid in sorted(book.entries)]
