"""Paired statistics for variant-versus-baseline score differences.

Both work on the per-sample differences ``d_i = score_variant_i - score_baseline_i`` of the
same samples: a percentile bootstrap interval for the mean difference
(:func:`scipy.stats.bootstrap`), and a two-sided paired sign-flip permutation test of "no
difference" (:func:`scipy.stats.permutation_test` with ``permutation_type="samples"``,
distribution-free, so it suits ANLS's mix of zeros, ones and values in between).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from eval_vqa.config import BOOTSTRAP_SAMPLES, PERMUTATION_SAMPLES

#: Values scipy holds per resampling batch (indices and resampled scores): bounds memory on
#: large benchmarks. The random draws do not depend on it, so neither do the numbers.
BATCH_VALUES = 1 << 20

#: Per-sample scores: a plain sequence, or the array :func:`paired_delta` builds.
Scores = Sequence[float] | npt.NDArray[np.float64]


class PairedDelta(TypedDict):
    """What :func:`paired_delta` returns (JSON-able)."""

    delta: float
    ci95: list[float]
    p_value: float
    n: int
    helped: int
    hurt: int


def _batch(n: int) -> int:
    """Resamples per batch for samples of size ``n``."""
    return max(1, BATCH_VALUES // max(1, n))


def mean_ci(
    values: Scores, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (``samples`` resamples drawn
    by ``numpy.random.default_rng(seed)``)."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return (float("nan"), float("nan"))
    if data.size == 1:  # every resample is the one value (scipy needs two to resample)
        return (float(data[0]), float(data[0]))
    from scipy import stats  # here, not at import: the runner's processes never need it

    result = stats.bootstrap(
        (data,),
        np.mean,
        n_resamples=samples,
        batch=_batch(data.size),
        vectorized=True,
        confidence_level=level,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    interval = result.confidence_interval
    return (float(interval.low), float(interval.high))


#: Up to this many non-zero differences the sign-flip test enumerates every flip (2**16).
EXACT_MAX = 16


def paired_permutation_p(diffs: Scores, samples: int = PERMUTATION_SAMPLES, seed: int = 0) -> float:
    """Two-sided p-value of a mean paired difference under random sign flips.

    Zeros do not move the mean under a flip, so only the non-zero differences are flipped.
    Exact (every flip enumerated) when at most ``EXACT_MAX`` are non-zero, as on small
    benchmarks or where few answers change; otherwise ``samples`` random flips with
    scipy's (count + 1) / (samples + 1) estimate, so it is never exactly 0. All-zero
    differences, or a single non-zero one (both signs give the same |mean|), give 1.0.
    """
    d = np.asarray(diffs, dtype=np.float64)
    if d.size == 0:
        return float("nan")
    nonzero = d[d != 0]
    if nonzero.size <= 1:
        return 1.0
    n = d.size

    def mean_of_all(x: npt.NDArray[np.float64], axis: int = -1) -> npt.NDArray[np.float64]:
        return np.sum(x, axis=axis) / n  # the mean over every sample, zeros included

    from scipy import stats

    result = stats.permutation_test(
        (nonzero,),
        mean_of_all,
        permutation_type="samples",
        vectorized=True,
        n_resamples=np.inf if nonzero.size <= EXACT_MAX else samples,
        batch=_batch(nonzero.size),
        alternative="two-sided",
        rng=np.random.default_rng(seed),
    )
    return float(result.pvalue)


def paired_delta(
    variant: Sequence[float],
    baseline: Sequence[float],
    *,
    bootstrap_samples: int = BOOTSTRAP_SAMPLES,
    permutation_samples: int = PERMUTATION_SAMPLES,
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
