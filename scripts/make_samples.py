"""Render the sample images bundled in ``ocr_expert/samples/`` (deterministic).

python scripts/make_samples.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from ocr_expert.draw import load_font

OUT = Path(__file__).resolve().parents[1] / "ocr_expert" / "samples"


def shop_sign() -> Image.Image:
    img = Image.new("RGB", (640, 360), (34, 85, 51))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle(
        (40, 40, 600, 320), radius=24, fill=(250, 240, 210), outline=(120, 60, 20), width=6
    )
    d.text((320, 120), "HONGHE BAKERY", font=load_font(52), fill=(120, 30, 20), anchor="mm")
    d.text((320, 200), "Open daily 7am - 9pm", font=load_font(34), fill=(40, 40, 40), anchor="mm")
    d.text((320, 265), "Tel 555-0199", font=load_font(30), fill=(40, 40, 40), anchor="mm")
    return img.filter(ImageFilter.GaussianBlur(0.6))


def receipt() -> Image.Image:
    lines = [
        ("CORNER MARKET", 30),
        ("12 Harbour Street", 22),
        ("", 10),
        ("Milk 2L            3.49", 22),
        ("Bread              2.10", 22),
        ("Apples 1kg         4.25", 22),
        ("Coffee beans      11.90", 22),
        ("", 10),
        ("TOTAL             21.74", 26),
        ("Paid by card", 22),
        ("Thank you!", 22),
    ]
    img = Image.new("RGB", (460, 520), "white")
    d = ImageDraw.Draw(img)
    y = 24
    for text, size in lines:
        if text:
            d.text((30, y), text, font=load_font(size), fill="black")
        y += int(size * 1.6)
    return img


def two_columns() -> Image.Image:
    img = Image.new("RGB", (900, 520), "white")
    d = ImageDraw.Draw(img)
    d.text((450, 40), "Annual Report 2024", font=load_font(40), fill="black", anchor="mm")
    left = [
        "Revenue grew by 12 percent",
        "to 4.2 million dollars, led",
        "by strong sales in Europe.",
    ]
    right = ["Costs fell for the third", "year in a row, and the", "margin reached 18 percent."]
    for i, (a, b) in enumerate(zip(left, right)):
        d.text((40, 110 + i * 44), a, font=load_font(26), fill="black")
        d.text((480, 110 + i * 44), b, font=load_font(26), fill="black")
    d.text((40, 440), "Page 3 of 20", font=load_font(22), fill=(80, 80, 80))
    return img


def arabic_sign() -> Image.Image:
    img = Image.new("RGB", (720, 260), (245, 245, 240))
    d = ImageDraw.Draw(img)
    for y, text, size in ((60, "مرحبا بكم في المدينة", 48), (150, "شارع الملك فهد", 44)):
        d.text(
            (680, y),
            text,
            font=load_font(size),
            fill=(10, 40, 110),
            anchor="ra",
            direction="rtl",
            language="ar",
        )
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in [
        ("shop_sign", shop_sign),
        ("receipt", receipt),
        ("two_columns", two_columns),
        ("arabic_sign", arabic_sign),
    ]:
        make().save(OUT / f"{name}.png", optimize=True)
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
