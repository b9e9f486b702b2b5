"""Legacy ``SNAPSHOT v1`` files: ``ailee.legacy.parse_legacy``, ``check_legacy`` and
``to_native``.

Property: each step returns or raises AileeError with a documented code (checks report
failures with documented codes); an accepted file is exactly what the original's
writer produces for its blocks (``format_legacy(parse_legacy(data).snapshots) ==
data``).
"""

from __future__ import annotations

from fuzz._harness import attempt, check_codes, instrumented, main, round_trip

with instrumented():
    from ailee.legacy import check_legacy, format_legacy, parse_legacy, to_native


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    parsed = attempt(parse_legacy, data)
    if parsed is None:
        return
    round_trip(format_legacy(parsed.snapshots) == data, "format_legacy(parse_legacy(d)) != d")
    report = check_legacy(parsed)
    for block in report.blocks:
        check_codes(block.checks)
    for snapshot in parsed.snapshots:
        attempt(to_native, snapshot)


if __name__ == "__main__":
    main(TestOneInput)
