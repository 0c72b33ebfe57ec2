"""PDFs as OCR input: pages rendered and numbered, text layers read exactly, bad input named."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from ocr_expert import OCRExpert
from ocr_expert.draw import load_font
from ocr_expert.engines.base import OCREngine
from ocr_expert.image_io import ImageInputError
from ocr_expert.types import Box, Span


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


def made_pdf(path: Path, lines: list[str]) -> Path:
    """A PDF made by a program (matplotlib), ``lines`` one under the other, with its text
    layer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(7, 1 + len(lines)))
    for k, line in enumerate(lines):
        fig.text(0.05, 1 - (k + 1) / (len(lines) + 1), line)
    fig.savefig(path)
    plt.close(fig)
    return path


def test_a_text_layer_is_read_exactly_and_a_scan_is_ocred(tmp_path):
    made = made_pdf(tmp_path / "made.pdf", ["Exports rose to 31 846 tonnes", "Imports fell"])
    # the layer is checked against the page by the engine's own reading of a few runs
    expert = OCRExpert("ppocr", use_cache=False)
    ((number, result),) = expert.read_pdf(made)
    assert number == 1 and result.engine == "pdf-text-layer"
    assert result.text == "Exports rose to 31 846 tonnes\nImports fell"  # top to bottom, exact
    ((_, ocred),) = expert.read_pdf(made, text_layer="never")
    assert ocred.engine == "ppocr"  # OCR of the rendered page, when asked
    ((_, scan),) = expert.read_pdf(scanned_pdf(tmp_path / "scan.pdf", 1))
    assert scan.engine == "ppocr"  # no text layer: OCR


def pdf_with_layer(path: Path, text: str, shift: int = 0, shown: str | None = None) -> Path:
    """A one-page PDF showing ``text`` in Helvetica; with ``shift``, its font's Unicode map
    gives each character as the one ``shift`` further on, as a font whose map is wrong does
    (the page shows ``Harbour``, the layer says ``Ibscpvs``). ``shown``: the page's text
    operators themselves, in place of ``text``'s."""
    content = (shown or f"BT /F1 36 Tf 20 40 Td ({text}) Tj ET").encode()
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Shifted def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"1 beginbfrange <20> <7E> <{0x20 + shift:04X}> endbfrange\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()
    to_unicode = b" /ToUnicode 6 0 R" if shift else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 100] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica%s >>" % to_unicode,
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (k, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def test_a_text_layer_the_page_does_not_show_is_ocred_instead(tmp_path):
    from ocr_expert.pdf import text_layer

    wrong = pdf_with_layer(tmp_path / "wrong.pdf", "Harbour Street", shift=1)
    spans, _ = text_layer(wrong)
    assert " ".join(s.text for s in spans) == "Ibscpvs!Tusffu"  # what the layer says
    expert = OCRExpert("ppocr", use_cache=False)
    ((_, result),) = expert.read_pdf(wrong)
    assert result.engine == "ppocr" and result.text == "Harbour Street"
    assert "page 1: its text layer is not the text the page shows" in result.notes
    ((_, kept),) = expert.read_pdf(wrong, text_layer="always")  # asked for: kept as it is
    assert kept.engine == "pdf-text-layer" and kept.text == "Ibscpvs!Tusffu"
    right = pdf_with_layer(tmp_path / "right.pdf", "Harbour Street")
    ((_, exact),) = expert.read_pdf(right)
    assert exact.engine == "pdf-text-layer" and exact.text == "Harbour Street"


def test_a_layer_keeps_words_whole_where_their_letters_are_drawn_apart(tmp_path):
    from ocr_expert.pdf import text_layer

    # a capital drawn apart from the rest of its word (S, omewhere), and a capital whose
    # neighbour is drawn over it (T, ext): PDF writers place letters so, each on its own
    shown = (
        "BT /F1 24 Tf 20 60 Td (S) Tj ET BT /F1 24 Tf 37 60 Td (omewhere on page 2) Tj ET "
        "BT /F1 24 Tf 20 20 Td (T) Tj ET BT /F1 24 Tf 33 20 Td (ext of the page) Tj ET"
    )
    pdf = pdf_with_layer(tmp_path / "kerned.pdf", "", shown=shown)
    spans, _ = text_layer(pdf)
    assert [s.text for s in spans] == ["Somewhere on page 2", "Text of the page"]


def test_a_word_pdfium_joins_across_a_line_break_is_read_as_the_page_shows_it():
    from ocr_expert.pdf import _runs

    def line(text: str, x: float, y: float) -> list[tuple[str, Box]]:
        return [(ch, (x + 10 * k, y, x + 10 * k + 8, y + 12)) for k, ch in enumerate(text)]

    # pdfium writes a word hyphenated at a line's end as one word, a 2 for its hyphen and no
    # line break: "differ\x02ences"
    hyphen: list[tuple[str, Box]] = [("\x02", (150, 0, 156, 12))]
    chars = line("a lot of differ", 0, 0) + hyphen + line("ences.", 0, 20)
    assert [text for text, _ in _runs(chars)] == ["a lot of differ-", "ences."]


def test_an_engine_that_reads_tokens_keeps_the_layer_unchecked(tmp_path):
    from ocr_expert.engines.dataset import DatasetTokensEngine

    wrong = pdf_with_layer(tmp_path / "wrong.pdf", "Harbour Street", shift=1)
    ((_, result),) = OCRExpert(DatasetTokensEngine(), use_cache=False).read_pdf(wrong)
    assert result.engine == "pdf-text-layer"  # it has no way to read the page


@given(
    st.lists(st.text(alphabet="abcXYZ 12", min_size=1, max_size=12), min_size=1, max_size=4),
    st.lists(st.text(alphabet="abcxyz 129", max_size=12), min_size=4, max_size=4),
)
def test_layer_agreement_is_a_share_and_whole_for_the_same_text(layer, read):
    from ocr_expert.pdf import layer_agreement

    agreement = layer_agreement(layer, read)
    assert agreement is None or 0.0 <= agreement <= 1.0
    same = [t.upper().replace(" ", "") + " " for t in layer]  # case and spaces do not count
    assert layer_agreement(layer, same) in (1.0, None)  # None: no letter in the layer
    assert layer_agreement(['"7+%-'], ["Phone"]) == 0.0  # glyph numbers for the letters
    assert layer_agreement(["䴀甀氀琀椀"], ["Multi"]) == 0.0  # bytes the wrong way round
    assert layer_agreement(["Multi"], ["M"]) is None  # the engine read next to nothing
    # nor dot leaders and punctuation: a contents line reads as its layer says
    assert layer_agreement(["Heading " + ". " * 40 + "1"], ["Heading.. 1"]) == 1.0


def test_a_layer_in_a_script_the_engine_does_not_read_is_kept(tmp_path):
    lines = ["Экспорт вырос до 31 846 тонн в прошлом году", "Импорт снизился на четыре процента"]
    made = made_pdf(tmp_path / "russian.pdf", lines)
    # PP-OCRv6 small reads no Cyrillic: it reads next to nothing, and cannot say the layer
    # is wrong
    ((_, result),) = OCRExpert("ppocr", use_cache=False).read_pdf(made)
    assert result.engine == "pdf-text-layer" and result.text == "\n".join(lines)


@given(
    st.floats(min_value=10, max_value=20000),
    st.floats(min_value=10, max_value=20000),
    st.integers(min_value=50, max_value=600),
)
def test_a_page_is_rendered_within_max_pixels_at_the_highest_resolution_that_fits(w, h, dpi):
    from ocr_expert.pdf import fitting_dpi

    limit = 89_478_485
    used = fitting_dpi((w, h), dpi, limit)
    pixels = (w * used / 72) * (h * used / 72)
    if (w * dpi / 72) * (h * dpi / 72) <= limit:
        assert used == dpi
    else:
        assert used < dpi and pixels <= limit
        assert (w * (used + 1) / 72) * (h * (used + 1) / 72) > limit or used + 1 >= dpi


def test_a_page_too_large_at_the_asked_resolution_is_rendered_smaller_not_refused(tmp_path):
    pdf = scanned_pdf(tmp_path / "scan.pdf", 2)  # 1x2 and 2x2 inches
    expert = OCRExpert(PageSize(), use_cache=False, max_pixels=100_000)
    pages = expert.read_pdf(pdf, dpi=300)
    # each page at the most its own size allows: 223x446 and 316x316 pixels, under 100,000
    assert [r.text for _, r in pages] == ["223x446", "316x316"]
    assert pages[0][1].notes[0] == (
        "page 1 is too large for max_pixels at 300 dpi: rendered at 223 dpi"
    )
    assert pages[1][1].notes[-1] == "page 2 rendered at 158 dpi"
    # read() takes page 1 at 200 dpi, within the limit too
    first = OCRExpert(PageSize(), use_cache=False, max_pixels=50_000).read(pdf, mode="crop")
    assert first.text == "158x316" and first.notes == ("read page 1 of 2 of a PDF at 158 dpi",)


class FailsOnWidePages(PageSize):
    """Fails on a page wider than 300 px, reads the others as ``PageSize`` does."""

    def read_page(self, image: Image.Image) -> list[Span]:
        if image.width > 300:
            raise RuntimeError("out of memory")
        return super().read_page(image)


def test_a_page_that_fails_loses_no_other_page(tmp_path, capsys):
    from ocr_expert.engines.base import OCREngineError

    pdf = scanned_pdf(tmp_path / "scan.pdf", 3)  # 200, 400, 600 px wide at 200 dpi
    expert = OCRExpert(FailsOnWidePages(), use_cache=False)
    pages = list(expert.iter_pdf(pdf))
    assert [n for n, _ in pages] == [1, 2, 3]
    assert pages[0][1].text == "200x400"  # type: ignore[union-attr]
    assert all(isinstance(r, OCREngineError) for _, r in pages[1:])
    with pytest.raises(OCREngineError, match="out of memory"):
        expert.read_pdf(pdf)  # the list form raises the first failure


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


def test_ocr_command_prints_every_page_it_can_read_and_names_the_one_it_cannot(tmp_path, capsys):
    from eval_vqa.console import main

    pages = []
    for text in ("Harbour Street", None, "Station Road"):
        if text is None:  # a strip too thin for any engine: 3000x10 px at 100 dpi
            pages.append(Image.new("RGB", (3000, 10), "white"))
            continue
        image = Image.new("RGB", (700, 200), "white")
        ImageDraw.Draw(image).text((30, 60), text, font=load_font(48), fill="black")
        pages.append(image)
    pdf = tmp_path / "three.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=100)
    code = main(["ocr", str(pdf), "--dpi", "100", "--engine", "tesseract", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "page 1 (tesseract" in out and "Harbour Street" in out
    assert "page 3 (tesseract" in out and "Station Road" in out
    assert f"error: {pdf} page 2: " in err and "page 1" not in err


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


def test_a_watermark_set_at_a_slant_across_a_layer_is_read_after_the_page_as_its_line(tmp_path):
    from ocr_expert.pdf import text_layer
    from ocr_expert.reading_order import order_spans

    # four lines of text, and over them a watermark turned 30 degrees (a draft's, a copy's)
    shown = (
        "BT /F1 12 Tf 20 70 Td (The first line of the page) Tj ET "
        "BT /F1 12 Tf 20 50 Td (goes on to the second line) Tj ET "
        "BT /F1 12 Tf 20 30 Td (and the third line, and the) Tj ET "
        "BT /F1 12 Tf 20 10 Td (fourth line ends the page.) Tj ET "
        "BT /F1 16 Tf 0.866 0.5 -0.5 0.866 120 8 Tm (DRAFT COPY) Tj ET"
    )
    spans, _ = text_layer(pdf_with_layer(tmp_path / "draft.pdf", "", shown=shown))
    lines, _ = order_spans(spans)
    assert [line.text for line in lines] == [
        "The first line of the page",
        "goes on to the second line",
        "and the third line, and the",
        "fourth line ends the page.",
        "DRAFT COPY",
    ]
