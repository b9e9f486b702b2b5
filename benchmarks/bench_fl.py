"""Federated aggregation side by side with flwr, and the privacy accountant.

50 clients x 1,000,000 float32 parameters: FedAvg, Krum (f = 10), trimmed mean
(beta = 1/5) and median, each as a ratio to flwr's ``flwr.server.strategy.aggregate``
function for the same rule on the same arrays (best of N, one run). Targets: FedAvg
and Krum <= 0.3, trimmed mean and median <= 1.0 (while order-invariant and accurate).
Also 10,000 composed accountant steps, target under 50 ms.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from timing import best_of

from ailee.fl import ClientUpdate, fedavg, krum, median, trimmed_mean
from ailee.privacy import Accountant

TARGETS = {"fedavg": 0.3, "krum": 0.3, "trimmed_mean": 1.0, "median": 1.0}


@dataclass
class FlResult:
    clients: int
    parameters: int
    ours: dict[str, float]
    flwr: dict[str, float]
    accountant_s: float
    #: Floors measured in the same run: a bare float32 weighted sum (order-dependent,
    #: no accuracy), and the float64 cast, multiply and add that an exact-product sum
    #: needs at least.
    floors: dict[str, float]
    #: Peak traced memory (MiB) of one call, ours and flwr's, per rule.
    peak_ours: dict[str, float]
    peak_flwr: dict[str, float]


def peak_mib(call: object) -> float:
    """Peak memory traced while ``call()`` runs (numpy's buffers are traced)."""
    tracemalloc.start()
    try:
        call()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(clients: int = 50, parameters: int = 1_000_000, repeats: int = 3) -> FlResult:
    import flwr.server.strategy.aggregate as flwr_agg

    rng = np.random.default_rng(1)
    rows = [rng.normal(0, 1, parameters).astype(np.float32) for _ in range(clients)]
    counts = [int(c) for c in rng.integers(10, 1000, clients)]
    updates = [ClientUpdate(f"c{k:03d}", counts[k], (("w", rows[k]),)) for k in range(clients)]
    results = [([row], n) for row, n in zip(rows, counts, strict=True)]
    f = min(10, (clients - 3) // 2)  # Krum needs n > 2f + 2
    ours = {
        "fedavg": best_of(repeats, lambda: fedavg(updates)),
        "krum": best_of(repeats, lambda: krum(updates, f)),
        "trimmed_mean": best_of(repeats, lambda: trimmed_mean(updates, Fraction(1, 5))),
        "median": best_of(repeats, lambda: median(updates)),
    }
    theirs = {
        "fedavg": best_of(repeats, lambda: flwr_agg.aggregate(results)),
        "krum": best_of(repeats, lambda: flwr_agg.aggregate_krum(results, f, 0)),
        "trimmed_mean": best_of(repeats, lambda: flwr_agg.aggregate_trimmed_avg(results, 0.2)),
        "median": best_of(repeats, lambda: flwr_agg.aggregate_median(results)),
    }
    start = time.perf_counter()
    Accountant().compose(0.01, 1.1, 10_000)
    accountant = time.perf_counter() - start
    weights32 = [np.float32(n / sum(counts)) for n in counts]

    def float64_floor() -> None:
        total = np.zeros(parameters)
        for row, n in zip(rows, counts, strict=True):
            np.add(total, np.multiply(row, float(n), dtype=np.float64), out=total)

    floors = {
        "bare float32 weighted sum": best_of(
            repeats, lambda: sum(w * row for w, row in zip(weights32, rows, strict=True))
        ),
        "float64 products and sum": best_of(repeats, float64_floor),
    }
    calls = {
        "fedavg": (lambda: fedavg(updates), lambda: flwr_agg.aggregate(results)),
        "krum": (lambda: krum(updates, f), lambda: flwr_agg.aggregate_krum(results, f, 0)),
        "trimmed_mean": (
            lambda: trimmed_mean(updates, Fraction(1, 5)),
            lambda: flwr_agg.aggregate_trimmed_avg(results, 0.2),
        ),
        "median": (lambda: median(updates), lambda: flwr_agg.aggregate_median(results)),
    }
    peak_ours = {rule: peak_mib(ours_call) for rule, (ours_call, _) in calls.items()}
    peak_flwr = {rule: peak_mib(flwr_call) for rule, (_, flwr_call) in calls.items()}
    return FlResult(clients, parameters, ours, theirs, accountant, floors, peak_ours, peak_flwr)


def report(result: FlResult) -> str:
    lines = [f"fl.shape              {result.clients} clients x {result.parameters} float32"]
    for rule, target in TARGETS.items():
        ratio = result.ours[rule] / result.flwr[rule]
        verdict = "PASS" if ratio <= target else "MISS"
        lines.append(
            f"fl.{rule:<18} {result.ours[rule]:.3f} s vs flwr {result.flwr[rule]:.3f} s: "
            f"ratio {ratio:.2f} (target <= {target}: {verdict}); peak "
            f"{result.peak_ours[rule]:.0f} MiB vs flwr {result.peak_flwr[rule]:.0f} MiB"
        )
    for name, seconds in result.floors.items():
        lines.append(
            f"fl.floor  {name:<27} {seconds:.3f} s: ratio to flwr's FedAvg "
            f"{seconds / result.flwr['fedavg']:.2f}"
        )
    verdict = "PASS" if result.accountant_s < 0.05 else "MISS"
    lines.append(f"fl.accountant_10k_s    {result.accountant_s:.4f} (target < 0.05: {verdict})")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--parameters", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(report(run(args.clients, args.parameters, args.repeats)))
