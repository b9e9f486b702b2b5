"""The NetFlow relay accounting golden vectors. Called by ``tools/generate_vectors.py``.

Keys are made up: each relay's secret is SHA-256 of a label, and signatures use 32
zero bytes of auxiliary randomness, so the file is the same on every run.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

from coincurve import PrivateKey

from ailee.fields import Form
from ailee.netflow import (
    Epoch,
    Mesh,
    Receipt,
    Relay,
    Tunnel,
    TunnelKind,
    check_epoch,
    epoch_record,
    rank_relays,
    ranking_to_json,
    receipt_to_json,
    relay_to_json,
    settle,
    settlement_to_json,
    sign_receipt,
    tunnel_to_json,
)
from ailee.state import write_fields

AUX = bytes(32)
T0 = 1_764_000_000_000  # the epoch's start, in ms
HOUR = 3_600_000


def secret(relay: str) -> bytes:
    """The made-up secret key of a relay."""
    return hashlib.sha256(f"ailee netflow vector relay {relay}".encode()).digest()


def public(relay: str) -> bytes:
    """The x-only public key of :func:`secret`."""
    return PrivateKey(secret(relay)).public_key_xonly.format()


WG, ONION, HYB = TunnelKind.WIREGUARD, TunnelKind.ONION, TunnelKind.HYBRID
RELAYS = [
    Relay("relay-eu-1", "eu-west", 12_500_000, (HYB, ONION, WG), public("relay-eu-1")),
    Relay("relay-eu-2", "eu-west", 6_250_000, (WG,), public("relay-eu-2")),
    Relay("relay-us-1", "us-east", 125_000_000, (HYB, WG), public("relay-us-1")),
    Relay("relay-ap-1", "ap-south", 1_250_000, (HYB, ONION), public("relay-ap-1")),
]
TUNNELS = [
    Tunnel("tun-1", "relay-eu-1", "relay-us-1", WG),
    Tunnel("tun-2", "relay-eu-1", "relay-eu-2", WG),
    Tunnel("tun-3", "relay-ap-1", "relay-eu-1", ONION),
]
MESH = Mesh.of(RELAYS, TUNNELS)
# An hour: the window is closed, so its last millisecond is T0 + HOUR - 1.
EPOCH = Epoch("netflow-epoch-0001", "accountant-1", T0, T0 + HOUR - 1, 1_000_003)


def signed(tunnel: str, start: int, end: int, count: int) -> Receipt:
    """A receipt signed by both endpoints of its tunnel."""
    found = MESH.tunnel(tunnel)
    assert found is not None
    receipt = Receipt(tunnel, start, end, count)
    for end_id in (found.a, found.b):
        receipt = sign_receipt(receipt, MESH, secret(end_id), AUX)
    return receipt


def netflow_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "NetFlow relay accounting: bandwidth receipts, epoch rewards, relay selection",
        "ailee_netflow_v1",
        [
            "docs/netflow.md is normative. 'relays' and 'tunnels' (any order) form the mesh.",
            "operation 'settle': 'epoch' and 'receipts' (any order) -> 'expected' "
            "{rewards [relay, bytes, reward] in id order, distributed, carried, receipts "
            "(digests, canonical order), mesh, receipts_root, rewards_root, digest, record "
            "(the telemetry record, JSON form)}. Epoch windows are closed [start_ms, end_ms]; "
            "receipt intervals are [start_ms, end_ms).",
            "operation 'check': 'record' (a telemetry record), 'pool', 'receipts' -> the "
            "same 'expected' when the receipts, mesh and pool give the record.",
            "operation 'select': 'request', 'policy' (null: the defaults), 'statuses' -> "
            "'expected' {ranked [{relay, factors, score}] best first, excluded [relay, "
            "reason] in id order}.",
            "Relay keys are x-only keys of secrets SHA-256('ailee netflow vector relay ' || "
            "id); signatures use 32 zero bytes of auxiliary randomness.",
        ],
    )
    vf.note("Order", "EDGE_CASE", "The input order differs; the result must not.")
    vf.note("Boundary", "EDGE_CASE", "A value exactly at a limit (capacity, adjacent intervals).")
    vf.note("Receipt", "CAN_OF_WORMS", "A receipt that must be refused.")
    vf.note("Mesh", "MALFORMED_INPUT", "A relay or tunnel that must be refused.")
    vf.note("Epoch", "MALFORMED_INPUT", "An epoch, or a recorded epoch, that must be refused.")
    vf.note("Commitment", "CAN_OF_WORMS", "A record that the carried inputs do not give.")
    vf.note("Selection", "MALFORMED_INPUT", "A selection input that must be refused.")
    vf.note("Limit", "EDGE_CASE", "A list one above its size limit, refused before its items.")

    relays = [relay_to_json(r) for r in RELAYS]
    tunnels = [tunnel_to_json(t) for t in TUNNELS]
    epoch_json = {"id": EPOCH.id, "accountant": EPOCH.accountant, "start_ms": EPOCH.start_ms,
                  "end_ms": EPOCH.end_ms, "pool": EPOCH.pool}  # fmt: skip

    def expected_of(settlement: Any) -> dict[str, Any]:
        doc = settlement_to_json(settlement)
        doc["record"] = write_fields(epoch_record(settlement), Form.JSON)
        return doc

    def settle_case(
        tests: list[Any], comment: str, receipts: list[dict[str, Any]], *,
        code: str | None = None, flags: tuple[str, ...] = (), epoch: dict[str, Any] | None = None,
        relay_docs: list[Any] | None = None, tunnel_docs: list[Any] | None = None,
    ) -> None:  # fmt: skip
        fields: dict[str, Any] = {
            "operation": "settle",
            "relays": relays if relay_docs is None else relay_docs,
            "tunnels": tunnels if tunnel_docs is None else tunnel_docs,
            "epoch": epoch_json if epoch is None else epoch,
            "receipts": receipts,
        }
        if code is None:
            from ailee.netflow import epoch_from_json, mesh_from_json, receipt_from_json

            mesh = mesh_from_json(fields["relays"], fields["tunnels"])
            parsed = [receipt_from_json(r) for r in receipts]
            fields["expected"] = expected_of(settle(epoch_from_json(fields["epoch"]), mesh, parsed))
        vf.add(tests, comment, fields, code=code, flags=flags)

    hour = [
        signed("tun-1", T0, T0 + 600_000, 4_000_000_000),
        signed("tun-1", T0 + 600_000, T0 + 1_200_000, 3_999_999_999),
        signed("tun-2", T0 + 60_000, T0 + 120_000, 123_456_789),
        signed("tun-3", T0, T0 + HOUR, 777_777_777),
    ]
    good = [receipt_to_json(r) for r in hour]

    valid = vf.group("settle")
    settle_case(valid, "three tunnels, four receipts: shares with remainders", good)
    settle_case(valid, "the same receipts in another order", good[::-1], flags=("Order",))
    settle_case(valid, "the same mesh given in another order", good,
                relay_docs=relays[::-1], tunnel_docs=tunnels[::-1], flags=("Order",))  # fmt: skip
    settle_case(valid, "no receipts: nothing distributed, the pool carried", [])
    zero = receipt_to_json(signed("tun-2", T0, T0 + 1000, 0))
    settle_case(valid, "only a receipt of zero bytes: the pool carried", [zero])
    # tun-2's smaller endpoint is relay-eu-2 at 6,250,000 bytes/s: 1 s carries that much.
    limit = receipt_to_json(signed("tun-2", T0, T0 + 1000, 6_250_000))
    settle_case(valid, "exactly the smaller endpoint's capacity", [limit], flags=("Boundary",))
    adjacent = [receipt_to_json(signed("tun-2", T0 + 1000 * k, T0 + 1000 * (k + 1), 1000 + k))
                for k in range(3)]  # fmt: skip
    settle_case(valid, "adjacent intervals do not overlap", adjacent, flags=("Boundary",))
    edges = [receipt_to_json(signed("tun-3", T0, T0 + 1, 1)),
             receipt_to_json(signed("tun-3", T0 + HOUR - 1, T0 + HOUR, 1))]  # fmt: skip
    settle_case(valid, "receipts at the epoch's first and last millisecond", edges,
                flags=("Boundary",))  # fmt: skip
    settle_case(valid, "an empty pool", good, epoch={**epoch_json, "pool": 0})
    one_ms = {**epoch_json, "end_ms": T0}
    settle_case(valid, "a one-millisecond epoch (end_ms = start_ms: the window is closed)",
                [receipt_to_json(signed("tun-3", T0, T0 + 1, 1))], epoch=one_ms,
                flags=("Boundary",))  # fmt: skip

    invalid = vf.group("settle invalid")

    def bad(comment: str, receipts: list[dict[str, Any]], code: str, **kw: Any) -> None:
        settle_case(invalid, comment, receipts, code=code, flags=kw.pop("flags", ("Receipt",)),
                    **kw)  # fmt: skip

    unknown = copy.deepcopy(good[0])
    unknown["tunnel"] = "tun-9"
    bad("a receipt of an unknown tunnel", [unknown], "NETFLOW_UNKNOWN_TUNNEL")
    empty = receipt_to_json(Receipt("tun-1", T0 + 5, T0 + 5, 0))
    bad("an empty interval", [empty], "NETFLOW_INTERVAL_INVALID")
    reversed_ = receipt_to_json(Receipt("tun-1", T0 + 6, T0 + 5, 0))
    bad("a reversed interval", [reversed_], "NETFLOW_INTERVAL_INVALID")
    late = receipt_to_json(signed("tun-1", T0 + HOUR - 1000, T0 + HOUR + 1, 10))
    bad("an interval whose last millisecond is one after the epoch's", [late],
        "NETFLOW_OUT_OF_EPOCH", flags=("Receipt", "Boundary"))  # fmt: skip
    early = receipt_to_json(signed("tun-1", T0 - 1, T0 + 1000, 10))
    bad("an interval starting before the epoch", [early], "NETFLOW_OUT_OF_EPOCH")
    for side in ("sig_a", "sig_b"):
        unsigned = copy.deepcopy(good[2])
        unsigned[side] = ""
        bad(f"a receipt without {side}", [good[0], unsigned], "NETFLOW_UNSIGNED")
    altered = copy.deepcopy(good[2])
    altered["bytes"] += 1
    bad("a count altered after signing", [altered], "NETFLOW_BAD_SIGNATURE")
    swapped = copy.deepcopy(good[2])
    swapped["sig_b"] = swapped["sig_a"]
    bad("endpoint b's signature is a's", [swapped], "NETFLOW_BAD_SIGNATURE")
    over = receipt_to_json(signed("tun-2", T0, T0 + 1000, 6_250_001))
    bad("one byte above the smaller endpoint's capacity (below the larger one's)", [over],
        "NETFLOW_OVER_CAPACITY", flags=("Receipt", "Boundary"))  # fmt: skip
    bad("the same receipt twice", [good[0], good[1], good[0]], "NETFLOW_DUPLICATE_RECEIPT")
    inside = receipt_to_json(signed("tun-1", T0 + 599_999, T0 + 700_000, 5))
    bad("two receipts of one tunnel overlap by 1 ms", [good[0], inside],
        "NETFLOW_INTERVAL_OVERLAP")  # fmt: skip
    recount = receipt_to_json(signed("tun-1", T0, T0 + 600_000, 1))
    bad("one interval counted twice with two counts", [good[0], recount],
        "NETFLOW_INTERVAL_OVERLAP")  # fmt: skip
    bad("a receipt's signature is 63 bytes", [{**good[0], "sig_a": good[0]["sig_a"][:-2]}],
        "BYTES_WRONG_LENGTH")  # fmt: skip

    def mesh_bad(comment: str, code: str, relay_docs: list[Any], tunnel_docs: list[Any]) -> None:
        settle_case(invalid, comment, [], code=code, flags=("Mesh",), relay_docs=relay_docs,
                    tunnel_docs=tunnel_docs)  # fmt: skip

    stray = [*tunnels, {"id": "tun-4", "a": "relay-eu-1", "b": "relay-zz-9", "kind": "wireguard"}]
    mesh_bad("a tunnel to an unknown relay", "NETFLOW_UNKNOWN_RELAY", relays, stray)
    onion = [*tunnels, {"id": "tun-4", "a": "relay-eu-2", "b": "relay-us-1", "kind": "onion"}]
    mesh_bad("an onion tunnel to relays that run only WireGuard", "NETFLOW_KIND_UNSUPPORTED",
             relays, onion)  # fmt: skip
    loop = [*tunnels, {"id": "tun-4", "a": "relay-eu-1", "b": "relay-eu-1", "kind": "wireguard"}]
    mesh_bad("a tunnel from a relay to itself", "LIST_NOT_SORTED_UNIQUE", relays, loop)
    backwards = [*tunnels, {"id": "tun-4", "a": "relay-us-1", "b": "relay-eu-2",
                            "kind": "wireguard"}]  # fmt: skip
    mesh_bad("a tunnel's endpoints not in id order", "LIST_NOT_SORTED_UNIQUE", relays, backwards)
    tor = [*tunnels, {"id": "tun-4", "a": "relay-eu-1", "b": "relay-us-1", "kind": "tor"}]
    mesh_bad("an unknown tunnel kind", "ENUM_UNKNOWN_VALUE", relays, tor)
    twice = [*relays, relays[0]]
    mesh_bad("a relay twice", "SECTION_DUPLICATE_KEY", twice, tunnels)
    offcurve = copy.deepcopy(relays)
    offcurve[1]["key"] = "00" * 31 + "05"  # x = 5: x^3 + 7 = 132 is not a square mod p
    mesh_bad("a relay key that is not a curve point", "TAPROOT_INVALID_KEY", offcurve, tunnels)
    zero_cap = copy.deepcopy(relays)
    zero_cap[0]["capacity_bps"] = 0
    mesh_bad("a relay of zero capacity", "INT_OUT_OF_RANGE", zero_cap, tunnels)
    unsorted_kinds = copy.deepcopy(relays)
    unsorted_kinds[0]["kinds"] = ["wireguard", "hybrid"]
    mesh_bad("a relay's kinds not sorted", "LIST_NOT_SORTED_UNIQUE", unsorted_kinds, tunnels)
    no_kinds = copy.deepcopy(relays)
    no_kinds[3]["kinds"] = []
    mesh_bad("a relay that runs no tunnel kind", "INT_OUT_OF_RANGE", no_kinds, tunnels)
    four_kinds = copy.deepcopy(relays)
    four_kinds[0]["kinds"] = ["hybrid", "onion", "wireguard", "wireguard"]
    mesh_bad("a relay with four kinds (size before order)", "INT_OUT_OF_RANGE", four_kinds,
             tunnels)  # fmt: skip
    pair = [*tunnels, {"id": "tun-4", "a": "relay-eu-1", "b": "relay-us-1", "kind": "hybrid"}]
    mesh_bad("a second tunnel between the same two relays (another kind)",
             "SECTION_DUPLICATE_KEY", relays, pair)  # fmt: skip
    backwards_tor = [*tunnels, {"id": "tun-4", "a": "relay-us-1", "b": "relay-eu-2",
                                "kind": "tor"}]  # fmt: skip
    mesh_bad("endpoints not in id order and an unknown kind: the order is checked first",
             "LIST_NOT_SORTED_UNIQUE", relays, backwards_tor)  # fmt: skip
    crowd = [0] * 10_001
    settle_case(invalid, "10,001 relays: refused before any is read", [],
                code="INPUT_TOO_LARGE", flags=("Limit",), relay_docs=crowd)  # fmt: skip

    def epoch_bad(comment: str, code: str, **changes: Any) -> None:
        settle_case(invalid, comment, [], code=code, flags=("Epoch",),
                    epoch={**epoch_json, **changes})  # fmt: skip

    epoch_bad("a pool above 21 million bitcoin", "AMOUNT_OUT_OF_RANGE",
              pool=2_100_000_000_000_001)  # fmt: skip
    epoch_bad("an epoch ending before it starts", "INT_OUT_OF_RANGE", end_ms=T0 - 1)
    epoch_bad("an epoch ending before it starts, and a pool above 21 million bitcoin: the "
              "window is checked first", "INT_OUT_OF_RANGE", end_ms=T0 - 1,
              pool=2_100_000_000_000_001)  # fmt: skip

    # --- check: an epoch recorded in the state's telemetry section ---------------------
    record = write_fields(epoch_record(settle(EPOCH, MESH, hour)), Form.JSON)

    def check_case(tests: list[Any], comment: str, rec: dict[str, Any], pool: int, *,
                   receipts: list[Any], code: str | None = None,
                   flags: tuple[str, ...] = ("Commitment",)) -> None:  # fmt: skip
        fields: dict[str, Any] = {"operation": "check", "relays": relays, "tunnels": tunnels,
                                  "record": rec, "pool": pool, "receipts": receipts}  # fmt: skip
        if code is None:
            from ailee.state import TelemetryRecord, read_fields

            parsed = read_fields(TelemetryRecord, rec, Form.JSON, "record")
            fields["expected"] = expected_of(check_epoch(parsed, pool, MESH, hour))
        vf.add(tests, comment, fields, code=code, flags=() if code is None else flags)

    checks = vf.group("check")
    check_case(checks, "the receipts, mesh and pool give the record", record, EPOCH.pool,
               receipts=good)  # fmt: skip
    checks_bad = vf.group("check invalid")
    check_case(checks_bad, "another pool", record, EPOCH.pool + 1, receipts=good,
               code="NETFLOW_COMMITMENT_MISMATCH")  # fmt: skip
    check_case(checks_bad, "a receipt left out", record, EPOCH.pool, receipts=good[:3],
               code="NETFLOW_COMMITMENT_MISMATCH")  # fmt: skip
    check_case(checks_bad, "another accounting node", {**record, "node_id": "accountant-2"},
               EPOCH.pool, receipts=good, code="NETFLOW_COMMITMENT_MISMATCH")  # fmt: skip
    check_case(checks_bad, "a window that ends one millisecond before a receipt's last",
               {**record, "window_end_ms": T0 + HOUR - 2}, EPOCH.pool, receipts=good,
               code="NETFLOW_OUT_OF_EPOCH", flags=("Receipt", "Boundary"))  # fmt: skip
    reversed_window = {**record, "window_end_ms": T0 - 1}
    check_case(checks_bad, "a record whose window ends before it starts", reversed_window,
               EPOCH.pool, receipts=good, code="INT_OUT_OF_RANGE", flags=("Epoch",))  # fmt: skip
    check_case(checks_bad, "a reversed window and a pool above 21 million bitcoin: the pool "
               "is checked first", reversed_window, 2_100_000_000_000_001, receipts=good,
               code="AMOUNT_OUT_OF_RANGE", flags=("Epoch",))  # fmt: skip

    # --- select ---------------------------------------------------------------------------
    def select_case(tests: list[Any], comment: str, request: dict[str, Any],
                    statuses: list[Any], *, policy: dict[str, Any] | None = None,
                    code: str | None = None, relay_docs: list[Any] | None = None,
                    flags: tuple[str, ...] = ()) -> None:  # fmt: skip
        fields: dict[str, Any] = {
            "operation": "select",
            "relays": relays if relay_docs is None else relay_docs,
            "request": request,
            "policy": policy,
            "statuses": statuses,
        }
        if code is None:
            from ailee.netflow import (
                relay_from_json,
                request_from_json,
                selection_policy_from_json,
                status_from_json,
            )

            ranking = rank_relays(
                [relay_from_json(r) for r in fields["relays"]],
                request_from_json(request),
                None if policy is None else selection_policy_from_json(policy),
                [status_from_json(s) for s in statuses],
            )
            fields["expected"] = ranking_to_json(ranking)
        vf.add(tests, comment, fields, code=code, flags=flags)

    def request(kind: str, min_capacity: int = 0, allowed: list[str] | None = None,
                preferred: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
        return {"kind": kind, "min_capacity_bps": min_capacity,
                "allowed_regions": allowed or [], "preferred_regions": preferred or []}  # fmt: skip

    def status(relay: str, online: bool = True, load: int = 0,
               latency: int | None = None) -> dict[str, Any]:  # fmt: skip
        return {"relay": relay, "online": online, "load_ppm": load, "latency_ms": latency}

    statuses = [status("relay-eu-1", load=250_000, latency=40), status("relay-eu-2", latency=35),
                status("relay-us-1", load=900_000, latency=120),
                status("relay-ap-1", online=False)]  # fmt: skip
    policy = {"weights": {"capacity": 10, "latency": 50, "region": 25, "load": 5},
              "capacity_ceiling_bps": 10_000_000, "latency_ceiling_ms": 500}  # fmt: skip
    sel = vf.group("select")
    select_case(sel, "wireguard, default policy, no statuses", request("wireguard"), [])
    select_case(sel, "wireguard with statuses: an offline relay, loads and latencies",
                request("wireguard"), statuses)  # fmt: skip
    select_case(sel, "the same in another order", request("wireguard"), statuses[::-1],
                relay_docs=relays[::-1], flags=("Order",))  # fmt: skip
    select_case(sel, "onion in eu-west or ap-south, preferring ap-south", request(
        "onion", allowed=["ap-south", "eu-west"], preferred=["ap-south"]), [])  # fmt: skip
    select_case(sel, "wireguard only in eu-west", request("wireguard", allowed=["eu-west"]),
                statuses)  # fmt: skip
    select_case(sel, "hybrid needing 10,000,000 bytes/s free, a custom policy",
                request("hybrid", 10_000_000), statuses, policy=policy)  # fmt: skip
    select_case(sel, "free capacity exactly the request", request("wireguard", 6_250_000),
                [status("relay-eu-1", load=500_000)], flags=("Boundary",))  # fmt: skip
    twins = [relays[1], {**relays[1], "id": "relay-eu-0"}]
    select_case(sel, "equal scores: ties by relay id", request("wireguard"), [],
                relay_docs=twins[::-1], flags=("Order",))  # fmt: skip
    sel_bad = vf.group("select invalid")
    select_case(sel_bad, "a status of an unknown relay", request("wireguard"),
                [status("relay-zz-9")], code="NETFLOW_UNKNOWN_RELAY",
                flags=("Selection",))  # fmt: skip
    select_case(sel_bad, "a status twice", request("wireguard"),
                [status("relay-eu-1"), status("relay-eu-1", load=1)],
                code="SECTION_DUPLICATE_KEY", flags=("Selection",))  # fmt: skip
    select_case(sel_bad, "a load above 1,000,000 ppm", request("wireguard"),
                [status("relay-eu-1", load=1_000_001)], code="INT_OUT_OF_RANGE",
                flags=("Selection",))  # fmt: skip
    select_case(sel_bad, "allowed regions not sorted",
                request("wireguard", allowed=["us-east", "eu-west"]), [],
                code="LIST_NOT_SORTED_UNIQUE", flags=("Selection",))  # fmt: skip
    select_case(sel_bad, "a weight above 1000", request("wireguard"), [],
                policy={**policy, "weights": {**policy["weights"], "load": 1001}},
                code="INT_OUT_OF_RANGE", flags=("Selection",))  # fmt: skip

    def sel_fault(comment: str, code: str, req: dict[str, Any], sts: list[Any], **kw: Any) -> None:
        select_case(sel_bad, comment, req, sts, code=code, flags=kw.pop("flags", ("Selection",)),
                    **kw)  # fmt: skip

    wg = request("wireguard")
    sel_fault("a relay twice", "SECTION_DUPLICATE_KEY", wg, [], relay_docs=[*relays, relays[2]])
    sel_fault(
        "a relay twice and a request of an unknown kind: reading comes first",
        "ENUM_UNKNOWN_VALUE",
        request("tor"),
        [],
        relay_docs=[*relays, relays[2]],
    )
    sel_fault("a relay key that is not a curve point", "TAPROOT_INVALID_KEY", wg, [],
              relay_docs=offcurve)  # fmt: skip
    sel_fault(
        "a status of an unknown relay that sorts before a relay with two statuses: "
        "duplicates are checked first",
        "SECTION_DUPLICATE_KEY",
        wg,
        [status("relay-us-1"), status("relay-aa-0"), status("relay-us-1", load=5)],
    )
    sel_fault("online given as 1, not true", "SCHEMA_WRONG_TYPE", wg,
              [{**status("relay-eu-1"), "online": 1}])  # fmt: skip
    sel_fault("a status whose relay is empty and online is not a boolean: relay is read first",
              "ID_EMPTY", wg, [{**status(""), "online": "yes"}])  # fmt: skip
    sel_fault(
        "a status without latency_ms (it is null when unknown, never left out)",
        "SCHEMA_MISSING_FIELD",
        wg,
        [{k: v for k, v in status("relay-eu-1").items() if k != "latency_ms"}],
    )
    sel_fault(
        "a policy without latency_ceiling_ms (a policy given has every member)",
        "SCHEMA_MISSING_FIELD",
        wg,
        [],
        policy={k: v for k, v in policy.items() if k != "latency_ceiling_ms"},
    )
    sel_fault("a policy without the region weight", "SCHEMA_MISSING_FIELD", wg, [],
              policy={**policy, "weights": {k: v for k, v in policy["weights"].items()
                                            if k != "region"}})  # fmt: skip
    sel_fault(
        "a request without preferred_regions",
        "SCHEMA_MISSING_FIELD",
        {k: v for k, v in wg.items() if k != "preferred_regions"},
        [],
    )
    sel_fault(
        "1,001 allowed regions: refused before any is read",
        "INT_OUT_OF_RANGE",
        {**wg, "allowed_regions": [0] * 1_001},
        [],
        flags=("Selection", "Limit"),
    )
    return vf
