"""Draw the app's icons (PNG 192/512, a maskable 512 and favicon.ico) with Pillow.

Run once after changing the design: ``python scripts/make_icons.py``; the files are
committed under static/icons and static/favicon.ico. A white rising "ramp" on the brand
blue; the maskable icon keeps the mark inside the safe zone (the inner 80 %).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (26, 95, 208)
WHITE = (255, 255, 255)
STATIC = Path(__file__).resolve().parent.parent / "static"


def draw(size: int, *, maskable: bool) -> Image.Image:
    background = BRAND if maskable else (0, 0, 0, 0)
    image = Image.new("RGB" if maskable else "RGBA", (size, size), background)
    pen = ImageDraw.Draw(image)
    if not maskable:
        pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=BRAND)
    inset = size * (0.22 if maskable else 0.14)
    box = size - 2 * inset
    # Three steps rising to the right, then a dot: an on-ramp.
    step = box / 3
    for number in range(3):
        left = inset + number * step
        top = inset + box - (number + 1) * step * 0.8
        pen.rounded_rectangle(
            (left + step * 0.08, top, left + step * 0.92, inset + box),
            radius=int(step * 0.15),
            fill=WHITE,
        )
    return image


def main() -> None:
    icons = STATIC / "icons"
    icons.mkdir(exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(icons / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(icons / "maskable-512.png", optimize=True)
    draw(64, maskable=False).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
