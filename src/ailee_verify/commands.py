"""The commands of ``ailee-l2-verify`` (click), behind the entry point :mod:`ailee_verify.cli`.

This module only turns arguments and files into calls of :mod:`ailee` and results
into text, JSON and exit codes. Exit codes: 0 verified; 1 a check failed; 2 usage
error; 3 input unreadable or malformed; 4 internal error (a bug). On any failure the
last line written to stderr is ``ailee-l2-verify: <REASON_CODE>: <message>``.

It imports click and nothing of :mod:`ailee` at the top: each command imports what it
uses, so ``ailee-l2-verify COMMAND --help`` loads click and this module only, and a
verification loads no numpy, scipy or YAML reader unless the input needs them
(``docs/assurance.md``, "Start-up").
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from ailee_verify.cli import EXIT_INTERNAL, PROG

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ailee.errors import AileeError, ReasonCode
    from ailee.verify import Report

__all__ = ["cli", "run"]

# ailee.verify's exit codes, restated so that help needs no ailee import
# (tests/test_startup.py checks they agree).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_MALFORMED = 3


class _Exit(Exception):
    """Leave with ``status``, after printing ``code`` and ``message`` as the last stderr line."""

    def __init__(self, status: int, code: ReasonCode | None = None, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _fail_line(code: ReasonCode, message: str) -> None:
    click.echo(f"{PROG}: {code.value}: {message}", err=True)


def read_input(path: str) -> bytes:
    """Read a file (``-`` is standard input), refusing it early if over the size limit."""
    from ailee.errors import DecodeError, ReasonCode
    from ailee.limits import MAX_DOCUMENT_BYTES

    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        else:
            size = os.stat(path).st_size
            if size > MAX_DOCUMENT_BYTES:
                raise DecodeError(
                    ReasonCode.INPUT_TOO_LARGE,
                    f"{path}: {size} bytes is over the limit of {MAX_DOCUMENT_BYTES}",
                )
            with open(path, "rb") as handle:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise DecodeError(
            ReasonCode.FILE_UNREADABLE, f"{path}: {exc.strerror or type(exc).__name__}"
        ) from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DecodeError(ReasonCode.INPUT_TOO_LARGE, f"{path}: over {MAX_DOCUMENT_BYTES} bytes")
    return data


def _failed_command(error: AileeError, as_json: bool) -> _Exit:
    """Print the ``--json`` failure object if asked, and return the exit for ``error``."""
    if as_json:
        from ailee import jsoncodec

        click.echo(
            jsoncodec.dumps({"ok": False, "code": error.code.value, "detail": error.message}),
            nl=False,
        )
    return _exit_for(error)


def _exit_for(error: AileeError) -> _Exit:
    from ailee.errors import VerificationError

    status = EXIT_FAILED if isinstance(error, VerificationError) else EXIT_MALFORMED
    return _Exit(status, error.code, error.message)


def _progress(items: Sequence[str], quiet: bool, label: str) -> Iterator[str]:
    """Yield ``items``, with a progress bar on stderr when it is a terminal."""
    if quiet or len(items) < 2 or not sys.stderr.isatty():
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar


def _print_report(report: Report) -> None:
    for result in report.snapshots:
        verdict = "OK" if result.ok else "FAILED"
        root = "" if result.root is None else f" root {result.root.hex()}"
        click.echo(f"{result.source}: {verdict}{root}")
        for check in result.checks:
            _print_check(check.ok, check.name, check.code, check.detail)
    for check in report.chain:
        _print_check(check.ok, check.name, check.code, check.detail)
    if report.evidence is not None:
        click.echo("anchor evidence:")
        for check in report.evidence.checks:
            _print_check(check.ok, check.name, check.code, check.detail, always=True)
        for note in report.evidence.notes:
            click.echo(f"  not checked: {note}")
    count = len(report.snapshots)
    if report.ok:
        tip = "" if report.root is None else f", tip root {report.root.hex()}"
        click.echo(f"VERIFIED: {count} snapshot{'s' if count != 1 else ''}{tip}")
    else:
        click.echo(f"NOT VERIFIED: {len(report.failures)} failed check(s)")


def _print_check(
    ok: bool, name: str, code: ReasonCode | None, detail: str, *, always: bool = False
) -> None:
    mark = "ok  " if ok else "FAIL"
    reason = "" if code is None else f" [{code.value}]"
    text = f" {detail}" if detail and (always or not ok) else ""
    click.echo(f"  {mark} {name}{reason}{text}")


class _DefaultToVerify(click.Group):
    """A group whose first argument, if not a command, is a snapshot for ``verify``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["verify", *args]
        return super().parse_args(ctx, args)


@click.group(
    cls=_DefaultToVerify,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=False,
)
@click.version_option(package_name="ailee", prog_name=PROG)
def cli() -> None:
    """Verify AILEE L2 snapshots offline: no network, no trust in any node.

    \b
    ailee-l2-verify SNAPSHOT [SNAPSHOT ...]   verify snapshots and the chain they form
    ailee-l2-verify prove SNAPSHOT --section S --key K
    ailee-l2-verify check-proof PROOF --root HEX
    ailee-l2-verify vectors DIR
    ailee-l2-verify spv --headers FILE --proof HEX_OR_FILE [--tx HEX_OR_FILE]
    ailee-l2-verify anchor build SNAPSHOT [--taproot --internal-key HEX]
    ailee-l2-verify anchor decode SCRIPT_HEX

    Exit codes: 0 verified, 1 a check failed, 2 usage error, 3 input unreadable or
    malformed, 4 internal error.
    """


MIN_CONFIRMATIONS_DEFAULT = 6


@cli.command("verify")
@click.argument("snapshots", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--evidence",
    metavar="FILE",
    help="Anchor evidence (JSON) to check against the last snapshot's anchors.",
)
@click.option(
    "--min-confirmations",
    type=click.IntRange(1, 1_000_000),
    default=MIN_CONFIRMATIONS_DEFAULT,
    show_default=True,
    help="Confirmations each anchoring transaction needs.",
)
@click.option(
    "--now",
    type=click.IntRange(0, 2**32),
    help="Unix time: refuse evidence headers more than two hours after it.",
)
@click.option(
    "--policy",
    "policy_file",
    metavar="FILE",
    help="Policy configuration (.yaml, .json, .toml) each snapshot's federation must name.",
)
def verify_command(  # noqa: PLR0917 (one parameter per option)
    snapshots: tuple[str, ...],
    as_json: bool,
    quiet: bool,
    evidence: str | None,
    min_confirmations: int,
    now: int | None,
    policy_file: str | None,
) -> None:
    """Verify each SNAPSHOT (JSON or CBOR) and the chain between consecutive ones."""
    from ailee import jsoncodec
    from ailee.errors import AileeError, DecodeError
    from ailee.verify import (
        Check,
        EvidenceResult,
        SnapshotResult,
        build_report,
        check_evidence,
        check_snapshot_bytes,
        failed_input,
    )

    pin = None
    if policy_file is not None:
        from ailee.policy import format_for_suffix, parse_policy
        from ailee.verify import PolicyPin

        try:
            fmt = format_for_suffix(policy_file)
            pin = PolicyPin.of(parse_policy(read_input(policy_file), fmt))
        except AileeError as exc:
            raise _failed_command(exc, as_json) from None
    results: list[SnapshotResult] = []
    for path in _progress(list(snapshots), quiet, "verifying"):
        try:
            data = read_input(path)
        except DecodeError as exc:
            results.append(failed_input(path, exc))
            continue
        results.append(check_snapshot_bytes(path, data, pin))
    evidence_result = None
    if evidence is not None:
        try:
            evidence_data = read_input(evidence)
        except DecodeError as exc:
            evidence_result = EvidenceResult(
                (Check("evidence.decode", False, exc.code, exc.message),), (), True
            )
        else:
            evidence_result = check_evidence(results[-1], evidence_data, min_confirmations, now)
    report = build_report(results, evidence_result)
    if as_json:
        click.echo(jsoncodec.dumps(report.to_json()), nl=False)
    else:
        _print_report(report)
    if report.exit_code != EXIT_OK:
        first = report.failures[0]
        assert first.code is not None
        raise _Exit(report.exit_code, first.code, first.detail or first.name)


@cli.command("prove")
@click.argument("snapshot")
@click.option("--section", required=True, help="Section name, e.g. accounts.")
@click.option("--key", required=True, help="Record key: an id, <txid>:<vout>, or a number.")
def prove_command(snapshot: str, section: str, key: str) -> None:
    """Print an inclusion or non-inclusion proof of KEY in SECTION of SNAPSHOT, as JSON."""
    from ailee import jsoncodec
    from ailee.errors import AileeError, DecodeError, ReasonCode
    from ailee.proofs import proof_to_json
    from ailee.snapshot import read_snapshot
    from ailee.state import parse_key
    from ailee.stateroot import L2StateRoot

    try:
        key_bytes = parse_key(section, key)
    except DecodeError as exc:
        raise _Exit(EXIT_USAGE, exc.code, exc.message) from None
    try:
        loaded = read_snapshot(read_input(snapshot))
        commitment = L2StateRoot.compute(loaded.state)
    except AileeError as exc:
        raise _exit_for(exc) from None
    if commitment.root != loaded.state_root:
        raise _Exit(
            EXIT_FAILED,
            ReasonCode.STATE_ROOT_MISMATCH,
            f"{snapshot}: recomputed root {commitment.root.hex()}, "
            f"claimed {loaded.state_root.hex()}; refusing to prove against it",
        )
    click.echo(jsoncodec.dumps(proof_to_json(commitment.prove(section, key_bytes))), nl=False)


@cli.command("check-proof")
@click.argument("proof")
@click.option("--root", "root_hex", required=True, help="Expected L2StateRoot, 64 hex digits.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def check_proof_command(proof: str, root_hex: str, as_json: bool) -> None:
    """Verify the proof in file PROOF against the state root --root."""
    import json

    from ailee import jsoncodec
    from ailee.errors import AileeError, DecodeError, ReasonCode
    from ailee.fields import Form, hex_to_bytes
    from ailee.proofs import proof_from_json, verify_proof
    from ailee.state import write_fields
    from ailee.stateroot import leaf_bytes

    try:
        root = hex_to_bytes(root_hex, "--root")
        if len(root) != 32:
            raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, "--root: expected 32 bytes")
    except DecodeError as exc:
        raise _Exit(EXIT_USAGE, exc.code, exc.message) from None
    try:
        parsed = proof_from_json(jsoncodec.loads(read_input(proof)))
        outcome = verify_proof(parsed, root)
    except AileeError as exc:
        raise _failed_command(exc, as_json) from None
    record = None if outcome.record is None else leaf_bytes(outcome.record).hex()
    if as_json:
        doc: dict[str, Any] = {
            "ok": True,
            "kind": outcome.kind,
            "section": outcome.section,
            "key": outcome.key.hex(),
            "section_total": outcome.section_total,
            "tree_size": outcome.tree_size,
            "sequence": outcome.header.sequence,
            "record_cbor": record,
        }
        click.echo(jsoncodec.dumps(doc), nl=False)
        return
    click.echo(
        f"VALID {outcome.kind} proof: key {outcome.key.hex()} in {outcome.section} "
        f"of sequence {outcome.header.sequence} under root {root.hex()}"
    )
    if outcome.record is not None:
        record_json = json.dumps(write_fields(outcome.record, Form.JSON), ensure_ascii=False)
        click.echo(f"  record: {record_json}")
    if outcome.section == "accounts":
        click.echo(f"  proven total of all balances: {outcome.section_total} satoshis")


@cli.command("vectors")
@click.argument("directory_name", metavar="DIRECTORY", type=click.Path(file_okay=False))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def vectors_command(directory_name: str, quiet: bool) -> None:
    """Run every golden vector file (*.json) under DIRECTORY."""
    from pathlib import Path

    from ailee.errors import AileeError, ReasonCode
    from ailee.vectors import run_vector_file

    directory = Path(directory_name)
    if not directory.is_dir():
        raise _Exit(EXIT_MALFORMED, ReasonCode.FILE_UNREADABLE, f"{directory}: not a directory")
    files = sorted(str(path) for path in directory.rglob("*.json"))
    if not files:
        raise _Exit(EXIT_MALFORMED, ReasonCode.FILE_UNREADABLE, f"{directory}: no *.json files")
    passed = failed = 0
    failures: list[str] = []
    for path in _progress(files, quiet, "vectors"):
        try:
            result = run_vector_file(read_input(path))
        except AileeError as exc:
            raise _Exit(EXIT_MALFORMED, exc.code, f"{path}: {exc.message}") from None
        passed += result.passed
        failed += result.failed
        failures.extend(f"{path}: {line}" for line in result.failures)
        click.echo(f"{path}: {result.passed} passed, {result.failed} failed")
    for line in failures:
        click.echo(f"  FAIL {line}")
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        raise _Exit(EXIT_FAILED, ReasonCode.VECTOR_CASE_FAILED, f"{failed} vector case(s) failed")


def _cli_hex(value: str, what: str, length: int | None = None) -> bytes:
    """Hex typed on the command line (either case); a bad one is a usage error (exit 2)."""
    from ailee.errors import ReasonCode

    text = value.strip().lower()
    if len(text) % 2 or not all(c in "0123456789abcdef" for c in text):
        raise _Exit(EXIT_USAGE, ReasonCode.HEX_INVALID, f"{what}: not hexadecimal")
    data = bytes.fromhex(text)
    if length is not None and len(data) != length:
        raise _Exit(
            EXIT_USAGE,
            ReasonCode.BYTES_WRONG_LENGTH,
            f"{what}: expected {length} bytes, got {len(data)}",
        )
    return data


def _hex_or_file(value: str, what: str) -> bytes:
    """An existing file (raw bytes, or hex text), or else hex typed on the command line."""
    if value != "-" and not os.path.exists(value):
        return _cli_hex(value, what)
    data = read_input(value)
    stripped = data.strip()
    if stripped and all(c in b"0123456789abcdefABCDEF" for c in stripped):
        return bytes.fromhex(stripped.decode("ascii"))
    return data


@cli.command("spv")
@click.option(
    "--headers",
    "header_files",
    multiple=True,
    required=True,
    metavar="FILE",
    help="Headers: raw 80-byte headers or hex, one per line. Repeat for competing chains.",
)
@click.option("--proof", required=True, metavar="HEX_OR_FILE", help="gettxoutproof output.")
@click.option("--tx", "tx_arg", metavar="HEX_OR_FILE", help="The raw transaction.")
@click.option("--network", "network_name", default="mainnet", show_default=True)
@click.option("--checkpoint", metavar="HEIGHT:HASH", help="Trusted header (default: genesis).")
@click.option(
    "--min-confirmations", type=click.IntRange(1, 1_000_000), default=1, show_default=True
)
@click.option("--now", type=click.IntRange(0, 2**32), help="Unix time for the future-time rule.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def spv_command(  # noqa: PLR0917 (one parameter per option)
    header_files: tuple[str, ...],
    proof: str,
    tx_arg: str | None,
    network_name: str,
    checkpoint: str | None,
    min_confirmations: int,
    now: int | None,
    as_json: bool,
) -> None:
    """Prove that transactions are in the most-work Bitcoin chain (SPV), offline."""
    from ailee import jsoncodec
    from ailee.errors import AileeError, DecodeError
    from ailee.headerchain import Checkpoint, best_chain, parse_headers_file, verify_header_chain
    from ailee.headers import display_hex
    from ailee.networks import network
    from ailee.spv import verify_txoutproof

    try:
        params = network(network_name)
        trusted = None if checkpoint is None else Checkpoint.parse(checkpoint)
    except DecodeError as exc:
        raise _Exit(EXIT_USAGE, exc.code, exc.message) from None
    try:
        chains = [
            verify_header_chain(parse_headers_file(read_input(path)), params, trusted, now)
            for path in header_files
        ]
        chain = best_chain(chains)
        raw_tx = None if tx_arg is None else _hex_or_file(tx_arg, "--tx")
        result = verify_txoutproof(
            _hex_or_file(proof, "--proof"),
            chain,
            raw_tx=raw_tx,
            min_confirmations=min_confirmations,
        )
    except AileeError as exc:
        raise _failed_command(exc, as_json) from None
    if as_json:
        click.echo(jsoncodec.dumps({"ok": True, **result.to_json()}), nl=False)  # type: ignore[dict-item]
        return
    for position, txid in result.proven:
        click.echo(f"PROVEN txid {display_hex(txid)} (position {position})")
    click.echo(
        f"  in block {display_hex(result.block_hash)} at height {result.height} of "
        f"{result.network}, {result.confirmations} confirmation(s) "
        f"(tip {result.tip_height} {display_hex(result.tip_hash)})"
    )
    for line in result.unchecked:
        click.echo(f"  not checked: {line}")


@cli.group("anchor")
def anchor_group() -> None:
    """Build or decode anchors (OP_RETURN or Taproot)."""


@anchor_group.command("build")
@click.argument("snapshot")
@click.option("--taproot", is_flag=True, help="Build a P2TR output instead of OP_RETURN.")
@click.option("--internal-key", metavar="HEX", help="x-only internal key (with --taproot).")
@click.option(
    "--federation-leaf",
    "federation_leaves",
    multiple=True,
    metavar="HEX",
    help="A tapscript leaf of the federation (with --taproot); repeatable.",
)
@click.option(
    "--recovery-metadata",
    metavar="HEX",
    default="00" * 32,
    help="32-byte recovery-metadata commitment (default: all zero).",
)
def anchor_build_command(
    snapshot: str,
    taproot: bool,
    internal_key: str | None,
    federation_leaves: tuple[str, ...],
    recovery_metadata: str,
) -> None:
    """Print, as JSON, the anchor record of SNAPSHOT and the output that commits to it.

    The record chains onto the last anchor in SNAPSHOT's own anchors section; put it
    in the anchors section of the next snapshot.
    """
    from ailee import jsoncodec
    from ailee.anchors import anchor_script, build_taproot_anchor, make_anchor
    from ailee.errors import AileeError, ReasonCode, VerificationError
    from ailee.fields import Form
    from ailee.snapshot import read_snapshot
    from ailee.state import write_fields
    from ailee.stateroot import L2StateRoot

    if taproot != (internal_key is not None) or (federation_leaves and not taproot):
        raise click.UsageError("--taproot and --internal-key go together")
    recovery = _cli_hex(recovery_metadata, "--recovery-metadata", 32)
    key = None if internal_key is None else _cli_hex(internal_key, "--internal-key", 32)
    leaves = [_cli_hex(leaf, "--federation-leaf") for leaf in federation_leaves]
    try:
        loaded = read_snapshot(read_input(snapshot))
        root = L2StateRoot.compute(loaded.state).root
        if root != loaded.state_root:
            raise VerificationError(
                ReasonCode.STATE_ROOT_MISMATCH,
                f"{snapshot}: recomputed root {root.hex()}, claimed "
                f"{loaded.state_root.hex()}; refusing to anchor it",
            )
        header = loaded.state.header
        record = make_anchor(
            chain_id=header.chain_id,
            sequence=header.sequence,
            timestamp_ms=header.timestamp_ms,
            state_root=root,
            recovery_metadata=recovery,
            previous=loaded.state.anchors[-1] if loaded.state.anchors else None,
        )
        doc: dict[str, Any] = {"anchor": write_fields(record, Form.JSON)}
        if key is None:
            doc["op_return"] = {"script_pubkey": anchor_script(record.commitment).hex()}
        else:
            built = build_taproot_anchor(key, record.commitment, leaves)
            doc["taproot"] = {
                "internal_key": built.internal_key.hex(),
                "output_key": built.output_key.hex(),
                "script_pubkey": built.script_pubkey.hex(),
                "merkle_root": built.merkle_root.hex(),
                "anchor_leaf": built.anchor_leaf.hex(),
                "anchor_path": [h.hex() for h in built.anchor_path],
                "anchor_control_block": built.control_block().hex(),
                "federation_control_blocks": [
                    built.control_block(k).hex() for k in range(len(leaves))
                ],
            }
    except AileeError as exc:
        raise _exit_for(exc) from None
    click.echo(jsoncodec.dumps(doc), nl=False)


@anchor_group.command("decode")
@click.argument("script_hex")
def anchor_decode_command(script_hex: str) -> None:
    """Decode an OP_RETURN anchor script (or Taproot anchor leaf) given in hex."""
    from ailee import jsoncodec
    from ailee.anchors import ANCHOR_VERSION, parse_anchor_script
    from ailee.errors import AileeError

    script = _cli_hex(script_hex, "SCRIPT_HEX")
    try:
        commitment = parse_anchor_script(script)
    except AileeError as exc:
        raise _exit_for(exc) from None
    click.echo(
        jsoncodec.dumps({"version": ANCHOR_VERSION, "commitment": commitment.hex()}), nl=False
    )


@cli.command("claim")
@click.argument("claim_file", metavar="CLAIM")
@click.option(
    "--evidence", "evidence_file", required=True, metavar="FILE",
    help="Anchor evidence (headers and anchoring transactions) for the claim's anchors.",
)  # fmt: skip
@click.option(
    "--federation", "federation_hex", metavar="HEX",
    help="Fingerprint of the federation epoch 0 you trust (64 hex digits).",
)  # fmt: skip
@click.option("--now", type=click.IntRange(0, 2**32), help="Unix time for the future-time rule.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
def claim_command(
    claim_file: str, evidence_file: str, federation_hex: str | None, now: int | None, as_json: bool
) -> None:
    """Check an exit claim offline: the federation's attestation of the anchored state,
    the anchor in Bitcoin, the balance proof, and the claim's history by block height."""
    from ailee import jsoncodec
    from ailee.claimreport import check_claim
    from ailee.errors import AileeError

    pinned = None if federation_hex is None else _cli_hex(federation_hex, "--federation", 32)
    try:
        report = check_claim(read_input(claim_file), read_input(evidence_file), pinned, now)
    except AileeError as exc:
        raise _failed_command(exc, as_json) from None
    if as_json:
        click.echo(jsoncodec.dumps(report.to_json()), nl=False)
    else:
        click.echo(f"{claim_file}: {'OK' if report.ok else 'FAILED'}")
        for check in report.checks:
            _print_check(check.ok, check.name, check.code, check.detail, always=True)
        for note in report.notes:
            click.echo(f"  not checked: {note}")
        if report.ok and report.record is not None and report.proven is not None:
            record = report.record
            reason = "" if record.reason is None else f" ({record.reason})"
            click.echo(
                f"VERIFIED: claim {record.id} is {record.status.value}{reason}: "
                f"{report.proven.amount} sat of {record.account}"
            )
        else:
            click.echo("NOT VERIFIED")
    failed = next((c for c in report.checks if not c.ok), None)
    if failed is not None and failed.code is not None:
        raise _Exit(report.exit_code, failed.code, failed.detail)


@cli.group("policy")
def policy_group() -> None:
    """Check policy configuration files (YAML, JSON or TOML)."""


@policy_group.command("check")
@click.argument("policy_file", metavar="FILE")
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "json", "toml"]),
    help="The file's format (default: from its suffix, .yaml/.yml, .json or .toml).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the hash and the canonical policy.")
def policy_check_command(policy_file: str, fmt: str | None, as_json: bool) -> None:
    """Validate the policy in FILE and print its hash (the one snapshots record)."""
    from ailee.errors import AileeError, DecodeError
    from ailee.policy import format_for_suffix, parse_policy, policy_hash, policy_to_json

    if fmt is None:
        try:
            fmt = format_for_suffix(policy_file)
        except DecodeError:
            raise click.UsageError(
                f"cannot tell the format of {policy_file!r} from its suffix; give --format"
            ) from None
    try:
        policy = parse_policy(read_input(policy_file), fmt)
    except AileeError as exc:
        raise _failed_command(exc, as_json) from None
    digest = policy_hash(policy).hex()
    if as_json:
        canonical = policy_to_json(policy).rstrip("\n").replace("\n", "\n  ")
        click.echo(f'{{\n  "ok": true,\n  "hash": "{digest}",\n  "policy": {canonical}\n}}')
    else:
        click.echo(f"VALID: policy {digest}")


# --- legacy SNAPSHOT v1 files (ailee.legacy) ------------------------------------------


@cli.command("legacy")
@click.argument("legacy_file", metavar="FILE")
@click.option(
    "--convert", "out", metavar="OUT.json",
    help="Write the last block as a native snapshot (JSON) if every anchor check passes.",
)  # fmt: skip
@click.option(
    "--chain-id", default="legacy-v1", show_default=True,
    help="Chain id of the converted snapshot (the legacy format has none).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
def legacy_command(legacy_file: str, out: str | None, chain_id: str, as_json: bool) -> None:
    """Check the original node's SNAPSHOT v1 file FILE: every block's v1 root, its
    anchor, the format's known weaknesses; optionally convert the last block."""
    from pathlib import Path

    from ailee import jsoncodec
    from ailee.errors import AileeError, ReasonCode
    from ailee.legacy import check_legacy, native_check_failures, parse_legacy, to_native
    from ailee.snapshot import snapshot_to_json

    try:
        parsed = parse_legacy(read_input(legacy_file))
    except AileeError as exc:
        raise _failed_command(exc, as_json) from None
    report = check_legacy(parsed)
    converted: dict[str, Any] | None = None
    if out is not None and report.ok:
        try:
            native, notes = to_native(parsed.snapshots[-1], chain_id)
        except AileeError as exc:
            raise _failed_command(exc, as_json) from None
        try:
            Path(out).write_text(snapshot_to_json(native), encoding="utf-8")
        except OSError as exc:
            raise _Exit(
                EXIT_MALFORMED, ReasonCode.FILE_UNREADABLE, f"{out}: {exc.strerror or exc}"
            ) from None
        converted = {
            "path": out,
            "root": native.state_root.hex(),
            "notes": list(notes),
            # docs/legacy.md 5: what `ailee-l2-verify OUT.json` will fail, and why.
            "native_check_failures": [
                {"check": name, "code": code.value, "why": why}
                for name, code, why in native_check_failures(native)
            ],
        }
    if as_json:
        doc: dict[str, Any] = {
            "ok": report.ok,
            "blocks": [_legacy_block_json(b) for b in report.blocks],
        }
        if converted is not None:
            doc["converted"] = converted
        click.echo(jsoncodec.dumps(doc), nl=False)
    else:
        _print_legacy(legacy_file, report, converted)
    failures = report.failures()
    if failures:
        first = failures[0]
        assert first.code is not None
        raise _Exit(EXIT_FAILED, first.code, first.detail)


def _legacy_block_json(block: Any) -> dict[str, Any]:
    return {
        "line": block.line,
        "root": block.root,
        "anchor": None if block.anchor is None else block.anchor.state_root,
        "checks": [
            {"name": c.name, "ok": c.ok, "code": c.code.value if c.code else None,
             "detail": c.detail}
            for c in block.checks
        ],
        "warnings": [w.to_json() for w in block.warnings],
    }  # fmt: skip


def _print_legacy(source: str, report: Any, converted: dict[str, Any] | None) -> None:
    for number, block in enumerate(report.blocks, 1):
        click.echo(f"{source}: block {number} (line {block.line}): v1 root {block.root}")
        if block.anchor is None:
            click.echo("  anchor none")
        for check in block.checks:
            _print_check(check.ok, check.name, check.code, check.detail)
        for warning in block.warnings:
            click.echo(f"  WARNING {warning.message}")
    last = report.blocks[-1]
    count = len(report.blocks)
    click.echo(
        f"{count} block{'s' if count != 1 else ''}; the original node loads the last "
        f"(line {last.line})"
    )
    if converted is not None:
        click.echo(
            f"converted the last block to {converted['path']}: native root {converted['root']}"
        )
        for note in converted["notes"]:
            click.echo(f"  note: {note}")
        failing = [f"{f['check']} ({f['code']})" for f in converted["native_check_failures"]]
        click.echo(
            f"known limit: {converted['path']} decodes and its state_root verifies; "
            + (
                f"the native check(s) {', '.join(failing)} will fail (why: the notes above)"
                if failing
                else "every native check passes for this block"
            )
        )
    if report.ok:
        click.echo("VERIFIED: every anchor commits to its block")
    else:
        click.echo(f"NOT VERIFIED: {len(report.failures())} failed anchor check(s)")


# --- snapshot store (ailee.store) ---------------------------------------------------


@cli.group("store")
def store_group() -> None:
    """Verify, export or repair a snapshot store (a directory; docs/store.md)."""


@store_group.command("verify")
@click.argument("directory", metavar="DIR")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
def store_verify_command(directory: str, as_json: bool) -> None:
    """Re-verify every record and snapshot of the store in DIR and the chain they form.

    Exit 0 verified; 1 a check failed or the store ends in a torn tail (repair it with
    `store repair`); 3 the store is missing, unreadable or has a malformed record.
    """
    from ailee import jsoncodec
    from ailee.errors import AileeError
    from ailee.store import StoreReader

    try:
        report = StoreReader(directory).verify()
    except AileeError as exc:
        raise _failed_command(exc, as_json) from None
    damage = report.damage
    if as_json:
        click.echo(jsoncodec.dumps(report.to_json()), nl=False)
    else:
        click.echo(f"{directory}: {report.records} records, {report.checks} checks")
        for check in report.failures:
            _print_check(False, check.name, check.code, check.detail)
        if damage is not None:
            where = f"offset {damage.offset}, {damage.cut_bytes} bytes to the end:"
            _print_check(False, "store.tail", damage.code, f"{where} {damage.error.message}")
            if damage.final:
                click.echo("  the damage ends the file: `store repair` cuts it")
            if report.writer_active:
                click.echo("  a writer holds the lock: the tail may be an append in progress")
        if report.ok:
            root = "" if report.tip_root is None else f", tip root {report.tip_root.hex()}"
            click.echo(f"VERIFIED: {report.records} snapshots{root}")
        else:
            click.echo(f"NOT VERIFIED: {', '.join(report.codes)}")
    if report.exit_code != EXIT_OK:
        if report.failures:
            first = report.failures[0]
            assert first.code is not None
            raise _Exit(report.exit_code, first.code, first.detail or first.name)
        assert damage is not None
        raise _Exit(report.exit_code, damage.code, damage.error.message)


@store_group.command("export")
@click.argument("directory", metavar="DIR")
@click.option(
    "--seq", "sequence", type=click.IntRange(0, None), required=True, metavar="N",
    help="The sequence of the snapshot to export.",
)  # fmt: skip
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
def store_export_command(directory: str, sequence: int, output: str | None) -> None:
    """Write the snapshot of sequence N of the store in DIR as JSON (checked: its record's
    checksum, decoding and position; `store verify` re-verifies it)."""
    from pathlib import Path

    from ailee.errors import AileeError, ReasonCode
    from ailee.snapshot import snapshot_to_json
    from ailee.store import StoreReader

    try:
        text = snapshot_to_json(StoreReader(directory).get(sequence))
    except AileeError as exc:
        raise _exit_for(exc) from None
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Exit(
            EXIT_MALFORMED, ReasonCode.FILE_UNREADABLE, f"{output}: {exc.strerror or exc}"
        ) from None


@store_group.command("repair")
@click.argument("directory", metavar="DIR")
@click.option(
    "--discard-records", is_flag=True,
    help="Also cut damage followed by more bytes (complete records after it are lost).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print what was cut as JSON.")
def store_repair_command(directory: str, discard_records: bool, as_json: bool) -> None:
    """Truncate the store in DIR to its last complete, verified record, and print what
    was cut. Takes the writer's lock (STORE_LOCKED if a writer holds it)."""
    from ailee import jsoncodec
    from ailee.errors import AileeError
    from ailee.store import Store

    try:
        with Store.open(directory) as store:
            result = store.repair(discard_records=discard_records)
    except AileeError as exc:
        raise _failed_command(exc, as_json) from None
    if as_json:
        click.echo(jsoncodec.dumps({"ok": True, **result.to_json()}), nl=False)
    elif result.code is None:
        click.echo(f"{directory}: nothing to repair")
    else:
        click.echo(
            f"{directory}: cut {result.cut_bytes} bytes at offset {result.offset} "
            f"[{result.code.value}] {result.detail}"
        )


def run(args: list[str]) -> int:
    """Run the command line ``args`` (without the program name); return the exit status.

    Every outcome is an exit status and, on failure, a last stderr line
    ``ailee-l2-verify: <REASON_CODE>: <message>``; never a traceback.
    """
    try:
        cli.main(args=args, prog_name=PROG, standalone_mode=False)
        status = EXIT_OK
    except _Exit as exc:
        if exc.code is not None:
            _fail_line(exc.code, exc.message)
        status = exc.status
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        status = _usage_failure("no arguments")
    except click.UsageError as exc:
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        status = _usage_failure(exc.format_message())
    except click.exceptions.Exit as exc:  # --help, --version
        status = exc.exit_code
    except click.exceptions.Abort:
        status = _usage_failure("aborted")
    except Exception as exc:  # an AileeError, or a bug
        status = _failure(exc)
    sys.stdout.flush()
    return status


def _usage_failure(message: str) -> int:
    from ailee.errors import ReasonCode

    _fail_line(ReasonCode.USAGE, message)
    return EXIT_USAGE


def _failure(exc: Exception) -> int:
    from ailee.errors import AileeError, ReasonCode

    if isinstance(exc, AileeError):
        _fail_line(exc.code, exc.message)
        return _exit_for(exc).status
    # A bug: say so plainly, never a traceback.
    _fail_line(ReasonCode.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
    return EXIT_INTERNAL
