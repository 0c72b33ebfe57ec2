"""What a loaded tokenizer treats as control, and how long a model's window is: read off the
tokenizer and the config, not hard-coded."""

from __future__ import annotations

import re
from typing import Any

_WORDLIKE = re.compile(r"^\w+$")


def tokenizer_control_strings(tokenizer: Any) -> list[str]:
    """Special tokens, added tokens with markup characters, and (for tiktoken-based
    remote-code tokenizers such as Qwen-VL-Chat's) the ``special_tokens`` table."""
    found: set[str] = set(getattr(tokenizer, "all_special_tokens", []) or [])
    decoder = getattr(tokenizer, "added_tokens_decoder", None) or {}
    for token in decoder.values():
        content = getattr(token, "content", str(token))
        # Plain words added to a vocabulary are not control tokens; anything with markup is.
        if getattr(token, "special", False) or not _WORDLIKE.match(content):
            found.add(content)
    table = getattr(tokenizer, "special_tokens", None)
    if isinstance(table, dict):
        found.update(k for k in table if isinstance(k, str))
    return sorted(s for s in found if s and s.strip())


def single_token_ids(tokenizer: Any, strings: list[str]) -> set[int]:
    """Ids of the strings the tokenizer encodes as one token."""
    ids: set[int] = set()
    for s in strings:
        encoded = tokenizer.encode(s, add_special_tokens=False)
        if len(encoded) == 1:
            ids.add(int(encoded[0]))
    return ids


#: ``model_max_length`` at or above this is transformers' "no limit" placeholder
_NO_LIMIT = 10**8


def window_length(
    config: Any, tokenizer: Any, keys: tuple[str, ...] = ("max_position_embeddings",)
) -> int | None:
    """The tokens a model takes in all: the first of ``keys`` its (text) config sets,
    bounded by the tokenizer's ``model_max_length`` where that is a real limit; None when
    neither says."""
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    found = next(
        (
            int(v)
            for c in (text_config, config)
            for k in keys
            if isinstance(v := getattr(c, k, None), int) and v > 0
        ),
        None,
    )
    limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(limit, int) and 0 < limit < _NO_LIMIT:
        found = limit if found is None else min(found, limit)
    return found


__all__ = ["single_token_ids", "tokenizer_control_strings", "window_length"]
