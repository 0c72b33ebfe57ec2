"""Arabic words the views of one line read differently, settled by Tesseract's word list.

Arabic letters of one skeleton (``ب ت ث ن ي``, ``ج ح خ``, ``ف ق``, ...) differ only in their
dots, the first thing blur and a low resolution take from a scan: ``النبانات`` for
``النباتات``, ``فواعد`` for ``قواعد``; and a letter is misread or lost (``تحاج`` for
``تحتاج``). Tesseract reads an Arabic crop in several views (``TesseractEngine._arabic_views``)
and keeps the surest; where a word of that reading is not one Tesseract's ``ara`` model lists
and the other views read exactly one listed word ``near`` it (other dots, one letter misread,
one letter the reading lost), that word is taken. The views supply the candidates and the word
list only breaks the tie, so a correct word missing from the list stays as read unless another
view read a listed word there. On seven rendered sets of 150 degraded lines in 90 fonts
(``bench/arabic_lines.py``), 187 lines read better and 4 worse; on 300 lines of real Arabic
text (``--catalogues``: Debian's Arabic message catalogues, 8 % of their words not in the list)
drawn and degraded the same way, 35 better and 4 worse (``الممدد``, extended, read right,
became ``المهدد``, threatened, another view having read that). The word list alone (the nearest
listed word, no view needed) would have changed 1.5 % of the words of those catalogues.

The word list is the one inside ``ara.traineddata`` (``lstm-word-dawg``), unpacked once per
process with Tesseract's own ``combine_tessdata`` and ``dawg2wordlist``; where those tools or
the data are missing, readings stay as they are (the engine's configuration says so).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from ocr_expert.engines.tesseract_listing import tesseract_listing
from ocr_expert.types import Span

#: letters that share a skeleton and differ in their dots (or a hamza seat's hamza)
SKELETONS = ("بتثنيئى", "جحخ", "دذ", "رز", "سش", "صض", "طظ", "عغ", "فق", "هة")
_SKELETON = {ch: group[0] for group in SKELETONS for ch in group}
#: one word: what leads it (a bracket, a quote), its Arabic letters with any short vowels or
#: shadda among them, what ends it (a stop)
_WORD = re.compile(r"^([^\u0621-\u064a]*)([\u0621-\u064a][\u0621-\u0652]*)([^\u0621-\u064a]*)$")
#: the short vowels, tanween, shadda and sukun print puts on a word (``جدًا``, ``المكوّن``): the
#: word list has none, so a word is looked up, and compared, without them
_HARAKAT = re.compile("[\u064b-\u0652]")
#: shorter words have too many listed neighbours of one skeleton to choose among
MIN_LETTERS = 3
_TIMEOUT_S = 60


def skeleton(word: str) -> str:
    """``word`` with each letter replaced by the first of its skeleton group: the letters
    without their dots."""
    return "".join(_SKELETON.get(ch, ch) for ch in word)


def near(word: str, other: str) -> bool:
    """Whether ``other`` could be ``word`` read with its dots lost or misplaced (the same
    skeleton), with one letter misread, or with one letter dropped: a deleted letter of
    ``word`` is not among them (shorter real words, ``والكتاب`` against ``الكتاب``, are too
    many)."""
    if len(other) == len(word):
        return skeleton(other) == skeleton(word) or Levenshtein.distance(word, other) <= 1
    return len(other) == len(word) + 1 and Levenshtein.distance(word, other) <= 1


def with_known_words(
    line: Sequence[Span], views: Iterable[Sequence[Span]], known: frozenset[str]
) -> list[Span]:
    """``line`` (the words of the chosen reading) with each Arabic word ``known`` lacks
    replaced by the one ``known`` word ``near`` it that the other readings (``views``) hold,
    where they hold exactly one; leading and trailing marks stay. Words are looked up without
    their short vowels and shadda (``harakat``), and a word taken comes without them."""
    pool = {
        _HARAKAT.sub("", m.group(2))
        for spans in views
        for s in spans
        for m in map(_WORD.match, s.text.split())
        if m
    } & known
    out = []
    for span in line:
        m = _WORD.match(span.text)
        core = _HARAKAT.sub("", m.group(2)) if m else ""
        if m and len(core) >= MIN_LETTERS and core not in known:
            found = {v for v in pool if near(core, v)}
            if len(found) == 1:
                span = Span(
                    m.group(1) + found.pop() + m.group(3), span.box, span.score, span.polygon
                )
        out.append(span)
    return out


@functools.cache
def known_words(tesseract_cmd: str, lang: str = "ara") -> frozenset[str]:
    """The words of ``lang``'s LSTM dictionary in the data ``tesseract_cmd`` reads; empty
    where the data or Tesseract's ``combine_tessdata`` and ``dawg2wordlist`` are missing."""
    folder = tesseract_listing(tesseract_cmd).folder
    combine, unlist = (_tool(tesseract_cmd, name) for name in ("combine_tessdata", "dawg2wordlist"))
    data = folder / f"{lang}.traineddata" if folder is not None else None
    if data is None or not data.is_file() or combine is None or unlist is None:
        return frozenset()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / lang
        charset, dawg, words = (
            f"{base}.lstm-unicharset",
            f"{base}.lstm-word-dawg",
            f"{base}.words",
        )
        try:
            subprocess.run(
                [combine, "-e", str(data), charset, dawg],
                capture_output=True,
                timeout=_TIMEOUT_S,
                check=True,
            )
            subprocess.run(
                [unlist, charset, dawg, words], capture_output=True, timeout=_TIMEOUT_S, check=True
            )
            return frozenset(Path(words).read_text(encoding="utf-8").split())
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
            return frozenset()


def _tool(tesseract_cmd: str, name: str) -> str | None:
    """One of Tesseract's tools: beside the ``tesseract`` in use, else on the PATH."""
    beside = Path(shutil.which(tesseract_cmd) or tesseract_cmd).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


__all__ = ["SKELETONS", "known_words", "skeleton", "with_known_words"]
