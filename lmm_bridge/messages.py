"""What a backend is asked: a message of image and text parts, in order.

A message is a sequence of typed parts, the way VLMEvalKit's models take interleaved
image/text lists, so a prompt with several images has the same shape as one with one. An
image part holds the image as the caller gave it (a path, bytes, a PIL image or an array);
each backend turns it into what its model reads (the ``hf`` backend decodes it, Qwen-VL-Chat
needs a file path).
"""

from __future__ import annotations

from dataclasses import dataclass

from ocr_expert.image_io import ImageSource


@dataclass(frozen=True)
class ImagePart:
    """An image, as given: a path, bytes, a PIL image or an array."""

    image: ImageSource


@dataclass(frozen=True)
class TextPart:
    """Text, exactly as the model is to read it."""

    text: str


Part = ImagePart | TextPart
Message = tuple[Part, ...]


def message_text(message: Message) -> str:
    """The text parts of ``message``, joined."""
    return "".join(p.text for p in message if isinstance(p, TextPart))


@dataclass(frozen=True)
class GenerationRequest:
    """One message and how long its answer may be; the backend wraps the message in its
    own template."""

    message: Message
    max_new_tokens: int = 32

    def __post_init__(self) -> None:
        parts = tuple(self.message)
        bad = [p for p in parts if not isinstance(p, (ImagePart, TextPart))]
        if bad:
            raise TypeError(f"a message holds ImagePart and TextPart items, got {bad[0]!r}")
        object.__setattr__(self, "message", parts)  # a list given is kept as a tuple

    @classmethod
    def one_image(
        cls, image: ImageSource, text: str, max_new_tokens: int = 32
    ) -> GenerationRequest:
        """An image followed by the text about it (the shape of every benchmark prompt)."""
        return cls((ImagePart(image), TextPart(text)), max_new_tokens)

    @property
    def images(self) -> list[ImageSource]:
        """The images of the message, in order."""
        return [p.image for p in self.message if isinstance(p, ImagePart)]

    @property
    def text(self) -> str:
        """The text parts of the message, joined."""
        return message_text(self.message)


__all__ = ["GenerationRequest", "ImagePart", "Message", "Part", "TextPart", "message_text"]
