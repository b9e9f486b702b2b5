"""Builders shared by the verifier and CLI tests."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from typing import Any

from ailee.anchors import make_anchor
from ailee.snapshot import Snapshot, snapshot_to_json
from ailee.state import Header, L2State
from ailee.stateroot import L2StateRoot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def load_tool(name: str) -> Any:
    """A script of tools/ (not a package), imported from the repository."""
    module_name = f"tools_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered so that dataclasses (and pickling) can find the module by name.
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def make_examples_module() -> Any:
    """tools/make_examples.py."""
    return load_tool("make_examples")


def chain_states() -> list[L2State]:
    """Three linked states: the two examples and a third that anchors the second."""
    examples = make_examples_module()
    first = examples.genesis()
    second = examples.second(L2StateRoot.compute(first).root)
    second_root = L2StateRoot.compute(second).root
    anchor = make_anchor(
        chain_id=examples.CHAIN_ID,
        sequence=1,
        timestamp_ms=second.header.timestamp_ms,
        state_root=second_root,
        previous=second.anchors[-1],
    )
    third = dataclasses.replace(
        second,
        header=Header(2, examples.CHAIN_ID, 2, second_root, second.header.timestamp_ms + 1),
        anchors=(*second.anchors, anchor),
    )
    return [first, second, third]


def with_header(state: L2State, **changes: Any) -> L2State:
    """The state with some header fields changed."""
    return dataclasses.replace(state, header=dataclasses.replace(state.header, **changes))


def document(state: L2State, claimed_root: bytes | None = None) -> bytes:
    """The JSON document of a state, claiming its true root unless told otherwise."""
    root = L2StateRoot.compute(state).root if claimed_root is None else claimed_root
    return snapshot_to_json(Snapshot(state, root)).encode()
