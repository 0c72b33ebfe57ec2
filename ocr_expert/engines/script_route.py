"""The Arabic route: a stage that sends the lines a Latin/Chinese recognizer cannot read to
an Arabic recognizer.

PP-OCR's bundled recognizers have no Arabic alphabet: on an Arabic line they return nothing,
or a few Latin letters with low confidence, while the detector still finds the line. Every
such line (empty, low confidence or without a letter) is offered to an Arabic recognizer in
one call; its reading replaces the first one only when it is mostly Arabic script and read
with confidence (or, read in several views that agree, when a Latin reading of the same crop is
no surer), so English lines the first recognizer merely found hard are left alone. A crop read
on its own is offered also when its Latin reading is merely doubtful (decorative Arabic faces
read as Latin words) or too short to be all of the crop's ink, and then needs a sure Arabic
reading the Latin reader is no surer of; refused, it is read once more with the pieces its
neighbouring lines left at its edges cleared.

``ScriptRoute`` is the stage: it takes the lines an engine read (``Candidate``) and gives
them back routed, or a mostly-Arabic page read whole. The ``ppocr`` engine runs it between
its recognizer and its score filter (its ``arabic`` option); ``ScriptRoutedEngine`` puts it
after any other engine's reading (``OCRExpert(engine, script_route="tesseract")``).
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field, replace
from typing import Any

from PIL import Image

from ocr_expert.engines.base import OCREngine, OCREngineError, PageLayout, ReadMode
from ocr_expert.engines.leaders import without_leaders
from ocr_expert.engines.roles import Recognition, TextRecognizer
from ocr_expert.engines.side_by_side import in_background, workers
from ocr_expert.image_io import without_edge_fragments
from ocr_expert.types import Point, Span, polygon_box, spans_box, union_box

#: a line read with less confidence than this (or with no letter) is offered to the router
SUSPECT_SCORE = 0.85
#: a crop read with less confidence than this is doubtful: offered too, its Arabic reading kept
#: only when sure and the Latin reader is no surer of it. Decorative and Kufi Arabic
#: lines came back as confident Latin words (``jaigall`` 0.91, ``aill`` 0.88); the English
#: crops of real scans and rendered sets read at 0.85-0.95 are one in fifteen.
DOUBTFUL_SCORE = 0.95
#: A crop whose first reading holds fewer characters than its width over this many times its
#: height has not been read whole, however sure that reading: PP-OCR read a degraded Arabic line
#: of 20 letters (177 x 34 px) as ``l``, 0.95 sure. Such a crop is doubtful (its Arabic reading
#: must be sure, the Latin reader no surer). None of 887 English crops of real scans read
#: surer than ``DOUBTFUL_SCORE`` is that short.
SHORT_READING = 3.0
#: the Arabic reading is kept when at least this share of its letters is Arabic script ...
MIN_ARABIC_SHARE = 0.6
#: ... and its confidence is at least this (a recognizer that reads a crop once) ...
MIN_CONFIDENCE = 0.55
#: ... or, from a recognizer that reads a crop in several views (Tesseract's Arabic views),
#: at least this on its own ...
SURE_CONFIDENCE = 0.75
#: ... or its confidence and its agreement with another view add up to this, its
#: confidence at least ``AGREED_CONFIDENCE`` ...
AGREED_SUM = 0.9
AGREED_CONFIDENCE = 0.25
#: ... and it holds this many letters (views agree on short junk as well), making up at least
#: this share of its characters (Latin text upside down reads as Arabic letters among digits
#: and strokes, the same in every view)
AGREED_LETTERS = 6
AGREED_LETTER_SHARE = 0.8
#: A shorter reading (a word or two: ``العمل.``) is kept with at least ``SHORT_LETTERS``
#: letters when the views agree at least ``SHORT_AGREEMENT`` and it is ``SHORT_CONFIDENCE`` sure.
#: Of 1200 rendered Arabic lines, five such readings were refused (4-5 letters, agreeing
#: 0.86-1.0, 0.52-0.74 sure); the short Arabic readings of English crops of real scans agreed at
#: most 0.64 (two letters agreed at 1.0, hence the letter floor). Numbers count against it.
SHORT_LETTERS = 4
SHORT_AGREEMENT = 0.85
SHORT_CONFIDENCE = 0.5
#: A reading those rules refuse has a second chance against a Latin reading of the same crop:
#: mostly Arabic letters as above, at least ``SECOND_CONFIDENCE`` sure, confidence and agreement
#: adding up to ``SECOND_SUM``, and the Latin reader (Tesseract ``eng``) not surer than it by
#: more than ``LATIN_MARGIN``. Degraded Arabic lines read at 0.15-0.4 were refused while
#: Tesseract ``eng`` read them at 0.0-0.5; the English lines of real scans whose Arabic views
#: also agreed (a fax's small print) read at 0.5-0.9 in English.
SECOND_CONFIDENCE = 0.15
SECOND_SUM = 0.6
LATIN_MARGIN = 0.2
LATIN_LANG = "eng"
#: A line of Arabic words among mathematics (``7) بين أن المعادلة : 0 = f(x) تقبل حلا وحيدًا α في
#: المجال [3.5;4].``) fails the letter share: brackets, operators and digits are a quarter of
#: it. It is kept when its Arabic words (two Arabic letters or more, nothing else) hold at least
#: ``SYMBOLS_LETTERS`` letters and ``SYMBOLS_SHARE`` of its characters, it is ``SYMBOLS_CONFIDENCE``
#: sure with its views agreeing ``SYMBOLS_AGREEMENT``, and the Latin reader is less sure of the
#: crop by ``SYMBOLS_LATIN_MARGIN`` at least. Typeset exams and lessons: such lines read at
#: 0.61-0.75, agreeing 0.70-0.96, Tesseract ``eng`` 0.23-0.49 sure of them.
SYMBOLS_LETTERS = 15
SYMBOLS_SHARE = 0.6
SYMBOLS_CONFIDENCE = 0.6
SYMBOLS_AGREEMENT = 0.7
SYMBOLS_LATIN_MARGIN = 0.2
#: a number standing as a word: two digits or more (any script), separators between them,
#: in brackets or before a stop
NUMBER_WORD = re.compile(r"^[\[(]?\d[\d.,/\-\u066b\u066c]*\d[\])]?[.,:\u060c\u061f]?$")
#: A crop cut out of a page with its neighbours showing, refused, is read again with their
#: pieces cleared (``without_edge_fragments``); that reading must pass the same rules with its
#: views agreeing at least this closely, on a line of letters (``_mostly_letters``). English
#: crops of real scans, fax smudges and handwriting, cleared so, passed the rules in 10 of 950
#: with their views agreeing 0.21-0.54 (a short one, two letters, at 1.0); the Arabic lines
#: it saved agreed at 0.93 and 1.0.
CLEARED_AGREEMENT = 0.7
#: A line refused among the others, read there as a line of Arabic letters at least this
#: sure, is read again alone (``worth_reading_alone``). The lines of typeset Arabic pages and
#: snippets such readings came from were read together at 0.30-0.93, nine in ten at 0.44 or
#: more; those of English pages scanned small in black and white at 0.16 (the median) and
#: at most 0.54, 23 of 186 at 0.3 or more: each such line costs a reading in views.
ALONE_CONFIDENCE = 0.3
#: A page whose suspect lines make up at least this share of its lines' width, at least
#: ``AHEAD_LINES`` of them, read by the first recognizer as fewer than ``AHEAD_LETTERS`` letters
#: a line on average, looks like an Arabic page to a recognizer without an Arabic alphabet: it
#: starts being read whole (``likely_page_language``) while its suspect lines are read. 18 of 25
#: typeset Arabic pages looked so (0.60-1.0 of the width, 0.18-1.33 letters a line); English
#: scans, small and black and white, whose unsure lines made up as much: 2.6 letters a line or
#: more.
AHEAD_WIDTH = 0.6
AHEAD_LINES = 3
AHEAD_LETTERS = 1.5
#: ... read in ``ara`` alone where its suspect lines make up more than this share of the width
AHEAD_ARA_WIDTH = 0.9
#: a page whose letters are at least this share Arabic is read whole by Tesseract
ARABIC_PAGE_SHARE = 0.25
#: ... in ``ara`` alone where they are more than this share Arabic (``ara+eng`` otherwise)
ARABIC_ONLY_SHARE = 0.9
#: margin added around a line box before it is re-read, as a share of the box height
PADDING = 0.15
#: a detected line a whole-page reading covers less of than this share of its width is missed
MISSED_COVER = 0.25


@dataclass(frozen=True)
class Candidate:
    """One detected line: its polygon, what the first recognizer read, and how sure it was."""

    polygon: tuple[Point, ...]
    text: str
    score: float
    #: the line's words with boxes, where the recognizer gave them: (text, box, score)
    words: list[tuple[str, Any, float]] = field(default_factory=list)
    rerouted: bool = False


def arabic_share(text: str) -> float:
    """The share of the letters of ``text`` that are Arabic script."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _is_arabic(ch)) / len(letters)


def is_suspect(text: str, score: float) -> bool:
    """Whether a first reading is weak enough to ask the Arabic recognizer."""
    return score < SUSPECT_SCORE or not any(ch.isalpha() for ch in text)


def is_doubtful(text: str, score: float) -> bool:
    """Whether a crop's first reading, not suspect, is still unsure enough to ask the Arabic
    recognizer, whose reading must then also hold against a Latin reading (``reroute``)."""
    return not is_suspect(text, score) and score < DOUBTFUL_SCORE


def reads_too_little(text: str, polygon: Sequence[Point]) -> bool:
    """Whether ``text``, read in the box of ``polygon``, is too short to be all of its ink
    (``SHORT_READING``)."""
    x0, y0, x1, y1 = polygon_box(polygon)
    return x1 - x0 > SHORT_READING * (y1 - y0) * max(1, len(text.replace(" ", "")))


def judged_text(read: Recognition) -> str:
    """The reading the route's rules judge: the one its score and agreement belong to.

    Tesseract's Arabic views choose the text among more readings than they measure the
    evidence on; judged on the chosen text, an English form's smudges read as something else
    in a later view passed the letter rules the first views' reading had failed."""
    return read.text if read.judged is None else read.judged


def accepts(read: Recognition, before: float) -> bool:
    """Whether the Arabic recognizer's reading of a suspect line replaces the first reading
    (whose confidence was ``before``).

    It must be mostly Arabic script. A recognizer that reads a crop once must be at least
    ``MIN_CONFIDENCE`` sure and surer than the first reading. Where the crop was read in
    several views, Tesseract's confidence alone is a poor judge on degraded lines (true Arabic
    lines read at 0.3-0.55 were refused, junk off English rules and stamps kept at 0.55-0.7,
    ``bench/arabic_lines.py`` against English crops of real scans): the reading is kept when
    it is very sure, or when another view read nearly the same and it is long enough for that
    agreement to mean something, and mostly letters (on the rendered sets, 0.099 -> 0.057 and
    0.115 -> 0.065 CER, against 5 -> 0 of 690 English crops of real scans given an Arabic
    reading). A reading of a word or two needs the views to agree more closely (``SHORT_*``).
    """
    text = judged_text(read)
    if arabic_share(text) < MIN_ARABIC_SHARE:
        return False
    if read.agreement is None:
        return read.score >= max(MIN_CONFIDENCE, before)
    if read.score >= max(SURE_CONFIDENCE, before):
        return True
    if (
        read.score >= SHORT_CONFIDENCE
        and read.agreement >= SHORT_AGREEMENT
        and _mostly_letters(text, numbers_as_words=False, least=SHORT_LETTERS)
    ):
        return True
    # the views that only choose the text count here alone, where the bar is highest: a
    # NotoSansArabic line the weighing views read once (0.50 sure) was read nearly so, surely,
    # in a choosing view; the second chance, lower, would let junk agreeing with junk through
    agreed = max(read.agreement, read.support or 0.0)
    return (
        _mostly_letters(text)
        and read.score >= AGREED_CONFIDENCE
        and read.score + agreed >= AGREED_SUM
    )


def second_chance(read: Recognition) -> bool:
    """Whether a reading ``accepts`` refused may still be kept if a Latin reading of the same
    crop is not clearly surer (``outreads_latin``): read in several views, mostly Arabic
    letters, long enough, and with some confidence and agreement."""
    text = judged_text(read)
    return (
        read.agreement is not None
        and arabic_share(text) >= MIN_ARABIC_SHARE
        and _mostly_letters(text, numbers_as_words=False)
        and read.score >= SECOND_CONFIDENCE
        and read.score + read.agreement >= SECOND_SUM
    )


def words_among_symbols(read: Recognition) -> bool:
    """Whether a reading the letter share refuses is a line of Arabic words among symbols,
    read surely and in agreement, to be kept if the Latin reader is clearly less sure of it
    (``SYMBOLS_*``)."""
    text = judged_text(read)
    characters = sum(1 for ch in text if not ch.isspace())
    in_words = sum(_arabic_word_letters(word) for word in text.split())
    return (
        read.agreement is not None
        and max(read.agreement, read.support or 0.0) >= SYMBOLS_AGREEMENT
        and read.score >= SYMBOLS_CONFIDENCE
        and arabic_share(text) >= MIN_ARABIC_SHARE
        and in_words >= SYMBOLS_LETTERS
        and in_words >= SYMBOLS_SHARE * characters
    )


def _arabic_word_letters(word: str) -> int:
    # the letters of a word written in Arabic script alone (its marks and tatweel allowed,
    # stops and brackets at either end left aside); 0 for anything else or a lone letter
    core = word.strip(".,:;!?()[]{}«»\"'،؛؟")
    if not core or not all(_is_arabic(ch) for ch in core):
        return 0
    letters = sum(1 for ch in core if ch.isalpha())
    return letters if letters >= 2 else 0


def _writes_arabic(text: str) -> bool:
    """Whether ``text`` holds an Arabic letter or digit. Tesseract's Arabic views choose the
    text among more readings than they judge: a fax's word crop judged as Arabic letters came
    back as ``-``, which would have replaced its Latin reading ``coveyncation``."""
    return any(_is_arabic(ch) and (ch.isalpha() or ch.isdigit()) for ch in text)


def _is_arabic(ch: str) -> bool:
    return (
        "\u0600" <= ch <= "\u06ff"
        or "\u0750" <= ch <= "\u077f"
        or "\u08a0" <= ch <= "\u08ff"
        or "\ufb50" <= ch <= "\ufefc"
    )


def _first_score(candidate: Candidate) -> float:
    # A first reading without a letter or digit is no evidence the Arabic reading must beat:
    # PP-OCR read an Arabic line it has no alphabet for as spaces, 0.59 sure.
    return candidate.score if any(ch.isalnum() for ch in candidate.text) else 0.0


def worth_reading_alone(read: Recognition) -> bool:
    """Whether a line the route refused, read among the others of its page (``read``), is
    worth reading again alone, in the recognizer's views: it read as a line of Arabic letters
    (mostly Arabic script, ``_mostly_letters``), at least ``ALONE_CONFIDENCE`` sure."""
    text = judged_text(read)
    return (
        read.score >= ALONE_CONFIDENCE
        and arabic_share(text) >= MIN_ARABIC_SHARE
        and _mostly_letters(text)
    )


def cleared_may_replace(read: Recognition) -> bool:
    """Whether a second reading of a refused crop, its neighbours' pieces cleared, may be
    judged at all: read in views that agree at least ``CLEARED_AGREEMENT``, on a line of
    letters. Junk off English smudges, cleared, passes the other rules as often as it fails."""
    return (
        read.agreement is not None
        and read.agreement >= CLEARED_AGREEMENT
        and _mostly_letters(judged_text(read))
    )


def read_unsurely_among_others(read: Recognition) -> bool:
    """Whether a line's reading, made with the other lines of its page in one call (no views,
    so no ``agreement``), is kept on its confidence alone below ``SURE_CONFIDENCE``: such a line
    is read again alone, in views (``ScriptRoute._judged_alone``). Junk off an English page's
    small vertical label (``PF6`` read ``يد``, 0.65) and a form's smudge (``5 دم``, 0.70)
    passed ``MIN_CONFIDENCE`` so; read alone, their views agreed on nothing (0.0), while the
    Arabic words of a bilingual page read at 0.92-0.96 among the others."""
    return read.agreement is None and read.score < SURE_CONFIDENCE


def outreads_latin(read: Recognition, latin_score: float, margin: float = LATIN_MARGIN) -> bool:
    """Whether the Arabic reading holds its own against the Latin reader's confidence on the
    same crop (an English line the Arabic views misread is read surely in English): the Latin
    reader is not surer by more than ``margin``."""
    return latin_score <= read.score + margin


def _mostly_letters(text: str, numbers_as_words: bool = True, least: int = AGREED_LETTERS) -> bool:
    # A line with a number is no less a line of words: a number of two digits or more standing
    # as a word of its own is left out of the count (``قرأ 193174 الطلاب`` was refused), as are
    # Arabic-Indic digits past one, which come only from the Arabic script model's reading of
    # a number (``arabic_digits``). Digits inside words and lone digits still count against:
    # Latin text upside down reads as Arabic letters among them. The second chance counts
    # such numbers against too (``numbers_as_words=False``): two faxed English lines, unsure
    # in English as well, would have passed it.
    words = " ".join(w for w in text.split() if not (numbers_as_words and NUMBER_WORD.match(w)))
    letters = sum(1 for ch in words if ch.isalpha() or "\u0662" <= ch <= "\u0669")
    characters = sum(1 for ch in words if not ch.isspace())
    return letters >= least and letters >= AGREED_LETTER_SHARE * characters


class ScriptRoute:
    """The Arabic route: re-reads suspect lines with an Arabic recognizer (any
    ``TextRecognizer``), a recognizer-side stage between an engine's lines and the spans it
    returns. ``ScriptRoute.build("tesseract")`` makes the default one."""

    def __init__(self, recognizer: TextRecognizer) -> None:
        self.recognizer = recognizer
        self._page_engines: dict[str, OCREngine | None] = {}
        self._latin: TextRecognizer | None = None
        self._no_latin = False

    def page_reader(self, candidates: list[Candidate]) -> OCREngine | None:
        """For a page that is mostly Arabic, the engine that should read it whole.

        Tesseract's own page layout reads an Arabic page far better than its lines cut out
        one by one (the detector splits Arabic lines at word gaps and misses diacritics):
        when at least ``ARABIC_PAGE_SHARE`` of the page's letters came back Arabic, a
        recognizer that reads whole pages in another language (``for_language``: Tesseract)
        reads the whole page (``ara``, or ``ara+eng`` when Latin lines are there too:
        ``page_language``). Other Arabic recognizers (Qalam) read lines only: None.
        """
        lang = page_language(candidates)
        return None if lang is None else self._page_engine(lang)

    def _page_engine(self, lang: str) -> OCREngine | None:
        """The recognizer's whole-page engine in ``lang``; None where it reads lines only."""
        for_language = getattr(self.recognizer, "for_language", None)
        if for_language is None:
            return None
        if lang not in self._page_engines:
            self._page_engines[lang] = for_language(lang)
        return self._page_engines[lang]

    def __call__(
        self, image: Image.Image, candidates: list[Candidate]
    ) -> list[Candidate] | PageLayout:
        """The stage: ``candidates`` rerouted (``reroute``), or, for a mostly-Arabic page of
        more than one line, the page as its ``page_reader`` reads it whole where that reading
        holds text, its lines (the missed ones put back) left for the expert to put in order.
        An image of one line keeps its routed reading: the route already read the line's
        pieces as one, in the recognizer's crop views.

        The lines a page's reading together leaves to be read alone (``_settle``) cost most of
        the route's time. Rerouting more lines only raises a page's Arabic share, so a page
        whose settled lines already make it an ``ara`` page is read whole first, and only the
        lines its whole reading misses are read alone: the rest would change nothing. And a
        page that looks Arabic before any of that (``likely_page_language``) starts being
        read whole at once, beside the reading of its suspect lines, and that reading is
        taken where the page is read whole in the language guessed (read again otherwise)."""
        ahead = self._read_ahead(image, candidates)
        try:
            return self._route_page(image, candidates, ahead)
        finally:
            if ahead is not None:
                wait([ahead[1]])  # a reading not taken still ends before the next page

    def _read_ahead(
        self, image: Image.Image, candidates: list[Candidate]
    ) -> tuple[str, Future[Any]] | None:
        """The whole-page reading of a page that looks Arabic (``likely_page_language``),
        started apart (``in_background``), with its language; None where the page does not
        look so, there is no core to spare, or the recognizer reads no whole pages."""
        lang = likely_page_language(candidates)
        engine = self._page_engine(lang) if lang is not None and workers() > 1 else None
        if lang is None or engine is None:
            return None
        return lang, in_background(functools.partial(engine.read_page, image))

    def _route_page(
        self,
        image: Image.Image,
        candidates: list[Candidate],
        ahead: tuple[str, Future[Any]] | None,
    ) -> list[Candidate] | PageLayout:
        """The stage's work on a page (``__call__``), with the whole-page reading started
        ahead where there is one."""
        routing = self._read_together(image, candidates)
        if routing is None:
            return candidates
        routed = routing.lines()
        if page_language(routed) != "ara":
            self._settle(routing)
            routed = routing.lines()
        lang = page_language(routed) if len(routed) > 1 else None
        whole = None if lang is None else self._page_engine(lang)
        if whole is not None:
            if ahead is not None and ahead[0] == lang:
                page = ahead[1].result()
            else:
                page = whole.read_page(image)
            if isinstance(page, PageLayout) and page.spans:
                words = [s.box for s in page.spans if s.box is not None]
                missed = {
                    k
                    for k in routing.unsettled
                    if _covered_share(polygon_box(routing.polygons[k]), words) < MISSED_COVER
                }
                self._settle(routing, missed)
                # Tesseract's lines, put in order by the expert: its layout read the left
                # half of an exam's two-sided row (the time allowed) after the lines under it
                return replace(with_missed_lines(page, routing.lines()), in_order=False)
        self._settle(routing)
        return routing.lines()

    def _outreads_latin(
        self, crop: Image.Image, read: Recognition, margin: float = LATIN_MARGIN
    ) -> bool:
        """Whether the Latin reader (the recognizer in ``LATIN_LANG``, where it reads other
        languages) is not surer of ``crop`` than ``read`` by more than ``margin``; False
        without one."""
        for_language = getattr(self.recognizer, "for_language", None)
        if for_language is None or self._no_latin:
            return False
        if self._latin is None:
            try:
                self._latin = for_language(LATIN_LANG)
            except OCREngineError as exc:  # no English data: the first rule alone decides
                warnings.warn(f"Arabic lines get no second reading: {exc}", stacklevel=2)
                self._no_latin = True
                return False
        (latin,) = self._latin.recognize([crop])
        return outreads_latin(read, latin.score, margin)

    def _beats_latin(self, crop: Image.Image, read: Recognition, chance: bool = True) -> bool:
        """A refused reading's second chance (where ``chance``): kept when the Latin reader is
        not clearly surer of the crop; a line of Arabic words among symbols, when the Latin
        reader is clearly less sure of it."""
        if chance and second_chance(read):
            return self._outreads_latin(crop, read)
        return words_among_symbols(read) and self._outreads_latin(
            crop, read, margin=-SYMBOLS_LATIN_MARGIN
        )

    def _keeps(
        self,
        crop: Image.Image,
        read: Recognition,
        before: float,
        doubtful: bool,
        chance: bool = True,
    ) -> bool:
        """Whether ``read`` replaces a first reading as sure as ``before`` (refused by the
        rules, with a second chance against the Latin reader where ``chance``). A doubtful
        one, read surely in Latin letters, gives way only to a sure Arabic reading of which the
        Latin reader is no surer: English crops of real scans read at 0.85-0.95 had Arabic
        readings at most 0.6 sure, three of them passing the rules for suspect lines; the Arabic
        lines read as Latin words were read at 0.79-0.92 in Arabic, 0.14-0.53 in English."""
        judged = judged_text(read)
        if not judged or not _writes_arabic(read.text):
            return False
        if doubtful:
            return (
                arabic_share(judged) >= MIN_ARABIC_SHARE
                and read.score >= SURE_CONFIDENCE
                and self._outreads_latin(crop, read, margin=0.0)
            )
        return accepts(read, before) or self._beats_latin(crop, read, chance=chance)

    def _judged_alone(
        self, crop: Image.Image, read: Recognition, before: float, doubtful: bool
    ) -> Recognition | None:
        """A line whose reading among others (``read``) the route would keep unsurely, read
        alone in the recognizer's views and judged on their evidence: that reading where the
        route keeps it, None where it does not. A recognizer that reads a crop once (no views,
        no ``agreement``) gives ``read`` back as it was."""
        (alone,) = self.recognizer.recognize([crop])
        if alone.agreement is None:
            return read
        return alone if self._keeps(crop, alone, before, doubtful) else None

    def _cleared_reading(
        self, crop: Image.Image, before: float, doubtful: bool
    ) -> Recognition | None:
        """A refused crop read again with the pieces its neighbouring lines left at its top
        and bottom edge cleared (``without_edge_fragments``), where the route keeps that
        reading (``cleared_may_replace`` and the same rules); None where it does not, or
        where there is nothing to clear.

        A line cut out of a page set solid shows the dots and descenders of its neighbours;
        Tesseract's line mode then often reads nothing in any view, the route refuses the
        line, and the same crop read with those pieces cleared is read well."""
        cleared = without_edge_fragments(crop)
        if cleared is None:
            return None
        cleared = cleared.convert("RGB")
        (read,) = self.recognizer.recognize([cleared])
        kept = cleared_may_replace(read) and self._keeps(cleared, read, before, doubtful)
        return read if kept else None

    @classmethod
    def build(
        cls, name: str = "tesseract", options: dict[str, Any] | None = None
    ) -> ScriptRoute | None:
        """The router for recognizer engine ``name``; None, with one warning, when that engine
        cannot run here (the first recognizer's reading is then kept)."""
        from ocr_expert.engines import build_recognizer

        opts = dict(options or {})
        if name == "tesseract":
            opts.setdefault("lang", "ara")
            # an Arabic page it reads whole is one the first engine read, the way it lies
            opts.setdefault("turn", False)
            opts.setdefault("straighten", False)
        try:
            return cls(build_recognizer(name, opts))
        except OCREngineError as exc:
            warnings.warn(f"Arabic lines will not be read: {exc}", stacklevel=3)
            return None

    def config(self) -> dict[str, Any]:
        """The Arabic recognizer's configuration (what changes the routed text)."""
        return self.recognizer.config()

    def reroute(
        self, image: Image.Image, candidates: list[Candidate], one_crop: bool = False
    ) -> list[Candidate]:
        """``candidates`` with each suspect line replaced by its Arabic reading where that
        reading is confident and mostly Arabic. For ``one_crop`` (a line cut out, read on its
        own), a doubtful reading (``is_doubtful``) is offered as well, its leader dots are
        cleared before it is read (``leaders.without_leaders``), and a refused one is read
        again with its neighbours' pieces cleared (``_cleared_reading``): a page's lines are
        cut at the detector's boxes, without their neighbours. A page's lines the reading
        together leaves in doubt are read again alone (``_settle``)."""
        routing = self._read_together(image, candidates, one_crop)
        if routing is None:
            return candidates
        self._settle(routing)
        return routing.lines()

    def _read_together(
        self, image: Image.Image, candidates: list[Candidate], one_crop: bool = False
    ) -> _Routing | None:
        """The suspect lines of ``candidates`` (pieces of one line as one) read in one call
        and judged; a page's lines whose judgement wants a reading alone left unsettled
        (``_Routing``). None where no line is suspect."""
        weak = {i for i, c in enumerate(candidates) if is_suspect(c.text, c.score)}
        suspects = [
            i
            for i, c in enumerate(candidates)
            if i in weak
            or (one_crop and (is_doubtful(c.text, c.score) or reads_too_little(c.text, c.polygon)))
        ]
        if not suspects:
            return None
        # The detector often cuts an Arabic line at its wide word gaps: neighbouring suspect
        # pieces of one line are read as one line, as the Arabic recognizer reads best.
        groups = [
            [suspects[k] for k in g]
            for g in _same_line_groups([candidates[i].polygon for i in suspects])
        ]
        polygons = [_union_polygon([candidates[i].polygon for i in g]) for g in groups]
        crops = [_crop(image, p) for p in polygons]
        if one_crop:
            # a contents line's leaders read as letters would sink its title with them
            crops = [_without_leaders(crop) for crop in crops]
        readings = self.recognizer.recognize(crops)
        routing = _Routing(
            candidates=candidates,
            groups=groups,
            polygons=polygons,
            crops=crops,
            readings=readings,
            befores=[max(_first_score(candidates[i]) for i in group) for group in groups],
            doubts=[not any(i in weak for i in group) for group in groups],
        )
        page = len(crops) > 1
        for k, (crop, read) in enumerate(zip(crops, readings)):
            before, doubtful = routing.befores[k], routing.doubts[k]
            keep = read if self._keeps(crop, read, before, doubtful) else None
            if keep is not None and page and read_unsurely_among_others(read):
                keep = None
                routing.unsure.add(k)
            if keep is None and one_crop:
                keep = self._cleared_reading(crop, before, doubtful)
            routing.kept.append(keep)
        if page:
            routing.unsettled = {k for k, keep in enumerate(routing.kept) if keep is None}
        return routing

    def _settle(self, routing: _Routing, only: set[int] | None = None) -> None:
        """The unsettled lines of ``routing`` (those of ``only``, where given) read alone, in
        the recognizer's crop views, and judged on their evidence.

        A line kept unsurely among the others is kept only where its reading alone is
        (``_judged_alone``). A refused line: one the lines read together gave nothing for,
        on a page with Arabic lines, as a crop is (Tesseract read a page's short bold line,
        ``شهر سبتمبر``, in none of its block, line or page layouts, but alone, raw); one read
        together as a line of Arabic letters (two lines of a typeset lesson, read at 0.47-0.57
        with no views to weigh them, were refused) on the main rules alone: on English pages
        scanned small in black and white, 38 lines' junk passed the second chance (views
        agreeing 0.25-0.5, Tesseract ``eng`` as unsure of them). Lines kept unsurely are
        settled before refused ones, which are read again only where another line is kept."""
        todo = routing.unsettled if only is None else routing.unsettled & only
        for k in sorted(todo & routing.unsure):
            routing.kept[k] = self._judged_alone(
                routing.crops[k], routing.readings[k], routing.befores[k], routing.doubts[k]
            )
        others_kept = any(routing.kept)
        for k in sorted(todo - routing.unsure):
            crop, read = routing.crops[k], routing.readings[k]
            if others_kept and not read.text:
                (alone,) = self.recognizer.recognize([crop])
                if self._keeps(crop, alone, routing.befores[k], routing.doubts[k]):
                    routing.kept[k] = alone
            elif worth_reading_alone(read):
                (alone,) = self.recognizer.recognize([crop])
                if alone.agreement is not None and self._keeps(
                    crop, alone, routing.befores[k], routing.doubts[k], chance=False
                ):
                    routing.kept[k] = alone
        routing.unsettled -= todo


@dataclass
class _Routing:
    """A page's suspect lines read together and judged: per group of pieces of one line, its
    polygon, crop, reading, the first reading's score (``befores``), whether it was only
    doubtful, and the reading kept (None: refused, or not yet settled)."""

    candidates: list[Candidate]
    groups: list[list[int]]
    polygons: list[tuple[Point, ...]]
    crops: list[Image.Image]
    readings: list[Recognition]
    befores: list[float]
    doubts: list[bool]
    kept: list[Recognition | None] = field(default_factory=list)
    #: groups kept among the others too unsurely to stand without a reading alone
    unsure: set[int] = field(default_factory=set)
    #: groups whose reading alone is still to be made (``ScriptRoute._settle``)
    unsettled: set[int] = field(default_factory=set)

    def lines(self) -> list[Candidate]:
        """The candidates with each kept group's reading in place of its pieces (an
        unsettled group stands as refused)."""
        replaced: dict[int, Candidate | None] = {}
        for group, polygon, keep in zip(self.groups, self.polygons, self.kept):
            if keep is not None:
                replaced[group[0]] = Candidate(polygon, keep.text, keep.score, rerouted=True)
                for i in group[1:]:
                    replaced[i] = None
        out = []
        for i, cand in enumerate(self.candidates):
            new = replaced.get(i, cand)
            if new is not None:
                out.append(new)
        return out


def page_language(candidates: list[Candidate]) -> str | None:
    """The language a page of routed ``candidates`` is read whole in: None where less than
    ``ARABIC_PAGE_SHARE`` of its letters came back Arabic (or none was rerouted), ``ara``
    where more than ``ARABIC_ONLY_SHARE`` did, ``ara+eng`` between. Every letter of a rerouted
    line counts as Arabic; rerouting one more line can only raise the share."""
    if not any(c.rerouted for c in candidates):
        return None
    letters = sum(1 for c in candidates for ch in c.text if ch.isalpha())
    arabic = sum(1 for c in candidates if c.rerouted for ch in c.text if ch.isalpha())
    if not letters or arabic / letters < ARABIC_PAGE_SHARE:
        return None
    return "ara" if arabic / letters > ARABIC_ONLY_SHARE else "ara+eng"


def likely_page_language(candidates: list[Candidate]) -> str | None:
    """The language a page of first readings ``candidates`` looks to be read whole in, before
    its suspect lines are read: ``ara`` or ``ara+eng`` where its suspect lines look like Arabic
    to a recognizer without an Arabic alphabet (``AHEAD_*``), None otherwise. A guess, to start
    reading early: ``page_language`` decides."""
    suspect = [c for c in candidates if is_suspect(c.text, c.score)]
    if len(suspect) < AHEAD_LINES:
        return None
    width = sum(_width(c) for c in candidates)
    share = sum(_width(c) for c in suspect) / width if width > 0 else 0.0
    letters = sum(1 for c in suspect for ch in c.text if ch.isalpha()) / len(suspect)
    if share < AHEAD_WIDTH or letters >= AHEAD_LETTERS:
        return None
    return "ara" if share > AHEAD_ARA_WIDTH else "ara+eng"


def _width(candidate: Candidate) -> float:
    x0, _, x1, _ = polygon_box(candidate.polygon)
    return x1 - x0


class ScriptRoutedEngine(OCREngine):
    """Any engine with its reading passed through a ``ScriptRoute``.

    A page's spans that have boxes go through the route as lines (an engine's own layout
    gives way to the expert's reading order where a line was re-read); a crop's text goes
    through it as one line. The engine keeps its name; its configuration gains ``arabic``,
    the route's, so routed and unrouted readings are cached apart.
    """

    def __init__(self, engine: OCREngine, route: ScriptRoute) -> None:
        if engine.takes_tokens:
            raise OCREngineError(f"{engine.name!r} reads no image: there are no lines to route")
        if engine.config().get("arabic"):
            raise OCREngineError(
                f"{engine.name!r} routes Arabic lines itself: set its own arabic option instead"
            )
        self.engine = engine
        self.route = route
        self.name = engine.name  # type: ignore[misc]
        self.language = f"{engine.language}+ara" if engine.language else "ara"
        self.batch_size = engine.batch_size
        self.cacheable = engine.cacheable  # type: ignore[misc]
        self.lines_in_order = engine.lines_in_order  # type: ignore[misc]
        self.uses_torch = engine.uses_torch  # type: ignore[misc]

    def config(self) -> dict[str, Any]:
        return {**self.engine.config(), "arabic": self.route.config()}

    def read_batch(
        self, images: Sequence[Image.Image], mode: ReadMode = "page"
    ) -> list[list[Span] | PageLayout]:
        found = self.engine.read_batch(images, mode=mode)
        if mode == "page":
            return [self._route_page(image, f) for image, f in zip(images, found)]
        return [self._route_crop(image, f) for image, f in zip(images, found)]

    def read_page(self, image: Image.Image) -> list[Span] | PageLayout:
        return self.read_batch([image], mode="page")[0]

    def read_crop(self, image: Image.Image) -> list[Span]:
        return self.read_batch([image], mode="crop")[0]  # type: ignore[return-value]

    def read_line(self, image: Image.Image) -> list[Span]:
        return self.read_batch([image], mode="line")[0]  # type: ignore[return-value]

    def read_word(self, image: Image.Image) -> list[Span]:
        return self.read_batch([image], mode="word")[0]  # type: ignore[return-value]

    def _route_page(
        self, image: Image.Image, found: list[Span] | PageLayout
    ) -> list[Span] | PageLayout:
        spans = found.spans if isinstance(found, PageLayout) else found
        boxed = [s for s in spans if s.box is not None]  # a line without a box has no crop
        candidates = [Candidate(s.polygon or _box_polygon(s.box), s.text, s.score) for s in boxed]
        routed = self.route(image, candidates)
        if isinstance(routed, PageLayout):
            return routed
        if not any(c.rerouted for c in routed):
            return found
        kept = {id(c): s for c, s in zip(candidates, boxed)}
        unboxed = [s for s in spans if s.box is None]
        return unboxed + [kept.get(id(c)) or _routed_span(c) for c in routed]

    def _route_crop(self, image: Image.Image, found: list[Span] | PageLayout) -> list[Span]:
        spans = found.spans if isinstance(found, PageLayout) else found
        box = (0.0, 0.0, float(image.width), float(image.height))
        text = " ".join(s.text for s in spans)
        score = min((s.score for s in spans), default=0.0)
        (line,) = self.route.reroute(
            image, [Candidate(_box_polygon(box), text, score)], one_crop=True
        )
        return [Span(text=line.text, box=box, score=line.score)] if line.rerouted else spans


def _same_line_groups(polygons: list[tuple[Point, ...]]) -> list[list[int]]:
    """Indices of polygons grouped into lines: pieces that overlap vertically by half their
    height and are at most two heights apart join one line."""
    boxes = [polygon_box(p) for p in polygons]
    parent = list(range(len(boxes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            overlap = min(a[3], b[3]) - max(a[1], b[1])
            height = min(a[3] - a[1], b[3] - b[1])
            gap = max(b[0] - a[2], a[0] - b[2], 0.0)
            if overlap >= 0.5 * height and gap <= 2.0 * max(a[3] - a[1], b[3] - b[1]):
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _box_polygon(box: Any) -> tuple[Point, ...]:
    x0, y0, x1, y1 = box
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def _routed_span(line: Candidate) -> Span:
    return Span(
        text=line.text.strip(),
        box=polygon_box(line.polygon),
        score=line.score,
        polygon=line.polygon,
    )


def _union_polygon(polygons: list[tuple[Point, ...]]) -> tuple[Point, ...]:
    if len(polygons) == 1:
        return polygons[0]
    return _box_polygon(union_box([polygon_box(p) for p in polygons]))


def _without_leaders(crop: Image.Image) -> Image.Image:
    cleared = without_leaders(crop)
    return crop if cleared is None else cleared.convert("RGB")


def _crop(image: Image.Image, polygon: tuple[Point, ...]) -> Image.Image:
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    pad = PADDING * (max(ys) - min(ys))
    box = (
        max(0, int(min(xs) - pad)),
        max(0, int(min(ys) - pad)),
        min(image.width, int(max(xs) + pad + 1)),
        min(image.height, int(max(ys) + pad + 1)),
    )
    return image.crop(box)


def with_missed_lines(page: PageLayout, lines: list[Candidate]) -> PageLayout:
    """``page``, a whole-page reading, with each of the detector's ``lines`` it holds
    nothing of put back in reading order: a line the route read in Arabic, or one the first
    recognizer read surely (``is_suspect`` no more).

    Tesseract's page layout leaves out a short bold line now and then (``شهر سبتمبر`` on a
    clean bilingual page, in ``ara`` and ``ara+eng`` alike) that the detector found and the
    route read. A line lies missed where the page's words cover less than ``MISSED_COVER`` of
    its width. It goes first where it lies above them all (a title); where it stands alone
    on its row between two of the page's lines read one after the other, the first above it
    and the second below (a display equation centred under a short line set right), between
    them; else before the first of the page's lines below it whose block (a column, a
    paragraph) it overlaps across, in that block (lines of one column aligned left and right
    share their block); last, in a block of its own, where there is none.
    """
    spans, order, blocks = list(page.spans), [list(x) for x in page.lines], list(page.blocks)
    own_rows = [b for x in page.lines if (b := spans_box(page.spans, x)) is not None]

    words = [s.box for s in spans if s.box is not None]
    for line in lines:
        text = line.text.strip()
        if not text or not (line.rerouted or not is_suspect(text, line.score)):
            continue
        box = polygon_box(line.polygon)
        if _covered_share(box, words) >= MISSED_COVER:
            continue
        line_boxes = [spans_box(spans, other) for other in order]
        block_boxes = {
            b: spans_box(spans, [i for other, ob in zip(order, blocks) if ob == b for i in other])
            for b in set(blocks)
        }
        middle = (box[1] + box[3]) / 2
        tops = [b[1] for b in line_boxes if b is not None]
        if tops and min(tops) >= middle:  # above them all: a title
            at: int | None = 0
        else:
            own = [bool(other) and other[0] < len(page.spans) for other in order]
            at = _between_lines(box, line_boxes, own, own_rows)
        for k, below in enumerate(line_boxes if at is None else []):
            column = block_boxes[blocks[k]]
            if below is None or column is None or below[1] < middle:
                continue
            if min(column[2], box[2]) > max(column[0], box[0]):
                at = k
                break
        at = len(order) if at is None else at
        blocks.insert(at, blocks[at] if at < len(order) else max(blocks, default=-1) + 1)
        spans.append(Span(text=text, box=box, score=line.score, polygon=line.polygon))
        order.insert(at, [len(spans) - 1])
        words.append(box)  # a second detected piece of the same line is not put back twice
    return PageLayout(spans=spans, lines=order, blocks=blocks)


def _same_row(a: Any, b: Any) -> bool:
    """Whether boxes ``a`` and ``b`` overlap by half the lower one's height."""
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap >= 0.5 * min(a[3] - a[1], b[3] - b[1])


def _between_lines(
    box: Any, line_boxes: list[Any], own: list[bool], own_rows: list[Any]
) -> int | None:
    """Where a missed line's ``box`` goes when it stands alone on its row (no box of the
    page's own lines, ``own_rows``, on it): before the first of the page's own lines
    (``own``, lines put back before are passed over) that starts below its middle right
    after an own line that ends above it. None where it shares its row or lies between no
    such two."""
    if any(_same_row(box, row) for row in own_rows):
        return None
    middle = (box[1] + box[3]) / 2
    above = None
    for k, (line, is_own) in enumerate(zip(line_boxes, own)):
        if not is_own or line is None:
            continue
        if above is not None and above[3] <= middle <= line[1]:
            return k
        above = line
    return None


def _covered_share(box: Any, boxes: list[Any]) -> float:
    """The share of ``box``'s width that ``boxes`` lying on its line (overlapping it by half
    the lower one's height) cover."""
    x0, _, x1, _ = box
    spans = []
    for b in boxes:
        if _same_row(box, b) and min(b[2], x1) > max(b[0], x0):
            spans.append((max(b[0], x0), min(b[2], x1)))
    covered, end = 0.0, x0
    for a, b in sorted(spans):
        if b > end:
            covered += b - max(a, end)
            end = b
    return covered / max(1.0, x1 - x0)
