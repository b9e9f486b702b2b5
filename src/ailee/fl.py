"""Federated learning: client updates, their commitments, and robust aggregation.

Every aggregation here is a function of the *set* of updates: clients are put in
client-id order first, ties are broken by client id, and inputs are never mutated.
Floating-point results are accurate, not just repeatable:

* FedAvg gives the exact rational mean ``sum(n_i * x_i) / sum(n_i)`` correctly
  rounded to the layer's dtype (ties to even, zero as +0), so every implementation
  gets the same bytes: a float64 sum with an error bound decides almost every
  coordinate, error-free products (Dekker) and compensated sums (TwoSum) the rest but
  a few, exact fractions those; integer layers are averaged exactly and rounded half
  to even;
* Krum's distances are computed on updates centred at their coordinate-wise mean,
  so that a large common offset (1e8) costs no accuracy, and Krum needs
  ``n > 2f + 2`` as its paper does;
* the trimmed count ``floor(beta * n)`` is exact (``beta`` is a :class:`Fraction`).

Tensors are numpy arrays (float32, float64, and signed or unsigned integers of 8 to
64 bits), given by name. An update's commitment is a tagged hash of its canonical
encoding: client id, example count, and each tensor's name, dtype, shape and
little-endian bytes, in name order. Non-finite values are refused.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

from ailee import encoding
from ailee.errors import DecodeError, ReasonCode
from ailee.fields import check_id
from ailee.hashing import Tag, tagged_hash

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import numpy as np
    import numpy.typing as npt

__all__ = [
    "DTYPES",
    "RULE_PARAMS",
    "Z_THRESHOLD",
    "Aggregate",
    "CarriedRound",
    "ClientUpdate",
    "RoundRecord",
    "RoundsAttachment",
    "aggregate",
    "bulyan",
    "check_round",
    "detect_byzantine",
    "fedavg",
    "fedprox",
    "krum",
    "median",
    "proximal_gradient",
    "proximal_term",
    "robust_z_scores",
    "round_epsilon",
    "round_from_json",
    "round_hash",
    "round_record",
    "round_to_json",
    "rounds_from_object",
    "rounds_to_object",
    "tensor_from_json",
    "tensor_to_json",
    "tensors_commitment",
    "trimmed_mean",
    "update_commitment",
    "update_from_json",
    "update_from_object",
    "update_to_json",
    "update_to_object",
    "verify_round",
]

#: The dtypes a tensor may have, by their canonical names (always little-endian).
DTYPES: Final = ("float32", "float64", "int8", "int16", "int32", "int64",
                 "uint8", "uint16", "uint32", "uint64")  # fmt: skip
#: Most examples one client may report (Dekker splitting keeps n * x exact below it).
MAX_EXAMPLES: Final = 1 << 26
#: Largest magnitude of a float value: Dekker splitting and the sums of up to 2**38
#: weighted values stay finite below it.
MAX_MAGNITUDE: Final = 2.0**960


def _fail(code: ReasonCode, message: str) -> DecodeError:
    return DecodeError(code, message)


@dataclass(frozen=True, eq=False)
class ClientUpdate:
    """One client's update: named tensors, in name order, and its example count.

    Two updates are equal when their canonical encodings are (numpy arrays have no
    plain equality; a big-endian copy of a tensor is the same update)."""

    client_id: str
    num_examples: int
    tensors: tuple[tuple[str, Any], ...]

    def __post_init__(self) -> None:
        import numpy as np

        check_id(self.client_id, "update.client_id")
        if not isinstance(self.num_examples, int) or not 1 <= self.num_examples <= MAX_EXAMPLES:
            raise _fail(
                ReasonCode.INT_OUT_OF_RANGE,
                f"update {self.client_id}: num_examples must be in [1, {MAX_EXAMPLES}]",
            )
        names = [name for name, _ in self.tensors]
        if names != sorted(set(names), key=lambda n: n.encode("utf-8")):
            raise _fail(ReasonCode.LIST_NOT_SORTED_UNIQUE, "tensors must be in name order")
        for name, array in self.tensors:
            check_id(name, "tensor name")
            if not isinstance(array, np.ndarray) or array.dtype.name not in DTYPES:
                raise _fail(
                    ReasonCode.FL_BAD_TENSOR,
                    f"update {self.client_id}, tensor {name}: not an array of {DTYPES}",
                )
            if array.dtype.kind == "f" and not np.isfinite(array).all():
                raise _fail(
                    ReasonCode.FL_NON_FINITE,
                    f"update {self.client_id}, tensor {name}: NaN or infinity",
                )
            if (
                array.dtype.kind == "f"
                and array.size
                and float(np.abs(array).max()) > MAX_MAGNITUDE
            ):
                raise _fail(
                    ReasonCode.FL_BAD_TENSOR,
                    f"update {self.client_id}, tensor {name}: a value above 2**960, too "
                    "large for exact averaging",
                )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClientUpdate):
            return NotImplemented
        return self.encoding() == other.encoding()

    def __hash__(self) -> int:
        return hash(self.encoding())

    def encoding(self) -> bytes:
        """Canonical CBOR: client id, example count, tensors (name, dtype, shape, LE bytes)."""
        return encoding.encode(
            {
                "client": self.client_id,
                "examples": self.num_examples,
                "tensors": [
                    {
                        "name": name,
                        "dtype": array.dtype.name,
                        "shape": list(array.shape),
                        "data": array.astype(array.dtype.newbyteorder("<")).tobytes(),
                    }
                    for name, array in self.tensors
                ],
            }
        )


def update_commitment(update: ClientUpdate) -> bytes:
    """``tagged_hash("ailee/v2/fl/update", canonical encoding)``."""
    return tagged_hash(Tag.FL_UPDATE, update.encoding())


@dataclass(frozen=True)
class Aggregate:
    """An aggregation's result and which clients it used, dropped or flagged, and why."""

    tensors: tuple[tuple[str, Any], ...]
    selected: tuple[str, ...]
    excluded: tuple[tuple[str, str], ...] = ()


def _ordered(updates: Sequence[ClientUpdate]) -> list[ClientUpdate]:
    """Updates in client-id order, with one layout (names, dtypes, shapes)."""
    if not updates:
        raise _fail(ReasonCode.FL_PARAMETER_INVALID, "no updates to aggregate")
    ordered = sorted(updates, key=lambda u: u.client_id.encode("utf-8"))
    for a, b in itertools.pairwise(ordered):
        if a.client_id == b.client_id:
            raise _fail(ReasonCode.SECTION_DUPLICATE_KEY, f"client {a.client_id} twice")
    layout = [(n, t.dtype.name, t.shape) for n, t in ordered[0].tensors]
    for update in ordered[1:]:
        if [(n, t.dtype.name, t.shape) for n, t in update.tensors] != layout:
            raise _fail(
                ReasonCode.FL_SHAPE_MISMATCH,
                f"update {update.client_id}: tensors differ in names, dtypes or shapes "
                f"from {ordered[0].client_id}'s",
            )
    return ordered


# --- exact-enough float arithmetic ------------------------------------------------------

_SPLIT: Final = float(2**27 + 1)  # Dekker's constant for float64


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """Knuth's TwoSum: s + e == a + b exactly."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def _split(x: Any) -> tuple[Any, Any]:
    """Dekker: x == hi + lo with hi carrying at most 26 significant bits."""
    t = _SPLIT * x
    hi = t - (t - x)
    return hi, x - hi


def _weighted_mean_float(arrays: list[Any], weights: list[int], dtype: Any) -> Any:
    """sum(w_i * x_i) / sum(w_i), the exact value correctly rounded to ``dtype``."""
    import numpy as np

    if np.dtype(dtype) == np.float32:
        return _weighted_mean_float32(arrays, weights)
    return _weighted_mean_compensated(arrays, weights, dtype)


_U: Final = 2.0**-53  # unit roundoff of float64
_TINY: Final = 2.0**-968  # below this, the division's error-free steps could underflow
#: Coordinates per block of Krum's Gram matrix (every client's block stays in cache).
_KRUM_BLOCK: Final = 1 << 14
#: Coordinates per block laid out one row per coordinate (median, trimmed mean).
_ROW_BLOCK: Final = 1 << 12
#: Coordinates per block: a block of every client's products stays in L2 cache.
_BLOCK: Final = 1 << 16


def _weighted_mean_float32(arrays: list[Any], weights: list[int]) -> Any:
    """Fast path for float32 layers: w (< 2**26) times a float32 is exact in float64, so
    a plain float64 sum has a known error bound per coordinate, ``k * 2**-53 * sum|w x|``.
    Where the interval that bound (with the division's rounding) allows rounds to one
    float32, that is the correctly rounded result; elsewhere (cancellation, or a value
    next to a rounding boundary) the coordinates are recomputed on the compensated path.

    Blocks of coordinates are summed in cache, and ``sum|w x|`` is first bounded per
    block by ``sum(w * max|x|)``: only coordinates undecided under that bound (a
    handful) get the per-coordinate bound. Same bits as summing whole arrays."""
    import numpy as np

    shape = arrays[0].shape
    flat = [np.ravel(array) for array in arrays]
    size = flat[0].size
    floats = [float(weight) for weight in weights]
    count = float(sum(weights))
    k = len(arrays)
    scale = k * 2.0**-53 * (1 + 1e-9)
    # The computed sum|w x| is at most (1 + 2k u) times the block's sum(w * max|x|),
    # itself computed within (1 + k u); 8 k u covers both and the roundings below.
    inflate = 1 + 8 * k * _U if k * _U < 2.0**-20 else math.inf
    result = np.empty(size, dtype=np.float32)
    total = np.empty(min(size, _BLOCK), dtype=np.float64)
    term = np.empty_like(total)
    candidates = []
    for start in range(0, size, _BLOCK):
        stop = min(size, start + _BLOCK)
        block_total, block_term = total[: stop - start], term[: stop - start]
        block_total.fill(0.0)
        peak = 0.0
        for values, weight in zip(flat, floats, strict=True):
            part = values[start:stop]
            peak += weight * max(float(part.max()), -float(part.min()))
            block_term[...] = part
            if weight != 1.0:  # plain means (Krum, trimmed mean) need no product
                np.multiply(block_term, weight, out=block_term)
            np.add(block_total, block_term, out=block_total)
        np.divide(block_total, count, out=block_total)
        result[start:stop] = block_total
        # |mean - exact| <= c * peak / N + 2**-52 |mean| (the block's bound on sum|w x|
        # and the division): where that interval, doubled, rounds to one float32 at
        # both ends, the rounded mean is the correctly rounded exact mean.
        np.abs(block_total, out=block_term)
        np.multiply(block_term, 2.0**-51, out=block_term)
        np.add(block_term, 2 * scale * (peak * inflate) / count + _TINIEST, out=block_term)
        unsure = _straddles(block_total, block_term)
        if unsure.size:
            candidates.append(unsure + start)
    if candidates:
        index = np.concatenate(candidates)
        picked = [values[index] for values in flat]
        magnitude = np.zeros(index.size, dtype=np.float64)
        part = np.empty(index.size, dtype=np.float64)
        for values, weight in zip(picked, floats, strict=True):
            np.multiply(values, weight, out=part, dtype=np.float64)
            np.abs(part, out=part)
            np.add(magnitude, part, out=magnitude)
        total_index = np.zeros(index.size, dtype=np.float64)
        for values, weight in zip(picked, floats, strict=True):
            np.add(total_index, np.multiply(values, weight, dtype=np.float64), out=total_index)
        mean = total_index / count
        bound = 2 * (scale * magnitude / count + 2.0**-52 * np.abs(mean)) + _TINIEST
        unsure = _straddles(mean, bound)
        if unsure.size:
            low = (mean[unsure] - bound[unsure]).astype(np.float32)
            high = (mean[unsure] + bound[unsure]).astype(np.float32)
            result[index[unsure]] = _resolve(
                [values[unsure] for values in picked], weights, low, high
            )
    return _positive_zero(result.reshape(shape))


#: Covers float64 roundings in the subnormal range when an error bound is applied.
_TINIEST: Final = 2.0**-1070


def _straddles(value: Any, bound: Any) -> Any:
    """Indices where ``value - bound`` and ``value + bound`` (float64) round to
    different float32 values: only there can the exact value round otherwise."""
    import numpy as np

    low = (value - bound).astype(np.float32)
    high = (value + bound).astype(np.float32)
    return np.flatnonzero(low != high)


def _positive_zero(result: Any) -> Any:
    """A zero result is +0 (a mean that rounds to zero has no sign worth keeping)."""
    result += 0.0  # -0.0 + 0.0 is +0.0 in round-to-nearest; nothing else changes
    return result


def _two_product(a: Any, b: Any) -> tuple[Any, Any]:
    """Dekker's TwoProduct: p + e == a * b exactly (no overflow, no underflow)."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def _weighted_mean_compensated(arrays: list[Any], weights: list[int], dtype: Any) -> Any:
    """The accurate path (float64 layers): exact Dekker products, TwoSum accumulation
    and a corrected division in float64, with a rigorous per-coordinate error bound;
    coordinates where that bound leaves the rounding undecided (an exact value next to
    a rounding boundary, or extreme cancellation) are decided exactly (:func:`_resolve`)."""
    import numpy as np

    shape = arrays[0].shape
    columns = [np.ravel(array) for array in arrays]  # 1-D, so 0-d tensors work too
    total = np.zeros(columns[0].size, dtype=np.float64)
    error = np.zeros_like(total)
    magnitude = np.zeros_like(total)
    for array, weight in zip(columns, weights, strict=True):
        # w < 2**26 and each half has at most 27 significant bits: both products are
        # exact, even for subnormal values (an integer < 2**53 times 2**-1074 or more).
        hi, lo = _split(array.astype(np.float64))
        for part in (hi * weight, lo * weight):
            total, e = _two_sum(total, part)
            error += e
            magnitude += np.abs(part)
    count = float(sum(weights))
    parts = 2 * len(arrays)
    gamma = parts * _U / (1 - parts * _U)
    # total + error is the exact sum within gamma**2 * sum|parts| (Ogita, Rump and
    # Oishi 2005, Sum2). hi + lo holds it exactly; the quotient is then corrected by
    # its remainder, computed exactly up to rounding errors of order u**2.
    hi, lo = _two_sum(total, error)
    quotient = hi / count
    product, product_error = _two_product(quotient, np.float64(count))
    remainder = ((hi - product) - product_error) + lo
    correction = remainder / count
    # |quotient + correction - exact| <= bound: the sum's error, the remainder's
    # roundings (order u**2) and the division of the remainder.
    bound = (gamma * gamma * magnitude + 8 * _U * _U * np.abs(hi)) / count
    bound += 2 * _U * np.abs(correction) + _TINIEST
    # Rounding is monotone: if both ends of the interval round alike, so does the
    # exact value in it.
    low = quotient + (correction - 2 * bound)
    high = quotient + (correction + 2 * bound)
    result = quotient + correction
    unsure = (low != high) | ((np.abs(hi) < _TINY) & (magnitude > 0))
    if unsure.any():
        result[unsure] = _resolve(
            [column[unsure] for column in columns], weights, low[unsure], high[unsure]
        )
    return _positive_zero(result.astype(dtype).reshape(shape))


def _resolve(columns: list[Any], weights: list[int], low: Any, high: Any) -> Any:
    """The correctly rounded mean of coordinates whose exact mean lies in
    ``[low, high]`` (floats of the result dtype, float32 or float64).

    Where ``low`` and ``high`` are neighbours, the exact mean rounds to ``high`` if it
    is above their midpoint ``M``, to ``low`` below it, to the even one at it: the sign
    of ``sum(w_i x_i) - N * M`` decides, and ``math.fsum`` of exact float64 terms
    (Dekker parts of the products, and of ``N * M``) gives that sign exactly.
    Elsewhere (a wide interval, or values so small that the parts could underflow)
    the mean is computed in exact rational arithmetic."""
    import numpy as np

    dtype = low.dtype
    count = sum(weights)
    parts = []
    for column, weight in zip(columns, weights, strict=True):
        x_hi, x_lo = _split(column.astype(np.float64))
        parts += [x_hi * weight, x_lo * weight]  # exact (see _weighted_mean_compensated)
    low64, high64 = low.astype(np.float64), high.astype(np.float64)
    half = (high64 - low64) / 2  # a power of two when they are neighbours
    product, product_error = _two_product(low64, np.float64(count))
    parts += [-product, -product_error, -(half * count)]
    rows = np.stack(parts, axis=-1).tolist()
    neighbours = (np.nextafter(low, np.inf) == high) & (np.abs(low64) > 2.0**-900)
    neighbours &= (np.abs(high64) > 2.0**-900) & (half > 2.0**-1000)
    bits = low.view(np.uint32 if dtype == np.float32 else np.uint64)
    result = np.empty(low.shape, dtype=dtype)
    for k in range(len(rows)):
        if not neighbours[k]:
            exact = _exact_mean([float(column[k]) for column in columns], weights)
            result[k] = _round_exact(exact, dtype)
            continue
        side = math.fsum(rows[k])
        if side > 0 or (side == 0 and bits[k] & 1):
            result[k] = high[k]
        else:
            result[k] = low[k]
    return result


def _exact_mean(values: list[float], weights: list[int]) -> Fraction:
    """sum(w_i * x_i) / sum(w_i) in exact rational arithmetic."""
    total = sum((Fraction(v) * w for v, w in zip(values, weights, strict=True)), Fraction(0))
    return total / sum(weights)


def _round_exact(value: Fraction, dtype: Any) -> Any:
    """``value`` rounded to the nearest ``dtype`` float, ties to even, zero as +0."""
    import numpy as np

    near = float(value)  # correctly rounded to float64 (integer true division)
    if dtype == np.float64:
        return np.float64(near) + 0.0
    # float64 then float32 may round twice: the answer is this or a neighbour.
    guess = np.float32(near)
    candidates = [guess, np.nextafter(guess, np.float32(-np.inf)),
                  np.nextafter(guess, np.float32(np.inf))]  # fmt: skip

    def rank(c: Any) -> tuple[Fraction, int]:
        return abs(Fraction(float(c)) - value), int(c.view(np.uint32)) & 1

    return min((c for c in candidates if np.isfinite(c)), key=rank) + np.float32(0.0)


def _weighted_mean_int(arrays: list[Any], weights: list[int], dtype: Any) -> Any:
    """Exact integer weighted mean, rounded half to even, in the layer's dtype."""
    import numpy as np

    total = np.zeros(arrays[0].shape, dtype=object)
    for array, weight in zip(arrays, weights, strict=True):
        total = total + array.astype(object) * weight
    count = sum(weights)
    quotient = np.vectorize(lambda v: round(Fraction(v, count)), otypes=[object])(total)
    return quotient.astype(dtype)


def fedavg(updates: Sequence[ClientUpdate]) -> Aggregate:
    """FedAvg: the mean of the updates weighted by their example counts."""
    ordered = _ordered(updates)
    weights = [u.num_examples for u in ordered]
    tensors = []
    for k, (name, first) in enumerate(ordered[0].tensors):
        arrays = [u.tensors[k][1] for u in ordered]
        if first.dtype.kind == "f":
            tensors.append((name, _weighted_mean_float(arrays, weights, first.dtype)))
        else:
            tensors.append((name, _weighted_mean_int(arrays, weights, first.dtype)))
    return Aggregate(tuple(tensors), tuple(u.client_id for u in ordered))


def _flat(update: ClientUpdate) -> npt.NDArray[np.float64]:
    import numpy as np

    return np.concatenate([t.astype(np.float64).ravel() for _, t in update.tensors])


def _blocks(sizes: list[int], width: int) -> Iterator[tuple[list[tuple[int, int, int, int]], int]]:
    """The concatenated coordinates of tensors of these sizes, in blocks of ``width``:
    each a list of (tensor, start, stop, offset in the block) and the block's width."""
    segments: list[tuple[int, int, int, int]] = []
    filled = 0
    for k, size in enumerate(sizes):
        start = 0
        while start < size:
            take = min(size - start, width - filled)
            segments.append((k, start, start + take, filled))
            filled += take
            start += take
            if filled == width:
                yield segments, filled
                segments, filled = [], 0
    if filled:
        yield segments, filled


def _centred_gram(ordered: list[ClientUpdate]) -> tuple[Any, Any]:
    """Squared norms and Gram matrix of the updates (all tensors as float64) centred at
    their coordinate-wise mean, summed over blocks of coordinates: no float64 copy of
    the whole stack. One block gives the bits of the whole-matrix computation."""
    import numpy as np

    n = len(ordered)
    flats = [[np.ravel(t) for _, t in u.tensors] for u in ordered]
    sizes = [a.size for a in flats[0]]
    width = min(sum(sizes), _KRUM_BLOCK)
    norms, gram = np.zeros(n), np.zeros((n, n))
    block = np.empty((n, width), dtype=np.float64)
    for index, (segments, filled) in enumerate(_blocks(sizes, width)):
        rows = block[:, :filled]
        for i, tensors in enumerate(flats):
            for k, start, stop, offset in segments:
                rows[i, offset : offset + stop - start] = tensors[k][start:stop]
        rows -= rows.mean(axis=0)
        block_norms = np.einsum("ij,ij->i", rows, rows)
        block_gram = rows @ rows.T
        if index == 0:
            norms, gram = block_norms, block_gram
        else:
            norms += block_norms
            gram += block_gram
    return norms, gram


def krum(updates: Sequence[ClientUpdate], f: int, m: int = 1) -> Aggregate:
    """(Multi-)Krum: the ``m`` updates with the smallest sum of squared distances to
    their ``n - f - 2`` nearest neighbours, averaged plainly (as in the paper).

    Needs ``n > 2f + 2`` and ``1 <= m <= n - f`` (FL_PARAMETER_INVALID). Scores tie
    by client id. Distances are computed on updates centred at the coordinate-wise
    mean, so a large common offset does not cost accuracy.
    """
    import numpy as np

    ordered = _ordered(updates)
    n = len(ordered)
    if not isinstance(f, int) or f < 0 or n <= 2 * f + 2:
        raise _fail(ReasonCode.FL_PARAMETER_INVALID, f"Krum needs n > 2f + 2; n = {n}, f = {f}")
    if not isinstance(m, int) or not 1 <= m <= n - f:
        raise _fail(ReasonCode.FL_PARAMETER_INVALID, f"Multi-Krum needs 1 <= m <= n - f = {n - f}")
    norms, gram = _centred_gram(ordered)
    distances = np.maximum(norms[:, None] + norms[None, :] - 2.0 * gram, 0.0)
    neighbours = n - f - 2
    scores = []
    for i in range(n):
        others = np.delete(distances[i], i)
        scores.append(float(np.sort(others)[:neighbours].sum()))
    ranking = sorted(range(n), key=lambda i: (scores[i], ordered[i].client_id.encode("utf-8")))
    chosen = sorted(ranking[:m])
    picked = [ordered[i] for i in chosen]
    result = _plain_mean(picked)
    excluded = tuple(
        (ordered[i].client_id, f"krum score not among the {m} lowest") for i in sorted(ranking[m:])
    )
    return Aggregate(result, tuple(u.client_id for u in picked), excluded)


def _plain_mean(updates: list[ClientUpdate]) -> tuple[tuple[str, Any], ...]:
    """Unweighted mean (each update counts once), with FedAvg's accuracy."""
    weighted = [ClientUpdate(u.client_id, 1, u.tensors) for u in updates]
    return fedavg(weighted).tensors


def _float_median(arrays: list[Any], dtype: Any) -> Any:
    """Per coordinate, ``0 + middle`` or ``(0 + low + high) / 2`` in float64 (a zero
    median is +0 whatever the zeros' signs), rounded once to ``dtype``.

    Blocks of coordinates are laid out one row per coordinate and partitioned around
    the lower middle only (one order statistic is much faster than two); the upper
    middle is then the least value above it. Order statistics are unique values, so
    the partitioning algorithm cannot change a bit."""
    import numpy as np

    n = len(arrays)
    low = (n - 1) // 2
    flat = [np.ravel(array) for array in arrays]
    size = flat[0].size
    result = np.empty(size, dtype=dtype)
    block = np.empty((min(size, _ROW_BLOCK), n), dtype=dtype)
    for start in range(0, size, _ROW_BLOCK):
        stop = min(size, start + _ROW_BLOCK)
        rows = block[: stop - start]
        for i, values in enumerate(flat):
            rows[:, i] = values[start:stop]
        rows.partition(low, axis=1)
        middle = np.add(rows[:, low], 0.0, dtype=np.float64)
        if n % 2 == 0:
            middle += rows[:, low + 1 :].min(axis=1)
            middle /= 2
        result[start:stop] = middle
    return result.reshape(arrays[0].shape)


def median(updates: Sequence[ClientUpdate]) -> Aggregate:
    """Coordinate-wise median (the mean of the two middle values for an even count)."""
    import numpy as np

    ordered = _ordered(updates)
    tensors = []
    for k, (name, first) in enumerate(ordered[0].tensors):
        if first.dtype.kind == "f":
            middle = _float_median([u.tensors[k][1] for u in ordered], first.dtype)
        else:
            stack = np.stack([u.tensors[k][1] for u in ordered])
            ordered_values = np.sort(stack.astype(object), axis=0)
            n = len(ordered)
            low, high = ordered_values[(n - 1) // 2], ordered_values[n // 2]
            middle = np.vectorize(lambda a, b: round(Fraction(a + b, 2)), otypes=[object])(
                low, high
            ).astype(first.dtype)
        tensors.append((name, middle))
    return Aggregate(tuple(tensors), tuple(u.client_id for u in ordered))


def _float_trimmed_mean(arrays: list[Any], cut: int, dtype: Any) -> Any:
    """The plain mean of each coordinate's values but the ``cut`` least and greatest,
    summed in ascending order. Small blocks are sorted one row per coordinate (faster
    than sorting columns), their kept values gathered per larger block for the mean:
    no copy of the whole stack, and the bits of sorting it whole (sorted values are
    unique; where zeros of either sign fall changes no sum)."""
    import numpy as np

    n = len(arrays)
    kept = n - 2 * cut
    flat = [np.ravel(array) for array in arrays]
    size = flat[0].size
    result = np.empty(size, dtype=dtype)
    rows = np.empty((min(size, _ROW_BLOCK), n), dtype=dtype)
    middle = np.empty((kept, min(size, _BLOCK)), dtype=dtype)
    for start in range(0, size, _BLOCK):
        stop = min(size, start + _BLOCK)
        for inner in range(start, stop, _ROW_BLOCK):
            end = min(stop, inner + _ROW_BLOCK)
            block = rows[: end - inner]
            for i, values in enumerate(flat):
                block[:, i] = values[inner:end]
            block.sort(axis=1)
            middle[:, inner - start : end - start] = block[:, cut : n - cut].T
        part = [middle[j, : stop - start] for j in range(kept)]
        result[start:stop] = _weighted_mean_float(part, [1] * kept, dtype)
    return result.reshape(arrays[0].shape)


def trimmed_mean(updates: Sequence[ClientUpdate], beta: Fraction) -> Aggregate:
    """Coordinate-wise trimmed mean: drop the ``floor(beta * n)`` smallest and largest
    values of each coordinate, average the rest (unweighted).

    ``beta`` is an exact fraction in ``[0, 1/2)`` (FL_PARAMETER_INVALID otherwise), so
    ``floor(0.29 * 100)`` is 29, as it should be.
    """
    import numpy as np

    if not isinstance(beta, Fraction) or not 0 <= beta < Fraction(1, 2):
        raise _fail(
            ReasonCode.FL_PARAMETER_INVALID, f"beta must be a Fraction in [0, 1/2): {beta!r}"
        )
    ordered = _ordered(updates)
    n = len(ordered)
    cut = (beta * n).numerator // (beta * n).denominator
    if n - 2 * cut < 1:
        raise _fail(ReasonCode.FL_PARAMETER_INVALID, f"trimming {cut} of each end leaves nothing")
    tensors = []
    for k, (name, first) in enumerate(ordered[0].tensors):
        arrays = [u.tensors[k][1] for u in ordered]
        if first.dtype.kind == "f":
            tensors.append((name, _float_trimmed_mean(arrays, cut, first.dtype)))
        else:
            stack = np.sort(np.stack(arrays), axis=0)
            kept = [stack[i] for i in range(cut, n - cut)]
            tensors.append((name, _weighted_mean_int(kept, [1] * len(kept), first.dtype)))
    return Aggregate(tuple(tensors), tuple(u.client_id for u in ordered))


# --- JSON forms (vectors) ------------------------------------------------------------


def tensor_to_json(name: str, array: Any) -> dict[str, Any]:
    """A tensor as JSON: name, dtype, shape, and its little-endian bytes in hex."""
    return {
        "name": name,
        "dtype": array.dtype.name,
        "shape": list(array.shape),
        "data": array.astype(array.dtype.newbyteorder("<")).tobytes().hex(),
    }


def tensor_from_json(value: Any, path: str) -> tuple[str, Any]:
    """Read :func:`tensor_to_json`'s object (strictly: dtype, shape and byte count agree)."""
    import numpy as np

    from ailee.fields import expect_object, hex_to_bytes

    obj = expect_object(value, path, ("name", "dtype", "shape", "data"))
    name, dtype, shape, data = obj["name"], obj["dtype"], obj["shape"], obj["data"]
    if not isinstance(name, str) or dtype not in DTYPES or not isinstance(data, str):
        raise _fail(ReasonCode.FL_BAD_TENSOR, f"{path}: bad name, dtype or data")
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 1 << 31 for d in shape
    ):
        raise _fail(ReasonCode.FL_BAD_TENSOR, f"{path}.shape: not a list of sizes")
    raw = hex_to_bytes(data, f"{path}.data")
    kind = np.dtype(dtype).newbyteorder("<")
    count = 1
    for d in shape:
        count *= d
    if len(raw) != count * kind.itemsize:
        raise _fail(ReasonCode.FL_BAD_TENSOR, f"{path}: {len(raw)} bytes for shape {shape}")
    array = np.frombuffer(raw, dtype=kind).reshape(shape).astype(np.dtype(dtype))
    return name, array


def update_from_json(value: Any, path: str = "update") -> ClientUpdate:
    """Read an update: ``client``, ``examples`` and ``tensors`` (in name order)."""
    from ailee.fields import expect_object

    obj = expect_object(value, path, ("client", "examples", "tensors"))
    tensors = obj["tensors"]
    if not isinstance(tensors, list) or not isinstance(obj["client"], str):
        raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}: client or tensors of the wrong type")
    examples = obj["examples"]
    if not isinstance(examples, int) or isinstance(examples, bool):
        raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.examples: not an integer")
    return ClientUpdate(
        obj["client"],
        examples,
        tuple(tensor_from_json(t, f"{path}.tensors[{k}]") for k, t in enumerate(tensors)),
    )


def update_to_json(update: ClientUpdate) -> dict[str, Any]:
    """The JSON object of an update."""
    return {
        "client": update.client_id,
        "examples": update.num_examples,
        "tensors": [tensor_to_json(name, array) for name, array in update.tensors],
    }


#: Each rule's parameters, all required.
RULE_PARAMS: Final = {
    "fedavg": (),
    "krum": ("f", "m"),
    "median": (),
    "trimmed_mean": ("beta",),
    "bulyan": ("f",),
}


def _read_params(rule: str, params: Any) -> dict[str, Any]:
    """The rule's parameters, exactly its fields: integers, ``beta`` a [num, den] pair
    (SCHEMA_MISSING_FIELD, SCHEMA_UNKNOWN_FIELD, SCHEMA_WRONG_TYPE); ranges are the
    rule's to check (FL_PARAMETER_INVALID)."""
    from ailee.fields import expect_object

    if rule not in RULE_PARAMS:
        raise _fail(ReasonCode.ENUM_UNKNOWN_VALUE, f"unknown aggregation rule {rule!r}")
    obj = expect_object(params, "params", RULE_PARAMS[rule])
    for name, value in obj.items():
        parts = value if name == "beta" and isinstance(value, list) and len(value) == 2 else [value]
        if (name == "beta" and parts is not value) or not all(_is_int(v) for v in parts):
            raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"params.{name}: wrong type")
    return obj


def aggregate(rule: str, updates: Sequence[ClientUpdate], params: dict[str, Any]) -> Aggregate:
    """Run the aggregation rule named ``rule`` (one of :data:`RULE_PARAMS`) with its
    parameters (``beta`` as [numerator, denominator]). The updates are checked first,
    then the rule's name, then its parameters."""
    _ordered(updates)
    p = _read_params(rule, params)
    if rule == "fedavg":
        return fedavg(updates)
    if rule == "krum":
        return krum(updates, p["f"], p["m"])
    if rule == "median":
        return median(updates)
    if rule == "bulyan":
        return bulyan(updates, p["f"])
    numerator, denominator = p["beta"]
    if denominator <= 0:
        raise _fail(ReasonCode.FL_PARAMETER_INVALID, "beta's denominator must be positive")
    return trimmed_mean(updates, Fraction(numerator, denominator))


# --- Bulyan and byzantine detection ---------------------------------------------------

#: The robust z-score above which a client is flagged (Iglewicz and Hoaglin's 3.5).
Z_THRESHOLD: Final = 3.5


def _krum_scores(flat: Any, f: int) -> list[float]:
    """Krum scores of the rows of ``flat`` (centred at their mean), with at least one
    neighbour: ``max(1, n - f - 2)`` nearest."""
    import numpy as np

    n = len(flat)
    centred = flat - flat.mean(axis=0)
    norms = np.einsum("ij,ij->i", centred, centred)
    distances = np.maximum(norms[:, None] + norms[None, :] - 2.0 * (centred @ centred.T), 0.0)
    neighbours = max(1, n - f - 2)
    return [float(np.sort(np.delete(distances[i], i))[:neighbours].sum()) for i in range(n)]


def bulyan(updates: Sequence[ClientUpdate], f: int) -> Aggregate:
    """Bulyan (El Mhamdi et al. 2018), iterative as in the paper.

    Needs ``n >= 4f + 3`` (FL_PARAMETER_INVALID). Select ``theta = n - 2f`` updates one
    at a time, each the Krum winner (``max(1, |R| - f - 2)`` neighbours, ties by client
    id) of those not yet selected; then, per coordinate, average (plainly) the
    ``beta = theta - 2f`` selected values closest to their median (ties: client id).
    """
    import numpy as np

    ordered = _ordered(updates)
    n = len(ordered)
    if not isinstance(f, int) or f < 0 or n < 4 * f + 3:
        raise _fail(ReasonCode.FL_PARAMETER_INVALID, f"Bulyan needs n >= 4f + 3; n = {n}, f = {f}")
    flat = np.stack([_flat(u) for u in ordered])
    remaining = list(range(n))
    chosen: list[int] = []
    theta = n - 2 * f
    while len(chosen) < theta:
        scores = _krum_scores(flat[remaining], f)
        best = min(range(len(remaining)), key=lambda k: (scores[k], remaining[k]))
        chosen.append(remaining.pop(best))
    chosen.sort()
    beta = theta - 2 * f
    tensors = []
    for k, (name, first) in enumerate(ordered[0].tensors):
        stack = np.stack([ordered[i].tensors[k][1] for i in chosen]).astype(np.float64)
        middle = np.median(stack, axis=0)
        closest = np.argsort(np.abs(stack - middle), axis=0, kind="stable")[:beta]
        picked = np.take_along_axis(stack, closest, axis=0)
        rows = [picked[r] for r in range(beta)]
        if first.dtype.kind == "f":
            tensors.append((name, _weighted_mean_float(rows, [1] * beta, first.dtype)))
        else:
            # The values themselves (not their float64 images) are averaged exactly.
            originals = np.stack([ordered[i].tensors[k][1] for i in chosen])
            exact = np.take_along_axis(originals, closest, axis=0)
            tensors.append(
                (name, _weighted_mean_int([exact[r] for r in range(beta)], [1] * beta, first.dtype))
            )
    excluded = tuple((ordered[i].client_id, "not selected by Bulyan's Krum rounds")
                     for i in sorted(set(range(n)) - set(chosen)))  # fmt: skip
    return Aggregate(tuple(tensors), tuple(ordered[i].client_id for i in chosen), excluded)


def robust_z_scores(values: Sequence[float]) -> list[float]:
    """``0.6745 * (v - median) / MAD`` for each value (MAD: median absolute deviation).

    With a MAD of 0, a value equal to the median scores 0 and any other +/-infinity.
    """
    import numpy as np

    data = np.asarray(values, dtype=np.float64)
    middle = float(np.median(data))
    mad = float(np.median(np.abs(data - middle)))
    if mad == 0:
        return [0.0 if v == middle else math.copysign(math.inf, v - middle) for v in data]
    return [0.6745 * (float(v) - middle) / mad for v in data]


def detect_byzantine(
    updates: Sequence[ClientUpdate], threshold: float = Z_THRESHOLD
) -> tuple[tuple[str, float], ...]:
    """Clients whose distance to the coordinate-wise median has a robust z-score above
    ``threshold``, with their scores, in client-id order. Flags lower a worker's
    reputation (:func:`ailee.reputation.penalise`)."""
    import numpy as np

    ordered = _ordered(updates)
    flat = np.stack([_flat(u) for u in ordered])
    distances = np.sqrt(((flat - np.median(flat, axis=0)) ** 2).sum(axis=1))
    scores = robust_z_scores(distances.tolist())
    return tuple(
        (u.client_id, score) for u, score in zip(ordered, scores, strict=True) if score > threshold
    )


# --- FedProx ------------------------------------------------------------------------


def fedprox(updates: Sequence[ClientUpdate]) -> Aggregate:
    """FedProx on the server is FedAvg (the proximal term acts on the clients)."""
    return fedavg(updates)


def proximal_term(local: ClientUpdate, global_model: ClientUpdate, mu: float) -> float:
    """The client's FedProx penalty ``(mu / 2) * ||w - w_global||^2`` (the *squared*
    norm, as in the paper), over all tensors, in float64."""
    import numpy as np

    if not mu >= 0:
        raise _fail(ReasonCode.FL_PARAMETER_INVALID, f"mu = {mu!r} must be >= 0")
    _ordered([ClientUpdate("a", 1, local.tensors), ClientUpdate("b", 1, global_model.tensors)])
    difference = _flat(local) - _flat(global_model)
    return float(mu / 2 * np.dot(difference, difference))


def proximal_gradient(
    local: ClientUpdate, global_model: ClientUpdate, mu: float
) -> tuple[tuple[str, Any], ...]:
    """The gradient of :func:`proximal_term` with respect to the local weights:
    ``mu * (w - w_global)``, per tensor, in float64."""
    import numpy as np

    if not mu >= 0:
        raise _fail(ReasonCode.FL_PARAMETER_INVALID, f"mu = {mu!r} must be >= 0")
    _ordered([ClientUpdate("a", 1, local.tensors), ClientUpdate("b", 1, global_model.tensors)])
    return tuple(
        (name, mu * (a.astype(np.float64) - b.astype(np.float64)))
        for (name, a), (_, b) in zip(local.tensors, global_model.tensors, strict=True)
    )


# --- round records ------------------------------------------------------------------


def tensors_commitment(tensors: Sequence[tuple[str, Any]]) -> bytes:
    """Tagged hash of an aggregation result's canonical encoding (as an update's tensors)."""
    body = encoding.encode(
        [
            {
                "name": name,
                "dtype": array.dtype.name,
                "shape": list(array.shape),
                "data": array.astype(array.dtype.newbyteorder("<")).tobytes(),
            }
            for name, array in tensors
        ]
    )
    return tagged_hash(Tag.FL_OUTPUT, body)


def _binary(x: float) -> tuple[int, int]:
    """``x == m * 2**e`` with ``m`` odd (or ``(0, 0)`` for zero): exact, one form per
    value, and small integers (``|m| < 2**53``, ``-1074 <= e <= 971``)."""
    numerator, denominator = float(x).as_integer_ratio()
    if denominator > 1:
        return numerator, 1 - denominator.bit_length()
    if numerator == 0:
        return 0, 0
    shift = (numerator & -numerator).bit_length() - 1
    return numerator >> shift, shift


def _from_binary(m: int, e: int, what: str) -> float:
    """The float64 ``m * 2**e`` of :func:`_binary`'s form (DP_PARAMETER_INVALID if the
    pair is not in that form)."""
    canonical = (m, e) == (0, 0) or (m % 2 == 1 and abs(m) < 1 << 53 and -1074 <= e <= 971)
    if not canonical:
        raise _fail(ReasonCode.DP_PARAMETER_INVALID, f"{what}: [{m}, {e}] is not m * 2^e, m odd")
    return math.ldexp(float(m), e)


def _event(q: float, sigma: float, steps: int) -> tuple[int, int, int, int, int]:
    """A privacy event: q and sigma exactly, as ``m * 2**e`` pairs, and the steps."""
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise _fail(ReasonCode.DP_PARAMETER_INVALID, f"steps = {steps!r} must be >= 0")
    if not 0 <= q <= 1 or not 0 < sigma < math.inf:
        raise _fail(ReasonCode.DP_PARAMETER_INVALID, f"q = {q!r} or sigma = {sigma!r}")
    return (*_binary(q), *_binary(sigma), steps)


def _events(record: RoundRecord) -> list[tuple[float, float, int]]:
    return [
        (_from_binary(qm, qe, "q"), _from_binary(sm, se, "sigma"), steps)
        for qm, qe, sm, se, steps in record.accounting
    ]


@dataclass(frozen=True)
class RoundRecord:
    """What one aggregation round committed to; every field is an integer, text or bytes.

    ``params`` holds the rule's parameters (beta as [numerator, denominator]);
    ``accounting`` the privacy events composed so far, each ``[q_m, q_e, sigma_m,
    sigma_e, steps]`` with ``q = q_m * 2**q_e`` and ``sigma = sigma_m * 2**sigma_e``
    exactly (``m`` odd, or both 0 for zero), so the accountant is recomputed, never
    trusted; ``flagged`` the clients byzantine detection flagged (ids only: the scores
    are floats and stay out of the record).
    """

    job: str
    round: int
    rule: str
    params: tuple[tuple[str, Any], ...]
    inputs: tuple[tuple[str, bytes], ...]
    selected: tuple[str, ...]
    excluded: tuple[tuple[str, str], ...]
    flagged: tuple[str, ...]
    output: bytes
    accounting: tuple[tuple[int, int, int, int, int], ...]

    def to_cbor_value(self) -> dict[str, Any]:
        """The canonical value (what the ``tasks`` section will commit to)."""
        return {
            "job": self.job,
            "round": self.round,
            "rule": self.rule,
            "params": dict(self.params),
            "inputs": [[client, commitment] for client, commitment in self.inputs],
            "selected": list(self.selected),
            "excluded": [list(item) for item in self.excluded],
            "flagged": list(self.flagged),
            "output": self.output,
            "accounting": [list(event) for event in self.accounting],
        }


def round_record(
    *,
    job: str,
    round_number: int,
    rule: str,
    params: dict[str, Any],
    updates: Sequence[ClientUpdate],
    privacy_events: Sequence[tuple[float, float, int]] = (),
) -> RoundRecord:
    """Aggregate one round and record it (see :class:`RoundRecord`)."""
    check_id(job, "round.job")
    if not isinstance(round_number, int) or isinstance(round_number, bool) or round_number < 0:
        raise _fail(ReasonCode.INT_OUT_OF_RANGE, "round number must be a non-negative integer")
    result = aggregate(rule, updates, params)
    ordered = _ordered(updates)
    return RoundRecord(
        job=job,
        round=round_number,
        rule=rule,
        params=tuple(sorted(params.items())),
        inputs=tuple((u.client_id, update_commitment(u)) for u in ordered),
        selected=result.selected,
        excluded=result.excluded,
        flagged=tuple(client for client, _ in detect_byzantine(updates))
        if len(ordered) >= 3
        else (),
        output=tensors_commitment(result.tensors),
        accounting=tuple(_event(q, sigma, steps) for q, sigma, steps in privacy_events),
    )


def verify_round(record: RoundRecord, updates: Sequence[ClientUpdate]) -> None:
    """Recompute a round from its updates: FL_ROUND_INPUTS_MISMATCH if these are not the
    updates it committed to, FL_ROUND_MISMATCH if the recomputed round differs."""
    from ailee.errors import VerificationError

    # The commitments first: an update of another layout is not the committed one.
    ordered = sorted(updates, key=lambda u: u.client_id.encode("utf-8"))
    given = tuple((u.client_id, update_commitment(u)) for u in ordered)
    if given != record.inputs:
        raise VerificationError(
            ReasonCode.FL_ROUND_INPUTS_MISMATCH,
            f"round {record.round} of {record.job}: the updates are not the ones it commits to",
        )
    events = _events(record)
    again = round_record(
        job=record.job,
        round_number=record.round,
        rule=record.rule,
        params=dict(record.params),
        updates=updates,
        privacy_events=events,
    )
    if again != record:
        differs = [
            f for f in RoundRecord.__dataclass_fields__ if getattr(again, f) != getattr(record, f)
        ]
        raise VerificationError(
            ReasonCode.FL_ROUND_MISMATCH,
            f"round {record.round} of {record.job}: recomputed differs in {', '.join(differs)}",
        )


def round_epsilon(record: RoundRecord, delta: float) -> float:
    """The privacy spent by the record's accounting events, recomputed (improved bound)."""
    from ailee.privacy import Accountant

    accountant = Accountant()
    for q, sigma, steps in _events(record):
        accountant = accountant.compose(q, sigma, steps)
    return accountant.epsilon(delta)


def round_to_json(record: RoundRecord) -> dict[str, Any]:
    """A round record as JSON (commitments in hex)."""
    value = record.to_cbor_value()
    value["inputs"] = [[client, commitment.hex()] for client, commitment in record.inputs]
    value["output"] = record.output.hex()
    return value


def round_from_json(value: Any, path: str = "round", *, cbor: bool = False) -> RoundRecord:
    """Read :func:`round_to_json`'s object strictly (with ``cbor``, the CBOR form of
    :meth:`RoundRecord.to_cbor_value`: commitments as byte strings)."""
    from ailee.fields import BytesField, Form, expect_object

    digest = BytesField(32, 32)
    form = Form.CBOR if cbor else Form.JSON

    names = ("job", "round", "rule", "params", "inputs", "selected", "excluded", "flagged",
             "output", "accounting")  # fmt: skip
    obj = expect_object(value, path, names)

    def pairs(name: str) -> list[list[Any]]:
        items = obj[name]
        if not isinstance(items, list) or not all(
            isinstance(i, list) and len(i) == 2 and isinstance(i[0], str) for i in items
        ):
            raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.{name}: expected pairs")
        return items

    def texts(name: str) -> tuple[str, ...]:
        items = obj[name]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.{name}: expected texts")
        return tuple(items)

    events = obj["accounting"]
    if not isinstance(events, list) or not all(
        isinstance(e, list) and len(e) == 5 and all(_is_int(x) for x in e) for e in events
    ):
        raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.accounting: expected 5 integers each")
    for k, (qm, qe, sm, se, steps) in enumerate(events):
        _event(_from_binary(qm, qe, f"{path}.accounting[{k}] q"),
               _from_binary(sm, se, f"{path}.accounting[{k}] sigma"), steps)  # fmt: skip
    params = obj["params"]
    if not isinstance(params, dict) or not all(
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, list) and len(v) == 2 and all(_is_int(x) for x in v))
        for v in params.values()
    ):
        raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.params: integers or [num, den] pairs")
    if not _is_int(obj["round"]):
        raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.round: expected an integer")
    if obj["round"] < 0:
        raise _fail(ReasonCode.INT_OUT_OF_RANGE, f"{path}.round: negative")
    if not isinstance(obj["job"], str) or not isinstance(obj["rule"], str):
        raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}: job or rule not text")
    excluded = pairs("excluded")
    if not all(isinstance(reason, str) for _, reason in excluded):
        raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.excluded: reasons must be text")
    return RoundRecord(
        job=obj["job"],
        round=obj["round"],
        rule=obj["rule"],
        params=tuple(sorted(params.items())),
        inputs=tuple(
            (client, digest.read(c, form, f"{path}.inputs[{k}]"))
            for k, (client, c) in enumerate(pairs("inputs"))
        ),
        selected=texts("selected"),
        excluded=tuple((a, b) for a, b in excluded),
        flagged=texts("flagged"),
        output=digest.read(obj["output"], form, f"{path}.output"),
        accounting=tuple((a, b, c, d, e) for a, b, c, d, e in events),
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def round_hash(record: RoundRecord) -> bytes:
    """``tagged_hash("ailee/v2/fl/round", CBOR(record))``: what a task record's
    ``result`` holds for the round it ran."""
    return tagged_hash(Tag.FL_ROUND, encoding.encode(record.to_cbor_value()))


# --- round records carried by snapshot documents ------------------------------------


@dataclass(frozen=True)
class CarriedRound:
    """A round record a snapshot carries for task ``task``, with the updates to
    recompute it from (or None: then it is only checked against its task)."""

    task: str
    record: RoundRecord
    updates: tuple[ClientUpdate, ...] | None


@dataclass(frozen=True)
class RoundsAttachment:
    """The ``fl_rounds`` part of a snapshot document (outside the state root: each
    record is bound by its task's ``result`` hash, its updates by the record's inputs)."""

    rounds: tuple[CarriedRound, ...]


def update_to_object(update: ClientUpdate, *, cbor: bool) -> dict[str, Any]:
    """An update in a document: :func:`update_to_json`, with tensor data as a byte
    string in the CBOR form."""
    obj = update_to_json(update)
    if cbor:
        for tensor in obj["tensors"]:
            tensor["data"] = bytes.fromhex(tensor["data"])
    return obj


def update_from_object(value: Any, path: str, *, cbor: bool) -> ClientUpdate:
    """Read :func:`update_to_object`'s object strictly."""
    if cbor and isinstance(value, dict) and isinstance(value.get("tensors"), list):
        tensors = []
        for k, tensor in enumerate(value["tensors"]):
            converted = tensor
            if isinstance(tensor, dict) and "data" in tensor:
                if not isinstance(tensor["data"], bytes):
                    raise _fail(
                        ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.tensors[{k}].data: expected bytes"
                    )
                converted = {**tensor, "data": tensor["data"].hex()}
            tensors.append(converted)
        value = {**value, "tensors": tensors}
    return update_from_json(value, path)


def rounds_from_object(value: Any, path: str, *, cbor: bool) -> RoundsAttachment:
    """Read the ``fl_rounds`` object: ``{"rounds": [{"task", "record", "updates"}]}``,
    rounds in strictly ascending task id order, ``updates`` an array or null."""
    from ailee.fields import expect_object

    obj = expect_object(value, path, ("rounds",))
    items = obj["rounds"]
    if not isinstance(items, list):
        raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{path}.rounds: expected an array")
    rounds: list[CarriedRound] = []
    for k, item in enumerate(items):
        where = f"{path}.rounds[{k}]"
        entry = expect_object(item, where, ("task", "record", "updates"))
        if not isinstance(entry["task"], str):
            raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{where}.task: expected a string")
        task = check_id(entry["task"], f"{where}.task")
        record = round_from_json(entry["record"], f"{where}.record", cbor=cbor)
        updates = entry["updates"]
        carried = None
        if updates is not None:
            if not isinstance(updates, list):
                raise _fail(ReasonCode.SCHEMA_WRONG_TYPE, f"{where}.updates: array or null")
            carried = tuple(
                update_from_object(u, f"{where}.updates[{j}]", cbor=cbor)
                for j, u in enumerate(updates)
            )
        if rounds and task.encode("utf-8") <= rounds[-1].task.encode("utf-8"):
            raise _fail(
                ReasonCode.LIST_NOT_SORTED_UNIQUE,
                f"{where}.task: rounds not in ascending task order, or a task twice",
            )
        rounds.append(CarriedRound(task, record, carried))
    return RoundsAttachment(tuple(rounds))


def rounds_to_object(attachment: RoundsAttachment, *, cbor: bool) -> dict[str, Any]:
    """The ``fl_rounds`` object of a snapshot document."""
    return {
        "rounds": [
            {
                "task": r.task,
                "record": r.record.to_cbor_value() if cbor else round_to_json(r.record),
                "updates": None
                if r.updates is None
                else [update_to_object(u, cbor=cbor) for u in r.updates],
            }
            for r in attachment.rounds
        ]
    }


def check_round(carried: CarriedRound, task: Any) -> str:
    """Check a carried round against its task record (a :class:`ailee.state.Task` or
    None) and, when its updates are carried, recompute it; return what was checked.

    FL_ROUND_NOT_COMMITTED: no such task, or its ``result`` is not this record's hash;
    then :func:`verify_round`'s errors."""
    from ailee.errors import VerificationError

    if task is None or task.result is None or task.result != round_hash(carried.record):
        raise VerificationError(
            ReasonCode.FL_ROUND_NOT_COMMITTED,
            f"task {carried.task}: no task record whose result commits to this round record",
        )
    if carried.updates is None:
        return "committed by its task; updates not carried, so not recomputed"
    verify_round(carried.record, carried.updates)
    record = carried.record
    return f"recomputed from {len(carried.updates)} updates ({record.rule}, round {record.round})"
