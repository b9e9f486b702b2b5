"""The Bitcoin-layer commands: spv, anchor build / decode, verify --evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ailee.anchors import anchor_script, parse_anchor_script
from ailee.headers import block_hash, display_hex
from ailee.snapshot import read_snapshot
from tests.btc import load_bytes, load_json, regtest
from tests.helpers import EXAMPLES
from tests.test_cli import last_line, run

SNAPSHOT = EXAMPLES / "snapshot.json"
EVIDENCE = EXAMPLES / "evidence.json"


def mainnet_files(tmp_path: Path) -> tuple[Path, str, str]:
    """Headers 822528..830592 as a hex file, the checkpoint, and a proof in 830000."""
    data = load_bytes("mainnet_headers_822528_830592.bin")
    headers = tmp_path / "headers.txt"
    headers.write_text("\n".join(data[k : k + 80].hex() for k in range(0, len(data), 80)))
    checkpoint = f"822528:{display_hex(block_hash(data[:80]))}"
    proof = next(
        p
        for p in load_json("mainnet_txoutproofs_830000_831332.json")["proofs"]
        if p["height"] == 830_000
    )
    return headers, checkpoint, proof["txoutproof_hex"]


def test_spv_on_mainnet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    headers, checkpoint, proof = mainnet_files(tmp_path)
    status, out, err = run(
        capsys, "spv", "--headers", str(headers), "--proof", proof, "--checkpoint", checkpoint
    )
    assert status == 0, err
    assert out.startswith("PROVEN txid ")
    assert "at height 830000 of mainnet, 593 confirmation(s)" in out
    assert "not checked: median time past at height 822529..822538" in out
    assert "not checked: 64-byte transaction rule" in out
    status, out, err = run(
        capsys, "spv", "--headers", str(headers), "--proof", proof, "--checkpoint", checkpoint,
        "--min-confirmations", "594", "--json",
    )  # fmt: skip
    assert status == 1
    assert json.loads(out) == {
        "ok": False,
        "code": "SPV_TOO_FEW_CONFIRMATIONS",
        "detail": json.loads(out)["detail"],
    }
    assert last_line(err).startswith("ailee-l2-verify: SPV_TOO_FEW_CONFIRMATIONS: ")


def test_spv_json_and_raw_headers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = json.loads(EVIDENCE.read_text())
    headers = tmp_path / "headers.bin"
    headers.write_bytes(b"".join(bytes.fromhex(h) for h in doc["header_chains"][0]))
    item = doc["anchors"][0]
    proof_file = tmp_path / "proof.hex"
    proof_file.write_text(item["txoutproof"] + "\n")
    status, out, err = run(
        capsys, "spv", "--headers", str(headers), "--proof", str(proof_file), "--tx", item["tx"],
        "--network", "regtest", "--min-confirmations", "6", "--json",
    )  # fmt: skip
    assert status == 0, err
    result = json.loads(out)
    assert result["ok"] is True
    assert result["height"] == 1
    assert result["confirmations"] == 102
    assert result["network"] == "regtest"
    assert len(result["txids"]) == 1


@pytest.mark.parametrize(
    ("args", "status", "code"),
    [
        (["--network", "nonet"], 2, "NETWORK_UNKNOWN"),
        (["--checkpoint", "12"], 2, "CHECKPOINT_INVALID"),
        (["--proof", "00"], 3, "BTC_TRUNCATED"),
        (["--tx", "zz-neither-file-nor-hex"], 2, "HEX_INVALID"),
    ],
)
def test_spv_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], status: int, code: str
) -> None:
    doc = json.loads(EVIDENCE.read_text())
    headers = tmp_path / "headers.txt"
    headers.write_text("\n".join(doc["header_chains"][0]))
    base = {"--headers": str(headers), "--proof": doc["anchors"][0]["txoutproof"],
            "--network": "regtest"}  # fmt: skip
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["spv"] + [part for pair in base.items() for part in pair]
    got, _, err = run(capsys, *argv)
    assert got == status
    assert last_line(err).startswith(f"ailee-l2-verify: {code}: ")


def test_anchor_build_and_decode(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "anchor", "build", str(SNAPSHOT))
    assert status == 0, err
    built = json.loads(out)
    snapshot = read_snapshot(SNAPSHOT.read_bytes())
    assert built["anchor"]["sequence"] == 1
    assert built["anchor"]["prev_commitment"] == snapshot.state.anchors[0].commitment.hex()
    assert built["anchor"]["state_root"] == snapshot.state_root.hex()
    script = built["op_return"]["script_pubkey"]
    commitment = bytes.fromhex(built["anchor"]["commitment"])
    assert bytes.fromhex(script) == anchor_script(commitment)
    status, out, _ = run(capsys, "anchor", "decode", script)
    assert status == 0
    assert json.loads(out) == {"version": 1, "commitment": commitment.hex()}
    assert parse_anchor_script(bytes.fromhex(script)) == commitment
    status, _, err = run(capsys, "anchor", "decode", "6a03616263")
    assert status == 3
    assert last_line(err).startswith("ailee-l2-verify: ANCHOR_BAD_MAGIC: ")
    status, _, err = run(capsys, "anchor", "decode", "6a0")
    assert status == 2
    assert last_line(err).startswith("ailee-l2-verify: HEX_INVALID: ")


def test_anchor_build_taproot(capsys: pytest.CaptureFixture[str]) -> None:
    key = "dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659"
    leaf = "20" + "01" * 32 + "ac"
    status, out, err = run(
        capsys, "anchor", "build", str(SNAPSHOT), "--taproot", "--internal-key", key,
        "--federation-leaf", leaf,
    )  # fmt: skip
    assert status == 0, err
    taproot = json.loads(out)["taproot"]
    assert taproot["script_pubkey"].startswith("5120")
    assert len(taproot["anchor_path"]) == 1
    assert len(taproot["federation_control_blocks"]) == 1
    status, _, err = run(capsys, "anchor", "build", str(SNAPSHOT), "--taproot")
    assert status == 2
    status, _, err = run(
        capsys, "anchor", "build", str(SNAPSHOT), "--taproot", "--internal-key", "ab" * 31
    )
    assert status == 2
    assert last_line(err).startswith("ailee-l2-verify: BYTES_WRONG_LENGTH: ")
    status, _, err = run(
        capsys, "anchor", "build", str(SNAPSHOT), "--taproot", "--internal-key", "ff" * 32
    )
    assert status == 1
    assert last_line(err).startswith("ailee-l2-verify: TAPROOT_INVALID_KEY: ")


def test_verify_with_evidence(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(capsys, str(SNAPSHOT), "--evidence", str(EVIDENCE))
    assert status == 0, err
    assert "ok   evidence.anchor[0] op_return output 0 of " in out
    assert "not checked: future time" in out
    status, out, _ = run(capsys, str(SNAPSHOT), "--evidence", str(EVIDENCE), "--json")
    report = json.loads(out)
    assert [c["name"] for c in report["evidence"]] == [
        "evidence.decode",
        "evidence.headers",
        "evidence.anchor[0]",
        "evidence.pegin[0]",
    ]
    status, _, err = run(
        capsys, str(SNAPSHOT), "--evidence", str(EVIDENCE), "--min-confirmations", "103"
    )
    assert status == 1
    assert last_line(err).startswith("ailee-l2-verify: SPV_TOO_FEW_CONFIRMATIONS: ")
    status, _, err = run(capsys, str(SNAPSHOT), "--evidence", str(tmp_path / "missing.json"))
    assert status == 3
    assert last_line(err).startswith("ailee-l2-verify: FILE_UNREADABLE: ")
    broken = tmp_path / "broken.json"
    broken.write_text("[]")
    status, _, err = run(capsys, str(SNAPSHOT), "--evidence", str(broken))
    assert status == 3
    assert last_line(err).startswith("ailee-l2-verify: SCHEMA_WRONG_TYPE: ")


def test_evidence_for_another_snapshot_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = json.loads(EVIDENCE.read_text())
    other = regtest.evidence_document([(0, anchor_script(b"\x05" * 32), None)], 6)
    doc["header_chains"] = other["header_chains"]
    doc["anchors"] = other["anchors"]
    path = tmp_path / "other.json"
    path.write_text(json.dumps(doc))
    status, _, err = run(capsys, str(SNAPSHOT), "--evidence", str(path))
    assert status == 1
    assert last_line(err).startswith("ailee-l2-verify: EVIDENCE_NO_COMMITMENT: ")


def test_verify_with_evidence_and_now(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(EVIDENCE.read_text())
    last_time = int.from_bytes(bytes.fromhex(doc["header_chains"][0][-1])[68:72], "little")
    status, out, err = run(
        capsys, str(SNAPSHOT), "--evidence", str(EVIDENCE), "--now", str(last_time - 7200)
    )
    assert status == 0, err
    assert "future time" not in out
    status, _, err = run(
        capsys, str(SNAPSHOT), "--evidence", str(EVIDENCE), "--now", str(last_time - 7201)
    )
    assert status == 1
    assert last_line(err).startswith("ailee-l2-verify: HEADERS_TIME_TOO_NEW: ")
