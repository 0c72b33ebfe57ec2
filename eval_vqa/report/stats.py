"""Paired statistics for variant-versus-baseline score differences.

Both work on the per-sample differences ``d_i = score_variant_i - score_baseline_i`` of the
same samples: a percentile bootstrap interval for the mean difference, and a two-sided
paired sign-flip permutation test of "no difference" (exact in distribution-free terms,
so it suits ANLS's mix of zeros, ones and values in between).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict, Union

import numpy as np
import numpy.typing as npt

_CHUNK = 500  # resamples per numpy block: bounds memory on large benchmarks

#: Per-sample scores: a plain sequence, or the array :func:`paired_delta` builds.
Scores = Union[Sequence[float], npt.NDArray[np.float64]]


class PairedDelta(TypedDict):
    """What :func:`paired_delta` returns (JSON-able)."""

    delta: float
    ci95: list[float]
    p_value: float
    n: int
    helped: int
    hurt: int


def mean_ci(values: Scores, samples: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = np.concatenate(
        [
            data[rng.integers(0, data.size, size=(min(_CHUNK, samples - i), data.size))].mean(axis=1)
            for i in range(0, samples, _CHUNK)
        ]
    )
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(low), float(high))


#: Up to this many non-zero differences the sign-flip test enumerates every flip (2**16 rows).
EXACT_MAX = 16


def paired_permutation_p(diffs: Scores, samples: int = 10000, seed: int = 0) -> float:
    """Two-sided p-value of a mean paired difference under random sign flips.

    Exact (every flip enumerated) when at most ``EXACT_MAX`` differences are non-zero, as
    on small benchmarks or where few answers change; zeros do not move the mean under a
    flip, so only the others count. Otherwise ``samples`` random flips with the
    (count + 1) / (samples + 1) estimate, so it is never exactly 0. All-zero differences give 1.0.
    """
    d = np.asarray(diffs, dtype=np.float64)
    if d.size == 0:
        return float("nan")
    observed = abs(d.mean())
    if not np.any(d):
        return 1.0
    nonzero = d[d != 0]
    if nonzero.size <= EXACT_MAX:
        flips = ((np.arange(2**nonzero.size)[:, None] >> np.arange(nonzero.size)) & 1) * 2 - 1
        sums = np.abs(flips @ nonzero) / d.size
        return float(np.count_nonzero(sums >= observed - 1e-12) / len(sums))
    rng = np.random.default_rng(seed)
    hits = 0
    for i in range(0, samples, _CHUNK):
        n = min(_CHUNK, samples - i)
        signs = rng.integers(0, 2, size=(n, d.size)) * 2 - 1
        flipped = np.abs((signs * d).mean(axis=1))
        hits += int(np.count_nonzero(flipped >= observed - 1e-12))
    return (hits + 1) / (samples + 1)


def paired_delta(
    variant: Sequence[float],
    baseline: Sequence[float],
    *,
    bootstrap_samples: int = 2000,
    permutation_samples: int = 10000,
    seed: int = 0,
) -> PairedDelta:
    """Mean difference, its bootstrap 95 % interval, the paired test and the helped/hurt counts."""
    a = np.asarray(variant, dtype=np.float64)
    b = np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired scores differ in length: {a.size} vs {b.size}")
    d = a - b
    low, high = mean_ci(d, bootstrap_samples, seed)
    return {
        "delta": float(d.mean()) if d.size else float("nan"),
        "ci95": [low, high],
        "p_value": paired_permutation_p(d, permutation_samples, seed),
        "n": int(d.size),
        "helped": int(np.count_nonzero(d > 0)),
        "hurt": int(np.count_nonzero(d < 0)),
    }
