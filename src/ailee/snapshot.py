"""Snapshot documents: a state plus its claimed L2StateRoot, as JSON or canonical CBOR.

Both forms carry the same object::

    {"format": "ailee-snapshot", "header": {...}, "sections": {<8 sections>}, "state_root": ...,
     "schedule": {...},            (optional: scheduling decisions and their inputs)
     "fl_rounds": {...},           (optional: round records and their updates)
     "telemetry_batches": {...}}   (optional: telemetry samples and their keys)

In JSON, byte strings are lowercase hex and section arrays may list records in any
order (they are sorted on reading); duplicate keys anywhere are rejected. The CBOR
form is canonical: deterministic CBOR, byte strings as bytes, and records in ascending
key order (``SECTION_UNSORTED`` otherwise), so every snapshot has exactly one CBOR
encoding and ``encode(decode(x)) == x``. Both forms convert into each other without loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ailee import encoding, jsoncodec
from ailee.errors import DecodeError, ReasonCode
from ailee.fields import BytesField, Form, check_version, expect_object, wrong_type
from ailee.limits import MAX_RECORDS_PER_SECTION
from ailee.state import (
    FORMAT_VERSION,
    SECTION_NAMES,
    Header,
    L2State,
    read_fields,
    record_type,
    write_fields,
)
from ailee.stateroot import L2StateRoot

if TYPE_CHECKING:
    from ailee.fl import RoundsAttachment
    from ailee.scheduling import ScheduleAttachment
    from ailee.telemetry import BatchesAttachment

__all__ = [
    "SNAPSHOT_FORMAT",
    "Snapshot",
    "read_snapshot",
    "snapshot_from_cbor",
    "snapshot_from_json",
    "snapshot_to_cbor",
    "snapshot_to_json",
    "snapshot_to_object",
]

#: The ``format`` marker of a snapshot document.
SNAPSHOT_FORMAT: Final = "ailee-snapshot"
_TOP_FIELDS: Final = ("format", "header", "sections", "state_root")
#: Optional parts outside the state root, each bound to it by a hash in a record.
_ATTACHMENTS: Final = ("schedule", "fl_rounds", "telemetry_batches")
_ROOT: Final = BytesField(32, 32)


@dataclass(frozen=True)
class Snapshot:
    """A state and the state root its producer claims for it (not yet checked)."""

    state: L2State
    state_root: bytes
    #: Scheduling decisions with their inputs (optional; outside the state root).
    schedule: ScheduleAttachment | None = None
    #: Federated-learning round records with their updates (optional; outside the root).
    fl_rounds: RoundsAttachment | None = None
    #: Telemetry samples with their nodes' keys (optional; outside the root).
    telemetry_batches: BatchesAttachment | None = None

    @classmethod
    def of(cls, state: L2State) -> Snapshot:
        """A snapshot of ``state`` claiming its true root."""
        return cls(state, L2StateRoot.compute(state).root)


def _from_object(doc: object, form: Form) -> Snapshot:
    if isinstance(doc, dict):
        check_version(doc.get("header"), "snapshot.header", FORMAT_VERSION)
    carried = tuple(name for name in _ATTACHMENTS if isinstance(doc, dict) and name in doc)
    obj = expect_object(doc, "snapshot", _TOP_FIELDS + carried)
    if obj["format"] != SNAPSHOT_FORMAT:
        if not isinstance(obj["format"], str):
            raise wrong_type("snapshot.format", "string", obj["format"])
        raise DecodeError(
            ReasonCode.SCHEMA_BAD_FORMAT,
            f"snapshot.format: {obj['format']!r} is not {SNAPSHOT_FORMAT!r}",
        )
    header = read_fields(Header, obj["header"], form, "snapshot.header")
    sections_obj = expect_object(obj["sections"], "snapshot.sections", SECTION_NAMES)
    sections: dict[str, tuple[Any, ...]] = {}
    for name in SECTION_NAMES:
        items = sections_obj[name]
        path = f"snapshot.sections.{name}"
        if not isinstance(items, list):
            raise wrong_type(path, "array", items)
        if len(items) > MAX_RECORDS_PER_SECTION:  # before any record is read
            raise DecodeError(
                ReasonCode.SECTION_TOO_MANY_RECORDS,
                f"{path}: {len(items)} records, limit {MAX_RECORDS_PER_SECTION}",
            )
        cls = record_type(name)
        sections[name] = tuple(
            read_fields(cls, item, form, f"{path}[{i}]") for i, item in enumerate(items)
        )
    root = _ROOT.read(obj["state_root"], form, "snapshot.state_root")
    if form is Form.CBOR:
        state = L2State.from_sorted(header, sections)
    else:
        state = L2State(header, **sections)
    cbor = form is Form.CBOR
    schedule = rounds = batches = None
    # numpy and the signature library are imported only when a document needs them.
    if "schedule" in carried:
        from ailee.scheduling import attachment_from_object

        schedule = attachment_from_object(obj["schedule"], "snapshot.schedule", cbor=cbor)
    if "fl_rounds" in carried:
        from ailee.fl import rounds_from_object

        rounds = rounds_from_object(obj["fl_rounds"], "snapshot.fl_rounds", cbor=cbor)
    if "telemetry_batches" in carried:
        from ailee.telemetry import batches_from_object

        batches = batches_from_object(
            obj["telemetry_batches"], "snapshot.telemetry_batches", cbor=cbor
        )
    return Snapshot(state, root, schedule, rounds, batches)


def snapshot_to_object(snapshot: Snapshot, form: Form) -> dict[str, Any]:
    """The document object of a snapshot in ``form`` (records in key order)."""
    state = snapshot.state
    doc: dict[str, Any] = {
        "format": SNAPSHOT_FORMAT,
        "header": write_fields(state.header, form),
        "sections": {
            name: [write_fields(record, form) for record in state.records(name)]
            for name in SECTION_NAMES
        },
        "state_root": _ROOT.write(snapshot.state_root, form),
    }
    cbor = form is Form.CBOR
    if snapshot.schedule is not None:
        from ailee.scheduling import attachment_to_object

        doc["schedule"] = attachment_to_object(snapshot.schedule, cbor=cbor)
    if snapshot.fl_rounds is not None:
        from ailee.fl import rounds_to_object

        doc["fl_rounds"] = rounds_to_object(snapshot.fl_rounds, cbor=cbor)
    if snapshot.telemetry_batches is not None:
        from ailee.telemetry import batches_to_object

        doc["telemetry_batches"] = batches_to_object(snapshot.telemetry_batches, cbor=cbor)
    return doc


def snapshot_from_json(data: bytes) -> Snapshot:
    """Read a snapshot from strict JSON bytes. Raises :class:`~ailee.errors.DecodeError`."""
    return _from_object(jsoncodec.loads(data), Form.JSON)


def snapshot_from_cbor(data: bytes) -> Snapshot:
    """Read a snapshot from canonical CBOR bytes. Raises :class:`~ailee.errors.DecodeError`."""
    return _from_object(encoding.decode(data), Form.CBOR)


def read_snapshot(data: bytes) -> Snapshot:
    """Read a snapshot in either form.

    CBOR if the first byte is a CBOR map head (0xa0 to 0xbf), JSON otherwise. No UTF-8
    text can start with those bytes (they are continuation bytes), so the rule never
    mistakes one form for the other.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, "snapshot data must be bytes")
    if data[:1] and 0xA0 <= data[0] <= 0xBF:
        return snapshot_from_cbor(bytes(data))
    return snapshot_from_json(data)


def snapshot_to_json(snapshot: Snapshot) -> str:
    """The canonical JSON text of a snapshot (records in key order, final newline)."""
    return jsoncodec.dumps(snapshot_to_object(snapshot, Form.JSON))


def snapshot_to_cbor(snapshot: Snapshot) -> bytes:
    """The canonical CBOR encoding of a snapshot."""
    return encoding.encode(snapshot_to_object(snapshot, Form.CBOR))
