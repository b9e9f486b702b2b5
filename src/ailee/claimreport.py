"""The verdict on an exit claim document and its Bitcoin evidence (``ailee-l2-verify
claim``): each stage a named check, as in the snapshot report. Pure: the caller reads
the files and passes their bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ailee.errors import AileeError, DecodeError
from ailee.verify import EXIT_FAILED, EXIT_MALFORMED, EXIT_OK, Check

if TYPE_CHECKING:
    from ailee.jsoncodec import JsonValue
    from ailee.recovery import ClaimRecord, ProvenClaim

__all__ = ["ClaimReport", "check_claim"]


@dataclass(frozen=True)
class ClaimReport:
    """The checks of a claim document, its final record if its history replayed, and
    notes on what was taken on trust."""

    checks: tuple[Check, ...]
    proven: ProvenClaim | None = None
    record: ClaimRecord | None = None
    notes: tuple[str, ...] = ()
    malformed: bool = False

    @property
    def ok(self) -> bool:
        """True if every check passed."""
        return all(check.ok for check in self.checks)

    @property
    def exit_code(self) -> int:
        """0 verified, 1 a check failed, 3 an input unreadable or malformed."""
        if self.malformed:
            return EXIT_MALFORMED
        return EXIT_OK if self.ok else EXIT_FAILED

    def to_json(self) -> dict[str, JsonValue]:
        """The ``--json`` report of ``ailee-l2-verify claim``."""
        record = self.record
        codes = sorted({c.code.value for c in self.checks if c.code is not None})
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "codes": list(codes),
            "claim": None if self.proven is None else self.proven.id,
            "account": None if self.proven is None else self.proven.account,
            "amount": None if self.proven is None else self.proven.amount,
            "status": None if record is None else record.status.value,
            "reason": None if record is None else record.reason,
            "window_end": None if record is None else record.window_end,
            "checks": [check.to_json() for check in self.checks],
            "notes": list(self.notes),
        }


def _failure(name: str, exc: AileeError) -> Check:
    return Check(name, False, exc.code, exc.message)


def check_claim(
    claim_data: bytes, evidence_data: bytes, pinned: bytes | None = None, now: int | None = None
) -> ClaimReport:
    """Read a claim document and an anchor evidence document, verify the claim and
    replay its history. ``pinned`` is the fingerprint of the trusted federation epoch
    0 (without it the claim's own epoch 0 is taken on trust, and a note says so);
    ``now`` (Unix seconds) enables the header future-time rule."""
    from ailee.evidence import evidence_from_json, verify_evidence_chain
    from ailee.headers import display_hex
    from ailee.recovery import (
        check_trust,
        claim_document_from_json,
        federation_fingerprint,
        replay_events,
        verify_trusted_claim,
    )

    checks: list[Check] = []
    try:
        document = claim_document_from_json(claim_data)
    except DecodeError as exc:
        return ClaimReport((_failure("claim.decode", exc),), malformed=True)
    checks.append(Check("claim.decode", True))
    try:
        evidence = evidence_from_json(evidence_data)
        chain = verify_evidence_chain(evidence, now)
    except AileeError as exc:
        checks.append(_failure("evidence", exc))
        return ClaimReport(tuple(checks), malformed=isinstance(exc, DecodeError))
    checks.append(
        Check(
            "evidence",
            True,
            detail=f"{chain.network}, heights {chain.base_height}..{chain.tip_height}, "
            f"tip {display_hex(chain.tip_hash)}",
        )
    )
    notes = [item.describe() for item in chain.unchecked]
    claim = document.claim
    try:
        check_trust(claim.federation, pinned)
    except AileeError as exc:
        checks.append(_failure("claim.federation", exc))
        return ClaimReport(tuple(checks), notes=tuple(notes))
    fingerprint = federation_fingerprint(claim.federation[0]).hex()
    checks.append(
        Check(
            "claim.federation",
            True,
            detail=f"{len(claim.federation)} epoch(s), epoch 0 {fingerprint}"
            + (" (pinned)" if pinned is not None else ""),
        )
    )
    if pinned is None:
        notes.append(
            f"federation epoch 0 {fingerprint} taken from the claim itself: pin the one you "
            "trust with --federation"
        )
    items = {item.sequence: item for item in evidence.items}
    try:
        # The federation passed check_trust above: its signatures are not verified twice.
        proven = verify_trusted_claim(claim, items, chain)
    except AileeError as exc:
        checks.append(_failure("claim.balance", exc))
        return ClaimReport(tuple(checks), notes=tuple(notes))
    checks.append(
        Check(
            "claim.balance",
            True,
            detail=f"{proven.account} holds {proven.amount} sat in the state anchored at "
            f"sequence {claim.anchor.sequence} (block {proven.anchor_height}), of a proven "
            f"total {proven.total}; claim id {proven.id}",
        )
    )
    try:
        record = replay_events(proven, document.events, items, chain, pinned)
    except AileeError as exc:
        checks.append(_failure("claim.history", exc))
        return ClaimReport(tuple(checks), proven, notes=tuple(notes))
    steps = ", ".join(f"{e.action} at {e.height}" for e in document.events)
    checks.append(Check("claim.history", True, detail=steps))
    return ClaimReport(tuple(checks), proven, record, tuple(notes))
