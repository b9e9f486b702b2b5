"""The circuit-breaker golden vectors (ailee.safety). Called by ``tools/generate_vectors.py``.

Each case runs one breaker (``node`` or ``bridge``) from an initial status over a list
of samples; ``expected.statuses`` is the status after each sample, so a failure shows
the first step that differs. Bridge cases may end with ``admissions`` checked on the
last status; an invalid case names the code of the first refusal or fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ailee.errors import AileeError
from ailee.safety import (
    MAX_HEIGHT,
    BreakerPolicy,
    BridgeSample,
    BridgeStatus,
    MetricsSample,
    NodeStatus,
    admit_pegin,
    admit_pegout,
    step,
    step_bridge,
)

BTC = 100_000_000
HEALTHY_NODE = {
    "block_size": 1_000_000,
    "latency_ms": 100,
    "peers": 20,
    "eis_ppm": 800_000,
    "eis_change_ppm": 10_000,
    "drift_ppm": 0,
    "sensor_confidence_ppm": 900_000,
}
HEALTHY_BRIDGE = {
    "reserves": 100 * BTC,
    "liabilities": 100 * BTC,
    "active_signers": 15,
    "threshold": 10,
    "pegout_volume": 0,
    "spv_checks": 0,
    "spv_failures": 0,
}


def _node(height: int, **changes: int) -> dict[str, int]:
    return {"height": height, **HEALTHY_NODE, **changes}


def _bridge(height: int, **changes: int) -> dict[str, int]:
    return {"height": height, **HEALTHY_BRIDGE, **changes}


def _trace(breaker: str, policy: BreakerPolicy, initial: Any, samples: list[Any]) -> list[Any]:
    """The status after each sample, as JSON (raises what the breaker raises)."""
    statuses = []
    if breaker == "node":
        node = NodeStatus() if initial is None else NodeStatus.from_json(initial)
        for sample in samples:
            node = step(node, MetricsSample.from_json(sample), policy)
            statuses.append(node.to_json())
    else:
        bridge = BridgeStatus.initial(policy)
        if initial is not None:
            bridge = BridgeStatus.from_json(initial)
        for sample in samples:
            bridge = step_bridge(bridge, BridgeSample.from_json(sample), policy)
            statuses.append(bridge.to_json())
    return statuses


def _admit(status: Any, admissions: list[dict[str, Any]]) -> None:
    bridge = BridgeStatus.from_json(status)
    for admission in admissions:
        if admission["op"] == "pegin":
            admit_pegin(bridge)
        else:
            admit_pegout(bridge, admission["amount"], exit_claim=admission["exit_claim"])


def breaker_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Circuit breakers: the node breaker's levels and the bridge breakers (ailee.safety)",
        "ailee_breakers_v1",
        [
            "'breaker' is 'node' or 'bridge'; 'policy' a full breaker policy object, or null "
            "for the default; 'initial' a status (JSON form, docs/safety.md), or null for "
            "the status before any sample; 'samples' are applied in order. 'expected' "
            "{'statuses'} is the status after each sample. A bridge case may give "
            "'admissions' ({'op': 'pegin'} or {'op': 'pegout', 'amount', 'exit_claim'}), "
            "checked in order against the last status (or the initial one when there are "
            "no samples); admissions do not change the status. Invalid cases name the code "
            "of the first fault or refusal, in the order of docs/safety.md section 7 (policy, "
            "initial status, then each sample read, height-checked and stepped, then the "
            "admissions); a case refused by an admission carries 'expected' too.",
        ],
    )
    vf.note("Hysteresis", "EDGE_CASE", "A breaker steps down or clears at the exact height.")
    vf.note("Heights", "EDGE_CASE", "Samples skip or repeat heights.")
    vf.note("Escalation", "FUNCTIONALITY", "Concurrent or lasting conditions raise the level.")
    vf.note("Refusal", "FUNCTIONALITY", "A breaker refuses a peg-in or a peg-out.")
    vf.note("Malformed", "MALFORMED_INPUT", "A policy, status or sample is invalid.")
    vf.note("Split", "EDGE_CASE", "A height's samples split or ordered differently agree.")

    def case(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        breaker: str,
        samples: list[Any],
        code: str | None = None,
        flags: tuple[str, ...] = (),
        policy: Any = None,
        initial: Any = None,
        admissions: list[Any] | None = None,
    ) -> None:
        fields: dict[str, Any] = {
            "breaker": breaker,
            "policy": policy,
            "initial": initial,
            "samples": samples,
        }
        if admissions is not None:
            fields["admissions"] = admissions
        try:
            parsed = BreakerPolicy() if policy is None else BreakerPolicy.from_json(policy)
            statuses = _trace(breaker, parsed, initial, samples)
        except AileeError:
            statuses = None
        if statuses is not None:
            fields["expected"] = {"statuses": statuses}
        vf.add(tests, comment, fields, code=code, flags=flags)

    default = BreakerPolicy().to_json()
    healthy_run = [_node(h) for h in range(101, 111)]
    valid = vf.group("valid")
    case(valid, "healthy samples stay optimized", "node", [_node(100), _node(101)])
    for name, changes in (
        ("block size above 4,000,000 bytes: safe_mode", {"block_size": 4_000_001}),
        ("latency above 2,000 ms: safe_mode", {"latency_ms": 2_001}),
        ("latency above 1,500 ms: soft_trip", {"latency_ms": 1_501}),
        ("7 peers: safe_mode", {"peers": 7}),
        ("no peers: critical", {"peers": 0}),
        ("EIS change above 350,000 ppm: soft_trip", {"eis_change_ppm": 350_001}),
        ("EIS below 200,000 ppm: soft_trip", {"eis_ppm": 199_999}),
        ("drift above 600,000 ppm: safe_mode", {"drift_ppm": 600_001}),
        ("sensor confidence below 250,000 ppm: soft_trip", {"sensor_confidence_ppm": 249_999}),
    ):
        case(valid, f"{name}, then ten healthy heights step it down once", "node",
             [_node(100, **changes), *healthy_run], flags=("Hysteresis",))  # fmt: skip
    case(valid, "every threshold itself is healthy", "node",
         [_node(100, block_size=4_000_000, latency_ms=1_500, peers=8, eis_change_ppm=350_000,
                eis_ppm=200_000, drift_ppm=600_000, sensor_confidence_ppm=250_000)])  # fmt: skip
    case(valid, "three soft conditions at once: safe_mode", "node",
         [_node(100, eis_ppm=0, eis_change_ppm=400_000, sensor_confidence_ppm=0)],
         flags=("Escalation",))  # fmt: skip
    case(valid, "three safe-mode conditions at once: critical", "node",
         [_node(100, block_size=5_000_000, latency_ms=3_000, drift_ppm=700_000)],
         flags=("Escalation",))  # fmt: skip
    case(
        valid,
        "latency above 2,000 ms for ten heights: critical",
        "node",
        [_node(h, latency_ms=2_500) for h in range(100, 110)],
        flags=("Escalation",),
    )
    case(
        valid,
        "a lasting soft condition holds safe_mode, never critical",
        "node",
        [_node(h, eis_ppm=0) for h in range(100, 125)],
        flags=("Escalation",),
    )
    case(valid, "critical steps down one level per ten healthy heights", "node",
         [_node(100, peers=0)] + [_node(h) for h in range(101, 131)],
         flags=("Hysteresis",))  # fmt: skip
    case(valid, "a relapse restarts the hold", "node",
         [_node(100, eis_ppm=0)] + [_node(h) for h in range(101, 106)]
         + [_node(106, eis_change_ppm=500_000)] + [_node(h) for h in range(107, 117)],
         flags=("Hysteresis",))  # fmt: skip
    case(valid, "skipped heights hold the sample before them", "node",
         [_node(100, drift_ppm=900_000), _node(101), _node(110), _node(5_000)],
         flags=("Heights", "Hysteresis"))  # fmt: skip
    case(valid, "repeated heights count once, and never make a height healthier", "node",
         [_node(100, eis_ppm=0), _node(100), _node(101), _node(101), _node(101),
          _node(101, drift_ppm=700_000), _node(110), _node(110)],
         flags=("Heights",))  # fmt: skip
    case(valid, "a policy with a hold of 2 and a concurrency of 2", "node",
         [_node(100, eis_ppm=0, sensor_confidence_ppm=0), _node(101), _node(102), _node(103)],
         policy={**default, "hysteresis_blocks": 2, "concurrent_trips": 2},
         flags=("Hysteresis", "Escalation"))  # fmt: skip
    case(valid, "from a given status: critical in a calm run", "node", [_node(120)],
         initial={"level": "critical", "height": 110, "tripped": [], "soft_since": None,
                  "safe_since": None, "calm_since": 111},
         flags=("Hysteresis",))  # fmt: skip
    case(valid, "an initial status with its keys in another order reads the same", "node",
         [_node(120)],
         initial={"calm_since": 111, "safe_since": None, "soft_since": None, "tripped": [],
                  "height": 110, "level": "critical"})  # fmt: skip
    case(valid, "a gap steps each skipped height: critical at 100, healthy at 101 and 200 "
         "is optimized", "node", [_node(100, peers=0), _node(101), _node(200)],
         flags=("Heights", "Hysteresis"))  # fmt: skip
    case(valid, "a lasting condition escalates in a gap: eis_low at 100, healthy at 120 is "
         "safe_mode", "node", [_node(100, eis_ppm=199_999), _node(120)],
         flags=("Heights", "Escalation"))  # fmt: skip
    case(valid, "a gap of a billion heights is stepped at once: no peers held all through it",
         "node",
         [_node(100, peers=0), _node(1_000_000_100)], flags=("Heights",))  # fmt: skip
    case(valid, "skipped heights hold the union of the height before them", "node",
         [_node(100, eis_ppm=0), _node(100), _node(115)], flags=("Heights", "Split"))  # fmt: skip
    persist3 = {**default, "persist_blocks": 3}
    case(valid, "one sample with two conditions: the safe run from 8 lasts 3 at 10", "node",
         [_node(8, peers=7), _node(10, peers=7, sensor_confidence_ppm=0)], policy=persist3,
         flags=("Split", "Escalation"))  # fmt: skip
    case(valid, "the same conditions split over two samples at 10: the same status", "node",
         [_node(8, peers=7), _node(10, sensor_confidence_ppm=0), _node(10, peers=7)],
         policy=persist3, flags=("Split", "Escalation"))  # fmt: skip
    case(valid, "the highest height, 2^53 - 2: a step down writes calm_since 2^53 - 1", "node",
         [_node(MAX_HEIGHT - 10, drift_ppm=700_000), _node(MAX_HEIGHT - 9), _node(MAX_HEIGHT)],
         flags=("Heights", "Hysteresis"))  # fmt: skip

    case(valid, "a healthy bridge admits peg-ins and peg-outs", "bridge", [_bridge(100)],
         admissions=[{"op": "pegin"}, {"op": "pegout", "amount": 1_000 * BTC,
                                        "exit_claim": False}])  # fmt: skip
    case(valid, "collateral at 90% is enough; below it halts peg-ins, not peg-outs", "bridge",
         [_bridge(100, reserves=90 * BTC), _bridge(101, reserves=90 * BTC - 1)],
         admissions=[{"op": "pegout", "amount": BTC, "exit_claim": False}])  # fmt: skip
    case(valid, "collateral resumes after ten heights at 95%, not in the 90-95% band",
         "bridge",
         [_bridge(100, reserves=80 * BTC)]
         + [_bridge(h, reserves=94 * BTC) for h in range(101, 104)]
         + [_bridge(h, reserves=95 * BTC) for h in range(104, 114)],
         admissions=[{"op": "pegin"}], flags=("Hysteresis",))  # fmt: skip
    case(valid, "emergency: an exit claim still pegs out", "bridge",
         [_bridge(100, active_signers=9)], admissions=[
             {"op": "pegout", "amount": BTC, "exit_claim": True}])  # fmt: skip
    case(valid, "emergency clears after ten heights with the threshold met", "bridge",
         [_bridge(100, active_signers=9)]
         + [_bridge(h, active_signers=10) for h in range(101, 111)],
         admissions=[{"op": "pegin"}], flags=("Hysteresis",))  # fmt: skip
    case(valid, "peg-out volume: the limit is per six-block window, and slides", "bridge",
         [_bridge(100, pegout_volume=600 * BTC), _bridge(103, pegout_volume=400 * BTC),
          _bridge(106)],
         admissions=[{"op": "pegout", "amount": 600 * BTC, "exit_claim": False}],
         flags=("Heights",))  # fmt: skip
    case(
        valid,
        "peg-out volume above the limit trips the condition",
        "bridge",
        [_bridge(100, pegout_volume=1_000 * BTC + 1)],
    )
    case(valid, "SPV: 1 failure in 20 checks is 5%, not above; 2 in the window's 39 halt peg-ins",
         "bridge",
         [_bridge(100, spv_checks=20, spv_failures=1), _bridge(101, spv_checks=19, spv_failures=1)]
         )  # fmt: skip
    case(valid, "SPV failures diluted below 5% clear after ten heights", "bridge",
         [_bridge(100, spv_checks=20, spv_failures=2), _bridge(101, spv_checks=30)]
         + [_bridge(h) for h in range(102, 111)],
         admissions=[{"op": "pegin"}], flags=("Hysteresis",))  # fmt: skip
    settled = [_bridge(100, reserves=80 * BTC)] + [_bridge(h) for h in range(101, 110)]
    case(valid, "collateral: a sample in the 90-95% band after the hold completed at that "
         "height sets the breaker again", "bridge",
         [*settled, _bridge(110), _bridge(110, reserves=94 * BTC)],
         admissions=[{"op": "pegout", "amount": BTC, "exit_claim": False}],
         flags=("Split", "Hysteresis"))  # fmt: skip
    case(valid, "collateral: the same samples in the other order give the same status",
         "bridge", [*settled, _bridge(110, reserves=94 * BTC), _bridge(110)],
         flags=("Split", "Hysteresis"))  # fmt: skip
    case(valid, "SPV: entries leaving the window in a gap trip the breaker, then clear it",
         "bridge", [_bridge(100, spv_checks=100), _bridge(150, spv_checks=20, spv_failures=3),
                    _bridge(300)], flags=("Heights",))  # fmt: skip
    case(valid, "admissions do not change the status: two peg-outs each within the allowance "
         "pass, even together above it", "bridge", [_bridge(100)],
         admissions=[{"op": "pegout", "amount": 600 * BTC, "exit_claim": False},
                     {"op": "pegout", "amount": 600 * BTC, "exit_claim": False}],
         flags=("Refusal",))  # fmt: skip
    case(valid, "no samples: admissions use the initial status", "bridge", [],
         admissions=[{"op": "pegin"}, {"op": "pegout", "amount": 1_000 * BTC,
                                        "exit_claim": False}])  # fmt: skip
    case(valid, "repeated heights add their peg-out volume and SPV counts", "bridge",
         [_bridge(100, pegout_volume=BTC, spv_checks=3),
          _bridge(100, pegout_volume=2 * BTC, spv_checks=4, spv_failures=1)],
         flags=("Heights",))  # fmt: skip

    invalid = vf.group("invalid")
    case(invalid, "node: a sample below the status height", "node", [_node(100), _node(99)],
         code="BREAKER_HEIGHT_REGRESSION", flags=("Heights",))  # fmt: skip
    case(
        invalid,
        "bridge: a sample below the status height",
        "bridge",
        [_bridge(100), _bridge(99)],
        code="BREAKER_HEIGHT_REGRESSION",
        flags=("Heights",),
    )
    case(invalid, "policy: hysteresis_blocks 0", "node", [_node(1)],
         policy={**default, "hysteresis_blocks": 0}, code="BREAKER_POLICY_INVALID",
         flags=("Malformed",))  # fmt: skip
    case(invalid, "policy: hysteresis_blocks above 4032", "node", [_node(1)],
         policy={**default, "hysteresis_blocks": 4_033}, code="BREAKER_POLICY_INVALID",
         flags=("Malformed",))  # fmt: skip
    case(invalid, "policy: warning latency above the tolerance", "node", [_node(1)],
         policy={**default, "warn_latency_ms": 2_001}, code="BREAKER_POLICY_INVALID",
         flags=("Malformed",))  # fmt: skip
    case(invalid, "policy: resuming below the halting collateral", "bridge", [_bridge(1)],
         policy={**default, "resume_collateral_ppm": 899_999}, code="BREAKER_POLICY_INVALID",
         flags=("Malformed",))  # fmt: skip
    case(invalid, "policy: a field that is not an integer, checked before another's range",
         "node", [_node(1)], policy={**default, "min_peers": 0, "hysteresis_blocks": "10"},
         code="SCHEMA_WRONG_TYPE", flags=("Malformed",))  # fmt: skip
    case(invalid, "sample: a height above 2^53 - 2", "node", [_node(MAX_HEIGHT + 1)],
         code="INT_OUT_OF_RANGE", flags=("Malformed", "Heights"))  # fmt: skip
    case(invalid, "status: critical with no condition and no calm run", "node", [_node(101)],
         initial={"level": "critical", "height": 100, "tripped": [], "soft_since": None,
                  "safe_since": None, "calm_since": None},
         code="BREAKER_STATUS_INVALID", flags=("Malformed",))  # fmt: skip
    case(invalid, "status: a calm run longer than the policy's hold", "node", [_node(111)],
         initial={"level": "critical", "height": 110, "tripped": [], "soft_since": None,
                  "safe_since": None, "calm_since": 100},
         code="BREAKER_STATUS_INVALID", flags=("Malformed",))  # fmt: skip
    case(invalid, "status: a level below the policy's demand (a soft run of 21 heights)",
         "node", [_node(121)],
         initial={"level": "soft_trip", "height": 120, "tripped": ["eis_low"],
                  "soft_since": 100, "safe_since": None, "calm_since": None},
         code="BREAKER_STATUS_INVALID", flags=("Malformed",))  # fmt: skip
    case(invalid, "status: a calm run at optimized", "node", [_node(1)],
         initial={"level": "optimized", "height": 0, "tripped": [], "soft_since": None,
                  "safe_since": None, "calm_since": 0},
         code="BREAKER_STATUS_INVALID", flags=("Malformed",))  # fmt: skip
    case(invalid, "status: a condition met but the emergency not latched", "bridge",
         [_bridge(1)],
         initial={**BridgeStatus.initial(BreakerPolicy()).to_json(), "height": 0,
                  "tripped": ["signers"]},
         code="BREAKER_STATUS_INVALID", flags=("Malformed",))  # fmt: skip
    fresh = BridgeStatus.initial(BreakerPolicy()).to_json()
    case(invalid, "status: no height, an allowance other than the policy's limit", "bridge",
         [_bridge(1)], initial={**fresh, "pegout_allowance": 1_000 * BTC + 1},
         code="BREAKER_STATUS_INVALID", flags=("Malformed",))  # fmt: skip
    case(invalid, "no samples: an initial status claiming more than the policy's limit",
         "bridge", [], initial={**fresh, "pegout_allowance": 1_000 * BTC + 1},
         admissions=[{"op": "pegout", "amount": 1_000 * BTC + 1, "exit_claim": False}],
         code="BREAKER_STATUS_INVALID", flags=("Malformed",))  # fmt: skip
    case(invalid, "status: an allowance above what the window leaves", "bridge", [_bridge(101)],
         initial={**fresh, "height": 100, "window": [
             {"height": 100, "pegout_volume": 600 * BTC, "spv_checks": 0, "spv_failures": 0}]},
         code="BREAKER_STATUS_INVALID", flags=("Malformed",))  # fmt: skip
    case(invalid, "sample: a threshold of 0", "bridge", [_bridge(1, threshold=0)],
         code="INT_OUT_OF_RANGE", flags=("Malformed",))  # fmt: skip
    case(invalid, "sample: SPV failures above checks", "bridge",
         [_bridge(1, spv_checks=1, spv_failures=2)], code="INT_OUT_OF_RANGE",
         flags=("Malformed",))  # fmt: skip
    case(
        invalid,
        "peg-in while collateral is low",
        "bridge",
        [_bridge(100, reserves=0)],
        admissions=[{"op": "pegin"}],
        code="BREAKER_PEGINS_HALTED",
        flags=("Refusal",),
    )
    case(invalid, "peg-in while SPV proofs fail", "bridge",
         [_bridge(100, spv_checks=20, spv_failures=2)], admissions=[{"op": "pegin"}],
         code="BREAKER_PEGINS_HALTED", flags=("Refusal",))  # fmt: skip
    case(
        invalid,
        "peg-in in emergency",
        "bridge",
        [_bridge(100, active_signers=0)],
        admissions=[{"op": "pegin"}],
        code="BREAKER_EMERGENCY",
        flags=("Refusal",),
    )
    case(invalid, "a peg-out that is not an exit claim, in emergency", "bridge",
         [_bridge(100, active_signers=9)],
         admissions=[{"op": "pegout", "amount": BTC, "exit_claim": True},
                     {"op": "pegout", "amount": BTC, "exit_claim": False}],
         code="BREAKER_EMERGENCY", flags=("Refusal",))  # fmt: skip
    case(invalid, "emergency one height before it clears", "bridge",
         [_bridge(100, active_signers=9)] + [_bridge(h) for h in range(101, 110)],
         admissions=[{"op": "pegin"}], code="BREAKER_EMERGENCY",
         flags=("Refusal", "Hysteresis"))  # fmt: skip
    case(invalid, "a peg-out one satoshi above the window's allowance", "bridge",
         [_bridge(100, pegout_volume=600 * BTC), _bridge(105)],
         admissions=[{"op": "pegout", "amount": 400 * BTC + 1, "exit_claim": False}],
         code="BREAKER_RATE_LIMITED", flags=("Refusal",))  # fmt: skip
    case(invalid, "a reported admission counts: 600 BTC reported at the same height leaves "
         "400 BTC", "bridge", [_bridge(100), _bridge(100, pegout_volume=600 * BTC)],
         admissions=[{"op": "pegout", "amount": 600 * BTC, "exit_claim": False}],
         code="BREAKER_RATE_LIMITED", flags=("Refusal", "Heights"))  # fmt: skip
    case(invalid, "no samples: a peg-out above the initial allowance", "bridge", [],
         admissions=[{"op": "pegout", "amount": 1_000 * BTC + 1, "exit_claim": False}],
         code="BREAKER_RATE_LIMITED", flags=("Refusal",))  # fmt: skip
    case(invalid, "a peg-out amount below 0", "bridge", [_bridge(100)],
         admissions=[{"op": "pegout", "amount": -1, "exit_claim": False}],
         code="AMOUNT_OUT_OF_RANGE", flags=("Malformed",))  # fmt: skip
    case(invalid, "a peg-out amount that is not an integer", "bridge", [_bridge(100)],
         admissions=[{"op": "pegout", "amount": "1", "exit_claim": False}],
         code="SCHEMA_WRONG_TYPE", flags=("Malformed",))  # fmt: skip
    case(invalid, "an exit claim above the window's allowance waits too", "bridge",
         [_bridge(100, pegout_volume=1_000 * BTC)],
         admissions=[{"op": "pegout", "amount": 1, "exit_claim": True}],
         code="BREAKER_RATE_LIMITED", flags=("Refusal",))  # fmt: skip
    for entry in vf.groups[0]["tests"]:
        if "admissions" in entry:  # valid cases' admissions must pass
            statuses = entry["expected"]["statuses"]
            last = statuses[-1] if statuses else BridgeStatus.initial(BreakerPolicy()).to_json()
            _admit(last, entry["admissions"])
    return vf
