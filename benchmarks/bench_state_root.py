"""L2StateRoot of a large accounts state, against a bare hashlib floor.

The floor is a loop that only calls ``hashlib.sha256(x).digest()`` on as many inputs
as the real computation hashes: one per leaf (the real leaf messages) and one per
inner node (80-byte messages, the size of a sum-tree node). Target: ratio <= 2.5.
"""

from __future__ import annotations

import gc
import hashlib
import resource
import tracemalloc
from dataclasses import dataclass

from timing import best_of

from ailee.limits import MAX_AMOUNT
from ailee.state import Account, Header, L2State
from ailee.stateroot import L2StateRoot, leaf_bytes

TARGET_RATIO = 2.5


@dataclass
class StateRootResult:
    accounts: int
    ours_s: float
    floor_s: float
    peak_mib: float
    maxrss_mib: float
    root: str

    @property
    def ratio(self) -> float:
        return self.ours_s / self.floor_s


def build_state(n: int) -> L2State:
    """Deterministic accounts whose balances span 1- to 8-byte CBOR heads."""
    cap = MAX_AMOUNT // max(n, 1)
    accounts = [
        Account(f"acct-{i:07d}", (i * 2_654_435_761) % cap if i % 10 else i % 24, i % 1000)
        for i in range(n)
    ]
    return L2State(Header(2, "bench", 1, b"\x01" * 32, 1_700_000_000_000), accounts=accounts)


def run(n: int = 1_000_000, repeats: int = 3) -> StateRootResult:
    state = build_state(n)
    leaf_inputs = [leaf_bytes(account) for account in state.accounts]
    node_inputs = [bytes(80)] * max(n - 1, 0)
    sha256 = hashlib.sha256

    def floor() -> None:
        for message in leaf_inputs:
            sha256(message).digest()
        for message in node_inputs:
            sha256(message).digest()

    gc.collect()
    ours = best_of(repeats, lambda: L2StateRoot.compute(state))
    gc.collect()
    base = best_of(repeats, floor)
    gc.collect()
    tracemalloc.start()
    root = L2StateRoot.compute(state).root.hex()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return StateRootResult(n, ours, base, peak / 2**20, maxrss, root)


def report(result: StateRootResult) -> str:
    verdict = "PASS" if result.ratio <= TARGET_RATIO else "MISS"
    return "\n".join(
        [
            f"state_root.accounts        {result.accounts}",
            f"state_root.ours_s          {result.ours_s:.3f}",
            f"state_root.hashlib_floor_s {result.floor_s:.3f}",
            f"state_root.ratio           {result.ratio:.2f}  (target <= {TARGET_RATIO}: {verdict})",
            f"state_root.peak_mib        {result.peak_mib:.1f}  (tracemalloc, compute only)",
            f"state_root.maxrss_mib      {result.maxrss_mib:.1f}  (whole process)",
            f"state_root.root            {result.root}",
        ]
    )


if __name__ == "__main__":
    print(report(run()))
