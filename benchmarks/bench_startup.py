"""Start-up of ``ailee-l2-verify``: fresh processes, against a bare interpreter start.

Median wall time of N fresh processes of each command, interleaved, in the same run:
``python -c pass`` (the baseline), ``python -c "import ailee"``, ``python -c "import
click"`` (the floor of any click command), ``ailee-l2-verify --help``,
``ailee-l2-verify verify --help`` and a small verification,
``ailee-l2-verify examples/genesis.json``. **Target: --help <= 2.0x the bare start.**

Each process starts cold but reads compiled bytecode, as an installed package does
(pip compiles it on install): the runs share a bytecode cache in a temporary directory
(``PYTHONPYCACHEPREFIX``, with ``PYTHONDONTWRITEBYTECODE`` removed), filled by one
untimed run of each command, so nothing is written into the source tree.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from timing import median_of_processes

ROOT = Path(__file__).resolve().parent.parent
SMALL_SNAPSHOT = ROOT / "examples" / "genesis.json"
TARGET = 2.0
BASELINE = "python -c pass"


@dataclass
class StartupResult:
    runs: int
    medians: dict[str, float]  # seconds, by command; BASELINE among them

    def ratio(self, name: str) -> float:
        return self.medians[name] / self.medians[BASELINE]


def _command() -> list[str]:
    script = shutil.which("ailee-l2-verify")
    return [script] if script else [sys.executable, "-m", "ailee_verify"]


def commands() -> dict[str, list[str]]:
    """The measured commands, by the name the report gives them."""
    verify = _command()
    python = sys.executable
    return {
        BASELINE: [python, "-c", "pass"],
        'python -c "import ailee"': [python, "-c", "import ailee"],
        'python -c "import click"': [python, "-c", "import click"],
        "ailee-l2-verify --help": [*verify, "--help"],
        "ailee-l2-verify verify --help": [*verify, "verify", "--help"],
        "ailee-l2-verify examples/genesis.json": [*verify, str(SMALL_SNAPSHOT)],
    }


def run(runs: int = 40) -> StartupResult:
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        env["COLUMNS"] = "80"  # help at its usual width, whatever the terminal
        return StartupResult(runs, median_of_processes(runs, commands(), env))


def report(result: StartupResult) -> str:
    lines = [f"startup.runs   {result.runs} fresh processes each, median"]
    for name, seconds in result.medians.items():
        lines.append(f"startup  {seconds * 1000:6.1f} ms  {result.ratio(name):5.2f}x  {name}")
    ratio = result.ratio("ailee-l2-verify --help")
    verdict = "PASS" if ratio <= TARGET else "MISS"
    lines.append(f"startup.help_ratio  {ratio:.2f}  (target <= {TARGET}: {verdict})")
    return "\n".join(lines)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    print(report(run(parser.parse_args().runs)))
