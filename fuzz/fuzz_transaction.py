"""Raw transactions: ``ailee.transactions.parse_transaction`` (and ``parse_block``).

Property: parsing returns or raises AileeError with a documented code; an accepted
transaction is exactly its canonical serialization (``tx.raw == data``, and python-
bitcoinlib re-serializes it to the same bytes); a parsed block re-joins to its bytes.
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main, round_trip

with instrumented():
    from bitcoin.core import CTransaction

    from ailee.transactions import is_transaction, parse_block, parse_transaction


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    is_transaction(data)
    tx = attempt(parse_transaction, data)
    if tx is not None:
        round_trip(tx.raw == data, "tx.raw != data")
        round_trip(CTransaction.deserialize(data).serialize() == data, "re-serialization")
    block = attempt(parse_block, data)
    if block is not None:
        joined = b"".join(t.raw for t in block.transactions)
        round_trip(data.startswith(block.header) and data.endswith(joined), "block bytes")


if __name__ == "__main__":
    main(TestOneInput)
