"""Inputs the fuzz harnesses (``fuzz/``, ``docs/assurance.md``) found, kept as tests.

Each test runs the exact crashing input through its harness's ``TestOneInput`` (which
asserts the harness's property: success or an AileeError with a documented code, and
the harness's round trip), and states the fixed behaviour directly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ailee.conditions import MAX_CONDITION_CHARS, format_condition, parse_condition
from ailee.errors import DecodeError, ReasonCode
from ailee.policy import parse_policy, policy_to_json
from ailee.vectors import run_vector_file
from tests.helpers import EXAMPLES, ROOT


def _condition_crash() -> bytes:
    """fuzz_condition's input: 1,024 characters whose canonical text has 1,025."""
    parts = [b"tps < 1"] * 93
    parts[5], parts[24], parts[92] = b"tps <A1", b"ps < 1", b"tps < 1234567"
    data = b" && ".join(parts)
    assert len(data) == MAX_CONDITION_CHARS
    return data


def test_fuzz_condition_canonical_text_over_the_limit() -> None:
    from fuzz.fuzz_condition import TestOneInput

    TestOneInput(_condition_crash())
    with pytest.raises(DecodeError) as caught:
        parse_condition(_condition_crash().decode())
    assert caught.value.code is ReasonCode.POLICY_EXPRESSION
    assert caught.value.message.startswith("column 1025: canonical text")


def test_condition_whose_canonical_text_fits_is_read_back() -> None:
    # 5 * 170 - 2 = 848 characters; canonical "a < 1" joined by " && ": 9 * 170 - 4 = 1,526.
    with pytest.raises(DecodeError, match="column 1025: canonical text"):
        parse_condition("&&".join(["a<1"] * 170))
    # 9 * 114 - 4 = 1,022 canonical characters: accepted, and its canonical text reads back.
    condition = parse_condition("&&".join(["a<1"] * 114))
    assert parse_condition(format_condition(condition)) == condition


def test_policy_canonical_json_reads_back_with_a_long_condition() -> None:
    text = (EXAMPLES / "policy.yaml").read_text(encoding="utf-8")
    long_when = "&&".join(["tps>1"] * 170)
    assert 'when: "heat_w >= 350.5 || !(latency_ms <= 800)"' in text
    damaged = text.replace("heat_w >= 350.5 || !(latency_ms <= 800)", long_when)
    with pytest.raises(DecodeError) as caught:
        parse_policy(damaged, "yaml")
    assert caught.value.code is ReasonCode.POLICY_EXPRESSION
    policy = parse_policy(text, "yaml")
    assert policy_to_json(parse_policy(policy_to_json(policy), "json")) == policy_to_json(policy)


FUZZ_INPUTS = Path(__file__).resolve().parent / "fuzz-inputs"
VECTORS = ROOT / "vectors"


def _privacy_case(**expected: Any) -> bytes:
    doc = json.loads((VECTORS / "privacy.json").read_text(encoding="utf-8"))
    group = doc["testGroups"][0]
    test = {**group["tests"][0], "expected": expected.get("expected", expected)}
    if "events" in expected:
        test["events"] = expected["events"]
        test["expected"] = {"rdp_at": [["2.0", "0.1"]]}
    one = {**doc, "numberOfTests": 1, "testGroups": [{**group, "tests": [test]}]}
    return json.dumps(one).encode()


def test_fuzz_vectors_privacy_rdp_at_not_pairs() -> None:
    from fuzz.fuzz_vectors import TestOneInput

    data = (FUZZ_INPUTS / "vectors-privacy-rdp-at-not-pairs.json").read_bytes()
    TestOneInput(data)  # was ValueError: too many values to unpack
    result = run_vector_file(data)
    assert result.failed == 1
    assert "SCHEMA_WRONG_TYPE" in result.failures[0]


@pytest.mark.parametrize(
    "data",
    [
        _privacy_case(expected=[]),  # was AttributeError
        _privacy_case(rdp_at=[["2.0", "0.1"], "3"]),  # was ValueError
        _privacy_case(rdp=5),  # was TypeError
        _privacy_case(events=[]),  # was IndexError
    ],
)
def test_privacy_vector_runner_refuses_malformed_expectations(data: bytes) -> None:
    result = run_vector_file(data)
    assert result.failed == 1
    assert "SCHEMA_WRONG_TYPE" in result.failures[0]


def test_fuzz_vectors_privacy_huge_order() -> None:
    # An order of 2e25 ("2.e25" among the orders) was an integer order whose binomial sum
    # has 2e25 + 1 terms: a hang. Orders are now at most 1,024, refused before any work.
    from fuzz.fuzz_vectors import TestOneInput

    data = (FUZZ_INPUTS / "vectors-privacy-huge-order.json").read_bytes()
    TestOneInput(data)
    result = run_vector_file(data)
    assert result.failed == 1
    assert "DP_PARAMETER_INVALID: orders must be above 1 and at most 1024" in result.failures[0]
