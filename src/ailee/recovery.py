"""Exit claims: a user proves what they own from anchored state, without the federation.

Recovery-first means that if the federation stops, an account holder can still prove
their balance and be paid. A claim is checked in four layers, each a pure function:

1. **The anchored state is authentic.** An anchor in Bitcoin proves *when* a commitment
   was published, not *who* published it (anyone can write an OP_RETURN). So a claim
   carries the federation's **attestation** of the anchor: a quorum of the epoch in
   force at the anchor's sequence signs ``tagged_hash("ailee/v2/anchor/attestation",
   commitment)``. The federation's epochs are carried from epoch 0, each authorized by
   the one before; epoch 0 is the root of trust, named by its fingerprint, which the
   caller pins (``pinned``).
2. **The anchor is in Bitcoin**: its transaction is in the most-work header chain of
   the evidence with at least the recovery parameters' ``anchor_confirmations``.
3. **The balance is in that state**: an inclusion proof of the account in the accounts
   sum tree against the anchor's state root; the proof also gives the state's proven
   total, which the claims against that state may never exceed together.
4. **The recovery process**: a pure state machine over explicit Bitcoin block heights
   (never a clock): submitted, challenge (a window of ``challenge_blocks``), disputed,
   approved, rejected, paid. A dispute succeeds with a later attested, anchored state
   showing another balance for the account, or with an earlier claim for the same
   account (a double claim). Approval needs at least ceil(2n/3) distinct valid BIP340
   signatures of a non-empty validator set over the claim id, after the window ends;
   validators may sign at any time. An empty validator set never approves.

The recovery parameters (challenge length, anchor confirmations, the validator set's
commitment) are committed in every anchor's ``recovery_metadata``
(:meth:`RecoveryParams.metadata`). Normative text: ``docs/recovery.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

from ailee import jsoncodec
from ailee.anchors import check_anchor_commitment
from ailee.bridge import (
    check_federation,
    dust_threshold,
    federation_at,
    verify_quorum,
    verify_signatures,
)
from ailee.encoding import encode
from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.evidence import EvidenceItem, prove_anchor
from ailee.fields import Form, check_id, check_version, expect_object, wrong_type
from ailee.fields import read_hex as _hex
from ailee.fields import read_list as _list
from ailee.fields import read_uint as _uint
from ailee.hashing import Tag, tagged_hash
from ailee.headerchain import HeaderChain
from ailee.limits import MAX_UINT
from ailee.proofs import StateProof, proof_from_json, proof_to_json, verify_proof
from ailee.state import Anchor, FederationConfig, read_fields, write_fields
from ailee.stateroot import leaf_hash

__all__ = [
    "CLAIM_FORMAT",
    "CLAIM_VERSION",
    "DEFAULT_ANCHOR_CONFIRMATIONS",
    "DEFAULT_CHALLENGE_BLOCKS",
    "MAX_CLAIM_EVENTS",
    "MAX_VALIDATORS",
    "AnchoredBalance",
    "ClaimBook",
    "ClaimDocument",
    "ClaimEvent",
    "ClaimRecord",
    "ClaimStatus",
    "DoubleClaimDispute",
    "ExitClaim",
    "LaterStateDispute",
    "ProvenClaim",
    "RecoveryParams",
    "anchor_attestation_message",
    "apply_event",
    "approval_message",
    "check_trust",
    "claim_document_from_json",
    "claim_document_to_json",
    "claim_id",
    "federation_fingerprint",
    "replay",
    "replay_events",
    "required_approvals",
    "verify_anchored_balance",
    "verify_approvals",
    "verify_claim",
    "verify_dispute",
    "verify_trusted_claim",
]

#: 180 days of blocks at 144 a day: the original's intended challenge period.
DEFAULT_CHALLENGE_BLOCKS: Final = 25_920
#: Confirmations an anchor needs before a claim against it is admitted.
DEFAULT_ANCHOR_CONFIRMATIONS: Final = 6
#: Most recovery validators.
MAX_VALIDATORS: Final = 1_000
#: Most events in one claim document.
MAX_CLAIM_EVENTS: Final = 1_000
#: Longest challenge window, in blocks (about 19 years).
MAX_CHALLENGE_BLOCKS: Final = 1_000_000
#: Most confirmations an anchor can be asked for.
MAX_ANCHOR_CONFIRMATIONS: Final = 100_000
CLAIM_FORMAT: Final = "ailee-exit-claim"
CLAIM_VERSION: Final = 1
_MAX_SCRIPT: Final = 10_000
_OP_RETURN: Final = 0x6A


def _fail(code: ReasonCode, message: str) -> VerificationError:
    return VerificationError(code, message)


# --- recovery parameters ---------------------------------------------------------------


def required_approvals(validators: int) -> int:
    """ceil(2n/3) for n >= 1 validators. With none, no claim can ever be approved:
    CLAIM_NO_VALIDATORS."""
    if validators < 1:
        raise _fail(ReasonCode.CLAIM_NO_VALIDATORS, "an empty validator set approves nothing")
    return (2 * validators + 2) // 3


@dataclass(frozen=True, slots=True)
class RecoveryParams:
    """The recovery parameters in force for an anchored state (committed in its anchor).

    ``validators`` are BIP340 x-only keys, ascending and distinct (may be empty: then
    no claim is ever approved).
    """

    challenge_blocks: int = DEFAULT_CHALLENGE_BLOCKS
    anchor_confirmations: int = DEFAULT_ANCHOR_CONFIRMATIONS
    validators: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        for name, value, top in (
            ("challenge_blocks", self.challenge_blocks, MAX_CHALLENGE_BLOCKS),
            ("anchor_confirmations", self.anchor_confirmations, MAX_ANCHOR_CONFIRMATIONS),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                raise DecodeError(
                    ReasonCode.INT_OUT_OF_RANGE, f"recovery.{name}: {value!r} not in [1, {top}]"
                )
        keys = self.validators
        if len(keys) > MAX_VALIDATORS:
            raise DecodeError(
                ReasonCode.INPUT_TOO_LARGE, f"recovery.validators: more than {MAX_VALIDATORS}"
            )
        for k, key in enumerate(keys):
            if not isinstance(key, bytes) or len(key) != 32:
                raise DecodeError(
                    ReasonCode.BYTES_WRONG_LENGTH, f"recovery.validators[{k}]: not 32 bytes"
                )
        if any(a >= b for a, b in itertools.pairwise(keys)):
            raise DecodeError(
                ReasonCode.LIST_NOT_SORTED_UNIQUE,
                "recovery.validators: keys must be ascending and distinct",
            )
        if keys:
            from coincurve import PublicKeyXOnly

            for k, key in enumerate(keys):
                try:
                    PublicKeyXOnly(key)
                except ValueError:
                    # A key that can sign nothing would silently raise the bar of the
                    # quorum, or make it unreachable.
                    raise DecodeError(
                        ReasonCode.CLAIM_VALIDATOR_INVALID,
                        f"recovery.validators[{k}]: not a BIP340 public key",
                    ) from None

    def validator_set_commitment(self) -> bytes:
        """``tagged_hash("ailee/v2/recovery/validators", key_1 || ... || key_n)``."""
        return tagged_hash(Tag.RECOVERY_VALIDATORS, b"".join(self.validators))

    def metadata(self) -> bytes:
        """The anchor's ``recovery_metadata``: ``tagged_hash("ailee/v2/recovery/params",
        CBOR{version: 1, challenge_blocks, anchor_confirmations, validator_set})``."""
        return tagged_hash(
            Tag.RECOVERY_PARAMS,
            encode(
                {
                    "version": 1,
                    "challenge_blocks": self.challenge_blocks,
                    "anchor_confirmations": self.anchor_confirmations,
                    "validator_set": self.validator_set_commitment(),
                }
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the parameters."""
        return {
            "challenge_blocks": self.challenge_blocks,
            "anchor_confirmations": self.anchor_confirmations,
            "validators": [key.hex() for key in self.validators],
        }


# --- messages and identities -----------------------------------------------------------


def anchor_attestation_message(commitment: bytes) -> bytes:
    """What the federation signs to attest an anchor it published."""
    return tagged_hash(Tag.ANCHOR_ATTESTATION, commitment)


def federation_fingerprint(epoch0: FederationConfig) -> bytes:
    """The root of trust of a claim: the leaf hash of federation epoch 0's record."""
    return leaf_hash(epoch0)


def claim_id(
    chain_id: str, anchor_commit: bytes, account: str, amount: int, destination: bytes
) -> str:
    """The claim's identity (lowercase hex): ``tagged_hash("ailee/v2/recovery/claim",
    CBOR{chain_id, anchor, account, amount, destination})``. It binds what is paid,
    to whom, and from which anchored state."""
    return tagged_hash(
        Tag.RECOVERY_CLAIM,
        encode(
            {
                "chain_id": chain_id,
                "anchor": anchor_commit,
                "account": account,
                "amount": amount,
                "destination": destination,
            }
        ),
    ).hex()


def approval_message(claim: str) -> bytes:
    """What a recovery validator signs to approve claim ``claim`` (its id)."""
    return tagged_hash(Tag.RECOVERY_APPROVAL, bytes.fromhex(claim))


def verify_approvals(params: RecoveryParams, claim: str, entries: Sequence[bytes]) -> int:
    """At least ceil(2n/3) distinct valid validator signatures over the claim id
    (QUORUM_* codes; CLAIM_NO_VALIDATORS for an empty set)."""
    needed = required_approvals(len(params.validators))
    return verify_signatures(
        approval_message(claim),
        entries,
        params.validators,
        needed,
        what=f"the {len(params.validators)} recovery validators",
    )


# --- anchored balances -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnchoredBalance:
    """What a verified anchored-state proof establishes about one account."""

    chain_id: str
    anchor: Anchor
    account: str
    #: The account's balance (0 when the proof shows it absent).
    balance: int
    #: The proven total of every balance in that state (the accounts sum tree's root).
    total: int
    #: Height of the block holding the anchoring transaction.
    anchor_height: int


def check_trust(federation: Sequence[FederationConfig], pinned: bytes | None) -> None:
    """The carried epochs are well ordered and each authorized by the one before
    (FEDERATION_EPOCH_ORDER, QUORUM_*), and epoch 0 is the pinned one
    (CLAIM_FEDERATION_MISMATCH) when a fingerprint is pinned."""
    if not federation:
        raise _fail(ReasonCode.FEDERATION_EPOCH_ORDER, "no federation epochs carried")
    check_federation(federation)
    if pinned is not None and federation_fingerprint(federation[0]) != pinned:
        raise _fail(
            ReasonCode.CLAIM_FEDERATION_MISMATCH,
            f"federation epoch 0 is {federation_fingerprint(federation[0]).hex()}, "
            f"pinned {pinned.hex()}",
        )


def verify_anchored_balance(
    *,
    chain_id: str,
    anchor: Anchor,
    proof: StateProof,
    federation: Sequence[FederationConfig],
    attestation: Sequence[bytes],
    item: EvidenceItem,
    chain: HeaderChain,
    min_confirmations: int,
) -> AnchoredBalance:
    """Check, in order: the anchor's commitment (ANCHOR_COMMITMENT_MISMATCH); the
    attestation by the epoch in force at its sequence (QUORUM_*); the proof is about
    the accounts section of that chain and sequence (CLAIM_PROOF_MISMATCH) and holds
    against the anchor's root (PROOF_*); the evidence item is for this anchor's
    sequence (EVIDENCE_ANCHOR_UNKNOWN) and proves it in ``chain`` with
    ``min_confirmations`` (SPV, TX, EVIDENCE codes). ``federation`` must already have
    passed :func:`check_trust`."""
    check_anchor_commitment(chain_id, anchor)
    epoch = federation_at(federation, anchor.sequence)
    try:
        verify_quorum(anchor_attestation_message(anchor.commitment), attestation, epoch)
    except VerificationError as exc:
        raise _fail(exc.code, f"attestation of anchor {anchor.sequence}: {exc.message}") from None
    header = proof.header
    if proof.section != "accounts" or header.chain_id != chain_id:
        raise _fail(
            ReasonCode.CLAIM_PROOF_MISMATCH,
            f"the proof is about {proof.section} of chain {header.chain_id!r}, "
            f"not accounts of {chain_id!r}",
        )
    if header.sequence != anchor.sequence:
        raise _fail(
            ReasonCode.CLAIM_PROOF_MISMATCH,
            f"the proof is of sequence {header.sequence}, the anchor of {anchor.sequence}",
        )
    outcome = verify_proof(proof, anchor.state_root)
    if item.sequence != anchor.sequence:
        raise _fail(
            ReasonCode.EVIDENCE_ANCHOR_UNKNOWN,
            f"evidence for sequence {item.sequence}, the anchor is {anchor.sequence}",
        )
    proven = prove_anchor(anchor, item, chain, min_confirmations)
    record: Any = outcome.record
    return AnchoredBalance(
        chain_id,
        anchor,
        proof.key.decode("utf-8"),
        0 if record is None else record.balance,
        outcome.section_total,
        proven.spv.height,
    )


# --- claims ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExitClaim:
    """An account holder's claim: the anchored state, the proof of the balance in it,
    the destination to pay, the recovery parameters committed in the anchor, and the
    federation's epochs and attestation that make the anchored state authentic."""

    chain_id: str
    anchor: Anchor
    proof: StateProof
    destination: bytes
    params: RecoveryParams
    federation: tuple[FederationConfig, ...]
    attestation: tuple[bytes, ...]

    @property
    def account(self) -> str:
        """The claimed account's id (the proof's key)."""
        return self.proof.key.decode("utf-8")


@dataclass(frozen=True, slots=True)
class ProvenClaim:
    """A claim whose evidence holds: what is paid, to whom, against which state."""

    id: str
    claim: ExitClaim
    account: str
    amount: int
    #: The proven total of the anchored state the claim is against.
    total: int
    anchor_height: int


def _check_destination(script: bytes, amount: int) -> None:
    if not 1 <= len(script) <= _MAX_SCRIPT or script[0] == _OP_RETURN:
        raise _fail(ReasonCode.CLAIM_DESTINATION_INVALID, "the destination is unspendable")
    dust = dust_threshold(script)
    if amount < dust:
        raise _fail(
            ReasonCode.CLAIM_DESTINATION_INVALID,
            f"{amount} sat to this destination is dust (below {dust})",
        )


def verify_claim(
    claim: ExitClaim,
    evidence: Mapping[int, EvidenceItem],
    chain: HeaderChain,
    pinned: bytes | None = None,
) -> ProvenClaim:
    """Check a claim completely, in order: the federation (:func:`check_trust`); the
    recovery parameters are the anchor's (CLAIM_PARAMS_MISMATCH); the anchored balance
    (:func:`verify_anchored_balance`, with an inclusion proof: CLAIM_PROOF_MISMATCH
    otherwise, and the evidence item of the anchor's sequence from ``evidence``:
    EVIDENCE_ANCHOR_UNKNOWN if none); a positive balance (CLAIM_AMOUNT_ZERO); a
    spendable, non-dust destination (CLAIM_DESTINATION_INVALID)."""
    check_trust(claim.federation, pinned)
    return verify_trusted_claim(claim, evidence, chain)


def verify_trusted_claim(
    claim: ExitClaim, evidence: Mapping[int, EvidenceItem], chain: HeaderChain
) -> ProvenClaim:
    """:func:`verify_claim` after its first step: for a caller that has already run
    :func:`check_trust` on ``claim.federation`` (its epochs' signatures are not
    verified twice)."""
    if claim.params.metadata() != claim.anchor.recovery_metadata:
        raise _fail(
            ReasonCode.CLAIM_PARAMS_MISMATCH,
            f"the recovery parameters hash to {claim.params.metadata().hex()}, anchor "
            f"{claim.anchor.sequence} commits to {claim.anchor.recovery_metadata.hex()}",
        )
    if claim.proof.kind != "inclusion":
        raise _fail(ReasonCode.CLAIM_PROOF_MISMATCH, "a claim needs an inclusion proof")
    item = evidence.get(claim.anchor.sequence)
    if item is None:
        raise _fail(
            ReasonCode.EVIDENCE_ANCHOR_UNKNOWN,
            f"no evidence for the anchor of sequence {claim.anchor.sequence}",
        )
    balance = verify_anchored_balance(
        chain_id=claim.chain_id,
        anchor=claim.anchor,
        proof=claim.proof,
        federation=claim.federation,
        attestation=claim.attestation,
        item=item,
        chain=chain,
        min_confirmations=claim.params.anchor_confirmations,
    )
    if balance.balance == 0:
        raise _fail(ReasonCode.CLAIM_AMOUNT_ZERO, f"account {balance.account} holds nothing")
    _check_destination(claim.destination, balance.balance)
    ident = claim_id(
        claim.chain_id,
        claim.anchor.commitment,
        balance.account,
        balance.balance,
        claim.destination,
    )
    return ProvenClaim(
        ident, claim, balance.account, balance.balance, balance.total, balance.anchor_height
    )


# --- disputes ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LaterStateDispute:
    """A later anchored state, attested by the federation, in which the claimed account
    holds another balance (an inclusion proof of another balance, or a non-inclusion
    proof). ``federation`` is None to use the claim's epochs."""

    anchor: Anchor
    proof: StateProof
    attestation: tuple[bytes, ...]
    federation: tuple[FederationConfig, ...] | None = None


@dataclass(frozen=True, slots=True)
class DoubleClaimDispute:
    """Another valid claim for the same account, with the approval of its recovery
    validators: the account is already being paid, so this claim would pay it twice.
    (A declared submission time would prove nothing: anyone holding another valid
    claim of the account could declare it earlier.)"""

    other: ExitClaim
    approvals: tuple[bytes, ...]


def verify_dispute(
    proven: ProvenClaim,
    height: int,
    dispute: LaterStateDispute | DoubleClaimDispute,
    evidence: Mapping[int, EvidenceItem],
    chain: HeaderChain,
    *,
    pinned: bytes | None = None,
) -> str:
    """Check a dispute filed at Bitcoin ``height`` against a proven claim; return its
    reason (``later_state`` or ``double_claim``). A dispute that does not hold is
    CLAIM_DISPUTE_INVALID, or the code of its failing evidence (docs/recovery.md 6)."""
    claim = proven.claim
    if isinstance(dispute, DoubleClaimDispute):
        other = verify_claim(dispute.other, evidence, chain, pinned)
        if dispute.other.federation[0] != claim.federation[0]:
            raise _fail(
                ReasonCode.CLAIM_DISPUTE_INVALID, "the other claim's federation has another root"
            )
        if other.claim.chain_id != claim.chain_id or other.account != proven.account:
            raise _fail(ReasonCode.CLAIM_DISPUTE_INVALID, "the other claim is another account's")
        if other.id == proven.id:
            raise _fail(ReasonCode.CLAIM_DISPUTE_INVALID, "the other claim is this claim")
        try:
            verify_approvals(other.claim.params, other.id, dispute.approvals)
        except VerificationError as exc:
            raise _fail(exc.code, f"approval of the other claim: {exc.message}") from None
        return "double_claim"
    federation = claim.federation if dispute.federation is None else dispute.federation
    if dispute.federation is not None:
        check_trust(federation, pinned)
        if federation[0] != claim.federation[0]:
            raise _fail(
                ReasonCode.CLAIM_DISPUTE_INVALID, "the dispute's federation has another root"
            )
    if dispute.anchor.sequence <= claim.anchor.sequence:
        raise _fail(
            ReasonCode.CLAIM_DISPUTE_INVALID,
            f"anchor {dispute.anchor.sequence} is not later than {claim.anchor.sequence}",
        )
    item = evidence.get(dispute.anchor.sequence)
    if item is None:
        raise _fail(
            ReasonCode.EVIDENCE_ANCHOR_UNKNOWN,
            f"no evidence for the anchor of sequence {dispute.anchor.sequence}",
        )
    if dispute.proof.key != claim.proof.key:
        raise _fail(ReasonCode.CLAIM_DISPUTE_INVALID, "the dispute proves another account")
    later = verify_anchored_balance(
        chain_id=claim.chain_id,
        anchor=dispute.anchor,
        proof=dispute.proof,
        federation=federation,
        attestation=dispute.attestation,
        item=item,
        chain=chain,
        min_confirmations=claim.params.anchor_confirmations,
    )
    confirmations = height - later.anchor_height + 1
    needed = claim.params.anchor_confirmations
    if confirmations < needed:
        raise _fail(
            ReasonCode.SPV_TOO_FEW_CONFIRMATIONS,
            f"anchor {dispute.anchor.sequence} has {max(confirmations, 0)} confirmations at "
            f"height {height}, {needed} needed",
        )
    if later.balance == proven.amount:
        raise _fail(
            ReasonCode.CLAIM_DISPUTE_INVALID,
            f"anchor {dispute.anchor.sequence} shows the same balance {later.balance}",
        )
    return "later_state"


# --- the claim state machine ------------------------------------------------------------


class ClaimStatus(StrEnum):
    """The statuses of a claim. ``disputed``, ``rejected`` and ``paid`` are final."""

    SUBMITTED = "submitted"
    CHALLENGE = "challenge"
    DISPUTED = "disputed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


#: The statuses whose claims still count against their state's total and their account.
LIVE: Final = frozenset(
    {ClaimStatus.SUBMITTED, ClaimStatus.CHALLENGE, ClaimStatus.APPROVED, ClaimStatus.PAID}
)


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """One claim in a :class:`ClaimBook`, at its current status."""

    id: str
    chain_id: str
    account: str
    amount: int
    #: The commitment of the anchor the claim is against, and that state's total.
    anchor: bytes
    total: int
    params: RecoveryParams
    status: ClaimStatus
    submitted_at: int
    #: The last height an event of this claim happened at.
    height: int
    #: The first height at which the claim may be approved (set on entering challenge).
    window_end: int | None = None
    reason: str | None = None
    approvals: tuple[bytes, ...] = ()
    payout_txid: bytes | None = None


def _height(value: int, after: int, claim: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UINT:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"claim {claim}: height {value!r}")
    if value < after:
        raise _fail(
            ReasonCode.CLAIM_HEIGHT_REGRESSION,
            f"claim {claim}: height {value} is before the last event's {after}",
        )


@dataclass(frozen=True, slots=True)
class ClaimBook:
    """Every claim of a recovery process, by id. Immutable: each transition returns a
    new book. Invariants (kept by every transition): an account has at most one live
    claim; the live claims against one anchored state never total more than its
    proven total."""

    claims: tuple[ClaimRecord, ...] = ()

    def get(self, ident: str) -> ClaimRecord:
        """The claim ``ident`` (CLAIM_UNKNOWN if there is none)."""
        for record in self.claims:
            if record.id == ident:
                return record
        raise _fail(ReasonCode.CLAIM_UNKNOWN, f"no claim {ident}")

    def _put(self, record: ClaimRecord) -> ClaimBook:
        others = tuple(r for r in self.claims if r.id != record.id)
        return ClaimBook(tuple(sorted((*others, record), key=lambda r: r.id)))

    def _move(
        self, ident: str, height: int, allowed: tuple[ClaimStatus, ...], **changes: Any
    ) -> ClaimBook:
        record = self.get(ident)
        _height(height, record.height, ident)
        if record.status not in allowed:
            raise _fail(
                ReasonCode.CLAIM_ILLEGAL_TRANSITION,
                f"claim {ident} is {record.status.value}, not "
                + " or ".join(status.value for status in allowed),
            )
        return self._put(replace(record, height=height, **changes))

    def submit(self, proven: ProvenClaim, height: int) -> ClaimBook:
        """Record a claim whose evidence holds (see :func:`verify_claim`):
        CLAIM_DUPLICATE for an id already in the book, CLAIM_DOUBLE when the account
        already has a live claim, CLAIM_EXCEEDS_TOTAL when the live claims against the
        same state would total more than it."""
        _height(height, 0, proven.id)
        if any(r.id == proven.id for r in self.claims):
            raise _fail(ReasonCode.CLAIM_DUPLICATE, f"claim {proven.id} is already submitted")
        live = [r for r in self.claims if r.status in LIVE]
        chain_id = proven.claim.chain_id
        if any((r.chain_id, r.account) == (chain_id, proven.account) for r in live):
            raise _fail(
                ReasonCode.CLAIM_DOUBLE, f"account {proven.account} already has a live claim"
            )
        commitment = proven.claim.anchor.commitment
        claimed = sum(r.amount for r in live if r.anchor == commitment)
        if claimed + proven.amount > proven.total:
            raise _fail(
                ReasonCode.CLAIM_EXCEEDS_TOTAL,
                f"claims against anchor {proven.claim.anchor.sequence} would total "
                f"{claimed + proven.amount}, its state holds {proven.total}",
            )
        record = ClaimRecord(
            proven.id,
            chain_id,
            proven.account,
            proven.amount,
            commitment,
            proven.total,
            proven.claim.params,
            ClaimStatus.SUBMITTED,
            height,
            height,
        )
        return self._put(record)

    def accept(self, ident: str, height: int) -> ClaimBook:
        """submitted -> challenge: the window runs until ``height + challenge_blocks``."""
        record = self.get(ident)
        return self._move(
            ident,
            height,
            (ClaimStatus.SUBMITTED,),
            status=ClaimStatus.CHALLENGE,
            window_end=height + record.params.challenge_blocks,
        )

    def reject(self, ident: str, height: int, reason: str) -> ClaimBook:
        """submitted -> rejected (its evidence did not hold), with the reason."""
        return self._move(
            ident, height, (ClaimStatus.SUBMITTED,), status=ClaimStatus.REJECTED, reason=reason
        )

    def dispute(self, ident: str, height: int, reason: str) -> ClaimBook:
        """challenge -> disputed, for a dispute that holds (see :func:`verify_dispute`),
        only while the window is open (CLAIM_WINDOW_CLOSED)."""
        record = self.get(ident)
        if record.window_end is not None and height >= record.window_end:
            raise _fail(
                ReasonCode.CLAIM_WINDOW_CLOSED,
                f"claim {ident}: the challenge window closed at height {record.window_end}",
            )
        return self._move(
            ident, height, (ClaimStatus.CHALLENGE,), status=ClaimStatus.DISPUTED, reason=reason
        )

    def approve(self, ident: str, height: int, approvals: Sequence[bytes]) -> ClaimBook:
        """challenge -> approved, once the window has ended (CLAIM_WINDOW_OPEN), with
        a validator quorum over the claim id (:func:`verify_approvals`)."""
        record = self.get(ident)
        _height(height, record.height, ident)
        if record.window_end is not None and height < record.window_end:
            raise _fail(
                ReasonCode.CLAIM_WINDOW_OPEN,
                f"claim {ident}: the challenge window is open until height {record.window_end}",
            )
        if record.status is ClaimStatus.CHALLENGE:
            verify_approvals(record.params, ident, approvals)
        return self._move(
            ident,
            height,
            (ClaimStatus.CHALLENGE,),
            status=ClaimStatus.APPROVED,
            approvals=tuple(approvals),
        )

    def pay(self, ident: str, height: int, txid: bytes) -> ClaimBook:
        """approved -> paid, by the Bitcoin transaction ``txid``."""
        if not isinstance(txid, bytes) or len(txid) != 32:
            raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, f"claim {ident}: txid not 32 bytes")
        return self._move(
            ident, height, (ClaimStatus.APPROVED,), status=ClaimStatus.PAID, payout_txid=txid
        )

    def paid_total(self, anchor: bytes) -> int:
        """What the approved and paid claims against one anchored state add up to."""
        return sum(
            r.amount
            for r in self.claims
            if r.anchor == anchor and r.status in (ClaimStatus.APPROVED, ClaimStatus.PAID)
        )


# --- claim documents ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimEvent:
    """One step of a claim's history at a Bitcoin height: ``submit``, ``accept``,
    ``dispute`` (with the dispute), ``approve`` (with the approvals) or ``pay`` (with
    the payout txid)."""

    height: int
    action: str
    dispute: LaterStateDispute | DoubleClaimDispute | None = None
    approvals: tuple[bytes, ...] = ()
    txid: bytes | None = None


@dataclass(frozen=True, slots=True)
class ClaimDocument:
    """A claim and its history, as an auditor receives it (format ``ailee-exit-claim``)."""

    claim: ExitClaim
    events: tuple[ClaimEvent, ...]


_ACTIONS: Final = ("submit", "accept", "dispute", "approve", "pay")


def replay(
    document: ClaimDocument,
    evidence: Mapping[int, EvidenceItem],
    chain: HeaderChain,
    pinned: bytes | None = None,
) -> tuple[ProvenClaim, ClaimRecord]:
    """Verify the claim (:func:`verify_claim`) and replay its history
    (:func:`replay_events`); return the proven claim and its final record."""
    proven = verify_claim(document.claim, evidence, chain, pinned)
    return proven, replay_events(proven, document.events, evidence, chain, pinned)


def replay_events(
    proven: ProvenClaim,
    events: Sequence[ClaimEvent],
    evidence: Mapping[int, EvidenceItem],
    chain: HeaderChain,
    pinned: bytes | None = None,
) -> ClaimRecord:
    """Replay a proven claim's events through the state machine; return its final
    record. The history must start with ``submit`` (CLAIM_ILLEGAL_TRANSITION); no event
    may be above the evidence's tip (CLAIM_HEIGHT_BEYOND_EVIDENCE), since heights are
    the only clock; at ``accept`` the anchor must have its confirmations at that height
    (SPV_TOO_FEW_CONFIRMATIONS). Errors name the event: ``events[k] (action): ...``."""
    if not events or events[0].action != "submit":
        raise _fail(ReasonCode.CLAIM_ILLEGAL_TRANSITION, "a claim's history starts with submit")
    book = ClaimBook()
    for k, event in enumerate(events):
        where = f"events[{k}] ({event.action})"
        if event.height > chain.tip_height:
            raise _fail(
                ReasonCode.CLAIM_HEIGHT_BEYOND_EVIDENCE,
                f"{where}: height {event.height} is above the evidence tip {chain.tip_height}",
            )
        try:
            book = apply_event(book, proven, event, evidence, chain, pinned=pinned)
        except AileeError as exc:
            raise type(exc)(exc.code, f"{where}: {exc.message}") from None
    return book.get(proven.id)


def apply_event(
    book: ClaimBook,
    proven: ProvenClaim,
    event: ClaimEvent,
    evidence: Mapping[int, EvidenceItem],
    chain: HeaderChain,
    *,
    pinned: bytes | None = None,
) -> ClaimBook:
    """Apply one event of the proven claim to ``book`` (see :func:`replay_events` for
    the rules of ``accept``; ``dispute`` verifies its dispute first)."""
    ident = proven.id
    if event.action == "submit":
        return book.submit(proven, event.height)
    if event.action == "accept":
        needed = proven.claim.params.anchor_confirmations
        confirmations = event.height - proven.anchor_height + 1
        if confirmations < needed:
            raise _fail(
                ReasonCode.SPV_TOO_FEW_CONFIRMATIONS,
                f"the anchor has {max(confirmations, 0)} confirmations at height "
                f"{event.height}, {needed} needed",
            )
        return book.accept(ident, event.height)
    if event.action == "dispute":
        if event.dispute is None:  # the reader never builds one
            raise _fail(ReasonCode.CLAIM_DISPUTE_INVALID, "a dispute event without a dispute")
        book.get(ident)  # CLAIM_UNKNOWN first
        reason = verify_dispute(proven, event.height, event.dispute, evidence, chain, pinned=pinned)
        return book.dispute(ident, event.height, reason)
    if event.action == "approve":
        return book.approve(ident, event.height, event.approvals)
    if event.txid is None:  # the reader never builds one
        raise _fail(ReasonCode.CLAIM_ILLEGAL_TRANSITION, "a pay event without a txid")
    return book.pay(ident, event.height, event.txid)


def _entries(value: Any, path: str, maximum: int) -> tuple[bytes, ...]:
    """key || signature entries, ascending and distinct (LIST_NOT_SORTED_UNIQUE)."""
    entries = tuple(_hex(v, f"{path}[{k}]", 96) for k, v in enumerate(_list(value, path, maximum)))
    if any(a >= b for a, b in itertools.pairwise(entries)):
        raise DecodeError(
            ReasonCode.LIST_NOT_SORTED_UNIQUE, f"{path}: entries must be ascending and distinct"
        )
    return entries


def _federation(value: Any, path: str) -> tuple[FederationConfig, ...]:
    return tuple(
        read_fields(FederationConfig, v, Form.JSON, f"{path}[{k}]")
        for k, v in enumerate(_list(value, path, 1_000))
    )


def _proof(value: Any, path: str) -> StateProof:
    try:
        return proof_from_json(value)
    except DecodeError as exc:
        raise DecodeError(exc.code, f"{path}: {exc.message}") from None


def _params(value: Any, path: str) -> RecoveryParams:
    obj = expect_object(value, path, ("challenge_blocks", "anchor_confirmations", "validators"))
    challenge = _uint(obj["challenge_blocks"], f"{path}.challenge_blocks")
    confirmations = _uint(obj["anchor_confirmations"], f"{path}.anchor_confirmations")
    RecoveryParams(challenge, confirmations)  # the counts' ranges before the keys
    keys = _list(obj["validators"], f"{path}.validators", MAX_VALIDATORS)
    return RecoveryParams(
        challenge,
        confirmations,
        tuple(_hex(key, f"{path}.validators[{k}]", 32) for k, key in enumerate(keys)),
    )


def _claim(value: Any, path: str) -> ExitClaim:
    names = (
        "chain_id",
        "anchor",
        "proof",
        "destination",
        "recovery",
        "federation",
        "attestation",
    )
    obj = expect_object(value, path, names)
    # Read in the documented order (docs/recovery.md 7), so the first fault is reported.
    if not isinstance(obj["chain_id"], str):
        raise wrong_type(f"{path}.chain_id", "string", obj["chain_id"])
    chain_id = check_id(obj["chain_id"], f"{path}.chain_id")
    anchor = read_fields(Anchor, obj["anchor"], Form.JSON, f"{path}.anchor")
    proof = _proof(obj["proof"], f"{path}.proof")
    destination = _hex(obj["destination"], f"{path}.destination")
    if not 1 <= len(destination) <= _MAX_SCRIPT:
        raise DecodeError(
            ReasonCode.BYTES_WRONG_LENGTH, f"{path}.destination: 1 to {_MAX_SCRIPT} bytes"
        )
    params = _params(obj["recovery"], f"{path}.recovery")
    federation = _federation(obj["federation"], f"{path}.federation")
    attestation = _entries(obj["attestation"], f"{path}.attestation", 1_000)
    return ExitClaim(chain_id, anchor, proof, destination, params, federation, attestation)


def _choice(value: Any, path: str, name: str, choices: tuple[str, ...]) -> str:
    """The field that decides an object's other fields, read first: missing
    SCHEMA_MISSING_FIELD, not text SCHEMA_WRONG_TYPE, unknown ENUM_UNKNOWN_VALUE."""
    if not isinstance(value, dict):
        raise wrong_type(path, "object", value)
    if name not in value:
        raise DecodeError(ReasonCode.SCHEMA_MISSING_FIELD, f"{path}.{name}: missing")
    chosen = value[name]
    if not isinstance(chosen, str):
        raise wrong_type(f"{path}.{name}", "string", chosen)
    if chosen not in choices:
        raise DecodeError(
            ReasonCode.ENUM_UNKNOWN_VALUE, f"{path}.{name}: {chosen!r} is not one of {choices}"
        )
    return chosen


def _dispute(value: Any, path: str) -> LaterStateDispute | DoubleClaimDispute:
    kind = _choice(value, path, "kind", ("later_state", "double_claim"))
    if kind == "later_state":
        obj = expect_object(value, path, ("kind", "anchor", "proof", "attestation", "federation"))
        federation = (
            None
            if obj["federation"] is None
            else _federation(obj["federation"], f"{path}.federation")
        )
        return LaterStateDispute(
            read_fields(Anchor, obj["anchor"], Form.JSON, f"{path}.anchor"),
            _proof(obj["proof"], f"{path}.proof"),
            _entries(obj["attestation"], f"{path}.attestation", 1_000),
            federation,
        )
    obj = expect_object(value, path, ("kind", "claim", "approvals"))
    return DoubleClaimDispute(
        _claim(obj["claim"], f"{path}.claim"),
        _entries(obj["approvals"], f"{path}.approvals", MAX_VALIDATORS),
    )


def _event(value: Any, path: str) -> ClaimEvent:
    action = _choice(value, path, "action", _ACTIONS)
    extra = {"dispute": ("dispute",), "approve": ("approvals",), "pay": ("txid",)}
    obj = expect_object(value, path, ("height", "action", *extra.get(action, ())))
    height = _uint(obj["height"], f"{path}.height")
    if action == "dispute":
        return ClaimEvent(height, action, dispute=_dispute(obj["dispute"], f"{path}.dispute"))
    if action == "approve":
        approvals = _entries(obj["approvals"], f"{path}.approvals", MAX_VALIDATORS)
        return ClaimEvent(height, action, approvals=approvals)
    if action == "pay":
        return ClaimEvent(height, action, txid=_hex(obj["txid"], f"{path}.txid", 32))
    return ClaimEvent(height, action)


def claim_document_from_json(data: bytes) -> ClaimDocument:
    """Read a claim document strictly (DecodeError with the field's path)."""
    doc = jsoncodec.loads(data)
    check_version(doc, "claim", CLAIM_VERSION)
    obj = expect_object(doc, "claim", ("format", "version", "claim", "events"))
    if not isinstance(obj["format"], str):
        raise wrong_type("claim.format", "string", obj["format"])
    if obj["format"] != CLAIM_FORMAT:
        raise DecodeError(ReasonCode.SCHEMA_BAD_FORMAT, f"claim.format: not {CLAIM_FORMAT!r}")
    if _uint(obj["version"], "claim.version") != CLAIM_VERSION:
        raise DecodeError(ReasonCode.SCHEMA_UNSUPPORTED_VERSION, "claim.version: not 1")
    claim = _claim(obj["claim"], "claim.claim")
    events = tuple(
        _event(e, f"claim.events[{k}]")
        for k, e in enumerate(_list(obj["events"], "claim.events", MAX_CLAIM_EVENTS))
    )
    return ClaimDocument(claim, events)


def _claim_json(claim: ExitClaim) -> dict[str, Any]:
    return {
        "chain_id": claim.chain_id,
        "anchor": write_fields(claim.anchor, Form.JSON),
        "proof": proof_to_json(claim.proof),
        "destination": claim.destination.hex(),
        "recovery": claim.params.to_json(),
        "federation": [write_fields(c, Form.JSON) for c in claim.federation],
        "attestation": [e.hex() for e in claim.attestation],
    }


def _event_json(event: ClaimEvent) -> dict[str, Any]:
    out: dict[str, Any] = {"height": event.height, "action": event.action}
    dispute = event.dispute
    if isinstance(dispute, LaterStateDispute):
        out["dispute"] = {
            "kind": "later_state",
            "anchor": write_fields(dispute.anchor, Form.JSON),
            "proof": proof_to_json(dispute.proof),
            "attestation": [e.hex() for e in dispute.attestation],
            "federation": None
            if dispute.federation is None
            else [write_fields(c, Form.JSON) for c in dispute.federation],
        }
    elif isinstance(dispute, DoubleClaimDispute):
        out["dispute"] = {
            "kind": "double_claim",
            "claim": _claim_json(dispute.other),
            "approvals": [e.hex() for e in dispute.approvals],
        }
    if event.action == "approve":
        out["approvals"] = [e.hex() for e in event.approvals]
    if event.txid is not None:
        out["txid"] = event.txid.hex()
    return out


def claim_document_to_json(document: ClaimDocument) -> str:
    """The canonical JSON text of a claim document."""
    return jsoncodec.dumps(
        {
            "format": CLAIM_FORMAT,
            "version": CLAIM_VERSION,
            "claim": _claim_json(document.claim),
            "events": [_event_json(e) for e in document.events],
        }
    )
