"""bench/arabic_lines.py: the same seed draws the same Arabic lines; numbers only when asked."""

from pathlib import Path

from conftest import load_script

lines_bench = load_script("bench/arabic_lines.py")


def test_numbers_go_into_the_share_of_lines_asked_in_the_digits_asked():
    texts = ["يقع المتحف الوطني", "في وسط المدينة", "قرب النهر"] * 20
    assert lines_bench.with_numbers(texts, 0.0, 1.0, seed=3) == texts
    eastern = lines_bench.with_numbers(texts, 1.0, 1.0, seed=3)
    assert all(any("٠" <= ch <= "٩" for ch in t) for t in eastern)
    assert not any(ch.isascii() and ch.isdigit() for t in eastern for ch in t)
    european = lines_bench.with_numbers(texts, 1.0, 0.0, seed=3)
    assert all(any(ch.isascii() and ch.isdigit() for ch in t) for t in european)
    # the words around the number are the line's own, in order
    assert [w for w in european[0].split() if not w.isdigit()] == texts[0].split()
    half = lines_bench.with_numbers(texts, 0.5, 1.0, seed=3)
    assert 10 <= sum(a != b for a, b in zip(half, texts)) <= 50


def test_a_set_without_numbers_is_the_seed_s_set_as_before():
    fonts = lines_bench.arabic_fonts([])
    plain = lines_bench.build_set(4, 2, fonts)
    again = lines_bench.build_set(4, 2, fonts, numbers=0.0)
    assert [ln.text for ln in plain] == [ln.text for ln in again]
    assert [ln.image.tobytes() for ln in plain] == [ln.image.tobytes() for ln in again]
    numbered = lines_bench.build_set(4, 2, fonts, numbers=1.0)
    assert all(any(ch.isdigit() for ch in ln.text) for ln in numbered)


def test_lines_cut_with_their_neighbours_are_the_same_lines_with_ink_at_the_edges():
    import numpy as np

    fonts = lines_bench.arabic_fonts([])
    plain = lines_bench.build_set(6, 2, fonts)
    cut = lines_bench.build_set(6, 2, fonts, neighbours=1.0)
    assert [ln.text for ln in cut] == [ln.text for ln in plain]
    assert [ln.image.size for ln in cut] == [ln.image.size for ln in plain]

    def edge_ink(image: object) -> int:
        grey = np.asarray(image.convert("L"))  # type: ignore[attr-defined]
        return int((grey[:2] < 128).sum() + (grey[-2:] < 128).sum())

    # the lines above and below show at the top and bottom edges of most crops
    assert sum(edge_ink(c.image) > edge_ink(p.image) for c, p in zip(cut, plain)) >= 3


def test_a_line_goes_to_a_font_that_draws_every_character_of_it(tmp_path: Path) -> None:
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    full = lines_bench.arabic_fonts([])
    texts = [ln.text for ln in lines_bench.build_set(20, 4, full, numbers=0.5)]
    letters = {ch for t in texts for ch in t if ch.isalpha() or ch.isspace()}
    # a face with the lines' letters but no punctuation or digits, as some Arabic fonts are
    options = subset.Options()
    options.layout_features = ["*"]
    font = subset.load_font(full[0], options)
    cutter = subset.Subsetter(options)
    cutter.populate(text="".join(sorted(letters)))
    cutter.subset(font)
    letters_only = tmp_path / "letters_only.ttf"
    subset.save_font(font, str(letters_only), options)

    lines = lines_bench.build_set(20, 4, [str(letters_only), full[0]], numbers=0.5)
    assert any(ln.font == "letters_only" for ln in lines)
    assert any(ln.font != "letters_only" for ln in lines)
    for ln in lines:
        path = letters_only if ln.font == "letters_only" else full[0]
        cmap = TTFont(str(path)).getBestCmap()
        assert all(ord(ch) in cmap for ch in ln.text if not ch.isspace()), ln.text


def _write_mo(path: Path, messages: dict[str, str]) -> None:
    """A gettext catalogue (GNU .mo, little-endian) holding ``messages``."""
    import struct

    keys = sorted(messages)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(messages[k].encode() + b"\0" for k in keys)
    start = 7 * 4 + 16 * len(keys)
    id_table, str_table, offset = [], [], 0
    for k in keys:
        id_table += [len(k.encode()), start + offset]
        offset += len(k.encode()) + 1
    for k in keys:
        str_table += [len(messages[k].encode()), start + offset]
        offset += len(messages[k].encode()) + 1
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    body = struct.pack(f"<{len(id_table)}I", *id_table) + struct.pack(
        f"<{len(str_table)}I", *str_table
    )
    path.write_bytes(header + body + ids + strs)


def test_real_text_lines_come_from_gettext_catalogues(tmp_path: Path) -> None:
    _write_mo(
        tmp_path / "app.mo",
        {
            "": "Content-Type: text/plain; charset=UTF-8\n",
            "Open the file": "افتح الملفَّ المحدد الآن",  # short vowels left out
            "Save": "احفظ",  # one word: too short for a line
            "Print %s pages": "اطبع %s صفحات",  # a placeholder is not Arabic text
            "Close\nQuit": "أغلق النافذة الحالية\nاخرج من البرنامج فورا",
            "Again": "افتح الملف المحدد الآن",  # the same line twice is kept once
        },
    )
    (tmp_path / "broken.mo").write_bytes(b"not a catalogue")
    lines = lines_bench.catalogue_lines(str(tmp_path))
    assert lines == sorted(
        ["افتح الملف المحدد الآن", "أغلق النافذة الحالية", "اخرج من البرنامج فورا"]
    )
    drawn = lines_bench.build_set(5, 1, lines_bench.arabic_fonts([]), source=lines)
    assert sorted(ln.text for ln in drawn) == lines
    # with harakat: only the lines printed with short vowels or shadda, those kept
    assert lines_bench.catalogue_lines(str(tmp_path), harakat=True) == ["افتح الملفَّ المحدد الآن"]


def test_lines_are_drawn_at_the_heights_asked_for() -> None:
    # --heights 48-90: a 300 dpi scan's lines, where the default draws 13-44 px
    small = lines_bench.build_set(3, 1, lines_bench.arabic_fonts([]))
    large = lines_bench.build_set(3, 1, lines_bench.arabic_fonts([]), heights=(60, 60))
    assert [ln.text for ln in large] == [ln.text for ln in small]
    assert all(ln.height == 60 for ln in large)
    assert min(ln.image.height for ln in large) > max(ln.image.height for ln in small)
    assert lines_bench._heights("48-90") == (48, 90)
    assert lines_bench._heights("90-48") is None and lines_bench._heights("tall") is None
