"""Policy configuration: three formats, one validator, one canonical hash."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee import encoding
from ailee.bridge import DUST_RELAY_FEE
from ailee.conditions import format_condition
from ailee.errors import AileeError, DecodeError, ReasonCode
from ailee.fl import RULE_PARAMS
from ailee.policy import (
    FORMATS,
    MAX_POLICY_BYTES,
    MAX_POLICY_DEPTH,
    RECOVERY_APPROVAL_RATIO,
    BridgeRules,
    Policy,
    _read_int_fields,
    format_for_suffix,
    load_policy_tree,
    parse_policy,
    policy_from_tree,
    policy_hash,
    policy_to_cbor_value,
    policy_to_json,
)
from ailee.reputation import ReputationPolicy
from ailee.safety import BreakerPolicy
from ailee.scheduling import Policy as SchedulePolicy
from ailee.state import FederationConfig
from tests.helpers import EXAMPLES
from tests.independent import reference_policy

#: The hash of examples/policy.{yaml,json,toml} (also in vectors/policy.json).
EXAMPLE_HASH = "bb0b20f34a4419002390cec6e67435ff8ee71c0822895fc21372537646bb9948"


def example(fmt: str) -> bytes:
    return (EXAMPLES / f"policy.{fmt}").read_bytes()


def fails(text: str | bytes, fmt: str) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        parse_policy(text, fmt)
    return info.value


def path_of(error: DecodeError) -> str:
    return error.message.partition(": ")[0]


# --- known answers ------------------------------------------------------------------------


def test_examples_have_one_known_hash() -> None:
    hashes = {policy_hash(parse_policy(example(fmt), fmt)).hex() for fmt in FORMATS}
    assert hashes == {EXAMPLE_HASH}


def test_example_values() -> None:
    policy = parse_policy(example("yaml"), "yaml")
    assert policy.mode == "live"
    assert policy.bridge.min_threshold_ratio == 600_000
    assert policy.bridge.admits(2, 3)  # the example federation
    assert not policy.bridge.admits(1, 3)
    assert policy.bridge.admits(9, 15)
    assert not policy.bridge.admits(8, 15)  # 8,000,000 < 0.6 x 15,000,000
    assert not policy.bridge.admits(2, 2)  # below min_signers
    assert policy.scheduler_policy().weight("reputation") == 50
    assert policy.scheduler_policy().weight("load") == 20  # default kept
    assert policy.scheduler_policy().min_reputation == 200_000
    assert policy.reputation_policy() == ReputationPolicy(rate=100_000, byzantine_factor=250_000)
    assert policy.fl.aggregation_params() == {"f": 1, "m": 2}
    assert policy.privacy.delta == Decimal("0.00001")
    assert policy.privacy.budget().epsilon == 8.0
    assert policy.breakers.min_peers == 8
    assert format_condition(policy.policies[0].when) == "avg_corr < 0.15 && tps > 40000"
    assert policy.policies[1].actions[0].args == (("factor", "0.8"), ("notify", True))
    assert policy.policies[0].actions[0].args == (("delta_ms", -10),)
    assert policy.declared_names() == ("latency_ms", "tps", "heat_w", "avg_corr")
    assert policy.outputs[0].fields == ("time", "avg_corr", "tps", "latency_ms")


def test_defaults_match_the_existing_types() -> None:
    policy = parse_policy(b"", "toml")
    assert policy == Policy()
    assert policy.bitcoin.anchor_confirmations == 6
    assert policy.bitcoin.pegin_confirmations == 102
    assert policy.bitcoin.dust_relay_fee == DUST_RELAY_FEE
    federation = FederationConfig(epoch=0, threshold=1, signers=(bytes(32),))
    for name in ("pegin_min", "pegin_max", "pegin_fee_fixed", "pegin_fee_ppm",
                 "pegout_fee_min", "pegout_fee_max"):  # fmt: skip
        assert getattr(policy.bridge, name) == getattr(federation, name)
    assert federation.min_confirmations == policy.bitcoin.pegin_confirmations
    assert policy.recovery.challenge_blocks == 25_920
    assert Fraction(2, 3) == RECOVERY_APPROVAL_RATIO
    assert policy.scheduler == SchedulePolicy()
    assert policy.reputation == ReputationPolicy()
    assert policy.breakers == BreakerPolicy()
    assert policy.fl.rule == "fedavg"


def test_empty_documents_in_every_format_are_the_default_hash() -> None:
    default = policy_hash(Policy())
    assert policy_hash(parse_policy("{}", "json")) == default
    assert policy_hash(parse_policy("", "toml")) == default
    assert policy_hash(parse_policy("{}\n", "yaml")) == default
    message = encoding.encode(policy_to_cbor_value(Policy()))
    tag = hashlib.sha256(b"ailee/v2/policy").digest()
    assert default == hashlib.sha256(tag + tag + message).digest()


def test_writing_a_default_does_not_change_the_hash() -> None:
    explicit = """
        version = 1
        mode = "simulation"
        step_ms = 50
        horizon_s = 600
        [bitcoin]
        dust_relay_fee = 3000
        [bridge]
        min_threshold_ratio = 0.5
        pegout_fee_max = 2100000000000000
        [scheduler.reputation]
        late_factor = 0.500000
        [privacy]
        delta = 1e-5
        epsilon = 8.000
    """
    assert policy_hash(parse_policy(explicit, "toml")) == policy_hash(Policy())


def test_canonical_json_export_reads_back_to_the_same_policy() -> None:
    policy = parse_policy(example("toml"), "toml")
    text = policy_to_json(policy)
    assert parse_policy(text, "json") == policy
    assert policy_to_json(parse_policy(text, "json")) == text
    assert '"min_threshold_ratio": 0.6' in text
    assert '"when": "avg_corr < 0.15 && tps > 40000"' in text
    assert "e-" not in text
    assert "E" not in text


def test_key_order_does_not_matter() -> None:
    tree = json.loads(example("json"))

    def shuffled(value: Any, rng: random.Random) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {k: shuffled(v, rng) for k, v in items}
        if isinstance(value, list):
            return [shuffled(v, rng) for v in value]
        return value

    for seed in range(5):
        text = json.dumps(shuffled(tree, random.Random(seed)))
        assert policy_hash(parse_policy(text, "json")).hex() == EXAMPLE_HASH


def test_list_order_matters() -> None:
    tree = json.loads(example("json"))
    tree["outputs"][0]["fields"].reverse()
    assert policy_hash(parse_policy(json.dumps(tree), "json")).hex() != EXAMPLE_HASH


def test_format_for_suffix() -> None:
    assert format_for_suffix("a.yml") == format_for_suffix("b.YAML") == "yaml"
    assert format_for_suffix("x/p.json") == "json"
    assert format_for_suffix("p.toml") == "toml"
    with pytest.raises(DecodeError):
        format_for_suffix("policy.txt")


def test_numbers_are_exact_and_never_floats() -> None:
    tree = load_policy_tree(b"privacy:\n  delta: 0.1\n  epsilon: 3\n", "yaml")
    assert tree == {"privacy": {"delta": Decimal("0.1"), "epsilon": 3}}
    assert type(tree["privacy"]["delta"]) is Decimal
    tree = load_policy_tree(b"[privacy]\ndelta = 0.1\n", "toml")
    assert type(tree["privacy"]["delta"]) is Decimal
    tree = load_policy_tree(b'{"privacy": {"delta": 0.1}}', "json")
    assert type(tree["privacy"]["delta"]) is Decimal

    def no_floats(value: Any) -> None:
        assert not isinstance(value, float)
        if isinstance(value, dict):
            for item in value.values():
                no_floats(item)
        if isinstance(value, list):
            for item in value:
                no_floats(item)

    no_floats(policy_to_cbor_value(parse_policy(example("yaml"), "yaml")))


# --- errors: code and exact path ------------------------------------------------------------


SIGNALS = "signals:\n  - {name: tps, source: engine.tps, window_ms: 5000}\n"

ERRORS = [
    # syntax, per format
    ("json", '{"mode": "live",}', ReasonCode.POLICY_SYNTAX, "line 1, column 17"),
    ("json", "[1, 2", ReasonCode.POLICY_SYNTAX, "line 1, column 6"),
    ("json", '{"step_ms": Infinity}', ReasonCode.POLICY_SYNTAX, "$"),
    ("toml", "a = [1,", ReasonCode.POLICY_SYNTAX, "end of document"),
    ("yaml", "a: b: c\n", ReasonCode.POLICY_SYNTAX, "line 1, column 5"),
    ("yaml", "---\na: 1\n---\nb: 2\n", ReasonCode.POLICY_SYNTAX, "line 3, column 1"),
    ("json", b'{"mode": "\xff"}', ReasonCode.POLICY_SYNTAX, "$"),
    ("json", b'\xef\xbb\xbf{"mode": "live"}', ReasonCode.POLICY_SYNTAX, "$"),
    ("xml", "<policy/>", ReasonCode.POLICY_SYNTAX, "$"),
    # YAML outside the subset
    ("yaml", "a: &x 1\nb: *x\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 4"),
    ("yaml", "mode: !custom live\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 7"),
    ("yaml", "mode: yes\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 7"),
    ("yaml", "mode: True\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 7"),
    ("yaml", "step_ms: 1:30\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 10"),
    ("yaml", "step_ms: 1_000\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 10"),
    ("yaml", "horizon_s: 1_0.5\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 12"),
    ("yaml", "<<: {mode: live}\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 1"),
    # duplicate keys, in each format
    ("json", '{"bitcoin": {"dust_relay_fee": 1, "dust_relay_fee": 1}}',
     ReasonCode.POLICY_DUPLICATE_KEY, "bitcoin.dust_relay_fee"),
    ("yaml", "mode: live\nmode: live\n", ReasonCode.POLICY_DUPLICATE_KEY, "mode"),
    ("yaml", SIGNALS + "  - {name: x, name: y}\n", ReasonCode.POLICY_DUPLICATE_KEY,
     "signals[1].name"),
    ("toml", 'mode = "live"\nmode = "live"\n', ReasonCode.POLICY_DUPLICATE_KEY,
     "line 2, column 14"),
    ("toml", "[bridge]\n[bridge]\n", ReasonCode.POLICY_DUPLICATE_KEY, "line 2, column 8"),
    # keys
    ("json", '{"Mode": "live"}', ReasonCode.POLICY_UNKNOWN_KEY, "Mode"),
    ("json", '{"bitcoin": {"a: b": 1}}', ReasonCode.POLICY_UNKNOWN_KEY,
     'bitcoin["a\\u003a b"]'),
    ("yaml", "1: x\n", ReasonCode.POLICY_WRONG_TYPE, "$ (line 1, column 1)"),
    ("toml", "[recovery]\napproval_ratio = 0.5\n", ReasonCode.POLICY_UNKNOWN_KEY,
     "recovery.approval_ratio"),
    ("toml", "[fl]\nrule = \"krum\"\nparams = {f = 1}\n", ReasonCode.POLICY_MISSING_KEY,
     "fl.params.m"),
    ("toml", "[fl]\nparams = {beta = 0.1}\n", ReasonCode.POLICY_UNKNOWN_KEY, "fl.params.beta"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps < 1'}\n", ReasonCode.POLICY_MISSING_KEY,
     "policies[0].actions"),
    # types: a boolean is never a number, a decimal is never an integer
    ("yaml", "step_ms: true\n", ReasonCode.POLICY_WRONG_TYPE, "step_ms"),
    ("toml", "[bridge]\nmin_threshold_ratio = true\n", ReasonCode.POLICY_WRONG_TYPE,
     "bridge.min_threshold_ratio"),
    ("json", '{"scheduler": {"weights": {"green": 5.0}}}', ReasonCode.POLICY_WRONG_TYPE,
     "scheduler.weights.green"),
    ("json", '{"bitcoin": []}', ReasonCode.POLICY_WRONG_TYPE, "bitcoin"),
    ("json", "[]", ReasonCode.POLICY_WRONG_TYPE, "$"),
    ("yaml", "", ReasonCode.POLICY_WRONG_TYPE, "$"),
    ("yaml", "mode:\n", ReasonCode.POLICY_WRONG_TYPE, "mode"),
    ("toml", "mode = 1979-05-27\n", ReasonCode.POLICY_WRONG_TYPE, "mode"),
    ("yaml", SIGNALS + "pipelines:\n  - {name: p, enabled: 'true'}\n",
     ReasonCode.POLICY_WRONG_TYPE, "pipelines[0].enabled"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps > 1', actions: [{type: t, args: "
     "{k: 0.5}}]}\n", ReasonCode.POLICY_WRONG_TYPE, "policies[0].actions[0].args.k"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 5, actions: [{type: t}]}\n",
     ReasonCode.POLICY_WRONG_TYPE, "policies[0].when"),
    # ranges
    ("json", '{"version": 2}', ReasonCode.POLICY_OUT_OF_RANGE, "version"),
    ("json", '{"version": 2, "nonsense": 1}', ReasonCode.POLICY_OUT_OF_RANGE, "version"),
    ("json", '{"step_ms": 1001}', ReasonCode.POLICY_OUT_OF_RANGE, "step_ms"),
    ("json", '{"horizon_s": 9}', ReasonCode.POLICY_OUT_OF_RANGE, "horizon_s"),
    ("json", '{"horizon_s": 86401}', ReasonCode.POLICY_OUT_OF_RANGE, "horizon_s"),
    ("json", '{"bitcoin": {"anchor_confirmations": 0}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "bitcoin.anchor_confirmations"),
    ("json", '{"bridge": {"pegin_max": 2100000000000001}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "bridge.pegin_max"),
    ("json", '{"scheduler": {"reputation": {"rate": -0.1}}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "scheduler.reputation.rate"),
    ("json", '{"fl": {"rule": "trimmed_mean", "params": {"beta": 0.5}}}',
     ReasonCode.POLICY_OUT_OF_RANGE, "fl.params.beta"),
    ("json", '{"privacy": {"delta": 1}}', ReasonCode.POLICY_OUT_OF_RANGE, "privacy.delta"),
    ("json", '{"privacy": {"epsilon": 0}}', ReasonCode.POLICY_OUT_OF_RANGE, "privacy.epsilon"),
    ("json", '{"breakers": {"min_peers": 0}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "breakers.min_peers"),
    ("json", '{"step_ms": ' + "9" * 41 + "}", ReasonCode.POLICY_OUT_OF_RANGE, "step_ms"),
    ("json", '{"privacy": {"epsilon": 1e99}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "privacy.epsilon"),
    ("yaml", "metrics:\n  - {name: m, type: correlation_average, signals: [tps], window_ms: 50, "
     "stride_ms: 50}\n", ReasonCode.POLICY_OUT_OF_RANGE, "metrics[0].signals"),
    ("json", '{"signals": [' + ",".join(["{}"] * 257) + "]}", ReasonCode.POLICY_OUT_OF_RANGE,
     "signals"),
    # malformed values
    ("json", '{"bridge": {"min_threshold_ratio": 0.1234567}}', ReasonCode.POLICY_BAD_VALUE,
     "bridge.min_threshold_ratio"),
    ("json", '{"bridge": {"min_threshold_ratio": 1e-999999999}}', ReasonCode.POLICY_BAD_VALUE,
     "bridge.min_threshold_ratio"),
    ("json", '{"privacy": {"delta": 0.0000000000000000001}}', ReasonCode.POLICY_BAD_VALUE,
     "privacy.delta"),
    ("yaml", "privacy: {epsilon: .nan}\n", ReasonCode.POLICY_BAD_VALUE, "privacy.epsilon"),
    ("json", '{"fl": {"rule": "fedsgd"}}', ReasonCode.POLICY_BAD_VALUE, "fl.rule"),
    ("json", '{"signals": [{"name": "9lives", "source": "s", "window_ms": 50}]}',
     ReasonCode.POLICY_BAD_VALUE, "signals[0].name"),
    ("json", '{"signals": [{"name": "time", "source": "s", "window_ms": 50}]}',
     ReasonCode.POLICY_BAD_VALUE, "signals[0].name"),
    ("json", '{"signals": [{"name": "a", "source": "", "window_ms": 50}]}',
     ReasonCode.POLICY_OUT_OF_RANGE, "signals[0].source"),
    ("json", '{"signals": [{"name": "a", "source": "x\\u0007", "window_ms": 50}]}',
     ReasonCode.POLICY_BAD_VALUE, "signals[0].source"),
    ("json", '{"mode": "\\ud800"}', ReasonCode.POLICY_BAD_VALUE, "mode"),
    ("json", '{"outputs": [{"type": "parquet", "path": "p"}]}', ReasonCode.POLICY_BAD_VALUE,
     "outputs[0].type"),
    # names and references
    ("yaml", SIGNALS + "metrics:\n  - {name: tps, type: mean, signals: [tps], window_ms: 50, "
     "stride_ms: 50}\n", ReasonCode.POLICY_DUPLICATE_NAME, "metrics[0].name"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps > 1', actions: [{type: t}]}\n"
     "  - {name: p, when: 'tps > 2', actions: [{type: t}]}\n", ReasonCode.POLICY_DUPLICATE_NAME,
     "policies[1].name"),
    ("yaml", "pipelines:\n  - {name: p, enabled: true}\n  - {name: p, enabled: false}\n",
     ReasonCode.POLICY_DUPLICATE_NAME, "pipelines[1].name"),
    ("yaml", "outputs:\n  - {type: csv, path: o}\n  - {type: csv, path: o}\n",
     ReasonCode.POLICY_DUPLICATE_NAME, "outputs[1].path"),
    ("yaml", "outputs:\n  - {type: csv, path: o, fields: [time, time]}\n",
     ReasonCode.POLICY_DUPLICATE_NAME, "outputs[0].fields[1]"),
    ("yaml", "pipelines:\n  - {name: p, enabled: true, policies: [nope]}\n",
     ReasonCode.POLICY_UNKNOWN_REFERENCE, "pipelines[0].policies[0]"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps > 1 && heat > 3', actions: "
     "[{type: t}]}\n", ReasonCode.POLICY_UNKNOWN_REFERENCE, "policies[0].when"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps >', actions: [{type: t}]}\n",
     ReasonCode.POLICY_EXPRESSION, "policies[0].when"),
    # between fields
    ("json", '{"bridge": {"pegout_fee_min": 2, "pegout_fee_max": 1}}',
     ReasonCode.POLICY_INCONSISTENT, "bridge.pegout_fee_max"),
    ("yaml", "step_ms: 100\n" + SIGNALS.replace("5000", "99"), ReasonCode.POLICY_INCONSISTENT,
     "signals[0].window_ms"),
    ("yaml", SIGNALS + "metrics:\n  - {name: m, type: mean, signals: [tps], window_ms: 50, "
     "stride_ms: 49}\n", ReasonCode.POLICY_INCONSISTENT, "metrics[0].stride_ms"),
    ("yaml", "breakers: {min_collateral_ppm: 960000}\n", ReasonCode.BREAKER_POLICY_INVALID,
     "breakers.resume_collateral_ppm"),
    # limits
    ("json", "[" * (MAX_POLICY_DEPTH + 1) + "]" * (MAX_POLICY_DEPTH + 1),
     ReasonCode.POLICY_TOO_DEEP, "line 1, column 17"),
    ("json", "[" * 100_000 + "]" * 100_000, ReasonCode.POLICY_TOO_DEEP, "line 1, column 17"),
    ("toml", "a = " + "[" * 100_000 + "]" * 100_000, ReasonCode.POLICY_TOO_DEEP,
     "line 1, column 20"),
    ("yaml", "a: " + "[" * 100_000 + "]" * 100_000, ReasonCode.POLICY_TOO_DEEP,
     "line 1, column 19"),
    ("yaml", "".join(" " * k + "a:\n" for k in range(17)) + " " * 17 + "a: 1\n",
     ReasonCode.POLICY_TOO_DEEP, "line 17, column 17"),
    ("toml", "[" + ".".join(["a"] * 20) + "]\n", ReasonCode.POLICY_TOO_DEEP,
     "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"),
    ("json", '{"a": "' + "x" * MAX_POLICY_BYTES + '"}', ReasonCode.INPUT_TOO_LARGE, "$"),
]  # fmt: skip

# The findings of the second implementation (docs/policy.md as revised): each a case
# the first text left open.
DECIDED = [
    # 1.3: every TOML message of a key defined twice
    ("toml", "a = {x = 1, x = 2}\n", ReasonCode.POLICY_DUPLICATE_KEY, "line 1, column 18"),
    ("toml", "[a.b]\n[a]\nb.c = 1\n", ReasonCode.POLICY_DUPLICATE_KEY, "line 3, column 8"),
    ("toml", "a = {x = 1}\na.y = 2\n", ReasonCode.POLICY_DUPLICATE_KEY, "line 2, column 8"),
    ("toml", "a = []\n[[a]]\n", ReasonCode.POLICY_DUPLICATE_KEY, "line 2, column 4"),
    ("toml", "a = 1\n[a]\n", ReasonCode.POLICY_DUPLICATE_KEY, "line 2, column 3"),
    ("toml", "a = 1\na.b = 2\n", ReasonCode.POLICY_DUPLICATE_KEY, "line 2, column 8"),
    ("toml", "[a]\nb.c = 1\n[a.b]\n", ReasonCode.POLICY_DUPLICATE_KEY, "line 3, column 5"),
    # 1.4: the text (in document order) before the tree
    ("yaml", "mode: live\nmode: on\n", ReasonCode.POLICY_YAML_FEATURE, "line 2, column 7"),
    ("yaml", "mode: on\nmode: live\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 7"),
    ("yaml", "mode: on\nx: [\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 7"),
    ("yaml", "a: b: c\nmode: on\n", ReasonCode.POLICY_SYNTAX, "line 1, column 5"),
    ("yaml", "a: !!str x\nb: [\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 4"),
    ("yaml", "a: 1\nb: *x\n", ReasonCode.POLICY_YAML_FEATURE, "line 2, column 4"),
    ("yaml", 'mode: live\nmode: "\\ud800"\n', ReasonCode.POLICY_DUPLICATE_KEY, "mode"),
    ("yaml", "mode: on\n1: x\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 7"),
    ("yaml", "1: x\nmode: on\n", ReasonCode.POLICY_YAML_FEATURE, "line 2, column 7"),
    # 1.4: numbers
    ("yaml", "privacy: {epsilon: -.5}\n", ReasonCode.POLICY_WRONG_TYPE, "privacy.epsilon"),
    ("yaml", "privacy: {epsilon: +.5}\n", ReasonCode.POLICY_WRONG_TYPE, "privacy.epsilon"),
    ("yaml", "privacy: {epsilon: -.nan}\n", ReasonCode.POLICY_WRONG_TYPE, "privacy.epsilon"),
    ("yaml", "privacy: {epsilon: .iNf}\n", ReasonCode.POLICY_WRONG_TYPE, "privacy.epsilon"),
    ("yaml", "step_ms: 1.e+5\n", ReasonCode.POLICY_WRONG_TYPE, "step_ms"),
    ("yaml", "step_ms: 08\n", ReasonCode.POLICY_WRONG_TYPE, "step_ms"),
    ("yaml", "step_ms: 00\n", ReasonCode.POLICY_YAML_FEATURE, "line 1, column 10"),
    ("yaml", "privacy: {epsilon: 0.%s1}\n" % ("0" * 40), ReasonCode.POLICY_BAD_VALUE,
     "privacy.epsilon"),
    ("yaml", "privacy: {epsilon: %s.5}\n" % ("9" * 41), ReasonCode.POLICY_OUT_OF_RANGE,
     "privacy.epsilon"),
    ("yaml", "zzz: %s.5\n" % ("9" * 41), ReasonCode.POLICY_UNKNOWN_KEY, "zzz"),
    # 1.4: control characters, at PyYAML's line and column
    ("yaml", "mode: live\x07\n", ReasonCode.POLICY_SYNTAX, "line 1, column 11"),
    ("yaml", "mode: live\r\nx: 1\x07\n", ReasonCode.POLICY_SYNTAX, "line 2, column 5"),
    ("yaml", "a: 1\rb: 2\x00\n", ReasonCode.POLICY_SYNTAX, "line 2, column 5"),
    ("yaml", "a: 1\x85b: 2\x7f\n", ReasonCode.POLICY_SYNTAX, "line 2, column 5"),
    ("yaml", "a: \"\u2029\"\nb: 2\ufffe\n", ReasonCode.POLICY_SYNTAX, "line 3, column 5"),
    ("yaml", "a: \ufeffb\x9f\n", ReasonCode.POLICY_SYNTAX, "line 1, column 5"),
    ("yaml", "mode: on\nx: 1\x07\n", ReasonCode.POLICY_SYNTAX, "line 2, column 5"),
    # 1.5: the tree, before validation, in every format
    ("yaml", 'mood: "\\ud800"\n', ReasonCode.POLICY_BAD_VALUE, "mood"),
    ("yaml", '"\\ud800": 1\n', ReasonCode.POLICY_BAD_VALUE, '["\\ud800"]'),
    ("json", '{"\\ud800": 1}', ReasonCode.POLICY_BAD_VALUE, '["\\ud800"]'),
    ("json", '{"signals": [{"name": "\\udfff"}]}', ReasonCode.POLICY_BAD_VALUE,
     "signals[0].name"),
    ("toml", 'mode = "\\ud800"\n', ReasonCode.POLICY_SYNTAX, "line 1, column 15"),
    ("toml", "mood = 1979-05-27\n", ReasonCode.POLICY_WRONG_TYPE, "mood"),
    ("toml", "[bitcoin]\nx = 07:32:00\n", ReasonCode.POLICY_WRONG_TYPE, "bitcoin.x"),
    ("yaml", "bitcoin:\n  1: x\n", ReasonCode.POLICY_WRONG_TYPE, "bitcoin (line 2, column 3)"),
    ("yaml", "signals:\n  - {true: x}\n", ReasonCode.POLICY_WRONG_TYPE,
     "signals[0] (line 2, column 6)"),
    ("yaml", "? [a]\n: x\n", ReasonCode.POLICY_WRONG_TYPE, "$ (line 1, column 3)"),
    ("json", '{"zzz": ' + "9" * 41 + "}", ReasonCode.POLICY_OUT_OF_RANGE, "zzz"),
    ("json", '{"zzz": -' + "9" * 40 + "}", ReasonCode.POLICY_UNKNOWN_KEY, "zzz"),
    ("yaml", "zzz: +" + "9" * 40 + "\n", ReasonCode.POLICY_UNKNOWN_KEY, "zzz"),
    ("yaml", "zzz: +" + "9" * 41 + "\n", ReasonCode.POLICY_OUT_OF_RANGE, "zzz"),
    ("toml", "zzz = " + "9" * 41 + "\n", ReasonCode.POLICY_OUT_OF_RANGE, "zzz"),
    ("toml", "zzz = 1_" + "0" * 40 + "\n", ReasonCode.POLICY_OUT_OF_RANGE, "zzz"),
    ("toml", "step_ms = " + "9" * 4301 + "\n", ReasonCode.POLICY_SYNTAX, "$"),
    ("json", '{"zzz": ' + "9" * 1_000_000 + "}", ReasonCode.POLICY_OUT_OF_RANGE, "zzz"),
    ("yaml", "zzz: " + "9" * 1_000_000 + "\n", ReasonCode.POLICY_OUT_OF_RANGE, "zzz"),
    # 2.1: paths
    ("json", '{"a b": 1}', ReasonCode.POLICY_UNKNOWN_KEY, '["a b"]'),
    ("json", '{"": 1}', ReasonCode.POLICY_UNKNOWN_KEY, '[""]'),
    ("json", '{"bitcoin": {"": 1}}', ReasonCode.POLICY_UNKNOWN_KEY, 'bitcoin[""]'),
    ("json", '{"a:b": 1}', ReasonCode.POLICY_UNKNOWN_KEY, '["a\\u003ab"]'),
    ("json", '{"\u00e9": 1}', ReasonCode.POLICY_UNKNOWN_KEY, '["\\u00e9"]'),
    ("yaml", "a b: 1\na b: 2\n", ReasonCode.POLICY_DUPLICATE_KEY, '["a b"]'),
    # 2.2: null is a value; rules after fields and items; name lists item by item
    ("yaml", "bitcoin:\n", ReasonCode.POLICY_WRONG_TYPE, "bitcoin"),
    ("yaml", "step_ms: ~\n", ReasonCode.POLICY_WRONG_TYPE, "step_ms"),
    ("json", '{"fl": {"rule": null}}', ReasonCode.POLICY_WRONG_TYPE, "fl.rule"),
    ("yaml", "bridge: {pegin_min: 10, pegin_max: 9, pegout_fee_min: 2, pegout_fee_max: 1}\n",
     ReasonCode.POLICY_INCONSISTENT, "bridge.pegin_max"),
    ("yaml", "bridge: {pegin_min: 10, pegin_max: 9, pegout_fee_max: true}\n",
     ReasonCode.POLICY_WRONG_TYPE, "bridge.pegout_fee_max"),
    ("yaml", "breakers: {max_latency_ms: 100, warn_latency_ms: 200, min_collateral_ppm: 960000}\n",
     ReasonCode.BREAKER_POLICY_INVALID, "breakers.warn_latency_ms"),
    ("yaml", "breakers: {min_collateral_ppm: 960000, max_spv_failure_ppm: 2000000}\n",
     ReasonCode.POLICY_OUT_OF_RANGE, "breakers.max_spv_failure_ppm"),
    ("yaml", "breakers: {min_peers: '8'}\n", ReasonCode.POLICY_WRONG_TYPE, "breakers.min_peers"),
    ("yaml", SIGNALS + "metrics:\n  - {name: m, type: mean, signals: [tps, tps, heat], "
     "window_ms: 50, stride_ms: 50}\n", ReasonCode.POLICY_DUPLICATE_NAME, "metrics[0].signals[1]"),
    ("yaml", "outputs:\n  - {type: csv, path: o, fields: [time, time, zz]}\n",
     ReasonCode.POLICY_DUPLICATE_NAME, "outputs[0].fields[1]"),
    ("yaml", "outputs:\n  - {type: csv, path: o, fields: [zz, time, time]}\n",
     ReasonCode.POLICY_UNKNOWN_REFERENCE, "outputs[0].fields[0]"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps<1', actions: [{type: t}]}\n"
     "pipelines:\n  - {name: q, enabled: true, policies: [p, p, zz]}\n",
     ReasonCode.POLICY_DUPLICATE_NAME, "pipelines[0].policies[1]"),
    ("yaml", "pipelines:\n  - {name: p, enabled: true}\n  - {name: p, enabled: 1}\n",
     ReasonCode.POLICY_WRONG_TYPE, "pipelines[1].enabled"),
    ("yaml", "outputs:\n  - {type: csv, path: o}\n  - {type: csv, path: o, fields: [zz]}\n",
     ReasonCode.POLICY_UNKNOWN_REFERENCE, "outputs[1].fields[0]"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps<1', actions: [{type: t}]}\n"
     "  - {name: p, when: 'tps<1', actions: [{type: 5}]}\n", ReasonCode.POLICY_WRONG_TYPE,
     "policies[1].actions[0].type"),
    # 2.3: the order of each kind's checks
    ("json", '{"signals": [{"name": "a", "source": "%s\\u0007", "window_ms": 50}]}' % ("x" * 256),
     ReasonCode.POLICY_OUT_OF_RANGE, "signals[0].source"),
    ("json", '{"outputs": [{"type": "csv", "path": ""}]}', ReasonCode.POLICY_OUT_OF_RANGE,
     "outputs[0].path"),
    ("json", '{"signals": [{"name": "", "source": "s", "window_ms": 50}]}',
     ReasonCode.POLICY_BAD_VALUE, "signals[0].name"),
    ("json", '{"privacy": {"epsilon": -1e-41}}', ReasonCode.POLICY_BAD_VALUE, "privacy.epsilon"),
    ("json", '{"privacy": {"epsilon": -1e41}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "privacy.epsilon"),
    ("json", '{"privacy": {"delta": 2e-19}}', ReasonCode.POLICY_BAD_VALUE, "privacy.delta"),
    ("json", '{"privacy": {"delta": -2e-19}}', ReasonCode.POLICY_OUT_OF_RANGE, "privacy.delta"),
    ("json", '{"privacy": {"epsilon": 0e-999}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "privacy.epsilon"),
    ("json", '{"bridge": {"min_threshold_ratio": 2.0000001}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "bridge.min_threshold_ratio"),
    ("json", '{"bridge": {"min_threshold_ratio": -1e-41}}', ReasonCode.POLICY_BAD_VALUE,
     "bridge.min_threshold_ratio"),
    ("json", '{"bridge": {"min_threshold_ratio": 1e40}}', ReasonCode.POLICY_OUT_OF_RANGE,
     "bridge.min_threshold_ratio"),
    # 2.14: args in code-point order, the key before the value; when
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps<1', actions: [{type: t, args: "
     "{z: 0.5, \"b c\": 1}}]}\n", ReasonCode.POLICY_BAD_VALUE,
     'policies[0].actions[0].args["b c"]'),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: 'tps<1', actions: [{type: t, args: "
     "{a: 0.5, Z: x}}]}\n", ReasonCode.POLICY_WRONG_TYPE, "policies[0].actions[0].args.a"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: '', actions: [{type: t}]}\n",
     ReasonCode.POLICY_EXPRESSION, "policies[0].when"),
    ("yaml", SIGNALS + "policies:\n  - {name: p, when: ~, actions: [{type: t}]}\n",
     ReasonCode.POLICY_WRONG_TYPE, "policies[0].when"),
]  # fmt: skip


@pytest.mark.parametrize(("fmt", "text", "code", "path"), DECIDED)
def test_decided_cases_have_their_code_and_path(
    fmt: str, text: str, code: ReasonCode, path: str
) -> None:
    error = fails(text, fmt)
    assert (error.code, path_of(error)) == (code, path), error.message


@pytest.mark.parametrize(("fmt", "text", "code", "path"), DECIDED)
def test_the_second_implementation_agrees_on_the_decided_cases(
    fmt: str, text: str, code: ReasonCode, path: str
) -> None:
    with pytest.raises(reference_policy.PolicyError) as info:
        reference_policy.check(text.encode(), fmt)
    assert (info.value.code, info.value.path) == (code.value, path), str(info.value)


@pytest.mark.parametrize(
    "spelling",
    [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
     ".nan", ".NaN", ".NAN"],
)  # fmt: skip
def test_the_twelve_yaml_non_finite_spellings(spelling: str) -> None:
    tree = load_policy_tree(f"x: {spelling}\n", "yaml")
    assert isinstance(tree["x"], Decimal)
    assert not tree["x"].is_finite()
    error = fails(f"privacy: {{epsilon: {spelling}}}\n", "yaml")
    assert (error.code, path_of(error)) == (ReasonCode.POLICY_BAD_VALUE, "privacy.epsilon")


def test_yaml_numbers_as_pyyaml_reads_them() -> None:
    tree = load_policy_tree("a: +50\nb: .5\nc: -.5\nd: 1.\ne: -0\nf: 1.5e+3\n", "yaml")
    assert tree == {"a": 50, "b": Decimal("0.5"), "c": "-.5", "d": 1, "e": 0, "f": 1500}
    assert policy_hash(parse_policy("step_ms: +50\n", "yaml")) == policy_hash(Policy())


def test_canonical_keys_are_the_files_with_ppm_values() -> None:
    policy = parse_policy("fl: {rule: trimmed_mean, params: {beta: 0.1}}\n", "yaml")
    value = policy_to_cbor_value(policy)
    assert value["fl"] == {"rule": "trimmed_mean", "params": {"beta": 100_000}}
    assert value["bridge"]["min_threshold_ratio"] == 500_000
    assert "min_threshold_ratio_ppm" not in value["bridge"]
    assert '"beta": 0.1' in policy_to_json(policy)


def test_a_tree_built_by_hand_is_held_to_the_same_limits() -> None:
    for value in (10**40, -(10**5000)):
        error = _tree_fails({"step_ms": value})
        assert (error.code, path_of(error)) == (ReasonCode.POLICY_OUT_OF_RANGE, "step_ms")
        error = _tree_fails({"scheduler": {"min_reputation": value}})
        assert error.code == ReasonCode.POLICY_OUT_OF_RANGE
    error = _tree_fails({"signals": [{"name": "a", "source": "", "window_ms": 50}]})
    assert error.code == ReasonCode.POLICY_OUT_OF_RANGE


def _tree_fails(tree: Any) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        policy_from_tree(tree)
    return info.value


@pytest.mark.parametrize(("fmt", "text", "code", "path"), ERRORS)
def test_errors_have_their_code_and_path(
    fmt: str, text: str | bytes, code: ReasonCode, path: str
) -> None:
    error = fails(text, fmt)
    assert (error.code, path_of(error)) == (code, path), error.message


def test_every_policy_code_is_tested_here() -> None:
    tested = {code for _, _, code, _ in ERRORS}
    policy_codes = {c for c in ReasonCode if c.value.startswith("POLICY_")}
    assert policy_codes - tested == {ReasonCode.POLICY_HASH_MISMATCH}


def test_expression_errors_carry_path_and_column() -> None:
    text = SIGNALS + "policies:\n  - {name: p, when: 'tps > 1 || heat > 3', actions: [{type: t}]}\n"
    error = fails(text, "yaml")
    assert error.message.startswith("policies[0].when: column 12: unknown identifier 'heat'")


def test_yaml_billion_laughs_is_refused_at_the_first_anchor() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]" for k in range(1, 9)]
    error = fails("\n".join(lines) + "\n", "yaml")
    assert error.code == ReasonCode.POLICY_YAML_FEATURE


def test_size_limit_counts_bytes_not_characters() -> None:
    text = "# " + "é" * (MAX_POLICY_BYTES // 2)
    assert fails(text, "toml").code == ReasonCode.INPUT_TOO_LARGE
    assert parse_policy("#" * (MAX_POLICY_BYTES - 1), "toml") == Policy()


# --- the breakers section follows BreakerPolicy -----------------------------------------------


@dataclass(frozen=True)
class _StandIn:
    """A stand-in with the shape BreakerPolicy has: int fields, BOUNDS, a cross rule."""

    low: int = 1
    high: int = 10
    BOUNDS: ClassVar[dict[str, tuple[int, int]]] = {"low": (0, 100), "high": (0, 100)}

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise DecodeError(ReasonCode.BREAKER_POLICY_INVALID, "low above high")


def test_generic_int_section_reader() -> None:
    assert _read_int_fields(_StandIn, {}, "breakers") == _StandIn()
    assert _read_int_fields(_StandIn, {"high": 50}, "breakers") == _StandIn(1, 50)
    cases = [
        ({"low": 101}, ReasonCode.POLICY_OUT_OF_RANGE, "breakers.low"),
        ({"low": True}, ReasonCode.POLICY_WRONG_TYPE, "breakers.low"),
        ({"mid": 1}, ReasonCode.POLICY_UNKNOWN_KEY, "breakers.mid"),
        ({"low": 20}, ReasonCode.BREAKER_POLICY_INVALID, "breakers"),
        ([], ReasonCode.POLICY_WRONG_TYPE, "breakers"),
    ]
    for value, code, path in cases:
        with pytest.raises(DecodeError) as info:
            _read_int_fields(_StandIn, value, "breakers")
        assert (info.value.code, path_of(info.value)) == (code, path)


def test_breakers_section_has_every_breaker_field() -> None:
    names = {f.name for f in dataclasses.fields(BreakerPolicy)}
    assert set(policy_to_cbor_value(Policy())["breakers"]) == names
    for name in sorted(names):
        high = BreakerPolicy.BOUNDS[name][1]
        error = fails(json.dumps({"breakers": {name: high + 1}}), "json")
        assert (error.code, path_of(error)) == (ReasonCode.POLICY_OUT_OF_RANGE, f"breakers.{name}")


def test_bridge_admits() -> None:
    rules = BridgeRules(min_signers=3, min_threshold_ratio=500_000)
    assert rules.admits(2, 3)
    assert rules.admits(2, 4)
    assert not rules.admits(1, 3)
    assert not rules.admits(1, 2)  # too few signers
    assert not rules.admits(4, 3)


# --- properties: the same policy in three formats -----------------------------------------------


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


def to_json(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    return json.dumps(value)


def to_toml(tree: dict[str, Any]) -> str:
    def inline(value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k} = {inline(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(inline(v) for v in value) + "]"
        if isinstance(value, Decimal):
            text = _decimal_text(value)
            return text if "." in text else text + ".0"
        return json.dumps(value)

    return "".join(f"{k} = {inline(v)}\n" for k, v in tree.items())


def to_yaml(value: Any, indent: str = "") -> str:
    if isinstance(value, dict):
        if not value:
            return " {}\n"
        lines = ""
        for k, v in value.items():
            if isinstance(v, dict | list) and v:
                lines += f"{indent}{k}:\n{to_yaml(v, indent + '  ')}"
            else:
                lines += f"{indent}{k}:{to_yaml(v, indent + '  ')}"
        return lines
    if isinstance(value, list):
        if not value:
            return " []\n"
        out = ""
        for item in value:
            body = to_yaml(item, indent + "  ")
            out += f"{indent}-" + ("\n" + body if isinstance(item, dict) and item else body)
        return out
    if isinstance(value, Decimal):
        text = _decimal_text(value)
        return f" {text if '.' in text else text + '.0'}\n"
    return f" {json.dumps(value)}\n"


ratios = st.integers(0, 1_000_000).map(lambda ppm: Decimal(ppm) / Decimal(1_000_000))
names = st.sampled_from(["tps", "latency_ms", "heat_w", "entropy", "queue"])


@st.composite
def trees(draw: st.DrawFn) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    step = draw(st.integers(5, 1000))
    if draw(st.booleans()):
        tree["step_ms"] = step
    else:
        step = 50
    if draw(st.booleans()):
        tree["mode"] = draw(st.sampled_from(["simulation", "live"]))
    if draw(st.booleans()):
        tree["horizon_s"] = draw(st.integers(10, 86_400))
    if draw(st.booleans()):
        low = draw(st.integers(0, 10**15))
        tree["bridge"] = {
            "min_threshold_ratio": draw(ratios),
            "pegin_min": low,
            "pegin_max": draw(st.integers(low, 2_100_000_000_000_000)),
            "min_signers": draw(st.integers(1, 1000)),
        }
    if draw(st.booleans()):
        weights = draw(st.dictionaries(st.sampled_from(["reputation", "cost", "load"]),
                                       st.integers(0, 1000)))  # fmt: skip
        tree["scheduler"] = {"weights": weights, "green_min_share": draw(ratios),
                             "reputation": {"late_factor": draw(ratios)}}  # fmt: skip
    if draw(st.booleans()):
        rule = draw(st.sampled_from(sorted(RULE_PARAMS)))
        params: dict[str, Any] = {}
        for name in RULE_PARAMS[rule]:
            params[name] = draw(st.integers(1, 100)) if name != "beta" else Decimal("0.125")
        tree["fl"] = {"rule": rule, "params": params}
    if draw(st.booleans()):
        tree["privacy"] = {"delta": Decimal(draw(st.integers(1, 10**6))) / Decimal(10**12)}
    signal_names = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    tree["signals"] = [
        {"name": n, "source": f"telemetry.{n}", "window_ms": draw(st.integers(step, 10**6))}
        for n in signal_names
    ]
    op = draw(st.sampled_from(["<", ">=", "=="]))
    number = draw(ratios)
    tree["policies"] = [
        {
            "name": "rule_1",
            "when": f"{signal_names[0]} {op} {_decimal_text(number)} || !({signal_names[-1]} < 3)",
            "actions": [
                {
                    "type": "alert",
                    "args": {"level": draw(st.integers(-5, 5)), "notify": draw(st.booleans())},
                }
            ],
        }
    ]
    tree["outputs"] = [{"type": "csv", "path": "out.csv", "fields": ["time", *signal_names]}]
    return tree


@settings(max_examples=60, deadline=None)
@given(trees(), st.randoms(use_true_random=False))
def test_same_policy_same_hash_in_every_format(tree: dict[str, Any], rng: random.Random) -> None:
    expected = policy_hash(policy_from_tree(tree))
    texts = {"json": to_json(tree), "toml": to_toml(tree), "yaml": to_yaml(tree)}
    for fmt, text in texts.items():
        assert load_policy_tree(text, fmt) == tree, (fmt, text)
        assert policy_hash(parse_policy(text, fmt)) == expected, (fmt, text)
    items = list(tree.items())
    rng.shuffle(items)
    assert policy_hash(parse_policy(to_json(dict(items)), "json")) == expected
    exported = policy_to_json(policy_from_tree(tree))
    assert policy_hash(parse_policy(exported, "json")) == expected


@pytest.mark.parametrize("fmt", ["yaml", "json", "toml"])
def test_control_characters_are_a_syntax_error_not_a_crash(fmt: str) -> None:
    """PyYAML's reader refuses them while it is built (a bug found by mutating the
    examples: its ReaderError escaped)."""
    for char in "\x00\x0b\x0c\x1b":
        with pytest.raises(DecodeError) as info:
            parse_policy(f"version: 1{char}\n".encode(), fmt)
        assert info.value.code is ReasonCode.POLICY_SYNTAX
        if fmt == "yaml":  # at the character, as PyYAML counts lines and columns
            assert path_of(info.value) == "line 1, column 11"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["yaml", "json", "toml"]),
    st.data(),
)
def test_mutated_examples_fail_only_with_reason_codes(fmt: str, data: st.DataObject) -> None:
    text = example(fmt).decode()
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(text)))
        if data.draw(st.booleans()) and text:
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + data.draw(st.characters(codec="utf-8")) + text[at:]
    with contextlib.suppress(AileeError):
        parse_policy(text.encode(), fmt)


def _outcome(text: bytes, fmt: str) -> tuple[str, str, str | None]:
    """ailee's result: ("OK", hash) or (code, path, the condition column if any)."""
    try:
        return ("OK", policy_hash(parse_policy(text, fmt)).hex(), None)
    except DecodeError as exc:
        path, _, reason = exc.message.partition(": ")
        column = reason.split(":", 1)[0] if reason.startswith("column ") else None
        return (exc.code.value, path, column)


def _reference_outcome(text: bytes, fmt: str) -> tuple[str, str, str | None]:
    try:
        return ("OK", reference_policy.check(text, fmt).hex(), None)
    except reference_policy.PolicyError as exc:
        column = None if exc.column is None else f"column {exc.column}"
        return (exc.code, exc.path, column)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["yaml", "json", "toml"]), st.data())
def test_mutated_examples_fail_alike_in_the_second_implementation(
    fmt: str, data: st.DataObject
) -> None:
    """The same code, path and column as the implementation written from the text."""
    text = example(fmt).decode()
    pieces = [
        *"{}[]:,\"'#=-. \n\t0123456789&|<>!()",
        "\x07",
        "\u2028",
        "on",
        "~",
        "&a",
        "*a",
        "!!str",
        "<<",
        "1e5",
        ".Inf",
        "-.5",
        "null",
        "1979-05-27",
        "\\ud800",
        "9" * 41,
    ]
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        if data.draw(st.booleans()) and text:
            text = text[:at] + text[at + data.draw(st.integers(1, 3)) :]
        else:
            text = text[:at] + data.draw(st.sampled_from(pieces)) + text[at:]
    raw = text.encode()
    assert _outcome(raw, fmt) == _reference_outcome(raw, fmt)
