"""bench/ocr_quality.py on a handful of the ci set: Tesseract through the project is no worse
than Tesseract called directly, kind by kind, and the bench's own plumbing holds."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import load_script
from PIL import Image

from ocr_expert.synthetic import make_page_set

pytest.importorskip("pytesseract")

bench = load_script("bench/ocr_quality.py")


@pytest.fixture(scope="module")
def handful(tmp_path_factory):
    """Four words, two lines, a sign, and two pages whose layouts trip reading order."""
    labels = make_page_set(tmp_path_factory.mktemp("ci"), size="ci", seed=0)
    items = [i for i in bench.load_items(labels) if i.lang == "eng"]
    pick = (
        [i for i in items if i.kind == "word"][:4]
        + [i for i in items if i.kind == "line"][2:4]
        + [i for i in items if i.kind == "sign"][:1]
        + [i for i in items if i.layout in ("form", "two_column")]
    )
    return bench.measure(pick, ["tesseract-eng"], sign_psms=False)


@pytest.mark.parametrize("kind", ["word", "line", "page", "sign"])
def test_tesseract_through_the_project_is_no_worse_than_tesseract_alone(handful, kind):
    rows = [r for r in handful.rows if r.kind == kind]
    assert len(rows) == 1 and rows[0].n >= 1
    row = rows[0]
    assert row.cer_project is not None, row.note
    assert row.errors_project == 0
    assert row.no_worse(handful.tolerance), (
        f"{kind}: project CER {row.cer_project:.3f} > direct {row.cer_direct:.3f} + "
        f"{handful.tolerance}"
    )


def test_direct_tesseract_reads_the_crops_and_the_report_prints_every_row(handful, tmp_path):
    by_kind = {r.kind: r for r in handful.rows}
    # The direct calls are the reference: on clean-ish crops Tesseract alone is near perfect.
    assert by_kind["line"].cer_direct < 0.05 and by_kind["word"].cer_direct < 0.2
    table = bench.markdown(handful)
    for kind in ("word", "line", "page", "sign"):
        assert f"| tesseract lang=eng | tesseract eng | {kind} | eng |" in table
    assert "two_column (eng)" in table  # pages are broken down by layout
    data = bench.to_json(handful)
    assert json.loads(json.dumps(data))["rows"][0]["no_worse"] in (True, False)


def test_an_option_the_engine_lacks_reads_as_not_available():
    config = bench.EngineConfig(
        "x", "tesseract", {"no_such_option": 1}, ("eng",), {"eng": "tesseract-eng"}
    )
    expert, why = bench.build_expert(config)
    assert expert is None and "no_such_option" in why


def test_a_labels_file_without_kind_or_lang_is_measured_as_english(tmp_path):
    from conftest import render_lines

    render_lines(["OPEN DAILY"], font_size=30).save(tmp_path / "a.png")
    (tmp_path / "labels.jsonl").write_text(
        json.dumps({"image": "a.png", "text": "OPEN DAILY"}) + "\n"
    )
    items = bench.load_items(tmp_path / "labels.jsonl")
    assert [(i.kind, i.lang) for i in items] == [("line", "eng")]
    results = bench.measure(items, ["tesseract-eng"], sign_psms=False)
    assert results.rows[0].cer_direct == pytest.approx(0.0)


@pytest.mark.parametrize(
    "change",
    [{"turn": 90}, {"scale": 0.08}, {"degrade": bench.parse_degradation("blur=5,jpeg=20")}],
    ids=["stood on its end", "letters a few pixels tall", "a blurred copy"],
)
def test_every_image_is_turned_or_resized_for_both_readers(tmp_path, change):
    from conftest import render_lines

    render_lines(["OPEN DAILY"], font_size=30).save(tmp_path / "a.png")
    (tmp_path / "labels.jsonl").write_text(
        json.dumps({"image": "a.png", "text": "OPEN DAILY"}) + "\n"
    )
    items = bench.load_items(tmp_path / "labels.jsonl")
    row = bench.measure(items, ["tesseract-eng"], sign_psms=False, **change).rows[0]
    # no longer a line either reader can read (upright and at its size, both read it exactly)
    assert row.cer_direct > 0.5 and row.cer_project is not None and row.cer_project > 0.5


def test_a_page_photographed_from_its_side_has_a_shorter_left_edge():
    page = Image.new("RGB", (200, 100), "black")
    photo = bench.photographed(page, 0.2)
    assert photo.size == page.size
    # the left edge shows the page in its middle 80 %: white above and below it
    assert photo.getpixel((1, 3)) == (255, 255, 255) and photo.getpixel((1, 50)) == (0, 0, 0)
    assert photo.getpixel((198, 1)) == (0, 0, 0)  # the right edge is the page's whole height


def test_a_degradation_is_read_from_name_value_pairs():
    d = bench.parse_degradation("contrast=0.6, noise=8,jpeg=40")
    assert (d.contrast, d.noise, d.jpeg, d.blur) == (0.6, 8.0, 40, 0.0)
    with pytest.raises(ValueError, match="bad degradation 'sharpen=2'.*contrast"):
        bench.parse_degradation("sharpen=2")
    with pytest.raises(ValueError, match="bad degradation 'blur'"):
        bench.parse_degradation("blur")


def test_a_bitonal_copy_keeps_only_black_and_white():
    import numpy as np
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (60, 20), (240, 238, 230))
    ImageDraw.Draw(page).rectangle((10, 5, 30, 15), fill=(90, 90, 90))
    copy = bench.degraded(page, bench.parse_degradation("threshold=128,noise=4"))
    assert bench.parse_degradation("threshold=128").threshold == 128
    assert set(map(tuple, np.asarray(copy).reshape(-1, 3).tolist())) == {(0, 0, 0), (255, 255, 255)}
    assert copy.getpixel((20, 10)) == (0, 0, 0) and copy.getpixel((50, 10)) == (255, 255, 255)


def test_a_bitonal_copy_at_each_images_own_level_keeps_faint_ink():
    import numpy as np
    from PIL import Image, ImageDraw

    # light grey ink on tinted paper, all of it over 128: a fixed level loses the ink, the
    # image's own level (Otsu's) keeps it
    page = Image.new("RGB", (60, 20), (235, 232, 225))
    ImageDraw.Draw(page).rectangle((10, 5, 30, 15), fill=(170, 170, 170))
    assert bench.parse_degradation("threshold=otsu").threshold == 0
    fixed = bench.degraded(page, bench.parse_degradation("threshold=128"))
    own = bench.degraded(page, bench.parse_degradation("threshold=otsu"))
    assert fixed.getpixel((20, 10)) == (255, 255, 255)
    assert own.getpixel((20, 10)) == (0, 0, 0) and own.getpixel((50, 10)) == (255, 255, 255)
    assert set(map(tuple, np.asarray(own).reshape(-1, 3).tolist())) == {(0, 0, 0), (255, 255, 255)}


def test_direct_ppocr_v6_detects_on_a_page_after_reading_a_crop():
    # rapidocr 3.x keeps the last call's step flags: a page read after a crop must still detect.
    pytest.importorskip("rapidocr")
    from conftest import render_lines

    engine = bench.PPOCRv6Direct()
    assert engine.read(render_lines(["harbour"], font_size=32), "word").strip().lower() == "harbour"
    page = render_lines(["MARKET STREET", "OPEN DAILY"], font_size=34, spacing=2.4)
    lines = [line.strip().lower() for line in engine.read(page, "page").splitlines()]
    assert lines == ["market street", "open daily"]


def test_a_pdfs_pages_become_a_labelled_set_with_their_text_layer_as_truth(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    pdf = tmp_path / "manual.pdf"
    with PdfPages(pdf) as out:
        for lines in (["Contents", "1 Introduction . . . . . . 1"], ["x"], ["Index", "threads 7"]):
            fig = plt.figure(figsize=(6, 3))
            for k, line in enumerate(lines):
                fig.text(0.1, 0.7 - 0.3 * k, line)
            out.savefig(fig)
            plt.close(fig)
    pdf_labels = load_script("bench/pdf_labels.py")
    assert pdf_labels.main([str(pdf), "--out", str(tmp_path / "set"), "--min-chars", "5"]) == 0
    records = [json.loads(line) for line in (tmp_path / "set" / "labels.jsonl").open()]
    # the page holding one letter is left out; the others keep their text top to bottom
    assert [r["text"] for r in records] == [
        "Contents\n1 Introduction . . . . . . 1",
        "Index\nthreads 7",
    ]
    assert [r["image"] for r in records] == ["images/manual-p001.png", "images/manual-p003.png"]
    with Image.open(tmp_path / "set" / records[0]["image"]) as image:
        width, height = image.size  # 6 x 3 inches at 150 dpi (pdfium rounds up)
    assert 900 <= width <= 901 and 450 <= height <= 451


def test_a_pdfs_pages_can_be_chosen_by_their_columns(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    pdf = tmp_path / "paper.pdf"
    with PdfPages(pdf) as out:
        for columns in (2, 1):
            fig = plt.figure(figsize=(8.5, 11))
            for k in range(20):
                y = 0.9 - 0.04 * k
                if columns == 2:
                    fig.text(0.08, y, f"left column line {k}")
                    fig.text(0.55, y, f"right column line {k}")
                else:
                    fig.text(0.08, y, f"one line of a page set in a single column, number {k}")
            out.savefig(fig)
            plt.close(fig)
    pdf_labels = load_script("bench/pdf_labels.py")
    for chosen, kept in (("2", "images/paper-p001.png"), ("1", "images/paper-p002.png")):
        out_dir = tmp_path / f"set{chosen}"
        # a range past the PDF's last page takes the pages it has, as one range serves many PDFs
        args = [str(pdf), "--out", str(out_dir), "--columns", chosen, "--pages", "1-6"]
        assert pdf_labels.main(args) == 0
        records = [json.loads(line) for line in (out_dir / "labels.jsonl").open()]
        assert [r["image"] for r in records] == [kept]


def test_a_pdfs_lines_become_a_labelled_line_set_by_script_with_their_language(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    pdf = tmp_path / "doc.pdf"
    with PdfPages(pdf) as out:
        fig = plt.figure(figsize=(6, 3))
        lines = ["Contents of the manual", "المدينة القديمة", "page 7", "ثم المدينة and the port"]
        for k, line in enumerate(lines):
            fig.text(0.1, 0.8 - 0.2 * k, line, fontsize=14)
        out.savefig(fig)
        plt.close(fig)
    pdf_labels = load_script("bench/pdf_labels.py")
    chosen = {}
    for script in ("arabic", "latin", "any"):
        out_dir = tmp_path / script
        assert pdf_labels.main([str(pdf), "--out", str(out_dir), "--lines", script]) == 0
        chosen[script] = [json.loads(line) for line in (out_dir / "labels.jsonl").open()]
    assert [(r["text"], r["lang"], r["kind"]) for r in chosen["arabic"]] == [
        ("المدينة القديمة", "ara", "line")
    ]
    assert [r["text"] for r in chosen["latin"]] == ["Contents of the manual"]
    assert "lang" not in chosen["latin"][0]
    # a line of two scripts is scored as mixed; a line of few letters (a page number) is left
    assert [r.get("lang") for r in chosen["any"]] == [None, "ara", "mix"]
    with Image.open(tmp_path / "arabic" / chosen["arabic"][0]["image"]) as crop:
        width, height = crop.size  # one 14 pt line at 150 dpi, with its margin
    assert 25 <= height <= 60 and 100 <= width <= 400


def test_a_line_broken_by_a_hyphen_is_cut_apart_from_the_next(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    # pdfium joins `bibliog-` to the line under it, with no line break between
    pdf = tmp_path / "paper.pdf"
    with PdfPages(pdf) as out:
        fig = plt.figure(figsize=(6, 3))
        for k, line in enumerate(["an entry in the bibliog-", "raphy. An entry in the list"]):
            fig.text(0.1, 0.7 - 0.1 * k, line, fontsize=14)
        out.savefig(fig)
        plt.close(fig)
    pdf_labels = load_script("bench/pdf_labels.py")
    args = [str(pdf), "--out", str(tmp_path / "set"), "--lines", "latin", "--min-chars", "0"]
    assert pdf_labels.main(args) == 0
    rows = [json.loads(line) for line in (tmp_path / "set" / "labels.jsonl").open()]
    assert [r["text"] for r in rows] == ["an entry in the bibliog-", "raphy. An entry in the list"]
    for row in rows:
        with Image.open(tmp_path / "set" / row["image"]) as crop:
            assert crop.height <= 60  # one 14 pt line at 150 dpi, with its margin


def test_two_consecutive_lines_are_cut_out_together_as_a_snippet(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    pdf = tmp_path / "paper.pdf"
    with PdfPages(pdf) as out:
        fig = plt.figure(figsize=(6, 3))
        lines = ["The first line of a paragraph", "and the second line of it.", "Far below it"]
        for line, y in zip(lines, (0.8, 0.72, 0.2)):
            fig.text(0.1, y, line, fontsize=10)
        out.savefig(fig)
        plt.close(fig)
    pdf_labels = load_script("bench/pdf_labels.py")
    args = [str(pdf), "--out", str(tmp_path / "set"), "--lines", "latin", "--min-chars", "0"]
    assert pdf_labels.main([*args, "--pairs"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "set" / "labels.jsonl").open()]
    # the third line stands too far below the second to be the same paragraph's
    assert [(r["text"], r["kind"]) for r in rows] == [
        ("The first line of a paragraph\nand the second line of it.", "page")
    ]
    with Image.open(tmp_path / "set" / rows[0]["image"]) as snippet:
        assert 30 <= snippet.height <= 96  # two 10 pt lines at 150 dpi, with a margin
    with pytest.raises(SystemExit):
        pdf_labels.main([str(pdf), "--out", str(tmp_path / "other"), "--pairs"])


def test_dot_leaders_can_be_left_out_of_the_score():
    from ocr_expert.scoring import Normalization, cer

    norm = Normalization.preset("caseless")
    truth, read = "1 Introduction . . . . . . . . 1", "1 Introduction ...... 1"
    assert cer(read, truth, norm) > 0.2
    assert cer(read, truth, norm.with_options(drop_leaders=True)) == 0.0
    # an ellipsis is three full stops too; a full stop and a decimal point are not leaders
    assert norm.with_options(drop_leaders=True)("Wait... 2.5 m. End.") == "wait 2.5 m. end."


def test_magazine_pages_are_drawn_with_their_text_in_reading_order(tmp_path):
    magazine = load_script("bench/magazine_pages.py")
    assert magazine.main(["--out", str(tmp_path), "--pages", "3"]) == 0
    records = [json.loads(line) for line in (tmp_path / "labels.jsonl").open()]
    assert [r["layout"] for r in records] == [
        "2 columns, title",
        "3 columns, footer",
        "2 columns, title, footer",
    ]
    first, second, third = (r["text"].splitlines() for r in records)
    assert first[0] in magazine.TITLES and third[0] in magazine.TITLES
    assert second[-1] == third[-1] == " ".join(magazine.FOOTER.split())
    # one article: its lines run on from column to column, each drawn once
    assert len(set(second)) == len(second) > 100
    coloured = 0
    for record in records:
        with Image.open(tmp_path / record["image"]) as image:
            assert image.size == (1700, 2200)
            pixels = np.asarray(image.convert("RGB")).astype(int)
        coloured += int(((pixels.max(axis=2) - pixels.min(axis=2)) > 60).sum())
    assert coloured > 10_000  # photographs among the columns


def test_a_negative_copy_is_light_on_dark_and_the_switch_is_read_as_one():
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (60, 20), (250, 250, 250))
    ImageDraw.Draw(page).rectangle((10, 5, 30, 15), fill=(10, 10, 10))
    copy = bench.degraded(page, bench.parse_degradation("negative=1"))
    assert copy.getpixel((20, 10)) == (245, 245, 245) and copy.getpixel((50, 10)) == (5, 5, 5)
    assert bench.parse_degradation("negative=0").negative is False
    with pytest.raises(ValueError, match="negative=1 or =0"):
        bench.parse_degradation("negative=0.5")


def test_word_and_line_crops_are_cut_from_a_labelled_page_and_labelled_from_its_truth(tmp_path):
    from conftest import render_lines
    from PIL import Image

    lines = ["Invoice number 4471 paid", "Shipped to Greensboro today"]
    page = render_lines(lines)
    page.save(tmp_path / "page.png")
    truth = "\n".join(lines).replace("Greensboro", "Greensborough")  # truth is not the reading
    (tmp_path / "labels.jsonl").write_text(
        json.dumps({"image": "page.png", "text": truth, "lang": "eng", "layout": "note"}) + "\n"
    )
    page_crops = load_script("bench/page_crops.py")
    out = tmp_path / "crops"
    args = ["--labels", str(tmp_path / "labels.jsonl"), "--out", str(out), "--words", "3"]
    assert page_crops.main([*args, "--snippets", "0"]) == 0
    records = [json.loads(line) for line in (out / "labels.jsonl").open()]
    words = [r for r in records if r["kind"] == "word"]
    line_records = [r for r in records if r["kind"] == "line"]
    assert 1 <= len(words) <= 3  # at most --words a page, each one of the truth's words
    assert all(r["text"] in truth.split() for r in words)
    # each line labelled with the stretch of the truth it aligns with, the truth's spelling
    assert [r["text"] for r in line_records] == [lines[0], lines[1].replace("boro", "borough")]
    assert all(r["lang"] == "eng" and r["layout"] == "note" for r in records)
    for r in records:
        with Image.open(out / r["image"]) as crop:
            assert crop.height < page.height / 2  # a crop, not the page


def test_snippets_are_runs_of_lines_cut_with_their_neighbours_edges(tmp_path):
    from conftest import render_lines
    from PIL import Image

    lines = ["Invoice number 4471 paid", "Shipped to Greensboro today", "Signed by the clerk"]
    page = render_lines(lines, spacing=1.25)  # set close: a margin of half a line shows them
    page.save(tmp_path / "page.png")
    (tmp_path / "labels.jsonl").write_text(
        json.dumps({"image": "page.png", "text": "\n".join(lines), "lang": "eng"}) + "\n"
    )
    page_crops = load_script("bench/page_crops.py")
    out = tmp_path / "crops"
    args = ["--labels", str(tmp_path / "labels.jsonl"), "--out", str(out), "--words", "0"]
    assert page_crops.main([*args, "--snippets", "2", "--seed", "3"]) == 0
    records = [json.loads(line) for line in (out / "labels.jsonl").open()]
    snippets = [r for r in records if r["kind"] == "snippet"]
    assert len(snippets) == 2 and {r["kind"] for r in records} == {"line", "snippet"}
    texts = [r["text"].split("\n") for r in snippets]
    for run in texts:  # consecutive lines of the truth, in order
        start = lines.index(run[0])
        assert run == lines[start : start + len(run)]
    assert not set(texts[0]) & set(texts[1])  # no line in two snippets
    for record, run in zip(snippets, texts):
        with Image.open(out / record["image"]) as snippet:
            ink_rows = [bool(row.any()) for row in np.asarray(snippet.convert("L")) < 128]
        # half a line's height above and below its lines: where a neighbour stands there,
        # its cut edge shows at the snippet's own edge
        first, last = lines.index(run[0]), lines.index(run[-1])
        assert ink_rows[0] == (first > 0) and ink_rows[-1] == (last < len(lines) - 1)


def test_snippets_are_read_in_auto_mode_and_every_reading_can_be_written(tmp_path):
    assert bench.PROJECT_MODE["snippet"] == "auto"
    from conftest import render_lines

    render_lines(["Paid in full"]).save(tmp_path / "a.png")
    (tmp_path / "labels.jsonl").write_text(
        json.dumps({"image": "a.png", "text": "Paid in full", "kind": "snippet"}) + "\n"
    )
    readings = tmp_path / "readings.jsonl"
    args = ["--labels", str(tmp_path / "labels.jsonl"), "--engines", "tesseract-eng"]
    assert bench.main([*args, "--no-recall", "--readings", str(readings)]) == 0
    (row,) = [json.loads(line) for line in readings.open()]
    assert row["kind"] == "snippet" and row["truth"] == "Paid in full"
    assert row["text_project"].strip() == "Paid in full" and row["cer_project"] == 0.0
    assert "text_direct" in row and row["config"] == "tesseract lang=eng"
