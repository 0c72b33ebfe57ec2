"""A tiny vision-encoder-decoder OCR model (the shape of TrOCR and Qalam), built offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def build_tiny_ved(folder: Path, rig: dict[str, float] | None = None) -> Path:
    """Save a tiny SwinV2 + RoBERTa encoder-decoder, a byte-level BPE tokenizer and a ViT
    image processor to ``folder``. ``rig`` pins the output logits: token -> logit, every
    other token far below, whatever the image."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import (
        RobertaConfig,
        RobertaTokenizerFast,
        Swinv2Config,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTImageProcessor,
    )

    from eval_vqa.tiny_models.sizes import VED_DECODER

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(["hello world", "read the page", "a line of text"] * 20, trainer)
    bpe.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    # RoBERTa's own special tokens (the tokenizer's defaults), as trained above
    tokenizer = RobertaTokenizerFast(tokenizer_object=bpe)
    encoder = Swinv2Config(
        image_size=32,
        patch_size=4,
        embed_dim=8,
        depths=[1, 1],
        num_heads=[1, 1],
        window_size=2,
        initializer_range=0.5,
    )
    decoder = RobertaConfig(
        vocab_size=len(tokenizer),
        **VED_DECODER.config_kwargs(),
        is_decoder=True,
        add_cross_attention=True,
        initializer_range=0.5,  # RoBERTa's token ids (bos 0, pad 1, eos 2) are the defaults
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id, config.pad_token_id, config.eos_token_id = 0, 1, 2
    torch.manual_seed(0)
    model = VisionEncoderDecoderModel(config=config)
    if rig is not None:
        # torch types a submodule attribute as Tensor | Module; this one is the LM head
        head: Any = model.decoder.lm_head
        with torch.no_grad():
            head.decoder.weight.zero_()  # logits = bias, whatever the image
            head.bias.fill_(-30.0)
            for token, logit in rig.items():
                head.bias[tokenizer.convert_tokens_to_ids(token)] = logit
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    ViTImageProcessor(
        size={"height": 32, "width": 32}, image_mean=[0.5] * 3, image_std=[0.5] * 3
    ).save_pretrained(folder)
    return folder


__all__ = ["build_tiny_ved"]
