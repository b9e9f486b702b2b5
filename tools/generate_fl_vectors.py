"""The federated-aggregation golden vectors. Called by ``tools/generate_vectors.py``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ailee.fl import (
    ClientUpdate,
    aggregate,
    tensor_to_json,
    update_commitment,
    update_to_json,
)


def _updates(offset: float = 0.0) -> list[ClientUpdate]:
    rows = [(1, 2, -3), (2, 2, -4), (3, 1, 5), (40, -7, 9), (5, 5, 5), (6, 0, -1), (7, 3, 2)]
    return [
        ClientUpdate(
            f"client-{k}",
            10 * (k + 1),
            (
                ("bias", np.array([k - 3], dtype=np.int32)),
                ("weight", np.array(row, dtype=np.float32) / 7 + np.float32(offset)),
            ),
        )
        for k, row in enumerate(rows)
    ]


def fl_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Federated aggregation",
        "ailee_fl_aggregate_v1",
        [
            "An aggregation 'rule' (fedavg, krum, median, trimmed_mean, bulyan) with "
            "'params' (krum: f, m; bulyan: f; trimmed_mean: beta as [numerator, "
            "denominator]) over 'updates' (client, "
            "examples, tensors as name, dtype, shape and little-endian bytes in hex); "
            "'expected' gives the result tensors, the clients selected (client-id order) "
            "and each update's commitment. The order of 'updates' never matters.",
        ],
    )
    vf.note("Param", "MALFORMED_INPUT", "A parameter is outside its valid range.")
    vf.note("Tensor", "MALFORMED_INPUT", "A tensor is malformed or not finite.")

    def case(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        rule: str,
        params: dict[str, Any],
        updates: list[ClientUpdate],
        code: str | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        fields: dict[str, Any] = {
            "rule": rule,
            "params": params,
            "updates": [update_to_json(u) for u in updates],
        }
        if code is None:
            result = aggregate(rule, updates, params)
            fields["expected"] = {
                "tensors": [tensor_to_json(n, a) for n, a in result.tensors],
                "selected": list(result.selected),
                "commitments": [update_commitment(u).hex() for u in updates],
            }
        vf.add(tests, comment, fields, code=code, flags=flags)

    updates = _updates()
    valid = vf.group("valid")
    case(valid, "FedAvg weighted by examples (float32 and int32 layers)", "fedavg", {}, updates)
    case(valid, "FedAvg, updates in reverse order", "fedavg", {}, updates[::-1])
    case(valid, "Krum, f = 2", "krum", {"f": 2, "m": 1}, updates)
    case(valid, "Multi-Krum, f = 1, m = 3", "krum", {"f": 1, "m": 3}, updates)
    case(valid, "Krum at an offset of 1e7", "krum", {"f": 2, "m": 1}, _updates(1e7))
    case(valid, "coordinate-wise median", "median", {}, updates)
    case(valid, "Bulyan, f = 1", "bulyan", {"f": 1}, updates)
    case(valid, "trimmed mean, beta 2/7", "trimmed_mean", {"beta": [2, 7]}, updates)
    invalid = vf.group("invalid")
    case(
        invalid,
        "Krum needs n > 2f + 2",
        "krum",
        {"f": 3, "m": 1},
        updates,
        "FL_PARAMETER_INVALID",
        ("Param",),
    )
    case(
        invalid,
        "Bulyan needs n >= 4f + 3",
        "bulyan",
        {"f": 2},
        updates,
        "FL_PARAMETER_INVALID",
        ("Param",),
    )
    case(
        invalid,
        "trimmed mean beta 1/2",
        "trimmed_mean",
        {"beta": [1, 2]},
        updates,
        "FL_PARAMETER_INVALID",
        ("Param",),
    )
    case(invalid, "unknown rule", "mean", {}, updates, "ENUM_UNKNOWN_VALUE", ("Param",))

    def broken(comment: str, change: Callable[[dict[str, Any]], Any], code: str) -> None:
        case(invalid, comment, "fedavg", {}, updates, code, ("Tensor",))
        change(invalid[-1])

    broken(
        "a NaN",
        lambda t: t["updates"][0]["tensors"][1].update(data="0000c07f" * 3),
        "FL_NON_FINITE",
    )
    broken(
        "shapes differ",
        lambda t: t["updates"][1]["tensors"].__setitem__(
            1, tensor_to_json("weight", np.zeros(2, dtype=np.float32))
        ),
        "FL_SHAPE_MISMATCH",
    )
    broken(
        "bytes do not fill the shape",
        lambda t: t["updates"][0]["tensors"][1].update(data="00" * 11),
        "FL_BAD_TENSOR",
    )
    broken("zero examples", lambda t: t["updates"][0].update(examples=0), "INT_OUT_OF_RANGE")
    broken(
        "a client twice",
        lambda t: t["updates"].append(copy.deepcopy(t["updates"][0])),
        "SECTION_DUPLICATE_KEY",
    )
    return vf


def round_vectors(vector_file: Callable[..., Any]) -> Any:
    from ailee.fl import round_record, round_to_json

    vf = vector_file(
        "Federated learning round records",
        "ailee_fl_round_v1",
        [
            "A round 'record' (job, round, rule, params, input commitments, selected, "
            "excluded, flagged, output commitment, privacy events as [q_m, q_e, sigma_m, "
            "sigma_e, steps] with q = q_m * 2^q_e exactly) must recompute from 'updates'.",
        ],
    )
    vf.note("Round", "CAN_OF_WORMS", "The record is not what its updates give.")
    updates = _updates()
    record = round_to_json(
        round_record(
            job="job-7",
            round_number=12,
            rule="krum",
            params={"f": 1, "m": 2},
            updates=updates,
            privacy_events=[(0.01, 1.1, 250)],
        )
    )
    docs = [update_to_json(u) for u in updates]
    valid = vf.group("valid")
    vf.add(valid, "Multi-Krum round with privacy accounting", {"record": record, "updates": docs})
    vf.add(valid, "the same updates in reverse order", {"record": record, "updates": docs[::-1]})
    # One client far from the others: byzantine detection flags it.
    outlier = [
        u if u.client_id != "client-5" else ClientUpdate(
            u.client_id, u.num_examples,
            tuple((n, a * 1000 if a.dtype.kind == "f" else a) for n, a in u.tensors),
        )
        for u in updates
    ]  # fmt: skip
    flagged = round_to_json(
        round_record(job="job-7", round_number=13, rule="fedavg", params={},
                     updates=outlier, privacy_events=[(0.01, 1.1, 250), (0.02, 0.9, 10)])
    )  # fmt: skip
    assert flagged["flagged"] == ["client-5"]
    outlier_docs = [update_to_json(u) for u in outlier]
    vf.add(valid, "FedAvg round flagging an outlier, two privacy events",
           {"record": flagged, "updates": outlier_docs})  # fmt: skip

    invalid = vf.group("invalid")
    vf.add(
        invalid,
        "an update missing",
        {"record": record, "updates": docs[1:]},
        code="FL_ROUND_INPUTS_MISMATCH",
        flags=("Round",),
    )
    forged = copy.deepcopy(record)
    forged["selected"] = ["client-0", "client-3"]
    vf.add(
        invalid,
        "other clients selected",
        {"record": forged, "updates": docs},
        code="FL_ROUND_MISMATCH",
        flags=("Round",),
    )

    def bad(comment: str, code: str, change: Callable[[dict[str, Any]], Any]) -> None:
        forged = copy.deepcopy(flagged)
        change(forged)
        vf.add(invalid, comment, {"record": forged, "updates": outlier_docs}, code=code,
               flags=("Round",))  # fmt: skip

    bad("flagged client left out", "FL_ROUND_MISMATCH", lambda r: r.update(flagged=[]))
    bad("privacy event with an even mantissa", "DP_PARAMETER_INVALID",
        lambda r: r["accounting"][0].__setitem__(0, 2))  # fmt: skip
    bad("privacy event with q = 2 (1 * 2^1)", "DP_PARAMETER_INVALID",
        lambda r: r["accounting"][0].__setitem__(slice(0, 2), [1, 1]))  # fmt: skip
    bad("negative round number", "INT_OUT_OF_RANGE", lambda r: r.update(round=-1))
    bad("a parameter the rule does not take", "SCHEMA_UNKNOWN_FIELD",
        lambda r: r.update(params={"f": 1}))  # fmt: skip
    forged = copy.deepcopy(record)
    forged["params"] = {"f": 1}
    vf.add(invalid, "Krum without m", {"record": forged, "updates": docs},
           code="SCHEMA_MISSING_FIELD", flags=("Round",))  # fmt: skip
    return vf
