"""Run every benchmark and print ratios against baselines measured in the same run.

python benchmarks/run.py                       # full size (about a minute)
python benchmarks/run.py --accounts 100000 --cli-accounts 10000 --headers 20000   # quick
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_bridge
import bench_cli
import bench_fl
import bench_headers
import bench_scheduling
import bench_startup
import bench_state_root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--cli-accounts", type=int, default=100_000)
    parser.add_argument("--headers", type=int, default=100_000)
    parser.add_argument("--mainnet-headers-file", type=Path, default=bench_headers.MAINNET_FILE)
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--batch-tasks", type=int, default=2_000)
    parser.add_argument("--fl-parameters", type=int, default=1_000_000)
    parser.add_argument("--bridge-pegouts", type=int, default=10_000)
    parser.add_argument("--startup-runs", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, best of {args.repeats}")
    print(bench_state_root.report(bench_state_root.run(args.accounts, args.repeats)))
    print(bench_cli.report(bench_cli.run(args.cli_accounts, args.repeats)))
    print(bench_startup.report(bench_startup.run(args.startup_runs)))
    print(
        bench_headers.report(
            bench_headers.run(args.headers, args.repeats, args.mainnet_headers_file)
        )
    )
    print(
        bench_scheduling.report(
            bench_scheduling.run(
                args.workers, args.batch_tasks, args.batch_tasks // 4, args.repeats
            )
        )
    )
    print(bench_fl.report(bench_fl.run(50, args.fl_parameters, args.repeats)))
    print(bench_bridge.report(bench_bridge.run(args.bridge_pegouts, args.repeats)))


if __name__ == "__main__":
    main()
