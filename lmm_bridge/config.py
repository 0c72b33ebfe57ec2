"""The bridge config ``OCRAugmentedVLM.from_config`` reads (``configs/bridge/*.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lmm_bridge.backends import BackendError
from lmm_bridge.variants import BUILTIN_VARIANTS, VariantError, VariantSpec
from ocrvqa.validation import error_lines

DEFAULT_MODEL = "Qwen/Qwen-VL-Chat"
DEFAULT_VARIANTS = ("none", "tokens")


class BridgeConfig(BaseModel):
    """Model, backend, OCR engine and prompt variants of an ``OCRAugmentedVLM``.

    ``backend_options`` are the backend's own (checked by the backend when it is built);
    anything meant for the model's ``from_pretrained`` goes under their ``model_options``.
    """

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str | None = DEFAULT_MODEL
    backend: str | None = None  # None: follow the model's config.json
    device: str | None = None
    dtype: str | None = None
    max_new_tokens: int = Field(default=64, gt=0)
    ocr: str | None = "ppocr"  # an OCR engine name; None: no OCR
    ocr_options: dict[str, Any] = Field(default_factory=dict)
    backend_options: dict[str, Any] = Field(default_factory=dict)
    variants: list[VariantSpec] = Field(
        default_factory=lambda: [BUILTIN_VARIANTS[name] for name in DEFAULT_VARIANTS], min_length=1
    )

    @field_validator("variants", mode="before")
    @classmethod
    def _variant_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, (str, dict)) else value

    @field_validator("ocr_options", "backend_options", mode="before")
    @classmethod
    def _empty_section(cls, value: Any) -> Any:
        return {} if value is None else value  # a YAML key left empty

    @classmethod
    def load(cls, config: dict[str, Any] | str | Path, **overrides: Any) -> BridgeConfig:
        """A mapping or a YAML file, with ``overrides`` applied to its top-level keys.
        Raises ``VariantError`` for a bad variant, else ``BackendError``, naming each key."""
        if isinstance(config, dict):
            data = dict(config)
        else:
            import yaml

            path = Path(config)
            if not path.is_file():
                raise FileNotFoundError(f"bridge config not found: {path}")
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        try:
            return cls.model_validate({**data, **overrides})
        except ValidationError as exc:
            in_variants = all(err["loc"][:1] == ("variants",) for err in exc.errors())
            error = VariantError if in_variants else BackendError
            raise error("bridge config: " + "; ".join(error_lines(exc))) from None


__all__ = ["DEFAULT_MODEL", "DEFAULT_VARIANTS", "BridgeConfig"]
