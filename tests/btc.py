"""Helpers for the Bitcoin-layer tests: third-party vectors and the regtest builder."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import external_vector
from tests.helpers import load_tool

regtest = load_tool("regtest")


def load_json(name: str) -> Any:
    """A third-party JSON vector file from ../shared/external-vectors/."""
    return json.loads(external_vector(name).read_text())


def load_bytes(name: str) -> bytes:
    """A third-party binary vector file from ../shared/external-vectors/."""
    return external_vector(name).read_bytes()


def internal(display: str) -> bytes:
    """A hash in display hex → internal bytes."""
    return bytes.fromhex(display)[::-1]
