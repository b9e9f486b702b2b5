"""Strict JSON: ``ailee.jsoncodec.loads``.

Property: loads returns or raises AileeError with a documented code; an accepted
value survives its canonical text (``loads(dumps(v)) == v``, ``true`` distinct from
``1``) and that text is a fixed point (JSON whitespace is free, so the check is on the
value, not the bytes).
"""

from __future__ import annotations

from fuzz._harness import check_code, instrumented, main, round_trip, same

with instrumented():
    from ailee.errors import AileeError
    from ailee.jsoncodec import dumps, loads


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    try:
        value = loads(data)
    except AileeError as exc:
        check_code(exc)
        return
    text = dumps(value)
    again = loads(text.encode("utf-8"))
    round_trip(same(again, value), "loads(dumps(v)) != v")
    round_trip(dumps(again) == text, "dumps is not a fixed point")


if __name__ == "__main__":
    main(TestOneInput)
