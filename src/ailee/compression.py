"""Deterministic update compression: int8 quantisation and top-k sparsification.

Both are pure functions of the tensor, with documented error bounds, and both produce
bytes that a commitment can cover (:func:`compressed_commitment`):

* **int8**: ``scale = max|x| / 127`` (float64; 1.0 for an all-zero tensor), each value
  ``q = round_half_even(x / scale)`` clipped to ``[-127, 127]``; decompression is
  ``q * scale``, within ``scale / 2`` (plus one rounding of the result) per value;
* **top-k**: the ``k`` values of largest magnitude (ties: lower index first) and their
  indices (row-major, uint64); the rest become 0, so the L2 error is the norm of the
  dropped values, and a kept value is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from ailee import encoding
from ailee.errors import DecodeError, ReasonCode
from ailee.hashing import Tag, tagged_hash

__all__ = [
    "Quantised",
    "Sparse",
    "compressed_commitment",
    "densify",
    "dequantise",
    "quantise_int8",
    "top_k",
]

_INT8_MAX: Final = 127


@dataclass(frozen=True)
class Quantised:
    """An int8-quantised tensor: its values, its scale, and the original dtype/shape."""

    values: Any  # numpy int8 array
    scale: float
    dtype: str
    shape: tuple[int, ...]

    def to_bytes(self) -> bytes:
        """Canonical bytes: CBOR of dtype, shape, scale (IEEE float64 LE bytes), values."""
        import numpy as np

        return encoding.encode(
            {
                "kind": "int8",
                "dtype": self.dtype,
                "shape": list(self.shape),
                "scale": np.float64(self.scale).astype("<f8").tobytes(),
                "values": self.values.astype("<i1").tobytes(),
            }
        )


@dataclass(frozen=True)
class Sparse:
    """A top-k sparsified tensor: kept indices (row-major) and values."""

    indices: Any  # numpy uint64 array, ascending
    values: Any  # numpy array of the original dtype
    dtype: str
    shape: tuple[int, ...]

    def to_bytes(self) -> bytes:
        """Canonical bytes: CBOR of dtype, shape, indices (u64 LE), values (LE)."""
        return encoding.encode(
            {
                "kind": "top_k",
                "dtype": self.dtype,
                "shape": list(self.shape),
                "indices": self.indices.astype("<u8").tobytes(),
                "values": self.values.astype(self.values.dtype.newbyteorder("<")).tobytes(),
            }
        )


def _float_array(x: Any) -> Any:
    import numpy as np

    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise DecodeError(ReasonCode.FL_BAD_TENSOR, "compression takes a float array")
    if not np.isfinite(x).all():
        raise DecodeError(ReasonCode.FL_NON_FINITE, "compression of NaN or infinity")
    return x


def quantise_int8(x: Any) -> Quantised:
    """Per-tensor int8 quantisation (see the module docstring for the bound)."""
    import numpy as np

    data = _float_array(x).astype(np.float64)
    peak = float(np.abs(data).max(initial=0.0))
    scale = peak / _INT8_MAX if peak > 0 else 1.0
    values = np.clip(np.rint(data / scale), -_INT8_MAX, _INT8_MAX).astype(np.int8)
    return Quantised(values, scale, x.dtype.name, tuple(x.shape))


def dequantise(q: Quantised) -> Any:
    """The approximate tensor back, in its original dtype."""
    import numpy as np

    return (q.values.astype(np.float64) * q.scale).astype(q.dtype)


def top_k(x: Any, k: int) -> Sparse:
    """Keep the ``k`` largest magnitudes (ties: lower index), in ascending index order."""
    import numpy as np

    data = _float_array(x)
    flat = data.ravel()
    if not isinstance(k, int) or not 0 <= k <= flat.size:
        raise DecodeError(ReasonCode.FL_PARAMETER_INVALID, f"k = {k!r} not in [0, {flat.size}]")
    order = np.argsort(-np.abs(flat), kind="stable")[:k]
    indices = np.sort(order).astype(np.uint64)
    return Sparse(indices, flat[indices.astype(np.int64)], x.dtype.name, tuple(x.shape))


def densify(s: Sparse) -> Any:
    """The dense tensor back: kept values in place, zeros elsewhere."""
    import numpy as np

    out = np.zeros(int(np.prod(s.shape, dtype=np.int64)), dtype=s.dtype)
    out[s.indices.astype(np.int64)] = s.values
    return out.reshape(s.shape)


def compressed_commitment(compressed: Quantised | Sparse) -> bytes:
    """``tagged_hash("ailee/v2/fl/compressed", canonical bytes)``."""
    return tagged_hash(Tag.FL_COMPRESSED, compressed.to_bytes())
