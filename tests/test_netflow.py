"""NetFlow relay accounting: receipts, rewards, the epoch commitment and relay selection."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import cbor2
import pytest
from coincurve import PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee import netflow
from ailee.errors import AileeError, DecodeError, ReasonCode, VerificationError
from ailee.merkle import merkle_root
from ailee.netflow import (
    PPM,
    Epoch,
    Mesh,
    Receipt,
    Relay,
    RelayExclusion,
    RelayStatus,
    RouteRequest,
    SelectionPolicy,
    Tunnel,
    TunnelKind,
)
from ailee.state import Header, L2State
from ailee.stateroot import L2StateRoot

WG, ONION, HYB = TunnelKind.WIREGUARD, TunnelKind.ONION, TunnelKind.HYBRID
AUX = bytes(32)
T0 = 1_000_000


def secret(name: str) -> bytes:
    return hashlib.sha256(f"netflow test {name}".encode()).digest()


def key(name: str) -> bytes:
    return PrivateKey(secret(name)).public_key_xonly.format()


RELAYS = (
    Relay("a", "eu", 1_000_000, (HYB, ONION, WG), key("a")),
    Relay("b", "eu", 500_000, (WG,), key("b")),
    Relay("c", "us", 2_000_000, (HYB, WG), key("c")),
)
TUNNELS = (Tunnel("t-ab", "a", "b", WG), Tunnel("t-ac", "a", "c", HYB))
MESH = Mesh.of(RELAYS, TUNNELS)
EPOCH = Epoch("epoch-1", "accountant", T0, T0 + 3_600_000, 1_000)


def signed(tunnel: str, start: int, end: int, count: int, mesh: Mesh = MESH) -> Receipt:
    found = mesh.tunnel(tunnel)
    assert found is not None
    receipt = Receipt(tunnel, start, end, count)
    for end_id in (found.a, found.b):
        receipt = netflow.sign_receipt(receipt, mesh, secret(end_id), AUX)
    return receipt


def code(call: Any, *args: Any) -> ReasonCode:
    with pytest.raises(AileeError) as info:
        call(*args)
    return info.value.code


# --- known answers ---------------------------------------------------------------------


def _tagged(tag: str, msg: bytes) -> bytes:
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


def test_receipt_digest_known_answer() -> None:
    receipt = Receipt("t-ab", 5, 1005, 42)
    body = {"tunnel": "t-ab", "a": "a", "b": "b", "kind": "wireguard", "start_ms": 5,
            "end_ms": 1005, "bytes": 42}  # fmt: skip
    expected = _tagged("ailee/v2/netflow/receipt", cbor2.dumps(body, canonical=True))
    assert netflow.receipt_digest(receipt, TUNNELS[0]) == expected
    # The signatures are not part of what is signed.
    signed_receipt = signed("t-ab", 5, 1005, 42)
    assert netflow.receipt_digest(signed_receipt, TUNNELS[0]) == expected


def test_epoch_digest_known_answer() -> None:
    receipts = [signed("t-ab", T0, T0 + 1000, 300), signed("t-ac", T0, T0 + 1000, 100)]
    settlement = netflow.settle(EPOCH, MESH, receipts)
    relays = [{"id": r.id, "region": r.region, "capacity_bps": r.capacity_bps,
               "kinds": [k.value for k in r.kinds], "key": r.key} for r in RELAYS]  # fmt: skip
    tunnels = [{"id": t.id, "a": t.a, "b": t.b, "kind": t.kind.value} for t in TUNNELS]
    mesh = _tagged("ailee/v2/netflow/mesh",
                   cbor2.dumps({"relays": relays, "tunnels": tunnels}, canonical=True))  # fmt: skip
    assert settlement.mesh == mesh
    # a is credited 400 bytes, b 300, c 100: 1000 sat split 500 / 375 / 125.
    lines = [("a", 400, 500), ("b", 300, 375), ("c", 100, 125)]
    assert [(x.relay, x.byte_count, x.reward) for x in settlement.lines] == lines
    leaves = [
        _tagged("ailee/v2/netflow/reward",
                cbor2.dumps({"relay": r, "bytes": n, "reward": s}, canonical=True))
        for r, n, s in lines
    ]  # fmt: skip
    assert settlement.rewards_root == merkle_root(leaves)
    digests = [d for _, d in settlement.receipts]
    assert settlement.receipts_root == merkle_root(digests)
    body = {"id": "epoch-1", "accountant": "accountant", "start_ms": T0,
            "end_ms": T0 + 3_600_000, "pool": 1000, "mesh": mesh,
            "receipts_root": merkle_root(digests), "receipts": 2,
            "rewards_root": merkle_root(leaves), "distributed": 1000}  # fmt: skip
    assert settlement.digest == _tagged("ailee/v2/netflow/epoch", cbor2.dumps(body, canonical=True))
    assert (settlement.distributed, settlement.carried) == (1000, 0)


# --- receipt verification: each code -------------------------------------------------


def test_each_receipt_fault_has_its_code() -> None:
    good = signed("t-ab", T0, T0 + 1000, 10)
    verify = netflow.verify_receipts
    assert code(verify, MESH, [Receipt("t-zz", T0, T0 + 1, 0)]) is ReasonCode.NETFLOW_UNKNOWN_TUNNEL
    assert code(verify, MESH, [Receipt("t-ab", T0, T0, 0)]) is ReasonCode.NETFLOW_INTERVAL_INVALID
    assert code(verify, MESH, [Receipt("t-ab", T0, T0 - 1, 0)]) is (
        ReasonCode.NETFLOW_INTERVAL_INVALID
    )
    assert code(verify, MESH, [good], (T0 + 1, T0 + 5000)) is ReasonCode.NETFLOW_OUT_OF_EPOCH
    # The window is closed: [T0, T0 + 999] holds good's last millisecond, T0 + 998 not.
    assert verify(MESH, [good], (T0, T0 + 999))
    assert code(verify, MESH, [good], (T0, T0 + 998)) is ReasonCode.NETFLOW_OUT_OF_EPOCH
    for side in ("sig_a", "sig_b"):
        unsigned = dataclasses.replace(good, **{side: b""})
        assert code(verify, MESH, [unsigned]) is ReasonCode.NETFLOW_UNSIGNED
    altered = dataclasses.replace(good, byte_count=11)
    assert code(verify, MESH, [altered]) is ReasonCode.NETFLOW_BAD_SIGNATURE
    swapped = dataclasses.replace(good, sig_a=good.sig_b, sig_b=good.sig_a)
    assert code(verify, MESH, [swapped]) is ReasonCode.NETFLOW_BAD_SIGNATURE
    # t-ab's smaller endpoint is b (500,000 bytes/s): 1 s carries 500,000 bytes.
    assert verify(MESH, [signed("t-ab", T0, T0 + 1000, 500_000)])
    over = signed("t-ab", T0, T0 + 1000, 500_001)
    assert code(verify, MESH, [over]) is ReasonCode.NETFLOW_OVER_CAPACITY
    assert code(verify, MESH, [good, good]) is ReasonCode.NETFLOW_DUPLICATE_RECEIPT
    overlap = signed("t-ab", T0 + 999, T0 + 2000, 1)
    assert code(verify, MESH, [overlap, good]) is ReasonCode.NETFLOW_INTERVAL_OVERLAP
    adjacent = signed("t-ab", T0 + 1000, T0 + 2000, 1)
    assert len(verify(MESH, [adjacent, good])) == 2
    # Other tunnels' intervals may overlap freely.
    assert len(verify(MESH, [good, signed("t-ac", T0, T0 + 1000, 10)])) == 2


def test_the_first_fault_in_canonical_order_is_reported_whatever_the_input_order() -> None:
    unsigned = Receipt("t-ab", T0, T0 + 1000, 1)
    reversed_ = Receipt("t-ac", T0 + 5, T0, 0)
    for receipts in ([unsigned, reversed_], [reversed_, unsigned]):
        assert code(netflow.verify_receipts, MESH, receipts) is ReasonCode.NETFLOW_UNSIGNED


def test_mesh_faults() -> None:
    stray = Tunnel("t-x", "a", "z", WG)
    assert code(Mesh.of, RELAYS, [stray]) is ReasonCode.NETFLOW_UNKNOWN_RELAY
    onion = Tunnel("t-x", "a", "b", ONION)
    assert code(Mesh.of, RELAYS, [onion]) is ReasonCode.NETFLOW_KIND_UNSUPPORTED
    assert code(Mesh.of, [*RELAYS, RELAYS[0]], []) is ReasonCode.SECTION_DUPLICATE_KEY
    assert code(Mesh, RELAYS[::-1], ()) is ReasonCode.SECTION_UNSORTED
    off_curve = dataclasses.replace(RELAYS[0], key=bytes(31) + b"\x05")
    assert code(Mesh.of, [off_curve], []) is ReasonCode.TAPROOT_INVALID_KEY
    assert code(Tunnel, "t", "b", "a", WG) is ReasonCode.LIST_NOT_SORTED_UNIQUE
    assert code(Tunnel, "t", "a", "a", WG) is ReasonCode.LIST_NOT_SORTED_UNIQUE
    assert code(Tunnel, "t", "a", "b", "tor") is ReasonCode.ENUM_UNKNOWN_VALUE
    assert code(Relay, "r", "eu", 0, (WG,), key("a")) is ReasonCode.INT_OUT_OF_RANGE
    assert code(Relay, "r", "eu", 1, (WG, HYB), key("a")) is ReasonCode.LIST_NOT_SORTED_UNIQUE
    assert code(Relay, "r", "eu", 1, (WG,), b"\x02" * 33) is ReasonCode.BYTES_WRONG_LENGTH
    assert code(Receipt, "t", 0, 1, 2**53) is ReasonCode.INT_OUT_OF_RANGE
    assert code(Receipt, "t", 0, 1, True) is ReasonCode.SCHEMA_WRONG_TYPE
    assert code(Receipt, "t", 0, 1, 1, b"x" * 63) is ReasonCode.BYTES_WRONG_LENGTH
    assert code(Epoch, "e", "n", 5, 4, 0) is ReasonCode.INT_OUT_OF_RANGE
    assert Epoch("e", "n", 5, 5, 0).end_ms == 5  # one millisecond: the window is closed
    # The window is checked right after end_ms, before the pool.
    assert code(Epoch, "e", "n", 5, 4, -1) is ReasonCode.INT_OUT_OF_RANGE
    assert code(Relay, "r", "eu", 1, (), key("a")) is ReasonCode.INT_OUT_OF_RANGE
    assert code(Relay, "r", "eu", 1, (HYB, ONION, WG, WG), key("a")) is (
        ReasonCode.INT_OUT_OF_RANGE
    )
    # One tunnel per pair of relays, whatever its id and kind.
    assert code(Mesh.of, RELAYS, [*TUNNELS, Tunnel("t-x", "a", "b", ONION)]) is (
        ReasonCode.SECTION_DUPLICATE_KEY
    )
    assert code(Epoch, "e", "n", 0, 5, 2_100_000_000_000_001) is ReasonCode.AMOUNT_OUT_OF_RANGE


def test_sign_receipt_refuses_a_foreign_key() -> None:
    with pytest.raises(ValueError, match="neither endpoint"):
        netflow.sign_receipt(Receipt("t-ab", 0, 1, 1), MESH, secret("c"), AUX)


# --- settlement and the epoch commitment ---------------------------------------------


def test_no_verified_byte_carries_the_pool() -> None:
    for receipts in ([], [signed("t-ab", T0, T0 + 1, 0)]):
        settlement = netflow.settle(EPOCH, MESH, receipts)
        assert settlement.lines == ()
        assert (settlement.distributed, settlement.carried) == (0, EPOCH.pool)


def test_epoch_record_goes_into_the_state_and_checks() -> None:
    receipts = [signed("t-ab", T0, T0 + 1000, 300), signed("t-ac", T0 + 5, T0 + 900, 77)]
    settlement = netflow.settle(EPOCH, MESH, receipts)
    record = netflow.epoch_record(settlement)
    assert (record.id, record.node_id) == ("epoch-1", "accountant")
    assert (record.window_start_ms, record.window_end_ms) == (EPOCH.start_ms, EPOCH.end_ms)
    assert record.digest == settlement.digest
    state = L2State(Header(2, "netflow-test", 0, bytes(32), T0), telemetry=(record,))
    assert len(L2StateRoot.compute(state).root) == 32
    again = netflow.check_epoch(record, EPOCH.pool, MESH, receipts[::-1])
    assert again == settlement
    with pytest.raises(VerificationError) as info:
        netflow.check_epoch(record, EPOCH.pool + 1, MESH, receipts)
    assert info.value.code is ReasonCode.NETFLOW_COMMITMENT_MISMATCH
    with pytest.raises(VerificationError) as info:
        netflow.check_epoch(record, EPOCH.pool, MESH, receipts[:1])
    assert info.value.code is ReasonCode.NETFLOW_COMMITMENT_MISMATCH
    other_mesh = Mesh.of([*RELAYS, Relay("d", "eu", 1, (WG,), key("d"))], TUNNELS)
    with pytest.raises(VerificationError) as info:
        netflow.check_epoch(record, EPOCH.pool, other_mesh, receipts)
    assert info.value.code is ReasonCode.NETFLOW_COMMITMENT_MISMATCH


def test_a_relay_credited_beyond_two_to_the_53_is_refused() -> None:
    big = 2**52
    relays = [Relay("x", "eu", 2**53 - 1, (WG,), key("x")),
              Relay("y", "eu", 2**53 - 1, (WG,), key("y"))]  # fmt: skip
    mesh = Mesh.of(relays, [Tunnel("t", "x", "y", WG)])
    receipts = [signed("t", T0, T0 + 1000, big, mesh), signed("t", T0 + 1000, T0 + 2000, big, mesh)]
    with pytest.raises(DecodeError) as info:
        netflow.settle(EPOCH, mesh, receipts)
    assert info.value.code is ReasonCode.INT_OUT_OF_RANGE


def test_json_forms_round_trip() -> None:
    receipt = signed("t-ab", T0, T0 + 1000, 10)
    assert netflow.receipt_from_json(netflow.receipt_to_json(receipt)) == receipt
    for relay in RELAYS:
        assert netflow.relay_from_json(netflow.relay_to_json(relay)) == relay
    for tunnel in TUNNELS:
        assert netflow.tunnel_from_json(netflow.tunnel_to_json(tunnel)) == tunnel
    doc = netflow.receipt_to_json(receipt)
    with pytest.raises(DecodeError) as info:
        netflow.receipt_from_json({**doc, "extra": 1})
    assert info.value.code is ReasonCode.SCHEMA_UNKNOWN_FIELD


# A fixed set of receipts over the three tunnels' disjoint slots, for the properties.
SLOTS = [("t-ab", T0 + 1000 * k, T0 + 1000 * (k + 1)) for k in range(3)] + [
    ("t-ac", T0 + 1000 * k, T0 + 1000 * (k + 1)) for k in range(3)
]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 500_000), min_size=len(SLOTS), max_size=len(SLOTS)),
    st.integers(0, 2_100_000_000_000_000),
    st.randoms(use_true_random=False),
)
def test_shares_sum_to_the_pool_and_are_proportional(
    counts: list[int], pool: int, rnd: Any
) -> None:
    receipts = [signed(t, s, e, n) for (t, s, e), n in zip(SLOTS, counts, strict=True)]
    epoch = dataclasses.replace(EPOCH, pool=pool)
    settlement = netflow.settle(epoch, MESH, receipts)
    total = sum(line.byte_count for line in settlement.lines)
    assert settlement.distributed + settlement.carried == pool
    if total == 0:
        assert settlement.carried == pool
    else:
        assert settlement.distributed == pool
        for line in settlement.lines:
            # |reward - pool * bytes / total| < 1, exactly.
            assert abs(line.reward * total - pool * line.byte_count) < total
    shuffled = list(receipts)
    rnd.shuffle(shuffled)
    assert netflow.settle(epoch, MESH, shuffled) == settlement


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**9), st.integers(1, 10**9), st.integers(1, 10**7), st.integers(0, 10**12))
def test_no_receipt_beyond_capacity_is_accepted(cap_x: int, cap_y: int, ms: int, n: int) -> None:
    relays = [Relay("x", "eu", cap_x, (WG,), key("x")), Relay("y", "eu", cap_y, (WG,), key("y"))]
    mesh = Mesh.of(relays, [Tunnel("t", "x", "y", WG)])
    receipt = signed("t", 0, ms, n, mesh)
    if n * 1000 <= min(cap_x, cap_y) * ms:
        assert netflow.verify_receipts(mesh, [receipt])
    else:
        assert code(netflow.verify_receipts, mesh, [receipt]) is ReasonCode.NETFLOW_OVER_CAPACITY


# --- relay selection -------------------------------------------------------------------


def test_selection_filters_and_factors() -> None:
    statuses = [RelayStatus("a", load_ppm=500_000, latency_ms=100), RelayStatus("b", online=False)]
    ranking = netflow.rank_relays(RELAYS, RouteRequest(WG, 400_000), None, statuses)
    # a's latency outweighs c's larger capacity (c's latency is unknown: factor 0).
    assert [s.relay for s in ranking.ranked] == ["a", "c"]
    assert ranking.excluded == (("b", RelayExclusion.OFFLINE),)
    a = dict(ranking.ranked[0].factors)
    # free = 500,000 bytes/s of a 125,000,000 ceiling; latency 100 of 1000 ms.
    assert a == {"capacity": PPM * 500_000 // 125_000_000, "latency": 900_000, "region": 0,
                 "load": 500_000}  # fmt: skip
    assert ranking.ranked[0].score == 40 * a["capacity"] + 30 * a["latency"] - 20 * a["load"]
    onion_us = netflow.rank_relays(RELAYS, RouteRequest(ONION, 0, ("us",)))
    assert onion_us.ranked == ()
    assert dict(onion_us.excluded) == {"a": RelayExclusion.REGION_NOT_ALLOWED,
                                       "b": RelayExclusion.KIND_UNSUPPORTED,
                                       "c": RelayExclusion.KIND_UNSUPPORTED}  # fmt: skip
    needy = netflow.rank_relays(RELAYS, RouteRequest(WG, 1_000_001))
    assert [s.relay for s in needy.ranked] == ["c"]
    assert dict(needy.excluded)["a"] is RelayExclusion.INSUFFICIENT_CAPACITY
    assert code(netflow.rank_relays, RELAYS, RouteRequest(WG), None, [RelayStatus("z")]) is (
        ReasonCode.NETFLOW_UNKNOWN_RELAY
    )
    twice = [RelayStatus("a"), RelayStatus("a")]
    assert code(netflow.rank_relays, RELAYS, RouteRequest(WG), None, twice) is (
        ReasonCode.SECTION_DUPLICATE_KEY
    )
    assert code(SelectionPolicy, (("capacity", 1),)) is ReasonCode.SCHEMA_BAD_FORMAT


def test_equal_scores_rank_by_relay_id() -> None:
    twins = [dataclasses.replace(RELAYS[1], id=name) for name in ("z", "m", "b")]
    ranking = netflow.rank_relays(twins, RouteRequest(WG))
    assert [s.relay for s in ranking.ranked] == ["b", "m", "z"]


_REGIONS = ("eu", "us", "ap")


@st.composite
def _selection_inputs(draw: Any) -> tuple[list[Relay], list[RelayStatus], RouteRequest]:
    names = draw(st.lists(st.sampled_from("abcdefghij"), min_size=1, max_size=8, unique=True))
    relays, statuses = [], []
    for name in names:
        kinds = tuple(sorted(draw(st.sets(st.sampled_from(list(TunnelKind)), min_size=1))))
        relays.append(Relay(name, draw(st.sampled_from(_REGIONS)),
                            draw(st.integers(1, 10**9)), kinds, key("a")))  # fmt: skip
        if draw(st.booleans()):
            statuses.append(RelayStatus(name, draw(st.booleans()), draw(st.integers(0, PPM)),
                                        draw(st.none() | st.integers(0, 5000))))  # fmt: skip
    allowed = tuple(sorted(draw(st.sets(st.sampled_from(_REGIONS)))))
    preferred = tuple(sorted(draw(st.sets(st.sampled_from(_REGIONS)))))
    request = RouteRequest(draw(st.sampled_from(list(TunnelKind))),
                           draw(st.integers(0, 10**8)), allowed, preferred)  # fmt: skip
    return relays, statuses, request


@settings(max_examples=80, deadline=None)
@given(_selection_inputs(), st.randoms(use_true_random=False))
def test_selection_does_not_depend_on_input_order(inputs: Any, rnd: Any) -> None:
    relays, statuses, request = inputs
    ranking = netflow.rank_relays(relays, request, None, statuses)
    rnd.shuffle(relays)
    rnd.shuffle(statuses)
    assert netflow.rank_relays(relays, request, None, statuses) == ranking
    ranked = [s.relay for s in ranking.ranked]
    assert sorted(ranked + [r for r, _ in ranking.excluded]) == sorted(r.id for r in relays)
    keys = [(-s.score, s.relay.encode()) for s in ranking.ranked]
    assert keys == sorted(keys)


# --- orders of reading, limits, the closed window ---------------------------------------


def test_json_readers_report_the_first_field_in_member_order() -> None:
    relay = netflow.relay_to_json(RELAYS[0])
    assert code(netflow.relay_from_json, {**relay, "id": "", "kinds": ["tor"]}) is (
        ReasonCode.ID_EMPTY
    )
    assert code(netflow.relay_from_json, {**relay, "kinds": [], "key": "zz"}) is (
        ReasonCode.INT_OUT_OF_RANGE
    )
    assert code(netflow.relay_from_json, {**relay, "kinds": ["wireguard", "tor"]}) is (
        ReasonCode.ENUM_UNKNOWN_VALUE
    )
    tunnel = {"id": "t", "a": "b", "b": "a", "kind": "tor"}
    assert code(netflow.tunnel_from_json, tunnel) is ReasonCode.LIST_NOT_SORTED_UNIQUE
    receipt = netflow.receipt_to_json(Receipt("t-ab", T0, T0 + 1, 1))
    assert code(netflow.receipt_from_json, {**receipt, "start_ms": -1, "sig_a": "z"}) is (
        ReasonCode.INT_OUT_OF_RANGE
    )
    epoch = {"id": "e", "accountant": "n", "start_ms": 5, "end_ms": 4, "pool": True}
    assert code(netflow.epoch_from_json, epoch) is ReasonCode.INT_OUT_OF_RANGE
    assert netflow.epoch_from_json({**epoch, "end_ms": 5, "pool": 0}) == Epoch("e", "n", 5, 5, 0)
    status = {"relay": "", "online": "yes", "load_ppm": 0, "latency_ms": None}
    assert code(netflow.status_from_json, status) is ReasonCode.ID_EMPTY
    assert code(netflow.status_from_json, {**status, "relay": "a", "online": 1}) is (
        ReasonCode.SCHEMA_WRONG_TYPE
    )
    request = {"kind": "wireguard", "min_capacity_bps": -1, "allowed_regions": [],
               "preferred_regions": "eu"}  # fmt: skip
    assert code(netflow.request_from_json, request) is ReasonCode.INT_OUT_OF_RANGE
    policy = {"weights": {"capacity": 1, "latency": 1, "region": 1, "load": 1},
              "capacity_ceiling_bps": 1}  # fmt: skip
    assert code(netflow.selection_policy_from_json, policy) is ReasonCode.SCHEMA_MISSING_FIELD


def test_limits_are_checked_before_any_item(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAX_RELAYS", "MAX_TUNNELS", "MAX_RECEIPTS", "MAX_STATUSES"):
        monkeypatch.setattr(netflow, name, 2)
    too_many = [0, 0, 0]  # not even records: the size is checked first
    for reader in (netflow.relays_from_json, netflow.tunnels_from_json,
                   netflow.receipts_from_json, netflow.statuses_from_json):  # fmt: skip
        assert code(reader, too_many) is ReasonCode.INPUT_TOO_LARGE
        assert code(reader, {}) is ReasonCode.SCHEMA_WRONG_TYPE
    assert code(netflow.mesh_from_json, too_many, "not even a list") is (ReasonCode.INPUT_TOO_LARGE)
    assert code(Mesh.of, RELAYS, []) is ReasonCode.INPUT_TOO_LARGE
    receipts = [Receipt("t-ab", T0 + k, T0 + k + 1, 0) for k in range(3)]
    monkeypatch.setattr(netflow, "MAX_RELAYS", 3)
    assert code(netflow.verify_receipts, MESH, receipts) is ReasonCode.INPUT_TOO_LARGE
    statuses = [RelayStatus("a"), RelayStatus("b"), RelayStatus("c")]
    assert code(netflow.rank_relays, RELAYS, RouteRequest(WG), None, statuses) is (
        ReasonCode.INPUT_TOO_LARGE
    )
    regions = tuple(f"r{k:04}" for k in range(netflow.MAX_REGIONS + 1))
    assert code(RouteRequest, WG, 0, regions) is ReasonCode.INT_OUT_OF_RANGE
    assert RouteRequest(WG, 0, regions[:-1]).allowed_regions == regions[:-1]


def test_check_epoch_reads_the_pool_then_the_window() -> None:
    receipts = [signed("t-ab", T0, T0 + 1000, 300)]
    record = netflow.epoch_record(netflow.settle(EPOCH, MESH, receipts))
    reversed_ = dataclasses.replace(record, window_end_ms=record.window_start_ms - 1)
    assert code(netflow.check_epoch, reversed_, EPOCH.pool, MESH, receipts) is (
        ReasonCode.INT_OUT_OF_RANGE
    )
    assert code(netflow.check_epoch, reversed_, -1, MESH, receipts) is (
        ReasonCode.AMOUNT_OUT_OF_RANGE
    )
    assert code(netflow.check_epoch, reversed_, True, MESH, receipts) is (
        ReasonCode.SCHEMA_WRONG_TYPE
    )
    one_ms = Epoch("e", "n", T0, T0, 10)
    settled = netflow.settle(one_ms, MESH, [signed("t-ab", T0, T0 + 1, 1)])
    assert netflow.epoch_record(settled).window_end_ms == T0
    assert code(netflow.settle, one_ms, MESH, [signed("t-ab", T0, T0 + 2, 1)]) is (
        ReasonCode.NETFLOW_OUT_OF_EPOCH
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20), st.integers(1, 20))
def test_a_receipt_is_inside_a_closed_window_by_its_last_millisecond(
    first: int, length: int, start: int, span: int
) -> None:
    window = (T0 + first, T0 + first + length)  # closed: [first, last]
    receipt = signed("t-ab", T0 + start, T0 + start + span, 0)
    inside = window[0] <= receipt.start_ms and receipt.end_ms - 1 <= window[1]
    if inside:
        assert len(netflow.verify_receipts(MESH, [receipt], window)) == 1
    else:
        got = code(netflow.verify_receipts, MESH, [receipt], window)
        assert got is ReasonCode.NETFLOW_OUT_OF_EPOCH


def test_selection_checks_relays_then_statuses() -> None:
    wg = RouteRequest(WG)
    assert code(netflow.rank_relays, [*RELAYS, RELAYS[1]], wg) is ReasonCode.SECTION_DUPLICATE_KEY
    off_curve = dataclasses.replace(RELAYS[2], key=bytes(31) + b"\x05")
    assert code(netflow.rank_relays, [*RELAYS[:2], off_curve], wg) is (
        ReasonCode.TAPROOT_INVALID_KEY
    )
    # An unknown relay sorting first does not hide a relay with two statuses.
    statuses = [RelayStatus("c"), RelayStatus("0-unknown"), RelayStatus("c", load_ppm=1)]
    assert code(netflow.rank_relays, RELAYS, wg, None, statuses) is (
        ReasonCode.SECTION_DUPLICATE_KEY
    )
