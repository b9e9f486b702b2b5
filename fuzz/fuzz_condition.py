"""Policy conditions: ``ailee.conditions.parse_condition``.

Input: the condition's text as UTF-8 (undecodable bytes become lone surrogates).
Property: parsing returns or raises AileeError with a documented code; an accepted
condition's canonical text (``format_condition``) parses to the same tree and is a
fixed point; evaluating it on all-zero inputs returns a bool or raises AileeError.
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main, round_trip

with instrumented():
    from ailee.conditions import evaluate, format_condition, names_of, parse_condition


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    text = data.decode("utf-8", "surrogateescape")
    condition = attempt(parse_condition, text)
    if condition is None:
        return
    canonical = format_condition(condition)
    again = parse_condition(canonical)
    round_trip(again == condition, "format_condition does not parse to the same tree")
    round_trip(format_condition(again) == canonical, "format_condition is not a fixed point")
    names = names_of(condition)
    attempt(parse_condition, text, names)
    attempt(evaluate, condition, dict.fromkeys(names, 0))


if __name__ == "__main__":
    main(TestOneInput)
