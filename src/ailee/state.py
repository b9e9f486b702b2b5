"""The L2 state model: a header and eight named sections of frozen, typed records.

Every record and header is valid by construction: the constructor checks each field
against its kind (:mod:`ailee.fields`) and raises :class:`~ailee.errors.DecodeError`
otherwise. :class:`L2State` keeps each section sorted by record key and refuses two
records with one key, so a state has exactly one canonical form whatever order its
records were given in.

The sections, in their fixed order (the order of the state root), with the key each
section's records are sorted and looked up by:

===========  =========================================  ==============================
section      record                                     key bytes
===========  =========================================  ==============================
accounts     :class:`Account`                           UTF-8 of ``id``
pegins       :class:`PegIn`                             ``btc_txid`` || vout (4, BE)
pegouts      :class:`PegOut`                            UTF-8 of ``id``
anchors      :class:`Anchor`                            ``sequence`` (8 bytes, BE)
tasks        :class:`Task`                              UTF-8 of ``id``
telemetry    :class:`TelemetryRecord`                   UTF-8 of ``id``
recovery     :class:`RecoveryClaim`                     UTF-8 of ``id``
federation   :class:`FederationConfig`                  ``epoch`` (8 bytes, BE)
===========  =========================================  ==============================
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeAlias

from ailee.errors import DecodeError, ReasonCode
from ailee.fields import (
    AmountField,
    BytesField,
    EnumField,
    FieldKind,
    Form,
    IdField,
    OptionalField,
    SortedListField,
    UIntField,
    check_id,
    expect_object,
    wrong_type,
)
from ailee.limits import MAX_AMOUNT, MAX_RECORDS_PER_SECTION, MAX_SCRIPT_BYTES, MAX_SIGNERS

__all__ = [
    "FORMAT_VERSION",
    "SECTION_NAMES",
    "ZERO_ROOT",
    "Account",
    "Anchor",
    "FederationConfig",
    "Header",
    "L2State",
    "PegIn",
    "PegOut",
    "Record",
    "RecoveryClaim",
    "Task",
    "TelemetryRecord",
    "parse_key",
    "read_fields",
    "record_type",
    "write_fields",
]

#: The native snapshot format version (version 1 is the original's text format).
FORMAT_VERSION: Final = 2
#: The previous-root value of the genesis state (sequence 0).
ZERO_ROOT: Final = bytes(32)

_BYTES32: Final = BytesField(32, 32)
_U32: Final = UIntField(maximum=0xFFFF_FFFF)


class _Fields:
    """Mixin: a frozen dataclass whose fields are described by ``FIELDS``."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[tuple[str, FieldKind], ...]]

    def __post_init__(self) -> None:
        name = type(self).__name__
        for field, kind in self.FIELDS:
            value = getattr(self, field)
            checked = kind.read(value, Form.CBOR, f"{name}.{field}")
            if checked is not value:
                object.__setattr__(self, field, checked)
        self._check(name)

    def _check(self, path: str) -> None:
        """Cross-field rules, if the type has any."""


def read_fields(cls: type[Any], value: object, form: Form, path: str) -> Any:
    """Read a record or header of type ``cls`` from a document object (strict)."""
    obj = expect_object(value, path, tuple(name for name, _ in cls.FIELDS))
    instance = object.__new__(cls)
    for name, kind in cls.FIELDS:
        object.__setattr__(instance, name, kind.read(obj[name], form, f"{path}.{name}"))
    instance._check(path)
    return instance


def write_fields(instance: Any, form: Form) -> dict[str, Any]:
    """Return the document object of a record or header, fields in schema order."""
    return {name: kind.write(getattr(instance, name), form) for name, kind in instance.FIELDS}


@dataclass(frozen=True, slots=True)
class Header(_Fields):
    """The state header. ``timestamp_ms`` is supplied by the caller, never read from a clock."""

    version: int
    chain_id: str
    sequence: int
    prev_state_root: bytes
    timestamp_ms: int

    FIELDS: ClassVar = (
        ("version", UIntField()),
        ("chain_id", IdField()),
        ("sequence", UIntField()),
        ("prev_state_root", _BYTES32),
        ("timestamp_ms", UIntField()),
    )

    def _check(self, path: str) -> None:
        if self.version != FORMAT_VERSION:
            raise DecodeError(
                ReasonCode.SCHEMA_UNSUPPORTED_VERSION,
                f"{path}.version: {self.version} is not {FORMAT_VERSION}",
            )


@dataclass(frozen=True, slots=True)
class Account(_Fields):
    """An L2 account: its balance in satoshis and its nonce."""

    id: str
    balance: int
    nonce: int

    SECTION: ClassVar = "accounts"
    FIELDS: ClassVar = (("id", IdField()), ("balance", AmountField()), ("nonce", UIntField()))

    def key(self) -> bytes:
        """Sort and lookup key: the UTF-8 bytes of ``id``."""
        return self.id.encode("utf-8")


@dataclass(frozen=True, slots=True)
class PegIn(_Fields):
    """A deposit of bitcoin to be credited on L2. ``btc_txid`` is in display (RPC) byte
    order; ``amount`` is the deposit output's value and ``fee`` the peg-in fee of the
    federation ``epoch`` whose policy applies, so the L2 credit is ``amount - fee``."""

    btc_txid: bytes
    vout: int
    amount: int
    l2_destination: str
    status: str
    fee: int = 0
    epoch: int = 0

    SECTION: ClassVar = "pegins"
    STATUSES: ClassVar = ("pending", "confirmed", "minted", "rejected")
    FIELDS: ClassVar = (
        ("btc_txid", _BYTES32),
        ("vout", _U32),
        ("amount", AmountField()),
        ("l2_destination", IdField()),
        ("status", EnumField(STATUSES)),
        ("fee", AmountField()),
        ("epoch", UIntField()),
    )

    def _check(self, path: str) -> None:
        if self.fee > self.amount:
            raise DecodeError(
                ReasonCode.AMOUNT_OUT_OF_RANGE, f"{path}.fee: {self.fee} above the amount"
            )

    def key(self) -> bytes:
        """Sort and lookup key: ``btc_txid`` then ``vout`` as 4 bytes big-endian."""
        return self.btc_txid + self.vout.to_bytes(4, "big")


@dataclass(frozen=True, slots=True)
class PegOut(_Fields):
    """A withdrawal from L2 to a Bitcoin scriptPubKey (see :mod:`ailee.bridge`).

    ``id`` is derived from the request (:func:`ailee.bridge.pegout_id`: source, nonce,
    destination, amount, fee); the source is debited ``amount + fee`` when the peg-out
    is requested, at L2 sequence ``requested_at``. From ``authorized`` on it names the
    commitment of an earlier anchor (``anchor_ref``) and carries the federation's
    ``signatures`` (each the signer's x-only key followed by its BIP340 signature, in
    ascending order); from ``broadcast`` on the Bitcoin ``btc_txid`` (display order);
    ``failed`` and ``expired`` carry a ``reason``.
    """

    id: str
    l2_source: str
    btc_destination: bytes
    amount: int
    fee: int
    status: str
    anchor_ref: bytes | None
    nonce: int = 0
    requested_at: int = 0
    signatures: tuple[bytes, ...] = ()
    btc_txid: bytes | None = None
    reason: str | None = None

    SECTION: ClassVar = "pegouts"
    STATUSES: ClassVar = ("requested", "authorized", "broadcast", "confirmed", "failed",
                          "expired")  # fmt: skip
    FIELDS: ClassVar = (
        ("id", IdField()),
        ("l2_source", IdField()),
        ("btc_destination", BytesField(1, MAX_SCRIPT_BYTES)),
        ("amount", AmountField()),
        ("fee", AmountField()),
        ("status", EnumField(STATUSES)),
        ("anchor_ref", OptionalField(_BYTES32)),
        ("nonce", UIntField()),
        ("requested_at", UIntField()),
        ("signatures", SortedListField(BytesField(96, 96), 0, MAX_SIGNERS)),
        ("btc_txid", OptionalField(_BYTES32)),
        ("reason", OptionalField(IdField())),
    )

    def key(self) -> bytes:
        """Sort and lookup key: the UTF-8 bytes of ``id``."""
        return self.id.encode("utf-8")


@dataclass(frozen=True, slots=True)
class Anchor(_Fields):
    """The anchor of an earlier snapshot: what the federation commits to in Bitcoin.

    ``commitment`` is :func:`ailee.anchors.anchor_commitment` of the other fields and
    the chain id; ``prev_commitment`` is the previous anchor's commitment (all zero for
    the first), so a chain's anchors form a hash chain.
    """

    sequence: int
    timestamp_ms: int
    state_root: bytes
    recovery_metadata: bytes
    prev_commitment: bytes
    commitment: bytes

    SECTION: ClassVar = "anchors"
    FIELDS: ClassVar = (
        ("sequence", UIntField()),
        ("timestamp_ms", UIntField()),
        ("state_root", _BYTES32),
        ("recovery_metadata", _BYTES32),
        ("prev_commitment", _BYTES32),
        ("commitment", _BYTES32),
    )

    def key(self) -> bytes:
        """Sort and lookup key: ``sequence`` as 8 bytes big-endian."""
        return self.sequence.to_bytes(8, "big")


@dataclass(frozen=True, slots=True)
class Task(_Fields):
    """A unit of off-chain work, the worker it is assigned to (if any), the commitment
    to the scheduling decision that chose it (if any): :func:`ailee.scheduling.decision_hash`
    of the decision record, and the commitment to its verifiable result (if any): for a
    federated-learning round, :func:`ailee.fl.round_hash` of its round record."""

    id: str
    task_type: str
    priority: int
    submitter: str
    payload_hash: bytes
    assignment: str | None
    decision: bytes | None = None
    result: bytes | None = None

    SECTION: ClassVar = "tasks"
    FIELDS: ClassVar = (
        ("id", IdField()),
        ("task_type", IdField()),
        ("priority", UIntField(maximum=255)),
        ("submitter", IdField()),
        ("payload_hash", _BYTES32),
        ("assignment", OptionalField(IdField())),
        ("decision", OptionalField(_BYTES32)),
        ("result", OptionalField(_BYTES32)),
    )

    def key(self) -> bytes:
        """Sort and lookup key: the UTF-8 bytes of ``id``."""
        return self.id.encode("utf-8")


@dataclass(frozen=True, slots=True)
class TelemetryRecord(_Fields):
    """A commitment to one node's telemetry over a window of time."""

    id: str
    node_id: str
    window_start_ms: int
    window_end_ms: int
    digest: bytes

    SECTION: ClassVar = "telemetry"
    FIELDS: ClassVar = (
        ("id", IdField()),
        ("node_id", IdField()),
        ("window_start_ms", UIntField()),
        ("window_end_ms", UIntField()),
        ("digest", _BYTES32),
    )

    def key(self) -> bytes:
        """Sort and lookup key: the UTF-8 bytes of ``id``."""
        return self.id.encode("utf-8")


@dataclass(frozen=True, slots=True)
class RecoveryClaim(_Fields):
    """A user's exit claim against the anchored state of sequence ``anchor_sequence``,
    at one status of the claim state machine (:class:`ailee.recovery.ClaimStatus`)."""

    id: str
    claimant: str
    amount: int
    anchor_sequence: int
    status: str

    SECTION: ClassVar = "recovery"
    STATUSES: ClassVar = ("submitted", "challenge", "disputed", "approved", "rejected", "paid")
    FIELDS: ClassVar = (
        ("id", IdField()),
        ("claimant", IdField()),
        ("amount", AmountField()),
        ("anchor_sequence", UIntField()),
        ("status", EnumField(STATUSES)),
    )

    def key(self) -> bytes:
        """Sort and lookup key: the UTF-8 bytes of ``id``."""
        return self.id.encode("utf-8")


@dataclass(frozen=True, slots=True)
class FederationConfig(_Fields):
    """The federation of one epoch, in force from L2 sequence ``from_sequence``:
    ``threshold`` of the BIP340 x-only ``signers`` keys, the deposit scriptPubKeys it
    controls, its peg policy (see :mod:`ailee.bridge`), and the hash of the policy
    configuration in force (:func:`ailee.policy.policy_hash`; all zero: none named). An
    epoch above 0 carries the ``authorization`` of the previous epoch's quorum (key ||
    signature entries), which covers every other field, the policy hash included."""

    epoch: int
    threshold: int
    signers: tuple[bytes, ...]
    deposit_scripts: tuple[bytes, ...] = ()
    min_confirmations: int = 102
    pegin_min: int = 0
    pegin_max: int = MAX_AMOUNT
    pegin_fee_fixed: int = 0
    pegin_fee_ppm: int = 0
    pegout_fee_min: int = 0
    pegout_fee_max: int = MAX_AMOUNT
    from_sequence: int = 0
    policy_hash: bytes = ZERO_ROOT
    authorization: tuple[bytes, ...] = ()

    SECTION: ClassVar = "federation"
    FIELDS: ClassVar = (
        ("epoch", UIntField()),
        ("threshold", UIntField(minimum=1, maximum=MAX_SIGNERS)),
        ("signers", SortedListField(_BYTES32, 1, MAX_SIGNERS)),
        ("deposit_scripts", SortedListField(BytesField(1, MAX_SCRIPT_BYTES), 0, 100)),
        ("min_confirmations", UIntField(minimum=1, maximum=1_000_000)),
        ("pegin_min", AmountField()),
        ("pegin_max", AmountField()),
        ("pegin_fee_fixed", AmountField()),
        ("pegin_fee_ppm", UIntField(maximum=1_000_000)),
        ("pegout_fee_min", AmountField()),
        ("pegout_fee_max", AmountField()),
        ("from_sequence", UIntField()),
        ("policy_hash", _BYTES32),
        ("authorization", SortedListField(BytesField(96, 96), 0, MAX_SIGNERS)),
    )

    def _check(self, path: str) -> None:
        if not 1 <= self.threshold <= len(self.signers):
            raise DecodeError(
                ReasonCode.FEDERATION_THRESHOLD_INVALID,
                f"{path}.threshold: {self.threshold} not in [1, {len(self.signers)}]",
            )
        if self.pegin_min > self.pegin_max or self.pegout_fee_min > self.pegout_fee_max:
            raise DecodeError(
                ReasonCode.FEDERATION_POLICY_INVALID,
                f"{path}: a minimum above its maximum (peg-in amount or peg-out fee)",
            )

    def key(self) -> bytes:
        """Sort and lookup key: ``epoch`` as 8 bytes big-endian."""
        return self.epoch.to_bytes(8, "big")


Record: TypeAlias = (
    Account | PegIn | PegOut | Anchor | Task | TelemetryRecord | RecoveryClaim | FederationConfig
)

_RECORD_TYPES: Final[dict[str, type[Any]]] = {
    "accounts": Account,
    "pegins": PegIn,
    "pegouts": PegOut,
    "anchors": Anchor,
    "tasks": Task,
    "telemetry": TelemetryRecord,
    "recovery": RecoveryClaim,
    "federation": FederationConfig,
}
#: The eight sections, in the fixed order of the state root.
SECTION_NAMES: Final = tuple(_RECORD_TYPES)


def record_type(section: str) -> type[Any]:
    """Return the record class of ``section``; ``SECTION_UNKNOWN`` if there is none."""
    try:
        return _RECORD_TYPES[section]
    except KeyError:
        raise DecodeError(
            ReasonCode.SECTION_UNKNOWN,
            f"unknown section {section!r}; sections are {', '.join(SECTION_NAMES)}",
        ) from None


def parse_key(section: str, text: str) -> bytes:
    """Turn a key written for people into the section's key bytes.

    ``accounts``, ``pegouts``, ``tasks``, ``telemetry``, ``recovery``: the id itself.
    ``pegins``: ``<txid hex>:<vout>``. ``anchors``: the sequence; ``federation``: the
    epoch, in decimal. Raises ``KEY_INVALID`` (or the id's own code) otherwise.
    """
    cls = record_type(section)
    path = f"key for {section}"
    if not isinstance(text, str):
        raise wrong_type(path, "string", text)
    if cls in (Anchor, FederationConfig):
        if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
            raise DecodeError(ReasonCode.KEY_INVALID, f"{path}: {text!r} is not a decimal integer")
        number = UIntField().read(int(text), Form.CBOR, path)
        return number.to_bytes(8, "big")
    if cls is PegIn:
        txid_hex, sep, vout_text = text.partition(":")
        if not sep or not vout_text.isascii() or not vout_text.isdigit() or len(vout_text) > 10:
            raise DecodeError(ReasonCode.KEY_INVALID, f"{path}: expected <txid hex>:<vout>")
        txid = _BYTES32.read(txid_hex, Form.JSON, path)
        vout = _U32.read(int(vout_text), Form.CBOR, path)
        return txid + vout.to_bytes(4, "big")
    return check_id(text, path).encode("utf-8")


def _sorted_section(section: str, records: tuple[Any, ...], *, strict: bool) -> tuple[Any, ...]:
    cls = _RECORD_TYPES[section]
    if len(records) > MAX_RECORDS_PER_SECTION:
        raise DecodeError(
            ReasonCode.SECTION_TOO_MANY_RECORDS,
            f"{section}: {len(records)} records, limit {MAX_RECORDS_PER_SECTION}",
        )
    for i, record in enumerate(records):
        if type(record) is not cls:
            raise wrong_type(f"{section}[{i}]", cls.__name__, record)
    keyed = [(record.key(), record) for record in records]
    ordered = sorted(keyed, key=lambda pair: pair[0])
    for i in range(1, len(ordered)):
        if ordered[i - 1][0] == ordered[i][0]:
            raise DecodeError(
                ReasonCode.SECTION_DUPLICATE_KEY,
                f"{section}: two records with key {ordered[i][0].hex()}",
            )
    if strict and ordered != keyed:
        first = next(i for i, (a, b) in enumerate(zip(keyed, ordered, strict=True)) if a != b)
        raise DecodeError(
            ReasonCode.SECTION_UNSORTED, f"{section}[{first}]: records not in ascending key order"
        )
    return tuple(record for _, record in ordered)


@dataclass(frozen=True)
class L2State:
    """A complete L2 state: header plus the eight sections, each sorted by key.

    Records may be given in any order; they are stored sorted. Two records with one
    key raise ``SECTION_DUPLICATE_KEY``.
    """

    header: Header
    accounts: tuple[Account, ...] = ()
    pegins: tuple[PegIn, ...] = ()
    pegouts: tuple[PegOut, ...] = ()
    anchors: tuple[Anchor, ...] = ()
    tasks: tuple[Task, ...] = ()
    telemetry: tuple[TelemetryRecord, ...] = ()
    recovery: tuple[RecoveryClaim, ...] = ()
    federation: tuple[FederationConfig, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.header, Header):
            raise wrong_type("header", "Header", self.header)
        for section in SECTION_NAMES:
            records = getattr(self, section)
            if not isinstance(records, tuple | list):
                raise wrong_type(section, "tuple of records", records)
            object.__setattr__(
                self, section, _sorted_section(section, tuple(records), strict=False)
            )

    @classmethod
    def from_sorted(cls, header: Header, sections: dict[str, tuple[Any, ...]]) -> L2State:
        """Build a state whose sections must already be in ascending key order.

        Used by the canonical CBOR reader: out-of-order records are ``SECTION_UNSORTED``.
        """
        checked = {
            name: _sorted_section(name, tuple(sections.get(name, ())), strict=True)
            for name in SECTION_NAMES
        }
        return cls(header, **checked)

    def records(self, section: str) -> tuple[Record, ...]:
        """The records of ``section``, in key order."""
        record_type(section)
        result: tuple[Record, ...] = getattr(self, section)
        return result

    def find(self, section: str, key: bytes) -> Record | None:
        """The record of ``section`` with ``key``, or None."""
        records = self.records(section)
        index = bisect_left(records, key, key=lambda record: record.key())
        if index < len(records) and records[index].key() == key:
            return records[index]
        return None
