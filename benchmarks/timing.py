"""The timing rules of the benchmarks.

Work inside this process: the best of N runs, after a garbage collection (``best_of``).
Start-up, where each run is a fresh process and the noise of a shared machine is
one-sided but large: the median of N runs, the commands interleaved so that a slow
moment falls on all of them alike (``median_of_processes``).
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The shortest wall time of ``repeats`` calls of ``work``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def median_of_processes(
    runs: int, commands: Mapping[str, Sequence[str]], env: Mapping[str, str] | None = None
) -> dict[str, float]:
    """The median wall time, in seconds, of ``runs`` fresh processes of each command.

    Each command runs once untimed first (to fill the bytecode cache), then the
    commands take turns. A command that exits non-zero stops the benchmark.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, argv in commands.items():
            start = time.perf_counter()
            done = subprocess.run(list(argv), capture_output=True, check=False, env=env)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"{name}: exited {done.returncode}: {done.stderr.decode()[-300:]}")
            if round_:
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}
