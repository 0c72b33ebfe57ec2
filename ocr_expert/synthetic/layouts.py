"""Page layouts: prose in columns, tables, receipts, posters, forms, bilingual documents.

Each function draws one clean page at ``dpi`` and returns the ``Canvas`` whose ``lines`` are
the ground truth in human reading order: running header, title, the whole first column then
the next (right to left in Arabic), sidebar, footnote, page number.
"""

from __future__ import annotations

import random

from PIL.ImageFont import FreeTypeFont

from ocr_expert.synthetic import text as T
from ocr_expert.synthetic.canvas import Canvas, TextFlow, flow_column, text_width
from ocr_expert.synthetic.fonts import font

INK = (20, 20, 20)
GREY = (90, 90, 90)


def _pt(dpi: int, points: float) -> int:
    return max(6, round(points * dpi / 72))


def _sheet(dpi: int, width_in: float, height_in: float) -> tuple[Canvas, int, int, int]:
    """A white sheet of the given size in inches, its margin and the text block's x range."""
    canvas = Canvas(round(width_in * dpi), round(height_in * dpi))
    margin = round(0.5 * dpi)
    return canvas, margin, margin, canvas.width - margin


def prose_page(
    rng: random.Random,
    dpi: int,
    *,
    lang: str = "eng",
    columns: int = 1,
    drop_cap: bool = False,
    sidebar: bool = False,
    footnote: bool = False,
    justify: bool = True,
) -> Canvas:
    """A book or magazine page: running header, title across the columns, prose, page number."""
    rtl = lang == "ara"
    face = "sans" if rtl else rng.choice(("serif", "sans"))
    canvas, margin, x0, x1 = _sheet(dpi, 5.5, 7.0)
    body = font(face, _pt(dpi, rng.choice((9, 10, 11))))
    line_h = round(body.size * 1.4)
    y = margin

    # Running header with a rule under it.
    small = font(face, _pt(dpi, 8))
    header = rng.choice(T.ARABIC_HEADERS if rtl else T.HEADERS)
    canvas.line(header, x0, x1, y, small, fill=GREY, rtl=rtl, align=rng.choice(("start", "center")))
    y += round(small.size * 1.6)
    canvas.draw.line((x0, y, x1, y), fill=GREY, width=max(1, dpi // 150))
    y += round(0.18 * dpi)

    # Title spanning all columns.
    title_font = font("sans_bold" if rtl else face + "_bold", _pt(dpi, rng.choice((16, 18, 20))))
    title = rng.choice(T.ARABIC_TITLES if rtl else T.TITLES)
    canvas.line(title, x0, x1, y, title_font, rtl=rtl, align="center")
    y += round(title_font.size * 1.9)

    # Page number and footnote take the bottom of the page.
    bottom = canvas.height - margin
    number_font = font(face, _pt(dpi, 9))
    number_y = bottom - number_font.size
    body_bottom = number_y - round(0.2 * dpi)
    note_font = font(face, _pt(dpi, 7.5))
    note_y = None
    if footnote and not rtl:
        note_y = body_bottom - round(note_font.size * 1.4)
        body_bottom = note_y - round(0.15 * dpi)

    gap = round(0.25 * dpi)
    main_x0, main_x1 = x0, x1
    side_box = None
    if sidebar:
        side_w = round((x1 - x0) * 0.34)
        if rtl:
            side_box = (x0, y, x0 + side_w, y + round((body_bottom - y) * 0.55))
            main_x0 = x0 + side_w + gap
        else:
            side_box = (x1 - side_w, y, x1, y + round((body_bottom - y) * 0.55))
            main_x1 = x1 - side_w - gap
    col_w = (main_x1 - main_x0 - gap * (columns - 1)) / columns
    flow = TextFlow(T.paragraphs(rng, lang), body, rtl)
    indent = body.size * 1.5
    for c in range(columns):
        # Columns are read left to right in English and right to left in Arabic.
        k = columns - 1 - c if rtl else c
        cx0 = main_x0 + k * (col_w + gap)
        cx1 = cx0 + col_w
        narrow, prefix = (0, 0.0), ""
        if drop_cap and c == 0:
            narrow, prefix = _drop_cap(canvas, flow, face, cx0, y, line_h, body)
        flow_column(
            canvas,
            flow,
            cx0,
            cx1,
            y,
            body_bottom,
            line_h,
            justify=justify,
            indent=indent,
            narrow=narrow,
            prefix_first=prefix,
        )
    if columns > 1:
        rule_x = [main_x0 + k * (col_w + gap) - gap / 2 for k in range(1, columns)]
        if rng.random() < 0.5:
            for rx in rule_x:
                canvas.draw.line((rx, y, rx, body_bottom), fill=(160, 160, 160), width=1)

    if side_box is not None:
        _sidebar(canvas, rng, side_box, face, dpi, rtl)
    if note_y is not None:
        canvas.draw.line((x0, note_y - 6, x0 + (x1 - x0) // 3, note_y - 6), fill=GREY, width=1)
        canvas.line("1 " + rng.choice(T.FOOTNOTES), x0, x1, note_y, note_font, fill=INK)
    canvas.line(str(rng.randint(2, 240)), x0, x1, number_y, number_font, align="center", fill=GREY)
    return canvas


def _drop_cap(
    canvas: Canvas, flow: TextFlow, face: str, x: float, y: float, line_h: float, body: FreeTypeFont
) -> tuple[tuple[int, float], str]:
    """Draw the first paragraph's first letter three lines tall; the flow goes on without it.

    Returns the inset of the first three lines and the letter, recorded before the first
    line's text so that the ground truth joins it to the word it begins.
    """
    words = next(flow.paragraphs)
    letter, rest = words[0][0], words[0][1:]
    flow.pending = ([rest] if rest else []) + words[1:]
    flow.paragraph_start = True
    # Cap top on the first line's cap top, baseline on the third line's baseline.
    ascent, _ = body.getmetrics()
    cap_top = y + ascent + body.getbbox("H", anchor="ls")[1]
    baseline = y + 2 * line_h + ascent
    target = baseline - cap_top
    big_face = "serif_bold" if face.startswith("serif") else "sans_bold"
    size = round(target / 0.73)
    for _ in range(3):
        cap = -font(big_face, size).getbbox(letter, anchor="ls")[1]
        size = max(8, round(size * target / max(cap, 1)))
    big = font(big_face, size)
    canvas.draw.text((x, baseline), letter, font=big, fill=INK, anchor="ls")
    inset = big.getlength(letter) + body.size * 0.4
    return (3, inset), letter if rest else letter + " "


def _sidebar(canvas: Canvas, rng: random.Random, box, face: str, dpi: int, rtl: bool) -> None:
    """A shaded, boxed sidebar: a bold heading and a few short lines."""
    x0, y0, x1, y1 = box
    canvas.draw.rectangle(box, fill=(232, 236, 242), outline=(60, 70, 90), width=max(1, dpi // 100))
    pad = round(0.12 * dpi)
    head = font("sans_bold", _pt(dpi, 10))
    small = font("sans", _pt(dpi, 8.5))
    y = y0 + pad
    if rtl:
        canvas.line(
            rng.choice(("حقائق", "باختصار", "أرقام")), x0 + pad, x1 - pad, y, head, rtl=True
        )
        y += round(head.size * 1.6)
        sentences = rng.sample(T.ARABIC_SENTENCES, 4)
        flow = TextFlow(iter([s.split() for s in sentences]), small, True)
        flow_column(
            canvas,
            flow,
            x0 + pad,
            x1 - pad,
            y,
            y1 - pad,
            round(small.size * 1.45),
            justify=False,
            indent=0,
        )
        return
    canvas.line(rng.choice(T.SIDEBAR_HEADS), x0 + pad, x1 - pad, y, head)
    y += round(head.size * 1.7)
    for item in rng.sample(T.SIDEBAR_LINES, len(T.SIDEBAR_LINES)):
        if y + small.size * 1.5 > y1 - pad:
            break
        if text_width(item, small) > x1 - x0 - 2 * pad:
            continue
        canvas.line(item, x0 + pad, x1 - pad, y, small)
        y += round(small.size * 1.6)


def table_page(rng: random.Random, dpi: int, *, ruled: bool) -> Canvas:
    """A short paragraph, a table (one ground-truth line per row, cells in order) and a note."""
    face = rng.choice(("serif", "sans"))
    canvas, margin, x0, x1 = _sheet(dpi, 5.5, 4.8)
    body = font(face, _pt(dpi, 10))
    y: float = margin
    flow = TextFlow(T.paragraphs(rng, "eng"), body, False)
    y = flow_column(
        canvas,
        flow,
        x0,
        x1,
        y,
        y + 2.9 * body.size * 1.4,
        round(body.size * 1.4),
        justify=True,
        indent=0,
    )
    y += round(0.15 * dpi)
    caption = font(face + "_bold", _pt(dpi, 10))
    canvas.line(rng.choice(T.TABLE_TITLES), x0, x1, y, caption)
    y += round(caption.size * 1.8)
    heads = rng.choice(T.TABLE_HEADS)
    rows = [list(heads)]
    for region in rng.sample(T.REGIONS, rng.randint(4, 7)):
        a, b = rng.randint(120, 990), rng.randint(120, 990)
        third = f"{100 * (b - a) / a:+.1f}%" if heads[3] == "Change" else str(rng.randint(120, 990))
        rows.append([region, str(a), str(b), third])
    cell = font(face, _pt(dpi, 9.5))
    head_font = font(face + "_bold", _pt(dpi, 9.5))
    row_h = round(cell.size * (1.9 if ruled else 1.6))
    col_x = [x0, x0 + (x1 - x0) * 0.38, x0 + (x1 - x0) * 0.58, x0 + (x1 - x0) * 0.79, x1]
    pad = round(0.06 * dpi)
    top = y
    for r, row in enumerate(rows):
        fnt = head_font if r == 0 else cell
        ty = y + (row_h - fnt.size) / 2 - fnt.size * 0.1
        for c, value in enumerate(row):
            # Names left, numbers right-aligned in their cells.
            align = "start" if c == 0 else "end"
            canvas.line(
                value, col_x[c] + pad, col_x[c + 1] - pad, ty, fnt, align=align, record=False
            )
        canvas.lines.append(" ".join(row))
        y += row_h
        if not ruled and r == 0:
            canvas.draw.line((x0, y - 2, x1, y - 2), fill=INK, width=1)
    if ruled:
        for k in range(len(rows) + 1):
            canvas.draw.line(
                (x0, top + k * row_h, x1, top + k * row_h), fill=INK, width=max(1, dpi // 120)
            )
        for cx in col_x:
            canvas.draw.line((cx, top, cx, y), fill=INK, width=max(1, dpi // 120))
    y += round(0.15 * dpi)
    note = font(face, _pt(dpi, 8))
    canvas.line(rng.choice(T.FOOTNOTES), x0, x1, y, note, fill=GREY)
    return canvas


def receipt(rng: random.Random, dpi: int) -> Canvas:
    """A till receipt: shop name and address centred, items with prices at the right edge."""
    face = rng.choice(("mono", "sans"))
    fnt = font(face, _pt(dpi, 9))
    bold = font("mono_bold" if face == "mono" else "sans_bold", _pt(dpi, 11))
    items = rng.sample(T.ITEMS, rng.randint(4, 8))
    line_h = round(fnt.size * 1.55)
    width = round(3.0 * dpi)
    height = round(0.5 * dpi + line_h * (len(items) + 10))
    canvas = Canvas(width, height, background=(250, 250, 246))
    margin = round(0.2 * dpi)
    x0, x1 = margin, width - margin
    y = margin
    canvas.line(rng.choice(T.SHOPS), x0, x1, y, bold, align="center")
    y += round(bold.size * 1.5)
    canvas.line(rng.choice(T.STREETS), x0, x1, y, fnt, align="center")
    y += line_h
    canvas.line(
        f"Date {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024 "
        f"{rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}",
        x0,
        x1,
        y,
        fnt,
        align="center",
    )
    y += line_h + line_h // 3
    canvas.draw.line((x0, y - line_h // 4, x1, y - line_h // 4), fill=GREY, width=1)
    total = 0
    for item in items:
        cents = rng.randint(49, 1499)
        total += cents
        price = f"{cents // 100}.{cents % 100:02d}"
        canvas.line(item, x0, x1, y, fnt, record=False)
        canvas.line(price, x0, x1, y, fnt, align="end", record=False)
        canvas.lines.append(f"{item} {price}")
        y += line_h
    canvas.draw.line((x0, y + line_h // 6, x1, y + line_h // 6), fill=GREY, width=1)
    y += line_h // 2
    price = f"{total // 100}.{total % 100:02d}"
    canvas.line("TOTAL", x0, x1, y, bold, record=False)
    canvas.line(price, x0, x1, y, bold, align="end", record=False)
    canvas.lines.append(f"TOTAL {price}")
    y += round(bold.size * 1.6)
    canvas.line(rng.choice(("Paid by card", "Cash", "Card payment")), x0, x1, y, fnt)
    y += line_h
    canvas.line("Thank you", x0, x1, y, fnt, align="center")
    return canvas


def poster(rng: random.Random, dpi: int) -> Canvas:
    """An infographic: a big title, then rows of coloured blocks of different sizes.

    Reading order is block by block, rows top to bottom, blocks left to right in a row.
    """
    width, height = round(6 * dpi), round(7.5 * dpi)
    bg = rng.choice(((250, 246, 235), (235, 244, 250), (245, 245, 245)))
    canvas = Canvas(width, height, background=bg)
    margin = round(0.4 * dpi)
    title_font = font("sans_bold", _pt(dpi, rng.choice((26, 30))))
    y = margin
    canvas.line(
        rng.choice(T.POSTER_TITLES),
        margin,
        width - margin,
        y,
        title_font,
        align="center",
        fill=(30, 40, 90),
    )
    y += round(title_font.size * 1.8)
    palette = ((230, 80, 60), (40, 120, 180), (60, 160, 90), (240, 170, 40), (120, 80, 160))
    stats = rng.sample(range(len(T.POSTER_STATS)), len(T.POSTER_STATS))
    k = 0
    while k < len(stats):
        per_row = rng.choice((1, 2, 3))
        row_h = round(rng.uniform(1.2, 1.9) * dpi)
        if y + row_h > height - margin:
            break
        gap = round(0.2 * dpi)
        shares = [rng.uniform(0.7, 1.3) for _ in range(per_row)]
        total_w = width - 2 * margin - gap * (per_row - 1)
        x: float = margin
        for share in shares:
            if k >= len(stats):
                break
            w = total_w * share / sum(shares)
            color = rng.choice(palette)
            h = row_h * rng.uniform(0.75, 1.0)
            canvas.draw.rounded_rectangle(
                (x, y, x + w, y + h), radius=round(0.08 * dpi), fill=color
            )
            stat, caption = T.POSTER_STATS[stats[k]], T.POSTER_CAPTIONS[stats[k]]
            big = font("sans_bold", min(_pt(dpi, rng.choice((22, 28, 34))), round(h * 0.42)))
            small = font("sans", _pt(dpi, rng.choice((9, 11))))
            while text_width(stat, big) > w * 0.9 and big.size > 10:
                big = font("sans_bold", big.size - 2)
            pad = round(0.1 * dpi)
            ty = y + pad
            canvas.line(stat, x + pad, x + w - pad, ty, big, fill=(255, 255, 255), align="center")
            ty += round(big.size * 1.25)
            flow = TextFlow(iter([caption.split()]), small, False)
            words, _, _ = flow.take(w - 2 * pad)
            canvas.words(
                words, x + pad, x + w - pad, ty, small, fill=(255, 255, 255), align="center"
            )
            if flow.pending:
                ty += round(small.size * 1.35)
                canvas.words(
                    flow.pending,
                    x + pad,
                    x + w - pad,
                    ty,
                    small,
                    fill=(255, 255, 255),
                    align="center",
                )
            x += w + gap
            k += 1
        y += row_h + round(0.2 * dpi)
    return canvas


def form(rng: random.Random, dpi: int) -> Canvas:
    """A filled-in form: ``Label: value`` rows, values aligned in a column on underlines."""
    canvas, margin, x0, x1 = _sheet(dpi, 5.5, 4.5)
    head = font("sans_bold", _pt(dpi, 14))
    label = font("sans", _pt(dpi, 10))
    value_face = rng.choice(("serif", "mono", "sans_oblique"))
    value = font(value_face, _pt(dpi, 10.5))
    y = margin
    canvas.line(rng.choice(T.FORM_TITLES), x0, x1, y, head, align=rng.choice(("start", "center")))
    y += round(head.size * 2.0)
    value_x = x0 + (x1 - x0) * 0.36
    row_h = round(label.size * 2.2)
    fields = rng.sample(T.FORM_FIELDS, rng.randint(5, 7))
    for name, values in fields:
        if y + row_h > canvas.height - margin:
            break
        answer = rng.choice(values)
        canvas.line(f"{name}:", x0, value_x, y, label, record=False)
        canvas.line(answer, value_x, x1, y - 1, value, fill=(20, 30, 120), record=False)
        canvas.draw.line(
            (value_x, y + label.size * 1.3, x1, y + label.size * 1.3), fill=GREY, width=1
        )
        canvas.lines.append(f"{name}: {answer}")
        y += row_h
    return canvas


def bilingual_document(rng: random.Random, dpi: int) -> Canvas:
    """An English notice with its Arabic translation lines, right-aligned, between English ones."""
    canvas, margin, x0, x1 = _sheet(dpi, 5.5, 5.0)
    body = font("sans", _pt(dpi, 10))
    head = font("sans_bold", _pt(dpi, 14))
    line_h = round(body.size * 1.5)
    y: float = margin
    canvas.line("PUBLIC NOTICE", x0, x1, y, head, align="center")
    y += round(head.size * 1.6)
    canvas.line("إعلان عام", x0, x1, y, head, align="center", rtl=True)
    y += round(head.size * 1.9)
    for _ in range(2):
        flow = TextFlow(T.paragraphs(rng, "eng"), body, False)
        y = flow_column(canvas, flow, x0, x1, y, y + 2 * line_h, line_h, justify=False, indent=0)
        y += line_h // 3
        arabic = "، ".join(rng.sample(T.ARABIC_SENTENCES, 2))
        flow = TextFlow(iter([arabic.split()]), body, True)
        y = flow_column(canvas, flow, x0, x1, y, y + 2 * line_h, line_h, justify=False, indent=0)
        y += line_h // 2
    return canvas
