"""Splitting a run across processes with ``accelerate``.

``accelerate launch --multi_gpu --num_processes N -m eval_vqa.console eval ...`` (or
``torchrun --nproc_per_node N``) starts N processes; each takes its share of the samples,
writes its own log shard, and the main process merges. With no GPU the processes talk
over gloo on CPU. A plain ``ocrvqa eval`` is the one-process case of the same code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

T = TypeVar("T")

#: How long a process waits at a barrier: the quick ones wait there for the slowest share and
#: while the main process writes the report, which can take longer than torch's default.
BARRIER_TIMEOUT = timedelta(hours=4)


@dataclass
class Shard:
    """This process's place in the run."""

    rank: int
    world_size: int
    device: str
    state: Any = None  # accelerate's PartialState, None when running alone without it

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def split(self, items: Sequence[T]) -> list[T]:
        """This process's contiguous share of ``items`` (accelerate's split_between_processes)."""
        if self.state is None or self.world_size == 1:
            return list(items)
        with self.state.split_between_processes(list(items)) as mine:
            return list(mine)

    def barrier(self) -> None:
        """Wait until every process gets here."""
        if self.state is not None and self.world_size > 1:
            self.state.wait_for_everyone()


def current_shard() -> Shard:
    """The accelerate process state; gloo on CPU when several processes run without a GPU."""
    import torch
    from accelerate import PartialState

    launched = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if launched and not torch.cuda.is_available():
        state = PartialState(cpu=True, backend="gloo", timeout=BARRIER_TIMEOUT)
    else:
        state = PartialState(timeout=BARRIER_TIMEOUT)
    return Shard(
        rank=state.process_index,
        world_size=state.num_processes,
        device=str(state.device),
        state=state,
    )


def launched_rank() -> tuple[int, int]:
    """(rank, world size) that a launcher (``torchrun``, ``accelerate launch``, on one node or
    several) gave this process in its environment; (0, 1) when started alone. Read without
    joining a process group: work that needs no barrier (the OCR pre-pass, whose cache
    takes writers from any node) splits by it."""
    try:
        rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 0, 1
    return (rank, world) if world > 1 and 0 <= rank < world else (0, 1)


def process_device(configured: str | None, shard: Shard) -> str:
    """The device this process runs the model on. A bare ``cuda`` (or none, or ``auto``) in
    the config means this process's own GPU when several share the machine: on ``cuda`` alone
    every process would load its copy of the model onto the first GPU."""
    if configured in (None, "auto") or (configured == "cuda" and shard.world_size > 1):
        return shard.device
    return configured
