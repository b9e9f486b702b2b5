"""Anchor evidence: ``ailee.evidence.evidence_from_json`` and ``ailee.verify.check_evidence``
(against ``examples/snapshot.json``).

Property: reading returns or raises AileeError with a documented code; checking never
raises and every failed check carries a documented code; an accepted document is its
own canonical form as a JSON value (``evidence_to_json(evidence_from_json(d))`` reads
to ``d``, strictly: ``true`` is not ``1``).
"""

from __future__ import annotations

from fuzz._harness import ROOT, attempt, check_codes, instrumented, main, round_trip, same

with instrumented():
    from ailee.evidence import evidence_from_json, evidence_to_json
    from ailee.jsoncodec import loads
    from ailee.verify import check_evidence, check_snapshot_bytes

SNAPSHOT = check_snapshot_bytes("example", (ROOT / "examples" / "snapshot.json").read_bytes())


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    outcome = check_evidence(SNAPSHOT, data, 1)
    check_codes(outcome.checks)
    evidence = attempt(evidence_from_json, data)
    if evidence is None:
        return
    canonical = loads(evidence_to_json(evidence).encode("utf-8"))
    round_trip(same(canonical, loads(data)), "evidence_to_json(evidence_from_json(d)) != d")


if __name__ == "__main__":
    main(TestOneInput)
