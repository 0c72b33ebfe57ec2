"""Tokenizer of the Qwen-VL-Chat test double.

Mirrors the released tokenizer's behaviour on the surface the bridge uses: tiktoken BPE
with the same special tokens (``<|endoftext|>``, ``<|im_start|>``, ``<|im_end|>``,
``<|extra_0..204|>``, then the image/grounding tags), every special string in the text
becoming its control id, an image path between ``<img>`` and ``</img>`` encoded byte by
byte and padded with ``<imgpad>`` to 256 tokens, and ``from_list_format``. Like the
released code it raises ``ValueError`` on an ``<img>`` left unclosed, when encoding and
when decoding (the bridge must never let OCR text or generated ids reach it that way), and
decoding an image span needs its ``<imgpad>`` padding.
"""

import base64
import os
import unicodedata

import tiktoken
from transformers import PreTrainedTokenizer

VOCAB_FILES_NAMES = {"vocab_file": "qwen.tiktoken"}
PAT_STR = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"""
    r"""[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
ENDOFTEXT, IMSTART, IMEND = "<|endoftext|>", "<|im_start|>", "<|im_end|>"
EXTRAS = tuple(f"<|extra_{i}|>" for i in range(205))
IMAGE_ST = (
    "<ref>",
    "</ref>",
    "<box>",
    "</box>",
    "<quad>",
    "</quad>",
    "<img>",
    "</img>",
    "<imgpad>",
)
IMG_TOKEN_SPAN = 256


def _load_tiktoken_bpe(path):
    with open(path, "rb") as f:
        return {
            base64.b64decode(tok): int(rank)
            for tok, rank in (line.split() for line in f.read().splitlines() if line)
        }


def _replace_closed_tag(tokens, start_tag, end_tag, inclusion_replace):
    """Replace each ``start ... end`` run; a start tag without its end tag is an error,
    as in the released tokenizer."""
    out, i = [], 0
    while i < len(tokens):
        if tokens[i] == start_tag:
            if end_tag not in tokens[i + 1 :]:
                raise ValueError("Unclosed image token")
            j = tokens.index(end_tag, i + 1)
            out.extend(inclusion_replace(tokens[i : j + 1]))
            i = j + 1
        else:
            out.append(tokens[i])
            i += 1
    return out


class QWenTokenizer(PreTrainedTokenizer):
    vocab_files_names = VOCAB_FILES_NAMES

    def __init__(self, vocab_file, errors="replace", **kwargs):
        self.errors = errors
        self.vocab_file = vocab_file
        self.mergeable_ranks = _load_tiktoken_bpe(vocab_file)
        start = len(self.mergeable_ranks)
        self.special_tokens = {
            tok: start + i for i, tok in enumerate((ENDOFTEXT, IMSTART, IMEND) + EXTRAS + IMAGE_ST)
        }
        self.tokenizer = tiktoken.Encoding(
            "qwen-double",
            pat_str=PAT_STR,
            mergeable_ranks=self.mergeable_ranks,
            special_tokens=self.special_tokens,
        )
        self.decoder = {v: k for k, v in self.mergeable_ranks.items()}
        self.decoder.update({v: k for k, v in self.special_tokens.items()})
        self.eod_id = self.special_tokens[ENDOFTEXT]
        self.im_start_id = self.special_tokens[IMSTART]
        self.im_end_id = self.special_tokens[IMEND]
        self.image_start_tag, self.image_end_tag, self.image_pad_tag = "<img>", "</img>", "<imgpad>"
        self.img_start_id = self.special_tokens["<img>"]
        self.img_end_id = self.special_tokens["</img>"]
        self.img_pad_id = self.special_tokens["<imgpad>"]
        self.IMAGE_ST = IMAGE_ST
        super().__init__(errors=errors, **kwargs)

    def __len__(self):
        return self.tokenizer.n_vocab

    @property
    def vocab_size(self):
        return self.tokenizer.n_vocab

    def get_vocab(self):
        return dict(self.mergeable_ranks)

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, (str, bytes)):
            if tokens in self.special_tokens:
                return self.special_tokens[tokens]
            return self.mergeable_ranks.get(tokens)
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def _convert_token_to_id(self, token):
        return self.convert_tokens_to_ids(token)

    def _convert_id_to_token(self, index):
        return self.decoder[index]

    def tokenize(self, text, allowed_special="all", disallowed_special=(), **kwargs):
        text = unicodedata.normalize("NFC", text)
        tokens = [
            self.decoder[t]
            for t in self.tokenizer.encode(
                text, allowed_special=allowed_special, disallowed_special=disallowed_special
            )
        ]

        def _encode_imgurl(img_tokens):
            url = b"".join(img_tokens[1:-1])
            out = list(map(self.decoder.get, url))
            if len(out) > IMG_TOKEN_SPAN:
                raise ValueError("The content in <img>..</img> is too long")
            out.extend([self.image_pad_tag] * (IMG_TOKEN_SPAN - len(out)))
            return [self.image_start_tag] + out + [self.image_end_tag]

        return _replace_closed_tag(tokens, self.image_start_tag, self.image_end_tag, _encode_imgurl)

    def convert_tokens_to_string(self, tokens):
        text, temp = "", b""
        for t in tokens:
            if isinstance(t, str):
                text += temp.decode("utf-8", errors=self.errors) + t
                temp = b""
            else:
                temp += t
        return text + temp.decode("utf-8", errors=self.errors)

    def _decode(self, token_ids, skip_special_tokens=False, errors=None, **kwargs):
        if isinstance(token_ids, int):
            token_ids = [token_ids]

        def _decode_imgurl(ids):
            # The path bytes up to the first <imgpad> (a span with no padding fails here).
            path_ids = ids[1:-1]
            path = bytes(path_ids[: path_ids.index(self.img_pad_id)]).decode("utf-8")
            return [self.img_start_id] + self.tokenizer.encode(path) + [self.img_end_id]

        token_ids = _replace_closed_tag(
            list(token_ids), self.img_start_id, self.img_end_id, _decode_imgurl
        )
        if skip_special_tokens:
            token_ids = [i for i in token_ids if i < self.eod_id]
        return self.tokenizer.decode(token_ids, errors=errors or self.errors)

    def from_list_format(self, list_format):
        text, num_images = "", 0
        for ele in list_format:
            if "image" in ele:
                num_images += 1
                text += (
                    f"Picture {num_images}: "
                    f"{self.image_start_tag}{ele['image']}{self.image_end_tag}\n"
                )
            elif "text" in ele:
                text += ele["text"]
            else:
                raise ValueError("Unsupport element: " + str(ele))
        return text

    def save_vocabulary(self, save_directory, filename_prefix=None):
        path = os.path.join(save_directory, (filename_prefix or "") + "qwen.tiktoken")
        with open(path, "wb") as f:
            for tok, rank in sorted(self.mergeable_ranks.items(), key=lambda kv: kv[1]):
                f.write(base64.b64encode(tok) + b" " + str(rank).encode() + b"\n")
        return (path,)
