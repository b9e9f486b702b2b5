"""Canonical CBOR: ``ailee.encoding.decode``.

Property: decode returns or raises AileeError with a documented code; an accepted
input re-encodes to itself, byte for byte (``encode(decode(data)) == data``).
"""

from __future__ import annotations

from fuzz._harness import check_code, instrumented, main, round_trip

with instrumented():
    from ailee.encoding import decode, encode
    from ailee.errors import AileeError


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    try:
        value = decode(data)
    except AileeError as exc:
        check_code(exc)
        return
    round_trip(encode(value) == data, "encode(decode(data)) != data")


if __name__ == "__main__":
    main(TestOneInput)
