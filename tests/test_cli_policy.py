"""ailee-l2-verify policy check: the hash, the canonical JSON, and errors with their path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ailee.policy import parse_policy, policy_hash
from ailee_verify.cli import cli, main
from tests.helpers import EXAMPLES
from tests.test_policy import EXAMPLE_HASH


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert isinstance(info.value.code, int)
    return info.value.code, out, err


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_examples_are_valid_with_one_hash(capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    status, out, err = run(capsys, "policy", "check", str(EXAMPLES / f"policy.{suffix}"))
    assert (status, out, err) == (0, f"VALID: policy {EXAMPLE_HASH}\n", "")


def test_clirunner_check() -> None:
    result = CliRunner().invoke(cli, ["policy", "check", str(EXAMPLES / "policy.toml")])
    assert result.exit_code == 0
    assert result.output == f"VALID: policy {EXAMPLE_HASH}\n"


def test_json_output_is_the_hash_and_the_canonical_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "policy", "check", "--json", str(EXAMPLES / "policy.yaml"))
    assert status == 0
    doc = json.loads(out)
    assert doc["ok"] is True
    assert doc["hash"] == EXAMPLE_HASH
    assert doc["policy"]["policies"][0]["when"] == "avg_corr < 0.15 && tps > 40000"
    assert doc["policy"]["bridge"]["min_threshold_ratio"] == 0.6
    canonical = json.dumps(doc["policy"])
    assert policy_hash(parse_policy(canonical, "json")).hex() == EXAMPLE_HASH


def test_format_option_overrides_the_suffix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "policy.conf"
    path.write_bytes((EXAMPLES / "policy.toml").read_bytes())
    status, _, err = run(capsys, "policy", "check", str(path))
    assert status == 2
    assert err.rstrip().splitlines()[-1].startswith("ailee-l2-verify: USAGE: ")
    status, out, _ = run(capsys, "policy", "check", "--format", "toml", str(path))
    assert (status, out) == (0, f"VALID: policy {EXAMPLE_HASH}\n")
    status, _, err = run(capsys, "policy", "check", "--format", "json", str(path))
    assert status == 3
    assert err.rstrip().splitlines()[-1].startswith("ailee-l2-verify: POLICY_SYNTAX: line 1, ")


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("p.yaml", "signals:\n  - {name: tps, source: s, window_ms: 3}\n",
         "POLICY_INCONSISTENT: signals[0].window_ms: 3 is below step_ms (50)"),
        ("p.json", '{"step_ms": true}',
         "POLICY_WRONG_TYPE: step_ms: expected an integer, got a boolean"),
        ("p.toml", "[bridge]\nmin_signer = 2\n", "POLICY_UNKNOWN_KEY: bridge.min_signer: "),
        ("p.yaml", "mode: on\n", "POLICY_YAML_FEATURE: line 1, column 7: "),
        ("p.json", '{"mode": "live", "mode": "live"}', "POLICY_DUPLICATE_KEY: mode: "),
        ("p.json", '{"a b": 1}', 'POLICY_UNKNOWN_KEY: ["a b"]: unknown key'),
        ("p.toml", "a = {x = 1, x = 2}\n", "POLICY_DUPLICATE_KEY: line 1, column 18: "),
        ("p.yaml", "mode: live\nstep_ms: 5\x07\n",
         "POLICY_SYNTAX: line 2, column 11: control character U+0007"),
        ("p.yaml", "bitcoin:\n  1: x\n", "POLICY_WRONG_TYPE: bitcoin (line 2, column 3): "),
        ("p.yaml", "signals:\n  - {name: tps, source: '', window_ms: 50}\n",
         "POLICY_OUT_OF_RANGE: signals[0].source: 0 characters, not in [1, 256]"),
        ("p.yaml", "signals:\n  - {name: tps, source: s, window_ms: 50}\npolicies:\n"
         "  - {name: p, when: '(tps < 1) < heat', actions: [{type: t}]}\n",
         "POLICY_EXPRESSION: policies[0].when: column 1: '<' compares numbers"),
    ],
)  # fmt: skip
def test_bad_input_exits_3_with_code_and_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str, line: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    status, out, err = run(capsys, "policy", "check", str(path))
    assert status == 3
    assert out == ""
    assert err.rstrip().splitlines()[-1].startswith(f"ailee-l2-verify: {line}")


def test_bad_input_as_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"horizon_s": 5}')
    status, out, _ = run(capsys, "policy", "check", "--json", str(path))
    assert status == 3
    assert json.loads(out) == {
        "ok": False,
        "code": "POLICY_OUT_OF_RANGE",
        "detail": "horizon_s: 5 not in [10, 86400]",
    }


def test_missing_file_exits_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "policy", "check", str(tmp_path / "absent.yaml"))
    assert status == 3
    assert "FILE_UNREADABLE" in err
