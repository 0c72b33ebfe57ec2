"""Model of the Qwen-VL-Chat test double: a tiny random-weight causal transformer.

It keeps the released model's surface and its quirks where the bridge meets them:
  - images are read from the paths between the ``<img>`` tags; like the released code it
    looks for the ``<imgpad>`` that ends a path among the first 255 positions of the span,
    so a path of 255 or 256 bytes (which the tokenizer accepts) fails in the model;
  - left padding is handled through position ids from the attention mask;
  - ``generate`` takes ``stop_words_ids`` and a ``streamer``;
  - ``chat`` builds a ChatML prompt, returns ``(response, history)`` and decodes as the
    released ``decode_tokens`` does (the whole sequence, cut at the first ChatML tag; with
    none, the last generated token is cut off too);
  - ``chat_stream`` runs through ``transformers_stream_generator`` exactly as the released
    code does, so it fails wherever that package does not fit the installed transformers
    (and samples whatever settings it is given where it does).
It refuses URLs, so a test sees any fetch attempt. Decoding recomputes the whole sequence
each step (no cache): slow, but the model is tiny.
"""

import math

import numpy as np
import torch
from PIL import Image
from torch import nn
from transformers import GenerationMixin, LogitsProcessor, LogitsProcessorList, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutputWithPast

from .configuration_qwen import QWenConfig

IMG_TOKEN_SPAN = 256
_SENTINEL = object()


class QWenPreTrainedModel(PreTrainedModel):
    config_class = QWenConfig
    base_model_prefix = "transformer"

    def _init_weights(self, module):
        # PyTorch's own initialisation: logits far apart enough for stable greedy choices.
        pass


class VisualDouble(nn.Module):
    """16x16 pixels -> 256 embeddings."""

    def __init__(self, hidden):
        super().__init__()
        self.proj = nn.Linear(3, hidden)
        self.pos = nn.Parameter(torch.randn(IMG_TOKEN_SPAN, hidden))

    def encode(self, image_paths):
        pixels = []
        for path in image_paths:
            if path.startswith(("http://", "https://")):
                raise RuntimeError(f"test double refuses to fetch {path}")
            image = Image.open(path).convert("RGB").resize((16, 16))
            pixels.append(
                torch.tensor(np.asarray(image), dtype=torch.float32).reshape(256, 3) / 255
            )
        x = torch.stack(pixels).to(self.proj.weight)
        return self.proj(x) + self.pos


class Block(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.qkv, self.out = nn.Linear(hidden, 3 * hidden), nn.Linear(hidden, hidden)
        self.mlp = nn.Sequential(
            nn.Linear(hidden, 2 * hidden), nn.GELU(), nn.Linear(2 * hidden, hidden)
        )

    def forward(self, x, mask):
        b, t, h = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(h, dim=-1)
        q, k, v = (z.view(b, t, self.heads, h // self.heads).transpose(1, 2) for z in (q, k, v))
        scores = q @ k.transpose(-1, -2) / math.sqrt(h // self.heads)
        scores = scores.masked_fill(~mask[:, None], float("-inf"))
        attn = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h)
        x = x + self.out(attn)
        return x + self.mlp(self.ln2(x))


class QWenModel(QWenPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.wte = nn.Embedding(config.vocab_size, config.hidden_size)
        self.wpe = nn.Embedding(config.seq_length, config.hidden_size)
        self.h = nn.ModuleList(
            Block(config.hidden_size, config.num_attention_heads)
            for _ in range(config.num_hidden_layers)
        )
        self.ln_f = nn.LayerNorm(config.hidden_size)
        self.visual = VisualDouble(config.hidden_size)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        start_id = self.config.visual["image_start_id"]
        end_id, pad_id = start_id + 1, start_id + 2
        x = self.wte(input_ids)
        if torch.any(input_ids == start_id):
            # As the released QWenModel.forward finds image spans and their paths.
            bos_pos = torch.where(input_ids == start_id)
            eos_pos = torch.where(input_ids == end_id)
            assert (bos_pos[0] == eos_pos[0]).all()
            img_pos = torch.stack((bos_pos[0], bos_pos[1], eos_pos[1]), dim=1)
            paths = []
            for i, a, b in img_pos.tolist():
                ids = input_ids[i][a + 1 : b - 1].tolist()
                paths.append(bytes(ids[: ids.index(pad_id)]).decode("utf-8"))
            images = self.visual.encode(paths)
            x = x.clone()
            for (i, a, b), image in zip(img_pos.tolist(), images):
                x[i, a + 1 : b] = image
        t = input_ids.shape[1]
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if position_ids is None:
            position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        x = x + self.wpe(position_ids)
        causal = torch.tril(torch.ones(t, t, dtype=torch.bool, device=x.device))
        mask = causal[None] & attention_mask.bool()[:, None, :]
        mask = mask | torch.eye(t, dtype=torch.bool, device=x.device)[None]  # no empty rows
        for block in self.h:
            x = block(x, mask)
        return self.ln_f(x)


class StopWordsLogitsProcessor(LogitsProcessor):
    """Push end-of-text right after a stop word, as the released code does (its score is
    raised to 2**15; nothing else changes)."""

    def __init__(self, stop_words_ids, eos_token_id):
        if not isinstance(stop_words_ids, list) or not stop_words_ids:
            raise ValueError(
                f"`stop_words_ids` has to be a non-emtpy list, but is {stop_words_ids}."
            )
        self.stop_words_ids = [w for w in stop_words_ids if w != [eos_token_id]]
        self.eos_token_id = eos_token_id

    def __call__(self, input_ids, scores):
        for i, row in enumerate(input_ids.tolist()):
            if any(row[-len(w) :] == w for w in self.stop_words_ids if w):
                scores[i, self.eos_token_id] = float(2**15)
        return scores


class QWenLMHeadModel(QWenPreTrainedModel, GenerationMixin):
    def __init__(self, config):
        super().__init__(config)
        assert config.bf16 + config.fp16 + config.fp32 <= 1, (
            'Only one of "bf16", "fp16", "fp32" can be true'
        )
        if config.bf16 + config.fp16 + config.fp32 == 0:
            config.fp32 = True  # CPU-only double; the released code picks bf16/fp16 on GPUs
        self.transformer = QWenModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        start = config.visual["image_start_id"]
        # A trained model does not emit <|extra_N|> or image tags; keep the double from it too.
        banned = list(range(config.visual["special_start_id"] + 3, config.vocab_size))
        self.register_buffer("banned", torch.tensor(banned, dtype=torch.long), persistent=False)
        assert start in banned
        if config.bf16:
            self.bfloat16()
        elif config.fp16:
            self.half()
        self.post_init()

    def forward(
        self,
        input_ids=None,
        attention_mask=None,
        position_ids=None,
        past_key_values=None,
        use_cache=None,
        return_dict=None,
        **kwargs,
    ):
        hidden = self.transformer(input_ids, attention_mask, position_ids)
        logits = self.lm_head(hidden).float()
        logits[..., self.banned] = float("-inf")
        return CausalLMOutputWithPast(logits=logits)

    def prepare_inputs_for_generation(
        self, input_ids, past_key_values=None, attention_mask=None, **kwargs
    ):
        position_ids = None
        if attention_mask is not None:
            position_ids = attention_mask.long().cumsum(-1) - 1
            position_ids.masked_fill_(attention_mask == 0, 1)
        return {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "position_ids": position_ids,
        }

    def generate(
        self,
        inputs=None,
        generation_config=None,
        logits_processor=None,
        stopping_criteria=None,
        prefix_allowed_tokens_fn=None,
        synced_gpus=None,
        assistant_model=None,
        streamer=None,
        **kwargs,
    ):
        generation_config = (
            generation_config if generation_config is not None else self.generation_config
        )
        stop_words_ids = kwargs.pop("stop_words_ids", None)
        if stop_words_ids is None:
            stop_words_ids = getattr(generation_config, "stop_words_ids", None)
        if stop_words_ids:
            processor = StopWordsLogitsProcessor(stop_words_ids, generation_config.eos_token_id)
            logits_processor = LogitsProcessorList([processor] + list(logits_processor or []))
        return super().generate(
            inputs,
            generation_config=generation_config,
            logits_processor=logits_processor,
            stopping_criteria=stopping_criteria,
            prefix_allowed_tokens_fn=prefix_allowed_tokens_fn,
            synced_gpus=synced_gpus,
            assistant_model=assistant_model,
            streamer=streamer,
            **kwargs,
        )

    def chat(
        self,
        tokenizer,
        query,
        history,
        system="You are a helpful assistant.",
        append_history=True,
        stream=_SENTINEL,
        stop_words_ids=None,
        generation_config=None,
        **kwargs,
    ):
        generation_config = (
            generation_config if generation_config is not None else self.generation_config
        )
        assert stream is _SENTINEL
        assert generation_config.chat_format == "chatml"
        history = [] if history is None else history
        stop_words_ids = [] if stop_words_ids is None else stop_words_ids
        raw_text, context_tokens = make_context(tokenizer, query, history, system)
        stop_words_ids.extend([[tokenizer.im_end_id], [tokenizer.im_start_id]])
        input_ids = torch.tensor([context_tokens]).to(self.device)
        outputs = self.generate(
            input_ids,
            stop_words_ids=stop_words_ids,
            return_dict_in_generate=False,
            generation_config=generation_config,
            **kwargs,
        )
        response = _decode_response(outputs[0].tolist(), tokenizer, raw_text, len(context_tokens))
        if append_history:
            history.append((query, response))
        return response, history

    def chat_stream(
        self,
        tokenizer,
        query,
        history,
        system="You are a helpful assistant.",
        stop_words_ids=None,
        logits_processor=None,
        generation_config=None,
        **kwargs,
    ):
        """Yields the text so far, through ``transformers_stream_generator`` as released."""
        generation_config = (
            generation_config if generation_config is not None else self.generation_config
        )
        assert generation_config.chat_format == "chatml"
        _, context_tokens = make_context(tokenizer, query, history or [], system)
        stop_words_ids = ([] if stop_words_ids is None else stop_words_ids) + [
            [tokenizer.im_end_id],
            [tokenizer.im_start_id],
        ]
        processor = StopWordsLogitsProcessor(stop_words_ids, generation_config.eos_token_id)
        logits_processor = LogitsProcessorList([processor] + list(logits_processor or []))
        input_ids = torch.tensor([context_tokens]).to(self.device)

        from transformers_stream_generator.main import NewGenerationMixin, StreamGenerationConfig

        self.__class__.generate_stream = NewGenerationMixin.generate
        self.__class__.sample_stream = NewGenerationMixin.sample_stream
        stream_config = StreamGenerationConfig(**generation_config.to_dict(), do_stream=True)

        def stream_generator():
            outputs = []
            for token in self.generate_stream(
                input_ids,
                return_dict_in_generate=False,
                generation_config=stream_config,
                logits_processor=logits_processor,
                seed=-1,
                **kwargs,
            ):
                outputs.append(token.item())
                yield tokenizer.decode(outputs, skip_special_tokens=True, errors="ignore")

        return stream_generator()


def make_context(tokenizer, query, history, system):
    """ChatML, as the released ``qwen_generation_utils.make_context`` builds it."""
    im_start, im_end = "<|im_start|>", "<|im_end|>"
    nl = tokenizer.encode("\n")

    def _tokenize_str(role, content):
        return (
            f"{role}\n{content}",
            tokenizer.encode(role, allowed_special=set(tokenizer.IMAGE_ST))
            + nl
            + tokenizer.encode(content, allowed_special=set(tokenizer.IMAGE_ST)),
        )

    system_text, system_part = _tokenize_str("system", system)
    tokens = [tokenizer.im_start_id] + system_part + [tokenizer.im_end_id]
    raw = f"{im_start}{system_text}{im_end}"
    for turn_query, turn_response in history:
        q_text, q_tokens = _tokenize_str("user", turn_query)
        r_text, r_tokens = _tokenize_str("assistant", turn_response)
        tokens += (
            nl
            + [tokenizer.im_start_id]
            + q_tokens
            + [tokenizer.im_end_id]
            + nl
            + [tokenizer.im_start_id]
            + r_tokens
            + [tokenizer.im_end_id]
        )
        raw += f"\n{im_start}{q_text}{im_end}\n{im_start}{r_text}{im_end}"
    tokens += (
        nl
        + [tokenizer.im_start_id]
        + _tokenize_str("user", query)[1]
        + [tokenizer.im_end_id]
        + nl
        + [tokenizer.im_start_id]
        + tokenizer.encode("assistant")
        + nl
    )
    raw += f"\n{im_start}user\n{query}{im_end}\n{im_start}assistant\n"
    return raw, tokens


def _decode_response(tokens, tokenizer, raw_text, context_length):
    """As the released ``decode_tokens`` does for ChatML: decode the whole sequence up to
    the first ``<|im_start|>``/``<|im_end|>`` after the context (with none, up to the last
    token, which is left out) and cut the prompt text off by its length."""
    stops = {tokenizer.im_end_id, tokenizer.im_start_id}
    end = context_length
    for end in range(context_length, len(tokens)):
        if tokens[end] in stops:
            break
    return tokenizer.decode(tokens[:end], errors="replace")[len(raw_text) :].strip()
