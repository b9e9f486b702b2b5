"""Policy conditions: a small, safe expression language with exact evaluation.

A condition is the ``when`` of a policy (:mod:`ailee.policy`), for example
``(avg_corr < 0.15) && (tps > 40000)``. Its text is read by a tokenizer and a
recursive-descent parser into an immutable tree; nothing is ever handed to ``eval``.

Grammar (EBNF; whitespace is space, tab, CR or LF, and separates tokens)::

    condition  = disjunct ;
    disjunct   = conjunct , { "||" , conjunct } ;
    conjunct   = comparison , { "&&" , comparison } ;
    comparison = unary , [ ( "<" | "<=" | ">" | ">=" | "==" | "!=" ) , unary ] ;
    unary      = "!" , unary | primary ;
    primary    = number | identifier | "(" , disjunct , ")" ;
    number     = [ "-" ] , digit , { digit } , [ "." , digit , { digit } ] ;
    identifier = ( letter | "_" ) , { letter | digit | "_" } ;   (* ASCII, <= 64 *)

Precedence, tightest first: ``!``, the comparisons (non-associative: ``a < b < c``
is an error), ``&&``, ``||``. A comparison compares two numeric operands (numbers or
identifiers) and gives a truth value; ``!``, ``&&`` and ``||`` take truth values; a
condition is a truth value. So ``!a < 1`` (``!`` applied to a number), a bare ``a``
and ``a < 1 < 2`` are errors. The whole text's syntax is checked first, then the
types, then the names (``docs/policy.md`` section 3.4): fix the syntax, then the
meaning.

Trees are normal: nested ``&&`` (or ``||``) chains are flattened into one
:class:`And` (or :class:`Or`) of two or more operands, parentheses leave no trace,
and numbers are exact :class:`~fractions.Fraction` values. :func:`format_condition`
prints the one canonical text of a tree (minimal parentheses, one space around each
binary operator, numbers in plain decimal without trailing zeros), and
``parse_condition(format_condition(c)) == c`` for every tree.

Errors are :class:`~ailee.errors.DecodeError` with the message ``column N: ...``
(``N`` is the 1-based position, in characters, in the text; for a type error, where
the offending operand starts, its outermost ``(`` if parenthesised):
``POLICY_EXPRESSION`` for syntax, type and limit errors, ``POLICY_UNKNOWN_REFERENCE``
for an identifier that is not among the declared names.

Evaluation (:func:`evaluate`) is exact: identifiers are looked up in a mapping to
exact numbers (``int``, :class:`~fractions.Fraction` or finite
:class:`~decimal.Decimal`; never ``float`` or ``bool``), every identifier the
condition names must have a value (whether or not evaluation reaches it), and
``&&``/``||`` are the usual logical connectives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Final, TypeAlias

from ailee.errors import DecodeError, ReasonCode

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Mapping

__all__ = [
    "COMPARISONS",
    "MAX_CONDITION_CHARS",
    "MAX_CONDITION_DEPTH",
    "MAX_IDENTIFIER_CHARS",
    "MAX_NUMBER_DIGITS",
    "And",
    "Compare",
    "Condition",
    "Name",
    "Not",
    "Number",
    "Operand",
    "Or",
    "evaluate",
    "format_condition",
    "format_number",
    "is_identifier",
    "names_of",
    "parse_condition",
]

#: Longest condition text, in characters.
MAX_CONDITION_CHARS: Final = 1_024
#: Deepest nesting of parentheses and ``!`` (each counts one level).
MAX_CONDITION_DEPTH: Final = 32
#: Longest identifier, in characters (ASCII).
MAX_IDENTIFIER_CHARS: Final = 64
#: Most digits in a number literal (integer and fractional part together).
MAX_NUMBER_DIGITS: Final = 36
#: The comparison operators.
COMPARISONS: Final = ("<", "<=", ">", ">=", "==", "!=")

_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER: Final = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")
_WHITESPACE: Final = " \t\r\n"


def is_identifier(text: str) -> bool:
    """Whether ``text`` is an identifier of the condition language (ASCII letter or
    ``_``, then letters, digits or ``_``; at most :data:`MAX_IDENTIFIER_CHARS`)."""
    return len(text) <= MAX_IDENTIFIER_CHARS and _IDENTIFIER.fullmatch(text) is not None


# --- the tree ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    """A number literal, exactly (a finite decimal, held as a fraction)."""

    value: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.value, Fraction) or _strip25(self.value.denominator) != 1:
            raise DecodeError(ReasonCode.POLICY_EXPRESSION, "a number must be a finite decimal")
        text = format_number(self.value)
        if sum(c.isdigit() for c in text) > MAX_NUMBER_DIGITS:
            raise DecodeError(
                ReasonCode.POLICY_EXPRESSION, f"a number has more than {MAX_NUMBER_DIGITS} digits"
            )


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier: a declared signal or metric. ``column`` (1-based, 0 if built by
    hand) is where it was read; it takes no part in equality."""

    name: str
    column: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not is_identifier(self.name):
            raise DecodeError(ReasonCode.POLICY_EXPRESSION, f"{self.name!r} is not an identifier")


Operand: TypeAlias = Number | Name


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` with ``op`` one of :data:`COMPARISONS`."""

    op: str
    left: Operand
    right: Operand

    def __post_init__(self) -> None:
        if self.op not in COMPARISONS:
            raise DecodeError(ReasonCode.POLICY_EXPRESSION, f"{self.op!r} is not a comparison")


@dataclass(frozen=True, slots=True)
class Not:
    """``!operand``."""

    operand: Condition


@dataclass(frozen=True, slots=True)
class And:
    """``a && b && ...``: two or more operands, none of them an :class:`And`."""

    operands: tuple[Condition, ...]

    def __post_init__(self) -> None:
        if len(self.operands) < 2 or any(isinstance(c, And) for c in self.operands):
            raise DecodeError(
                ReasonCode.POLICY_EXPRESSION, "And: two or more operands, none an And"
            )


@dataclass(frozen=True, slots=True)
class Or:
    """``a || b || ...``: two or more operands, none of them an :class:`Or`."""

    operands: tuple[Condition, ...]

    def __post_init__(self) -> None:
        if len(self.operands) < 2 or any(isinstance(c, Or) for c in self.operands):
            raise DecodeError(ReasonCode.POLICY_EXPRESSION, "Or: two or more operands, none an Or")


Condition: TypeAlias = Compare | Not | And | Or


# --- tokens -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "id", "op", "(", ")", "end"
    text: str
    column: int


def _error(
    column: int, message: str, code: ReasonCode = ReasonCode.POLICY_EXPRESSION
) -> DecodeError:
    return DecodeError(code, f"column {column}: {message}")


_TWO_CHAR: Final = ("&&", "||", "<=", ">=", "==", "!=")
_ONE_CHAR: Final = ("<", ">", "!", "(", ")")


def _tokens(text: str) -> Iterator[_Token]:
    k, n = 0, len(text)
    while k < n:
        char = text[k]
        column = k + 1
        if char in _WHITESPACE:
            k += 1
            continue
        pair = text[k : k + 2]
        if pair in _TWO_CHAR:
            yield _Token("op", pair, column)
            k += 2
            continue
        if char in _ONE_CHAR:
            yield _Token(char if char in "()" else "op", char, column)
            k += 1
            continue
        if char in "&|=":
            raise _error(column, f"expected {char * 2!r}, found a single {char!r}")
        if char == "-" or (char.isascii() and char.isdigit()):
            match = _NUMBER.match(text, k)
            if match is None:
                raise _error(column, "'-' must start a number (there is no subtraction)")
            yield _Token("num", _number_text(match, column), column)
            k = match.end()
            if k < n and (text[k].isascii() and (text[k].isalnum() or text[k] in "_.")):
                raise _error(k + 1, f"unexpected {text[k]!r} after a number")
            continue
        match = _IDENTIFIER.match(text, k)
        if match is None:
            raise _error(column, f"unexpected character {char!r}")
        if match.end() - k > MAX_IDENTIFIER_CHARS:
            raise _error(column, f"identifier longer than {MAX_IDENTIFIER_CHARS} characters")
        yield _Token("id", match.group(), column)
        k = match.end()
    yield _Token("end", "", n + 1)


def _number_text(match: re.Match[str], column: int) -> str:
    digits = len(match.group(1)) + len(match.group(2) or "")
    if digits > MAX_NUMBER_DIGITS:
        raise _error(column, f"number with more than {MAX_NUMBER_DIGITS} digits")
    return match.group()


# --- parsing ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Raw:
    """A node as parsed, before types are checked: ``kind`` is ``num``, ``id``,
    ``cmp``, ``not``, ``and`` or ``or``; ``column`` is where the operand starts in the
    text (its outermost ``(`` when parenthesised); ``at`` is an identifier's own
    column; ``text`` the operator, identifier or number."""

    kind: str
    column: int
    text: str = ""
    children: tuple[_Raw, ...] = ()
    at: int = 0


class _Parser:
    """Recursive descent over the token list, grammar only (types and names are
    checked afterwards, over the whole tree); depth is bounded before each descent."""

    def __init__(self, text: str) -> None:
        self.tokens = list(_tokens(text))
        self.pos = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at_op(self, *ops: str) -> bool:
        return self.token.kind == "op" and self.token.text in ops

    def parse(self) -> _Raw:
        node = self.disjunct(0)
        if self.token.kind != "end":
            raise _error(self.token.column, f"unexpected {_describe(self.token)}")
        return node

    def disjunct(self, depth: int) -> _Raw:
        operands = [self.conjunct(depth)]
        while self.at_op("||"):
            self.take()
            operands.append(self.conjunct(depth))
        return (
            operands[0]
            if len(operands) == 1
            else _Raw("or", operands[0].column, "||", tuple(operands))
        )

    def conjunct(self, depth: int) -> _Raw:
        operands = [self.comparison(depth)]
        while self.at_op("&&"):
            self.take()
            operands.append(self.comparison(depth))
        return (
            operands[0]
            if len(operands) == 1
            else _Raw("and", operands[0].column, "&&", tuple(operands))
        )

    def comparison(self, depth: int) -> _Raw:
        left = self.unary(depth)
        if not self.at_op(*COMPARISONS):
            return left
        op = self.take()
        right = self.unary(depth)
        if self.at_op(*COMPARISONS):
            raise _error(self.token.column, "comparisons do not chain; use && between them")
        return _Raw("cmp", left.column, op.text, (left, right))

    def unary(self, depth: int) -> _Raw:
        if not self.at_op("!"):
            return self.primary(depth)
        bang = self.take()
        if depth + 1 > MAX_CONDITION_DEPTH:
            raise _error(bang.column, f"nested deeper than {MAX_CONDITION_DEPTH}")
        return _Raw("not", bang.column, "!", (self.unary(depth + 1),))

    def primary(self, depth: int) -> _Raw:
        token = self.take()
        if token.kind in ("num", "id"):
            return _Raw(token.kind, token.column, token.text, at=token.column)
        if token.kind == "(":
            if depth + 1 > MAX_CONDITION_DEPTH:
                raise _error(token.column, f"nested deeper than {MAX_CONDITION_DEPTH}")
            inner = self.disjunct(depth + 1)
            closing = self.take()
            if closing.kind != ")":
                raise _error(closing.column, f"expected ')', found {_describe(closing)}")
            # The operand starts at its '(': a type error points there.
            return _Raw(inner.kind, token.column, inner.text, inner.children, inner.at)
        raise _error(
            token.column, f"expected a number, an identifier or '(', found {_describe(token)}"
        )


def _describe(token: _Token) -> str:
    return "the end of the condition" if token.kind == "end" else repr(token.text)


def _typed(node: _Raw) -> Condition | Operand:
    """The tree of ``node`` with its types checked bottom-up: each operand (with
    everything inside it) before the operator that takes it, operands left to right.
    An error names the column where the offending operand starts."""
    if node.kind == "num":
        return Number(Fraction(node.text))
    if node.kind == "id":
        return Name(node.text, node.at)
    if node.kind == "cmp":
        left, right = (_operand(child, node.text) for child in node.children)
        return Compare(node.text, left, right)
    operands = tuple(_condition(child, node.text) for child in node.children)
    if node.kind == "not":
        return Not(operands[0])
    return And(_flatten(operands, And)) if node.kind == "and" else Or(_flatten(operands, Or))


def _operand(node: _Raw, op: str) -> Operand:
    value = _typed(node)
    if not isinstance(value, Number | Name):
        raise _error(node.column, f"{op!r} compares numbers, not conditions")
    return value


def _condition(node: _Raw, op: str) -> Condition:
    value = _typed(node)
    if isinstance(value, Number | Name):
        if op == "!":
            raise _error(node.column, "'!' needs a condition, not a number (write !(a < b))")
        raise _error(node.column, "a condition is needed here, not a lone number or identifier")
    return value


def _flatten(operands: tuple[Condition, ...], kind: type[And] | type[Or]) -> tuple[Condition, ...]:
    result: list[Condition] = []
    for operand in operands:
        if isinstance(operand, kind):
            result.extend(operand.operands)
        else:
            result.append(operand)
    return tuple(result)


def _names_in_order(condition: Condition) -> Iterator[Name]:
    """Every identifier of ``condition``, in the order of the text."""
    if isinstance(condition, Compare):
        yield from (x for x in (condition.left, condition.right) if isinstance(x, Name))
    elif isinstance(condition, Not):
        yield from _names_in_order(condition.operand)
    else:
        for operand in condition.operands:
            yield from _names_in_order(operand)


def parse_condition(text: str, names: Collection[str] | None = None) -> Condition:
    """Parse ``text`` into its normal tree.

    The checks run in five passes over the whole text, the first fault reported:
    the length (:data:`MAX_CONDITION_CHARS`; reported at column 1,025), then the
    syntax (tokens left to right, then the grammar, nesting over
    :data:`MAX_CONDITION_DEPTH` included), then the types (bottom-up, at the column
    where the offending operand starts), then the length of the canonical text (over
    :data:`MAX_CONDITION_CHARS` at column 1,025, so that it can be read back), then
    the names: with ``names``, every identifier, in text order, must be one of them
    (``POLICY_UNKNOWN_REFERENCE`` at its column). Every other fault is
    ``POLICY_EXPRESSION``.
    """
    if not isinstance(text, str):
        raise DecodeError(ReasonCode.POLICY_EXPRESSION, "column 1: a condition is text")
    if len(text) > MAX_CONDITION_CHARS:
        raise _error(MAX_CONDITION_CHARS + 1, f"longer than {MAX_CONDITION_CHARS} characters")
    raw = _Parser(text).parse()
    condition = _condition(raw, "a condition")
    if len(format_condition(condition)) > MAX_CONDITION_CHARS:
        # Its canonical text could not be read back (a policy's canonical JSON neither).
        raise _error(
            MAX_CONDITION_CHARS + 1,
            f"canonical text longer than {MAX_CONDITION_CHARS} characters",
        )
    if names is not None:
        for name in _names_in_order(condition):
            if name.name not in names:
                raise _error(
                    name.column,
                    f"unknown identifier {name.name!r} (not a declared signal or metric)",
                    ReasonCode.POLICY_UNKNOWN_REFERENCE,
                )
    return condition


# --- printing -------------------------------------------------------------------------------


def format_number(value: Fraction) -> str:
    """The canonical text of a finite decimal: ``-`` if negative, the integer part,
    and if not whole ``.`` and the fractional digits without trailing zeros."""
    if _strip25(value.denominator) != 1:
        raise ValueError(f"{value} is not a finite decimal")
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    if rest == 0:
        return f"{sign}{whole}"
    digits = []
    remainder = Fraction(rest, magnitude.denominator)
    while remainder:
        remainder *= 10
        digit = int(remainder)
        digits.append(str(digit))
        remainder -= digit
    return f"{sign}{whole}.{''.join(digits)}"


def _strip25(n: int) -> int:
    for p in (2, 5):
        while n % p == 0:
            n //= p
    return n


def _operand_text(operand: Operand) -> str:
    return operand.name if isinstance(operand, Name) else format_number(operand.value)


def format_condition(condition: Condition) -> str:
    """The canonical text of a condition (minimal parentheses)."""
    if isinstance(condition, Compare):
        left, right = _operand_text(condition.left), _operand_text(condition.right)
        return f"{left} {condition.op} {right}"
    if isinstance(condition, Not):
        inner = format_condition(condition.operand)
        return f"!{inner}" if isinstance(condition.operand, Not) else f"!({inner})"
    if isinstance(condition, And):
        parts = (
            f"({format_condition(c)})" if isinstance(c, Or) else format_condition(c)
            for c in condition.operands
        )
        return " && ".join(parts)
    return " || ".join(format_condition(c) for c in condition.operands)


def names_of(condition: Condition) -> tuple[str, ...]:
    """The identifiers a condition names, each once, in order of first appearance."""
    seen: dict[str, None] = {}
    stack: list[Condition] = [condition]
    while stack:
        node = stack.pop()
        if isinstance(node, Compare):
            for operand in (node.left, node.right):
                if isinstance(operand, Name):
                    seen.setdefault(operand.name)
        elif isinstance(node, Not):
            stack.append(node.operand)
        else:
            stack.extend(reversed(node.operands))
    return tuple(seen)


# --- evaluation -------------------------------------------------------------------------------


def _exact(value: object, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal):
        raise DecodeError(
            ReasonCode.POLICY_WRONG_TYPE,
            f"{name}: expected an exact number (int, Fraction or Decimal), "
            f"got {type(value).__name__}",
        )
    if isinstance(value, Decimal) and not value.is_finite():
        raise DecodeError(ReasonCode.POLICY_WRONG_TYPE, f"{name}: not a finite number")
    return Fraction(value)


_COMPARE: Final = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def evaluate(condition: Condition, values: Mapping[str, int | Fraction | Decimal]) -> bool:
    """Whether ``condition`` holds for ``values`` (identifier -> exact number).

    Every identifier the condition names must be in ``values``
    (``POLICY_UNKNOWN_REFERENCE`` otherwise, even where ``&&``/``||`` would not need
    it); values must be exact numbers (``POLICY_WRONG_TYPE`` otherwise).
    """
    env: dict[str, Fraction] = {}
    for name in names_of(condition):
        if name not in values:
            raise DecodeError(
                ReasonCode.POLICY_UNKNOWN_REFERENCE, f"{name}: no value given for this identifier"
            )
        env[name] = _exact(values[name], name)
    return _eval(condition, env)


def _value(operand: Operand, env: dict[str, Fraction]) -> Fraction:
    return env[operand.name] if isinstance(operand, Name) else operand.value


def _eval(condition: Condition, env: dict[str, Fraction]) -> bool:
    if isinstance(condition, Compare):
        result: bool = _COMPARE[condition.op](
            _value(condition.left, env), _value(condition.right, env)
        )
        return result
    if isinstance(condition, Not):
        return not _eval(condition.operand, env)
    if isinstance(condition, And):
        return all(_eval(c, env) for c in condition.operands)
    return any(_eval(c, env) for c in condition.operands)
