"""The bridge rules (ailee.bridge): known answers, every transition, every quorum fault."""

from __future__ import annotations

import dataclasses
import itertools
import sys
from typing import Any

import pytest

from ailee.bridge import (
    TRANSITIONS,
    advance,
    authorization_message,
    check_pegin_step,
    check_pegout,
    check_pegout_step,
    conservation_difference,
    dust_threshold,
    federation_at,
    pegin_fee,
    pegout_id,
    sign,
    verify_quorum,
)
from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.state import FederationConfig, L2State, PegIn, PegOut
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import make_examples

SECRETS = make_examples.SECRETS
FEDERATION = make_examples.FEDERATION_0


def code_of(call: Any) -> ReasonCode:
    with pytest.raises((VerificationError, DecodeError)) as info:
        call()
    return info.value.code  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("script", "dust"),
    [
        ("76a914" + "11" * 20 + "88ac", 546),  # P2PKH
        ("a914" + "11" * 20 + "87", 540),  # P2SH
        ("0014" + "11" * 20, 294),  # P2WPKH
        ("0020" + "11" * 32, 330),  # P2WSH
        ("5120" + "11" * 32, 330),  # P2TR
        ("6028" + "11" * 40, 354),  # witness v16, 40-byte program: 8+1+42 + 67 = 118
        ("0015" + "11" * 21, 297),  # v0 with 21 bytes is still a witness program to Core
        ("51", 3 * (8 + 1 + 1 + 148)),  # bare OP_TRUE: not a witness program
    ],
)
def test_dust_thresholds_are_bitcoin_cores(script: str, dust: int) -> None:
    assert dust_threshold(bytes.fromhex(script)) == dust


def test_fees_ids_and_epochs() -> None:
    policy = dataclasses.replace(FEDERATION, pegin_fee_fixed=500, pegin_fee_ppm=2_500)
    assert pegin_fee(policy, 1_000_000) == 500 + 2_500
    assert pegin_fee(policy, 399) == 500  # 399 * 2500 // 10**6 = 0
    script = bytes.fromhex("0014") + bytes(20)
    first = pegout_id("alice", 1, script, 10_000, 1_000)
    assert first == pegout_id("alice", 1, script, 10_000, 1_000)  # no clock, no randomness
    assert len(first) == 64
    assert first != pegout_id("alice", 2, script, 10_000, 1_000)  # the nonce separates
    epoch1 = dataclasses.replace(FEDERATION, epoch=1, from_sequence=5)
    assert federation_at((FEDERATION, epoch1), 4) is FEDERATION
    assert federation_at((FEDERATION, epoch1), 5) is epoch1
    with pytest.raises(VerificationError) as info:
        federation_at((epoch1,), 4)
    assert info.value.code is ReasonCode.FEDERATION_EPOCH_ORDER
    assert info.value.message == "no federation in force at 4"


def _pegout(**changes: Any) -> PegOut:
    script = bytes.fromhex("0014") + bytes(20)
    base = PegOut(pegout_id("a", 0, script, 10_000, 1_000), "a", script, 10_000, 1_000,
                  "requested", None)  # fmt: skip
    return dataclasses.replace(base, **changes)


def test_quorum_walk_reports_the_first_fault() -> None:
    message = authorization_message(_pegout(), bytes(32))
    entries = sorted(sign(message, secret, bytes(32)) for secret in SECRETS[:3])
    assert verify_quorum(message, entries, FEDERATION) == 3
    assert verify_quorum(message, entries[:2], FEDERATION) == 2
    assert code_of(lambda: verify_quorum(message, entries[:1], FEDERATION)) is (
        ReasonCode.QUORUM_NOT_MET
    )
    outsider = sign(message, SECRETS[3], bytes(32))
    mixed = sorted([*entries[:2], outsider])
    assert code_of(lambda: verify_quorum(message, mixed, FEDERATION)) is (
        ReasonCode.QUORUM_SIGNER_UNKNOWN
    )
    again = sign(message, SECRETS[0], bytes([7]) * 32)  # the same signer, another nonce
    doubled = sorted([*entries, again])
    assert code_of(lambda: verify_quorum(message, doubled, FEDERATION)) is (
        ReasonCode.QUORUM_DUPLICATE_SIGNER
    )
    broken = bytearray(entries[0])
    broken[50] ^= 0x10
    assert code_of(lambda: verify_quorum(message, [bytes(broken), *entries[1:]], FEDERATION)) is (
        ReasonCode.QUORUM_BAD_SIGNATURE
    )
    other = authorization_message(_pegout(), b"\x01" * 32)  # another anchor
    assert code_of(lambda: verify_quorum(other, entries, FEDERATION)) is (
        ReasonCode.QUORUM_BAD_SIGNATURE
    )
    # A signer key that is no x coordinate on the curve (x = 5 has no point) can sign
    # nothing: its entry is a bad signature, never an exception from coincurve.
    off_curve = (5).to_bytes(32, "big")
    odd = dataclasses.replace(FEDERATION, signers=tuple(sorted([*FEDERATION.signers, off_curve])))
    forged = sorted([*entries[:1], off_curve + bytes(64)])
    with pytest.raises(VerificationError) as info:
        verify_quorum(message, forged, odd)
    assert info.value.code is ReasonCode.QUORUM_BAD_SIGNATURE
    assert info.value.message == "a signer key is not a curve point"


def _as(status: str) -> PegOut:
    """A peg-out with the fields its status needs (spec 19.3, rule 6)."""
    fields: dict[str, Any] = {"status": status}
    if status in ("authorized", "broadcast", "confirmed"):
        fields.update(anchor_ref=b"\x01" * 32, signatures=(b"\x02" * 96,))
    if status in ("broadcast", "confirmed"):
        fields["btc_txid"] = b"\x03" * 32
    if status in ("failed", "expired"):
        fields["reason"] = "timeout"
    return _pegout(**fields)


@pytest.mark.parametrize(("before", "after"), list(itertools.product(TRANSITIONS, repeat=2)))
def test_every_status_pair(before: str, after: str) -> None:
    """Exactly the moves of TRANSITIONS are accepted (the fields of the earlier status
    kept where the later one has them)."""
    old, new = _as(before), _as(after)
    if before in ("authorized", "broadcast") and after in ("failed", "expired"):
        new = dataclasses.replace(new, anchor_ref=old.anchor_ref, signatures=old.signatures,
                                  btc_txid=old.btc_txid)  # fmt: skip
    if after in TRANSITIONS[before]:
        check_pegout_step(old, new)
    else:
        assert code_of(lambda: check_pegout_step(old, new)) is ReasonCode.PEGOUT_ILLEGAL_TRANSITION


def test_a_request_or_authorization_never_changes() -> None:
    authorized = _as("authorized")
    for change in ({"amount": 9_999}, {"btc_destination": b"\x51"}, {"nonce": 1},
                   {"anchor_ref": b"\x09" * 32}, {"signatures": (b"\x05" * 96,)}):  # fmt: skip
        changed = dataclasses.replace(authorized, **change)
        assert code_of(lambda c=changed: check_pegout_step(authorized, c)) is (
            ReasonCode.PEGOUT_ILLEGAL_TRANSITION
        )
    assert code_of(lambda: check_pegout_step(authorized, None)) is ReasonCode.PEGOUT_REMOVED


def test_pegin_steps() -> None:
    deposit = PegIn(b"\x04" * 32, 0, 200_000, "alice", "pending", 1_000, 0)
    for status in ("pending", "confirmed", "minted", "rejected"):
        later = dataclasses.replace(deposit, status=status)
        check_pegin_step(deposit, later)  # forward (or staying) from pending: allowed
        if status != "pending":
            assert code_of(lambda lt=later: check_pegin_step(lt, deposit)) is (
                ReasonCode.PEGIN_ILLEGAL_TRANSITION
            )
    assert code_of(lambda: check_pegin_step(deposit, None)) is ReasonCode.PEGIN_REMOVED
    assert (
        code_of(lambda: check_pegin_step(deposit, dataclasses.replace(deposit, fee=999)))
        is ReasonCode.PEGIN_ILLEGAL_TRANSITION
    )


def test_conservation_counts_what_left_and_what_was_refunded() -> None:
    states = make_examples.chain_states()
    assert [conservation_difference(s) for s in states] == [0, 0, 0]
    third = states[2]
    failed = dataclasses.replace(third.pegouts[0], status="failed", reason="timeout")
    refunded = dataclasses.replace(third, pegouts=(failed,))
    # A failed peg-out no longer counts: until the source gets it back, value is missing.
    assert conservation_difference(refunded) == -(failed.amount + failed.fee)


def test_federation_policy_and_fee_bounds_are_read_strictly() -> None:
    key = FEDERATION.signers[0]
    with pytest.raises(DecodeError) as info:
        FederationConfig(0, 1, (key,), pegin_min=10, pegin_max=9)
    assert info.value.code is ReasonCode.FEDERATION_POLICY_INVALID
    with pytest.raises(DecodeError) as info:
        PegIn(b"\x04" * 32, 0, 100, "a", "minted", 101, 0)
    assert info.value.code is ReasonCode.AMOUNT_OUT_OF_RANGE


def test_advance_is_the_transition_function() -> None:
    requested = _pegout()
    authorized = advance(requested, "authorized", anchor_ref=b"\x01" * 32,
                         signatures=(b"\x02" * 96,))  # fmt: skip
    broadcast = advance(authorized, "broadcast", btc_txid=b"\x03" * 32)
    assert advance(broadcast, "confirmed").status == "confirmed"
    assert advance(requested, "expired", reason="timeout").reason == "timeout"
    assert requested.status == "requested"  # records are values: nothing changed
    illegal = [
        lambda: advance(requested, "confirmed", btc_txid=b"\x03" * 32),
        lambda: advance(broadcast, "authorized"),
        lambda: advance(requested, "paid"),
        lambda: advance(requested, "authorized", amount=1),
    ]
    for step in illegal:
        assert code_of(step) is ReasonCode.PEGOUT_ILLEGAL_TRANSITION
    assert code_of(lambda: advance(requested, "authorized")) is (
        ReasonCode.PEGOUT_FIELDS_INCONSISTENT
    )
    assert code_of(lambda: advance(requested, "failed")) is ReasonCode.PEGOUT_FIELDS_INCONSISTENT


# --- check_pegout and conservation, by exact reason code (mutation testing) -----------

P2WPKH_DUST = 294


def _request(state: L2State, **changes: Any) -> PegOut:
    """The example peg-out request of ``state`` with ``changes``, its id recomputed."""
    changed = dataclasses.replace(state.pegouts[0], **changes)
    fresh = pegout_id(changed.l2_source, changed.nonce, changed.btc_destination,
                      changed.amount, changed.fee)  # fmt: skip
    return dataclasses.replace(changed, id=fresh)


def test_check_pegout_bounds_are_inclusive() -> None:
    state = make_examples.chain_states()[1]  # sequence 1, epoch 0: fees 1,000 to 1,000,000
    check_pegout(state.pegouts[0], state)
    for ok in ({"amount": P2WPKH_DUST}, {"fee": 1_000}, {"fee": 1_000_000},
               {"requested_at": state.header.sequence}, {"requested_at": 0}):  # fmt: skip
        check_pegout(_request(state, **ok), state)
    refused = [
        ({"amount": P2WPKH_DUST - 1}, ReasonCode.PEGOUT_DUST),
        ({"fee": 999}, ReasonCode.PEGOUT_FEE_OUT_OF_POLICY),
        ({"fee": 1_000_001}, ReasonCode.PEGOUT_FEE_OUT_OF_POLICY),
        ({"requested_at": state.header.sequence + 1}, ReasonCode.PEGOUT_REQUEST_IN_FUTURE),
        ({"btc_destination": b"\x6a\x01\x00"}, ReasonCode.PEGOUT_DESTINATION_UNSPENDABLE),
    ]
    for change, code in refused:
        pegout = _request(state, **change)
        assert code_of(lambda p=pegout: check_pegout(p, state)) is code, change
    # A script that only starts near OP_RETURN (0x6b: OP_TOALTSTACK) is spendable.
    check_pegout(_request(state, btc_destination=b"\x6b" + bytes(40)), state)
    no_federation = dataclasses.replace(state, federation=())
    pegout = state.pegouts[0]
    with pytest.raises(VerificationError) as info:
        check_pegout(pegout, no_federation)
    assert info.value.code is ReasonCode.PEGOUT_FEE_OUT_OF_POLICY
    assert info.value.message == (
        f"peg-out {pegout.id}: no federation in force at {pegout.requested_at}, so no fee policy"
    )


def test_check_pegout_id_covers_every_request_field() -> None:
    state = make_examples.chain_states()[1]
    pegout = state.pegouts[0]
    for change in ({"l2_source": "bob"}, {"nonce": 2}, {"amount": pegout.amount + 1},
                   {"fee": pegout.fee + 1}, {"btc_destination": b"\x51"}):  # fmt: skip
        stale = dataclasses.replace(pegout, **change)
        assert code_of(lambda p=stale: check_pegout(p, state)) is ReasonCode.PEGOUT_ID_MISMATCH


def test_check_pegout_authorization_is_the_quorum_at_the_anchor() -> None:
    state = make_examples.chain_states()[2]  # anchors 0 and 1; epoch 1 from sequence 2
    pegout = state.pegouts[0]  # authorized against anchor 0 by epoch 0's quorum
    check_pegout(pegout, state)
    # Requested at 2, when epoch 1 (without SECRETS[0]'s key) is in force: the quorum is
    # still epoch 0's, the federation at the anchor's sequence.
    check_pegout(dataclasses.replace(pegout, requested_at=2), state)
    message = authorization_message(pegout, state.anchors[0].commitment)
    outsider = tuple(sorted(sign(message, SECRETS[i], bytes(32)) for i in (1, 3)))
    broken = bytearray(pegout.signatures[0])
    broken[50] ^= 0x10
    refused = [
        ({"requested_at": 0}, ReasonCode.PEGOUT_ANCHOR_NOT_EARLIER),  # anchor 0, not earlier
        ({"anchor_ref": b"\x09" * 32}, ReasonCode.PEGOUT_ANCHOR_UNKNOWN),
        ({"signatures": pegout.signatures[:1]}, ReasonCode.QUORUM_NOT_MET),
        ({"signatures": outsider}, ReasonCode.QUORUM_SIGNER_UNKNOWN),  # epoch 1's key
        ({"signatures": (bytes(broken), pegout.signatures[1])}, ReasonCode.QUORUM_BAD_SIGNATURE),
        # the signatures are over anchor 0's commitment, not anchor 1's
        (
            {"anchor_ref": state.anchors[1].commitment, "requested_at": 2},
            ReasonCode.QUORUM_BAD_SIGNATURE,
        ),
    ]
    for change, code in refused:
        changed = dataclasses.replace(pegout, **change)
        assert code_of(lambda p=changed: check_pegout(p, state)) is code, change


@pytest.mark.parametrize("status", list(TRANSITIONS))
def test_check_pegout_fields_per_status(status: str) -> None:
    """Each combination of anchor, signatures, txid and reason, for each status:
    PEGOUT_FIELDS_INCONSISTENT exactly when spec 19.3 rule 6 refuses it."""
    state = make_examples.chain_states()[1]
    authorized = status in ("authorized", "broadcast", "confirmed")
    broadcast = status in ("broadcast", "confirmed")
    settled = status in ("failed", "expired")
    for anchor, signatures, txid, reason in itertools.product(
        (None, b"\x01" * 32), ((), (b"\x02" * 96,)), (None, b"\x03" * 32), (None, "timeout")
    ):
        valid = (anchor is None) == (not signatures) and (reason is not None) == settled
        if not settled:
            valid = valid and (anchor is not None) == authorized
            valid = valid and (txid is not None) == broadcast
        pegout = dataclasses.replace(
            state.pegouts[0],
            status=status,
            anchor_ref=anchor,
            signatures=signatures,
            btc_txid=txid,
            reason=reason,
        )
        # What the auditor is told: every rule of 19.3 rule 6 the record breaks.
        problems = [
            text
            for broken, text in (
                (authorized and (anchor is None or not signatures), "an anchor and signatures"),
                (
                    status == "requested" and (anchor is not None or bool(signatures)),
                    "no anchor or signatures before authorization",
                ),
                ((anchor is None) != (not signatures), "an anchor exactly when signatures"),
                (
                    not settled and broadcast != (txid is not None),
                    "a Bitcoin txid exactly from broadcast on",
                ),
                (settled != (reason is not None), "a reason exactly when failed or expired"),
            )
            if broken
        ]
        assert bool(problems) == (not valid)
        if problems:
            with pytest.raises(VerificationError) as info:
                check_pegout(pegout, state)
            assert info.value.message == (
                f"peg-out {pegout.id} ({status}) needs {'; '.join(problems)}"
            )
        expected = (
            ReasonCode.PEGOUT_FIELDS_INCONSISTENT
            if not valid
            else None
            if anchor is None
            else ReasonCode.PEGOUT_ANCHOR_UNKNOWN  # the fields pass; b"\x01" * 32 is no anchor
        )
        if expected is None:
            check_pegout(pegout, state)
        else:
            assert code_of(lambda p=pegout: check_pegout(p, state)) is expected, pegout


def test_conservation_difference_known_answer() -> None:
    state = make_examples.chain_states()[1]
    pegin = state.pegins[0]
    pegins = tuple(
        dataclasses.replace(
            pegin, btc_txid=bytes([i]) * 32, amount=100_000 + i, fee=10 * i + 1, status=status
        )
        for i, status in enumerate(("pending", "confirmed", "minted", "rejected", "minted"))
    )
    pegouts = tuple(
        dataclasses.replace(_as(status), id=str(i) * 64, amount=1_000 * (i + 1), fee=i + 1)
        for i, status in enumerate(TRANSITIONS)
    )
    changed = dataclasses.replace(state, pegins=pegins, pegouts=pegouts)
    balances = sum(account.balance for account in state.accounts)
    # credits: minted only (i = 2, 4); taken: requested, authorized, broadcast, confirmed
    credited = (100_002 - 21) + (100_004 - 41)
    taken = (1_000 + 1) + (2_000 + 2) + (3_000 + 3) + (4_000 + 4)
    assert conservation_difference(changed) == balances + taken - credited
