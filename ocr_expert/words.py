"""Numbers as charts and tables write them: thousands grouped with a space.

Charts, tables and European documents group thousands with a space, often a thin or narrow
one: ``31 846``, ``2 057.6``, ``1 250 000``. ``join_digit_groups`` writes such a number
without its separators, so that ``31 846``, ``31 846`` and ``31,846`` (once punctuation is
taken out) compare equal.
"""

from __future__ import annotations

import re

#: a space between digit groups: ordinary, no-break, thin, narrow no-break, figure space
GROUP_SPACE = " \u00a0\u2009\u202f\u2007"
#: one to three digits, then groups of exactly three after one such space, then decimals
_GROUPED = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:[{GROUP_SPACE}]\d{{3}})+(?:[.,]\d+)?(?![\d])")


def join_digit_groups(text: str) -> str:
    """``text`` with the spaces inside space-grouped numbers removed (``31 846`` -> ``31846``)."""
    return _GROUPED.sub(lambda m: re.sub(f"[{GROUP_SPACE}]", "", m.group(0)), text)


__all__ = ["GROUP_SPACE", "join_digit_groups"]
