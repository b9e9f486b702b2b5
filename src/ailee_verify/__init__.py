"""The ``ailee-l2-verify`` command line: a thin shell over :mod:`ailee`."""

from ailee_verify.cli import main

__all__ = ["main"]
