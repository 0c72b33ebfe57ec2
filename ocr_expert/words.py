"""Numbers as charts and tables write them: thousands grouped with a space.

Charts, tables and European documents group thousands with a space, often a thin or narrow
one: ``31 846``, ``2 057.6``, ``1 250 000``. ``is_grouped_number`` tells such a number (the
context keeps its pieces together), ``join_digit_groups`` writes it without its separators,
so that ``31 846``, ``31 846`` and ``31,846`` (once punctuation is taken out) compare equal.
"""

from __future__ import annotations

import re

#: a space between digit groups: ordinary, no-break, thin, narrow no-break, figure space
GROUP_SPACE = " \u00a0\u2009\u202f\u2007"
#: one to three digits, then groups of exactly three after one such space, then decimals
GROUPED_NUMBER = rf"\d{{1,3}}(?:[{GROUP_SPACE}]\d{{3}})+(?:[.,]\d+)?"
_GROUPED = re.compile(rf"(?<![\d.,]){GROUPED_NUMBER}(?![\d])")
#: a whole word that is such a number, with a currency sign or a bracket before or after it
_GROUPED_WORD = re.compile(rf"[^\w\s]?{GROUPED_NUMBER}[^\w\s]?")


def is_grouped_number(text: str) -> bool:
    """Whether ``text`` is one number written with spaced digit groups (``$1 250 000.50``)."""
    return _GROUPED_WORD.fullmatch(text) is not None


def join_digit_groups(text: str) -> str:
    """``text`` with the spaces inside space-grouped numbers removed (``31 846`` -> ``31846``)."""
    return _GROUPED.sub(lambda m: re.sub(f"[{GROUP_SPACE}]", "", m.group(0)), text)


__all__ = ["GROUPED_NUMBER", "GROUP_SPACE", "is_grouped_number", "join_digit_groups"]
