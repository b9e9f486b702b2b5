"""``python -m ailee_verify`` runs ``ailee-l2-verify``."""

from ailee_verify.cli import main

main()
