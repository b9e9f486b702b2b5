"""``ailee-l2-verify``: verify L2 snapshots, proofs and golden vectors offline.

This module only turns arguments and files into calls of :mod:`ailee` and results
into text, JSON and exit codes. Exit codes: 0 verified; 1 a check failed; 2 usage
error; 3 input unreadable or malformed; 4 internal error (a bug). On any failure the
last line written to stderr is ``ailee-l2-verify: <REASON_CODE>: <message>``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from ailee import jsoncodec
from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.limits import MAX_DOCUMENT_BYTES
from ailee.verify import (
    EXIT_FAILED,
    EXIT_MALFORMED,
    EXIT_OK,
    EXIT_USAGE,
    Report,
    SnapshotResult,
    build_report,
    check_snapshot_bytes,
    failed_input,
)

__all__ = ["EXIT_INTERNAL", "cli", "main"]

PROG = "ailee-l2-verify"
EXIT_INTERNAL = 4


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


def _exit_for(error: AileeError) -> _Exit:
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
    count = len(report.snapshots)
    if report.ok:
        tip = "" if report.root is None else f", tip root {report.root.hex()}"
        click.echo(f"VERIFIED: {count} snapshot{'s' if count != 1 else ''}{tip}")
    else:
        click.echo(f"NOT VERIFIED: {len(report.failures)} failed check(s)")


def _print_check(ok: bool, name: str, code: ReasonCode | None, detail: str) -> None:
    mark = "ok  " if ok else "FAIL"
    reason = "" if code is None else f" [{code.value}]"
    text = f" {detail}" if detail and not ok else ""
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

    Exit codes: 0 verified, 1 a check failed, 2 usage error, 3 input unreadable or
    malformed, 4 internal error.
    """


@cli.command("verify")
@click.argument("snapshots", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def verify_command(snapshots: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """Verify each SNAPSHOT (JSON or CBOR) and the chain between consecutive ones."""
    results: list[SnapshotResult] = []
    for path in _progress(list(snapshots), quiet, "verifying"):
        try:
            data = read_input(path)
        except DecodeError as exc:
            results.append(failed_input(path, exc))
            continue
        results.append(check_snapshot_bytes(path, data))
    report = build_report(results)
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
        if as_json:
            click.echo(
                jsoncodec.dumps({"ok": False, "code": exc.code.value, "detail": exc.message}),
                nl=False,
            )
        raise _exit_for(exc) from None
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
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def vectors_command(directory: Path, quiet: bool) -> None:
    """Run every golden vector file (*.json) under DIRECTORY."""
    from ailee.vectors import run_vector_file

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


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the ``ailee-l2-verify`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name=PROG, standalone_mode=False)
        status = EXIT_OK
    except _Exit as exc:
        if exc.code is not None:
            _fail_line(exc.code, exc.message)
        status = exc.status
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        _fail_line(ReasonCode.USAGE, "no arguments")
        status = EXIT_USAGE
    except click.UsageError as exc:
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        _fail_line(ReasonCode.USAGE, exc.format_message())
        status = EXIT_USAGE
    except click.exceptions.Exit as exc:  # --help, --version
        status = exc.exit_code
    except click.exceptions.Abort:
        _fail_line(ReasonCode.USAGE, "aborted")
        status = EXIT_USAGE
    except AileeError as exc:
        _fail_line(exc.code, exc.message)
        status = _exit_for(exc).status
    except Exception as exc:  # a bug: say so plainly, never a traceback
        _fail_line(ReasonCode.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
        status = EXIT_INTERNAL
    sys.stdout.flush()
    raise SystemExit(status)
