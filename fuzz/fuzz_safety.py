"""Circuit breakers: the JSON readers of ``ailee.safety`` and the steps run on them.

Input: a JSON object shaped as a breaker vector case (``breaker`` ``node`` or
``bridge``, ``policy``, ``initial``, ``samples``, ``admissions``). Property: every
reader and step returns or raises AileeError with a documented code; an accepted
policy, status or sample is its own canonical JSON (``X.from_json(v).to_json() ==
v``, strictly), and every status a step returns reads back to itself.
"""

from __future__ import annotations

from typing import Any

from fuzz._harness import attempt, instrumented, main, passes, round_trip, same

with instrumented():
    from ailee import safety
    from ailee.jsoncodec import loads


def _read(cls: Any, value: Any, what: str) -> Any:
    item = attempt(cls.from_json, value, what)
    if item is not None:
        round_trip(same(item.to_json(), value), f"{cls.__name__}.from_json(v).to_json() != v")
    return item


def _node(policy: Any, initial: Any, samples: list[Any]) -> None:
    status = safety.NodeStatus() if initial is None else _read(safety.NodeStatus, initial, "i")
    if status is None or not passes(status.check, policy):
        return
    for value in samples:
        sample = _read(safety.MetricsSample, value, "sample")
        if sample is None:
            return
        status = attempt(safety.step, status, sample, policy)
        if status is None:
            return
        round_trip(safety.NodeStatus.from_json(status.to_json()) == status, "node status")


def _bridge(policy: Any, initial: Any, samples: list[Any], admissions: Any) -> None:
    status = (
        safety.BridgeStatus.initial(policy)
        if initial is None
        else _read(safety.BridgeStatus, initial, "initial")
    )
    if status is None or not passes(status.check, policy):
        return
    for value in samples:
        sample = _read(safety.BridgeSample, value, "sample")
        if sample is None:
            return
        status = attempt(safety.step_bridge, status, sample, policy)
        if status is None:
            return
        round_trip(safety.BridgeStatus.from_json(status.to_json()) == status, "bridge status")
    for item in admissions if isinstance(admissions, list) else []:
        if isinstance(item, dict) and item.get("op") == "pegout":
            amount, exit_claim = item.get("amount"), item.get("exit_claim") is True
            attempt(safety.admit_pegout, status, amount, exit_claim=exit_claim)
        else:
            attempt(safety.admit_pegin, status)


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    doc = attempt(loads, data)
    if not isinstance(doc, dict):
        return
    policy = safety.BreakerPolicy()
    if doc.get("policy") is not None:
        policy = _read(safety.BreakerPolicy, doc["policy"], "policy")
        if policy is None:
            return
    samples = doc.get("samples")
    if not isinstance(samples, list):
        return
    if doc.get("breaker") == "node":
        _node(policy, doc.get("initial"), samples)
    else:
        _bridge(policy, doc.get("initial"), samples, doc.get("admissions"))


if __name__ == "__main__":
    main(TestOneInput)
