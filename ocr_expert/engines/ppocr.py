"""PP-OCR, the embedded default engine: PP-OCRv6 through ``rapidocr`` 3.x, PP-OCRv4 on request.

Both wheels carry their ONNX models (detection, recognition and the 0/180 degree direction
classifier), so the engine works offline from a plain install. ``model="PP-OCRv6"`` (the
default) uses the maintained ``rapidocr`` package and its small PP-OCRv6 models;
``model="PP-OCRv4"`` uses the frozen ``rapidocr_onnxruntime`` line.

The recognizers read Chinese and Latin script, not Arabic, so the engine runs the Arabic
route stage (``ocr_expert.engines.script_route.ScriptRoute``, its ``arabic`` option, Tesseract
``ara`` by default) on the lines it read: a line read with low confidence (or not at all) is
offered to the Arabic recognizer, which keeps it only when it reads Arabic there with
confidence. The stage runs before the engine's score filter, so the lines it may rescue are
still there; the engine's configuration names it under ``arabic``.
"""

from __future__ import annotations

import math
import os
import threading
import unicodedata
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Literal, cast

import numpy as np
from PIL import Image
from pydantic import Field, field_validator, model_validator

from ocr_expert.engines import check_role, register_engine
from ocr_expert.engines.base import EngineOptions, OCREngine, OCREngineError, PageLayout
from ocr_expert.engines.colour_graphics import (
    add_uncovered,
    graphics_mask,
    to_read_again,
    whitened,
)
from ocr_expert.engines.leaders import leader_tails, with_leaders
from ocr_expert.engines.page_fusion import MIN_CONFIDENCE, bridged_pieces, fuse_page
from ocr_expert.engines.roles import Recognition
from ocr_expert.engines.script_route import Candidate, ScriptRoute
from ocr_expert.image_io import edge_ground
from ocr_expert.ink import ink_mask
from ocr_expert.types import Box, Span, box_corners, polygon_box, union_box

MODELS = ("PP-OCRv6", "PP-OCRv4")
#: the long side small pages are scaled up to before reading (``upscale_below``): twice a
#: 320 px photo, which read best there (three times read worse)
UPSCALE_TO = 640
#: default box growth per model. PP-OCRv4 at RapidOCR's own 1.6 crops lines so tightly that its
#: recognizer drops the spaces between Latin words at 14-28 px text (CER 10 % -> 2 % at 2.4);
#: PP-OCRv6's recognizer keeps them at its own default.
DEFAULT_UNCLIP = {"PP-OCRv6": 1.6, "PP-OCRv4": 2.4}
#: a crop the angle classifier turns over stays turned when the recognizer reads it turned
#: surer by more than this. Short strings read alike both ways (``68%`` and ``%89``, 6 and 9)
#: score within a few thousandths either way, and text stands upright far more often than not.
#: On the real scans turned half round, 36 of 21,979 characters' lines lie within 0.01 (the
#: page is turned and read again anyway); upright, a chart's ``68%`` read ``%89`` by 0.0003.
TURN_MARGIN = 0.01
#: ... and where read turned at least this sure: on 1,426 word and line crops of real scans
#: turned half round, every turn kept read at 0.80 or more; the upright crops turned wrongly
#: read 0.59 and 0.30 (a receipt's line cut with the next line, ``000(1 up) 101`` turned)
TURN_SCORE = 0.7
#: a page's lines stand the same way up. Where fewer than this share of a page's lines lying
#: across were kept turned over, those are read as they stand when that reading is legible
#: (``LEGIBLE``): the recognizer reads a tight crop of a short label (``9%`` white on a dark
#: bar) surer turned over (``%6``). Upright, the 23 real scans keep at most 0.03 of their lines
#: turned; upside down, at least 0.54.
FEW_TURNED = 0.25
#: ... the score a line's reading as it stands needs to replace its turned-over reading
LEGIBLE = 0.8
#: the text after a line's dot leaders (``leaders``) is kept when read this sure
LEADER_SCORE = 0.8
#: a detected line whose top edge slopes by at most this many degrees is cut by its box where
#: it holds two of the page reader's lines side by side (``page_fusion.bridged_pieces``): two
#: level lines the detector joined across a gutter, their baselines a few pixels apart, make a
#: box sloping by a degree or less; a line photographed at a slant is left whole
CUT_SLOPE = 2.0
#: ... and where the line's own ink leaves this share of its height clear either side of a cut
CUT_CLEAR = 0.2
#: the detector brings an image's shorter side up to ``det_limit_side_len`` (736 px); it is
#: made to scale an image up by at most this factor, the image padded with its own ground
#: instead. Two lines of small print 28 px tall, blown up 26 times (after ``upscale_below``),
#: came out in overlapping pieces read twice (``and f`` ``former n``), 2.4 s to detect.
DET_MAX_UPSCALE = 3.0


class PPOCROptions(EngineOptions):
    """The ``ppocr`` engine's options (see ``PPOCREngine``)."""

    model: str = "PP-OCRv6"
    text_score: float = 0.5
    box_thresh: float = 0.5
    det_thresh: float = 0.3
    unclip_ratio: float | None = None
    det_limit_side_len: int = 736
    max_side_len: int = 2000
    use_cls: bool = True
    word_boxes: bool = False
    threads: int = -1
    device: Literal["cpu", "cuda"] = "cpu"
    arabic: str | None = "tesseract"
    arabic_options: dict[str, Any] | None = None
    refine: Literal["tesseract"] | None = "tesseract"
    upscale_below: int = Field(480, ge=0)
    colour_graphics: bool = True
    leaders: bool = True
    refine_confidence: float = Field(MIN_CONFIDENCE, ge=0.0, le=1.0)

    @field_validator("model")
    @classmethod
    def _canonical_model(cls, model: str) -> str:
        canonical = {m.lower().replace("-", ""): m for m in MODELS}
        key = str(model).lower().replace("-", "").replace("_", "")
        if key not in canonical:
            raise ValueError(f"ppocr model must be one of {', '.join(MODELS)}, not {model!r}")
        return canonical[key]

    @model_validator(mode="after")
    def _check_arabic(self) -> PPOCROptions:
        if self.arabic:
            check_role("recognizer", self.arabic, self.arabic_options or {})
        return self


@register_engine("ppocr")
class PPOCREngine(OCREngine):
    """PP-OCR detection + recognition, then the Arabic route stage (``ScriptRoute``, built
    from ``arabic``/``arabic_options``), then the second reading (``refine``).

    Options:
        model: ``"PP-OCRv6"`` (default, ``rapidocr`` 3.x) or ``"PP-OCRv4"``
            (``rapidocr_onnxruntime``).
        text_score: drop a page's recognized lines below this confidence (0..1); a crop
            keeps its one reading, as ``rapidocr`` does.
        box_thresh: drop detected boxes whose mean text probability is below this.
        det_thresh: pixel threshold of the detector's probability map.
        unclip_ratio: how far detected boxes are grown around the text (default per model).
        det_limit_side_len: the detector resizes so the short side is at least this.
        max_side_len: images are shrunk so the long side is at most this.
        use_cls: run the 0/180 degree classifier on each crop (upside-down text).
        word_boxes: split each detected line into word spans with their own boxes.
        threads: ONNX Runtime intra-op threads (-1: all cores).
        device: ``"cpu"`` or ``"cuda"`` (needs the GPU build of onnxruntime: ``ocrvqa[gpu]``).
        arabic: the recognizer of the Arabic route stage, which re-reads the lines PP-OCR
            cannot read (``config()["arabic"]`` records it): ``"tesseract"`` (default), the name of
            another engine (``"vision-encoder-decoder"`` with ``arabic_options={"model":
            "UBC-NLP/Qalam"}``), or ``None`` to keep PP-OCR's reading.
        arabic_options: options for that engine (default for Tesseract: ``lang="ara"``).
        refine: a second reader of the whole page, ``"tesseract"`` (default) or ``None``:
            each detected line takes Tesseract's words that lie on it when they are read with
            ``refine_confidence`` or more and cover it, and confident lines of Tesseract's that
            the detector missed are added (``ocr_expert.engines.page_fusion``). Tesseract
            reads printed lines more exactly; PP-OCR finds the lines of forms, receipts and
            photos. Without a Tesseract install the engine warns once and reads alone.
        refine_confidence: the confidence (0..1) Tesseract's words need to be taken.
        upscale_below: a page whose long side is shorter than this many pixels (a small
            photo) is read scaled up to a long side of ``UPSCALE_TO`` (640); 0: never. On
            320x200 scene photos this raised OCR answer recall from 83 % to 92 %; on ten
            synthetic Arabic and bilingual signs, CER went from 0.40 to 0.31.
        colour_graphics: a page of flat-coloured graphics (a chart, an infographic) is read a
            second time with its coloured pixels turned white, and a line that reading finds
            whole where the first lost part of it under a marker or a line (``2444`` for
            ``42 444``), or did not find, is taken (``ocr_expert.engines.colour_graphics``).
            Photographs and scans are read once.
        leaders: where a level line ends at dot leaders the detector took for no text (a
            contents or index line, a statement's row), the text after them (its page number,
            its amount) is read by the recognizer and joins the line
            (``ocr_expert.engines.leaders``).
    """

    language = "ch+en"

    Options = PPOCROptions

    def __init__(self, **options: Any) -> None:
        opts: PPOCROptions = self.parse_options(options)
        model = opts.model
        self.options: dict[str, Any] = {
            "model": model,
            "text_score": opts.text_score,
            "box_thresh": opts.box_thresh,
            "det_thresh": opts.det_thresh,
            "unclip_ratio": DEFAULT_UNCLIP[model]
            if opts.unclip_ratio is None
            else opts.unclip_ratio,
            "det_limit_side_len": opts.det_limit_side_len,
            "max_side_len": opts.max_side_len,
            "use_cls": opts.use_cls,
            "word_boxes": opts.word_boxes,
            "upscale_below": opts.upscale_below,
            "colour_graphics": opts.colour_graphics,
            "leaders": opts.leaders,
        }
        self.device = opts.device
        runner_cls = _V6Runner if model == "PP-OCRv6" else _V4Runner
        self._runner = runner_cls(self.options, opts.threads, opts.device)
        self._route = ScriptRoute.build(opts.arabic, opts.arabic_options) if opts.arabic else None
        if self._route is not None:
            self.language = "ch+en+ara"
        self._refiner = _refiner(opts.refine)
        self._refine_confidence = opts.refine_confidence
        # RapidOCR keeps per-call state on itself, so calls must not interleave.
        self._lock = threading.Lock()

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "engine": "ppocr",
            "rapidocr": self._runner.version,
            **self.options,
        }
        config["arabic"] = self._route.config() if self._route is not None else None
        config["refine"] = None
        if self._refiner is not None:
            config["refine"] = {**self._refiner.config(), "confidence": self._refine_confidence}
        return config

    def detect(self, image: Image.Image) -> list[Span]:
        """Text boxes alone (no recognition), for engines that bring their own recognizer."""
        with self._lock:
            polygons = self._runner.detect(_bgr(image))
        return [_span("", polygon, 1.0) for polygon in polygons]

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        """Each crop read by the PP-OCR recognizer alone (the recognizer role): no Arabic
        routing; a reading below ``text_score`` comes back empty, as the engine drops it."""
        with self._lock:
            read = self._runner.recognize([_bgr(crop) for crop in crops])
        return [
            Recognition(text.strip() if score >= self.options["text_score"] else "", score)
            for text, score in read
        ]

    def read_page(self, image: Image.Image) -> list[Span] | PageLayout:
        if 0 < max(image.size) < self.options["upscale_below"]:
            # A small photo's text is a few pixels tall: read it scaled up (PP-OCR, the second
            # reader and the Arabic route alike), report it in the image's own pixels.
            scale = UPSCALE_TO / max(image.size)
            large = image.resize(
                (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
            )
            return _scaled(self._read_page(large), 1.0 / scale)
        return self._read_page(image)

    def _read_page(self, image: Image.Image) -> list[Span] | PageLayout:
        second = None
        if self._refiner is not None:
            # Tesseract runs in its own process: it reads while PP-OCR does.
            second = _POOL.submit(self._refiner.read_page, image)
        with self._lock:
            candidates = self._runner.read_page(_bgr(image))
        if self._route is not None:
            routed = self._route(image, candidates)
            if isinstance(routed, PageLayout):  # a mostly-Arabic page, read whole
                return routed
            candidates = routed
        if second is not None:
            page = second.result()
            if isinstance(page, PageLayout):
                candidates = self._cut_bridging(image, candidates, page)
                candidates = fuse_page(
                    candidates,
                    page,
                    min_confidence=self._refine_confidence,
                    keep_words=self.options["word_boxes"],
                )
        mask = graphics_mask(image) if self.options["colour_graphics"] else None
        if mask is not None:
            candidates = add_uncovered(candidates, self._read_colourless(image, mask, candidates))
        if self.options["leaders"]:
            candidates = self._after_leaders(image, candidates)
        return self._finish(candidates)

    def _cut_bridging(
        self, image: Image.Image, candidates: list[Candidate], page: PageLayout
    ) -> list[Candidate]:
        """``candidates`` with each line set nearly level (``CUT_SLOPE``) that holds two or more
        of the page reader's lines side by side (``page_fusion.bridged_pieces``: the detector
        joined it to the line level with it across a narrow gutter) cut into those pieces, each
        read again by the recognizer; a line whose pieces are not all read surely stays whole."""
        flat = [abs(_slope(c.polygon)) <= CUT_SLOPE for c in candidates]
        pieces = {
            i: boxes
            for i, boxes in bridged_pieces(candidates, page, flat).items()
            if _clear_between(image, polygon_box(candidates[i].polygon), boxes)
        }
        if not pieces:
            return candidates
        boxes = [box for i in sorted(pieces) for box in pieces[i]]
        crops = [_bgr(image.crop((box[0], box[1], box[2], box[3]))) for box in boxes]
        with self._lock:
            read = iter(self._runner.recognize(crops))
        out = []
        for i, cand in enumerate(candidates):
            if i not in pieces:
                out.append(cand)
                continue
            again = [
                Candidate(box_corners(box), _nfkc(text).strip(), float(score))
                for box, (text, score) in zip(pieces[i], read)
            ]
            sure = all(c.text and c.score >= self.options["text_score"] for c in again)
            out.extend(again if sure else [cand])
        return out

    def _read_colourless(
        self, image: Image.Image, mask: np.ndarray, first: list[Candidate]
    ) -> list[Candidate]:
        """The lines of ``image`` with its coloured pixels (``mask``) turned white
        (``colour_graphics``): detected at the image's own size, and read where the first
        reading may differ (``colour_graphics.to_read_again``).

        Scaled up as the first reading is (2.6 times for a chart 280 px tall), that detection
        took as long as the first and found fewer of a line chart's labels touching their
        markers: on 40 charts 400-640 px wide (``bench/chart_strings.py``), the default engine
        found 464 of the 489 strings drawn in 1.72 s a chart, now 467 in 1.16 s."""
        plain = _bgr(whitened(image, mask))
        with self._lock:
            polygons = self._runner.detect(plain, scale_up=False)
            boxes = [polygon_box(p.tolist()) for p in polygons]
            keep = to_read_again(boxes, first, mask)
            return self._runner.read_lines(plain, [polygons[i] for i in keep])

    def _after_leaders(self, image: Image.Image, candidates: list[Candidate]) -> list[Candidate]:
        """``candidates`` and, for each level line the detector ended at its dot leaders, the
        text after them (a page number, an amount) read by the recognizer, when it is sure."""
        boxes = [polygon_box(c.polygon) for c in candidates]
        level = [not c.rerouted and _level(c.polygon) for c in candidates]
        tails = leader_tails(image, boxes, level)
        if not tails:
            return candidates
        crops = [_bgr(image.crop((box[0], box[1], box[2], box[3]))) for _, box in tails]
        with self._lock:
            read = self._runner.recognize(crops)
        added = [
            Candidate(box_corners(with_leaders(boxes[i], box)), _nfkc(text).strip(), float(score))
            for (i, box), (text, score) in zip(tails, read)
            if score >= LEADER_SCORE and any(ch.isalnum() for ch in text)
        ]
        return candidates + added

    def read_crop(self, image: Image.Image) -> list[Span]:
        with self._lock:
            text, score = self._runner.recognize_image(_bgr(image))
        box = (0.0, 0.0, float(image.width), float(image.height))
        polygon = ((0.0, 0.0), (box[2], 0.0), (box[2], box[3]), (0.0, box[3]))
        candidates = [Candidate(polygon, text, score)]
        if self._route is not None:
            candidates = self._route.reroute(image, candidates, one_crop=True)
        # A crop is one line and this its only reading: kept however unsure, as ``rapidocr``
        # keeps it (its score says how unsure). Dropped under ``text_score``, 14 word crops of
        # a fax's small print read as nothing where ``rapidocr`` read ``yevvice.`` for
        # ``Service.``: 0.060 against its 0.051 CER on 799 word crops of real scans.
        spans = self._finish(candidates, keep_unsure=True)
        # A crop's text always spans the crop: the router's line box is the crop itself.
        return [Span(text=s.text, box=box, score=s.score) for s in spans]

    def _finish(self, candidates: list[Candidate], keep_unsure: bool = False) -> list[Span]:
        spans: list[Span] = []
        for cand in candidates:
            text = cand.text.strip()
            unsure = cand.score < self.options["text_score"] and not cand.rerouted
            if not text or (unsure and not keep_unsure):
                continue
            if cand.words and not cand.rerouted:
                spans.extend(Span(text=t, box=b, score=s) for t, b, s in cand.words)
            else:
                spans.append(_span(text, cand.polygon, cand.score))
        return spans


class _V6Runner:
    """PP-OCRv6 small through ``rapidocr`` 3.x, detection and recognition called apart so that
    lines the recognizer leaves empty (Arabic, say) keep their boxes."""

    def __init__(self, options: dict[str, Any], threads: int, device: str) -> None:
        try:
            import rapidocr
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - a base dependency
            raise OCREngineError(
                "the ppocr engine needs rapidocr 3.x: pip install 'rapidocr>=3.4'"
            ) from exc
        use_cuda = device == "cuda"
        if use_cuda:
            _require_cuda_provider()
        self.version = _dist_version("rapidocr", rapidocr)
        self.options = options
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.text_score": 0.0,  # filtered by the engine, after Arabic routing
                "Global.max_side_len": options["max_side_len"],
                "Global.use_cls": options["use_cls"],
                "Det.thresh": options["det_thresh"],
                "Det.box_thresh": options["box_thresh"],
                "Det.unclip_ratio": options["unclip_ratio"],
                "Det.limit_side_len": options["det_limit_side_len"],
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.use_cuda": use_cuda,
            }
        )

    def detect(self, bgr: np.ndarray, scale_up: bool = True) -> list[np.ndarray]:
        """Text boxes; ``scale_up=False``: detected at the image's own size (each side padded
        with its ground to a multiple of 32, so that nothing is resized), not brought up to
        ``det_limit_side_len``."""
        height, width = bgr.shape[:2]
        if scale_up:
            padded = _padded_for_detector(bgr, self.options["det_limit_side_len"])
            out = self._ocr(padded, use_det=True, use_cls=False, use_rec=False)
        else:
            padded = _padded_to(bgr, 32 * -(-height // 32), 32 * -(-width // 32))
            detector = self._ocr._load_det_model()
            limit = detector.limit_side_len
            detector.limit_side_len = 0  # read on each call: no side is below it
            try:
                out = self._ocr(padded, use_det=True, use_cls=False, use_rec=False)
            finally:
                detector.limit_side_len = limit
        boxes = getattr(out, "boxes", None)
        if boxes is None:
            return []
        # the padding is below and right of the image: a box reaching into it is cut back
        top = np.array([width - 1, height - 1], dtype=np.float32)
        return [np.clip(np.asarray(b, dtype=np.float32), 0, top) for b in boxes]

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(t, s) for t, s, _, _ in self._read_crops(crops, None)]

    def recognize_image(self, bgr: np.ndarray) -> tuple[str, float]:
        """A whole image read as one line, sized first as ``rapidocr`` sizes an image it is
        given (its shorter side brought up to 30 px, both sides to multiples of 32): a word
        cut from a fax's small print (24 x 37 px) read ``the`` so and ``h`` as it was. On 917
        word crops of real scans, CER 0.061 as they were, 0.059 sized so (0.057 ``rapidocr``
        called directly, which also keeps readings under ``text_score``)."""
        sized, _ = self._ocr.preprocess_img(bgr)
        return self.recognize([sized])[0]

    def _upright(
        self, crops: list[np.ndarray], across: set[int] | None = None
    ) -> tuple[list[np.ndarray], set[int]]:
        """``crops`` with each one PP-OCR's angle classifier turns over kept turned only where
        the recognizer reads it turned with more confidence than as it is, and the indices of
        those kept turned (text standing upside down on the page).

        On upright pages the classifier turns many crops over, and a printed line cut with a
        margin (a line image, as a user or a benchmark gives it) often reads as noise once
        turned: on 330 line crops cut from real scans, CER 0.141 read as the classifier left
        them, 0.072 with a turn kept only where it reads better (Tesseract alone 0.064).
        Crops it labels upside down without being sure stay as they are, as the classifier
        leaves them: reading those both ways turned a page number 9 into a 6. A turn the
        recognizer prefers by ``TURN_MARGIN`` or less, or reads under ``TURN_SCORE`` turned, is
        not taken either. ``across``, the crops of one page's lines lying across it, makes a
        page hold its few lines turned over to the way its others stand (``FEW_TURNED``).
        """
        from rapidocr.ch_ppocr_rec import TextRecInput

        turned, cls = self._ocr.cls_and_rotate(crops)
        flipped = [  # those it labelled upside down and, sure enough, turned
            i
            for i, (label, _) in enumerate(cls.cls_res or [])
            if "180" in label and not np.array_equal(turned[i], crops[i])
        ]
        if not flipped:
            return crops, set()
        both = [turned[i] for i in flipped] + [crops[i] for i in flipped]
        scores = self._ocr._load_rec_model()(TextRecInput(img=both)).scores or ()
        upright, kept = list(crops), set()
        if len(scores) == len(both):
            for k, i in enumerate(flipped):
                if scores[k] > scores[len(flipped) + k] + TURN_MARGIN and scores[k] >= TURN_SCORE:
                    upright[i] = turned[i]
                    kept.add(i)
        few = kept & across if across is not None else set()
        if few and len(few) < FEW_TURNED * len(across or ()):
            for k, i in enumerate(flipped):
                if i in few and scores[len(flipped) + k] >= LEGIBLE:
                    upright[i] = crops[i]
                    kept.discard(i)
        return upright, kept

    def _read_crops(
        self, crops: list[np.ndarray], polygons: list[np.ndarray] | None
    ) -> list[tuple[str, float, list[tuple[str, Any, float]], bool]]:
        """Each crop's text, score and words (where asked for), and whether it was read
        turned over."""
        from rapidocr.ch_ppocr_rec import TextRecInput

        turned: set[int] = set()
        if self.options["use_cls"]:
            across = None
            if polygons is not None:  # lines wider on the page than tall
                across = {
                    i
                    for i, p in enumerate(polygons)
                    if np.linalg.norm(p[1] - p[0]) >= np.linalg.norm(p[3] - p[0])
                }
            crops, turned = self._upright(crops, across)
        want_words = self.options["word_boxes"] and polygons is not None
        rec = self._ocr._load_rec_model()(TextRecInput(img=crops, return_word_box=want_words))
        texts = [_nfkc(t) for t in (rec.txts or ("",) * len(crops))]
        scores = [float(s) for s in (rec.scores or (0.0,) * len(crops))]
        words: list[list[tuple[str, Any, float]]] = [[] for _ in crops]
        if want_words and rec.word_results and all(rec.word_results):
            try:
                # rapidocr types word_results as a 1-tuple; it holds one tuple of
                # (text, score, box or None) per word for each line
                per_line = cast(
                    "Sequence[Sequence[tuple[str, float, Any]]]",
                    self._ocr.cal_rec_boxes(crops, np.array(polygons), rec, False).word_results,
                )
                for i, line in enumerate(per_line):
                    words[i] = [
                        (_nfkc(t), polygon_box(b), float(s)) for t, s, b in line if b is not None
                    ]
            except Exception:  # word boxes are a refinement: keep whole lines if they fail
                pass
        return [(texts[i], scores[i], words[i], i in turned) for i in range(len(crops))]

    def read_page(self, bgr: np.ndarray) -> list[Candidate]:
        """Each detected line read; a line read turned over keeps its polygon starting at its
        text's own top left (the box's bottom right), so that the polygon tells which way
        the text runs (``skew.upside_down``), and no word boxes (the recognizer placed them
        on the turned crop)."""
        return self.read_lines(bgr, self.detect(bgr))

    def read_lines(self, bgr: np.ndarray, polygons: list[np.ndarray]) -> list[Candidate]:
        """The lines at ``polygons`` (detected on ``bgr``) read, as ``read_page`` reads them."""
        if not polygons:
            return []
        crops = [_line_crop(bgr, p) for p in polygons]
        read = self._read_crops(crops, polygons)
        return [
            Candidate(
                tuple((float(x), float(y)) for x, y in (np.roll(p, 2, axis=0) if over else p)),
                text,
                score,
                words=[] if over else _merge_words(text, w),
            )
            for p, (text, score, w, over) in zip(polygons, read)
        ]


def _line_crop(bgr: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """The line at ``polygon`` cut out of ``bgr`` and turned level, as ``rapidocr`` cuts it."""
    from rapidocr.utils.process_img import get_rotate_crop_image

    return get_rotate_crop_image(bgr, polygon.copy())


def _padded_for_detector(bgr: np.ndarray, limit_side_len: int) -> np.ndarray:
    """``bgr`` padded below and to the right with the median colour of its edges, so that
    the detector, which brings the shorter side up to ``limit_side_len``, scales it up by
    at most ``DET_MAX_UPSCALE``; an image large enough is given back as it is."""
    height, width = bgr.shape[:2]
    least = int(np.ceil(limit_side_len / DET_MAX_UPSCALE))
    if min(height, width) >= least:
        return bgr
    return _padded_to(bgr, max(height, least), max(width, least))


def _padded_to(bgr: np.ndarray, height: int, width: int) -> np.ndarray:
    """``bgr`` padded below and to the right to at least ``height`` x ``width`` with the median
    colour of its edges."""
    if (bgr.shape[0] >= height and bgr.shape[1] >= width) or not bgr.size:
        return bgr
    rows, columns = bgr.shape[:2]
    out = np.empty((max(height, rows), max(width, columns), bgr.shape[2]), dtype=bgr.dtype)
    out[:] = edge_ground(bgr).astype(bgr.dtype)
    out[:rows, :columns] = bgr
    return out


class _V4Runner:
    """PP-OCRv4 through ``rapidocr_onnxruntime`` (the frozen line), called as before."""

    def __init__(self, options: dict[str, Any], threads: int, device: str) -> None:
        try:
            import rapidocr_onnxruntime
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise OCREngineError(
                "model=PP-OCRv4 needs rapidocr_onnxruntime: pip install rapidocr_onnxruntime"
            ) from exc
        if device == "cuda":
            _require_cuda_provider()
        self.options = options
        self.version = _dist_version("rapidocr_onnxruntime", rapidocr_onnxruntime)
        self._ocr = RapidOCR(
            text_score=options["text_score"],
            det_thresh=options["det_thresh"],
            det_box_thresh=options["box_thresh"],
            det_unclip_ratio=options["unclip_ratio"],
            det_limit_side_len=options["det_limit_side_len"],
            max_side_len=options["max_side_len"],
            use_cls=options["use_cls"],
            intra_op_num_threads=threads,
            det_use_cuda=device == "cuda",
            rec_use_cuda=device == "cuda",
            cls_use_cuda=device == "cuda",
            print_verbose=False,
        )

    def _call(self, bgr: np.ndarray, **kwargs: Any) -> list[Any]:
        # Always pass every per-call option: RapidOCR falls back to its own defaults for any
        # option left out once a single keyword is given.
        result, _ = self._ocr(
            bgr,
            box_thresh=self.options["box_thresh"],
            unclip_ratio=self.options["unclip_ratio"],
            text_score=0.0,
            **kwargs,
        )
        return result or []

    def detect(self, bgr: np.ndarray, scale_up: bool = True) -> list[np.ndarray]:
        """Boxes as ``rapidocr_onnxruntime`` detects them (``scale_up`` is the PP-OCRv6
        runner's: this frozen line scales as it always did)."""
        return [
            np.asarray(p, dtype=np.float32)
            for p in self._call(bgr, use_det=True, use_cls=False, use_rec=False)
        ]

    def read_lines(self, bgr: np.ndarray, polygons: list[np.ndarray]) -> list[Candidate]:
        """The lines at ``polygons`` (detected on ``bgr``) read one by one, without words."""
        read = self.recognize([_line_crop(bgr, p) for p in polygons])
        return [
            Candidate(tuple((float(x), float(y)) for x, y in p), text, score)
            for p, (text, score) in zip(polygons, read)
        ]

    def recognize_image(self, bgr: np.ndarray) -> tuple[str, float]:
        """A whole image read as one line (``rapidocr_onnxruntime`` sizes it itself)."""
        return self.recognize([bgr])[0]

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        out = []
        for crop in crops:
            result = self._call(crop, use_det=False, use_cls=self.options["use_cls"], use_rec=True)
            text, score = (str(result[0][0]), float(result[0][1])) if result else ("", 0.0)
            out.append((_nfkc(text), score))
        return out

    def read_page(self, bgr: np.ndarray) -> list[Candidate]:
        word_boxes = self.options["word_boxes"]
        items = self._call(
            bgr,
            use_det=True,
            use_cls=self.options["use_cls"],
            use_rec=True,
            return_word_box=word_boxes,
        )
        candidates = []
        for item in items:
            polygon = tuple((float(x), float(y)) for x, y in item[0])
            text, score = _nfkc(str(item[1])), float(item[2])
            words = _v4_words(item, score) if word_boxes and len(item) >= 5 and item[3] else []
            candidates.append(Candidate(polygon, text, score, words=words))
        return candidates


def _new_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="ocr-refine")


#: threads for second readings of pages, shared by every engine in the process
_POOL = _new_pool()


def _new_pool_in_child() -> None:
    # A forked child has the pool's bookkeeping but none of its threads: give it its own.
    global _POOL
    _POOL = _new_pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_pool_in_child)


def _refiner(name: str | None) -> OCREngine | None:
    """The second page reader (Tesseract, English, its own layout), or None when not asked
    for or not installed (PP-OCR then reads alone, with one warning)."""
    if name is None:
        return None
    from ocr_expert.engines.tesseract import TesseractEngine

    try:
        # the reader turns and straightens the page PP-OCR finds lying turned or askew; this
        # reading fuses with PP-OCR's, on the page as it is given
        return TesseractEngine(lang="eng", psm=3, turn=False, straighten=False)
    except OCREngineError as exc:
        warnings.warn(f"ppocr reads without its Tesseract second reading: {exc}", stacklevel=3)
        return None


def _scaled(found: list[Span] | PageLayout, factor: float) -> list[Span] | PageLayout:
    """Spans (or a layout's spans) with boxes and polygons multiplied by ``factor``."""

    def scale(span: Span) -> Span:
        box = None if span.box is None else tuple(v * factor for v in span.box)
        polygon = (
            None
            if span.polygon is None
            else tuple((x * factor, y * factor) for x, y in span.polygon)
        )
        return Span(text=span.text, box=box, score=span.score, polygon=polygon)  # type: ignore[arg-type]

    if isinstance(found, PageLayout):
        return replace(found, spans=[scale(s) for s in found.spans])
    return [scale(s) for s in found]


def _dist_version(dist: str, module: Any) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover - a vendored copy
        return str(getattr(module, "__version__", "unknown"))


def _require_cuda_provider() -> None:
    import onnxruntime

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        raise OCREngineError(
            "ppocr device='cuda' needs the GPU build of onnxruntime "
            "(pip install 'ocrvqa[gpu]', which brings onnxruntime-gpu); use device='cpu' otherwise"
        )


def _clear_between(image: Image.Image, line: Box, pieces: list[Box]) -> bool:
    """Whether ``line``'s own ink leaves each cut between ``pieces`` clear, ``CUT_CLEAR`` of
    its height either side: the second reader's words can leave out a line's words it took
    for a picture's (`(say` read `y`), and a cut there would go through them."""
    mask = ink_mask(image.crop((line[0], line[1], line[2], line[3])))
    inked: np.ndarray = np.asarray(mask.any(axis=0))
    half = CUT_CLEAR * (line[3] - line[1])
    for piece in pieces[1:]:
        at = piece[0] - line[0]
        if inked[max(0, round(at - half)) : max(0, round(at + half)) + 1].any():
            return False
    return True


def _slope(polygon: Sequence[Sequence[float]]) -> float:
    """The degrees a detected line's top edge rises (negative) or falls across it."""
    (ax, ay), (bx, by) = polygon[0][:2], polygon[1][:2]
    return math.degrees(math.atan2(by - ay, bx - ax))


def _level(polygon: Sequence[Sequence[float]]) -> bool:
    """A line set level: its top edge rises or falls by at most a fifth of its height, so
    that its rows hold what follows it."""
    box = polygon_box(polygon)
    (ax, ay), (bx, by) = polygon[0][:2], polygon[1][:2]
    return bx > ax and abs(by - ay) <= 0.2 * (box[3] - box[1])


def _bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def _nfkc(text: str) -> str:
    # The Chinese models emit full-width Latin letters and digits (ＡＢＣ１２): fold them.
    return unicodedata.normalize("NFKC", str(text))


def _span(text: str, polygon: Any, score: float) -> Span:
    points = tuple((float(x), float(y)) for x, y in polygon)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Span(
        text=text.strip(), box=(min(xs), min(ys), max(xs), max(ys)), score=score, polygon=points
    )


def _merge_words(text: str, units: list[tuple[str, Any, float]]) -> list[tuple[str, Any, float]]:
    """Units (characters or words, as the model gives them) merged into the line's words.

    Empty when they cannot be aligned with the line's text: the line then stays one span.
    """
    if not units:
        return []
    words = text.split()
    if "".join(u for u, _, _ in units).replace(" ", "") != "".join(words):
        return []
    out, k = [], 0
    for word in words:
        taken, boxes, scores = "", [], []
        while len(taken) < len(word) and k < len(units):
            taken += units[k][0].replace(" ", "")
            boxes.append(units[k][1])
            scores.append(units[k][2])
            k += 1
        if taken != word:
            return []
        out.append((word, union_box(boxes), min(scores)))
    return out


def _v4_words(item: list[Any], line_score: float) -> list[tuple[str, Any, float]]:
    """Word boxes from rapidocr_onnxruntime's per-character output."""
    unit_polys, units = item[3], [_nfkc(str(u)) for u in item[4]]
    confs = item[5] if len(item) > 5 and item[5] else [line_score] * len(units)
    if len(unit_polys) != len(units):
        return []
    return _merge_words(
        _nfkc(str(item[1])),
        [(u, polygon_box(p), float(c)) for u, p, c in zip(units, unit_polys, confs)],
    )
