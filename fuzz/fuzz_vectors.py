"""Vector files: ``ailee.vectors.run_vector_file``.

Property: running a vector file returns a result or raises AileeError with a
documented code (a case whose behaviour differs from its vector is a failure in the
result, never an exception).
"""

from __future__ import annotations

from fuzz._harness import attempt, instrumented, main

with instrumented():
    from ailee.vectors import run_vector_file


def TestOneInput(data: bytes) -> None:  # noqa: N802 (libFuzzer's name)
    result = attempt(run_vector_file, data)
    if result is not None and (result.passed < 0 or result.failed < 0):
        raise AssertionError("negative counts")


if __name__ == "__main__":
    main(TestOneInput)
