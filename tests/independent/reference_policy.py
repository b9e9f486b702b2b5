"""A second implementation of policy files, written from docs/policy.md alone.

Reading (JSON, TOML, YAML) into one plain tree with exact numbers, validation with the
documented reason codes and paths, the condition language (its own tokenizer and
recursive-descent parser from the grammar of section 3.1), normalization with defaults,
the canonical CBOR value and ``tagged_hash("ailee/v2/policy", ...)``. It uses nothing
from ``ailee``; CBOR and the tagged hash are those of ``reference.py``. PyYAML is used
only as the spec names it: its event stream and its YAML 1.1 implicit resolver.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import yaml

from tests.independent.reference import Rejected, cbor_encode, th
from tests.independent.reference_breakers import POLICY_FIELDS

MAX_BYTES = 1_048_576
MAX_DEPTH = 16
MAX_INT = 2**53 - 1
MAX_SAT = 2_100_000_000_000_000


class PolicyError(Rejected):
    """A refused policy: reason ``code``, message ``<path>: <reason>``, and for a
    condition the 1-based ``column`` its reason starts with."""

    def __init__(self, code: str, path: str, reason: str, column: int | None = None) -> None:
        super().__init__(code)
        self.path = path
        self.column = column
        self.reason = f"column {column}: {reason}" if column is not None else reason

    def __str__(self) -> str:
        return f"{self.code}: {self.path}: {self.reason}"


# --- paths (2.1) ------------------------------------------------------------------------

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_path(parent: str, key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return f"{parent}.{key}" if parent else key
    quoted = json.dumps(key, ensure_ascii=True).replace(":", "\\u003a")
    return f"{parent}[{quoted}]"


def item_path(parent: str, index: int) -> str:
    return f"{parent}[{index}]"


def shown(path: str) -> str:
    return path or "$"


def line_col(text: str, pos: int) -> str:
    if pos >= len(text):
        return "end of document"
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return f"line {line}, column {column}"


# --- 1. reading ---------------------------------------------------------------------------


def read_text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise PolicyError("INPUT_TOO_LARGE", "$", "over 1,048,576 bytes")
    if data.startswith(b"\xef\xbb\xbf"):
        raise PolicyError("POLICY_SYNTAX", "$", "a byte-order mark")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError("POLICY_SYNTAX", "$", "not UTF-8") from None


def _bracket_depth(text: str, start_depth: int, toml: bool) -> None:
    """1.1: count '[' and '{' outside strings (and TOML comments) before parsing."""
    depth = start_depth
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise PolicyError("POLICY_TOO_DEEP", line_col(text, i), "nested too deep")
            i += 1
        elif c in "]}":
            depth -= 1
            i += 1
        elif toml and c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == '"' or (toml and c == "'"):
            triple = toml and text.startswith(c * 3, i)
            delim = c * 3 if triple else c
            i += len(delim)
            escapes = c == '"'
            while i < n:
                if escapes and text[i] == "\\":
                    i += 2
                    continue
                if text.startswith(delim, i):
                    i += len(delim)
                    if triple:  # up to two more quotes belong to the string
                        while i < n and text[i] == c:
                            i += 1
                    break
                if not triple and text[i] == "\n":
                    break
                i += 1
        else:
            i += 1


class _Constant(Exception):
    pass


class _Pairs(list):  # a mapping as read: (key, value, location of the key) in document order
    pass


class _Long:  # an integer literal of over 40 digits, refused at its path by 1.5
    pass


def _big_int(s: str) -> int | _Long:
    """A decimal integer literal; one of over 40 digits is not converted (1.5 refuses
    it at its path when the tree is built)."""
    return _Long() if sum(c.isdigit() for c in s) > 40 else int(s)


def _json_constant(s: str) -> Any:
    raise _Constant


def _is_surrogate_free(s: str) -> bool:
    return not any(0xD800 <= ord(ch) <= 0xDFFF for ch in s)


def build_tree(v: Any, path: str) -> Any:
    """1.5, the second pass: the plain tree, in document order; each key is checked
    when reached, before its value (text, no lone surrogate, not a duplicate); text
    holds no lone surrogate; an integer has at most 40 digits."""
    if isinstance(v, _Pairs):
        out: dict[str, Any] = {}
        for k, x, where in v:
            if not isinstance(k, str):
                raise PolicyError("POLICY_WRONG_TYPE", f"{shown(path)} ({where})", "a key not text")
            p = key_path(path, k)
            if not _is_surrogate_free(k):
                raise PolicyError("POLICY_BAD_VALUE", p, "unpaired surrogate")
            if k in out:
                raise PolicyError("POLICY_DUPLICATE_KEY", p, "duplicate key")
            out[k] = build_tree(x, p)
        return out
    if isinstance(v, list):
        return [build_tree(x, item_path(path, i)) for i, x in enumerate(v)]
    if isinstance(v, str) and not _is_surrogate_free(v):
        raise PolicyError("POLICY_BAD_VALUE", shown(path), "unpaired surrogate")
    if isinstance(v, _Long) or (_is_int(v) and abs(v) >= 10**40):
        raise PolicyError("POLICY_OUT_OF_RANGE", shown(path), "an integer of over 40 digits")
    return v


def read_json(text: str) -> Any:
    _bracket_depth(text, 0, toml=False)
    try:
        raw = json.loads(
            text,
            object_pairs_hook=lambda pairs: _Pairs((k, v, None) for k, v in pairs),
            parse_float=Decimal,
            parse_int=_big_int,
            parse_constant=_json_constant,
        )
    except _Constant:
        raise PolicyError("POLICY_SYNTAX", "$", "not a JSON number") from None
    except json.JSONDecodeError as exc:
        raise PolicyError(
            "POLICY_SYNTAX", f"line {exc.lineno}, column {exc.colno}", exc.msg
        ) from None
    return build_tree(raw, "")


# 1.3: the TOML reader's messages for a key or table defined twice
_TOML_DUPLICATE = ("Cannot overwrite a value", "Cannot declare",
                   "Cannot mutate immutable namespace", "Cannot redefine namespace",
                   "Duplicate inline table key")  # fmt: skip
_TOML_AT = re.compile(r" \(at (line \d+, column \d+|end of document)\)$")


def read_toml(text: str) -> Any:
    _bracket_depth(text, 1, toml=True)
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_AT.search(message)
        where = m.group(1) if m else "$"
        code = "POLICY_SYNTAX"
        if message.startswith(_TOML_DUPLICATE):
            code = "POLICY_DUPLICATE_KEY"
        raise PolicyError(code, where, message) from None
    except ValueError:  # an integer of over 4,300 digits
        raise PolicyError("POLICY_SYNTAX", "$", "integer too long") from None

    def walk(v: Any, path: str, depth: int) -> Any:
        if isinstance(v, dict | list):
            if depth > MAX_DEPTH:
                raise PolicyError("POLICY_TOO_DEEP", shown(path), "nested too deep")
            if isinstance(v, dict):
                return {k: walk(x, key_path(path, k), depth + 1) for k, x in v.items()}
            return [walk(x, item_path(path, i), depth + 1) for i, x in enumerate(v)]
        if _is_int(v) and abs(v) >= 10**40:
            raise PolicyError("POLICY_OUT_OF_RANGE", shown(path), "an integer of over 40 digits")
        if isinstance(v, str | bool | int | Decimal):
            return v
        raise PolicyError("POLICY_WRONG_TYPE", shown(path), "a date or time")

    return walk(raw, "", 1)


_YAML_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
# 1.4: PyYAML reads -.5 and +.5 as text, so the pattern has no sign before a bare point
_YAML_FLOAT = re.compile(r"([-+]?[0-9]+\.[0-9]*|\.[0-9]+)([eE][-+][0-9]+)?")
_YAML_NONFINITE = {
    **{f"{sign}.{word}": f"{'-' if sign == '-' else ''}Infinity"
       for sign in ("", "+", "-") for word in ("inf", "Inf", "INF")},
    **{f".{word}": "NaN" for word in ("nan", "NaN", "NAN")},
}  # fmt: skip


def _mark(m: Any) -> str:
    return f"line {m.line + 1}, column {m.column + 1}"


def _reader_position(text: str, pos: int) -> str:
    line, column = 0, 0
    for i in range(min(pos, len(text))):
        ch = text[i]
        if ch in "\n\x85\u2028\u2029" or (ch == "\r" and text[i + 1 : i + 2] != "\n"):
            line, column = line + 1, 0
        elif ch != "\ufeff":
            column += 1
    return f"line {line + 1}, column {column + 1}"


def read_yaml(text: str) -> Any:
    """1.4: the first pass reads the events in document order (syntax, YAML features,
    depth); the second (1.5) builds the tree."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise PolicyError("POLICY_SYNTAX", _reader_position(text, exc.position), str(exc)) from None
    ev = yaml.events

    def feature(mark: Any, what: str) -> PolicyError:
        return PolicyError("POLICY_YAML_FEATURE", _mark(mark), what)

    def scalar(e: Any) -> Any:
        if not e.implicit[0]:  # quoted or block: text
            return e.value
        tag = loader.resolve(yaml.ScalarNode, e.value, e.implicit).rsplit(":", 1)[-1]
        v = e.value
        if tag == "str":
            return v
        if tag == "null":
            return None
        if tag == "bool":
            if v in ("true", "false"):
                return v == "true"
            raise feature(e.start_mark, f"YAML 1.1 boolean {v!r}")
        if tag == "int":
            if _YAML_INT.fullmatch(v):
                return _big_int(v)
            raise feature(e.start_mark, f"integer {v!r} not in plain decimal")
        if tag == "float":
            if _YAML_FLOAT.fullmatch(v):
                return Decimal(v)
            if v in _YAML_NONFINITE:
                return Decimal(_YAML_NONFINITE[v])
            raise feature(e.start_mark, f"float {v!r}")
        raise feature(e.start_mark, f"implicitly typed scalar ({tag}) {v!r}")

    def node(depth: int) -> Any:
        e = loader.get_event()
        if isinstance(e, ev.AliasEvent):
            raise feature(e.start_mark, "an alias")
        if e.anchor is not None:
            raise feature(e.start_mark, "an anchor")
        if e.tag is not None:
            raise feature(e.start_mark, "a tag")
        if isinstance(e, ev.ScalarEvent):
            return scalar(e)
        if depth + 1 > MAX_DEPTH:
            raise PolicyError("POLICY_TOO_DEEP", _mark(e.start_mark), "nested too deep")
        if isinstance(e, ev.SequenceStartEvent):
            items: list[Any] = []
            while not loader.check_event(ev.SequenceEndEvent):
                items.append(node(depth + 1))
            loader.get_event()
            return items
        pairs = _Pairs()
        while not loader.check_event(ev.MappingEndEvent):
            where = _mark(loader.peek_event().start_mark)
            key = node(depth + 1)
            pairs.append((key, node(depth + 1), where))
        loader.get_event()
        return pairs

    try:
        loader.get_event()  # stream start
        value = None
        if loader.check_event(ev.DocumentStartEvent):
            loader.get_event()
            value = node(0)
            loader.get_event()  # document end
            if loader.check_event(ev.DocumentStartEvent):
                raise PolicyError(
                    "POLICY_SYNTAX", _mark(loader.peek_event().start_mark), "several documents"
                )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyError("POLICY_SYNTAX", _mark(mark) if mark else "$", str(exc)) from None
    except yaml.YAMLError as exc:
        raise PolicyError("POLICY_SYNTAX", "$", str(exc)) from None
    finally:
        loader.dispose()
    return build_tree(value, "")


def read_tree(data: bytes, fmt: str) -> Any:
    text = read_text(data)
    return {"json": read_json, "toml": read_toml, "yaml": read_yaml}[fmt](text)


# --- 2.3 value kinds --------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def integer(v: Any, path: str, lo: int, hi: int) -> int:
    if not _is_int(v):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not an integer")
    if abs(v) >= 10**40 or not lo <= v <= hi:
        raise PolicyError("POLICY_OUT_OF_RANGE", path, f"not in {lo} .. {hi}")
    return v


def exact_number(v: Any, path: str, places: int) -> Fraction:
    """An integer or finite decimal, at most 40 digits before the point and ``places``
    decimal places (trailing zeros dropped)."""
    if _is_int(v):
        if abs(v) >= 10**40:
            raise PolicyError("POLICY_OUT_OF_RANGE", path, "over 40 digits")
        return Fraction(v)
    if not isinstance(v, Decimal):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not a number")
    if not v.is_finite():
        raise PolicyError("POLICY_BAD_VALUE", path, "not finite")
    if v.is_zero():
        return Fraction(0)
    _, digits, exp = v.as_tuple()
    assert isinstance(exp, int)
    if exp + len(digits) > 40:
        raise PolicyError("POLICY_OUT_OF_RANGE", path, "over 40 digits before the point")
    zeros = 0
    for d in reversed(digits):
        if d != 0:
            break
        zeros += 1
    decimals = max(0, -(exp + zeros))
    if decimals > 40:
        raise PolicyError("POLICY_BAD_VALUE", path, "over 40 decimal places")
    if decimals > places:
        raise PolicyError("POLICY_BAD_VALUE", path, f"over {places} decimal places")
    return Fraction(v)


def ratio(v: Any, path: str, hi: Fraction = Fraction(1), hi_open: bool = False) -> int:
    if not (_is_int(v) or isinstance(v, Decimal)):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not a ratio")
    r = exact_number(v, path, 40)
    if r < 0 or r > hi or (hi_open and r == hi):
        raise PolicyError("POLICY_OUT_OF_RANGE", path, "out of range")
    ppm = r * 1_000_000
    if ppm.denominator != 1:
        raise PolicyError("POLICY_BAD_VALUE", path, "finer than 1 ppm")
    return int(ppm)


def decimal(v: Any, path: str, bounds: tuple[Fraction, bool, Fraction, bool]) -> str:
    lo, lo_open, hi, hi_open = bounds
    if not (_is_int(v) or isinstance(v, Decimal)):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not a decimal")
    if isinstance(v, Decimal) and not v.is_finite():
        raise PolicyError("POLICY_BAD_VALUE", path, "not finite")
    r = exact_number(v, path, 40)
    if r < lo or (lo_open and r == lo) or r > hi or (hi_open and r == hi):
        raise PolicyError("POLICY_OUT_OF_RANGE", path, "out of range")
    exact_number(v, path, 18)
    return number_text(r)


def number_text(r: Fraction) -> str:
    """3.3: '-' if negative, the integer part, '.' and the fraction without trailing
    zeros if not whole. ``r`` has a terminating decimal expansion."""
    sign = "-" if r < 0 else ""
    r = abs(r)
    whole, rest = divmod(r.numerator, r.denominator)
    if rest == 0:
        return f"{sign}{whole}"
    digits = ""
    frac = Fraction(rest, r.denominator)
    while frac:
        frac *= 10
        d, frac = divmod(frac, 1)
        digits += str(int(d))
    return f"{sign}{whole}.{digits}"


def name(v: Any, path: str) -> str:
    if not isinstance(v, str):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not a name")
    if len(v) > 64 or not _NAME.fullmatch(v):
        raise PolicyError("POLICY_BAD_VALUE", path, "not a name")
    return v


def text(v: Any, path: str) -> str:
    if not isinstance(v, str):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not text")
    if not 1 <= len(v) <= 256:
        raise PolicyError("POLICY_OUT_OF_RANGE", path, "not 1 to 256 characters")
    if any(unicodedata.category(ch) == "Cc" for ch in v):
        raise PolicyError("POLICY_BAD_VALUE", path, "a control character")
    return v


def choice(v: Any, path: str, options: tuple[str, ...]) -> str:
    if not isinstance(v, str):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not text")
    if v not in options:
        raise PolicyError("POLICY_BAD_VALUE", path, f"not one of {', '.join(options)}")
    return v


def boolean(v: Any, path: str) -> bool:
    if not isinstance(v, bool):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not a boolean")
    return v


def a_list(v: Any, path: str, lo: int = 0, hi: int = 256) -> list[Any]:
    if not isinstance(v, list):
        raise PolicyError("POLICY_WRONG_TYPE", path, "not a list")
    if not lo <= len(v) <= hi:
        raise PolicyError("POLICY_OUT_OF_RANGE", path, f"not {lo} to {hi} items")
    return v


def mapping(v: Any, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise PolicyError("POLICY_WRONG_TYPE", shown(path), "not a mapping")
    for k in sorted(v):
        if k not in keys:
            raise PolicyError("POLICY_UNKNOWN_KEY", key_path(path, k), "unknown key")
    return v


def required(m: dict[str, Any], path: str, key: str) -> Any:
    if key not in m:
        raise PolicyError("POLICY_MISSING_KEY", key_path(path, key), "missing")
    return m[key]


# --- 3. conditions ------------------------------------------------------------------------------

MAX_CONDITION = 1024
MAX_NESTING = 32
COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")


@dataclass(frozen=True)
class Num:
    value: Fraction
    col: int = field(compare=False)


@dataclass(frozen=True)
class Ident:
    name: str
    col: int = field(compare=False)  # where the operand starts (3.4: its '(' if parenthesised)
    at: int = field(default=0, compare=False)  # where the identifier itself is


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Any
    right: Any
    col: int = field(compare=False)


@dataclass(frozen=True)
class Not:
    operand: Any
    col: int = field(compare=False)


@dataclass(frozen=True)
class Chain:  # '&&' or '||' of two or more operands, none itself a Chain of that op
    op: str
    operands: tuple[Any, ...]
    col: int = field(compare=False)


class ConditionError(Exception):
    def __init__(self, code: str, column: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.column, self.reason = code, column, reason


def _cerr(column: int, reason: str, code: str = "POLICY_EXPRESSION") -> ConditionError:
    return ConditionError(code, column, reason)


def _ascii_digit(c: str) -> bool:
    return len(c) == 1 and "0" <= c <= "9"


def tokenize(s: str) -> list[tuple[str, str, int]]:
    """Tokens (kind, text, column): kinds op, num, id, end."""
    out: list[tuple[str, str, int]] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        col = i + 1
        if c in " \t\r\n":
            i += 1
            continue
        two = s[i : i + 2]
        if two in ("||", "&&", "<=", ">=", "==", "!="):
            out.append(("op", two, col))
            i += 2
            continue
        if c in "<>!()":
            out.append(("op", c, col))
            i += 1
            continue
        if c == "-" or _ascii_digit(c):
            j = i + 1 if c == "-" else i
            if not _ascii_digit(s[j : j + 1]):
                raise _cerr(col, "'-' is only the sign of a number")
            while _ascii_digit(s[j : j + 1]):
                j += 1
            if s[j : j + 1] == "." and _ascii_digit(s[j + 1 : j + 2]):
                j += 1
                while _ascii_digit(s[j : j + 1]):
                    j += 1
            token = s[i:j]
            if sum(ch.isdigit() for ch in token) > 36:
                raise _cerr(col, "a number of over 36 digits")
            if j < n and (s[j].isascii() and (s[j].isalnum() or s[j] in "_.")):
                raise _cerr(j + 1, f"unexpected {s[j]!r} after a number")
            out.append(("num", token, col))
            i = j
            continue
        if c.isascii() and (c.isalpha() or c == "_"):
            j = i
            while j < n and s[j].isascii() and (s[j].isalnum() or s[j] == "_"):
                j += 1
            if j - i > 64:
                raise _cerr(col, "an identifier of over 64 characters")
            out.append(("id", s[i:j], col))
            i = j
            continue
        raise _cerr(col, f"unexpected character {c!r}")
    out.append(("end", "", n + 1))
    return out


def _number_value(token: str) -> Fraction:
    return Fraction(Decimal(token))


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, str, int]:
        t = self.tokens[self.pos]
        self.pos += 1
        return t

    def disjunct(self, depth: int) -> Any:
        first = self.conjunct(depth)
        operands = [first]
        while self.peek()[:2] == ("op", "||"):
            self.take()
            operands.append(self.conjunct(depth))
        return _chain("||", operands) if len(operands) > 1 else first

    def conjunct(self, depth: int) -> Any:
        first = self.comparison(depth)
        operands = [first]
        while self.peek()[:2] == ("op", "&&"):
            self.take()
            operands.append(self.comparison(depth))
        return _chain("&&", operands) if len(operands) > 1 else first

    def comparison(self, depth: int) -> Any:
        left = self.unary(depth)
        kind, tok, _ = self.peek()
        if kind == "op" and tok in COMPARISONS:
            self.take()
            right = self.unary(depth)
            return Cmp(tok, left, right, left.col)
        return left

    def unary(self, depth: int) -> Any:
        kind, tok, col = self.peek()
        if kind == "op" and tok == "!":
            if depth + 1 > MAX_NESTING:
                raise _cerr(col, "nested over 32 deep")
            self.take()
            return Not(self.unary(depth + 1), col)
        return self.primary(depth)

    def primary(self, depth: int) -> Any:
        kind, tok, col = self.take()
        if kind == "num":
            return Num(_number_value(tok), col)
        if kind == "id":
            return Ident(tok, col, col)
        if kind == "op" and tok == "(":
            if depth + 1 > MAX_NESTING:
                raise _cerr(col, "nested over 32 deep")
            inner = self.disjunct(depth + 1)
            kind2, tok2, col2 = self.take()
            if (kind2, tok2) != ("op", ")"):
                raise _cerr(col2, "expected ')'")
            return replace(inner, col=col)  # 3.4: a parenthesised operand starts at its '('

        raise _cerr(col, "expected a number, an identifier or '('")


def _chain(op: str, operands: list[Any]) -> Chain:
    flat: list[Any] = []
    for o in operands:
        if isinstance(o, Chain) and o.op == op:
            flat.extend(o.operands)
        else:
            flat.append(o)
    return Chain(op, tuple(flat), operands[0].col)


def _numeric(node: Any) -> bool:
    return isinstance(node, Num | Ident)


def _type_check(node: Any) -> None:
    """Post-order: operands before the node that uses them."""
    if isinstance(node, Cmp):
        for side in (node.left, node.right):
            _type_check(side)
            if not _numeric(side):
                raise _cerr(side.col, "a comparison of a truth value")
    elif isinstance(node, Not):
        _type_check(node.operand)
        if _numeric(node.operand):
            raise _cerr(node.operand.col, "'!' of a number")
    elif isinstance(node, Chain):
        for o in node.operands:
            _type_check(o)
            if _numeric(o):
                raise _cerr(o.col, f"'{node.op}' of a number")


def identifiers(node: Any) -> list[Ident]:
    if isinstance(node, Ident):
        return [node]
    if isinstance(node, Cmp):
        return identifiers(node.left) + identifiers(node.right)
    if isinstance(node, Not):
        return identifiers(node.operand)
    if isinstance(node, Chain):
        return [i for o in node.operands for i in identifiers(o)]
    return []


def parse_condition(s: str, declared: set[str] | None = None) -> Any:
    """Raises ConditionError; ``declared`` None skips the reference check."""
    if len(s) > MAX_CONDITION:
        raise _cerr(MAX_CONDITION + 1, "over 1,024 characters")
    parser = _Parser(tokenize(s))
    tree = parser.disjunct(0)
    kind, tok, col = parser.peek()
    if kind != "end":
        raise _cerr(col, f"unexpected {tok!r}")
    _type_check(tree)
    if _numeric(tree):
        raise _cerr(tree.col, "not a truth value")
    if len(canonical(tree)) > MAX_CONDITION:
        raise _cerr(MAX_CONDITION + 1, "canonical text over 1,024 characters")
    if declared is not None:
        for ident in identifiers(tree):
            if ident.name not in declared:
                raise _cerr(
                    ident.at, f"unknown identifier '{ident.name}'", "POLICY_UNKNOWN_REFERENCE"
                )
    return tree


def canonical(node: Any) -> str:
    if isinstance(node, Num):
        return number_text(node.value)
    if isinstance(node, Ident):
        return node.name
    if isinstance(node, Cmp):
        return f"{canonical(node.left)} {node.op} {canonical(node.right)}"
    if isinstance(node, Not):
        inner = canonical(node.operand)
        return f"!{inner}" if isinstance(node.operand, Not) else f"!({inner})"
    parts = []
    for o in node.operands:
        t = canonical(o)
        parts.append(f"({t})" if node.op == "&&" and isinstance(o, Chain) else t)
    return f" {node.op} ".join(parts)


def evaluate(node: Any, values: dict[str, Any]) -> bool:
    """3.5: exact evaluation; every identifier needs an exact value."""
    exact: dict[str, Fraction] = {}
    for ident in identifiers(node):
        if ident.name not in values:
            raise Rejected("POLICY_UNKNOWN_REFERENCE")
        v = values[ident.name]
        if isinstance(v, bool) or not isinstance(v, int | Fraction | Decimal):
            raise Rejected("POLICY_WRONG_TYPE")
        if isinstance(v, Decimal) and not v.is_finite():
            raise Rejected("POLICY_WRONG_TYPE")
        exact[ident.name] = Fraction(v)

    def num(n: Any) -> Fraction:
        return n.value if isinstance(n, Num) else exact[n.name]

    def ev(n: Any) -> bool:
        if isinstance(n, Cmp):
            a, b = num(n.left), num(n.right)
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
                    "==": a == b, "!=": a != b}[n.op]  # fmt: skip
        if isinstance(n, Not):
            return not ev(n.operand)
        if n.op == "&&":
            return all(ev(o) for o in n.operands)
        return any(ev(o) for o in n.operands)

    return ev(node)


# --- 2.4 - 2.16 validation -------------------------------------------------------------------

BITCOIN = [("anchor_confirmations", 1, 1_000_000, 6), ("pegin_confirmations", 1, 1_000_000, 102),
           ("dust_relay_fee", 0, 100_000_000, 3_000)]  # fmt: skip
# (key, kind, lo, hi, default): kind "int" or "ratio" (default as ppm)
BRIDGE = [
    ("min_signers", "int", 1, 1_000, 1),
    ("min_threshold_ratio", "ratio", 0, 1, 500_000),
    ("pegin_min", "int", 0, MAX_SAT, 0),
    ("pegin_max", "int", 0, MAX_SAT, MAX_SAT),
    ("pegin_fee_fixed", "int", 0, MAX_SAT, 0),
    ("pegin_fee_ppm", "int", 0, 1_000_000, 0),
    ("pegout_fee_min", "int", 0, MAX_SAT, 0),
    ("pegout_fee_max", "int", 0, MAX_SAT, MAX_SAT),
]
# docs/safety.md section 2, in its order: (field, default, lo, hi); the breakers'
# second implementation reads the same table.
BREAKERS = POLICY_FIELDS
WEIGHTS = [("reputation", 40), ("latency", 30), ("capacity", 20), ("cost", 20), ("region", 10),
           ("green", 5), ("load", 20)]  # fmt: skip
SCHEDULER = [
    ("weights", "weights", 0, 0, None),
    ("min_reputation", "ratio", 0, 1, 0),
    ("latency_ceiling_ms", "int", 1, MAX_INT, 1_000),
    ("cost_ceiling", "int", 1, MAX_INT, 100_000),
    ("green_max_carbon", "int", 0, MAX_INT, 100),
    ("green_min_share", "ratio", 0, 1, 500_000),
    ("reputation", "reputation", 0, 0, None),
]
REPUTATION = [
    ("rate", "ratio", 0, 1, 100_000),
    ("late_factor", "ratio", 0, 1, 500_000),
    ("half_life_s", "int", 1, MAX_INT, 2_592_000),
    ("byzantine_factor", "ratio", 0, 1, 250_000),
]
FL_RULES = ("fedavg", "krum", "median", "trimmed_mean", "bulyan")
FL_PARAMS: dict[str, tuple[str, ...]] = {"fedavg": (), "krum": ("f", "m"), "median": (),
                                         "trimmed_mean": ("beta",), "bulyan": ("f",)}  # fmt: skip
T12 = Fraction(10**12)
# (key, lo, lo_open, hi, hi_open, default text)
PRIVACY = [
    ("epsilon", Fraction(0), True, T12, False, "8"),
    ("delta", Fraction(0), True, Fraction(1), True, "0.00001"),
    ("noise_multiplier", Fraction(0), True, T12, False, "1.1"),
    ("sampling_rate", Fraction(0), False, Fraction(1), False, "0.01"),
    ("clip_norm", Fraction(0), True, T12, False, "1"),
]
TOP = ("version", "mode", "step_ms", "horizon_s", "bitcoin", "bridge", "recovery",
       "breakers", "scheduler", "fl", "privacy", "signals", "metrics", "policies",
       "pipelines", "outputs")  # fmt: skip
METRIC_TYPES = ("correlation_average", "ewma", "max", "mean", "min", "sum")


def _fields(m: dict[str, Any], path: str, table: list[tuple[str, str, int, int, Any]]) -> dict:
    out: dict[str, Any] = {}
    for key, kind, lo, hi, default in table:
        p = key_path(path, key)
        if kind == "int":
            out[key] = integer(m[key], p, lo, hi) if key in m else default
        elif kind == "ratio":
            out[key] = ratio(m[key], p, Fraction(hi)) if key in m else default
    return out


def _section(doc: dict[str, Any], key: str, keys: tuple[str, ...]) -> dict[str, Any]:
    return mapping(doc.get(key, {}), key, keys)


def _window(v: Any, path: str, step_ms: int) -> int:
    w = integer(v, path, 1, 86_400_000)
    if w < step_ms:
        raise PolicyError("POLICY_INCONSISTENT", path, "below step_ms")
    return w


def _unique_names(items: list[dict[str, Any]], paths: list[str], what: str) -> None:
    seen: set[Any] = set()
    for item, path in zip(items, paths, strict=True):
        if item in seen:
            raise PolicyError("POLICY_DUPLICATE_NAME", path, f"{what} used twice")
        seen.add(item)


def _name_list(v: Any, path: str, allowed: set[str], lo: int, hi: int) -> list[str]:
    items = a_list(v, path, lo, hi)
    seen: set[str] = set()
    out = []
    for i, x in enumerate(items):
        p = item_path(path, i)
        n = name(x, p)
        if n not in allowed:
            raise PolicyError("POLICY_UNKNOWN_REFERENCE", p, f"'{n}' is not declared")
        if n in seen:
            raise PolicyError("POLICY_DUPLICATE_NAME", p, f"'{n}' twice")
        seen.add(n)
        out.append(n)
    return out


def validate(doc: Any) -> dict[str, Any]:
    """The canonical value (section 4) of a plain tree, or PolicyError."""
    if isinstance(doc, dict) and "version" in doc:
        integer(doc["version"], "version", 1, 1)
    doc = mapping(doc, "", TOP)
    out: dict[str, Any] = {"version": 1}
    out["mode"] = (
        choice(doc["mode"], "mode", ("simulation", "live")) if "mode" in doc else "simulation"
    )
    step_ms = integer(doc["step_ms"], "step_ms", 5, 1_000) if "step_ms" in doc else 50
    out["step_ms"] = step_ms
    out["horizon_s"] = (
        integer(doc["horizon_s"], "horizon_s", 10, 86_400) if "horizon_s" in doc else 600
    )

    m = _section(doc, "bitcoin", tuple(k for k, *_ in BITCOIN))
    out["bitcoin"] = _fields(m, "bitcoin", [(k, "int", lo, hi, d) for k, lo, hi, d in BITCOIN])

    m = _section(doc, "bridge", tuple(k for k, *_ in BRIDGE))
    bridge = _fields(m, "bridge", BRIDGE)
    if bridge["pegin_max"] < bridge["pegin_min"]:
        raise PolicyError("POLICY_INCONSISTENT", "bridge.pegin_max", "below pegin_min")
    if bridge["pegout_fee_max"] < bridge["pegout_fee_min"]:
        raise PolicyError("POLICY_INCONSISTENT", "bridge.pegout_fee_max", "below pegout_fee_min")
    out["bridge"] = bridge

    m = _section(doc, "recovery", ("challenge_blocks",))
    out["recovery"] = _fields(m, "recovery", [("challenge_blocks", "int", 1, 1_000_000, 25_920)])

    m = _section(doc, "breakers", tuple(k for k, *_ in BREAKERS))
    breakers = _fields(m, "breakers", [(k, "int", lo, hi, d) for k, d, lo, hi in BREAKERS])
    if breakers["warn_latency_ms"] > breakers["max_latency_ms"]:
        raise PolicyError(
            "BREAKER_POLICY_INVALID", "breakers.warn_latency_ms", "above max_latency_ms"
        )
    if breakers["resume_collateral_ppm"] < breakers["min_collateral_ppm"]:
        raise PolicyError(
            "BREAKER_POLICY_INVALID", "breakers.resume_collateral_ppm", "below min_collateral_ppm"
        )
    out["breakers"] = breakers

    m = _section(doc, "scheduler", tuple(k for k, *_ in SCHEDULER))
    weights_in = mapping(m.get("weights", {}), "scheduler.weights", tuple(k for k, _ in WEIGHTS))
    weights = _fields(
        weights_in, "scheduler.weights", [(k, "int", 0, 1_000, d) for k, d in WEIGHTS]
    )
    scheduler: dict[str, Any] = {"weights": weights, **_fields(m, "scheduler", SCHEDULER)}
    rep_in = mapping(
        m.get("reputation", {}), "scheduler.reputation", tuple(k for k, *_ in REPUTATION)
    )
    scheduler["reputation"] = _fields(rep_in, "scheduler.reputation", REPUTATION)
    out["scheduler"] = scheduler

    m = _section(doc, "fl", ("rule", "params"))
    rule = choice(m["rule"], "fl.rule", FL_RULES) if "rule" in m else "fedavg"
    wanted = FL_PARAMS[rule]
    params_in = mapping(m.get("params", {}), "fl.params", wanted)
    params: dict[str, int] = {}
    for key in wanted:
        p = key_path("fl.params", key)
        v = required(params_in, "fl.params", key)
        if key == "f":
            params[key] = integer(v, p, 0, 10_000)
        elif key == "m":
            params[key] = integer(v, p, 1, 10_000)
        else:
            params[key] = ratio(v, p, Fraction(1, 2), hi_open=True)
    out["fl"] = {"rule": rule, "params": params}

    m = _section(doc, "privacy", tuple(k for k, *_ in PRIVACY))
    out["privacy"] = {
        key: decimal(m[key], key_path("privacy", key), bounds) if key in m else default
        for key, *bounds, default in PRIVACY
    }

    signals = []
    for i, item in enumerate(a_list(doc.get("signals", []), "signals")):
        p = item_path("signals", i)
        s = mapping(item, p, ("name", "source", "window_ms"))
        n = name(required(s, p, "name"), key_path(p, "name"))
        if n == "time":
            raise PolicyError("POLICY_BAD_VALUE", key_path(p, "name"), "'time' is reserved")
        src = text(required(s, p, "source"), key_path(p, "source"))
        w = _window(required(s, p, "window_ms"), key_path(p, "window_ms"), step_ms)
        signals.append({"name": n, "source": src, "window_ms": w})
    signal_names = {s["name"] for s in signals}
    out["signals"] = signals

    metrics = []
    for i, item in enumerate(a_list(doc.get("metrics", []), "metrics")):
        p = item_path("metrics", i)
        s = mapping(item, p, ("name", "type", "signals", "window_ms", "stride_ms"))
        n = name(required(s, p, "name"), key_path(p, "name"))
        if n == "time":
            raise PolicyError("POLICY_BAD_VALUE", key_path(p, "name"), "'time' is reserved")
        kind = choice(required(s, p, "type"), key_path(p, "type"), METRIC_TYPES)
        sp = key_path(p, "signals")
        raw = required(s, p, "signals")
        lo = 2 if kind == "correlation_average" else 1
        names = _name_list(raw, sp, signal_names, lo, 64)
        w = _window(required(s, p, "window_ms"), key_path(p, "window_ms"), step_ms)
        st = _window(required(s, p, "stride_ms"), key_path(p, "stride_ms"), step_ms)
        metrics.append({"name": n, "type": kind, "signals": names, "window_ms": w,
                        "stride_ms": st})  # fmt: skip
    out["metrics"] = metrics

    ids = [s["name"] for s in signals] + [mt["name"] for mt in metrics]
    id_paths = [f"signals[{i}].name" for i in range(len(signals))] + [
        f"metrics[{i}].name" for i in range(len(metrics))
    ]
    _unique_names(ids, id_paths, "name")
    declared = set(ids)

    policies = []
    for i, item in enumerate(a_list(doc.get("policies", []), "policies")):
        p = item_path("policies", i)
        s = mapping(item, p, ("name", "when", "actions"))
        n = name(required(s, p, "name"), key_path(p, "name"))
        wp = key_path(p, "when")
        when = required(s, p, "when")
        if not isinstance(when, str):
            raise PolicyError("POLICY_WRONG_TYPE", wp, "not text")
        try:
            tree = parse_condition(when, declared)
        except ConditionError as exc:
            raise PolicyError(exc.code, wp, exc.reason, exc.column) from None
        ap = key_path(p, "actions")
        actions = []
        for j, act in enumerate(a_list(required(s, p, "actions"), ap, 1, 32)):
            q = item_path(ap, j)
            a = mapping(act, q, ("type", "args"))
            t = name(required(a, q, "type"), key_path(q, "type"))
            argp = key_path(q, "args")
            args_in = a.get("args", {})
            if not isinstance(args_in, dict):
                raise PolicyError("POLICY_WRONG_TYPE", argp, "not a mapping")
            if len(args_in) > 32:
                raise PolicyError("POLICY_OUT_OF_RANGE", argp, "over 32 entries")
            args: dict[str, Any] = {}
            for k in sorted(args_in):
                kp = key_path(argp, k)
                name(k, kp)
                v = args_in[k]
                if isinstance(v, bool):
                    args[k] = v
                elif _is_int(v):
                    args[k] = integer(v, kp, -MAX_INT, MAX_INT)
                elif isinstance(v, str):
                    args[k] = text(v, kp)
                else:
                    raise PolicyError("POLICY_WRONG_TYPE", kp, "not text, an integer or a boolean")
            actions.append({"type": t, "args": args})
        policies.append({"name": n, "when": canonical(tree), "actions": actions})
    _unique_names([x["name"] for x in policies],
                  [f"policies[{i}].name" for i in range(len(policies))], "policy name")  # fmt: skip
    out["policies"] = policies
    policy_names = {x["name"] for x in policies}

    pipelines = []
    for i, item in enumerate(a_list(doc.get("pipelines", []), "pipelines")):
        p = item_path("pipelines", i)
        s = mapping(item, p, ("name", "enabled", "policies"))
        n = name(required(s, p, "name"), key_path(p, "name"))
        en = boolean(required(s, p, "enabled"), key_path(p, "enabled"))
        pol = _name_list(s.get("policies", []), key_path(p, "policies"), policy_names, 0, 256)
        pipelines.append({"name": n, "enabled": en, "policies": pol})
    _unique_names([x["name"] for x in pipelines],
                  [f"pipelines[{i}].name" for i in range(len(pipelines))],
                  "pipeline name")  # fmt: skip
    out["pipelines"] = pipelines

    outputs = []
    for i, item in enumerate(a_list(doc.get("outputs", []), "outputs")):
        p = item_path("outputs", i)
        s = mapping(item, p, ("type", "path", "fields"))
        t = choice(required(s, p, "type"), key_path(p, "type"), ("csv",))
        path = text(required(s, p, "path"), key_path(p, "path"))
        fields = _name_list(s.get("fields", []), key_path(p, "fields"), declared | {"time"}, 0, 257)
        outputs.append({"type": t, "path": path, "fields": fields})
    _unique_names([x["path"] for x in outputs],
                  [f"outputs[{i}].path" for i in range(len(outputs))], "output path")  # fmt: skip
    out["outputs"] = outputs
    return out


# --- 4. hash ------------------------------------------------------------------------------------


def policy_hash(canonical_value: dict[str, Any]) -> bytes:
    return th("ailee/v2/policy", cbor_encode(canonical_value))


def check(data: bytes, fmt: str) -> bytes:
    """The policy hash of a file, or PolicyError."""
    return policy_hash(validate(read_tree(data, fmt)))
