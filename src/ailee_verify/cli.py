"""``ailee-l2-verify``: verify L2 snapshots, proofs and golden vectors offline.

The entry point. The commands are in :mod:`ailee_verify.commands`, which only turns
arguments and files into calls of :mod:`ailee` and results into text, JSON and exit
codes. Exit codes: 0 verified; 1 a check failed; 2 usage error; 3 input unreadable
or malformed; 4 internal error (a bug). On any failure the last line written to
stderr is ``ailee-l2-verify: <REASON_CODE>: <message>``.

This module is cheap to import: ``ailee-l2-verify --help`` (or ``-h``) alone prints
:data:`TOP_HELP`, click's own rendering of the top-level help at its usual width,
without importing click or :mod:`ailee` (``tests/test_startup.py`` checks the text is
click's; ``docs/assurance.md``, "Start-up", gives the timings). Everything else,
including help in a terminal narrower than 80 columns, goes through click.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (read by mypy)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn

    from ailee_verify.commands import cli

__all__ = ["EXIT_INTERNAL", "TOP_HELP", "cli", "main"]

PROG = "ailee-l2-verify"
EXIT_INTERNAL = 4

#: Click renders help ``min(columns, 80) - 2`` wide: TOP_HELP is the text for >= 80.
HELP_MIN_COLUMNS = 80

#: ``ailee-l2-verify --help`` as click prints it in 80 or more columns. Refresh it with
#: ``COLUMNS=80 python -c "from ailee_verify.commands import run; run(['--help'])"``.
TOP_HELP = """\
Usage: ailee-l2-verify [OPTIONS] COMMAND [ARGS]...

  Verify AILEE L2 snapshots offline: no network, no trust in any node.

  ailee-l2-verify SNAPSHOT [SNAPSHOT ...]   verify snapshots and the chain they form
  ailee-l2-verify prove SNAPSHOT --section S --key K
  ailee-l2-verify check-proof PROOF --root HEX
  ailee-l2-verify vectors DIR
  ailee-l2-verify spv --headers FILE --proof HEX_OR_FILE [--tx HEX_OR_FILE]
  ailee-l2-verify anchor build SNAPSHOT [--taproot --internal-key HEX]
  ailee-l2-verify anchor decode SCRIPT_HEX

  Exit codes: 0 verified, 1 a check failed, 2 usage error, 3 input unreadable
  or malformed, 4 internal error.

Options:
  --version   Show the version and exit.
  -h, --help  Show this message and exit.

Commands:
  anchor       Build or decode anchors (OP_RETURN or Taproot).
  check-proof  Verify the proof in file PROOF against the state root --root.
  claim        Check an exit claim offline: the federation's attestation...
  legacy       Check the original node's SNAPSHOT v1 file FILE: every...
  policy       Check policy configuration files (YAML, JSON or TOML).
  prove        Print an inclusion or non-inclusion proof of KEY in...
  spv          Prove that transactions are in the most-work Bitcoin chain...
  store        Verify, export or repair a snapshot store (a directory;...
  vectors      Run every golden vector file (*.json) under DIRECTORY.
  verify       Verify each SNAPSHOT (JSON or CBOR) and the chain between...
"""


def _columns() -> int:
    """The terminal width as click's help formatter reads it (``shutil.get_terminal_size``)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or HELP_MIN_COLUMNS


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the ``ailee-l2-verify`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--help"], ["-h"]) and _columns() >= HELP_MIN_COLUMNS:
        sys.stdout.write(TOP_HELP)
        sys.stdout.flush()
        raise SystemExit(0)
    from ailee_verify.commands import run

    raise SystemExit(run(args))


if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """``cli`` (the click group) and the other names of :mod:`ailee_verify.commands`,
        imported on first use. Dunder names are never forwarded: the import system asks
        for ``__path__`` and the like, and must not import click to learn they are absent."""
        if not name.startswith("__"):
            from ailee_verify import commands

            if hasattr(commands, name):
                return getattr(commands, name)
        raise AttributeError(f"module 'ailee_verify.cli' has no attribute {name!r}")
