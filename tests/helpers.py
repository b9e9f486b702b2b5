"""Builders shared by the verifier and CLI tests."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path
from typing import Any

from ailee.snapshot import Snapshot, snapshot_to_json
from ailee.state import L2State
from ailee.stateroot import L2StateRoot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: The checks examples/snapshot.json gets after ``state_root``: the bridge's, then one
#: per decision, FL round and telemetry batch it carries, each with its summary.
EXAMPLE_CHECKS_AFTER_ROOT = [
    "federation",
    "pegins",
    "pegouts",
    "conservation",
    "tasks.decision[task-0001]",
    "tasks.decisions",
    "tasks.round[fl-round-0000]",
    "tasks.rounds",
    "telemetry.batch[tm-0001]",
    "telemetry.batches",
]


def load_tool(name: str, folder: str = "tools") -> Any:
    """A script of tools/ (or of another folder of scripts), imported by its name.

    The folder goes on ``sys.path`` once, so the scripts import each other plainly, as
    they do when run from the command line.
    """
    path = str(ROOT / folder)
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(name)


def make_examples_module() -> Any:
    """tools/make_examples.py."""
    return load_tool("make_examples")


def chain_states() -> list[L2State]:
    """Three linked states: the two examples and a third that anchors the second."""
    states: list[L2State] = make_examples_module().chain_states()
    return states


def with_header(state: L2State, **changes: Any) -> L2State:
    """The state with some header fields changed."""
    return dataclasses.replace(state, header=dataclasses.replace(state.header, **changes))


def document(state: L2State, claimed_root: bytes | None = None) -> bytes:
    """The JSON document of a state, claiming its true root unless told otherwise."""
    root = L2StateRoot.compute(state).root if claimed_root is None else claimed_root
    return snapshot_to_json(Snapshot(state, root)).encode()
