"""Header chains: ``ailee.headerchain.parse_headers_file`` and ``verify_header_chain``.

Input: one byte choosing the network (of ``ailee.networks.NETWORKS``, in order), then
the headers file (raw 80-byte headers or hex text). Property: parsing and verifying
return or raise AileeError with a documented code; a raw file parses to itself, and
every header re-serializes to itself (``BlockHeader.parse(h).serialize() == h``).
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main, round_trip

with instrumented():
    from ailee.headerchain import parse_headers_file, verify_header_chain
    from ailee.headers import HEADER_SIZE, BlockHeader
    from ailee.networks import NETWORKS

_PARAMS = list(NETWORKS.values())


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    if not data:
        return
    params = _PARAMS[data[0] % len(_PARAMS)]
    headers = attempt(parse_headers_file, data[1:])
    if headers is None:
        return
    if headers and not set(data[1:]) <= set(b"0123456789abcdefABCDEF \t\n\r\x0b\x0c"):
        round_trip(headers == data[1:], "a raw headers file does not parse to itself")
    for k in range(0, len(headers), HEADER_SIZE):
        header = headers[k : k + HEADER_SIZE]
        round_trip(BlockHeader.parse(header).serialize() == header, "header re-serializes")
    attempt(verify_header_chain, headers, params)


if __name__ == "__main__":
    main(TestOneInput)
