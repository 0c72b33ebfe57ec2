"""Prompt profiles: the prompt each model family was officially evaluated with.

A profile decides what the harness adds around the question and the OCR context. The
published numbers a run is compared with were produced with a family's own evaluation
prompt, so a baseline built with another prompt is not the published baseline:

``qwen-vl-vqa``  Qwen-VL's ``eval_mm/evaluate_vqa.py``: ``<img>{path}</img>{question} Answer:``
                 with nothing added (Qwen-VL-Chat's TextVQA 61.5 comes from it). OCR
                 context follows the question on its own line, as the seed paper shows it:
                 ``{question}\\nOCR_token: [...]``.
``short-answer`` LLaVA-1.5's VQA prompt (also lmms-eval's default for these benchmarks):
                 the question, the context, then the benchmark's instruction,
                 ``Answer the question using a single word or phrase.``
``plain``        the question and the context only, for models with no official prompt.

``auto`` (the default) follows the backend: its ``prompt_profile`` attribute.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ocrvqa.errors import OcrvqaError
from ocrvqa.registry import Registry


class ProfileError(OcrvqaError, ValueError):
    """A prompt profile name that names none."""


@dataclass(frozen=True)
class PromptProfile:
    """How the text after the image is built for one model family."""

    name: str
    #: append the benchmark's answer instruction (a config's own ``instruction`` always wins)
    use_instruction: bool
    #: the prompt as its source writes it, for the results file
    template: str
    #: where the prompt comes from
    reference: str

    def instruction(
        self, benchmark_instruction: str | None, override: str | None = None
    ) -> str | None:
        """The instruction to append: ``override`` when given, else the benchmark's when the
        profile uses one, else none."""
        if override is not None:
            return override or None
        return benchmark_instruction if self.use_instruction else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Prompt profiles by name (``auto`` is not one: it picks the backend's).
PROFILES: Registry[PromptProfile] = Registry(
    "prompt profile", error=ProfileError, known_label="known (besides auto)"
)
for _profile in (
    PromptProfile(
        name="qwen-vl-vqa",
        use_instruction=False,
        template="<img>{image}</img>{question}[\\n{context}] Answer:",
        reference="Qwen-VL eval_mm/evaluate_vqa.py (prompt '<img>{}</img>{} Answer:'); "
        "OCR context after the question as in 'An Empirical Study of Scaling Law for OCR'",
    ),
    PromptProfile(
        name="short-answer",
        use_instruction=True,
        template="{question}[\\n{context}]\\n{instruction}",
        reference=(
            "LLaVA-1.5 model_vqa / lmms-eval: 'Answer the question using a single word or phrase.'"
        ),
    ),
    PromptProfile(
        name="plain",
        use_instruction=False,
        template="{question}[\\n{context}]",
        reference="question and OCR context only",
    ),
):
    PROFILES.register(_profile.name, _profile)


def resolve_profile(name: str | None, backend: Any = None) -> PromptProfile:
    """The profile called ``name``; ``None`` or ``"auto"`` takes the backend's own
    (its ``prompt_profile`` attribute, ``short-answer`` when it has none)."""
    if name in (None, "auto"):
        name = getattr(backend, "prompt_profile", None) or "short-answer"
    return PROFILES.get(name)


__all__ = ["PROFILES", "ProfileError", "PromptProfile", "resolve_profile"]
