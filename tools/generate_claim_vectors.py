"""The exit-claim golden vectors (claims.json, claim_books.json). Called by
``tools/generate_vectors.py``.

Two made-up anchored states of chain ``ailee-claims-demo`` (sequences 0 and 1, both
anchored in block 1 of a made-up regtest chain of 30 blocks), attested by the example
federation's epoch 0 (2 of 3, the BIP340 test-vector keys), with recovery parameters
of a 10-block challenge window, 3 anchor confirmations and 3 validators.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Callable
from typing import Any

import make_examples as ex
import regtest

from ailee.anchors import anchor_script, make_anchor
from ailee.bridge import sign
from ailee.evidence import evidence_from_json, verify_evidence_chain
from ailee.proofs import build_proof
from ailee.recovery import (
    ClaimDocument,
    ClaimEvent,
    DoubleClaimDispute,
    ExitClaim,
    LaterStateDispute,
    RecoveryParams,
    anchor_attestation_message,
    approval_message,
    claim_document_to_json,
    federation_fingerprint,
    verify_claim,
)
from ailee.state import ZERO_ROOT, Account, Header, L2State
from ailee.stateroot import L2StateRoot

CHAIN = "ailee-claims-demo"
PARAMS = RecoveryParams(
    challenge_blocks=10,
    anchor_confirmations=3,
    validators=tuple(sorted(ex._xonly(s) for s in ex.VALIDATOR_SECRETS)),
)
NO_VALIDATORS = RecoveryParams(challenge_blocks=10, anchor_confirmations=3, validators=())
DEST = bytes.fromhex("0014") + hashlib.sha256(b"claims demo destination").digest()[:20]
PAYOUT = hashlib.sha256(b"claims demo payout").digest()


def _states() -> tuple[list[L2State], list[Any]]:
    first = L2State(
        Header(2, CHAIN, 0, ZERO_ROOT, 1_764_000_000_000),
        accounts=(
            Account("alice", 100_000_000, 0),
            Account("bob", 25_000_000, 0),
            Account("carol", 5_000_000, 0),
            Account("dusty", 100, 0),
            Account("zed", 0, 0),
        ),
        federation=(ex.FEDERATION_0,),
    )
    root0 = L2StateRoot.compute(first).root
    anchor0 = make_anchor(
        chain_id=CHAIN,
        sequence=0,
        timestamp_ms=1_764_000_000_000,
        state_root=root0,
        recovery_metadata=PARAMS.metadata(),
    )
    second = L2State(
        Header(2, CHAIN, 1, root0, 1_764_000_600_000),
        accounts=(
            Account("alice", 90_000_000, 1),
            Account("bob", 35_000_000, 0),
            Account("carol", 5_000_000, 0),
            Account("dusty", 100, 0),
            Account("zed", 0, 0),
        ),
        anchors=(anchor0,),
        federation=(ex.FEDERATION_0,),
    )
    root1 = L2StateRoot.compute(second).root
    anchor1 = make_anchor(
        chain_id=CHAIN,
        sequence=1,
        timestamp_ms=1_764_000_600_000,
        state_root=root1,
        recovery_metadata=PARAMS.metadata(),
        previous=anchor0,
    )
    # Sequence 2 is anchored with recovery parameters that name no validators.
    third = dataclasses.replace(
        second,
        header=Header(2, CHAIN, 2, root1, 1_764_000_700_000),
        anchors=(anchor0, anchor1),
    )
    anchor2 = make_anchor(
        chain_id=CHAIN,
        sequence=2,
        timestamp_ms=1_764_000_700_000,
        state_root=L2StateRoot.compute(third).root,
        recovery_metadata=NO_VALIDATORS.metadata(),
        previous=anchor1,
    )
    return [first, second, third], [anchor0, anchor1, anchor2]


STATES, ANCHORS = _states()
EVIDENCE = regtest.evidence_document(
    [(a.sequence, anchor_script(a.commitment), None) for a in ANCHORS], confirmations=30
)
_PARSED = evidence_from_json(json.dumps(EVIDENCE).encode())
_CHAIN = verify_evidence_chain(_PARSED)
_ITEMS = {item.sequence: item for item in _PARSED.items}


def _attest(commitment: bytes, secrets: tuple[bytes, ...] = ex.SECRETS[:2]) -> tuple[bytes, ...]:
    message = anchor_attestation_message(commitment)
    return tuple(sorted(sign(message, s, bytes(32)) for s in secrets))


def claim(account: str, sequence: int = 1, **changes: Any) -> ExitClaim:
    """``account``'s claim against the anchored state of ``sequence``."""
    anchor = ANCHORS[sequence]
    base = ExitClaim(
        CHAIN,
        anchor,
        build_proof(L2StateRoot.compute(STATES[sequence]), "accounts", account.encode()),
        DEST,
        PARAMS,
        (ex.FEDERATION_0,),
        _attest(anchor.commitment),
    )
    return dataclasses.replace(base, **changes)


def claim_ident(c: ExitClaim) -> str:
    return verify_claim(c, _ITEMS, _CHAIN).id


def approvals(c: ExitClaim, secrets: tuple[bytes, ...] = ex.VALIDATOR_SECRETS[:2]) -> tuple:
    message = approval_message(claim_ident(c))
    return tuple(sorted(sign(message, s, bytes(32)) for s in secrets))


def history(c: ExitClaim, *extra: ClaimEvent, upto: str = "approve") -> tuple[ClaimEvent, ...]:
    """submit at 3, accept at 5 (3 confirmations of block 1), approve at 15 (the window
    ends at 5 + 10), pay at 20: the prefix up to ``upto``, then ``extra``."""
    steps = [
        ClaimEvent(3, "submit"),
        ClaimEvent(5, "accept"),
        ClaimEvent(15, "approve", approvals=approvals(c)),
        ClaimEvent(20, "pay", txid=PAYOUT),
    ]
    names = [e.action for e in steps]
    return (*steps[: names.index(upto) + 1], *extra) if upto else extra


def _doc(c: ExitClaim, events: tuple[ClaimEvent, ...]) -> dict[str, Any]:
    return json.loads(claim_document_to_json(ClaimDocument(c, events)))


def _case(
    c: ExitClaim, events: tuple[ClaimEvent, ...], pinned: bytes | None = None
) -> dict[str, Any]:
    return {
        "claim": _doc(c, events),
        "evidence": EVIDENCE,
        "pinned": None if pinned is None else pinned.hex(),
    }


def _later(account: str = "bob", **changes: Any) -> LaterStateDispute:
    anchor = ANCHORS[1]
    base = LaterStateDispute(
        anchor,
        build_proof(L2StateRoot.compute(STATES[1]), "accounts", account.encode()),
        _attest(anchor.commitment),
    )
    return dataclasses.replace(base, **changes)


def claim_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Exit claims: attested anchored state, balance proof, history by block height",
        "ailee_exit_claim_v1",
        [
            "'claim' is an exit claim document (docs/recovery.md), 'evidence' an anchor "
            "evidence document for its anchors, 'pinned' the trusted federation epoch 0 "
            "fingerprint (hex) or null. A valid case gives the claim's 'expected' id, "
            "account, amount and final status (and reason); an invalid one the code of "
            "the first failing check.",
            f"Federation epoch 0 fingerprint: {federation_fingerprint(ex.FEDERATION_0).hex()}.",
        ],
    )
    vf.note("Trust", "MODIFIED_SIGNATURE", "The anchored state's authenticity is broken.")
    vf.note("Proof", "MODIFIED_PROOF", "The balance proof or the anchor is wrong.")
    vf.note("History", "INVALID_TRANSITION", "The claim's history breaks the state machine.")
    vf.note("Malformed", "MALFORMED_INPUT", "The document is malformed.")
    fp = federation_fingerprint(ex.FEDERATION_0)
    bob = claim("bob")

    def expect(c: ExitClaim, status: str, reason: str | None = None) -> dict[str, Any]:
        proven = verify_claim(c, _ITEMS, _CHAIN)
        return {
            "id": proven.id,
            "account": proven.account,
            "amount": proven.amount,
            "status": status,
            "reason": reason,
        }

    tests = vf.group("valid")
    for comment, c, events, status, reason, pinned in (
        ("approved after the window, 2 of 3 validators", bob, history(bob), "approved", None, None),
        ("paid", bob, history(bob, upto="pay"), "paid", None, None),
        ("only submitted", bob, history(bob, upto="submit"), "submitted", None, None),
        ("in its challenge window", bob, history(bob, upto="accept"), "challenge", None, None),
        ("federation pinned", bob, history(bob), "approved", None, fp),
        (
            "approved by all 3 validators",
            bob,
            (
                *history(bob, upto="accept"),
                ClaimEvent(15, "approve", approvals=approvals(bob, ex.VALIDATOR_SECRETS)),
            ),
            "approved",
            None,
            None,
        ),
        (
            "validators may sign early; approval counts only after the window (at 15)",
            bob,
            (*history(bob, upto="accept"), ClaimEvent(15, "approve", approvals=approvals(bob))),
            "approved",
            None,
            None,
        ),
        (
            "claim against sequence 0 disputed: sequence 1 shows bob's other balance",
            claim("bob", 0),
            history(claim("bob", 0), ClaimEvent(9, "dispute", dispute=_later()), upto="accept"),
            "disputed",
            "later_state",
            None,
        ),
        (
            "double claim: bob's claim against sequence 0 is already approved",
            bob,
            history(
                bob,
                ClaimEvent(
                    6,
                    "dispute",
                    dispute=DoubleClaimDispute(claim("bob", 0), approvals(claim("bob", 0))),
                ),
                upto="accept",
            ),
            "disputed",
            "double_claim",
            None,
        ),
        (
            "the claim's federation carries epoch 1 too",
            claim("alice", federation=(ex.FEDERATION_0, ex.federation_1())),
            history(claim("alice", federation=(ex.FEDERATION_0, ex.federation_1()))),
            "approved",
            None,
            fp,
        ),
    ):
        vf.add(
            tests,
            comment,
            {**_case(c, events, pinned), "expected": expect(c, status, reason)},
        )

    tests = vf.group("invalid")

    def bad(comment: str, code: str, case: dict[str, Any], flag: str) -> None:
        vf.add(tests, comment, case, code, (flag,))

    bad("another federation pinned", "CLAIM_FEDERATION_MISMATCH",
        _case(bob, history(bob), bytes(32)), "Trust")  # fmt: skip
    one = dataclasses.replace(bob, attestation=_attest(bob.anchor.commitment, ex.SECRETS[:1]))
    bad("anchor attested by 1 of 3 signers", "QUORUM_NOT_MET", _case(one, history(bob)), "Trust")
    outsider = dataclasses.replace(
        bob, attestation=_attest(bob.anchor.commitment, (ex.SECRETS[0], ex.SECRETS[3]))
    )
    bad("attested by a key outside epoch 0", "QUORUM_SIGNER_UNKNOWN",
        _case(outsider, history(bob)), "Trust")  # fmt: skip
    wrong = dataclasses.replace(bob, attestation=_attest(ANCHORS[0].commitment))
    bad("attestation of another anchor", "QUORUM_BAD_SIGNATURE", _case(wrong, history(bob)),
        "Trust")  # fmt: skip
    unsigned_epoch = dataclasses.replace(ex.federation_1(), authorization=())
    bad("a carried epoch 1 without authorization", "QUORUM_NOT_MET",
        _case(dataclasses.replace(bob, federation=(ex.FEDERATION_0, unsigned_epoch)),
              history(bob)), "Trust")  # fmt: skip
    bad("no federation carried", "FEDERATION_EPOCH_ORDER",
        _case(dataclasses.replace(bob, federation=()), history(bob)), "Trust")  # fmt: skip
    other_params = dataclasses.replace(PARAMS, challenge_blocks=1)
    bad("recovery parameters not the anchor's (a 1-block window)", "CLAIM_PARAMS_MISMATCH",
        _case(dataclasses.replace(bob, params=other_params), history(bob)), "Proof")  # fmt: skip
    moved = dataclasses.replace(bob.anchor, timestamp_ms=bob.anchor.timestamp_ms + 1)
    bad("anchor field changed, commitment kept", "ANCHOR_COMMITMENT_MISMATCH",
        _case(dataclasses.replace(bob, anchor=moved), history(bob)), "Proof")  # fmt: skip
    stale = dataclasses.replace(bob, proof=claim("bob", 0).proof)
    bad("proof of sequence 0 against the anchor of 1", "CLAIM_PROOF_MISMATCH",
        _case(stale, history(bob)), "Proof")  # fmt: skip
    pegins = build_proof(L2StateRoot.compute(STATES[1]), "pegins", bytes(36))
    bad("proof about another section", "CLAIM_PROOF_MISMATCH",
        _case(dataclasses.replace(bob, proof=pegins), history(bob)), "Proof")  # fmt: skip
    absent = build_proof(L2StateRoot.compute(STATES[1]), "accounts", b"mallory")
    bad("a non-inclusion proof as a claim", "CLAIM_PROOF_MISMATCH",
        _case(dataclasses.replace(bob, proof=absent), history(bob)), "Proof")  # fmt: skip
    inflated = _case(bob, history(bob))
    inflated["claim"]["claim"]["proof"]["leaf"]["record"]["balance"] = 154_990_000
    bad("balance raised in the proof", "PROOF_SUM_MISMATCH", inflated, "Proof")
    no_item = copy.deepcopy(_case(bob, history(bob)))
    no_item["evidence"]["anchors"] = no_item["evidence"]["anchors"][:1]
    bad("evidence lacks the anchor", "EVIDENCE_ANCHOR_UNKNOWN", no_item, "Proof")
    zed = claim("zed")
    bad("a zero balance", "CLAIM_AMOUNT_ZERO", _case(zed, (ClaimEvent(3, "submit"),)), "Proof")
    dusty = claim("dusty")
    bad("100 sat to P2WPKH is dust", "CLAIM_DESTINATION_INVALID",
        _case(dusty, (ClaimEvent(3, "submit"),)), "Proof")  # fmt: skip
    burn = dataclasses.replace(bob, destination=bytes.fromhex("6a00"))
    bad("an OP_RETURN destination", "CLAIM_DESTINATION_INVALID",
        _case(burn, (ClaimEvent(3, "submit"),)), "Proof")  # fmt: skip
    bob0, alice0, carol0 = claim("bob", 0), claim("alice", 0), claim("carol", 0)
    early = approvals(bob, ex.VALIDATOR_SECRETS[:1])
    twice = (
        *early,
        ex._xonly(ex.VALIDATOR_SECRETS[0])
        + sign(approval_message(claim_ident(bob)), ex.VALIDATOR_SECRETS[0], bytes([1]) * 32)[32:],
    )
    earlier = LaterStateDispute(ANCHORS[0], bob0.proof, _attest(ANCHORS[0].commitment))
    for comment, code, base, events in (
        ("approve before the window ends (14 < 15)", "CLAIM_WINDOW_OPEN", bob,
         history(bob, ClaimEvent(14, "approve", approvals=approvals(bob)), upto="accept")),
        ("approve with 1 of 3 validators", "QUORUM_NOT_MET", bob,
         history(bob, ClaimEvent(15, "approve", approvals=early), upto="accept")),
        ("approve by federation keys", "QUORUM_SIGNER_UNKNOWN", bob,
         history(bob, ClaimEvent(15, "approve", approvals=approvals(bob, ex.SECRETS[:2])),
                 upto="accept")),
        ("the same validator twice", "QUORUM_DUPLICATE_SIGNER", bob,
         history(bob, ClaimEvent(15, "approve", approvals=tuple(sorted(twice))), upto="accept")),
        ("approve before accept", "CLAIM_ILLEGAL_TRANSITION", bob,
         (ClaimEvent(3, "submit"), ClaimEvent(15, "approve", approvals=approvals(bob)))),
        ("history not starting with submit", "CLAIM_ILLEGAL_TRANSITION", bob,
         (ClaimEvent(5, "accept"),)),
        ("submitted twice", "CLAIM_DUPLICATE", bob,
         (ClaimEvent(3, "submit"), ClaimEvent(4, "submit"))),
        ("pay before approval", "CLAIM_ILLEGAL_TRANSITION", bob,
         history(bob, ClaimEvent(20, "pay", txid=PAYOUT), upto="accept")),
        ("accept with 2 confirmations (height 2)", "SPV_TOO_FEW_CONFIRMATIONS", bob,
         (ClaimEvent(2, "submit"), ClaimEvent(2, "accept"))),
        ("height going down", "CLAIM_HEIGHT_REGRESSION", bob,
         (ClaimEvent(6, "submit"), ClaimEvent(5, "accept"))),
        ("an event above the evidence tip (31 > 30)", "CLAIM_HEIGHT_BEYOND_EVIDENCE", bob,
         history(bob, ClaimEvent(31, "pay", txid=PAYOUT))),
        ("dispute after the window closed", "CLAIM_WINDOW_CLOSED", bob0,
         history(bob0, ClaimEvent(15, "dispute", dispute=_later()), upto="accept")),
        ("dispute by an earlier state", "CLAIM_DISPUTE_INVALID", bob,
         history(bob, ClaimEvent(9, "dispute", dispute=earlier), upto="accept")),
        ("dispute showing the same balance", "CLAIM_DISPUTE_INVALID", carol0,
         history(carol0, ClaimEvent(9, "dispute", dispute=_later("carol")), upto="accept")),
        ("dispute proving another account", "CLAIM_DISPUTE_INVALID", alice0,
         history(alice0, ClaimEvent(9, "dispute", dispute=_later("bob")), upto="accept")),
        ("double-claim dispute: the other claim approved by 1 of 3", "QUORUM_NOT_MET", bob,
         history(bob, ClaimEvent(6, "dispute", dispute=DoubleClaimDispute(
             bob0, approvals(bob0, ex.VALIDATOR_SECRETS[:1]))), upto="accept")),
        ("double-claim dispute: approvals of this claim, not the other", "QUORUM_BAD_SIGNATURE",
         bob, history(bob, ClaimEvent(6, "dispute", dispute=DoubleClaimDispute(
             bob0, approvals(bob))), upto="accept")),
        ("double-claim dispute by another account's claim", "CLAIM_DISPUTE_INVALID", bob,
         history(bob, ClaimEvent(6, "dispute", dispute=DoubleClaimDispute(
             alice0, approvals(alice0))), upto="accept")),
        ("double-claim dispute by the claim itself", "CLAIM_DISPUTE_INVALID", bob,
         history(bob, ClaimEvent(6, "dispute", dispute=DoubleClaimDispute(
             bob, approvals(bob))), upto="accept")),
        ("dispute with an unattested later state", "QUORUM_NOT_MET", bob0,
         history(bob0, ClaimEvent(9, "dispute", dispute=_later(attestation=())), upto="accept")),
    ):  # fmt: skip
        bad(comment, code, _case(base, events), "History")
    lone = claim("bob", 2, params=NO_VALIDATORS)
    bad("an empty validator set never approves", "CLAIM_NO_VALIDATORS",
        _case(lone, history(lone, ClaimEvent(15, "approve", approvals=()), upto="accept")),
        "History")  # fmt: skip
    off_curve = _case(bob, history(bob))
    off_curve["claim"]["claim"]["recovery"]["validators"][0] = (5).to_bytes(32, "big").hex()
    bad("a validator key with no curve point", "CLAIM_VALIDATOR_INVALID", off_curve, "Malformed")
    unsorted = _case(bob, history(bob))
    unsorted["claim"]["claim"]["attestation"].reverse()
    bad("attestation entries not ascending", "LIST_NOT_SORTED_UNIQUE", unsorted, "Malformed")
    no_action = _case(bob, history(bob))
    del no_action["claim"]["events"][1]["action"]
    bad("an event without an action", "SCHEMA_MISSING_FIELD", no_action, "Malformed")
    text_version = _case(bob, history(bob))
    text_version["claim"]["version"] = "1"
    bad("version as text", "SCHEMA_WRONG_TYPE", text_version, "Malformed")
    malformed = _case(bob, history(bob))
    malformed["claim"]["format"] = "ailee-claim"
    bad("wrong format marker", "SCHEMA_BAD_FORMAT", malformed, "Malformed")
    unknown = _case(bob, history(bob))
    unknown["claim"]["events"][1]["action"] = "cancel"
    bad("unknown action", "ENUM_UNKNOWN_VALUE", unknown, "Malformed")
    extra = _case(bob, history(bob))
    extra["claim"]["events"][0]["approvals"] = []
    bad("a submit event with approvals", "SCHEMA_UNKNOWN_FIELD", extra, "Malformed")
    return vf


def book_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Exit claims: one claim book over several claims (double claims, unknown claims)",
        "ailee_claim_book_v1",
        [
            "'claims' are claim documents (docs/recovery.md) against the anchors of "
            "'evidence'; 'order' lists [claim index, event index] pairs: each event is "
            "applied to one shared claim book in that order. A valid case gives the book's "
            "'expected' [id, status] pairs in id order; an invalid one the code of the "
            "first event that fails.",
        ],
    )
    vf.note("Book", "INVALID_TRANSITION", "A claim book rule is broken.")
    bob, bob0, alice = claim("bob"), claim("bob", 0), claim("alice")
    dispute = ClaimEvent(9, "dispute", dispute=_later())

    def ident(c: ExitClaim) -> str:
        return claim_ident(c)

    def case(docs: list[tuple[ExitClaim, tuple[ClaimEvent, ...]]], order: list[list[int]]) -> dict:
        return {"claims": [_doc(c, e) for c, e in docs], "evidence": EVIDENCE, "order": order}

    tests = vf.group("valid")
    both = case([(bob, history(bob)), (alice, history(alice))],
                [[0, 0], [1, 0], [0, 1], [1, 1], [0, 2], [1, 2]])  # fmt: skip
    expected = sorted([[ident(bob), "approved"], [ident(alice), "approved"]])
    vf.add(tests, "two accounts' claims against one state, both approved",
           {**both, "expected": expected})  # fmt: skip
    again = case(
        [(bob0, history(bob0, dispute, upto="accept")), (bob, history(bob, upto="accept"))],
        [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]],
    )
    expected = sorted([[ident(bob0), "disputed"], [ident(bob), "challenge"]])
    vf.add(tests, "after bob's old claim is disputed, his new claim is admitted",
           {**again, "expected": expected})  # fmt: skip
    tests = vf.group("invalid")
    double = case([(bob0, history(bob0, upto="accept")), (bob, history(bob, upto="submit"))],
                  [[0, 0], [0, 1], [1, 0]])  # fmt: skip
    vf.add(tests, "bob claims against two states at once", double, "CLAIM_DOUBLE", ("Book",))
    unknown = case([(bob, history(bob, upto="accept"))], [[0, 1]])
    vf.add(tests, "accept of a claim never submitted", unknown, "CLAIM_UNKNOWN", ("Book",))
    return vf
