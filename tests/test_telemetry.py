"""Telemetry: signed hash chains catch missing, reordered, altered and unsigned samples."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from coincurve import PrivateKey

from ailee.errors import DecodeError, ReasonCode, VerificationError
from ailee.telemetry import (
    Sample,
    batch_root,
    reward,
    sample_hash,
    sign_sample,
    utility,
    verify_chain,
)

SECRET = hashlib.sha256(b"node key").digest()
PUBLIC = PrivateKey(SECRET).public_key_xonly.format()
AUX = bytes(32)


def chain(count: int = 5) -> list[Sample]:
    samples = []
    prev = bytes(32)
    for k in range(count):
        sample = Sample("node-1", k, 1_764_000_000_000 + 1000 * k, 1200 + k, 45_000 - k,
                        80_000, 250_000 + k, 900 + 10 * k, 100_000, prev_hash=prev)  # fmt: skip
        sample = sign_sample(sample, SECRET, AUX)
        prev = sample_hash(sample)
        samples.append(sample)
    return samples


def code_of(samples: list[Sample]) -> ReasonCode:
    with pytest.raises(VerificationError) as info:
        verify_chain(samples, PUBLIC)
    return info.value.code


def test_a_signed_chain_verifies() -> None:
    samples = chain()
    assert verify_chain(samples, PUBLIC) == sample_hash(samples[-1])
    # A chain can continue from a known last hash.
    assert verify_chain(samples[2:], PUBLIC, sample_hash(samples[1])) == sample_hash(samples[-1])
    root = batch_root(samples)
    assert len(root) == 32
    assert batch_root(samples[:-1]) != root


def test_each_tampering_has_its_code() -> None:
    samples = chain()
    assert code_of([samples[0], *samples[2:]]) is ReasonCode.TELEMETRY_SEQUENCE_GAP  # missing
    assert code_of([samples[1], samples[0], *samples[2:]]) is ReasonCode.TELEMETRY_CHAIN_BROKEN
    swapped = [samples[0], samples[2], samples[1], *samples[3:]]
    assert code_of(swapped) is ReasonCode.TELEMETRY_SEQUENCE_GAP
    altered = dataclasses.replace(samples[2], energy_mwh=999_999)
    assert code_of([*samples[:2], altered, *samples[3:]]) is ReasonCode.TELEMETRY_BAD_SIGNATURE
    unsigned = dataclasses.replace(samples[2], signature=b"")
    assert code_of([*samples[:2], unsigned, *samples[3:]]) is ReasonCode.TELEMETRY_UNSIGNED
    other = dataclasses.replace(samples[1], node="node-2")
    assert code_of([samples[0], other]) is ReasonCode.TELEMETRY_NODE_MISMATCH
    relinked = dataclasses.replace(samples[1], prev_hash=b"\x01" * 32)
    assert code_of([samples[0], relinked]) is ReasonCode.TELEMETRY_CHAIN_BROKEN
    wrong_key = PrivateKey(hashlib.sha256(b"other").digest()).public_key_xonly.format()
    with pytest.raises(VerificationError) as info:
        verify_chain(samples, wrong_key)
    assert info.value.code is ReasonCode.TELEMETRY_BAD_SIGNATURE


def test_samples_are_integers_only() -> None:
    with pytest.raises(DecodeError) as info:
        Sample("n", 0, 0, 1.5, 0, 0, 0, 0, 0)  # type: ignore[arg-type]
    assert info.value.code is ReasonCode.INT_OUT_OF_RANGE
    with pytest.raises(DecodeError):
        Sample("n", 0, 0, 0, 0, 0, 1_000_001, 0, 0)
    assert Sample("n", 0, 0, 0, -40_000, 0, 0, 0, 0).temperature_mc == -40_000


def test_utility_and_reward_are_exact() -> None:
    sample = chain(1)[0]
    assert (
        utility(sample)
        == (1_000_000 - 250_000) // 2 + (1_000_000 * (1_000_000 - 900) // 1_000_000) // 2
    )
    shares = reward(100, [("a", 1), ("b", 1), ("c", 1)])
    assert shares == {"a": 34, "b": 33, "c": 33}
    assert sum(reward(10**8 + 7, [("x", 3), ("y", 5), ("z", 11)]).values()) == 10**8 + 7
    assert reward(5, [("a", 0)]) == {"a": 0}
