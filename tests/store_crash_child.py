"""Child of the store crash test: append chained snapshots to a store until killed.

Run: ``python tests/store_crash_child.py DIR``. Opens (or creates) the store at DIR,
continues its chain from the latest snapshot, and after each ``append`` returns prints
the acknowledged sequence on its own line and flushes stdout. ``tests/test_store_crash.py``
kills it with SIGKILL at random moments and checks that every acknowledged sequence
is in the store, intact.
"""

from __future__ import annotations

import sys

from ailee.snapshot import Snapshot
from ailee.state import ZERO_ROOT, Account, Header, L2State
from ailee.store import Store

CHAIN_ID = "crash-test"


def crash_snapshot(sequence: int, prev_root: bytes) -> Snapshot:
    """The snapshot of ``sequence`` in the crash test's chain (small and deterministic;
    its size varies with the sequence so that records have different lengths)."""
    accounts = tuple(
        Account(f"account-{k:02d}-{'x' * (sequence % 7)}", 0, sequence) for k in range(3)
    )
    header = Header(2, CHAIN_ID, sequence, prev_root, 1_700_000_000_000 + sequence)
    return Snapshot.of(L2State(header, accounts=accounts))


def main(directory: str) -> None:
    """Append forever, printing each acknowledged sequence."""
    with Store.open(directory, create=True) as store:
        latest = store.latest()
        if latest is None:
            sequence, prev_root = 0, ZERO_ROOT
        else:
            sequence, prev_root = latest.state.header.sequence + 1, latest.state_root
        print("ready", flush=True)
        while True:
            snapshot = crash_snapshot(sequence, prev_root)
            store.append(snapshot)
            print(sequence, flush=True)
            sequence, prev_root = sequence + 1, snapshot.state_root


if __name__ == "__main__":
    main(sys.argv[1])
