"""OCR answer recall: does the context the model actually saw contain the answer?

The share of questions whose normalized ground-truth answer appears, as whole words, in
the OCR context injected into the prompt (after the token budget). It needs no model,
bounds what the context can add, and is reported beside the scores.

Normalization: Unicode NFKC, lower case, every character that is neither a letter, a
digit nor a mark becomes a space, whitespace collapsed. The same is applied to the
context, so ``OCR_token: ["pop", "the", "book"]`` contains the answer "The book".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from ocr_expert.words import join_digit_groups


class _WordCharacters(dict[int, str]):
    """``str.translate`` table: a letter, digit or mark stays, any other character becomes a
    space. Filled as characters are met (a text holds few distinct ones)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = self[code] = ch if unicodedata.category(ch)[0] in "LNM" else " "
        return out


_WORD_CHARACTERS = _WordCharacters()


def normalize(text: str) -> str:
    """Lower-case words of ``text`` separated by single spaces, punctuation removed."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(text.translate(_WORD_CHARACTERS).split())


def _forms(text: str) -> frozenset[str]:
    """``normalize(text)``, and the same with space-grouped numbers joined (``31 846``)."""
    plain = normalize(text)
    return frozenset((plain, join_digit_groups(plain)))


# an answer is looked for in every variant's context: its forms are worked out once
_answer_forms = lru_cache(maxsize=1 << 16)(_forms)
# a variant's context, and a page's OCR text, repeat for every question on the page: the last
# few are kept
_context_forms = lru_cache(maxsize=256)(_forms)


def answer_in_context(answers: Iterable[str], context: str) -> bool:
    """True when any ground-truth answer appears, as a run of whole words, in ``context``.

    A number grouped with spaces (``31 846``, as charts write it) also matches the answer
    written ``31846`` or ``31,846``, and the other way round.
    """
    haystacks = [f" {form} " for form in _context_forms(context)]
    for answer in answers:
        for needle in _answer_forms(answer):
            if needle and any(f" {needle} " in haystack for haystack in haystacks):
                return True
    return False


def recall(flags: Iterable[bool | None]) -> float | None:
    """The share of True among the flags that are not None; None when there are none."""
    values = [bool(f) for f in flags if f is not None]
    return sum(values) / len(values) if values else None
