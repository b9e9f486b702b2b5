"""Inputs the fuzz harnesses (``fuzz/``, ``docs/assurance.md``) found, kept as tests.

Each test runs the exact crashing input through its harness's ``TestOneInput`` (which
asserts the harness's property: success or an AileeError with a documented code, and
the harness's round trip), and states the fixed behaviour directly.
"""

from __future__ import annotations

import pytest

from ailee.conditions import MAX_CONDITION_CHARS, format_condition, parse_condition
from ailee.errors import DecodeError, ReasonCode
from ailee.policy import parse_policy, policy_to_json
from tests.helpers import EXAMPLES


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
