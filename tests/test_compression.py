"""Compression: deterministic, within its documented bounds, committed by its bytes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ailee.compression import (
    compressed_commitment,
    densify,
    dequantise,
    quantise_int8,
    top_k,
)
from ailee.errors import DecodeError, ReasonCode

arrays = hnp.arrays(
    np.float32,
    st.integers(1, 64),
    elements=st.floats(-1e6, 1e6, width=32, allow_nan=False),
)


@settings(max_examples=150, deadline=None)
@given(arrays)
def test_int8_round_trip_within_half_a_step(x: np.ndarray) -> None:
    q = quantise_int8(x)
    back = dequantise(q)
    assert back.dtype == x.dtype
    bound = q.scale / 2 * (1 + 1e-6) + np.abs(x).max() * np.finfo(np.float32).eps
    assert np.all(np.abs(back.astype(np.float64) - x.astype(np.float64)) <= bound)
    assert q.values.min() >= -127
    assert q.values.max() <= 127
    assert quantise_int8(x.copy()).to_bytes() == q.to_bytes()


@settings(max_examples=150, deadline=None)
@given(arrays, st.data())
def test_top_k_keeps_the_largest_exactly(x: np.ndarray, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, x.size))
    s = top_k(x, k)
    dense = densify(s)
    kept = dense != 0
    assert np.array_equal(dense[kept], x[kept])
    dropped = np.abs(x[~kept])
    if k and dropped.size:
        assert dropped.max() <= np.abs(s.values).min()
    assert len(s.indices) == k
    assert list(s.indices) == sorted(s.indices)


def test_ties_by_index_and_commitments() -> None:
    x = np.array([1.0, -3.0, 3.0, 2.0, -3.0], dtype=np.float32)
    assert top_k(x, 2).indices.tolist() == [1, 2]  # three of magnitude 3: lowest indices
    assert top_k(x, 3).indices.tolist() == [1, 2, 4]
    a, b = quantise_int8(x), quantise_int8(x * 2)
    assert compressed_commitment(a) != compressed_commitment(b)
    assert compressed_commitment(a) == compressed_commitment(quantise_int8(x.copy()))
    zeros = quantise_int8(np.zeros(3, dtype=np.float64))
    assert zeros.scale == 1.0
    assert dequantise(zeros).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: quantise_int8(np.array([np.nan])), ReasonCode.FL_NON_FINITE),
        (lambda: quantise_int8(np.array([1, 2])), ReasonCode.FL_BAD_TENSOR),
        (lambda: top_k(np.zeros(3), 4), ReasonCode.FL_PARAMETER_INVALID),
    ],
)
def test_bad_inputs(call: object, code: ReasonCode) -> None:
    with pytest.raises(DecodeError) as info:
        call()  # type: ignore[operator]
    assert info.value.code is code
