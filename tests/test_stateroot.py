"""L2StateRoot: order independence, sensitivity to every change, section commitments."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailee.encoding import encode
from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.fields import Form
from ailee.hashing import Tag, tagged_hash
from ailee.limits import MAX_AMOUNT
from ailee.merkle import EMPTY_ROOT
from ailee.state import SECTION_NAMES, ZERO_ROOT, Account, Header, L2State, write_fields
from ailee.stateroot import (
    L2StateRoot,
    header_bytes,
    leaf_bytes,
    leaf_hash,
    section_root,
    state_root_from_parts,
)
from tests.strategies import accounts as accounts_strategy
from tests.strategies import records, states


def _root(state: L2State) -> bytes:
    return L2StateRoot.compute(state).root


def test_spec_worked_examples() -> None:
    header = Header(2, "ailee-signet-demo", 0, ZERO_ROOT, 1_764_000_000_000)
    empty = L2StateRoot.compute(L2State(header))
    assert empty.section_root("accounts").hex() == (
        "5b96e1d2ff56c86eb7ead2655312b73bac36fce830232a94bddfa970cc65d529"
    )
    assert empty.root.hex() == "b9a920c9fae6405b6a8009be4b63b26c9ea12b7cc473b7ca63da276bc47a61bf"
    two = L2StateRoot.compute(
        L2State(header, accounts=(Account("bob", 25_000_000, 0), Account("alice", 150_000_000, 0)))
    )
    assert two.tree_roots[0].hex() == (
        "7c563abba94e7727a6860f757ce586a9b7ff5372c28c90ea0caf06bcedf1eee2"
    )
    assert two.accounts_total == 175_000_000
    assert two.root.hex() == "7311ed13014822f7f0b9b3f1f64043523f472d95aea371e7414a48edf57875ab"


def test_definition_of_roots() -> None:
    header = Header(2, "c", 3, b"\x01" * 32, 9)
    commitment = L2StateRoot.compute(L2State(header))
    for index, name in enumerate(SECTION_NAMES):
        message = bytes([index]) + bytes(8) + bytes(8) + EMPTY_ROOT
        assert commitment.section_root(name) == tagged_hash(Tag.SECTION, message)
    expected = tagged_hash(Tag.STATE, b"".join(commitment.section_roots) + header_bytes(header))
    assert commitment.root == expected
    assert state_root_from_parts(header_bytes(header), commitment.section_roots) == expected


def test_section_root_commits_to_index_count_and_total() -> None:
    base = section_root("accounts", 2, 10, EMPTY_ROOT)
    assert base != section_root("pegins", 2, 10, EMPTY_ROOT)
    assert base != section_root("accounts", 3, 10, EMPTY_ROOT)
    assert base != section_root("accounts", 2, 11, EMPTY_ROOT)
    assert base != section_root("accounts", 2, 10, b"\x00" * 32)


@settings(max_examples=60)
@given(states(), st.randoms(use_true_random=False))
def test_root_does_not_depend_on_input_order(state: L2State, rng: object) -> None:
    shuffled = {}
    for name in SECTION_NAMES:
        items = list(state.records(name))
        rng.shuffle(items)  # type: ignore[attr-defined]
        shuffled[name] = tuple(items)
    assert _root(L2State(state.header, **shuffled)) == _root(state)


@settings(max_examples=60)
@given(states(max_records=4), st.data())
def test_adding_removing_or_changing_a_record_changes_the_root(
    state: L2State, data: st.DataObject
) -> None:
    root = _root(state)
    name = data.draw(st.sampled_from(SECTION_NAMES))
    items = list(state.records(name))
    extra = data.draw(records(name))
    if all(record.key() != extra.key() for record in items):
        assert _root(dataclasses.replace(state, **{name: (*items, extra)})) != root
    if items:
        victim = data.draw(st.integers(0, len(items) - 1))
        fewer = items[:victim] + items[victim + 1 :]
        assert _root(dataclasses.replace(state, **{name: tuple(fewer)})) != root
        replacement = data.draw(records(name))
        others = [r for i, r in enumerate(items) if i != victim]
        if replacement != items[victim] and all(r.key() != replacement.key() for r in others):
            changed = (*others, replacement)
            assert _root(dataclasses.replace(state, **{name: changed})) != root


@given(
    states(max_records=2),
    st.sampled_from(["chain_id", "sequence", "prev_state_root", "timestamp_ms"]),
)
def test_changing_any_header_field_changes_the_root(state: L2State, field: str) -> None:
    header = state.header
    value = getattr(header, field)
    if isinstance(value, str):
        new: object = value + "x" if len(value) < 60 else "y"
    elif isinstance(value, bytes):
        new = bytes([value[0] ^ 1]) + value[1:]
    else:
        new = value + 1 if value < 2**53 - 1 else value - 1
    changed = dataclasses.replace(state, header=dataclasses.replace(header, **{field: new}))
    assert _root(changed) != _root(state)


@given(states())
def test_accounts_total_is_the_sum_of_balances(state: L2State) -> None:
    assert L2StateRoot.compute(state).accounts_total == sum(a.balance for a in state.accounts)


def test_total_overflow() -> None:
    header = Header(2, "c", 0, ZERO_ROOT, 0)
    at_limit = L2State(header, accounts=(Account("a", MAX_AMOUNT, 0),))
    assert L2StateRoot.compute(at_limit).accounts_total == MAX_AMOUNT
    over = L2State(header, accounts=(Account("a", MAX_AMOUNT, 0), Account("b", 1, 0)))
    with pytest.raises(VerificationError) as info:
        L2StateRoot.compute(over)
    assert info.value.code is ReasonCode.ACCOUNTS_TOTAL_OVERFLOW


def test_moving_value_between_accounts_changes_the_root_but_not_the_total() -> None:
    header = Header(2, "c", 0, ZERO_ROOT, 0)
    before = L2State(header, accounts=(Account("a", 10, 0), Account("b", 10, 0)))
    after = L2State(header, accounts=(Account("a", 9, 0), Account("b", 11, 0)))
    first, second = L2StateRoot.compute(before), L2StateRoot.compute(after)
    assert first.accounts_total == second.accounts_total
    assert first.root != second.root


def _generic_account_leaf(account: Account) -> bytes:
    from ailee.encoding import encode
    from ailee.fields import Form
    from ailee.state import write_fields

    return tagged_hash(Tag.LEAF_ACCOUNTS, encode(write_fields(account, Form.CBOR)))


@given(st.lists(accounts_strategy(), max_size=8))
def test_inlined_account_loop_matches_generic_leaves(items: list[Account]) -> None:
    state = L2State(
        Header(2, "c", 0, ZERO_ROOT, 0), accounts=tuple({a.key(): a for a in items}.values())
    )
    commitment = L2StateRoot.compute(state)
    assert commitment.leaf_hashes("accounts") == [
        _generic_account_leaf(account) for account in state.accounts
    ]


def test_inlined_account_loop_at_head_boundaries() -> None:
    values = [0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, MAX_AMOUNT // 8]
    accounts = [
        Account("k" * length + str(i), value, value)
        for i, value in enumerate(values)
        for length in (1, 22, 23, 60)
    ]
    state = L2State(Header(2, "c", 0, ZERO_ROOT, 0), accounts=tuple(accounts))
    assert L2StateRoot.compute(state).leaf_hashes("accounts") == [
        _generic_account_leaf(account) for account in state.accounts
    ]


def test_state_root_from_parts_needs_exactly_eight_section_roots() -> None:
    header_cbor = header_bytes(Header(2, "c", 0, ZERO_ROOT, 0))
    for count in (0, len(SECTION_NAMES) - 1, len(SECTION_NAMES) + 1):
        with pytest.raises(DecodeError) as info:
            state_root_from_parts(header_cbor, [EMPTY_ROOT] * count)
        assert info.value.code is ReasonCode.SCHEMA_WRONG_TYPE


def test_account_leaf_bytes_at_the_one_byte_head_boundary() -> None:
    # Known answers: 23 is the largest value in the initial byte, 24 takes 0x18 0x18.
    assert leaf_bytes(Account("a", 23, 24)).hex() == (
        "a3" "626964" "6161" "656e6f6e6365" "1818" "6762616c616e6365" "17"
    )  # fmt: skip
    assert leaf_bytes(Account("a", 24, 23)).hex() == (
        "a3" "626964" "6161" "656e6f6e6365" "17" "6762616c616e6365" "1818"
    )  # fmt: skip
    values = [0, 23, 24, 25, 255, 256, 65535, 65536, 2**32 - 1, 2**32, MAX_AMOUNT]
    for value in values:
        for account in (Account("k", value, 0), Account("k", 0, value)):
            generic = encode(write_fields(account, Form.CBOR))
            assert leaf_bytes(account) == generic
            assert leaf_hash(account) == tagged_hash(Tag.LEAF_ACCOUNTS, generic)


def test_state_root_from_parts_needs_eight_roots() -> None:
    with pytest.raises(DecodeError) as info:
        state_root_from_parts(b"", [ZERO_ROOT] * 7)
    assert (info.value.code, info.value.message) == (
        ReasonCode.SCHEMA_WRONG_TYPE,
        "exactly eight section roots are needed",
    )
