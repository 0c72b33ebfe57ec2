"""The sizes of every tiny random model built offline (tests, the smoke run, the benches),
stated once, and passed to a transformers config under the names it gives them.

The sizes pin the models' weights (each builder seeds torch before initialising): a
changed size is a different model, with other answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class TinySize:
    """A transformer's width and depth."""

    #: None where the builder sets the width (the smoke model's follows its vocabulary)
    hidden: int | None
    intermediate: int
    layers: int
    heads: int
    #: None for a config without grouped key/value heads
    kv_heads: int | None = None
    #: None for a config whose position count is not set (a vision tower's follows its image)
    positions: int | None = None

    def config_kwargs(self) -> dict[str, int]:
        """The sizes as transformers config keyword arguments (Llama, Qwen2, RoBERTa, CLIP)."""
        named = {
            "hidden_size": self.hidden,
            "intermediate_size": self.intermediate,
            "num_hidden_layers": self.layers,
            "num_attention_heads": self.heads,
            "num_key_value_heads": self.kv_heads,
            "max_position_embeddings": self.positions,
        }
        return {name: value for name, value in named.items() if value is not None}


#: ``build_tiny_qwen2vl``'s language model
QWEN2VL_TEXT = TinySize(hidden=32, intermediate=64, layers=2, heads=2, kv_heads=1, positions=4096)
#: ``build_tiny_qwen2vl``'s vision tower, as ``Qwen2VLVisionConfig`` names its sizes
QWEN2VL_VISION: Mapping[str, int] = MappingProxyType(
    {
        "depth": 1,
        "embed_dim": 32,
        "hidden_size": 32,
        "num_heads": 2,
        "mlp_ratio": 2,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "in_chans": 3,
    }
)
#: ``eval_vqa.tiny_model``'s smoke LLaVA: its CLIP vision tower ...
LLAVA_VISION = TinySize(hidden=32, intermediate=64, layers=1, heads=2)
#: ... and its Qwen2 language model, as wide as its vocabulary
LLAVA_TEXT = TinySize(hidden=None, intermediate=32, layers=1, heads=4, kv_heads=4, positions=4096)
#: ``ved.build_tiny_ved``'s RoBERTa decoder
VED_DECODER = TinySize(hidden=16, intermediate=32, layers=1, heads=2, positions=64)
#: ``bench.serving``'s Llama (heads of 64, as vLLM's kernels want)
SERVING_LLAMA = TinySize(
    hidden=128, intermediate=256, layers=2, heads=2, kv_heads=2, positions=2048
)

__all__ = [
    "LLAVA_TEXT",
    "LLAVA_VISION",
    "QWEN2VL_TEXT",
    "QWEN2VL_VISION",
    "SERVING_LLAMA",
    "VED_DECODER",
    "TinySize",
]
