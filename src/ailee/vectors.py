"""Run golden test-vector files (Wycheproof-style JSON) against this implementation.

A vector file has ``algorithm``, ``schema``, ``generatorVersion``, ``numberOfTests``,
``notes`` and ``testGroups``; each group has ``tests``; each test has ``tcId``,
``comment``, ``flags``, its inputs, ``result`` (``valid`` or ``invalid``) and, when
invalid, the expected reason ``code``. The ``schema`` names what a test holds:

``ailee_cbor_decode_v1``      ``input`` (hex): valid iff it decodes and re-encodes to itself
``ailee_section_root_v1``     ``section``, ``records`` (JSON form) -> ``count``, ``total``,
                              ``leaf_hashes``, ``tree_root``, ``section_root``
``ailee_state_root_v1``       ``given`` {header, sections} -> ``intermediary``
                              {header_cbor, section_roots} -> ``expected`` {state_root}
``ailee_proof_v1``            ``proof`` (document), ``root`` -> ``kind``, ``section_total``
``ailee_snapshot_v1``         ``document`` (text) or ``document_hex``, optional
                              ``policy_hash`` -> ``root``
``ailee_snapshot_chain_v1``   ``documents`` (list of text) -> verdict of the chain
``ailee_header_chain_v1``     ``network`` or ``params``, ``checkpoint``, ``chains``, ``now``
                              -> ``expected`` {tip_height, tip_hash, work, unchecked}
``ailee_txoutproof_v1``       ``txoutproof`` -> ``expected`` {block_hash, matches}; or a
                              branch: ``txid``, ``position``, ``branch``, ``merkle_root``
``ailee_spv_v1``              a header chain as above, ``txoutproof``, ``tx``,
                              ``min_confirmations`` -> ``expected`` {height, confirmations}
``ailee_anchor_commitment_v1`` the anchor fields and ``chain_id`` -> ``commitment``
``ailee_anchor_script_v1``    ``script`` -> ``commitment``
``ailee_taproot_anchor_v1``   ``script_pubkey``, ``internal_key``, ``commitment``, ``path``
``ailee_anchor_evidence_v1``  ``document`` (snapshot text), ``evidence`` (object),
                              ``min_confirmations`` -> verdict of the evidence
``ailee_schedule_v1``         ``task``, ``workers``, ``policy``, ``cursor``, ``record``
                              -> the record recomputes from those inputs
``ailee_schedule_batch_v1``   ``tasks``, ``workers``, ``policy`` -> ``expected``
                              {assigned, unassigned, total_score}
``ailee_fl_aggregate_v1``     ``rule``, ``params``, ``updates`` -> ``expected``
                              {tensors, selected, commitments}
``ailee_telemetry_chain_v1``  ``public_key``, ``samples`` -> ``expected`` {last, root}
``ailee_fl_round_v1``         ``record``, ``updates`` -> the round recomputes
``ailee_breakers_v1``         ``breaker``, ``policy``, ``initial``, ``samples``, ``admissions``
                              -> ``expected`` {statuses}
``ailee_policy_v1``           ``format``, ``text`` -> ``expected`` {hash}; invalid cases
                              also give the message's ``path`` (and ``column``)
``ailee_exit_claim_v1``       ``claim`` (document), ``evidence``, ``pinned`` -> ``expected``
                              {id, account, amount, status, reason}
``ailee_claim_book_v1``       ``claims`` (documents), ``evidence``, ``order`` -> ``expected``
                              [[id, status], ...] of the book
``ailee_netflow_v1``          ``operation`` ``settle`` (``relays``, ``tunnels``, ``epoch``,
                              ``receipts``), ``check`` (a telemetry ``record``, ``pool``) or
                              ``select`` (``request``, ``policy``, ``statuses``) -> ``expected``
``ailee_legacy_v1``           ``text`` (or ``text_hex``) of a legacy SNAPSHOT v1 file ->
                              ``expected`` {blocks: root, anchor_checks, warnings};
                              optional ``convert`` {chain_id, root}; invalid: ``line``

``docs/spec.md`` ("Test vectors") describes each field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from ailee import encoding, jsoncodec
from ailee.anchors import anchor_commitment, parse_anchor_script, verify_taproot_anchor
from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.fields import Form, hex_to_bytes, wrong_type
from ailee.headerchain import Checkpoint, HeaderChain, best_chain, verify_header_chain
from ailee.headers import display_hex, from_display_hex
from ailee.jsoncodec import JsonValue
from ailee.networks import NetworkParams, network
from ailee.proofs import proof_from_json, verify_proof
from ailee.snapshot import snapshot_to_object
from ailee.spv import verify_txoutproof
from ailee.state import SECTION_NAMES, Header, L2State, read_fields, record_type
from ailee.stateroot import L2StateRoot, leaf_hash
from ailee.txmerkle import parse_merkle_block, verify_merkle_branch
from ailee.verify import build_report, check_evidence, check_snapshot_bytes

__all__ = ["VectorFileResult", "run_vector_document", "run_vector_file"]


@dataclass
class VectorFileResult:
    """Pass and fail counts of one vector file, with a message per failed case.

    ``rejections`` holds, for each invalid case rejected with its expected code,
    ``"tcId N: CODE: message"``: the text an auditor would read for that input.
    """

    algorithm: str
    passed: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if no case failed."""
        return self.failed == 0


class _Mismatch(Exception):
    """A case produced something other than what the vector expects."""


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise _Mismatch(what)


def _bytes_field(test: dict[str, Any], name: str) -> bytes:
    value = test.get(name)
    if not isinstance(value, str):
        raise wrong_type(name, "hex string", value)
    return hex_to_bytes(value, name)


def _document(test: dict[str, Any]) -> bytes:
    if "document_hex" in test:
        return _bytes_field(test, "document_hex")
    text = test.get("document")
    if not isinstance(text, str):
        raise wrong_type("document", "string", text)
    return text.encode("utf-8")


def _run_cbor(test: dict[str, Any]) -> None:
    data = _bytes_field(test, "input")
    value = encoding.decode(data)
    _expect(encoding.encode(value) == data, "decode-then-encode changed the bytes")


def _state_from(given: Any, path: str) -> L2State:
    if not isinstance(given, dict):
        raise wrong_type(path, "object", given)
    header = read_fields(Header, given.get("header"), Form.JSON, f"{path}.header")
    sections_obj = given.get("sections", {})
    if not isinstance(sections_obj, dict):
        raise wrong_type(f"{path}.sections", "object", sections_obj)
    sections = {}
    for name, items in sections_obj.items():
        cls = record_type(name)
        if not isinstance(items, list):
            raise wrong_type(f"{path}.sections.{name}", "array", items)
        sections[name] = tuple(
            read_fields(cls, item, Form.JSON, f"{path}.sections.{name}[{i}]")
            for i, item in enumerate(items)
        )
    return L2State(header, **sections)


def _run_section_root(test: dict[str, Any]) -> None:
    section = test.get("section")
    if not isinstance(section, str):
        raise wrong_type("section", "string", section)
    zero_header = {
        "version": 2,
        "chain_id": "vectors",
        "sequence": 0,
        "prev_state_root": "00" * 32,
        "timestamp_ms": 0,
    }
    state = _state_from({"header": zero_header, "sections": {section: test.get("records")}}, "test")
    commitment = L2StateRoot.compute(state)
    records = state.records(section)
    hashes = [leaf_hash(record).hex() for record in records]
    total = commitment.accounts_total if section == "accounts" else 0
    index = SECTION_NAMES.index(section)
    _expect(test.get("count") == len(records), "count differs")
    _expect(test.get("total") == total, "total differs")
    _expect(test.get("leaf_hashes") == hashes, "leaf hashes differ")
    _expect(test.get("tree_root") == commitment.tree_roots[index].hex(), "tree root differs")
    _expect(
        test.get("section_root") == commitment.section_roots[index].hex(), "section root differs"
    )


def _run_state_root(test: dict[str, Any]) -> None:
    state = _state_from(test.get("given"), "given")
    commitment = L2StateRoot.compute(state)
    intermediary = test.get("intermediary")
    expected = test.get("expected")
    if not isinstance(intermediary, dict) or not isinstance(expected, dict):
        raise wrong_type("intermediary/expected", "object", intermediary)
    _expect(intermediary.get("header_cbor") == commitment.header_cbor.hex(), "header CBOR differs")
    roots = {name: commitment.section_root(name).hex() for name in SECTION_NAMES}
    _expect(intermediary.get("section_roots") == roots, "section roots differ")
    _expect(expected.get("state_root") == commitment.root.hex(), "state root differs")


def _run_proof(test: dict[str, Any]) -> None:
    proof = proof_from_json(test.get("proof"))
    outcome = verify_proof(proof, _bytes_field(test, "root"))
    _expect(test.get("kind") == outcome.kind, "proof kind differs")
    _expect(test.get("section_total") == outcome.section_total, "section total differs")


def _first_failure(checks: list[Any]) -> None:
    for check in checks:
        if not check.ok:
            raise AileeError(check.code, check.detail)


def _run_snapshot(test: dict[str, Any]) -> None:
    pin = None
    if "policy_hash" in test:
        from ailee.verify import PolicyPin

        pin = PolicyPin(_bytes_field(test, "policy_hash"))
    result = check_snapshot_bytes(f"tcId {test.get('tcId')}", _document(test), pin)
    if result.root is not None and "root" in test:
        _expect(test["root"] == result.root.hex(), "recomputed root differs")
    _first_failure(list(result.checks))
    if result.snapshot is not None and "canonical_cbor" in test:
        canonical = encoding.encode(snapshot_to_object(result.snapshot, Form.CBOR))
        _expect(test["canonical_cbor"] == canonical.hex(), "canonical CBOR differs")


def _int_field(test: dict[str, Any], name: str) -> int:
    value = test.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise wrong_type(name, "integer", value)
    return value


def _network(test: dict[str, Any]) -> NetworkParams:
    if "params" not in test:
        name = test.get("network")
        if not isinstance(name, str):
            raise wrong_type("network", "string", name)
        return network(name)
    params = test["params"]
    if not isinstance(params, dict):
        raise wrong_type("params", "object", params)
    for name in ("interval", "target_spacing"):
        if _int_field(params, name) < 1:
            raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"params.{name} must be positive")
    return NetworkParams(
        name=str(params.get("name")),
        pow_limit=int.from_bytes(_bytes_field(params, "pow_limit"), "big"),
        interval=_int_field(params, "interval"),
        target_spacing=_int_field(params, "target_spacing"),
        allow_min_difficulty=params.get("allow_min_difficulty") is True,
        no_retargeting=params.get("no_retargeting") is True,
        enforce_bip94=params.get("enforce_bip94") is True,
        bip34_height=_int_field(params, "bip34_height"),
        bip66_height=_int_field(params, "bip66_height"),
        bip65_height=_int_field(params, "bip65_height"),
        genesis_header=_bytes_field(params, "genesis_header"),
    )


def _best_chain(test: dict[str, Any]) -> HeaderChain:
    params = _network(test)
    text = test.get("checkpoint")
    if text is not None and not isinstance(text, str):
        raise wrong_type("checkpoint", "string or null", text)
    checkpoint = None if text is None else Checkpoint.parse(text)
    now = test.get("now")
    if now is not None and (not isinstance(now, int) or isinstance(now, bool)):
        raise wrong_type("now", "integer or null", now)
    chains = test.get("chains")
    if not isinstance(chains, list):
        raise wrong_type("chains", "array", chains)
    verified = []
    for i, headers in enumerate(chains):
        if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
            raise wrong_type(f"chains[{i}]", "array of hex strings", headers)
        raw = b"".join(hex_to_bytes(h, f"chains[{i}]") for h in headers)
        verified.append(verify_header_chain(raw, params, checkpoint, now))
    return best_chain(verified)


def _run_header_chain(test: dict[str, Any]) -> None:
    chain = _best_chain(test)
    expected = test.get("expected", {})
    _expect(expected.get("tip_height") == chain.tip_height, "tip height differs")
    _expect(expected.get("tip_hash") == display_hex(chain.tip_hash), "tip hash differs")
    _expect(expected.get("work") == f"{chain.work:x}", "work differs")
    unchecked = [[u.rule, u.first_height, u.last_height] for u in chain.unchecked]
    _expect(expected.get("unchecked") == unchecked, f"unchecked rules differ: {unchecked}")


def _display(test: dict[str, Any], name: str) -> bytes:
    value = test.get(name)
    if not isinstance(value, str):
        raise wrong_type(name, "hex string", value)
    return from_display_hex(value, name)


def _run_txoutproof(test: dict[str, Any]) -> None:
    if "txoutproof" in test:
        block = parse_merkle_block(_bytes_field(test, "txoutproof"))
        matches = [{"position": p, "txid": display_hex(t)} for p, t in block.verify()]
        expected = test.get("expected", {})
        _expect(expected.get("block_hash") == display_hex(block.block_hash), "block differs")
        _expect(expected.get("matches") == matches, f"matches differ: {matches}")
        return
    branch = test.get("branch")
    if not isinstance(branch, list):
        raise wrong_type("branch", "array", branch)
    verify_merkle_branch(
        _display(test, "txid"),
        _int_field(test, "position"),
        [from_display_hex(str(h), "branch") for h in branch],
        _display(test, "merkle_root"),
    )


def _run_spv(test: dict[str, Any]) -> None:
    chain = _best_chain(test)
    raw_tx = None if test.get("tx") is None else _bytes_field(test, "tx")
    result = verify_txoutproof(
        _bytes_field(test, "txoutproof"),
        chain,
        raw_tx=raw_tx,
        min_confirmations=_int_field(test, "min_confirmations"),
    )
    expected = test.get("expected", {})
    _expect(expected.get("height") == result.height, "height differs")
    _expect(expected.get("confirmations") == result.confirmations, "confirmations differ")


def _run_anchor_commitment(test: dict[str, Any]) -> None:
    chain_id = test.get("chain_id")
    if not isinstance(chain_id, str):
        raise wrong_type("chain_id", "string", chain_id)
    commitment = anchor_commitment(
        chain_id=chain_id,
        sequence=_int_field(test, "sequence"),
        timestamp_ms=_int_field(test, "timestamp_ms"),
        state_root=_bytes_field(test, "state_root"),
        recovery_metadata=_bytes_field(test, "recovery_metadata"),
        prev_commitment=_bytes_field(test, "prev_commitment"),
    )
    _expect(test.get("commitment") == commitment.hex(), "commitment differs")


def _run_anchor_script(test: dict[str, Any]) -> None:
    commitment = parse_anchor_script(_bytes_field(test, "script"))
    _expect(test.get("commitment") == commitment.hex(), "commitment differs")


def _run_taproot_anchor(test: dict[str, Any]) -> None:
    path = test.get("path")
    if not isinstance(path, list):
        raise wrong_type("path", "array", path)
    verify_taproot_anchor(
        _bytes_field(test, "script_pubkey"),
        _bytes_field(test, "internal_key"),
        _bytes_field(test, "commitment"),
        [hex_to_bytes(str(h), "path") for h in path],
    )


def _run_evidence(test: dict[str, Any]) -> None:
    result = check_snapshot_bytes(f"tcId {test.get('tcId')}", _document(test))
    _first_failure(list(result.checks))
    evidence = check_evidence(
        result,
        jsoncodec.dumps(test.get("evidence")).encode("utf-8"),
        _int_field(test, "min_confirmations"),
    )
    _first_failure(list(evidence.checks))


def _workers(test: dict[str, Any]) -> Any:
    from ailee.scheduling import WorkerPool, worker_from_json

    items = test.get("workers")
    if not isinstance(items, list):
        raise wrong_type("workers", "array", items)
    return WorkerPool(worker_from_json(w, f"workers[{k}]") for k, w in enumerate(items))


def _run_schedule(test: dict[str, Any]) -> None:
    from ailee.scheduling import assignment_from_json, policy_from_json, recompute, task_from_json

    cursor = test.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise wrong_type("cursor", "string or null", cursor)
    recompute(
        assignment_from_json(test.get("record"), "record"),
        task_from_json(test.get("task")),
        _workers(test),
        policy_from_json(test.get("policy")),
        cursor,
    )


def _run_schedule_batch(test: dict[str, Any]) -> None:
    from ailee.scheduling import (
        BatchResult,
        check_task_ids,
        policy_from_json,
        task_from_json,
        verify_batch,
    )

    items = test.get("tasks")
    if not isinstance(items, list):
        raise wrong_type("tasks", "array", items)
    tasks = [task_from_json(t, f"tasks[{k}]") for k, t in enumerate(items)]
    check_task_ids(tasks)
    pool = _workers(test)
    policy = policy_from_json(test.get("policy"))
    expected = test.get("expected", {})
    pairs = expected.get("assigned")
    left = expected.get("unassigned")
    if not isinstance(pairs, list) or not isinstance(left, list):
        raise wrong_type("expected", "assigned and unassigned arrays", expected)
    # Normative: the expected assignment is valid and reaches the optimum (the count
    # and the total); which optimal assignment a solver returns is not.
    claimed = BatchResult(
        tuple((str(t), str(w)) for t, w in pairs),
        tuple((str(t), str(r)) for t, r in left),
        int(expected.get("total_score", 0)),
    )
    verify_batch(claimed, tasks, pool, policy)


def _run_fl_aggregate(test: dict[str, Any]) -> None:
    from ailee.fl import aggregate, tensor_to_json, update_commitment, update_from_json

    items = test.get("updates")
    if not isinstance(items, list):
        raise wrong_type("updates", "array", items)
    updates = [update_from_json(u, f"updates[{k}]") for k, u in enumerate(items)]
    params = test.get("params")
    if not isinstance(params, dict):
        raise wrong_type("params", "object", params)
    result = aggregate(str(test.get("rule")), updates, params)
    expected = test.get("expected", {})
    tensors = [tensor_to_json(name, array) for name, array in result.tensors]
    _expect(expected.get("tensors") == tensors, "aggregated tensors differ")
    _expect(expected.get("selected") == list(result.selected), "selected clients differ")
    commitments = [update_commitment(u).hex() for u in updates]
    _expect(expected.get("commitments") == commitments, "update commitments differ")


def _run_telemetry(test: dict[str, Any]) -> None:
    from ailee.telemetry import batch_digest, batch_root, sample_from_json, utility, verify_chain

    items = test.get("samples")
    if not isinstance(items, list):
        raise wrong_type("samples", "array", items)
    samples = [sample_from_json(s, f"samples[{k}]") for k, s in enumerate(items)]
    last = verify_chain(samples, _bytes_field(test, "public_key"))
    expected = test.get("expected", {})
    _expect(expected.get("last") == last.hex(), "last sample hash differs")
    _expect(expected.get("root") == batch_root(samples).hex(), "batch root differs")
    digest = batch_digest(_bytes_field(test, "public_key"), bytes(32), samples)
    _expect(expected.get("digest") == digest.hex(), "batch digest differs")
    _expect(expected.get("utilities") == [utility(s) for s in samples], "utilities differ")


def _run_telemetry_reward(test: dict[str, Any]) -> None:
    from ailee.telemetry import reward

    pool, utilities = test.get("pool"), test.get("utilities")
    if not isinstance(utilities, list) or not all(
        isinstance(u, list) and len(u) == 2 and isinstance(u[0], str) for u in utilities
    ):
        raise wrong_type("utilities", "array of [node, utility]", utilities)
    if not isinstance(pool, int) or not all(isinstance(u[1], int) for u in utilities):
        raise wrong_type("pool", "integer", pool)
    shares = reward(pool, [(node, u) for node, u in utilities])
    expected = [[node, shares[node]] for node, _ in utilities]
    _expect(test.get("expected") == expected, "shares differ")


def _run_fl_round(test: dict[str, Any]) -> None:
    from ailee.fl import round_from_json, update_from_json, verify_round

    items = test.get("updates")
    if not isinstance(items, list):
        raise wrong_type("updates", "array", items)
    updates = [update_from_json(u, f"updates[{k}]") for k, u in enumerate(items)]
    verify_round(round_from_json(test.get("record"), "record"), updates)


def _real(value: Any, name: str) -> float:
    """A finite float64 given as a decimal string (vector files hold no floats)."""
    import math

    if not isinstance(value, str):
        raise wrong_type(name, "decimal string", value)
    try:
        number = float(value)
    except ValueError:
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{name}: not a decimal number") from None
    if not math.isfinite(number):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{name}: not a finite number")
    return number


def _run_privacy(test: dict[str, Any]) -> None:
    from ailee.privacy import Accountant, rdp_subsampled_gaussian

    orders, events = test.get("orders"), test.get("events")
    if not isinstance(orders, list) or not isinstance(events, list):
        raise wrong_type("orders and events", "array", orders)
    accountant = Accountant(tuple(_real(a, "orders[]") for a in orders))
    for k, event in enumerate(events):
        if not isinstance(event, list) or len(event) != 3:
            raise wrong_type(f"events[{k}]", "[q, sigma, steps]", event)
        q, sigma = _real(event[0], f"events[{k}][0]"), _real(event[1], f"events[{k}][1]")
        accountant = accountant.compose(q, sigma, event[2])
    delta = _real(test.get("delta"), "delta")
    improved, classic = accountant.epsilon(delta), accountant.epsilon(delta, improved=False)
    tolerance = _real(test.get("tolerance"), "tolerance")
    expected = test.get("expected", {})
    if not isinstance(expected, dict):
        raise wrong_type("expected", "object", expected)
    rdp_at, rdp = expected.get("rdp_at", []), expected.get("rdp", [])
    if not isinstance(rdp_at, list) or not all(isinstance(p, list) and len(p) == 2 for p in rdp_at):
        raise wrong_type("expected.rdp_at", "array of [order, value]", rdp_at)
    if not isinstance(rdp, list):
        raise wrong_type("expected.rdp", "array", rdp)
    if rdp_at and not events:
        raise wrong_type("events", "non-empty array (rdp_at is of the first event)", events)

    def close(got: float, want: Any, what: str) -> None:
        wanted = _real(want, what)
        _expect(abs(got - wanted) <= tolerance * max(1.0, abs(wanted)), f"{what} differs")

    for order, value in rdp_at:
        first = events[0]
        alpha = _real(order, "rdp_at order")
        got = rdp_subsampled_gaussian(_real(first[0], "q"), _real(first[1], "sigma"), alpha)
        close(got, value, f"RDP at order {order}")
    _expect(len(rdp) == len(accountant.rdp), "one composed RDP value per order")
    for got, want in zip(accountant.rdp, rdp, strict=False):
        close(got, want, "composed RDP")
    close(improved, expected.get("epsilon_improved"), "epsilon (improved)")
    close(classic, expected.get("epsilon_classic"), "epsilon (classic)")


def _run_policy(test: dict[str, Any]) -> None:
    from ailee.policy import parse_policy, policy_hash

    fmt, text = test.get("format"), test.get("text")
    if not isinstance(fmt, str) or not isinstance(text, str):
        raise wrong_type("format and text", "string", text)
    try:
        policy = parse_policy(text.encode("utf-8"), fmt)
    except DecodeError as exc:
        path, _, rest = exc.message.partition(": ")
        _expect(path == test.get("path"), f"error path {path!r}, expected {test.get('path')!r}")
        column = test.get("column")
        if column is not None:
            at = f"column {column}: "
            _expect(rest.startswith(at), f"error at {rest!r}, not column {column}")
        raise
    digest = policy_hash(policy).hex()
    _expect(digest == test.get("expected", {}).get("hash"), f"policy hash is {digest}")


def _run_chain(test: dict[str, Any]) -> None:
    documents = test.get("documents")
    if not isinstance(documents, list):
        raise wrong_type("documents", "array", documents)
    results = []
    for i, text in enumerate(documents):
        if not isinstance(text, str):
            raise wrong_type(f"documents[{i}]", "string", text)
        results.append(check_snapshot_bytes(f"documents[{i}]", text.encode("utf-8")))
    report = build_report(results)
    _first_failure(report.failures)


def _run_claim(test: dict[str, Any]) -> None:
    from ailee.evidence import evidence_from_json, verify_evidence_chain
    from ailee.recovery import claim_document_from_json, replay

    document = claim_document_from_json(jsoncodec.dumps(test.get("claim")).encode())
    evidence = evidence_from_json(jsoncodec.dumps(test.get("evidence")).encode())
    chain = verify_evidence_chain(evidence)
    trusted = None if test.get("pinned") is None else _bytes_field(test, "pinned")
    items = {item.sequence: item for item in evidence.items}
    proven, record = replay(document, items, chain, trusted)
    expected = test.get("expected")
    got = {
        "id": proven.id,
        "account": proven.account,
        "amount": proven.amount,
        "status": record.status.value,
        "reason": record.reason,
    }
    _expect(got == expected, f"claim is {got}, expected {expected}")


def _run_claim_book(test: dict[str, Any]) -> None:
    from ailee.evidence import evidence_from_json, verify_evidence_chain
    from ailee.recovery import ClaimBook, apply_event, claim_document_from_json, verify_claim

    evidence = evidence_from_json(jsoncodec.dumps(test.get("evidence")).encode())
    chain = verify_evidence_chain(evidence)
    items = {item.sequence: item for item in evidence.items}
    claims = test.get("claims")
    if not isinstance(claims, list):
        raise wrong_type("claims", "array", claims)
    # Each claim is a claim document; its events are applied in the order of 'order'
    # ([claim index, event index] pairs), interleaving the claims in one book.
    documents = [claim_document_from_json(jsoncodec.dumps(c).encode()) for c in claims]
    proven = [verify_claim(d.claim, items, chain) for d in documents]
    book = ClaimBook()
    order = test.get("order")
    if not isinstance(order, list):
        raise wrong_type("order", "array", order)
    for step in order:
        valid = (
            isinstance(step, list)
            and len(step) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in step)
            and 0 <= step[0] < len(documents)
            and 0 <= step[1] < len(documents[step[0]].events)
        )
        if not valid:
            raise DecodeError(ReasonCode.SCHEMA_BAD_FORMAT, f"order: bad step {step!r}")
        k, e = step
        book = apply_event(book, proven[k], documents[k].events[e], items, chain)
    got = [[r.id, r.status.value] for r in book.claims]
    _expect(got == test.get("expected"), f"book is {got}")


def _run_breakers(test: dict[str, Any]) -> None:
    from ailee import safety

    policy_obj = test.get("policy")
    policy = safety.BreakerPolicy()
    if policy_obj is not None:
        policy = safety.BreakerPolicy.from_json(policy_obj, "policy")
    samples, initial = test.get("samples"), test.get("initial")
    if not isinstance(samples, list):
        raise wrong_type("samples", "array", samples)
    statuses: list[Any] = []
    breaker = test.get("breaker")
    if breaker == "node":
        node = safety.NodeStatus()
        if initial is not None:
            node = safety.NodeStatus.from_json(initial, "initial")
            node.check(policy)  # (step checks it too; a case may have no samples)
        for k, item in enumerate(samples):
            node = safety.step(node, safety.MetricsSample.from_json(item, f"samples[{k}]"), policy)
            statuses.append(node.to_json())
    elif breaker == "bridge":
        bridge = safety.BridgeStatus.initial(policy)
        if initial is not None:
            bridge = safety.BridgeStatus.from_json(initial, "initial")
            bridge.check(policy)  # (step_bridge checks it too; a case may have no samples)
        for k, item in enumerate(samples):
            sample = safety.BridgeSample.from_json(item, f"samples[{k}]")
            bridge = safety.step_bridge(bridge, sample, policy)
            statuses.append(bridge.to_json())
    else:
        raise DecodeError(ReasonCode.ENUM_UNKNOWN_VALUE, f"breaker: {breaker!r}")
    expected = test.get("expected")
    if not isinstance(expected, dict):
        raise _Mismatch("no expected statuses")
    _expect(expected.get("statuses") == statuses, "statuses differ")
    admissions = test.get("admissions", [])
    if not isinstance(admissions, list) or (admissions and breaker != "bridge"):
        raise wrong_type("admissions", "array (bridge cases only)", admissions)
    for k, item in enumerate(admissions):
        if not isinstance(item, dict) or item.get("op") not in ("pegin", "pegout"):
            raise wrong_type(f"admissions[{k}]", "pegin or pegout object", item)
        if item["op"] == "pegin":
            safety.admit_pegin(bridge)
            continue
        exit_claim = item.get("exit_claim")
        if not isinstance(exit_claim, bool):
            raise wrong_type(f"admissions[{k}].exit_claim", "boolean", exit_claim)
        safety.admit_pegout(bridge, _int_field(item, "amount"), exit_claim=exit_claim)


def _run_legacy(test: dict[str, Any]) -> None:
    from ailee.legacy import check_legacy, parse_legacy, to_native

    data = _bytes_field(test, "text_hex") if "text_hex" in test else None
    if data is None:
        text = test.get("text")
        if not isinstance(text, str):
            raise wrong_type("text", "string", text)
        data = text.encode("utf-8")
    at = f"line {test.get('line')}: "
    try:
        parsed = parse_legacy(data)
    except DecodeError as exc:
        _expect(exc.message.startswith(at), f"error {exc.message!r} is not at {at!r}")
        raise
    report = check_legacy(parsed)
    blocks = [
        {
            "line": block.line,
            "root": block.root,
            "anchor_checks": {c.name: c.code.value if c.code else "ok" for c in block.checks},
            "warnings": [[w.kind, w.line, w.field] for w in block.warnings],
        }
        for block in report.blocks
    ]
    expected = test.get("expected")
    _expect(isinstance(expected, dict) and expected.get("blocks") == blocks, "blocks differ")
    for check in report.failures():
        raise VerificationError(check.code or ReasonCode.INTERNAL_ERROR, check.detail)
    convert = test.get("convert")
    if isinstance(convert, dict):
        try:
            native, _ = to_native(parsed.snapshots[-1], str(convert.get("chain_id")))
        except DecodeError as exc:
            _expect(exc.message.startswith(at), f"error {exc.message!r} is not at {at!r}")
            raise
        _expect(native.state_root.hex() == convert.get("root"), "native root differs")


def _run_netflow(test: dict[str, Any]) -> None:
    from ailee import netflow
    from ailee.state import TelemetryRecord, write_fields

    def items(name: str) -> list[Any]:
        value = test.get(name)
        if not isinstance(value, list):
            raise wrong_type(name, "array", value)
        return value

    operation = test.get("operation")
    expected = test.get("expected")
    if operation == "select":
        # The list readers check each list's size before reading its elements.
        policy = test.get("policy")
        ranking = netflow.rank_relays(
            netflow.relays_from_json(test.get("relays")),
            netflow.request_from_json(test.get("request")),
            None if policy is None else netflow.selection_policy_from_json(policy),
            netflow.statuses_from_json(test.get("statuses")),
        )
        _expect(netflow.ranking_to_json(ranking) == expected, "ranking differs")
        return
    mesh = netflow.mesh_from_json(items("relays"), items("tunnels"))
    receipts = netflow.receipts_from_json(test.get("receipts"))
    if operation == "settle":
        settlement = netflow.settle(netflow.epoch_from_json(test.get("epoch")), mesh, receipts)
    elif operation == "check":
        record = read_fields(TelemetryRecord, test.get("record"), Form.JSON, "record")
        settlement = netflow.check_epoch(record, _int_field(test, "pool"), mesh, receipts)
    else:
        raise DecodeError(ReasonCode.ENUM_UNKNOWN_VALUE, f"operation: {operation!r}")
    got = netflow.settlement_to_json(settlement)
    got["record"] = write_fields(netflow.epoch_record(settlement), Form.JSON)
    _expect(got == expected, "settlement differs")


_RUNNERS: Final[dict[str, Callable[[dict[str, Any]], None]]] = {
    "ailee_cbor_decode_v1": _run_cbor,
    "ailee_section_root_v1": _run_section_root,
    "ailee_state_root_v1": _run_state_root,
    "ailee_proof_v1": _run_proof,
    "ailee_snapshot_v1": _run_snapshot,
    "ailee_snapshot_chain_v1": _run_chain,
    "ailee_header_chain_v1": _run_header_chain,
    "ailee_txoutproof_v1": _run_txoutproof,
    "ailee_spv_v1": _run_spv,
    "ailee_anchor_commitment_v1": _run_anchor_commitment,
    "ailee_anchor_script_v1": _run_anchor_script,
    "ailee_taproot_anchor_v1": _run_taproot_anchor,
    "ailee_anchor_evidence_v1": _run_evidence,
    "ailee_schedule_v1": _run_schedule,
    "ailee_schedule_batch_v1": _run_schedule_batch,
    "ailee_fl_aggregate_v1": _run_fl_aggregate,
    "ailee_telemetry_chain_v1": _run_telemetry,
    "ailee_telemetry_reward_v1": _run_telemetry_reward,
    "ailee_fl_round_v1": _run_fl_round,
    "ailee_privacy_v1": _run_privacy,
    "ailee_breakers_v1": _run_breakers,
    "ailee_policy_v1": _run_policy,
    "ailee_exit_claim_v1": _run_claim,
    "ailee_claim_book_v1": _run_claim_book,
    "ailee_netflow_v1": _run_netflow,
    "ailee_legacy_v1": _run_legacy,
}


def _run_case(
    runner: Callable[[dict[str, Any]], None], test: dict[str, Any], rejections: list[str]
) -> str | None:
    """None if the case behaves as its vector says, else why not."""
    expected = test.get("result")
    code = test.get("code")
    try:
        runner(test)
    except _Mismatch as exc:
        return str(exc)
    except AileeError as exc:
        if expected != "invalid":
            return f"expected valid, got {exc.code.value}: {exc.message}"
        if exc.code.value != code:
            return f"expected {code}, got {exc.code.value}: {exc.message}"
        rejections.append(f"tcId {test.get('tcId')}: {exc.code.value}: {exc.message}")
        return None
    if expected != "valid":
        return f"expected invalid ({code}), but it was accepted"
    return None


def run_vector_document(doc: JsonValue) -> VectorFileResult:
    """Run every case of one parsed vector file."""
    if not isinstance(doc, dict):
        raise wrong_type("vector file", "object", doc)
    schema = doc.get("schema")
    algorithm = doc.get("algorithm")
    if not isinstance(schema, str) or schema not in _RUNNERS:
        raise DecodeError(ReasonCode.SCHEMA_BAD_FORMAT, f"unknown vector schema {schema!r}")
    runner = _RUNNERS[schema]
    result = VectorFileResult(str(algorithm))
    groups = doc.get("testGroups")
    if not isinstance(groups, list):
        raise wrong_type("testGroups", "array", groups)
    count = 0
    for group in groups:
        tests = group.get("tests") if isinstance(group, dict) else None
        if not isinstance(tests, list):
            raise wrong_type("testGroups[].tests", "array", tests)
        for test in tests:
            if not isinstance(test, dict):
                raise wrong_type("test", "object", test)
            count += 1
            problem = _run_case(runner, test, result.rejections)
            if problem is None:
                result.passed += 1
            else:
                result.failed += 1
                result.failures.append(f"tcId {test.get('tcId')}: {problem}")
    if doc.get("numberOfTests") != count:
        result.failed += 1
        result.failures.append(f"numberOfTests is {doc.get('numberOfTests')}, file has {count}")
    return result


def run_vector_file(data: bytes) -> VectorFileResult:
    """Parse a vector file (strict JSON) and run every case in it."""
    return run_vector_document(jsoncodec.loads(data))
