"""NetFlow relay accounting: bandwidth receipts, relay selection and epoch rewards.

The relay mesh is a set of relays (an id, a region, a capacity in bytes per second,
the tunnel kinds it runs and a BIP340 x-only key) and tunnels between two relays.
Bandwidth is accounted for by receipts: for an interval ``[start_ms, end_ms)`` a
tunnel carried ``bytes`` bytes, and *both* endpoints sign that statement. An epoch's
receipts are verified (:func:`verify_receipts`), each relay is credited with the bytes
of the verified receipts of its tunnels, a reward pool is split in proportion with
exact integer arithmetic (largest remainder, ties by relay id), and the whole is
committed by one digest that a ``telemetry`` record of the state holds
(:func:`settle`, :func:`epoch_record`, :func:`check_epoch`).

Everything is an integer: capacity in bytes per second, times in milliseconds,
amounts in satoshis, factors in parts per million. Nothing reads a clock; the caller
gives every time. ``docs/netflow.md`` is the normative description.

What a receipt proves: that both endpoint keys signed the count. Two colluding
endpoints can sign any count up to the capacity bound; receipts make inflation
detectable per tunnel and bounded, not impossible.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from ailee import encoding
from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.fields import check_id, expect_object, read_hex, read_list, wrong_type
from ailee.hashing import Tag, tagged_hash
from ailee.merkle import merkle_root
from ailee.state import TelemetryRecord
from ailee.telemetry import reward

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "FACTORS",
    "MAX_RECEIPTS",
    "MAX_REGIONS",
    "MAX_RELAYS",
    "MAX_STATUSES",
    "MAX_TUNNELS",
    "PPM",
    "Epoch",
    "Mesh",
    "Ranking",
    "Receipt",
    "Relay",
    "RelayExclusion",
    "RelayScore",
    "RelayStatus",
    "RewardLine",
    "RouteRequest",
    "SelectionPolicy",
    "Settlement",
    "Tunnel",
    "TunnelKind",
    "check_epoch",
    "epoch_digest",
    "epoch_from_json",
    "epoch_record",
    "mesh_from_json",
    "mesh_hash",
    "rank_relays",
    "ranking_to_json",
    "receipt_digest",
    "receipt_from_json",
    "receipt_to_json",
    "receipts_from_json",
    "relay_from_json",
    "relay_to_json",
    "relays_from_json",
    "request_from_json",
    "reward_leaf",
    "selection_policy_from_json",
    "settle",
    "settlement_to_json",
    "sign_receipt",
    "status_from_json",
    "statuses_from_json",
    "tunnel_from_json",
    "tunnel_to_json",
    "tunnels_from_json",
    "verify_receipts",
]

#: One million: factors and loads are integers in parts per million.
PPM: Final = 1_000_000
#: The selection factors, in the order of breakdowns. ``load`` is a penalty.
FACTORS: Final = ("capacity", "latency", "region", "load")
#: Most relays a mesh or a selection may hold (``INPUT_TOO_LARGE``).
MAX_RELAYS: Final = 10_000
#: Most tunnels a mesh may hold (``INPUT_TOO_LARGE``).
MAX_TUNNELS: Final = 100_000
#: Most receipts one epoch may hold (``INPUT_TOO_LARGE``).
MAX_RECEIPTS: Final = 1_000_000
#: Most statuses a selection may be given (``INPUT_TOO_LARGE``).
MAX_STATUSES: Final = 10_000
#: Most regions in each list of a route request (a field's list: ``INT_OUT_OF_RANGE``).
MAX_REGIONS: Final = 1_000
#: Largest integer in any NetFlow input, and the most bytes one relay may be credited
#: with in one epoch (2**53 - 1, as everywhere in ailee).
_MAX_INT: Final = (1 << 53) - 1


def _int(value: object, what: str, low: int = 0, high: int = _MAX_INT) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{what}: expected an integer")
    if not low <= value <= high:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"{what}: {value} not in [{low}, {high}]")
    return value


def _id_key(text: str) -> bytes:
    return text.encode("utf-8")


def _too_many(count: int, limit: int, what: str) -> None:
    if count > limit:
        raise DecodeError(ReasonCode.INPUT_TOO_LARGE, f"{what}: {count}, at most {limit}")


def _sorted_ids(values: Sequence[object], what: str, limit: int) -> tuple[str, ...]:
    """A field's sorted list of identifiers: ``limit`` at most (``INT_OUT_OF_RANGE``,
    before any element is read), each an identifier, strictly ascending in id order."""
    if len(values) > limit:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"{what}: more than {limit} entries")
    ids: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{what}: expected strings")
        ids.append(check_id(value, what))
    if any(_id_key(x) >= _id_key(y) for x, y in itertools.pairwise(ids)):
        raise DecodeError(ReasonCode.LIST_NOT_SORTED_UNIQUE, f"{what}: not sorted and unique")
    return tuple(ids)


class TunnelKind(StrEnum):
    """The tunnel kinds of the original NetFlow (``TunnelMode``): WireGuard, onion
    routing, and a hybrid of both."""

    HYBRID = "hybrid"
    ONION = "onion"
    WIREGUARD = "wireguard"


def _kind(value: object, what: str) -> TunnelKind:
    if not isinstance(value, str):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{what}: expected a string")
    if value not in TunnelKind.__members__.values():
        raise DecodeError(ReasonCode.ENUM_UNKNOWN_VALUE, f"{what}: unknown tunnel kind {value!r}")
    return TunnelKind(value)


def _kinds(values: Sequence[object], what: str) -> tuple[TunnelKind, ...]:
    """A relay's kinds: 1 to 3 (``INT_OUT_OF_RANGE``, before any is read; none could
    carry no tunnel), each known, strictly ascending (``LIST_NOT_SORTED_UNIQUE``)."""
    if not 1 <= len(values) <= len(TunnelKind):
        raise DecodeError(
            ReasonCode.INT_OUT_OF_RANGE, f"{what}: 1 to {len(TunnelKind)} kinds, got {len(values)}"
        )
    kinds = tuple(_kind(value, what) for value in values)
    if any(x >= y for x, y in itertools.pairwise(kinds)):
        raise DecodeError(ReasonCode.LIST_NOT_SORTED_UNIQUE, f"{what}: not sorted and unique")
    return kinds


def _pool(value: object, what: str) -> int:
    from ailee.limits import MAX_AMOUNT

    if not isinstance(value, int) or isinstance(value, bool):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, f"{what}: expected an integer")
    if not 0 <= value <= MAX_AMOUNT:
        raise DecodeError(ReasonCode.AMOUNT_OUT_OF_RANGE, f"{what}: {value}")
    return value


def _check_keys(relays: Iterable[Relay]) -> None:
    """Every relay's key is a point of secp256k1 (``TAPROOT_INVALID_KEY``), in the
    order given."""
    from coincurve import PublicKeyXOnly

    for relay in relays:
        try:
            PublicKeyXOnly(relay.key)
        except ValueError:
            raise VerificationError(
                ReasonCode.TAPROOT_INVALID_KEY, f"relay {relay.id}: key is not a curve point"
            ) from None


# --- records -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Relay:
    """A relay: ``capacity_bps`` is its total throughput in bytes per second (both
    directions together), ``kinds`` the tunnel kinds it runs (1 to 3, sorted, unique),
    ``key`` its 32-byte BIP340 x-only public key (checked as a curve point by
    :class:`Mesh` and :func:`rank_relays`). Fields are checked in this order."""

    id: str
    region: str
    capacity_bps: int
    kinds: tuple[TunnelKind, ...]
    key: bytes

    def __post_init__(self) -> None:
        check_id(self.id, "relay.id")
        check_id(self.region, "relay.region")
        _int(self.capacity_bps, "relay.capacity_bps", 1)
        _kinds(self.kinds, "relay.kinds")
        if not isinstance(self.key, bytes) or len(self.key) != 32:
            raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, "relay.key: expected 32 bytes")

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value committed to."""
        return {
            "id": self.id,
            "region": self.region,
            "capacity_bps": self.capacity_bps,
            "kinds": [k.value for k in self.kinds],
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class Tunnel:
    """A tunnel of one ``kind`` between relays ``a`` and ``b`` (``a`` sorts strictly
    before ``b``: one canonical form per pair; checked once ``b`` is, before ``kind``)."""

    id: str
    a: str
    b: str
    kind: TunnelKind

    def __post_init__(self) -> None:
        check_id(self.id, "tunnel.id")
        _sorted_ids((self.a, self.b), "tunnel.a/b", 2)
        _kind(self.kind, "tunnel.kind")

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value committed to."""
        return {"id": self.id, "a": self.a, "b": self.b, "kind": self.kind.value}


@dataclass(frozen=True, slots=True)
class Receipt:
    """Tunnel ``tunnel`` carried ``bytes`` bytes (both directions) during
    ``[start_ms, end_ms)``; ``sig_a`` and ``sig_b`` are the endpoints' BIP340 signatures
    of :func:`receipt_digest` (64 bytes each, or empty while unsigned).

    The interval's order is checked by :func:`verify_receipts`
    (``NETFLOW_INTERVAL_INVALID``), not here, so that a bad receipt can be read and
    reported."""

    tunnel: str
    start_ms: int
    end_ms: int
    byte_count: int
    sig_a: bytes = b""
    sig_b: bytes = b""

    def __post_init__(self) -> None:
        check_id(self.tunnel, "receipt.tunnel")
        for name in ("start_ms", "end_ms", "byte_count"):
            _int(getattr(self, name), f"receipt.{name}")
        for name in ("sig_a", "sig_b"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) not in (0, 64):
                raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, f"receipt.{name}: 0 or 64 bytes")

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value of the whole receipt, signatures included."""
        return {
            "tunnel": self.tunnel,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "bytes": self.byte_count,
            "sig_a": self.sig_a,
            "sig_b": self.sig_b,
        }


@dataclass(frozen=True)
class Mesh:
    """Relays and tunnels, each sorted by id (use :meth:`of` to sort).

    Checked in this order: at most :data:`MAX_RELAYS` relays and :data:`MAX_TUNNELS`
    tunnels (``INPUT_TOO_LARGE``); a relay id twice, then a tunnel id twice, then two
    tunnels between the same two relays (``SECTION_DUPLICATE_KEY``: one tunnel per
    pair, so a pair's receipts are bounded by one capacity); every key a curve point,
    in id order (``TAPROOT_INVALID_KEY``); for each tunnel in id order, endpoint ``a``
    then ``b``: a relay of the mesh (``NETFLOW_UNKNOWN_RELAY``) that runs the tunnel's
    kind (``NETFLOW_KIND_UNSUPPORTED``)."""

    relays: tuple[Relay, ...]
    tunnels: tuple[Tunnel, ...]

    @classmethod
    def of(cls, relays: Iterable[Relay], tunnels: Iterable[Tunnel]) -> Mesh:
        """The mesh of these relays and tunnels, in any order."""
        return cls(
            tuple(sorted(relays, key=lambda r: _id_key(r.id))),
            tuple(sorted(tunnels, key=lambda t: _id_key(t.id))),
        )

    def __post_init__(self) -> None:
        _too_many(len(self.relays), MAX_RELAYS, "relays")
        _too_many(len(self.tunnels), MAX_TUNNELS, "tunnels")
        _check_order([r.id for r in self.relays], "relay")
        _check_order([t.id for t in self.tunnels], "tunnel")
        pairs = sorted((_id_key(t.a), _id_key(t.b)) for t in self.tunnels)
        for x, y in itertools.pairwise(pairs):
            if x == y:
                raise DecodeError(
                    ReasonCode.SECTION_DUPLICATE_KEY,
                    f"two tunnels between {x[0].decode()!r} and {x[1].decode()!r}",
                )
        _check_keys(self.relays)
        relays = {r.id: r for r in self.relays}
        for tunnel in self.tunnels:
            for end in (tunnel.a, tunnel.b):
                if end not in relays:
                    raise VerificationError(
                        ReasonCode.NETFLOW_UNKNOWN_RELAY, f"tunnel {tunnel.id}: no relay {end!r}"
                    )
                if tunnel.kind not in relays[end].kinds:
                    raise VerificationError(
                        ReasonCode.NETFLOW_KIND_UNSUPPORTED,
                        f"tunnel {tunnel.id}: relay {end} does not run {tunnel.kind.value}",
                    )

    @functools.cached_property
    def _relay_index(self) -> dict[str, Relay]:
        return {r.id: r for r in self.relays}

    @functools.cached_property
    def _tunnel_index(self) -> dict[str, Tunnel]:
        return {t.id: t for t in self.tunnels}

    def relay(self, relay_id: str) -> Relay | None:
        """The relay with this id, or None."""
        return self._relay_index.get(relay_id)

    def tunnel(self, tunnel_id: str) -> Tunnel | None:
        """The tunnel with this id, or None."""
        return self._tunnel_index.get(tunnel_id)


def _check_order(ids: list[str], what: str) -> None:
    for x, y in itertools.pairwise(ids):
        if x == y:
            raise DecodeError(ReasonCode.SECTION_DUPLICATE_KEY, f"{what} {x!r} twice")
        if _id_key(x) > _id_key(y):
            raise DecodeError(ReasonCode.SECTION_UNSORTED, f"{what}s not in id order")


def mesh_hash(mesh: Mesh) -> bytes:
    """``tagged_hash("ailee/v2/netflow/mesh", CBOR({"relays": [...], "tunnels": [...]}))``
    with relays and tunnels in id order."""
    body: dict[str, Any] = {
        "relays": [r.to_cbor_value() for r in mesh.relays],
        "tunnels": [t.to_cbor_value() for t in mesh.tunnels],
    }
    return tagged_hash(Tag.NETFLOW_MESH, encoding.encode(body))


def receipt_digest(receipt: Receipt, tunnel: Tunnel) -> bytes:
    """What both endpoints sign: ``tagged_hash("ailee/v2/netflow/receipt", CBOR(m))``
    with ``m = {"tunnel", "a", "b", "kind", "start_ms", "end_ms", "bytes"}`` (the
    tunnel's endpoints and kind bound in, signatures left out)."""
    if receipt.tunnel != tunnel.id:
        raise ValueError("the receipt is not of this tunnel")
    body: dict[str, Any] = {
        "tunnel": tunnel.id,
        "a": tunnel.a,
        "b": tunnel.b,
        "kind": tunnel.kind.value,
        "start_ms": receipt.start_ms,
        "end_ms": receipt.end_ms,
        "bytes": receipt.byte_count,
    }
    return tagged_hash(Tag.NETFLOW_RECEIPT, encoding.encode(body))


def sign_receipt(receipt: Receipt, mesh: Mesh, secret_key: bytes, aux: bytes) -> Receipt:
    """The receipt with the signature of the endpoint whose key ``secret_key`` is
    (``aux``: 32 bytes of BIP340 auxiliary randomness, so signing is deterministic).
    Raises ``ValueError`` if the key is neither endpoint's."""
    from ailee.bridge import sign

    tunnel = mesh.tunnel(receipt.tunnel)
    if tunnel is None:
        raise ValueError(f"no tunnel {receipt.tunnel!r}")
    signed = sign(receipt_digest(receipt, tunnel), secret_key, aux)
    key, signature = signed[:32], signed[32:]
    a, b = mesh.relay(tunnel.a), mesh.relay(tunnel.b)
    if a is not None and key == a.key:
        return replace(receipt, sig_a=signature)
    if b is not None and key == b.key:
        return replace(receipt, sig_b=signature)
    raise ValueError("the secret key is neither endpoint's")


# --- receipt verification ----------------------------------------------------------


def _order_key(receipt: Receipt) -> tuple[bytes, int, int, int, bytes, bytes]:
    return (_id_key(receipt.tunnel), receipt.start_ms, receipt.end_ms, receipt.byte_count,
            receipt.sig_a, receipt.sig_b)  # fmt: skip


def verify_receipts(
    mesh: Mesh, receipts: Iterable[Receipt], window: tuple[int, int] | None = None
) -> tuple[tuple[Receipt, bytes], ...]:
    """Verify receipts; return each with its digest, in canonical order (tunnel id,
    then start, end, bytes, signatures), which does not depend on the input order.

    More than :data:`MAX_RECEIPTS` is ``INPUT_TOO_LARGE``, before anything else.
    Receipts are then checked one by one in canonical order, each check in this order:
    ``NETFLOW_INTERVAL_INVALID`` (``end_ms <= start_ms``), ``NETFLOW_OUT_OF_EPOCH``
    (given a closed ``window`` ``(first_ms, last_ms)``, the receipt starts before
    ``first_ms`` or its last millisecond ``end_ms - 1`` is after ``last_ms``),
    ``NETFLOW_UNKNOWN_TUNNEL``, ``NETFLOW_UNSIGNED`` and ``NETFLOW_BAD_SIGNATURE``
    (endpoint ``a`` first, then ``b``), ``NETFLOW_OVER_CAPACITY`` (``bytes * 1000 >
    min(capacity_a, capacity_b) * (end_ms - start_ms)``), then against the previous
    receipt of the same tunnel: ``NETFLOW_DUPLICATE_RECEIPT`` (the same digest) and
    ``NETFLOW_INTERVAL_OVERLAP`` (``start_ms`` below its ``end_ms``). The first failure
    is raised: one refused receipt refuses them all (nothing is returned for the
    others); an accountant drops refused receipts before settling."""
    from coincurve import PublicKeyXOnly

    given = list(receipts)
    _too_many(len(given), MAX_RECEIPTS, "receipts")
    ordered = sorted(given, key=_order_key)
    keys = {r.id: PublicKeyXOnly(r.key) for r in mesh.relays}
    capacity = {r.id: r.capacity_bps for r in mesh.relays}
    verified: list[tuple[Receipt, bytes]] = []
    previous: tuple[Receipt, bytes] | None = None
    for receipt in ordered:
        where = f"receipt of {receipt.tunnel} at [{receipt.start_ms}, {receipt.end_ms})"
        if receipt.end_ms <= receipt.start_ms:
            raise VerificationError(
                ReasonCode.NETFLOW_INTERVAL_INVALID, f"{where}: empty or reversed"
            )
        if window is not None and (receipt.start_ms < window[0] or receipt.end_ms - 1 > window[1]):
            raise VerificationError(
                ReasonCode.NETFLOW_OUT_OF_EPOCH, f"{where}: not inside [{window[0]}, {window[1]}]"
            )
        tunnel = mesh.tunnel(receipt.tunnel)
        if tunnel is None:
            raise VerificationError(ReasonCode.NETFLOW_UNKNOWN_TUNNEL, f"{where}: no such tunnel")
        digest = receipt_digest(receipt, tunnel)
        for end, signature in ((tunnel.a, receipt.sig_a), (tunnel.b, receipt.sig_b)):
            if not signature:
                raise VerificationError(ReasonCode.NETFLOW_UNSIGNED, f"{where}: {end} did not sign")
            if not keys[end].verify(signature, digest):
                raise VerificationError(
                    ReasonCode.NETFLOW_BAD_SIGNATURE, f"{where}: {end}'s signature does not verify"
                )
        bound = min(capacity[tunnel.a], capacity[tunnel.b]) * (receipt.end_ms - receipt.start_ms)
        if receipt.byte_count * 1000 > bound:
            raise VerificationError(
                ReasonCode.NETFLOW_OVER_CAPACITY,
                f"{where}: {receipt.byte_count} bytes, the smaller capacity allows {bound // 1000}",
            )
        if previous is not None and previous[0].tunnel == receipt.tunnel:
            if previous[1] == digest:
                raise VerificationError(ReasonCode.NETFLOW_DUPLICATE_RECEIPT, f"{where}: twice")
            if receipt.start_ms < previous[0].end_ms:
                raise VerificationError(
                    ReasonCode.NETFLOW_INTERVAL_OVERLAP,
                    f"{where}: overlaps [{previous[0].start_ms}, {previous[0].end_ms})",
                )
        previous = (receipt, digest)
        verified.append(previous)
    return tuple(verified)


# --- epochs, rewards and their commitment --------------------------------------------


@dataclass(frozen=True, slots=True)
class Epoch:
    """An accounting epoch: ``id`` (the ``telemetry`` record's id), the accounting
    node ``accountant`` (its ``node_id``), the closed window ``[start_ms, end_ms]``
    (the milliseconds ``start_ms <= t <= end_ms``, as for every ``telemetry`` record:
    ``end_ms >= start_ms``, else ``INT_OUT_OF_RANGE``, checked right after ``end_ms``)
    and the reward ``pool`` in satoshis. Fields are checked in this order."""

    id: str
    accountant: str
    start_ms: int
    end_ms: int
    pool: int

    def __post_init__(self) -> None:
        check_id(self.id, "epoch.id")
        check_id(self.accountant, "epoch.accountant")
        _int(self.start_ms, "epoch.start_ms")
        _int(self.end_ms, "epoch.end_ms")
        if self.end_ms < self.start_ms:
            raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, "epoch: end_ms is below start_ms")
        _pool(self.pool, "epoch.pool")


@dataclass(frozen=True, slots=True)
class RewardLine:
    """One relay's verified ``bytes`` in an epoch and its ``reward`` in satoshis."""

    relay: str
    byte_count: int
    reward: int

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value committed to."""
        return {"relay": self.relay, "bytes": self.byte_count, "reward": self.reward}


def reward_leaf(line: RewardLine) -> bytes:
    """``tagged_hash("ailee/v2/netflow/reward", CBOR({"relay", "bytes", "reward"}))``."""
    return tagged_hash(Tag.NETFLOW_REWARD, encoding.encode(line.to_cbor_value()))


@dataclass(frozen=True)
class Settlement:
    """An epoch's verified receipts (canonical order, with digests), its reward lines
    (relays with verified bytes, in id order), what was distributed and what is carried
    over (the whole pool when no byte was verified), the two Merkle roots and the
    epoch digest that the ``telemetry`` record holds."""

    epoch: Epoch
    mesh: bytes
    receipts: tuple[tuple[Receipt, bytes], ...]
    lines: tuple[RewardLine, ...]
    distributed: int
    carried: int
    receipts_root: bytes
    rewards_root: bytes
    digest: bytes


def epoch_digest(
    epoch: Epoch,
    *,
    mesh: bytes,
    receipts_root: bytes,
    receipt_count: int,
    rewards_root: bytes,
    distributed: int,
) -> bytes:
    """``tagged_hash("ailee/v2/netflow/epoch", CBOR({"id", "accountant", "start_ms",
    "end_ms", "pool", "mesh", "receipts_root", "receipts", "rewards_root",
    "distributed"}))``."""
    body: dict[str, Any] = {
        "id": epoch.id,
        "accountant": epoch.accountant,
        "start_ms": epoch.start_ms,
        "end_ms": epoch.end_ms,
        "pool": epoch.pool,
        "mesh": mesh,
        "receipts_root": receipts_root,
        "receipts": receipt_count,
        "rewards_root": rewards_root,
        "distributed": distributed,
    }
    return tagged_hash(Tag.NETFLOW_EPOCH, encoding.encode(body))


def settle(epoch: Epoch, mesh: Mesh, receipts: Iterable[Receipt]) -> Settlement:
    """Verify the epoch's receipts (:func:`verify_receipts` within the epoch's window),
    credit each endpoint of a receipt's tunnel with its bytes (every byte crossed both
    endpoints' links), split the pool in proportion to the credited bytes (floor, then
    one satoshi each to the largest remainders, ties by relay id: the shares add up to
    the pool), and commit. No verified byte: nothing is distributed and the whole pool
    is carried. A relay credited with more than 2**53 - 1 bytes is ``INT_OUT_OF_RANGE``.

    All or nothing: one refused receipt refuses the settlement, so the digest's receipt
    count is the number of receipts given. An accountant drops refused receipts (and
    keeps one of each duplicate) before settling."""
    verified = verify_receipts(mesh, receipts, (epoch.start_ms, epoch.end_ms))
    credited: dict[str, int] = {}
    tunnels = {t.id: t for t in mesh.tunnels}
    for receipt, _ in verified:
        tunnel = tunnels[receipt.tunnel]  # every verified receipt's tunnel is known
        for end in (tunnel.a, tunnel.b):
            credited[end] = credited.get(end, 0) + receipt.byte_count
    relays = sorted((r for r, n in credited.items() if n > 0), key=_id_key)
    for relay in relays:
        if credited[relay] > _MAX_INT:
            raise DecodeError(
                ReasonCode.INT_OUT_OF_RANGE, f"relay {relay}: {credited[relay]} bytes in one epoch"
            )
    shares = reward(epoch.pool, [(relay, credited[relay]) for relay in relays])
    lines = tuple(RewardLine(relay, credited[relay], shares[relay]) for relay in relays)
    distributed = sum(line.reward for line in lines)
    receipts_root = merkle_root([digest for _, digest in verified])
    rewards_root = merkle_root([reward_leaf(line) for line in lines])
    digest_of_mesh = mesh_hash(mesh)
    digest = epoch_digest(
        epoch,
        mesh=digest_of_mesh,
        receipts_root=receipts_root,
        receipt_count=len(verified),
        rewards_root=rewards_root,
        distributed=distributed,
    )
    return Settlement(epoch, digest_of_mesh, verified, lines, distributed,
                      epoch.pool - distributed, receipts_root, rewards_root, digest)  # fmt: skip


def epoch_record(settlement: Settlement) -> TelemetryRecord:
    """The ``telemetry`` record that commits the settlement: id and node_id of the
    epoch, its closed window ``[start_ms, end_ms]`` (spec 18.8's reading of every
    telemetry window; each receipt's last millisecond is at most ``end_ms``), and the
    epoch digest (not a batch digest of spec 18.8: carry no telemetry batch for it)."""
    epoch = settlement.epoch
    return TelemetryRecord(epoch.id, epoch.accountant, epoch.start_ms, epoch.end_ms,
                           settlement.digest)  # fmt: skip


def check_epoch(
    record: TelemetryRecord, pool: int, mesh: Mesh, receipts: Iterable[Receipt]
) -> Settlement:
    """Recompute an epoch recorded in the state's ``telemetry`` section from the
    receipts, mesh and pool carried with it. Checked in this order: the pool
    (``SCHEMA_WRONG_TYPE``, ``AMOUNT_OUT_OF_RANGE``), the epoch built from the record
    (a window with ``window_end_ms < window_start_ms`` is ``INT_OUT_OF_RANGE``),
    :func:`settle`'s errors, then ``NETFLOW_COMMITMENT_MISMATCH`` when the recomputed
    digest is not the record's."""
    _pool(pool, "pool")
    epoch = Epoch(record.id, record.node_id, record.window_start_ms, record.window_end_ms, pool)
    settlement = settle(epoch, mesh, receipts)
    if settlement.digest != record.digest:
        raise VerificationError(
            ReasonCode.NETFLOW_COMMITMENT_MISMATCH,
            f"record {record.id}: the receipts, mesh and pool do not give its digest",
        )
    return settlement


# --- relay selection -------------------------------------------------------------------


class RelayExclusion(StrEnum):
    """Why a relay cannot carry a route: the first filter it fails, in this order."""

    OFFLINE = "offline"
    KIND_UNSUPPORTED = "kind_unsupported"
    REGION_NOT_ALLOWED = "region_not_allowed"
    INSUFFICIENT_CAPACITY = "insufficient_capacity"


@dataclass(frozen=True, slots=True)
class RelayStatus:
    """What is known of a relay now: ``online``, ``load_ppm`` (share of its capacity in
    use) and ``latency_ms`` (None: unknown). A relay with no status is online, with no
    load and unknown latency."""

    relay: str
    online: bool = True
    load_ppm: int = 0
    latency_ms: int | None = None

    def __post_init__(self) -> None:
        check_id(self.relay, "status.relay")
        if not isinstance(self.online, bool):
            raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, "status.online: expected a boolean")
        _int(self.load_ppm, "status.load_ppm", 0, PPM)
        if self.latency_ms is not None:
            _int(self.latency_ms, "status.latency_ms")


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """A route's needs: the tunnel ``kind``, the least free capacity (bytes per second),
    the regions allowed (empty: any) and preferred (each at most :data:`MAX_REGIONS`,
    ``INT_OUT_OF_RANGE``; sorted, unique). Fields are checked in this order."""

    kind: TunnelKind
    min_capacity_bps: int = 0
    allowed_regions: tuple[str, ...] = ()
    preferred_regions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _kind(self.kind, "request.kind")
        _int(self.min_capacity_bps, "request.min_capacity_bps")
        _sorted_ids(self.allowed_regions, "request.allowed_regions", MAX_REGIONS)
        _sorted_ids(self.preferred_regions, "request.preferred_regions", MAX_REGIONS)


@dataclass(frozen=True, slots=True)
class SelectionPolicy:
    """Weights (integers 0..1000, one per factor in :data:`FACTORS` order) and the
    ceilings that normalise capacity (bytes per second) and latency (ms)."""

    weights: tuple[tuple[str, int], ...] = (
        ("capacity", 40),
        ("latency", 30),
        ("region", 10),
        ("load", 20),
    )
    capacity_ceiling_bps: int = 125_000_000
    latency_ceiling_ms: int = 1_000

    def __post_init__(self) -> None:
        if [name for name, _ in self.weights] != list(FACTORS):
            raise DecodeError(
                ReasonCode.SCHEMA_BAD_FORMAT,
                f"policy.weights: one weight per factor, in the order {', '.join(FACTORS)}",
            )
        for name, weight in self.weights:
            _int(weight, f"policy.weights.{name}", 0, 1_000)
        _int(self.capacity_ceiling_bps, "policy.capacity_ceiling_bps", 1)
        _int(self.latency_ceiling_ms, "policy.latency_ceiling_ms", 1)


@dataclass(frozen=True, slots=True)
class RelayScore:
    """One eligible relay's factors (each 0..1,000,000) and weighted score."""

    relay: str
    factors: tuple[tuple[str, int], ...]
    score: int


@dataclass(frozen=True, slots=True)
class Ranking:
    """Eligible relays, best first; excluded relays with the first filter each failed,
    in id order."""

    ranked: tuple[RelayScore, ...]
    excluded: tuple[tuple[str, RelayExclusion], ...]


def rank_relays(
    relays: Iterable[Relay],
    request: RouteRequest,
    policy: SelectionPolicy | None = None,
    statuses: Iterable[RelayStatus] = (),
) -> Ranking:
    """Rank relays for a route; the order of ``relays`` and ``statuses`` never matters.

    Filters, first failed kept: ``offline``, ``kind_unsupported``, ``region_not_allowed``
    (allowed regions given and the relay's not among them), ``insufficient_capacity``
    (free capacity ``capacity_bps * (PPM - load_ppm) // PPM`` below the request).
    Factors (ppm): ``capacity`` = ``PPM * min(free, C) // C``; ``latency`` = 0 if
    unknown, else ``PPM * (L - min(latency, L)) // L``; ``region`` = PPM if preferred,
    else 0; ``load`` = ``load_ppm``. Score = the weighted sum, ``load`` subtracted.
    Order: score (higher first), then relay id.

    Checked first, in this order: at most :data:`MAX_RELAYS` relays and
    :data:`MAX_STATUSES` statuses (``INPUT_TOO_LARGE``); a relay id twice
    (``SECTION_DUPLICATE_KEY``); every relay key a curve point, in id order
    (``TAPROOT_INVALID_KEY``: a relay is the same record as in a mesh); a relay with two
    statuses (``SECTION_DUPLICATE_KEY``); then a status of a relay not given, in id order
    (``NETFLOW_UNKNOWN_RELAY``).
    """
    policy = policy or SelectionPolicy()
    ordered = sorted(relays, key=lambda r: _id_key(r.id))
    given = sorted(statuses, key=lambda s: _id_key(s.relay))
    _too_many(len(ordered), MAX_RELAYS, "relays")
    _too_many(len(given), MAX_STATUSES, "statuses")
    for x, y in itertools.pairwise(ordered):
        if x.id == y.id:
            raise DecodeError(ReasonCode.SECTION_DUPLICATE_KEY, f"relay {x.id!r} twice")
    _check_keys(ordered)
    for s, t in itertools.pairwise(given):
        if s.relay == t.relay:
            raise DecodeError(ReasonCode.SECTION_DUPLICATE_KEY, f"status of {s.relay!r} twice")
    known = {r.id for r in ordered}
    for item in given:
        if item.relay not in known:
            raise VerificationError(ReasonCode.NETFLOW_UNKNOWN_RELAY, f"status of {item.relay!r}")
    status = {item.relay: item for item in given}
    weights = dict(policy.weights)
    cap_ceiling, lat_ceiling = policy.capacity_ceiling_bps, policy.latency_ceiling_ms
    scored: list[RelayScore] = []
    excluded: list[tuple[str, RelayExclusion]] = []
    for relay in ordered:
        st = status.get(relay.id) or RelayStatus(relay.id)
        free = relay.capacity_bps * (PPM - st.load_ppm) // PPM
        reason = None
        if not st.online:
            reason = RelayExclusion.OFFLINE
        elif request.kind not in relay.kinds:
            reason = RelayExclusion.KIND_UNSUPPORTED
        elif request.allowed_regions and relay.region not in request.allowed_regions:
            reason = RelayExclusion.REGION_NOT_ALLOWED
        elif free < request.min_capacity_bps:
            reason = RelayExclusion.INSUFFICIENT_CAPACITY
        if reason is not None:
            excluded.append((relay.id, reason))
            continue
        latency = 0
        if st.latency_ms is not None:
            latency = PPM * (lat_ceiling - min(st.latency_ms, lat_ceiling)) // lat_ceiling
        factors = {
            "capacity": PPM * min(free, cap_ceiling) // cap_ceiling,
            "latency": latency,
            "region": PPM if relay.region in request.preferred_regions else 0,
            "load": st.load_ppm,
        }
        score = sum(weights[f] * factors[f] for f in FACTORS if f != "load")
        score -= weights["load"] * factors["load"]
        scored.append(RelayScore(relay.id, tuple((f, factors[f]) for f in FACTORS), score))
    scored.sort(key=lambda s: (-s.score, _id_key(s.relay)))
    return Ranking(tuple(scored), tuple(excluded))


# --- JSON forms ----------------------------------------------------------------------
#
# Every reader takes an object with exactly its members (the first missing one in the
# order listed, SCHEMA_MISSING_FIELD, then SCHEMA_UNKNOWN_FIELD) and reads the members
# in that order, each completely, so that the first fault is the one reported. A list
# of records is an array (SCHEMA_WRONG_TYPE) whose size is checked before any element
# is read (INPUT_TOO_LARGE).


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise wrong_type(path, "string", value)
    return value


def _id(value: Any, path: str) -> str:
    return check_id(_text(value, path), path)


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise wrong_type(path, "array", value)
    return value


def relay_to_json(relay: Relay) -> dict[str, Any]:
    """A relay as JSON (the key in hex)."""
    doc = relay.to_cbor_value()
    doc["key"] = relay.key.hex()
    return doc


def relay_from_json(value: Any, path: str = "relay") -> Relay:
    """Read :func:`relay_to_json`'s object strictly: ``id``, ``region``,
    ``capacity_bps``, ``kinds``, ``key``, in this order."""
    obj = expect_object(value, path, ("id", "region", "capacity_bps", "kinds", "key"))
    relay_id = _id(obj["id"], f"{path}.id")
    region = _id(obj["region"], f"{path}.region")
    capacity = _int(obj["capacity_bps"], f"{path}.capacity_bps", 1)
    kinds = _kinds(_list(obj["kinds"], f"{path}.kinds"), f"{path}.kinds")
    return Relay(relay_id, region, capacity, kinds, read_hex(obj["key"], f"{path}.key", 32))


def relays_from_json(value: Any, path: str = "relays") -> list[Relay]:
    """An array of at most :data:`MAX_RELAYS` relays (checked before any is read)."""
    items = read_list(value, path, MAX_RELAYS)
    return [relay_from_json(item, f"{path}[{k}]") for k, item in enumerate(items)]


def tunnel_to_json(tunnel: Tunnel) -> dict[str, Any]:
    """A tunnel as JSON."""
    return tunnel.to_cbor_value()


def tunnel_from_json(value: Any, path: str = "tunnel") -> Tunnel:
    """Read :func:`tunnel_to_json`'s object strictly: ``id``, ``a``, ``b`` (then ``a``
    strictly before ``b``, ``LIST_NOT_SORTED_UNIQUE``), ``kind``."""
    obj = expect_object(value, path, ("id", "a", "b", "kind"))
    tunnel_id = _id(obj["id"], f"{path}.id")
    a, b = _id(obj["a"], f"{path}.a"), _id(obj["b"], f"{path}.b")
    if _id_key(a) >= _id_key(b):
        raise DecodeError(
            ReasonCode.LIST_NOT_SORTED_UNIQUE, f"{path}: a must sort strictly before b"
        )
    return Tunnel(tunnel_id, a, b, _kind(obj["kind"], f"{path}.kind"))


def tunnels_from_json(value: Any, path: str = "tunnels") -> list[Tunnel]:
    """An array of at most :data:`MAX_TUNNELS` tunnels (checked before any is read)."""
    items = read_list(value, path, MAX_TUNNELS)
    return [tunnel_from_json(item, f"{path}[{k}]") for k, item in enumerate(items)]


def mesh_from_json(relays: Any, tunnels: Any, path: str = "") -> Mesh:
    """The mesh of JSON arrays of relays and tunnels, in any order: the relays are read,
    then the tunnels, then the mesh is checked (:class:`Mesh`)."""
    read_relays = relays_from_json(relays, f"{path}relays")
    return Mesh.of(read_relays, tunnels_from_json(tunnels, f"{path}tunnels"))


def _signature(value: Any, path: str) -> bytes:
    data = read_hex(value, path)
    if len(data) not in (0, 64):
        raise DecodeError(ReasonCode.BYTES_WRONG_LENGTH, f"{path}: 0 or 64 bytes")
    return data


def receipt_to_json(receipt: Receipt) -> dict[str, Any]:
    """A receipt as JSON (signatures in hex, empty when absent)."""
    doc = receipt.to_cbor_value()
    doc["sig_a"], doc["sig_b"] = receipt.sig_a.hex(), receipt.sig_b.hex()
    return doc


def receipt_from_json(value: Any, path: str = "receipt") -> Receipt:
    """Read :func:`receipt_to_json`'s object strictly: ``tunnel``, ``start_ms``,
    ``end_ms``, ``bytes``, ``sig_a``, ``sig_b``, in this order (the interval's order is
    left to :func:`verify_receipts`)."""
    obj = expect_object(value, path, ("tunnel", "start_ms", "end_ms", "bytes", "sig_a", "sig_b"))
    tunnel = _id(obj["tunnel"], f"{path}.tunnel")
    start, end = _int(obj["start_ms"], f"{path}.start_ms"), _int(obj["end_ms"], f"{path}.end_ms")
    count = _int(obj["bytes"], f"{path}.bytes")
    sig_a = _signature(obj["sig_a"], f"{path}.sig_a")
    return Receipt(tunnel, start, end, count, sig_a, _signature(obj["sig_b"], f"{path}.sig_b"))


def receipts_from_json(value: Any, path: str = "receipts") -> list[Receipt]:
    """An array of at most :data:`MAX_RECEIPTS` receipts (checked before any is read)."""
    items = read_list(value, path, MAX_RECEIPTS)
    return [receipt_from_json(item, f"{path}[{k}]") for k, item in enumerate(items)]


def epoch_from_json(value: Any, path: str = "epoch") -> Epoch:
    """Read an epoch object ``{"id", "accountant", "start_ms", "end_ms", "pool"}``, in
    this order (``end_ms < start_ms`` is ``INT_OUT_OF_RANGE``, before ``pool``)."""
    obj = expect_object(value, path, ("id", "accountant", "start_ms", "end_ms", "pool"))
    epoch_id, accountant = (
        _id(obj["id"], f"{path}.id"),
        _id(obj["accountant"], f"{path}.accountant"),
    )
    start, end = _int(obj["start_ms"], f"{path}.start_ms"), _int(obj["end_ms"], f"{path}.end_ms")
    if end < start:
        raise DecodeError(ReasonCode.INT_OUT_OF_RANGE, f"{path}: end_ms is below start_ms")
    return Epoch(epoch_id, accountant, start, end, _pool(obj["pool"], f"{path}.pool"))


def settlement_to_json(settlement: Settlement) -> dict[str, Any]:
    """A settlement's results: ``rewards`` ([relay, bytes, reward] in id order),
    ``distributed``, ``carried``, ``receipts`` (digests in canonical order), ``mesh``,
    ``receipts_root``, ``rewards_root`` and ``digest`` (hex)."""
    return {
        "rewards": [[line.relay, line.byte_count, line.reward] for line in settlement.lines],
        "distributed": settlement.distributed,
        "carried": settlement.carried,
        "receipts": [digest.hex() for _, digest in settlement.receipts],
        "mesh": settlement.mesh.hex(),
        "receipts_root": settlement.receipts_root.hex(),
        "rewards_root": settlement.rewards_root.hex(),
        "digest": settlement.digest.hex(),
    }


def status_from_json(value: Any, path: str = "status") -> RelayStatus:
    """Read a status object ``{"relay", "online", "load_ppm", "latency_ms"}`` (every
    member present), in this order: ``online`` a boolean, ``latency_ms`` null (unknown)
    or an integer."""
    obj = expect_object(value, path, ("relay", "online", "load_ppm", "latency_ms"))
    relay = _id(obj["relay"], f"{path}.relay")
    online = obj["online"]
    if not isinstance(online, bool):
        raise wrong_type(f"{path}.online", "boolean", online)
    load = _int(obj["load_ppm"], f"{path}.load_ppm", 0, PPM)
    latency = obj["latency_ms"]
    if latency is not None:
        latency = _int(latency, f"{path}.latency_ms")
    return RelayStatus(relay, online, load, latency)


def statuses_from_json(value: Any, path: str = "statuses") -> list[RelayStatus]:
    """An array of at most :data:`MAX_STATUSES` statuses (checked before any is read)."""
    items = read_list(value, path, MAX_STATUSES)
    return [status_from_json(item, f"{path}[{k}]") for k, item in enumerate(items)]


def request_from_json(value: Any, path: str = "request") -> RouteRequest:
    """Read a request object ``{"kind", "min_capacity_bps", "allowed_regions",
    "preferred_regions"}`` (every member present), in this order."""
    names = ("kind", "min_capacity_bps", "allowed_regions", "preferred_regions")
    obj = expect_object(value, path, names)
    kind = _kind(obj["kind"], f"{path}.kind")
    least = _int(obj["min_capacity_bps"], f"{path}.min_capacity_bps")
    regions = [
        _sorted_ids(_list(obj[name], f"{path}.{name}"), f"{path}.{name}", MAX_REGIONS)
        for name in names[2:]
    ]
    return RouteRequest(kind, least, regions[0], regions[1])


def selection_policy_from_json(value: Any, path: str = "policy") -> SelectionPolicy:
    """Read a policy object ``{"weights": {factor: weight}, "capacity_ceiling_bps",
    "latency_ceiling_ms"}``: every member and every factor's weight present (nothing
    defaults; the caller passes None for the default policy), weights in any key order,
    read in :data:`FACTORS` order, then the two ceilings."""
    obj = expect_object(value, path, ("weights", "capacity_ceiling_bps", "latency_ceiling_ms"))
    weights = expect_object(obj["weights"], f"{path}.weights", FACTORS)
    read = tuple((f, _int(weights[f], f"{path}.weights.{f}", 0, 1_000)) for f in FACTORS)
    capacity = _int(obj["capacity_ceiling_bps"], f"{path}.capacity_ceiling_bps", 1)
    latency = _int(obj["latency_ceiling_ms"], f"{path}.latency_ceiling_ms", 1)
    return SelectionPolicy(read, capacity, latency)


def ranking_to_json(ranking: Ranking) -> dict[str, Any]:
    """A ranking as JSON: ``ranked`` ([{relay, factors, score}], best first) and
    ``excluded`` ([relay, reason] in id order)."""
    return {
        "ranked": [
            {"relay": s.relay, "factors": dict(s.factors), "score": s.score} for s in ranking.ranked
        ],
        "excluded": [[relay, reason.value] for relay, reason in ranking.excluded],
    }
