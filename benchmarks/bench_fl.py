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
    return FlResult(clients, parameters, ours, theirs, accountant)


def report(result: FlResult) -> str:
    lines = [f"fl.shape              {result.clients} clients x {result.parameters} float32"]
    for rule, target in TARGETS.items():
        ratio = result.ours[rule] / result.flwr[rule]
        verdict = "PASS" if ratio <= target else "MISS"
        lines.append(
            f"fl.{rule:<18} {result.ours[rule]:.3f} s vs flwr {result.flwr[rule]:.3f} s: "
            f"ratio {ratio:.2f} (target <= {target}: {verdict})"
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
