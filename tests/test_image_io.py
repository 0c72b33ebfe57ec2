"""Any image a user hands in becomes RGB; anything else is one clear error naming it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ocr_expert import ImageInputError, OCRExpert, OCRResult, load_image


def png_bytes(image: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.new("RGBA", (40, 20), (255, 0, 0, 128)),
        lambda: Image.new("L", (40, 20), 128),
        lambda: Image.new("LA", (40, 20), (128, 255)),
        lambda: Image.new("1", (40, 20), 1),
        lambda: Image.new("P", (40, 20), 3),
        lambda: Image.new("CMYK", (40, 20), (0, 255, 0, 0)),
        lambda: Image.new("I;16", (40, 20), 65535),
        lambda: Image.new("I", (40, 20), 1000),
        lambda: Image.new("F", (40, 20), 0.5),
    ],
    ids=["RGBA", "L", "LA", "1", "P", "CMYK", "I;16", "I", "F"],
)
def test_every_mode_becomes_rgb(make):
    loaded = load_image(make())
    assert loaded.image.mode == "RGB" and loaded.image.size == (40, 20)


def test_sixteen_bit_grey_keeps_its_brightness():
    image = Image.fromarray(np.full((8, 8), 65535, dtype=np.uint16))
    assert load_image(image).image.getpixel((0, 0)) == (255, 255, 255)
    half = Image.fromarray(np.full((8, 8), 32768, dtype=np.uint16))
    assert load_image(half).image.getpixel((0, 0)) == (128, 128, 128)


def test_transparency_is_flattened_onto_white():
    assert load_image(Image.new("RGBA", (4, 4), (0, 0, 0, 0))).image.getpixel((0, 0)) == (
        255,
        255,
        255,
    )


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (60, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif)
    assert load_image(path).image.size == (20, 60)


def test_paths_bytes_and_arrays_are_accepted(tmp_path):
    image = Image.new("RGB", (30, 10), "red")
    path = tmp_path / "red.png"
    image.save(path)
    from_path, from_bytes = load_image(path), load_image(path.read_bytes())
    assert from_path.digest == from_bytes.digest  # same file bytes, same cache key
    assert load_image(str(path)).image.getpixel((0, 0)) == (255, 0, 0)
    assert load_image(np.zeros((10, 30, 3), dtype=np.uint8)).image.size == (30, 10)
    assert load_image(np.zeros((10, 30), dtype=np.float32)).image.mode == "RGB"


def test_missing_empty_corrupt_and_folder_inputs_name_the_input(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"this is not an image")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(png_bytes(Image.effect_noise((200, 200), 50).convert("RGB"))[:300])
    cases = {
        tmp_path / "missing.png": "not found",
        empty: "empty",
        corrupt: "not an image",
        truncated: "cannot read image",
        tmp_path: "folder",
    }
    for source, words in cases.items():
        with pytest.raises(ImageInputError, match=words) as info:
            load_image(source)
        assert str(source) in str(info.value)


def test_bad_in_memory_inputs_are_clear_errors():
    with pytest.raises(ImageInputError, match="empty"):
        load_image(b"")
    with pytest.raises(ImageInputError, match="unsupported image input <int>"):
        load_image(42)  # type: ignore[arg-type]
    with pytest.raises(ImageInputError, match="not an image"):
        load_image(np.zeros((4, 4, 7), dtype=np.uint8))


def test_decompression_bombs_are_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (12000, 12000)).save(path)  # 144 megapixels, a few kB on disk
    with pytest.raises(ImageInputError, match="too large") as info:
        load_image(path)
    assert "bomb.png" in str(info.value)
    with pytest.raises(ImageInputError, match="too large"):
        load_image(Image.new("1", (500, 500)), max_pixels=1000)


def test_the_expert_raises_the_same_error_for_a_bad_image(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    expert = OCRExpert("tesseract", cache_dir=tmp_path / "cache")
    with pytest.raises(ImageInputError, match="bad.jpg"):
        expert.read(bad)
    results = expert.read_many([bad, Image.new("RGB", (50, 50), "white")])
    assert isinstance(results[0], ImageInputError) and isinstance(results[1], OCRResult)
