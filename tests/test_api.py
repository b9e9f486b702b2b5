"""The public API is exported, documented and typed; the core stays pure."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import ailee

CORE = Path(ailee.__file__).resolve().parent
MODULES = sorted(info.name for info in pkgutil.iter_modules([str(CORE)]))
# A pure core reads no files, clock, randomness, environment or network.
FORBIDDEN_IMPORTS = {
    "datetime", "io", "os", "pathlib", "random", "secrets", "shutil", "socket",
    "subprocess", "sys", "tempfile", "time", "urllib", "http", "asyncio", "threading",
}  # fmt: skip
FORBIDDEN_CALLS = {"open", "input", "print", "exec", "eval"}
# The modules allowed to do I/O, each named with why. The pure core never imports them.
IO_MODULES = {
    "store",  # the snapshot store: the one module that writes files (docs/store.md)
}
PURE_MODULES = [name for name in MODULES if name not in IO_MODULES]


def test_py_typed_ships() -> None:
    assert (CORE / "py.typed").is_file()


@pytest.mark.parametrize("name", MODULES)
def test_module_exports_documented_names(name: str) -> None:
    module = importlib.import_module(f"ailee.{name}")
    assert module.__doc__, f"ailee.{name} has no docstring"
    exported = getattr(module, "__all__", None)
    assert exported, f"ailee.{name} has no __all__"
    assert len(set(exported)) == len(exported)
    for symbol in exported:
        value = getattr(module, symbol)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"ailee.{name}.{symbol} has no docstring"


def test_package_all_resolves() -> None:
    for symbol in ailee.__all__:
        assert hasattr(ailee, symbol), symbol


@pytest.mark.parametrize("name", PURE_MODULES)
def test_core_module_is_pure(name: str) -> None:
    tree = ast.parse((CORE / f"{name}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
        else:
            roots = set()
        assert not roots & FORBIDDEN_IMPORTS, f"ailee.{name} imports {roots & FORBIDDEN_IMPORTS}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"ailee.{name} calls {node.func.id}()"
        if isinstance(node, ast.Global):
            pytest.fail(f"ailee.{name} uses global state")


@pytest.mark.parametrize("name", PURE_MODULES)
def test_core_module_never_imports_an_io_module(name: str) -> None:
    tree = ast.parse((CORE / f"{name}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {module} | {f"{module}.{alias.name}" for alias in node.names}
        else:
            continue
        assert not names & {f"ailee.{io}" for io in IO_MODULES}, f"ailee.{name} imports {names}"
