"""A tiny random-weight GOT-OCR2 saved with ``save_pretrained``, built offline for tests and
benchmarks.

The tokenizer is a byte-level BPE trained on the fly with the special tokens GOT's prompt
uses; the image processor and model config are small but of the real classes, so the folder
loads through the same ``from_pretrained`` path as ``stepfun-ai/GOT-OCR-2.0-hf``.
"""

from __future__ import annotations

from pathlib import Path

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<imgpad>"]


def build_tiny_got_ocr2(
    folder: str | Path,
    *,
    image_size: int = 64,
    patch_size: int = 8,
    processor_size: int | None = None,
    seed: int = 0,
) -> Path:
    """Save a GOT-OCR2 whose encoder takes ``image_size`` px images; the processor is saved
    with ``processor_size`` (default: the same; None in GOT's own default of 384 px otherwise)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        GotOcr2Config,
        GotOcr2ForConditionalGeneration,
        GotOcr2ImageProcessor,
        GotOcr2Processor,
    )

    # from its own module: transformers' __init__ also binds a dummy of the name for type
    # checkers, which hides the real class's methods
    from transformers.tokenization_utils_fast import PreTrainedTokenizerFast

    folder = Path(folder)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIALS,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    corpus = (
        "system user assistant OCR with format: upon the patch reference invoice total 2024 "
        "hello world\n"
    )
    tok.train_from_iterator([corpus] * 10, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIALS[1:],
    )
    side = processor_size or image_size
    processor = GotOcr2Processor(
        image_processor=GotOcr2ImageProcessor(size={"height": side, "width": side}),
        tokenizer=tokenizer,
    )
    config = GotOcr2Config(
        vision_config={
            "hidden_size": 16,
            "output_channels": 8,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": image_size,
            "patch_size": patch_size,
            "window_size": 2,
            "global_attn_indexes": [1],
            "mlp_dim": 32,
        },
        text_config={
            "model_type": "qwen2",
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "max_position_embeddings": 2048,
            "initializer_range": 0.5,
        },
        image_token_index=tokenizer.convert_tokens_to_ids("<imgpad>"),
    )
    torch.manual_seed(seed)
    model = GotOcr2ForConditionalGeneration(config)
    assert model.generation_config is not None  # a generating model always has one
    model.generation_config.eos_token_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
