"""The one timing rule of the benchmarks: best of N runs, after a garbage collection."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The shortest wall time of ``repeats`` calls of ``work``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best
