"""The policy-configuration golden vectors. Called by ``tools/generate_vectors.py``.

Each case is a policy file's ``text`` and its ``format``. A valid case expects the
policy hash; an invalid one the reason code and the ``path`` its message starts with
(and, for conditions, the 1-based ``column``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ailee.policy import parse_policy, policy_hash

ROOT = Path(__file__).resolve().parent.parent

_SIGNALS_YAML = """signals:
  - {name: tps, source: engine.tps, window_ms: 5000}
  - {name: latency_ms, source: telemetry.latency, window_ms: 5000}
"""


def _when(condition: str) -> str:
    """A YAML policy whose one rule has ``condition`` (signals tps and latency_ms)."""
    quoted = condition.replace("'", "''")
    return (
        _SIGNALS_YAML
        + "policies:\n"
        + f"  - name: p\n    when: '{quoted}'\n    actions: [{{type: alert}}]\n"
    )


def policy_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Policy configuration: reading, validation, canonical encoding and hash",
        "ailee_policy_v1",
        [
            "'text' is a policy file in 'format' (yaml, json or toml). A valid case gives "
            "'expected' {hash}: tagged_hash('ailee/v2/policy', CBOR of the normalized "
            "policy), in hex. An invalid case gives the reason 'code', the 'path' its "
            "message starts with (a field path, '$' for the document, or 'line L, column "
            "C' for a fault found while parsing the text) and, for conditions, 'column'.",
            "INPUT_TOO_LARGE (a text over 1,048,576 bytes) is left out to keep the file small; "
            "see docs/policy.md.",
        ],
    )
    vf.note("Format", "EDGE_CASE", "The same policy in another format or spelling.")
    vf.note("Syntax", "MALFORMED_INPUT", "The text does not parse, or uses a refused feature.")
    vf.note("Schema", "MALFORMED_INPUT", "A key, type, range or cross-reference is wrong.")
    vf.note("Condition", "MALFORMED_INPUT", "A policy's when-condition is wrong.")
    vf.note("Limit", "EDGE_CASE", "A nesting limit is exceeded.")

    def valid(tests: list[Any], comment: str, text: str, fmt: str) -> None:
        digest = policy_hash(parse_policy(text, fmt)).hex()
        vf.add(tests, comment, {"format": fmt, "text": text, "expected": {"hash": digest}},
               flags=("Format",))  # fmt: skip

    def invalid(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        text: str,
        fmt: str,
        code: str,
        path: str,
        column: int | None = None,
        flag: str = "Schema",
    ) -> None:
        fields: dict[str, Any] = {"format": fmt, "text": text, "path": path}
        if column is not None:
            fields["column"] = column
        vf.add(tests, comment, fields, code=code, flags=(flag,))

    tests = vf.group("valid")
    for fmt in ("yaml", "json", "toml"):
        text = (ROOT / "examples" / f"policy.{fmt}").read_text()
        valid(tests, f"examples/policy.{fmt}", text, fmt)
    valid(tests, "the empty TOML document: every default", "", "toml")
    valid(tests, "the empty JSON object: every default", "{}", "json")
    valid(
        tests,
        "defaults written out give the hash of the empty document",
        "version: 1\nmode: simulation\nstep_ms: 50\nbridge: {min_threshold_ratio: 0.500000}\n"
        "scheduler: {weights: {load: 20}, reputation: {rate: 0.1}}\n",
        "yaml",
    )
    valid(
        tests,
        "a condition's spelling does not matter: ((a < 1)) && (b > 2.50) is a < 1 && b > 2.5",
        _when("((tps < 1)) && (latency_ms > 2.50)"),
        "yaml",
    )
    valid(tests, "the same, in canonical form", _when("tps < 1 && latency_ms > 2.5"), "yaml")

    tests = vf.group("syntax")
    invalid(tests, "JSON syntax error", '{"mode": }', "json", "POLICY_SYNTAX",
            "line 1, column 10", flag="Syntax")  # fmt: skip
    invalid(tests, "TOML syntax error", "mode = \n", "toml", "POLICY_SYNTAX",
            "line 1, column 8", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML syntax error", "mode: [live\n", "yaml", "POLICY_SYNTAX",
            "line 2, column 1", flag="Syntax")  # fmt: skip
    invalid(tests, "JSON NaN is not JSON", '{"step_ms": NaN}', "json", "POLICY_SYNTAX", "$",
            flag="Syntax")  # fmt: skip
    invalid(tests, "YAML anchor", "mode: &m live\n", "yaml", "POLICY_YAML_FEATURE",
            "line 1, column 7", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML merge key", "bitcoin:\n  <<: {min_signers: 2}\n", "yaml",
            "POLICY_YAML_FEATURE", "line 2, column 3", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML tag", "mode: !!str live\n", "yaml", "POLICY_YAML_FEATURE",
            "line 1, column 7", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML 1.1 boolean 'on'", "mode: on\n", "yaml", "POLICY_YAML_FEATURE",
            "line 1, column 7", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML 1.1 octal integer", "step_ms: 0100\n", "yaml", "POLICY_YAML_FEATURE",
            "line 1, column 10", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML timestamp", "mode: 2026-01-01\n", "yaml", "POLICY_YAML_FEATURE",
            "line 1, column 7", flag="Syntax")  # fmt: skip
    invalid(tests, "JSON duplicate key", '{"mode": "live", "mode": "live"}', "json",
            "POLICY_DUPLICATE_KEY", "mode", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML duplicate key, nested", "bitcoin:\n  dust_relay_fee: 1\n"
            "  dust_relay_fee: 2\n", "yaml", "POLICY_DUPLICATE_KEY", "bitcoin.dust_relay_fee",
            flag="Syntax")  # fmt: skip
    invalid(tests, "TOML table declared twice", "[bitcoin]\n[bitcoin]\n", "toml",
            "POLICY_DUPLICATE_KEY", "line 2, column 9", flag="Syntax")  # fmt: skip
    invalid(tests, "nesting deeper than 16 (JSON)", '{"a": ' + "[" * 16 + "]" * 16 + "}",
            "json", "POLICY_TOO_DEEP", "line 1, column 22", flag="Limit")  # fmt: skip
    invalid(tests, "nesting deeper than 16 (TOML dotted table)",
            "[" + ".".join("a" * 1 for _ in range(16)) + "]\n", "toml", "POLICY_TOO_DEEP",
            "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a", flag="Limit")  # fmt: skip

    tests = vf.group("schema")
    invalid(tests, "unknown top-level key", '{"mood": "live"}', "json", "POLICY_UNKNOWN_KEY",
            "mood")  # fmt: skip
    invalid(tests, "unknown key in a section", "[bridge]\nmin_signer = 3\n", "toml",
            "POLICY_UNKNOWN_KEY", "bridge.min_signer")  # fmt: skip
    invalid(tests, "a signal without window_ms", "signals:\n  - {name: tps, source: x}\n",
            "yaml", "POLICY_MISSING_KEY", "signals[0].window_ms")  # fmt: skip
    invalid(tests, "a boolean where an integer is expected", '{"step_ms": true}', "json",
            "POLICY_WRONG_TYPE", "step_ms")  # fmt: skip
    invalid(tests, "a decimal where an integer is expected", "step_ms = 50.0\n", "toml",
            "POLICY_WRONG_TYPE", "step_ms")  # fmt: skip
    invalid(tests, "text where a number is expected", "horizon_s: '600'\n", "yaml",
            "POLICY_WRONG_TYPE", "horizon_s")  # fmt: skip
    invalid(tests, "step_ms below 5", "step_ms: 4\n", "yaml", "POLICY_OUT_OF_RANGE",
            "step_ms")  # fmt: skip
    invalid(tests, "a ratio above 1", '{"scheduler": {"min_reputation": 1.5}}', "json",
            "POLICY_OUT_OF_RANGE", "scheduler.min_reputation")  # fmt: skip
    invalid(tests, "a ratio finer than 1 ppm", '{"bridge": {"min_threshold_ratio": 0.6666667}}',
            "json", "POLICY_BAD_VALUE", "bridge.min_threshold_ratio")  # fmt: skip
    invalid(tests, "an unknown mode", "mode = \"dry-run\"\n", "toml", "POLICY_BAD_VALUE",
            "mode")  # fmt: skip
    invalid(tests, "a non-finite number (TOML inf)", "[privacy]\nepsilon = inf\n", "toml",
            "POLICY_BAD_VALUE", "privacy.epsilon")  # fmt: skip
    invalid(tests, "two signals named tps", _SIGNALS_YAML
            + "  - {name: tps, source: y, window_ms: 5000}\n", "yaml",
            "POLICY_DUPLICATE_NAME", "signals[2].name")  # fmt: skip
    invalid(tests, "a signal window below step_ms", "signals:\n  - {name: tps, source: x, "
            "window_ms: 20}\n", "yaml", "POLICY_INCONSISTENT", "signals[0].window_ms")  # fmt: skip
    invalid(tests, "pegin_min above pegin_max", "[bridge]\npegin_min = 10\npegin_max = 9\n",
            "toml", "POLICY_INCONSISTENT", "bridge.pegin_max")  # fmt: skip
    invalid(tests, "a breaker rule between fields (warn above max latency)",
            "breakers: {max_latency_ms: 100, warn_latency_ms: 200}\n", "yaml",
            "BREAKER_POLICY_INVALID", "breakers.warn_latency_ms")  # fmt: skip
    invalid(tests, "a metric of an undeclared signal", _SIGNALS_YAML + "metrics:\n  - {name: m, "
            "type: mean, signals: [tps, heat], window_ms: 100, stride_ms: 100}\n", "yaml",
            "POLICY_UNKNOWN_REFERENCE", "metrics[0].signals[1]")  # fmt: skip
    invalid(tests, "an output field that is not declared", "outputs:\n  - {type: csv, path: o, "
            "fields: [time, tps]}\n", "yaml", "POLICY_UNKNOWN_REFERENCE",
            "outputs[0].fields[1]")  # fmt: skip

    tests = vf.group("conditions")
    for comment, condition, code, column in (
        ("a lone '&'", "tps > 1 & latency_ms < 2", "POLICY_EXPRESSION", 9),
        ("an unclosed parenthesis", "(tps > 1", "POLICY_EXPRESSION", 9),
        ("chained comparisons", "1 < tps < 3", "POLICY_EXPRESSION", 9),
        ("'!' applied to a number", "!tps < 3", "POLICY_EXPRESSION", 2),
        ("a bare identifier is not a condition", "tps", "POLICY_EXPRESSION", 1),
        ("an undeclared identifier", "tps > 1 || heat_w > 300", "POLICY_UNKNOWN_REFERENCE", 12),
        ("eval-like text", "__import__('os')", "POLICY_EXPRESSION", 12),
        ("nesting deeper than 32", "(" * 33 + "tps > 1" + ")" * 33, "POLICY_EXPRESSION", 33),
    ):
        invalid(tests, comment, _when(condition), "yaml", code, "policies[0].when", column,
                flag="Condition")  # fmt: skip
    return vf
