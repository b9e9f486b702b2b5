"""Verification of snapshot documents and of the chain they form, as a report of checks.

This is the logic behind ``ailee-l2-verify``; the CLI only reads files and prints.
Each check has a stable ``name``, ``ok``, the reason ``code`` when it failed, and a
``detail`` for people. Checks of one snapshot, in order:

``decode``            the document is well-formed, canonical and within its schema
``header.genesis``    sequence 0 has an all-zero ``prev_state_root``, and only it does
``accounts.total``    the balances add up to at most 21 million BTC
``anchors.sequence``  every anchor names an earlier sequence than the snapshot's
``anchors.chain``     each anchor's commitment is the hash of its fields and the chain
                      id, and each names the previous anchor's commitment
``state_root``        the recomputed L2StateRoot equals the claimed ``state_root``
``tasks.decision[<id>]``  for each scheduling decision the snapshot carries with its
                      inputs: it is the one its task commits to, names the task's
                      worker, and recomputes from its inputs (``ailee.scheduling``)
``tasks.round[<id>]``  for each federated-learning round record the snapshot carries:
                      its task's ``result`` commits to it, and it recomputes from the
                      carried updates (``ailee.fl``)
``telemetry.batch[<id>]``  for each telemetry batch the snapshot carries: the samples
                      are the record's node's, in its window, chained and signed, and
                      give its digest (``ailee.telemetry``)

Between consecutive snapshots ``i-1`` and ``i`` (``chain[i].<check>``): ``version``,
``chain_id``, ``sequence`` (+1), ``prev_state_root`` (= the recomputed root of ``i-1``)
``timestamp`` (not decreasing) and ``anchors`` (the predecessor's anchors are kept
unchanged: anchors are append-only). Across the whole chain, an anchor whose sequence
is one of the given snapshots must carry that snapshot's recomputed root and its
timestamp (``chain.anchor[<sequence>]``).

With anchor evidence (:mod:`ailee.evidence`), checked against the anchors section of
the last snapshot: ``evidence.decode``, ``evidence.headers`` (the most-work header
chain is valid) and ``evidence.anchor[<sequence>]`` for each anchor it proves (the
transaction is confirmed in that chain and its output commits to the anchor). Rules the
headers did not allow to check are listed as notes, never skipped silently.

Exit codes: 0 all checks passed; 1 a check failed; 3 some input was unreadable or
malformed (this takes precedence over 1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ailee.anchors import check_anchor_records
from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.jsoncodec import JsonValue
from ailee.limits import MAX_AMOUNT
from ailee.snapshot import Snapshot, read_snapshot
from ailee.state import ZERO_ROOT, Anchor, L2State
from ailee.stateroot import L2StateRoot, leaf_hash

if TYPE_CHECKING:
    from ailee.policy import Policy

__all__ = [
    "EXIT_FAILED",
    "EXIT_MALFORMED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Check",
    "PolicyPin",
    "Report",
    "SnapshotResult",
    "build_report",
    "check_evidence",
    "check_snapshot",
    "check_snapshot_bytes",
    "failed_input",
]

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_MALFORMED: Final = 3


@dataclass(frozen=True)
class Check:
    """One named check: passed, or failed with a reason code."""

    name: str
    ok: bool
    code: ReasonCode | None = None
    detail: str = ""

    def to_json(self) -> dict[str, JsonValue]:
        """The check as it appears in the ``--json`` report."""
        return {
            "name": self.name,
            "ok": self.ok,
            "code": None if self.code is None else self.code.value,
            "detail": self.detail,
        }


def _passed(name: str, detail: str = "") -> Check:
    return Check(name, True, None, detail)


def _failed(name: str, code: ReasonCode, detail: str) -> Check:
    return Check(name, False, code, detail)


def _verdict(name: str, ok: bool, code: ReasonCode, detail: str) -> Check:
    """Passed, or failed with ``code`` and ``detail`` (the detail is kept only on failure)."""
    return _passed(name) if ok else _failed(name, code, detail)


@dataclass(frozen=True)
class SnapshotResult:
    """The checks of one snapshot document, and what was recomputed from it."""

    source: str
    checks: tuple[Check, ...]
    snapshot: Snapshot | None = field(default=None, repr=False)
    root: bytes | None = None
    malformed: bool = False

    @property
    def ok(self) -> bool:
        """True if every check passed."""
        return all(check.ok for check in self.checks)

    def to_json(self) -> dict[str, JsonValue]:
        """The snapshot's entry in the ``--json`` report."""
        header = None if self.snapshot is None else self.snapshot.state.header
        return {
            "source": self.source,
            "ok": self.ok,
            "sequence": None if header is None else header.sequence,
            "root": None if self.root is None else self.root.hex(),
            "claimed_root": None if self.snapshot is None else self.snapshot.state_root.hex(),
            "checks": [check.to_json() for check in self.checks],
        }


def failed_input(source: str, error: AileeError) -> SnapshotResult:
    """The result for a document that could not be read or decoded."""
    return SnapshotResult(source, (_failed("decode", error.code, error.message),), malformed=True)


@dataclass(frozen=True)
class PolicyPin:
    """The policy configuration an auditor holds (``--policy``): its hash and,
    optionally, its federation rules (``admits(threshold, signers)``)."""

    digest: bytes
    admits: Callable[[int, int], bool] | None = None

    @classmethod
    def of(cls, policy: Policy) -> PolicyPin:
        """The pin of a parsed policy."""
        from ailee.policy import policy_hash

        return cls(policy_hash(policy), policy.bridge.admits)


def _policy_checks(state: L2State, pin: PolicyPin) -> list[Check]:
    """``policy``: the federation epoch in force at the snapshot's sequence names the
    pinned policy (POLICY_HASH_MISMATCH); ``policy.federation``: that epoch's m of n
    meets the policy's federation rules (FEDERATION_THRESHOLD_INVALID)."""
    from ailee.bridge import federation_at

    sequence = state.header.sequence
    try:
        epoch = federation_at(state.federation, sequence)
    except VerificationError:
        return [
            _failed(
                "policy",
                ReasonCode.POLICY_HASH_MISMATCH,
                f"no federation epoch in force at {sequence} names a policy",
            )
        ]
    checks = [
        _verdict(
            "policy",
            epoch.policy_hash == pin.digest,
            ReasonCode.POLICY_HASH_MISMATCH,
            f"federation epoch {epoch.epoch} names policy {epoch.policy_hash.hex()}, "
            f"the given policy is {pin.digest.hex()}",
        )
    ]
    if pin.admits is not None:
        checks.append(
            _verdict(
                "policy.federation",
                pin.admits(epoch.threshold, len(epoch.signers)),
                ReasonCode.FEDERATION_THRESHOLD_INVALID,
                f"epoch {epoch.epoch}: {epoch.threshold} of {len(epoch.signers)} signers "
                "does not meet the policy's federation rules",
            )
        )
    return checks


def check_snapshot(
    source: str, snapshot: Snapshot, policy: PolicyPin | None = None
) -> SnapshotResult:
    """Run every check of one decoded snapshot; with ``policy``, also check that the
    snapshot's federation names that policy."""
    state = snapshot.state
    header = state.header
    checks = [_passed("decode")]
    checks.append(
        _verdict(
            "header.genesis",
            (header.sequence == 0) == (header.prev_state_root == ZERO_ROOT),
            ReasonCode.HEADER_GENESIS_INCONSISTENT,
            f"sequence {header.sequence} with prev_state_root {header.prev_state_root.hex()}",
        )
    )
    total = sum(account.balance for account in state.accounts)
    if total <= MAX_AMOUNT:
        checks.append(_passed("accounts.total", f"{total} satoshis"))
    else:
        checks.append(
            _failed(
                "accounts.total",
                ReasonCode.ACCOUNTS_TOTAL_OVERFLOW,
                f"{total} satoshis exceeds {MAX_AMOUNT}",
            )
        )
    late = [anchor.sequence for anchor in state.anchors if anchor.sequence >= header.sequence]
    checks.append(
        _verdict(
            "anchors.sequence",
            not late,
            ReasonCode.ANCHOR_SEQUENCE_NOT_PAST,
            f"anchor of sequence {late[0] if late else 0} in snapshot of sequence "
            f"{header.sequence}",
        )
    )
    try:
        check_anchor_records(header.chain_id, state.anchors)
    except VerificationError as exc:
        checks.append(_failed("anchors.chain", exc.code, exc.message))
    else:
        checks.append(_passed("anchors.chain", f"{len(state.anchors)} anchors"))
    root: bytes | None = None
    try:
        root = L2StateRoot.compute(state).root
    except VerificationError as exc:
        checks.append(_failed("state_root", exc.code, exc.message))
    else:
        if root == snapshot.state_root:
            checks.append(_passed("state_root", root.hex()))
        else:
            checks.append(
                _failed(
                    "state_root",
                    ReasonCode.STATE_ROOT_MISMATCH,
                    f"recomputed {root.hex()}, claimed {snapshot.state_root.hex()}",
                )
            )
    checks.extend(_bridge_checks(state))
    if policy is not None:
        checks.extend(_policy_checks(state, policy))
    checks.extend(_decision_checks(snapshot))
    checks.extend(_round_checks(snapshot))
    checks.extend(_batch_checks(snapshot))
    return SnapshotResult(source, tuple(checks), snapshot, root)


def _first_fault(name: str, run: Callable[[], str]) -> Check:
    """A check that passes with ``run()``'s detail or fails with the code it raises."""
    try:
        detail = run()
    except AileeError as exc:
        return _failed(name, exc.code, exc.message)
    return _passed(name, detail)


def _bridge_checks(state: L2State) -> list[Check]:
    """``federation``, ``pegins``, ``pegouts`` and ``conservation`` (ailee.bridge)."""
    from ailee.bridge import (
        check_federation,
        check_pegin,
        check_pegout,
        check_pegout_nonces,
        conservation_difference,
    )

    def federation() -> str:
        check_federation(state.federation)
        if not state.federation:
            return "0 epochs"
        # The fingerprint an exit claim pins its root of trust with (ailee.recovery).
        fingerprint = leaf_hash(state.federation[0]).hex()
        named = state.federation[-1].policy_hash
        policy = "" if named == ZERO_ROOT else f", policy {named.hex()}"
        return f"{len(state.federation)} epochs, epoch 0 fingerprint {fingerprint}{policy}"

    def pegins() -> str:
        for pegin in state.pegins:
            check_pegin(pegin, state.federation)
        minted = sum(1 for p in state.pegins if p.status == "minted")
        return f"{len(state.pegins)} peg-ins, {minted} minted (deposits: see --evidence)"

    def pegouts() -> str:
        parsed: dict[bytes, Any] = {}
        for pegout in state.pegouts:
            check_pegout(pegout, state, parsed)
        check_pegout_nonces(state.pegouts)
        signed = sum(1 for p in state.pegouts if p.signatures)
        return f"{len(state.pegouts)} peg-outs, {signed} authorized"

    def conservation() -> str:
        difference = conservation_difference(state)
        if difference:
            raise VerificationError(
                ReasonCode.CONSERVATION_VIOLATED,
                f"balances and peg-outs exceed minted peg-ins by {difference} satoshis"
                if difference > 0
                else f"minted peg-ins exceed balances and peg-outs by {-difference} satoshis",
            )
        return "balances + peg-outs = minted peg-ins"

    checks = [_first_fault("federation", federation), _first_fault("pegins", pegins)]
    if checks[0].ok:  # peg-outs and fees need a well-formed federation
        checks.append(_first_fault("pegouts", pegouts))
    checks.append(_first_fault("conservation", conservation))
    return checks


def _carried_checks(
    name: str,
    entries: Sequence[tuple[str, Any]],
    check: Callable[[Any], str],
    committed: Sequence[str],
    summary: tuple[str, str, str],
) -> list[Check]:
    """One check ``name[<key>]`` per carried ``(key, entry)``: ``check(entry)`` returns
    the detail or raises; then the passed summary check naming committed keys not
    carried."""
    checks = []
    for key, entry in entries:
        try:
            detail = check(entry)
        except AileeError as exc:
            checks.append(_failed(f"{name}[{key}]", exc.code, exc.message))
        else:
            checks.append(_passed(f"{name}[{key}]", detail))
    carried = {key for key, _ in entries}
    missing = [key for key in committed if key not in carried]
    summary_name, counted, not_carried = summary
    checks.append(
        _passed(
            summary_name,
            f"{len(carried)} {counted}"
            + (f"; {not_carried}: {', '.join(missing)}" if missing else ""),
        )
    )
    return checks


def _decision_checks(snapshot: Snapshot) -> list[Check]:
    """One check per carried decision; a note on decisions that are not carried."""
    state, schedule = snapshot.state, snapshot.schedule
    committed = [task.id for task in state.tasks if task.decision is not None]
    if schedule is None and not committed:
        return []
    from ailee.scheduling import check_decision

    def check(carried: Any) -> str:
        entry, attachment = carried
        check_decision(entry, attachment, state.find("tasks", entry.record.task.encode()))
        return f"recomputed: {entry.record.worker}"

    entries = (
        [] if schedule is None else [(d.record.task, (d, schedule)) for d in schedule.decisions]
    )
    summary = ("tasks.decisions", "recomputed", "not carried, so not recomputed")
    return _carried_checks("tasks.decision", entries, check, committed, summary)


def _round_checks(snapshot: Snapshot) -> list[Check]:
    """One check per carried round record; a note on committed rounds not carried."""
    state, rounds = snapshot.state, snapshot.fl_rounds
    committed = [task.id for task in state.tasks if task.result is not None]
    if rounds is None and not committed:
        return []
    from ailee.fl import check_round

    def check(entry: Any) -> str:
        return check_round(entry, state.find("tasks", entry.task.encode()))

    carried = rounds.rounds if rounds is not None else ()
    summary = ("tasks.rounds", "carried", "results not carried, so not checked")
    return _carried_checks("tasks.round", [(r.task, r) for r in carried], check, committed, summary)


def _batch_checks(snapshot: Snapshot) -> list[Check]:
    """One check per carried telemetry batch; a note on records not carried."""
    state, batches = snapshot.state, snapshot.telemetry_batches
    if batches is None:
        return []
    from ailee.telemetry import check_batch

    def check(entry: Any) -> str:
        return check_batch(entry, state.find("telemetry", entry.record.encode()))

    summary = ("telemetry.batches", "checked", "not carried, so not checked")
    records = [r.id for r in state.telemetry]
    return _carried_checks(
        "telemetry.batch", [(b.record, b) for b in batches.batches], check, records, summary
    )


def check_snapshot_bytes(
    source: str, data: bytes, policy: PolicyPin | None = None
) -> SnapshotResult:
    """Decode a snapshot document (JSON or CBOR) and run every check on it."""
    try:
        snapshot = read_snapshot(data)
    except DecodeError as exc:
        return failed_input(source, exc)
    return check_snapshot(source, snapshot, policy)


def _link_checks(
    index: int, before: L2State, after: L2State, prev_root: bytes | None
) -> list[Check]:
    name = f"chain[{index}]"
    prev, cur = before.header, after.header
    kept = after.anchors[: len(before.anchors)] == before.anchors
    expected_root = "none (not computable)" if prev_root is None else prev_root.hex()
    return [
        _verdict(
            f"{name}.version",
            prev.version == cur.version,
            ReasonCode.CHAIN_VERSION_MISMATCH,
            f"version {cur.version} follows version {prev.version}",
        ),
        _verdict(
            f"{name}.chain_id",
            prev.chain_id == cur.chain_id,
            ReasonCode.CHAIN_ID_MISMATCH,
            f"chain id {cur.chain_id!r} follows {prev.chain_id!r}",
        ),
        _verdict(
            f"{name}.sequence",
            cur.sequence == prev.sequence + 1,
            ReasonCode.CHAIN_SEQUENCE_GAP,
            f"sequence {cur.sequence} follows {prev.sequence}",
        ),
        _verdict(
            f"{name}.prev_state_root",
            prev_root is not None and cur.prev_state_root == prev_root,
            ReasonCode.CHAIN_PREV_ROOT_MISMATCH,
            f"prev_state_root {cur.prev_state_root.hex()}, predecessor's root {expected_root}",
        ),
        _verdict(
            f"{name}.timestamp",
            cur.timestamp_ms >= prev.timestamp_ms,
            ReasonCode.CHAIN_TIMESTAMP_REGRESSION,
            f"timestamp {cur.timestamp_ms} is before {prev.timestamp_ms}",
        ),
        _verdict(
            f"{name}.anchors",
            kept,
            ReasonCode.CHAIN_ANCHORS_REWRITTEN,
            f"the {len(before.anchors)} anchors of sequence {prev.sequence} are not kept "
            f"unchanged by sequence {cur.sequence}",
        ),
        *_peg_step_checks(name, before, after),
    ]


def _peg_step_checks(name: str, before: L2State, after: L2State) -> list[Check]:
    """``chain[i].pegins`` and ``chain[i].pegouts``: records kept, statuses forward,
    new peg-outs requested at this step."""
    from ailee.bridge import check_pegin_step, check_pegout_step, check_request_nonce

    def pegins() -> str:
        found = {pegin.key(): pegin for pegin in after.pegins}
        for pegin in before.pegins:
            check_pegin_step(pegin, found.get(pegin.key()))
        return f"{len(after.pegins) - len(before.pegins)} new"

    def pegouts() -> str:
        found = {pegout.id: pegout for pegout in after.pegouts}
        for pegout in before.pegouts:
            check_pegout_step(pegout, found.get(pegout.id))
        known = {pegout.id for pegout in before.pegouts}
        new = [p for p in after.pegouts if p.id not in known]
        nonces_before = {a.id: a.nonce for a in before.accounts}
        nonces_after = {a.id: a.nonce for a in after.accounts}
        for pegout in new:
            if pegout.requested_at != after.header.sequence:
                raise VerificationError(
                    ReasonCode.PEGOUT_REQUEST_SEQUENCE,
                    f"peg-out {pegout.id} is new at sequence {after.header.sequence} but "
                    f"requested at {pegout.requested_at}",
                )
            source = pegout.l2_source
            check_request_nonce(pegout, nonces_before.get(source), nonces_after.get(source))
        return f"{len(new)} new"

    return [_first_fault(f"{name}.pegins", pegins), _first_fault(f"{name}.pegouts", pegouts)]


def _anchor_checks(results: Sequence[SnapshotResult]) -> list[Check]:
    known = {
        result.snapshot.state.header.sequence: (result.root, result.snapshot.state.header)
        for result in results
        if result.snapshot is not None and result.root is not None
    }
    checks = []
    seen: set[Anchor] = set()
    for result in results:
        if result.snapshot is None:
            continue
        for anchor in result.snapshot.state.anchors:
            if anchor.sequence not in known or anchor in seen:
                continue
            seen.add(anchor)
            root, header = known[anchor.sequence]
            name = f"chain.anchor[{anchor.sequence}]"
            if anchor.state_root != root:
                checks.append(
                    _failed(
                        name,
                        ReasonCode.CHAIN_ANCHOR_ROOT_MISMATCH,
                        f"{result.source}: anchor root {anchor.state_root.hex()}, recomputed "
                        f"root of sequence {anchor.sequence} is {root.hex() if root else None}",
                    )
                )
            elif anchor.timestamp_ms != header.timestamp_ms:
                checks.append(
                    _failed(
                        name,
                        ReasonCode.CHAIN_ANCHOR_TIMESTAMP_MISMATCH,
                        f"{result.source}: anchor timestamp {anchor.timestamp_ms}, snapshot "
                        f"{anchor.sequence} has {header.timestamp_ms}",
                    )
                )
            else:
                checks.append(_passed(name))
    return checks


@dataclass(frozen=True)
class EvidenceResult:
    """The checks of an anchor evidence document, and notes on what it left unchecked."""

    checks: tuple[Check, ...]
    notes: tuple[str, ...] = ()
    malformed: bool = False


def check_evidence(
    snapshot: SnapshotResult, data: bytes, min_confirmations: int, now: int | None = None
) -> EvidenceResult:
    """Check anchor evidence (a JSON document) against a snapshot's anchors section.

    ``now`` (Unix seconds) enables the rule that no header is over two hours ahead.
    """
    from ailee.evidence import (
        evidence_from_json,
        verify_anchor_item,
        verify_evidence_chain,
        verify_pegin_item,
        verify_pegout_item,
    )
    from ailee.headers import display_hex

    try:
        evidence = evidence_from_json(data)
    except DecodeError as exc:
        return EvidenceResult((_failed("evidence.decode", exc.code, exc.message),), (), True)
    checks = [_passed("evidence.decode")]
    if snapshot.snapshot is None:
        return EvidenceResult(tuple(checks))
    try:
        chain = verify_evidence_chain(evidence, now)
    except AileeError as exc:
        checks.append(_failed("evidence.headers", exc.code, exc.message))
        return EvidenceResult(tuple(checks), (), isinstance(exc, DecodeError))
    checks.append(
        _passed(
            "evidence.headers",
            f"{chain.network}, heights {chain.base_height}..{chain.tip_height}, "
            f"tip {display_hex(chain.tip_hash)}",
        )
    )
    notes = [item.describe() for item in chain.unchecked]
    state = snapshot.snapshot.state
    malformed = False
    for item in evidence.items:
        name = f"evidence.anchor[{item.sequence}]"
        try:
            proof = verify_anchor_item(state, item, chain, min_confirmations)
        except AileeError as exc:
            checks.append(_failed(name, exc.code, exc.message))
            malformed = malformed or isinstance(exc, DecodeError)
            continue
        txid = (
            display_hex(proof.spv.proven[0][1])
            if proof.spv.transaction is None
            else (display_hex(proof.spv.transaction.txid))
        )
        checks.append(
            _passed(
                name,
                f"{proof.form} output {item.vout} of {txid} in block {proof.spv.height} "
                f"({proof.spv.confirmations} confirmations)",
            )
        )
    proven: set[bytes] = set()
    for k, peg in enumerate(evidence.pegins):
        try:
            pegin, spv = verify_pegin_item(state, peg, chain)
        except AileeError as exc:
            checks.append(_failed(f"evidence.pegin[{k}]", exc.code, exc.message))
            malformed = malformed or isinstance(exc, DecodeError)
            continue
        proven.add(pegin.key())
        checks.append(
            _passed(
                f"evidence.pegin[{k}]",
                f"{pegin.btc_txid.hex()}:{pegin.vout} pays a deposit script "
                f"{pegin.amount} sat in block {spv.height} ({spv.confirmations} confirmations)",
            )
        )
    for k, peg in enumerate(evidence.pegouts):
        try:
            pegout, spv = verify_pegout_item(state, peg, chain, min_confirmations)
        except AileeError as exc:
            checks.append(_failed(f"evidence.pegout[{k}]", exc.code, exc.message))
            malformed = malformed or isinstance(exc, DecodeError)
            continue
        checks.append(
            _passed(
                f"evidence.pegout[{k}]",
                f"{pegout.id} paid {pegout.amount} sat to its destination in block "
                f"{spv.height} ({spv.confirmations} confirmations)",
            )
        )
    unproven = [p for p in state.pegins if p.status == "minted" and p.key() not in proven]
    if unproven:
        notes.append(
            "minted peg-ins without deposit evidence: "
            + ", ".join(f"{p.btc_txid.hex()}:{p.vout}" for p in unproven)
        )
    return EvidenceResult(tuple(checks), tuple(notes), malformed)


@dataclass(frozen=True)
class Report:
    """The verdict over one or more snapshot documents given in chain order."""

    snapshots: tuple[SnapshotResult, ...]
    chain: tuple[Check, ...]
    evidence: EvidenceResult | None = None

    @property
    def _evidence_checks(self) -> tuple[Check, ...]:
        return () if self.evidence is None else self.evidence.checks

    @property
    def ok(self) -> bool:
        """True if every snapshot, chain and evidence check passed."""
        return (
            all(result.ok for result in self.snapshots)
            and all(c.ok for c in self.chain)
            and all(c.ok for c in self._evidence_checks)
        )

    @property
    def exit_code(self) -> int:
        """0 verified, 1 a check failed, 3 some input unreadable or malformed."""
        if any(result.malformed for result in self.snapshots) or (
            self.evidence is not None and self.evidence.malformed
        ):
            return EXIT_MALFORMED
        return EXIT_OK if self.ok else EXIT_FAILED

    @property
    def failures(self) -> list[Check]:
        """Every failed check: snapshots first (in order), then the chain's, then evidence."""
        failed = [c for result in self.snapshots for c in result.checks if not c.ok]
        failed += [c for c in self.chain if not c.ok]
        return failed + [c for c in self._evidence_checks if not c.ok]

    @property
    def root(self) -> bytes | None:
        """The recomputed root of the last snapshot (the chain's tip), if computable."""
        return self.snapshots[-1].root if self.snapshots else None

    def to_json(self) -> dict[str, JsonValue]:
        """The ``--json`` report (schema in ``docs/spec.md``, "Verification report")."""
        codes: list[JsonValue] = []
        codes.extend(sorted({c.code.value for c in self.failures if c.code is not None}))
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "root": None if self.root is None else self.root.hex(),
            "codes": codes,
            "snapshots": [result.to_json() for result in self.snapshots],
            "chain": [check.to_json() for check in self.chain],
            "evidence": [check.to_json() for check in self._evidence_checks],
            "notes": [] if self.evidence is None else list(self.evidence.notes),
        }


def build_report(
    results: Sequence[SnapshotResult], evidence: EvidenceResult | None = None
) -> Report:
    """Combine per-snapshot results, in chain order, with the checks between them."""
    chain: list[Check] = []
    for i in range(1, len(results)):
        before, after = results[i - 1], results[i]
        if before.snapshot is not None and after.snapshot is not None:
            chain.extend(_link_checks(i, before.snapshot.state, after.snapshot.state, before.root))
    chain.extend(_anchor_checks(results))
    return Report(tuple(results), tuple(chain), evidence)
