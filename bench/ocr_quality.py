"""OCR quality: each engine through the project beside the same engine called directly.

    python bench/ocr_quality.py                      # the ci page set (37 images), rendered now
    python bench/ocr_quality.py --size bench         # the larger set (228 images)
    python bench/ocr_quality.py --labels real/labels.jsonl --json out.json   # any labelled set
    python bench/ocr_quality.py --labels real/labels.jsonl --turn 0.5   # pages placed askew
    python bench/ocr_quality.py --labels real/labels.jsonl --scale 0.5  # scanned at half the dpi
    python bench/ocr_quality.py --labels real/labels.jsonl --degrade contrast=0.6,noise=8,jpeg=40
    python bench/ocr_quality.py --labels real/labels.jsonl --degrade threshold=128  # bitonal
    python bench/ocr_quality.py --labels lines/labels.jsonl --degrade threshold=otsu  # own level
    python bench/ocr_quality.py --labels real/labels.jsonl --degrade negative=1  # light on dark
    python bench/ocr_quality.py --labels real/labels.jsonl --fan 0.12   # photographed from a side

On the same images, for every engine configuration: CER per kind (word, line, page, sign)
and language, the engine called directly (its own API, its own modes) beside the project's
``OCRExpert(engine, **options).read(image, mode=...)``, and whether the project is no worse
(within ``--tolerance``, absolute). Then OCR answer recall on the bundled mini benchmark,
direct text against project text, and seconds per image of each.

Direct calls: Tesseract ``image_to_string`` with ``--oem 1`` and psm 3 for pages and signs,
7 for lines, 8 for words (psm 6 and 11 on signs are printed apart); PP-OCRv6 through
``rapidocr`` 3.x (``"\\n".join(out.txts)`` in its own order, ``use_det=False`` on crops);
PP-OCRv4 through ``rapidocr_onnxruntime``. The project reads words and lines in ``crop``
mode and pages and signs in ``page`` mode, without its cache.

CER: ``ocr_expert.scoring`` corpus CER (summed edits over summed reference characters);
English case-folded and whitespace-collapsed (``caseless``), Arabic with the ``arabic`` preset
(diacritics removed), mixed pages with both. A page's lines are joined, so reading order counts.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_type_hints

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval_vqa.recall import answer_in_context
from ocr_expert import OCRExpert
from ocr_expert.expert import CROP_MAX_HEIGHT
from ocr_expert.scoring import Normalization, score_corpus
from ocr_expert.synthetic import KINDS
from ocr_expert.synthetic.degrade import Degradation, apply, encode, perspective

# Tesseract's OpenMP threads slow each other down on a busy machine: every Tesseract process,
# the direct calls' and the project's alike, starts with one thread (the engine module sees to
# it for ``pytesseract``)
import ocr_expert.engines.tesseract  # noqa: F401  isort: skip
from ocrvqa.files import read_jsonl

TESSERACT_PSM = {"page": 3, "sign": 3, "line": 7, "word": 8, "snippet": 3}
#: the kinds measured: the generator's, and snippets (a few lines cut out of a page with the
#: edges of their neighbours, as ``bench/page_crops.py`` cuts them), which the project reads in
#: ``auto`` mode, as a user's image of unknown shape is read
BENCH_KINDS = (*KINDS, "snippet")
PROJECT_MODE = {"page": "page", "sign": "page", "line": "crop", "word": "crop", "snippet": "auto"}
NORMALIZATION = {
    "eng": Normalization.preset("caseless"),
    "ara": Normalization.preset("arabic"),
    "mix": Normalization.preset("arabic").with_options(casefold=True),
}
MINI = Path(__file__).resolve().parents[1] / "eval_vqa" / "data" / "mini"


# --- the engines called directly -------------------------------------------------------------


class Direct:
    """An engine through its own API: ``read(image, kind)`` gives the text it returns."""

    name = "direct"

    def read(self, image: Image.Image, kind: str) -> str:
        raise NotImplementedError


class TesseractDirect(Direct):
    def __init__(self, lang: str, psm: dict[str, int] | None = None) -> None:
        import pytesseract

        self._tesseract = pytesseract
        self.lang = lang
        self.psm = psm or TESSERACT_PSM
        self.name = f"tesseract {lang}"

    def read(self, image: Image.Image, kind: str) -> str:
        config = f"--oem 1 --psm {self.psm[kind]}"
        return self._tesseract.image_to_string(image, lang=self.lang, config=config)


class PPOCRv6Direct(Direct):
    """PP-OCRv6 small detection and recognition, as the ``rapidocr`` 3.x wheel carries them."""

    name = "PP-OCRv6 (rapidocr)"

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self._ocr = RapidOCR(params={"Global.log_level": "error"})

    def read(self, image: Image.Image, kind: str) -> str:
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        # rapidocr 3.x keeps the step flags of the last call, so every call names all three.
        if kind in ("word", "line"):
            out = self._ocr(bgr, use_det=False, use_cls=False, use_rec=True)
        else:
            out = self._ocr(bgr, use_det=True, use_cls=True, use_rec=True)
        return "\n".join(t for t in (getattr(out, "txts", None) or ()) if t)


class PPOCRv4Direct(Direct):
    """PP-OCRv4 through ``rapidocr_onnxruntime``, with its own defaults."""

    name = "PP-OCRv4 (rapidocr_onnxruntime)"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR()

    def read(self, image: Image.Image, kind: str) -> str:
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        if kind in ("word", "line"):
            result, _ = self._ocr(bgr, use_det=False, use_cls=False, use_rec=True)
        else:
            result, _ = self._ocr(bgr)
        # Items are [box, text, score] with detection, [text, score] without.
        return "\n".join(str(item[-2]) for item in (result or ()))


DIRECT_ENGINES: dict[str, Callable[[], Direct]] = {
    "ppocr-v6": PPOCRv6Direct,
    "ppocr-v4": PPOCRv4Direct,
    "tesseract-eng": lambda: TesseractDirect("eng"),
    "tesseract-ara": lambda: TesseractDirect("ara"),
    "tesseract-eng+ara": lambda: TesseractDirect("eng+ara"),
}


# --- the project's configurations ------------------------------------------------------------


@dataclass(frozen=True)
class EngineConfig:
    """One engine configuration through the project, the languages it is measured on, and
    the direct engine it must be no worse than (``None``: the one the project wraps)."""

    label: str
    engine: str
    options: dict[str, Any]
    langs: tuple[str, ...]
    direct: dict[str, str | None]  # lang -> key of DIRECT_ENGINES


CONFIGS: dict[str, EngineConfig] = {
    "ppocr": EngineConfig("ppocr (default)", "ppocr", {}, ("eng",), {"eng": None}),
    "ppocr-v6": EngineConfig(
        "ppocr model=PP-OCRv6", "ppocr", {"model": "PP-OCRv6"}, ("eng",), {"eng": "ppocr-v6"}
    ),
    "ppocr-v4": EngineConfig(
        "ppocr model=PP-OCRv4", "ppocr", {"model": "PP-OCRv4"}, ("eng",), {"eng": "ppocr-v4"}
    ),
    "tesseract-eng": EngineConfig(
        "tesseract lang=eng", "tesseract", {"lang": "eng"}, ("eng",), {"eng": "tesseract-eng"}
    ),
    "tesseract-ara": EngineConfig(
        "tesseract lang=ara", "tesseract", {"lang": "ara"}, ("ara",), {"ara": "tesseract-ara"}
    ),
    "tesseract-mix": EngineConfig(
        "tesseract lang=eng+ara",
        "tesseract",
        {"lang": "eng+ara"},
        ("mix",),
        {"mix": "tesseract-eng+ara"},
    ),
    # The default must read Arabic: measured against the Arabic engine it should route to.
    "default-arabic": EngineConfig(
        "default engine, Arabic",
        "ppocr",
        {},
        ("ara", "mix"),
        {"ara": "tesseract-ara", "mix": "tesseract-eng+ara"},
    ),
}


def wrapped_ppocr(expert: OCRExpert) -> str:
    """The direct engine a project ``ppocr`` expert wraps: PP-OCRv6 once it says so, else v4."""
    model = str(expert.config().get("model", "PP-OCRv4")).lower()
    return "ppocr-v6" if "v6" in model else "ppocr-v4"


def build_expert(config: EngineConfig) -> tuple[OCRExpert | None, str | None]:
    """The project's expert for ``config``, or None and why (an option not supported yet)."""
    try:
        return OCRExpert(config.engine, use_cache=False, **config.options), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}".splitlines()[0][:240]


# --- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One labelled image of the set."""

    image: Path
    text: str
    kind: str
    lang: str
    layout: str


def load_items(labels: Path) -> list[Item]:
    """The labelled images; ``kind`` defaults from the image's height, ``lang`` to eng."""
    from ocr_expert.scoring import read_labels

    items = []
    for labelled in read_labels(labels):
        record = labelled.record
        kind = record.get("kind")
        if kind not in BENCH_KINDS:
            with Image.open(labelled.image) as image:
                kind = "line" if image.height <= CROP_MAX_HEIGHT else "page"
        items.append(
            Item(
                labelled.image,
                labelled.text,
                kind,
                record.get("lang", "eng"),
                record.get("layout", ""),
            )
        )
    return items


@dataclass
class Reading:
    text: str
    seconds: float
    error: str | None = None


@dataclass
class Row:
    """CER of one configuration on one (kind, lang) group, direct and through the project."""

    config: str
    direct: str
    kind: str
    lang: str
    n: int
    cer_direct: float
    cer_project: float | None
    s_direct: float
    s_project: float | None
    errors_project: int = 0
    note: str = ""

    def no_worse(self, tolerance: float) -> bool | None:
        if self.cer_project is None:
            return None
        return self.cer_project <= self.cer_direct + tolerance


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    layouts: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    sign_psm: dict[str, float] = field(default_factory=dict)
    recall: list[dict[str, Any]] = field(default_factory=list)
    tolerance: float = 0.002
    #: every image's text as each reader gave it, with its CER (written by ``--readings``)
    readings: list[dict[str, Any]] = field(default_factory=list)


class Runner:
    """Reads images with direct engines and project experts, each image once per reader."""

    def __init__(self) -> None:
        self._direct: dict[str, Direct] = {}
        self._readings: dict[tuple[str, str, str], Reading] = {}

    def direct(self, key: str) -> Direct:
        if key not in self._direct:
            self._direct[key] = DIRECT_ENGINES[key]()
        return self._direct[key]

    def read_direct(self, key: str, image: Image.Image, path: Path, kind: str) -> Reading:
        cache_key = (f"direct:{key}", str(path), kind)
        if cache_key not in self._readings:
            engine = self.direct(key)
            start = time.perf_counter()
            try:
                text, error = engine.read(image, kind), None
            except Exception as exc:
                text, error = "", f"{type(exc).__name__}: {exc}"
            self._readings[cache_key] = Reading(text, time.perf_counter() - start, error)
        return self._readings[cache_key]

    def read_project(
        self, label: str, expert: OCRExpert, image: Image.Image, path: Path, mode: str
    ) -> Reading:
        cache_key = (f"project:{label}", str(path), mode)
        if cache_key not in self._readings:
            start = time.perf_counter()
            try:
                text, error = expert.read(image, mode=mode).text, None  # type: ignore[arg-type]
            except Exception as exc:
                text, error = "", f"{type(exc).__name__}: {exc}"
            self._readings[cache_key] = Reading(text, time.perf_counter() - start, error)
        return self._readings[cache_key]


def _summary(
    readings: list[Reading], refs: list[str], norm: Normalization
) -> tuple[float, float, int]:
    """Corpus CER, mean seconds per image, and failed reads of one reader on one group."""
    cer = score_corpus(zip([r.text for r in readings], refs), norm).cer
    return (
        cer,
        sum(r.seconds for r in readings) / max(len(readings), 1),
        sum(1 for r in readings if r.error),
    )


def _warm_up(runner: Runner, direct_keys: Iterable[str], experts: Iterable[OCRExpert]) -> None:
    """One untimed read each, so model loading is not charged to the first image."""
    from ocr_expert.draw import load_font

    image = Image.new("RGB", (220, 48), "white")
    from PIL import ImageDraw

    ImageDraw.Draw(image).text((10, 8), "warm up", font=load_font(26), fill="black")
    for key in direct_keys:
        runner.direct(key).read(image, "line")
    for expert in experts:
        expert.read(image, mode="crop")


def parse_degradation(text: str) -> Degradation:
    """``contrast=0.6,noise=8,jpeg=40`` as a :class:`Degradation` (its fields, comma-separated)."""
    names = [f.name for f in fields(Degradation)]
    hints = get_type_hints(Degradation)
    counts = {n for n, kind in hints.items() if int in get_args(kind)}
    switches = {n for n, kind in hints.items() if kind is bool}
    values: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name.strip() not in names or not value:
            raise ValueError(
                f"bad degradation {part!r}: write name=value with names from {', '.join(names)}"
            )
        if name.strip() == "threshold" and value.strip() == "otsu":
            value = "0"  # each image split at its own level
        if name.strip() in switches:
            if value.strip().lower() not in ("1", "true", "0", "false"):
                raise ValueError(f"bad degradation {part!r}: write {name.strip()}=1 or =0")
            values[name.strip()] = value.strip().lower() in ("1", "true")
            continue
        try:
            values[name.strip()] = (int if name.strip() in counts else float)(value)
        except ValueError:
            raise ValueError(f"bad degradation {part!r}: the value is not a number") from None
    return Degradation(**values)


def degraded(image: Image.Image, degrade: Degradation) -> Image.Image:
    """``image`` as a poor copy: ``degrade`` applied, then saved and opened again (JPEG)."""
    data, _ = encode(apply(image, degrade, seed=0), degrade)
    with Image.open(io.BytesIO(data)) as copy:
        return copy.convert("RGB")


def photographed(image: Image.Image, shorter: float) -> Image.Image:
    """``image`` as a photo taken from its right: its left edge ``shorter`` (a share of its
    height) than its right, centred, so that its lines fan out (white where nothing shows)."""
    width, height = image.size
    inset = shorter * height / 2
    corners = [(0, inset), (width, 0), (width, height), (0, height - inset)]
    return perspective(image, corners, fill="white")


def measure(
    items: list[Item],
    config_names: Iterable[str] = tuple(CONFIGS),
    *,
    tolerance: float = 0.002,
    sign_psms: bool = True,
    progress: bool = False,
    turn: float = 0.0,
    scale: float = 1.0,
    degrade: Degradation | None = None,
    fan: float = 0.0,
    drop_leaders: bool = False,
) -> Results:
    """CER per configuration, kind and language, direct beside project, on ``items``, each
    image turned by ``turn`` degrees (anticlockwise, white corners) as a scan placed askew,
    then resized by ``scale`` (Lanczos) as a scan at another resolution, then ``degrade``d
    (contrast, uneven light, blur, noise, JPEG, bitonal) as a poor copy, then seen in
    perspective with its left edge ``fan`` shorter than its right (``photographed``).
    ``drop_leaders`` scores without dot leaders (``Normalization.drop_leaders``)."""
    normalization = {
        lang: norm.with_options(drop_leaders=True) if drop_leaders else norm
        for lang, norm in NORMALIZATION.items()
    }
    results = Results(tolerance=tolerance)
    runner = Runner()
    configs = [CONFIGS[name] for name in config_names]
    experts = {c.label: build_expert(c) for c in configs}
    images: dict[Path, Image.Image] = {}

    def load(path: Path) -> Image.Image:
        if path not in images:
            with Image.open(path) as image:
                images[path] = image.convert("RGB")
            if turn:
                images[path] = images[path].rotate(
                    turn, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white"
                )
            if scale != 1.0:
                width, height = images[path].size
                size = (max(1, round(width * scale)), max(1, round(height * scale)))
                images[path] = images[path].resize(size, Image.Resampling.LANCZOS)
            if degrade is not None:
                images[path] = degraded(images[path], degrade)
            if fan:
                images[path] = photographed(images[path], fan)
        return images[path]

    for config in configs:
        expert, why_not = experts[config.label]
        chosen = [i for i in items if i.lang in config.langs]
        if not chosen:
            continue
        direct_for = {
            lang: key or (wrapped_ppocr(expert) if expert else "ppocr-v6")
            for lang, key in config.direct.items()
        }
        try:
            _warm_up(runner, set(direct_for.values()), [expert] if expert else [])
        except ImportError as exc:  # e.g. rapidocr 3.x not installed: say so, measure the rest
            print(
                f"skipping {config.label}: {exc} (pip install rapidocr==3.10.0 for PP-OCRv6)",
                file=sys.stderr,
            )
            continue
        groups: dict[tuple[str, str], list[Item]] = {}
        for item in chosen:
            groups.setdefault((item.kind, item.lang), []).append(item)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(chosen), desc=config.label, unit="img", file=sys.stderr)
        by_layout: dict[str, list[tuple[Item, Reading, Reading | None]]] = {}
        for kind, lang in sorted(groups, key=lambda g: (BENCH_KINDS.index(g[0]), g[1])):
            group = groups[(kind, lang)]
            key = direct_for[lang]
            direct_readings: list[Reading] = []
            project_readings: list[Reading | None] = []
            for item in group:
                image = load(item.image)
                d = runner.read_direct(key, image, item.image, kind)
                p = (
                    runner.read_project(config.label, expert, image, item.image, PROJECT_MODE[kind])
                    if expert
                    else None
                )
                direct_readings.append(d)
                project_readings.append(p)
                norm = normalization[lang]
                scored = {
                    "config": config.label,
                    "direct": runner.direct(key).name,
                    "image": item.image.name,
                    "layout": item.layout,
                    "cer_direct": score_corpus([(d.text, item.text)], norm).cer,
                    "cer_project": score_corpus([(p.text, item.text)], norm).cer if p else None,
                    "s_direct": d.seconds,
                    "s_project": p.seconds if p else None,
                }
                results.readings.append(
                    {
                        **scored,
                        "kind": kind,
                        "truth": item.text,
                        "text_direct": d.text,
                        "text_project": p.text if p else None,
                    }
                )
                if kind == "page":
                    by_layout.setdefault(f"{item.layout} ({lang})", []).append((item, d, p))
                    results.images.append(scored)
                if bar:
                    bar.update(1)
            norm = normalization[lang]
            refs = [i.text for i in group]
            cer_d, s_d, _ = _summary(direct_readings, refs, norm)
            cer_p = s_p = None
            failed = 0
            if expert:
                cer_p, s_p, failed = _summary([r for r in project_readings if r], refs, norm)
            results.rows.append(
                Row(
                    config=config.label,
                    direct=runner.direct(key).name,
                    kind=kind,
                    lang=lang,
                    n=len(group),
                    cer_direct=cer_d,
                    cer_project=cer_p,
                    s_direct=s_d,
                    s_project=s_p,
                    errors_project=failed,
                    note=why_not or "",
                )
            )
        if bar:
            bar.close()
        for layout, triples in sorted(by_layout.items()):
            norm = normalization[triples[0][0].lang]
            refs = [t[0].text for t in triples]
            results.layouts.append(
                {
                    "config": config.label,
                    "layout": layout,
                    "n": len(triples),
                    "cer_direct": score_corpus(zip([t[1].text for t in triples], refs), norm).cer,
                    "cer_project": (
                        score_corpus(zip([t[2].text for t in triples], refs), norm).cer  # type: ignore[union-attr]
                        if expert
                        else None
                    ),
                }
            )
    if sign_psms:
        signs = [i for i in items if i.kind == "sign" and i.lang == "eng"]
        for psm in (3, 6, 11):
            engine = TesseractDirect("eng", {"sign": psm})
            texts = [engine.read(load(i.image), "sign") for i in signs]
            if signs:
                results.sign_psm[f"psm {psm}"] = score_corpus(
                    zip(texts, [i.text for i in signs]), normalization["eng"]
                ).cer
    return results


def measure_recall(results: Results, config_names: Iterable[str], mini: Path = MINI) -> None:
    """OCR answer recall on the mini benchmark: direct text against project text (auto mode)."""
    questions = []
    for path in sorted(mini.glob("*.jsonl")):
        questions += [row for _, row in read_jsonl(path)]
    runner = Runner()
    for name in config_names:
        config = CONFIGS[name]
        if "eng" not in config.langs:
            continue
        expert, why_not = build_expert(config)
        key = config.direct["eng"] or (wrapped_ppocr(expert) if expert else "ppocr-v6")
        hits_d, hits_p, seconds_d, seconds_p = [], [], [], []
        for q in questions:
            path = mini / q["image"]
            with Image.open(path) as image:
                rgb = image.convert("RGB")
            d = runner.read_direct(key, rgb, path, "page")
            hits_d.append(answer_in_context(q["answers"], d.text))
            seconds_d.append(d.seconds)
            if expert:
                p = runner.read_project(config.label, expert, rgb, path, "auto")
                hits_p.append(answer_in_context(q["answers"], p.text))
                seconds_p.append(p.seconds)
        results.recall.append(
            {
                "config": config.label,
                "direct": runner.direct(key).name,
                "n": len(questions),
                "recall_direct": sum(hits_d) / len(hits_d),
                "recall_project": sum(hits_p) / len(hits_p) if expert else None,
                "note": why_not or "",
            }
        )


# --- reporting -------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def markdown(results: Results) -> str:
    """The tables a person reads: CER per kind and language, layouts, sign psm, recall."""
    tol = results.tolerance
    out = [
        f"CER (lower is better); 'no worse' = project <= direct + {tol}",
        "",
        "| engine (project) | direct call | kind | lang | n | CER direct | CER project | no worse "
        "| s/img direct | s/img project |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.rows:
        flag = {True: "yes", False: "**NO**", None: "n/a"}[r.no_worse(tol)]
        errors = f" ({r.errors_project} failed)" if r.errors_project else ""
        out.append(
            f"| {r.config} | {r.direct} | {r.kind} | {r.lang} | {r.n} | {_f(r.cer_direct)} | "
            f"{_f(r.cer_project)}{errors} | {flag} | {_f(r.s_direct, 2)} | {_f(r.s_project, 2)} |"
        )
    notes = {r.config: r.note for r in results.rows if r.note}
    for config, note in notes.items():
        out.append(f"\nn/a for {config}: {note}")
    if results.layouts:
        out += [
            "",
            "Pages by layout (CER):",
            "",
            "| engine (project) | layout | n | CER direct | CER project |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {x['config']} | {x['layout']} | {x['n']} | {_f(x['cer_direct'])} "
            f"| {_f(x['cer_project'])} |"
            for x in results.layouts
        ]
    if results.images:
        out += [
            "",
            "Pages one by one (CER, seconds per page):",
            "",
            "| engine (project) | image | CER direct | CER project | s direct | s project |",
            "|---|---|---|---|---|---|",
        ]
        out += [
            f"| {x['config']} | {x['image']} | {_f(x['cer_direct'])} | {_f(x['cer_project'])} | "
            f"{_f(x['s_direct'], 2)} | {_f(x['s_project'], 2)} |"
            for x in results.images
        ]
        out += _best_direct(results)
    if results.sign_psm:
        out += [
            "",
            "Tesseract eng called directly on English signs: "
            + ", ".join(f"{k} CER {v:.3f}" for k, v in results.sign_psm.items()),
        ]
    return "\n".join(out)


def _best_direct(results: Results, tolerance: float = 0.01) -> list[str]:
    """The default engine beside the better of PP-OCRv6 and Tesseract called directly, page by
    page, when both were measured: the default must be no worse than either (+ tolerance)."""
    direct: dict[tuple[str, str], float] = {}
    default: dict[str, dict[str, Any]] = {}
    for x in results.images:
        direct[(x["direct"], x["image"])] = x["cer_direct"]
        if x["config"] == CONFIGS["ppocr"].label:
            default[x["image"]] = x
    engines = sorted({d for d, _ in direct})
    if len(engines) < 2 or not default:
        return []
    out = [
        "",
        "The default engine beside the best engine called directly "
        f"(no worse = within +{tolerance}):",
        "",
        "| image | " + " | ".join(engines) + " | default engine | no worse |",
        "|---|" + "---|" * len(engines) + "---|---|",
    ]
    for image, x in default.items():
        readings = [direct.get((e, image)) for e in engines]
        best = min(r for r in readings if r is not None)
        flag = (
            "n/a"
            if x["cer_project"] is None
            else ("yes" if x["cer_project"] <= best + tolerance else "**NO**")
        )
        out.append(
            f"| {image} | "
            + " | ".join(_f(r) for r in readings)
            + f" | {_f(x['cer_project'])} | {flag} |"
        )
    return out


def recall_markdown(results: Results) -> str:
    """The recall table, direct against project, per engine configuration."""
    out: list[str] = []
    if results.recall:
        out += [
            "OCR answer recall on the bundled mini benchmark (project in auto mode):",
            "",
            "| engine (project) | direct call | questions | recall direct | recall project "
            "| no worse |",
            "|---|---|---|---|---|---|",
        ]
        for x in results.recall:
            if x["recall_project"] is None:
                flag = "n/a"
            else:
                flag = "yes" if x["recall_project"] >= x["recall_direct"] else "**NO**"
            out.append(
                f"| {x['config']} | {x['direct']} | {x['n']} | {_f(x['recall_direct'])} | "
                f"{_f(x['recall_project'])} | {flag} |"
            )
    return "\n".join(out)


def to_json(results: Results) -> dict[str, Any]:
    data = asdict(results)
    del data["readings"]  # texts: written apart, by --readings
    for row, raw in zip(results.rows, data["rows"]):
        raw["no_worse"] = row.no_worse(results.tolerance)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--size",
        choices=("ci", "bench"),
        default="ci",
        help="which synthetic page set to render and measure (default ci)",
    )
    source.add_argument(
        "--labels", type=Path, help="a labels.jsonl of your own (image, text[, kind, lang])"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="keep the rendered set in this folder")
    parser.add_argument("--engines", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument(
        "--kinds",
        nargs="+",
        choices=BENCH_KINDS,
        default=list(BENCH_KINDS),
        help="measure only these kinds (pages are the slow ones)",
    )
    parser.add_argument(
        "--turn",
        type=float,
        default=0.0,
        metavar="DEGREES",
        help="turn every image by this many degrees first (anticlockwise; a scan placed askew)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="resize every image by this factor first (0.5: scanned at half the resolution)",
    )
    parser.add_argument(
        "--degrade",
        metavar="NAME=VALUE,...",
        help="a poor copy of every image: contrast, illumination, blur, noise, jpeg, threshold, "
        "negative (e.g. contrast=0.6,noise=8,jpeg=40; threshold=128 stores it black and white, "
        "threshold=otsu at each image's own level; negative=1 turns it light on dark), "
        "applied after --turn and --scale",
    )
    parser.add_argument(
        "--fan",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="photograph every image from its right, its left edge this share of its height "
        "shorter (0.12: lines fan out 3 degrees either way), applied last",
    )
    parser.add_argument(
        "--drop-leaders",
        action="store_true",
        help="score without dot leaders (contents and index pages: no two readers count the "
        "dots alike)",
    )
    parser.add_argument("--tolerance", type=float, default=0.002)
    parser.add_argument("--no-recall", action="store_true", help="skip the mini benchmark recall")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    parser.add_argument(
        "--readings",
        type=Path,
        metavar="OUT",
        help="write every image's truth and readings, with their CER, as JSON lines",
    )
    args = parser.parse_args(argv)
    try:
        degrade = parse_degradation(args.degrade) if args.degrade else None
    except ValueError as exc:
        parser.error(str(exc))
    with tempfile.TemporaryDirectory() as tmp:
        labels = args.labels
        if labels is None:
            from ocr_expert.synthetic import make_page_set

            labels = make_page_set(args.out or Path(tmp) / "pages", size=args.size, seed=args.seed)
        if not labels.is_file():
            parser.error(
                f"labels file not found: {labels} (give a labels.jsonl with image and text)"
            )
        items = [i for i in load_items(labels) if i.kind in args.kinds]
        results = measure(
            items,
            args.engines,
            tolerance=args.tolerance,
            progress=True,
            turn=args.turn,
            scale=args.scale,
            degrade=degrade,
            fan=args.fan,
            drop_leaders=args.drop_leaders,
        )
    origin = labels if args.labels else f"the {args.size} set (seed {args.seed})"
    turned = f", turned by {args.turn:g} degrees" if args.turn else ""
    turned += f", scaled by {args.scale:g}" if args.scale != 1.0 else ""
    turned += f", degraded ({args.degrade})" if degrade else ""
    turned += f", photographed with the left edge {args.fan:g} shorter" if args.fan else ""
    turned += ", dot leaders dropped" if args.drop_leaders else ""
    print(f"{len(items)} images from {origin}{turned}\n")
    print(markdown(results), flush=True)
    if args.readings:
        with args.readings.open("w", encoding="utf-8") as out:
            for reading in results.readings:
                out.write(json.dumps(reading, ensure_ascii=False) + "\n")
    if args.json:
        args.json.write_text(
            json.dumps(to_json(results), indent=1, ensure_ascii=False), encoding="utf-8"
        )
    if not args.no_recall:
        measure_recall(results, args.engines)
        print("\n" + recall_markdown(results))
        if args.json:
            args.json.write_text(
                json.dumps(to_json(results), indent=1, ensure_ascii=False), encoding="utf-8"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
