"""Shared test fixtures.

Third-party vectors live beside the project in ``../shared/external-vectors/``. Tests
that need them skip with a visible reason when they are absent, except when
``AILEE_REQUIRE_EXTERNAL_VECTORS=1`` (as ``.ci/run`` sets), where absence is a failure.
``AILEE_EXTERNAL_VECTORS`` names another folder for them (mutmut runs the tests from a copy
of the project in ``mutants/``, one level deeper).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL_VECTORS = Path(
    os.environ.get("AILEE_EXTERNAL_VECTORS") or ROOT.parent / "shared" / "external-vectors"
)


def external_vector(name: str) -> Path:
    """Path of a third-party vector file; skip (or fail in CI) if it is absent."""
    path = EXTERNAL_VECTORS / name
    if path.exists():
        return path
    message = f"external vector {name} not found under {EXTERNAL_VECTORS}"
    if os.environ.get("AILEE_REQUIRE_EXTERNAL_VECTORS") == "1":
        pytest.fail(message + " (AILEE_REQUIRE_EXTERNAL_VECTORS=1)")
    pytest.skip(message)


@pytest.fixture
def repo_root() -> Path:
    """The project's root directory."""
    return ROOT
