"""Write tests/golden/vector_messages.json: what every invalid vector is rejected with.

Run: python tools/record_messages.py [OUTFILE]   (default: tests/golden/vector_messages.json)

Reason codes are the contract between implementations; the human messages are what an
auditor reads beside them (offsets, field names, amounts). A test regenerates this file
and requires identical text, so a change to any message is a deliberate, reviewed change
of this file, and a wrong message is noticed (docs/assurance.md, "Mutation testing").
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ailee.vectors import run_vector_file

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "vectors"
DEFAULT = ROOT / "tests" / "golden" / "vector_messages.json"

# POLICY_SYNTAX carries the text of the JSON, TOML or YAML parser (the standard library's
# or PyYAML's), which changes between their versions: only its location is kept.
_PARSER_TEXT = re.compile(r"^(tcId \d+: POLICY_SYNTAX: (?:line \d+, column \d+|\$)): .*$", re.S)


def _stable(line: str) -> str:
    return _PARSER_TEXT.sub(r"\1: <parser's text>", line)


def messages() -> str:
    """The golden file's text: for each vector file, its rejections in tcId order."""
    table = {}
    for path in sorted(VECTORS.glob("*.json")):
        result = run_vector_file(path.read_bytes())
        if result.failures:
            raise SystemExit(f"{path.name}: {result.failures[0]}")
        table[path.name] = [_stable(line) for line in result.rejections]
    return json.dumps(table, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT
    out.write_text(messages(), encoding="utf-8")


if __name__ == "__main__":
    main()
