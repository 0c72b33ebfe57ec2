"""Deterministic choice of which samples to run: a fixed-seed subset, then offset, then limit."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def _rank_key(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}\x00{key}".encode()).hexdigest()


def select_positions(
    keys: Sequence[str],
    *,
    subset: int | None = None,
    seed: int = 0,
    offset: int = 0,
    limit: int | None = None,
) -> list[int]:
    """Positions (into ``keys``, in source order) of the samples to keep.

    ``subset=k`` keeps the k samples whose sha256 of ``"{seed}\\0{key}"`` ranks lowest: the
    choice depends only on the seed and the sample ids, not on the library versions or the
    order of the source, and a smaller subset is always contained in a larger one with the
    same seed. The kept samples stay in source order; ``offset`` then skips the first ones
    and ``limit`` keeps at most that many.
    """
    if subset is not None and (not isinstance(subset, int) or subset < 1):
        raise ValueError(f"subset must be a positive integer, got {subset!r}")
    if not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset must be a non-negative integer, got {offset!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a non-negative integer, got {limit!r}")
    positions = list(range(len(keys)))
    if subset is not None and subset < len(positions):
        ranked = sorted(positions, key=lambda i: (_rank_key(seed, keys[i]), i))
        positions = sorted(ranked[:subset])
    positions = positions[offset:]
    if limit is not None:
        positions = positions[:limit]
    return positions
