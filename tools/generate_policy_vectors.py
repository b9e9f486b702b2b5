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
    valid(tests, "a when-condition may hold tab, CR and LF (whitespace), unlike text (2.14)",
          '{"signals": [{"name": "tps", "source": "engine.tps", "window_ms": 5000}], '
          '"policies": [{"name": "p", "when": "tps\\t<\\r\\n1", "actions": [{"type": "alert"}]}]}',
          "json")  # fmt: skip
    valid(tests, "YAML plain decimal integers may carry a sign: +50 is 50 (1.4)", "step_ms: +50\n",
          "yaml")  # fmt: skip
    valid(tests, "trimmed_mean's beta is a ratio, hashed in ppm under its own key "
          "(fl.params.beta 100000; section 4)", "fl: {rule: trimmed_mean, params: {beta: 0.1}}\n",
          "yaml")  # fmt: skip
    valid(tests, "the same in TOML", '[fl]\nrule = "trimmed_mean"\nparams = {beta = 0.100}\n',
          "toml")  # fmt: skip

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
    # TOML: every message of a key defined twice is POLICY_DUPLICATE_KEY (1.3)
    invalid(tests, "TOML inline table key defined twice", "bitcoin = {dust_relay_fee = 1, "
            "dust_relay_fee = 2}\n", "toml", "POLICY_DUPLICATE_KEY", "line 1, column 50",
            flag="Syntax")  # fmt: skip
    invalid(tests, "TOML dotted key redefining a table", "[scheduler.weights]\n[scheduler]\n"
            "weights.load = 1\n", "toml", "POLICY_DUPLICATE_KEY", "line 3, column 17",
            flag="Syntax")  # fmt: skip
    invalid(tests, "TOML inline table extended by a dotted key", "fl = {rule = \"krum\"}\n"
            "fl.params = {}\n", "toml", "POLICY_DUPLICATE_KEY", "line 2, column 15",
            flag="Syntax")  # fmt: skip
    invalid(tests, "TOML value redefined as a table", "mode = \"live\"\n[mode]\n", "toml",
            "POLICY_DUPLICATE_KEY", "line 2, column 6", flag="Syntax")  # fmt: skip
    invalid(tests, "TOML integer of over 4,300 digits: the reader refuses it without a place",
            "step_ms = " + "9" * 4301 + "\n", "toml", "POLICY_SYNTAX", "$",
            flag="Syntax")  # fmt: skip
    # YAML: the text is read before the tree is built (1.4, 1.5)
    invalid(tests, "YAML: a refused form in a duplicate key's value is found first (the text "
            "before the tree)", "mode: live\nmode: on\n", "yaml", "POLICY_YAML_FEATURE",
            "line 2, column 7", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML: a duplicate key is found before its value's lone surrogate",
            'mode: live\nmode: "\\ud800"\n', "yaml", "POLICY_DUPLICATE_KEY", "mode",
            flag="Syntax")  # fmt: skip
    invalid(tests, "YAML: faults of the text in document order (a refused form before a later "
            "syntax error)", "mode: on\nsignals: [\n", "yaml", "POLICY_YAML_FEATURE",
            "line 1, column 7", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML: a control character, at its line and column", "mode: live\n"
            "step_ms: 5\x07\n", "yaml", "POLICY_SYNTAX", "line 2, column 11",
            flag="Syntax")  # fmt: skip
    invalid(tests, "YAML: a control character after U+2028 (a YAML line break) and U+FEFF (no "
            "column)", "# note\u2028mode: \ufefflive\x1b\n", "yaml", "POLICY_SYNTAX",
            "line 2, column 11", flag="Syntax")  # fmt: skip
    invalid(tests, "YAML: a key that is not text, at its mapping's path and its place",
            "bitcoin:\n  1: x\n", "yaml", "POLICY_WRONG_TYPE", "bitcoin (line 2, column 3)",
            flag="Syntax")  # fmt: skip
    invalid(tests, "YAML: .Inf is one of the twelve non-finite spellings (1.4)",
            "privacy: {epsilon: .Inf}\n", "yaml", "POLICY_BAD_VALUE", "privacy.epsilon",
            flag="Syntax")  # fmt: skip
    invalid(tests, "YAML: -.5 is text, not a number (1.4)", "privacy: {epsilon: -.5}\n",
            "yaml", "POLICY_WRONG_TYPE", "privacy.epsilon", flag="Syntax")  # fmt: skip
    # the plain tree, before validation (1.5)
    invalid(tests, "a lone surrogate is found while the tree is built (YAML), before unknown "
            "keys", 'mood: "\\ud800"\n', "yaml", "POLICY_BAD_VALUE", "mood",
            flag="Syntax")  # fmt: skip
    invalid(tests, "a lone surrogate in a key (JSON)", '{"\\ud800": 1}', "json",
            "POLICY_BAD_VALUE", '["\\ud800"]', flag="Syntax")  # fmt: skip
    invalid(tests, "a TOML date is found while the tree is built, before unknown keys",
            "mood = 1979-05-27\n", "toml", "POLICY_WRONG_TYPE", "mood", flag="Syntax")  # fmt: skip
    invalid(tests, "an integer of over 40 digits is refused while the tree is built (JSON)",
            '{"mood": ' + "9" * 41 + "}", "json", "POLICY_OUT_OF_RANGE", "mood",
            flag="Syntax")  # fmt: skip
    invalid(tests, "the same in YAML, with a sign", "step_ms: +" + "1" * 41 + "\n", "yaml",
            "POLICY_OUT_OF_RANGE", "step_ms", flag="Syntax")  # fmt: skip
    invalid(tests, "the same in TOML (41 to 4,300 digits)", "step_ms = " + "9" * 41 + "\n",
            "toml", "POLICY_OUT_OF_RANGE", "step_ms", flag="Syntax")  # fmt: skip
    invalid(tests, "an integer of exactly 40 digits is read, then out of range",
            "step_ms: " + "9" * 40 + "\n", "yaml", "POLICY_OUT_OF_RANGE", "step_ms",
            flag="Syntax")  # fmt: skip
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
    # paths (2.1)
    invalid(tests, "a top-level key that needs quoting is written in brackets", '{"a b": 1}',
            "json", "POLICY_UNKNOWN_KEY", '["a b"]')  # fmt: skip
    invalid(tests, "the empty key, nested", '{"bitcoin": {"": 1}}', "json", "POLICY_UNKNOWN_KEY",
            'bitcoin[""]')  # fmt: skip
    invalid(tests, "a key with ':' is escaped in its path", '{"bitcoin": {"a: b": 1}}', "json",
            "POLICY_UNKNOWN_KEY", 'bitcoin["a\\u003a b"]')  # fmt: skip
    # null is a value, not a missing key (2.2)
    invalid(tests, "an empty YAML value is null, not a missing section", "bitcoin:\n", "yaml",
            "POLICY_WRONG_TYPE", "bitcoin")  # fmt: skip
    invalid(tests, "null is not the default", '{"step_ms": null}', "json", "POLICY_WRONG_TYPE",
            "step_ms")  # fmt: skip
    # value kinds (2.3)
    invalid(tests, "empty text is a length fault", 'signals:\n  - {name: tps, source: "", '
            "window_ms: 5000}\n", "yaml", "POLICY_OUT_OF_RANGE", "signals[0].source")  # fmt: skip
    invalid(tests, "text: the length before control characters", '{"signals": [{"name": "tps", '
            '"source": "' + "x" * 256 + '\\u0007", "window_ms": 5000}]}', "json",
            "POLICY_OUT_OF_RANGE", "signals[0].source")  # fmt: skip
    invalid(tests, "a control character in text", '{"signals": [{"name": "tps", "source": '
            '"x\\u0007", "window_ms": 5000}]}', "json", "POLICY_BAD_VALUE",
            "signals[0].source")  # fmt: skip
    invalid(tests, "a decimal: over 40 decimal places before the range", '{"privacy": '
            '{"epsilon": -1e-41}}', "json", "POLICY_BAD_VALUE", "privacy.epsilon")  # fmt: skip
    invalid(tests, "a decimal: over 40 digits before the point", "[privacy]\nepsilon = 1e41\n",
            "toml", "POLICY_OUT_OF_RANGE", "privacy.epsilon")  # fmt: skip
    invalid(tests, "a decimal: the range before the 18 places", '{"privacy": {"delta": '
            '1.0000000000000000001}}', "json", "POLICY_OUT_OF_RANGE", "privacy.delta")  # fmt: skip
    invalid(tests, "a decimal of 19 places", '{"privacy": {"delta": 0.0000000000000000001}}',
            "json", "POLICY_BAD_VALUE", "privacy.delta")  # fmt: skip
    invalid(tests, "a ratio: the range before the 1 ppm rule", '{"bridge": '
            '{"min_threshold_ratio": 2.0000001}}', "json", "POLICY_OUT_OF_RANGE",
            "bridge.min_threshold_ratio")  # fmt: skip
    # rules between fields and between items (2.2, 2.6, 2.8, 2.12-2.16)
    invalid(tests, "bridge: both rules fail, the peg-in one is reported",
            "bridge: {pegin_min: 10, pegin_max: 9, pegout_fee_min: 2, pegout_fee_max: 1}\n",
            "yaml", "POLICY_INCONSISTENT", "bridge.pegin_max")  # fmt: skip
    invalid(tests, "bridge: a field's own fault before the rules",
            "bridge: {pegin_min: 10, pegin_max: 9, pegout_fee_max: -1}\n", "yaml",
            "POLICY_OUT_OF_RANGE", "bridge.pegout_fee_max")  # fmt: skip
    invalid(tests, "breakers: a field's own fault is a policy fault", "breakers: {min_peers: 0}\n",
            "yaml", "POLICY_OUT_OF_RANGE", "breakers.min_peers")  # fmt: skip
    invalid(tests, "breakers: resume_collateral_ppm below min_collateral_ppm (the default 950000)",
            "breakers: {min_collateral_ppm: 960000}\n", "yaml", "BREAKER_POLICY_INVALID",
            "breakers.resume_collateral_ppm")  # fmt: skip
    invalid(tests, "breakers: a field's own fault before the rules", "breakers: "
            "{min_collateral_ppm: 960000, max_peers: 1}\n", "yaml", "POLICY_UNKNOWN_KEY",
            "breakers.max_peers")  # fmt: skip
    invalid(tests, "a list of names is checked item by item (a repeat before a later unknown)",
            _SIGNALS_YAML + "metrics:\n  - {name: m, type: mean, signals: [tps, tps, heat], "
            "window_ms: 100, stride_ms: 100}\n", "yaml", "POLICY_DUPLICATE_NAME",
            "metrics[0].signals[1]")  # fmt: skip
    invalid(tests, "pipeline names are unique, checked after every pipeline",
            "pipelines:\n  - {name: p, enabled: true}\n  - {name: p, enabled: 1}\n", "yaml",
            "POLICY_WRONG_TYPE", "pipelines[1].enabled")  # fmt: skip
    invalid(tests, "output paths are unique, checked after every output",
            "outputs:\n  - {type: csv, path: o}\n  - {type: csv, path: o, fields: [tps]}\n",
            "yaml", "POLICY_UNKNOWN_REFERENCE", "outputs[1].fields[0]")  # fmt: skip
    invalid(tests, "two pipelines of one name", "pipelines:\n  - {name: p, enabled: true}\n"
            "  - {name: p, enabled: false}\n", "yaml", "POLICY_DUPLICATE_NAME",
            "pipelines[1].name")  # fmt: skip
    # action arguments (2.14)
    invalid(tests, "args: keys in code-point order, each a name, before its value",
            _SIGNALS_YAML + "policies:\n  - name: p\n    when: tps > 1\n    actions: [{type: t, "
            "args: {z: 0.5, \"a b\": 1}}]\n", "yaml", "POLICY_BAD_VALUE",
            'policies[0].actions[0].args["a b"]')  # fmt: skip
    invalid(tests, "args: a decimal is not an argument", _SIGNALS_YAML + "policies:\n  - name: p"
            "\n    when: tps > 1\n    actions: [{type: t, args: {a: 1, z: 0.5}}]\n", "yaml",
            "POLICY_WRONG_TYPE", "policies[0].actions[0].args.z")  # fmt: skip

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
        # the order of the passes (3.4): length, tokens, grammar, types, names
        (
            "the grammar before names: an unknown identifier in a broken condition",
            "heat < 1 &&",
            "POLICY_EXPRESSION",
            12,
        ),
        ("the grammar before types", "!tps < 1 &&", "POLICY_EXPRESSION", 12),
        ("the tokens before the grammar", "tps < < 1 &", "POLICY_EXPRESSION", 11),
        ("types before names: a bare unknown identifier", "heat", "POLICY_EXPRESSION", 1),
        (
            "types before names: the left operand is a truth value",
            "(tps < 1) < heat",
            "POLICY_EXPRESSION",
            1,
        ),
        (
            "names last, in text order",
            "latency_ms > 1 && (heat < 1 || cold > 2)",
            "POLICY_UNKNOWN_REFERENCE",
            20,
        ),
        # columns (3.4)
        ("a parenthesised operand is reported at its '('", "(tps < 1) < 2", "POLICY_EXPRESSION", 1),
        (
            "a number where a condition is needed, at its '('",
            "(5) && tps < 1",
            "POLICY_EXPRESSION",
            1,
        ),
        ("types bottom-up: the inner fault first", "((!(1))) < 2", "POLICY_EXPRESSION", 4),
        ("the right operand of a comparison", "tps < ((tps < 1))", "POLICY_EXPRESSION", 7),
        ("a number of 37 digits, at its sign", "tps < -" + "1" * 37, "POLICY_EXPRESSION", 7),
        (
            "a number of 36 digits is read",
            "tps < -" + "1" * 20 + "." + "1" * 16 + " && heat",
            "POLICY_EXPRESSION",
            49,
        ),
        (
            "an identifier of 65 characters, at its start",
            "tps < " + "x" * 65,
            "POLICY_EXPRESSION",
            7,
        ),
        ("the empty condition", "", "POLICY_EXPRESSION", 1),
        (
            "a condition of 1,025 characters",
            "tps < 1 && " * 92 + "tps < 1234567",
            "POLICY_EXPRESSION",
            1025,
        ),
    ):
        invalid(tests, comment, _when(condition), "yaml", code, "policies[0].when", column,
                flag="Condition")  # fmt: skip
    return vf
