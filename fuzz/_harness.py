"""What every harness shares: the property, the input framing and the atheris entry.

The property of every harness: the entry point returns, or raises an
:class:`ailee.errors.AileeError` whose ``code`` is documented in
:data:`ailee.errors.REASON_CODES`. Any other exception escapes ``TestOneInput`` and
is a crash. Round-trip checks raise :class:`RoundTripError` (also a crash).

This module imports nothing from ``ailee`` at import time, so that a harness can
import the library inside :func:`instrumented` and have it instrumented for coverage.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
_T = TypeVar("_T")

#: Modules atheris instruments for coverage feedback: the library and the parsers it
#: hands outside input to.
INSTRUMENTED = ["ailee", "bitcoin", "yaml", "cbor2"]


class RoundTripError(AssertionError):
    """An accepted input whose re-encoding differs from it (or from its canonical form)."""


def _fuzzing() -> bool:
    main = sys.modules.get("__main__")
    name = Path(getattr(main, "__file__", "") or "").name
    return name.startswith("fuzz_")


@contextlib.contextmanager
def instrumented() -> Iterator[None]:
    """Instrument the imports in the block when a harness runs under atheris; a no-op
    when a harness is imported by the regression tests (atheris not needed there)."""
    if _fuzzing():
        import atheris

        with atheris.instrument_imports(include=INSTRUMENTED):
            yield
    else:
        yield


def check_code(error: BaseException) -> None:
    """An AileeError must carry a documented reason code and a message."""
    from ailee.errors import REASON_CODES, AileeError, ReasonCode

    assert isinstance(error, AileeError)
    if not isinstance(error.code, ReasonCode) or error.code not in REASON_CODES:
        raise AssertionError(f"undocumented reason code {error.code!r}") from error
    if not isinstance(error.message, str):
        raise AssertionError(f"message is not text: {error.message!r}") from error


def attempt(function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T | None:
    """``function(*args)``, or None if it raised an AileeError with a documented code."""
    from ailee.errors import AileeError

    try:
        return function(*args, **kwargs)
    except AileeError as exc:
        check_code(exc)
        return None


def passes(function: Callable[..., object], *args: Any, **kwargs: Any) -> bool:
    """Whether ``function(*args)`` returned (False if it raised a documented AileeError)."""
    from ailee.errors import AileeError

    try:
        function(*args, **kwargs)
    except AileeError as exc:
        check_code(exc)
        return False
    return True


def check_codes(checks: Any) -> None:
    """Every failed check of a report carries a documented reason code."""
    from ailee.errors import REASON_CODES

    for check in checks:
        if not check.ok and check.code not in REASON_CODES:
            raise AssertionError(f"check {check.name} failed without a documented code")


def same(a: Any, b: Any) -> bool:
    """Equal JSON values, strictly: ``true`` is not ``1`` (key order is not significant)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def round_trip(ok: bool, what: str) -> None:
    if not ok:
        raise RoundTripError(what)


# --- several inputs in one ----------------------------------------------------------


def pack(*parts: bytes) -> bytes:
    """Inputs framed as one: each part but the last after its 4-byte big-endian length."""
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts[:-1]) + parts[-1]


def unpack(data: bytes, count: int) -> list[bytes]:
    """The pair of :func:`pack`; a length past the end takes what is left."""
    parts, pos = [], 0
    for _ in range(count - 1):
        length = int.from_bytes(data[pos : pos + 4], "big")
        pos += 4
        parts.append(data[pos : pos + length])
        pos += length
    parts.append(data[pos:])
    return parts


def main(test_one_input: Callable[[bytes], None]) -> None:
    """Run a harness under atheris (libFuzzer flags on the command line)."""
    import atheris

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
