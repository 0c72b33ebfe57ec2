"""lmm_bridge: OCR context into the prompts of vision-language models.

Formats an ``OCRResult`` as prompt text (``tokens``, ``llava``, ``lines``, ``boxes``),
neutralizes control strings read off images, fits the context into a token budget, and
runs Qwen-VL-Chat (remote code) or transformers-native VLMs behind one interface.
"""

from lmm_bridge.backends import (
    BACKENDS,
    Backend,
    BackendError,
    BackendOptions,
    PretrainedBackend,
    PretrainedOptions,
    load_backend,
    register_backend,
)
from lmm_bridge.config import BridgeConfig
from lmm_bridge.context import ContextInfo
from lmm_bridge.messages import GenerationRequest, ImagePart, Message, TextPart
from lmm_bridge.sanitize import sanitize
from lmm_bridge.variants import VariantError, VariantSpec, parse_variants
from lmm_bridge.vlm import Answer, OCRAugmentedVLM, PreparedPrompt

__all__ = [
    "BACKENDS",
    "Answer",
    "Backend",
    "BackendError",
    "BackendOptions",
    "BridgeConfig",
    "ContextInfo",
    "GenerationRequest",
    "ImagePart",
    "Message",
    "OCRAugmentedVLM",
    "PreparedPrompt",
    "PretrainedBackend",
    "PretrainedOptions",
    "TextPart",
    "VariantError",
    "VariantSpec",
    "load_backend",
    "parse_variants",
    "register_backend",
    "sanitize",
]
