"""The benchmarks still run (tiny sizes): they are measured, never timed, in tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import load_tool


def bench(name: str) -> Any:
    return load_tool(name, folder="benchmarks")


def test_state_root_benchmark_runs() -> None:
    module = bench("bench_state_root")
    assert "ratio" in module.report(module.run(n=200, repeats=1)).lower()


def test_cli_benchmark_runs() -> None:
    module = bench("bench_cli")
    assert module.report(module.run(n=50, repeats=1))


def test_startup_benchmark_runs() -> None:
    module = bench("bench_startup")
    result = module.run(runs=1)
    assert set(result.medians) == set(module.commands())
    assert "target <= 2.0" in module.report(result)


def test_headers_benchmark_runs(tmp_path: Path) -> None:
    module = bench("bench_headers")
    result = module.run(min_headers=200, repeats=1, mainnet_file=tmp_path / "absent.bin")
    assert "floor" in module.report(result).lower()


def test_scheduling_benchmark_runs() -> None:
    module = bench("bench_scheduling")
    result = module.run(n_workers=300, n_tasks=20, batch_workers=5, repeats=1)
    assert 0 < result.assigned <= 20
    assert "pairs_per_s" in module.report(result)


def test_fl_benchmark_runs() -> None:
    module = bench("bench_fl")
    result = module.run(clients=12, parameters=50, repeats=1)
    assert "ratio" in module.report(result)


def test_bridge_benchmark_runs() -> None:
    module = bench("bench_bridge")
    result = module.run(pegouts=20, repeats=1)
    assert result.signatures == 20 * 11
    assert "bare verify loop" in module.report(result)
