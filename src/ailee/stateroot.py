"""L2StateRoot: the one 32-byte commitment to a whole L2 state.

Consensus-critical. Byte by byte (``docs/spec.md`` has worked examples)::

    leaf(section, record) = tagged_hash("ailee/v2/leaf/" + section, cbor(record))
    tree(section)         = merkle root over the section's leaves in key order
                            (accounts: a Merkle-sum tree over (leaf, balance))
    section_root(section) = tagged_hash("ailee/v2/section",
                                u8(section index) || u64be(count) || u64be(total) || tree)
                            (total = sum of balances for accounts, 0 for other sections)
    L2StateRoot           = tagged_hash("ailee/v2/state",
                                section_root[0] || ... || section_root[7] || cbor(header))

``cbor(x)`` is the deterministic CBOR (:mod:`ailee.encoding`) of the record's or
header's field map.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ailee.encoding import encode
from ailee.errors import DecodeError, ReasonCode
from ailee.fields import Form
from ailee.hashing import Tag, tagged_hasher
from ailee.merkle import merkle_root, sum_merkle_root
from ailee.state import SECTION_NAMES, Account, Header, L2State, Record, record_type, write_fields

if TYPE_CHECKING:
    from ailee.proofs import StateProof

__all__ = [
    "L2StateRoot",
    "header_bytes",
    "leaf_bytes",
    "leaf_hash",
    "section_root",
    "state_root_from_parts",
]

_LEAF_HASHERS: Final = {name: tagged_hasher(f"ailee/v2/leaf/{name}") for name in SECTION_NAMES}
_SECTION_HASH: Final = tagged_hasher(Tag.SECTION)
_STATE_HASH: Final = tagged_hasher(Tag.STATE)
_SECTION_INDEX: Final = {name: i for i, name in enumerate(SECTION_NAMES)}


def leaf_bytes(record: Record) -> bytes:
    """The deterministic CBOR of a record: the message its leaf hash is taken over."""
    if type(record) is Account:
        return _account_leaf_bytes(record)
    return encode(write_fields(record, Form.CBOR))


def leaf_hash(record: Record) -> bytes:
    """The leaf hash of a record, tagged with its section's leaf tag."""
    return _LEAF_HASHERS[record.SECTION](leaf_bytes(record))


def header_bytes(header: Header) -> bytes:
    """The deterministic CBOR of a header."""
    return encode(write_fields(header, Form.CBOR))


def section_root(section: str, count: int, total: int, tree_root: bytes) -> bytes:
    """The commitment to one section: its index, record count, total and tree root."""
    record_type(section)
    message = (
        _SECTION_INDEX[section].to_bytes(1, "big")
        + count.to_bytes(8, "big")
        + total.to_bytes(8, "big")
        + tree_root
    )
    return _SECTION_HASH(message)


def state_root_from_parts(header_cbor: bytes, section_roots: Sequence[bytes]) -> bytes:
    """The L2StateRoot from the header's CBOR and the eight section roots in order."""
    if len(section_roots) != len(SECTION_NAMES):
        raise DecodeError(ReasonCode.SCHEMA_WRONG_TYPE, "exactly eight section roots are needed")
    return _STATE_HASH(b"".join(section_roots) + header_cbor)


# --- fast path for accounts ---------------------------------------------------------
# The account map's keys in canonical order are "id", "nonce", "balance" (by encoded
# bytes: 0x62.., 0x65.., 0x67..). Building the bytes directly is several times faster
# than the generic encoder and is checked against it by the tests.
_ACCOUNT_ID: Final = b"\xa3\x62id"
_ACCOUNT_NONCE: Final = b"\x65nonce"
_ACCOUNT_BALANCE: Final = b"\x67balance"


_SMALL_UINT: Final = tuple(bytes((value,)) for value in range(24))
_SMALL_TEXT_HEAD: Final = tuple(bytes((0x60 | length,)) for length in range(24))


def _uint(value: int) -> bytes:
    """CBOR head of an unsigned integer (major type 0), shortest form."""
    if value < 24:
        return _SMALL_UINT[value]
    if value < 0x100:
        return b"\x18" + value.to_bytes(1, "big")
    if value < 0x1_0000:
        return b"\x19" + value.to_bytes(2, "big")
    if value < 0x1_0000_0000:
        return b"\x1a" + value.to_bytes(4, "big")
    return b"\x1b" + value.to_bytes(8, "big")


# Precomputed pieces of the account encoding: map head and "id" key with the id's text
# head (ids are 1 to 64 bytes), and the nonce and balance entries for values below 24.
_ID_HEADS: Final = tuple(
    _ACCOUNT_ID + (_SMALL_TEXT_HEAD[n] if n < 24 else b"\x78" + n.to_bytes(1, "big"))
    for n in range(65)
)
_NONCE_PIECES: Final = tuple(_ACCOUNT_NONCE + _SMALL_UINT[n] for n in range(24))
_BALANCE_PIECES: Final = tuple(_ACCOUNT_BALANCE + _SMALL_UINT[n] for n in range(24))


def _account_leaf_bytes(account: Account) -> bytes:
    # Must give the bytes of the generic encoder; _account_leaves inlines this body.
    raw_id = account.id.encode()
    nonce, balance = account.nonce, account.balance
    return (
        _ID_HEADS[len(raw_id)]
        + raw_id
        + (_NONCE_PIECES[nonce] if nonce < 24 else _ACCOUNT_NONCE + _uint(nonce))
        + (_BALANCE_PIECES[balance] if balance < 24 else _ACCOUNT_BALANCE + _uint(balance))
    )


_ACCOUNT_LEAF_PREFIX: Final = hashlib.sha256(
    hashlib.sha256(Tag.LEAF_ACCOUNTS.encode()).digest() * 2
)


def _account_leaves(accounts: Sequence[Account]) -> tuple[list[bytes], list[int]]:
    """Leaf hashes and balances of the accounts, in one pass.

    The hot loop of the state root: the same bytes as ``leaf_hash`` (the tests compare
    them), with the encoding inlined and the tag's SHA-256 midstate copied per leaf.
    """
    copy = _ACCOUNT_LEAF_PREFIX.copy
    id_heads, nonces, balances_small, uint = _ID_HEADS, _NONCE_PIECES, _BALANCE_PIECES, _uint
    hashes: list[bytes] = []
    balances: list[int] = []
    add_hash, add_balance = hashes.append, balances.append
    for account in accounts:
        raw_id = account.id.encode()
        nonce, balance = account.nonce, account.balance
        ctx = copy()
        ctx.update(
            id_heads[len(raw_id)]
            + raw_id
            + (nonces[nonce] if nonce < 24 else _ACCOUNT_NONCE + uint(nonce))
            + (balances_small[balance] if balance < 24 else _ACCOUNT_BALANCE + uint(balance))
        )
        add_hash(ctx.digest())
        add_balance(balance)
    return hashes, balances


@dataclass(frozen=True)
class L2StateRoot:
    """The computed commitment to an :class:`~ailee.state.L2State`.

    ``root`` is the L2StateRoot; ``section_roots`` the eight section commitments in
    order; ``accounts_total`` the sum of all balances (proved by the sum tree).
    Compute it with :meth:`compute`.
    """

    state: L2State
    root: bytes
    header_cbor: bytes
    section_roots: tuple[bytes, ...]
    tree_roots: tuple[bytes, ...]
    accounts_total: int
    _leaves: dict[str, list[bytes]] = field(repr=False, compare=False)

    @classmethod
    def compute(cls, state: L2State) -> L2StateRoot:
        """Compute every section root and the state root of ``state``.

        Raises ``ACCOUNTS_TOTAL_OVERFLOW`` (a :class:`~ailee.errors.VerificationError`)
        if the balances add up to more than 21 million BTC.
        """
        leaves: dict[str, list[bytes]] = {}
        section_roots = []
        tree_roots = []
        total = 0
        for name in SECTION_NAMES:
            records = state.records(name)
            hasher = _LEAF_HASHERS[name]
            if name == "accounts":
                hashes, balances = _account_leaves(state.accounts)
                tree, total = sum_merkle_root(hashes, balances)
                leaves[name] = hashes
                section_total = total
            else:
                plain = [hasher(encode(write_fields(record, Form.CBOR))) for record in records]
                tree = merkle_root(plain)
                leaves[name] = plain
                section_total = 0
            tree_roots.append(tree)
            section_roots.append(section_root(name, len(records), section_total, tree))
        header_cbor = header_bytes(state.header)
        root = state_root_from_parts(header_cbor, section_roots)
        return cls(state, root, header_cbor, tuple(section_roots), tuple(tree_roots), total, leaves)

    def section_root(self, section: str) -> bytes:
        """The commitment of one section."""
        record_type(section)
        return self.section_roots[_SECTION_INDEX[section]]

    def leaf_hashes(self, section: str) -> list[bytes]:
        """The section's leaf hashes in key order (for accounts, sums are the balances)."""
        record_type(section)
        return self._leaves[section]

    def prove(self, section: str, key: bytes) -> StateProof:
        """An inclusion proof for the record with ``key``, or a non-inclusion proof."""
        from ailee.proofs import build_proof

        return build_proof(self, section, key)
