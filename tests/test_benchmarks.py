"""The benchmarks still run (tiny sizes): they are measured, never timed, in tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from tests.helpers import ROOT


def bench(name: str) -> Any:
    key = f"benchmarks_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


def test_state_root_benchmark_runs() -> None:
    module = bench("bench_state_root")
    assert "ratio" in module.report(module.run(n=200, repeats=1)).lower()


def test_cli_benchmark_runs() -> None:
    module = bench("bench_cli")
    assert module.report(module.run(n=50, repeats=1))


def test_headers_benchmark_runs(tmp_path: Path) -> None:
    module = bench("bench_headers")
    result = module.run(min_headers=200, repeats=1, mainnet_file=tmp_path / "absent.bin")
    assert "floor" in module.report(result).lower()
