"""Hypothesis strategies for valid ailee values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ailee.limits import MAX_AMOUNT, MAX_UINT
from ailee.state import (
    SECTION_NAMES,
    Account,
    Anchor,
    FederationConfig,
    Header,
    L2State,
    PegIn,
    PegOut,
    RecoveryClaim,
    Task,
    TelemetryRecord,
)

# Short ids from a small alphabet collide often, which exercises duplicate handling;
# a few non-ASCII letters exercise UTF-8 ordering (all assigned in Unicode 3.2, NFC).
ids = st.text(alphabet="abcxyz019-_éΩ東", min_size=1, max_size=6)
amounts = st.integers(0, MAX_AMOUNT // 64)
uints = st.integers(0, MAX_UINT)
hashes = st.binary(min_size=32, max_size=32)


def headers() -> st.SearchStrategy[Header]:
    """Valid headers (genesis consistency is not required here)."""
    return st.builds(Header, st.just(2), ids, uints, hashes, uints)


def accounts() -> st.SearchStrategy[Account]:
    return st.builds(Account, ids, amounts, uints)


def records(section: str) -> st.SearchStrategy[Any]:
    """Valid records of ``section``."""
    if section == "accounts":
        return accounts()
    if section == "pegins":
        return st.builds(
            PegIn, hashes, st.integers(0, 2**32 - 1), amounts, ids, st.sampled_from(PegIn.STATUSES)
        )
    if section == "pegouts":
        return st.builds(
            PegOut,
            ids,
            ids,
            st.binary(min_size=1, max_size=40),
            amounts,
            amounts,
            st.sampled_from(PegOut.STATUSES),
            st.none() | hashes,
        )
    if section == "anchors":
        return st.builds(Anchor, st.integers(0, 50), uints, hashes, hashes, hashes, hashes)
    if section == "tasks":
        return st.builds(
            Task, ids, ids, st.integers(0, 255), ids, hashes, st.none() | ids, st.none() | hashes
        )
    if section == "telemetry":
        return st.builds(TelemetryRecord, ids, ids, uints, uints, hashes)
    if section == "recovery":
        return st.builds(
            RecoveryClaim, ids, ids, amounts, uints, st.sampled_from(RecoveryClaim.STATUSES)
        )
    if section == "federation":
        return st.lists(hashes, min_size=1, max_size=5, unique=True).flatmap(
            lambda keys: st.builds(
                FederationConfig,
                st.integers(0, 20),
                st.integers(1, len(keys)),
                st.just(tuple(sorted(keys))),
            )
        )
    raise ValueError(section)


def _unique(items: list[Any]) -> tuple[Any, ...]:
    seen: dict[bytes, Any] = {}
    for item in items:
        seen.setdefault(item.key(), item)
    return tuple(seen.values())


def section_lists(section: str, max_records: int = 6) -> st.SearchStrategy[tuple[Any, ...]]:
    """Records of one section with distinct keys, in arbitrary order."""
    return st.lists(records(section), max_size=max_records).map(_unique)


def states(max_records: int = 6) -> st.SearchStrategy[L2State]:
    """Valid states with up to ``max_records`` records per section."""
    return st.builds(
        lambda header, sections: L2State(header, **sections),
        headers(),
        st.fixed_dictionaries({name: section_lists(name, max_records) for name in SECTION_NAMES}),
    )


def cbor_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Values of ailee's CBOR value model."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**64), 2**64 - 1)
        | st.binary(max_size=40)
        | st.text(max_size=30)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=5)
            | st.dictionaries(st.text(max_size=8), children, max_size=5)
        ),
        max_leaves=max_leaves,
    )
