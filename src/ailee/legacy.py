"""The original node's ``SNAPSHOT v1`` text files: read strictly, hash, check, convert.

The original C++ node (``dfeen87/AILEE-Protocol-Core-For-Bitcoin``, ``src/l2/L2State.cpp``)
appends one block per snapshot to a text file, strings in C++ ``std::quoted`` form, and
commits to a snapshot with its *v1 root*: one SHA-256, in lowercase hex, over the text
``L2STATE|v1\\n`` followed by one line per record (``docs/legacy.md`` gives every byte).

This module is pure (bytes in, values out):

- :func:`parse_legacy` reads every block of a file into frozen records, refusing
  anything the original's writer cannot have written (``LEGACY_*`` codes, each message
  starting ``line <n>: ``);
- :func:`legacy_root_text` and :func:`legacy_root` compute the v1 root exactly as the
  original does;
- :func:`check_legacy` applies the original's anchor rules, plus the payload rule, and
  lists the format's known weaknesses found in the file as warnings;
- :func:`to_native` converts one block into a native :class:`~ailee.snapshot.Snapshot`,
  with notes naming every field that has no native equivalent;
- :func:`format_legacy` and :func:`quote` write the format back, byte for byte as the
  original's writer does (they pair with :func:`parse_legacy`).

Consensus note: the v1 root is the original's commitment and is computed here only to
check files; ailee's own commitment is :class:`~ailee.stateroot.L2StateRoot`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from ailee.bridge import conservation_difference
from ailee.errors import AileeError, DecodeError, ReasonCode
from ailee.fields import check_id
from ailee.limits import MAX_AMOUNT, MAX_UINT
from ailee.snapshot import Snapshot
from ailee.state import FORMAT_VERSION, ZERO_ROOT, Account, Header, L2State, PegIn, Task

__all__ = [
    "LEGACY_END",
    "LEGACY_HEADER",
    "MAX_LEGACY_FILE_BYTES",
    "MAX_LEGACY_LINE_BYTES",
    "PEG_STATUS_NAMES",
    "LegacyAnchor",
    "LegacyBalance",
    "LegacyBlockReport",
    "LegacyCheck",
    "LegacyEscrow",
    "LegacyFile",
    "LegacyPegIn",
    "LegacyPegOut",
    "LegacyReport",
    "LegacySnapshot",
    "LegacyTask",
    "LegacyWarning",
    "anchor_payload",
    "check_legacy",
    "format_legacy",
    "legacy_root",
    "legacy_root_text",
    "native_check_failures",
    "parse_legacy",
    "quote",
    "to_native",
]

#: The first line of a block, and its last.
LEGACY_HEADER: Final = "SNAPSHOT v1"
LEGACY_END: Final = "END_SNAPSHOT"
#: Largest legacy file accepted (INPUT_TOO_LARGE).
MAX_LEGACY_FILE_BYTES: Final = 64 * 1024 * 1024
#: Longest physical line, newline excluded, in bytes (LEGACY_LINE_TOO_LONG).
MAX_LEGACY_LINE_BYTES: Final = 65_536
#: The original's ``PegStatus`` enum (``src/l2/ailee_sidechain_bridge.h``), by value.
PEG_STATUS_NAMES: Final = (
    "INITIATED",
    "PENDING_BTC_CONF",
    "BTC_CONFIRMED",
    "MINTED",
    "BURN_INITIATED",
    "PENDING_PEGOUT",
    "COMPLETED",
    "FAILED",
    "EMERGENCY_RECOVERY",
)
_U32: Final = 0xFFFF_FFFF
_U64: Final = 0xFFFF_FFFF_FFFF_FFFF
_INT_MIN: Final = -(1 << 31)
_INT_MAX: Final = (1 << 31) - 1
_HEX: Final = frozenset("0123456789abcdef")


# --- records -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LegacyBalance:
    """``balance "<peerId>" <balance>``; ``line`` is where the record starts."""

    peer_id: str
    balance: int
    line: int = 0


@dataclass(frozen=True, slots=True)
class LegacyEscrow:
    """``escrow "<taskId>" "<clientPeerId>" <amount> <0|1> <createdAt>``."""

    task_id: str
    client_peer_id: str
    amount: int
    locked: bool
    created_at: int
    line: int = 0


@dataclass(frozen=True, slots=True)
class LegacyPegIn:
    """``pegin "<pegId>" "<btcTxId>" <vout> <btcAmount> "<btcSource>" "<aileeDest>"
    <status> <confirmations> <initiatedTime> <completedTime>``; ``status`` is the
    original's ``PegStatus`` as a C++ ``int`` (see :data:`PEG_STATUS_NAMES`)."""

    peg_id: str
    btc_txid: str
    vout: int
    btc_amount: int
    btc_source: str
    ailee_dest: str
    status: int
    confirmations: int
    initiated_time: int
    completed_time: int
    line: int = 0


@dataclass(frozen=True, slots=True)
class LegacyPegOut:
    """``pegout "<pegId>" "<aileeSource>" "<btcDest>" <burn> <release> <status>
    "<anchorCommitmentHash>" <initiatedTime> <completedTime>``."""

    peg_id: str
    ailee_source: str
    btc_dest: str
    burn_amount: int
    release_amount: int
    status: int
    anchor_commitment_hash: str
    initiated_time: int
    completed_time: int
    line: int = 0


@dataclass(frozen=True, slots=True)
class LegacyTask:
    """``task "<taskId>" <taskType> <priority> "<submitterId>" <submittedAtMs>
    "<payloadHash>" "<anchorCommitmentHash>"``; type and priority are C++ ``int``."""

    task_id: str
    task_type: int
    priority: int
    submitter_id: str
    submitted_at_ms: int
    payload_hash: str
    anchor_commitment_hash: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class LegacyAnchor:
    """``anchor "<root>" <timestampMs> "<recoveryMetadata>" "<payload>" "<hash>"``."""

    state_root: str
    timestamp_ms: int
    recovery_metadata: str
    payload: str
    hash: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class LegacySnapshot:
    """One block, ``SNAPSHOT v1`` (on ``line``) to ``END_SNAPSHOT`` (on ``end_line``),
    records in file order; ``anchor`` is None for ``anchor none``."""

    timestamp_ms: int
    balances: tuple[LegacyBalance, ...] = ()
    escrows: tuple[LegacyEscrow, ...] = ()
    pegins: tuple[LegacyPegIn, ...] = ()
    pegouts: tuple[LegacyPegOut, ...] = ()
    tasks: tuple[LegacyTask, ...] = ()
    anchor: LegacyAnchor | None = None
    line: int = 0
    end_line: int = 0


@dataclass(frozen=True, slots=True)
class LegacyFile:
    """Every block of a legacy file, in file order. The original node loads the last."""

    snapshots: tuple[LegacySnapshot, ...]


# --- std::quoted and the writer ------------------------------------------------------


def quote(text: str) -> str:
    """``text`` as C++ ``std::quoted`` writes it: in ``"``, with ``"`` and ``\\`` escaped
    by a ``\\``; every other character (newlines included) as it is."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _block_lines(snapshot: LegacySnapshot) -> Iterable[str]:
    q = quote
    yield LEGACY_HEADER
    yield f"timestamp_ms {snapshot.timestamp_ms}"
    yield f"balances {len(snapshot.balances)}"
    for b in snapshot.balances:
        yield f"balance {q(b.peer_id)} {b.balance}"
    yield f"escrows {len(snapshot.escrows)}"
    for e in snapshot.escrows:
        yield (
            f"escrow {q(e.task_id)} {q(e.client_peer_id)} {e.amount} {int(e.locked)} {e.created_at}"
        )
    yield f"pegins {len(snapshot.pegins)}"
    for p in snapshot.pegins:
        yield (
            f"pegin {q(p.peg_id)} {q(p.btc_txid)} {p.vout} {p.btc_amount} {q(p.btc_source)} "
            f"{q(p.ailee_dest)} {p.status} {p.confirmations} {p.initiated_time} "
            f"{p.completed_time}"
        )
    yield f"pegouts {len(snapshot.pegouts)}"
    for o in snapshot.pegouts:
        yield (
            f"pegout {q(o.peg_id)} {q(o.ailee_source)} {q(o.btc_dest)} {o.burn_amount} "
            f"{o.release_amount} {o.status} {q(o.anchor_commitment_hash)} "
            f"{o.initiated_time} {o.completed_time}"
        )
    yield f"tasks {len(snapshot.tasks)}"
    for t in snapshot.tasks:
        yield (
            f"task {q(t.task_id)} {t.task_type} {t.priority} {q(t.submitter_id)} "
            f"{t.submitted_at_ms} {q(t.payload_hash)} {q(t.anchor_commitment_hash)}"
        )
    a = snapshot.anchor
    if a is None:
        yield "anchor none"
    else:
        yield (
            f"anchor {q(a.state_root)} {a.timestamp_ms} {q(a.recovery_metadata)} "
            f"{q(a.payload)} {q(a.hash)}"
        )
    yield LEGACY_END


def format_legacy(snapshots: Sequence[LegacySnapshot]) -> bytes:
    """The file the original's writer appends for ``snapshots``, in UTF-8 (the pair of
    :func:`parse_legacy`: records in the order given, ``line`` fields ignored)."""
    return "".join(line + "\n" for snapshot in snapshots for line in _block_lines(snapshot)).encode(
        "utf-8"
    )


def anchor_payload(state_root: str, timestamp_ms: int, recovery_metadata: str) -> str:
    """The payload an anchor commits to: ``<root>:<timestampMs>:<recoveryMetadata>``."""
    return f"{state_root}:{timestamp_ms}:{recovery_metadata}"


# --- the strict reader ---------------------------------------------------------------


def _error(code: ReasonCode, line: int, message: str) -> DecodeError:
    return DecodeError(code, f"line {line}: {message}")


class _Reader:
    """A cursor over the text of a file, counting lines (quoted strings may hold newlines)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.block_line = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def mark(self) -> tuple[int, int]:
        return self.pos, self.line

    def reset(self, mark: tuple[int, int]) -> None:
        self.pos, self.line = mark

    def _eof(self) -> DecodeError:
        return _error(
            ReasonCode.LEGACY_UNTERMINATED_BLOCK,
            self.block_line,
            f"the file ends before the {LEGACY_END} of the block that starts here",
        )

    def word(self) -> str:
        """The characters up to the next space, newline, CR or the end."""
        if self.at_end():
            raise self._eof()
        start = self.pos
        text = self.text
        while self.pos < len(text) and text[self.pos] not in " \n\r":
            self.pos += 1
        if self.pos >= len(text):  # every line of a block ends in a newline
            raise self._eof()
        return text[start : self.pos]

    def space(self, after: str) -> None:
        if self.at_end():
            raise self._eof()
        if self.text[self.pos] != " ":
            raise self._stray(f"a space after {after}")
        self.pos += 1

    def end_of_line(self, after: str) -> None:
        if self.at_end() or self.text[self.pos :] == "\r":  # cut before (or inside) CR LF
            raise self._eof()
        char = self.text[self.pos]
        if char == "\n":
            self.pos += 1
            self.line += 1
            return
        if self.text.startswith("\r\n", self.pos):
            raise _error(
                ReasonCode.LEGACY_LINE_ENDING,
                self.line,
                "the line ends in CR LF; the original writes LF only (convert the file back)",
            )
        raise self._stray(f"the end of the line after {after}")

    def _stray(self, expected: str) -> DecodeError:
        found = self.text[self.pos]
        return _error(ReasonCode.LEGACY_SYNTAX, self.line, f"expected {expected}, found {found!r}")

    def _open_string(self, what: str, start_line: int) -> DecodeError:
        """The end of the file inside a quoted string: a torn write when the file's last
        byte is not LF (the writer ends every line with one), else a string never closed."""
        if not self.text.endswith("\n"):
            return _error(
                ReasonCode.LEGACY_UNTERMINATED_BLOCK,
                self.block_line,
                f"the file ends before the {LEGACY_END} of the block that starts here, inside "
                f"the quoted string opened on line {start_line} (a torn last write)",
            )
        return _error(
            ReasonCode.LEGACY_BAD_QUOTE,
            start_line,
            f"{what}: the quoted string opened on this line is never closed",
        )

    def quoted(self, what: str) -> str:
        """A string in ``std::quoted`` form: only ``\\"`` and ``\\\\`` are escapes."""
        if self.at_end():
            raise self._eof()
        start_line = self.line
        if self.text[self.pos] != '"':
            raise _error(
                ReasonCode.LEGACY_BAD_QUOTE, self.line, f"{what}: expected a quoted string"
            )
        self.pos += 1
        out: list[str] = []
        text = self.text
        while True:
            end = len(text)
            stop = self.pos
            while stop < end and text[stop] not in '"\\\n':
                stop += 1
            out.append(text[self.pos : stop])
            self.pos = stop
            if stop >= end:
                raise self._open_string(what, start_line)
            char = text[stop]
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char == "\n":
                self.line += 1
                out.append("\n")
                continue
            if self.pos >= end:  # the file ends right after the backslash
                raise self._open_string(what, start_line)
            escaped = text[self.pos]
            if escaped not in ('"', "\\"):
                sequence = "\\" + escaped
                raise _error(
                    ReasonCode.LEGACY_BAD_QUOTE,
                    self.line,
                    f'{what}: {sequence!r} is not an escape std::quoted writes (only \\" and \\\\)',
                )
            out.append(escaped)
            self.pos += 1

    def number(self, what: str, low: int, high: int) -> int:
        """A plain decimal integer in ``[low, high]``: ``0`` or no leading zero, ``-``
        only for negative values, nothing else."""
        line = self.line
        token = self.word()
        digits = token[1:] if token.startswith("-") and low < 0 else token
        if (
            not digits
            or not digits.isascii()
            or not digits.isdigit()
            or (len(digits) > 1 and digits[0] == "0")
            or token == "-0"
        ):
            raise _error(
                ReasonCode.LEGACY_NUMBER, line, f"{what}: {token!r} is not a plain decimal number"
            )
        if len(digits) > 20:
            raise _error(ReasonCode.LEGACY_NUMBER, line, f"{what}: {token} is out of range")
        value = int(token)
        if not low <= value <= high:
            raise _error(
                ReasonCode.LEGACY_NUMBER, line, f"{what}: {value} is not in [{low}, {high}]"
            )
        return value

    def u64(self, what: str) -> int:
        return self.number(what, 0, _U64)

    def int32(self, what: str) -> int:
        return self.number(what, _INT_MIN, _INT_MAX)

    def whole_line(self) -> str:
        """The characters up to the next newline, CR or the end (not consumed)."""
        stop = self.pos
        text = self.text
        while stop < len(text) and text[stop] not in "\n\r":
            stop += 1
        return text[self.pos : stop]

    def fixed_line(self, expected: str) -> None:
        line = self.line
        if self.at_end():
            raise self._eof()
        token = self.whole_line()
        self.pos += len(token)
        if self.at_end():
            raise self._eof()
        if token != expected:
            raise _error(ReasonCode.LEGACY_SYNTAX, line, _expected_text(expected, token))
        self.end_of_line(expected)


def _expected_text(expected: str, token: str) -> str:
    found = "an empty line" if token == "" else repr(token)
    return f"expected {expected!r}, found {found}"


_R = TypeVar("_R")


def _fields(reader: _Reader, tag: str, spec: str) -> list[str | int]:
    """Read the fields of a record line after its tag: ``q`` quoted, ``u`` u64,
    ``v`` u32, ``i`` int32, ``b`` 0 or 1; each after one space; then the newline."""
    values: list[str | int] = []
    for index, kind in enumerate(spec):
        what = f"{tag} field {index + 1}"
        reader.space(tag if index == 0 else f"{tag} field {index}")
        if kind == "q":
            values.append(reader.quoted(what))
        elif kind == "u":
            values.append(reader.u64(what))
        elif kind == "v":
            values.append(reader.number(what, 0, _U32))
        elif kind == "i":
            values.append(reader.int32(what))
        else:
            values.append(reader.number(what, 0, 1))
    reader.end_of_line(f"{tag} field {len(spec)}")
    return values


def _section(  # noqa: PLR0917 (a section's layout, in order)
    reader: _Reader, name: str, tag: str, spec: str, build: Callable[..., _R], following: str
) -> tuple[_R, ...]:
    """``<name> <n>`` then the ``<tag>`` records that follow; ``n`` must be their count.

    The list ends at the first line whose first word is not ``tag``; that word must be
    ``following`` (the next section's, or ``anchor``), else ``LEGACY_SYNTAX`` on that
    line, before the count is compared (``LEGACY_COUNT_MISMATCH`` on the count's line)."""
    count_line = reader.line
    token = reader.word()
    if token != name:
        raise _error(ReasonCode.LEGACY_SYNTAX, count_line, _expected_text(f"{name} <n>", token))
    reader.space(name)
    count = reader.u64(f"{name} count")
    reader.end_of_line(f"{name} count")
    records: list[_R] = []
    while True:
        mark = reader.mark()
        line = reader.line
        token = reader.word()
        if token != tag:
            if token != following:
                expected = f"{tag} or {following}"
                raise _error(ReasonCode.LEGACY_SYNTAX, line, _expected_text(expected, token))
            reader.reset(mark)
            break
        records.append(build(*_fields(reader, tag, spec), line=line))
    if len(records) != count:
        raise _error(
            ReasonCode.LEGACY_COUNT_MISMATCH,
            count_line,
            f"{name} {count}, but {len(records)} {tag} line(s) follow",
        )
    return tuple(records)


def _anchor(reader: _Reader) -> LegacyAnchor | None:
    line = reader.line
    token = reader.word()
    if token != "anchor":
        raise _error(ReasonCode.LEGACY_SYNTAX, line, _expected_text("anchor", token))
    mark = reader.mark()
    reader.space("anchor")
    if not reader.at_end() and reader.text[reader.pos] != '"':
        if reader.word() == "none":
            reader.end_of_line("anchor none")
            return None
        raise _error(
            ReasonCode.LEGACY_SYNTAX, line, "expected 'anchor none' or a quoted anchor root"
        )
    reader.reset(mark)
    fields = _fields(reader, "anchor", "quqqq")
    root, timestamp, metadata, payload, digest = fields
    return LegacyAnchor(
        str(root), int(timestamp), str(metadata), str(payload), str(digest), line=line
    )


def _block(reader: _Reader) -> LegacySnapshot:
    start = reader.line
    reader.block_line = start
    reader.fixed_line(LEGACY_HEADER)
    line = reader.line
    token = reader.word()
    if token != "timestamp_ms":
        raise _error(ReasonCode.LEGACY_SYNTAX, line, _expected_text("timestamp_ms <n>", token))
    reader.space("timestamp_ms")
    timestamp = reader.u64("timestamp_ms")
    reader.end_of_line("timestamp_ms")
    balances = _section(reader, "balances", "balance", "qu", LegacyBalance, "escrows")
    escrows = _section(reader, "escrows", "escrow", "qqubu", _escrow, "pegins")
    pegins = _section(reader, "pegins", "pegin", "qqvuqqiuuu", LegacyPegIn, "pegouts")
    pegouts = _section(reader, "pegouts", "pegout", "qqquuiquu", LegacyPegOut, "tasks")
    tasks = _section(reader, "tasks", "task", "qiiquqq", LegacyTask, "anchor")
    anchor = _anchor(reader)
    end = reader.line
    token = reader.word()  # a word, as every fixed word: judged once it ends
    if token != LEGACY_END:
        raise _error(ReasonCode.LEGACY_SYNTAX, end, _expected_text(LEGACY_END, token))
    reader.end_of_line(LEGACY_END)
    return LegacySnapshot(
        timestamp, balances, escrows, pegins, pegouts, tasks, anchor, line=start, end_line=end
    )


def _escrow(
    task_id: str, client: str, amount: int, locked: int, created: int, *, line: int
) -> LegacyEscrow:
    return LegacyEscrow(task_id, client, amount, locked == 1, created, line=line)


def _check_bytes(data: bytes) -> str:
    if len(data) > MAX_LEGACY_FILE_BYTES:
        raise _error(
            ReasonCode.INPUT_TOO_LARGE,
            1,
            f"the file is {len(data)} bytes, over the limit of {MAX_LEGACY_FILE_BYTES}",
        )
    start = 0
    number = 1
    while start <= len(data):
        end = data.find(b"\n", start)
        stop = len(data) if end < 0 else end
        if stop - start > MAX_LEGACY_LINE_BYTES:
            raise _error(
                ReasonCode.LEGACY_LINE_TOO_LONG,
                number,
                f"{stop - start} bytes, over the limit of {MAX_LEGACY_LINE_BYTES}",
            )
        if end < 0:
            break
        start, number = end + 1, number + 1
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _error(
            ReasonCode.LEGACY_NOT_UTF8, line, f"byte {exc.start} is not valid UTF-8"
        ) from None


def parse_legacy(data: bytes) -> LegacyFile:
    """Read every block of a legacy ``SNAPSHOT v1`` file, strictly.

    Accepted is exactly what the original's writer produces: UTF-8, LF line endings,
    blocks one after the other with nothing between or after them, each with its lines
    in the writer's order, single spaces, plain decimal numbers in the range of their
    C++ type, strings in ``std::quoted`` form, counts equal to the records that follow.
    Raises :class:`~ailee.errors.DecodeError` with a ``LEGACY_*`` code (or
    ``INPUT_TOO_LARGE``) and a message starting ``line <n>: ``, for the first fault:
    the whole-file checks (size, line lengths, UTF-8) first, then the text front to
    back, field by field (``docs/legacy.md`` section 1 states every rule, the end of
    the file and torn last writes included)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, "legacy file data must be bytes")
    reader = _Reader(_check_bytes(bytes(data)))
    if reader.at_end():
        raise _error(ReasonCode.LEGACY_EMPTY, 1, f"the file is empty: no {LEGACY_HEADER} block")
    blocks: list[LegacySnapshot] = []
    while not reader.at_end():
        token = reader.whole_line()
        rest = reader.text[reader.pos :]
        if "\n" not in rest and (LEGACY_HEADER.startswith(rest) or rest == LEGACY_HEADER + "\r"):
            raise _error(  # the torn first write of a block: a beginning of SNAPSHOT v1
                ReasonCode.LEGACY_UNTERMINATED_BLOCK,
                reader.line,
                f"the file ends inside the first line of a block ({token!r}, a torn last write)",
            )
        if token != LEGACY_HEADER:
            where = "after the last END_SNAPSHOT" if blocks else "before the first block"
            raise _error(
                ReasonCode.LEGACY_SYNTAX,
                reader.line,
                f"{_expected_text(LEGACY_HEADER, token)} ({where})",
            )
        blocks.append(_block(reader))
    return LegacyFile(tuple(blocks))


# --- the v1 root ---------------------------------------------------------------------


def _by_id(records: Iterable[_R], key: Callable[[_R], str]) -> list[_R]:
    """Bytewise by the id's UTF-8 (``std::string``'s ``<``); equal ids keep file order."""
    return sorted(records, key=lambda record: key(record).encode("utf-8"))


def legacy_root_text(snapshot: LegacySnapshot) -> bytes:
    """The exact bytes the original hashes for its v1 root (``docs/legacy.md``)."""
    lines = ["L2STATE|v1", f"balances:{len(snapshot.balances)}"]
    for b in _by_id(snapshot.balances, lambda r: r.peer_id):
        lines.append(f"balance:{b.peer_id}:{b.balance}")
    lines.append(f"escrows:{len(snapshot.escrows)}")
    for e in _by_id(snapshot.escrows, lambda r: r.task_id):
        lines.append(
            f"escrow:{e.task_id}:{e.client_peer_id}:{e.amount}:{int(e.locked)}:{e.created_at}"
        )
    lines.append(f"pegins:{len(snapshot.pegins)}")
    for p in _by_id(snapshot.pegins, lambda r: r.peg_id):
        lines.append(
            f"pegin:{p.peg_id}:{p.btc_txid}:{p.vout}:{p.btc_amount}:{p.btc_source}:"
            f"{p.ailee_dest}:{p.status}:{p.confirmations}:{p.initiated_time}:{p.completed_time}"
        )
    lines.append(f"pegouts:{len(snapshot.pegouts)}")
    for o in _by_id(snapshot.pegouts, lambda r: r.peg_id):
        lines.append(
            f"pegout:{o.peg_id}:{o.ailee_source}:{o.btc_dest}:{o.burn_amount}:"
            f"{o.release_amount}:{o.status}:{o.anchor_commitment_hash}:{o.initiated_time}:"
            f"{o.completed_time}"
        )
    lines.append(f"tasks:{len(snapshot.tasks)}")
    for t in _by_id(snapshot.tasks, lambda r: r.task_id):
        lines.append(
            f"task:{t.task_id}:{t.task_type}:{t.priority}:{t.submitter_id}:"
            f"{t.submitted_at_ms}:{t.payload_hash}:{t.anchor_commitment_hash}"
        )
    return "".join(line + "\n" for line in lines).encode("utf-8")


def legacy_root(snapshot: LegacySnapshot) -> str:
    """The original's v1 state root of ``snapshot``: SHA-256 of
    :func:`legacy_root_text`, 64 lowercase hex digits."""
    return hashlib.sha256(legacy_root_text(snapshot)).hexdigest()


# --- checks and warnings -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LegacyCheck:
    """One anchor rule applied to one block: passed, or failed with its code."""

    name: str
    ok: bool
    code: ReasonCode | None
    detail: str


@dataclass(frozen=True, slots=True)
class LegacyWarning:
    """A known weakness of the format found in the file. ``kind`` is ``colon``,
    ``newline`` or ``duplicate``; ``field`` names the record's field (``peerId``...)."""

    kind: str
    line: int
    field: str
    message: str

    def to_json(self) -> dict[str, str | int]:
        """The JSON form (``kind``, ``line``, ``field``, ``message``)."""
        return {"kind": self.kind, "line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class LegacyBlockReport:
    """The computed v1 root of one block, its anchor checks and its warnings."""

    line: int
    root: str
    anchor: LegacyAnchor | None
    checks: tuple[LegacyCheck, ...]
    warnings: tuple[LegacyWarning, ...]

    @property
    def ok(self) -> bool:
        """True if every anchor check passed (warnings do not count)."""
        return all(check.ok for check in self.checks)


@dataclass(frozen=True, slots=True)
class LegacyReport:
    """The report of a whole file: one entry per block, in file order."""

    blocks: tuple[LegacyBlockReport, ...]

    @property
    def ok(self) -> bool:
        """True if every block's anchor checks passed."""
        return all(block.ok for block in self.blocks)

    def failures(self) -> tuple[LegacyCheck, ...]:
        """The failed checks, in file order."""
        return tuple(check for block in self.blocks for check in block.checks if not check.ok)


#: The string fields of each record, with the original's names, in hashed order.
_STRING_FIELDS: Final[dict[type, tuple[tuple[str, str], ...]]] = {
    LegacyBalance: (("peerId", "peer_id"),),
    LegacyEscrow: (("taskId", "task_id"), ("clientPeerId", "client_peer_id")),
    LegacyPegIn: (
        ("pegId", "peg_id"),
        ("btcTxId", "btc_txid"),
        ("btcSource", "btc_source"),
        ("aileeDest", "ailee_dest"),
    ),
    LegacyPegOut: (
        ("pegId", "peg_id"),
        ("aileeSource", "ailee_source"),
        ("btcDest", "btc_dest"),
        ("anchorCommitmentHash", "anchor_commitment_hash"),
    ),
    LegacyTask: (
        ("taskId", "task_id"),
        ("submitterId", "submitter_id"),
        ("payloadHash", "payload_hash"),
        ("anchorCommitmentHash", "anchor_commitment_hash"),
    ),
}
_LISTS: Final = (
    ("balances", "balance", "peerId", "peer_id"),
    ("escrows", "escrow", "taskId", "task_id"),
    ("pegins", "pegin", "pegId", "peg_id"),
    ("pegouts", "pegout", "pegId", "peg_id"),
    ("tasks", "task", "taskId", "task_id"),
)


def _string_warnings(
    tag: str, line: int, fields: Iterable[tuple[str, str]], colon: bool
) -> Iterable[tuple[str, int, str, str]]:
    """``(kind, line, field, text)`` for the strings of one record (or the anchor), in
    file order; ``line`` is where each string starts (``line`` plus the newlines of the
    strings before it: numbers hold none)."""
    for name, value in fields:
        if colon and ":" in value:
            yield (
                "colon",
                line,
                name,
                f"{tag} {name} {value!r} contains ':', the separator of the hashed text: "
                "another state can have the same v1 root",
            )
        if "\n" in value:
            yield (
                "newline",
                line,
                name,
                f"{tag} {name} contains a newline: the original's line reader drops this "
                + (
                    "anchor"
                    if tag == "anchor"
                    else "record and reads the rest of the string as lines of their own"
                ),
            )
        line += value.count("\n")


def _warnings(snapshot: LegacySnapshot) -> list[LegacyWarning]:
    """The warnings of one block in reading order: record by record, field by field;
    for one field ``colon``, ``newline``, then ``duplicate`` (ids are first fields)."""
    found: list[LegacyWarning] = []
    for section, tag, id_name, id_attr in _LISTS:
        first_line: dict[str, int] = {}
        for record in getattr(snapshot, section):
            key = getattr(record, id_attr)
            fields = [(name, getattr(record, attr)) for name, attr in _STRING_FIELDS[type(record)]]
            own = [
                LegacyWarning(kind, line, name, f"line {line}: {text}")
                for kind, line, name, text in _string_warnings(tag, record.line, fields, True)
            ]
            if key in first_line:
                # The id is every record's first field: its duplicate warning follows
                # the id's own warnings and comes before those of the later fields.
                at = sum(1 for w in own if w.field == id_name)
                own.insert(
                    at,
                    LegacyWarning(
                        "duplicate",
                        record.line,
                        id_name,
                        f"line {record.line}: {tag} {id_name} {key!r} already on line "
                        f"{first_line[key]}: the original hashes both records in an order "
                        "its unstable sort leaves open (this root keeps file order)",
                    ),
                )
            else:
                first_line[key] = record.line
            found.extend(own)
    anchor = snapshot.anchor
    if anchor is not None:
        fields = [
            ("l2StateRoot", anchor.state_root),
            ("recoveryMetadata", anchor.recovery_metadata),
            ("payload", anchor.payload),
            ("hash", anchor.hash),
        ]
        for kind, line, name, text in _string_warnings("anchor", anchor.line, fields, False):
            found.append(LegacyWarning(kind, line, name, f"line {line}: {text}"))
    return found


def _verdict(name: str, ok: bool, code: ReasonCode, detail: str) -> LegacyCheck:
    """A check that passed, or failed with ``code``."""
    return LegacyCheck(name, ok, None if ok else code, detail)


def _anchor_checks(anchor: LegacyAnchor | None, root: str) -> tuple[LegacyCheck, ...]:
    if anchor is None:
        return ()
    at = f"line {anchor.line}: "
    digest = hashlib.sha256(anchor.payload.encode("utf-8")).hexdigest()
    expected = anchor_payload(anchor.state_root, anchor.timestamp_ms, anchor.recovery_metadata)
    return (
        _verdict(
            "anchor.root",
            anchor.state_root == root,
            ReasonCode.LEGACY_ANCHOR_ROOT_MISMATCH,
            f"{at}anchor root {anchor.state_root!r}, computed v1 root {root}",
        ),
        _verdict(
            "anchor.hash",
            anchor.hash == digest,
            ReasonCode.LEGACY_ANCHOR_HASH_MISMATCH,
            f"{at}anchor hash {anchor.hash!r}, SHA-256 of the payload {digest}",
        ),
        _verdict(
            "anchor.payload",
            anchor.payload == expected,
            ReasonCode.LEGACY_ANCHOR_PAYLOAD_MISMATCH,
            f"{at}payload {anchor.payload!r}, expected root:timestamp:metadata {expected!r}",
        ),
    )


def check_legacy(file: LegacyFile) -> LegacyReport:
    """Compute each block's v1 root, apply the anchor rules, and collect the warnings.

    The anchor rules of a block with an anchor: its root is the computed v1 root
    (``LEGACY_ANCHOR_ROOT_MISMATCH``); its hash is the lowercase hex SHA-256 of its
    payload (``LEGACY_ANCHOR_HASH_MISMATCH``); its payload is
    ``<root>:<timestampMs>:<recoveryMetadata>`` of its own fields
    (``LEGACY_ANCHOR_PAYLOAD_MISMATCH``, a rule the original does not check). A block
    with ``anchor none`` has no checks. Failures are reported, never raised.
    """
    blocks = []
    for snapshot in file.snapshots:
        root = legacy_root(snapshot)
        blocks.append(
            LegacyBlockReport(
                snapshot.line,
                root,
                snapshot.anchor,
                _anchor_checks(snapshot.anchor, root),
                tuple(_warnings(snapshot)),
            )
        )
    return LegacyReport(tuple(blocks))


# --- conversion to the native format -------------------------------------------------

#: Legacy peg-in status (the original's PegStatus value) to the native peg-in status.
_PEGIN_STATUS: Final = {0: "pending", 1: "pending", 2: "confirmed", 3: "minted", 7: "rejected"}


def _not_convertible(line: int, message: str) -> DecodeError:
    return _error(ReasonCode.LEGACY_NOT_CONVERTIBLE, line, message)


def _native_id(value: str, line: int, what: str) -> str:
    try:
        return check_id(value, what)
    except DecodeError as exc:
        raise _not_convertible(
            line, f"{what} {value!r} cannot be a native id ({exc.code.value}: {exc.message})"
        ) from None


def _native_hash(value: str, line: int, what: str) -> bytes:
    if len(value) != 64 or not _HEX.issuperset(value):
        raise _not_convertible(line, f"{what} {value!r} is not 64 lowercase hex digits")
    return bytes.fromhex(value)


def _first_seen(seen: dict[object, int], key: object, line: int, what: str) -> None:
    """Refuse ``key`` if an earlier record of the list had it (reported on ``line``)."""
    if key in seen:
        raise _not_convertible(
            line, f"{what} {key!r} already on line {seen[key]}: the native key is unique"
        )
    seen[key] = line


def to_native(
    snapshot: LegacySnapshot, chain_id: str = "legacy-v1"
) -> tuple[Snapshot, tuple[str, ...]]:
    """Convert one legacy block into a native snapshot (sequence 0, genesis) claiming
    its true native root, and the notes that name what has no native equivalent.

    Balances become accounts (nonce 0), peg-ins native peg-ins (fee 0, epoch 0),
    tasks native tasks; escrows, peg-outs and the anchor have no native equivalent and
    are listed in the notes (``docs/legacy.md`` has the table). Anything that cannot
    be represented natively raises ``LEGACY_NOT_CONVERTIBLE`` with its line, the first
    in reading order: the chain id (the block's line), ``timestamp_ms``, then every
    record in file order (its id against the earlier ids of its list, then its fields
    in file order, then a peg-in's outpoint against the earlier peg-ins). The notes end
    with the native checks the converted snapshot fails (:func:`native_check_failures`).
    """
    start = snapshot.line
    chain = _native_id(chain_id, start, "chain id")
    if snapshot.timestamp_ms > MAX_UINT:
        raise _not_convertible(start + 1, f"timestamp_ms {snapshot.timestamp_ms} over {MAX_UINT}")
    accounts = []
    total = 0
    seen: dict[object, int] = {}
    for b in snapshot.balances:
        _first_seen(seen, b.peer_id, b.line, "balance peerId")
        peer = _native_id(b.peer_id, b.line, "balance peerId")
        total += b.balance
        if total > MAX_AMOUNT:
            raise _not_convertible(
                b.line, f"balances total {total} over {MAX_AMOUNT} satoshis at this balance"
            )
        accounts.append(Account(peer, b.balance, 0))
    seen = {}
    for e in snapshot.escrows:  # left out; a duplicate still shows a node did not write it
        _first_seen(seen, e.task_id, e.line, "escrow taskId")
    seen = {}
    outpoints: dict[object, int] = {}
    pegins = []
    for p in snapshot.pegins:
        _first_seen(seen, p.peg_id, p.line, "pegin pegId")
        txid = _native_hash(p.btc_txid, p.line, "pegin btcTxId")
        if p.btc_amount > MAX_AMOUNT:
            raise _not_convertible(p.line, f"pegin btcAmount {p.btc_amount} over {MAX_AMOUNT}")
        destination = _native_id(p.ailee_dest, p.line, "pegin aileeDest")
        status = _PEGIN_STATUS.get(p.status)
        if status is None:
            name = PEG_STATUS_NAMES[p.status] if 0 <= p.status < len(PEG_STATUS_NAMES) else "?"
            raise _not_convertible(
                p.line, f"pegin status {p.status} ({name}) has no native peg-in status"
            )
        _first_seen(outpoints, (p.btc_txid, p.vout), p.line, "pegin outpoint (btcTxId, vout)")
        pegins.append(PegIn(txid, p.vout, p.btc_amount, destination, status))
    seen = {}
    for o in snapshot.pegouts:  # left out, as escrows
        _first_seen(seen, o.peg_id, o.line, "pegout pegId")
    seen = {}
    tasks = []
    for t in snapshot.tasks:
        _first_seen(seen, t.task_id, t.line, "task taskId")
        task_id = _native_id(t.task_id, t.line, "task taskId")
        if not 0 <= t.priority <= 255:
            raise _not_convertible(t.line, f"task priority {t.priority} not in [0, 255]")
        submitter = _native_id(t.submitter_id, t.line, "task submitterId")
        payload = (
            hashlib.sha256(b"").digest()
            if t.payload_hash == ""
            else _native_hash(t.payload_hash, t.line, "task payloadHash")
        )
        tasks.append(Task(task_id, str(t.task_type), t.priority, submitter, payload, None))
    header = Header(FORMAT_VERSION, chain, 0, ZERO_ROOT, snapshot.timestamp_ms)
    try:
        state = L2State(header, accounts=tuple(accounts), pegins=tuple(pegins), tasks=tuple(tasks))
        converted = Snapshot.of(state)
    except AileeError as exc:  # defence in depth: every rule above is checked first
        raise _not_convertible(start, f"{exc.code.value}: {exc.message}") from None
    notes = _notes(snapshot)
    notes.extend(
        f"block at line {start}: native check {name} will fail ({code.value}): {why}"
        for name, code, why in native_check_failures(converted)
    )
    return converted, tuple(notes)


def native_check_failures(native: Snapshot) -> tuple[tuple[str, ReasonCode, str], ...]:
    """The checks of ``ailee-l2-verify`` (``ailee.verify.check_snapshot``) that a
    snapshot converted by :func:`to_native` fails, as ``(check, code, why)``.

    The legacy format has no federation and ailee does not invent one: the
    ``federation`` check passes with 0 epochs, every peg-in names epoch 0, which does
    not exist (``pegins``: ``PEGIN_EPOCH_UNKNOWN``), and ``conservation`` holds only
    when the balances add up to exactly the minted peg-ins (the original never kept
    that invariant). Every other check passes.
    """
    state = native.state
    failures: list[tuple[str, ReasonCode, str]] = []
    if state.pegins:
        failures.append(
            (
                "pegins",
                ReasonCode.PEGIN_EPOCH_UNKNOWN,
                f"the {len(state.pegins)} peg-in(s) name federation epoch 0 and the legacy "
                "format has no federation (none is invented)",
            )
        )
    difference = conservation_difference(state)
    if difference:
        balances = sum(a.balance for a in state.accounts)
        minted = sum(p.amount for p in state.pegins if p.status == "minted")
        failures.append(
            (
                "conservation",
                ReasonCode.CONSERVATION_VIOLATED,
                f"balances total {balances} satoshis, minted peg-ins {minted}: legacy "
                "balances are not backed by minted peg-ins in the native sense",
            )
        )
    return tuple(failures)


def _notes(snapshot: LegacySnapshot) -> list[str]:
    at = f"block at line {snapshot.line}"
    notes = [
        f"{at}: converted as native sequence 0 (genesis): the legacy format has no "
        "sequence, previous root or chain id",
        f"{at}: the legacy format has no federation and none was invented: the native "
        "federation check passes with 0 epochs",
    ]
    if snapshot.balances:
        notes.append(f"{at}: {len(snapshot.balances)} balance(s) became accounts with nonce 0")
    if snapshot.escrows:
        total = sum(e.amount for e in snapshot.escrows)
        notes.append(
            f"{at}: {len(snapshot.escrows)} escrow(s) (taskId, clientPeerId, amount, locked, "
            f"createdAt; {total} in all) have no native equivalent and were left out"
        )
    if snapshot.pegins:
        notes.append(
            f"{at}: {len(snapshot.pegins)} peg-in(s): pegId, btcSource, confirmations, "
            "initiatedTime and completedTime have no native field; fee 0 and epoch 0 were "
            "set; statuses INITIATED and PENDING_BTC_CONF both became pending"
        )
    for o in snapshot.pegouts:
        notes.append(
            f"line {o.line}: pegout {o.peg_id!r} ({o.ailee_source!r} to {o.btc_dest!r}, burn "
            f"{o.burn_amount}, release {o.release_amount}, status {o.status}) was left out: a "
            "native peg-out needs a request-derived id, a scriptPubKey destination and "
            "federation signatures"
        )
    if snapshot.tasks:
        notes.append(
            f"{at}: {len(snapshot.tasks)} task(s): submittedAtMs and anchorCommitmentHash "
            "have no native field; taskType became its decimal text; an empty payloadHash "
            "(the original's hash of an empty payload) became SHA-256 of no bytes"
        )
    if snapshot.anchor is not None:
        notes.append(
            f"line {snapshot.anchor.line}: the anchor commits to the v1 root, not to a native "
            "root, and was left out"
        )
    return notes
