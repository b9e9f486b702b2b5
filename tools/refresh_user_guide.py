"""Keep the command outputs shown in docs/user-guide.md true.

Run: python tools/refresh_user_guide.py [--check]
Each listed command's block in the guide (from its ``$ ailee-l2-verify ...`` line to
the end of the block or the next ``$`` line) is replaced by what the command prints
now. In text output, 64-digit hashes are shortened to ``first8…last8`` as the guide
says; JSON output is shown in full. ``--check`` changes nothing and exits 1 if a block
is stale (tests/test_user_guide.py runs it).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "user-guide.md"
_HASH = re.compile(r"\b[0-9a-f]{64}\b")
_KEY = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"


@dataclass(frozen=True)
class Shown:
    """A command shown in the guide: how its line starts there, the line as it is
    shown (may continue over two lines), the arguments run, and how output is shown."""

    starts: str
    line: str
    args: tuple[str, ...]
    shorten: bool = True
    #: Show only the output from this line on, after a "..." line.
    tail_from: str | None = None
    #: Replace the JSON "anchor" object by "{ ... as above ... }".
    elide_anchor: bool = False


def _anchor_script() -> str:
    evidence = json.loads((ROOT / "examples" / "evidence.json").read_text())
    tx = bytes.fromhex(evidence["anchors"][0]["tx"])
    from ailee.transactions import parse_transaction

    return parse_transaction(tx).output(0).script_pubkey.hex()


def _commands() -> list[Shown]:
    evidence = "examples/snapshot.json --evidence examples/evidence.json"
    script = _anchor_script()
    return [
        Shown("examples/snapshot.json\n", "examples/snapshot.json", ("examples/snapshot.json",)),
        Shown("tampered.json\n", "tampered.json", ("tampered.json",)),
        Shown(f"{evidence}\n", evidence, tuple(evidence.split())),
        Shown(
            f"{evidence} --min-confirmations ",
            f"{evidence} --min-confirmations 103",
            (*evidence.split(), "--min-confirmations", "103"),
            tail_from="anchor evidence:",
        ),
        Shown(
            "anchor build examples/snapshot.json\n",
            "anchor build examples/snapshot.json",
            ("anchor", "build", "examples/snapshot.json"),
            shorten=False,
        ),
        Shown(
            "anchor build examples/snapshot.json --taproot",
            f"anchor build examples/snapshot.json --taproot \\\n    --internal-key {_KEY}",
            ("anchor", "build", "examples/snapshot.json", "--taproot", "--internal-key", _KEY),
            shorten=False,
            elide_anchor=True,
        ),
        Shown("anchor decode ", f"anchor decode {script}", ("anchor", "decode", script), False),
    ]


def _run(args: tuple[str, ...], workdir: Path) -> str:
    from ailee_verify.cli import main

    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(workdir)
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            contextlib.suppress(SystemExit),
        ):
            main(list(args))
    finally:
        os.chdir(cwd)
    text = out.getvalue()
    if text and not text.endswith("\n"):
        text += "\n"
    return text + err.getvalue()


def _shown(command: Shown, output: str) -> str:
    if command.shorten:
        output = _HASH.sub(lambda m: f"{m.group()[:8]}…{m.group()[-8:]}", output)
    if command.tail_from is not None:
        output = "...\n" + output[output.index(command.tail_from) :]
    if command.elide_anchor:
        output = re.sub(
            r'"anchor": \{.*?\n  \}',
            '"anchor": { ... as above ... }',
            output,
            count=1,
            flags=re.S,
        )
    return output


def refreshed(text: str) -> str:
    """The guide with every listed block's command line and output recomputed."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "examples").mkdir()
        for name in ("snapshot.json", "genesis.json", "evidence.json"):
            (work / "examples" / name).write_bytes((ROOT / "examples" / name).read_bytes())
        snapshot = (ROOT / "examples" / "snapshot.json").read_text()
        # bob's balance one satoshi higher, as the guide says.
        (work / "tampered.json").write_text(
            snapshot.replace('"balance": 45000000', '"balance": 45000001', 1)
        )
        for command in _commands():
            begin = text.index(f"$ ailee-l2-verify {command.starts}")
            start = begin
            for _ in command.line.split("\n"):  # the shown line(s) of the command
                start = text.index("\n", start) + 1
            end = min(i for i in (text.find("```", start), text.find("\n$ ", start)) if i != -1)
            shown = _shown(command, _run(command.args, work))
            if text[end] == "\n":  # the block goes on with another command
                shown = shown.rstrip("\n")
            text = text[:begin] + f"$ ailee-l2-verify {command.line}\n" + shown + text[end:]
    return text


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = GUIDE.read_text()
    new = refreshed(text)
    if "--check" in args:
        if new != text:
            print("docs/user-guide.md is stale: run python tools/refresh_user_guide.py")
            return 1
        return 0
    GUIDE.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
