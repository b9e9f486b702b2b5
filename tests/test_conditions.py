"""Policy conditions: parsing, canonical text, errors with columns, exact evaluation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ailee.conditions import (
    COMPARISONS,
    MAX_CONDITION_CHARS,
    MAX_CONDITION_DEPTH,
    And,
    Compare,
    Condition,
    Name,
    Not,
    Number,
    Operand,
    Or,
    evaluate,
    format_condition,
    format_number,
    names_of,
    parse_condition,
)
from ailee.errors import DecodeError, ReasonCode


def c(op: str, left: str | int, right: str | int | Fraction) -> Compare:
    def operand(x: str | int | Fraction) -> Operand:
        return Name(x) if isinstance(x, str) else Number(Fraction(x))

    return Compare(op, operand(left), operand(right))


# --- known answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree", "canonical"),
    [
        ("a<1", c("<", "a", 1), "a < 1"),
        ("(avg_corr < 0.15) && (tps > 40000)",
         And((c("<", "avg_corr", Fraction(15, 100)), c(">", "tps", 40000))),
         "avg_corr < 0.15 && tps > 40000"),
        # && binds tighter than ||
        ("a < 1 || b < 2 && c < 3",
         Or((c("<", "a", 1), And((c("<", "b", 2), c("<", "c", 3))))),
         "a < 1 || b < 2 && c < 3"),
        ("(a < 1 || b < 2) && c < 3",
         And((Or((c("<", "a", 1), c("<", "b", 2))), c("<", "c", 3))),
         "(a < 1 || b < 2) && c < 3"),
        # chains flatten, parentheses leave no trace
        ("((a<1 && b<2)) && (c<3)", And((c("<", "a", 1), c("<", "b", 2), c("<", "c", 3))),
         "a < 1 && b < 2 && c < 3"),
        ("!(x >= -2.50)", Not(c(">=", "x", Fraction(-5, 2))), "!(x >= -2.5)"),
        ("!!(x != 0)", Not(Not(c("!=", "x", 0))), "!!(x != 0)"),
        ("(x) == 007.000", c("==", "x", 7), "x == 7"),
        ("\t1 <= x\n", c("<=", 1, "x"), "1 <= x"),
        ("-0 == x", c("==", 0, "x"), "0 == x"),
    ],
)  # fmt: skip
def test_known_answers(text: str, tree: Condition, canonical: str) -> None:
    parsed = parse_condition(text)
    assert parsed == tree
    assert format_condition(parsed) == canonical
    assert parse_condition(canonical) == tree


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("", 1, "found the end"),
        ("a", 1, "a condition is needed"),
        ("a & b", 3, "single '&'"),
        ("a | b", 3, "single '|'"),
        ("a = 1", 3, "single '='"),
        ("a < 1 < 2", 7, "do not chain"),
        ("!a < 1", 2, "'!' needs a condition"),
        ("!(a < 1) < 2", 1, "compares numbers"),
        ("a < (b < 1)", 5, "compares numbers"),
        ("(a < 1", 7, "expected ')'"),
        ("a < 1)", 6, "unexpected ')'"),
        ("a < 1 &&", 9, "found the end"),
        ("a < 1 && b", 10, "a condition is needed"),
        ("a < 1.", 6, "after a number"),
        ("a < 1x", 6, "after a number"),
        ("a < - 1", 5, "'-' must start a number"),
        ("a < 1 + 2", 7, "unexpected character '+'"),
        ("a < 'x'", 5, "unexpected character"),
        ("a < 1e5", 6, "after a number"),
        ("é < 1", 1, "unexpected character"),
        ("a < " + "1" * 37, 5, "more than 36 digits"),
        ("x" * 65 + " < 1", 1, "longer than 64"),
        ("(" * (MAX_CONDITION_DEPTH + 1) + "a < 1" + ")" * (MAX_CONDITION_DEPTH + 1), 33, "deeper"),
        ("!" * (MAX_CONDITION_DEPTH + 1) + "(a < 1)", 33, "deeper"),
        ("a < 1 && " * 200 + "a < 1", MAX_CONDITION_CHARS + 1, "longer than 1024"),
    ],
)  # fmt: skip
def test_errors_carry_the_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(DecodeError) as info:
        parse_condition(text)
    assert info.value.code == ReasonCode.POLICY_EXPRESSION
    assert info.value.message.startswith(f"column {column}: "), info.value.message
    assert fragment in info.value.message


def test_depth_limit_is_exact() -> None:
    deep = "(" * MAX_CONDITION_DEPTH + "a < 1" + ")" * MAX_CONDITION_DEPTH
    assert parse_condition(deep) == c("<", "a", 1)
    bangs = "!" * (MAX_CONDITION_DEPTH - 1) + "(a < 1)"
    assert isinstance(parse_condition(bangs), Not)


def test_unknown_identifier_with_its_column() -> None:
    assert parse_condition("a < 1 || b > 2", {"a", "b"}) == Or((c("<", "a", 1), c(">", "b", 2)))
    with pytest.raises(DecodeError) as info:
        parse_condition("a < 1 || heat > 2", {"a", "b"})
    assert info.value.code == ReasonCode.POLICY_UNKNOWN_REFERENCE
    assert info.value.message.startswith("column 10: unknown identifier 'heat'")


# docs/policy.md 3.4: length, tokens, grammar, types, names; a type error points at
# where the operand starts (its outermost '('); an unknown name at the name itself.
PASSES = [
    ("heat < 1 &&", ReasonCode.POLICY_EXPRESSION, 12),  # grammar before names
    ("!a < 1 &&", ReasonCode.POLICY_EXPRESSION, 10),  # grammar before types
    ("heat < < 1 &", ReasonCode.POLICY_EXPRESSION, 12),  # tokens before grammar
    ("!a < 1", ReasonCode.POLICY_EXPRESSION, 2),
    ("heat", ReasonCode.POLICY_EXPRESSION, 1),  # types before names
    ("(heat)", ReasonCode.POLICY_EXPRESSION, 1),
    ("(a < 1) < heat", ReasonCode.POLICY_EXPRESSION, 1),
    ("(a < 1) < 2", ReasonCode.POLICY_EXPRESSION, 1),
    ("((a < 1)) < 2", ReasonCode.POLICY_EXPRESSION, 1),
    ("(5) && a < 1", ReasonCode.POLICY_EXPRESSION, 1),
    ("a < 1 && (5)", ReasonCode.POLICY_EXPRESSION, 10),
    ("a < (a < 1)", ReasonCode.POLICY_EXPRESSION, 5),
    ("!(a)", ReasonCode.POLICY_EXPRESSION, 2),
    ("!!a", ReasonCode.POLICY_EXPRESSION, 3),
    ("((!(1))) < 2", ReasonCode.POLICY_EXPRESSION, 4),  # bottom-up: the inner fault first
    ("!(5) && heat < 1", ReasonCode.POLICY_EXPRESSION, 2),
    ("(heat) < 1", ReasonCode.POLICY_UNKNOWN_REFERENCE, 2),
    ("a < 1 || (a < 2 && (heat < 1 || cold < 2))", ReasonCode.POLICY_UNKNOWN_REFERENCE, 21),
    ("a < -" + "1" * 37, ReasonCode.POLICY_EXPRESSION, 5),  # a number's start, its sign
    ("a < " + "1" * 37 + "x", ReasonCode.POLICY_EXPRESSION, 5),  # digits before what follows
    ("", ReasonCode.POLICY_EXPRESSION, 1),
]


@pytest.mark.parametrize(("text", "code", "column"), PASSES)
def test_checks_run_in_passes_over_the_whole_text(text: str, code: ReasonCode, column: int) -> None:
    with pytest.raises(DecodeError) as info:
        parse_condition(text, {"a"})
    assert (info.value.code, info.value.message.partition(": ")[0]) == (code, f"column {column}")


def test_a_name_keeps_its_own_column_inside_parentheses() -> None:
    cond = parse_condition("((a)) < 1")
    assert isinstance(cond, Compare)
    assert cond.left == Name("a")
    assert isinstance(cond.left, Name)
    assert cond.left.column == 3


def test_whitespace_of_every_kind_in_a_condition() -> None:
    assert parse_condition("a\t<\r\n1") == c("<", "a", 1)
    with pytest.raises(DecodeError) as info:
        parse_condition("a < 1\x07")
    assert info.value.message.startswith("column 6: unexpected character")


def test_no_eval_ever() -> None:
    for text in ("__import__('os').system('true')", "a.b < 1", "a[0] < 1", "f(a) < 1"):
        with pytest.raises(DecodeError):
            parse_condition(text)


def test_trees_are_validated_when_built_by_hand() -> None:
    with pytest.raises(DecodeError):
        And((c("<", "a", 1),))
    with pytest.raises(DecodeError):
        Or((Or((c("<", "a", 1), c("<", "b", 1))), c("<", "c", 1)))
    with pytest.raises(DecodeError):
        Compare("=<", Name("a"), Name("b"))
    with pytest.raises(DecodeError):
        Name("1a")
    with pytest.raises(DecodeError):
        Number(Fraction(1, 3))


def test_format_number() -> None:
    assert format_number(Fraction(0)) == "0"
    assert format_number(Fraction(-1, 8)) == "-0.125"
    assert format_number(Fraction(123456789, 1000)) == "123456.789"
    with pytest.raises(ValueError, match="finite decimal"):
        format_number(Fraction(1, 3))


def test_names_of_in_order() -> None:
    assert names_of(parse_condition("b < a || !(c < 1) && b < 2")) == ("b", "a", "c")


# --- evaluation ---------------------------------------------------------------------------


def test_exact_evaluation() -> None:
    cond = parse_condition("x == 0.1 && y > 40000")
    assert evaluate(cond, {"x": Fraction(1, 10), "y": 40001})
    assert evaluate(cond, {"x": Decimal("0.10"), "y": Decimal("40000.5")})
    assert not evaluate(cond, {"x": Fraction(1, 10) + Fraction(1, 10**30), "y": 40001})
    assert not evaluate(cond, {"x": Fraction(1, 10), "y": 40000})


@pytest.mark.parametrize("bad", [0.1, True, "0.1", None, Decimal("NaN"), Decimal("Infinity")])
def test_inexact_values_are_refused(bad: object) -> None:
    with pytest.raises(DecodeError) as info:
        evaluate(parse_condition("x < 1"), {"x": bad})  # type: ignore[dict-item]
    assert info.value.code == ReasonCode.POLICY_WRONG_TYPE


def test_every_named_identifier_needs_a_value() -> None:
    cond = parse_condition("x < 1 || y < 1")
    with pytest.raises(DecodeError) as info:
        evaluate(cond, {"x": 0})  # x < 1 alone would decide; y is still required
    assert info.value.code == ReasonCode.POLICY_UNKNOWN_REFERENCE
    assert info.value.message.startswith("y: ")


# --- properties ---------------------------------------------------------------------------

NAMES = ("a", "b", "tps", "avg_corr")
numbers = st.builds(
    lambda m, e: Fraction(m, 10**e), st.integers(-(10**9), 10**9), st.integers(0, 8)
)
operands = st.one_of(st.sampled_from(NAMES).map(Name), numbers.map(Number))
comparisons = st.builds(Compare, st.sampled_from(COMPARISONS), operands, operands)


def _join(kind: type[And] | type[Or], items: list[Condition]) -> Condition:
    flat: list[Condition] = []
    for item in items:
        flat.extend(item.operands if isinstance(item, kind) else (item,))
    return kind(tuple(flat))


conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        inner.map(Not),
        st.lists(inner, min_size=2, max_size=4).map(lambda xs: _join(And, xs)),
        st.lists(inner, min_size=2, max_size=4).map(lambda xs: _join(Or, xs)),
    ),
    max_leaves=12,
)


def _depth(cond: Condition) -> int:
    if isinstance(cond, Compare):
        return 0
    if isinstance(cond, Not):
        return 1 + _depth(cond.operand)
    return 1 + max(_depth(x) for x in cond.operands)


def _full_text(cond: Condition, spaces: str) -> str:
    """Fully parenthesised text, independent of the canonical printer."""
    if isinstance(cond, Compare):

        def side(o: Operand) -> str:
            if isinstance(o, Name):
                return o.name
            value = Decimal(o.value.numerator) / Decimal(o.value.denominator)
            return format(value, "f")

        return f"({side(cond.left)}{spaces}{cond.op}{spaces}{side(cond.right)})"
    if isinstance(cond, Not):
        return f"!({_full_text(cond.operand, spaces)})"
    op = " && " if isinstance(cond, And) else " || "
    return "(" + op.join(_full_text(x, spaces) for x in cond.operands) + ")"


def _reference(cond: Condition, env: dict[str, Fraction]) -> bool:
    if isinstance(cond, Compare):

        def v(o: Operand) -> Fraction:
            return env[o.name] if isinstance(o, Name) else o.value

        a, b = v(cond.left), v(cond.right)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[
            cond.op
        ]
    if isinstance(cond, Not):
        return not _reference(cond.operand, env)
    results = [_reference(x, env) for x in cond.operands]
    return all(results) if isinstance(cond, And) else any(results)


@given(conditions)
def test_parse_of_format_is_identity(cond: Condition) -> None:
    assume(_depth(cond) < MAX_CONDITION_DEPTH // 2)
    text = format_condition(cond)
    assume(len(text) <= MAX_CONDITION_CHARS)
    assert parse_condition(text) == cond
    assert format_condition(parse_condition(text)) == text


@given(conditions, st.sampled_from(["", " ", "\t"]))
def test_fully_parenthesised_text_parses_to_the_same_tree(cond: Condition, spaces: str) -> None:
    assume(_depth(cond) < MAX_CONDITION_DEPTH // 3)
    text = _full_text(cond, spaces)
    assume(len(text) <= MAX_CONDITION_CHARS)
    assert parse_condition(text) == cond


@given(conditions, st.fixed_dictionaries(dict.fromkeys(NAMES, numbers)))
def test_evaluation_agrees_with_a_reference(cond: Condition, env: dict[str, Fraction]) -> None:
    assert evaluate(cond, env) == _reference(cond, env)
    decimals = {k: Decimal(v.numerator) / Decimal(v.denominator) for k, v in env.items()}
    assert evaluate(cond, decimals) == _reference(cond, env)
