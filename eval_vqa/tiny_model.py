"""A tiny vision-language model with random weights, built offline on first use, for smoke runs.

``model: tiny-random-llava`` in a run config (a preset, :mod:`eval_vqa.presets`) resolves
to a folder under the model cache (``$OCRVQA_MODELS``, else
``$XDG_CACHE_HOME/ocrvqa/models``, else ``~/.cache/ocrvqa/models``), built here from a
config, a byte-level BPE tokenizer trained on the fly and CLIP's image processor: no
download. It is a LLaVA (CLIP vision tower, Qwen2 language model, ChatML template) because
Qwen2-VL's processor needs
torchvision, which CPU-only installs may lack. It loads through the
same ``from_pretrained`` path as a real checkpoint, so a smoke run exercises the real
loading, batching and generation code.

Its weights are random but for one hand-set attention layer that averages the prompt
(zero queries and keys: every position weighs the same) over orthogonal random token
embeddings, so the model answers with the word its prompt holds most often, ties going
to the longer word (then by a random order): a crude copy model. Its vocabulary is learnt
from the bundled mini benchmark's text; it never answers with the template's own words
(chat roles, system prompt, answer instructions, context labels) or with a token without
a letter or digit, and it always says something. So its answers are words of the question
or of the OCR context: some match, and scoring, the paired deltas, "OCR helped/hurt", the
chart and the intervals all have something to work on. It ignores the image. Offline,
only the OCR answer recall and the plumbing mean something; the real job is the same
command with a real model.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from eval_vqa.presets import ModelPreset
from ocrvqa.files import read_jsonl

_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"]

# ChatML as Qwen's chat models use it, trimmed to what the harness sends (one image, then text).
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' "
    "%}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}<|im_start|>{{ "
    "message['role'] }}\n{% if message['content'] is string %}{{ message['content'] "
    "}}<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == "
    "'image' or 'image' in content %}<image>\n{% elif content['type'] == 'text' %}{{ "
    "content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if "
    "add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


#: bumped whenever the recipe changes what a tiny model answers
BUILD_VERSION = 2


def _mini_benchmark_text() -> list[str]:
    """Questions, answers and OCR tokens of the bundled mini benchmark, as written and
    lower-cased."""
    folder = resources.files("eval_vqa") / "data" / "mini"
    texts = []
    for name in ("scene.jsonl", "doc.jsonl"):
        with resources.as_file(folder / name) as path:
            rows = [row for _, row in read_jsonl(path)]
        for row in rows:
            text = " ".join([row["question"], *row["answers"], *row.get("ocr_tokens", [])])
            tokens = row.get("ocr_tokens", [])
            # as the context formats write them: quoted in a list, after commas, one a line
            texts += [
                text,
                text.lower(),
                json.dumps([t.lower() for t in tokens], ensure_ascii=False),
                ", ".join(tokens),
                "\n".join(tokens),
            ]
    return texts


def train_tokenizer():
    """The smoke model's small byte-level BPE tokenizer, trained on the fly (no download)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [
        "What is written on the sign? Answer the question using a single word or phrase.",
        'OCR_token: ["pop", "the", "book"] Reference OCR token: open, closed, exit, total, date',
        "Please answer the following questions based on OCR token and Pictures.",
        "OCR text with positions: <ref>invoice</ref><box>(12,34),(560,78)</box> 0123456789",
    ] + _mini_benchmark_text()
    trainer = trainers.BpeTrainer(
        vocab_size=1600,
        special_tokens=_SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus * 20, trainer)
    return Qwen2TokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
        additional_special_tokens=_SPECIALS[1:],
    )


def build_tiny_llava(folder: str | Path, seed: int = 0) -> Path:
    """Write a LLaVA (CLIP vision tower, one-layer Qwen2 language model) with random
    weights but for an attention layer that copies: see the module's docstring."""
    import torch
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        GenerationConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        Qwen2Config,
    )

    from eval_vqa.tiny_models.sizes import LLAVA_TEXT, LLAVA_VISION

    folder = Path(folder)
    tokenizer = train_tokenizer()
    ids = {s: tokenizer.convert_tokens_to_ids(s) for s in _SPECIALS}
    width = -(-len(tokenizer) // 64) * 64
    side = 56  # 4 x 4 patches of 14 pixels: 16 image tokens per picture
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": side}, crop_size={"height": side, "width": side}
    )
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        chat_template=CHAT_TEMPLATE,
        patch_size=14,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        image_token="<image>",
    )
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            **LLAVA_VISION.config_kwargs(), image_size=side, patch_size=14
        ),
        # as wide as the vocabulary, so that token embeddings can be orthogonal
        text_config=Qwen2Config(
            vocab_size=len(tokenizer),
            hidden_size=width,
            **LLAVA_TEXT.config_kwargs(),
            tie_word_embeddings=True,
        ),
        image_token_index=ids["<image>"],
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
        pad_token_id=ids["<|endoftext|>"],
    )
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config).eval()
    _make_copying(model, tokenizer)
    stops = [ids["<|im_end|>"], ids["<|endoftext|>"]]
    model.generation_config = GenerationConfig(
        eos_token_id=stops,
        pad_token_id=ids["<|endoftext|>"],
        do_sample=False,
        # never the template's words, whitespace or punctuation (which strip to an empty
        # answer), and at least one token before stopping
        suppress_tokens=_unsayable_tokens(tokenizer, stops),
        begin_suppress_tokens=stops,
    )
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    model.save_pretrained(tmp)
    processor.save_pretrained(tmp)
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    tmp.rename(folder)  # complete or absent: a killed build leaves no half model behind
    return folder


def _make_copying(model, tokenizer) -> None:
    """Orthonormal random token embeddings; zero queries and keys (uniform attention over
    the prompt), identity values and output, no MLP, no image features: the last position
    holds the average of the prompt's token embeddings, and the tied output layer scores
    each token by how often the prompt holds it. Longer tokens have slightly longer
    embeddings (the attention input is normalized, so only the output side feels it):
    among words said equally often, whole words beat fragments."""
    import torch

    with torch.no_grad():
        embed = model.get_input_embeddings().weight
        vocab, width = embed.shape
        q, _ = torch.linalg.qr(torch.randn(width, vocab))
        lengths = torch.tensor(
            [len(tokenizer.decode([i]).strip()) for i in range(vocab)], dtype=torch.float32
        )
        scale = 1.0 + 0.2 * lengths.clamp(max=12) / 12  # under one more occurrence's worth
        embed.copy_(
            q.T * scale[:, None] + torch.randn(vocab, width) * 1e-4
        )  # noise: a random order of last resort
        for name, module in model.named_modules():
            if "language_model" in name and name.endswith("self_attn"):
                for proj in (module.q_proj, module.k_proj):
                    proj.weight.zero_()
                    proj.bias.zero_()
                module.v_proj.weight.copy_(torch.eye(width))
                module.v_proj.bias.zero_()
                module.o_proj.weight.copy_(torch.eye(width))
            elif "language_model" in name and name.endswith("mlp"):
                module.down_proj.weight.zero_()
            elif name.endswith("multi_modal_projector"):
                module.linear_2.weight.zero_()
                module.linear_2.bias.zero_()


def _template_text() -> list[str]:
    """Words every prompt of a run carries whatever the sample: roles, system prompt,
    answer instructions, context labels and lead-ins."""
    from eval_vqa.benchmarks import BENCHMARKS
    from lmm_bridge.variants import BUILTIN_VARIANTS, FORMAT_DEFAULTS

    texts = ["system\nYou are a helpful assistant.", "user\n", "assistant\n"]
    texts += [b.instruction or "" for b in BENCHMARKS.values()]
    texts += [str(d["label"]) for d in FORMAT_DEFAULTS.values()]
    texts += [v.lead_in for v in BUILTIN_VARIANTS.values()]
    return texts


def _unsayable_tokens(tokenizer, keep: list[int]) -> list[int]:
    """Ids the model may not say: tokens without a letter or digit (spaces, newlines,
    punctuation, control tokens) and the tokens of the template's own words."""
    template = {
        i
        for text in _template_text()
        for i in tokenizer(text, add_special_tokens=False)["input_ids"]
    }
    template |= {
        i
        for text in _template_text()
        for i in tokenizer(text.lower(), add_special_tokens=False)["input_ids"]
    }
    return [
        i
        for i in range(len(tokenizer))
        if i not in keep
        and (
            i in template
            or not any(c.isalnum() for c in tokenizer.decode([i], skip_special_tokens=True))
        )
    ]


#: Answer length for tiny models unless a config sets one: the copy model says one word, and
#: short noise keeps a smoke run within a minute or two on a CPU.
TINY_MAX_NEW_TOKENS = 1

#: The smoke model as a preset: built here, run by the ``hf`` backend, one-word answers.
TINY_LLAVA = ModelPreset(
    name="tiny-random-llava",
    build=build_tiny_llava,
    build_version=BUILD_VERSION,
    backend="hf",
    max_new_tokens=TINY_MAX_NEW_TOKENS,
)
