"""The shipped examples are generated, canonical and verify as a chain."""

from __future__ import annotations

from pathlib import Path

from ailee.verify import build_report, check_snapshot_bytes
from tests.helpers import EXAMPLES, make_examples_module


def test_examples_regenerate_identically(tmp_path: Path) -> None:
    make_examples_module().main([str(tmp_path)])
    for name in ("genesis.json", "snapshot.json", "evidence.json"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), (
            f"examples/{name} is stale: run python tools/make_examples.py"
        )


def test_examples_form_a_verified_chain() -> None:
    results = [
        check_snapshot_bytes(name, (EXAMPLES / name).read_bytes())
        for name in ("genesis.json", "snapshot.json")
    ]
    report = build_report(results)
    assert report.ok
    assert any(check.name == "chain.anchor[0]" for check in report.chain)


def test_example_conserves_value() -> None:
    # The verifier's conservation check, restated: what was credited (amount less the
    # peg-in fee) is in accounts or on its way out as peg-outs and their fees.
    result = check_snapshot_bytes("s", (EXAMPLES / "snapshot.json").read_bytes())
    assert result.snapshot is not None
    state = result.snapshot.state
    pegged_in = sum(p.amount - p.fee for p in state.pegins if p.status == "minted")
    held = sum(a.balance for a in state.accounts)
    leaving = sum(p.amount + p.fee for p in state.pegouts)
    assert pegged_in == held + leaving
