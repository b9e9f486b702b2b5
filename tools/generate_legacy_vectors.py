"""The legacy SNAPSHOT v1 golden vectors (ailee.legacy). Called by ``tools/generate_vectors.py``.

Each case is the text of a legacy file, written by hand in the original's format
(``docs/legacy.md``); valid cases give every block's v1 root, anchor verdicts and
warnings, and optionally the native root of the last block converted; invalid cases
give the reason code and the ``line`` its message starts with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ailee.errors import AileeError, ReasonCode
from ailee.legacy import (
    MAX_LEGACY_LINE_BYTES,
    anchor_payload,
    check_legacy,
    legacy_root,
    parse_legacy,
    quote,
    to_native,
)

EMPTY_BLOCK = (
    "SNAPSHOT v1\ntimestamp_ms 0\nbalances 0\nescrows 0\npegins 0\npegouts 0\ntasks 0\n"
    "anchor none\nEND_SNAPSHOT\n"
)
TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
PAYLOAD_HASH = hashlib.sha256(b"task payload").hexdigest()


def block(
    *,
    timestamp: int = 1700000000000,
    balances: tuple[str, ...] = (),
    escrows: tuple[str, ...] = (),
    pegins: tuple[str, ...] = (),
    pegouts: tuple[str, ...] = (),
    tasks: tuple[str, ...] = (),
    anchor: str = "anchor none",
) -> str:
    """One block as the original's writer lays it out (records given as their lines)."""
    lines = ["SNAPSHOT v1", f"timestamp_ms {timestamp}"]
    for name, records in (
        ("balances", balances),
        ("escrows", escrows),
        ("pegins", pegins),
        ("pegouts", pegouts),
        ("tasks", tasks),
    ):
        lines.append(f"{name} {len(records)}")
        lines.extend(records)
    lines += [anchor, "END_SNAPSHOT"]
    return "".join(line + "\n" for line in lines)


def anchored(text: str, metadata: str = "recovery-v1", timestamp: int = 1700000000500) -> str:
    """``text`` (one block with ``anchor none``) with a correct anchor of its v1 root."""
    root = legacy_root(parse_legacy(text.encode()).snapshots[0])
    payload = anchor_payload(root, timestamp, metadata)
    digest = hashlib.sha256(payload.encode()).hexdigest()
    line = f'anchor "{root}" {timestamp} {quote(metadata)} {quote(payload)} "{digest}"'
    return text.replace("anchor none", line)


SAMPLE = block(
    balances=('balance "alice" 150000', 'balance "bob" 2500'),
    escrows=('escrow "task-7" "alice" 1000 1 1700000000100',),
    pegins=(f'pegin "peg-1" "{TXID}" 0 160000 "bc1qsource" "alice" 3 6 1700000000 1700000600',),
    pegouts=(f'pegout "out-1" "bob" "bc1qdest" 5000 4000 4 "{"ab" * 32}" 1700000700 0',),
    tasks=(f'task "task-7" 2 5 "alice" 1700000000200 "{PAYLOAD_HASH}" ""',),
)


def _expected(text: str) -> dict[str, Any]:
    report = check_legacy(parse_legacy(text.encode()))
    return {
        "blocks": [
            {
                "line": b.line,
                "root": b.root,
                "anchor_checks": {c.name: c.code.value if c.code else "ok" for c in b.checks},
                "warnings": [[w.kind, w.line, w.field] for w in b.warnings],
            }
            for b in report.blocks
        ]
    }


def legacy_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "The original node's SNAPSHOT v1 files: strict reading, v1 root, anchor rules",
        "ailee_legacy_v1",
        [
            "'text' is a legacy file (UTF-8; 'text_hex' when it is not UTF-8). A valid case "
            "gives 'expected'.'blocks', one per block in file order: its first 'line', its "
            "v1 'root' (SHA-256 hex of the L2STATE|v1 text), 'anchor_checks' (check name -> "
            "'ok' or the failing code; empty for 'anchor none') and 'warnings' ([kind, line, "
            "field]). 'convert' gives the chain id and the native L2StateRoot of the last "
            "block converted (ailee.legacy.to_native).",
            "An invalid case gives the 'code' of the first fault and the 'line' its message "
            "starts with; a failed anchor check is invalid and still gives 'expected'.",
            "INPUT_TOO_LARGE (a file over 67,108,864 bytes) is left out; see docs/legacy.md.",
        ],
    )
    vf.note("KnownAnswer", "KNOWN_ANSWER", "A root given by the issue or recomputable by hand.")
    vf.note("Quoting", "EDGE_CASE", "std::quoted escapes, spaces or newlines in strings.")
    vf.note("Weakness", "CAN_OF_WORMS", "A known weakness of the format (a warning).")
    vf.note("Anchor", "MODIFIED_COMMITMENT", "An anchor that does not commit to its block.")
    vf.note("Malformed", "MALFORMED_INPUT", "Text the original's writer cannot produce.")
    vf.note("Convert", "MODEL", "Conversion to the native format.")

    def valid(tests: list[Any], comment: str, text: str, flags: tuple[str, ...],
              convert: str | None = None) -> None:  # fmt: skip
        fields: dict[str, Any] = {"text": text, "expected": _expected(text)}
        if convert is not None:
            native, _ = to_native(parse_legacy(text.encode()).snapshots[-1], convert)
            fields["convert"] = {"chain_id": convert, "root": native.state_root.hex()}
        vf.add(tests, comment, fields, flags=flags)

    def anchor_fault(tests: list[Any], comment: str, text: str, code: ReasonCode) -> None:
        vf.add(tests, comment, {"text": text, "expected": _expected(text)}, code.value,
               ("Anchor",))  # fmt: skip

    def invalid(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        text: str | bytes,
        code: ReasonCode,
        line: int,
        flags: tuple[str, ...] = ("Malformed",),
        convert: str | None = None,
    ) -> None:
        data = text if isinstance(text, bytes) else text.encode()
        try:
            parsed = parse_legacy(data)
            if convert is not None:
                to_native(parsed.snapshots[-1], convert)
        except AileeError as exc:
            if exc.code is not code or not exc.message.startswith(f"line {line}: "):
                raise SystemExit(f"{comment}: got {exc.code.value}: {exc.message}") from None
        else:
            raise SystemExit(f"{comment}: no error")
        fields: dict[str, Any] = {"text_hex": text.hex()} if isinstance(text, bytes) else {
            "text": text}  # fmt: skip
        if convert is not None:
            fields["expected"] = _expected(text if isinstance(text, str) else "")
            fields["convert"] = {"chain_id": convert}
        fields["line"] = line
        vf.add(tests, comment, fields, code.value, flags)

    tests = vf.group("valid")
    valid(tests, "the empty state: root of the issue's known text", EMPTY_BLOCK, ("KnownAnswer",))
    valid(tests, "a node's file: an empty block, then a full anchored block",
          EMPTY_BLOCK + anchored(SAMPLE), ("KnownAnswer",), convert="legacy-v1")  # fmt: skip
    valid(tests, "records out of order in the file are hashed sorted bytewise by id",
          block(balances=('balance "b" 1', 'balance "B" 2', 'balance "a" 3',
                          'balance "\u00e9" 4')),
          ("KnownAnswer",))  # fmt: skip
    valid(tests, "std::quoted escapes: a quote, a backslash, spaces",
          block(balances=('balance "say \\"hi\\"" 1', 'balance "back\\\\slash" 2',
                          'balance "two words" 3', 'balance "" 4')),
          ("Quoting",))  # fmt: skip
    valid(tests, "largest numbers of each C++ type, negative int fields",
          block(timestamp=2**64 - 1,
                balances=(f'balance "max" {2**64 - 1}',),
                pegins=(f'pegin "p" "t" {2**32 - 1} 0 "" "" -2147483648 0 0 0',),
                tasks=('task "t" 2147483647 -1 "s" 0 "" ""',)),
          ("KnownAnswer",))  # fmt: skip
    valid(tests, "anchor with quotes and a colon in its metadata",
          anchored(block(balances=('balance "alice" 1',)), metadata='m:"x"\\y'),
          ("Quoting",))  # fmt: skip

    tests = vf.group("warnings")
    colon_a = block(escrows=('escrow "t:c" "x" 5 1 9',))
    colon_b = block(escrows=('escrow "t" "c:x" 5 1 9',))
    valid(tests, "two different states with one v1 root: ':' in ids", colon_a + colon_b,
          ("Weakness",))  # fmt: skip
    valid(tests, "a newline inside a quoted id (the original's reader drops the record)",
          block(balances=('balance "line1\nbalance \\"mallory\\" 99" 1', 'balance "z" 2')),
          ("Weakness", "Quoting"))  # fmt: skip
    valid(tests, "duplicate ids in one list",
          block(balances=('balance "a" 1', 'balance "a" 2'),
                tasks=('task "t" 0 0 "s" 0 "" ""', 'task "t" 0 0 "s" 0 "" ""')),
          ("Weakness",))  # fmt: skip

    tests = vf.group("anchor checks")
    good = anchored(block(balances=('balance "alice" 1',)))
    anchor_fault(tests, "anchor root is another state's root",
                 anchored(block(balances=('balance "alice" 1',))).replace(
                     'balance "alice" 1', 'balance "alice" 2'),
                 ReasonCode.LEGACY_ANCHOR_ROOT_MISMATCH)  # fmt: skip
    root = legacy_root(parse_legacy(good.encode()).snapshots[0])
    payload = anchor_payload(root, 5, "m")
    digest = hashlib.sha256(payload.encode()).hexdigest()
    base = block(balances=('balance "alice" 1',))
    anchor_fault(tests, "anchor hash in uppercase (the original compares case-blind)",
                 base.replace("anchor none",
                              f'anchor "{root}" 5 "m" "{payload}" "{digest.upper()}"'),
                 ReasonCode.LEGACY_ANCHOR_HASH_MISMATCH)  # fmt: skip
    anchor_fault(tests, "anchor hash of another payload",
                 base.replace("anchor none",
                              f'anchor "{root}" 5 "m" "{payload}" "{"00" * 32}"'),
                 ReasonCode.LEGACY_ANCHOR_HASH_MISMATCH)  # fmt: skip
    other = anchor_payload(root, 6, "m")
    other_digest = hashlib.sha256(other.encode()).hexdigest()
    anchor_fault(tests, "payload names another timestamp than the anchor's",
                 base.replace("anchor none",
                              f'anchor "{root}" 5 "m" "{other}" "{other_digest}"'),
                 ReasonCode.LEGACY_ANCHOR_PAYLOAD_MISMATCH)  # fmt: skip
    anchor_fault(tests, "a bad anchor in the first block, a good one in the second",
                 good.replace('"recovery-v1" "', '"recovery-v2" "', 1) + good,
                 ReasonCode.LEGACY_ANCHOR_PAYLOAD_MISMATCH)  # fmt: skip

    tests = vf.group("malformed")
    code = ReasonCode
    invalid(tests, "empty file", "", code.LEGACY_EMPTY, 1)
    invalid(tests, "not UTF-8 (a Latin-1 id)", EMPTY_BLOCK.encode().replace(
        b"balances 0\n", b'balances 1\nbalance "\xe9" 1\n'), code.LEGACY_NOT_UTF8, 4)  # fmt: skip
    invalid(tests, "CR LF line endings", EMPTY_BLOCK.replace("\n", "\r\n"),
            code.LEGACY_LINE_ENDING, 1)  # fmt: skip
    long_id = "x" * MAX_LEGACY_LINE_BYTES
    invalid(tests, "a line over the limit", block(balances=(f'balance "{long_id}" 1',)),
            code.LEGACY_LINE_TOO_LONG, 4)  # fmt: skip
    invalid(tests, "text before the first block", "hello\n" + EMPTY_BLOCK,
            code.LEGACY_SYNTAX, 1)  # fmt: skip
    invalid(tests, "a blank line between blocks", EMPTY_BLOCK + "\n" + EMPTY_BLOCK,
            code.LEGACY_SYNTAX, 10)  # fmt: skip
    invalid(tests, "a blank line inside a block", EMPTY_BLOCK.replace("escrows 0\n",
            "\nescrows 0\n"), code.LEGACY_SYNTAX, 4)  # fmt: skip
    invalid(tests, "sections out of the writer's order", EMPTY_BLOCK.replace(
        "escrows 0\npegins 0\n", "pegins 0\nescrows 0\n"), code.LEGACY_SYNTAX, 4)  # fmt: skip
    invalid(tests, "two spaces between fields", block(balances=('balance  "a" 1',)),
            code.LEGACY_BAD_QUOTE, 4)  # fmt: skip
    invalid(tests, "a stray character after a quoted string",
            block(balances=('balance "a"x 1',)), code.LEGACY_SYNTAX, 4)  # fmt: skip
    invalid(tests, "a trailing space", block(balances=('balance "a" 1 ',)),
            code.LEGACY_SYNTAX, 4)  # fmt: skip
    invalid(tests, "an unknown record tag", EMPTY_BLOCK.replace(
        "escrows 0\n", 'balanse "a" 1\nescrows 0\n'), code.LEGACY_SYNTAX, 4)  # fmt: skip
    invalid(tests, "'anchor nope' (the original reads any word starting with n as none)",
            EMPTY_BLOCK.replace("anchor none", "anchor nope"), code.LEGACY_SYNTAX, 8)  # fmt: skip
    invalid(tests, "no anchor line", EMPTY_BLOCK.replace("anchor none\n", ""),
            code.LEGACY_SYNTAX, 8)  # fmt: skip
    invalid(tests, "two blocks nested", EMPTY_BLOCK.replace("END_SNAPSHOT\n", EMPTY_BLOCK),
            code.LEGACY_SYNTAX, 9)  # fmt: skip
    invalid(tests, "a quoted string never closed", block(balances=('balance "a 1',)),
            code.LEGACY_BAD_QUOTE, 4)  # fmt: skip
    invalid(tests, "an escape std::quoted does not write", block(balances=('balance "a\\n" 1',)),
            code.LEGACY_BAD_QUOTE, 4)  # fmt: skip
    invalid(tests, "an id without quotes", block(balances=("balance alice 1",)),
            code.LEGACY_BAD_QUOTE, 4)  # fmt: skip
    for comment, text, line in (
        ("a leading zero", EMPTY_BLOCK.replace("timestamp_ms 0", "timestamp_ms 01"), 2),
        ("a plus sign", block(balances=('balance "a" +1',)), 4),
        ("u64 one over the maximum", block(balances=(f'balance "a" {2**64}',)), 4),
        ("a negative u64", block(balances=('balance "a" -1',)), 4),
        ("-0 in an int field", block(tasks=('task "t" -0 0 "s" 0 "" ""',)), 8),
        ("int one over the maximum", block(tasks=('task "t" 2147483648 0 "s" 0 "" ""',)), 8),
        ("vout over u32", block(pegins=(f'pegin "p" "t" {2**32} 0 "" "" 0 0 0 0',)), 6),
        ("locked is 2", block(escrows=('escrow "t" "c" 1 2 0',)), 5),
        ("a count that is not a number", EMPTY_BLOCK.replace("tasks 0", "tasks x"), 7),
    ):
        invalid(tests, f"number: {comment}", text, code.LEGACY_NUMBER, line)
    invalid(tests, "a count above the records that follow",
            EMPTY_BLOCK.replace("balances 0", "balances 1"),
            code.LEGACY_COUNT_MISMATCH, 3)  # fmt: skip
    invalid(tests, "a count below the records that follow",
            block(balances=('balance "a" 1', 'balance "b" 1')).replace("balances 2",
                                                                        "balances 1"),
            code.LEGACY_COUNT_MISMATCH, 3)  # fmt: skip
    invalid(tests, "a torn last block (the original silently ignores it)",
            EMPTY_BLOCK + EMPTY_BLOCK[:40], code.LEGACY_UNTERMINATED_BLOCK, 10)  # fmt: skip
    invalid(tests, "END_SNAPSHOT without its newline", EMPTY_BLOCK[:-1],
            code.LEGACY_UNTERMINATED_BLOCK, 1)  # fmt: skip

    tests = vf.group("conversion")
    for comment, text, line in (
        ("an id with a control character", block(balances=('balance "a\tb" 1',)), 4),
        ("an id over 64 bytes", block(balances=(f'balance "{"a" * 65}" 1',)), 4),
        ("an empty id", block(balances=('balance "" 1',)), 4),
        ("a duplicate id", block(balances=('balance "a" 1', 'balance "a" 2')), 5),
        (
            "a peg-in status with no native peg-in status (BURN_INITIATED)",
            block(pegins=(f'pegin "p" "{TXID}" 0 1 "s" "a" 4 0 0 0',)),
            6,
        ),
        (
            "a btcTxId that is not 64 hex digits",
            block(pegins=('pegin "p" "xyz" 0 1 "s" "a" 3 0 0 0',)),
            6,
        ),
        (
            "a task priority over 255",
            block(tasks=(f'task "t" 0 256 "s" 0 "{PAYLOAD_HASH}" ""',)),
            8,
        ),
        (
            "balances over 21 million BTC",
            block(balances=(f'balance "a" {2_100_000_000_000_001}',)),
            4,
        ),
    ):
        invalid(tests, f"convert: {comment}", text, code.LEGACY_NOT_CONVERTIBLE, line,
                ("Convert",), convert="legacy-v1")  # fmt: skip
    _reading_order(vf, invalid, valid)
    _conversion(vf, invalid, valid)
    return vf


def _reading_order(vf: Any, invalid: Callable[..., None], valid: Callable[..., None]) -> None:
    """docs/legacy.md 1 (how a file is read) and 4 (warnings in reading order)."""
    code = ReasonCode
    tests = vf.group("reading order")
    for comment, text, fault, line in (
        # rule 1: what stands where a field is expected is judged as that field
        ("two spaces before a number: an empty number", block(balances=('balance "a"  1',)),
         code.LEGACY_NUMBER, 4),
        ("two spaces before 'none': a fixed word", EMPTY_BLOCK.replace("anchor none",
                                                                       "anchor  none"),
         code.LEGACY_SYNTAX, 8),
        ("a stray character after a number is part of its word",
         block(balances=('balance "a" 1x',)), code.LEGACY_NUMBER, 4),
        # rule 2: CR LF where a line's LF is expected, in reading order
        ("CR LF on one later line only", EMPTY_BLOCK.replace("pegins 0\n", "pegins 0\r\n"),
         code.LEGACY_LINE_ENDING, 5),
        ("a line's text is judged before its CR LF", EMPTY_BLOCK.replace(
            "pegins 0\n", "pegins 0x\r\n"), code.LEGACY_NUMBER, 5),
        ("a CR not followed by LF where a line ends", EMPTY_BLOCK.replace(
            "pegins 0\n", "pegins 0\rx\n"), code.LEGACY_SYNTAX, 5),
        # rule 3: the line after a list, then its count
        ("a wrong count, then a misspelled record tag: the misspelled line first",
         EMPTY_BLOCK.replace("balances 0\n", 'balances 1\nbalanse "a" 1\n'),
         code.LEGACY_SYNTAX, 4),
        ("a wrong count whose records are all read first (a bad number in one beyond it)",
         block(balances=('balance "a" 1', 'balance "b" 01')).replace("balances 2",
                                                                     "balances 1"),
         code.LEGACY_NUMBER, 5),
        # rule 5: lines after a string that spans lines
        ("a fault after a string that spans lines: its physical line",
         block(balances=('balance "x\ny"z 1',)), code.LEGACY_SYNTAX, 5),
        ("a bad escape in a string that spans lines: the line of its backslash",
         block(balances=('balance "x\ny\\t" 1',)), code.LEGACY_BAD_QUOTE, 5),
        # rule 6: the end of the file
        ("a torn write inside a string on the last line", EMPTY_BLOCK + block(
            balances=('balance "alice" 1',)).split("alice")[0] + "al",
         code.LEGACY_UNTERMINATED_BLOCK, 10),
        ("a torn write inside a string opened on an earlier line",
         block(balances=('balance "x\nyz" 1',)).split("yz")[0] + "y",
         code.LEGACY_UNTERMINATED_BLOCK, 1),
        ("a torn write right after a backslash in a string",
         block(balances=('balance "a\\\\" 1',)).split("\\\\")[0] + "\\",
         code.LEGACY_UNTERMINATED_BLOCK, 1),
        ("a torn last line with a fault before the cut: the fault",
         block(balances=('balance "a"x 1',)).split("x 1")[0] + "x",
         code.LEGACY_SYNTAX, 4),
        ("a torn write between CR and LF", EMPTY_BLOCK.replace("pegins 0\n", "pegins 0\r")
         .split("\r")[0] + "\r", code.LEGACY_UNTERMINATED_BLOCK, 1),
        ("a string never closed in a file that ends in LF, over several lines",
         block(balances=('balance "x\ny 1',)), code.LEGACY_BAD_QUOTE, 4),
        ("the torn first line of a next block", EMPTY_BLOCK + "SNAPSH",
         code.LEGACY_UNTERMINATED_BLOCK, 10),
        ("the torn first line of a next block, cut inside its CR LF",
         EMPTY_BLOCK + "SNAPSHOT v1\r", code.LEGACY_UNTERMINATED_BLOCK, 10),
        ("text without LF after the last block", EMPTY_BLOCK + "hello",
         code.LEGACY_SYNTAX, 10),
        ("a complete word where END_SNAPSHOT is expected, cut after it",
         EMPTY_BLOCK.replace("END_SNAPSHOT\n", "SNAPSHOT v1"), code.LEGACY_SYNTAX, 9),
        ("END_SNAPSHOT cut inside its word", EMPTY_BLOCK[:-5], code.LEGACY_UNTERMINATED_BLOCK,
         1),
    ):  # fmt: skip
        invalid(tests, text=text, comment=comment, code=fault, line=line)
    long_line = f'balance "{"x" * MAX_LEGACY_LINE_BYTES}" 1'
    invalid(tests, "whole-file checks first: a long line after an invalid byte",
            block(balances=('balance "\udcff" 1', long_line)).encode("utf-8", "surrogateescape"),
            code.LEGACY_LINE_TOO_LONG, 5)  # fmt: skip
    invalid(tests, "whole-file checks first: an invalid byte after a syntax fault",
            ("hello\n" + block(balances=('balance "\udcff" 1',))).encode(
                "utf-8", "surrogateescape"), code.LEGACY_NOT_UTF8, 5)  # fmt: skip
    valid(tests, "a CR and a CR LF inside strings are part of them (std::quoted writes them)",
          block(balances=('balance "a\rb" 1', 'balance "c\r\nd" 2')),
          ("Quoting", "Weakness"))  # fmt: skip

    tests = vf.group("warnings in reading order")
    valid(tests, "duplicate, colon, newline: field by field, each on the line its field starts",
          block(escrows=('escrow "t" "c" 1 1 1', 'escrow "t" "x:\ny" 1 1 1',
                         'escrow "u\nv" "p:q" 1 1 1')),
          ("Weakness",))  # fmt: skip
    valid(tests, "newline warnings for anchor strings, no colon warnings for them",
          anchored(block(balances=('balance "alice" 1',)), metadata="m\nn"),
          ("Weakness", "Quoting"))  # fmt: skip
    valid(tests, "a duplicate for every occurrence after the first",
          block(pegouts=('pegout "o" "a" "b" 1 1 4 "" 0 0',) * 3), ("Weakness",))  # fmt: skip


def _conversion(vf: Any, invalid: Callable[..., None], valid: Callable[..., None]) -> None:
    """docs/legacy.md 5: what converts, and the first fault in reading order."""
    tests = vf.group("converted")
    for status, name in ((0, "INITIATED"), (1, "PENDING_BTC_CONF"), (2, "BTC_CONFIRMED"),
                         (7, "FAILED")):  # fmt: skip
        valid(tests, f"peg-in status {status} ({name})",
              block(pegins=(f'pegin "p" "{TXID}" 1 5000 "s" "alice" {status} 1 2 3',)),
              ("Convert",), convert="legacy-v1")  # fmt: skip
    valid(
        tests,
        "an empty payloadHash becomes SHA-256 of no bytes",
        block(tasks=('task "t" 1 3 "s" 7 "" ""',)),
        ("Convert",),
        convert="legacy-v1",
    )
    valid(tests, "a negative taskType becomes its decimal text",
          block(tasks=(f'task "t" -1 0 "s" 0 "{PAYLOAD_HASH}" ""',)), ("Convert",),
          convert="legacy-v1")  # fmt: skip
    valid(tests, "the largest timestamp_ms and balances total that convert",
          block(timestamp=2**53 - 1, balances=(f'balance "a" {2_000_000_000_000_000}',
                                               f'balance "b" {100_000_000_000_000}')),
          ("Convert",), convert="legacy-v1")  # fmt: skip
    valid(tests, "fields left out are not checked (hashes of peg-outs and tasks)",
          block(pegouts=('pegout "o" "a" "b" 1 1 4 "not hex" 0 0',),
                tasks=(f'task "t" 0 0 "s" 0 "{PAYLOAD_HASH}" "NOT HEX"',)),
          ("Convert",), convert="legacy-v1")  # fmt: skip
    valid(tests, "btcTxId in display order, taken as it is (no byte reversal)",
          block(pegins=(f'pegin "p" "{"00" * 31 + "01"}" 0 5 "s" "alice" 3 0 0 0',),
                balances=('balance "alice" 5',)),
          ("Convert",), convert="other-chain")  # fmt: skip

    tests = vf.group("conversion order")
    for comment, text, line in (
        ("a timestamp_ms over 2^53 - 1, on its line",
         EMPTY_BLOCK + block(timestamp=2**53, balances=('balance "a\tb" 1',)), 11),
        ("the running total over 21 million BTC: the balance that carries it over",
         block(balances=(f'balance "a" {2_000_000_000_000_000}',
                         f'balance "b" {100_000_000_000_001}', 'balance "c" 0')), 5),
        ("two peg-ins with one outpoint and different pegIds",
         block(pegins=(f'pegin "p" "{TXID}" 0 5 "s" "a" 3 0 0 0',
                       f'pegin "q" "{TXID}" 0 6 "s" "b" 3 0 0 0')), 7),
        ("a bad id before a duplicate id: the bad id",
         block(balances=('balance "a" 1', 'balance "b\tc" 1', 'balance "a" 2')), 5),
        ("a duplicate escrow taskId (left out, still refused) before a peg-in fault",
         block(escrows=('escrow "t" "c" 1 1 0', 'escrow "t" "d" 1 1 0'),
               pegins=(f'pegin "p" "{TXID}" 0 5 "s" "a" 4 0 0 0',)), 6),
        ("a duplicate peg-out pegId (left out, still refused)",
         block(pegouts=('pegout "o" "a" "b" 1 1 4 "" 0 0', 'pegout "o" "a" "b" 2 2 4 "" 0 0')),
         8),
        ("a btcTxId in uppercase hex", block(pegins=(f'pegin "p" "{TXID.upper()}" 0 5 "s" "a" '
                                                     '3 0 0 0',)), 6),
        ("a peg-in btcAmount over 21 million BTC",
         block(pegins=(f'pegin "p" "{TXID}" 0 2100000000000001 "s" "a" 3 0 0 0',)), 6),
        ("an id not in NFC (spec.md 5)", block(balances=('balance "e\u0301" 1',)), 4),
        ("an id with a private-use code point (Co)", block(balances=('balance "\ue000" 1',)),
         4),
        ("an id with a line separator (Zl)", block(tasks=('task "t" 0 0 "\u2028" 0 "" ""',)), 8),
    ):  # fmt: skip
        invalid(tests, f"convert: {comment}", text, ReasonCode.LEGACY_NOT_CONVERTIBLE, line,
                ("Convert",), convert="legacy-v1")  # fmt: skip
    invalid(tests, "convert: a chain id that is not a native id, before the block's faults",
            EMPTY_BLOCK + block(timestamp=2**53), ReasonCode.LEGACY_NOT_CONVERTIBLE, 10,
            ("Convert",), convert="")  # fmt: skip
