"""SPV: ``ailee.spv.verify_txoutproof`` over a header chain, a proof and a transaction.

Input: one byte choosing the network, then ``pack(headers file, txoutproof, raw tx)``
(an empty raw tx means none). Property: every step returns or raises AileeError with a
documented code, and a result's proven transaction is the one given.
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main, round_trip, unpack

with instrumented():
    from ailee.headerchain import parse_headers_file, verify_header_chain
    from ailee.networks import NETWORKS
    from ailee.spv import verify_txoutproof

_PARAMS = list(NETWORKS.values())


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    if not data:
        return
    params = _PARAMS[data[0] % len(_PARAMS)]
    headers_file, proof, tx = unpack(data[1:], 3)
    headers = attempt(parse_headers_file, headers_file)
    if headers is None:
        return
    chain = attempt(verify_header_chain, headers, params)
    if chain is None:
        return
    result = attempt(verify_txoutproof, proof, chain, raw_tx=tx or None, min_confirmations=1)
    if result is not None and tx:
        round_trip(result.transaction is not None and result.transaction.raw == tx, "tx")


if __name__ == "__main__":
    main(TestOneInput)
