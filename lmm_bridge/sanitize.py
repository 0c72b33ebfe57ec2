"""Neutralising OCR text so that nothing read off an image becomes a control token.

Text in an image is attacker-controlled: an image that says ``<img>http://host/x.png</img>``
would otherwise make Qwen-VL-Chat's tokenizer emit image tags and the model fetch the URL.
Each occurrence of a control string (matched case-insensitively, since some tokenizers
lower-case before matching added tokens) gets a plain space after its first character:
``<img>`` becomes ``< img>``. A space survives every Unicode normalisation a tokenizer may
apply (zero-width characters do not: BERT-style cleaners delete them), and it keeps the
text readable for the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

#: Qwen-VL-Chat's control strings (its tokenizer's special tokens), ``<|extra_N|>`` aside.
QWEN_VL_CONTROL_STRINGS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<img>",
    "</img>",
    "<ref>",
    "</ref>",
    "<box>",
    "</box>",
    "<quad>",
    "</quad>",
    "<imgpad>",
)
#: ``<|extra_N|>`` for any N, and more broadly any ``<|name|>`` (ChatML-style specials of
#: Qwen2-VL and many other tokenizers look like this).
PIPE_TOKEN_PATTERN = r"<\|[^\s|<>]{1,64}\|>"

_SEPARATOR = " "
_MAX_PASSES = 8


def sanitize(text: str, control_strings: Iterable[str] = QWEN_VL_CONTROL_STRINGS,
             patterns: Iterable[str] = (PIPE_TOKEN_PATTERN,)) -> str:
    """Return ``text`` with every control string and pattern match broken up.

    Repeats until nothing matches, so overlapping or nested strings (``<<img>img>``) are
    handled too.
    """
    return sanitizer(control_strings, patterns)(text)


def sanitizer(control_strings: Iterable[str] = QWEN_VL_CONTROL_STRINGS,
              patterns: Iterable[str] = (PIPE_TOKEN_PATTERN,)) -> Callable[[str], str]:
    """``sanitize`` with the control strings and patterns fixed: build it once for many
    texts (a tokenizer has hundreds of control strings to gather and sort)."""
    regex = _compile(tuple(sorted({s for s in control_strings if s}, key=len, reverse=True)),
                     tuple(patterns))

    def clean(text: str) -> str:
        if regex is None:
            return text
        for _ in range(_MAX_PASSES):
            new = regex.sub(_break, text)
            if new == text:
                return text
            text = new
        raise ValueError(f"could not neutralise control strings in OCR text {text[:80]!r}")

    return clean


def find_control_strings(text: str, control_strings: Iterable[str] = QWEN_VL_CONTROL_STRINGS,
                         patterns: Iterable[str] = (PIPE_TOKEN_PATTERN,)) -> list[str]:
    """The control strings present in ``text`` (for checks and error messages)."""
    regex = _compile(tuple(sorted({s for s in control_strings if s}, key=len, reverse=True)),
                     tuple(patterns))
    return [] if regex is None else [m.group(0) for m in regex.finditer(text)]


def _break(match: re.Match[str]) -> str:
    token = match.group(0)
    return token[0] + _SEPARATOR + token[1:] if len(token) > 1 else _SEPARATOR


@lru_cache(maxsize=64)
def _compile(strings: tuple[str, ...], patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [re.escape(s) for s in strings] + list(patterns)
    if not parts:
        return None
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


__all__ = ["PIPE_TOKEN_PATTERN", "QWEN_VL_CONTROL_STRINGS", "find_control_strings", "sanitize",
           "sanitizer"]
