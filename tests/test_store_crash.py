"""Crash test of the snapshot store: a writer killed with SIGKILL at random moments.

A child process (``tests/store_crash_child.py``) appends chained snapshots in a loop and
prints each sequence once ``append`` has returned. The test kills it with SIGKILL after
a random delay, many times over the same store. After each kill: every acknowledged
sequence is in the store and byte-identical to what was appended, ``verify()`` passes
or reports only a torn tail, which ``repair()`` removes, and the next child continues
the chain.

The number of kills is ``AILEE_CRASH_KILLS`` (default 25, about 10 s); the delays come
from a seeded ``random.Random`` (``AILEE_CRASH_SEED``, default 8), so a failing run can
be repeated exactly. A long run: ``AILEE_CRASH_KILLS=1000 python -m pytest
tests/test_store_crash.py``.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ailee.errors import ReasonCode
from ailee.snapshot import snapshot_to_cbor
from ailee.state import ZERO_ROOT
from ailee.store import Store, StoreReader
from tests.store_crash_child import crash_snapshot

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "tests" / "store_crash_child.py"
KILLS = int(os.environ.get("AILEE_CRASH_KILLS", "25"))
SEED = int(os.environ.get("AILEE_CRASH_SEED", "8"))
#: Longest random delay between the child's first line and the kill, in seconds.
MAX_DELAY = 0.05
#: Kills before the test moves to a fresh store (each kill re-verifies the whole store).
KILLS_PER_STORE = 50

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the store is POSIX only")


def _expected(count: int, cache: list[tuple[bytes, bytes]]) -> list[bytes]:
    """The canonical CBOR of the crash chain's first ``count`` snapshots (``cache``
    keeps (CBOR, root) of those built so far)."""
    while len(cache) < count:
        snapshot = crash_snapshot(len(cache), cache[-1][1] if cache else ZERO_ROOT)
        cache.append((snapshot_to_cbor(snapshot), snapshot.state_root))
    return [cbor for cbor, _ in cache[:count]]


def _run_and_kill(directory: Path, delay: float) -> list[int]:
    """Start a child, kill it ``delay`` seconds after it is ready; its acknowledgements."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(directory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    first = child.stdout.readline()
    if first != b"ready\n":
        child.kill()
        _, err = child.communicate()
        pytest.fail(f"the child did not start: {first!r} {err.decode(errors='replace')}")
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    out, _ = child.communicate()
    assert child.returncode == -signal.SIGKILL
    lines = out.split(b"\n")
    # Only whole lines count: a line cut short by the kill was not acknowledged.
    return [int(line) for line in lines[:-1]]


def test_acknowledged_appends_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    directory = tmp_path / "store"
    cache: list[tuple[bytes, bytes]] = []
    stored_count = total_acks = repairs = 0
    started = time.monotonic()
    for kill in range(KILLS):
        if kill and kill % KILLS_PER_STORE == 0:  # a fresh store keeps verify() short
            directory, stored_count = tmp_path / f"store-{kill}", 0
        acks = _run_and_kill(directory, rng.uniform(0, MAX_DELAY))
        # The child continues the chain from what is stored, one sequence at a time.
        assert acks == list(range(stored_count, stored_count + len(acks))), kill
        acknowledged = acks[-1] if acks else stored_count - 1
        total_acks += len(acks)
        report = StoreReader(directory).verify()
        if report.damage is not None:
            assert report.damage.code is ReasonCode.STORE_TORN_TAIL, report.to_json()
            assert not report.failures
            with Store.open(directory) as store:
                cut = store.repair()
                assert cut.code is ReasonCode.STORE_TORN_TAIL
            repairs += 1
            report = StoreReader(directory).verify()
        assert report.ok, report.to_json()
        stored = [snapshot_to_cbor(s) for s in StoreReader(directory).iterate()]
        assert stored == _expected(len(stored), cache), f"kill {kill}: a snapshot differs"
        # Every acknowledged append is there; beyond them, at most the one in flight.
        assert acknowledged + 1 <= len(stored) <= acknowledged + 2, kill
        stored_count = len(stored)
    elapsed = time.monotonic() - started
    print(
        f"\nstore crash test: {KILLS} kills, {total_acks} acknowledged appends, "
        f"{repairs} torn tails repaired, {elapsed:.1f} s (seed {SEED})"
    )
    assert total_acks > 0
