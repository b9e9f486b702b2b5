"""The generated and hand-written documents agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

from ailee.errors import REASON_CODES, ReasonCode
from tests.helpers import load_tool

ROOT = Path(__file__).resolve().parent.parent


def test_every_reason_code_has_a_description() -> None:
    assert set(REASON_CODES) == set(ReasonCode)
    for code, text in REASON_CODES.items():
        assert code.value == code.name
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", code.value)
        assert text.endswith(".")
        assert len(text) > 10


def test_reason_codes_doc_is_generated_from_the_code(tmp_path: Path) -> None:
    tool = load_tool("gen_reason_codes")
    out = tmp_path / "reason-codes.md"
    tool.main([str(out)])
    assert out.read_text() == (ROOT / "docs" / "reason-codes.md").read_text(), (
        "docs/reason-codes.md is stale: run python tools/gen_reason_codes.py"
    )


def test_reason_codes_doc_lists_every_code_once() -> None:
    text = (ROOT / "docs" / "reason-codes.md").read_text()
    for code in ReasonCode:
        assert text.count(f"| `{code.value}` |") == 1, code


def test_spec_names_only_real_reason_codes() -> None:
    spec = (ROOT / "docs" / "spec.md").read_text()
    known = {code.value for code in ReasonCode}
    named = set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", spec))
    assert named, "the spec names reason codes"
    assert named <= known, sorted(named - known)


def test_readme_has_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    for marker, needle in (
        ("<!-- ci:main -->", "ailee-l2-verify examples/snapshot.json"),
        ("<!-- ci:test -->", "python -m pytest"),
    ):
        after = readme.split(marker, 1)[1]
        command = after.split("```sh\n", 1)[1].split("\n", 1)[0]
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
        assert needle in command
