"""Policy configuration: one typed, frozen, validated value for every knob.

A policy file (YAML, JSON or TOML; ``docs/policy.md`` is normative) sets the
confirmation depths, fees and dust rule, the federation threshold rules, recovery and
circuit-breaker thresholds, the scheduler's weights, the federated-learning and
privacy parameters, and the operator's ``signals``, ``metrics``, ``policies`` (each
with a ``when`` condition, see :mod:`ailee.conditions`), ``pipelines`` and
``outputs``. Reading is three small steps, the same for every format:

1. :func:`load_policy_tree`: the text (at most :data:`MAX_POLICY_BYTES` of UTF-8) is
   read whole by its format's strict reader (syntax, nesting bounded by
   :data:`MAX_POLICY_DEPTH`; YAML restricted to a plain subset: no anchors, aliases,
   merge keys, tags, YAML 1.1 booleans such as ``yes``, non-decimal integers or
   timestamps, each refused in document order), then one *plain tree* of ``dict``
   (text keys), ``list``, ``str``, ``int``, :class:`~decimal.Decimal`, ``bool`` and
   ``None`` is built from it in document order, each key checked before its value
   (not text, a lone surrogate, a duplicate), every integer of at most 40 digits.
   Numbers are exact (no float is ever made).
2. :func:`policy_from_tree`: one validator walks the tree and builds a
   :class:`Policy`; every error names the offending field by its path
   (``signals[0].window_ms``, ``bridge.pegin_max``) and carries a stable reason code.
3. :func:`policy_hash`: the canonical encoding (every default filled in, conditions
   in their canonical text, ratios as integer ppm) is hashed with the tag
   ``ailee/v2/policy``; the same policy gives the same hash whatever its format, key
   order or spelling of defaults.

Errors are :class:`~ailee.errors.DecodeError` whose message is ``<path>: <reason>``,
where ``<path>`` is a field path (``$`` for the document itself) or, for faults found
while parsing the text, ``line L, column C`` (both 1-based).
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, TypeVar

import yaml
from yaml import events as yaml_events
from yaml import nodes as yaml_nodes

from ailee import encoding
from ailee.bridge import DUST_RELAY_FEE
from ailee.conditions import Condition, format_condition, format_number, is_identifier
from ailee.conditions import parse_condition as _parse_condition
from ailee.errors import DecodeError, ReasonCode
from ailee.hashing import Tag, tagged_hash
from ailee.limits import MAX_AMOUNT, MAX_SIGNERS, MAX_UINT
from ailee.reputation import ReputationPolicy
from ailee.safety import BreakerPolicy
from ailee.scheduling import FACTORS
from ailee.scheduling import Policy as SchedulePolicy

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ailee.privacy import Budget

__all__ = [
    "FORMATS",
    "MAX_LIST_ITEMS",
    "MAX_POLICY_BYTES",
    "MAX_POLICY_DEPTH",
    "MAX_TEXT_CHARS",
    "METRIC_TYPES",
    "MODES",
    "OUTPUT_TYPES",
    "PPM",
    "RECOVERY_APPROVAL_RATIO",
    "Action",
    "BitcoinRules",
    "BridgeRules",
    "FlRules",
    "Metric",
    "Output",
    "Pipeline",
    "Policy",
    "PolicyRule",
    "PrivacyRules",
    "RecoveryRules",
    "Signal",
    "format_for_suffix",
    "load_policy_tree",
    "parse_policy",
    "policy_from_tree",
    "policy_hash",
    "policy_to_cbor_value",
    "policy_to_json",
]

#: The file formats, by the names :func:`parse_policy` takes.
FORMATS: Final = ("yaml", "json", "toml")
#: Largest policy text, in bytes of UTF-8 (``INPUT_TOO_LARGE``).
MAX_POLICY_BYTES: Final = 1 << 20
#: Deepest nesting of mappings and lists, the document itself being depth 1
#: (``POLICY_TOO_DEEP``).
MAX_POLICY_DEPTH: Final = 16
#: Most items of any list (signals, metrics, policies, ...) (``POLICY_OUT_OF_RANGE``).
MAX_LIST_ITEMS: Final = 256
#: Longest free text (a signal's source, an output's path, an action argument).
MAX_TEXT_CHARS: Final = 256
#: One million: ratios are held as integers in parts per million.
PPM: Final = 1_000_000
#: The modes of the original configuration.
MODES: Final = ("simulation", "live")
#: The metric types (``correlation_average`` needs at least two signals).
METRIC_TYPES: Final = ("correlation_average", "ewma", "max", "mean", "min", "sum")
#: The output types.
OUTPUT_TYPES: Final = ("csv",)
#: The share of validators that must approve a recovery claim: fixed by the protocol,
#: not configurable.
RECOVERY_APPROVAL_RATIO: Final = Fraction(2, 3)
#: The output field every row has besides the declared signals and metrics.
TIME_FIELD: Final = "time"

_MAX_NUMBER_DIGITS: Final = 40
_TEN_TO_40: Final = 10**_MAX_NUMBER_DIGITS
_MAX_DECIMAL_PLACES: Final = 18
_MAX_DECIMAL: Final = 10**12
_MAX_INT_ARG: Final = MAX_UINT
_MAX_ACTIONS: Final = 32
_MAX_ARGS: Final = 32
_MAX_METRIC_SIGNALS: Final = 64
_MAX_WINDOW_MS: Final = 86_400_000


# --- the value --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BitcoinRules:
    """Bitcoin-facing depths and fees: confirmations an anchor and a peg-in deposit
    need, and the dust relay fee (satoshis per 1,000 virtual bytes)."""

    anchor_confirmations: int = 6
    pegin_confirmations: int = 102
    dust_relay_fee: int = DUST_RELAY_FEE


@dataclass(frozen=True, slots=True)
class BridgeRules:
    """Federation threshold rules and peg fee bounds (amounts in satoshis).

    A federation of ``n`` signers with threshold ``m`` is admitted when
    ``n >= min_signers`` and ``m * 1,000,000 >= min_threshold_ratio * n``
    (``min_threshold_ratio`` in ppm). The peg fields are those of
    :class:`ailee.state.FederationConfig`, with its defaults.
    """

    min_signers: int = 1
    min_threshold_ratio: int = 500_000
    pegin_min: int = 0
    pegin_max: int = MAX_AMOUNT
    pegin_fee_fixed: int = 0
    pegin_fee_ppm: int = 0
    pegout_fee_min: int = 0
    pegout_fee_max: int = MAX_AMOUNT

    def admits(self, threshold: int, signers: int) -> bool:
        """Whether an ``threshold``-of-``signers`` federation meets these rules."""
        return (
            signers >= self.min_signers
            and 1 <= threshold <= signers
            and threshold * PPM >= self.min_threshold_ratio * signers
        )


@dataclass(frozen=True, slots=True)
class RecoveryRules:
    """Recovery claims: the challenge period in blocks (25,920 is 180 days of
    10-minute blocks). The approval ratio is :data:`RECOVERY_APPROVAL_RATIO`."""

    challenge_blocks: int = 25_920


@dataclass(frozen=True, slots=True)
class FlRules:
    """The aggregation rule (a name of :data:`ailee.fl.RULE_PARAMS`) and its
    parameters, sorted by name: ``f`` and ``m`` integers, ``beta`` in ppm."""

    rule: str = "fedavg"
    params: tuple[tuple[str, int], ...] = ()

    def aggregation_params(self) -> dict[str, Any]:
        """The parameters as :func:`ailee.fl.aggregate` takes them (``beta`` as
        ``[numerator, denominator]``)."""
        return {name: [value, PPM] if name == "beta" else value for name, value in self.params}


@dataclass(frozen=True, slots=True)
class PrivacyRules:
    """The privacy budget (epsilon, delta) and the mechanism's parameters, all exact
    decimals: noise multiplier (sigma), sampling rate (q) and clipping norm."""

    epsilon: Decimal = Decimal(8)
    delta: Decimal = Decimal("0.00001")
    noise_multiplier: Decimal = Decimal("1.1")
    sampling_rate: Decimal = Decimal("0.01")
    clip_norm: Decimal = Decimal(1)

    def budget(self) -> Budget:
        """The budget as :class:`ailee.privacy.Budget` (floats, for the accountant)."""
        from ailee.privacy import Budget

        return Budget(float(self.epsilon), float(self.delta))


@dataclass(frozen=True, slots=True)
class Signal:
    """A measured input: its name (an identifier), source and window."""

    name: str
    source: str
    window_ms: int


@dataclass(frozen=True, slots=True)
class Metric:
    """A value computed from signals over a window, every ``stride_ms``."""

    name: str
    type: str
    signals: tuple[str, ...]
    window_ms: int
    stride_ms: int


@dataclass(frozen=True, slots=True)
class Action:
    """What a policy does: an action type and its arguments, sorted by name."""

    type: str
    args: tuple[tuple[str, str | int | bool], ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """A named rule: when its condition holds, its actions apply, in order."""

    name: str
    when: Condition
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A named pipeline, enabled or not, and the policies it runs."""

    name: str
    enabled: bool
    policies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Output:
    """Where rows go: a type, a path and the fields of each row."""

    type: str
    path: str
    fields: tuple[str, ...] = ()


def _default_weights() -> tuple[tuple[str, int], ...]:
    return SchedulePolicy().weights


@dataclass(frozen=True, slots=True)
class Policy:
    """A whole policy configuration; ``Policy()`` is the all-defaults policy.

    Build one with :func:`parse_policy` (or :func:`policy_from_tree`), which
    validates every field; hash it with :func:`policy_hash`.
    """

    version: int = 1
    mode: str = "simulation"
    step_ms: int = 50
    horizon_s: int = 600
    bitcoin: BitcoinRules = field(default_factory=BitcoinRules)
    bridge: BridgeRules = field(default_factory=BridgeRules)
    recovery: RecoveryRules = field(default_factory=RecoveryRules)
    breakers: BreakerPolicy = field(default_factory=BreakerPolicy)
    scheduler: SchedulePolicy = field(default_factory=SchedulePolicy)
    reputation: ReputationPolicy = field(default_factory=ReputationPolicy)
    fl: FlRules = field(default_factory=FlRules)
    privacy: PrivacyRules = field(default_factory=PrivacyRules)
    signals: tuple[Signal, ...] = ()
    metrics: tuple[Metric, ...] = ()
    policies: tuple[PolicyRule, ...] = ()
    pipelines: tuple[Pipeline, ...] = ()
    outputs: tuple[Output, ...] = ()

    def scheduler_policy(self) -> SchedulePolicy:
        """The scheduling policy (weights and thresholds) this configuration sets."""
        return self.scheduler

    def reputation_policy(self) -> ReputationPolicy:
        """The reputation rules this configuration sets."""
        return self.reputation

    def declared_names(self) -> tuple[str, ...]:
        """The names a condition may use: the signals', then the metrics'."""
        return tuple(s.name for s in self.signals) + tuple(m.name for m in self.metrics)


# --- errors and paths -------------------------------------------------------------------

_PLAIN_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")


def _fail(code: ReasonCode, path: str, message: str) -> DecodeError:
    return DecodeError(code, f"{path}: {message}")


def _child(path: str, key: str) -> str:
    """The path of ``key`` in the mapping at ``path``: a plain key (ASCII letters,
    digits, ``_``, ``-``) joined by ``.`` (bare at the top: ``mode``), any other key
    JSON-quoted in brackets with every non-ASCII character and ``:`` escaped, so a path
    never holds ``": "`` (``bitcoin["a b"]``; ``["a b"]`` at the top)."""
    if _PLAIN_KEY.fullmatch(key):
        return key if path == "$" else f"{path}.{key}"
    quoted = json.dumps(key, ensure_ascii=True).replace(":", "\\u003a")
    return f"[{quoted}]" if path == "$" else f"{path}[{quoted}]"


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, Decimal):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def _wrong_type(path: str, expected: str, value: object) -> DecodeError:
    return _fail(
        ReasonCode.POLICY_WRONG_TYPE, path, f"expected {expected}, got {_type_name(value)}"
    )


def _location(line: int, column: int) -> str:
    return f"line {line}, column {column}"


# --- text to plain tree -----------------------------------------------------------------


class _Pairs(list[tuple[Any, Any]]):
    """A mapping as read, before duplicate keys are checked (with its keys'
    locations when the reader knows them)."""

    locations: list[str | None]


class _TooLong:
    """An integer of more than 40 digits, never converted (Python's text-to-int
    conversion is quadratic and limited): refused at its path when the tree is built."""

    def __init__(self, text: str) -> None:
        self.text = text


def format_for_suffix(name: str) -> str:
    """The format of a file by its name's suffix: ``.yaml``/``.yml``, ``.json``,
    ``.toml`` (any case); anything else is ``POLICY_SYNTAX``."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    formats = {"yaml": "yaml", "yml": "yaml", "json": "json", "toml": "toml"}
    if suffix not in formats:
        raise _fail(ReasonCode.POLICY_SYNTAX, "$", f"cannot tell the format of {name!r}; give it")
    return formats[suffix]


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            raise _fail(ReasonCode.POLICY_SYNTAX, "$", "text with a lone surrogate") from None
    else:
        raw = bytes(data)
    if len(raw) > MAX_POLICY_BYTES:
        raise DecodeError(
            ReasonCode.INPUT_TOO_LARGE,
            f"$: {len(raw)} bytes is over the policy limit of {MAX_POLICY_BYTES}",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raise _fail(ReasonCode.POLICY_SYNTAX, "$", "a byte-order mark is not allowed")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(
            ReasonCode.POLICY_SYNTAX, "$", f"not UTF-8 (byte {exc.start} of the file)"
        ) from None


def _line_column(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    return _location(line, index - (text.rfind("\n", 0, index) + 1) + 1)


# Strings and comments, blanked before brackets are counted.
_JSON_SKIP: Final = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_TOML_SKIP: Final = re.compile(
    r'"""[\s\S]*?(?:"""|$)|\'\'\'[\s\S]*?(?:\'\'\'|$)|"(?:[^"\\\n]|\\.)*"?|\'[^\'\n]*\'?|#[^\n]*'
)


def _check_brackets(text: str, skip: re.Pattern[str], base: int) -> None:
    """Refuse nesting over the limit before a recursive parser sees it."""
    blanked = skip.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    depth = base
    for match in re.finditer(r"[\[\]{}]", blanked):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_POLICY_DEPTH:
                where = _line_column(text, match.start())
                raise _fail(
                    ReasonCode.POLICY_TOO_DEEP, where, f"nested deeper than {MAX_POLICY_DEPTH}"
                )
        else:
            depth -= 1


def _json_int(text: str) -> int | _TooLong:
    """A decimal integer literal (an optional sign, then digits)."""
    return _TooLong(text) if len(text.lstrip("+-")) > _MAX_NUMBER_DIGITS else int(text)


def _json_pairs(pairs: list[tuple[str, Any]]) -> _Pairs:
    result = _Pairs(pairs)
    result.locations = [None] * len(pairs)
    return result


class _NonFinite(Exception):
    pass


def _json_constant(text: str) -> Any:
    raise _NonFinite(text)


def _load_json(text: str) -> Any:
    _check_brackets(text, _JSON_SKIP, 0)
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_int=_json_int,
            parse_constant=_json_constant,
            object_pairs_hook=_json_pairs,
        )
    except json.JSONDecodeError as exc:
        raise _fail(ReasonCode.POLICY_SYNTAX, _location(exc.lineno, exc.colno), exc.msg) from None
    except _NonFinite as exc:
        raise _fail(
            ReasonCode.POLICY_SYNTAX, "$", f"{exc} is not JSON (numbers are finite)"
        ) from None


_TOML_WHERE: Final = re.compile(r"\(at (line (\d+), column (\d+)|end of document)\)$")
#: The TOML reader's messages for a key or table defined twice (or a defined value
#: extended): ``POLICY_DUPLICATE_KEY``.
_TOML_DUPLICATE: Final = (
    "Cannot overwrite a value",
    "Cannot declare",
    "Cannot mutate immutable namespace",
    "Cannot redefine namespace",
    "Duplicate inline table key",
)


def _load_toml(text: str) -> Any:
    _check_brackets(text, _TOML_SKIP, 1)
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_WHERE.search(message)
        where = (
            "end of document"
            if match is None or match.group(2) is None
            else (_location(int(match.group(2)), int(match.group(3))))
        )
        reason = message[: match.start()].strip() if match else message
        duplicate = reason.startswith(_TOML_DUPLICATE)
        code = ReasonCode.POLICY_DUPLICATE_KEY if duplicate else ReasonCode.POLICY_SYNTAX
        return _raise(code, where, reason)
    except ValueError as exc:  # e.g. an integer of over 4,300 digits
        raise _fail(ReasonCode.POLICY_SYNTAX, "$", str(exc)) from None


def _raise(code: ReasonCode, where: str, reason: str) -> Any:
    raise _fail(code, where, reason)


_YAML_STR: Final = "tag:yaml.org,2002:str"
_YAML_INT: Final = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
#: The floats read as decimals; PyYAML reads ``-.5`` and ``+.5`` as text.
_YAML_FLOAT: Final = re.compile(r"(?:[-+]?[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?")
#: YAML 1.1's non-finite floats, every spelling PyYAML reads.
_YAML_SPECIAL: Final = {
    ".inf": "Infinity", ".Inf": "Infinity", ".INF": "Infinity",
    "+.inf": "Infinity", "+.Inf": "Infinity", "+.INF": "Infinity",
    "-.inf": "-Infinity", "-.Inf": "-Infinity", "-.INF": "-Infinity",
    ".nan": "NaN", ".NaN": "NaN", ".NAN": "NaN",
}  # fmt: skip


def _mark(mark: Any) -> str:
    return "$" if mark is None else _location(mark.line + 1, mark.column + 1)


def _yaml_location(text: str, index: int) -> str:
    """The line and column of ``text[index]`` as PyYAML counts them (its marks): a
    line ends at LF, CR LF, CR, U+0085, U+2028 or U+2029; U+FEFF takes no column."""
    line = column = 0
    for k, char in enumerate(text[:index]):
        if char in "\n\x85\u2028\u2029" or (char == "\r" and text[k + 1 : k + 2] != "\n"):
            line, column = line + 1, 0
        elif char != "\ufeff":
            column += 1
    return _location(line + 1, column + 1)


def _yaml_scalar(loader: yaml.SafeLoader, event: Any) -> Any:
    text = event.value
    where = _mark(event.start_mark)
    tag = loader.resolve(yaml_nodes.ScalarNode, text, event.implicit)  # type: ignore[no-untyped-call]
    if tag == _YAML_STR:
        return text
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        if text in ("true", "false"):
            return text == "true"
        raise _fail(
            ReasonCode.POLICY_YAML_FEATURE, where,
            f"{text!r} is a YAML 1.1 boolean: write true or false, or quote it for text",
        )  # fmt: skip
    if tag == "tag:yaml.org,2002:int":
        if not _YAML_INT.fullmatch(text):
            raise _fail(
                ReasonCode.POLICY_YAML_FEATURE, where,
                f"{text!r} is a YAML 1.1 integer form: write it in plain decimal, or quote it",
            )  # fmt: skip
        return _json_int(text)
    if tag == "tag:yaml.org,2002:float":
        if text in _YAML_SPECIAL:
            return Decimal(_YAML_SPECIAL[text])
        if not _YAML_FLOAT.fullmatch(text):
            raise _fail(
                ReasonCode.POLICY_YAML_FEATURE, where,
                f"{text!r} is a YAML 1.1 number form: write it in plain decimal, or quote it",
            )  # fmt: skip
        return Decimal(text)
    if tag == "tag:yaml.org,2002:merge":
        raise _fail(ReasonCode.POLICY_YAML_FEATURE, where, "a merge key (<<)")
    kind = tag.rsplit(":", 1)[-1]
    raise _fail(
        ReasonCode.POLICY_YAML_FEATURE, where, f"a YAML {kind} ({text!r}): quote it for text"
    )


def _yaml_node(loader: yaml.SafeLoader, depth: int) -> Any:
    """The next node of the event stream, each event checked as it is read, in
    document order; mappings as :class:`_Pairs` with their keys' locations."""
    event = loader.get_event()  # type: ignore[no-untyped-call]
    where = _mark(event.start_mark)
    if isinstance(event, yaml_events.AliasEvent):
        raise _fail(ReasonCode.POLICY_YAML_FEATURE, where, "an alias")
    if event.anchor is not None:
        raise _fail(ReasonCode.POLICY_YAML_FEATURE, where, "an anchor")
    if event.tag is not None:
        raise _fail(ReasonCode.POLICY_YAML_FEATURE, where, f"the tag {event.tag}")
    if isinstance(event, yaml_events.ScalarEvent):
        return _yaml_scalar(loader, event)
    if depth + 1 > MAX_POLICY_DEPTH:
        raise _fail(ReasonCode.POLICY_TOO_DEEP, where, f"nested deeper than {MAX_POLICY_DEPTH}")
    if isinstance(event, yaml_events.SequenceStartEvent):
        items = []
        while not loader.check_event(yaml_events.SequenceEndEvent):
            items.append(_yaml_node(loader, depth + 1))
        loader.get_event()  # type: ignore[no-untyped-call]
        return items
    pairs = _Pairs()
    pairs.locations = []
    while not loader.check_event(yaml_events.MappingEndEvent):
        at = _mark(loader.peek_event().start_mark)  # type: ignore[no-untyped-call]
        key = _yaml_node(loader, depth + 1)
        pairs.append((key, _yaml_node(loader, depth + 1)))
        pairs.locations.append(at)
    loader.get_event()  # type: ignore[no-untyped-call]
    return pairs


def _load_yaml(text: str) -> Any:
    """The document as PyYAML's parser gives its events (never its composer or
    constructor): one pass, every fault of the text found in document order."""
    try:
        # The reader refuses control characters as soon as it is built.
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        where = _yaml_location(text, exc.position)
        reason = f"control character U+{exc.character:04X}"
        raise _fail(ReasonCode.POLICY_SYNTAX, where, reason) from None
    try:
        loader.get_event()  # type: ignore[no-untyped-call]
        node = None
        if not loader.check_event(yaml_events.StreamEndEvent):
            loader.get_event()  # type: ignore[no-untyped-call]
            node = _yaml_node(loader, 0)
            loader.get_event()  # type: ignore[no-untyped-call]
            if not loader.check_event(yaml_events.StreamEndEvent):
                event = loader.get_event()  # type: ignore[no-untyped-call]
                raise _fail(
                    ReasonCode.POLICY_SYNTAX, _mark(event.start_mark),
                    "a second document: a policy file holds one",
                )  # fmt: skip
    except yaml.MarkedYAMLError as exc:
        where = _mark(exc.problem_mark)
        raise _fail(ReasonCode.POLICY_SYNTAX, where, str(exc.problem or exc.context)) from None
    except yaml.YAMLError as exc:
        raise _fail(ReasonCode.POLICY_SYNTAX, "$", str(exc)) from None
    finally:
        loader.dispose()
    return node


def _over_40(value: int) -> bool:
    """Whether an integer has more than 40 digits."""
    return abs(value) >= _TEN_TO_40


def _check_string(text: str, path: str) -> str:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise _fail(ReasonCode.POLICY_BAD_VALUE, path, "text with a lone surrogate")
    return text


def _plain(value: Any, path: str, depth: int) -> Any:
    """The plain tree of a parsed value, walked in document order (for TOML, the
    reader's order: each table's keys as first defined). Each key is checked when it
    is reached, before its value: text (``POLICY_WRONG_TYPE`` at ``<path> (line L,
    column C)``, ``<path>`` the mapping's), no lone surrogate (``POLICY_BAD_VALUE``),
    not a duplicate (``POLICY_DUPLICATE_KEY``); each leaf is one of str (no lone
    surrogate), int (at most 40 digits, else ``POLICY_OUT_OF_RANGE``), Decimal, bool,
    None (anything else, a TOML date, is ``POLICY_WRONG_TYPE``); depth is bounded."""
    if isinstance(value, _Pairs | dict | list):
        if depth + 1 > MAX_POLICY_DEPTH:
            raise _fail(ReasonCode.POLICY_TOO_DEEP, path, f"nested deeper than {MAX_POLICY_DEPTH}")
        if isinstance(value, list) and not isinstance(value, _Pairs):
            return [_plain(item, f"{path}[{k}]", depth + 1) for k, item in enumerate(value)]
        locations: list[str | None]
        if isinstance(value, dict):
            items, locations = list(value.items()), [None] * len(value)
        else:
            items, locations = list(value), list(value.locations)
        result: dict[str, Any] = {}
        for (key, item), where in zip(items, locations, strict=True):
            if not isinstance(key, str):
                key_path = path if where is None else f"{path} ({where})"
                raise _wrong_type(key_path, "text as a mapping key", key)
            child = _child(path, key)
            _check_string(key, child)
            if key in result:
                note = "" if where is None else f" ({where})"
                raise _fail(ReasonCode.POLICY_DUPLICATE_KEY, child, f"duplicate key{note}")
            result[key] = _plain(item, child, depth + 1)
        return result
    if isinstance(value, str):
        return _check_string(value, path)
    too_long = isinstance(value, int) and not isinstance(value, bool) and _over_40(value)
    if isinstance(value, _TooLong) or too_long:
        raise _fail(
            ReasonCode.POLICY_OUT_OF_RANGE,
            path,
            f"an integer of more than {_MAX_NUMBER_DIGITS} digits",
        )
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    raise _wrong_type(path, "text, a number, a boolean, a list or a mapping", value)


def load_policy_tree(data: bytes | str, fmt: str) -> Any:
    """Parse a policy text of format ``fmt`` (one of :data:`FORMATS`) into its plain
    tree: ``dict`` with text keys, ``list``, ``str`` (no lone surrogate), ``int`` (at
    most 40 digits), ``Decimal``, ``bool`` and ``None``. The whole text is read first
    (``docs/policy.md`` 1.1-1.4), then the tree is built (1.5); the schema is not
    checked here."""
    if fmt not in FORMATS:
        raise _fail(ReasonCode.POLICY_SYNTAX, "$", f"unknown format {fmt!r}; one of {FORMATS}")
    text = _text(data)
    loaders = {"json": _load_json, "toml": _load_toml, "yaml": _load_yaml}
    try:
        raw = loaders[fmt](text)
    except RecursionError:  # a guard only: nesting is bounded before parsing
        raise _fail(ReasonCode.POLICY_TOO_DEEP, "$", "nested too deeply to parse") from None
    return _plain(raw, "$", 0)


# --- the validator ------------------------------------------------------------------------

_MISSING: Final = object()
_T = TypeVar("_T")


class _Map:
    """A mapping of the tree with exactly the given keys allowed."""

    def __init__(self, value: Any, path: str, keys: Iterable[str]) -> None:
        if not isinstance(value, dict):
            raise _wrong_type(path, "a mapping", value)
        allowed = tuple(keys)
        unknown = sorted(key for key in value if key not in allowed)
        if unknown:
            raise _fail(
                ReasonCode.POLICY_UNKNOWN_KEY,
                _child(path, unknown[0]),
                f"unknown key (allowed here: {', '.join(allowed)})",
            )
        self.value: dict[str, Any] = value
        self.path = path

    def path_of(self, key: str) -> str:
        return _child(self.path, key)

    def get(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.value:
            return self.value[key]
        if default is _MISSING:
            raise _fail(ReasonCode.POLICY_MISSING_KEY, self.path_of(key), "missing required key")
        return default

    def has(self, key: str) -> bool:
        return key in self.value


def _int(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(path, "an integer", value)
    if _over_40(value):
        raise _fail(ReasonCode.POLICY_OUT_OF_RANGE, path, f"more than {_MAX_NUMBER_DIGITS} digits")
    if not low <= value <= high:
        raise _fail(ReasonCode.POLICY_OUT_OF_RANGE, path, f"{value} not in [{low}, {high}]")
    return value


def _exact(value: Any, path: str, what: str) -> Fraction:
    """An integer or finite decimal as an exact fraction, with bounded digits."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _wrong_type(path, what, value)
    if isinstance(value, int):
        if _over_40(value):
            raise _fail(
                ReasonCode.POLICY_OUT_OF_RANGE, path,
                f"more than {_MAX_NUMBER_DIGITS} digits before the point",
            )  # fmt: skip
        return Fraction(value)
    if not value.is_finite():
        raise _fail(ReasonCode.POLICY_BAD_VALUE, path, f"{value} is not a finite number")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    kept = list(digits)
    while len(kept) > 1 and kept[-1] == 0 and exponent < 0:
        kept.pop()
        exponent += 1
    if not any(kept):
        return Fraction(0)
    while kept[0] == 0:
        kept.pop(0)
    if exponent + len(kept) > _MAX_NUMBER_DIGITS:
        raise _fail(ReasonCode.POLICY_OUT_OF_RANGE, path, f"{value} is far out of range")
    if -exponent > _MAX_NUMBER_DIGITS:
        raise _fail(ReasonCode.POLICY_BAD_VALUE, path, f"{value} has too many decimal places")
    magnitude = int("".join(map(str, kept)))
    scaled = (
        Fraction(magnitude * 10**exponent) if exponent >= 0 else Fraction(magnitude, 10**-exponent)
    )
    return -scaled if sign else scaled


def _ratio(value: Any, path: str, high: int = PPM, *, below: bool = False) -> int:
    """A ratio written as a number in [0, high / 10^6] (``below``: strictly under
    ``high``), exact in ppm; returned in ppm."""
    exact = _exact(value, path, "a ratio (a number such as 0.35)")
    bound = Fraction(high, PPM)
    if exact < 0 or exact > bound or (below and exact == bound):
        limit = format_number(bound)
        interval = f"[0, {limit})" if below else f"[0, {limit}]"
        raise _fail(ReasonCode.POLICY_OUT_OF_RANGE, path, f"ratio {value} not in {interval}")
    ppm = exact * PPM
    if ppm.denominator != 1:
        raise _fail(
            ReasonCode.POLICY_BAD_VALUE, path, f"ratio {value} is finer than 1 ppm (0.000001)"
        )
    return ppm.numerator


def _decimal(
    value: Any, path: str, *, low: Fraction, high: Fraction, open_low: bool, open_high: bool
) -> Decimal:
    exact = _exact(value, path, "a number")
    too_low = exact < low or (open_low and exact == low)
    too_high = exact > high or (open_high and exact == high)
    if too_low or too_high:
        left = "(" if open_low else "["
        right = ")" if open_high else "]"
        interval = f"{left}{format_number(low)}, {format_number(high)}{right}"
        raise _fail(ReasonCode.POLICY_OUT_OF_RANGE, path, f"{value} not in {interval}")
    scaled = exact * 10**_MAX_DECIMAL_PLACES
    if scaled.denominator != 1:
        raise _fail(
            ReasonCode.POLICY_BAD_VALUE, path, f"more than {_MAX_DECIMAL_PLACES} decimal places"
        )
    return Decimal(format_number(exact))


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(path, "a boolean (true or false)", value)
    return value


def _free_text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(path, "text", value)
    if not 1 <= len(value) <= MAX_TEXT_CHARS:
        raise _fail(
            ReasonCode.POLICY_OUT_OF_RANGE, path,
            f"{len(value)} characters, not in [1, {MAX_TEXT_CHARS}]",
        )  # fmt: skip
    for char in value:
        if unicodedata.category(char) == "Cc":
            raise _fail(ReasonCode.POLICY_BAD_VALUE, path, f"control character U+{ord(char):04X}")
    return value


def _name(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(path, "a name", value)
    if not is_identifier(value):
        raise _fail(
            ReasonCode.POLICY_BAD_VALUE,
            path,
            f"{value!r} is not a name (ASCII letters, digits and _, not starting with a "
            "digit, at most 64)",
        )
    return value


def _choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise _wrong_type(path, "text", value)
    if value not in choices:
        raise _fail(
            ReasonCode.POLICY_BAD_VALUE, path, f"{value!r} is not one of {', '.join(choices)}"
        )
    return value


def _list(value: Any, path: str, high: int = MAX_LIST_ITEMS, low: int = 0) -> list[Any]:
    if not isinstance(value, list):
        raise _wrong_type(path, "a list", value)
    if not low <= len(value) <= high:
        raise _fail(
            ReasonCode.POLICY_OUT_OF_RANGE, path, f"{len(value)} items, not in [{low}, {high}]"
        )
    return value


def _unique(names: list[str], paths: list[str], what: str) -> None:
    seen: set[str] = set()
    for name, path in zip(names, paths, strict=True):
        if name in seen:
            raise _fail(
                ReasonCode.POLICY_DUPLICATE_NAME, path, f"{what} {name!r} is declared twice"
            )
        seen.add(name)


def _section(tree: _Map, key: str) -> _MapOrEmpty:
    return _MapOrEmpty(tree, key)


class _MapOrEmpty:
    """An optional section: its keys when present, else every default."""

    def __init__(self, parent: _Map, key: str) -> None:
        self.path = parent.path_of(key)
        self.value: Any = parent.get(key, {})

    def read(self, keys: Iterable[str]) -> _Map:
        return _Map(self.value, self.path, keys)


def _read_bitcoin(root: _Map) -> BitcoinRules:
    m = _section(root, "bitcoin").read(_field_names(BitcoinRules))
    d = BitcoinRules()
    return BitcoinRules(
        anchor_confirmations=_int(
            m.get("anchor_confirmations", d.anchor_confirmations),
            m.path_of("anchor_confirmations"), 1, 1_000_000,
        ),
        pegin_confirmations=_int(
            m.get("pegin_confirmations", d.pegin_confirmations),
            m.path_of("pegin_confirmations"), 1, 1_000_000,
        ),
        dust_relay_fee=_int(
            m.get("dust_relay_fee", d.dust_relay_fee), m.path_of("dust_relay_fee"), 0, 100_000_000
        ),
    )  # fmt: skip


def _read_bridge(root: _Map) -> BridgeRules:
    m = _section(root, "bridge").read(_field_names(BridgeRules))
    d = BridgeRules()

    def amount(name: str) -> int:
        return _int(m.get(name, getattr(d, name)), m.path_of(name), 0, MAX_AMOUNT)

    rules = BridgeRules(
        min_signers=_int(
            m.get("min_signers", d.min_signers), m.path_of("min_signers"), 1, MAX_SIGNERS
        ),
        min_threshold_ratio=(
            _ratio(m.get("min_threshold_ratio"), m.path_of("min_threshold_ratio"))
            if m.has("min_threshold_ratio")
            else d.min_threshold_ratio
        ),
        pegin_min=amount("pegin_min"),
        pegin_max=amount("pegin_max"),
        pegin_fee_fixed=amount("pegin_fee_fixed"),
        pegin_fee_ppm=_int(m.get("pegin_fee_ppm", 0), m.path_of("pegin_fee_ppm"), 0, PPM),
        pegout_fee_min=amount("pegout_fee_min"),
        pegout_fee_max=amount("pegout_fee_max"),
    )
    if rules.pegin_min > rules.pegin_max:
        raise _fail(
            ReasonCode.POLICY_INCONSISTENT, m.path_of("pegin_max"),
            f"{rules.pegin_max} is below pegin_min ({rules.pegin_min})",
        )  # fmt: skip
    if rules.pegout_fee_min > rules.pegout_fee_max:
        raise _fail(
            ReasonCode.POLICY_INCONSISTENT, m.path_of("pegout_fee_max"),
            f"{rules.pegout_fee_max} is below pegout_fee_min ({rules.pegout_fee_min})",
        )  # fmt: skip
    return rules


def _read_recovery(root: _Map) -> RecoveryRules:
    m = _section(root, "recovery").read(("challenge_blocks",))
    return RecoveryRules(
        _int(m.get("challenge_blocks", 25_920), m.path_of("challenge_blocks"), 1, 1_000_000)
    )


def _read_int_fields(cls: type[_T], value: Any, path: str) -> _T:
    """A frozen dataclass of integer fields read generically: its fields, their
    defaults and the inclusive ranges of its ``BOUNDS``; its own cross-field errors
    are re-raised with ``path``."""
    bounds: dict[str, tuple[int, int]] = getattr(cls, "BOUNDS")  # noqa: B009 (a ClassVar)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    m = _Map(value, path, (f.name for f in fields))
    kwargs: dict[str, int] = {}
    for f in fields:
        if m.has(f.name):
            low, high = bounds[f.name]
            kwargs[f.name] = _int(m.get(f.name), m.path_of(f.name), low, high)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            m.get(f.name)  # raises POLICY_MISSING_KEY
    try:
        return cls(**kwargs)
    except DecodeError as exc:
        located = exc.message.startswith((f"{path}.", f"{path}:"))
        raise DecodeError(exc.code, exc.message if located else f"{path}: {exc.message}") from None


_SCHEDULER_KEYS: Final = (
    "weights", "min_reputation", "latency_ceiling_ms", "cost_ceiling", "green_max_carbon",
    "green_min_share", "reputation",
)  # fmt: skip


def _read_scheduler(root: _Map) -> tuple[SchedulePolicy, ReputationPolicy]:
    m = _section(root, "scheduler").read(_SCHEDULER_KEYS)
    d = SchedulePolicy()
    w = _Map(m.get("weights", {}), m.path_of("weights"), FACTORS)
    weights = tuple(
        (name, _int(w.get(name, d.weight(name)), w.path_of(name), 0, 1_000)) for name in FACTORS
    )

    def ratio(mapping: _Map, name: str, default: int) -> int:
        return _ratio(mapping.get(name), mapping.path_of(name)) if mapping.has(name) else default

    def count(name: str, low: int) -> int:
        return _int(m.get(name, getattr(d, name)), m.path_of(name), low, MAX_UINT)

    schedule = SchedulePolicy(
        weights=weights,
        min_reputation=ratio(m, "min_reputation", d.min_reputation),
        latency_ceiling_ms=count("latency_ceiling_ms", 1),
        cost_ceiling=count("cost_ceiling", 1),
        green_max_carbon=count("green_max_carbon", 0),
        green_min_share=ratio(m, "green_min_share", d.green_min_share),
    )
    r = _Map(m.get("reputation", {}), m.path_of("reputation"), _field_names(ReputationPolicy))
    dr = ReputationPolicy()
    reputation = ReputationPolicy(
        rate=ratio(r, "rate", dr.rate),
        late_factor=ratio(r, "late_factor", dr.late_factor),
        half_life_s=_int(
            r.get("half_life_s", dr.half_life_s), r.path_of("half_life_s"), 1, MAX_UINT
        ),
        byzantine_factor=ratio(r, "byzantine_factor", dr.byzantine_factor),
    )
    return schedule, reputation


#: Each aggregation rule's parameters (as :data:`ailee.fl.RULE_PARAMS`).
_FL_RULES: Final = {
    "fedavg": (),
    "krum": ("f", "m"),
    "median": (),
    "trimmed_mean": ("beta",),
    "bulyan": ("f",),
}


def _read_fl(root: _Map) -> FlRules:
    m = _section(root, "fl").read(("rule", "params"))
    rule = _choice(m.get("rule", "fedavg"), m.path_of("rule"), tuple(_FL_RULES))
    p = _Map(m.get("params", {}), m.path_of("params"), _FL_RULES[rule])
    params: list[tuple[str, int]] = []
    for name in sorted(_FL_RULES[rule]):
        value, path = p.get(name), p.path_of(name)
        if name == "beta":
            params.append((name, _ratio(value, path, PPM // 2, below=True)))
        else:
            params.append((name, _int(value, path, 1 if name == "m" else 0, 10_000)))
    return FlRules(rule, tuple(params))


def _read_privacy(root: _Map) -> PrivacyRules:
    m = _section(root, "privacy").read(_field_names(PrivacyRules))
    d = PrivacyRules()
    big = Fraction(_MAX_DECIMAL)

    def number(
        name: str, low: Fraction, high: Fraction, *, open_low: bool, open_high: bool
    ) -> Decimal:
        if not m.has(name):
            value: Decimal = getattr(d, name)
            return value
        return _decimal(
            m.get(name), m.path_of(name), low=low, high=high, open_low=open_low, open_high=open_high
        )

    return PrivacyRules(
        epsilon=number("epsilon", Fraction(0), big, open_low=True, open_high=False),
        delta=number("delta", Fraction(0), Fraction(1), open_low=True, open_high=True),
        noise_multiplier=number(
            "noise_multiplier", Fraction(0), big, open_low=True, open_high=False
        ),
        sampling_rate=number(
            "sampling_rate", Fraction(0), Fraction(1), open_low=False, open_high=False
        ),
        clip_norm=number("clip_norm", Fraction(0), big, open_low=True, open_high=False),
    )


def _items(root: _Map, key: str) -> list[tuple[Any, str]]:
    path = root.path_of(key)
    values = _list(root.get(key, []), path)
    return [(item, f"{path}[{k}]") for k, item in enumerate(values)]


def _read_signals(root: _Map, step_ms: int) -> tuple[Signal, ...]:
    signals = []
    for item, path in _items(root, "signals"):
        m = _Map(item, path, ("name", "source", "window_ms"))
        signals.append(
            Signal(
                name=_declared_name(m.get("name"), m.path_of("name")),
                source=_free_text(m.get("source"), m.path_of("source")),
                window_ms=_window(m, "window_ms", step_ms),
            )
        )
    return tuple(signals)


def _declared_name(value: Any, path: str) -> str:
    name = _name(value, path)
    if name == TIME_FIELD:
        raise _fail(ReasonCode.POLICY_BAD_VALUE, path, f"{TIME_FIELD!r} is reserved for outputs")
    return name


def _window(m: _Map, key: str, step_ms: int) -> int:
    value = _int(m.get(key), m.path_of(key), 1, _MAX_WINDOW_MS)
    if value < step_ms:
        raise _fail(
            ReasonCode.POLICY_INCONSISTENT, m.path_of(key), f"{value} is below step_ms ({step_ms})"
        )
    return value


def _read_metrics(root: _Map, step_ms: int, signals: tuple[str, ...]) -> tuple[Metric, ...]:
    metrics = []
    for item, path in _items(root, "metrics"):
        m = _Map(item, path, ("name", "type", "signals", "window_ms", "stride_ms"))
        name = _declared_name(m.get("name"), m.path_of("name"))
        kind = _choice(m.get("type"), m.path_of("type"), METRIC_TYPES)
        inputs_path = m.path_of("signals")
        low = 2 if kind == "correlation_average" else 1
        inputs = _list(m.get("signals"), inputs_path, _MAX_METRIC_SIGNALS, low)
        names = _references(inputs, inputs_path, signals, "signal")
        metrics.append(
            Metric(
                name,
                kind,
                names,
                _window(m, "window_ms", step_ms),
                _window(m, "stride_ms", step_ms),
            )
        )
    return tuple(metrics)


def _references(
    values: list[Any], path: str, declared: Iterable[str], what: str
) -> tuple[str, ...]:
    """A list of names, item by item: each a name, declared
    (``POLICY_UNKNOWN_REFERENCE``) and not already in the list
    (``POLICY_DUPLICATE_NAME``)."""
    known = set(declared)
    names: list[str] = []
    for k, value in enumerate(values):
        item_path = f"{path}[{k}]"
        name = _name(value, item_path)
        if name not in known:
            raise _fail(
                ReasonCode.POLICY_UNKNOWN_REFERENCE, item_path, f"{what} {name!r} is not declared"
            )
        if name in names:
            raise _fail(
                ReasonCode.POLICY_DUPLICATE_NAME, item_path, f"{what} {name!r} is listed twice"
            )
        names.append(name)
    return tuple(names)


def _arg(value: Any, path: str) -> str | int | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _int(value, path, -_MAX_INT_ARG, _MAX_INT_ARG)
    if isinstance(value, str):
        return _free_text(value, path)
    if isinstance(value, Decimal):
        raise _fail(
            ReasonCode.POLICY_WRONG_TYPE, path,
            "an argument is text, an integer or a boolean: write a decimal as text",
        )  # fmt: skip
    raise _wrong_type(path, "text, an integer or a boolean", value)


def _read_policies(root: _Map, declared: tuple[str, ...]) -> tuple[PolicyRule, ...]:
    rules = []
    for item, path in _items(root, "policies"):
        m = _Map(item, path, ("name", "when", "actions"))
        name = _name(m.get("name"), m.path_of("name"))
        when_path = m.path_of("when")
        when = m.get("when")
        if not isinstance(when, str):
            raise _wrong_type(when_path, "a condition (text)", when)
        try:
            condition = _parse_condition(when, declared)
        except DecodeError as exc:
            raise DecodeError(exc.code, f"{when_path}: {exc.message}") from None
        actions = []
        actions_path = m.path_of("actions")
        for k, value in enumerate(_list(m.get("actions"), actions_path, _MAX_ACTIONS, 1)):
            a = _Map(value, f"{actions_path}[{k}]", ("type", "args"))
            kind = _name(a.get("type"), a.path_of("type"))
            args_path = a.path_of("args")
            args = a.get("args", {})
            if not isinstance(args, dict):
                raise _wrong_type(args_path, "a mapping", args)
            if len(args) > _MAX_ARGS:
                raise _fail(
                    ReasonCode.POLICY_OUT_OF_RANGE, args_path, f"more than {_MAX_ARGS} arguments"
                )
            checked = []
            for key in sorted(args):
                arg_path = _child(args_path, key)
                _name(key, arg_path)
                checked.append((key, _arg(args[key], arg_path)))
            actions.append(Action(kind, tuple(checked)))
        rules.append(PolicyRule(name, condition, tuple(actions)))
    _unique(
        [r.name for r in rules],
        [f"{root.path_of('policies')}[{k}].name" for k in range(len(rules))],
        "policy",
    )
    return tuple(rules)


def _read_pipelines(root: _Map, policies: tuple[str, ...]) -> tuple[Pipeline, ...]:
    pipelines = []
    for item, path in _items(root, "pipelines"):
        m = _Map(item, path, ("name", "enabled", "policies"))
        name = _name(m.get("name"), m.path_of("name"))
        enabled = _bool(m.get("enabled"), m.path_of("enabled"))
        names_path = m.path_of("policies")
        values = _list(m.get("policies", []), names_path)
        pipelines.append(
            Pipeline(name, enabled, _references(values, names_path, policies, "policy"))
        )
    paths = [f"{root.path_of('pipelines')}[{k}].name" for k in range(len(pipelines))]
    _unique([p.name for p in pipelines], paths, "pipeline")
    return tuple(pipelines)


def _read_outputs(root: _Map, declared: tuple[str, ...]) -> tuple[Output, ...]:
    outputs = []
    for item, path in _items(root, "outputs"):
        m = _Map(item, path, ("type", "path", "fields"))
        kind = _choice(m.get("type"), m.path_of("type"), OUTPUT_TYPES)
        where = _free_text(m.get("path"), m.path_of("path"))
        fields_path = m.path_of("fields")
        values = _list(m.get("fields", []), fields_path, MAX_LIST_ITEMS + 1)
        names = _references(values, fields_path, (TIME_FIELD, *declared), "field")
        outputs.append(Output(kind, where, names))
    paths = [f"{root.path_of('outputs')}[{k}].path" for k in range(len(outputs))]
    _unique([o.path for o in outputs], paths, "output path")
    return tuple(outputs)


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


_TOP_KEYS: Final = (
    "version", "mode", "step_ms", "horizon_s", "bitcoin", "bridge", "recovery", "breakers",
    "scheduler", "fl", "privacy", "signals", "metrics", "policies", "pipelines", "outputs",
)  # fmt: skip


def policy_from_tree(tree: Any) -> Policy:
    """Validate a plain tree (:func:`load_policy_tree`) and build its :class:`Policy`.

    Checks run in a fixed order: ``version`` first (only 1 exists), then the document's
    keys, then each section in the order of :class:`Policy`'s fields; the first
    fault is raised.
    """
    if isinstance(tree, dict) and "version" in tree:
        _int(tree["version"], "version", 1, 1)
    root = _Map(tree, "$", _TOP_KEYS)
    mode = _choice(root.get("mode", "simulation"), "mode", MODES)
    step_ms = _int(root.get("step_ms", 50), "step_ms", 5, 1_000)
    horizon_s = _int(root.get("horizon_s", 600), "horizon_s", 10, 86_400)
    bitcoin = _read_bitcoin(root)
    bridge = _read_bridge(root)
    recovery = _read_recovery(root)
    breakers = _read_int_fields(BreakerPolicy, root.get("breakers", {}), "breakers")
    schedule, reputation = _read_scheduler(root)
    fl = _read_fl(root)
    privacy = _read_privacy(root)
    signals = _read_signals(root, step_ms)
    metrics = _read_metrics(root, step_ms, tuple(s.name for s in signals))
    declared = tuple(s.name for s in signals) + tuple(m.name for m in metrics)
    paths = [f"signals[{k}].name" for k in range(len(signals))]
    paths += [f"metrics[{k}].name" for k in range(len(metrics))]
    _unique(list(declared), paths, "signal or metric")
    policies = _read_policies(root, declared)
    pipelines = _read_pipelines(root, tuple(p.name for p in policies))
    outputs = _read_outputs(root, declared)
    return Policy(
        1, mode, step_ms, horizon_s, bitcoin, bridge, recovery, breakers, schedule,
        reputation, fl, privacy, signals, metrics, policies, pipelines, outputs,
    )  # fmt: skip


def parse_policy(data: bytes | str, fmt: str) -> Policy:
    """Read a policy text of format ``fmt`` (``"yaml"``, ``"json"`` or ``"toml"``)."""
    return policy_from_tree(load_policy_tree(data, fmt))


# --- canonical forms and the hash ---------------------------------------------------------


def _int_fields(value: Any) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


def policy_to_cbor_value(policy: Policy) -> dict[str, Any]:
    """The canonical value hashed: every field with its value (defaults filled in),
    ratios in integer ppm, exact decimals as canonical decimal text, conditions as
    their canonical text, lists in file order, action arguments keyed by name."""
    return {
        "version": policy.version,
        "mode": policy.mode,
        "step_ms": policy.step_ms,
        "horizon_s": policy.horizon_s,
        "bitcoin": _int_fields(policy.bitcoin),
        "bridge": _int_fields(policy.bridge),
        "recovery": _int_fields(policy.recovery),
        "breakers": _int_fields(policy.breakers),
        "scheduler": {
            **policy.scheduler.to_cbor_value(),
            "reputation": _int_fields(policy.reputation),
        },
        "fl": {"rule": policy.fl.rule, "params": dict(policy.fl.params)},
        "privacy": {
            f.name: format_number(Fraction(getattr(policy.privacy, f.name)))
            for f in dataclasses.fields(policy.privacy)
        },
        "signals": [_int_fields(s) for s in policy.signals],
        "metrics": [{**_int_fields(m), "signals": list(m.signals)} for m in policy.metrics],
        "policies": [
            {
                "name": r.name,
                "when": format_condition(r.when),
                "actions": [{"type": a.type, "args": dict(a.args)} for a in r.actions],
            }
            for r in policy.policies
        ],
        "pipelines": [
            {"name": p.name, "enabled": p.enabled, "policies": list(p.policies)}
            for p in policy.pipelines
        ],
        "outputs": [
            {"type": o.type, "path": o.path, "fields": list(o.fields)} for o in policy.outputs
        ],
    }


def policy_hash(policy: Policy) -> bytes:
    """``tagged_hash("ailee/v2/policy", cbor(policy_to_cbor_value(policy)))``."""
    return tagged_hash(Tag.POLICY, encoding.encode(policy_to_cbor_value(policy)))


class _Ratio(int):
    """A ppm integer to be written as its ratio in the JSON export."""


def _ratio_fields(value: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {k: _Ratio(v) if k in names else v for k, v in value.items()}


def _export_tree(policy: Policy) -> dict[str, Any]:
    tree = policy_to_cbor_value(policy)
    tree["bridge"] = _ratio_fields(tree["bridge"], ("min_threshold_ratio",))
    scheduler = _ratio_fields(tree["scheduler"], ("min_reputation", "green_min_share"))
    scheduler["reputation"] = _ratio_fields(
        scheduler["reputation"], ("rate", "late_factor", "byzantine_factor")
    )
    tree["scheduler"] = scheduler
    tree["fl"]["params"] = _ratio_fields(tree["fl"]["params"], ("beta",))
    tree["privacy"] = {k: Decimal(v) for k, v in tree["privacy"].items()}
    return tree


def _json_text(value: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_json_text(v, inner)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{_json_text(v, inner)}" for v in value) + f"\n{indent}]"
    if isinstance(value, _Ratio):
        return format_number(Fraction(int(value), PPM))
    if isinstance(value, Decimal):
        return format_number(Fraction(value))
    return json.dumps(value, ensure_ascii=False)


def policy_to_json(policy: Policy) -> str:
    """The policy as one canonical JSON policy file: every field written (defaults
    included), ratios and decimals as JSON numbers, conditions in canonical text, two
    spaces of indentation and a final newline. Reading it back gives the same hash."""
    return _json_text(_export_tree(policy), "") + "\n"
