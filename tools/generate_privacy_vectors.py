"""The privacy-accounting golden vectors. Called by ``tools/generate_vectors.py``.

Vector files hold no floats: every real number is the shortest decimal string that
reads back as the same float64 (``repr``), and results are compared with a relative
tolerance, since ``exp``, ``log`` and ``erfc`` may differ in their last bits between
platforms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ailee.privacy import DEFAULT_ORDERS, Accountant, rdp_subsampled_gaussian

TOLERANCE = "1e-9"
#: Orders at which per-event RDP values are listed (integer and fractional).
SHOWN_ORDERS = (1.25, 1.5, 2.0, 2.5, 3.0, 4.5, 8.0, 32.0, 256.0)


def _text(value: float) -> str:
    return repr(float(value))


def privacy_vectors(vector_file: Callable[..., Any]) -> Any:
    vf = vector_file(
        "Privacy accounting: RDP of the Poisson-subsampled Gaussian mechanism",
        "ailee_privacy_v1",
        [
            "'events' are [q, sigma, steps] (q and sigma as decimal strings) composed in "
            "order; 'orders' the orders of the accountant; 'delta' a decimal string. "
            "'expected' gives 'rdp_at' (one event's RDP at some orders, for the first "
            "event), the composed 'rdp' at every order, and 'epsilon_improved' (Balle et "
            "al. 2020) and 'epsilon_classic'. Values are decimal strings of float64 "
            "numbers; compare with the relative 'tolerance' (absolute for values below 1).",
        ],
    )
    vf.note("Param", "MALFORMED_INPUT", "A mechanism or conversion parameter is invalid.")
    orders = [_text(a) for a in DEFAULT_ORDERS]

    def case(  # noqa: PLR0917 (a vector case's fields, in order)
        tests: list[Any],
        comment: str,
        events: list[tuple[str, str, int]],
        delta: str = "1e-05",
        code: str | None = None,
        order_list: list[str] | None = None,
    ) -> None:
        fields: dict[str, Any] = {
            "events": [list(e) for e in events],
            "orders": orders if order_list is None else order_list,
            "delta": delta,
            "tolerance": TOLERANCE,
        }
        if code is None:
            accountant = Accountant(tuple(float(a) for a in fields["orders"]))
            for q, sigma, steps in events:
                accountant = accountant.compose(float(q), float(sigma), steps)
            q, sigma, _ = events[0]
            fields["expected"] = {
                "rdp_at": [
                    [_text(a), _text(rdp_subsampled_gaussian(float(q), float(sigma), a))]
                    for a in SHOWN_ORDERS
                ],
                "rdp": [_text(r) for r in accountant.rdp],
                "epsilon_improved": _text(accountant.epsilon(float(delta))),
                "epsilon_classic": _text(accountant.epsilon(float(delta), improved=False)),
            }
        vf.add(tests, comment, fields, code=code, flags=("Param",) if code else ())

    valid = vf.group("valid")
    case(valid, "DP-SGD-like: q = 0.01, sigma = 1.1, 10,000 steps", [("0.01", "1.1", 10_000)])
    case(valid, "the dp-accounting 0.6.0 case: q = 0.1, sigma = 2, one step",
         [("0.1", "2.0", 1)])  # fmt: skip
    case(valid, "low noise: q = 0.001, sigma = 0.8, 1,000 steps", [("0.001", "0.8", 1000)])
    case(valid, "no subsampling (q = 1): alpha / (2 sigma^2) per step", [("1.0", "5.0", 10)])
    case(valid, "q = 0 spends nothing", [("0.0", "1.0", 100)], delta="1e-06")
    case(
        valid,
        "heterogeneous rounds composed",
        [("0.02", "1.3", 500), ("0.05", "2.5", 200), ("0.01", "0.9", 50)],
    )
    case(valid, "large q and sigma", [("0.5", "10.0", 100)], delta="0.001")
    case(valid, "the largest order, 1,024", [("0.01", "1.1", 10_000)],
         order_list=["2.0", "1024.0"])  # fmt: skip
    invalid = vf.group("invalid")
    case(invalid, "q above 1", [("1.5", "1.0", 1)], code="DP_PARAMETER_INVALID")
    case(invalid, "negative q", [("-0.1", "1.0", 1)], code="DP_PARAMETER_INVALID")
    case(invalid, "sigma zero", [("0.1", "0.0", 1)], code="DP_PARAMETER_INVALID")
    case(invalid, "negative sigma", [("0.1", "-1.0", 1)], code="DP_PARAMETER_INVALID")
    case(invalid, "negative steps", [("0.1", "1.0", -1)], code="DP_PARAMETER_INVALID")
    case(invalid, "delta 0", [("0.1", "1.0", 1)], delta="0.0", code="DP_PARAMETER_INVALID")
    case(invalid, "delta 1", [("0.1", "1.0", 1)], delta="1.0", code="DP_PARAMETER_INVALID")
    case(invalid, "order 1", [("0.1", "1.0", 1)], code="DP_PARAMETER_INVALID",
         order_list=["1.0", "2.0"])  # fmt: skip
    case(invalid, "order below 1", [("0.1", "1.0", 1)], code="DP_PARAMETER_INVALID",
         order_list=["0.5"])  # fmt: skip
    case(invalid, "no orders", [("0.1", "1.0", 1)], code="DP_PARAMETER_INVALID",
         order_list=[])  # fmt: skip
    case(invalid, "order above 1,024 (an integer order's sum has alpha + 1 terms)",
         [("0.1", "1.0", 1)], code="DP_PARAMETER_INVALID",
         order_list=["2.0", "1025.0"])  # fmt: skip
    case(invalid, "257 orders (at most 256)", [("0.1", "1.0", 1)],
         code="DP_PARAMETER_INVALID",
         order_list=[_text(2 + k / 4) for k in range(257)])  # fmt: skip
    return vf
