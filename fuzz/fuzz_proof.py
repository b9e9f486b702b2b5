"""State proofs: ``ailee.proofs.proof_from_json`` and ``verify_proof``.

Input: a 32-byte expected root, then the proof's JSON text.
Property: reading and verifying return or raise AileeError with a documented code; an
accepted proof document is its own canonical form (``proof_to_json(proof_from_json(d))
== d``, strictly: ``true`` is not ``1``).
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main, round_trip, same

with instrumented():
    from ailee.jsoncodec import loads
    from ailee.proofs import proof_from_json, proof_to_json, verify_proof


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    root, text = data[:32], data[32:]
    doc = attempt(loads, text)
    if doc is None:
        return
    proof = attempt(proof_from_json, doc)
    if proof is None:
        return
    round_trip(same(proof_to_json(proof), doc), "proof_to_json(proof_from_json(d)) != d")
    attempt(verify_proof, proof, root)


if __name__ == "__main__":
    main(TestOneInput)
