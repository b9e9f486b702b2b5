"""Circuit breakers (ailee.safety): the policy, every transition, the bridge breakers and
the admissions they gate, and the scheduler's circuit filter."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest

from ailee.errors import DecodeError, ReasonCode
from ailee.safety import MAX_HEIGHT, MAX_WINDOW_BLOCKS, PPM, BreakerPolicy

# --- the policy ------------------------------------------------------------------------

#: For a field of a cross-field rule, the partner value that keeps the rule satisfied
#: whatever the field's value is in its bounds.
_PARTNERS = {
    "warn_latency_ms": ("max_latency_ms", BreakerPolicy.BOUNDS["max_latency_ms"][1]),
    "max_latency_ms": ("warn_latency_ms", BreakerPolicy.BOUNDS["warn_latency_ms"][0]),
    "min_collateral_ppm": (
        "resume_collateral_ppm",
        BreakerPolicy.BOUNDS["resume_collateral_ppm"][1],
    ),
    "resume_collateral_ppm": ("min_collateral_ppm", 1),
}
FIELDS = [field.name for field in dataclasses.fields(BreakerPolicy)]


def _policy_with(name: str, value: object) -> BreakerPolicy:
    changes: dict[str, object] = {name: value}
    if name in _PARTNERS:
        partner, partner_value = _PARTNERS[name]
        changes[partner] = partner_value
    return BreakerPolicy(**changes)  # type: ignore[arg-type]


def test_default_policy_is_the_originals_numbers() -> None:
    policy = BreakerPolicy()
    assert policy.max_block_size == 4_000_000  # MAX_SAFE_BLOCK_SIZE_MB = 4.0
    assert policy.max_latency_ms == 2_000
    assert policy.warn_latency_ms == 1_500  # 75% of the tolerance, a soft signal
    assert policy.min_peers == 8
    assert policy.max_eis_change_ppm == 350_000
    assert policy.min_eis_ppm == 200_000
    assert policy.max_drift_ppm == 600_000
    assert policy.min_sensor_confidence_ppm == 250_000
    assert policy.concurrent_trips == 3
    assert policy.hysteresis_blocks == 10
    assert policy.persist_blocks == 10
    assert policy.min_collateral_ppm == 900_000
    assert policy.resume_collateral_ppm == 950_000
    assert policy.pegout_window_blocks == 6
    assert policy.pegout_window_limit == 1_000 * 100_000_000
    assert policy.max_spv_failure_ppm == 50_000


def test_policy_fields_are_all_int_and_all_bounded() -> None:
    """The contract ailee.policy reads generically."""
    for field in dataclasses.fields(BreakerPolicy):
        assert field.type in ("int", int), field.name
    assert set(BreakerPolicy.BOUNDS) == set(FIELDS)
    for name, (low, high) in BreakerPolicy.BOUNDS.items():
        assert isinstance(low, int)
        assert isinstance(high, int)
        assert low <= getattr(BreakerPolicy(), name) <= high, name
    assert BreakerPolicy.BOUNDS["hysteresis_blocks"] == (1, MAX_WINDOW_BLOCKS)
    assert BreakerPolicy.BOUNDS["max_eis_change_ppm"] == (0, PPM)


@pytest.mark.parametrize("name", FIELDS)
def test_policy_field_at_min_and_max_is_accepted(name: str) -> None:
    low, high = BreakerPolicy.BOUNDS[name]
    assert getattr(_policy_with(name, low), name) == low
    assert getattr(_policy_with(name, high), name) == high


@pytest.mark.parametrize("name", FIELDS)
def test_policy_field_out_of_bounds_is_refused(name: str) -> None:
    low, high = BreakerPolicy.BOUNDS[name]
    for value in (high + 1, low - 1):
        with pytest.raises(DecodeError) as caught:
            _policy_with(name, value)
        assert caught.value.code is ReasonCode.BREAKER_POLICY_INVALID
        assert caught.value.message.startswith(f"breakers.{name}: {value} not in")


@pytest.mark.parametrize("value", [True, "10", 10.0, None])
def test_policy_field_of_another_type_is_refused(value: object) -> None:
    with pytest.raises(DecodeError) as caught:
        BreakerPolicy(hysteresis_blocks=value)  # type: ignore[arg-type]
    assert caught.value.code is ReasonCode.BREAKER_POLICY_INVALID
    assert caught.value.message.startswith("breakers.hysteresis_blocks: expected an integer")


def test_policy_cross_field_rules() -> None:
    BreakerPolicy(warn_latency_ms=2_000, max_latency_ms=2_000)
    with pytest.raises(DecodeError, match=r"breakers\.warn_latency_ms: 2001 above") as caught:
        BreakerPolicy(warn_latency_ms=2_001, max_latency_ms=2_000)
    assert caught.value.code is ReasonCode.BREAKER_POLICY_INVALID
    BreakerPolicy(min_collateral_ppm=950_000, resume_collateral_ppm=950_000)
    with pytest.raises(DecodeError, match=r"breakers\.resume_collateral_ppm: 949999 below"):
        BreakerPolicy(min_collateral_ppm=950_000, resume_collateral_ppm=949_999)


def test_policy_json_round_trip_and_strictness() -> None:
    policy = BreakerPolicy(hysteresis_blocks=3, pegout_window_limit=5_000)
    document = policy.to_json()
    assert list(document) == FIELDS
    assert BreakerPolicy.from_json(document) == policy
    for broken, code in (
        ({k: v for k, v in document.items() if k != "min_peers"}, "SCHEMA_MISSING_FIELD"),
        ({**document, "extra": 1}, "SCHEMA_UNKNOWN_FIELD"),
        ({**document, "min_peers": "8"}, "SCHEMA_WRONG_TYPE"),
        ({**document, "min_peers": True}, "SCHEMA_WRONG_TYPE"),
        ({**document, "min_peers": 0}, "BREAKER_POLICY_INVALID"),
        ([], "SCHEMA_WRONG_TYPE"),
    ):
        with pytest.raises(DecodeError) as caught:
            BreakerPolicy.from_json(broken)
        assert caught.value.code.value == code


def test_policy_is_frozen() -> None:
    policy = BreakerPolicy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.min_peers = 1  # type: ignore[misc]


# --- the node breaker ------------------------------------------------------------------

from ailee.errors import VerificationError  # noqa: E402
from ailee.safety import (  # noqa: E402
    CONDITION_LEVELS,
    Condition,
    Level,
    MetricsSample,
    NodeStatus,
    conditions,
    demanded_level,
    drift_ppm,
    open_circuits,
    step,
    with_circuits,
)

P = BreakerPolicy()
HEALTHY: dict[str, int] = {
    "block_size": 1_000_000,
    "latency_ms": 100,
    "peers": 20,
    "eis_ppm": 800_000,
    "eis_change_ppm": 10_000,
    "drift_ppm": 0,
    "sensor_confidence_ppm": 900_000,
}
#: One sample change per condition, at the first value that meets it.
TRIPS: dict[Condition, dict[str, int]] = {
    Condition.BLOCK_SIZE: {"block_size": 4_000_001},
    Condition.DRIFT: {"drift_ppm": 600_001},
    Condition.EIS_CHANGE: {"eis_change_ppm": 350_001},
    Condition.EIS_LOW: {"eis_ppm": 199_999},
    Condition.LATENCY: {"latency_ms": 2_001},
    Condition.LATENCY_WARN: {"latency_ms": 1_501},
    Condition.NO_PEERS: {"peers": 0},
    Condition.PEERS: {"peers": 7},
    Condition.SENSOR_CONFIDENCE: {"sensor_confidence_ppm": 249_999},
}
#: The same changes one unit short of meeting the condition.
NEAR_MISSES: list[dict[str, int]] = [
    {"block_size": 4_000_000},
    {"drift_ppm": 600_000},
    {"eis_change_ppm": 350_000},
    {"eis_ppm": 200_000},
    {"latency_ms": 1_500},
    {"peers": 8},
    {"sensor_confidence_ppm": 250_000},
]


def node(height: int, *trips: Condition, **changes: int) -> MetricsSample:
    fields = dict(HEALTHY)
    for condition in trips:
        fields.update(TRIPS[condition])
    fields.update(changes)
    return MetricsSample(height=height, **fields)


def run(
    samples: list[MetricsSample], status: NodeStatus | None = None, policy: BreakerPolicy = P
) -> list[NodeStatus]:
    trace = []
    current = NodeStatus() if status is None else status
    for sample in samples:
        current = step(current, sample, policy)
        trace.append(current)
    return trace


def levels(trace: list[NodeStatus]) -> list[Level]:
    return [status.level for status in trace]


def test_initial_status() -> None:
    status = NodeStatus()
    assert (status.level, status.height, status.tripped) == (Level.OPTIMIZED, None, ())
    assert Level.OPTIMIZED < Level.SOFT_TRIP < Level.SAFE_MODE < Level.CRITICAL
    assert [level.label for level in Level] == ["optimized", "soft_trip", "safe_mode", "critical"]


def test_a_healthy_sample_stays_optimized() -> None:
    (status,) = run([node(100)])
    assert status == NodeStatus(Level.OPTIMIZED, 100, (), None, None, None)


@pytest.mark.parametrize("condition", list(Condition))
def test_each_condition_trips_to_its_level_at_once(condition: Condition) -> None:
    (status,) = run([node(100, condition)])
    assert status.tripped == (condition,)
    assert status.level is CONDITION_LEVELS[condition]
    assert status.soft_since == 100
    assert status.safe_since == (100 if status.level >= Level.SAFE_MODE else None)


@pytest.mark.parametrize("changes", NEAR_MISSES)
def test_a_threshold_itself_does_not_trip(changes: dict[str, int]) -> None:
    assert conditions(node(1, **changes), P) == ()


def test_the_levels_of_the_conditions() -> None:
    """The original's tiers: red lines and drift go to SAFE_MODE, EIS and the soft
    signals to SOFT_TRIP; an isolated node (no peers) is CRITICAL."""
    soft = {c for c, level in CONDITION_LEVELS.items() if level is Level.SOFT_TRIP}
    safe = {c for c, level in CONDITION_LEVELS.items() if level is Level.SAFE_MODE}
    assert soft == {"eis_change", "eis_low", "latency_warn", "sensor_confidence"}
    assert safe == {"block_size", "drift", "latency", "peers"}
    assert CONDITION_LEVELS[Condition.NO_PEERS] is Level.CRITICAL
    assert conditions(node(1, latency_ms=5_000, peers=0), P) == (
        Condition.LATENCY,
        Condition.NO_PEERS,
    )


@pytest.mark.parametrize(
    ("trips", "expected"),
    [
        ((Condition.EIS_CHANGE, Condition.EIS_LOW), Level.SOFT_TRIP),
        ((Condition.EIS_CHANGE, Condition.EIS_LOW, Condition.SENSOR_CONFIDENCE), Level.SAFE_MODE),
        ((Condition.BLOCK_SIZE, Condition.DRIFT), Level.SAFE_MODE),
        ((Condition.BLOCK_SIZE, Condition.DRIFT, Condition.EIS_LOW), Level.SAFE_MODE),
        ((Condition.BLOCK_SIZE, Condition.DRIFT, Condition.PEERS), Level.CRITICAL),
        ((Condition.BLOCK_SIZE, Condition.DRIFT, Condition.LATENCY), Level.CRITICAL),
    ],
)
def test_concurrent_conditions_raise_a_level(trips: tuple[Condition, ...], expected: Level) -> None:
    (status,) = run([node(100, *trips)])
    assert status.level is expected
    assert demanded_level(trips, P) is expected


def test_concurrent_trips_is_the_policys() -> None:
    two = BreakerPolicy(concurrent_trips=2)
    assert demanded_level((Condition.EIS_CHANGE, Condition.EIS_LOW), two) is Level.SAFE_MODE
    assert demanded_level((Condition.BLOCK_SIZE, Condition.DRIFT), two) is Level.CRITICAL
    assert demanded_level((Condition.EIS_CHANGE,), two) is Level.SOFT_TRIP


@pytest.mark.parametrize("start", [Level.SOFT_TRIP, Level.SAFE_MODE, Level.CRITICAL])
def test_each_level_steps_down_after_exactly_hysteresis_blocks(start: Level) -> None:
    trip = {
        Level.SOFT_TRIP: (Condition.EIS_LOW,),
        Level.SAFE_MODE: (Condition.DRIFT,),
        Level.CRITICAL: (Condition.NO_PEERS,),
    }[start]
    trace = run([node(100, *trip)] + [node(h) for h in range(101, 101 + 10 * start)])
    assert trace[0].level is start
    for k, status in enumerate(trace[1:], start=1):
        # healthy heights 101..100+k: one level down per 10 of them, never sooner
        assert status.level == start - k // 10, (k, status)
    assert trace[-1] == NodeStatus(Level.OPTIMIZED, 100 + 10 * start, (), None, None, None)


def test_de_escalation_is_one_level_per_hold() -> None:
    trace = run([node(100, Condition.NO_PEERS)] + [node(h) for h in range(101, 131)])
    changes = [(s.height, s.level) for a, s in itertools.pairwise(trace) if s.level != a.level]
    assert changes == [(110, Level.SAFE_MODE), (120, Level.SOFT_TRIP), (130, Level.OPTIMIZED)]
    assert trace[10].height == 110
    assert trace[10].calm_since == 111  # the next hold starts after the step
    assert trace[9].calm_since == 101


def test_a_relapse_restarts_the_hold() -> None:
    samples = [node(100, Condition.EIS_LOW)] + [node(h) for h in range(101, 106)]
    samples += [node(106, Condition.EIS_CHANGE)] + [node(h) for h in range(107, 117)]
    trace = run(samples)
    assert trace[-2].height == 115
    assert trace[-2].level is Level.SOFT_TRIP
    assert trace[-1].level is Level.OPTIMIZED


def test_a_lower_condition_is_calm_for_a_higher_level() -> None:
    """At SAFE_MODE, a soft condition does not hold the level: it steps down to it
    (unless it lasts ``persist_blocks``: the soft run began with the drift at 100)."""
    samples = [node(100, Condition.DRIFT)] + [node(h, Condition.EIS_LOW) for h in range(101, 111)]
    trace = run(samples, policy=BreakerPolicy(persist_blocks=50))
    assert [s.level for s in trace[-2:]] == [Level.SAFE_MODE, Level.SOFT_TRIP]
    assert trace[-1].calm_since is None  # the demand is the level now
    assert trace[-1].soft_since == 100
    trace = run(samples)  # persist_blocks 10: the soft run of 100..109 holds SAFE_MODE
    assert [s.level for s in trace[-2:]] == [Level.SAFE_MODE, Level.SAFE_MODE]
    assert trace[-1].calm_since is None


def test_escalation_is_immediate_from_any_level() -> None:
    trace = run([node(100, Condition.EIS_LOW), node(101, Condition.NO_PEERS)])
    assert levels(trace) == [Level.SOFT_TRIP, Level.CRITICAL]
    trace = run([node(100, Condition.NO_PEERS)] + [node(h) for h in range(101, 111)])
    trace += run([node(111, Condition.PEERS)], trace[-1])
    assert levels(trace)[-2:] == [Level.SAFE_MODE, Level.SAFE_MODE]
    assert trace[-1].calm_since is None


def test_skipped_heights_are_stepped_with_the_height_before_them() -> None:
    # healthy at 101, then the next sample at 110: heights 101..110 were healthy
    trace = run([node(100, Condition.DRIFT), node(101), node(110)])
    assert levels(trace) == [Level.SAFE_MODE, Level.SAFE_MODE, Level.SOFT_TRIP]
    # a long healthy gap steps down at each hold inside it (110, 120, 130), not once
    trace = run([node(100, Condition.NO_PEERS), node(101), node(200)])
    assert levels(trace) == [Level.CRITICAL, Level.CRITICAL, Level.OPTIMIZED]
    assert trace[-1] == NodeStatus(Level.OPTIMIZED, 200, (), None, None, None)
    # ... exactly as if every height had been sampled
    each = run([node(100, Condition.NO_PEERS)] + [node(h) for h in range(101, 201)])
    assert each[-1] == trace[-1]
    # a trip at 100 holds until the next sample: eis_low lasts 101..119, and reaches
    # persist_blocks at 109 (safe_mode); the calm run starts at 120
    trace = run([node(100, Condition.EIS_LOW), node(120)])
    assert levels(trace) == [Level.SOFT_TRIP, Level.SAFE_MODE]
    assert trace[-1] == NodeStatus(Level.SAFE_MODE, 120, (), 100, None, 120)
    assert run([node(129)], trace[-1])[0].level is Level.SOFT_TRIP
    # a partial hold before the gap goes on in it: calm from 111 steps at 120 and 130
    trace = run([node(100, Condition.NO_PEERS)] + [node(h) for h in range(101, 111)])
    assert trace[-1].calm_since == 111
    assert run([node(125)], trace[-1])[0] == NodeStatus(Level.SOFT_TRIP, 125, (), None, None, 121)


def test_a_gap_costs_the_same_however_long() -> None:
    """A gap is stepped in segments of constant demand, not height by height."""
    far = MAX_HEIGHT - 5
    (status,) = run([node(far)], run([node(0, Condition.NO_PEERS), node(1)])[-1])
    assert status == NodeStatus(Level.OPTIMIZED, far, (), None, None, None)
    (status,) = run([node(far)], run([node(0, Condition.LATENCY)])[-1])
    assert status == NodeStatus(Level.CRITICAL, far, (), 0, 0, far)  # held all the way
    window = [bridge(h, spv_checks=1 + h % 3, spv_failures=h % 2) for h in range(1, 145)]
    sick = run_bridge([*window, bridge(144, active_signers=1)])[-1]
    (later,) = run_bridge([bridge(far)], sick)
    assert later.emergency  # the height before held too few signers all through the gap
    assert later.signers_ok_since == far
    assert not later.spv_failing
    assert later.window == ()


def test_the_skipped_heights_hold_the_union_of_the_height_before() -> None:
    """Not the last sample: every sample of the height before."""
    trace = run([node(100, Condition.EIS_LOW), node(100), node(115)])
    assert trace[-1] == NodeStatus(Level.SAFE_MODE, 115, (), 100, None, 115)


def test_a_height_split_into_samples_gives_the_same_status() -> None:
    """docs/safety.md section 1: runs are by height, not by sample."""
    policy = BreakerPolicy(persist_blocks=3)
    whole = run([node(8, Condition.PEERS), node(10, Condition.PEERS, Condition.SENSOR_CONFIDENCE)],
                policy=policy)[-1]  # fmt: skip
    assert whole == NodeStatus(
        Level.CRITICAL, 10, (Condition.PEERS, Condition.SENSOR_CONFIDENCE), 8, 8, None
    )
    for first, second in itertools.permutations((Condition.PEERS, Condition.SENSOR_CONFIDENCE)):
        trace = run([node(8, Condition.PEERS), node(10, first), node(10, second)], policy=policy)
        assert trace[-1] == whole
    # the first sample at 10 keeps the safe run it does not continue, for the second
    trace = run([node(8, Condition.PEERS), node(10, Condition.SENSOR_CONFIDENCE)], policy=policy)
    assert trace[-1] == NodeStatus(Level.SAFE_MODE, 10, (Condition.SENSOR_CONFIDENCE,), 8, 8, None)
    # at 11 the soft run (live at 10) is kept, the safe run (kept at 10) is dropped; at
    # 12 the soft run is dropped too
    after = run([node(11), node(12)], trace[-1], policy=policy)
    assert [(a.soft_since, a.safe_since) for a in after] == [(8, None), (None, None)]
    healthy_first = run([node(8, Condition.EIS_LOW), node(9)], policy=policy)[-1]
    assert healthy_first == NodeStatus(Level.SOFT_TRIP, 9, (), 8, None, 9)


def test_repeated_heights_do_not_count_twice() -> None:
    trace = run([node(100, Condition.EIS_LOW)] + [node(101)] * 20)
    assert trace[-1].level is Level.SOFT_TRIP
    assert trace[-1].calm_since == 101
    assert run([node(110)], trace[-1])[0].level is Level.OPTIMIZED
    # after a step down, a repeated height does not start the next step
    trace = run([node(100, Condition.NO_PEERS)] + [node(h) for h in range(101, 111)] + [node(110)])
    assert levels(trace)[-2:] == [Level.SAFE_MODE, Level.SAFE_MODE]
    assert trace[-1].calm_since == 111


def test_a_repeated_height_never_becomes_healthier() -> None:
    trace = run([node(100, Condition.DRIFT), node(100)])
    assert trace[1].tripped == (Condition.DRIFT,)
    assert trace[1].level is Level.SAFE_MODE
    assert trace[1].calm_since is None
    # and a repeated height may add a condition, escalating at once
    trace = run([node(100, Condition.EIS_LOW), node(100, Condition.EIS_CHANGE, Condition.DRIFT)])
    assert trace[1].tripped == (Condition.DRIFT, Condition.EIS_CHANGE, Condition.EIS_LOW)
    assert trace[0].level is Level.SOFT_TRIP
    assert trace[1].level is Level.SAFE_MODE  # three at SOFT_TRIP or above


def test_height_regression_is_refused() -> None:
    (status,) = run([node(100)])
    with pytest.raises(VerificationError) as caught:
        step(status, node(99), P)
    assert caught.value.code is ReasonCode.BREAKER_HEIGHT_REGRESSION
    assert step(status, node(100), P).height == 100


def test_a_lasting_safe_mode_condition_becomes_critical() -> None:
    trace = run([node(h, Condition.LATENCY) for h in range(100, 110)])
    assert levels(trace) == [Level.SAFE_MODE] * 9 + [Level.CRITICAL]
    assert trace[-1].safe_since == 100
    # by height: two samples ten heights apart are a ten-height run
    trace = run([node(100, Condition.PEERS), node(109, Condition.PEERS)])
    assert levels(trace) == [Level.SAFE_MODE, Level.CRITICAL]


def test_a_lasting_soft_condition_holds_safe_mode_and_never_critical() -> None:
    trace = run([node(h, Condition.EIS_LOW) for h in range(100, 200)])
    assert levels(trace)[8:10] == [Level.SOFT_TRIP, Level.SAFE_MODE]
    assert set(levels(trace)[9:]) == {Level.SAFE_MODE}
    assert trace[-1].safe_since is None


def test_critical_is_reachable_three_ways() -> None:
    assert run([node(1, Condition.NO_PEERS)])[0].level is Level.CRITICAL
    three = (Condition.BLOCK_SIZE, Condition.LATENCY, Condition.DRIFT)
    assert run([node(1, *three)])[0].level is Level.CRITICAL
    lasting = run([node(h, Condition.BLOCK_SIZE) for h in range(1, 11)])
    assert lasting[-1].level is Level.CRITICAL


def test_drift_ppm_rounds_up() -> None:
    assert drift_ppm(4_000_000, 4_000_000) == 0
    assert drift_ppm(1_000_000, 1_600_000) == 600_000
    assert drift_ppm(1_000_000, 400_000) == 600_000
    assert drift_ppm(3, 4) == 333_334
    assert drift_ppm(0, 5) == 0
    assert conditions(node(1, drift_ppm=drift_ppm(3_000_000, 4_800_001)), P) == (Condition.DRIFT,)


def test_node_status_json_round_trip() -> None:
    trace = run(
        [node(100, Condition.NO_PEERS)] + [node(h, Condition.EIS_LOW) for h in range(101, 112)]
    )
    for status in [NodeStatus(), *trace]:
        document = status.to_json()
        assert NodeStatus.from_json(document) == status
    assert trace[-1].to_json() == {
        "level": "safe_mode",
        "height": 111,
        "tripped": ["eis_low"],
        "soft_since": 100,
        "safe_since": None,
        "calm_since": None,
    }
    # stepped down at 110 to the demand the lasting soft run holds (SAFE_MODE)
    assert trace[-3].level is Level.CRITICAL
    assert trace[-3].calm_since == 101


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"level": "halted"}, "ENUM_UNKNOWN_VALUE"),
        ({"level": 2}, "SCHEMA_WRONG_TYPE"),
        ({"tripped": ["peers", "drift"]}, "LIST_NOT_SORTED_UNIQUE"),
        ({"tripped": ["drift", "drift"]}, "LIST_NOT_SORTED_UNIQUE"),
        ({"tripped": ["fire"]}, "ENUM_UNKNOWN_VALUE"),
        ({"height": -1}, "INT_OUT_OF_RANGE"),
        ({"calm_since": True}, "SCHEMA_WRONG_TYPE"),
        ({"height": None}, "BREAKER_STATUS_INVALID"),
        ({"level": "optimized"}, "BREAKER_STATUS_INVALID"),
        ({"soft_since": None}, "BREAKER_STATUS_INVALID"),
        ({"soft_since": 106}, "BREAKER_STATUS_INVALID"),
        ({"safe_since": 99}, "BREAKER_STATUS_INVALID"),
        ({"tripped": []}, "BREAKER_STATUS_INVALID"),
        ({"calm_since": 107}, "BREAKER_STATUS_INVALID"),
        ({"level": "soft_trip"}, "BREAKER_STATUS_INVALID"),
    ],
)
def test_node_status_is_read_strictly(changes: dict[str, object], code: str) -> None:
    good = {
        "level": "critical",
        "height": 105,
        "tripped": ["drift"],
        "soft_since": 100,
        "safe_since": 100,
        "calm_since": None,
    }
    assert NodeStatus.from_json(good).level is Level.CRITICAL
    with pytest.raises(DecodeError) as caught:
        NodeStatus.from_json({**good, **changes})
    assert caught.value.code.value == code
    for broken in ({k: v for k, v in good.items() if k != "level"}, {**good, "x": 1}):
        with pytest.raises(DecodeError):
            NodeStatus.from_json(broken)


def test_calm_may_be_one_past_the_height_and_only_above_the_conditions() -> None:
    status = NodeStatus(Level.SAFE_MODE, 110, (), None, None, 111)
    assert NodeStatus.from_json(status.to_json()) == status
    with pytest.raises(DecodeError) as caught:
        NodeStatus(Level.SAFE_MODE, 110, (Condition.DRIFT,), 100, 100, 105)
    assert caught.value.code is ReasonCode.BREAKER_STATUS_INVALID


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"eis_ppm": PPM + 1}, "INT_OUT_OF_RANGE"),
        ({"sensor_confidence_ppm": PPM + 1}, "INT_OUT_OF_RANGE"),
        ({"peers": -1}, "INT_OUT_OF_RANGE"),
        ({"latency_ms": True}, "SCHEMA_WRONG_TYPE"),
        ({"height": "100"}, "SCHEMA_WRONG_TYPE"),
    ],
)
def test_metrics_samples_are_checked(changes: dict[str, object], code: str) -> None:
    document = {**node(100).to_json(), **changes}
    with pytest.raises(DecodeError) as caught:
        MetricsSample.from_json(document)
    assert caught.value.code.value == code
    with pytest.raises(DecodeError):
        MetricsSample(**document)  # type: ignore[arg-type]
    assert MetricsSample.from_json(node(100).to_json()) == node(100)


# --- the scheduler's circuits ------------------------------------------------------------

from ailee.scheduling import Exclusion, Policy, Resources, TaskSpec, Worker, WorkerPool, rank  # noqa: E402


def _worker(name: str) -> Worker:
    return Worker(
        id=name,
        region="eu",
        capacity=Resources(cpu=4000, memory=8192),
        in_use=Resources(),
        max_tasks=4,
        active_tasks=0,
        cost_per_hour=3600,
        reputation=800_000,
        latency_ms=100,
    )


def test_open_circuits_are_nodes_at_safe_mode_or_worse() -> None:
    statuses = {
        "a": NodeStatus(),
        "b": run([node(1, Condition.EIS_LOW)])[0],
        "c": run([node(1, Condition.DRIFT)])[0],
        "d": run([node(1, Condition.NO_PEERS)])[0],
    }
    assert open_circuits(statuses) == frozenset({"c", "d"})
    assert [statuses[n].circuit_open for n in "abcd"] == [False, False, True, True]


def test_the_scheduler_excludes_open_circuits() -> None:
    statuses = {
        "soft": run([node(1, Condition.EIS_LOW)])[0],
        "safe": run([node(1, Condition.LATENCY)])[0],
        "critical": run([node(1, Condition.NO_PEERS)])[0],
        "unknown-node": run([node(1, Condition.NO_PEERS)])[0],
    }
    workers = [_worker(name) for name in ("critical", "fine", "safe", "soft")]
    opened = with_circuits(workers, statuses)
    assert [w.circuit_open for w in opened] == [True, False, True, False]
    assert opened[1] is workers[1]
    assert workers[0].circuit_open is False  # the input is not changed
    task = TaskSpec(id="t", task_type="x", priority=1, needs=Resources(cpu=100), duration_s=60)
    ranked, excluded = rank(task, WorkerPool(opened), Policy())
    assert sorted(r.worker for r in ranked) == ["fine", "soft"]
    assert excluded == {"critical": Exclusion.CIRCUIT_OPEN, "safe": Exclusion.CIRCUIT_OPEN}
    # a worker the caller already opened stays open, whatever its status
    already = [dataclasses.replace(_worker("fine"), circuit_open=True)]
    assert with_circuits(already, {"fine": NodeStatus()}) == already


# --- the bridge breakers -----------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ailee.limits import MAX_AMOUNT  # noqa: E402
from ailee.safety import (  # noqa: E402
    BridgeCondition,
    BridgeSample,
    BridgeStatus,
    WindowEntry,
    admit_pegin,
    admit_pegout,
    step_bridge,
)

BTC = 100_000_000
BRIDGE_HEALTHY: dict[str, int] = {
    "reserves": 100 * BTC,
    "liabilities": 100 * BTC,
    "active_signers": 15,
    "threshold": 10,
    "pegout_volume": 0,
    "spv_checks": 0,
    "spv_failures": 0,
}


def bridge(height: int, **changes: int) -> BridgeSample:
    return BridgeSample(height=height, **{**BRIDGE_HEALTHY, **changes})


def run_bridge(
    samples: list[BridgeSample], status: BridgeStatus | None = None, policy: BreakerPolicy = P
) -> list[BridgeStatus]:
    trace = []
    current = BridgeStatus.initial(policy) if status is None else status
    for sample in samples:
        current = step_bridge(current, sample, policy)
        trace.append(current)
    return trace


def refused(call: object, code: ReasonCode) -> None:
    assert callable(call)
    with pytest.raises(VerificationError) as caught:
        call()
    assert caught.value.code is code


def test_initial_bridge_status_admits() -> None:
    status = BridgeStatus.initial(P)
    assert status.pegout_allowance == 1_000 * BTC
    assert not status.pegins_halted
    admit_pegin(status)
    admit_pegout(status, 1_000 * BTC, exit_claim=False)
    refused(lambda: admit_pegout(status, 1_000 * BTC + 1, exit_claim=False),
            ReasonCode.BREAKER_RATE_LIMITED)  # fmt: skip


def test_collateral_below_the_policy_halts_pegins_only() -> None:
    at_min, below = run_bridge([bridge(100, reserves=90 * BTC), bridge(101, reserves=90 * BTC - 1)])
    assert at_min.tripped == ()
    assert not at_min.collateral_low
    assert below.tripped == (BridgeCondition.COLLATERAL,)
    assert below.collateral_low
    assert below.pegins_halted
    refused(lambda: admit_pegin(below), ReasonCode.BREAKER_PEGINS_HALTED)
    admit_pegout(below, BTC, exit_claim=False)  # peg-outs go on (the original's rule)
    # nothing owed: any reserves back it
    (empty,) = run_bridge([bridge(100, reserves=0, liabilities=0)])
    assert not empty.collateral_low


def test_collateral_resumes_at_the_resume_level_after_the_hold() -> None:
    samples = [bridge(100, reserves=80 * BTC)]
    samples += [bridge(h, reserves=94 * BTC) for h in range(101, 131)]  # in the band
    samples += [bridge(h, reserves=95 * BTC) for h in range(131, 141)]  # at 95%: clear
    trace = run_bridge(samples)
    assert all(s.collateral_low for s in trace[:-1])
    assert trace[-2].height == 139
    assert trace[-2].collateral_ok_since == 131
    assert not trace[-1].collateral_low
    assert trace[-1].collateral_ok_since == 131  # kept at the height it cleared
    admit_pegin(trace[-1])
    (after,) = run_bridge([bridge(141)], trace[-1])
    assert after.collateral_ok_since is None


def test_a_dip_into_the_band_restarts_the_collateral_hold() -> None:
    samples = [bridge(100, reserves=80 * BTC)] + [bridge(h) for h in range(101, 106)]
    samples += [bridge(106, reserves=94 * BTC)] + [bridge(h) for h in range(107, 117)]
    trace = run_bridge(samples)
    assert trace[-2].collateral_low
    assert not trace[-1].collateral_low
    # a height with a sample in the band is not clear, whatever its other samples say
    samples = [bridge(100, reserves=80 * BTC), bridge(101), bridge(101, reserves=94 * BTC)]
    trace = run_bridge([*samples, bridge(101)])
    assert [s.collateral_ok_since for s in trace] == [None, 101, None, None]
    trace = run_bridge([bridge(h) for h in range(102, 112)], trace[-1])
    assert trace[-2].collateral_low
    assert not trace[-1].collateral_low


def test_too_few_signers_is_an_emergency() -> None:
    (status,) = run_bridge([bridge(100, active_signers=9)])
    assert status.tripped == (BridgeCondition.SIGNERS,)
    assert status.emergency
    assert status.pegins_halted
    refused(lambda: admit_pegin(status), ReasonCode.BREAKER_EMERGENCY)
    refused(lambda: admit_pegout(status, BTC, exit_claim=False), ReasonCode.BREAKER_EMERGENCY)
    admit_pegout(status, BTC, exit_claim=True)
    # exactly the threshold is enough; the emergency clears after the hold
    trace = run_bridge([bridge(h, active_signers=10) for h in range(101, 111)], status)
    assert trace[-2].emergency
    assert not trace[-1].emergency
    admit_pegin(trace[-1])
    admit_pegout(trace[-1], BTC, exit_claim=False)


def test_emergency_is_checked_before_the_halts() -> None:
    (status,) = run_bridge([bridge(100, active_signers=1, reserves=0)])
    assert status.tripped == (BridgeCondition.COLLATERAL, BridgeCondition.SIGNERS)
    refused(lambda: admit_pegin(status), ReasonCode.BREAKER_EMERGENCY)


def test_pegout_volume_is_limited_per_window() -> None:
    limit = 1_000 * BTC
    trace = run_bridge([bridge(100, pegout_volume=600 * BTC), bridge(103, pegout_volume=400 * BTC)])
    assert trace[-1].pegout_allowance == 0
    assert trace[-1].tripped == ()  # at the limit, not above it
    refused(lambda: admit_pegout(trace[-1], 1, exit_claim=False), ReasonCode.BREAKER_RATE_LIMITED)
    refused(lambda: admit_pegout(trace[-1], 1, exit_claim=True), ReasonCode.BREAKER_RATE_LIMITED)
    admit_pegout(trace[-1], 0, exit_claim=False)
    # the window is heights 100..105 at 105; at 106 the 600 BTC of height 100 leave it
    later = run_bridge([bridge(105), bridge(106)], trace[-1])
    assert [s.pegout_allowance for s in later] == [0, 600 * BTC]
    admit_pegout(later[-1], 600 * BTC, exit_claim=False)
    refused(lambda: admit_pegout(later[-1], 600 * BTC + 1, exit_claim=False),
            ReasonCode.BREAKER_RATE_LIMITED)  # fmt: skip
    # above the limit: the condition, allowance 0
    (over,) = run_bridge([bridge(100, pegout_volume=limit + 1)])
    assert over.rate_limited
    assert over.tripped == (BridgeCondition.PEGOUT_VOLUME,)
    assert over.pegout_allowance == 0
    assert not over.pegins_halted


def test_repeated_heights_add_their_volume_and_counts() -> None:
    trace = run_bridge(
        [
            bridge(100, pegout_volume=BTC, spv_checks=3),
            bridge(100, pegout_volume=2 * BTC, spv_checks=4, spv_failures=1),
        ]
    )
    assert trace[-1].window == (WindowEntry(100, 3 * BTC, 7, 1),)
    assert trace[-1].pegout_allowance == 997 * BTC
    with pytest.raises(DecodeError) as caught:
        run_bridge([bridge(100, pegout_volume=MAX_AMOUNT), bridge(100, pegout_volume=1)])
    assert caught.value.code is ReasonCode.AMOUNT_OUT_OF_RANGE


def test_the_window_keeps_only_what_the_policy_reads() -> None:
    samples = [bridge(h, pegout_volume=h, spv_checks=1) for h in range(1, 301)]
    samples.append(bridge(301))  # adds nothing: no entry
    status = run_bridge(samples)[-1]
    assert [e.height for e in status.window] == list(range(158, 301))  # 144 heights
    small = BreakerPolicy(spv_window_blocks=2, pegout_window_blocks=3)
    status = run_bridge(samples, policy=small)[-1]
    assert [e.height for e in status.window] == [299, 300]


def test_spv_failures_above_the_policy_halt_pegins() -> None:
    # 1 in 20 is 5%: not above; 2 in 20 is; 2 in 19 is too few checks
    (ok,) = run_bridge([bridge(100, spv_checks=20, spv_failures=1)])
    (few,) = run_bridge([bridge(100, spv_checks=19, spv_failures=2)])
    (bad,) = run_bridge([bridge(100, spv_checks=20, spv_failures=2)])
    assert not ok.spv_failing
    assert not few.spv_failing
    assert bad.spv_failing
    assert bad.tripped == (BridgeCondition.SPV_FAILURES,)
    refused(lambda: admit_pegin(bad), ReasonCode.BREAKER_PEGINS_HALTED)
    admit_pegout(bad, BTC, exit_claim=False)
    # successful checks bring the rate to 4%; then ten clear heights
    trace = run_bridge([bridge(101, spv_checks=30)] + [bridge(h) for h in range(102, 111)], bad)
    assert trace[-2].spv_failing
    assert not trace[-1].spv_failing
    # with no new checks, the failures leave the window after 144 heights, then the hold
    trace = run_bridge([bridge(h) for h in range(101, 254)], bad)
    assert trace[142].height == 243
    assert trace[142].spv_failing
    assert trace[143].tripped == ()
    assert trace[-2].spv_failing
    assert not trace[-1].spv_failing
    assert trace[-1].height == 253


def test_bridge_height_regression_is_refused() -> None:
    (status,) = run_bridge([bridge(100)])
    refused(lambda: step_bridge(status, bridge(99), P), ReasonCode.BREAKER_HEIGHT_REGRESSION)


def test_admitted_amounts_are_amounts() -> None:
    with pytest.raises(DecodeError) as caught:
        admit_pegout(BridgeStatus.initial(P), -1, exit_claim=True)
    assert caught.value.code is ReasonCode.AMOUNT_OUT_OF_RANGE


def test_bridge_samples_are_checked() -> None:
    for changes, code in (
        ({"spv_failures": 1}, "INT_OUT_OF_RANGE"),
        ({"threshold": 0}, "INT_OUT_OF_RANGE"),
        ({"reserves": MAX_AMOUNT + 1}, "AMOUNT_OUT_OF_RANGE"),
        ({"active_signers": "15"}, "SCHEMA_WRONG_TYPE"),
    ):
        with pytest.raises(DecodeError) as caught:
            BridgeSample.from_json({**bridge(1).to_json(), **changes})
        assert caught.value.code.value == code
    assert BridgeSample.from_json(bridge(7).to_json()) == bridge(7)


def test_bridge_status_json_round_trip() -> None:
    samples = [bridge(100, reserves=0, active_signers=1, pegout_volume=BTC, spv_checks=20,
                      spv_failures=5), bridge(101, spv_checks=1)]  # fmt: skip
    trace = run_bridge(samples)
    for status in [BridgeStatus.initial(P), *trace]:
        assert BridgeStatus.from_json(status.to_json()) == status
    assert trace[-1].to_json() == {
        "height": 101,
        "tripped": ["spv_failures"],
        "emergency": True,
        "collateral_low": True,
        "spv_failing": True,
        "pegout_allowance": 999 * BTC,
        "signers_ok_since": 101,
        "collateral_ok_since": 101,
        "spv_ok_since": None,
        "window": [
            {"height": 100, "pegout_volume": BTC, "spv_checks": 20, "spv_failures": 5},
            {"height": 101, "pegout_volume": 0, "spv_checks": 1, "spv_failures": 0},
        ],
    }


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"height": None}, "BREAKER_STATUS_INVALID"),
        ({"tripped": ["signers", "collateral"]}, "LIST_NOT_SORTED_UNIQUE"),
        ({"tripped": ["signers"], "emergency": False, "signers_ok_since": None},
         "BREAKER_STATUS_INVALID"),
        ({"signers_ok_since": 103}, "BREAKER_STATUS_INVALID"),
        ({"signers_ok_since": 104}, "BREAKER_STATUS_INVALID"),
        ({"tripped": ["pegout_volume"]}, "BREAKER_STATUS_INVALID"),
        ({"window": [{"height": 103, "pegout_volume": 1, "spv_checks": 0, "spv_failures": 0}]},
         "BREAKER_STATUS_INVALID"),
        ({"window": [{"height": 99, "pegout_volume": 0, "spv_checks": 0, "spv_failures": 0}]},
         "BREAKER_STATUS_INVALID"),
        ({"window": [{"height": 99, "pegout_volume": 0, "spv_checks": 1, "spv_failures": 2}]},
         "BREAKER_STATUS_INVALID"),
        ({"window": [{"height": 99, "pegout_volume": 1, "spv_checks": 0, "spv_failures": 0}] * 2},
         "BREAKER_STATUS_INVALID"),
        ({"window": [{"height": h, "pegout_volume": 1, "spv_checks": 0, "spv_failures": 0}
                     for h in range(MAX_WINDOW_BLOCKS + 1)]}, "BREAKER_STATUS_INVALID"),
        ({"emergency": 1}, "SCHEMA_WRONG_TYPE"),
        ({"pegout_allowance": MAX_AMOUNT + 1}, "AMOUNT_OUT_OF_RANGE"),
    ],
)  # fmt: skip
def test_bridge_status_is_read_strictly(changes: dict[str, object], code: str) -> None:
    good = run_bridge([bridge(101, active_signers=1), bridge(102)])[-1].to_json()
    assert good["signers_ok_since"] == 102
    BridgeStatus.from_json(good)
    with pytest.raises(DecodeError) as caught:
        BridgeStatus.from_json({**good, **changes})
    assert caught.value.code.value == code


# --- the bridge's own checks ---------------------------------------------------------------

from ailee.bridge import check_pegin_admitted, check_pegout_admitted  # noqa: E402
from ailee.state import Header, L2State, PegIn, PegOut, RecoveryClaim  # noqa: E402


def _state(*claims: RecoveryClaim) -> L2State:
    header = Header(version=2, chain_id="c", sequence=0, prev_state_root=bytes(32), timestamp_ms=0)
    return L2State(header, recovery=claims)


PEGOUT = PegOut(id="p1", l2_source="bob", btc_destination=b"\x00\x14" + bytes(20),
                amount=5 * BTC, fee=1_000, status="requested", anchor_ref=None)  # fmt: skip


@pytest.mark.parametrize(
    ("claim", "is_exit"),
    [
        (RecoveryClaim("c1", "bob", 5 * BTC + 1_000, 0, "approved"), True),
        (RecoveryClaim("c1", "bob", 5 * BTC, 0, "approved"), False),
        (RecoveryClaim("c1", "bob", 5 * BTC + 1_000, 0, "submitted"), False),
        (RecoveryClaim("c1", "alice", 5 * BTC + 1_000, 0, "approved"), False),
        (RecoveryClaim("c1", "bob", 5 * BTC + 1_000, 0, "paid"), False),
    ],
)
def test_only_an_approved_matching_claim_exits_in_an_emergency(
    claim: RecoveryClaim, is_exit: bool
) -> None:
    (emergency,) = run_bridge([bridge(100, active_signers=0)])
    state = _state(claim)
    if is_exit:
        check_pegout_admitted(PEGOUT, state, emergency)
    else:
        refused(lambda: check_pegout_admitted(PEGOUT, state, emergency),
                ReasonCode.BREAKER_EMERGENCY)  # fmt: skip
    (healthy,) = run_bridge([bridge(100)])
    check_pegout_admitted(PEGOUT, state, healthy)
    (spent,) = run_bridge([bridge(100, pegout_volume=996 * BTC)])
    refused(lambda: check_pegout_admitted(PEGOUT, state, spent), ReasonCode.BREAKER_RATE_LIMITED)


def test_check_pegin_admitted() -> None:
    pegin = PegIn(btc_txid=bytes(32), vout=0, amount=BTC, l2_destination="bob", status="pending")
    check_pegin_admitted(pegin, run_bridge([bridge(100)])[0])
    (low,) = run_bridge([bridge(100, reserves=0)])
    with pytest.raises(VerificationError, match=r"peg-in 0{64}:0") as caught:
        check_pegin_admitted(pegin, low)
    assert caught.value.code is ReasonCode.BREAKER_PEGINS_HALTED


# --- properties ------------------------------------------------------------------------------

_WORSE = {  # each measurement, from healthy to its worst, under the default policy
    "block_size": st.integers(0, 8_000_000),
    "latency_ms": st.integers(0, 5_000),
    "peers": st.integers(0, 30),
    "eis_ppm": st.integers(0, PPM),
    "eis_change_ppm": st.integers(0, PPM),
    "drift_ppm": st.integers(0, 2 * PPM),
    "sensor_confidence_ppm": st.integers(0, PPM),
}
_LOWER_IS_WORSE = ("peers", "eis_ppm", "sensor_confidence_ppm")
measurements = st.fixed_dictionaries(_WORSE)
policies = st.builds(
    BreakerPolicy,
    hysteresis_blocks=st.integers(1, 6),
    persist_blocks=st.integers(1, 6),
    concurrent_trips=st.integers(2, 4),
)


@st.composite
def runs(draw: st.DrawFn) -> list[MetricsSample]:
    """Samples at non-decreasing heights: steps of 0 (a repeat), 1, or a skip."""
    height = draw(st.integers(0, 1_000))
    samples = []
    for _ in range(draw(st.integers(1, 40))):
        height += draw(st.sampled_from([0, 1, 1, 1, 2, 7]))
        samples.append(MetricsSample(height=height, **draw(measurements)))
    return samples


@settings(max_examples=300, deadline=None)
@given(runs(), policies)
def test_never_two_levels_down_in_one_step(
    samples: list[MetricsSample], policy: BreakerPolicy
) -> None:
    status = NodeStatus()
    for sample in samples:
        after = step(status, sample, policy)
        assert after.level >= status.level - 1
        assert NodeStatus.from_json(after.to_json()) == after  # every status is valid
        status = after


@settings(max_examples=300, deadline=None)
@given(runs(), policies, st.integers(0, 3))
def test_healthy_heights_always_end_at_optimized(
    samples: list[MetricsSample], policy: BreakerPolicy, repeats: int
) -> None:
    """From any state, ``hysteresis_blocks`` healthy heights per level above OPTIMIZED
    (so 3 holds from CRITICAL) end at OPTIMIZED, repeated samples or not; and the
    bridge, given healthy inputs as long, admits everything again."""
    status = run(samples, policy=policy)[-1]
    height = status.height
    assert height is not None
    start, fresh = status.level, status.calm_since is None
    for k in range(1, policy.hysteresis_blocks * int(start) + 1):
        before = status.level
        for _ in range(repeats + 1):
            status = step(status, node(height + k), policy)
        assert before - 1 <= status.level <= before
        if fresh:  # no calm run under way: exactly one level per hold, never sooner
            assert status.level == max(Level.OPTIMIZED, start - k // policy.hysteresis_blocks)
    assert status.level is Level.OPTIMIZED
    sick = bridge(height, active_signers=0, reserves=0, spv_checks=policy.spv_min_checks,
                  spv_failures=policy.spv_min_checks)  # fmt: skip
    bridge_status = run_bridge([sick], policy=policy)[0]
    clear = range(height + policy.spv_window_blocks, height + policy.spv_window_blocks
                  + policy.hysteresis_blocks)  # fmt: skip
    bridge_status = run_bridge([bridge(h) for h in clear], bridge_status, policy)[-1]
    assert not bridge_status.pegins_halted
    assert not bridge_status.emergency
    admit_pegin(bridge_status)
    admit_pegout(bridge_status, policy.pegout_window_limit, exit_claim=False)


@st.composite
def worse_pairs(draw: st.DrawFn) -> tuple[dict[str, int], dict[str, int]]:
    mild = draw(measurements)
    bad = {}
    for name, value in mild.items():
        ceiling = PPM if name.endswith("_ppm") and name != "drift_ppm" else value + 3 * PPM
        low, high = (0, value) if name in _LOWER_IS_WORSE else (value, ceiling)
        bad[name] = draw(st.integers(low, high))
    return mild, bad


@settings(max_examples=300, deadline=None)
@given(runs(), policies, worse_pairs(), st.sampled_from([0, 1, 5]))
def test_escalation_is_monotone_in_severity(
    samples: list[MetricsSample],
    policy: BreakerPolicy,
    pair: tuple[dict[str, int], dict[str, int]],
    gap: int,
) -> None:
    """From any status, a sample worse in every measurement never leaves a lower level
    (nor fewer conditions) than a milder one at the same height."""
    status = run(samples, policy=policy)[-1]
    assert status.height is not None
    mild, bad = pair
    after_mild = step(status, MetricsSample(height=status.height + gap, **mild), policy)
    after_bad = step(status, MetricsSample(height=status.height + gap, **bad), policy)
    assert after_bad.level >= after_mild.level
    assert set(after_mild.tripped) <= set(after_bad.tripped) | {
        Condition.LATENCY_WARN, Condition.PEERS,  # superseded by latency / no_peers
    }  # fmt: skip


def test_the_docs_policy_table_is_the_code() -> None:
    """docs/safety.md section 2 lists every field with its default and range."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "safety.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| \*\*([\d,]+)\*\* \| ([\d,]+) \.\. ([\d,]+) \|", text, re.M)
    number = lambda s: int(s.replace(",", ""))  # noqa: E731
    table = {name: (number(d), (number(lo), number(hi))) for name, d, lo, hi in rows}
    code = {f: (getattr(BreakerPolicy(), f), BreakerPolicy.BOUNDS[f]) for f in FIELDS}
    assert table == code
    assert list(table) == FIELDS


# --- heights: every height stepped, by a naive model with the whole history ------------


def naive_node(samples: list[MetricsSample], policy: BreakerPolicy) -> NodeStatus:
    """docs/safety.md sections 1 and 3, literally: every height from the first sample's
    to the last, each with the union of its samples (a skipped height: the one before)."""
    unions: dict[int, set[Condition]] = {}
    for sample in samples:
        unions.setdefault(sample.height, set()).update(conditions(sample, policy))
    level, calm = Level.OPTIMIZED, None
    soft: int | None = None
    safe: int | None = None
    carried: tuple[int | None, int | None] = (None, None)
    met: set[Condition] = set()
    for h in range(min(unions), max(unions) + 1):
        met = unions.get(h, met)
        immediate = demanded_level(met, policy)
        carried = (soft, safe)
        soft = (h if soft is None else soft) if immediate >= Level.SOFT_TRIP else None
        safe = (h if safe is None else safe) if immediate >= Level.SAFE_MODE else None
        demand = immediate
        if soft is not None and h - soft + 1 >= policy.persist_blocks:
            demand = max(demand, Level.SAFE_MODE)
        if safe is not None and h - safe + 1 >= policy.persist_blocks:
            demand = Level.CRITICAL
        if demand >= level:
            level, calm = demand, None
        else:
            start = h if calm is None else calm
            if h - start + 1 >= policy.hysteresis_blocks:
                level = Level(level - 1)
                calm = h + 1 if level > demand else None
            else:
                calm = start
    kept = (carried[0] if soft is None else soft, carried[1] if safe is None else safe)
    return NodeStatus(level, max(unions), tuple(sorted(met)), *kept, calm)


def naive_bridge(samples: list[BridgeSample], policy: BreakerPolicy) -> BridgeStatus:
    """docs/safety.md sections 1 and 4, literally, height by height over the history."""
    by_height: dict[int, list[BridgeSample]] = {}
    added: dict[int, list[int]] = {}
    for sample in samples:
        by_height.setdefault(sample.height, []).append(sample)
        entry = added.setdefault(sample.height, [0, 0, 0])
        entry[0] += sample.pegout_volume
        entry[1] += sample.spv_checks
        entry[2] += sample.spv_failures

    def sums(h: int, entries: dict[int, list[int]]) -> tuple[int, int, int]:
        volume = checks = failures = 0
        for k, (v, c, f) in entries.items():
            volume += v if h - policy.pegout_window_blocks < k <= h else 0
            if h - policy.spv_window_blocks < k <= h:
                checks, failures = checks + c, failures + f
        return volume, checks, failures

    def spv(checks: int, failures: int) -> bool:
        return checks >= policy.spv_min_checks and (
            failures * PPM > policy.max_spv_failure_ppm * checks
        )

    latches: dict[str, tuple[bool, int | None]] = dict.fromkeys(
        ("signers", "collateral", "spv"), (False, None)
    )
    cleared: dict[str, int | None] = {}
    held = (False, False, True)  # signers met, collateral met, collateral clear
    met: set[BridgeCondition] = set()
    last = max(by_height)
    for h in range(min(by_height), last + 1):
        before = {k: v for k, v in added.items() if k < h}
        if h in by_height:
            group, running, spv_met = by_height[h], [0, 0, 0], False
            for sample in group:  # the SPV condition after each sample of the height
                running = [running[0] + sample.pegout_volume, running[1] + sample.spv_checks,
                           running[2] + sample.spv_failures]  # fmt: skip
                spv_met |= spv(*sums(h, {**before, h: running})[1:])
            held = (
                any(x.active_signers < x.threshold for x in group),
                any(x.reserves * PPM < policy.min_collateral_ppm * x.liabilities for x in group),
                all(x.reserves * PPM >= policy.resume_collateral_ppm * x.liabilities
                    for x in group),
            )  # fmt: skip
        else:
            spv_met = spv(*sums(h, before)[1:])
        signers_met, collateral_met, collateral_clear = held
        cleared = {}
        for name, is_met, clear in (("signers", signers_met, not signers_met),
                                    ("collateral", collateral_met, collateral_clear),
                                    ("spv", spv_met, not spv_met)):  # fmt: skip
            latched, since = latches[name]
            cleared[name] = None
            if is_met or (latched and not clear):
                latches[name] = (True, None)
            elif not latched:
                latches[name] = (False, None)
            else:
                start = h if since is None else since
                if h - start + 1 >= policy.hysteresis_blocks:
                    latches[name], cleared[name] = (False, None), start
                else:
                    latches[name] = (True, start)
        volume = sums(h, {k: v for k, v in added.items() if k <= h})[0]
        flags = {
            BridgeCondition.SIGNERS: signers_met,
            BridgeCondition.COLLATERAL: collateral_met,
            BridgeCondition.SPV_FAILURES: spv_met,
            BridgeCondition.PEGOUT_VOLUME: volume > policy.pegout_window_limit,
        }
        met = {condition for condition, on in flags.items() if on}
    span = max(policy.pegout_window_blocks, policy.spv_window_blocks)
    window = tuple(WindowEntry(k, *e) for k, e in sorted(added.items())
                   if k > last - span and (e[0] or e[1]))  # fmt: skip
    runs = [
        latches[n][1] if latches[n][0] else cleared[n] for n in ("signers", "collateral", "spv")
    ]
    return BridgeStatus(
        last, tuple(sorted(met)), latches["signers"][0], latches["collateral"][0],
        latches["spv"][0], max(0, policy.pegout_window_limit - sums(last, added)[0]), *runs, window,
    )  # fmt: skip


_GAPS = st.sampled_from([0, 0, 1, 2, 7, 20])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_GAPS, measurements), min_size=1, max_size=30), policies)
def test_step_is_stepping_every_height(
    items: list[tuple[int, dict[str, int]]], policy: BreakerPolicy
) -> None:
    """After every sample, the status is that of the naive model: skipped heights
    stepped one by one, a repeated height stepped again with the union of its samples."""
    height, samples, status = 1_000, [], NodeStatus()
    for gap, fields in items:
        height += gap
        samples.append(MetricsSample(height=height, **fields))
        status = step(status, samples[-1], policy)
        assert status == naive_node(samples, policy)
        status.check(policy)


bridge_measurements = st.fixed_dictionaries(
    {
        "reserves": st.sampled_from([80, 92, 96, 100]).map(lambda r: r * BTC),
        "liabilities": st.just(100 * BTC),
        "active_signers": st.integers(8, 11),
        "threshold": st.just(10),
        "pegout_volume": st.sampled_from([0, 0, 100 * BTC, 400 * BTC]),
        "spv_checks": st.sampled_from([0, 0, 5, 20]),
        "spv_failures": st.sampled_from([0, 0, 1, 5]),
    }
).map(lambda d: {**d, "spv_failures": min(d["spv_failures"], d["spv_checks"])})
bridge_policies = st.builds(
    BreakerPolicy,
    hysteresis_blocks=st.integers(1, 6),
    pegout_window_blocks=st.integers(1, 5),
    spv_window_blocks=st.integers(1, 12),
    spv_min_checks=st.integers(1, 25),
    max_spv_failure_ppm=st.sampled_from([0, 50_000, 200_000]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_GAPS, bridge_measurements), min_size=1, max_size=25), bridge_policies)
def test_step_bridge_is_stepping_every_height(
    items: list[tuple[int, dict[str, int]]], policy: BreakerPolicy
) -> None:
    height, samples, status = 1_000, [], BridgeStatus.initial(policy)
    for gap, fields in items:
        height += gap
        samples.append(BridgeSample(height=height, **fields))
        status = step_bridge(status, samples[-1], policy)
        assert status == naive_bridge(samples, policy)
        status.check(policy)


@settings(max_examples=200, deadline=None)
@given(runs(), policies, st.lists(measurements, min_size=2, max_size=4), st.randoms())
def test_the_order_of_a_heights_samples_does_not_matter(
    samples: list[MetricsSample],
    policy: BreakerPolicy,
    group: list[dict[str, int]],
    rng: random.Random,
) -> None:
    status = run(samples, policy=policy)[-1]
    assert status.height is not None
    height = status.height + rng.choice([0, 1, 3])
    ordered = run([MetricsSample(height=height, **m) for m in group], status, policy)[-1]
    rng.shuffle(group)
    shuffled = run([MetricsSample(height=height, **m) for m in group], status, policy)[-1]
    assert ordered == shuffled


def test_collateral_cleared_at_a_height_is_set_again_by_its_band_sample() -> None:
    """docs/safety.md section 4.4: the lowest ratio of the height decides, in any order."""
    settled = run_bridge([bridge(100, reserves=80 * BTC)] + [bridge(h) for h in range(101, 110)])
    cleared = run_bridge([bridge(110)], settled[-1])[-1]
    assert not cleared.collateral_low
    assert cleared.collateral_ok_since == 101
    band = bridge(110, reserves=94 * BTC)
    again = step_bridge(cleared, band, P)
    other = run_bridge([band, bridge(110)], settled[-1])[-1]
    assert again == other
    assert again.collateral_low
    assert again.collateral_ok_since is None
    refused(lambda: admit_pegin(again), ReasonCode.BREAKER_PEGINS_HALTED)
    # a breaker that cleared stays clear at that height on a healthy sample
    assert step_bridge(cleared, bridge(110), P) == cleared


# --- statuses against the policy --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (NodeStatus(Level.CRITICAL, 110, (), None, None, 100), "should have stepped down"),
        (NodeStatus(Level.SOFT_TRIP, 120, (Condition.EIS_LOW,), 100, None, None), "below"),
        (NodeStatus(Level.SAFE_MODE, 100, (Condition.EIS_LOW,), 91, None, 100), "present exactly"),
        (NodeStatus(Level.CRITICAL, 100, (Condition.DRIFT,), 100, 100, None), "present exactly"),
        (NodeStatus(Level.SAFE_MODE, 100, (Condition.EIS_LOW,), 99, 100, None), "starts at"),
    ],
)
def test_node_status_is_checked_against_the_policy(status: NodeStatus, why: str) -> None:
    with pytest.raises(DecodeError, match=why) as caught:
        status.check(P)
    assert caught.value.code is ReasonCode.BREAKER_STATUS_INVALID
    with pytest.raises(DecodeError):
        step(status, node(121), P)  # step checks the status it is given


def test_node_statuses_no_run_can_give() -> None:
    """Findings 2 and 10: a calm run needs a level above every condition (none counts as
    optimized); with no condition, a level above optimized needs a calm run."""
    for args in (
        (Level.OPTIMIZED, 0, (), None, None, 0),
        (Level.CRITICAL, 100, (), None, None, None),
        (Level.SOFT_TRIP, 100, (), 100, None, 101),  # a kept run ends before the height
        (Level.OPTIMIZED, 100, (), 99, 99, None),  # a kept safe run leaves soft_trip at least
    ):
        with pytest.raises(DecodeError) as caught:
            NodeStatus(*args)  # type: ignore[arg-type]
        assert caught.value.code is ReasonCode.BREAKER_STATUS_INVALID
    NodeStatus(Level.SOFT_TRIP, 100, (), 99, 99, 100).check(P)


def test_heights_are_bounded_so_that_height_plus_one_is_readable() -> None:
    trace = run([node(MAX_HEIGHT - 10, Condition.DRIFT), node(MAX_HEIGHT - 9), node(MAX_HEIGHT)])
    assert trace[-1].calm_since == MAX_HEIGHT + 1 == (1 << 53) - 1
    assert NodeStatus.from_json(trace[-1].to_json()) == trace[-1]
    for make in (
        lambda: node(MAX_HEIGHT + 1),
        lambda: bridge(MAX_HEIGHT + 1),
        lambda: NodeStatus.from_json({**NodeStatus().to_json(), "height": MAX_HEIGHT + 1}),
    ):
        with pytest.raises(DecodeError) as caught:
            make()
        assert caught.value.code is ReasonCode.INT_OUT_OF_RANGE


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"pegout_allowance": 1_000 * BTC}, "not the limit less the volume"),
        ({"pegout_allowance": 300 * BTC}, "not the limit less the volume"),
        ({"height": 244}, "an entry at or below"),
        (
            {
                "window": [
                    {"height": 100, "pegout_volume": 0, "spv_checks": 20, "spv_failures": 2}
                ],
                "pegout_allowance": 1_000 * BTC,
            },
            "spv_failures not met",
        ),
        (
            {
                "window": [
                    {
                        "height": 100,
                        "pegout_volume": 1_000 * BTC,
                        "spv_checks": 0,
                        "spv_failures": 0,
                    }
                ],
                "pegout_allowance": 0,
                "tripped": ["pegout_volume"],
            },
            "pegout_volume met exactly",
        ),
        ({"emergency": True, "signers_ok_since": 91}, "should have cleared"),
        ({"emergency": False, "signers_ok_since": 95}, "a kept run"),
    ],
)
def test_bridge_status_is_checked_against_the_policy(changes: dict[str, object], why: str) -> None:
    """Findings 8 and 9: the allowance is what the window leaves under the policy."""
    good = run_bridge([bridge(100, pegout_volume=600 * BTC)])[-1].to_json()
    assert good["pegout_allowance"] == 400 * BTC
    BridgeStatus.from_json(good).check(P)
    status = BridgeStatus.from_json({**good, **changes})
    with pytest.raises(DecodeError, match=why) as caught:
        status.check(P)
    assert caught.value.code is ReasonCode.BREAKER_STATUS_INVALID
    with pytest.raises(DecodeError):
        step_bridge(status, bridge(101), P)
    # with no height: only the policy's whole limit
    BridgeStatus.initial(P).check(P)
    claimed = dataclasses.replace(
        BridgeStatus.initial(P), pegout_allowance=P.pegout_window_limit + 1
    )
    with pytest.raises(DecodeError, match="before any sample"):
        claimed.check(P)
    with pytest.raises(DecodeError):
        BridgeStatus.initial(P).check(BreakerPolicy(pegout_window_limit=5))


# --- admissions and policy reading ------------------------------------------------------


def test_admissions_do_not_change_the_status() -> None:
    """Finding 12: each admission is checked on its own; a caller reports one in a
    sample (the same height may repeat) before admitting the next."""
    (status,) = run_bridge([bridge(100)])
    admit_pegout(status, 600 * BTC, exit_claim=False)
    admit_pegout(status, 600 * BTC, exit_claim=False)  # independent of the first
    (reported,) = run_bridge([bridge(100, pegout_volume=600 * BTC)], status)
    assert reported.pegout_allowance == 400 * BTC
    refused(lambda: admit_pegout(reported, 600 * BTC, exit_claim=False),
            ReasonCode.BREAKER_RATE_LIMITED)  # fmt: skip


@pytest.mark.parametrize(
    ("amount", "code"),
    [(-1, "AMOUNT_OUT_OF_RANGE"), (MAX_AMOUNT + 1, "AMOUNT_OUT_OF_RANGE"),
     ("1", "SCHEMA_WRONG_TYPE"), (True, "SCHEMA_WRONG_TYPE"), (1.0, "SCHEMA_WRONG_TYPE")],
)  # fmt: skip
def test_an_amount_that_is_not_an_amount_is_refused(amount: object, code: str) -> None:
    """Finding 13: a type error is SCHEMA_WRONG_TYPE, a range error AMOUNT_OUT_OF_RANGE."""
    with pytest.raises(DecodeError) as caught:
        admit_pegout(BridgeStatus.initial(P), amount, exit_claim=True)  # type: ignore[arg-type]
    assert caught.value.code.value == code


def test_policy_types_are_checked_before_ranges() -> None:
    """Finding 5: in JSON, every field's type first, then the ranges."""
    document = {**BreakerPolicy().to_json(), "min_peers": 0, "hysteresis_blocks": "10"}
    with pytest.raises(DecodeError) as caught:
        BreakerPolicy.from_json(document)
    assert caught.value.code is ReasonCode.SCHEMA_WRONG_TYPE
    reordered = dict(reversed(list(BreakerPolicy().to_json().items())))
    assert BreakerPolicy.from_json(reordered) == BreakerPolicy()  # finding 6
