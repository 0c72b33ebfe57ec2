"""vLLM in process (``vllm.LLM``): continuous batching, tensor and data parallelism.

Images go to vLLM as multimodal inputs (decoded pixels), prompts as text. Two prompt forms:

``qwen-vl-vqa``   Qwen-VL-Chat (``model_type: qwen``): the ``qwen-vl-vqa`` profile's
                  ``<img></img>{text} Answer:``. vLLM fills the empty ``<img></img>`` with the
                  image's 256 slots, the layout the remote-code tokenizer makes of
                  ``<img>{path}</img>`` (the slots are replaced by the image's features either
                  way), so the model reads what the ``qwen-vl-chat`` backend's ``vqa`` mode
                  gives it.
``chat-template`` any other model: the processor's chat template, as the ``hf`` backend renders it.

Answers are greedy (temperature 0, one sequence), with the stop tokens and minimum length
of the backend the model would otherwise run on. The package ``vllm`` pins its own torch and
transformers, so it is imported only when this backend is built.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from lmm_bridge.backends import model_type_of, register_backend
from lmm_bridge.backends.base import (
    Backend,
    BackendError,
    BackendOptions,
    GenerationRequest,
    require_model,
)
from lmm_bridge.backends.hf import render_chat
from lmm_bridge.backends.qwen_vl_chat import ENDOFTEXT, IM_END
from lmm_bridge.backends.tokenizer_info import tokenizer_control_strings
from lmm_bridge.messages import ImagePart
from lmm_bridge.sanitize import QWEN_VL_CONTROL_STRINGS

MISSING_VLLM = (
    "the vllm backend needs the vllm package (pip install vllm, in an environment whose torch and "
    "transformers it accepts); or serve the model with `vllm serve` and use backend=openai"
)


class VLLMOptions(BackendOptions):
    """Options of the ``vllm`` backend; ``engine_options`` holds any other ``vllm.LLM``
    argument (they win over the named ones)."""

    model_config = ConfigDict(protected_namespaces=())

    revision: str | None = None
    #: None: on for Qwen-VL-Chat (its tokenizer is remote code), else off
    trust_remote_code: bool | None = None
    tensor_parallel_size: int = Field(default=1, ge=1)
    data_parallel_size: int = Field(default=1, ge=1)
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1)
    max_model_len: int | None = Field(default=None, gt=0)
    limit_mm_per_prompt: dict[str, int] = Field(default_factory=lambda: {"image": 1})
    #: auto: qwen-vl-vqa for Qwen-VL-Chat, else chat-template
    prompt: Literal["auto", "qwen-vl-vqa", "chat-template"] = "auto"
    system: str | None = None
    #: keyword arguments of ``AutoProcessor.from_pretrained`` (chat-template prompts)
    processor_options: dict[str, Any] = Field(default_factory=dict)
    engine_options: dict[str, Any] = Field(default_factory=dict)


def import_vllm() -> Any:
    """The ``vllm`` module, or a ``BackendError`` in one line saying how to get it."""
    try:
        import vllm
    except ImportError:
        raise BackendError(MISSING_VLLM) from None
    return vllm


@register_backend("vllm")
class VLLMBackend(Backend):
    options_model: ClassVar[type[BackendOptions]] = VLLMOptions

    def __init__(
        self, model: str | None, device: str | None = None, dtype: Any = None, **options: Any
    ) -> None:
        """``options`` are ``VLLMOptions``; ``dtype`` goes to vLLM, which places the model
        on its GPUs itself (``device`` is not used)."""
        super().__init__(model, **options)
        self.model_path = require_model(model, self.name)
        vllm = import_vllm()
        opts: VLLMOptions = self.options
        form = opts.prompt
        if form == "auto":
            form = "qwen-vl-vqa" if model_type_of(self.model_path) == "qwen" else "chat-template"
        self.qwen_vl = form == "qwen-vl-vqa"
        if self.qwen_vl:
            self.prompt_profile, self.box_style = "qwen-vl-vqa", "qwen-vl"
        self.llm = vllm.LLM(**self.engine_arguments(dtype))
        self._sampling_params = vllm.SamplingParams
        self.tokenizer: Any = self.llm.get_tokenizer()
        self.processor: Any = None if self.qwen_vl else self._chat_renderer()
        self.stop_ids = self._stop_ids()

    def _chat_renderer(self) -> Any:
        """The processor whose chat template renders prompts; for a model without an image
        processor, its tokenizer's template."""
        from ocr_expert.engines.hf_models import load_processor

        opts: VLLMOptions = self.options
        try:
            return load_processor(
                self.model_path,
                trust_remote_code=self.trust_remote_code,
                **({"revision": opts.revision} if opts.revision else {}),
                **opts.processor_options,
            )
        except (OSError, ValueError) as exc:
            if getattr(self.tokenizer, "chat_template", None):
                return self.tokenizer
            raise BackendError(
                f"model {self.model_path}: no processor or tokenizer with a chat template ({exc})"
            ) from None

    @property
    def trust_remote_code(self) -> bool:
        given = self.options.trust_remote_code
        return self.qwen_vl if given is None else given

    def engine_arguments(self, dtype: Any = None) -> dict[str, Any]:
        """The keyword arguments of ``vllm.LLM``: the named options, then ``engine_options``."""
        opts: VLLMOptions = self.options
        named = {
            "model": self.model_path,
            "revision": opts.revision,
            "trust_remote_code": self.trust_remote_code,
            "tensor_parallel_size": opts.tensor_parallel_size,
            "data_parallel_size": opts.data_parallel_size if opts.data_parallel_size > 1 else None,
            "gpu_memory_utilization": opts.gpu_memory_utilization,
            "max_model_len": opts.max_model_len,
            "limit_mm_per_prompt": opts.limit_mm_per_prompt,
            "dtype": None if dtype is None else str(dtype).removeprefix("torch."),
        }
        return {**{k: v for k, v in named.items() if v is not None}, **opts.engine_options}

    def _stop_ids(self) -> list[int] | None:
        """Qwen-VL-Chat's ends (``<|endoftext|>``, and ``<|im_end|>`` that the chat model may
        close with), as the ``qwen-vl-chat`` backend stops; None: the model's own."""
        if not self.qwen_vl:
            return None
        ids = [self.tokenizer.convert_tokens_to_ids(t) for t in (ENDOFTEXT, IM_END)]
        return [int(i) for i in ids if i is not None]

    def sampling(self, max_new_tokens: int) -> Any:
        """Greedy ``SamplingParams`` for one request."""
        extra: dict[str, Any] = (
            {} if self.stop_ids is None else {"stop_token_ids": self.stop_ids, "min_tokens": 1}
        )
        return self._sampling_params(
            n=1,
            temperature=0.0,
            top_p=1.0,
            max_tokens=max_new_tokens,
            skip_special_tokens=True,
            **extra,
        )

    # -- tokens ----------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        if self.qwen_vl:  # Qwen's tokenizer: one token per id, as the qwen-vl-chat backend counts
            return len(self.tokenizer.tokenize(text))
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def control_strings(self) -> list[str]:
        found = set(tokenizer_control_strings(self.tokenizer))
        if self.qwen_vl:
            found |= set(QWEN_VL_CONTROL_STRINGS)
        extra = [getattr(self.processor, a, None) for a in ("image_token", "video_token")]
        return sorted(found | {e for e in extra if e})

    # -- prompts and answers ---------------------------------------------------------
    def render_prompt(self, request: GenerationRequest) -> str:
        """The prompt string vLLM is given, exactly (images are passed beside it)."""
        if self.qwen_vl:
            parts = ("<img></img>" if isinstance(p, ImagePart) else p.text for p in request.message)
            return "".join(parts) + " Answer:"
        return render_chat(self.processor, request, self.options.system)

    def inputs(self, request: GenerationRequest) -> dict[str, Any]:
        """One ``vllm.LLM.generate`` input: the prompt and the decoded images."""
        from ocr_expert.image_io import load_image, with_min_side

        images = [with_min_side(load_image(image).image) for image in request.images]
        out: dict[str, Any] = {"prompt": self.render_prompt(request)}
        if images:
            out["multi_modal_data"] = {"image": images[0] if len(images) == 1 else images}
        return out

    def generate(self, requests: list[GenerationRequest]) -> list[str]:
        if not requests:
            return []
        outputs = self.llm.generate(
            [self.inputs(r) for r in requests],
            sampling_params=[self.sampling(r.max_new_tokens) for r in requests],
            use_tqdm=False,
        )
        return [out.outputs[0].text.strip() for out in outputs]

    def close(self) -> None:
        """Stop vLLM's engine processes now (else they live until the interpreter exits, which
        then waits on them)."""
        core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        if core is not None and hasattr(core, "shutdown"):
            core.shutdown()


__all__ = ["MISSING_VLLM", "VLLMBackend", "VLLMOptions", "import_vllm"]
