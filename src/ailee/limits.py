"""Documented resource limits, enforced before the work they bound is done.

Each limit is the largest accepted value; one more is rejected with the reason code
named beside it. ``docs/spec.md`` (section "Limits") lists the same numbers.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "MAX_AMOUNT",
    "MAX_DOCUMENT_BYTES",
    "MAX_HEADERS",
    "MAX_ID_BYTES",
    "MAX_NESTING_DEPTH",
    "MAX_PROOF_PATH",
    "MAX_RECORDS_PER_SECTION",
    "MAX_SCRIPT_BYTES",
    "MAX_SIGNERS",
    "MAX_TX_BYTES",
    "MAX_UINT",
]

#: Largest snapshot, proof or vector file, JSON or CBOR (INPUT_TOO_LARGE).
MAX_DOCUMENT_BYTES: Final = 256 * 1024 * 1024
#: Deepest nesting of arrays and maps / objects (CBOR_TOO_DEEP, JSON_TOO_DEEP).
MAX_NESTING_DEPTH: Final = 32
#: Most records in one section (SECTION_TOO_MANY_RECORDS).
MAX_RECORDS_PER_SECTION: Final = 1 << 24
#: Longest identifier, in bytes of UTF-8 (ID_TOO_LONG).
MAX_ID_BYTES: Final = 64
#: Longest Bitcoin scriptPubKey (Bitcoin Core's MAX_SCRIPT_SIZE) (BYTES_WRONG_LENGTH).
MAX_SCRIPT_BYTES: Final = 10_000
#: Most federation signers (INT_OUT_OF_RANGE).
MAX_SIGNERS: Final = 1_000
#: Longest Merkle path a proof may carry (PROOF_PATH_LENGTH); trees hold < 2**24 leaves.
MAX_PROOF_PATH: Final = 24
#: 21 million BTC in satoshis; every amount and every sum of amounts is at most this.
MAX_AMOUNT: Final = 2_100_000_000_000_000
#: Largest unsigned integer field: 2**53 - 1, so every integer survives any JSON reader.
MAX_UINT: Final = (1 << 53) - 1
#: Most block headers in one chain (INPUT_TOO_LARGE); mainnet has under a million.
MAX_HEADERS: Final = 2_000_000
#: Largest raw transaction (a block's weight limit, 4,000,000) (INPUT_TOO_LARGE).
MAX_TX_BYTES: Final = 4_000_000
