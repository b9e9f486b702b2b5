"""The harness around libbitcoinkernel shared by the differential tests against Bitcoin
Core (``test_kernel_headers``, ``test_kernel_blocks``).

libbitcoinkernel is reached through py-bitcoinkernel, imported here once as ``pbk``
(test modules take it from here: ``from tests.kernel import pbk``). The import rule:

* without ``AILEE_REQUIRE_EXTERNAL_VECTORS=1``, a missing pbk skips every test module
  that imports this one, with the reason :data:`MISSING_REASON`:
  :func:`pytest.importorskip` raises a module-level skip, which leaves this import, and
  so the importing test module's own, unfinished (``-ra`` lists each module skipped);
* with ``AILEE_REQUIRE_EXTERNAL_VECTORS=1`` (as ``.ci/run`` sets), the import error
  propagates: collecting those test modules fails, never skips.

The kernel runs on regtest (:data:`REGTEST` is the same network for ailee). Each test
gets a fresh chainstate manager from :func:`open_chainman`, block tree and chainstate
in memory. The kernel gives a rejection's reason (``high-hash``, ``bad-txnmrklroot``,
...) only in its VALIDATION debug log, which :func:`kernel_log` collects. It checks
"time-too-new" against the real clock, so the tests keep every header time far in the
past (regtest genesis, 2011, plus small steps) unless they test that rule.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, Final

import pytest

from ailee.headers import block_hash
from ailee.networks import network
from tests.btc import regtest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = [
    "GENESIS_HASH",
    "MISSING_REASON",
    "REGTEST",
    "T0",
    "kernel_log",
    "open_chainman",
    "pbk",
    "process_header",
]

#: Why the kernel tests skip without pbk.
MISSING_REASON: Final = "py-bitcoinkernel (pbk) is not installed"

if os.environ.get("AILEE_REQUIRE_EXTERNAL_VECTORS") == "1":
    import pbk  # CI: a missing kernel is a failure, never a skip
else:
    # Hidden from the skip's traceback, so that pytest reports the skip at the line
    # of each test module that imports this one, naming the module skipped.
    __tracebackhide__ = True
    pbk = pytest.importorskip("pbk", reason=MISSING_REASON)
    del __tracebackhide__

#: The network of every kernel test, on ailee's side.
REGTEST: Final = network("regtest")
GENESIS_HASH: Final = block_hash(REGTEST.genesis_header)
T0: Final = regtest.REGTEST_GENESIS_TIME


@cache
def kernel_log() -> tuple[list[str], Any]:
    """Lines the kernel logs (one connection for the session, kept alive here).

    Core gives a rejected header's or block's reason (``high-hash``, ``bad-diffbits``,
    ``bad-txnmrklroot``, ...) only in its VALIDATION debug log, not in the
    ``BlockValidationState``.
    """
    lines: list[str] = []
    pbk.logging_set_options(pbk.LoggingOptions(log_timestamps=False))
    connection = pbk.LoggingConnection(lines.append)
    pbk.set_log_level_category(pbk.LogCategory.VALIDATION, pbk.LogLevel.DEBUG)
    pbk.enable_log_category(pbk.LogCategory.VALIDATION)
    return lines, connection


@contextmanager
def open_chainman(directory: Path, callbacks: Any = None) -> Iterator[Any]:
    """A fresh regtest chainstate manager (block tree and chainstate in memory), with
    the validation ``callbacks`` (a ``pbk.ValidationInterfaceCallbacks``) if given.

    The log of :func:`kernel_log` is connected first. It is not emptied (callers read
    it from the length it had before their call): freeing its lines makes the kernel's
    next allocations slower (about half again as long for ``test_kernel_blocks``).
    Scripts are checked in the calling thread (no worker threads). ``directory`` is
    removed afterwards: the kernel still writes blocks (genesis at least) to a file it
    pre-allocates at 16 MiB.
    """
    kernel_log()
    context = pbk.make_context(pbk.ChainType.REGTEST, validation_callbacks=callbacks)
    options = pbk.ChainstateManagerOptions(context, str(directory), str(directory / "blocks"))
    options.update_block_tree_db_in_memory(True)
    options.update_chainstate_db_in_memory(True)
    options.set_worker_threads_num(0)
    try:
        with pbk.ChainstateManager(options) as chainman:
            yield chainman
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def process_header(chainman: Any, raw: bytes) -> tuple[bool, Any]:
    """``process_block_header`` through the C call, to keep the validation state (pbk's
    own method raises on a rejection, losing it): (whether the kernel accepted the
    header, the state)."""
    state = pbk.BlockValidationState()
    status = pbk.capi.bindings.btck_chainstate_manager_process_block_header(
        chainman, pbk.BlockHeader(raw), state
    )
    return status == 0, state
