"""Consensus parameters of the Bitcoin networks ailee can verify headers for.

Consensus-critical. The values are Bitcoin Core's (``src/kernel/chainparams.cpp``):
proof-of-work limit, difficulty period and spacing, the minimum-difficulty and
no-retargeting flags, BIP94 (testnet4), the heights from which BIP34, BIP66 and BIP65
block versions are required, and each network's genesis header (wire bytes), whose
hash the tests check against the published genesis hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ailee.errors import DecodeError, ReasonCode

__all__ = ["NETWORKS", "NetworkParams", "network"]


@dataclass(frozen=True, slots=True)
class NetworkParams:
    """The proof-of-work rules of one Bitcoin network."""

    name: str
    #: Largest allowed target (easiest difficulty).
    pow_limit: int
    #: Blocks per difficulty period (2016 everywhere).
    interval: int
    #: Target seconds between blocks (600).
    target_spacing: int
    #: testnet3, testnet4, regtest: a block more than 2 * spacing after its parent may
    #: use the minimum difficulty.
    allow_min_difficulty: bool
    #: regtest: the target never changes.
    no_retargeting: bool
    #: testnet4 (BIP94): retarget from the period's first block's target, and the
    #: first block of a period may not be more than 600 s older than its parent.
    enforce_bip94: bool
    bip34_height: int
    bip66_height: int
    bip65_height: int
    #: The genesis block header, 80 bytes as on the wire.
    genesis_header: bytes

    @property
    def target_timespan(self) -> int:
        """Target seconds per difficulty period (1,209,600: two weeks)."""
        return self.interval * self.target_spacing


def _genesis(time: int, bits: int, nonce: int, merkle_root_display: str) -> bytes:
    return (
        (1).to_bytes(4, "little")
        + bytes(32)
        + bytes.fromhex(merkle_root_display)[::-1]
        + time.to_bytes(4, "little")
        + bits.to_bytes(4, "little")
        + nonce.to_bytes(4, "little")
    )


_SATOSHI_MERKLE: Final = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
_TESTNET4_MERKLE: Final = "7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e"
_MAIN_LIMIT: Final = (1 << 224) - 1

NETWORKS: Final[dict[str, NetworkParams]] = {
    "mainnet": NetworkParams(
        "mainnet", _MAIN_LIMIT, 2016, 600, False, False, False, 227_931, 363_725, 388_381,
        _genesis(1231006505, 0x1D00FFFF, 2083236893, _SATOSHI_MERKLE),
    ),
    "testnet3": NetworkParams(
        "testnet3", _MAIN_LIMIT, 2016, 600, True, False, False, 21_111, 330_776, 581_885,
        _genesis(1296688602, 0x1D00FFFF, 414098458, _SATOSHI_MERKLE),
    ),
    "testnet4": NetworkParams(
        "testnet4", _MAIN_LIMIT, 2016, 600, True, False, True, 1, 1, 1,
        _genesis(1714777860, 0x1D00FFFF, 393743547, _TESTNET4_MERKLE),
    ),
    "signet": NetworkParams(
        "signet", 0x377AE << 216, 2016, 600, False, False, False, 1, 1, 1,
        _genesis(1598918400, 0x1E0377AE, 52613770, _SATOSHI_MERKLE),
    ),
    "regtest": NetworkParams(
        "regtest", (1 << 255) - 1, 2016, 600, True, True, False, 1, 1, 1,
        _genesis(1296688602, 0x207FFFFF, 2, _SATOSHI_MERKLE),
    ),
}  # fmt: skip


def network(name: str) -> NetworkParams:
    """Return the parameters of the network called ``name`` (see :data:`NETWORKS`)."""
    try:
        return NETWORKS[name]
    except KeyError:
        known = ", ".join(NETWORKS)
        raise DecodeError(
            ReasonCode.NETWORK_UNKNOWN, f"unknown network {name!r}; known: {known}"
        ) from None
