"""Prompt variants: a named context format with its template options and token budget.

Everything a template says (lead-in, label, where the context goes, separators) is a
field here, so run configs can set it; the code only holds the defaults of each format.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ocrvqa.errors import OcrvqaError
from ocrvqa.registry import Registry
from ocrvqa.validation import error_lines

Format = Literal["none", "tokens", "llava", "lines", "boxes"]
#: what one item of OCR context is (a ``formats.Unit`` of this kind)
UnitKind = Literal["word", "line", "span"]
#: which units a budget keeps first: the most confident (today's policy, Table 5's setup)
#: or those that serve the question (``lmm_bridge.select``)
Selection = Literal["confidence", "question"]
FORMATS: tuple[str, ...] = ("none", "tokens", "llava", "lines", "boxes")

#: What each format does unless a variant says otherwise.
FORMAT_DEFAULTS: dict[str, dict[str, Any]] = {
    "none": {"label": "", "unit": "line", "lowercase": False, "item_separator": ""},
    # The seed paper's scene-text form: lower-cased words as a list of quoted strings.
    "tokens": {"label": "OCR_token: ", "unit": "word", "lowercase": True, "item_separator": ", "},
    # LLaVA-1.5's TextVQA form.
    "llava": {
        "label": "Reference OCR token: ",
        "unit": "word",
        "lowercase": False,
        "item_separator": ", ",
    },
    "lines": {"label": "OCR text:\n", "unit": "line", "lowercase": False, "item_separator": "\n"},
    "boxes": {
        "label": "OCR text with positions:\n",
        "unit": "line",
        "lowercase": False,
        "item_separator": "\n",
    },
}


class VariantError(OcrvqaError, ValueError):
    """A variant definition is malformed; the message names the variant and the field."""


class VariantSpec(BaseModel):
    """One prompt variant.

    ``format`` picks how OCR text is rendered; ``None`` in an option means "the format's
    default" (see ``FORMAT_DEFAULTS``). The text after the image is assembled as
    ``lead_in + question + separator + context`` (``position="after"``) or
    ``lead_in + context + separator + question`` (``position="before"``), then
    ``instruction_separator + instruction`` when the benchmark gives one.

    Validating takes what a config writes: a built-in variant's name, or a mapping. A
    mapping named after a built-in (or with ``base: <built-in>``) changes only the options
    it gives; a new variant needs a ``format``. Unknown options are refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    format: Format = "none"
    #: OCR context tokens at most; None: what the model's window leaves for it
    budget_tokens: int | None = Field(default=None, ge=0, strict=True)
    select: Selection = "confidence"
    lead_in: str = ""
    label: str | None = None
    lowercase: bool | None = None
    unit: UnitKind | None = None
    position: Literal["after", "before"] = "after"
    separator: str = "\n"
    item_separator: str | None = None
    instruction_separator: str = "\n"
    #: ``auto`` follows the backend (Qwen-VL's ``<ref>/<box>`` tags where it has them).
    box_style: Literal["auto", "qwen-vl", "plain"] = "auto"
    #: spans scoring below this are dropped first when the budget is tight
    low_score: float = 0.5
    #: spans whose box height is below this fraction of the median are "tiny"
    tiny_fraction: float = 0.5
    #: when set, spans scoring below this are never shown, budget or not
    min_score: float | None = None

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _variant_error(data, exc) from None

    @model_validator(mode="before")
    @classmethod
    def _from_config_item(cls, item: Any) -> Any:
        """A built-in's name, or a mapping extending a built-in: the full set of options."""
        if isinstance(item, str):
            if item not in BUILTIN_VARIANTS:
                raise ValueError(
                    f"{BUILTIN_VARIANTS.unknown_message(item)}; "
                    "define others as a mapping with name and format"
                )
            return BUILTIN_VARIANTS[item].model_dump()
        if not isinstance(item, dict):
            return item  # pydantic refuses it, naming the type
        data = dict(item)
        name = data.get("name")
        base = BUILTIN_VARIANTS.get(
            data.pop("base", None) or (name if isinstance(name, str) else ""), None
        )
        if base is not None:
            return {**base.model_dump(), **data}
        if "format" not in data:
            raise ValueError(f"variant {name!r}: a new variant needs a format")
        return data

    @property
    def uses_ocr(self) -> bool:
        return self.format != "none"

    def option(self, key: str) -> Any:
        """The option's value, falling back to the format's default."""
        value = getattr(self, key)
        return FORMAT_DEFAULTS[self.format][key] if value is None else value

    def replace(self, **changes: Any) -> VariantSpec:
        """A copy with ``changes`` applied, validated as a new variant is."""
        return get_variant({**self.model_dump(), **changes})


def _variant_error(item: Any, exc: ValidationError) -> VariantError:
    """One line naming the variant and each field at fault."""
    name = item.get("name") if isinstance(item, dict) else item
    lines = error_lines(exc)
    if not any(err["loc"] for err in exc.errors()):
        return VariantError("; ".join(lines))  # the item as a whole: the message names it
    return VariantError(f"variant {name!r}: " + "; ".join(lines))


#: The variants a bare name refers to.
BUILTIN_VARIANTS: Registry[VariantSpec] = Registry(
    "variant", error=VariantError, known_label="built-in variants"
)
for _format in FORMATS:
    BUILTIN_VARIANTS.register(_format, VariantSpec(name=_format, format=_format))
BUILTIN_VARIANTS.register(
    "tokens-lead-in",
    VariantSpec(
        name="tokens-lead-in",
        format="tokens",
        lead_in="Please answer the following questions based on OCR token and Pictures, ",
    ),
)


def get_variant(item: str | dict[str, Any] | VariantSpec) -> VariantSpec:
    """One variant from a built-in name, a mapping (as in YAML) or a ``VariantSpec``."""
    if isinstance(item, VariantSpec):
        return item
    if not isinstance(item, (str, dict)):
        raise VariantError(f"a variant must be a name, a mapping or a VariantSpec, got {item!r}")
    try:
        return VariantSpec.model_validate(item)
    except ValidationError as exc:
        raise _variant_error(item, exc) from None


def parse_variants(items: list[str | dict[str, Any] | VariantSpec]) -> list[VariantSpec]:
    """Variants from a config list; names must be unique so results can be keyed by them."""
    if isinstance(items, (str, dict, VariantSpec)):
        items = [items]
    variants = [get_variant(item) for item in items]
    seen: set[str] = set()
    for v in variants:
        if v.name in seen:
            raise VariantError(f"variant name {v.name!r} is used twice")
        seen.add(v.name)
    return variants


__all__ = [
    "BUILTIN_VARIANTS",
    "FORMATS",
    "FORMAT_DEFAULTS",
    "Selection",
    "UnitKind",
    "VariantError",
    "VariantSpec",
    "get_variant",
    "parse_variants",
]
