"""Tiny offline models (random weights, tokenizers trained on the fly) for tests and benchmarks.

Every real loading path (``from_pretrained``, ``trust_remote_code``) runs on them with no
download. The OCR models are in ``got_ocr2`` (GOT-OCR2) and ``ved`` (a TrOCR-shaped
vision-encoder-decoder); this module holds the answering models and two small helpers:

``write_qwen_vl_chat_double(folder)``  a Qwen-VL-Chat stand-in loaded through the real
    ``trust_remote_code`` path (``model_type: qwen``, ``auto_map`` to python files).
``build_tiny_qwen2vl(folder)``  a random-weight ``Qwen2VLForConditionalGeneration`` with a
    tokenizer trained on the fly and a chat template, saved with ``save_pretrained``.
``make_ocr_result(...)``  an ``OCRResult`` built by hand.
``render_text_image(...)``  an image with text drawn in DejaVu Sans.
"""

from __future__ import annotations

import base64
import collections
import itertools
import json
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval_vqa.tiny_models.sizes import QWEN2VL_TEXT, QWEN2VL_VISION
from ocr_expert.draw import font_path
from ocr_expert.types import Box, Direction, Line, OCRResult, Span

DOUBLE_SOURCE = Path(__file__).with_name("qwen_vl_chat_double")
FONT = font_path()  # DejaVu Sans as matplotlib ships it: no system fonts needed

CORPUS = (
    "the quick brown fox jumps over the lazy dog. what is the name of the shop? "
    "answer the question using a single word or phrase. the sign says coffee open 24 hours. "
    "reference ocr token: price total invoice date 2024 number page book store street road "
    "please answer the following questions based on ocr token and pictures. picture 1: "
    "what does the text say? which brand is shown? how much does it cost? 0123456789 "
    'You are a helpful assistant. OCR text with positions: ocr_token: ["pop", "the"] '
)


# -- Qwen-VL-Chat test double ------------------------------------------------------------
def _train_byte_bpe(text: str, merges: int) -> dict[bytes, int]:
    """Byte-level BPE ranks (all 256 bytes first), learned on ``text`` by pair counts."""
    ranks = {bytes([b]): b for b in range(256)}
    words = collections.Counter(re.findall(r" ?\w+| ?[^\w\s]+|\s+", text))
    seqs = {w: [bytes([b]) for b in w.encode()] for w in words}
    for _ in range(merges):
        pairs: collections.Counter[tuple[bytes, bytes]] = collections.Counter()
        for w, seq in seqs.items():
            for a, b in itertools.pairwise(seq):
                pairs[(a, b)] += words[w]
        if not pairs:
            break
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        ranks[a + b] = len(ranks)
        for w, seq in seqs.items():
            out, i = [], 0
            while i < len(seq):
                if i + 1 < len(seq) and seq[i] == a and seq[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
            seqs[w] = out
    return ranks


def write_qwen_vl_chat_double(folder: str | Path, seed: int = 0, merges: int = 200) -> Path:
    """Write the Qwen-VL-Chat test double (code, vocabulary, config, random weights) to
    ``folder`` and return it. Load it with ``AutoTokenizer`` / ``AutoModelForCausalLM``
    ``.from_pretrained(folder, trust_remote_code=True)``."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("configuration_qwen.py", "modeling_qwen.py", "tokenization_qwen.py"):
        shutil.copy(DOUBLE_SOURCE / name, folder / name)
    ranks = _train_byte_bpe(CORPUS, merges)
    with (folder / "qwen.tiktoken").open("wb") as f:
        for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
            f.write(base64.b64encode(token) + b" " + str(rank).encode() + b"\n")
    special_start = len(ranks)
    n_special = 3 + 205 + 9
    image_start_id = special_start + 3 + 205 + 6  # <img>, as in the released layout
    config = {
        "model_type": "qwen",
        "architectures": ["QWenLMHeadModel"],
        "auto_map": {
            "AutoConfig": "configuration_qwen.QWenConfig",
            "AutoModelForCausalLM": "modeling_qwen.QWenLMHeadModel",
        },
        "vocab_size": special_start + n_special,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "seq_length": 2048,
        "visual": {
            "image_start_id": image_start_id,
            "special_start_id": special_start,
            "image_size": 16,
        },
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "auto_map": {"AutoTokenizer": ["tokenization_qwen.QWenTokenizer", None]},
                "tokenizer_class": "QWenTokenizer",
                "model_max_length": 2048,
            },
            indent=2,
        )
    )
    generation = {
        "chat_format": "chatml",
        "do_sample": True,
        "top_p": 0.3,
        "top_k": 0,
        "max_new_tokens": 512,
        "max_window_size": 6144,
        "eos_token_id": special_start,
        "pad_token_id": special_start,
        "transformers_version": "4.31.0",
    }
    from transformers import AutoConfig, AutoModelForCausalLM

    cfg = AutoConfig.from_pretrained(folder, trust_remote_code=True)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg, trust_remote_code=True)
    # Save the code alongside the weights exactly as written above, not transformers' copy.
    model.save_pretrained(folder, safe_serialization=True)
    for name in ("configuration_qwen.py", "modeling_qwen.py"):
        shutil.copy(DOUBLE_SOURCE / name, folder / name)
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    (folder / "generation_config.json").write_text(json.dumps(generation, indent=2))
    return folder


# -- tiny Qwen2-VL ----------------------------------------------------------------------
QWEN2VL_SPECIALS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

QWEN2VL_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


#: the special token behind each token id a Qwen2-VL config names
QWEN2VL_TOKEN_ROLES = {
    "image_token_id": "<|image_pad|>",
    "video_token_id": "<|video_pad|>",
    "vision_start_token_id": "<|vision_start|>",
    "vision_end_token_id": "<|vision_end|>",
    "bos_token_id": "<|endoftext|>",
    "eos_token_id": "<|im_end|>",
    "pad_token_id": "<|endoftext|>",
}


def build_tiny_qwen2vl(
    folder: str | Path, seed: int = 0, vocab_size: int = 600, initializer_range: float = 0.5
) -> Path:
    """Save a random-weight ``Qwen2VLForConditionalGeneration`` and its processor (slow
    image processor: no torchvision needed) to ``folder`` and return it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        Qwen2TokenizerFast,
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
    )

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=QWEN2VL_SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator([CORPUS] * 4, trainer)
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
    )
    image_processor = Qwen2VLImageProcessor(min_pixels=28 * 28 * 4, max_pixels=28 * 28 * 16)
    # The processor is saved piece by piece: building a Qwen2VLProcessor object needs a
    # video processor, which needs torchvision. AutoProcessor assembles it on loading.
    image_processor._processor_class = "Qwen2VLProcessor"
    token_ids = {
        role: tokenizer.convert_tokens_to_ids(token) for role, token in QWEN2VL_TOKEN_ROLES.items()
    }
    config = Qwen2VLConfig(
        vocab_size=len(tokenizer),
        **QWEN2VL_TEXT.config_kwargs(),
        rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]},
        vision_config=dict(QWEN2VL_VISION),
        **token_ids,
        tie_word_embeddings=False,
        # Large random weights: answers then depend visibly on the image and the text.
        initializer_range=initializer_range,
    )
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config)
    assert model.generation_config is not None  # a generating model always has one
    model.generation_config.eos_token_id = token_ids["eos_token_id"]
    model.generation_config.pad_token_id = token_ids["pad_token_id"]
    model.save_pretrained(folder)
    image_processor.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "chat_template.json").write_text(json.dumps({"chat_template": QWEN2VL_CHAT_TEMPLATE}))
    return folder


# -- OCR results and images ----------------------------------------------------------------
def make_ocr_result(
    lines: Sequence[Sequence[tuple[str, Box | None, float]]],
    width: int = 400,
    height: int = 200,
    direction: Direction = "ltr",
) -> OCRResult:
    """An ``OCRResult`` from lines of ``(span text, box, score)``; a line's box is the union."""
    spans: list[Span] = []
    out_lines: list[Line] = []
    for items in lines:
        idx = []
        for text, box, score in items:
            idx.append(len(spans))
            spans.append(Span(text=text, box=box, score=score))
        boxes = [b for _, b, _ in items if b is not None]
        box = (
            None
            if not boxes
            else (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
        )
        out_lines.append(
            Line(
                text=" ".join(t for t, _, _ in items),
                box=box,
                spans=tuple(idx),
                direction=direction,
            )
        )
    return OCRResult(
        spans=tuple(spans),
        lines=tuple(out_lines),
        width=width,
        height=height,
        engine="hand-made",
        direction=direction,
    )


def render_text_image(
    lines: list[str],
    path: str | Path | None = None,
    size: tuple[int, int] = (480, 160),
    font_size: int = 32,
) -> Any:
    """White image with ``lines`` drawn in black; saved to ``path`` when given."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    if FONT is None:
        raise RuntimeError("no DejaVu Sans found (matplotlib ships it)")
    font = ImageFont.truetype(FONT, font_size)
    y = 16
    for line in lines:
        draw.text((16, y), line, fill="black", font=font)
        y += int(font_size * 1.5)
    if path is not None:
        image.save(path)
    return image


def noise_png(seed: int, side: int) -> bytes:
    """A ``side`` x ``side`` PNG of RGB noise, the same for the same seed: image bytes that
    PNG cannot compress (about 3 bytes a pixel), for data sets of a known size."""
    import io

    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def cached_model(base: str | Path, kind: str) -> Path:
    """Build ``kind`` ("qwen-vl-chat" double or "qwen2vl") under ``base`` once and reuse it
    (pass pytest's ``tmp_path_factory.getbasetemp()`` to share it across a test session)."""
    builders: dict[str, Callable[[Path], Path]] = {
        "qwen-vl-chat": write_qwen_vl_chat_double,
        "qwen2vl": build_tiny_qwen2vl,
    }
    if kind not in builders:
        raise ValueError(f"unknown tiny model {kind!r}: choose from {', '.join(builders)}")
    folder = Path(base) / f"tiny-{kind}"
    if not (folder / "config.json").is_file() or not any(folder.glob("*.safetensors")):
        builders[kind](folder)
    return folder


__all__ = [
    "build_tiny_qwen2vl",
    "cached_model",
    "make_ocr_result",
    "noise_png",
    "render_text_image",
    "write_qwen_vl_chat_double",
]
