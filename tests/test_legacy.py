"""The original node's SNAPSHOT v1 files (ailee.legacy) and ``ailee-l2-verify legacy``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailee.errors import AileeError, DecodeError, ReasonCode
from ailee.legacy import (
    MAX_LEGACY_LINE_BYTES,
    LegacyAnchor,
    LegacyBalance,
    LegacyEscrow,
    LegacyPegIn,
    LegacyPegOut,
    LegacySnapshot,
    LegacyTask,
    anchor_payload,
    check_legacy,
    format_legacy,
    legacy_root,
    legacy_root_text,
    native_check_failures,
    parse_legacy,
    quote,
    to_native,
)
from ailee.snapshot import read_snapshot, snapshot_to_json
from ailee.verify import check_snapshot, check_snapshot_bytes
from ailee_verify.cli import main
from tests.helpers import load_tool
from tests.independent import reference_legacy

ROOT = Path(__file__).resolve().parent.parent
GEN = load_tool("generate_legacy_vectors")
EMPTY_TEXT = b"L2STATE|v1\nbalances:0\nescrows:0\npegins:0\npegouts:0\ntasks:0\n"
#: sha256 of EMPTY_TEXT, computed once outside ailee (`printf ... | sha256sum`).
EMPTY_ROOT = "c8113438d69a00d3e8efc6ce769d3bfe325b498060fb9a2070a38456b00a0005"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


# --- known answers ---------------------------------------------------------------------


def test_empty_state_known_answer() -> None:
    assert hashlib.sha256(EMPTY_TEXT).hexdigest() == EMPTY_ROOT
    snapshot = parse_legacy(GEN.EMPTY_BLOCK.encode()).snapshots[0]
    assert legacy_root_text(snapshot) == EMPTY_TEXT
    assert legacy_root(snapshot) == EMPTY_ROOT


def test_hand_built_file_root_recomputed_from_the_documented_lines() -> None:
    parsed = parse_legacy(GEN.SAMPLE.encode()).snapshots[0]
    txid, payload_hash = GEN.TXID, GEN.PAYLOAD_HASH
    text = (
        "L2STATE|v1\n"
        "balances:2\nbalance:alice:150000\nbalance:bob:2500\n"
        "escrows:1\nescrow:task-7:alice:1000:1:1700000000100\n"
        f"pegins:1\npegin:peg-1:{txid}:0:160000:bc1qsource:alice:3:6:1700000000:1700000600\n"
        f"pegouts:1\npegout:out-1:bob:bc1qdest:5000:4000:4:{'ab' * 32}:1700000700:0\n"
        f"tasks:1\ntask:task-7:2:5:alice:1700000000200:{payload_hash}:\n"
    ).encode()
    assert legacy_root_text(parsed) == text
    assert legacy_root(parsed) == hashlib.sha256(text).hexdigest()


def test_lists_are_sorted_bytewise_by_id() -> None:
    text = GEN.block(balances=('balance "b" 1', 'balance "B" 2', 'balance "\u00e9" 3'))
    hashed = legacy_root_text(parse_legacy(text.encode()).snapshots[0])
    assert hashed.split(b"\n")[2:5] == [b"balance:B:2", b"balance:b:1", "balance:\u00e9:3".encode()]


def test_every_block_is_parsed_not_only_the_last() -> None:
    data = (GEN.EMPTY_BLOCK + GEN.anchored(GEN.SAMPLE) + GEN.EMPTY_BLOCK).encode()
    parsed = parse_legacy(data)
    assert [s.line for s in parsed.snapshots] == [1, 10, 25]
    assert [s.end_line for s in parsed.snapshots] == [9, 24, 33]
    report = check_legacy(parsed)
    assert [b.root for b in report.blocks][::2] == [EMPTY_ROOT, EMPTY_ROOT]
    assert report.blocks[1].anchor is not None
    assert [c.name for c in report.blocks[1].checks] == ["anchor.root", "anchor.hash",
                                                         "anchor.payload"]  # fmt: skip
    assert report.ok


def test_records_keep_their_fields_and_lines() -> None:
    snapshot = parse_legacy(GEN.SAMPLE.encode()).snapshots[0]
    assert snapshot.balances == (LegacyBalance("alice", 150000, 4), LegacyBalance("bob", 2500, 5))
    assert snapshot.escrows == (LegacyEscrow("task-7", "alice", 1000, True, 1700000000100, 7),)
    assert snapshot.pegins[0].status == 3
    assert snapshot.pegins[0].line == 9
    assert snapshot.pegouts[0].burn_amount == 5000
    assert snapshot.pegouts[0].release_amount == 4000
    assert snapshot.tasks[0].anchor_commitment_hash == ""
    assert snapshot.anchor is None


# --- std::quoted and the writer -------------------------------------------------------


def test_quote_is_std_quoted() -> None:
    assert quote('a"b\\c d') == '"a\\"b\\\\c d"'
    assert quote("") == '""'
    assert quote("x\ny") == '"x\ny"'


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_U64 = st.integers(0, 2**64 - 1)
_INT = st.integers(-(2**31), 2**31 - 1)


@given(_TEXT)
def test_quoted_then_parsed_gives_itself(value: str) -> None:
    text = GEN.block(balances=(f"balance {quote(value)} 7",))
    assert parse_legacy(text.encode()).snapshots[0].balances[0].peer_id == value


_SNAPSHOTS = st.builds(
    LegacySnapshot,
    _U64,
    st.lists(st.builds(LegacyBalance, _TEXT, _U64), max_size=3).map(tuple),
    st.lists(st.builds(LegacyEscrow, _TEXT, _TEXT, _U64, st.booleans(), _U64), max_size=2).map(
        tuple
    ),
    st.lists(
        st.builds(
            LegacyPegIn,
            _TEXT,
            _TEXT,
            st.integers(0, 2**32 - 1),
            _U64,
            _TEXT,
            _TEXT,
            _INT,
            _U64,
            _U64,
            _U64,
        ),
        max_size=2,
    ).map(tuple),
    st.lists(
        st.builds(LegacyPegOut, _TEXT, _TEXT, _TEXT, _U64, _U64, _INT, _TEXT, _U64, _U64),
        max_size=2,
    ).map(tuple),
    st.lists(st.builds(LegacyTask, _TEXT, _INT, _INT, _TEXT, _U64, _TEXT, _TEXT), max_size=2).map(
        tuple
    ),
    st.none() | st.builds(LegacyAnchor, _TEXT, _U64, _TEXT, _TEXT, _TEXT),
)


def _without_lines(snapshot: LegacySnapshot) -> LegacySnapshot:
    def strip(records: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(dataclasses.replace(r, line=0) for r in records)  # type: ignore[type-var]

    anchor = None if snapshot.anchor is None else dataclasses.replace(snapshot.anchor, line=0)
    return dataclasses.replace(
        snapshot,
        balances=strip(snapshot.balances),
        escrows=strip(snapshot.escrows),
        pegins=strip(snapshot.pegins),
        pegouts=strip(snapshot.pegouts),
        tasks=strip(snapshot.tasks),
        anchor=anchor,
        line=0,
        end_line=0,
    )


@given(st.lists(_SNAPSHOTS, min_size=1, max_size=3))
def test_format_then_parse_round_trips(snapshots: list[LegacySnapshot]) -> None:
    data = format_legacy(snapshots)
    parsed = parse_legacy(data)
    assert [_without_lines(s) for s in parsed.snapshots] == snapshots
    assert format_legacy(parsed.snapshots) == data


# --- errors, each with its code and line -----------------------------------------------

_B = GEN.EMPTY_BLOCK
ERRORS = [
    (b"", ReasonCode.LEGACY_EMPTY, 1),
    (_B.encode().replace(b"balances 0\n", b'balances 1\nbalance "\xff" 1\n'),
     ReasonCode.LEGACY_NOT_UTF8, 4),
    (_B.replace("\n", "\r\n").encode(), ReasonCode.LEGACY_LINE_ENDING, 1),
    (GEN.block(balances=(f'balance "{"x" * MAX_LEGACY_LINE_BYTES}" 1',)).encode(),
     ReasonCode.LEGACY_LINE_TOO_LONG, 4),
    (("x\n" + _B).encode(), ReasonCode.LEGACY_SYNTAX, 1),
    ((_B + "\n").encode(), ReasonCode.LEGACY_SYNTAX, 10),
    (_B.replace("tasks 0", "tasks 0 ").encode(), ReasonCode.LEGACY_SYNTAX, 7),
    (GEN.block(balances=('balance "a 1',)).encode(), ReasonCode.LEGACY_BAD_QUOTE, 4),
    (GEN.block(balances=('balance "a\\t" 1',)).encode(), ReasonCode.LEGACY_BAD_QUOTE, 4),
    (GEN.block(balances=('balance "a" 007',)).encode(), ReasonCode.LEGACY_NUMBER, 4),
    (GEN.block(balances=(f'balance "a" {2**64}',)).encode(), ReasonCode.LEGACY_NUMBER, 4),
    (_B.replace("pegins 0", "pegins 2").encode(), ReasonCode.LEGACY_COUNT_MISMATCH, 5),
    ((_B + _B[:-13]).encode(), ReasonCode.LEGACY_UNTERMINATED_BLOCK, 10),
    (GEN.block(balances=('balance "\n', )).encode(), ReasonCode.LEGACY_BAD_QUOTE, 4),
]  # fmt: skip


@pytest.mark.parametrize(("data", "code", "line"), ERRORS)
def test_every_error_has_its_code_and_line(data: bytes, code: ReasonCode, line: int) -> None:
    with pytest.raises(DecodeError) as exc:
        parse_legacy(data)
    assert exc.value.code is code
    assert exc.value.message.startswith(f"line {line}: ")


def test_file_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import ailee.legacy

    monkeypatch.setattr(ailee.legacy, "MAX_LEGACY_FILE_BYTES", 10)
    with pytest.raises(DecodeError) as exc:
        parse_legacy(b"\xff" + b"x" * (MAX_LEGACY_LINE_BYTES + 1))  # before length and UTF-8
    assert exc.value.code is ReasonCode.INPUT_TOO_LARGE
    assert exc.value.message.startswith("line 1: ")


def test_a_torn_string_names_the_line_it_opens() -> None:
    text = GEN.block(balances=('balance "x\nyz" 1',)).split("yz")[0]
    with pytest.raises(DecodeError) as exc:
        parse_legacy((text + "y").encode())
    assert exc.value.code is ReasonCode.LEGACY_UNTERMINATED_BLOCK
    assert exc.value.message.startswith("line 1: ")
    assert "inside the quoted string opened on line 4" in exc.value.message
    # Cut right after an LF inside the string: the file ends in LF, so by docs/legacy.md
    # 1, rule 6, this is a string never closed (the one case a torn write is read so).
    with pytest.raises(DecodeError) as exc:
        parse_legacy(text.encode())
    assert exc.value.code is ReasonCode.LEGACY_BAD_QUOTE
    assert exc.value.message.startswith("line 4: ")


# --- differential fuzz against the second implementation (docs/legacy.md alone) --------

_VECTOR_TEXTS = [
    bytes.fromhex(case["text_hex"]) if "text_hex" in case else case["text"].encode()
    for group in json.loads((ROOT / "vectors" / "legacy.json").read_text())["testGroups"]
    for case in group["tests"]
]
_PIECES = [b" ", b"\n", b"\r", b"\r\n", b'"', b"\\", b":", b"0", b"1", b"-", b"x", b"\t",
           b"balance", b"escrows", b"anchor", b"none", b"SNAPSHOT v1\n", b"END_SNAPSHOT\n",
           b"\xc3\xa9", b"\xff", b"2100000000000001", b"9007199254740992", b"7", b"4"]  # fmt: skip


def _mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three random edits: a byte or piece deleted, inserted or replaced, a cut,
    a line repeated, deleted or swapped, a number changed, a vector's text appended."""
    for _ in range(rng.choice((1, 1, 2, 3))):
        at, op = rng.randrange(len(data) + 1), rng.randrange(8)
        lines = data.split(b"\n")
        k, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        numbers = list(re.finditer(rb"-?[0-9]+", data))
        if op == 0:
            data = data[:at] + data[at + 1 :]
        elif op == 1:
            data = data[:at] + rng.choice(_PIECES) + data[at:]
        elif op == 2:
            data = data[:at] + rng.choice(_PIECES) + data[at + 1 :]
        elif op == 3:
            data = data[:at]
        elif op == 4:
            data = b"\n".join([*lines[:k], lines[j], *lines[k:]])
        elif op == 5:
            data = b"\n".join(lines[:k] + lines[k + 1 :])
        elif op == 6 and numbers:
            m = rng.choice(numbers)
            value = rng.choice((b"0", b"1", b"-1", b"2", b"3", b"7", b"256", b"9007199254740992"))
            data = data[: m.start()] + value + data[m.end() :]
        else:
            data += rng.choice(_VECTOR_TEXTS)
    return data


def _ours(data: bytes) -> Any:
    try:
        parsed = parse_legacy(data)
    except AileeError as exc:
        return exc.code.value, int(exc.message.split(":")[0].removeprefix("line "))
    blocks = GEN._expected(data.decode())["blocks"]
    try:
        native, _ = to_native(parsed.snapshots[-1])
    except AileeError as exc:
        return blocks, exc.code.value, int(exc.message.split(":")[0].removeprefix("line "))
    return blocks, native.state_root.hex()


def _theirs(data: bytes) -> Any:
    try:
        blocks = reference_legacy.read_file(data)
    except reference_legacy.LegacyRejected as exc:
        return exc.code, exc.line
    result = [reference_legacy.block_result(b) for b in blocks]
    try:
        root = reference_legacy.native_root(blocks[-1], "legacy-v1")
    except reference_legacy.LegacyRejected as exc:
        return result, exc.code, exc.line
    return result, root


@pytest.mark.parametrize("seed", range(4))
def test_differential_fuzz_against_the_second_implementation(seed: int) -> None:
    """Random edits of the vectors' texts: both readers give the same first fault (code
    and line), or the same blocks (roots, anchor checks, warnings) and the same
    conversion (native root, or the same fault and line)."""
    rng = random.Random(seed)
    for _ in range(2500):
        data = _mutate(rng, rng.choice(_VECTOR_TEXTS))
        assert _ours(data) == _theirs(data), data


def test_every_legacy_code_is_in_the_vectors() -> None:
    doc = json.loads((ROOT / "vectors" / "legacy.json").read_text())
    seen = {case.get("code") for group in doc["testGroups"] for case in group["tests"]}
    legacy = {code.value for code in ReasonCode if code.value.startswith("LEGACY_")}
    assert legacy <= seen


# --- warnings and the known weaknesses -------------------------------------------------


def test_colon_makes_two_states_share_a_root() -> None:
    a = parse_legacy(GEN.block(escrows=('escrow "t:c" "x" 5 1 9',)).encode()).snapshots[0]
    b = parse_legacy(GEN.block(escrows=('escrow "t" "c:x" 5 1 9',)).encode()).snapshots[0]
    assert a.escrows != b.escrows
    assert legacy_root(a) == legacy_root(b)
    balances = (LegacyBalance("a:1", 2),), (LegacyBalance("a", 12),)
    assert legacy_root(LegacySnapshot(0, balances[0])) != legacy_root(
        LegacySnapshot(0, balances[1])
    )
    report = check_legacy(parse_legacy(GEN.block(escrows=('escrow "t:c" "x" 5 1 9',)).encode()))
    assert [(w.kind, w.line, w.field) for w in report.blocks[0].warnings] == [
        ("colon", 5, "taskId")
    ]


def test_newline_in_an_id_is_a_warning_and_hashed_as_it_is() -> None:
    text = GEN.block(balances=('balance "one\ntwo" 1', 'balance "z" 2'))
    parsed = parse_legacy(text.encode())
    snapshot = parsed.snapshots[0]
    assert snapshot.balances[0].peer_id == "one\ntwo"
    assert snapshot.balances[1].line == 6
    assert b"balance:one\ntwo:1\n" in legacy_root_text(snapshot)
    warnings = check_legacy(parsed).blocks[0].warnings
    assert [(w.kind, w.line) for w in warnings] == [("newline", 4)]


def test_duplicate_ids_are_warned_and_hashed_in_file_order() -> None:
    parsed = parse_legacy(GEN.block(balances=('balance "a" 2', 'balance "a" 1')).encode())
    assert b"balance:a:2\nbalance:a:1\n" in legacy_root_text(parsed.snapshots[0])
    (warning,) = check_legacy(parsed).blocks[0].warnings
    assert (warning.kind, warning.line, warning.field) == ("duplicate", 5, "peerId")
    with pytest.raises(DecodeError) as exc:
        to_native(parsed.snapshots[0])
    assert exc.value.code is ReasonCode.LEGACY_NOT_CONVERTIBLE
    assert exc.value.message.startswith("line 5: ")


# --- anchor rules ----------------------------------------------------------------------


def _anchored(metadata: str = "m") -> LegacySnapshot:
    base = LegacySnapshot(5, (LegacyBalance("alice", 1),))
    root = legacy_root(base)
    payload = anchor_payload(root, 9, metadata)
    digest = hashlib.sha256(payload.encode()).hexdigest()
    return dataclasses.replace(base, anchor=LegacyAnchor(root, 9, metadata, payload, digest))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"state_root": "00" * 32}, ReasonCode.LEGACY_ANCHOR_ROOT_MISMATCH),
        ({"hash": "00" * 32}, ReasonCode.LEGACY_ANCHOR_HASH_MISMATCH),
        ({"recovery_metadata": "other"}, ReasonCode.LEGACY_ANCHOR_PAYLOAD_MISMATCH),
    ],
)
def test_anchor_rules(change: dict[str, str], code: ReasonCode) -> None:
    good = _anchored()
    assert check_legacy(parse_legacy(format_legacy([good]))).ok
    assert good.anchor is not None
    bad = dataclasses.replace(good, anchor=dataclasses.replace(good.anchor, **change))
    report = check_legacy(parse_legacy(format_legacy([bad])))
    assert report.failures()[0].code is code  # the first rule broken
    assert report.failures()[0].detail.startswith("line 9: ")


# --- conversion ------------------------------------------------------------------------


def test_conversion_gives_a_native_snapshot_with_its_true_root() -> None:
    parsed = parse_legacy(GEN.anchored(GEN.SAMPLE).encode())
    native, notes = to_native(parsed.snapshots[-1], "legacy-test")
    state = native.state
    assert [(a.id, a.balance, a.nonce) for a in state.accounts] == [
        ("alice", 150000, 0),
        ("bob", 2500, 0),
    ]
    assert state.pegins[0].btc_txid.hex() == GEN.TXID
    assert state.pegins[0].status == "minted"
    assert state.tasks[0].task_type == "2"
    assert state.pegouts == ()
    assert any("escrow" in note for note in notes)
    assert any("pegout" in note for note in notes)
    result = check_snapshot_bytes("converted", snapshot_to_json(native).encode())
    checks = {check.name: check for check in result.checks}
    assert checks["decode"].ok
    assert checks["state_root"].ok
    assert read_snapshot(snapshot_to_json(native).encode()) == native
    # No federation in the legacy format: the native bridge rules cannot hold.
    assert not checks["conservation"].ok


_POOL_IDS = st.sampled_from(("a", "b", "alice"))
_CONVERTIBLE = st.builds(
    LegacySnapshot,
    st.integers(0, 2**53 - 1),
    st.lists(st.builds(LegacyBalance, _POOL_IDS, st.integers(0, 10**6)), max_size=3).map(tuple),
    pegins=st.lists(
        st.builds(
            LegacyPegIn,
            st.sampled_from(("p", "q", "r")),
            st.sampled_from((GEN.TXID, "ab" * 32)),
            st.integers(0, 3),
            st.integers(1, 10**6),
            st.just("s"),
            _POOL_IDS,
            st.sampled_from((0, 1, 2, 3, 7)),
            st.just(0),
            st.just(0),
            st.just(0),
        ),
        max_size=3,
    ).map(tuple),
)


@given(_CONVERTIBLE)
def test_native_check_failures_are_exactly_what_verify_reports(snapshot: LegacySnapshot) -> None:
    try:
        native, notes = to_native(snapshot)
    except DecodeError:
        return  # a duplicate id or outpoint
    failing = [(c.name, c.code) for c in check_snapshot("converted", native).checks if not c.ok]
    predicted = native_check_failures(native)
    assert failing == [(name, code) for name, code, _ in predicted]
    assert [n for n in notes if "native check" in n] == [
        f"block at line 0: native check {name} will fail ({code.value}): {why}"
        for name, code, why in predicted
    ]


def test_conversion_of_accounts_and_tasks_only_verifies_but_for_conservation() -> None:
    text = GEN.block(tasks=(f'task "t" 1 3 "s" 7 "{GEN.PAYLOAD_HASH}" ""',))
    native, _ = to_native(parse_legacy(text.encode()).snapshots[0])
    result = check_snapshot_bytes("converted", snapshot_to_json(native).encode())
    assert all(check.ok for check in result.checks)


# --- command line ----------------------------------------------------------------------


def test_cli_valid_file_and_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "l2_snapshots.dat"
    path.write_text(GEN.EMPTY_BLOCK + GEN.anchored(GEN.SAMPLE))
    out = tmp_path / "out.json"
    status, stdout, _ = _run(["legacy", str(path), "--convert", str(out)], capsys)
    assert status == 0
    assert f"v1 root {EMPTY_ROOT}" in stdout
    assert "VERIFIED" in stdout
    assert "note: " in stdout
    native = read_snapshot(out.read_bytes())
    assert f"native root {native.state_root.hex()}" in stdout
    assert (
        f"known limit: {out} decodes and its state_root verifies; the native check(s) pegins "
        "(PEGIN_EPOCH_UNKNOWN), conservation (CONSERVATION_VIOLATED) will fail" in stdout
    )
    assert "note: block at line 10: native check conservation will fail" in stdout
    status, stdout, _ = _run(["legacy", str(path), "--convert", str(out), "--json"], capsys)
    failures = json.loads(stdout)["converted"]["native_check_failures"]
    assert [(f["check"], f["code"]) for f in failures] == [
        ("pegins", "PEGIN_EPOCH_UNKNOWN"),
        ("conservation", "CONSERVATION_VIOLATED"),
    ]
    path.write_text(GEN.block(tasks=('task "t" 1 3 "s" 7 "" ""',)))
    status, stdout, _ = _run(["legacy", str(path), "--convert", str(out)], capsys)
    assert status == 0
    assert "every native check passes for this block" in stdout


def test_cli_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.dat"
    path.write_text(GEN.block(escrows=('escrow "t:c" "x" 5 1 9',)))
    status, stdout, _ = _run(["legacy", str(path), "--json"], capsys)
    doc = json.loads(stdout)
    assert status == 0
    assert doc["ok"] is True
    assert doc["blocks"][0]["warnings"][0]["kind"] == "colon"


def test_cli_anchor_failure_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _anchored()
    assert good.anchor is not None
    bad = dataclasses.replace(good, anchor=dataclasses.replace(good.anchor, hash="00" * 32))
    path = tmp_path / "f.dat"
    path.write_bytes(format_legacy([bad]))
    out = tmp_path / "out.json"
    status, stdout, stderr = _run(["legacy", str(path), "--convert", str(out)], capsys)
    assert status == 1
    assert "NOT VERIFIED" in stdout
    assert (
        stderr.strip()
        .splitlines()[-1]
        .startswith("ailee-l2-verify: LEGACY_ANCHOR_HASH_MISMATCH: line 9: ")
    )
    assert not out.exists()


def test_cli_malformed_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.dat"
    path.write_text(GEN.EMPTY_BLOCK.replace("balances 0", "balances 1"))
    status, _, stderr = _run(["legacy", str(path)], capsys)
    assert status == 3
    assert stderr.strip().endswith("LEGACY_COUNT_MISMATCH: line 3: balances 1, but 0 balance "
                                   "line(s) follow")  # fmt: skip
    status, stdout, _ = _run(["legacy", str(path), "--json"], capsys)
    assert status == 3
    assert json.loads(stdout)["code"] == "LEGACY_COUNT_MISMATCH"


def test_cli_not_convertible_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.dat"
    path.write_text(GEN.block(balances=('balance "a b\tc" 1',)))
    status, _, stderr = _run(["legacy", str(path), "--convert", str(tmp_path / "o.json")], capsys)
    assert status == 3
    assert "LEGACY_NOT_CONVERTIBLE: line 4: " in stderr


def test_cli_missing_file_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, stderr = _run(["legacy", str(tmp_path / "nope")], capsys)
    assert status == 3
    assert "FILE_UNREADABLE" in stderr
