"""The command outputs docs/user-guide.md shows are what the commands print now."""

from __future__ import annotations

from tests.helpers import load_tool


def test_user_guide_outputs_are_current() -> None:
    tool = load_tool("refresh_user_guide")
    text = tool.GUIDE.read_text()
    assert tool.refreshed(text) == text, "run python tools/refresh_user_guide.py"


def test_the_check_catches_a_stale_output() -> None:
    tool = load_tool("refresh_user_guide")
    text = tool.GUIDE.read_text()
    root = text.split("examples/snapshot.json: OK root ", 1)[1][:17]
    stale = text.replace(root, "00000000…00000000", 1)
    assert tool.refreshed(stale) == text
