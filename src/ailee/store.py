"""The snapshot store: an append-only, checksummed, locked file of chained snapshots.

This is the one module of ailee that reads and writes files; the pure core never
imports it. POSIX only (``fcntl.flock``, ``os.pread``, ``fsync`` of a directory). It
reads no clock, draws no randomness and keeps no global state. ``docs/store.md``
specifies the format byte by byte and states the guarantees and their limits.

A store is a directory holding ``snapshots.ailee`` (the data file) and ``lock``::

    data file  = file header, record, record, ...
    file header = MAGIC (16 bytes) || format version (4 bytes, big-endian, = 1)
    record      = length (4, BE) || length XOR 0xffffffff (4, BE) || checksum (32)
                  || payload (length bytes: the snapshot's canonical CBOR)
    checksum    = tagged_hash("ailee/v2/store/record", length (4, BE) || payload)

Record ``k`` holds the snapshot of sequence ``k``: the first is a genesis (sequence 0,
all-zero previous root) and each next one has sequence + 1 and its predecessor's root.

:class:`StoreReader` reads without a lock; :class:`Store` is the one writer (an
exclusive ``flock`` on ``lock``, held until :meth:`Store.close`). ``append`` returns
only once the record is on disk (``fsync``). A store whose end is damaged (a torn
tail after a crash, or a last record that does not verify) is reported, never
silently skipped: reading stops there with an error, appending is refused, and only
:meth:`Store.repair`, called explicitly, truncates the damage away.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Final, TypeAlias

from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.hashing import Tag, tagged_hasher
from ailee.jsoncodec import JsonValue
from ailee.limits import MAX_DOCUMENT_BYTES
from ailee.snapshot import Snapshot, snapshot_from_cbor, snapshot_to_cbor
from ailee.state import ZERO_ROOT, Anchor
from ailee.verify import (
    EXIT_FAILED,
    EXIT_MALFORMED,
    EXIT_OK,
    Check,
    SnapshotResult,
    build_report,
    check_snapshot,
)

__all__ = [
    "DATA_FILE",
    "LOCK_FILE",
    "MAGIC",
    "MAX_RECORD_BYTES",
    "RECORD_HEADER_BYTES",
    "STORE_VERSION",
    "Damage",
    "RepairResult",
    "Store",
    "StoreReader",
    "StoreReport",
    "encode_record",
    "record_checksum",
]

#: The first 16 bytes of every data file (a high first byte and CR LF SUB LF, as PNG,
#: so that a text-mode transfer that mangles bytes is caught at once).
MAGIC: Final = b"\x89ailee-store\r\n\x1a\n"
#: The data file format version this library reads and writes.
STORE_VERSION: Final = 1
#: The name of the data file in a store directory.
DATA_FILE: Final = "snapshots.ailee"
#: The name of the lock file in a store directory.
LOCK_FILE: Final = "lock"
#: Largest record payload (STORE_RECORD_TOO_LARGE): the document size limit.
MAX_RECORD_BYTES: Final = MAX_DOCUMENT_BYTES
#: Bytes before each record's payload: length, its complement, checksum.
RECORD_HEADER_BYTES: Final = 40

_FILE_HEADER: Final = MAGIC + STORE_VERSION.to_bytes(4, "big")
_TMP_SUFFIX: Final = ".tmp"
_MASK: Final = 0xFFFF_FFFF
_ZERO_CHUNK: Final = 1 << 20
_record_hash: Final = tagged_hasher(Tag.STORE_RECORD)

PathLike: TypeAlias = str | os.PathLike[str]
#: Stored sequence -> (recomputed root, timestamp), or None if not stored.
_Lookup: TypeAlias = Callable[[int], tuple[bytes | None, int] | None]


def record_checksum(payload: bytes) -> bytes:
    """``tagged_hash("ailee/v2/store/record", len(payload) as 4 bytes BE || payload)``."""
    return _record_hash(len(payload).to_bytes(4, "big") + payload)


def encode_record(payload: bytes) -> bytes:
    """The record framing ``payload`` (STORE_RECORD_TOO_LARGE over the limit)."""
    length = len(payload)
    if length > MAX_RECORD_BYTES:
        raise DecodeError(
            ReasonCode.STORE_RECORD_TOO_LARGE,
            f"a payload of {length} bytes is over the limit of {MAX_RECORD_BYTES}",
        )
    return (
        length.to_bytes(4, "big")
        + (length ^ _MASK).to_bytes(4, "big")
        + record_checksum(payload)
        + payload
    )


@contextmanager
def _os_errors(what: str) -> Iterator[None]:
    """Turn an ``OSError`` into STORE_NOT_FOUND or STORE_IO_ERROR (never raw)."""
    try:
        yield
    except FileNotFoundError:
        raise DecodeError(ReasonCode.STORE_NOT_FOUND, f"{what}: no such file") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DecodeError(ReasonCode.STORE_IO_ERROR, f"{what}: {reason}") from None


def _pread(fd: int, size: int, offset: int) -> bytes:
    """Up to ``size`` bytes at ``offset`` (fewer only at the end of the file)."""
    parts: list[bytes] = []
    while size > 0:
        chunk = os.pread(fd, min(size, 1 << 24), offset)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _all_zero(fd: int, start: int, end: int) -> bool:
    """True if every byte in ``[start, end)`` is zero (an unwritten extent)."""
    while start < end:
        chunk = _pread(fd, min(_ZERO_CHUNK, end - start), start)
        if not chunk:  # the file shrank meanwhile: nothing more to see
            return True
        if chunk.count(0) != len(chunk):
            return False
        start += len(chunk)
    return True


def _fsync(fd: int) -> None:
    """``fsync``; on macOS ``F_FULLFSYNC``, which also flushes the drive's cache."""
    full = getattr(fcntl, "F_FULLFSYNC", None)
    if full is not None:
        fcntl.fcntl(fd, full)
    else:
        os.fsync(fd)


def _fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Damage:
    """Where reading the store had to stop before the end of its data file, and why.

    ``offset`` is the end of the last good record (where a repair truncates to);
    ``size`` the data file's size when read. ``final`` is True when the damage is
    confined to the end of the file: a torn tail, or a last record (followed by
    nothing, or by zero bytes only) that fails its checks. Only final damage is
    repaired without ``discard_records``.
    """

    offset: int
    size: int
    final: bool
    error: AileeError

    @property
    def code(self) -> ReasonCode:
        """The reason code of the damage."""
        return self.error.code

    @property
    def cut_bytes(self) -> int:
        """How many bytes a repair would remove."""
        return self.size - self.offset

    def to_json(self) -> dict[str, JsonValue]:
        """The damage as it appears in the ``--json`` store report."""
        return {
            "code": self.code.value,
            "offset": self.offset,
            "cut_bytes": self.cut_bytes,
            "final": self.final,
            "detail": self.error.message,
        }


@dataclass(frozen=True)
class _Frame:
    index: int
    offset: int
    length: int

    @property
    def end(self) -> int:
        return self.offset + RECORD_HEADER_BYTES + self.length


def _torn(offset: int, size: int, detail: str) -> Damage:
    message = f"torn tail at offset {offset}: {detail}; the last complete record ends there"
    return Damage(offset, size, True, VerificationError(ReasonCode.STORE_TORN_TAIL, message))


def _next_frame(fd: int, index: int, offset: int, size: int) -> _Frame | Damage | None:
    """The record at ``offset`` (its header checked, not its payload), the damage
    found there, or None at the end of the file."""
    remaining = size - offset
    if remaining == 0:
        return None
    head = _pread(fd, RECORD_HEADER_BYTES, offset)
    if len(head) < 8:
        return _torn(offset, size, f"{remaining} bytes, shorter than a record header")
    length = int.from_bytes(head[:4], "big")
    if int.from_bytes(head[4:8], "big") != length ^ _MASK:
        if _all_zero(fd, offset, size):
            return _torn(offset, size, f"{remaining} zero bytes (an unwritten extent)")
        error = DecodeError(
            ReasonCode.STORE_LENGTH_CORRUPT,
            f"record {index} at offset {offset}: length {head[:4].hex()} and its "
            f"complement {head[4:8].hex()} disagree",
        )
        return Damage(offset, size, False, error)
    if length > MAX_RECORD_BYTES:
        error = DecodeError(
            ReasonCode.STORE_RECORD_TOO_LARGE,
            f"record {index} at offset {offset}: a payload of {length} bytes is over "
            f"the limit of {MAX_RECORD_BYTES}",
        )
        return Damage(offset, size, False, error)
    if remaining < RECORD_HEADER_BYTES + length:
        return _torn(
            offset,
            size,
            f"record {index} needs {RECORD_HEADER_BYTES + length} bytes, {remaining} remain",
        )
    return _Frame(index, offset, length)


def _bad_record(fd: int, frame: _Frame, size: int, error: AileeError) -> Damage:
    """Damage at a complete record; final if only zero bytes follow it."""
    return Damage(frame.offset, size, _all_zero(fd, frame.end, size), error)


def _read_checked(fd: int, frame: _Frame, size: int) -> bytes | Damage:
    """The payload of a framed record, after its checksum; or the damage."""
    record = _pread(fd, RECORD_HEADER_BYTES + frame.length, frame.offset)
    payload = record[RECORD_HEADER_BYTES:]
    if len(payload) != frame.length:  # the file shrank while we read it
        return _torn(frame.offset, size, f"record {frame.index} ends early")
    if record_checksum(payload) != record[8:RECORD_HEADER_BYTES]:
        error = DecodeError(
            ReasonCode.STORE_CHECKSUM_MISMATCH,
            f"record {frame.index} at offset {frame.offset}: the payload does not hash to "
            "the record's checksum",
        )
        return _bad_record(fd, frame, size, error)
    return payload


def _read_payload(fd: int, frame: _Frame, size: int) -> Snapshot | Damage:
    """The snapshot a framed record holds, after its checksum; or the damage."""
    payload = _read_checked(fd, frame, size)
    if isinstance(payload, Damage):
        return payload
    try:
        return snapshot_from_cbor(payload)
    except DecodeError as exc:
        where = f"record {frame.index} at offset {frame.offset}"
        return _bad_record(fd, frame, size, DecodeError(exc.code, f"{where}: {exc.message}"))


def _link_fault(index: int, previous: Snapshot | None, snapshot: Snapshot) -> str | None:
    """Why ``snapshot`` (record ``index``) does not follow ``previous``'s claimed root."""
    header = snapshot.state.header
    if previous is None:
        if header.sequence != 0 or header.prev_state_root != ZERO_ROOT:
            return (
                f"the first snapshot must be a genesis (sequence 0, zero previous root), "
                f"got sequence {header.sequence}"
            )
        return None
    before = previous.state.header
    if header.sequence != index or header.sequence != before.sequence + 1:
        return f"record {index} holds sequence {header.sequence} after {before.sequence}"
    if header.prev_state_root != previous.state_root:
        return (
            f"sequence {header.sequence} names previous root {header.prev_state_root.hex()}, "
            f"sequence {before.sequence} has root {previous.state_root.hex()}"
        )
    if header.chain_id != before.chain_id:
        return (
            f"sequence {header.sequence} is of chain {header.chain_id!r}, not {before.chain_id!r}"
        )
    return None


def _not_chained(detail: str) -> VerificationError:
    return VerificationError(ReasonCode.STORE_NOT_CHAINED, detail)


def _new_anchors(previous: Snapshot | None, snapshot: Snapshot) -> list[Anchor]:
    kept = set() if previous is None else set(previous.state.anchors)
    return [anchor for anchor in snapshot.state.anchors if anchor not in kept]


def _anchor_faults(anchors: list[Anchor], skip: set[int], lookup: _Lookup) -> list[Check]:
    """``chain.anchor[k]`` for each anchor naming a stored sequence ``k`` not in ``skip``:
    it carries that snapshot's recomputed root and its timestamp."""
    checks = []
    for anchor in anchors:
        stored = None if anchor.sequence in skip else lookup(anchor.sequence)
        if stored is None:
            continue
        root, timestamp = stored
        name = f"chain.anchor[{anchor.sequence}]"
        if anchor.state_root != root:
            checks.append(
                Check(
                    name,
                    False,
                    ReasonCode.CHAIN_ANCHOR_ROOT_MISMATCH,
                    f"anchor root {anchor.state_root.hex()}, recomputed root of sequence "
                    f"{anchor.sequence} is {None if root is None else root.hex()}",
                )
            )
        elif anchor.timestamp_ms != timestamp:
            checks.append(
                Check(
                    name,
                    False,
                    ReasonCode.CHAIN_ANCHOR_TIMESTAMP_MISMATCH,
                    f"anchor timestamp {anchor.timestamp_ms}, snapshot {anchor.sequence} "
                    f"has {timestamp}",
                )
            )
        else:
            checks.append(Check(name, True))
    return checks


def _renamed(check: Check, prefix: str, sequence: int) -> Check:
    """A check of one snapshot or one link, named after the stored sequence."""
    if check.name.startswith("chain[1]."):
        name = f"chain[{sequence}].{check.name[len('chain[1].') :]}"
    elif check.name.startswith("chain."):
        name = check.name
    else:
        name = f"{prefix}[{sequence}].{check.name}"
    return Check(name, check.ok, check.code, check.detail)


def _step_checks(
    previous: SnapshotResult | None,
    result: SnapshotResult,
    lookup: _Lookup,
) -> list[Check]:
    """Every check of a snapshot appended after ``previous``: its own, the links to
    ``previous`` (ailee.verify's chain checks) and its new anchors naming older ones."""
    assert result.snapshot is not None
    sequence = result.snapshot.state.header.sequence
    checks = [_renamed(check, "snapshot", sequence) for check in result.checks]
    if previous is None:
        fault = _link_fault(0, None, result.snapshot)
        checks.append(
            Check("store.genesis", True)
            if fault is None
            else Check("store.genesis", False, ReasonCode.STORE_NOT_CHAINED, fault)
        )
        return checks
    assert previous.snapshot is not None
    report = build_report([previous, result])
    checks.extend(_renamed(check, "chain", sequence) for check in report.chain)
    before = previous.snapshot.state.header.sequence
    fresh = _new_anchors(previous.snapshot, result.snapshot)
    checks.extend(_anchor_faults(fresh, {before, sequence}, lookup))
    return checks


def _writer_active(directory: str) -> bool:
    """True if some process holds the store's writer lock (an append may be under way)."""
    try:
        fd = os.open(os.path.join(directory, LOCK_FILE), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases a shared lock we may have taken
    return False


@dataclass(frozen=True)
class StoreReport:
    """The verdict of :meth:`StoreReader.verify` over the whole history of a store.

    ``failures`` lists every failed check (``snapshot[<seq>].<check>``,
    ``chain[<seq>].<check>``, ``chain.anchor[<seq>]``, ``store.genesis``); ``checks``
    counts all checks run. ``damage`` is where reading had to stop, if it did.
    """

    directory: str
    records: int
    checks: int
    failures: tuple[Check, ...]
    damage: Damage | None
    tip_sequence: int | None
    tip_root: bytes | None
    writer_active: bool = False

    @property
    def ok(self) -> bool:
        """True if every record verified and the file ends cleanly."""
        return not self.failures and self.damage is None

    @property
    def exit_code(self) -> int:
        """0 verified; 1 a check failed or a torn tail; 3 a malformed record or file."""
        if self.damage is not None and isinstance(self.damage.error, DecodeError):
            return EXIT_MALFORMED
        return EXIT_OK if self.ok else EXIT_FAILED

    @property
    def codes(self) -> list[str]:
        """The distinct reason codes of the failures and the damage, sorted."""
        found = {c.code.value for c in self.failures if c.code is not None}
        if self.damage is not None:
            found.add(self.damage.code.value)
        return sorted(found)

    def to_json(self) -> dict[str, JsonValue]:
        """The ``store verify --json`` report (docs/store.md)."""
        codes: list[JsonValue] = list(self.codes)
        failures: list[JsonValue] = [check.to_json() for check in self.failures]
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "store": self.directory,
            "records": self.records,
            "checks": self.checks,
            "tip_sequence": self.tip_sequence,
            "tip_root": None if self.tip_root is None else self.tip_root.hex(),
            "codes": codes,
            "failures": failures,
            "damage": None if self.damage is None else self.damage.to_json(),
            "writer_active": self.writer_active,
        }


class StoreReader:
    """Read a store without a lock: ``latest``, ``get``, ``iterate`` and ``verify``.

    Each call opens the data file and reads it up to the size it had then; records a
    writer appends meanwhile are not seen. A partial record that a writer is still
    appending is reported like any torn tail (STORE_TORN_TAIL), and the message and
    the report's ``writer_active`` say when a writer holds the lock.
    """

    def __init__(self, directory: PathLike) -> None:
        self._directory = os.fspath(directory)
        self._path = os.path.join(self._directory, DATA_FILE)
        with self._data() as (_fd, _size):
            pass

    @property
    def directory(self) -> str:
        """The store directory."""
        return self._directory

    def _writer_active(self) -> bool:
        return _writer_active(self._directory)

    @contextmanager
    def _data(self) -> Iterator[tuple[int, int]]:
        """The data file, open for reading with its header checked, and its size."""
        if not os.path.isdir(self._directory):
            raise DecodeError(
                ReasonCode.STORE_NOT_FOUND, f"{self._directory}: no such store directory"
            )
        with _os_errors(self._path):
            fd = os.open(self._path, os.O_RDONLY)
        try:
            with _os_errors(self._path):
                size = os.fstat(fd).st_size
                _check_file_header(_pread(fd, len(_FILE_HEADER), 0), self._path)
                yield fd, size
        finally:
            os.close(fd)

    def _raise(self, damage: Damage) -> None:
        error = damage.error
        if error.code is ReasonCode.STORE_TORN_TAIL and self._writer_active():
            raise VerificationError(
                ReasonCode.STORE_TORN_TAIL,
                f"{error.message} (a writer holds the lock: this may be an append in progress)",
            )
        raise error

    def _frames(self, fd: int, size: int) -> Iterator[_Frame]:
        """Every framed record, then raise at damage (payloads not read)."""
        index, offset = 0, len(_FILE_HEADER)
        while True:
            found = _next_frame(fd, index, offset, size)
            if found is None:
                return
            if isinstance(found, Damage):
                self._raise(found)
                return
            yield found
            index, offset = index + 1, found.end

    def _snapshot_at(self, fd: int, frame: _Frame, size: int) -> Snapshot:
        found = _read_payload(fd, frame, size)
        if isinstance(found, Damage):
            self._raise(found)
            raise AssertionError  # unreachable: _raise always raises
        if found.state.header.sequence != frame.index:
            raise _not_chained(
                f"record {frame.index} at offset {frame.offset} holds sequence "
                f"{found.state.header.sequence}"
            )
        return found

    def latest(self) -> Snapshot | None:
        """The last snapshot (None if the store is empty).

        Walks the record headers to the end of the file (reading 40 bytes per record,
        no payloads), then reads and checks the last record: its checksum, its
        decoding and that it holds the sequence its position says. Damage anywhere in
        the framing, a torn tail included, raises. Payloads and links of earlier
        records are checked by :meth:`iterate` and :meth:`verify`, not here.
        """
        with self._data() as (fd, size):
            last = None
            for frame in self._frames(fd, size):
                last = frame
            return None if last is None else self._snapshot_at(fd, last, size)

    def get(self, sequence: int) -> Snapshot:
        """The snapshot of ``sequence`` (record ``sequence``); STORE_SEQUENCE_UNKNOWN if
        the store holds fewer records. Damage before it raises."""
        with self._data() as (fd, size):
            for frame in self._frames(fd, size):
                if frame.index == sequence:
                    return self._snapshot_at(fd, frame, size)
        raise VerificationError(
            ReasonCode.STORE_SEQUENCE_UNKNOWN,
            f"{self._directory}: the store holds no snapshot of sequence {sequence}",
        )

    def iterate(self) -> Iterator[Snapshot]:
        """Every snapshot in order, one at a time; each record's checksum, decoding
        and link (sequence + 1, previous root = the predecessor's claimed root, one
        chain id, a genesis first) is checked before it is yielded. Damage raises
        after the last good snapshot, never skipped. Roots are recomputed by
        :meth:`verify`."""
        with self._data() as (fd, size):
            previous: Snapshot | None = None
            for frame in self._frames(fd, size):
                snapshot = self._snapshot_at(fd, frame, size)
                fault = _link_fault(frame.index, previous, snapshot)
                if fault is not None:
                    raise _not_chained(f"record {frame.index} at offset {frame.offset}: {fault}")
                yield snapshot
                previous = snapshot

    def verify(self) -> StoreReport:
        """Re-verify the whole history, streaming: every record's framing and checksum,
        every snapshot with :func:`ailee.verify.check_snapshot`, every link with
        ailee.verify's chain checks, a genesis first, and every anchor naming a stored
        sequence against that snapshot's recomputed root. Keeps one snapshot and one
        (root, timestamp) per sequence in memory."""
        with self._data() as (fd, size):
            return self._verify(fd, size)

    def _verify(self, fd: int, size: int) -> StoreReport:
        known: dict[int, tuple[bytes | None, int]] = {}
        failures: list[Check] = []
        checks = 0
        previous: SnapshotResult | None = None
        damage: Damage | None = None
        index, offset = 0, len(_FILE_HEADER)
        while True:
            found = _next_frame(fd, index, offset, size)
            if found is None:
                break
            if isinstance(found, Damage):
                damage = found
                break
            snapshot = _read_payload(fd, found, size)
            if isinstance(snapshot, Damage):
                damage = snapshot
                break
            result = check_snapshot(f"record {index}", snapshot)
            step = _step_checks(previous, result, known.get)
            checks += len(step)
            failures.extend(check for check in step if not check.ok)
            header = snapshot.state.header
            known[header.sequence] = (result.root, header.timestamp_ms)
            previous = result
            index, offset = index + 1, found.end
        tip = None if previous is None or previous.snapshot is None else previous.snapshot
        return StoreReport(
            directory=self._directory,
            records=index,
            checks=checks,
            failures=tuple(failures),
            damage=damage,
            tip_sequence=None if tip is None else tip.state.header.sequence,
            tip_root=None if previous is None else previous.root,
            writer_active=damage is not None and self._writer_active(),
        )


def _check_file_header(head: bytes, path: str) -> None:
    if head[: len(MAGIC)] != MAGIC:
        raise DecodeError(
            ReasonCode.STORE_BAD_MAGIC, f"{path}: not a snapshot store data file (bad magic)"
        )
    if len(head) < len(_FILE_HEADER):
        raise DecodeError(ReasonCode.STORE_BAD_MAGIC, f"{path}: the file header is cut short")
    version = int.from_bytes(head[len(MAGIC) :], "big")
    if version != STORE_VERSION:
        raise DecodeError(
            ReasonCode.STORE_UNSUPPORTED_VERSION,
            f"{path}: store format version {version}; this library reads {STORE_VERSION}",
        )


@dataclass(frozen=True)
class RepairResult:
    """What :meth:`Store.repair` cut: ``cut_bytes`` bytes from ``offset`` (the end of
    the last good record) to the end of the file, and why (``code``, ``detail``);
    ``code`` is None and ``cut_bytes`` 0 when there was nothing to repair."""

    offset: int
    cut_bytes: int
    code: ReasonCode | None
    detail: str

    def to_json(self) -> dict[str, JsonValue]:
        """The result as ``store repair --json`` prints it."""
        return {
            "offset": self.offset,
            "cut_bytes": self.cut_bytes,
            "code": None if self.code is None else self.code.value,
            "detail": self.detail,
        }


class Store(StoreReader):
    """The one writer of a store: ``with Store.open(directory) as store: store.append(s)``.

    Opening takes an exclusive, non-blocking ``flock`` on the store's ``lock`` file
    (STORE_LOCKED if another writer holds it) and keeps it until :meth:`close`. It
    checks every record's framing and checksum, then fully re-verifies the last record
    (decoding, sequence, :func:`~ailee.verify.check_snapshot`). Damage found there is
    kept: :meth:`append` refuses to write until :meth:`repair` has removed it. A Store
    is not safe to share between threads.

    Opening reads the whole data file once (it checks every record's checksum, so
    that nothing is appended on top of a damaged record) and fully re-verifies the last
    record; it does not decode the earlier ones: that is :meth:`verify`'s work.
    """

    def __init__(self, directory: PathLike, *, create: bool = False) -> None:
        self._directory = os.fspath(directory)
        self._path = os.path.join(self._directory, DATA_FILE)
        self._lock_fd = -1
        self._fd = -1
        self._broken: str | None = None
        self._damage: Damage | None = None
        self._count = 0  # records before the damage, if any
        self._end = len(_FILE_HEADER)  # where the next record goes
        self._tip: SnapshotResult | None = None  # the last record, verified
        try:
            self._acquire(create)
            self._rescan()
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, directory: PathLike, *, create: bool = False) -> Store:
        """Open ``directory`` for writing; with ``create``, make it (and an empty data
        file) if it does not exist yet. STORE_NOT_FOUND otherwise."""
        return cls(directory, create=create)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the data file and release the lock (idempotent)."""
        for name in ("_fd", "_lock_fd"):
            fd = getattr(self, name)
            if fd >= 0:
                setattr(self, name, -1)
                with suppress(OSError):
                    os.close(fd)

    def _writer_active(self) -> bool:
        return False  # we are the writer, and no append of ours is under way

    def _acquire(self, create: bool) -> None:
        directory = self._directory
        if not os.path.isdir(directory):
            if not create:
                raise DecodeError(
                    ReasonCode.STORE_NOT_FOUND, f"{directory}: no such store directory"
                )
            with _os_errors(directory):
                os.makedirs(directory)
                _fsync_directory(os.path.dirname(os.path.abspath(directory)))
        with _os_errors(os.path.join(directory, LOCK_FILE)):
            self._lock_fd = os.open(
                os.path.join(directory, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644
            )
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise DecodeError(
                    ReasonCode.STORE_LOCKED, f"{directory}: another writer holds the store's lock"
                ) from None
            raise DecodeError(
                ReasonCode.STORE_IO_ERROR, f"{directory}: cannot lock: {exc.strerror}"
            ) from None
        if create and not os.path.exists(self._path):
            self._create_data_file()
        with _os_errors(self._path):
            self._fd = os.open(self._path, os.O_RDWR)
            _check_file_header(_pread(self._fd, len(_FILE_HEADER), 0), self._path)

    def _create_data_file(self) -> None:
        """Write the file header to a temporary file, sync it, rename it into place and
        sync the directory: the data file never exists without its whole header."""
        tmp = self._path + _TMP_SUFFIX
        with _os_errors(tmp):
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, _FILE_HEADER)
                _fsync(fd)
            finally:
                os.close(fd)
            os.rename(tmp, self._path)
            _fsync_directory(self._directory)

    def _rescan(self) -> None:
        """Find the end of the last good record, verify that record, note any damage."""
        fd = self._fd
        with _os_errors(self._path):
            size = os.fstat(fd).st_size
            last: _Frame | None = None
            damage: Damage | None = None
            index, offset = 0, len(_FILE_HEADER)
            while True:
                found = _next_frame(fd, index, offset, size)
                if found is None or isinstance(found, Damage):
                    damage = found
                    break
                checked = _read_checked(fd, found, size)
                if isinstance(checked, Damage):
                    damage = checked
                    break
                last, index, offset = found, index + 1, found.end
            tip: SnapshotResult | None = None
            if last is not None:
                tip, bad = self._verify_last(last, size)
                if bad is not None:  # the last record itself fails: the good end is before it
                    damage, index, offset = bad, last.index, last.offset
                    tip = None if last.index == 0 else self._load_result(last.index - 1, size)
        self._damage, self._count, self._end, self._tip = damage, index, offset, tip

    def _verify_last(self, frame: _Frame, size: int) -> tuple[SnapshotResult | None, Damage | None]:
        fd = self._fd
        found = _read_payload(fd, frame, size)
        if isinstance(found, Damage):
            return None, found
        error: AileeError | None = None
        if found.state.header.sequence != frame.index:
            error = _not_chained(
                f"record {frame.index} at offset {frame.offset} holds sequence "
                f"{found.state.header.sequence}"
            )
        result = check_snapshot(f"record {frame.index}", found)
        bad = next((check for check in result.checks if not check.ok), None)
        if error is None and bad is not None and bad.code is not None:
            error = VerificationError(
                bad.code, f"record {frame.index} at offset {frame.offset}: {bad.detail}"
            )
        if error is not None:
            return None, _bad_record(fd, frame, size, error)
        return result, None

    def _load_result(self, index: int, size: int) -> SnapshotResult | None:
        """The verified result of record ``index`` (None if it does not verify)."""
        for frame in self._frames(self._fd, size):
            if frame.index == index:
                result, damage = self._verify_last(frame, size)
                return None if damage is not None else result
        return None

    def _data_ready(self) -> None:
        if self._fd < 0:
            raise DecodeError(ReasonCode.STORE_IO_ERROR, f"{self._directory}: the store is closed")
        if self._broken is not None:
            raise DecodeError(ReasonCode.STORE_IO_ERROR, self._broken)

    def append(self, snapshot: Snapshot) -> None:
        """Append ``snapshot``, durably: returns only after the record is written and
        the data file synced (``fsync``; ``F_FULLFSYNC`` on macOS).

        Refused, with nothing written: STORE_TORN_TAIL (or the damage's own code) if
        the store's end is damaged; STORE_NOT_CHAINED if ``snapshot`` is not the next
        one (a genesis first; then sequence + 1, the latest's recomputed root as
        previous root, and every chain check of :mod:`ailee.verify`, anchors
        included); the first failed check's code if ``snapshot`` itself does not
        verify (:func:`~ailee.verify.check_snapshot`); STORE_RECORD_TOO_LARGE; and
        STORE_IO_ERROR if the write or the sync fails (the partial record is then
        truncated away and the store must be reopened).
        """
        self._data_ready()
        if self._damage is not None:
            raise self._damage.error
        previous = self._tip
        if previous is None and self._count > 0:
            raise _not_chained(
                f"{self._directory}: record {self._count - 1} does not verify; repair first"
            )
        result = check_snapshot(f"append of sequence {snapshot.state.header.sequence}", snapshot)
        own = next((check for check in result.checks if not check.ok), None)
        if own is not None and own.code is not None:
            raise VerificationError(own.code, f"refusing to append: {own.name}: {own.detail}")
        step = _step_checks(previous, result, self._stored_root)
        bad = next((check for check in step if not check.ok), None)
        if bad is not None:
            code = "" if bad.code is None else f"{bad.code.value}: "
            raise _not_chained(
                f"refusing to append sequence {snapshot.state.header.sequence}: "
                f"{bad.name}: {code}{bad.detail}"
            )
        record = encode_record(snapshot_to_cbor(snapshot))
        self._write_synced(record)
        self._end += len(record)
        self._count += 1
        self._tip = result

    def _stored_root(self, sequence: int) -> tuple[bytes | None, int] | None:
        """The recomputed root and timestamp of stored ``sequence`` (for anchors)."""
        snapshot = self.get(sequence)
        result = check_snapshot(f"record {sequence}", snapshot)
        return result.root, snapshot.state.header.timestamp_ms

    def _write_synced(self, record: bytes) -> None:
        fd, end = self._fd, self._end
        try:
            written = 0
            while written < len(record):
                written += os.pwrite(fd, record[written:], end + written)
            _fsync(fd)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self._broken = (
                f"{self._path}: an append failed ({reason}); reopen the store to continue"
            )
            with suppress(OSError):  # best effort: the store is refused until reopened
                os.ftruncate(fd, end)
                _fsync(fd)
            raise DecodeError(
                ReasonCode.STORE_IO_ERROR, f"{self._path}: append failed: {reason}"
            ) from None

    @property
    def damage(self) -> Damage | None:
        """The damage at the end of the store found when it was opened or repaired."""
        return self._damage

    def repair(self, *, discard_records: bool = False) -> RepairResult:
        """Truncate the data file to the end of the last complete, verified record and
        sync it; return what was cut. Never called implicitly.

        Without ``discard_records`` only final damage is cut (a torn tail, or a last
        record that fails its checks with nothing but zero bytes after it); damage
        followed by other bytes, which may hold complete records, raises its error
        instead, so that nothing but the damage is ever lost unasked.
        """
        self._data_ready()
        damage = self._damage
        if damage is None:
            return RepairResult(self._end, 0, None, "nothing to repair")
        if not damage.final and not discard_records:
            raise type(damage.error)(
                damage.code,
                f"{damage.error.message}; repair would cut {damage.cut_bytes} bytes from "
                f"offset {damage.offset} that may hold complete records "
                "(discard_records to cut them anyway)",
            )
        with _os_errors(self._path):
            os.ftruncate(self._fd, damage.offset)
            _fsync(self._fd)
        self._rescan()
        return RepairResult(damage.offset, damage.cut_bytes, damage.code, damage.error.message)

    def latest(self) -> Snapshot | None:
        """The last snapshot, as verified when the store was opened or last appended to
        (no reading); damage raises, as in :meth:`StoreReader.latest`."""
        self._data_ready()
        if self._damage is not None:
            raise self._damage.error
        if self._tip is None or self._tip.snapshot is None:
            return super().latest()
        return self._tip.snapshot

    def verify(self) -> StoreReport:
        """As :meth:`StoreReader.verify`, reading through the writer's own file."""
        self._data_ready()
        with _os_errors(self._path):
            return self._verify(self._fd, os.fstat(self._fd).st_size)
