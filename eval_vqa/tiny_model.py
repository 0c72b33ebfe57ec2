"""A tiny vision-language model with random weights, built offline on first use, for smoke runs.

``model: tiny-random-llava`` in a run config resolves to a folder under the model
cache (``$OCRVQA_MODELS``, else ``$XDG_CACHE_HOME/ocrvqa/models``, else
``~/.cache/ocrvqa/models``), built here from a config, a byte-level BPE tokenizer
trained on the fly and CLIP's image processor: no download. It is a LLaVA (CLIP vision
tower, Qwen2 language model, ChatML template) because Qwen2-VL's processor needs
torchvision, which CPU-only installs may lack. It loads through the
same ``from_pretrained`` path as a real checkpoint, so a smoke run exercises the real
loading, batching and generation code.

Its weights are random: its answers are noise. Offline, only the OCR answer recall and
the plumbing mean something; the real job is the same command with a real model.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock


_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>"]

# ChatML as Qwen's chat models use it, trimmed to what the harness sends (one image, then text).
_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content %}<image>\n"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def models_dir() -> Path:
    """Where built models are kept."""
    if os.environ.get("OCRVQA_MODELS"):
        return Path(os.environ["OCRVQA_MODELS"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ocrvqa" / "models"


def resolve_model(model: str) -> str:
    """A tiny model's folder (built if missing); any other model name is returned as it is."""
    if model not in TINY_MODELS:
        return model
    folder = models_dir() / model
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):  # several processes of a sharded run build it once
        if not (folder / "model.safetensors").is_file():
            TINY_MODELS[model](folder)
    return str(folder)


def _train_tokenizer():
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
    ]
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=_SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus * 20, trainer)
    return Qwen2TokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token=None,
        bos_token=None, additional_special_tokens=_SPECIALS[1:],
    )


def build_tiny_llava(folder: str | Path, seed: int = 0) -> Path:
    """Write a randomly initialised LLaVA (CLIP vision tower, two-layer Qwen2 language model)."""
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

    folder = Path(folder)
    tokenizer = _train_tokenizer()
    ids = {s: tokenizer.convert_tokens_to_ids(s) for s in _SPECIALS}
    side = 56  # 4 x 4 patches of 14 pixels: 16 image tokens per picture
    image_processor = CLIPImageProcessor(size={"shortest_edge": side}, crop_size={"height": side, "width": side})
    processor = LlavaProcessor(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=_CHAT_TEMPLATE,
        patch_size=14, vision_feature_select_strategy="default", num_additional_image_tokens=1,
        image_token="<image>",
    )
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                       num_attention_heads=2, image_size=side, patch_size=14),
        text_config=Qwen2Config(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                                num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                max_position_embeddings=4096, tie_word_embeddings=True),
        image_token_index=ids["<image>"],
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
        pad_token_id=ids["<|endoftext|>"],
    )
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        eos_token_id=[ids["<|im_end|>"], ids["<|endoftext|>"]], pad_token_id=ids["<|endoftext|>"], do_sample=False
    )
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    model.save_pretrained(tmp)
    processor.save_pretrained(tmp)
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    tmp.rename(folder)  # complete or absent: a killed build leaves no half model behind
    return folder


#: Answer length for tiny models unless a config sets one: random weights answer noise, and
#: short noise keeps a smoke run within a minute or two on a CPU.
TINY_MAX_NEW_TOKENS = 8

#: Model names a run config may use that are built here rather than downloaded.
TINY_MODELS = {"tiny-random-llava": build_tiny_llava}
