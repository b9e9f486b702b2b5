"""Exit claims: ``ailee.recovery.claim_document_from_json`` and
``ailee.claimreport.check_claim``.

Input: ``pack(claim document, evidence document)``. Property: reading returns or
raises AileeError with a documented code; checking never raises and every failed
check carries a documented code; an accepted claim document is its own canonical form
as a JSON value (strictly: ``true`` is not ``1``).
"""

from __future__ import annotations

from fuzz._harness import attempt, check_codes, instrumented, main, round_trip, same, unpack

with instrumented():
    from ailee.claimreport import check_claim
    from ailee.jsoncodec import loads
    from ailee.recovery import claim_document_from_json, claim_document_to_json


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    claim, evidence = unpack(data, 2)
    report = check_claim(claim, evidence)
    check_codes(report.checks)
    document = attempt(claim_document_from_json, claim)
    if document is None:
        return
    canonical = loads(claim_document_to_json(document).encode("utf-8"))
    round_trip(same(canonical, loads(claim)), "claim_document_to_json(from_json(d)) != d")


if __name__ == "__main__":
    main(TestOneInput)
