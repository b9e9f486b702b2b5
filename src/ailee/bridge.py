"""The federated bridge: peg-ins, peg-outs, quorum authorization, conservation of value.

Custody is federated: the signers of a :class:`~ailee.state.FederationConfig` hold the
bitcoin, and ``threshold`` of them (m of n) must sign what leaves. Nothing here makes
Bitcoin enforce an exit; these are the rules a snapshot must keep, checked offline.

* Peg-ins: the L2 credit of a deposit is ``amount - fee``, the fee being the policy of
  the federation epoch the record names (``pegin_fee``); the amount must be within
  that epoch's bounds. Deposits are never removed and change status only forward, so
  an outpoint is credited at most once, ever.
* Peg-outs: the id is derived from the request (``pegout_id``), not from a clock; the
  destination must be spendable and not dust (Bitcoin Core's dust rule), the fee
  within the policy; the quorum of the federation in force at an **earlier** anchor
  signs ``authorization_message`` (id, source, destination, amount, fee and that
  anchor's commitment). Status moves only along ``TRANSITIONS``.
* Federation changes: epoch ``e > 0`` is signed by epoch ``e - 1``'s quorum
  (``federation_change_message``).
* Conservation: the balances plus what peg-outs not failed or expired took from them
  (amount and fee) equal the credits of minted peg-ins, exactly.

Every function is pure; failures raise :class:`~ailee.errors.VerificationError` with a
stable reason code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from ailee import encoding
from ailee.errors import ReasonCode, VerificationError
from ailee.hashing import Tag, tagged_hash

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

    from ailee.safety import BridgeStatus
    from ailee.state import FederationConfig, L2State, PegIn, PegOut

__all__ = [
    "DUST_RELAY_FEE",
    "TRANSITIONS",
    "advance",
    "authorization_message",
    "check_federation",
    "check_pegin",
    "check_pegin_admitted",
    "check_pegin_step",
    "check_pegout",
    "check_pegout_admitted",
    "check_pegout_nonces",
    "check_pegout_step",
    "check_request_nonce",
    "conservation_difference",
    "dust_threshold",
    "epoch_of",
    "federation_at",
    "federation_change_message",
    "pegin_fee",
    "pegout_id",
    "sign",
    "verify_quorum",
    "verify_signatures",
]

#: Bitcoin Core's default dust relay fee, in satoshis per 1,000 virtual bytes.
DUST_RELAY_FEE: Final = 3_000
#: Peg-out status moves: each status to the statuses it may have next (itself included).
TRANSITIONS: Final = {
    "requested": ("requested", "authorized", "failed", "expired"),
    "authorized": ("authorized", "broadcast", "failed", "expired"),
    "broadcast": ("broadcast", "confirmed", "failed"),
    "confirmed": ("confirmed",),
    "failed": ("failed",),
    "expired": ("expired",),
}
_PEGIN_TRANSITIONS: Final = {
    "pending": ("pending", "confirmed", "minted", "rejected"),
    "confirmed": ("confirmed", "minted", "rejected"),
    "minted": ("minted",),
    "rejected": ("rejected",),
}
_SETTLED_OUT: Final = ("failed", "expired")
_OP_RETURN: Final = 0x6A


def _fail(code: ReasonCode, message: str) -> VerificationError:
    return VerificationError(code, message)


# --- policy -------------------------------------------------------------------------


def pegin_fee(config: FederationConfig, amount: int) -> int:
    """The peg-in fee of ``config``'s policy: ``fixed + amount * ppm // 1,000,000``."""
    return config.pegin_fee_fixed + amount * config.pegin_fee_ppm // 1_000_000


def _is_witness_program(script: bytes) -> bool:
    """Bitcoin Core's ``IsWitnessProgram``: a version opcode then one 2-40 byte push."""
    if not 4 <= len(script) <= 42:
        return False
    if script[0] != 0 and not 0x51 <= script[0] <= 0x60:
        return False
    return script[1] + 2 == len(script)


def dust_threshold(script: bytes, relay_fee: int = DUST_RELAY_FEE) -> int:
    """The smallest non-dust value of an output paying ``script`` (Bitcoin Core's
    ``GetDustThreshold``: the output's size plus the size of spending it, at the dust
    relay fee): 546 for P2PKH, 540 P2SH, 294 P2WPKH, 330 P2WSH and P2TR."""
    size = 8 + _compact_size(len(script)) + len(script)
    size += 32 + 4 + 1 + (107 // 4 if _is_witness_program(script) else 107) + 4
    return size * relay_fee // 1_000


def _compact_size(n: int) -> int:
    return 1 if n < 0xFD else 3 if n <= 0xFFFF else 5


def epoch_of(federation: Sequence[FederationConfig], epoch: int) -> FederationConfig | None:
    """The record of federation epoch ``epoch`` (by its number), or None."""
    return next((config for config in federation if config.epoch == epoch), None)


def federation_at(federation: Sequence[FederationConfig], sequence: int) -> FederationConfig:
    """The epoch in force at L2 ``sequence``: the last with ``from_sequence <= sequence``
    (epochs are in ascending order, see :func:`check_federation`)."""
    found = None
    for config in federation:
        if config.from_sequence <= sequence:
            found = config
    if found is None:
        raise _fail(ReasonCode.FEDERATION_EPOCH_ORDER, f"no federation in force at {sequence}")
    return found


# --- messages and signatures ----------------------------------------------------------


def pegout_id(source: str, nonce: int, destination: bytes, amount: int, fee: int) -> str:
    """The id of a peg-out request: the hex of
    ``tagged_hash("ailee/v2/pegout/id", CBOR({source, nonce, destination, amount, fee}))``.
    The source's nonce makes two equal requests distinct; no clock is involved."""
    body: dict[str, Any] = {
        "source": source,
        "nonce": nonce,
        "destination": destination,
        "amount": amount,
        "fee": fee,
    }
    return tagged_hash(Tag.PEGOUT_ID, encoding.encode(body)).hex()


def authorization_message(pegout: PegOut, anchor_commitment: bytes) -> bytes:
    """What the quorum signs for a peg-out: ``tagged_hash("ailee/v2/pegout/authorization",
    CBOR({id, source, destination, amount, fee, anchor}))``, ``anchor`` being the
    commitment of the earlier anchor the exit is authorized against."""
    body: dict[str, Any] = {
        "id": pegout.id,
        "source": pegout.l2_source,
        "destination": pegout.btc_destination,
        "amount": pegout.amount,
        "fee": pegout.fee,
        "anchor": anchor_commitment,
    }
    return tagged_hash(Tag.PEGOUT_AUTHORIZATION, encoding.encode(body))


def federation_change_message(config: FederationConfig) -> bytes:
    """What the previous epoch's quorum signs for a new epoch: the tagged hash
    (``ailee/v2/federation/change``) of the new config's CBOR without its
    ``authorization``."""
    from ailee.fields import Form
    from ailee.state import write_fields

    body = write_fields(config, Form.CBOR)
    del body["authorization"]
    return tagged_hash(Tag.FEDERATION_CHANGE, encoding.encode(body))


def sign(message: bytes, secret_key: bytes, aux: bytes) -> bytes:
    """An authorization entry: the signer's x-only key followed by its BIP340 signature
    of ``message`` (``aux``: the caller's 32 bytes of auxiliary randomness)."""
    from coincurve import PrivateKey

    key = PrivateKey(secret_key)
    return key.public_key_xonly.format() + key.sign_schnorr(message, aux)


def _xonly(key: bytes, parsed: dict[bytes, Any]) -> Any:
    # Parsing a key costs about as much as verifying with it: the caller's ``parsed``
    # dictionary keeps each signer's parsed key for the checks it makes.
    found = parsed.get(key)
    if found is None:
        from coincurve import PublicKeyXOnly

        try:
            found = PublicKeyXOnly(key)
        except ValueError:
            raise _fail(
                ReasonCode.QUORUM_BAD_SIGNATURE, "a signer key is not a curve point"
            ) from None
        parsed[key] = found
    return found


def verify_signatures(
    message: bytes,
    entries: Sequence[bytes],
    signers: Collection[bytes],
    threshold: int,
    *,
    what: str,
    parsed: dict[bytes, Any] | None = None,
) -> int:
    """Check m-of-n authorization entries (key || BIP340 signature, keys ascending) over
    ``message``: walking them in order, a key equal to the previous one is
    QUORUM_DUPLICATE_SIGNER, a key not in ``signers`` QUORUM_SIGNER_UNKNOWN, a signature
    that does not verify (or a key that is no curve point) QUORUM_BAD_SIGNATURE; then
    fewer than ``threshold`` entries QUORUM_NOT_MET. ``what`` names the signer set in
    messages. Return the number of valid signatures. ``parsed`` (the caller's,
    optional) keeps parsed keys between calls."""
    parsed = {} if parsed is None else parsed
    members = signers if isinstance(signers, (set, frozenset)) else set(signers)
    previous = None
    for entry in entries:
        key, signature = entry[:32], entry[32:]
        if key == previous:
            raise _fail(ReasonCode.QUORUM_DUPLICATE_SIGNER, f"signer {key.hex()} twice")
        previous = key
        if key not in members:
            raise _fail(ReasonCode.QUORUM_SIGNER_UNKNOWN, f"{key.hex()} is not a signer of {what}")
        if not _xonly(key, parsed).verify(signature, message):
            raise _fail(ReasonCode.QUORUM_BAD_SIGNATURE, f"signature of {key.hex()} is invalid")
    if len(entries) < threshold:
        raise _fail(
            ReasonCode.QUORUM_NOT_MET, f"{len(entries)} signatures, {what} needs {threshold}"
        )
    return len(entries)


def verify_quorum(
    message: bytes,
    entries: Sequence[bytes],
    config: FederationConfig,
    parsed: dict[bytes, Any] | None = None,
) -> int:
    """:func:`verify_signatures` with the signers and threshold of federation ``config``."""
    return verify_signatures(
        message,
        entries,
        config.signers,
        config.threshold,
        what=f"federation epoch {config.epoch}",
        parsed=parsed,
    )


# --- checks of one snapshot ------------------------------------------------------------


def check_federation(federation: Sequence[FederationConfig]) -> None:
    """Epochs 0, 1, 2, ... with strictly increasing ``from_sequence`` (epoch 0 from 0):
    FEDERATION_EPOCH_ORDER; epoch 0 carries no authorization, and each later epoch the
    previous epoch's quorum over :func:`federation_change_message` (QUORUM_* codes)."""
    for k, config in enumerate(federation):
        if config.epoch != k:
            raise _fail(ReasonCode.FEDERATION_EPOCH_ORDER, f"epoch {config.epoch} at position {k}")
        if k == 0:
            if config.from_sequence != 0 or config.authorization:
                raise _fail(
                    ReasonCode.FEDERATION_EPOCH_ORDER,
                    "epoch 0 is in force from sequence 0 and needs no authorization",
                )
            continue
        before = federation[k - 1]
        if config.from_sequence <= before.from_sequence:
            raise _fail(
                ReasonCode.FEDERATION_EPOCH_ORDER,
                f"epoch {k} in force from {config.from_sequence}, not after epoch {k - 1}",
            )
        try:
            verify_quorum(federation_change_message(config), config.authorization, before)
        except VerificationError as exc:
            raise _fail(exc.code, f"federation epoch {k}: {exc.message}") from None


def check_pegin(pegin: PegIn, federation: Sequence[FederationConfig]) -> None:
    """The peg-in's epoch exists (PEGIN_EPOCH_UNKNOWN), its amount is within that
    epoch's bounds (PEGIN_AMOUNT_OUT_OF_BOUNDS) and its fee is the policy's
    (PEGIN_FEE_MISMATCH)."""
    where = f"peg-in {pegin.btc_txid.hex()}:{pegin.vout}"
    config = epoch_of(federation, pegin.epoch)
    if config is None:
        raise _fail(ReasonCode.PEGIN_EPOCH_UNKNOWN, f"{where}: no federation epoch {pegin.epoch}")
    if not config.pegin_min <= pegin.amount <= config.pegin_max:
        raise _fail(
            ReasonCode.PEGIN_AMOUNT_OUT_OF_BOUNDS,
            f"{where}: {pegin.amount} not in [{config.pegin_min}, {config.pegin_max}]",
        )
    expected = pegin_fee(config, pegin.amount)
    if pegin.fee != expected:
        raise _fail(
            ReasonCode.PEGIN_FEE_MISMATCH, f"{where}: fee {pegin.fee}, the policy's is {expected}"
        )


def _check_pegout_fields(pegout: PegOut) -> None:
    status = pegout.status
    authorized = status in ("authorized", "broadcast", "confirmed")
    broadcast = status in ("broadcast", "confirmed")
    problems = []
    if authorized and (pegout.anchor_ref is None or not pegout.signatures):
        problems.append("an anchor and signatures")
    if status == "requested" and (pegout.anchor_ref is not None or pegout.signatures):
        problems.append("no anchor or signatures before authorization")
    if (pegout.anchor_ref is None) != (not pegout.signatures):
        problems.append("an anchor exactly when signatures")
    if broadcast != (pegout.btc_txid is not None) and status not in _SETTLED_OUT:
        problems.append("a Bitcoin txid exactly from broadcast on")
    if (status in _SETTLED_OUT) != (pegout.reason is not None):
        problems.append("a reason exactly when failed or expired")
    if problems:
        raise _fail(
            ReasonCode.PEGOUT_FIELDS_INCONSISTENT,
            f"peg-out {pegout.id} ({status}) needs {'; '.join(problems)}",
        )


def check_pegout(pegout: PegOut, state: L2State, parsed: dict[bytes, Any] | None = None) -> None:
    """Every rule of one peg-out in ``state``, in order: PEGOUT_ID_MISMATCH,
    PEGOUT_REQUEST_IN_FUTURE, PEGOUT_DESTINATION_UNSPENDABLE, PEGOUT_DUST,
    PEGOUT_FEE_OUT_OF_POLICY, PEGOUT_FIELDS_INCONSISTENT, then when it carries an
    authorization: PEGOUT_ANCHOR_UNKNOWN, PEGOUT_ANCHOR_NOT_EARLIER and the QUORUM_*
    codes of :func:`verify_quorum` (the federation in force at the anchor's sequence)."""
    where = f"peg-out {pegout.id}"
    expected = pegout_id(
        pegout.l2_source, pegout.nonce, pegout.btc_destination, pegout.amount, pegout.fee
    )
    if pegout.id != expected:
        raise _fail(ReasonCode.PEGOUT_ID_MISMATCH, f"{where}: its content gives id {expected}")
    if pegout.requested_at > state.header.sequence:
        raise _fail(
            ReasonCode.PEGOUT_REQUEST_IN_FUTURE,
            f"{where}: requested at {pegout.requested_at}, after {state.header.sequence}",
        )
    script = pegout.btc_destination
    if script[0] == _OP_RETURN:  # (its length is already at most 10,000 bytes)
        raise _fail(ReasonCode.PEGOUT_DESTINATION_UNSPENDABLE, f"{where}: destination unspendable")
    dust = dust_threshold(script)
    if pegout.amount < dust:
        raise _fail(ReasonCode.PEGOUT_DUST, f"{where}: {pegout.amount} below the dust limit {dust}")
    try:
        policy = federation_at(state.federation, pegout.requested_at)
    except VerificationError:
        raise _fail(
            ReasonCode.PEGOUT_FEE_OUT_OF_POLICY,
            f"{where}: no federation in force at {pegout.requested_at}, so no fee policy",
        ) from None
    if not policy.pegout_fee_min <= pegout.fee <= policy.pegout_fee_max:
        raise _fail(
            ReasonCode.PEGOUT_FEE_OUT_OF_POLICY,
            f"{where}: fee {pegout.fee} not in [{policy.pegout_fee_min}, "
            f"{policy.pegout_fee_max}] (epoch {policy.epoch})",
        )
    _check_pegout_fields(pegout)
    if pegout.anchor_ref is None:
        return
    anchor = next((a for a in state.anchors if a.commitment == pegout.anchor_ref), None)
    if anchor is None:
        raise _fail(ReasonCode.PEGOUT_ANCHOR_UNKNOWN, f"{where}: no anchor with that commitment")
    if anchor.sequence >= pegout.requested_at:
        raise _fail(
            ReasonCode.PEGOUT_ANCHOR_NOT_EARLIER,
            f"{where}: anchor of sequence {anchor.sequence}, requested at {pegout.requested_at}",
        )
    config = federation_at(state.federation, anchor.sequence)
    try:
        message = authorization_message(pegout, anchor.commitment)
        verify_quorum(message, pegout.signatures, config, parsed)
    except VerificationError as exc:
        raise _fail(exc.code, f"{where}: {exc.message}") from None


def conservation_difference(state: L2State) -> int:
    """``balances + taken by peg-outs not failed or expired - credits of minted peg-ins``:
    0 when value is conserved."""
    balances = sum(account.balance for account in state.accounts)
    taken = sum(p.amount + p.fee for p in state.pegouts if p.status not in _SETTLED_OUT)
    credited = sum(p.amount - p.fee for p in state.pegins if p.status == "minted")
    return balances + taken - credited


# --- checks between consecutive snapshots ------------------------------------------------


def _moved(before: Any, after: Any, names: Iterable[str]) -> list[str]:
    return [name for name in names if getattr(before, name) != getattr(after, name)]


def check_pegin_step(before: PegIn, after: PegIn | None) -> None:
    """A peg-in of snapshot ``i - 1`` in snapshot ``i``: still there (PEGIN_REMOVED),
    the same deposit, and its status moved forward only (PEGIN_ILLEGAL_TRANSITION)."""
    where = f"peg-in {before.btc_txid.hex()}:{before.vout}"
    if after is None:
        raise _fail(ReasonCode.PEGIN_REMOVED, f"{where} is gone")
    changed = _moved(before, after, ("amount", "l2_destination", "fee", "epoch"))
    if changed or after.status not in _PEGIN_TRANSITIONS[before.status]:
        raise _fail(
            ReasonCode.PEGIN_ILLEGAL_TRANSITION,
            f"{where}: {before.status} -> {after.status}"
            + (f", changed {', '.join(changed)}" if changed else ""),
        )


def check_pegout_step(before: PegOut, after: PegOut | None) -> None:
    """A peg-out of snapshot ``i - 1`` in snapshot ``i``: still there (PEGOUT_REMOVED),
    its status moved along :data:`TRANSITIONS`, its request unchanged, and an
    authorization or txid, once set, unchanged (PEGOUT_ILLEGAL_TRANSITION)."""
    where = f"peg-out {before.id}"
    if after is None:
        raise _fail(ReasonCode.PEGOUT_REMOVED, f"{where} is gone")
    fixed = ["l2_source", "btc_destination", "amount", "fee", "nonce", "requested_at"]
    fixed += [n for n in ("anchor_ref", "btc_txid", "reason") if getattr(before, n) is not None]
    if before.signatures:
        fixed.append("signatures")
    changed = _moved(before, after, fixed)
    if changed or after.status not in TRANSITIONS[before.status]:
        raise _fail(
            ReasonCode.PEGOUT_ILLEGAL_TRANSITION,
            f"{where}: {before.status} -> {after.status}"
            + (f", changed {', '.join(changed)}" if changed else ""),
        )


def advance(pegout: PegOut, status: str, **fields: Any) -> PegOut:
    """The peg-out's next record: ``status`` with the fields that step sets
    (``anchor_ref`` and ``signatures`` to authorize, ``btc_txid`` to broadcast,
    ``reason`` to fail or expire). An illegal step is PEGOUT_ILLEGAL_TRANSITION, a
    record whose fields do not fit its status PEGOUT_FIELDS_INCONSISTENT (the
    signatures themselves are checked against the state by :func:`check_pegout`)."""
    import dataclasses

    allowed = {"anchor_ref", "signatures", "btc_txid", "reason"}
    unknown = set(fields) - allowed
    if unknown or status not in TRANSITIONS:
        raise _fail(
            ReasonCode.PEGOUT_ILLEGAL_TRANSITION,
            f"peg-out {pegout.id}: no step to {status!r} with {sorted(unknown)}",
        )
    after = dataclasses.replace(pegout, status=status, **fields)
    check_pegout_step(pegout, after)
    _check_pegout_fields(after)
    return after


def check_request_nonce(pegout: PegOut, before: int | None, after: int | None) -> None:
    """A peg-out new in a step consumed a nonce of its source that was unused before
    the step (``before``: the source's nonce then, None for a new account) and used
    after it (``after``: the source's nonce now, None if the account is gone):
    PEGOUT_NONCE_INVALID otherwise (a request replayed with an old nonce)."""
    if after is None or not (before or 0) <= pegout.nonce < after:
        raise _fail(
            ReasonCode.PEGOUT_NONCE_INVALID,
            f"peg-out {pegout.id} uses nonce {pegout.nonce}; its source's nonce went from "
            f"{before} to {after}",
        )


def check_pegout_nonces(pegouts: Iterable[PegOut]) -> None:
    """No two peg-outs of one source share a nonce (PEGOUT_NONCE_INVALID): each request
    consumes its own."""
    seen: dict[tuple[str, int], str] = {}
    for pegout in pegouts:
        other = seen.setdefault((pegout.l2_source, pegout.nonce), pegout.id)
        if other != pegout.id:
            raise _fail(
                ReasonCode.PEGOUT_NONCE_INVALID,
                f"peg-outs {other} and {pegout.id} both use nonce {pegout.nonce} of "
                f"{pegout.l2_source}",
            )


# --- circuit breakers (ailee.safety) ------------------------------------------------------


def check_pegin_admitted(pegin: PegIn, status: BridgeStatus) -> None:
    """A new peg-in passes the bridge breakers (:func:`ailee.safety.admit_pegin`):
    BREAKER_EMERGENCY in emergency, BREAKER_PEGINS_HALTED when collateral is low or SPV
    proofs fail above the policy."""
    from ailee.safety import admit_pegin

    try:
        admit_pegin(status)
    except VerificationError as exc:
        where = f"peg-in {pegin.btc_txid.hex()}:{pegin.vout}"
        raise _fail(exc.code, f"{where}: {exc.message}") from None


def check_pegout_admitted(pegout: PegOut, state: L2State, status: BridgeStatus) -> None:
    """A new peg-out passes the bridge breakers (:func:`ailee.safety.admit_pegout` with
    its ``amount``): BREAKER_EMERGENCY in emergency unless it is an exit claim,
    BREAKER_RATE_LIMITED above the window's allowance (exit claims included).

    The peg-out is an exit claim when ``state.recovery`` holds a claim whose status is
    ``approved``, whose ``claimant`` is the peg-out's ``l2_source`` and whose ``amount``
    is exactly the peg-out's ``amount + fee`` (what the peg-out debits its source): the
    claim approved for that account, paid out in full by this peg-out."""
    from ailee.safety import admit_pegout

    debit = pegout.amount + pegout.fee
    exit_claim = any(
        claim.status == "approved" and claim.claimant == pegout.l2_source and claim.amount == debit
        for claim in state.recovery
    )
    try:
        admit_pegout(status, pegout.amount, exit_claim=exit_claim)
    except VerificationError as exc:
        raise _fail(exc.code, f"peg-out {pegout.id}: {exc.message}") from None
