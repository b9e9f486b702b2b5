"""The snapshot store (ailee.store): format, durability rules, every reason code, repair,
locking, and the ``store`` commands of ailee-l2-verify."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailee import store as store_module
from ailee.anchors import make_anchor
from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.snapshot import Snapshot, snapshot_from_json, snapshot_to_cbor
from ailee.state import ZERO_ROOT, Account, Header, L2State
from ailee.store import (
    DATA_FILE,
    MAGIC,
    RECORD_HEADER_BYTES,
    Store,
    StoreReader,
    encode_record,
)
from ailee_verify.cli import main

ROOT = Path(__file__).resolve().parent.parent
HEADER_BYTES = len(MAGIC) + 4
pytestmark = pytest.mark.skipif(os.name != "posix", reason="the store is POSIX only")


def state(sequence: int, prev: bytes, *, chain_id: str = "store-test", nonce: int = 0) -> L2State:
    header = Header(2, chain_id, sequence, prev, 1_000 + sequence)
    return L2State(header, accounts=(Account("alice", 0, nonce + sequence),))


def chain(count: int, *, nonce: int = 0) -> list[Snapshot]:
    """``count`` chained snapshots from a genesis."""
    snapshots: list[Snapshot] = []
    for sequence in range(count):
        prev = snapshots[-1].state_root if snapshots else ZERO_ROOT
        snapshots.append(Snapshot.of(state(sequence, prev, nonce=nonce)))
    return snapshots


def make_store(directory: Path, snapshots: list[Snapshot]) -> Path:
    with Store.open(directory, create=True) as store:
        for snapshot in snapshots:
            store.append(snapshot)
    return directory / DATA_FILE


def raw_store(directory: Path, payloads: list[bytes]) -> Path:
    """A data file written by hand: the header and ``payloads`` framed as records."""
    directory.mkdir()
    path = directory / DATA_FILE
    path.write_bytes(MAGIC + (1).to_bytes(4, "big") + b"".join(map(encode_record, payloads)))
    return path


def offsets(path: Path) -> list[int]:
    """Where each record starts, then the end of the file."""
    data = path.read_bytes()
    found, at = [], HEADER_BYTES
    while at < len(data):
        found.append(at)
        at += RECORD_HEADER_BYTES + int.from_bytes(data[at : at + 4], "big")
    return [*found, at]


def flip(path: Path, at: int, mask: int = 0x01) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= mask
    path.write_bytes(bytes(data))


def code_of(call: Callable[[], object]) -> ReasonCode:
    with pytest.raises(AileeError) as info:
        call()
    return info.value.code


def drain(reader: StoreReader) -> list[Snapshot]:
    return list(reader.iterate())


# --- format and round trips ------------------------------------------------------------


def test_format_is_header_then_framed_canonical_cbor(tmp_path: Path) -> None:
    snapshots = chain(2)
    path = make_store(tmp_path / "s", snapshots)
    data = path.read_bytes()
    assert data[:16] == b"\x89ailee-store\r\n\x1a\n"
    assert data[16:20] == b"\x00\x00\x00\x01"
    at = HEADER_BYTES
    tag = hashlib.sha256(b"ailee/v2/store/record").digest()
    for snapshot in snapshots:
        payload = snapshot_to_cbor(snapshot)
        length = len(payload).to_bytes(4, "big")
        assert data[at : at + 4] == length
        assert int.from_bytes(data[at + 4 : at + 8], "big") == len(payload) ^ 0xFFFFFFFF
        checksum = hashlib.sha256(tag + tag + length + payload).digest()
        assert data[at + 8 : at + 40] == checksum
        assert data[at + 40 : at + 40 + len(payload)] == payload
        at += 40 + len(payload)
    assert at == len(data)


def test_round_trip(tmp_path: Path) -> None:
    snapshots = chain(6)
    make_store(tmp_path / "s", snapshots)
    reader = StoreReader(tmp_path / "s")
    assert drain(reader) == snapshots
    assert reader.latest() == snapshots[-1]
    assert [reader.get(k) for k in range(6)] == snapshots
    report = reader.verify()
    assert report.ok
    assert report.exit_code == 0
    assert (report.records, report.tip_sequence) == (6, 5)
    assert report.tip_root == snapshots[-1].state_root
    assert report.to_json()["codes"] == []


def test_an_empty_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s", create=True) as store:
        assert store.latest() is None
    reader = StoreReader(tmp_path / "s")
    assert reader.latest() is None
    assert drain(reader) == []
    assert reader.verify().ok
    assert (tmp_path / "s" / DATA_FILE).read_bytes() == MAGIC + b"\x00\x00\x00\x01"


def test_reopening_continues_the_chain(tmp_path: Path) -> None:
    snapshots = chain(5)
    make_store(tmp_path / "s", snapshots[:3])
    with Store.open(tmp_path / "s") as store:
        assert store.latest() == snapshots[2]
        store.append(snapshots[3])
    with Store.open(tmp_path / "s") as store:
        store.append(snapshots[4])
        assert store.verify().ok
    assert drain(StoreReader(tmp_path / "s")) == snapshots


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 5), min_size=1, max_size=6))
def test_any_valid_appends_read_back_identical(shape: list[int]) -> None:
    snapshots: list[Snapshot] = []
    for sequence, extra in enumerate(shape):
        prev = snapshots[-1].state_root if snapshots else ZERO_ROOT
        accounts = tuple(Account(f"acct-{k}", 0, extra) for k in range(extra))
        header = Header(2, "prop", sequence, prev, 10 * sequence + extra)
        snapshots.append(Snapshot.of(L2State(header, accounts=accounts)))
    with tempfile.TemporaryDirectory() as tmp:
        make_store(Path(tmp) / "s", snapshots)
        reader = StoreReader(Path(tmp) / "s")
        assert drain(reader) == snapshots
        assert reader.latest() == snapshots[-1]
        assert reader.verify().ok


# --- opening -----------------------------------------------------------------------------


def test_not_found(tmp_path: Path) -> None:
    assert code_of(lambda: StoreReader(tmp_path / "none")) is ReasonCode.STORE_NOT_FOUND
    assert code_of(lambda: Store.open(tmp_path / "none")) is ReasonCode.STORE_NOT_FOUND
    (tmp_path / "empty").mkdir()
    assert code_of(lambda: StoreReader(tmp_path / "empty")) is ReasonCode.STORE_NOT_FOUND
    assert code_of(lambda: Store.open(tmp_path / "empty")) is ReasonCode.STORE_NOT_FOUND


@pytest.mark.parametrize("at", range(16))
def test_bad_magic(tmp_path: Path, at: int) -> None:
    path = make_store(tmp_path / "s", chain(1))
    flip(path, at)
    assert code_of(lambda: StoreReader(tmp_path / "s")) is ReasonCode.STORE_BAD_MAGIC
    assert code_of(lambda: Store.open(tmp_path / "s")) is ReasonCode.STORE_BAD_MAGIC


def test_a_file_cut_inside_its_header_is_bad_magic(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s", [])
    for size in range(HEADER_BYTES):
        path.write_bytes((MAGIC + b"\x00\x00\x00\x01")[:size])
        assert code_of(lambda: StoreReader(tmp_path / "s")) is ReasonCode.STORE_BAD_MAGIC


@pytest.mark.parametrize("version", [0, 2, 0x01000001])
def test_unsupported_version(tmp_path: Path, version: int) -> None:
    path = make_store(tmp_path / "s", chain(1))
    data = path.read_bytes()
    path.write_bytes(data[:16] + version.to_bytes(4, "big") + data[20:])
    assert code_of(lambda: StoreReader(tmp_path / "s")) is ReasonCode.STORE_UNSUPPORTED_VERSION
    assert code_of(lambda: Store.open(tmp_path / "s")) is ReasonCode.STORE_UNSUPPORTED_VERSION


# --- damage in the middle: reported, never skipped, not repaired unasked -----------------


@pytest.mark.parametrize(
    ("where", "code"),
    [
        (0, ReasonCode.STORE_LENGTH_CORRUPT),  # length
        (3, ReasonCode.STORE_LENGTH_CORRUPT),
        (4, ReasonCode.STORE_LENGTH_CORRUPT),  # its complement
        (7, ReasonCode.STORE_LENGTH_CORRUPT),
        (8, ReasonCode.STORE_CHECKSUM_MISMATCH),  # checksum
        (39, ReasonCode.STORE_CHECKSUM_MISMATCH),
        (40, ReasonCode.STORE_CHECKSUM_MISMATCH),  # payload
        (-1, ReasonCode.STORE_CHECKSUM_MISMATCH),
    ],
)
def test_a_damaged_middle_record(tmp_path: Path, where: int, code: ReasonCode) -> None:
    snapshots = chain(4)
    path = make_store(tmp_path / "s", snapshots)
    starts = offsets(path)
    flip(path, (starts[2] if where >= 0 else starts[3]) + where)
    reader = StoreReader(tmp_path / "s")
    report = reader.verify()
    assert report.damage is not None
    assert report.damage.code is code
    assert (report.records, report.damage.offset, report.damage.final) == (2, starts[2], False)
    assert report.exit_code == 3
    assert not report.ok
    seen: list[Snapshot] = []
    with pytest.raises(DecodeError) as info:
        seen.extend(reader.iterate())
    assert info.value.code is code
    assert seen == snapshots[:2]
    with Store.open(tmp_path / "s") as store:
        assert code_of(lambda: store.append(chain(5)[4])) is code
        assert code_of(store.repair) is code  # would cut the two records after it
        assert path.stat().st_size == starts[4]
        cut = store.repair(discard_records=True)
        assert (cut.offset, cut.cut_bytes, cut.code) == (starts[2], starts[4] - starts[2], code)
        store.append(snapshots[2])
    assert drain(StoreReader(tmp_path / "s")) == snapshots[:3]


def test_latest_walks_headers_only(tmp_path: Path) -> None:
    """A damaged middle payload is verify()'s and iterate()'s to find, not latest()'s."""
    snapshots = chain(3)
    path = make_store(tmp_path / "s", snapshots)
    flip(path, offsets(path)[1] + 50)
    reader = StoreReader(tmp_path / "s")
    assert reader.latest() == snapshots[2]
    assert code_of(lambda: drain(reader)) is ReasonCode.STORE_CHECKSUM_MISMATCH
    report = reader.verify()
    assert report.damage is not None
    assert report.damage.code is ReasonCode.STORE_CHECKSUM_MISMATCH


def test_record_too_large(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s", chain(2))
    huge = store_module.MAX_RECORD_BYTES + 1
    with path.open("ab") as handle:
        handle.write(huge.to_bytes(4, "big") + (huge ^ 0xFFFFFFFF).to_bytes(4, "big") + bytes(40))
    report = StoreReader(tmp_path / "s").verify()
    assert report.damage is not None
    assert report.damage.code is ReasonCode.STORE_RECORD_TOO_LARGE
    assert report.records == 2


def test_encode_record_refuses_a_payload_over_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "MAX_RECORD_BYTES", 10)
    assert code_of(lambda: encode_record(bytes(11))) is ReasonCode.STORE_RECORD_TOO_LARGE
    assert len(encode_record(bytes(10))) == 50


def test_a_checksummed_payload_that_is_not_a_snapshot(tmp_path: Path) -> None:
    genesis = snapshot_to_cbor(chain(1)[0])
    raw_store(tmp_path / "s", [genesis, b"\xa0"])
    report = StoreReader(tmp_path / "s").verify()
    assert report.damage is not None
    assert report.damage.final
    assert report.damage.code is ReasonCode.SCHEMA_MISSING_FIELD
    assert report.exit_code == 3
    assert report.records == 1
    with Store.open(tmp_path / "s") as store:
        assert store.repair().code is ReasonCode.SCHEMA_MISSING_FIELD
    assert StoreReader(tmp_path / "s").verify().ok


def test_non_canonical_cbor_is_refused(tmp_path: Path) -> None:
    payload = snapshot_to_cbor(chain(1)[0])
    raw_store(tmp_path / "s", [payload + b"\x00"])
    report = StoreReader(tmp_path / "s").verify()
    assert report.damage is not None
    assert report.damage.code is ReasonCode.CBOR_TRAILING_BYTES


# --- torn tails ---------------------------------------------------------------------------


def test_truncation_at_every_offset_of_the_last_record(tmp_path: Path) -> None:
    snapshots = chain(3)
    path = make_store(tmp_path / "s", snapshots)
    full = path.read_bytes()
    last, end = offsets(path)[2:]
    next_one = chain(4)[3]
    for size in range(last + 1, end):
        path.write_bytes(full[:size])
        reader = StoreReader(tmp_path / "s")
        report = reader.verify()
        assert report.damage is not None, size
        assert report.damage.code is ReasonCode.STORE_TORN_TAIL, size
        assert (report.damage.offset, report.damage.final, report.records) == (last, True, 2)
        assert report.exit_code == 1
        assert not report.writer_active
        assert str(last) in report.damage.error.message
        seen: list[Snapshot] = []
        with pytest.raises(VerificationError) as info:
            seen.extend(reader.iterate())
        assert info.value.code is ReasonCode.STORE_TORN_TAIL
        assert seen == snapshots[:2]
        assert code_of(reader.latest) is ReasonCode.STORE_TORN_TAIL
        with Store.open(tmp_path / "s") as store:
            assert code_of(lambda s=store: s.append(snapshots[2])) is ReasonCode.STORE_TORN_TAIL
            assert path.stat().st_size == size  # nothing was written
            cut = store.repair()
            assert (cut.offset, cut.cut_bytes) == (last, size - last)
            assert cut.code is ReasonCode.STORE_TORN_TAIL
            assert store.repair().cut_bytes == 0
            store.append(snapshots[2])
            store.append(next_one)
        assert drain(StoreReader(tmp_path / "s")) == [*snapshots, next_one]
        path.write_bytes(full)


def test_a_zero_filled_tail_is_torn(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s", chain(2))
    with path.open("ab") as handle:
        handle.write(bytes(4096))
    report = StoreReader(tmp_path / "s").verify()
    assert report.damage is not None
    assert report.damage.code is ReasonCode.STORE_TORN_TAIL
    with Store.open(tmp_path / "s") as store:
        assert store.repair().cut_bytes == 4096
    assert StoreReader(tmp_path / "s").verify().ok


def test_a_damaged_last_record_is_repairable(tmp_path: Path) -> None:
    snapshots = chain(3)
    path = make_store(tmp_path / "s", snapshots)
    last = offsets(path)[2]
    flip(path, last + 60)
    with Store.open(tmp_path / "s") as store:
        assert store.damage is not None
        assert store.damage.final
        assert store.damage.code is ReasonCode.STORE_CHECKSUM_MISMATCH
        assert store.repair().offset == last
        assert store.latest() == snapshots[1]
        store.append(snapshots[2])
    assert StoreReader(tmp_path / "s").verify().ok


def test_readers_see_a_writers_lock_on_a_torn_tail(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s", chain(2))
    with Store.open(tmp_path / "s"), path.open("ab") as handle:
        handle.write(b"\x00\x00\x01")
        handle.flush()
        report = StoreReader(tmp_path / "s").verify()
        assert report.writer_active
        assert report.to_json()["writer_active"] is True
        with pytest.raises(VerificationError, match="a writer holds the lock"):
            StoreReader(tmp_path / "s").latest()
    assert not StoreReader(tmp_path / "s").verify().writer_active


# --- chaining -------------------------------------------------------------------------------


def test_append_refuses_what_does_not_chain(tmp_path: Path) -> None:
    snapshots = chain(3)
    with Store.open(tmp_path / "s", create=True) as store:
        assert code_of(lambda: store.append(snapshots[1])) is ReasonCode.STORE_NOT_CHAINED
        store.append(snapshots[0])
        size = (tmp_path / "s" / DATA_FILE).stat().st_size
        wrong = [
            snapshots[0],  # the same sequence again
            snapshots[2],  # a gap
            Snapshot.of(state(1, bytes(31) + b"\x01")),  # another previous root
            Snapshot.of(state(1, snapshots[0].state_root, chain_id="other")),
            Snapshot.of(  # time goes backwards
                L2State(
                    Header(2, "store-test", 1, snapshots[0].state_root, 999),
                    accounts=(Account("alice", 0, 1),),
                )
            ),
        ]
        for snapshot in wrong:
            with pytest.raises(VerificationError) as info:
                store.append(snapshot)
            assert info.value.code is ReasonCode.STORE_NOT_CHAINED, snapshot
        claimed = Snapshot(snapshots[1].state, bytes(32))
        assert code_of(lambda: store.append(claimed)) is ReasonCode.STATE_ROOT_MISMATCH
        assert (tmp_path / "s" / DATA_FILE).stat().st_size == size
        store.append(snapshots[1])


def test_append_checks_anchors_against_older_stored_roots(tmp_path: Path) -> None:
    snapshots = chain(3)
    make_store(tmp_path / "s", snapshots)

    def anchored(root: bytes) -> Snapshot:
        anchor = make_anchor(chain_id="store-test", sequence=0, timestamp_ms=1_000, state_root=root)
        header = Header(2, "store-test", 3, snapshots[2].state_root, 1_003)
        return Snapshot.of(L2State(header, accounts=(Account("alice", 0, 3),), anchors=(anchor,)))

    with Store.open(tmp_path / "s") as store:
        with pytest.raises(VerificationError, match="CHAIN_ANCHOR_ROOT_MISMATCH") as info:
            store.append(anchored(bytes(32)))
        assert info.value.code is ReasonCode.STORE_NOT_CHAINED
        store.append(anchored(snapshots[0].state_root))
    assert StoreReader(tmp_path / "s").verify().ok


def test_stored_records_that_do_not_chain(tmp_path: Path) -> None:
    a, _, c = chain(3)
    raw_store(tmp_path / "gap", [snapshot_to_cbor(a), snapshot_to_cbor(c)])
    reader = StoreReader(tmp_path / "gap")
    report = reader.verify()
    assert report.damage is None
    assert report.exit_code == 1
    assert "chain[2].sequence" in [check.name for check in report.failures]
    assert ReasonCode.CHAIN_SEQUENCE_GAP.value in report.codes
    assert code_of(lambda: drain(reader)) is ReasonCode.STORE_NOT_CHAINED
    assert code_of(lambda: reader.get(1)) is ReasonCode.STORE_NOT_CHAINED
    with Store.open(tmp_path / "gap") as store:  # the last record is the damage
        assert store.damage is not None
        assert store.damage.code is ReasonCode.STORE_NOT_CHAINED
        store.repair()
    assert StoreReader(tmp_path / "gap").verify().ok

    late = Snapshot.of(state(1, bytes(31) + b"\x07"))
    raw_store(tmp_path / "late", [snapshot_to_cbor(late)])
    report = StoreReader(tmp_path / "late").verify()
    assert [check.name for check in report.failures] == ["store.genesis"]
    assert report.failures[0].code is ReasonCode.STORE_NOT_CHAINED


def test_a_stored_snapshot_that_does_not_verify(tmp_path: Path) -> None:
    genesis = chain(1)[0]
    raw_store(tmp_path / "s", [snapshot_to_cbor(Snapshot(genesis.state, bytes(32)))])
    report = StoreReader(tmp_path / "s").verify()
    assert [check.name for check in report.failures] == ["snapshot[0].state_root"]
    assert report.exit_code == 1


# --- locking, lookups, I/O errors ----------------------------------------------------------


def test_a_second_writer_is_locked_out(tmp_path: Path) -> None:
    make_store(tmp_path / "s", chain(1))
    with Store.open(tmp_path / "s"):
        assert code_of(lambda: Store.open(tmp_path / "s")) is ReasonCode.STORE_LOCKED
        assert StoreReader(tmp_path / "s").verify().ok  # readers need no lock
    Store.open(tmp_path / "s").close()


def test_a_writer_in_another_process_locks_us_out(tmp_path: Path) -> None:
    make_store(tmp_path / "s", chain(1))
    script = (
        "import sys\nfrom ailee.store import Store\n"
        "with Store.open(sys.argv[1]):\n    print('locked', flush=True)\n    sys.stdin.read()\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "s")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    assert child.stdin is not None
    try:
        assert child.stdout.readline() == b"locked\n"
        with pytest.raises(DecodeError) as info:
            Store.open(tmp_path / "s")
        assert info.value.code is ReasonCode.STORE_LOCKED
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    Store.open(tmp_path / "s").close()


def test_sequence_unknown(tmp_path: Path) -> None:
    make_store(tmp_path / "s", chain(2))
    with pytest.raises(VerificationError) as info:
        StoreReader(tmp_path / "s").get(2)
    assert info.value.code is ReasonCode.STORE_SEQUENCE_UNKNOWN


def test_a_failed_sync_is_an_error_and_leaves_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshots = chain(3)
    path = make_store(tmp_path / "s", snapshots[:1])
    size = path.stat().st_size
    with Store.open(tmp_path / "s") as store:

        def failing(fd: int) -> None:
            raise OSError(5, "Input/output error")

        with monkeypatch.context() as patch:
            patch.setattr(store_module.os, "fsync", failing)
            assert code_of(lambda: store.append(snapshots[1])) is ReasonCode.STORE_IO_ERROR
        assert path.stat().st_size == size
        # After a failed sync the page cache cannot be trusted: reopen to continue.
        assert code_of(lambda: store.append(snapshots[1])) is ReasonCode.STORE_IO_ERROR
    with Store.open(tmp_path / "s") as store:
        store.append(snapshots[1])
    assert drain(StoreReader(tmp_path / "s")) == snapshots[:2]


def test_a_closed_store_refuses(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s", create=True)
    store.close()
    store.close()
    assert code_of(lambda: store.append(chain(1)[0])) is ReasonCode.STORE_IO_ERROR


def test_os_errors_never_escape_raw(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / DATA_FILE).mkdir()  # a directory where the data file should be
    assert code_of(lambda: StoreReader(tmp_path / "s")) is ReasonCode.STORE_IO_ERROR
    assert code_of(lambda: Store.open(tmp_path / "s")) is ReasonCode.STORE_IO_ERROR


# --- any damage is detected ------------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return make_store(Path(tmp) / "s", chain(3)).read_bytes()


def _boundaries(data: bytes) -> set[int]:
    at, found = HEADER_BYTES, {HEADER_BYTES}
    while at < len(data):
        at += RECORD_HEADER_BYTES + int.from_bytes(data[at : at + 4], "big")
        found.add(at)
    return found


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_truncation_or_corruption_is_detected(pristine: bytes, data: st.DataObject) -> None:
    """Every single-byte change, and every cut that is not at a record boundary, is
    reported by verify(), iterate(), latest() or opening a writer; only AileeErrors."""
    if data.draw(st.booleans(), label="truncate"):
        size = data.draw(
            st.integers(0, len(pristine) - 1).filter(lambda n: n not in _boundaries(pristine)),
            label="size",
        )
        damaged = pristine[:size]
    else:
        at = data.draw(st.integers(0, len(pristine) - 1), label="at")
        mask = data.draw(st.integers(1, 255), label="mask")
        damaged = bytearray(pristine)
        damaged[at] ^= mask
        damaged = bytes(damaged)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "s"
        directory.mkdir()
        (directory / DATA_FILE).write_bytes(damaged)
        try:
            report = StoreReader(directory).verify()
        except AileeError:
            pass
        else:
            assert not report.ok
            assert report.exit_code in (1, 3)
        with pytest.raises(AileeError):
            drain(StoreReader(directory))
        try:
            with Store.open(directory) as store:
                assert store.damage is not None or store.verify().failures
        except AileeError:
            pass


# --- the command line ------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    assert isinstance(info.value.code, int)
    return info.value.code, out, err


def test_cli_store_verify(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = make_store(tmp_path / "s", chain(3))
    status, out, _ = run(capsys, "store", "verify", str(tmp_path / "s"))
    assert status == 0
    assert "VERIFIED: 3 snapshots" in out
    status, out, _ = run(capsys, "store", "verify", str(tmp_path / "s"), "--json")
    doc = json.loads(out)
    assert status == 0
    assert doc["ok"] is True
    assert doc["records"] == 3
    with path.open("ab") as handle:
        handle.write(b"\x00\x00\x01")
    status, out, err = run(capsys, "store", "verify", str(tmp_path / "s"))
    assert status == 1
    assert "STORE_TORN_TAIL" in out
    assert err.splitlines()[-1].startswith("ailee-l2-verify: STORE_TORN_TAIL: ")
    status, out, _ = run(capsys, "store", "verify", "--json", str(tmp_path / "s"))
    assert status == 1
    assert json.loads(out)["damage"]["code"] == "STORE_TORN_TAIL"
    flip(path, offsets(path)[1] + 50)
    status, _, err = run(capsys, "store", "verify", str(tmp_path / "s"))
    assert status == 3
    assert "STORE_CHECKSUM_MISMATCH" in err.splitlines()[-1]
    status, _, err = run(capsys, "store", "verify", str(tmp_path / "none"))
    assert status == 3
    assert "STORE_NOT_FOUND" in err.splitlines()[-1]


def test_cli_store_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    snapshots = chain(3)
    make_store(tmp_path / "s", snapshots)
    status, out, _ = run(capsys, "store", "export", str(tmp_path / "s"), "--seq", "1")
    assert status == 0
    assert snapshot_from_json(out.encode()) == snapshots[1]
    target = tmp_path / "one.json"
    status, out, _ = run(
        capsys, "store", "export", str(tmp_path / "s"), "--seq", "2", "-o", str(target)
    )
    assert status == 0
    assert snapshot_from_json(target.read_bytes()) == snapshots[2]
    status, _, err = run(capsys, "store", "export", str(tmp_path / "s"), "--seq", "3")
    assert status == 1
    assert "STORE_SEQUENCE_UNKNOWN" in err.splitlines()[-1]
    status, _, err = run(capsys, "store", "export", str(tmp_path / "s"))
    assert status == 2


def test_cli_store_repair(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = make_store(tmp_path / "s", chain(2))
    size = path.stat().st_size
    status, out, _ = run(capsys, "store", "repair", str(tmp_path / "s"))
    assert status == 0
    assert "nothing to repair" in out
    with path.open("ab") as handle:
        handle.write(b"\x00\x00\x00\x05\xff")
    status, out, _ = run(capsys, "store", "repair", str(tmp_path / "s"))
    assert status == 0
    assert f"cut 5 bytes at offset {size}" in out
    assert "STORE_TORN_TAIL" in out
    assert path.stat().st_size == size
    flip(path, offsets(path)[0] + 50)
    status, _, err = run(capsys, "store", "repair", str(tmp_path / "s"))
    assert status == 3
    assert "STORE_CHECKSUM_MISMATCH" in err.splitlines()[-1]
    with Store.open(tmp_path / "s"):
        status, _, err = run(capsys, "store", "repair", str(tmp_path / "s"))
        assert status == 3
        assert "STORE_LOCKED" in err.splitlines()[-1]
