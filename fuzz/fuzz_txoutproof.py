"""``gettxoutproof`` bytes: ``ailee.txmerkle.parse_merkle_block`` and ``MerkleBlock.verify``.

Property: parsing and extracting the matches return or raise AileeError with a
documented code; an accepted proof re-serializes to itself byte for byte.
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main, round_trip

with instrumented():
    from ailee.txmerkle import parse_merkle_block


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    block = attempt(parse_merkle_block, data)
    if block is None:
        return
    round_trip(block.serialize() == data, "parse_merkle_block(data).serialize() != data")
    attempt(block.verify)
    attempt(block.verify, check_inner_nodes=False)


if __name__ == "__main__":
    main(TestOneInput)
