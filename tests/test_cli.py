"""ailee-l2-verify: exit codes, the last stderr line, JSON output, proofs, vectors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ailee_verify.cli import main
from tests.helpers import EXAMPLE_CHECKS_AFTER_ROOT, EXAMPLES, ROOT

SNAPSHOT = EXAMPLES / "snapshot.json"
GENESIS = EXAMPLES / "genesis.json"
ROOT_HEX = json.loads(SNAPSHOT.read_text())["state_root"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    code = info.value.code
    assert isinstance(code, int)
    return code, out, err


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


def tampered(tmp_path: Path) -> Path:
    path = tmp_path / "tampered.json"
    text = SNAPSHOT.read_text()
    assert '"balance": 45000000' in text
    path.write_text(text.replace('"balance": 45000000', '"balance": 45000001', 1))
    return path


def test_verify_ok(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, str(SNAPSHOT))
    assert status == 0
    assert last_line(out).startswith("VERIFIED: 1 snapshot")
    assert ROOT_HEX in out
    assert err == ""


def test_verify_chain_and_reversed_chain(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(GENESIS), str(SNAPSHOT))[0] == 0
    status, _, err = run(capsys, str(SNAPSHOT), str(GENESIS))
    assert status == 1
    assert last_line(err).startswith("ailee-l2-verify: CHAIN_SEQUENCE_GAP: ")


def test_tampered_balance_exits_1_with_root_mismatch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, str(tampered(tmp_path)))
    assert status == 1
    assert "NOT VERIFIED" in out
    assert last_line(err).startswith("ailee-l2-verify: STATE_ROOT_MISMATCH: ")


def test_json_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = run(capsys, "--json", str(SNAPSHOT))
    assert status == 0
    report = json.loads(out)
    assert report["ok"] is True
    assert report["root"] == ROOT_HEX
    names = [c["name"] for c in report["snapshots"][0]["checks"]]
    assert names[-11:] == ["state_root", *EXAMPLE_CHECKS_AFTER_ROOT]
    status, out, err = run(capsys, str(tampered(tmp_path)), "--json")
    report = json.loads(out)
    # bob's balance is one satoshi more: the root and conservation both fail.
    codes = ["CONSERVATION_VIOLATED", "STATE_ROOT_MISMATCH"]
    assert (status, report["exit_code"], report["codes"]) == (1, 1, codes)
    assert "STATE_ROOT_MISMATCH" in last_line(err)


def test_malformed_and_unreadable_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ailee-snapshot", "format": 1}')
    cases = [
        (str(bad), "JSON_DUPLICATE_KEY"),
        (str(tmp_path / "missing.json"), "FILE_UNREADABLE"),
        (str(tmp_path), "FILE_UNREADABLE"),
    ]
    for path, code in cases:
        status, _, err = run(capsys, path)
        assert status == 3, path
        assert last_line(err).startswith(f"ailee-l2-verify: {code}: ")
    status, _, err = run(capsys, str(SNAPSHOT), str(bad), str(tampered(tmp_path)))
    assert status == 3


def test_input_too_large_is_refused_before_reading(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(256 * 1024 * 1024 + 1)  # sparse: costs no disk
    status, _, err = run(capsys, str(huge))
    assert status == 3
    assert "INPUT_TOO_LARGE" in last_line(err)


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for args in ([], ["--bogus"], ["prove", str(SNAPSHOT)], ["check-proof", "x"]):
        status, _, err = run(capsys, *args)
        assert status == 2, args
        assert last_line(err).startswith("ailee-l2-verify: USAGE: ")
    status, _, err = run(capsys, "prove", str(SNAPSHOT), "--section", "balances", "--key", "x")
    assert status == 2
    assert last_line(err).startswith("ailee-l2-verify: SECTION_UNKNOWN: ")
    status, _, err = run(capsys, "prove", str(SNAPSHOT), "--section", "anchors", "--key", "x")
    assert (status, last_line(err).split(":")[1].strip()) == (2, "KEY_INVALID")
    status, _, err = run(capsys, "check-proof", str(SNAPSHOT), "--root", "XYZ")
    assert (status, last_line(err).split(":")[1].strip()) == (2, "HEX_INVALID")
    status, _, err = run(capsys, "check-proof", str(SNAPSHOT), "--root", "00")
    assert (status, last_line(err).split(":")[1].strip()) == (2, "BYTES_WRONG_LENGTH")


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert "Exit codes" in out
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert "ailee-l2-verify" in out


@pytest.mark.parametrize(
    ("section", "key", "kind"),
    [
        ("accounts", "bob", "inclusion"),
        ("accounts", "dave", "non-inclusion"),
        (
            "pegouts",
            "489d07eee41bc4c10a78b36853483352cf3df46c5cecdbc02b33699e14876756",
            "inclusion",
        ),
        ("anchors", "0", "inclusion"),
        ("anchors", "7", "non-inclusion"),
        ("recovery", "anything", "non-inclusion"),
        ("federation", "0", "inclusion"),
    ],
)
def test_prove_then_check_proof(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, section: str, key: str, kind: str
) -> None:
    status, out, _ = run(capsys, "prove", str(SNAPSHOT), "--section", section, "--key", key)
    assert status == 0
    assert json.loads(out)["kind"] == kind
    proof = tmp_path / "proof.json"
    proof.write_text(out)
    status, out, _ = run(capsys, "check-proof", str(proof), "--root", ROOT_HEX)
    assert status == 0
    assert out.startswith(f"VALID {kind} proof")
    status, out, _ = run(capsys, "check-proof", str(proof), "--root", ROOT_HEX, "--json")
    assert json.loads(out)["ok"] is True
    wrong = ("0" if ROOT_HEX[0] != "0" else "1") + ROOT_HEX[1:]
    status, _, err = run(capsys, "check-proof", str(proof), "--root", wrong)
    assert status == 1
    assert last_line(err).startswith("ailee-l2-verify: PROOF_ROOT_MISMATCH: ")


def test_prove_refuses_a_snapshot_with_a_wrong_root(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(
        capsys, "prove", str(tampered(tmp_path)), "--section", "accounts", "--key", "bob"
    )
    assert status == 1
    assert "STATE_ROOT_MISMATCH" in last_line(err)


def test_check_proof_on_a_malformed_proof(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    proof = tmp_path / "p.json"
    proof.write_text("[]")
    status, out, err = run(capsys, "check-proof", str(proof), "--root", ROOT_HEX, "--json")
    assert status == 3
    outcome = json.loads(out)
    assert (outcome["ok"], outcome["code"]) == (False, "SCHEMA_WRONG_TYPE")
    assert "SCHEMA_WRONG_TYPE" in last_line(err)


def test_vectors_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = run(capsys, "vectors", str(ROOT / "vectors"), "--quiet")
    assert status == 0
    assert last_line(out).endswith(" passed, 0 failed")
    status, _, err = run(capsys, "vectors", str(tmp_path))
    assert (status, last_line(err).split(":")[1].strip()) == (3, "FILE_UNREADABLE")
    doc = json.loads((ROOT / "vectors" / "cbor_decode.json").read_text())
    doc["testGroups"][0]["tests"][0]["input"] = "f7"  # undefined: now invalid, vector says valid
    (tmp_path / "wrong.json").write_text(json.dumps(doc))
    status, out, err = run(capsys, "vectors", str(tmp_path))
    assert status == 1
    assert "FAIL" in out
    assert last_line(err).startswith("ailee-l2-verify: VECTOR_CASE_FAILED: ")
    (tmp_path / "wrong.json").write_text("{}")
    status, _, err = run(capsys, "vectors", str(tmp_path))
    assert status == 3


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    fake = io.TextIOWrapper(io.BytesIO(SNAPSHOT.read_bytes()))
    monkeypatch.setattr(sys, "stdin", fake)
    assert run(capsys, "-")[0] == 0


def _command() -> list[str]:
    script = shutil.which("ailee-l2-verify")
    if script is not None:
        return [script]
    return [sys.executable, "-m", "ailee_verify"]


def test_installed_command_in_a_subprocess(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONWARNINGS="error")
    ok = subprocess.run(
        [*_command(), str(SNAPSHOT)], capture_output=True, text=True, env=env, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert "VERIFIED" in ok.stdout
    bad = subprocess.run(
        [*_command(), str(tampered(tmp_path))], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1
    assert last_line(bad.stderr).startswith("ailee-l2-verify: STATE_ROOT_MISMATCH: ")
    assert "Traceback" not in bad.stderr
    module = subprocess.run(
        [sys.executable, "-m", "ailee_verify", "--help"], capture_output=True, check=False
    )
    assert module.returncode == 0


def test_a_bug_is_reported_as_internal_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ailee.verify

    def broken(source: str, data: bytes, policy: object = None) -> object:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(ailee.verify, "check_snapshot_bytes", broken)
    status, _, err = run(capsys, str(SNAPSHOT))
    assert status == 4
    assert last_line(err) == "ailee-l2-verify: INTERNAL_ERROR: RuntimeError: simulated bug"
