"""Words of OCR text, with numbers kept whole as charts and tables write them.

Charts, tables and European documents group thousands with a space, often a thin or narrow
one: ``31 846``, ``2 057.6``, ``1 250 000``. Splitting on whitespace makes two or three
numbers of one; ``split_words`` keeps such a group as one word, and ``join_digit_groups``
writes it without its separators, so ``31 846``, ``31 846`` and ``31,846`` compare equal.
"""

from __future__ import annotations

import re

#: a space between digit groups: ordinary, no-break, thin, narrow no-break, figure space
GROUP_SPACE = " \u00a0\u2009\u202f\u2007"
#: one to three digits, then groups of exactly three after one such space, then decimals
_GROUPED = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:[{GROUP_SPACE}]\d{{3}})+(?:[.,]\d+)?(?![\d])")


#: each group space stands in for itself as a private-use character while the text is split
_HIDE = {ord(ch): 0xE000 + k for k, ch in enumerate(GROUP_SPACE)}
_SHOW = {v: k for k, v in _HIDE.items()}


def split_words(text: str) -> list[str]:
    """``text.split()``, except that a number grouped with spaces stays one word."""
    hidden = _GROUPED.sub(lambda m: m.group(0).translate(_HIDE), text)
    return [word.translate(_SHOW) for word in hidden.split()]


def join_digit_groups(text: str) -> str:
    """``text`` with the spaces inside space-grouped numbers removed (``31 846`` -> ``31846``)."""
    return _GROUPED.sub(lambda m: re.sub(f"[{GROUP_SPACE}]", "", m.group(0)), text)


__all__ = ["GROUP_SPACE", "join_digit_groups", "split_words"]
