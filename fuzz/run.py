"""Run the fuzz harnesses, each for a time budget, and report what they did.

::

    python -m fuzz.run --seconds 4              # every harness, 4 s each (CI)
    python -m fuzz.run --seconds 180 --only cbor --only snapshot
    python -m fuzz                              # the same as fuzz.run

Each harness runs in its own process under atheris (libFuzzer): seeded from the
vectors and examples (``fuzz/corpus.py``) into ``fuzz/corpus/<name>/``, where the
inputs it finds are kept for the next run; with a per-input timeout, an RSS limit (a
single allocation over it is a crash too) and a maximum input length per harness. A
crash (an exception other than AileeError with a documented code, a failed round
trip, a timeout, an out-of-memory) is written to ``fuzz/crashes/<name>-...`` and
printed; the exit status is 1 if any harness crashed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fuzz.corpus import write_seeds

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent

#: Every harness and the longest input it is given (bytes): above the largest seed
#: worth keeping, and above each size limit of the entry point that is cheap to reach.
#: Inputs that are legitimately huge (4 MB transactions) are left to the limit tests.
HARNESSES: dict[str, int] = {
    "cbor": 16_384,
    "jsoncodec": 65_536,
    "snapshot": 32_768,
    "proof": 8_192,
    "headers": 65_536,
    "txoutproof": 4_096,
    "spv": 32_768,
    "transaction": 8_192,
    "anchor_script": 256,
    "evidence": 65_536,
    "claim": 131_072,
    "policy": 16_384,
    "condition": 2_048,
    "legacy": 131_072,
    "store": 32_768,
    "netflow": 131_072,
    "safety": 16_384,
    "vectors": 131_072,
}

_STATUS = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)")


@dataclass
class Outcome:
    name: str
    seconds: float
    executions: int
    coverage: int
    features: int
    corpus: int
    crashes: list[Path]
    returncode: int

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.crashes


def run_one(name: str, args: argparse.Namespace) -> Outcome:
    corpus = Path(args.corpus) / name
    crashes = Path(args.crashes)
    crashes.mkdir(parents=True, exist_ok=True)
    write_seeds(name, corpus, HARNESSES[name])
    before = set(crashes.glob(f"{name}-*"))
    command = [
        sys.executable,
        "-m",
        f"fuzz.fuzz_{name}",
        str(corpus),
        f"-max_total_time={args.seconds}",
        f"-max_len={HARNESSES[name]}",
        f"-timeout={args.timeout}",
        f"-rss_limit_mb={args.rss_limit_mb}",
        f"-artifact_prefix={crashes}/{name}-",
        "-print_final_stats=1",
    ]
    start = time.monotonic()
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, errors="replace"
    )
    elapsed = time.monotonic() - start
    log = done.stdout + done.stderr
    (crashes / f"{name}.log").write_text(log, encoding="utf-8")
    statuses = _STATUS.findall(log)
    executed = re.search(r"stat::number_of_executed_units: (\d+)", log)
    last = statuses[-1] if statuses else ("0", "0", "0", "0")
    found = sorted(set(crashes.glob(f"{name}-*")) - before)
    outcome = Outcome(
        name,
        elapsed,
        int(executed.group(1)) if executed else int(last[0]),
        int(last[1]),
        int(last[2]),
        int(last[3]),
        found,
        done.returncode,
    )
    if not outcome.ok:
        print(f"--- {name}: exit status {done.returncode}; the end of its log:", flush=True)
        print("\n".join(log.splitlines()[-40:]), flush=True)
        for path in found:
            data = path.read_bytes()
            print(f"--- crashing input {path} ({len(data)} bytes): {data[:512]!r}", flush=True)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=4, help="time budget of each harness")
    parser.add_argument("--only", action="append", choices=sorted(HARNESSES), help="repeatable")
    parser.add_argument("--timeout", type=int, default=20, help="seconds per input (a hang)")
    parser.add_argument("--rss-limit-mb", type=int, default=2048)
    parser.add_argument("--corpus", default=str(FUZZ / "corpus"), help="corpus directory")
    parser.add_argument("--crashes", default=str(FUZZ / "crashes"), help="crash directory")
    args = parser.parse_args(argv)
    names = args.only or list(HARNESSES)
    outcomes = []
    print(f"{'harness':14} {'seconds':>8} {'execs':>9} {'cov':>6} {'ft':>6} {'corpus':>6}  result")
    for name in names:
        outcome = run_one(name, args)
        outcomes.append(outcome)
        verdict = "ok" if outcome.ok else f"CRASH ({len(outcome.crashes)} input(s))"
        print(
            f"{name:14} {outcome.seconds:8.1f} {outcome.executions:9} {outcome.coverage:6} "
            f"{outcome.features:6} {outcome.corpus:6}  {verdict}",
            flush=True,
        )
    total = sum(o.executions for o in outcomes)
    seconds = sum(o.seconds for o in outcomes)
    failed = [o.name for o in outcomes if not o.ok]
    crashed = ", ".join(failed) or "none"
    print(f"{len(outcomes)} harnesses, {total} executions in {seconds:.0f} s; crashed: {crashed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
