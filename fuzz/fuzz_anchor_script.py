"""Anchor scripts: ``ailee.anchors.parse_anchor_script``.

Property: parsing returns or raises AileeError with a documented code; an accepted
script is the one ``anchor_script`` writes for its commitment, byte for byte.
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main, round_trip

with instrumented():
    from ailee.anchors import anchor_script, parse_anchor_script


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    commitment = attempt(parse_anchor_script, data)
    if commitment is None:
        return
    round_trip(anchor_script(commitment) == data, "anchor_script(parse(script)) != script")


if __name__ == "__main__":
    main(TestOneInput)
