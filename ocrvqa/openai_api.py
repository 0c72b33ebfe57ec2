"""Chat completions against any OpenAI-compatible server (``vllm serve``, SGLang, LMDeploy,
``transformers serve``, hosted APIs), as the ``openai`` model backend and the ``openai-ocr``
engine use them.

Over a network, failure is normal: a request that meets 429, 5xx, a timeout, a dropped
connection or an answer that is not a chat completion is sent again after a wait that
doubles each time (a ``Retry-After`` the server gives wins), up to ``retries`` times; then
it fails with :class:`EndpointError`, whose message says why. The API key is read from the
environment variable the settings name and goes only into the ``Authorization`` header:
every message this module makes has it masked, whatever a server echoes back.
"""

from __future__ import annotations

import base64
import email.utils
import io
import os
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocrvqa.errors import OcrvqaError

#: statuses worth another try: rate limits, overload, a server restarting
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
#: how much of a server's error body an error message quotes
BODY_EXCERPT = 200
MASK = "[key hidden]"
#: settings of how the client talks to the server, not of what it asks: changing them changes
#: no answer, so they key no cache and a run may be resumed with others
CLIENT_SETTINGS = frozenset(
    {"api_key_env", "timeout", "retries", "backoff", "max_wait", "concurrency"}
)

Message = dict[str, Any]


class EndpointError(OcrvqaError, RuntimeError):
    """A request to the server failed for good (or the endpoint is set up wrong); the
    message says why and never holds the key."""


class EndpointSettings(BaseModel):
    """How to reach an OpenAI-compatible server and how patient to be with it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the API root, e.g. ``http://127.0.0.1:8000/v1`` (``/chat/completions`` is added)
    base_url: str
    #: the environment variable holding the API key (the key itself is never an option)
    api_key_env: str | None = None
    #: seconds to wait for the server on each request (connecting, sending, reading)
    timeout: float = Field(default=120.0, gt=0)
    #: further tries of a failed request
    retries: int = Field(default=6, ge=0)
    #: seconds before the first retry, doubled each time (with jitter)
    backoff: float = Field(default=1.0, ge=0)
    #: the longest single wait, ``Retry-After`` included
    max_wait: float = Field(default=60.0, ge=0)
    #: requests in flight at once
    concurrency: int = Field(default=8, ge=1)
    #: shrink images whose longer side is larger than this (None: send them as they are)
    max_side: int | None = Field(default=None, ge=8)
    #: ``detail`` of each image part: text needs ``high`` (some servers default to low)
    detail: Literal["high", "low", "auto"] = "high"
    #: how images are encoded into their ``data:`` URL (PNG is lossless)
    image_format: Literal["png", "jpeg"] = "png"
    #: more request fields (``seed``, ``top_k``, ``chat_template_kwargs``, ...); they win
    extra_body: dict[str, Any] = Field(default_factory=dict)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(
                "base_url must start with http:// or https:// (e.g. http://127.0.0.1:8000/v1)"
            )
        return url.rstrip("/")

    def request_fields(self) -> dict[str, Any]:
        """The settings that change an answer (they key a cache): all but ``CLIENT_SETTINGS``."""
        return self.model_dump(include=set(EndpointSettings.model_fields) - CLIENT_SETTINGS)


def read_api_key(variable: str | None) -> str | None:
    """The key in environment variable ``variable`` (None: the server needs none)."""
    if variable is None:
        return None
    key = os.environ.get(variable, "")
    if not key:
        raise EndpointError(
            f"api_key_env: the environment variable {variable} is not set; export it "
            "with the key, or leave api_key_env out for a server that needs no key"
        )
    return key


def image_data_url(
    image: Image.Image, max_side: int | None = None, image_format: str = "png"
) -> str:
    """``image`` as a base64 ``data:`` URL, its longer side shrunk to ``max_side`` if larger."""
    if max_side is not None and max(image.size) > max_side:
        scale = max_side / max(image.size)
        image = image.resize(
            (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
            Image.Resampling.LANCZOS,
        )
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    if image_format == "jpeg":
        image.save(buffer, format="JPEG", quality=95)
    else:
        image.save(buffer, format="PNG")
    return f"data:image/{image_format};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


def image_part(url: str, detail: str) -> dict[str, Any]:
    """A message's image part as OpenAI's chat format writes it."""
    return {"type": "image_url", "image_url": {"url": url, "detail": detail}}


class ChatClient:
    """Greedy chat completions from one model on one server; thread-safe.

    ``complete`` answers one conversation, ``complete_many`` several with ``concurrency``
    requests in flight, each failure in its place.
    """

    def __init__(self, settings: EndpointSettings, model: str) -> None:
        import httpx

        self.settings, self.model = settings, model
        self.url = f"{settings.base_url}/chat/completions"
        self._key = read_api_key(settings.api_key_env)
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        limits = httpx.Limits(
            max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
        )
        self._http = httpx.Client(
            headers=headers, timeout=httpx.Timeout(settings.timeout), limits=limits
        )
        self._pool: ThreadPoolExecutor | None = None
        #: how the client waits between tries (tests record the waits instead)
        self.sleep: Callable[[float], None] = time.sleep

    def payload(self, messages: list[Message], max_tokens: int) -> dict[str, Any]:
        """The request body: greedy (temperature 0, one choice), at most ``max_tokens``."""
        return {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "n": 1,
            "stream": False,
            **self.settings.extra_body,
        }

    def complete(self, messages: list[Message], max_tokens: int) -> str:
        """The answer to ``messages``, retried as the settings allow; ``EndpointError`` when
        every try failed or the server refused the request outright (4xx)."""
        import httpx

        body = self.payload(messages, max_tokens)
        tries = self.settings.retries + 1
        reason = ""
        for attempt in range(tries):
            wait: float | None = None
            try:
                response = self._http.post(self.url, json=body)
            except httpx.TimeoutException:
                reason = f"no answer within {self.settings.timeout:g} s"
            except httpx.TransportError as exc:  # refused, reset, closed before an answer
                reason = f"connection failed ({type(exc).__name__}: {exc})"
            else:
                if response.status_code in RETRY_STATUSES:
                    reason = f"HTTP {response.status_code}: {excerpt(response.text)}"
                    wait = retry_after(response.headers.get("retry-after"))
                elif response.status_code >= 400:
                    raise EndpointError(
                        self.mask(
                            f"{self.url}: HTTP {response.status_code}, not retried: "
                            f"{excerpt(response.text)}"
                        )
                    )
                else:
                    answer, reason = parse_answer(response)
                    if answer is not None:
                        return answer
            if attempt + 1 < tries:
                self.sleep(self._wait(attempt, wait))
        raise EndpointError(self.mask(f"{self.url}: gave up after {tries} tries: {reason}"))

    def complete_many(
        self, conversations: Sequence[list[Message]], max_tokens: Sequence[int]
    ) -> list[str | EndpointError]:
        """``complete`` of each conversation, ``concurrency`` at a time; a failed one gives
        its ``EndpointError`` in its place."""

        def one(item: tuple[list[Message], int]) -> str | EndpointError:
            try:
                return self.complete(*item)
            except EndpointError as exc:
                return exc

        items = list(zip(conversations, max_tokens))
        if len(items) <= 1 or self.settings.concurrency == 1:
            return [one(item) for item in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self.settings.concurrency, thread_name_prefix="openai-api"
            )
        return list(self._pool.map(one, items))

    def mask(self, text: str) -> str:
        """``text`` with the key hidden (a server may quote it back in an error)."""
        return text.replace(self._key, MASK) if self._key else text

    def _wait(self, attempt: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:  # the server knows best
            return min(retry_after_s, self.settings.max_wait)
        # doubling, with jitter so that many clients do not come back at the same instant
        return min(self.settings.backoff * 2**attempt, self.settings.max_wait) * random.uniform(
            0.5, 1.0
        )

    def close(self) -> None:
        """Close the connections and the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        self._http.close()


def retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number of seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def parse_answer(response: Any) -> tuple[str | None, str]:
    """(the answer's text, "") of a chat completion, or (None, why it is not one)."""
    try:
        data = response.json()
    except ValueError:
        return None, f"malformed response (not JSON): {excerpt(response.text) or 'empty body'}"
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None, f"malformed response (no choices): {excerpt(response.text)}"
    content = (choices[0].get("message") or {}).get("content")
    if isinstance(content, list):  # some servers give content as parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if not isinstance(content, str):
        return None, f"malformed response (no message content): {excerpt(response.text)}"
    return content, ""


def excerpt(text: str) -> str:
    """The start of a server's body, on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= BODY_EXCERPT else flat[:BODY_EXCERPT] + "..."


__all__ = [
    "CLIENT_SETTINGS",
    "ChatClient",
    "EndpointError",
    "EndpointSettings",
    "image_data_url",
    "image_part",
    "read_api_key",
    "retry_after",
]
