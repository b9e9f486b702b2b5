"""Ambient telemetry: signed, hash-chained samples and their batch commitments.

A node reports samples in integer fixed point (never floats): energy in milliwatt-hours,
temperature in millidegrees Celsius, carbon intensity in mg CO2 per kWh, utilisation
and other fractions in ppm, latency in microseconds, bandwidth in kbit/s, and a
timestamp in milliseconds that the caller supplies (the core reads no clock). Each
sample names the hash of the node's previous sample (all zero for the first), so a
node's samples form a hash chain, and each is signed by the node's BIP340 key over its
hash. A batch of samples is committed by the Merkle root of their hashes, which the
state's ``telemetry`` section records (its ``digest``).

Verification of a batch catches a missing, reordered, altered or unsigned sample, each
with its own reason code. Node utility and reward are integer formulas (ppm).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from ailee import encoding
from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.fields import check_id
from ailee.hashing import Tag, tagged_hash
from ailee.merkle import merkle_root

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "MAX_BATCH_SAMPLES",
    "METRICS",
    "BatchesAttachment",
    "CarriedBatch",
    "Sample",
    "batch_digest",
    "batch_root",
    "batches_from_object",
    "batches_to_object",
    "check_batch",
    "reward",
    "sample_from_json",
    "sample_from_object",
    "sample_hash",
    "sample_to_json",
    "sample_to_object",
    "sign_sample",
    "utility",
    "verify_chain",
]

PPM: Final = 1_000_000
#: The integer metrics of a sample and their units.
METRICS: Final = (
    ("energy_mwh", "milliwatt-hours since the previous sample"),
    ("temperature_mc", "millidegrees Celsius"),
    ("carbon_mg_per_kwh", "mg CO2 per kWh of the node's supply"),
    ("utilisation_ppm", "ppm of capacity in use"),
    ("latency_us", "microseconds"),
    ("bandwidth_kbps", "kbit/s"),
)
_ZERO: Final = bytes(32)
_MAX: Final = (1 << 53) - 1


@dataclass(frozen=True, slots=True)
class Sample:
    """One signed telemetry sample of a node (``signature`` empty until signed)."""

    node: str
    sequence: int
    timestamp_ms: int
    energy_mwh: int
    temperature_mc: int
    carbon_mg_per_kwh: int
    utilisation_ppm: int
    latency_us: int
    bandwidth_kbps: int
    prev_hash: bytes = _ZERO
    signature: bytes = b""

    def __post_init__(self) -> None:
        check_id(self.node, "sample.node")
        for name in ("sequence", "timestamp_ms", "energy_mwh", "carbon_mg_per_kwh",
                     "latency_us", "bandwidth_kbps"):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX:
                raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"sample.{name}: {value!r}")
        temperature = self.temperature_mc
        if isinstance(temperature, bool) or isinstance(self.utilisation_ppm, bool):
            raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, "sample: a boolean is not a number")
        if not isinstance(temperature, int) or not -_MAX <= temperature <= _MAX:
            raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, "sample.temperature_mc")
        if not isinstance(self.utilisation_ppm, int) or not 0 <= self.utilisation_ppm <= PPM:
            raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, "sample.utilisation_ppm")
        if len(self.prev_hash) != 32 or len(self.signature) not in (0, 64):
            raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, "sample: prev_hash or signature")

    def body(self) -> bytes:
        """Canonical CBOR of every field but the signature."""
        return encoding.encode(
            {
                "node": self.node,
                "sequence": self.sequence,
                "timestamp_ms": self.timestamp_ms,
                "energy_mwh": self.energy_mwh,
                "temperature_mc": self.temperature_mc,
                "carbon_mg_per_kwh": self.carbon_mg_per_kwh,
                "utilisation_ppm": self.utilisation_ppm,
                "latency_us": self.latency_us,
                "bandwidth_kbps": self.bandwidth_kbps,
                "prev_hash": self.prev_hash,
            }
        )


def sample_hash(sample: Sample) -> bytes:
    """``tagged_hash("ailee/v2/telemetry/sample", body)``: what the next sample names and
    what the signature signs."""
    return tagged_hash(Tag.TELEMETRY_SAMPLE, sample.body())


def sign_sample(sample: Sample, secret_key: bytes, aux: bytes) -> Sample:
    """The sample signed (BIP340) with the node's key; ``aux`` is the caller's 32 bytes
    of auxiliary randomness (BIP340), so signing is deterministic given it."""
    from coincurve import PrivateKey

    signature = PrivateKey(secret_key).sign_schnorr(sample_hash(sample), aux)
    return replace(sample, signature=signature)


def verify_chain(samples: Sequence[Sample], public_key: bytes, previous: bytes = _ZERO) -> bytes:
    """Check one node's consecutive samples; return the hash of the last.

    ``previous`` is the hash of the sample before the first (zero for a chain's start).
    Errors: TELEMETRY_UNSIGNED (no signature), TELEMETRY_BAD_SIGNATURE,
    TELEMETRY_CHAIN_BROKEN (a sample does not name its predecessor: one is missing,
    reordered or altered), TELEMETRY_SEQUENCE_GAP (sequence numbers not consecutive),
    TELEMETRY_NODE_MISMATCH (another node's sample in the chain).
    """
    from coincurve import PublicKeyXOnly

    try:
        key = PublicKeyXOnly(public_key)
    except ValueError:
        raise VerificationError(
            ReasonCode.TAPROOT_INVALID_KEY, "node key is not a curve point"
        ) from None
    last = previous
    for k, sample in enumerate(samples):
        if sample.node != samples[0].node:
            raise VerificationError(
                ReasonCode.TELEMETRY_NODE_MISMATCH, f"sample {k} is node {sample.node}'s"
            )
        if k and sample.sequence != samples[k - 1].sequence + 1:
            raise VerificationError(
                ReasonCode.TELEMETRY_SEQUENCE_GAP,
                f"sample {k}: sequence {sample.sequence} after {samples[k - 1].sequence}",
            )
        if sample.prev_hash != last:
            raise VerificationError(
                ReasonCode.TELEMETRY_CHAIN_BROKEN,
                f"sample {sample.sequence} does not name the previous sample's hash",
            )
        digest = sample_hash(sample)
        if not sample.signature:
            raise VerificationError(
                ReasonCode.TELEMETRY_UNSIGNED, f"sample {sample.sequence} is not signed"
            )
        if not key.verify(sample.signature, digest):
            raise VerificationError(
                ReasonCode.TELEMETRY_BAD_SIGNATURE,
                f"sample {sample.sequence}: the signature does not verify",
            )
        last = digest
    return last


def batch_root(samples: Sequence[Sample]) -> bytes:
    """The Merkle root (ailee's plain tree, spec section 7) of the samples' hashes."""
    return merkle_root([sample_hash(s) for s in samples])


def batch_digest(public_key: bytes, previous: bytes, samples: Sequence[Sample]) -> bytes:
    """What a ``telemetry`` record's ``digest`` holds for a batch: the tagged hash of
    the node's x-only key, the hash the batch's first sample names (its link to the
    node's earlier samples), the batch's Merkle root and its sample count. So the state
    commits to who signed the batch, not only to what it says."""
    if len(public_key) != 32 or len(previous) != 32:
        raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, "batch: key and previous are 32 bytes")
    body: dict[str, Any] = {"key": public_key, "previous": previous, "root": batch_root(samples),
            "count": len(samples)}  # fmt: skip
    return tagged_hash(Tag.TELEMETRY_BATCH, encoding.encode(body))


def utility(sample: Sample, *, max_latency_us: int = 1_000_000) -> int:
    """A node's utility in ppm: half availability (spare capacity), half responsiveness
    (latency under ``max_latency_us``): ``(PPM - u) // 2 + (PPM * (L - min(l, L)) // L) // 2``."""
    if max_latency_us < 1:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, "max_latency_us must be positive")
    spare = (PPM - sample.utilisation_ppm) // 2
    responsive = PPM * (max_latency_us - min(sample.latency_us, max_latency_us)) // max_latency_us
    return spare + responsive // 2


def reward(pool: int, utilities: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Split ``pool`` satoshis in proportion to utilities, floored; the remainder goes
    one satoshi at a time to the largest remainders (ties: node id), so the parts add up
    to ``pool`` exactly."""
    if pool < 0 or any(u < 0 for _, u in utilities):
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, "pool and utilities must be >= 0")
    total = sum(u for _, u in utilities)
    if total == 0:
        return {node: 0 for node, _ in utilities}
    shares = {node: pool * u // total for node, u in utilities}
    left = pool - sum(shares.values())
    remainders = sorted(
        ((-(pool * u % total), node.encode("utf-8"), node) for node, u in utilities)
    )
    for _, _, node in remainders[:left]:
        shares[node] += 1
    return shares


_FIELDS: Final = ("node", "sequence", "timestamp_ms", "energy_mwh", "temperature_mc",
                  "carbon_mg_per_kwh", "utilisation_ppm", "latency_us", "bandwidth_kbps",
                  "prev_hash", "signature")  # fmt: skip


def sample_to_json(sample: Sample) -> dict[str, Any]:
    """A sample as JSON (byte fields in hex)."""
    doc: dict[str, Any] = {name: getattr(sample, name) for name in _FIELDS}
    doc["prev_hash"] = sample.prev_hash.hex()
    doc["signature"] = sample.signature.hex()
    return doc


def sample_from_json(value: Any, path: str = "sample") -> Sample:
    """Read :func:`sample_to_json`'s object strictly."""
    from ailee.fields import expect_object, hex_to_bytes

    obj = expect_object(value, path, _FIELDS)
    fields = dict(obj)
    for name in ("prev_hash", "signature"):
        if not isinstance(fields[name], str):
            raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.{name}: expected hex")
        fields[name] = hex_to_bytes(fields[name], f"{path}.{name}")
    if not isinstance(fields["node"], str):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.node: expected a string")
    return Sample(**fields)


def sample_to_object(sample: Sample, *, cbor: bool) -> dict[str, Any]:
    """A sample in a document: :func:`sample_to_json`, byte fields as byte strings in
    the CBOR form."""
    doc = sample_to_json(sample)
    if cbor:
        doc["prev_hash"], doc["signature"] = sample.prev_hash, sample.signature
    return doc


def sample_from_object(value: Any, path: str, *, cbor: bool) -> Sample:
    """Read :func:`sample_to_object`'s object strictly."""
    if cbor and isinstance(value, dict):
        converted = dict(value)
        for name in ("prev_hash", "signature"):
            if name in converted:
                if not isinstance(converted[name], bytes):
                    raise DecodeError(
                        ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.{name}: expected bytes"
                    )
                converted[name] = converted[name].hex()
        value = converted
    return sample_from_json(value, path)


# --- telemetry batches carried by snapshot documents -------------------------------


@dataclass(frozen=True)
class CarriedBatch:
    """The samples of telemetry record ``record``, with the node's x-only key and the
    hash the first sample names (32 zero bytes at the start of the node's chain)."""

    record: str
    public_key: bytes
    previous: bytes
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class BatchesAttachment:
    """The ``telemetry_batches`` part of a snapshot document (outside the state root:
    each batch is bound by its record's ``digest``)."""

    batches: tuple[CarriedBatch, ...]


#: Most samples one carried batch may hold.
MAX_BATCH_SAMPLES: Final = 100_000


def batches_from_object(value: Any, path: str, *, cbor: bool) -> BatchesAttachment:
    """Read the ``telemetry_batches`` object: ``{"batches": [{"record", "key",
    "previous", "samples"}]}``, batches in strictly ascending record id order, each
    with 1 to :data:`MAX_BATCH_SAMPLES` samples."""
    from ailee.fields import BytesField, Form, expect_object

    form = Form.CBOR if cbor else Form.JSON
    digest = BytesField(32, 32)
    obj = expect_object(value, path, ("batches",))
    items = obj["batches"]
    if not isinstance(items, list):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.batches: expected an array")
    batches: list[CarriedBatch] = []
    for k, item in enumerate(items):
        where = f"{path}.batches[{k}]"
        entry = expect_object(item, where, ("record", "key", "previous", "samples"))
        if not isinstance(entry["record"], str):
            raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{where}.record: expected a string")
        record = check_id(entry["record"], f"{where}.record")
        samples = entry["samples"]
        if not isinstance(samples, list):
            raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{where}.samples: expected an array")
        if not 1 <= len(samples) <= MAX_BATCH_SAMPLES:
            raise DecodeError(
                ReasonCode.INT_OUT_OF_RANGE,
                f"{where}.samples: {len(samples)} samples, expected 1 to {MAX_BATCH_SAMPLES}",
            )
        if batches and record.encode("utf-8") <= batches[-1].record.encode("utf-8"):
            raise DecodeError(
                ReasonCode.LIST_NOT_SORTED_UNIQUE,
                f"{where}.record: batches not in ascending record order, or a record twice",
            )
        batches.append(
            CarriedBatch(
                record,
                digest.read(entry["key"], form, f"{where}.key"),
                digest.read(entry["previous"], form, f"{where}.previous"),
                tuple(
                    sample_from_object(s, f"{where}.samples[{j}]", cbor=cbor)
                    for j, s in enumerate(samples)
                ),
            )
        )
    return BatchesAttachment(tuple(batches))


def batches_to_object(attachment: BatchesAttachment, *, cbor: bool) -> dict[str, Any]:
    """The ``telemetry_batches`` object of a snapshot document."""

    def raw(value: bytes) -> bytes | str:
        return value if cbor else value.hex()

    return {
        "batches": [
            {
                "record": b.record,
                "key": raw(b.public_key),
                "previous": raw(b.previous),
                "samples": [sample_to_object(s, cbor=cbor) for s in b.samples],
            }
            for b in attachment.batches
        ]
    }


def check_batch(carried: CarriedBatch, record: Any) -> str:
    """Check a carried batch against its telemetry record (a
    :class:`ailee.state.TelemetryRecord` or None); return what was checked.

    TELEMETRY_NO_RECORD (no such record), TELEMETRY_NODE_MISMATCH (a sample of another
    node than the record's), TELEMETRY_OUT_OF_WINDOW (a timestamp outside the record's
    window), then :func:`verify_chain`'s errors, then TELEMETRY_DIGEST_MISMATCH (the
    key, link and samples do not give the record's digest)."""
    if record is None:
        raise VerificationError(
            ReasonCode.TELEMETRY_NO_RECORD, f"no telemetry record {carried.record!r}"
        )
    for sample in carried.samples:
        if sample.node != record.node_id:
            raise VerificationError(
                ReasonCode.TELEMETRY_NODE_MISMATCH,
                f"sample {sample.sequence} is node {sample.node}'s, the record {record.node_id}'s",
            )
        if not record.window_start_ms <= sample.timestamp_ms <= record.window_end_ms:
            raise VerificationError(
                ReasonCode.TELEMETRY_OUT_OF_WINDOW,
                f"sample {sample.sequence} at {sample.timestamp_ms} ms is outside "
                f"[{record.window_start_ms}, {record.window_end_ms}]",
            )
    verify_chain(carried.samples, carried.public_key, carried.previous)
    if batch_digest(carried.public_key, carried.previous, carried.samples) != record.digest:
        raise VerificationError(
            ReasonCode.TELEMETRY_DIGEST_MISMATCH,
            f"record {record.id}: the key, link and samples do not give its digest",
        )
    first, last = carried.samples[0], carried.samples[-1]
    return f"{len(carried.samples)} samples ({first.sequence}..{last.sequence}) signed and chained"
