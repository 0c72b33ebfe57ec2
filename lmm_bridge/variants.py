"""Prompt variants: a named context format with its template options and token budget.

Everything a template says (lead-in, label, where the context goes, separators) is a
field here, so run configs can set it; the code only holds the defaults of each format.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any, Literal

from ocrvqa.errors import OcrvqaError

Format = Literal["none", "tokens", "llava", "lines", "boxes"]
Unit = Literal["word", "line", "span"]
FORMATS: tuple[str, ...] = ("none", "tokens", "llava", "lines", "boxes")

#: What each format does unless a variant says otherwise.
FORMAT_DEFAULTS: dict[str, dict[str, Any]] = {
    "none": {"label": "", "unit": "line", "lowercase": False, "item_separator": ""},
    # The seed paper's scene-text form: lower-cased words as a list of quoted strings.
    "tokens": {"label": "OCR_token: ", "unit": "word", "lowercase": True, "item_separator": ", "},
    # LLaVA-1.5's TextVQA form.
    "llava": {"label": "Reference OCR token: ", "unit": "word", "lowercase": False,
              "item_separator": ", "},
    "lines": {"label": "OCR text:\n", "unit": "line", "lowercase": False, "item_separator": "\n"},
    "boxes": {"label": "OCR text with positions:\n", "unit": "line", "lowercase": False,
              "item_separator": "\n"},
}


class VariantError(OcrvqaError, ValueError):
    """A variant definition is malformed; the message names the variant and the field."""


@dataclass(frozen=True)
class VariantSpec:
    """One prompt variant.

    ``format`` picks how OCR text is rendered; ``None`` in an option means "the format's
    default" (see ``FORMAT_DEFAULTS``). The text after the image is assembled as
    ``lead_in + question + separator + context`` (``position="after"``) or
    ``lead_in + context + separator + question`` (``position="before"``), then
    ``instruction_separator + instruction`` when the benchmark gives one.
    """

    name: str
    format: Format = "none"
    budget_tokens: int | None = None
    lead_in: str = ""
    label: str | None = None
    lowercase: bool | None = None
    unit: Unit | None = None
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

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise VariantError(f"variant name must be a non-empty string, got {self.name!r}")
        if self.format not in FORMATS:
            raise VariantError(
                f"variant {self.name!r}: unknown format {self.format!r} (choose from {', '.join(FORMATS)})"
            )
        if self.budget_tokens is not None and (
            not isinstance(self.budget_tokens, int) or self.budget_tokens < 0
        ):
            raise VariantError(
                f"variant {self.name!r}: budget_tokens must be a non-negative integer or null, "
                f"got {self.budget_tokens!r}"
            )
        if self.position not in ("after", "before"):
            raise VariantError(f"variant {self.name!r}: position must be 'after' or 'before'")
        if self.unit is not None and self.unit not in ("word", "line", "span"):
            raise VariantError(f"variant {self.name!r}: unit must be 'word', 'line' or 'span'")
        if self.box_style not in ("auto", "qwen-vl", "plain"):
            raise VariantError(f"variant {self.name!r}: box_style must be auto, qwen-vl or plain")

    @property
    def uses_ocr(self) -> bool:
        return self.format != "none"

    def option(self, key: str) -> Any:
        """The option's value, falling back to the format's default."""
        value = getattr(self, key)
        return FORMAT_DEFAULTS[self.format][key] if value is None else value

    def replace(self, **changes: Any) -> "VariantSpec":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: The variants a bare name refers to.
BUILTIN_VARIANTS: dict[str, VariantSpec] = {
    name: VariantSpec(name=name, format=name) for name in FORMATS  # type: ignore[arg-type]
}
BUILTIN_VARIANTS["tokens-lead-in"] = VariantSpec(
    name="tokens-lead-in",
    format="tokens",
    lead_in="Please answer the following questions based on OCR token and Pictures, ",
)

_FIELD_NAMES = {f.name for f in fields(VariantSpec)}


def get_variant(item: "str | dict[str, Any] | VariantSpec") -> VariantSpec:
    """One variant from a built-in name, a mapping (as in YAML) or a ``VariantSpec``."""
    if isinstance(item, VariantSpec):
        return item
    if isinstance(item, str):
        if item not in BUILTIN_VARIANTS:
            raise VariantError(
                f"unknown variant {item!r}: built-in variants are {', '.join(BUILTIN_VARIANTS)}; "
                "define others as a mapping with name and format"
            )
        return BUILTIN_VARIANTS[item]
    if isinstance(item, dict):
        data = dict(item)
        name = data.get("name")
        # A mapping may extend a built-in: {"name": "tokens", "budget_tokens": 200}
        base = BUILTIN_VARIANTS.get(data.get("base") or name or "")
        data.pop("base", None)
        unknown = sorted(set(data) - _FIELD_NAMES)
        if unknown:
            raise VariantError(
                f"variant {name!r}: unknown option(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(_FIELD_NAMES))})"
            )
        if base is not None:
            return base.replace(**data)
        if "format" not in data:
            raise VariantError(f"variant {name!r}: a new variant needs a format")
        return VariantSpec(**data)
    raise VariantError(f"a variant must be a name, a mapping or a VariantSpec, got {item!r}")


def parse_variants(items: "list[str | dict[str, Any] | VariantSpec]") -> list[VariantSpec]:
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
    "VariantError",
    "VariantSpec",
    "get_variant",
    "parse_variants",
]
