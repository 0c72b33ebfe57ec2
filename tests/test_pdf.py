"""PDFs as OCR input: pages rendered and numbered, text layers read exactly, bad input named."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from ocr_expert import OCRExpert
from ocr_expert.draw import load_font
from ocr_expert.engines.base import OCREngine
from ocr_expert.image_io import ImageInputError
from ocr_expert.types import Span


class PageSize(OCREngine):
    """Reads every image as one span naming its size: which page was rendered, how large."""

    name = "page-size"

    def config(self) -> dict[str, Any]:
        return {"engine": self.name}

    def read_page(self, image: Image.Image) -> list[Span]:
        return [
            Span(
                text=f"{image.width}x{image.height}",
                box=(0, 0, image.width, image.height),
                score=1.0,
            )
        ]

    read_crop = read_page


def scanned_pdf(path: Path, pages: int) -> Path:
    """A PDF of page images only (no text layer), as a scanner writes it: page k is k*100 px
    wide."""
    images = [Image.new("RGB", (100 * (k + 1), 200), "white") for k in range(pages)]
    images[0].save(path, save_all=True, append_images=images[1:], resolution=100)
    return path


def test_read_takes_a_pdf_and_reads_its_first_page(tmp_path):
    pdf = scanned_pdf(tmp_path / "scan.pdf", 3)
    expert = OCRExpert(PageSize(), use_cache=False)
    result = expert.read(pdf)
    assert result.text == "200x400"  # page 1, 1x2 inches at 100 dpi, rendered at 200 dpi
    assert result.notes == ("read page 1 of 3 of a PDF at 200 dpi",)
    assert expert.read(pdf.read_bytes()).text == "200x400"  # bytes as well as a path


def test_read_pdf_numbers_the_chosen_pages_at_the_stated_resolution(tmp_path):
    pdf = scanned_pdf(tmp_path / "scan.pdf", 3)
    pages = OCRExpert(PageSize(), use_cache=False).read_pdf(pdf, pages="2-3", dpi=100)
    assert [(n, r.text) for n, r in pages] == [(2, "200x200"), (3, "300x200")]
    assert pages[0][1].notes[-1] == "page 2 rendered at 100 dpi"


def test_a_page_outside_the_pdf_is_named_with_the_page_count(tmp_path):
    pdf = scanned_pdf(tmp_path / "scan.pdf", 2)
    with pytest.raises(ImageInputError, match=r"pages \[5\] are not in the PDF, which has 2 page"):
        OCRExpert(PageSize(), use_cache=False).read_pdf(pdf, pages="1,5")


def test_a_damaged_pdf_fails_in_one_line_naming_it(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nnot really a pdf")
    with pytest.raises(ImageInputError, match="bad.pdf"):
        OCRExpert(PageSize(), use_cache=False).read(bad)


def test_a_text_layer_is_read_exactly_and_a_scan_is_ocred(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(6, 3))
    fig.text(0.1, 0.6, "Exports rose to 31 846 tonnes")
    fig.text(0.1, 0.3, "Imports fell")
    made = tmp_path / "made.pdf"
    fig.savefig(made)
    plt.close(fig)
    expert = OCRExpert(PageSize(), use_cache=False)
    ((number, result),) = expert.read_pdf(made)
    assert number == 1 and result.engine == "pdf-text-layer"
    assert result.text == "Exports rose to 31 846 tonnes\nImports fell"  # top to bottom, exact
    ((_, ocred),) = expert.read_pdf(made, text_layer="never")
    assert ocred.engine == "page-size"  # OCR of the rendered page, when asked
    ((_, scan),) = expert.read_pdf(scanned_pdf(tmp_path / "scan.pdf", 1))
    assert scan.engine == "page-size"  # no text layer: OCR


def test_ocr_command_reads_a_pdf_page_by_page(tmp_path, capsys):
    from eval_vqa.console import main

    pages = []
    for text in ("Harbour Street", "Station Road"):
        image = Image.new("RGB", (700, 200), "white")
        ImageDraw.Draw(image).text((30, 60), text, font=load_font(48), fill="black")
        pages.append(image)
    pdf = tmp_path / "two.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=100)
    code = main(
        ["ocr", str(pdf), "--pages", "2", "--dpi", "100", "--engine", "tesseract", "--no-cache"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert f"== {pdf} page 2 (tesseract" in out and "Station Road" in out and "Harbour" not in out


def test_pdf_bytes_in_memory_are_not_taken_for_an_image(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(buffer, format="PDF", resolution=100)
    from ocr_expert.pdf import is_pdf

    assert is_pdf(buffer.getvalue()) and not is_pdf(b"\x89PNG\r\n")


def test_a_model_that_opens_image_files_gets_the_first_page_as_png(tmp_path):
    from lmm_bridge.image_files import image_path_for

    pdf = scanned_pdf(tmp_path / "scan.pdf", 2)
    path = image_path_for(pdf, tmp_path / "images")
    assert path.endswith(".png")
    with Image.open(path) as image:
        assert image.size == (200, 400)  # page 1 at 200 dpi
