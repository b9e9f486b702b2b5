"""ailee-l2-verify end to end on a large snapshot file, against a bare interpreter start."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ailee.anchors import make_anchor
from ailee.snapshot import Snapshot, snapshot_to_cbor, snapshot_to_json
from ailee.state import Account, FederationConfig, Header, L2State, PegIn

#: The x coordinate of secp256k1's generator: a valid x-only key.
GENERATOR_X = bytes.fromhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")

TARGET_NOTE = "informational (no target in the issue)"


@dataclass
class CliResult:
    accounts: int
    json_bytes: int
    cbor_bytes: int
    json_s: float
    cbor_s: float
    python_s: float


def _command() -> list[str]:
    script = shutil.which("ailee-l2-verify")
    return [script] if script else [sys.executable, "-m", "ailee_verify"]


def _best(repeats: int, argv: list[str]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{argv} exited {done.returncode}: {done.stderr.decode()[-300:]}")
        best = min(best, elapsed)
    return best


def build(n: int) -> Snapshot:
    accounts = [Account(f"user-{i:06d}", (i * 7919) % 10**12, i % 50) for i in range(n)]
    # Ten deposits that credit exactly the balances: value is conserved.
    total = sum(account.balance for account in accounts)
    amounts = [total // 10 + (1 if i < total % 10 else 0) for i in range(10)]
    pegins = [
        PegIn(i.to_bytes(32, "big"), 0, amount, f"user-{i:06d}", "minted")
        for i, amount in enumerate(amounts)
    ]
    anchors = [make_anchor(chain_id="bench", sequence=0, timestamp_ms=0, state_root=b"\x02" * 32)]
    header = Header(2, "bench", 1, b"\x01" * 32, 1_700_000_000_000)
    federation = [FederationConfig(0, 1, (GENERATOR_X,))]
    state = L2State(
        header, accounts=accounts, pegins=pegins, anchors=anchors, federation=federation
    )
    return Snapshot.of(state)


def run(n: int = 100_000, repeats: int = 3) -> CliResult:
    snapshot = build(n)
    with tempfile.TemporaryDirectory() as tmp:
        json_path = Path(tmp) / "snapshot.json"
        cbor_path = Path(tmp) / "snapshot.cbor"
        json_path.write_text(snapshot_to_json(snapshot))
        cbor_path.write_bytes(snapshot_to_cbor(snapshot))
        command = _command()
        json_s = _best(repeats, [*command, "--quiet", str(json_path)])
        cbor_s = _best(repeats, [*command, "--quiet", str(cbor_path)])
        python_s = _best(repeats, [sys.executable, "-c", "pass"])
        return CliResult(
            n, json_path.stat().st_size, cbor_path.stat().st_size, json_s, cbor_s, python_s
        )


def report(result: CliResult) -> str:
    return "\n".join(
        [
            f"cli.accounts               {result.accounts}",
            f"cli.json_file_mib          {result.json_bytes / 2**20:.1f}",
            f"cli.cbor_file_mib          {result.cbor_bytes / 2**20:.1f}",
            f"cli.verify_json_s          {result.json_s:.3f}",
            f"cli.verify_cbor_s          {result.cbor_s:.3f}",
            f"cli.python_start_s         {result.python_s:.3f}  (python -c pass)",
            f"cli.ratio_json_vs_start    {result.json_s / result.python_s:.1f}  ({TARGET_NOTE})",
        ]
    )


if __name__ == "__main__":
    print(report(run()))
