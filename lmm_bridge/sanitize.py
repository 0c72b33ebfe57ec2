"""Neutralizing OCR text so that nothing read off an image becomes a control token.

Text in an image is attacker-controlled: an image that says ``<img>http://host/x.png</img>``
would otherwise make Qwen-VL-Chat's tokenizer emit image tags and the model fetch the URL.
Each occurrence of a control string (matched case-insensitively, since some tokenizers
lower-case before matching added tokens) gets a plain space after its first character:
``<img>`` becomes ``< img>``. A space survives every Unicode normalization a tokenizer may
apply (zero-width characters do not: BERT-style cleaners delete them), and it keeps the
text readable for the model.

Cleaning each OCR item is not enough: items joined without a separator (``<im`` and
``g>``) can form a control string the items do not hold. So OCR text is marked where it
sits in the rendered context and in the prompt (``mark_ocr``), and ``neutralize_marked``
breaks every control string that touches a marked character, wherever the rest of it came
from (a separator, a label, the question), while leaving the template's own tags alone.
``check_prompt`` then compares the final prompt with the same prompt without the OCR text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from ocrvqa.errors import OcrvqaError

#: the tags Qwen-VL marks an image and its grounded regions with, each opened and closed
QWEN_VL_TAGS: tuple[str, ...] = ("img", "ref", "box", "quad")
#: Qwen-VL-Chat's control strings (its tokenizer's special tokens), ``<|extra_N|>`` aside.
QWEN_VL_CONTROL_STRINGS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    *(tag for name in QWEN_VL_TAGS for tag in (f"<{name}>", f"</{name}>")),
    "<imgpad>",
)
#: ``<|extra_N|>`` for any N, and more broadly any ``<|name|>`` (ChatML-style specials of
#: Qwen2-VL and many other tokenizers look like this).
PIPE_TOKEN_PATTERN = r"<\|[^\s|<>]{1,64}\|>"

_SEPARATOR = " "
_MAX_PASSES = 8


def sanitize(
    text: str,
    control_strings: Iterable[str] = QWEN_VL_CONTROL_STRINGS,
    patterns: Iterable[str] = (PIPE_TOKEN_PATTERN,),
) -> str:
    """Return ``text`` with every control string and pattern match broken up.

    Repeats until nothing matches, so overlapping or nested strings (``<<img>img>``) are
    handled too.
    """
    return sanitizer(control_strings, patterns)(text)


def sanitizer(
    control_strings: Iterable[str] = QWEN_VL_CONTROL_STRINGS,
    patterns: Iterable[str] = (PIPE_TOKEN_PATTERN,),
) -> Callable[[str], str]:
    """``sanitize`` with the control strings and patterns fixed: build it once for many
    texts (a tokenizer has hundreds of control strings to gather and sort). The same
    strings and patterns give the same function, so callers may key caches on it."""
    return _sanitizer(tuple(control_strings), tuple(patterns))


@lru_cache(maxsize=64)
def _sanitizer(strings: tuple[str, ...], patterns: tuple[str, ...]) -> Callable[[str], str]:
    regex = _regex(strings, patterns)

    def clean(text: str) -> str:
        if regex is None:
            return text
        for _ in range(_MAX_PASSES):
            new = regex.sub(_break, text)
            if new == text:
                return text
            text = new
        raise ValueError(f"could not neutralize control strings in OCR text {text[:80]!r}")

    return clean


#: Private-use characters that mark OCR text inside a rendered context until the prompt is
#: final; they are removed from OCR text first, so an image cannot forge them.
OCR_START, OCR_END = "\ue000", "\ue001"


class PromptInjectionError(OcrvqaError, ValueError):
    """OCR text would put a control string into the final prompt."""


def mark_ocr(text: str) -> str:
    """``text`` (OCR output) between marks, any marks it held removed."""
    return OCR_START + strip_marks(text) + OCR_END


def strip_marks(text: str) -> str:
    return text.replace(OCR_START, "").replace(OCR_END, "")


def neutralize_marked(
    text: str,
    control_strings: Iterable[str] = QWEN_VL_CONTROL_STRINGS,
    patterns: Iterable[str] = (PIPE_TOKEN_PATTERN,),
) -> str:
    """``text`` without its marks, with every control string that overlaps marked (OCR)
    characters broken up; control strings made of unmarked text only (the template's
    ``<ref>`` tags) are kept."""
    given, patterns = tuple(control_strings), tuple(patterns)
    plain_regex = _regex(given, patterns)
    unmarked = strip_marks(text)
    if plain_regex is None or plain_regex.search(unmarked) is None:
        return unmarked  # the usual case: no control string anywhere
    regex = _compile_overlapping(_longest_first(given), patterns)
    chars: list[str] = []
    from_ocr: list[bool] = []
    depth = 0
    for ch in text:
        if ch == OCR_START:
            depth += 1
        elif ch == OCR_END:
            depth = max(0, depth - 1)
        else:
            chars.append(ch)
            from_ocr.append(depth > 0)
    plain = "".join(chars)
    if regex is None or not any(from_ocr):
        return plain
    for _ in range(len(plain) + _MAX_PASSES):  # each pass breaks at least one string
        hits = []
        last_end = -1
        # every match at every start (lookahead), so a template tag cannot hide an overlapping one
        for m in regex.finditer(plain):
            start, end = m.start(1), m.end(1)
            if start >= last_end and any(from_ocr[start:end]):
                hits.append((start, end))
                last_end = end
        if not hits:
            return plain
        out: list[str] = []
        mask: list[bool] = []
        pos = 0
        for start, end in hits:
            broken = _break_text(plain[start:end])
            out.append(plain[pos:start])
            mask += from_ocr[pos:start]
            out.append(broken)
            mask += [True] * len(broken)
            pos = end
        out.append(plain[pos:])
        mask += from_ocr[pos:]
        plain, from_ocr = "".join(out), mask
    raise ValueError(f"could not neutralize control strings in OCR text {plain[:80]!r}")


def check_prompt(
    prompt: str,
    reference: str,
    control_strings: Iterable[str] = QWEN_VL_CONTROL_STRINGS,
    patterns: Iterable[str] = (PIPE_TOKEN_PATTERN,),
) -> None:
    """Raise ``PromptInjectionError`` when ``prompt`` holds a control string that
    ``reference`` (the same prompt with the OCR text left out) does not."""
    strings, pats = list(control_strings), list(patterns)
    extra = Counter(m.lower() for m in find_control_strings(prompt, strings, pats))
    extra -= Counter(m.lower() for m in find_control_strings(reference, strings, pats))
    if extra:
        raise PromptInjectionError(
            f"OCR text would put control string(s) {', '.join(sorted(extra))} into the prompt; "
            "the sample is refused rather than sent (check the variant's templates and separators)"
        )


def find_control_strings(
    text: str,
    control_strings: Iterable[str] = QWEN_VL_CONTROL_STRINGS,
    patterns: Iterable[str] = (PIPE_TOKEN_PATTERN,),
) -> list[str]:
    """The control strings present in ``text`` (for checks and error messages)."""
    regex = _regex(tuple(control_strings), tuple(patterns))
    return [] if regex is None else [m.group(0) for m in regex.finditer(text)]


def _break(match: re.Match[str]) -> str:
    return _break_text(match.group(0))


def _break_text(token: str) -> str:
    return token[0] + _SEPARATOR + token[1:] if len(token) > 1 else _SEPARATOR


def _longest_first(strings: tuple[str, ...]) -> tuple[str, ...]:
    """The distinct non-empty strings, longest first (so the longest match wins)."""
    return tuple(sorted({s for s in strings if s}, key=len, reverse=True))


@lru_cache(maxsize=64)
def _regex(strings: tuple[str, ...], patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """``_compile`` of the strings as given (any order, repeats): a prompt asks for the same
    backend's strings many times, and sorting hundreds of them each time costs more than
    the match."""
    return _compile(_longest_first(strings), patterns)


@lru_cache(maxsize=64)
def _compile_overlapping(
    strings: tuple[str, ...], patterns: tuple[str, ...]
) -> re.Pattern[str] | None:
    parts = [re.escape(s) for s in strings] + list(patterns)
    if not parts:
        return None
    return re.compile("(?=(" + "|".join(f"(?:{p})" for p in parts) + "))", re.IGNORECASE)


@lru_cache(maxsize=64)
def _compile(strings: tuple[str, ...], patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [re.escape(s) for s in strings] + list(patterns)
    if not parts:
        return None
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


__all__ = [
    "OCR_END",
    "OCR_START",
    "PIPE_TOKEN_PATTERN",
    "QWEN_VL_CONTROL_STRINGS",
    "PromptInjectionError",
    "check_prompt",
    "find_control_strings",
    "mark_ocr",
    "neutralize_marked",
    "sanitize",
    "sanitizer",
    "strip_marks",
]
