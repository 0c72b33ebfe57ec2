"""Scoring OCR output against ground truth: CER, WER and word accuracy.

Definitions (the ones OCR papers and toolkits use):

- CER: character edit distance (Levenshtein) divided by the reference's length in characters.
- WER: the same on whitespace-separated words.
- Word accuracy: the share of samples whose prediction equals the reference exactly, after
  normalization. With the ``"str"`` preset this is the scene-text-recognition benchmarks'
  word accuracy (IIIT5K, SVT, IC13, IC15, SVTP, CUTE80 as scored by PARSeq and the works that
  follow it): whitespace removed, Unicode folded to ASCII, lower-cased, everything outside
  ``0-9a-z`` dropped, then exact match.

Corpus-level rates sum the edits of all samples and divide by the summed reference lengths
(as ``jiwer`` and ``evaluate``'s ``cer``/``wer`` do), so long samples weigh more than short ones.
An empty reference has rate 0 when the prediction is empty too and 1 otherwise; at corpus
level its insertions still count as edits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rapidfuzz.distance import Levenshtein

from ocrvqa.files import read_jsonl

if TYPE_CHECKING:
    from ocr_expert.expert import Mode

# --- Arabic character classes -------------------------------------------------------------
# Harakat (fathatan .. sukun), the other combining marks of the Arabic block (maddah, hamza
# above/below, small vowels), the superscript (dagger) alef, and the Quranic annotation marks.
_ARABIC_DIACRITICS = (
    "\u0610-\u061a"  # Quranic honorifics and small marks above/below
    "\u064b-\u065f"  # fathatan, dammatan, kasratan, fatha, damma, kasra, shadda, sukun, ...
    "\u0670"  # superscript alef
    "\u06d6-\u06dc"  # Quranic small high ligatures and marks
    "\u06df-\u06e4"  # Quranic small high rounded zero .. small high madda
    "\u06e7-\u06e8"  # small high yeh, small high noon
    "\u06ea-\u06ed"  # Quranic empty centre stops, small low meem
)
_DIACRITICS_RE = re.compile(f"[{_ARABIC_DIACRITICS}]")
_TATWEEL = "\u0640"
# أ إ آ ٱ and the rarer wavy-hamza alefs all become a bare alef ا.
_ALEF_TABLE = str.maketrans({c: "\u0627" for c in "\u0622\u0623\u0625\u0671\u0672\u0673"})
# Alef maksura ى and the Persian yeh ی (same glyph in Arabic text) become yeh ي.
_YEH_TABLE = str.maketrans({"\u0649": "\u064a", "\u06cc": "\u064a"})
_TEH_MARBUTA_TABLE = str.maketrans({"\u0629": "\u0647"})
_LEADERS_RE = re.compile(r"[ \t]*(?:\.[ \t]*){3,}")
_NOT_ALNUM_RE = re.compile(r"[^0-9a-z]")


@dataclass(frozen=True)
class Normalization:
    """What to fold away before comparing a prediction with its reference.

    Steps run in this order: NFKC, Arabic folding (diacritics, tatweel, alef, yeh, teh
    marbuta), case folding, dot leaders, punctuation stripping, whitespace collapsing; the
    scene-text ``alphanumeric`` filter replaces them all (it implies all it needs).
    """

    nfkc: bool = False
    casefold: bool = False
    collapse_whitespace: bool = False
    strip_punctuation: bool = False
    remove_diacritics: bool = False
    remove_tatweel: bool = False
    unify_alef: bool = False
    unify_yeh: bool = False
    teh_marbuta_to_heh: bool = False
    #: dot leaders (three or more full stops in a row, spaced or not) dropped: a contents or
    #: index page's leaders are dots no two readers (nor a PDF's text layer) count alike
    drop_leaders: bool = False
    #: scene-text recognition scoring: drop whitespace, fold to ASCII, lower-case, keep 0-9a-z
    alphanumeric: bool = False
    name: str = "custom"

    @classmethod
    def preset(cls, name: str) -> Normalization:
        """One of ``PRESETS``: "none", "default", "caseless", "arabic", "str"."""
        try:
            return PRESETS[name]
        except KeyError:
            raise ValueError(
                f"unknown normalization preset {name!r}: choose one of {', '.join(PRESETS)}"
            ) from None

    def with_options(self, **options: bool) -> Normalization:
        """A copy with some steps switched on or off (named ``custom``)."""
        known = {f.name for f in fields(self)} - {"name"}
        unknown = set(options) - known
        if unknown:
            raise ValueError(
                f"unknown normalization option(s) {sorted(unknown)}: choose from {sorted(known)}"
            )
        return replace(self, name="custom", **options)

    def __call__(self, text: str) -> str:
        return normalize_text(text, self)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Case-sensitive, as OCR CER is usually reported; compatibility forms and spacing folded.
_DEFAULT = Normalization(nfkc=True, collapse_whitespace=True, name="default")

PRESETS: dict[str, Normalization] = {
    # Strings compared exactly as given.
    "none": Normalization(name="none"),
    "default": _DEFAULT,
    # The same, case-folded: English pages and signs, whose capitals engines read either way.
    "caseless": replace(_DEFAULT, casefold=True, name="caseless"),
    # The same for Arabic OCR (Qalam-style WER/CER), with the spelling variants a reader
    # treats as the same word folded too.
    "arabic": replace(
        _DEFAULT,
        remove_diacritics=True,
        remove_tatweel=True,
        unify_alef=True,
        unify_yeh=True,
        name="arabic",
    ),
    # Scene-text recognition benchmarks (36-character, case-insensitive alphanumeric).
    "str": Normalization(alphanumeric=True, name="str"),
}

NormalizationLike = Normalization | str | None


def resolve_normalization(normalization: NormalizationLike) -> Normalization:
    """A ``Normalization`` from an instance, a preset name, or None (the "default" preset)."""
    if normalization is None:
        return PRESETS["default"]
    if isinstance(normalization, Normalization):
        return normalization
    if isinstance(normalization, str):
        return Normalization.preset(normalization)
    raise TypeError(
        f"normalization must be a Normalization or a preset name, not {normalization!r}"
    )


def normalize_text(text: str, norm: Normalization) -> str:
    """Apply ``norm`` to ``text`` (see ``Normalization`` for the order of the steps)."""
    if norm.alphanumeric:
        # As the STR benchmarks prepare labels: no whitespace, compatible ASCII, 0-9a-z only.
        text = "".join(text.split())
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return _NOT_ALNUM_RE.sub("", text.lower())
    if norm.nfkc:
        text = unicodedata.normalize("NFKC", text)
    if norm.remove_diacritics:
        # Compose first, so hamza and madda written as combining marks stay on their letters.
        text = _DIACRITICS_RE.sub("", unicodedata.normalize("NFC", text))
    if norm.remove_tatweel:
        text = text.replace(_TATWEEL, "")
    if norm.unify_alef:
        text = text.translate(_ALEF_TABLE)
    if norm.unify_yeh:
        text = text.translate(_YEH_TABLE)
    if norm.teh_marbuta_to_heh:
        text = text.translate(_TEH_MARBUTA_TABLE)
    if norm.casefold:
        text = text.casefold()
    if norm.drop_leaders:
        text = _LEADERS_RE.sub(" ", text)
    if norm.strip_punctuation:
        text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
    if norm.collapse_whitespace:
        text = " ".join(text.split())
    return text


# --- per-pair measures ----------------------------------------------------------------------


def _rate(edits: int, length: int) -> float:
    if length:
        return edits / length
    return 0.0 if edits == 0 else 1.0


def cer(prediction: str, reference: str, normalization: NormalizationLike = None) -> float:
    """Character error rate of one prediction (0 is perfect; can exceed 1 on insertions)."""
    return score_sample(prediction, reference, normalization).cer


def wer(prediction: str, reference: str, normalization: NormalizationLike = None) -> float:
    """Word error rate of one prediction (0 is perfect; can exceed 1 on insertions)."""
    return score_sample(prediction, reference, normalization).wer


def word_accuracy(
    prediction: str, reference: str, normalization: NormalizationLike = "str"
) -> float:
    """1.0 when the prediction equals the reference after normalization, else 0.0.

    The default, ``"str"``, is the scene-text recognition benchmarks' definition.
    """
    norm = resolve_normalization(normalization)
    return float(norm(prediction) == norm(reference))


# --- corpus level ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleScore:
    """How one sample scored; ``error`` is set (counts zero) when it could not be read."""

    index: int
    prediction: str
    reference: str
    char_edits: int = 0
    ref_chars: int = 0
    word_edits: int = 0
    ref_words: int = 0
    correct: bool = False
    image: str | None = None
    error: str | None = None

    @property
    def cer(self) -> float:
        return _rate(self.char_edits, self.ref_chars)

    @property
    def wer(self) -> float:
        return _rate(self.word_edits, self.ref_words)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.error is None:
            data.update(cer=self.cer, wer=self.wer)
        return data


@dataclass(frozen=True)
class ScoreReport:
    """Corpus-level scores over the samples that were read; failed samples are counted apart."""

    cer: float
    wer: float
    word_accuracy: float
    n: int
    per_sample: tuple[SampleScore, ...]
    n_errors: int = 0
    normalization: Normalization = field(default_factory=lambda: PRESETS["default"])

    def to_dict(self, per_sample: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "cer": self.cer,
            "wer": self.wer,
            "word_accuracy": self.word_accuracy,
            "n": self.n,
            "n_errors": self.n_errors,
            "normalization": self.normalization.to_dict(),
        }
        if per_sample:
            data["per_sample"] = [s.to_dict() for s in self.per_sample]
        return data

    def summary(self) -> str:
        """One line a person reads: the three scores and the sample counts."""
        text = (
            f"CER {100 * self.cer:.2f}%  WER {100 * self.wer:.2f}%  "
            f"word accuracy {100 * self.word_accuracy:.2f}%  "
            f"(n={self.n}, normalization={self.normalization.name})"
        )
        if self.n_errors:
            text += f"  [{self.n_errors} sample(s) failed and are not scored]"
        return text


def score_sample(
    prediction: str,
    reference: str,
    normalization: NormalizationLike = None,
    index: int = 0,
    image: str | None = None,
) -> SampleScore:
    """Edits and exact match of one (prediction, reference) pair."""
    norm = resolve_normalization(normalization)
    pred, ref = norm(prediction), norm(reference)
    pred_words, ref_words = pred.split(), ref.split()
    return SampleScore(
        index=index,
        prediction=prediction,
        reference=reference,
        char_edits=Levenshtein.distance(pred, ref),
        ref_chars=len(ref),
        word_edits=Levenshtein.distance(pred_words, ref_words),
        ref_words=len(ref_words),
        correct=pred == ref,
        image=image,
    )


def aggregate(
    samples: Iterable[SampleScore], normalization: NormalizationLike = None
) -> ScoreReport:
    """Corpus-level CER/WER (summed edits over summed lengths) and word accuracy."""
    samples = tuple(samples)
    scored = [s for s in samples if s.error is None]
    n = len(scored)
    return ScoreReport(
        cer=_rate(sum(s.char_edits for s in scored), sum(s.ref_chars for s in scored)),
        wer=_rate(sum(s.word_edits for s in scored), sum(s.ref_words for s in scored)),
        word_accuracy=sum(s.correct for s in scored) / n if n else 0.0,
        n=n,
        per_sample=samples,
        n_errors=len(samples) - n,
        normalization=resolve_normalization(normalization),
    )


def score_corpus(
    pairs: Iterable[tuple[str, str]], normalization: NormalizationLike = None
) -> ScoreReport:
    """Score (prediction, reference) pairs as one corpus."""
    norm = resolve_normalization(normalization)
    return aggregate(
        (score_sample(pred, ref, norm, index=i) for i, (pred, ref) in enumerate(pairs)), norm
    )


# --- labelled images ------------------------------------------------------------------------


class _Reader(Protocol):
    def read(self, image: Any, *, mode: Mode) -> Any: ...


@dataclass(frozen=True)
class LabelledImage:
    """One line of a labels file: an image and the text it holds."""

    image: Path
    text: str
    line: int
    #: the whole line as parsed, for fields a caller adds to the labels (``kind``, ``lang``)
    record: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def read_labels(labels_jsonl_path: str | Path) -> list[LabelledImage]:
    """Parse a labels file: one JSON object per line with ``image`` and ``text``.

    ``image`` is relative to the labels file's folder (or absolute). Blank lines are skipped;
    a malformed line raises ``ValueError`` naming the file and line number.
    """
    path = Path(labels_jsonl_path)
    if not path.is_file():
        raise ValueError(f"labels file not found: {path}")
    return [
        LabelledImage(
            image=path.parent / record["image"], text=record["text"], line=number, record=record
        )
        for number, record in read_jsonl(path, check=lambda r: _label_problem(r) or "")
    ]


def _label_problem(record: Any) -> str | None:
    """What is wrong with one parsed line of a labels file, or None."""
    if not isinstance(record, dict):
        return "expected a JSON object with 'image' and 'text'"
    if not isinstance(record.get("image"), str) or not record["image"]:
        return "field 'image' (a path) is missing or not a string"
    if not isinstance(record.get("text"), str):
        return "field 'text' (the ground truth) is missing or not a string"
    return None


def score_labels(
    labels_jsonl_path: str | Path,
    expert: _Reader,
    mode: Mode = "auto",
    normalization: NormalizationLike = None,
    limit: int | None = None,
    progress: bool = False,
) -> ScoreReport:
    """Read every labelled image with ``expert`` and score ``result.text`` against its label.

    A sample whose image cannot be read (missing, corrupt, ...) becomes a per-sample entry
    with ``error`` set and is left out of the corpus scores; ``report.n_errors`` counts them.
    Engine failures (``OCREngineError``) are not per-sample and propagate.
    """
    from ocr_expert.image_io import ImageInputError

    norm = resolve_normalization(normalization)
    items = read_labels(labels_jsonl_path)
    if limit is not None:
        items = items[:limit]
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(items, desc="ocr-score", unit="img")
    samples: list[SampleScore] = []
    for index, item in enumerate(items):
        try:
            result = expert.read(str(item.image), mode=mode)
        except ImageInputError as exc:
            samples.append(
                SampleScore(
                    index=index,
                    prediction="",
                    reference=item.text,
                    image=str(item.image),
                    error=str(exc),
                )
            )
            continue
        samples.append(
            score_sample(result.text, item.text, norm, index=index, image=str(item.image))
        )
    return aggregate(samples, norm)
