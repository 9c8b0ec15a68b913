#!/usr/bin/env python3
"""Draws a real frame of deadweight's TUI as a PNG for the README.

The frame is the UI's own output on the sample image, dumped cell by cell (text, colours,
modifiers) by `cargo test --bin deadweight ui::tests::screenshot -- --ignored` into
target/ui-screenshot.json. This script only paints those cells with a monospace font:
    /usr/bin/python3 assets/make-screenshot.py target/ui-screenshot.json assets/screenshot.png
Needs Pillow (Debian: python3-pil) and DejaVu Sans Mono (fonts-dejavu-core).
"""
import json
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 15
BG = (24, 26, 33)
FG = (214, 218, 224)
PALETTE = {
    "Reset": None,
    "Black": (40, 42, 54),
    "Red": (240, 98, 98),
    "Green": (120, 200, 120),
    "Yellow": (232, 196, 92),
    "Blue": (110, 150, 240),
    "Magenta": (206, 130, 220),
    "Cyan": (92, 200, 220),
    "Gray": (170, 170, 170),
    "DarkGray": (118, 124, 138),
    "White": (240, 240, 240),
}


def colour(name, default):
    c = PALETTE.get(name)
    return default if c is None else c


def main(src, dst):
    frame = json.load(open(src))
    font = ImageFont.truetype(FONT, SIZE)
    bold = ImageFont.truetype(BOLD, SIZE)
    left, top, right, bottom = font.getbbox("M")
    cw = font.getlength("M")
    ch = int(SIZE * 1.32)
    pad = 14
    w = int(cw * frame["width"]) + 2 * pad
    h = ch * frame["height"] + 2 * pad
    img = Image.new("RGB", (w, h), BG)
    d = ImageDraw.Draw(img)
    for y, row in enumerate(frame["rows"]):
        for x, (sym, fg, bg, is_bold, dim, rev, under) in enumerate(row):
            f, b = colour(fg, FG), colour(bg, BG)
            if dim:
                f = tuple((a + c) // 2 for a, c in zip(f, b))
            if rev:
                f, b = b, f
            px, py = pad + x * cw, pad + y * ch
            if b != BG:
                d.rectangle([px, py, px + cw + 1, py + ch], fill=b)
            if sym.strip():
                d.text((px, py + (ch - SIZE) // 2 - 1), sym, font=bold if is_bold else font, fill=f)
            if under:
                d.line([px, py + ch - 2, px + cw, py + ch - 2], fill=f)
    img.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
