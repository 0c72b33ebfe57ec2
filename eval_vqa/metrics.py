"""Per-sample VQA metrics that reproduce the official evaluators digit for digit.

Every public metric takes one prediction and the list of ground-truth answers of one
question and returns a float in [0, 1]; a benchmark score is the mean over questions.

- ``anls``: the DocVQA / InfographicVQA evaluator of the Robust Reading Competition
  (``infographicsvqa_eval.py``, also shipped with Qwen-VL's evaluation scripts).
- ``vqa_accuracy``: mmf's m4c ``TextVQAAccuracyEvaluator`` with its ``EvalAIAnswerProcessor``
  (10 answers); questions with another number of answers use mmf's ST-VQA accuracy.
- ``relaxed_accuracy``: ChartQA's relaxed correctness as written in pix2struct's metrics,
  with the 5 % measured against the ground truth.
- ``exact_match``: the exact-match accuracy of Qwen-VL's ``evaluate_vqa.py`` (OCR-VQA).

The quirks of those implementations are kept on purpose and named where they occur.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from ocrvqa.registry import Registry

__all__ = [
    "METRICS",
    "anls",
    "exact_match",
    "get_metric",
    "normalize_answer",
    "relaxed_accuracy",
    "stvqa_accuracy",
    "textvqa_accuracy",
    "vqa_accuracy",
]


def _check(prediction: str, answers: Sequence[str], metric: str) -> list[str]:
    """Validate the common arguments; a bare string for ``answers`` is one answer."""
    if not isinstance(prediction, str):
        raise TypeError(f"{metric}: prediction must be a str, got {type(prediction).__name__}")
    if isinstance(answers, str):
        answers = [answers]
    answers = list(answers)
    if not answers:
        raise ValueError(f"{metric}: answers is empty; a question needs at least one ground truth")
    for a in answers:
        if not isinstance(a, str):
            raise TypeError(f"{metric}: every answer must be a str, got {a!r}")
    return answers


# --------------------------------------------------------------------------------------
# ANLS (DocVQA / InfographicVQA evaluator)
# --------------------------------------------------------------------------------------


def _collapse(text: str) -> str:
    """The evaluator's preprocessing for the edit distance: strip, lower-case, one space."""
    return " ".join(text.strip().lower().split())


@lru_cache(maxsize=1 << 16)
def _anls_form(answer: str) -> tuple[str, int]:
    """A ground-truth answer as ANLS compares it (collapsed) and measures it (upper-cased
    length), worked out once for every variant's prediction."""
    return _collapse(answer), len(answer.upper())


def anls(prediction: str, answers: Sequence[str], threshold: float = 0.5) -> float:
    """Average Normalized Levenshtein Similarity of one prediction.

    As the official evaluator computes it: the edit distance is taken between the
    lower-cased, whitespace-collapsed strings, but divided by the longer of the *raw*
    strings (measured after ``.upper()``, which can lengthen a few characters such as
    ``ß``). The similarity is 1 minus the smallest normalized distance over the answers,
    and a similarity below ``threshold`` scores 0 (exactly ``threshold`` is kept).
    """
    answers = _check(prediction, answers, "anls")
    det = _collapse(prediction)
    pred_length = len(prediction.upper())
    values = []
    for answer in answers:
        collapsed, answer_length = _anls_form(answer)
        dist = Levenshtein.distance(collapsed, det)
        length = max(answer_length, pred_length)
        values.append(0.0 if length == 0 else float(dist) / float(length))
    result = 1 - min(values)
    return 0.0 if result < threshold else float(result)


# --------------------------------------------------------------------------------------
# EvalAI answer processing (mmf m4c_evaluators.EvalAIAnswerProcessor)
# --------------------------------------------------------------------------------------

# Written as "key=value" pairs. The table is mmf's, including its oddities: keys with
# capitals ("Im", "Ive", "Id've") can never match lower-cased text, and
# "somebody'd" maps to "somebodyd".
_CONTRACTION_PAIRS = """
aint=ain't arent=aren't cant=can't couldve=could've couldnt=couldn't
couldn'tve=couldn't've couldnt've=couldn't've didnt=didn't doesnt=doesn't dont=don't
hadnt=hadn't hadnt've=hadn't've hadn'tve=hadn't've hasnt=hasn't havent=haven't hed=he'd
hed've=he'd've he'dve=he'd've hes=he's howd=how'd howll=how'll hows=how's Id've=I'd've
I'dve=I'd've Im=I'm Ive=I've isnt=isn't itd=it'd itd've=it'd've it'dve=it'd've itll=it'll
let's=let's maam=ma'am mightnt=mightn't mightnt've=mightn't've mightn'tve=mightn't've
mightve=might've mustnt=mustn't mustve=must've neednt=needn't notve=not've oclock=o'clock
oughtnt=oughtn't ow's'at='ow's'at 'ows'at='ow's'at 'ow'sat='ow's'at shant=shan't
shed've=she'd've she'dve=she'd've she's=she's shouldve=should've shouldnt=shouldn't
shouldnt've=shouldn't've shouldn'tve=shouldn't've somebody'd=somebodyd
somebodyd've=somebody'd've somebody'dve=somebody'd've somebodyll=somebody'll
somebodys=somebody's someoned=someone'd someoned've=someone'd've someone'dve=someone'd've
someonell=someone'll someones=someone's somethingd=something'd
somethingd've=something'd've something'dve=something'd've somethingll=something'll
thats=that's thered=there'd thered've=there'd've there'dve=there'd've therere=there're
theres=there's theyd=they'd theyd've=they'd've they'dve=they'd've theyll=they'll
theyre=they're theyve=they've twas='twas wasnt=wasn't wed've=we'd've we'dve=we'd've
weve=we've werent=weren't whatll=what'll whatre=what're whats=what's whatve=what've
whens=when's whered=where'd wheres=where's whereve=where've whod=who'd whod've=who'd've
who'dve=who'd've wholl=who'll whos=who's whove=who've whyll=why'll whyre=why're whys=why's
wont=won't wouldve=would've wouldnt=wouldn't wouldnt've=wouldn't've wouldn'tve=wouldn't've
yall=y'all yall'll=y'all'll y'allll=y'all'll yall'd've=y'all'd've y'alld've=y'all'd've
y'all'dve=y'all'd've youd=you'd youd've=you'd've you'dve=you'd've youll=you'll
youre=you're youve=you've
"""
CONTRACTIONS: dict[str, str] = dict(pair.split("=", 1) for pair in _CONTRACTION_PAIRS.split())

NUMBER_WORDS: dict[str, str] = {
    word: str(i)
    for i, word in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
}
NUMBER_WORDS["none"] = "0"

ARTICLES = frozenset({"a", "an", "the"})

# mmf's list. It lacks the apostrophe, colon, asterisk and others that the VQA v2
# evaluator strips; those characters survive here, as they do in mmf.
_PUNCTUATION = [";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-",
                ">", "<", "@", "`", ",", "?", "!"]  # fmt: skip

# The pattern in mmf reads "(?!<=\d)" -- a look-ahead for the literal "<=" and a digit, not
# the intended look-behind -- so every period not followed by a digit is removed, "1." too.
_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")
_COMMA_STRIP = re.compile(r"(?<=\d)(\,)+(?=\d)")
# mmf calls ``PERIOD_STRIP.sub("", text, re.UNICODE)``: the third positional argument of
# ``Pattern.sub`` is ``count``, so at most int(re.UNICODE) == 32 periods are removed.
_PERIOD_STRIP_COUNT = int(re.UNICODE)


def _process_punctuation(text: str) -> str:
    out = text
    # Every test looks at the text as it entered, not at the running result.
    comma_between_digits = _COMMA_STRIP.search(text) is not None
    for p in _PUNCTUATION:
        if (p + " " in text or " " + p in text) or comma_between_digits:
            out = out.replace(p, "")
        else:
            out = out.replace(p, " ")
    return _PERIOD_STRIP.sub("", out, _PERIOD_STRIP_COUNT)


def _process_digit_article(text: str) -> str:
    words = [NUMBER_WORDS.get(w, w) for w in text.lower().split()]
    words = [w for w in words if w not in ARTICLES]
    return " ".join(CONTRACTIONS.get(w, w) for w in words)


# every variant's prediction is scored against the same ground-truth answers: each
# answer's normal form is worked out once, not once per variant
@lru_cache(maxsize=1 << 16)
def normalize_answer(text: str) -> str:
    """EvalAI answer processing exactly as mmf's ``EvalAIAnswerProcessor`` applies it.

    Lower-cases; drops commas and question marks; splits off "'s"; turns newlines and tabs
    into spaces; removes or blanks punctuation; removes periods not followed by a digit;
    maps number words ("two" -> "2", "none" -> "0"); drops articles; restores apostrophes
    of contractions ("dont" -> "don't").
    """
    text = text.lower().replace(",", "").replace("?", "").replace("'s", " 's").strip()
    text = text.replace("\n", " ").replace("\t", " ").strip()
    return _process_digit_article(_process_punctuation(text))


# --------------------------------------------------------------------------------------
# VQA accuracy (mmf m4c TextVQAAccuracyEvaluator / STVQAAccuracyEvaluator)
# --------------------------------------------------------------------------------------


def textvqa_accuracy(prediction: str, answers: Sequence[str]) -> float:
    """TextVQA's soft accuracy, as mmf's ``TextVQAAccuracyEvaluator`` scores one question.

    Prediction and the 10 human answers go through :func:`normalize_answer`. Each of the
    10 leave-one-out subsets of 9 answers gives ``min(1, matches / 3)``; the score is the
    mean over the 10 subsets. mmf asserts exactly 10 answers; so does this function
    (``ValueError`` otherwise).
    """
    answers = _check(prediction, answers, "textvqa_accuracy")
    if len(answers) != 10:
        raise ValueError(
            f"textvqa_accuracy: needs exactly 10 answers (mmf asserts it), got {len(answers)};"
            " use vqa_accuracy, which scores other counts with the ST-VQA rule"
        )
    processed = [normalize_answer(a) for a in answers]
    pred = normalize_answer(prediction)
    if pred not in processed:
        return 0.0
    accs = []
    for left_out in range(len(processed)):
        matches = sum(1 for j, a in enumerate(processed) if j != left_out and a == pred)
        accs.append(min(1, float(matches) / 3))
    return sum(accs) / len(accs)


def stvqa_accuracy(prediction: str, answers: Sequence[str]) -> float:
    """ST-VQA accuracy as mmf's ``STVQAAccuracyEvaluator``: 1.0 when the normalized
    prediction equals any normalized answer, else 0.0."""
    answers = _check(prediction, answers, "stvqa_accuracy")
    pred = normalize_answer(prediction)
    return 1.0 if pred in [normalize_answer(a) for a in answers] else 0.0


def vqa_accuracy(prediction: str, answers: Sequence[str]) -> float:
    """VQA accuracy with the EvalAI normalization.

    With 10 answers (TextVQA, VQA-style data) this is :func:`textvqa_accuracy`, digit for
    digit. mmf refuses any other count; rather than fail a run, a question with another
    number of answers (ST-VQA has 1 to 3) is scored by mmf's ST-VQA rule,
    :func:`stvqa_accuracy`. Call :func:`textvqa_accuracy` directly to insist on 10.
    """
    answers = _check(prediction, answers, "vqa_accuracy")
    if len(answers) == 10:
        return textvqa_accuracy(prediction, answers)
    return stvqa_accuracy(prediction, answers)


# --------------------------------------------------------------------------------------
# Relaxed accuracy (ChartQA) and exact match (OCR-VQA)
# --------------------------------------------------------------------------------------


def _to_float(text: str) -> float | None:
    """pix2struct's parser: a trailing "%" divides by 100; anything ``float`` rejects is
    text. (``float`` itself accepts surrounding spaces, "1e3", "1_000", "nan", "inf".)"""
    try:
        if text.endswith("%"):
            return float(text.rstrip("%")) / 100.0
        return float(text)
    except ValueError:
        return None


def _relaxed_correct(target: str, prediction: str, tolerance: float) -> bool:
    prediction_float = _to_float(prediction)
    target_float = _to_float(target)
    # A target of 0 (falsy) falls through to string comparison, as in pix2struct.
    if prediction_float is not None and target_float:
        return abs(prediction_float - target_float) / abs(target_float) <= tolerance
    return prediction.lower() == target.lower()


def relaxed_accuracy(prediction: str, answers: Sequence[str], tolerance: float = 0.05) -> float:
    """ChartQA relaxed accuracy: 1.0 when the prediction is within ``tolerance`` (relative,
    measured against the ground truth) of a numeric answer, or equals a non-numeric answer
    ignoring case; else 0.0.

    The prediction is stripped of surrounding whitespace first (Qwen-VL's
    ``evaluate_relaxed_accuracy`` does so). Unlike that script, which passes the
    prediction as the target, the tolerance here is relative to the ground truth, as in
    pix2struct and the ChartQA paper.
    """
    answers = _check(prediction, answers, "relaxed_accuracy")
    pred = prediction.strip()
    return 1.0 if any(_relaxed_correct(a, pred, tolerance) for a in answers) else 0.0


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the prediction equals any answer after ``strip().lower()`` on both sides,
    as Qwen-VL's ``evaluate_exact_match_accuracy`` (its OCR-VQA metric); else 0.0."""
    answers = _check(prediction, answers, "exact_match")
    pred = prediction.strip().lower()
    return 1.0 if any(pred == a.strip().lower() for a in answers) else 0.0


MetricFn = Callable[..., float]

#: Metric name -> per-sample function ``(prediction, answers) -> float in [0, 1]``.
METRICS: Registry[MetricFn] = Registry("metric")
for _fn in (anls, vqa_accuracy, relaxed_accuracy, exact_match, textvqa_accuracy, stvqa_accuracy):
    METRICS.register(_fn.__name__, _fn)


def get_metric(name: str) -> MetricFn:
    """The metric function registered under ``name``; an unknown name raises ``KeyError``
    (:class:`ocrvqa.registry.UnknownNameError`) listing the known names."""
    return METRICS.get(name)
