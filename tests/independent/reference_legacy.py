"""A second implementation of docs/legacy.md (the original node's SNAPSHOT v1 files).

Written from the text of docs/legacy.md (and the native snapshot rules of docs/spec.md
it refers to, through ``tests.independent.reference``) alone: the strict reader of
section 1 with its line numbers, the v1 root of section 2, the anchor rules of section
3, the warnings of section 4 and the conversion of section 5. Every fault raises
``LegacyRejected(code, line)`` (a ``Rejected``) for the first one in reading order.

The first review's findings (where the text was silent or contradicted the vectors)
were closed in the text; every order and line here follows section 1's rules 1-6,
section 4's reading order and section 5's conversion order as now written, and
tests/test_legacy.py fuzzes this module against ailee.legacy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from tests.independent.reference import MAX_AMOUNT, Rejected, k_id, state_root

MAX_FILE = 67_108_864
MAX_LINE = 65_536
U64 = 2**64 - 1
U32 = 2**32 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MAX_TIMESTAMP = 2**53 - 1
EMPTY_ROOT = "c8113438d69a00d3e8efc6ce769d3bfe325b498060fb9a2070a38456b00a0005"


class LegacyRejected(Rejected):
    """A legacy fault: its code and the line its message starts with (1-based)."""

    def __init__(self, code: str, line: int) -> None:
        super().__init__(code)
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}"


# --- 1. the file: record layouts ------------------------------------------------------

# (section count tag, record tag, id field, [(field, kind)]); kinds: q (std::quoted),
# u64, u32, int, bool (<0|1>).
SECTIONS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("balances", "balance", "peerId", [("peerId", "q"), ("balance", "u64")]),
    ("escrows", "escrow", "taskId",
     [("taskId", "q"), ("clientPeerId", "q"), ("amount", "u64"), ("locked", "bool"),
      ("createdAt", "u64")]),
    ("pegins", "pegin", "pegId",
     [("pegId", "q"), ("btcTxId", "q"), ("vout", "u32"), ("btcAmount", "u64"),
      ("btcSource", "q"), ("aileeDest", "q"), ("status", "int"), ("confirmations", "u64"),
      ("initiatedTime", "u64"), ("completedTime", "u64")]),
    ("pegouts", "pegout", "pegId",
     [("pegId", "q"), ("aileeSource", "q"), ("btcDest", "q"), ("aileeBurnAmount", "u64"),
      ("btcReleaseAmount", "u64"), ("status", "int"), ("anchorCommitmentHash", "q"),
      ("initiatedTime", "u64"), ("completedTime", "u64")]),
    ("tasks", "task", "taskId",
     [("taskId", "q"), ("taskType", "int"), ("priority", "int"), ("submitterId", "q"),
      ("submittedAtMs", "u64"), ("payloadHash", "q"), ("anchorCommitmentHash", "q")]),
]  # fmt: skip
ANCHOR = [("l2StateRoot", "q"), ("timestampMs", "u64"), ("recoveryMetadata", "q"),
          ("payload", "q"), ("hash", "q")]  # fmt: skip


@dataclass
class Record:
    line: int  # the line of its tag
    values: dict[str, Any]
    lines: dict[str, int]  # each field's first line


@dataclass
class Block:
    line: int
    timestamp_ms: int
    timestamp_line: int
    lists: dict[str, list[Record]]
    anchor: Record | None
    warnings: list[list[Any]] = field(default_factory=list)


class _Reader:
    """A cursor over the decoded text; `line` counts every LF passed."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.pos = 0
        self.line = 1
        self.block_line = 1

    def fail(self, code: str, line: int | None = None) -> None:
        raise LegacyRejected(code, self.line if line is None else line)

    def eof(self) -> None:
        """Section 1, rule 6: the end of the file inside a block."""
        self.fail("LEGACY_UNTERMINATED_BLOCK", self.block_line)

    def word(self) -> str:
        """Rule 1: the characters up to the next space, CR or LF (a tag, `v1`, `none`,
        a number); one the end of the file cuts is not judged (rule 6)."""
        s, i = self.s, self.pos
        while i < len(s) and s[i] not in " \r\n":
            i += 1
        if i == len(s):
            self.eof()
        w = s[self.pos : i]
        self.pos = i
        return w

    def expect(self, char: str) -> None:
        """One separator: a space, or the LF that ends the line (rule 2: CR LF there is
        LEGACY_LINE_ENDING; a CR that ends the file there, a cut CR LF, rule 6)."""
        s = self.s
        if self.pos >= len(s):
            self.eof()
        c = s[self.pos]
        if c == char:
            self.pos += 1
            if c == "\n":
                self.line += 1
            return
        if char == "\n" and c == "\r":
            if self.pos + 1 == len(s):
                self.eof()
            if s[self.pos + 1] == "\n":
                self.fail("LEGACY_LINE_ENDING")
        self.fail("LEGACY_SYNTAX")

    def tag(self, expected: str) -> None:
        if self.word() != expected:
            self.fail("LEGACY_SYNTAX")

    def number(self, kind: str) -> int:
        w = self.word()
        negative = kind == "int" and w.startswith("-")
        digits = w[1:] if negative else w
        ok = bool(digits) and all(c in "0123456789" for c in digits)
        ok = ok and (digits == "0" or digits[0] != "0")
        value = 0
        if ok:
            value = -int(digits) if negative else int(digits)
            lo, hi = {"u64": (0, U64), "u32": (0, U32), "int": (INT_MIN, INT_MAX),
                      "bool": (0, 1)}[kind]  # fmt: skip
            ok = lo <= value <= hi and not (negative and digits == "0")
        if not ok:
            self.fail("LEGACY_NUMBER")
        return value

    def quoted(self) -> str:
        s, start, first = self.s, self.pos, self.line
        if start >= len(s):
            self.eof()
        if s[start] != '"':
            self.fail("LEGACY_BAD_QUOTE")
        i, out, line = start + 1, [], first
        while True:
            if i >= len(s) or ((c := s[i]) == "\\" and i + 1 == len(s)):
                # Rule 6: still open at the end of the file: a torn write unless the
                # file's last byte is LF (then a string never closed, rule 5).
                if not s.endswith("\n"):
                    self.eof()
                self.fail("LEGACY_BAD_QUOTE", first)
            if c == "\\":
                if s[i + 1] in '"\\':
                    out.append(s[i + 1])
                    i += 2
                    continue
                self.fail("LEGACY_BAD_QUOTE", line)  # rule 5: the line of its backslash
            i += 1
            if c == '"':
                break
            if c == "\n":
                line += 1
            out.append(c)
        self.pos, self.line = i, line
        return "".join(out)

    def fields(self, spec: list[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, int]]:
        """The fields after a tag: each preceded by one space, then the LF."""
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for name, kind in spec:
            self.expect(" ")
            lines[name] = self.line
            values[name] = self.quoted() if kind == "q" else self.number(kind)
        self.expect("\n")
        return values, lines

    def block(self) -> Block:
        first = self.block_line = self.line
        self.tag("SNAPSHOT")
        self.expect(" ")
        self.tag("v1")
        self.expect("\n")
        self.tag("timestamp_ms")
        self.expect(" ")
        ts_line = self.line
        timestamp = self.number("u64")
        self.expect("\n")
        lists: dict[str, list[Record]] = {}
        tag_line = self.line
        w = self.word()
        for index, (count_tag, rec_tag, _, spec) in enumerate(SECTIONS):
            if w != count_tag:
                self.fail("LEGACY_SYNTAX", tag_line)
            count_line = self.line
            self.expect(" ")
            count = self.number("u64")
            self.expect("\n")
            records: list[Record] = []
            while True:
                tag_line = self.line
                w = self.word()
                if w != rec_tag:
                    break
                values, lines = self.fields(spec)
                records.append(Record(tag_line, values, lines))
            following = SECTIONS[index + 1][0] if index + 1 < len(SECTIONS) else "anchor"
            # Rule 3: the word after the list is the next section's, then the count.
            if w != following:
                self.fail("LEGACY_SYNTAX", tag_line)
            if len(records) != count:
                self.fail("LEGACY_COUNT_MISMATCH", count_line)
            lists[rec_tag] = records
        anchor_line = self.line
        self.expect(" ")
        anchor: Record | None = None
        if self.pos < len(self.s) and self.s[self.pos] == '"':
            self.pos -= 1  # fields() reads the space before each field
            values, lines = self.fields(ANCHOR)
            anchor = Record(anchor_line, values, lines)
        else:  # rule 4
            if self.word() != "none":
                self.fail("LEGACY_SYNTAX")
            self.expect("\n")
        self.tag("END_SNAPSHOT")
        self.expect("\n")
        return Block(first, timestamp, ts_line, lists, anchor)


def read_file(data: bytes) -> list[Block]:
    """Section 1: every block of a file, or LegacyRejected for its first fault."""
    # The whole file first: size, every line's length, UTF-8, empty.
    if len(data) > MAX_FILE:
        raise LegacyRejected("INPUT_TOO_LARGE", 1)
    for number, physical in enumerate(data.split(b"\n"), 1):
        if len(physical) > MAX_LINE:
            raise LegacyRejected("LEGACY_LINE_TOO_LONG", number)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LegacyRejected("LEGACY_NOT_UTF8", data[: exc.start].count(b"\n") + 1) from None
    if not text:
        raise LegacyRejected("LEGACY_EMPTY", 1)
    # The bytes after the last LF: a torn last write (section 1).
    torn = text.rfind("\n") + 1
    reader = _Reader(text)
    blocks: list[Block] = []
    while reader.pos < len(text):
        line = reader.line
        if reader.pos >= torn:
            # Rule 6: a last line without its LF between blocks is the torn start of
            # a block when it is a beginning of "SNAPSHOT v1" (or that line and a CR,
            # a cut CR LF), text outside a block otherwise.
            rest = text[reader.pos :]
            torn_start = "SNAPSHOT v1".startswith(rest) or rest == "SNAPSHOT v1\r"
            code = "LEGACY_UNTERMINATED_BLOCK" if torn_start else "LEGACY_SYNTAX"
            raise LegacyRejected(code, line)
        blocks.append(reader.block())
    for block in blocks:
        block.warnings = warnings(block)
    return blocks


# --- 2. the v1 root -------------------------------------------------------------------


def _sorted(block: Block, rec_tag: str, id_field: str) -> list[Record]:
    # Python's sort is stable: equal ids stay in file order (section 4, duplicate).
    return sorted(block.lists[rec_tag], key=lambda r: r.values[id_field].encode())


def v1_text(block: Block) -> str:
    lines = ["L2STATE|v1"]
    for count_tag, rec_tag, id_field, spec in SECTIONS:
        records = _sorted(block, rec_tag, id_field)
        lines.append(f"{count_tag}:{len(records)}")
        for r in records:
            # Strings raw, numbers plain decimal, booleans 1/0 (already ints here).
            lines.append(":".join([rec_tag] + [str(r.values[name]) for name, _ in spec]))
    return "".join(line + "\n" for line in lines)


def v1_root(block: Block) -> str:
    return hashlib.sha256(v1_text(block).encode()).hexdigest()


# --- 3. anchor rules ------------------------------------------------------------------


def anchor_checks(block: Block) -> dict[str, str]:
    if block.anchor is None:
        return {}
    a = block.anchor.values
    root_ok = a["l2StateRoot"] == v1_root(block)
    hash_ok = a["hash"] == hashlib.sha256(a["payload"].encode()).hexdigest()
    payload_ok = a["payload"] == f"{a['l2StateRoot']}:{a['timestampMs']}:{a['recoveryMetadata']}"
    return {
        "anchor.root": "ok" if root_ok else "LEGACY_ANCHOR_ROOT_MISMATCH",
        "anchor.hash": "ok" if hash_ok else "LEGACY_ANCHOR_HASH_MISMATCH",
        "anchor.payload": "ok" if payload_ok else "LEGACY_ANCHOR_PAYLOAD_MISMATCH",
    }


# --- 4. warnings ----------------------------------------------------------------------


def warnings(block: Block) -> list[list[Any]]:
    """[kind, line, field] in reading order (section 4): record by record, field by
    field; for one field `colon`, `newline`, `duplicate`; the line the field starts on;
    `duplicate` for every occurrence after the first; `newline` for the anchor's
    strings too, `colon` only for strings of hashed records."""
    out: list[list[Any]] = []
    for _, rec_tag, id_field, spec in SECTIONS:
        seen: set[str] = set()
        for r in block.lists[rec_tag]:
            for name, kind in spec:
                if kind != "q":
                    continue
                if ":" in r.values[name]:
                    out.append(["colon", r.lines[name], name])
                if "\n" in r.values[name]:
                    out.append(["newline", r.lines[name], name])
                if name == id_field:
                    if r.values[id_field] in seen:
                        out.append(["duplicate", r.lines[name], id_field])
                    seen.add(r.values[id_field])
    if block.anchor is not None:
        for name, kind in ANCHOR:
            if kind == "q" and "\n" in block.anchor.values[name]:
                out.append(["newline", block.anchor.lines[name], name])
    return out


def block_result(block: Block) -> dict[str, Any]:
    return {
        "line": block.line,
        "root": v1_root(block),
        "anchor_checks": anchor_checks(block),
        "warnings": block.warnings,
    }


def first_anchor_failure(blocks: list[Block]) -> str | None:
    for block in blocks:
        for outcome in anchor_checks(block).values():
            if outcome != "ok":
                return outcome
    return None


# --- 5. conversion --------------------------------------------------------------------

PEGIN_STATUS = {0: "pending", 1: "pending", 2: "confirmed", 3: "minted", 7: "rejected"}


def _refuse(line: int) -> None:
    raise LegacyRejected("LEGACY_NOT_CONVERTIBLE", line)


def _native_id(value: str, line: int) -> str:
    try:
        return str(k_id(value, True))
    except Rejected:
        _refuse(line)
    raise AssertionError  # unreachable


def _hash32(value: str, line: int) -> bytes:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        _refuse(line)
    return bytes.fromhex(value)


def to_native(block: Block, chain_id: str) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Section 5: the native header and sections of a block, or NOT_CONVERTIBLE.

    Faults in reading order: the chain id (the block's line), the timestamp (its line),
    then the records in file order: the record's id against the earlier ids of its
    list (every list, escrows and peg-outs too), its fields in file order, then a
    peg-in's outpoint against the earlier peg-ins; the 21 M BTC total fails on the
    balance that first carries the running total over it.
    """
    _native_id(chain_id, block.line)
    if block.timestamp_ms > MAX_TIMESTAMP:
        _refuse(block.timestamp_line)
    header = {"version": 2, "chain_id": chain_id, "sequence": 0,
              "prev_state_root": bytes(32), "timestamp_ms": block.timestamp_ms}  # fmt: skip
    accounts: list[dict[str, Any]] = []
    pegins: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    total = 0
    for _, rec_tag, id_field, _spec in SECTIONS:
        ids: set[str] = set()
        keys: set[tuple[bytes, int]] = set()
        for r in block.lists[rec_tag]:
            v, line = r.values, r.line
            if v[id_field] in ids:  # a duplicate legacy id, in any list
                _refuse(line)
            ids.add(v[id_field])
            if rec_tag == "balance":
                peer = _native_id(v["peerId"], line)
                if v["balance"] > MAX_AMOUNT:
                    _refuse(line)
                total += v["balance"]
                if total > MAX_AMOUNT:
                    _refuse(line)
                accounts.append({"id": peer, "balance": v["balance"], "nonce": 0})
            elif rec_tag == "pegin":
                txid = _hash32(v["btcTxId"], line)
                if v["btcAmount"] > MAX_AMOUNT:
                    _refuse(line)
                dest = _native_id(v["aileeDest"], line)
                if v["status"] not in PEGIN_STATUS:
                    _refuse(line)
                if (txid, v["vout"]) in keys:  # two peg-ins with one native key
                    _refuse(line)
                keys.add((txid, v["vout"]))
                pegins.append({"btc_txid": txid, "vout": v["vout"], "amount": v["btcAmount"],
                               "l2_destination": dest, "status": PEGIN_STATUS[v["status"]],
                               "fee": 0, "epoch": 0})  # fmt: skip
            elif rec_tag == "task":
                task_id = _native_id(v["taskId"], line)
                task_type = _native_id(str(v["taskType"]), line)
                if not 0 <= v["priority"] <= 255:
                    _refuse(line)
                submitter = _native_id(v["submitterId"], line)
                payload = v["payloadHash"]
                digest = hashlib.sha256(b"").digest() if payload == "" else _hash32(payload, line)
                tasks.append({"id": task_id, "task_type": task_type,
                              "priority": v["priority"], "submitter": submitter,
                              "payload_hash": digest, "assignment": None,
                              "decision": None, "result": None})  # fmt: skip
            # escrow, pegout: left out (only their ids are checked, above)
    sections = {
        "accounts": sorted(accounts, key=lambda r: r["id"].encode()),
        "pegins": sorted(pegins, key=lambda r: r["btc_txid"] + r["vout"].to_bytes(4, "big")),
        "tasks": sorted(tasks, key=lambda r: r["id"].encode()),
    }
    return header, sections


def native_root(block: Block, chain_id: str) -> str:
    header, sections = to_native(block, chain_id)
    return state_root(header, sections).hex()


# --- 7. one vector --------------------------------------------------------------------


def _same_line(exc: LegacyRejected, case: dict[str, Any]) -> None:
    """Section 1: the message starts `line <n>: `; the vectors give n."""
    if exc.line != case.get("line"):
        raise AssertionError(f"{exc} where the vector gives line {case.get('line')}")


def run_case(case: dict[str, Any]) -> None:
    """One vector of schema ailee_legacy_v1; raises LegacyRejected/Rejected(code)."""
    data = bytes.fromhex(case["text_hex"]) if "text_hex" in case else case["text"].encode()
    try:
        blocks = read_file(data)
    except LegacyRejected as exc:
        _same_line(exc, case)
        raise
    assert [block_result(b) for b in blocks] == case["expected"]["blocks"]
    failure = first_anchor_failure(blocks)
    if failure is not None:
        raise Rejected(failure)
    if "convert" in case:
        try:
            root = native_root(blocks[-1], case["convert"]["chain_id"])
        except LegacyRejected as exc:
            _same_line(exc, case)
            raise
        assert root == case["convert"]["root"]
