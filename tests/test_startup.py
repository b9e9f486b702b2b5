"""Start-up: what ``ailee-l2-verify --help``, a subcommand's help, a small verification
and ``import ailee`` import (behaviour, not timing: benchmarks/bench_startup.py times
them; docs/assurance.md, "Start-up")."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ailee
import ailee.verify
from ailee_verify import cli as cli_module
from ailee_verify import commands
from tests.helpers import EXAMPLES

HEAVY = ("numpy", "scipy", "coincurve", "yaml", "tomllib", "cbor2", "click")

PROBE = """
import json, sys
from ailee_verify.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    status = exit.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imported_by(*args: str, columns: int = 80) -> set[str]:
    """The modules loaded by ``ailee-l2-verify ARGS`` in a fresh interpreter."""
    env = dict(os.environ, COLUMNS=str(columns))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=False
    )
    outcome = json.loads(done.stderr.strip().splitlines()[-1])
    assert outcome["status"] == 0, done.stderr
    return set(outcome["modules"])


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_help_imports_neither_click_nor_ailee() -> None:
    for flag in ("--help", "-h"):
        loaded = imported_by(flag)
        assert not roots(loaded) & {"ailee", *HEAVY}, sorted(loaded)
        assert {"ailee_verify", "ailee_verify.cli"} <= loaded
        assert "ailee_verify.commands" not in loaded


def test_subcommand_help_imports_click_and_the_commands_only() -> None:
    loaded = imported_by("verify", "--help")
    assert "ailee_verify.commands" in loaded
    assert not roots(loaded) & {"ailee", *HEAVY} - {"click"}, sorted(loaded)


def test_small_verification_imports_only_what_it_needs() -> None:
    loaded = imported_by(str(EXAMPLES / "genesis.json"))
    assert "ailee.verify" in loaded
    assert not roots(loaded) & {"numpy", "scipy", "coincurve", "yaml", "tomllib"}, sorted(loaded)
    unneeded = {"fl", "scheduling", "telemetry", "policy", "evidence", "headerchain", "vectors"}
    assert not loaded & {f"ailee.{name}" for name in unneeded}


def test_narrow_terminal_help_goes_through_click() -> None:
    loaded = imported_by("--help", columns=60)
    assert "click" in loaded


@pytest.mark.parametrize("columns", ["80", "200"])
def test_top_help_is_clicks_own_rendering(
    columns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert commands.run(["--help"]) == 0
    clicks = capsys.readouterr().out
    assert clicks == cli_module.TOP_HELP, (
        "ailee_verify.cli.TOP_HELP is stale; refresh it with the command in its comment"
    )
    for flag in ("--help", "-h"):
        with pytest.raises(SystemExit) as info:
            cli_module.main([flag])
        assert info.value.code == 0
        assert capsys.readouterr().out == clicks


def test_narrow_terminal_help_is_clicks_narrow_rendering(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert commands.run(["--help"]) == 0
    narrow = capsys.readouterr().out
    assert narrow != cli_module.TOP_HELP
    with pytest.raises(SystemExit):
        cli_module.main(["--help"])
    assert capsys.readouterr().out == narrow


def test_the_restated_exit_codes_agree() -> None:
    assert (commands.EXIT_OK, commands.EXIT_FAILED, commands.EXIT_USAGE) == (
        ailee.verify.EXIT_OK,
        ailee.verify.EXIT_FAILED,
        ailee.verify.EXIT_USAGE,
    )
    assert commands.EXIT_MALFORMED == ailee.verify.EXIT_MALFORMED
    assert cli_module.cli is commands.cli
    with pytest.raises(AttributeError):
        _ = cli_module.no_such_name


def test_import_ailee_is_lazy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, ailee; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(ast.literal_eval(done.stdout))
    assert {name for name in loaded if name.startswith("ailee")} == {"ailee"}


def test_lazy_names_are_the_type_checking_imports() -> None:
    """ailee._HOMES (what runs) says what the TYPE_CHECKING block (what mypy reads) says."""
    tree = ast.parse(Path(ailee.__file__).read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    declared = {
        (node.module, alias.name)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    homes = {(module, name) for module, names in ailee._HOMES.items() for name in names}
    assert declared == homes
    assert {name for _, name in homes} | {"__version__"} == set(ailee.__all__)
    for module, name in sorted(homes):
        assert getattr(ailee, name) is getattr(sys.modules[module], name)
    with pytest.raises(AttributeError):
        _ = ailee.no_such_name  # type: ignore[attr-defined]
