"""Side by side with the libraries users know: flwr (aggregation) and dp-accounting.

Where they are right, ailee agrees; where they are wrong, the test says how and checks
that ailee is not (documented in docs/spec.md section 18 and the CHANGELOG).
"""

from __future__ import annotations

import itertools
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.fl import ClientUpdate, fedavg, krum, median, trimmed_mean
from ailee.privacy import epsilon, rdp_subsampled_gaussian
from tests.test_fl import exactly_rounded

if os.environ.get("AILEE_REQUIRE_EXTERNAL_VECTORS") == "1":
    import flwr.server.strategy.aggregate as flwr_agg  # CI: never skipped
    from dp_accounting.rdp import rdp_privacy_accountant as dp_rdp
else:
    flwr_agg = pytest.importorskip("flwr.server.strategy.aggregate", reason="flwr not installed")
    dp_rdp = pytest.importorskip(
        "dp_accounting.rdp.rdp_privacy_accountant", reason="dp-accounting not installed"
    )


def as_updates(rows: list[np.ndarray], counts: list[int]) -> list[ClientUpdate]:
    return [
        ClientUpdate(f"c{k:02d}", n, (("w", row),))
        for k, (row, n) in enumerate(zip(rows, counts, strict=True))
    ]


# --- dp-accounting ------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.floats(0.001, 0.9), st.floats(0.5, 8.0), st.integers(2, 64))
def test_integer_orders_agree_with_dp_accounting(q: float, sigma: float, alpha: int) -> None:
    ours = rdp_subsampled_gaussian(q, sigma, float(alpha))
    theirs = float(dp_rdp._compute_rdp_poisson_subsampled_gaussian(q, sigma, [float(alpha)])[0])
    assert ours == pytest.approx(theirs, rel=1e-9)


def test_dp_accounting_overestimates_fractional_orders() -> None:
    theirs = float(dp_rdp._compute_rdp_poisson_subsampled_gaussian(0.1, 2.0, [1.5])[0])
    ours = rdp_subsampled_gaussian(0.1, 2.0, 1.5)
    assert theirs == pytest.approx(0.0027267, rel=1e-4)  # dp-accounting 0.6.0
    assert ours == pytest.approx(0.0020989, rel=1e-4)  # the signs of the series kept
    assert theirs > ours


def test_epsilon_conversion_agrees() -> None:
    orders = [2.0, 3.0, 4.0, 8.0, 16.0, 32.0]
    rdp = [1000 * rdp_subsampled_gaussian(0.01, 1.1, a) for a in orders]
    theirs, _ = dp_rdp.compute_epsilon(orders, rdp, 1e-5)
    assert epsilon(orders, rdp, 1e-5) == pytest.approx(theirs, rel=1e-12)


def test_privacy_vectors_agree_with_the_oracles() -> None:
    """The golden values of vectors/privacy.json, not ailee's: dp-accounting at integer
    orders (and for the composed epsilon, classic and improved), numerical integration
    at fractional orders (where dp-accounting 0.6.0 is wrong)."""
    import json

    from tests.helpers import ROOT
    from tests.test_privacy import rdp_by_integration

    doc = json.loads((ROOT / "vectors" / "privacy.json").read_text())
    valid = [t for g in doc["testGroups"] if g["type"] == "valid" for t in g["tests"]]
    checked = 0
    for test in valid:
        q, sigma = float(test["events"][0][0]), float(test["events"][0][1])
        for order, value in test["expected"]["rdp_at"]:
            alpha = float(order)
            if alpha.is_integer():
                rdp = dp_rdp._compute_rdp_poisson_subsampled_gaussian(q, sigma, [alpha])
                oracle = float(rdp[0])
            elif 0 < q < 1:
                oracle = rdp_by_integration(q, sigma, alpha)
            else:
                continue  # closed forms, checked in tests/test_privacy.py
            assert float(value) == pytest.approx(oracle, rel=1e-6, abs=1e-12), test["tcId"]
            checked += 1
        orders = [float(a) for a in test["orders"]]
        composed = sum(
            steps * dp_rdp._compute_rdp_poisson_subsampled_gaussian(float(eq), float(es), orders)
            for eq, es, steps in test["events"]
        )
        integer = [k for k, a in enumerate(orders) if a.is_integer()]
        for k in integer:
            assert float(test["expected"]["rdp"][k]) == pytest.approx(
                float(composed[k]), rel=1e-9, abs=1e-15
            )
        delta = float(test["delta"])
        theirs, _ = dp_rdp.compute_epsilon(
            [orders[k] for k in integer], [float(composed[k]) for k in integer], delta
        )
        # Over integer orders only, the improved conversion can only be at or below theirs.
        assert float(test["expected"]["epsilon_improved"]) <= theirs * (1 + 1e-9)
    assert checked >= 40


# --- flwr ---------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.integers(2, 9), st.integers(1, 20), st.integers(0, 2**32 - 1))
def test_fedavg_agrees_with_flwr_and_does_not_depend_on_order(n: int, size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = [rng.normal(0, 10, size).astype(np.float32) for _ in range(n)]
    counts = [int(c) for c in rng.integers(1, 1000, n)]
    ours = fedavg(as_updates(rows, counts)).tensors[0][1]
    theirs = flwr_agg.aggregate([([row], c) for row, c in zip(rows, counts, strict=True)])[0]
    assert np.allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_flwr_fedavg_depends_on_client_order() -> None:
    """7 clients: flwr gives 14 different results over the 5,040 orders, ailee one, the
    exact mean correctly rounded."""
    rng = np.random.default_rng(5)
    rows = [np.array([rng.normal(0, 1e3)], dtype=np.float32) for _ in range(7)]
    counts = [int(c) for c in rng.integers(1, 100, 7)]
    theirs = set()
    ours = set()
    for order in itertools.permutations(range(7)):
        theirs.add(flwr_agg.aggregate([([rows[i]], counts[i]) for i in order])[0].tobytes())
        # The same set of updates (each keeps its client id), given in another order.
        permuted = [ClientUpdate(f"c{i:02d}", counts[i], (("w", rows[i]),)) for i in order]
        ours.add(fedavg(permuted).tensors[0][1].tobytes())
    assert len(ours) == 1
    assert len(theirs) == 14
    exact = sum(Fraction(float(rows[i][0])) * counts[i] for i in range(7)) / sum(counts)
    (value,) = np.frombuffer(next(iter(ours)), dtype=np.float32)
    assert exactly_rounded(value, exact, np.float32)


def test_median_agrees_with_flwr() -> None:
    rng = np.random.default_rng(9)
    rows = [rng.normal(0, 1, 16) for _ in range(7)]
    theirs = flwr_agg.aggregate_median([([row], 1) for row in rows])[0]
    assert np.array_equal(median(as_updates(rows, [1] * 7)).tensors[0][1], theirs)


def test_flwr_trimmed_mean_count_is_computed_in_floats() -> None:
    rows = [np.array([float(k)]) for k in range(100)]
    ours = trimmed_mean(as_updates(rows, [1] * 100), Fraction(29, 100)).tensors[0][1][0]
    assert ours == pytest.approx(sum(range(29, 71)) / 42)  # 29 trimmed from each end
    theirs = flwr_agg.aggregate_trimmed_avg([([row], 1) for row in rows], 0.29)[0][0]
    assert theirs == pytest.approx(sum(range(28, 72)) / 44)  # int(0.29 * 100) == 28


def test_krum_agrees_with_flwr_at_normal_scale() -> None:
    rng = np.random.default_rng(11)
    rows = [rng.normal(0, 1, 8) for _ in range(9)]
    rows[3] += 50  # an outlier
    ours = krum(as_updates(rows, [1] * 9), f=2)
    theirs = flwr_agg.aggregate_krum([([row], 1) for row in rows], 2, 0)[0]
    assert np.allclose(ours.tensors[0][1], theirs)


def test_flwr_gram_distances_lose_krum_at_large_offsets() -> None:
    """flwr's newer Krum computes |x|^2 + |y|^2 - 2 x.y: at a common offset of 1e8 the
    cancellation picks another winner than exact arithmetic in most cases; ailee (mean-
    centred distances) picks the exact winner in every case."""
    from flwr.app import ArrayRecord
    from flwr.serverapp.strategy.multikrum import compute_distances

    rng = np.random.default_rng(11)
    n, f = 7, 1

    def exact_winner(rows: list[np.ndarray]) -> int:
        points = [[Fraction(float(x)) for x in row] for row in rows]
        scores = [
            sum(sorted(sum(((a - b) ** 2 for a, b in zip(p, q, strict=True)), Fraction(0))
                       for j, q in enumerate(points) if j != i)[: n - f - 2])
            for i, p in enumerate(points)
        ]  # fmt: skip
        return min(range(n), key=lambda i: (scores[i], i))

    theirs_wrong = 0
    for _ in range(40):
        rows = [rng.normal(0, 1, 20) + 1e8 for _ in range(n)]
        exact = exact_winner(rows)
        distances = compute_distances([ArrayRecord([row]) for row in rows])
        scores = [np.sort(np.delete(distances[i], i))[: n - f - 2].sum() for i in range(n)]
        theirs_wrong += int(np.argmin(scores)) != exact
        ours = krum([ClientUpdate(f"c{i}", 1, (("w", r),)) for i, r in enumerate(rows)], f)
        assert ours.selected == (f"c{exact}",)
    assert theirs_wrong >= 20  # 84 of 100 in a longer run


def test_flwr_legacy_rules_where_ailee_refuses_or_differs() -> None:
    """flwr 1.42's legacy functions, each beside what ailee does instead."""
    from flwr.common import Code, FitRes, Status, ndarrays_to_parameters

    from ailee.errors import DecodeError, ReasonCode
    from ailee.fl import bulyan, fedavg

    # In-place FedAvg of integer layers: the scaling factors are cast to int, so zeros.
    rows = [np.array([3, 5, 7], dtype=np.int64), np.array([1, 1, 1], dtype=np.int64)]
    fits = [
        (None, FitRes(Status(Code.OK, ""), ndarrays_to_parameters([row]), n, {}))
        for row, n in zip(rows, [1, 3], strict=True)
    ]
    assert flwr_agg.aggregate_inplace(fits)[0].tolist() == [0, 0, 0]
    assert fedavg(as_updates(rows, [1, 3])).tensors[0][1].tolist() == [2, 2, 2]  # 6/4, 8/4, 10/4
    rng = np.random.default_rng(0)
    four = [rng.normal(0, 1, 3) for _ in range(4)]
    # Krum with n <= 2f + 2 (4 clients, f = 1): flwr answers, the paper's bound fails.
    flwr_agg.aggregate_krum([([r], 1) for r in four], 1, 0)
    with pytest.raises(DecodeError) as info:
        krum(as_updates(four, [1] * 4), 1)
    assert info.value.code is ReasonCode.FL_PARAMETER_INVALID
    # Multi-Krum asked for 10 of 4 clients: flwr silently averages fewer.
    flwr_agg.aggregate_krum([([r], 1) for r in four], 0, 10)
    with pytest.raises(DecodeError):
        krum(as_updates(four, [1] * 4), 0, 10)
    # Bulyan empties the caller's list (it pops the selected clients); ailee never
    # modifies its inputs.
    seven = [([rng.normal(0, 1, 3)], 1) for _ in range(7)]
    flwr_agg.aggregate_bulyan(seven, 1, flwr_agg.aggregate_krum, to_keep=0)
    assert len(seven) == 2
    updates = as_updates([rng.normal(0, 1, 3) for _ in range(7)], [1] * 7)
    before = [u.encoding() for u in updates]
    bulyan(updates, 1)
    assert [u.encoding() for u in updates] == before
    assert len(updates) == 7


def test_flwr_bulyan_selects_in_one_shot_not_iteratively() -> None:
    """flwr's newer Bulyan takes the theta lowest Krum scores computed once; the paper
    (and ailee) re-runs Krum on the clients not yet selected. The selected sets differ
    on most random inputs with a few spread-out clients (ailee's selection is checked
    against exact arithmetic by the second implementation, tests/independent)."""
    from flwr.app import ArrayRecord
    from flwr.serverapp.strategy.multikrum import compute_distances

    from ailee.fl import bulyan

    rng = np.random.default_rng(5)
    n, f, theta = 7, 1, 5
    differ = 0
    for _ in range(50):
        rows = [rng.normal(0, 1, 2) * rng.choice([1, 1, 1, 5]) for _ in range(n)]
        distances = compute_distances([ArrayRecord([row]) for row in rows])
        scores = [np.sort(np.delete(distances[i], i))[: n - f - 2].sum() for i in range(n)]
        one_shot = sorted(int(i) for i in np.argsort(scores)[:theta])
        ours = bulyan(as_updates(rows, [1] * n), f).selected
        differ += sorted(int(c[1:]) for c in ours) != one_shot
    assert differ >= 20  # 221 of 300 in a longer run
