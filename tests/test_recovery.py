"""Exit claims: parameters and their commitment, claim ids, verification of the anchored
balance, disputes, the claim state machine (with a hypothesis state machine), claim
documents and ``ailee-l2-verify claim``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ailee.bridge import sign
from ailee.errors import AileeError, ReasonCode
from ailee.evidence import evidence_from_json, verify_evidence_chain
from ailee.recovery import (
    ClaimBook,
    ClaimStatus,
    ProvenClaim,
    RecoveryParams,
    approval_message,
    claim_document_from_json,
    claim_document_to_json,
    claim_id,
    replay,
    required_approvals,
    verify_claim,
    verify_dispute,
)
from ailee_verify.cli import main
from tests.helpers import EXAMPLES, load_tool

vectors = load_tool("generate_claim_vectors")
ex = load_tool("make_examples")
CLAIM = EXAMPLES / "claim.json"
CLAIM_EVIDENCE = EXAMPLES / "claim-evidence.json"


def code_of(action: Any) -> ReasonCode:
    with pytest.raises(AileeError) as info:
        action()
    return info.value.code


def _tagged(tag: str, msg: bytes) -> bytes:
    digest = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(digest + digest + msg).digest()


# --- parameters, ids, approvals --------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (6, 4), (7, 5), (100, 67)]
)
def test_required_approvals_is_ceil_two_thirds(n: int, needed: int) -> None:
    assert required_approvals(n) == needed
    assert 3 * needed >= 2 * n > 3 * (needed - 1)


def test_an_empty_validator_set_never_approves() -> None:
    assert code_of(lambda: required_approvals(0)) is ReasonCode.CLAIM_NO_VALIDATORS


def test_recovery_metadata_known_answer() -> None:
    """Recomputed here with cbor2's canonical encoder and hashlib, independently."""
    keys = tuple(sorted(ex._xonly(bytes([k]) * 32) for k in (3, 1, 2)))
    params = RecoveryParams(144, 6, keys)
    validator_set = _tagged("ailee/v2/recovery/validators", b"".join(keys))
    body = cbor2.dumps(
        {
            "version": 1,
            "challenge_blocks": 144,
            "anchor_confirmations": 6,
            "validator_set": validator_set,
        },
        canonical=True,
    )
    assert params.validator_set_commitment() == validator_set
    assert params.metadata() == _tagged("ailee/v2/recovery/params", body)
    # Every parameter is committed.
    assert RecoveryParams(145, 6, keys).metadata() != params.metadata()
    assert RecoveryParams(144, 7, keys).metadata() != params.metadata()
    assert RecoveryParams(144, 6, keys[:2]).metadata() != params.metadata()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"challenge_blocks": 0}, ReasonCode.INT_OUT_OF_RANGE),
        ({"challenge_blocks": 1_000_001}, ReasonCode.INT_OUT_OF_RANGE),
        ({"anchor_confirmations": 0}, ReasonCode.INT_OUT_OF_RANGE),
        ({"challenge_blocks": True}, ReasonCode.INT_OUT_OF_RANGE),
        ({"validators": (bytes(32), bytes(32))}, ReasonCode.LIST_NOT_SORTED_UNIQUE),
        ({"validators": (b"\x02" * 32, b"\x01" * 32)}, ReasonCode.LIST_NOT_SORTED_UNIQUE),
        ({"validators": (bytes(31),)}, ReasonCode.BYTES_WRONG_LENGTH),
        ({"validators": ((5).to_bytes(32, "big"),)}, ReasonCode.CLAIM_VALIDATOR_INVALID),
        ({"validators": tuple(k.to_bytes(32, "big") for k in range(1001))},
         ReasonCode.INPUT_TOO_LARGE),
    ],
)  # fmt: skip
def test_recovery_params_are_validated(fields: dict[str, Any], code: ReasonCode) -> None:
    assert code_of(lambda: RecoveryParams(**fields)) is code


def test_claim_id_known_answer() -> None:
    ident = claim_id("chain", b"\x07" * 32, "bob", 5, b"\x00\x14" + bytes(20))
    body = cbor2.dumps(
        {
            "chain_id": "chain",
            "anchor": b"\x07" * 32,
            "account": "bob",
            "amount": 5,
            "destination": b"\x00\x14" + bytes(20),
        },
        canonical=True,
    )
    assert ident == _tagged("ailee/v2/recovery/claim", body).hex()
    assert approval_message(ident) == _tagged("ailee/v2/recovery/approval", bytes.fromhex(ident))
    assert claim_id("chain", b"\x07" * 32, "bob", 6, b"\x00\x14" + bytes(20)) != ident


# --- claims ----------------------------------------------------------------------------


def _example() -> tuple[Any, Any, Any]:
    document = claim_document_from_json(CLAIM.read_bytes())
    evidence = evidence_from_json(CLAIM_EVIDENCE.read_bytes())
    items = {item.sequence: item for item in evidence.items}
    return document, items, verify_evidence_chain(evidence)


def test_the_example_claim_is_approved() -> None:
    document, items, chain = _example()
    pinned = vectors.federation_fingerprint(ex.FEDERATION_0)
    proven, record = replay(document, items, chain, pinned)
    assert (proven.account, proven.amount, proven.total) == ("bob", 45_000_000, 154_990_000)
    assert record.status is ClaimStatus.APPROVED
    assert record.window_end == 10 + 144
    assert proven.id == claim_id(
        ex.CHAIN_ID, document.claim.anchor.commitment, "bob", 45_000_000, ex.BOB_EXIT_SCRIPT
    )


def test_claim_documents_round_trip() -> None:
    text = CLAIM.read_text()
    assert claim_document_to_json(claim_document_from_json(text.encode())) == text
    case = json.loads((Path(__file__).parent.parent / "vectors" / "claims.json").read_text())
    for group in case["testGroups"][:1]:
        for test in group["tests"]:
            raw = json.dumps(test["claim"]).encode()
            again = claim_document_to_json(claim_document_from_json(raw))
            assert json.loads(again) == test["claim"]


def test_a_claim_binds_its_destination() -> None:
    """Changing where the money goes changes the id, so old approvals no longer count."""
    document, items, chain = _example()
    moved = dataclasses.replace(document.claim, destination=ex.BOB_SCRIPT)
    assert verify_claim(moved, items, chain).id != verify_claim(document.claim, items, chain).id
    tampered = dataclasses.replace(document, claim=moved)
    assert code_of(lambda: replay(tampered, items, chain)) is ReasonCode.QUORUM_BAD_SIGNATURE


def test_events_name_their_position() -> None:
    document, items, chain = _example()
    late = dataclasses.replace(document.events[2], height=100)
    broken = dataclasses.replace(document, events=(*document.events[:2], late))
    with pytest.raises(AileeError) as info:
        replay(broken, items, chain)
    assert info.value.code is ReasonCode.CLAIM_WINDOW_OPEN
    assert info.value.message.startswith("events[2] (approve): ")


def test_a_later_state_dispute_needs_its_anchor_confirmed_at_the_dispute() -> None:
    """At height 2 the later anchor (in block 1) has 2 of the 3 confirmations: a dispute
    filed then cannot rest on it, though the evidence's tip confirms it later."""
    proven = verify_claim(vectors.claim("bob", 0), vectors._ITEMS, vectors._CHAIN)
    dispute = vectors._later()
    at = lambda height: verify_dispute(  # noqa: E731
        proven, height, dispute, vectors._ITEMS, vectors._CHAIN
    )
    assert code_of(lambda: at(2)) is ReasonCode.SPV_TOO_FEW_CONFIRMATIONS
    assert at(3) == "later_state"


def test_exceeding_the_proven_total_is_refused() -> None:
    """Unreachable with sound proofs (balances of distinct accounts add up to at most the
    total), so it is tested with forged proven claims."""
    document, items, chain = _example()
    proven = verify_claim(document.claim, items, chain)
    forged = dataclasses.replace(proven, total=proven.amount + 1)
    other = dataclasses.replace(forged, id="ab" * 32, account="carol", amount=2)
    book = ClaimBook().submit(forged, 1)
    assert code_of(lambda: book.submit(other, 2)) is ReasonCode.CLAIM_EXCEEDS_TOTAL
    assert code_of(lambda: book.accept("cd" * 32, 2)) is ReasonCode.CLAIM_UNKNOWN
    assert code_of(lambda: book.pay(proven.id, 3, bytes(31))) is ReasonCode.BYTES_WRONG_LENGTH


# --- the claim state machine, under random actions -------------------------------------


def _proven_claims() -> list[ProvenClaim]:
    """Claims of three accounts against two states, plus one under no validators."""
    out = [
        verify_claim(vectors.claim(account, seq), vectors._ITEMS, vectors._CHAIN)
        for account in ("alice", "bob", "carol")
        for seq in (0, 1)
    ]
    lone = vectors.claim("bob", 2, params=vectors.NO_VALIDATORS)
    return [*out, verify_claim(lone, vectors._ITEMS, vectors._CHAIN)]


PROVEN = _proven_claims()
SECRETS = ex.VALIDATOR_SECRETS


class ClaimBookMachine(RuleBasedStateMachine):
    """Random submissions, acceptances, disputes, approvals (any subset of validators,
    any height) and payments. Whatever happens: an account never has two live claims;
    approved and paid claims against one state never exceed its proven total; an empty
    validator set never approves; an approval needs ceil(2n/3) signers and the end of
    the window; final statuses never change."""

    def __init__(self) -> None:
        super().__init__()
        self.book = ClaimBook()
        self.height = 0
        self.final: dict[str, ClaimStatus] = {}

    def _try(self, action: Any) -> ReasonCode | None:
        try:
            self.book = action()
        except AileeError as exc:
            return exc.code
        return None

    @rule(k=st.integers(0, len(PROVEN) - 1), step=st.integers(0, 20))
    def submit(self, k: int, step: int) -> None:
        self.height += step
        proven = PROVEN[k]
        live = [r for r in self.book.claims if r.status not in ("disputed", "rejected")]
        code = self._try(lambda: self.book.submit(proven, self.height))
        if any(r.id == proven.id for r in self.book.claims) and code is not None:
            assert code in (ReasonCode.CLAIM_DUPLICATE, ReasonCode.CLAIM_DOUBLE)
        elif any(r.account == proven.account for r in live):
            assert code is ReasonCode.CLAIM_DOUBLE
        else:
            assert code is None

    @precondition(lambda self: self.book.claims)
    @rule(data=st.data(), step=st.integers(0, 20))
    def accept(self, data: st.DataObject, step: int) -> None:
        self.height += step
        record = data.draw(st.sampled_from(self.book.claims))
        code = self._try(lambda: self.book.accept(record.id, self.height))
        assert (code is None) == (record.status is ClaimStatus.SUBMITTED)

    @precondition(lambda self: self.book.claims)
    @rule(data=st.data(), step=st.integers(0, 20))
    def dispute(self, data: st.DataObject, step: int) -> None:
        self.height += step
        record = data.draw(st.sampled_from(self.book.claims))
        code = self._try(lambda: self.book.dispute(record.id, self.height, "later_state"))
        open_window = record.window_end is not None and self.height < record.window_end
        if record.status is ClaimStatus.CHALLENGE and open_window:
            assert code is None
        else:
            assert code is not None

    @precondition(lambda self: self.book.claims)
    @rule(data=st.data(), step=st.integers(0, 20), signers=st.sets(st.integers(0, 2)))
    def approve(self, data: st.DataObject, step: int, signers: set[int]) -> None:
        self.height += step
        record = data.draw(st.sampled_from(self.book.claims))
        message = approval_message(record.id)
        entries = sorted(sign(message, SECRETS[k], bytes(32)) for k in signers)
        code = self._try(lambda: self.book.approve(record.id, self.height, entries))
        eligible = (
            record.status is ClaimStatus.CHALLENGE
            and record.window_end is not None
            and self.height >= record.window_end
            and record.params.validators
            and len(signers) >= 2
        )
        assert (code is None) == bool(eligible), (code, record)
        if not record.params.validators and code is not None:
            assert code in (
                ReasonCode.CLAIM_NO_VALIDATORS,
                ReasonCode.CLAIM_WINDOW_OPEN,
                ReasonCode.CLAIM_ILLEGAL_TRANSITION,
            )

    @precondition(lambda self: self.book.claims)
    @rule(data=st.data(), step=st.integers(0, 20))
    def pay(self, data: st.DataObject, step: int) -> None:
        self.height += step
        record = data.draw(st.sampled_from(self.book.claims))
        code = self._try(lambda: self.book.pay(record.id, self.height, b"\x01" * 32))
        assert (code is None) == (record.status is ClaimStatus.APPROVED)

    @invariant()
    def books_balance(self) -> None:
        live = [r for r in self.book.claims if r.status not in ("disputed", "rejected")]
        accounts = [r.account for r in live]
        assert len(accounts) == len(set(accounts))
        for record in self.book.claims:
            assert self.book.paid_total(record.anchor) <= record.total
            if record.status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
                assert record.params.validators
                assert len(record.approvals) >= required_approvals(len(record.params.validators))
                assert record.window_end is not None
                assert record.height >= record.window_end
            previous = self.final.get(record.id)
            if previous is not None:
                assert record.status is previous
            if record.status in ("disputed", "rejected", "paid"):
                self.final[record.id] = record.status


ClaimBookMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_claim_book_machine = ClaimBookMachine.TestCase


# --- the command line ------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert isinstance(info.value.code, int)
    return info.value.code, out, err


def test_cli_claim_verified(capsys: pytest.CaptureFixture[str]) -> None:
    fingerprint = vectors.federation_fingerprint(ex.FEDERATION_0).hex()
    status, out, _ = run(
        capsys,
        "claim",
        str(CLAIM),
        "--evidence",
        str(CLAIM_EVIDENCE),
        "--federation",
        fingerprint,
    )
    assert status == 0
    assert out.splitlines()[-1].startswith("VERIFIED: claim ")
    assert "is approved: 45000000 sat of bob" in out
    assert "(pinned)" in out
    assert "taken from the claim itself" not in out


def test_cli_claim_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "claim", str(CLAIM), "--evidence", str(CLAIM_EVIDENCE), "--json")
    report = json.loads(out)
    assert status == 0
    assert report["ok"] is True
    assert (report["status"], report["account"], report["amount"]) == ("approved", "bob", 45000000)
    assert any("taken from the claim itself" in note for note in report["notes"])


def test_cli_claim_wrong_federation(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "claim", str(CLAIM), "--evidence", str(CLAIM_EVIDENCE), "--federation", "00" * 32
    )
    assert status == 1
    assert "CLAIM_FEDERATION_MISMATCH" in err.splitlines()[-1]


def test_cli_claim_tampered_balance(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = CLAIM.read_text()
    assert '"balance": 45000000' in text
    path = tmp_path / "claim.json"
    path.write_text(text.replace('"balance": 45000000', '"balance": 55000000', 1))
    status, _, err = run(capsys, "claim", str(path), "--evidence", str(CLAIM_EVIDENCE))
    assert status == 1
    assert "PROOF_SUM_MISMATCH" in err.splitlines()[-1]


def test_cli_claim_malformed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text('{"format": "ailee-exit-claim"}')
    status, _, err = run(capsys, "claim", str(path), "--evidence", str(CLAIM_EVIDENCE))
    assert status == 3
    assert err.splitlines()[-1].startswith("ailee-l2-verify: SCHEMA_")
    status, _, err = run(capsys, "claim", str(CLAIM), "--evidence", str(tmp_path / "missing"))
    assert status == 3
    assert "FILE_UNREADABLE" in err.splitlines()[-1]


def test_the_user_guide_shows_the_claim_command_as_it_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    guide = (EXAMPLES.parent / "docs" / "user-guide.md").read_text()
    start = guide.index("$ ailee-l2-verify claim ")
    block = guide[start : guide.index("```", start)]
    command, _, shown = block.partition("\n    --federation ")
    fingerprint, _, shown = shown.partition("\n")
    assert fingerprint == vectors.federation_fingerprint(ex.FEDERATION_0).hex()
    assert command.endswith("\\")
    status, out, _ = run(
        capsys, "claim", str(CLAIM), "--evidence", str(CLAIM_EVIDENCE), "--federation", fingerprint
    )
    assert status == 0
    assert out.replace(str(CLAIM), "examples/claim.json") == shown
    recovery = (EXAMPLES.parent / "docs" / "recovery.md").read_text()
    assert fingerprint in recovery
